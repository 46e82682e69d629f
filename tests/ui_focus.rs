//! Scans never lost for lack of keyboard focus, in the real station window, headless: the
//! window's scan handler has the keyboard at start and after each panel or dialog closes
//! (keypad, New product panel, a checkbox ticked, Lookup's confirmation, Settings saved); a
//! field that keeps it with nobody typing turns the banner into "TAP HERE TO SCAN", which
//! gives it back when tapped, and the next scan is taken.

mod ui_support;

use std::time::{Duration, Instant};

use i_slint_backend_testing::AccessibleRole;
use lotline::ui::Mode;
use slint::ComponentHandle;
use slint::platform::WindowEvent;
use ui_support::*;

fn tap_here_to_scan(app: &lotline::ui::App) -> bool {
    banner(app).starts_with("TAP HERE TO SCAN")
}

/// Pumps the window for `d`, failing if the banner says to tap it.
fn no_banner_for(app: &lotline::ui::App, d: Duration, mut each: impl FnMut()) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        each();
        pump();
        assert!(!tap_here_to_scan(app), "{}", banner(app));
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn scanning_gets_the_keyboard_back_and_says_where_to_tap_when_it_cannot() {
    init();
    let site = Site::new();
    let app = site.open(with_pin("4711"), Mode::Receive);
    assert!(scanning(&app), "the scan handler has the keyboard at start");

    // A field tapped: the keyboard is there; while someone types, no banner.
    touch_field(&app, "Supplier");
    assert!(!scanning(&app), "the tapped field has the keyboard");
    let window = app.window.window();
    no_banner_for(&app, Duration::from_secs(6), || {
        let a: slint::SharedString = "a".into();
        window.dispatch_event(WindowEvent::KeyPressed { text: a.clone() });
        window.dispatch_event(WindowEvent::KeyReleased { text: a });
    });
    // Nobody types any more (walked away): the banner says where to tap.
    wait_for("the tap-here banner", || tap_here_to_scan(&app));
    element(&app, "AppWindow::banner").invoke_accessible_default_action();
    pump();
    assert!(
        scanning(&app),
        "a tap on the banner gives the keyboard back"
    );
    assert!(!tap_here_to_scan(&app));
    scan(&app, &pallet(1, "F1"));
    wait_for("the receipt", || banner(&app).starts_with("RECEIVED"));

    // Every panel and dialog gives the keyboard back when it closes.
    // The New product panel: its checkbox ticked, then Cancel.
    scan(&app, "(01)09506000134352(17)271231(10)N1(30)25");
    wait_for("the New product panel", || {
        banner(&app).contains("New product")
    });
    touch(
        &app,
        &labelled(
            &app,
            "Lots arrive released (else quarantined until checked)",
            AccessibleRole::Checkbox,
        ),
    );
    assert!(scanning(&app), "a checkbox ticked gives the keyboard back");
    touch_field(&app, "Product name");
    assert!(!scanning(&app));
    tap(&app, "Cancel");
    assert!(scanning(&app), "the New product panel closed");

    // The keypad, closed by OK.
    touch_field(&app, "Count if not on label");
    assert!(keypad(&app).is_some());
    tap(&app, "OK");
    assert!(scanning(&app), "the keypad closed");

    // Lookup's confirmation, cancelled.
    tap(&app, "Lookup");
    scan(&app, &pallet(1, "F1"));
    wait_for("the lot", || banner(&app).starts_with("RELEASED"));
    tap(&app, "Reject");
    touch_field(&app, "Reason");
    assert!(!scanning(&app));
    tap(&app, "Cancel");
    assert!(scanning(&app), "the confirmation closed");

    // Settings saved.
    tap(&app, "Settings");
    touch_field(&app, "Station name");
    assert!(!scanning(&app));
    tap(&app, "Save");
    assert!(scanning(&app), "Settings saved");

    // With the keypad open there is no banner: it is the panel in use.
    // The PIN rows are at the end of the form: scrolled into view first.
    labelled(&app, "Station name", AccessibleRole::TextInput).scroll(0.0, -400.0);
    pump();
    touch_field(&app, lotline::ui::settings::CURRENT_PIN);
    assert!(
        keypad(&app).is_some(),
        "a PIN row of Settings opens the keypad"
    );
    no_banner_for(&app, Duration::from_secs(6), || {});
    tap(&app, "OK");
    assert!(scanning(&app));
}
