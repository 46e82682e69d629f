//! Receive in the real station window, headless: a keyboard-wedge scan typed with Enter (no
//! field tapped first) records the lot in the store file and the screen shows what the label
//! carried; location and supplier typed once stay for the next scans; a label without a count
//! takes the count typed at the station (and only such a label); a doubled read counts
//! once; a label that is not GS1 data records nothing.

mod ui_support;

use lotline::config::StationConfig;
use lotline::ui::Mode;
use ui_support::*;

#[test]
fn a_wedge_scan_with_enter_in_receive_records_the_lot_and_shows_it() {
    init();
    let site = Site::new();
    let app = site.open(StationConfig::default(), Mode::Receive);

    // Costs are a supervisor's station's (`[ui] show_costs`): not asked here.
    assert!(
        i_slint_backend_testing::ElementHandle::find_by_accessible_label(
            &app.window,
            "Unit cost (EUR)"
        )
        .next()
        .is_none()
    );
    fill(&app, "Location", "DOCK-3");
    fill(&app, "Supplier", "Rossi Conserve");
    // The fields were filled as a person would; scanning must still need no tap.
    app.window.invoke_refocus();

    let before = event_count(&site);
    scan(&app, &pallet(1, "B2611"));
    wait_for("the receipt's feedback", || {
        banner(&app).starts_with("RECEIVED")
    });

    // What to do is read from 2 m: the banner's message is set in 32 px type at 1280×800.
    let message = element(&app, "Banner::message");
    assert!(
        message.size().height >= 32.0,
        "the banner's message is {} px high",
        message.size().height
    );
    assert_eq!(shown_value(&app, "ReceiveView::product-row"), PRODUCT);
    assert_eq!(shown_value(&app, "ReceiveView::batch-row"), "B2611");
    assert_eq!(shown_value(&app, "ReceiveView::expiry-row"), "2027-12-31");
    assert_eq!(shown_value(&app, "ReceiveView::quantity-row"), "40");
    assert!(
        banner(&app).contains("received 40 x Tomato passata 500 g x 12 batch B2611 into DOCK-3"),
        "{}",
        banner(&app)
    );

    // A second pallet: same location and supplier without typing them again.
    scan(&app, &pallet(2, "B2612"));
    wait_for("the second receipt", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2612"
    });
    assert_eq!(event_count(&site), before + 2);

    let station = site.station();
    for batch in ["B2611", "B2612"] {
        let lot = station
            .lookup(GTIN, batch)
            .unwrap()
            .unwrap_or_else(|| panic!("lot {batch} in the store file"));
        assert_eq!(lot.stock, vec![("DOCK-3".to_string(), 40)]);
        assert_eq!(lot.supplier.as_deref(), Some("Rossi Conserve"));
        assert_eq!(lot.expiry.unwrap().to_string(), "2027-12-31");
    }

    // The scanner reads the same pallet twice in a row: it counts once, like in `lotline scan`.
    scan(&app, &pallet(2, "B2612"));
    // A label that is not GS1 data: orange, and nothing recorded.
    scan(&app, "HELLO-WORLD");
    wait_for("the invalid scan's feedback", || {
        banner(&app).starts_with("NOT A VALID LABEL")
    });
    assert_eq!(event_count(&site), before + 2);

    // A supplier label without a count (30)/(37): refused, saying where to give it.
    // (Each scan is another lot: the same label again within a second is a doubled read.)
    let no_count = |batch: &str| format!("]C101{GTIN}10{batch}");
    scan(&app, &no_count("B2613"));
    wait_for("the refusal of a label without a count", || {
        banner(&app).contains("the label carries no count")
    });
    assert!(
        banner(&app).contains("Count if not on label"),
        "{}",
        banner(&app)
    );
    assert_eq!(event_count(&site), before + 2);
    // Not a number in the field: refused at the station, nothing sent.
    fill(&app, "Count if not on label", "twelve");
    app.window.invoke_refocus();
    scan(&app, &no_count("B2615"));
    wait_for("the refusal of a count that is not a number", || {
        banner(&app).contains("type a whole number")
    });
    assert_eq!(event_count(&site), before + 2);
    // The count typed for it: received with that count; the field empties for the next label.
    fill(&app, "Count if not on label", "12");
    app.window.invoke_refocus();
    scan(&app, &no_count("B2616"));
    wait_for("the receipt with the typed count", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2616"
    });
    assert_eq!(shown_value(&app, "ReceiveView::quantity-row"), "12");
    assert_eq!(event_count(&site), before + 3);
    let typed: Vec<_> = i_slint_backend_testing::ElementHandle::find_by_accessible_label(
        &app.window,
        "Count if not on label",
    )
    .filter_map(|e| e.accessible_value())
    .collect();
    assert_eq!(typed, vec![slint::SharedString::from("")]);
    // A label that carries its own count keeps it, whatever is typed.
    fill(&app, "Count if not on label", "5");
    app.window.invoke_refocus();
    scan(&app, &pallet(3, "B2614"));
    wait_for("the receipt of a counted label", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2614"
    });
    assert_eq!(shown_value(&app, "ReceiveView::quantity-row"), "40");

    // A logistic label read as its three barcodes: the first two wait on screen, saying what
    // is still needed; the third completes it into one receipt.
    fill(&app, "Count if not on label", "");
    app.window.invoke_refocus();
    let sscc = lotline::gs1::make_sscc(0, "9501101", 7).unwrap();
    let before = event_count(&site);
    scan(&app, &format!("]C100{sscc}"));
    wait_for("the partial label", || {
        banner(&app).starts_with("SCAN THE OTHER BARCODES")
    });
    assert!(
        banner(&app).contains("need GTIN and lot"),
        "{}",
        banner(&app)
    );
    scan(&app, &format!("]C102{GTIN}3724"));
    wait_for("the second barcode", || banner(&app).contains("count 24"));
    assert_eq!(
        event_count(&site),
        before,
        "nothing recorded before the label is whole"
    );
    scan(&app, "]C11727123110B2617");
    wait_for("the receipt of the whole label", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2617"
    });
    assert_eq!(shown_value(&app, "ReceiveView::quantity-row"), "24");
    assert_eq!(event_count(&site), before + 1);
    // The same pallet again: amber, named, nothing recorded.
    scan(&app, &format!("]C102{GTIN}3724"));
    scan(&app, &format!("]C100{sscc}"));
    wait_for("the repeat pallet", || {
        banner(&app).starts_with("ALREADY RECEIVED")
    });
    assert!(banner(&app).contains(&sscc), "{}", banner(&app));
    assert_eq!(event_count(&site), before + 1);
}
