//! What the station's frame promises, in the real window, headless (software renderer): a
//! station with no server says "local only" in a neutral colour (never amber OFFLINE); the
//! banner's second line is at least 32 px high at 1280×800; the expiry board refreshes
//! itself, shows product names and locations, and a tap on a line opens the lot in Lookup.

mod ui_support;

use std::time::Duration;

use lotline::config::StationConfig;
use lotline::ui::{Mode, Ui};
use lotline::workflow::ReceiveRequest;
use slint::ComponentHandle;
use ui_support::*;

/// The share of an element's pixels on screen within `tol` of `rgb`.
fn colour_share(app: &lotline::ui::App, id: &str, rgb: [u8; 3], tol: u8) -> f64 {
    let shot = app.window.window().take_snapshot().unwrap();
    let e = element(app, id);
    let (at, size) = (e.absolute_position(), e.size());
    let (w, px) = (shot.width() as usize, shot.as_slice());
    let (mut n, mut hit) = (0, 0);
    for y in at.y as usize..(at.y + size.height) as usize {
        for x in at.x as usize..(at.x + size.width) as usize {
            let p = px[y * w + x];
            n += 1;
            let near = |a: u8, b: u8| a.abs_diff(b) <= tol;
            if near(p.r, rgb[0]) && near(p.g, rgb[1]) && near(p.b, rgb[2]) {
                hit += 1;
            }
        }
    }
    hit as f64 / n.max(1) as f64
}

fn receive(site: &Site, batch: &str, location: &str, days: i64) {
    let today = chrono::Local::now().date_naive();
    let expiry = (today + chrono::Duration::days(days)).format("%y%m%d");
    site.station()
        .receive(
            &ReceiveRequest {
                scan: format!("(01){GTIN}(17){expiry}(10){batch}(30)12"),
                location: location.into(),
                ..Default::default()
            },
            today,
        )
        .unwrap();
}

#[test]
fn local_only_is_neutral_the_banner_reads_from_afar_and_the_expiry_board_keeps_itself_up() {
    init();
    let site = Site::new();
    receive(&site, "SOON1", "A-04", 3);
    let app = site.open(StationConfig::default(), Mode::Receive);

    // No server: "LOCAL ONLY" in the muted grey, nothing amber, never OFFLINE.
    let sync = shown_value(&app, "AppWindow::sync-status");
    assert!(sync.contains("LOCAL ONLY"), "{sync}");
    assert!(!sync.contains("OFFLINE"), "{sync}");
    assert_eq!(
        colour_share(&app, "AppWindow::sync-status", [0xff, 0xc4, 0x00], 40),
        0.0,
        "no amber in the sync state"
    );
    assert!(
        colour_share(&app, "AppWindow::sync-status", [0xb9, 0xc3, 0xcd], 30) > 0.02,
        "the sync state is drawn in the muted grey"
    );

    // The banner's second line: at least 32 px at the design size.
    let message = element(&app, "Banner::message");
    assert!(
        message.size().height >= 32.0,
        "the banner's message is {} px high",
        message.size().height
    );

    // The expiry board: product name and location on each line.
    let ui = app.window.global::<Ui>();
    ui.set_exp_refresh_every(Duration::from_millis(500).as_millis() as i64);
    tap(&app, "Expiry");
    let lines = || -> Vec<String> {
        list_items(&app)
            .iter()
            .map(|l| l.accessible_label().unwrap_or_default().to_string())
            .collect()
    };
    wait_for("the board", || lines().iter().any(|l| l.contains("SOON1")));
    let line = lines().into_iter().find(|l| l.contains("SOON1")).unwrap();
    assert!(line.contains(PRODUCT), "the product's name: {line}");
    assert!(line.contains("A-04"), "where the stock is: {line}");

    // Stock received elsewhere (another station, the command line) shows by itself.
    receive(&site, "SOON2", "B-07", 5);
    wait_for("the board to refresh itself", || {
        lines()
            .iter()
            .any(|l| l.contains("SOON2") && l.contains("B-07"))
    });

    // A tap on a line opens its lot in Lookup.
    let soon2 = list_items(&app)
        .into_iter()
        .find(|l| l.accessible_label().is_some_and(|t| t.contains("SOON2")))
        .unwrap();
    soon2.invoke_accessible_default_action();
    wait_for("the lot in Lookup", || {
        ui.get_mode() == Mode::Lookup
            && ui.get_look_found()
            && ui.get_look_query().contains("SOON2")
    });
}
