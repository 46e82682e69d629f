//! Lot lookup in the real station window, headless: reject and recall ask to be confirmed,
//! and a confirmed Recall starts a recall (not only a status change).

mod ui_support;

use lotline::domain::LotStatus;
use lotline::ui::Mode;
use lotline::workflow::ReceiveRequest;
use ui_support::*;

/// Reject and recall are final, so the window asks first: the first tap records nothing and
/// Cancel leaves the lot as it was; a confirmed Recall starts the same recall as `lotline
/// recall start` (listed with the other recalls), not only a status change.
#[test]
fn reject_and_recall_are_confirmed_first_and_recall_starts_a_recall() {
    init();
    let site = Site::new();
    site.station()
        .receive(
            &ReceiveRequest {
                scan: pallet(8, "K8"),
                location: "A-02".into(),
                ..Default::default()
            },
            chrono::Local::now().date_naive(),
        )
        .unwrap();
    let app = site.open(with_pin("4711"), Mode::Lookup);
    scan(&app, &pallet(8, "K8"));
    wait_for("the lot to show", || banner(&app).starts_with("RELEASED"));
    let status = || site.station().lookup(GTIN, "K8").unwrap().unwrap().status;

    fill(&app, "Reason", "supplier recall R-9");
    fill(&app, "Supervisor PIN", "4711");
    let before = event_count(&site);
    // Nothing is written for a second, pumping the window: a job a first tap had sent (a PIN
    // check takes about 0.15 s) would have written by then.
    let nothing_written = |site: &Site, before: u64| {
        for _ in 0..20 {
            pump();
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert_eq!(event_count(site), before, "a first tap recorded something");
        }
    };
    tap(&app, "Reject");
    nothing_written(&site, before);
    tap(&app, "Cancel");
    nothing_written(&site, before);
    assert_eq!(status(), LotStatus::Released);

    tap(&app, "Recall");
    nothing_written(&site, before);
    tap(&app, "Recall");
    wait_for("the recall", || banner(&app).starts_with("RECALLED"));
    assert!(banner(&app).contains("recall RC-"), "{}", banner(&app));
    assert_eq!(status(), LotStatus::Recalled);
    assert_eq!(site.station().recalls().unwrap().len(), 1);
}
