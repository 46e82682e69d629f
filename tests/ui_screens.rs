//! Screenshot tour of the real station window under Xvfb: every mode at a 1280×800 desktop
//! (a window at its design size) and a 1024×600 touch panel (`--kiosk`), on a seeded site that
//! makes each view mean something: a pallet received, a batch started with its inputs
//! scanned, a recalled pallet refused at dispatch, a lot's history and genealogy, lots near
//! or past expiry. Scans are typed by a keyboard-wedge scanner (xdotool) with no field
//! tapped; fields are tapped only where an operator types (customer, product, quantity).
//!
//! Each image is checked: the window fills the screen, nothing is blank, the tabs are at
//! least 48 px high, nothing runs past the window's right margin, and the banner (and list
//! lines) have the colour of what was shown. PNGs are written under
//! `$CARGO_TARGET_TMPDIR/screenshots/`; `LOTLINE_UPDATE_SCREENSHOTS=1` also copies them to
//! `docs/screenshots/MODE-WxH.png` (what the README and docs/ui.md show).

mod support;
mod ui_x11;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Days, NaiveDate};
use image::RgbImage;
use lotline::domain::LotStatus;
use lotline::domain::status::Role;
use lotline::workflow::{
    DispatchRequest, Identity, ProduceRequest, ReceiveRequest, SiteConfig, Station, StatusRequest,
};
use ui_x11::*;

const TOMATO: &str = "09501101530003";

/// A GTIN-14 from its first 13 digits.
fn gtin(body: &str) -> String {
    format!("{body}{}", lotline::gs1::check_digit(body).unwrap())
}

fn oil() -> String {
    gtin("0950110153011")
}

fn sauce() -> String {
    gtin("0950110153021")
}

/// A supplier pallet label as a GS1-128 scanner sends it, split where GS goes: SSCC, content
/// GTIN, count (variable length), then expiry and batch.
fn pallet(serial: u64, gtin: &str, count: u32, expiry: NaiveDate, batch: &str) -> [String; 2] {
    let sscc = lotline::gs1::make_sscc(0, "9501101", serial).unwrap();
    [
        format!("]C100{sscc}02{gtin}37{count}"),
        format!("17{}10{batch}", expiry.format("%y%m%d")),
    ]
}

fn joined(label: &[String; 2]) -> String {
    label.join("\u{1d}")
}

/// The seeded site's dates, relative to today so the expiry board always has work.
struct Dates {
    today: NaiveDate,
}

impl Dates {
    fn plus(&self, days: u64) -> NaiveDate {
        self.today.checked_add_days(Days::new(days)).unwrap()
    }
    fn minus(&self, days: u64) -> NaiveDate {
        self.today.checked_sub_days(Days::new(days)).unwrap()
    }
}

/// The pallets of the tour: (serial, GTIN, count, expiry, batch).
struct Pallets {
    recalled: [String; 2],
    used: [String; 2],
    new_tomato: [String; 2],
    /// A pallet of a product the site does not know (Receive offers to register it).
    unknown: [String; 2],
    input_tomato: [String; 2],
    input_oil: [String; 2],
    fefo_oil: [String; 2],
}

