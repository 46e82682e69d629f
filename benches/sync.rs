//! Sync benchmarks with real processes on loopback (release build):
//!
//! 1. Catch-up: a station that was offline with 100,000 events pushes them all to the
//!    server (`lotline sync --once`), then a fresh station pulls all 100,000 (end to end,
//!    process start included). Target: each under 10 s.
//! 2. Ingest on PostgreSQL: the same 100,000 events pushed over HTTP to a PostgreSQL-backed
//!    server, against a bulk `COPY` of the same rows into a table like `server_events`
//!    (same columns and indexes), in the same run. Target: within 3x of COPY.
//!
//! Run: `cargo bench --bench sync` (PostgreSQL at 127.0.0.1:5432, user postgres, trust).
//! `LOTLINE_BENCH_EVENTS` changes the count; without `--bench` (as `cargo test --all-targets`
//! runs it) it is a 2,000-event smoke run.

use std::process::Command;
use std::time::Instant;

#[path = "common/server.rs"]
mod server;
use server::{BIN, pg, serve};

fn lotline(db: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN)
        .args(["--db", db])
        .args(args)
        .env("LOTLINE_STATION", "bench")
        .output()
        .unwrap();
    // A sync may end with 3: the seed's supervisor decisions are unsigned (a seeded site has
    // no people), so the server refuses those few and takes the rest.
    let refused_some = args.first() == Some(&"sync") && out.status.code() == Some(3);
    assert!(
        out.status.success() || refused_some,
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn token(db: &str, station: &str, role: &str) -> String {
    let out = lotline(
        db,
        &[
            "server",
            "token",
            "create",
            "--station",
            station,
            "--role",
            role,
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn main() {
    // `cargo bench` passes --bench; without it (`cargo test --all-targets`) a small smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("LOTLINE_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let dir = tempfile::tempdir().unwrap();
    let station = dir.path().join("offline.db");
    let station = station.to_str().unwrap();
    let t = Instant::now();
    lotline(
        station,
        &[
            "dev",
            "seed",
            "--events",
            &n.to_string(),
            "--products",
            "200",
            "--lots",
            &(n / 10).to_string(),
            "--json",
        ],
    );
    let events: u64 = {
        let s = lotline::store::Store::open(std::path::Path::new(station)).unwrap();
        s.outbox_len().unwrap()
    };
    println!(
        "seeded an offline station with {events} events in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 1. Catch-up on the default (SQLite) server.
    let server_db = format!("sqlite:{}", dir.path().join("server.db").display());
    // Tokens go to `lotline sync` in files (`--token-file`), never on its command line.
    let token_file = |name: &str, token: String| {
        let path = dir.path().join(format!("{name}.token"));
        std::fs::write(&path, token).unwrap();
        path.to_str().unwrap().to_string()
    };
    // The seeded events are recorded by station "SEED": the server takes a station's events
    // only with that station's token.
    let (ta, tb) = (
        token_file("a", token(&server_db, "SEED", "station")),
        token_file("b", token(&server_db, "fresh", "station")),
    );
    let (mut child, url) = serve(&server_db);
    let t = Instant::now();
    lotline(
        station,
        &["sync", "--once", "--server", &url, "--token-file", &ta],
    );
    let push = t.elapsed().as_secs_f64();
    let fresh = dir.path().join("fresh.db");
    let t = Instant::now();
    lotline(
        fresh.to_str().unwrap(),
        &["sync", "--once", "--server", &url, "--token-file", &tb],
    );
    let pull = t.elapsed().as_secs_f64();
    let _ = child.kill();
    println!(
        "catch-up, SQLite server: push {events} events {push:.2} s ({:.0} events/s); fresh station pulls them {pull:.2} s ({:.0} events/s)",
        events as f64 / push,
        events as f64 / pull
    );

    // 2. Ingest on PostgreSQL vs COPY of the same rows.
    let (name, pg_url) = server::fresh_pg();
    let pg_token = token(&pg_url, "SEED", "station");
    let ta = token_file("pg", pg_token.clone());
    let (mut child, url) = serve(&pg_url);
    // A second copy of the offline station, so it pushes the same events again.
    let again = dir.path().join("again.db");
    rusqlite::Connection::open(station)
        .unwrap()
        .execute("VACUUM INTO ?1", [again.to_str().unwrap()])
        .unwrap();
    let conn = rusqlite::Connection::open(&again).unwrap();
    // Forget that the server holds them: the outbox is every event again.
    conn.execute_batch("DELETE FROM server_pos; UPDATE sync_state SET pushed_through = 0;")
        .unwrap();
    drop(conn);
    let t = Instant::now();
    lotline(
        again.to_str().unwrap(),
        &["sync", "--once", "--server", &url, "--token-file", &ta],
    );
    let end_to_end = t.elapsed().as_secs_f64();
    // Server ingest alone: the same events pushed over HTTP in batches of 2,000 (what
    // `lotline sync` sends) into an emptied table, without the station's side.
    pg(
        "TRUNCATE server_events, server_stations, server_chains, server_refused, server_feed",
        &name,
    );
    let batches: Vec<Vec<u8>> = {
        let s = lotline::store::Store::open(&again).unwrap();
        // Linked in the station's order, as `lotline sync` sends them.
        let mut prev = lotline::domain::chain::GENESIS.to_string();
        s.events()
            .unwrap()
            .chunks(lotline::sync::PUSH_BATCH)
            .map(|c| {
                // The seed's supervisor decisions are unsigned (it has no people): the server
                // refuses those, so the bench pushes the rest.
                let events: Vec<_> = c
                    .iter()
                    .filter(|e| !lotline::people::needs_supervisor(&e.event))
                    .map(|e| {
                        let mut w = lotline::protocol::WireEvent {
                            id: e.id.clone(),
                            at: e.at.clone(),
                            station: e.station.clone(),
                            actor: e.actor.clone(),
                            event: e.event.clone(),
                            signature: None,
                            link: None,
                        };
                        let link = lotline::protocol::Link::after(&prev, &w);
                        prev = link.hash.clone();
                        w.link = Some(link);
                        w
                    })
                    .collect();
                serde_json::to_vec(&lotline::protocol::PushRequest { events, backlog: 0 }).unwrap()
            })
            .collect()
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(true)
        .build()
        .into();
    let t = Instant::now();
    for b in &batches {
        agent
            // Per event: the seed's unsigned supervisor decisions and the lots of its products
            // registered released on arrival without a supervisor's signature are refused, the
            // rest stored.
            .post(format!("{url}/api/v1/sync/push?per_event=true"))
            .header("Authorization", format!("Bearer {pg_token}"))
            .header("Content-Type", "application/json")
            .send(&b[..])
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap();
    }
    let ingest = t.elapsed().as_secs_f64();
    let _ = child.kill();
    // The same rows, COPY'd into a table with the same columns and indexes.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let copy = rt.block_on(async {
        use futures_util::SinkExt;
        let (c, conn) = tokio_postgres::connect(&format!("host=127.0.0.1 user=lotline_test password=lotline_test dbname={name}"), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        c.batch_execute("CREATE TABLE copy_events (LIKE server_events INCLUDING ALL)").await.unwrap();
        let rows = c.query("SELECT id, at, station, actor, kind, payload, origin, gtin, batch, into_gtin, into_batch, expiry, status_to, received FROM server_events ORDER BY pos", &[]).await.unwrap();
        let esc = |v: Option<&str>| v.map_or("\\N".to_string(), |s| s.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n"));
        let mut text = String::new();
        for r in &rows {
            let cells: Vec<String> = (0..14).map(|i| esc(r.get::<_, Option<&str>>(i))).collect();
            text.push_str(&cells.join("\t"));
            text.push('\n');
        }
        let t = Instant::now();
        let sink = c.copy_in("COPY copy_events (id, at, station, actor, kind, payload, origin, gtin, batch, into_gtin, into_batch, expiry, status_to, received) FROM STDIN").await.unwrap();
        futures_util::pin_mut!(sink);
        sink.send(bytes::Bytes::from(text)).await.unwrap();
        sink.close().await.unwrap();
        t.elapsed().as_secs_f64()
    });
    server::drop_pg(&name);
    println!(
        "PostgreSQL, {events} events: `lotline sync` end to end {end_to_end:.2} s = {:.0} events/s; server ingest over HTTP {ingest:.2} s = {:.0} events/s; COPY of the same rows {copy:.2} s = {:.0} rows/s; ingest/COPY time {:.2}x, sync/COPY {:.2}x",
        events as f64 / end_to_end,
        events as f64 / ingest,
        events as f64 / copy,
        ingest / copy,
        end_to_end / copy
    );
}
