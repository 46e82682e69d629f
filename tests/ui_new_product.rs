//! Receive in the real station window, headless: a label of a product the site does not know
//! opens the New product panel, where a supervisor (the station PIN here) registers it with a
//! name and whether its lots arrive released; the label scanned again is received.

mod ui_support;

use lotline::domain::LotStatus;
use lotline::ui::Mode;
use ui_support::*;

const FLOUR: &str = "09506000134352";

#[test]
fn an_unknown_gtin_is_registered_at_the_station_and_then_received() {
    init();
    let site = Site::new();
    let app = site.open(with_pin("4711"), Mode::Receive);
    let label = format!("(01){FLOUR}(17)271231(10)F1(30)25");

    scan(&app, &label);
    wait_for("the refusal", || banner(&app).starts_with("REFUSED"));
    assert!(banner(&app).contains("New product"), "{}", banner(&app));
    let before = event_count(&site);

    // A wrong PIN registers nothing.
    fill(&app, "Product name", "Flour T55 25 kg");
    fill(&app, "Supervisor PIN", "1111");
    tap(&app, "Register product");
    wait_for("the PIN refusal", || {
        banner(&app).contains("wrong supervisor PIN")
    });
    assert_eq!(event_count(&site), before);

    fill(&app, "Supervisor PIN", "4711");
    tap(&app, "Register product");
    wait_for("the registration", || {
        banner(&app).starts_with("PRODUCT REGISTERED")
    });
    let product = site.station().product(FLOUR).unwrap().unwrap();
    assert_eq!(product.name, "Flour T55 25 kg");
    assert_eq!(
        product.receive_as,
        LotStatus::Quarantined,
        "released was not ticked"
    );

    // Typing the name and PIN takes longer than the scanner's doubled-read window (1 s).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    app.window.invoke_refocus();
    scan(&app, &label);
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));
    assert_eq!(
        site.station()
            .lookup(FLOUR, "F1")
            .unwrap()
            .unwrap()
            .on_hand(),
        25
    );
}
