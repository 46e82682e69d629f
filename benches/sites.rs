//! Sites benchmarks: a real `lotline server` on PostgreSQL (loopback), stations as stores
//! synced by the library's sync client (`sync::sync_once` over HTTP), release build.
//!
//! 1. **What a station holds against the number of sites**: 1, 5 and 20 sites with the same
//!    load per site (2 stations of `LOTLINE_BENCH_SITE_EVENTS` events each, default 5,000); a
//!    new station of site 0 joins: events pulled, store size, time. Goal: flat. Beside it, the
//!    same join with a token that names no site (it pulls every event, as before sites).
//! 2. **Joining a big site**: a site of `LOTLINE_BENCH_JOIN` events (default 1,000,000); a new
//!    station of the site syncs from nothing. Goal: under 30 s.
//!
//! Each site's events are a warehouse's day over and over: per lot, a receipt, a move to a
//! rack, two dispatches and a count (5 events a lot).
//!
//! Run: `cargo bench --bench sites` (PostgreSQL at 127.0.0.1:5432, the `lotline_test` role
//! `scripts/setup-system` makes). Without `--bench` (as `cargo test --all-targets` runs it) a
//! small smoke run.

use std::path::Path;
use std::time::{Duration, Instant};

use lotline::domain::{EventKind, LotStatus};
use lotline::store::Store;
use lotline::sync::{HttpTransport, sync_once};

#[path = "common/server.rs"]
mod server;

const EVENTS_PER_LOT: u64 = 5;

fn gln(site: usize) -> String {
    let body = format!("401234520{site:03}");
    format!("{body}{}", lotline::gs1::check_digit(&body).unwrap())
}

fn gtin(site: usize) -> String {
    let body = format!("0950110155{site:03}");
    format!("{body}{}", lotline::gs1::check_digit(&body).unwrap())
}

/// `lots` lots' day at `station` of `site`, recorded 5,000 events a transaction.
fn record_day(store: &mut Store, station: &str, site: usize, lots: u64) {
    let product = gtin(site);
    let mut events = Vec::new();
    for n in 0..lots {
        let batch = format!("{station}-{n}");
        let lot = |e: &dyn Fn(String, String) -> EventKind| e(product.clone(), batch.clone());
        events.push(lot(&|gtin, batch| EventKind::LotReceived {
            gtin,
            batch,
            expiry: None,
            quantity: 100,
            location: "DOCK".into(),
            status: LotStatus::Quarantined,
            supplier: Some("Farm".into()),
            sscc: None,
            po: None,
            unit_cost: None,
        }));
        events.push(lot(&|gtin, batch| EventKind::LotMoved {
            gtin,
            batch,
            from: "DOCK".into(),
            to: "A-01".into(),
            quantity: 100,
        }));
        for customer in ["Northwind", "Contoso"] {
            events.push(lot(&|gtin, batch| EventKind::LotDispatched {
                gtin,
                batch,
                quantity: 10,
                customer: customer.into(),
                shipment: None,
                from: vec![("A-01".into(), 10)],
                sscc: None,
                unit_price: None,
            }));
        }
        events.push(lot(&|gtin, batch| EventKind::LotCounted {
            gtin,
            batch,
            location: "A-01".into(),
            counted: 79,
            difference: -1,
        }));
        if events.len() >= 5_000 {
            store
                .append_all(station, "worker", std::mem::take(&mut events))
                .unwrap();
        }
    }
    if !events.is_empty() {
        store.append_all(station, "worker", events).unwrap();
    }
}

