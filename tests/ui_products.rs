//! Products in the real station window, headless: the list of the products the store knows
//! (how their lots arrive, their receiving rules); a supervisor changes one tapped in the list
//! and adds one, proving it with the station PIN typed on the on-screen keypad; a wrong PIN
//! changes nothing.

mod ui_support;

use i_slint_backend_testing::AccessibleRole;
use lotline::domain::LotStatus;
use lotline::ui::Mode;
use ui_support::*;

const FLOUR: &str = "09506000134352";

fn type_pin_on_keypad(app: &lotline::ui::App, pin: &str) {
    touch_field(app, "Supervisor PIN");
    assert!(
        keypad(app).is_some(),
        "a tap on the PIN field opens the keypad"
    );
    tap(app, "Clear");
    for d in pin.chars() {
        tap(app, &d.to_string());
    }
    let shown = keypad(app).unwrap();
    assert_eq!(shown, "●".repeat(pin.len()));
    assert!(!shown.contains(pin), "the PIN stays masked: {shown}");
    tap(app, "OK");
    assert!(keypad(app).is_none(), "OK closes the keypad");
    assert!(scanning(app), "and scanning has the keyboard again");
}

#[test]
fn a_supervisor_lists_changes_and_adds_products() {
    init();
    let site = Site::new();
    let app = site.open(with_pin("4711"), Mode::Receive);
    tap(&app, "Products");
    wait_for("the product list", || !list_items(&app).is_empty());
    let lines = list_items(&app);
    let texts: Vec<_> = lines.iter().map(|l| l.accessible_label()).collect();
    assert_eq!(lines.len(), 1, "{texts:?}");
    let line = lines[0].accessible_label().unwrap().to_string();
    assert!(line.contains(PRODUCT) && line.contains(GTIN), "{line}");
    assert!(line.contains("arrive released"), "{line}");
    assert!(line.contains("expired refused"), "{line}");

    // A tap on the line puts the product in the form.
    lines[0].invoke_accessible_default_action();
    pump();
    assert_eq!(field_value(&app, "GTIN"), GTIN);
    assert_eq!(field_value(&app, "Name"), PRODUCT);
    let released = || {
        labelled(
            &app,
            "Lots arrive released (else quarantined until checked)",
            AccessibleRole::Checkbox,
        )
    };
    assert_eq!(released().accessible_checked(), Some(true));

    // Changed: quarantined on arrival, a minimum shelf life; a wrong PIN records nothing.
    fill(&app, "Name", "Tomato passata 500 g x 6");
    released().invoke_accessible_default_action();
    fill(&app, "Min shelf life (days)", "30");
    let before = event_count(&site);
    type_pin_on_keypad(&app, "1111");
    tap(&app, "Save product");
    wait_for("the PIN refusal", || {
        banner(&app).contains("wrong supervisor PIN")
    });
    assert_eq!(event_count(&site), before);
    assert_eq!(
        field_value(&app, "Supervisor PIN"),
        "",
        "the PIN is not kept"
    );

    type_pin_on_keypad(&app, "4711");
    tap(&app, "Save product");
    wait_for("the change", || banner(&app).starts_with("PRODUCT CHANGED"));
    let p = site.station().product(GTIN).unwrap().unwrap();
    assert_eq!(p.name, "Tomato passata 500 g x 6");
    assert_eq!(p.receive_as, LotStatus::Quarantined);
    assert_eq!(p.receiving.min_shelf_life_days, Some(30));
    let last = site.station().store().events().unwrap().pop().unwrap();
    assert_eq!(
        last.event.name(),
        "product_registered",
        "as `product add` records it"
    );
    wait_for("the list updated", || {
        list_items(&app).iter().any(|l| {
            let t = l.accessible_label().unwrap().to_string();
            t.contains("x 6") && t.contains("arrive quarantined") && t.contains("30 days")
        })
    });

    // Added: New product empties the form.
    tap(&app, "New product");
    assert_eq!(field_value(&app, "GTIN"), "");
    fill(&app, "GTIN", FLOUR);
    fill(&app, "Name", "Flour T55 25 kg");
    type_pin_on_keypad(&app, "4711");
    tap(&app, "Save product");
    wait_for("the registration", || {
        banner(&app).starts_with("PRODUCT REGISTERED")
    });
    let flour = site.station().product(FLOUR).unwrap().unwrap();
    assert_eq!(flour.name, "Flour T55 25 kg");
    assert_eq!(flour.receive_as, LotStatus::Quarantined);
    wait_for("both products listed", || list_items(&app).len() == 2);
    assert!(scanning(&app), "saving gives the keyboard back to scanning");
}
