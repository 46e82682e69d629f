//! Close shipment in the real station window, headless: a received pallet and a case shipped
//! to a customer under a reference; Close shipment asks first (Cancel closes nothing), then
//! records one close naming the pallet intact and the case on a built pallet with a new
//! SSCC, writes the despatch note and the labels where the station keeps its reports and
//! starts a new shipment; a pallet scanned under the closed reference is stopped.

mod ui_support;

use lotline::config::StationConfig;
use lotline::ui::Mode;
use lotline::workflow::ReceiveRequest;
use ui_support::*;

#[test]
fn close_shipment_asks_first_then_records_the_close_and_writes_its_documents() {
    init();
    let site = Site::new();
    let today = chrono::Local::now().date_naive();
    {
        let mut station = site.station();
        for scan in [pallet(1, "P1"), format!("(01){GTIN}(17)271231(10)C2(30)50")] {
            station
                .receive(
                    &ReceiveRequest {
                        scan,
                        location: "A-01".into(),
                        ..Default::default()
                    },
                    today,
                )
                .unwrap();
        }
    }
    let docs = site.dir.path().join("docs");
    let mut config = StationConfig::default();
    config.site.company_prefix = Some("9501101".into());
    config.site.sscc_extension = 5;
    config.ui.report_dir = Some(docs.clone());
    let app = site.open(config, Mode::Dispatch);
    fill(&app, "Customer", "Bottega Verdi");
    fill(&app, "Shipment", "SO-42");
    app.window.invoke_refocus();
    scan(&app, &pallet(1, "P1"));
    wait_for("the pallet shipped", || banner(&app).starts_with("SHIPPED"));
    fill(&app, "Count if not on label", "6");
    app.window.invoke_refocus();
    scan(&app, &format!("(01){GTIN}(10)C2"));
    wait_for("the case shipped", || {
        shown_value(&app, "DispatchView::shipped-count") == "Shipped 2\nRefused 0"
    });

    // Asked first: Cancel closes nothing.
    let before = event_count(&site);
    tap(&app, "Close shipment");
    tap(&app, "Cancel");
    assert_eq!(event_count(&site), before);
    tap(&app, "Close shipment");
    tap(&app, "Close it");
    wait_for("the close", || banner(&app).starts_with("SHIPMENT CLOSED"));
    let said = banner(&app);
    assert!(
        said.contains("SO-42 to Bottega Verdi: 2 pallets, 46 units"),
        "{said}"
    );
    assert!(said.contains(docs.to_str().unwrap()), "{said}");
    assert_eq!(event_count(&site), before + 1);
    let written: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(written.len(), 2, "the note and the labels: {written:?}");
    let closed = site
        .station()
        .closed_shipment("Bottega Verdi", Some("SO-42"))
        .unwrap()
        .expect("the close recorded");
    assert_eq!(
        closed.pallets[0].sscc,
        lotline::gs1::make_sscc(0, "9501101", 1).unwrap(),
        "the received pallet leaves intact"
    );
    assert!(closed.pallets[1].sscc.starts_with("59501101"));
    // A new shipment: the log and the tallies start anew, the reference is cleared.
    assert_eq!(
        shown_value(&app, "DispatchView::shipped-count"),
        "Shipped 0\nRefused 0"
    );

    // The closed reference takes no more (the same case as its scanner sends it: the same text
    // again so soon would be taken for a doubled scan).
    fill(&app, "Shipment", "SO-42");
    fill(&app, "Count if not on label", "1");
    app.window.invoke_refocus();
    scan(&app, &format!("]C101{GTIN}10C2"));
    wait_for("the scan judged", || {
        !banner(&app).starts_with("SHIPMENT CLOSED")
    });
    assert!(
        banner(&app).starts_with("STOP — SHIPMENT CLOSED"),
        "{}",
        banner(&app)
    );
    assert_eq!(event_count(&site), before + 1);
}
