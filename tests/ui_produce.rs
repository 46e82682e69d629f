//! Produce and printing in the real station window, headless: a batch started from the form
//! gets its number from the site format, a scanned input lot is consumed into it (genealogy in
//! the store file), the label preview appears, and Print sends the batch label to the
//! station's printer (a folder here) without blocking the window; Receive's one-tap internal
//! label goes the same way.

mod ui_support;

use lotline::config::StationConfig;
use lotline::printer::PrintTarget;
use lotline::ui::{Mode, Ui};
use lotline::workflow::ReceiveRequest;
use slint::ComponentHandle;
use ui_support::*;

fn pdfs(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_batch_started_consumes_a_scanned_input_and_its_label_prints() {
    init();
    let site = Site::new();
    site.station()
        .receive(
            &ReceiveRequest {
                scan: pallet(3, "IN3"),
                location: "A-03".into(),
                ..Default::default()
            },
            chrono::Local::now().date_naive(),
        )
        .unwrap();
    let out = site.dir.path().join("labels");
    std::fs::create_dir_all(&out).unwrap();
    let mut config = StationConfig {
        printer: Some(PrintTarget::Folder { dir: out.clone() }),
        ..Default::default()
    };
    config.site.batch_format = "P{SEQ:3}".into();
    // The input pallet is scanned twice within a second on purpose (refused, then consumed):
    // no doubled-read window here.
    config.scanner.duplicate_window_ms = 0;
    let app = site.open(config, Mode::Produce);

    // A scan before any batch is started is refused, not guessed.
    scan(&app, &pallet(3, "IN3"));
    wait_for("the refusal", || {
        banner(&app).contains("start a batch first")
    });

    fill(&app, "Product GTIN", GTIN);
    fill(&app, "Quantity", "120");
    fill(&app, "Expiry (YYYY-MM-DD, optional)", "2027-06-30");
    tap(&app, "Start batch");
    wait_for("the batch", || banner(&app).starts_with("BATCH P001"));
    assert_eq!(shown_value(&app, "ProduceView::batch-row"), "P001");

    app.window.invoke_refocus();
    scan(&app, &pallet(3, "IN3"));
    wait_for("the consumption", || banner(&app).starts_with("CONSUMED"));
    let station = site.station();
    assert_eq!(station.lookup(GTIN, "IN3").unwrap().unwrap().on_hand(), 0);
    assert_eq!(
        station.lookup(GTIN, "P001").unwrap().unwrap().on_hand(),
        120
    );
    let backward = station
        .trace(
            "P001",
            Some(GTIN),
            lotline::domain::trace::Direction::Backward,
            None,
        )
        .unwrap();
    assert!(
        backward.lots.iter().any(|l| l.batch == "IN3"),
        "{backward:?}"
    );

    wait_for("the preview", || {
        app.window.global::<Ui>().get_prod_has_preview()
    });
    let preview = app.window.global::<Ui>().get_prod_preview().size();
    assert!(preview.width > 100 && preview.height > 100, "{preview:?}");

    tap(&app, "Print labels");
    wait_for("the print", || !banner(&app).starts_with("PRINTING"));
    assert!(banner(&app).starts_with("PRINTED"), "{}", banner(&app));
    assert_eq!(pdfs(&out), 1);

    // Receive: one tap prints an internal label for the lot just received.
    tap(&app, "Receive");
    scan(&app, &pallet(4, "R4"));
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));
    tap(&app, "Print internal label");
    wait_for("the internal label", || banner(&app).starts_with("PRINTED"));
    assert_eq!(pdfs(&out), 2);
}
