//! Shared by the headless UI tests: a real store file, the real station window on Slint's
//! testing backend (with its event loop, so the worker's results come back the real way),
//! keys typed like a keyboard-wedge scanner, and waiting for the screen to change.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementHandle;
use lotline::config::StationConfig;
use lotline::domain::LotStatus;
use lotline::ui::{App, Mode, UiOptions};
use lotline::workflow::{Identity, Station};
use slint::ComponentHandle;
use slint::platform::{Key, WindowEvent};

pub const GTIN: &str = "09501101530003";
pub const PRODUCT: &str = "Tomato passata 500 g x 12";

/// A supplier pallet label as a GS1-128 scanner sends it: SSCC, content GTIN, count 40,
/// expiry 2027-12-31, batch.
pub fn pallet(serial: u32, batch: &str) -> String {
    let sscc = lotline::gs1::make_sscc(0, "9501101", serial.into()).expect("a valid SSCC");
    format!("]C100{sscc}02{GTIN}3740\u{1d}17271231\u{1d}10{batch}")
}

/// A temporary site: a store file with one product registered.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

impl Site {
    pub fn new() -> Site {
        Site::receiving_as(LotStatus::Released)
    }

    /// A site on an empty store: no products, no events (a first run).
    pub fn empty() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lotline.db");
        drop(Station::open(&db, who()).unwrap());
        Site { dir, db }
    }

    /// A site whose product's lots arrive in `status` (a server takes a product released on
    /// arrival only from a supervisor with an account: a site that syncs uses another).
    pub fn receiving_as(status: LotStatus) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("lotline.db");
        let mut station = Station::open(&db, who()).unwrap();
        station.register_product(GTIN, PRODUCT, status).unwrap();
        Site { dir, db }
    }

    /// The station window on this store, shown at 1280×800, in `mode`.
    pub fn open(&self, config: StationConfig, mode: Mode) -> App {
        let app = lotline::ui::start(UiOptions {
            db: self.db.clone(),
            config_path: Some(self.dir.path().join("lotline.toml")),
            config,
            kiosk: false,
            mode,
        })
        .unwrap();
        app.window
            .window()
            .set_size(slint::PhysicalSize::new(1280, 800));
        app.window.show().unwrap();
        pump();
        app
    }

    /// The store file opened again, as another process would see it.
    pub fn station(&self) -> Station {
        Station::open(&self.db, who()).unwrap()
    }
}

/// A station config whose supervisor PIN is `pin`.
pub fn with_pin(pin: &str) -> StationConfig {
    let mut config = StationConfig::default();
    config.ui.set_supervisor_pin(pin).unwrap();
    config
}

pub fn who() -> Identity {
    Identity {
        station: "dock-1".into(),
        actor: "test".into(),
    }
}

/// Starts Slint's testing backend with a real event loop and the software renderer (real
/// font metrics and layout; snapshots possible), once per test process.
pub fn init() {
    slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
        i_slint_backend_testing::TestingBackendOptions {
            mock_time: false,
            threading: true,
            renderer_name: Some("software".into()),
        },
    )))
    .expect("the testing backend starts once per test process");
}

/// Runs the event loop until what is queued now (and what arrives meanwhile) is done.
pub fn pump() {
    slint::invoke_from_event_loop(|| {
        let _ = slint::quit_event_loop();
    })
    .unwrap();
    slint::run_event_loop().unwrap();
}

/// Pumps the event loop until `cond` holds (the worker answers through it), or fails.
pub fn wait_for(what: &str, cond: impl FnMut() -> bool) {
    wait_for_within(what, Duration::from_secs(20), cond)
}

