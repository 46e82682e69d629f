//! Lot lookup in the real station window, headless: a worker (no PIN) holds a lot but cannot
//! release it; the supervisor PIN releases it and the history shows the supervisor; five wrong
//! PINs lock supervisor actions, the right PIN included, with a message saying when to try
//! again, and the lock is kept in an owner-only file next to the store.

mod ui_support;

use lotline::config::StationConfig;
use lotline::domain::LotStatus;
use lotline::ui::Mode;
use lotline::workflow::ReceiveRequest;
use ui_support::*;

#[test]
fn a_worker_holds_a_supervisor_releases_and_wrong_pins_lock() {
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
    config.ui.set_supervisor_pin("4711").unwrap();
    let app = site.open(config, Mode::Lookup);

    scan(&app, &pallet(7, "H7"));
    wait_for("the lot to show", || banner(&app).starts_with("RELEASED"));
    let status = || site.station().lookup(GTIN, "H7").unwrap().unwrap().status;
    let last_actor = || {
        let mut events = site.station().store().lot_events(GTIN, "H7", 10).unwrap();
        events.pop().unwrap().actor
    };

    // A worker holds it: reason, no PIN.
    fill(&app, "Reason", "dented cans on the pallet");
    let before = event_count(&site);
    tap(&app, "Hold");
    wait_for("the hold", || banner(&app).starts_with("ON HOLD"));
    assert_eq!(event_count(&site), before + 1);
    assert_eq!(status(), LotStatus::OnHold);
    assert_ne!(last_actor(), "supervisor");

    // ...but cannot release it.
    fill(&app, "Reason", "cans checked");
    tap(&app, "Release");
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(banner(&app).contains("supervisor PIN"), "{}", banner(&app));
    assert_eq!(event_count(&site), before + 1);
    assert_eq!(status(), LotStatus::OnHold);

    // The supervisor releases it with the PIN; the history says it was the supervisor.
    fill(&app, "Supervisor PIN", "4711");
    tap(&app, "Release");
    wait_for("the release", || banner(&app).starts_with("RELEASED"));
    assert_eq!(status(), LotStatus::Released);
    assert_eq!(last_actor(), "supervisor");

    // Held again by the worker, then five wrong PINs lock supervisor actions.
    fill(&app, "Reason", "label smudged");
    tap(&app, "Hold");
    wait_for("the hold", || banner(&app).starts_with("ON HOLD"));
    let before = event_count(&site);
    for n in 1..=5 {
        fill(&app, "Reason", "relabelled");
        fill(&app, "Supervisor PIN", "1234");
        tap(&app, "Release");
        wait_for("the refusal", || {
            banner(&app).starts_with("REFUSED") && shown_pin(&app).is_empty()
        });
        if n < 5 {
            assert!(
                banner(&app).contains("wrong supervisor PIN"),
                "{}",
                banner(&app)
            );
        }
    }
    assert!(banner(&app).contains("try again at"), "{}", banner(&app));

    // The right PIN is refused too while locked, saying when to try again.
    fill(&app, "Supervisor PIN", "4711");
    tap(&app, "Release");
    wait_for("the refusal", || shown_pin(&app).is_empty());
    let refused = banner(&app);
    assert!(refused.starts_with("REFUSED"), "{refused}");
    assert!(
        refused.contains("locked") && refused.contains("try again at"),
        "{refused}"
    );
    assert_eq!(event_count(&site), before);
    assert_eq!(status(), LotStatus::OnHold);

    // The lock outlives the window: it is in a file only the station's user may read.
    let lockout = site.db.with_extension("pin-lockout");
    assert!(lockout.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&lockout).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

/// What the Supervisor PIN field holds (the controller clears it after every check).
fn shown_pin(app: &lotline::ui::App) -> String {
    use slint::ComponentHandle;
    app.window
        .global::<lotline::ui::Ui>()
        .get_look_pin()
        .to_string()
}
