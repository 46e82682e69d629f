//! Lot lookup in the real station window, headless: a supervisor hold is refused without the
//! PIN and with a wrong one (nothing written, the lot stays released), and works with the
//! station's PIN and a reason.

mod ui_support;

use lotline::config::StationConfig;
use lotline::domain::LotStatus;
use lotline::ui::Mode;
use lotline::workflow::ReceiveRequest;
use ui_support::*;

#[test]
fn a_supervisor_hold_works_only_with_the_pin() {
    init();
    let site = Site::new();
    site.station()
        .receive(
            &ReceiveRequest {
                scan: pallet(7, "H7"),
                location: "A-02".into(),
                supplier: Some("Rossi Conserve".into()),
                ..Default::default()
            },
            chrono::Local::now().date_naive(),
        )
        .unwrap();
    let mut config = StationConfig::default();
    config.ui.supervisor_pin = Some("4711".into());
    let app = site.open(config, Mode::Lookup);

    scan(&app, &pallet(7, "H7"));
    wait_for("the lot to show", || banner(&app).starts_with("RELEASED"));
    fill(&app, "Reason", "dented cans on the pallet");
    let before = event_count(&site);
    let status = || site.station().lookup(GTIN, "H7").unwrap().unwrap().status;

    // No PIN typed.
    tap(&app, "Hold");
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(banner(&app).contains("supervisor PIN"), "{}", banner(&app));
    assert_eq!(event_count(&site), before);
    assert_eq!(status(), LotStatus::Released);

    // A wrong PIN.
    fill(&app, "Supervisor PIN", "1234");
    tap(&app, "Hold");
    wait_for("the refusal", || {
        banner(&app).contains("wrong supervisor PIN")
    });
    assert_eq!(event_count(&site), before);
    assert_eq!(status(), LotStatus::Released);

    // The right PIN: held, one event, and the lot shown again with its new status.
    fill(&app, "Supervisor PIN", "4711");
    tap(&app, "Hold");
    wait_for("the hold", || banner(&app).starts_with("ON HOLD"));
    assert_eq!(event_count(&site), before + 1);
    assert_eq!(status(), LotStatus::OnHold);
    let history: Vec<_> = site.station().store().lot_events(GTIN, "H7", 10).unwrap();
    assert_eq!(history.len(), 2, "received, then held");
}