/// [`wait_for`] with a time limit of `limit`.
pub fn wait_for_within(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        pump();
        if cond() {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Types `text` into the window key by key, as a keyboard-wedge scanner does, then Enter.
pub fn scan(app: &App, text: &str) {
    let window = app.window.window();
    for c in text.chars() {
        let text: slint::SharedString = c.to_string().into();
        window.dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        window.dispatch_event(WindowEvent::KeyReleased { text });
    }
    let enter: slint::SharedString = Key::Return.into();
    window.dispatch_event(WindowEvent::KeyPressed {
        text: enter.clone(),
    });
    window.dispatch_event(WindowEvent::KeyReleased { text: enter });
}

/// The one element with this id (`Component::id`), or a failure naming it.
pub fn element(app: &App, id: &str) -> ElementHandle {
    let mut found: Vec<_> = ElementHandle::find_by_element_id(&app.window, id).collect();
    assert_eq!(found.len(), 1, "elements with id {id}");
    found.remove(0)
}

/// The value an info row (label: value) shows.
pub fn shown_value(app: &App, id: &str) -> String {
    element(app, id)
        .accessible_value()
        .unwrap_or_default()
        .to_string()
}

/// The banner's text: "HEADLINE: message".
pub fn banner(app: &App) -> String {
    element(app, "AppWindow::banner")
        .accessible_label()
        .unwrap_or_default()
        .to_string()
}

/// Taps the button with this label.
pub fn tap(app: &App, label: &str) {
    let buttons: Vec<_> = ElementHandle::find_by_accessible_label(&app.window, label)
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
        .collect();
    assert_eq!(buttons.len(), 1, "buttons labelled {label:?}");
    buttons[0].invoke_accessible_default_action();
    pump();
}

/// Types into the field with this label (as a person who tapped it would).
pub fn fill(app: &App, label: &str, value: &str) {
    let fields: Vec<_> = ElementHandle::find_by_accessible_label(&app.window, label)
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::TextInput))
        .collect();
    assert_eq!(fields.len(), 1, "text fields labelled {label:?}");
    fields[0].set_accessible_value(value);
    pump();
}

/// Events in the store file.
pub fn event_count(site: &Site) -> u64 {
    site.station().store().event_count().unwrap()
}

/// Every line of the lists on screen now (accessible role list-item), top to bottom.
pub fn list_items(app: &App) -> Vec<ElementHandle> {
    let mut items = i_slint_backend_testing::ElementQuery::from_root(&app.window)
        .match_descendants()
        .match_accessible_role(i_slint_backend_testing::AccessibleRole::ListItem)
        .find_all();
    // The query meets a repeated element once per path to it: one handle per line.
    let at = |e: &ElementHandle| {
        let p = e.absolute_position();
        (p.y as i64, p.x as i64)
    };
    items.sort_by_key(at);
    items.dedup_by(|a, b| at(a) == at(b) && a.accessible_label() == b.accessible_label());
    items
}

/// The one element with this accessible label and role, or a failure naming it.
pub fn labelled(
    app: &App,
    label: &str,
    role: i_slint_backend_testing::AccessibleRole,
) -> ElementHandle {
    let mut found: Vec<_> = ElementHandle::find_by_accessible_label(&app.window, label)
        .filter(|e| e.accessible_role() == Some(role))
        .collect();
    assert_eq!(found.len(), 1, "elements labelled {label:?} ({role:?})");
    found.remove(0)
}

/// What the text field with this label holds.
pub fn field_value(app: &App, label: &str) -> String {
    labelled(
        app,
        label,
        i_slint_backend_testing::AccessibleRole::TextInput,
    )
    .accessible_value()
    .unwrap_or_default()
    .to_string()
}

/// Taps the text field with this label where a finger would (its middle), so what lies over
/// it (the keypad's tap area) gets the tap.
pub fn touch_field(app: &App, label: &str) {
    touch(
        app,
        &labelled(
            app,
            label,
            i_slint_backend_testing::AccessibleRole::TextInput,
        ),
    );
}

/// A finger's tap in the middle of `e` (press, release), on the real clock (the testing
/// backend's own click moves a mock clock, which the event loop's real one contradicts).
pub fn touch(app: &App, e: &ElementHandle) {
    let (at, size) = (e.absolute_position(), e.size());
    let position = slint::LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0);
    let button = slint::platform::PointerEventButton::Left;
    let window = app.window.window();
    window.dispatch_event(WindowEvent::PointerMoved { position });
    window.dispatch_event(WindowEvent::PointerPressed { position, button });
    pump();
    window.dispatch_event(WindowEvent::PointerReleased { position, button });
    window.dispatch_event(WindowEvent::PointerExited);
    pump();
}

/// The on-screen keypad's display (a dot per digit of a PIN), or `None` when it is closed.
pub fn keypad(app: &App) -> Option<String> {
    ElementHandle::find_by_accessible_label(&app.window, "keypad")
        .next()
        .map(|e| e.accessible_value().unwrap_or_default().to_string())
}

/// Scanner keys reach the station (no field holds the keyboard).
pub fn scanning(app: &App) -> bool {
    app.window.get_scan_focused()
}
