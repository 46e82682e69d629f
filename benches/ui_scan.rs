//! Scan-to-feedback time of the station UI (issue 7): key events in → feedback rendered. Run:
//!
//!     cargo bench --bench ui_scan
//!
//! The real station window (`lotline::ui::start`: its views, its worker thread owning the
//! store) runs on Slint's testing backend with the software renderer, at 1280×800, over a
//! seeded site (200,000 events). Each scan is a supplier pallet label (SSCC, GTIN, count,
//! expiry, batch) typed key by key as a keyboard wedge types it, then Enter, with no field
//! focused; it receives a new lot (one fsync'd transaction, as at the dock). The time runs
//! from the first key event to the end of a full render of the window into a pixel buffer
//! that shows the new banner (its colour checked in the pixels): the worst case, as the
//! window redraws only what changed.
//!
//! The peer, in the same run and alternating with the UI scan, is the bare workflow call for
//! the same kind of scan (`workflow::scan::handle`, as `lotline scan` runs it) on its own copy
//! of the site, without the UI: the ratio is what the UI adds. Without `--bench` (as
//! `cargo test --all-targets` runs it) a tiny site and a few scans keep the code working.

mod common;
#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/ui_support/mod.rs"]
mod ui_support;
#[path = "../tests/ui_x11/mod.rs"]
mod ui_x11;

use std::time::{Duration, Instant};

use lotline::config::StationConfig;
use lotline::store::Store;
use lotline::ui::{Mode, Ui, UiOptions};
use lotline::workflow::scan::{self, ScanAction};
use lotline::workflow::seed::{self, SeedPlan};
use lotline::workflow::{Identity, Outcome, Station};
use slint::ComponentHandle;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (plan, warmup, scans) = if full {
        let plan = SeedPlan {
            products: 500,
            lots: 20_000,
            events: 200_000,
            seed: 7,
        };
        (plan, 20, 600)
    } else {
        let plan = SeedPlan {
            products: 20,
            lots: 100,
            events: 500,
            seed: 7,
        };
        (plan, 1, 5)
    };
    let today = chrono::Local::now().date_naive();

    // On the real disk, not tmpfs: fsync costs what it costs on a station.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let ui_db = dir.path().join("ui.db");
    let peer_db = dir.path().join("peer.db");
    let t = Instant::now();
    let report = {
        let mut store = Store::open(&ui_db).unwrap();
        seed::seed(&mut store, &plan, today, &mut |_| {}).unwrap()
    };
    // A consistent copy whatever the WAL still holds (a file copy takes only the main file).
    rusqlite::Connection::open(&ui_db)
        .unwrap()
        .execute("VACUUM INTO ?1", [peer_db.to_str().unwrap()])
        .unwrap();
    println!(
        "site: {} events, {} products, seeded in {:.1?}",
        report.events,
        report.products,
        t.elapsed()
    );

    // The software renderer behind the testing backend, so the window can be drawn.
    slint::platform::set_platform(Box::new(i_slint_backend_testing::TestingBackend::new(
        i_slint_backend_testing::TestingBackendOptions {
            mock_time: false,
            threading: true,
            renderer_name: Some("software".into()),
        },
    )))
    .unwrap();
    let mut config = StationConfig::default();
    config.ui.sounds = false;
    let app = lotline::ui::start(UiOptions {
        db: ui_db,
        config_path: None,
        config,
        kiosk: false,
        mode: Mode::Receive,
    })
    .unwrap();
    let window = app.window.window();
    window.set_size(slint::PhysicalSize::new(1280, 800));
    app.window.show().unwrap();
    ui_support::pump();
    window.take_snapshot().unwrap();

    let mut peer = Station::open(
        &peer_db,
        Identity {
            station: "peer".into(),
            actor: "bench".into(),
        },
    )
    .unwrap();
    let receive = ScanAction::Receive {
        location: "RECEIVING".into(),
        supplier: None,
        count: None,
        unit_cost: None,
    };
    let ok = ui_x11::theme_colour("ok");

    let (mut ui_times, mut peer_times, mut render_times) = (Vec::new(), Vec::new(), Vec::new());
    let mut peer_assembly = lotline::domain::assembly::LabelAssembly::default();
    for i in 0..warmup + scans {
        let gtin = seed::seed_gtin(i % report.products);
        let ui_label = pallet(&gtin, 2 * u64::from(i), &format!("UI-{i}"));
        let peer_label = pallet(&gtin, 2 * u64::from(i) + 1, &format!("PEER-{i}"));
        // Which goes first alternates: an fsync right after another waits on the disk more.
        for turn in [i % 2, 1 - i % 2] {
            if turn == 0 {
                let t = Instant::now();
                ui_support::scan(&app, &ui_label);
                wait_for_banner(&app, &format!("batch UI-{i} "));
                let drawing = Instant::now();
                let frame = window.take_snapshot().unwrap();
                let elapsed = t.elapsed();
                if i >= warmup {
                    render_times.push(drawing.elapsed());
                }
                let px = frame.as_slice()[100 * frame.width() as usize + 40];
                assert!(
                    ui_x11::near([px.r, px.g, px.b], ok, 2),
                    "scan {i}: the rendered banner is the receipt's green, not {px:?}"
                );
                if i >= warmup {
                    ui_times.push(elapsed);
                }
            } else {
                let t = Instant::now();
                let outcome = scan::handle(
                    &mut peer,
                    &receive,
                    &mut peer_assembly,
                    &peer_label,
                    None,
                    today,
                    Instant::now(),
                );
                let elapsed = t.elapsed();
                assert!(
                    matches!(&outcome, Outcome::Received(r) if r.batch == format!("PEER-{i}")),
                    "{outcome:?}"
                );
                if i >= warmup {
                    peer_times.push(elapsed);
                }
            }
        }
    }
    let set: Vec<Duration> = app.scan_latencies().split_off(warmup as usize);
    // The target is for the release build (`cargo bench`), not the debug smoke run.
    let ui = common::percentiles(
        "UI: keys in -> banner rendered",
        ui_times,
        full.then_some(50.0),
    );
    common::percentiles("   of which Enter -> banner set", set, None);
    common::percentiles("   of which the full 1280x800 render", render_times, None);
    let bare = common::percentiles("peer: workflow::scan::handle", peer_times, None);
    println!(
        "ratio UI / bare workflow: p50 {:.2}x, p99 {:.2}x",
        ui.0.as_secs_f64() / bare.0.as_secs_f64(),
        ui.1.as_secs_f64() / bare.1.as_secs_f64()
    );
}

/// Runs the event loop until the banner names the batch (the worker answers through it).
fn wait_for_banner(app: &lotline::ui::App, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        ui_support::pump();
        let feedback = app.window.global::<Ui>().get_feedback();
        if feedback.message.contains(needle) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no feedback naming {needle:?}: banner says {:?}",
            feedback.message
        );
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// A supplier pallet label as a GS1-128 scanner sends it: SSCC, content GTIN, count 40,
/// expiry, batch.
fn pallet(gtin: &str, serial: u64, batch: &str) -> String {
    let sscc = lotline::gs1::make_sscc(0, "9501101", serial).unwrap();
    format!("]C100{sscc}02{gtin}3740\u{1d}17271231\u{1d}10{batch}")
}