/// Seeds the site: three products; tomato and oil lots received from two suppliers, expiring
/// from 3 days ago to next year; one tomato lot recalled; one consumed into a sauce batch
/// that was shipped to a customer (so its genealogy reaches a customer).
fn seed(db: &Path, d: &Dates) -> Pallets {
    let who = Identity {
        station: "dock-1".into(),
        actor: "maria".into(),
    };
    let mut st = Station::open(db, who).unwrap();
    st.register_product(TOMATO, "Tomato passata 500 g x 12", LotStatus::Released)
        .unwrap();
    st.register_product(
        &oil(),
        "Olive oil extra virgin 1 l x 6",
        LotStatus::Released,
    )
    .unwrap();
    st.register_product(&sauce(), "Arrabbiata sauce 400 g x 6", LotStatus::Released)
        .unwrap();
    let p = Pallets {
        recalled: pallet(11, TOMATO, 40, d.plus(60), "T-2598"),
        used: pallet(12, TOMATO, 40, d.plus(120), "T-2601"),
        new_tomato: pallet(20, TOMATO, 40, d.plus(150), "T-2612"),
        unknown: pallet(21, "09506000134352", 40, d.plus(150), "F-2612"),
        input_tomato: pallet(15, TOMATO, 40, d.plus(90), "T-2611"),
        input_oil: pallet(17, &oil(), 24, d.plus(200), "O-120"),
        fefo_oil: pallet(16, &oil(), 24, d.plus(10), "O-118"),
    };
    let receive = |st: &mut Station, label: &[String; 2], location: &str, supplier: &str| {
        st.receive(
            &ReceiveRequest {
                scan: joined(label),
                location: location.into(),
                supplier: Some(supplier.into()),
                ..Default::default()
            },
            // Received a month ago: the expired lot on the expiry board was good then.
            chrono::Local::now().date_naive() - chrono::Duration::days(30),
        )
        .unwrap();
    };
    receive(&mut st, &p.recalled, "A-01", "Rossi Conserve");
    receive(&mut st, &p.used, "A-02", "Rossi Conserve");
    receive(
        &mut st,
        &pallet(13, TOMATO, 40, d.plus(5), "T-2604"),
        "A-03",
        "Rossi Conserve",
    );
    receive(
        &mut st,
        &pallet(14, TOMATO, 40, d.minus(3), "T-2550"),
        "A-04",
        "Rossi Conserve",
    );
    receive(&mut st, &p.input_tomato, "A-05", "Rossi Conserve");
    receive(&mut st, &p.fefo_oil, "B-01", "Frantoio Sud");
    receive(&mut st, &p.input_oil, "B-02", "Frantoio Sud");
    st.set_status(&StatusRequest {
        gtin: TOMATO.into(),
        batch: "T-2598".into(),
        to: LotStatus::Recalled,
        role: Role::Supervisor,
        reason: "supplier recall: glass fragments".into(),
    })
    .unwrap();
    let site = SiteConfig {
        facility: "F1".into(),
        ..SiteConfig::default()
    };
    let made = st
        .produce(
            &site,
            &ProduceRequest {
                product: sauce(),
                quantity: 240,
                expiry: Some(d.plus(365)),
                consume: vec![joined(&p.used)],
                gs_substitute: None,
                costs: None,
            },
            d.today,
        )
        .unwrap();
    st.dispatch(
        &DispatchRequest {
            scan: format!("(01){}(10){}", sauce(), made.batch),
            customer: "Bottega Verdi".into(),
            shipment: Some("SO-4471".into()),
            quantity: Some(120),
            strict_fefo: false,
            gs_substitute: None,
            unit_price: None,
        },
        d.today,
    )
    .unwrap();
    p
}

/// Where the window's parts are on a screenshot.
struct Layout {
    /// First row and height of the tab bar, of the banner; first row of the views, first row
    /// below them (the gap above the status bar).
    tabs: (u32, u32),
    banner: (u32, u32),
    content_top: u32,
    content_end: u32,
    status_top: u32,
}

/// The column the window's parts are found down: just inside the first tab's left edge, left
/// of its text (a checked tab's text is drawn in the background colour and would split it)
/// and inside the views' padding.
const PARTS_X: u32 = 20;

/// Finds the tab bar, banner, view area and status bar down the first tab's column: blocks
/// of anything but the window background.
fn layout(img: &RgbImage) -> Layout {
    let bg = theme_colour("bg");
    let blocks = runs_down(img, PARTS_X, 0, 20, |p| !near(p, bg, 4));
    try_layout(img)
        .unwrap_or_else(|| panic!("tab bar, banner, view, status bar down the left: {blocks:?}"))
}

fn try_layout(img: &RgbImage) -> Option<Layout> {
    let bg = theme_colour("bg");
    let blocks = runs_down(img, PARTS_X, 0, 20, |p| !near(p, bg, 4));
    (blocks.len() == 4).then(|| Layout {
        tabs: blocks[0],
        banner: blocks[1],
        content_top: blocks[2].0,
        content_end: blocks[2].0 + blocks[2].1,
        status_top: blocks[3].0,
    })
}

/// The window once it has drawn itself.
fn first_paint(x: &Xvfb, path: &Path) -> RgbImage {
    shoot_when(x, path, "the window drawn", |img| try_layout(img).is_some())
}

