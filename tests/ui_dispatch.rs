//! Dispatch in the real station window, headless: a recalled lot scanned onto a shipment is
//! refused loud and clear (full-width red banner naming the reason, the shipment log) and the
//! store file gains no event; a released lot scanned next ships.

mod ui_support;

use lotline::config::StationConfig;
use lotline::domain::LotStatus;
use lotline::domain::status::Role;
use lotline::ui::Mode;
use lotline::workflow::{ReceiveRequest, StatusRequest};
use ui_support::*;

#[test]
fn a_recalled_lot_scanned_in_dispatch_is_refused_and_writes_nothing() {
    init();
    let site = Site::new();
    {
        let mut station = site.station();
        for (serial, batch) in [(1, "R1"), (2, "OK2")] {
            station
                .receive(
                    &ReceiveRequest {
                        scan: pallet(serial, batch),
                        location: "A-01".into(),
                        ..Default::default()
                    },
                    chrono::Local::now().date_naive(),
                )
                .unwrap();
        }
        // A lot near its date, for the expiry board.
        let today = chrono::Local::now().date_naive();
        let soon = (today + chrono::Days::new(5)).format("%y%m%d");
        station
            .receive(
                &ReceiveRequest {
                    scan: format!("(01){GTIN}(17){soon}(10)SOON(30)5"),
                    location: "A-02".into(),
                    ..Default::default()
                },
                today,
            )
            .unwrap();
        station
            .set_status(&StatusRequest {
                gtin: GTIN.into(),
                batch: "R1".into(),
                to: LotStatus::Recalled,
                role: Role::Supervisor,
                reason: "supplier recall 2026-11".into(),
            })
            .unwrap();
    }
    let app = site.open(StationConfig::default(), Mode::Receive);
    tap(&app, "Dispatch");
    fill(&app, "Customer", "Bottega Verdi");
    app.window.invoke_refocus();

    let before = event_count(&site);
    scan(&app, &pallet(1, "R1"));
    wait_for("the refusal", || {
        banner(&app).starts_with("STOP — RECALLED")
    });
    assert!(banner(&app).contains("R1"), "{}", banner(&app));
    assert_eq!(event_count(&site), before, "a refusal writes nothing");
    assert_eq!(
        shown_value(&app, "DispatchView::shipped-count"),
        "Shipped 0\nRefused 1"
    );
    let lot = site.station().lookup(GTIN, "R1").unwrap().unwrap();
    assert_eq!(lot.on_hand(), 40, "the recalled pallet is still here");

    // The next pallet, released, ships: green, one event.
    scan(&app, &pallet(2, "OK2"));
    wait_for("the shipment", || banner(&app).starts_with("SHIPPED"));
    assert!(
        banner(&app).contains("shipped 40 of lot OK2 to Bottega Verdi"),
        "{}",
        banner(&app)
    );
    assert_eq!(event_count(&site), before + 1);
    assert_eq!(
        shown_value(&app, "DispatchView::shipped-count"),
        "Shipped 1\nRefused 1"
    );

    // The pallet went to the wrong customer: undone with a reason, its stock is back and the
    // log keeps both the dispatch and its undo.
    fill(&app, "Undo reason", "wrong customer");
    tap(&app, "Undo last");
    wait_for("the undo", || banner(&app).starts_with("UNDONE"));
    assert!(banner(&app).contains("wrong customer"), "{}", banner(&app));
    assert_eq!(event_count(&site), before + 2);
    let lot = site.station().lookup(GTIN, "OK2").unwrap().unwrap();
    assert_eq!(lot.on_hand(), 40, "the pallet is back in stock");
    assert_eq!(
        shown_value(&app, "DispatchView::shipped-count"),
        "Shipped 0\nRefused 1"
    );

    // The expiry board names the product and where the stock is; a row opens its lot.
    tap(&app, "Expiry");
    tap(&app, "Refresh");
    let row = |app: &lotline::ui::App| {
        i_slint_backend_testing::ElementQuery::from_root(&app.window)
            .match_descendants()
            .match_predicate(|e| {
                e.accessible_label()
                    .is_some_and(|l| l.contains("lot SOON") && l.contains("A-02 5"))
            })
            .find_all()
    };
    wait_for("the board's row for SOON", || !row(&app).is_empty());
    let line = row(&app).remove(0);
    assert!(
        line.accessible_label().unwrap().contains(PRODUCT),
        "{:?}",
        line.accessible_label()
    );
    line.invoke_accessible_default_action();
    pump();
    wait_for("the lot opened in Lookup", || {
        banner(&app).contains("SOON") && banner(&app).starts_with("RELEASED")
    });
}
