//! Store benchmarks on a seeded site (run: `cargo bench --bench store`; size with
//! `LOTLINE_BENCH_LOTS`, default 200000). Prints p50/p99 per operation and the bulk-ingest ratio
//! against plain SQLite inserts of the same rows, measured in the same run.

use std::time::{Duration, Instant};

use lotline::domain::{Role, Strategy};
use lotline::store::{Actor, Store};
use lotline::workflow::seed::{self, SeedPlan};
use lotline::workflow::{ReceiveRequest, Station, StationIdentity, StationSettings};

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.99))
}

fn report(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let (p50, p99) = percentiles(samples);
    println!("{name:<28} n={n:<6} p50={p50:>10.3?} p99={p99:>10.3?}");
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` does not: then run a small smoke
    // pass so the suite stays quick but the bench code still runs.
    let full = std::env::args().any(|a| a == "--bench");
    let lots: u32 = std::env::var("LOTLINE_BENCH_LOTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 200_000 } else { 2_000 });
    // On the real disk (not tmpfs) so fsync costs what it costs in the field.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let plan = SeedPlan {
        products: 2000,
        lots,
        produced_share: 0.3,
        seed: 7,
    };
    let events = seed::seed_events(&plan);

    // Bulk ingest: the full store path (hash chain, derived tables, outbox) ...
    let db = dir.path().join("site.db");
    let mut store = Store::open(&db).unwrap();
    let actor = Actor {
        station: "BENCH".into(),
        actor: "bench".into(),
        role: Role::Supervisor,
    };
    let t = Instant::now();
    let count = store.record_all(&actor, events.iter().cloned()).unwrap();
    let ours = t.elapsed();
    drop(store);
    // ... against the floor: the same event rows inserted plainly, one transaction, one
    // prepared statement, no hashing and no derived tables.
    let plain = rusqlite::Connection::open(dir.path().join("plain.db")).unwrap();
    plain
        .execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, time TEXT, actor TEXT,
             role TEXT, station TEXT, kind TEXT, payload TEXT, prev_hash TEXT, hash TEXT);",
        )
        .unwrap();
    let t = Instant::now();
    {
        let mut plain = plain;
        let tx = plain.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare("INSERT INTO events (id, time, actor, role, station, kind, payload, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)")
                .unwrap();
            for e in &events {
                let payload = serde_json::to_string(e).unwrap();
                let id = uuid::Uuid::now_v7().to_string();
                stmt.execute(rusqlite::params![
                    id,
                    "t",
                    "bench",
                    "supervisor",
                    "BENCH",
                    e.name(),
                    payload,
                    "",
                    ""
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let floor = t.elapsed();
    println!(
        "bulk ingest {count} events: store {ours:.2?} vs plain inserts {floor:.2?} = {:.2}x",
        ours.as_secs_f64() / floor.as_secs_f64()
    );

    let identity = StationIdentity {
        settings: StationSettings::default(),
        actor: "bench".into(),
        role: Role::Worker,
        pin: None,
    };
    let mut station = Station::open(&db, identity).unwrap();

    // Scan -> durable event: one receive, one immediate transaction, commit with fsync.
    let mut samples = Vec::new();
    for i in 0..300 {
        let t = Instant::now();
        station
            .receive(ReceiveRequest {
                gtin: seed::seed_gtin(i % 2000),
                batch: format!("BENCH-{i}"),
                qty: 10,
                location: "DOCK".into(),
                ..ReceiveRequest::default()
            })
            .unwrap();
        samples.push(t.elapsed());
    }
    report("scan -> durable receive", samples);

    // Lot lookup and FEFO pick.
    let mut look = Vec::new();
    let mut pick = Vec::new();
    for i in 0..2000u32 {
        let batch = seed::seed_batch((i * 97) % lots);
        let t = Instant::now();
        station.lookup(&batch).unwrap();
        look.push(t.elapsed());
        let t = Instant::now();
        station
            .pick(&seed::seed_gtin(i % 2000), 50, Strategy::Fefo)
            .unwrap();
        pick.push(t.elapsed());
    }
    report("lot lookup", look);
    report("FEFO pick", pick);

    // Full forward + backward trace of the lots with the deepest ancestry.
    let deep: Vec<String> = station
        .store()
        .conn()
        .prepare("SELECT child_batch FROM genealogy ORDER BY rowid DESC LIMIT 50")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut samples = Vec::new();
    let mut widest = (0, 0);
    for _ in 0..4 {
        for batch in &deep {
            let t = Instant::now();
            let trace = station.trace(batch).unwrap();
            samples.push(t.elapsed());
            let depth = trace.made_from.iter().map(|l| l.depth).max().unwrap_or(0);
            widest = widest.max((depth, trace.made_from.len()));
        }
    }
    report("trace forward+backward", samples);
    println!(
        "deepest traced ancestry: {} levels, {} lots",
        widest.0, widest.1
    );
}