/// The share of the banner drawn in the theme colour `tone`.
fn banner_share(img: &RgbImage, tone: &str) -> f64 {
    let Some(l) = try_layout(img) else {
        return 0.0; // not drawn yet
    };
    let w = img.width();
    let colour = theme_colour(tone);
    share(img, (w / 20, l.banner.0, w * 9 / 10, l.banner.1), |p| {
        near(p, colour, 6)
    })
}

/// The share of the view area, `width` columns from `from_x`, drawn in the theme colour
/// `tone`.
fn view_share(img: &RgbImage, from_x: u32, width: u32, tone: &str) -> f64 {
    let Some(l) = try_layout(img) else {
        return 0.0; // not drawn yet
    };
    let colour = theme_colour(tone);
    share(
        img,
        (from_x, l.content_top, width, l.status_top - l.content_top),
        |p| near(p, colour, 6),
    )
}

/// `fg` at `alpha` over `bg`, as the list lines blend their tone over the list background.
fn blend(fg: [u8; 3], alpha: f64, bg: [u8; 3]) -> [u8; 3] {
    let mix = |i: usize| (alpha * fg[i] as f64 + (1.0 - alpha) * bg[i] as f64).round() as u8;
    [mix(0), mix(1), mix(2)]
}

/// The share of the view area (right of `from_x`) in a list line's `tone` (see
/// ui/widgets/lines.slint for the alphas).
fn line_share(img: &RgbImage, tone: &str, alpha: f64, from_x: u32) -> f64 {
    let Some(l) = try_layout(img) else {
        return 0.0; // not drawn yet
    };
    let colour = blend(theme_colour(tone), alpha, theme_colour("panel-alt"));
    share(
        img,
        (
            from_x,
            l.content_top,
            img.width() - from_x,
            l.status_top - l.content_top,
        ),
        |p| near(p, colour, 5),
    )
}

/// What every screenshot must show, whatever the mode.
fn check_common(img: &RgbImage, what: &str) {
    let (w, h) = img.dimensions();
    assert!(
        distinct_colours(img) > 40,
        "{what}: the screen is nearly blank"
    );
    let bg = theme_colour("bg");
    // The window covers the whole screen: no bare (black) root window in the corners.
    for (x, y) in [(1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2)] {
        assert!(
            near(img.get_pixel(x, y).0, bg, 4),
            "{what}: pixel ({x},{y}) is not the window's background: the window does not fill the screen"
        );
    }
    let l = layout(img);
    assert!(
        l.tabs.1 >= 48,
        "{what}: tabs {} px high, touch targets need 48",
        l.tabs.1
    );
    // Nothing runs past the right margin: a view wider than the window would cover it.
    let margin = runs_down(img, w - 3, l.content_top, 1, |p| !near(p, bg, 4));
    assert!(
        margin
            .iter()
            .all(|&(y, _)| y >= l.status_top.saturating_sub(1)),
        "{what}: something is drawn in the right margin at rows {margin:?}: a view is wider than the window"
    );
    // Nor past the views' bottom edge: a column taller than the view would cross the gap.
    let below = runs_across(img, l.content_end, 1, |p| !near(p, bg, 4));
    assert!(
        below.is_empty(),
        "{what}: something is drawn below the views at row {} (columns {below:?}): a panel's content is taller than the panel",
        l.content_end
    );
}

/// Takes screenshots until `ready` holds (the worker answers through the event loop), or
/// fails naming `what`.
fn shoot_when(x: &Xvfb, path: &Path, what: &str, ready: impl Fn(&RgbImage) -> bool) -> RgbImage {
    let mut last = None;
    wait_until(what, Duration::from_secs(30), || {
        let img = x.screenshot(path);
        let ok = ready(&img);
        last = Some(img);
        ok
    });
    last.unwrap()
}

