//! Store benchmarks on a seeded site (issue 3). Run:
//!
//!     cargo bench --bench store
//!
//! Seeds (once; cached under the target dir as `store-bench-site.db`) a site of 2,000 products,
//! 200,000 lots and 2,000,000 events with `lotline dev seed`'s generator, then measures on that
//! file: scan → durable event (a receive from one GS1 scan, `synchronous=FULL`), lot lookup,
//! FEFO pick, forward+backward trace of the deepest lot, and bulk ingest of 200,000 events
//! through the store against plain SQLite inserts of the same event rows in the same run.
//! `LOTLINE_BENCH_FRESH=1` re-seeds. Without `--bench` (as `cargo test --all-targets` runs it)
//! everything runs once on a tiny site, to keep the code working without slowing the suite.
//! Names after `--` run only those parts: `cargo bench --bench store -- ingest scan lookup
//! trace` (`lookup` is lot lookup and FEFO pick).
//!
//! Scan → durable is measured beside its floor in the same run: each receive alternates with a
//! bare one-row INSERT transaction (WAL, `synchronous=FULL`: one fsync) into a fresh file on
//! the same disk, so both see the same disk and the same load.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use lotline::domain::rules::Strategy;
use lotline::domain::trace::Direction;
use lotline::store::Store;
use lotline::workflow::seed::{self, SeedPlan};
use lotline::workflow::{Identity, ReceiveRequest, Station};

struct Size {
    plan: SeedPlan,
    ingest: SeedPlan,
    scans: u32,
    lookups: u32,
    traces: u32,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let size = if full {
        Size {
            plan: SeedPlan::default(),
            ingest: SeedPlan {
                products: 2_000,
                lots: 20_000,
                events: 200_000,
                seed: 2,
            },
            scans: 300,
            lookups: 2_000,
            traces: 200,
        }
    } else {
        Size {
            plan: SeedPlan {
                products: 40,
                lots: 500,
                events: 3_000,
                seed: 1,
            },
            ingest: SeedPlan {
                products: 40,
                lots: 200,
                events: 1_000,
                seed: 2,
            },
            scans: 5,
            lookups: 20,
            traces: 5,
        }
    };
    let today = chrono::Local::now().date_naive();
    let site = common::seeded_site(full, &size.plan, today);
    let scratch = &site.scratch;
    let report = &site.report;

    if wanted("ingest") {
        bulk_ingest(&size.ingest, scratch.path(), today);
    }

    let who = Identity {
        station: "bench".into(),
        actor: "bench".into(),
    };
    let mut station = Station::open(&site.path, who).unwrap();
    let products = report["products"].as_u64().unwrap() as u32;