fn post(url: &str, admin: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .build()
        .into();
    let text = agent
        .post(format!("{url}/api/v1{path}"))
        .header("Authorization", format!("Bearer {admin}"))
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn admin_token(db: &str) -> String {
    let out = std::process::Command::new(server::BIN)
        .args([
            "--db",
            db,
            "server",
            "token",
            "create",
            "--station",
            "hq",
            "--role",
            "admin",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// A station token, of `site` or of none.
fn station_token(url: &str, admin: &str, station: &str, site: Option<usize>) -> String {
    let mut req = serde_json::json!({"station": station, "role": "station"});
    if let Some(site) = site {
        req["site"] = gln(site).into();
    }
    post(url, admin, "/tokens", req)["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// One sync round of the store at `path`: events pulled, and how long it took.
fn sync(path: &Path, url: &str, token: &str) -> (u64, Duration) {
    let mut store = Store::open(path).unwrap();
    let transport = HttpTransport::new(url, token, Duration::from_secs(600), None);
    let t = Instant::now();
    let round = sync_once(&mut store, &transport, &mut |_| {}).unwrap();
    (round.pulled, t.elapsed())
}

/// A store's size on disk, after its WAL is folded in.
fn size_mb(path: &Path) -> f64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(c);
    std::fs::metadata(path).unwrap().len() as f64 / 1e6
}

/// A server on a new database with `sites` sites, each with 2 stations of `lots` lots' day,
/// synced; returns (the server process, URL, admin token, database name).
fn company(dir: &Path, sites: usize, lots: u64) -> (std::process::Child, String, String, String) {
    let (name, db) = server::fresh_pg();
    let admin = admin_token(&db);
    let (child, url) = server::serve(&db);
    for site in 0..sites {
        post(
            &url,
            &admin,
            "/sites",
            serde_json::json!({"gln": gln(site), "name": format!("Site {site}")}),
        );
        for n in 0..2 {
            let station = format!("S{site}-{n}");
            let token = station_token(&url, &admin, &station, Some(site));
            let path = dir.join(format!("{station}.db"));
            let mut store = Store::open(&path).unwrap();
            if n == 0 {
                store
                    .append(
                        &station,
                        "worker",
                        EventKind::ProductRegistered {
                            gtin: gtin(site),
                            name: format!("Product of site {site}"),
                            receive_as: LotStatus::Quarantined,
                            receiving: Default::default(),
                        },
                    )
                    .unwrap();
            }
            record_day(&mut store, &station, site, lots);
            drop(store);
            sync(&path, &url, &token);
        }
    }
    (child, url, admin, name)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let count = |var: &str, full_n: u64, smoke: u64| -> u64 {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if full { full_n } else { smoke })
    };
    let per_station = count("LOTLINE_BENCH_SITE_EVENTS", 5_000, 100);
    let join = count("LOTLINE_BENCH_JOIN", 1_000_000, 1_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();

    // 1. What a new station of site 0 pulls and holds, against the number of sites.
    println!("scope: 2 stations x {per_station} events per site; a new station of site 0 joins");
    for sites in [1, 5, 20] {
        let here = dir.path().join(format!("scope-{sites}"));
        std::fs::create_dir_all(&here).unwrap();
        let (mut child, url, admin, name) = company(&here, sites, per_station / EVENTS_PER_LOT);
        for (label, site) in [("site 0", Some(0)), ("no site", None)] {
            let station = format!("new-{}", label.replace(' ', "-"));
            let token = station_token(&url, &admin, &station, site);
            let path = here.join(format!("{station}.db"));
            let (pulled, took) = sync(&path, &url, &token);
            println!(
                "  {sites:>2} sites, token of {label:<7}: pulled {pulled:>7} events, store {:>7.1} MB, {:>6.2} s",
                size_mb(&path),
                took.as_secs_f64()
            );
        }
        let _ = child.kill();
        let _ = child.wait();
        server::drop_pg(&name);
    }

    // 2. A new station joins a site of `join` events.
    let here = dir.path().join("join");
    std::fs::create_dir_all(&here).unwrap();
    let t = Instant::now();
    // Two stations of half the events each: what a site with two docks built up.
    let (mut child, url, admin, name) = company(&here, 1, join / 2 / EVENTS_PER_LOT);
    println!(
        "join: a site of {join} events built and pushed in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let token = station_token(&url, &admin, "joiner", Some(0));
    let path = here.join("joiner.db");
    let (pulled, took) = sync(&path, &url, &token);
    let took_pull = took;
    println!(
        "join: a new station of the site pulled {pulled} events in {:.2} s ({:.0} events/s; goal under 30 s: {}), store {:.0} MB",
        took.as_secs_f64(),
        pulled as f64 / took.as_secs_f64(),
        if took < Duration::from_secs(30) {
            "met"
        } else {
            "NOT met"
        },
        size_mb(&path)
    );

    // 3. The same join from the site's snapshot: the server makes it (a replica pulls the
    // site's feed, prunes history older than 30 days: none here), the station downloads,
    // checks and loads it, then pulls what came after.
    let t = Instant::now();
    let db = format!("postgres://lotline_test:lotline_test@127.0.0.1:5432/{name}");
    let made = std::process::Command::new(server::BIN)
        .args(["--db", &db, "server", "snapshot", "--site", &gln(0)])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    println!(
        "join: the server made the site's snapshot in {:.1} s: {}",
        t.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&made.stdout).trim()
    );
    let token = station_token(&url, &admin, "snapshot-joiner", Some(0));
    let path = here.join("snapshot-joiner.db");
    let mut store = Store::open(&path).unwrap();
    let transport = HttpTransport::new(&url, &token, Duration::from_secs(600), None);
    let t = Instant::now();
    let round = sync_once(&mut store, &transport, &mut |_| {}).unwrap();
    let took = t.elapsed();
    let joined = round.joined.expect("the station started from the snapshot");
    assert_eq!(
        store.event_count().unwrap(),
        pulled,
        "the same events as a whole pull"
    );
    drop(store);
    println!(
        "join: a new station of the site started from the snapshot ({} events, {:.0} MB) and pulled {} more in {:.2} s ({:.1}x faster than pulling; goal under 30 s: {}), store {:.0} MB",
        joined.events,
        joined.size as f64 / 1e6,
        round.pulled,
        took.as_secs_f64(),
        took_pull.as_secs_f64() / took.as_secs_f64(),
        if took < Duration::from_secs(30) {
            "met"
        } else {
            "NOT met"
        },
        size_mb(&path)
    );
    let _ = child.kill();
    let _ = child.wait();
    server::drop_pg(&name);
}