/// The view's input blocks (fields, buttons) down the left panel, top to bottom: runs of
/// anything but the panel colour, just inside the fields' left edge.
fn left_blocks(img: &RgbImage) -> Vec<(u32, u32)> {
    let l = layout(img);
    let panel = theme_colour("panel");
    let y = l.content_top + 4;
    let left = (0..img.width())
        .find(|&x| near(img.get_pixel(x, y).0, panel, 4))
        .expect("the left panel");
    runs_down(img, left + 19, l.content_top, 40, |p| !near(p, panel, 4))
        .into_iter()
        .filter(|&(y, _)| y < l.status_top)
        .collect()
}

/// Taps the middle of the left panel's `n`th input block.
fn tap_left_block(x: &Xvfb, img: &RgbImage, n: usize) {
    let blocks = left_blocks(img);
    let (y, len) = *blocks
        .get(n)
        .unwrap_or_else(|| panic!("input block {n} of the left panel: {blocks:?}"));
    let l = layout(img);
    let panel = theme_colour("panel");
    let left = (0..img.width())
        .find(|&x0| near(img.get_pixel(x0, l.content_top + 4).0, panel, 4))
        .unwrap();
    x.click(left + 60, y + len / 2);
}

/// The top-left of the first button (a run of 40 pixels) of the theme colour `tone` in the
/// right half of the window below the banner, row by row.
fn find_colour(img: &RgbImage, tone: &str) -> Option<(u32, u32)> {
    let l = try_layout(img)?;
    let colour = theme_colour(tone);
    (l.content_top..l.status_top).find_map(|y| {
        runs_across(img, y, 40, |p| near(p, colour, 6))
            .into_iter()
            .find(|&(x0, _)| x0 > img.width() / 2)
            .map(|(x0, _)| (x0, y))
    })
}

/// Taps the first button of the theme colour `tone` in the right half (the Dispatch log's
/// Close shipment, then its confirmation's Close it).
fn tap_colour(x: &Xvfb, img: &RgbImage, tone: &str) {
    let (x0, y) = find_colour(img, tone).unwrap_or_else(|| panic!("no {tone} button"));
    x.click(x0 + 20, y + 15);
}

/// Taps the Lookup pane button `n` (Stock, History, From, Into): the row of buttons at the
/// top of the middle panel.
fn tap_pane(x: &Xvfb, img: &RgbImage, n: usize) {
    let l = layout(img);
    let (accent, white) = (theme_colour("accent"), theme_colour("text"));
    let y = l.content_top + 20;
    let buttons: Vec<_> = runs_across(img, y, 40, |p| near(p, accent, 6) || near(p, white, 6))
        .into_iter()
        .filter(|&(x0, _)| x0 > img.width() / 4 && x0 < img.width() * 3 / 4)
        .collect();
    assert_eq!(
        buttons.len(),
        4,
        "the four pane buttons at row {y}: {buttons:?}"
    );
    let (x0, len) = buttons[n];
    x.click(x0 + len / 2, y + 10);
}

struct Shots {
    dir: PathBuf,
    update: bool,
    taken: Vec<String>,
}

impl Shots {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.png"))
    }

    /// Keeps the screenshot: checked, and copied to docs/screenshots when asked.
    fn keep(&mut self, name: &str, img: &RgbImage) {
        check_common(img, name);
        if self.update {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::copy(self.path(name), docs.join(format!("{name}.png"))).unwrap();
        }
        self.taken.push(name.to_string());
    }
}