    // Scan → durable event: one receive per scan, one fsync'd transaction each, alternating
    // with the floor: a bare one-row insert transaction with the same durability.
    let run = std::process::id();
    let floor_db = scratch.path().join("floor.db");
    let floor = rusqlite::Connection::open(&floor_db).unwrap();
    floor
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE scans (id INTEGER PRIMARY KEY, scan TEXT NOT NULL);",
        )
        .unwrap();
    let mut samples = Vec::new();
    let mut floor_samples = Vec::new();
    for i in 0..size.scans * u32::from(wanted("scan")) {
        let scan = format!(
            "(01){}(10)B{run}-{i}(17)271231(30)12",
            seed::seed_gtin(i % products)
        );
        let req = ReceiveRequest {
            scan,
            location: "DOCK".into(),
            ..ReceiveRequest::default()
        };
        let t = Instant::now();
        floor
            .execute("INSERT INTO scans (scan) VALUES (?1)", [&req.scan])
            .unwrap();
        floor_samples.push(t.elapsed());
        let t = Instant::now();
        station.receive(&req).unwrap();
        samples.push(t.elapsed());
    }
    if !samples.is_empty() {
        line("floor: bare 1-row insert txn", floor_samples, None);
        line("scan -> durable receive", samples, Some(10.0));
    }

    // Lot lookup and FEFO pick over the seeded lots and products.
    let lots = (report["lots_received"].as_u64().unwrap()
        + report["lots_produced"].as_u64().unwrap()) as u32;
    let batches: Vec<(String, String)> = {
        let conn = rusqlite::Connection::open(&site.path).unwrap();
        let mut stmt = conn
            .prepare("SELECT gtin, batch FROM lots WHERE rowid % ?1 = 0 LIMIT ?2")
            .unwrap();
        let step = (lots / size.lookups).max(1);
        stmt.query_map([step, size.lookups], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (mut look, mut pick) = (Vec::new(), Vec::new());
    for (i, (gtin, batch)) in batches.iter().enumerate().filter(|_| wanted("lookup")) {
        let t = Instant::now();
        assert!(station.lookup(gtin, batch).unwrap().is_some());
        look.push(t.elapsed());
        let product = seed::seed_gtin(i as u32 % products);
        let t = Instant::now();
        station.pick(&product, 50, Strategy::Fefo, today).unwrap();
        pick.push(t.elapsed());
    }
    if !look.is_empty() {
        line("lot lookup", look, Some(1.0));
        line("FEFO pick", pick, Some(1.0));
    }
    if !wanted("trace") {
        return;
    }

    // Full forward + backward trace of the deepest lot, and of sampled lots.
    let deep = &report["deep_lot"];
    let (gtin, batch) = (
        deep["gtin"].as_str().unwrap(),
        deep["batch"].as_str().unwrap(),
    );
    let mut samples = Vec::new();
    let mut shape = String::new();
    for _ in 0..size.traces {
        let t = Instant::now();
        let tr = station
            .trace(batch, Some(gtin), Direction::Both, None)
            .unwrap();
        samples.push(t.elapsed());
        shape = format!(
            "{} lots, {} levels back, {} forward, {} receipts, {} shipments",
            tr.lots.len(),
            tr.backward_depth,
            tr.forward_depth,
            tr.receipts.len(),
            tr.shipments.len()
        );
    }
    line("trace deepest lot (both)", samples, Some(20.0));
    println!("  deepest lot {batch}: {shape}");
    let mut samples = Vec::new();
    let mut widest = 0;
    for (gtin, batch) in batches.iter().take(size.traces as usize) {
        let t = Instant::now();
        let tr = station
            .trace(batch, Some(gtin), Direction::Both, None)
            .unwrap();
        samples.push(t.elapsed());
        widest = widest.max(tr.lots.len());
    }
    line("trace sampled lots (both)", samples, Some(20.0));
    println!("  largest sampled trace: {widest} lots");
}

/// Bulk ingest through the store (JSON payload, hash chain, outbox, derived tables) against
/// the floor: the same event rows, already made, inserted plainly into the same table shape
/// with the same pragmas and transaction size.
fn bulk_ingest(plan: &SeedPlan, dir: &Path, today: chrono::NaiveDate) {
    let ours_db = dir.join("ingest.db");
    let mut store = Store::open(&ours_db).unwrap();
    let t = Instant::now();
    let r = seed::seed(&mut store, plan, today, &mut |_| {}).unwrap();
    let ours = t.elapsed();
    drop(store);
    let conn = rusqlite::Connection::open(&ours_db).unwrap();
    let rows: Vec<[String; 8]> = conn
        .prepare("SELECT id, at, station, actor, kind, payload, prev_hash, hash FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok([
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ])
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut plain = rusqlite::Connection::open(dir.join("plain.db")).unwrap();
    plain
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
               at TEXT NOT NULL, station TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL,
               payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);",
        )
        .unwrap();
    let t = Instant::now();
    for chunk in rows.chunks(20_000) {
        let tx = plain.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO events (id, at, station, actor, kind, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .unwrap();
            for row in chunk {
                stmt.execute(rusqlite::params_from_iter(row.iter()))
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let floor = t.elapsed();
    println!(
        "bulk ingest {} events: store {:.2?} ({:.0} events/s) vs plain inserts {:.2?} = {:.2}x (target <= 2x)",
        r.events,
        ours,
        r.events as f64 / ours.as_secs_f64(),
        floor,
        ours.as_secs_f64() / floor.as_secs_f64()
    );
}

/// Prints p50, p99 and max of `samples`; with a target, whether the p99 meets it.
fn line(name: &str, mut samples: Vec<Duration>, target_ms: Option<f64>) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let (p50, p99) = (at(0.50), at(0.99));
    let target = match target_ms {
        Some(t) if p99.as_secs_f64() * 1000.0 < t => format!(" (target p99 < {t} ms: met)"),
        Some(t) => format!(" (target p99 < {t} ms: NOT met)"),
        None => String::new(),
    };
    println!(
        "{name:<30} n={:<5} p50={p50:>9.3?} p99={p99:>9.3?} max={:>9.3?}{target}",
        samples.len(),
        samples[samples.len() - 1]
    );
}
