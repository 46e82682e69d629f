//! The real station window under Xvfb (the headless UI tests use Slint's testing backend): the
//! `lotline` binary is started as an operator starts it, a keyboard-wedge scanner types a GS1
//! pallet label into the window with no field tapped (GS sent as Ctrl+]), and the store file
//! records the lot, seen through `lotline lot show --json` as a script would; the screen shows
//! the green receipt banner. The station then stops cleanly on SIGTERM with the lot kept.

mod support;
mod ui_x11;

use std::time::Duration;

use lotline::domain::LotStatus;
use lotline::workflow::{Identity, Station};
use ui_x11::*;

const GTIN: &str = "09501101530003";

#[test]
fn a_wedge_scan_typed_into_the_real_window_records_the_lot() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let config = dir.path().join("lotline.toml");
    std::fs::write(&config, "[ui]\nstation = \"dock-1\"\nsounds = false\n").unwrap();
    Station::open(
        &db,
        Identity {
            station: "setup".into(),
            actor: "test".into(),
        },
    )
    .unwrap()
    .register_product(GTIN, "Tomato passata 500 g x 12", LotStatus::Released)
    .unwrap();

    let x = Xvfb::start(1280, 800);
    let mut station = StationWindow::open(&x, &db, &config, "receive", false);
    assert_eq!(
        station.geometry(&x),
        (0, 0, 1280, 800),
        "the window opens at its 1280×800 design size"
    );

    // SSCC, content GTIN, count 40 (variable length: GS after it), expiry, batch.
    let sscc = lotline::gs1::make_sscc(0, "9501101", 7).unwrap();
    x.scan(&[&format!("]C100{sscc}02{GTIN}3740"), "1727123110W-2611"]);

    let show = || {
        support::run(&[
            "--db",
            db.to_str().unwrap(),
            "lot",
            "show",
            "W-2611",
            "--gtin",
            GTIN,
            "--json",
        ])
    };
    wait_until("the lot in the store file", Duration::from_secs(30), || {
        show().status.success()
    });
    let lot: serde_json::Value = serde_json::from_slice(&show().stdout).unwrap();
    assert_eq!(lot["expiry"], "2027-12-31", "{lot}");
    assert_eq!(lot["status"], "released", "{lot}");
    assert_eq!(
        lot["stock"],
        serde_json::json!([{"location": "RECEIVING", "quantity": 40}]),
        "the label's count at the default location: {lot}"
    );

    // The feedback was rendered: the banner (upper third of the screen) is the theme's green.
    let ok = theme_colour("ok");
    let shot = dir.path().join("received.png");
    wait_until(
        "the green banner on screen",
        Duration::from_secs(10),
        || share(&x.screenshot(&shot), (0, 0, 1280, 266), |p| near(p, ok, 6)) > 0.3,
    );

    // Something that is not a label: orange, nothing recorded, and the window still scans.
    x.scan(&["HELLO-WORLD"]);
    let invalid = theme_colour("invalid");
    wait_until("the orange banner", Duration::from_secs(10), || {
        share(&x.screenshot(&shot), (0, 0, 1280, 266), |p| {
            near(p, invalid, 6)
        }) > 0.3
    });
    assert_eq!(
        support::run(&["--db", db.to_str().unwrap(), "store", "verify"])
            .status
            .code(),
        Some(0)
    );
    assert!(station.running(), "{}", station.log_text());

    let status = station.close();
    assert!(
        status.code().is_none() || status.success(),
        "lotline ended by SIGTERM, not by a failure: {status}"
    );
    assert!(show().status.success(), "the lot outlives the station");
}