#[test]
fn every_mode_at_desktop_and_touch_panel_size() {
    let today = chrono::Local::now().date_naive();
    let d = Dates { today };
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    let pallets = seed(&template, &d);
    let config = dir.path().join("lotline.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\nfacility = \"F1\"\n\n[ui]\nstation = \"dock-1\"\nsupervisor_pin = \"4321\"\nsounds = false\nreport_dir = {:?}\n",
            dir.path().join("reports")
        ),
    )
    .unwrap();
    let mut shots = Shots {
        dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"),
        update: std::env::var_os("LOTLINE_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1"),
        taken: Vec::new(),
    };
    std::fs::create_dir_all(&shots.dir).unwrap();

    for (w, h, kiosk) in [(1280, 800, false), (1024, 600, true)] {
        let x = Xvfb::start(w, h);
        // Each size on its own copy of the site, so both show the same.
        let db = dir.path().join(format!("site-{w}x{h}.db"));
        // A consistent copy whatever the WAL still holds (a file copy takes only the main file).
        rusqlite::Connection::open(&template)
            .unwrap()
            .execute("VACUUM INTO ?1", [db.to_str().unwrap()])
            .unwrap();
        let size = format!("{w}x{h}");
        let open = |mode: &str| {
            let station = StationWindow::open(&x, &db, &config, mode, kiosk);
            assert_eq!(
                station.geometry(&x),
                (0, 0, w, h),
                "{mode} at {size}: the window fills the screen"
            );
            station
        };

        // Receive: a supplier pallet scanned in: green, the lot's details large.
        let station = open("receive");
        let name = format!("receive-{size}");
        x.scan(&[&pallets.new_tomato[0], &pallets.new_tomato[1]]);
        let img = shoot_when(&x, &shots.path(&name), "the receipt", |img| {
            banner_share(img, "ok") > 0.5
        });
        shots.keep(&name, &img);
        station.close();

        // Receive: a pallet of a product the site does not know: red, and the New product
        // panel where a supervisor registers it.
        let station = open("receive");
        let name = format!("receive-new-product-{size}");
        x.scan(&[&pallets.unknown[0], &pallets.unknown[1]]);
        let img = shoot_when(&x, &shots.path(&name), "the unknown product", |img| {
            banner_share(img, "refused") > 0.5
        });
        shots.keep(&name, &img);
        station.close();

        // Produce: product and quantity typed, batch started, two input lots scanned.
        let station = open("produce");
        let name = format!("produce-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        tap_left_block(&x, &img, 0);
        x.type_line(&sauce());
        tap_left_block(&x, &img, 1);
        x.type_line("240");
        tap_left_block(&x, &img, 3);
        shoot_when(&x, &path, "the batch started", |img| {
            banner_share(img, "ok") > 0.5
        });
        let tomato = &pallets.input_tomato;
        x.scan(&[&tomato[0], &tomato[1]]);
        let one = line_share(
            &shoot_when(&x, &path, "the first input consumed", |img| {
                line_share(img, "ok", 0.35, w / 3) > 0.003
            }),
            "ok",
            0.35,
            w / 3,
        );
        x.scan(&[&pallets.input_oil[0], &pallets.input_oil[1]]);
        let img = shoot_when(&x, &path, "the second input consumed", |img| {
            banner_share(img, "ok") > 0.5 && line_share(img, "ok", 0.35, w / 3) > 1.6 * one
        });
        shots.keep(&name, &img);
        station.close();

        // Dispatch: customer typed; the FEFO oil pallet ships, the recalled one is refused.
        let station = open("dispatch");
        let name = format!("dispatch-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        tap_left_block(&x, &img, 0);
        x.type_line("Trattoria Sole");
        x.scan(&[&pallets.fefo_oil[0], &pallets.fefo_oil[1]]);
        shoot_when(&x, &path, "the shipment", |img| {
            banner_share(img, "ok") > 0.5
        });
        x.scan(&[&pallets.recalled[0], &pallets.recalled[1]]);
        let img = shoot_when(&x, &path, "the recall refusal", |img| {
            banner_share(img, "refused") > 0.5 && line_share(img, "refused", 0.45, w / 3) > 0.004
        });
        assert!(
            line_share(&img, "ok", 0.35, w / 3) > 0.004,
            "dispatch at {size}: the shipped pallet's green line stays in the log"
        );
        shots.keep(&name, &img);

        // Close shipment, confirmed: green, the documents written, a new shipment.
        let name = format!("dispatch-close-{size}");
        let path = shots.path(&name);
        tap_colour(&x, &img, "accent");
        let asked = shoot_when(&x, &path, "the confirmation", |shot| {
            find_colour(shot, "ok").is_some()
        });
        tap_colour(&x, &asked, "ok");
        let img = shoot_when(&x, &path, "the shipment closed", |img| {
            banner_share(img, "ok") > 0.5
        });
        shots.keep(&name, &img);
        station.close();

        // Lookup: the tomato lot that went into the sauce: its history, then where it went.
        let station = open("lookup");
        let name = format!("lookup-{size}");
        let path = shots.path(&name);
        x.scan(&[&pallets.used[0], &pallets.used[1]]);
        let img = shoot_when(&x, &path, "the lot shown", |img| {
            banner_share(img, "ok") > 0.5
        });
        tap_pane(&x, &img, 1);
        let stock = img;
        let img = shoot_when(&x, &path, "the history pane", |img| *img != stock);
        shots.keep(&name, &img);
        let name = format!("lookup-genealogy-{size}");
        let path = shots.path(&name);
        tap_pane(&x, &img, 3);
        let before = img;
        let img = shoot_when(&x, &path, "the genealogy pane", |img| *img != before);
        shots.keep(&name, &img);
        station.close();

        // Expiry board: expired (red), within a week (amber), within the horizon.
        let station = open("expiry");
        let name = format!("expiry-{size}");
        let img = shoot_when(&x, &shots.path(&name), "the expiry board", |img| {
            line_share(img, "refused", 0.45, 0) > 0.002 && line_share(img, "warn", 0.35, 0) > 0.002
        });
        shots.keep(&name, &img);
        station.close();

        // Products: the list, and the first product tapped into the form.
        let station = open("products");
        let name = format!("products-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        std::thread::sleep(Duration::from_millis(800));
        let l = layout(&img);
        let first_line = l.content_top + if kiosk { 88 } else { 108 };
        // The list as it is before the tap: taken after it, a form filled at once (before the
        // screenshot) would never be seen to change.
        let before = x.screenshot(&path);
        x.click(w / 5, first_line);
        let img = shoot_when(&x, &path, "the product in the form", |img| *img != before);
        shots.keep(&name, &img);
        station.close();

        // The keypad: Receive's count field tapped, 24 typed on it.
        let station = open("receive");
        let name = format!("keypad-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        tap_left_block(&x, &img, 2);
        std::thread::sleep(Duration::from_millis(400));
        x.xdotool(&["type", "--delay", "60", "24"]);
        std::thread::sleep(Duration::from_millis(500));
        // Its OK key, green, at the right.
        let img = shoot_when(&x, &path, "the keypad", |img| {
            view_share(img, w * 2 / 3, w / 3 - 20, "ok") > 0.01
        });
        shots.keep(&name, &img);
        station.close();

        // A field left holding the keyboard: the banner says where to tap.
        let station = open("receive");
        let name = format!("tap-to-scan-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        tap_left_block(&x, &img, 1);
        let img = shoot_when(&x, &path, "the tap-here banner", |img| {
            banner_share(img, "refused") > 0.5
        });
        shots.keep(&name, &img);
        station.close();

        // First run: an empty store opens the set-up guide.
        let empty = dir.path().join(format!("empty-{w}x{h}.db"));
        let station = StationWindow::open(&x, &empty, &config, "receive", kiosk);
        let name = format!("first-run-{size}");
        let path = shots.path(&name);
        first_paint(&x, &path);
        // The guide's card, bordered in the accent colour.
        let img = shoot_when(&x, &path, "the guide", |img| {
            view_share(img, w / 8, w * 3 / 4, "accent") > 0.001
        });
        shots.keep(&name, &img);
        station.close();

        // Sign in: the status bar's button opens the panel over the mode's view.
        let station = open("receive");
        let name = format!("sign-in-{size}");
        let path = shots.path(&name);
        let img = first_paint(&x, &path);
        let l = layout(&img);
        x.click(w - 90, l.status_top + (h - l.status_top) / 2);
        // Its Sign in button, green (nothing else is, before a scan; the panel dims the view,
        // so the window's parts are not found down the left as elsewhere).
        let ok = theme_colour("ok");
        let img = shoot_when(&x, &path, "the sign-in panel", |img| {
            share(img, (0, 0, w, h), |p| near(p, ok, 6)) > 0.008
        });
        shots.keep(&name, &img);
        station.close();

        // Settings: the config file's fields.
        let station = open("settings");
        let name = format!("settings-{size}");
        let img = shoot_when(&x, &shots.path(&name), "the settings form", |img| {
            banner_share(img, "panel") > 0.5
        });
        shots.keep(&name, &img);
        station.close();
    }
    assert_eq!(shots.taken.len(), 28);
    println!(
        "screenshots in {} ({})",
        shots.dir.display(),
        shots.taken.join(", ")
    );
}
