//! First run in the real station window, headless: on an empty store (no products, no events)
//! a set-up guide of four steps (products, printer, scanner, server) shows over the view,
//! scanning still works under it, each step opens the place where it is set, and Skip closes
//! it; a store already in use never shows it.

mod ui_support;

use lotline::config::StationConfig;
use lotline::ui::{Mode, Ui};
use slint::{ComponentHandle, Model};
use ui_support::*;

fn guide(app: &lotline::ui::App) -> Option<String> {
    i_slint_backend_testing::ElementHandle::find_by_accessible_label(&app.window, "first run")
        .next()
        .map(|e| e.accessible_value().unwrap_or_default().to_string())
}

fn mode(app: &lotline::ui::App) -> Mode {
    app.window.global::<Ui>().get_mode()
}

#[test]
fn an_empty_store_gets_a_set_up_guide_and_a_store_in_use_does_not() {
    init();
    let empty = Site::empty();
    let app = empty.open(StationConfig::default(), Mode::Receive);
    wait_for("the guide", || guide(&app).is_some());
    assert!(guide(&app).unwrap().contains("Products"));
    assert!(
        scanning(&app),
        "scanning keeps the keyboard under the guide"
    );
    tap(&app, "Next");
    assert!(guide(&app).unwrap().contains("Printer"));
    tap(&app, "Next");
    assert!(guide(&app).unwrap().contains("Scanner"));
    tap(&app, "Next");
    assert!(guide(&app).unwrap().contains("Server"));
    tap(&app, "Open Settings");
    assert!(
        guide(&app).is_none(),
        "the guide goes where the step is set"
    );
    assert_eq!(mode(&app), Mode::Settings);
    assert!(scanning(&app));
    drop(app);

    // Again on the still empty store: its first step opens Products; Skip closes it.
    let app = empty.open(StationConfig::default(), Mode::Receive);
    wait_for("the guide", || guide(&app).is_some());
    app.window.global::<Ui>().set_first_run_step(0);
    tap(&app, "Open Products");
    assert_eq!(mode(&app), Mode::Products);
    assert!(guide(&app).is_none());
    drop(app);
    let app = empty.open(StationConfig::default(), Mode::Dispatch);
    wait_for("the guide", || guide(&app).is_some());
    tap(&app, "Skip");
    assert!(guide(&app).is_none());
    assert_eq!(
        mode(&app),
        Mode::Dispatch,
        "Skip leaves the station as it was"
    );
    drop(app);

    // A scan under the guide is taken, and the guide goes: the station is in use.
    let app = empty.open(StationConfig::default(), Mode::Receive);
    wait_for("the guide", || guide(&app).is_some());
    scan(&app, "(01)09506000134352(17)271231(10)F1(30)25");
    wait_for("the scan's answer", || banner(&app).contains("New product"));
    assert!(guide(&app).is_none());
    drop(app);

    // A store in use never shows it.
    let used = Site::new();
    let app = used.open(StationConfig::default(), Mode::Receive);
    // The worker answers in order: once the expiry board (asked after the first-run check)
    // is there, the check has answered.
    tap(&app, "Expiry");
    wait_for("the expiry board", || {
        app.window.global::<Ui>().get_exp_lines().row_count() > 0
    });
    pump();
    assert!(guide(&app).is_none(), "a station in use gets no guide");
}
