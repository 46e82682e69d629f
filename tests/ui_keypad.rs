//! The on-screen keypad in the real station window, headless: a tap on a count field opens
//! it and its keys (digits, backspace, clear) type into the field; OK closes it and scanning
//! has the keyboard again, and the count typed is used. A PIN typed on it stays dots.

mod ui_support;

use lotline::ui::Mode;
use slint::ComponentHandle;
use slint::platform::WindowEvent;
use ui_support::*;

const COUNT: &str = "Count if not on label";

#[test]
fn the_keypad_types_a_count_and_a_masked_pin() {
    init();
    let site = Site::new();
    let app = site.open(with_pin("4711"), Mode::Receive);
    assert!(keypad(&app).is_none(), "no keypad until a field is tapped");

    touch_field(&app, COUNT);
    assert_eq!(keypad(&app).as_deref(), Some(""), "the keypad opens, empty");
    for key in ["2", "5", "⌫", "4", "7"] {
        tap(&app, key);
    }
    assert_eq!(keypad(&app).as_deref(), Some("247"));
    assert_eq!(field_value(&app, COUNT), "247", "typed into the field");
    tap(&app, "Clear");
    assert_eq!(field_value(&app, COUNT), "");
    tap(&app, "2");
    tap(&app, "4");
    tap(&app, "OK");
    assert!(keypad(&app).is_none(), "OK closes the keypad");
    assert!(scanning(&app), "scanning has the keyboard again");

    // The next label without a count is received with the count typed on the keypad.
    scan(&app, &format!("(01){GTIN}(17)271231(10)KP1"));
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));
    let lot = site.station().lookup(GTIN, "KP1").unwrap().unwrap();
    assert_eq!(lot.on_hand(), 24);
    assert_eq!(field_value(&app, COUNT), "", "a typed count is used once");

    // A keyboard still types into the field, and the keypad follows.
    touch_field(&app, COUNT);
    for c in ["1", "2"] {
        let text: slint::SharedString = c.into();
        let window = app.window.window();
        window.dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        window.dispatch_event(WindowEvent::KeyReleased { text });
    }
    pump();
    assert_eq!(field_value(&app, COUNT), "12");
    assert_eq!(keypad(&app).as_deref(), Some("12"));
    tap(&app, "Clear");
    tap(&app, "OK");

    // The keypad opened again starts from what the field holds.
    touch_field(&app, COUNT);
    tap(&app, "9");
    tap(&app, "OK");
    touch_field(&app, COUNT);
    assert_eq!(keypad(&app).as_deref(), Some("9"));
    tap(&app, "OK");

    // A PIN: the keypad shows a dot per digit, never them.
    scan(&app, "(01)09506000134352(17)271231(10)F1(30)25");
    wait_for("the New product panel", || {
        banner(&app).contains("New product")
    });
    fill(&app, "Product name", "Flour T55 25 kg");
    touch_field(&app, "Supervisor PIN");
    for d in ["4", "7", "1", "1"] {
        tap(&app, d);
    }
    let shown = keypad(&app).unwrap();
    assert_eq!(shown, "●●●●");
    tap(&app, "OK");
    assert!(scanning(&app));
    tap(&app, "Register product");
    wait_for("the registration", || {
        banner(&app).starts_with("PRODUCT REGISTERED")
    });
}
