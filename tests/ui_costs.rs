//! Costs in the real station window, headless: at a supervisor's station (`[ui] show_costs`)
//! Receive has a "Unit cost (EUR)" field; a pallet scanned with it typed is received at that
//! cost (the field stays for the next pallet of the same delivery), a cost that is not an
//! amount refuses the scan and records nothing; Lot lookup shows the lot's unit cost.

mod ui_support;

use i_slint_backend_testing::ElementHandle;
use lotline::config::StationConfig;
use lotline::domain::money::Currency;
use lotline::ui::Mode;
use ui_support::*;

/// The value of the info row labelled `label` (none: `None`).
fn row(app: &lotline::ui::App, label: &str) -> Option<String> {
    ElementHandle::find_by_accessible_label(&app.window, label)
        .find(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Text))
        .and_then(|e| e.accessible_value())
        .map(|v| v.to_string())
}

#[test]
fn a_supervisors_station_receives_at_a_unit_cost_and_shows_it_in_lookup() {
    init();
    let site = Site::new();
    let mut config = StationConfig::default();
    config.ui.show_costs = true;
    let app = site.open(config, Mode::Receive);

    fill(&app, "Location", "DOCK-1");
    fill(&app, "Unit cost (EUR)", "1,25");
    app.window.invoke_refocus();
    let before = event_count(&site);
    scan(&app, &pallet(1, "C1"));
    wait_for("the refusal of the cost", || {
        banner(&app).contains("Unit cost")
    });
    assert!(
        banner(&app).contains("nothing was received"),
        "{}",
        banner(&app)
    );
    assert_eq!(event_count(&site), before);

    fill(&app, "Unit cost (EUR)", "1.25");
    app.window.invoke_refocus();
    scan(&app, &pallet(2, "C2"));
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));
    let cost = site
        .station()
        .lot_cost(GTIN, "C2", &Currency::default())
        .unwrap();
    assert_eq!(cost.total_cost.unwrap().to_string(), "50.00", "40 × 1.25");

    // Lot lookup shows it.
    tap(&app, "Lookup");
    scan(&app, "C2");
    wait_for("the lot", || banner(&app).starts_with("RELEASED"));
    wait_for("its unit cost", || row(&app, "Unit cost").is_some());
    assert_eq!(row(&app, "Unit cost").as_deref(), Some("1.2500 EUR"));
}
