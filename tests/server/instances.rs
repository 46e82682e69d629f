//! The server at scale, on PostgreSQL: two server processes on one database taking concurrent
//! pushes from real and simulated stations (one order, nothing lost or doubled, every chain
//! intact), and an overloaded server answering 429 with `Retry-After` while the stations wait
//! as told and lose nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;
use crate::sim::{SIM_GTIN, SimStation};

/// A copy of a station's handle for another thread (the files are the station).
fn handle(s: &Station) -> Station {
    Station {
        name: s.name.clone(),
        db: s.db.clone(),
        config: s.config.clone(),
    }
}

/// A receipt scan of a lot of the simulated stations' product.
fn scan(batch: &str) -> String {
    format!("(01){SIM_GTIN}(17)271231(10){batch}")
}

/// Each station's last chain link as the server holds it (`server_chains`).
fn server_chains(pg: &Pg) -> BTreeMap<String, String> {
    pg.rows("SELECT station, head FROM server_chains")
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect()
}

/// The last link of a station's own chain, from its store.
fn station_head(s: &Station) -> String {
    rusqlite::Connection::open(&s.db)
        .unwrap()
        .query_row(
            "SELECT hash FROM push_links ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Two `lotline server` processes on one PostgreSQL. Four real stations (two on one instance
/// each, two alternating) record and sync while six simulated stations push linked batches
/// as fast as they can, alternating instances, and an admin follows the server's order with
/// pulls from both instances as it grows. Every push takes the advisory lock, so positions
/// commit in order: the follower, which never goes back, must end up with exactly the
/// server's events (a position committed after a later one was seen would be skipped); the
/// positions are 1..N without a gap; each simulated push was acknowledged with the position
/// the server holds; every station's chain at the server ends at the station's last link;
/// the real stations converge.
#[test]
fn two_server_processes_take_concurrent_pushes_in_one_order() {
    let backend = Backend::postgres();
    let db = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let admin = token(&db, "hq", "admin", None);
    let servers = [Server::start(&db), Server::start(&db)];
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();
    let stations: Vec<Station> = ["A", "B", "C", "D"]
        .iter()
        .map(|n| Station::new(dir.path(), n))
        .collect();
    let tokens: Vec<String> = stations
        .iter()
        .map(|s| token(&db, &s.name, "station", None))
        .collect();
    for s in &stations {
        // Lots arrive quarantined: no supervisor's signature involved.
        s.ok(&["product", "add", SIM_GTIN, "--name", "Passata", "--json"]);
    }
    let mut sims: Vec<SimStation> = (0..6)
        .map(|i| {
            let name = format!("SIM{i}");
            SimStation::new(&name, &token(&db, &name, "station", None), &urls)
        })
        .collect();

    // The real stations are at work (the simulated ones push until they are done).
    let busy = Arc::new(AtomicBool::new(true));
    // Every push is answered.
    let pushed_all = Arc::new(AtomicBool::new(false));
    // The follower: pulls the server's order as it grows, from one instance then the other,
    // until a pull after the last push finds nothing more.
    let follower = {
        let (pushed_all, urls, admin) = (pushed_all.clone(), urls.clone(), admin.clone());
        std::thread::spawn(move || {
            let (mut after, mut seen, mut pulls) = (0, Vec::new(), 0usize);
            loop {
                let done = pushed_all.load(Ordering::SeqCst);
                let (status, page) = http(
                    "GET",
                    &format!("{}/api/v1/events?after={after}", urls[pulls % 2]),
                    Some(&admin),
                    None,
                );
                pulls += 1;
                assert_eq!(status, 200, "{page}");
                for e in page["events"].as_array().unwrap() {
                    seen.push((
                        e["pos"].as_i64().unwrap(),
                        e["id"].as_str().unwrap().to_string(),
                    ));
                }
                after = page["next"].as_i64().unwrap();
                if !page["more"].as_bool().unwrap() {
                    if done {
                        return (seen, pulls);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
    };
    let sim_threads: Vec<_> = sims
        .drain(..)
        .enumerate()
        .map(|(i, mut sim)| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                let mut pushes = 0usize;
                while pushes < 20 || busy.load(Ordering::SeqCst) {
                    let req = sim.next_batch(4);
                    let resp = sim
                        .push(i + pushes, &req)
                        .unwrap_or_else(|e| panic!("{} push {pushes}: {e}", sim.name));
                    assert!(resp.refused.is_empty(), "{:?}", resp.refused);
                    assert_eq!((resp.acked.len(), resp.stored), (4, 4));
                    pushes += 1;
                }
                sim
            })
        })
        .collect();
    let station_threads: Vec<_> = stations
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(i, (s, t))| {
            let (s, t, urls) = (handle(s), t.clone(), urls.clone());
            std::thread::spawn(move || {
                for round in 0..3 {
                    let batch = format!("{}{round}", s.name);
                    s.ok(&["receive", &scan(&batch), "--qty", "10", "--json"]);
                    if round == 1 {
                        let first = format!("{}0", s.name);
                        s.ok(&[
                            "lot", "hold", &first, "--gtin", SIM_GTIN, "--reason", "check",
                            "--json",
                        ]);
                    }
                    // A and B keep to one instance; C and D alternate.
                    let via = if i < 2 { i } else { i + round };
                    s.sync_ok(&urls[via % 2], &t);
                }
            })
        })
        .collect();
    for t in station_threads {
        t.join().unwrap();
    }
    busy.store(false, Ordering::SeqCst);
    let sims: Vec<SimStation> = sim_threads.into_iter().map(|t| t.join().unwrap()).collect();
    pushed_all.store(true, Ordering::SeqCst);
    let (followed, pulls) = follower.join().unwrap();

    // Every real station gets everything, through either instance.
    for round in 0..2 {
        for (i, (s, t)) in stations.iter().zip(&tokens).enumerate() {
            s.sync_ok(&urls[(i + round) % 2], t);
        }
    }
    let events = server_events(&urls[0], &admin);
    assert_eq!(
        events,
        server_events(&urls[1], &admin),
        "the instances answer alike"
    );
    event_ids_once(&events);
    let order: Vec<(i64, String)> = events
        .iter()
        .map(|e| {
            (
                e["pos"].as_i64().unwrap(),
                e["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let positions: Vec<i64> = order.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        positions,
        (1..=order.len() as i64).collect::<Vec<_>>(),
        "positions are 1..N in order, without a gap"
    );
    // A follower of the order saw every event, in order: nothing committed behind its cursor.
    if let Some(i) = (0..order.len().max(followed.len())).find(|&i| followed.get(i) != order.get(i))
    {
        panic!(
            "the follower ({pulls} pulls while the order grew) saw {} of {} events; from \
             number {i}, it saw {:?} where the server holds {:?}",
            followed.len(),
            order.len(),
            followed.get(i),
            order.get(i)
        );
    }
    let held: BTreeMap<&str, i64> = order.iter().map(|(p, id)| (id.as_str(), *p)).collect();
    let pg = Pg::connect(&db);
    let chains = server_chains(&pg);
    let mut pushed = 0;
    for sim in &sims {
        for (id, pos) in &sim.acked {
            assert_eq!(held.get(id.as_str()), Some(pos), "{}'s {id}", sim.name);
        }
        pushed += sim.acked.len();
        assert_eq!(
            chains.get(&sim.name),
            Some(&sim.head),
            "{}'s chain",
            sim.name
        );
    }
    for s in &stations {
        assert_eq!(
            chains.get(&s.name),
            Some(&station_head(s)),
            "{}'s chain",
            s.name
        );
    }
    let real: BTreeSet<String> = stations.iter().map(|s| s.name.clone()).collect();
    let by_real = events
        .iter()
        .filter(|e| real.contains(e["station"].as_str().unwrap()))
        .count();
    assert_eq!(pushed + by_real, events.len(), "nothing else on the server");
    // 4 stations × (a product, 3 receipts, a hold).
    assert_eq!(by_real, 4 * 5);
    assert_converged_on_lots(
        &urls[1],
        &admin,
        &stations.iter().collect::<Vec<_>>(),
        |_, b| !b.starts_with("SIM"),
    );
    println!(
        "{} events ({pushed} from {} simulated pushes), followed in {pulls} pulls",
        events.len(),
        pushed / 4
    );
}

/// One HTTP request; the status, the `Retry-After` header and the JSON body.
fn request(method: &str, url: &str, token: &str, body: &[u8]) -> (u16, Option<String>, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = format!("Bearer {token}");
    let resp = match method {
        "GET" => agent.get(url).header("Authorization", &auth).call(),
        _ => agent
            .post(url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body),
    };
    let mut resp = resp.unwrap();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.body_mut().read_to_vec().unwrap();
    (
        resp.status().as_u16(),
        retry_after,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

/// Lines a child writes, each with when it came.
fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });
    rx
}

/// A server that takes one push or pull at once (`--max-in-flight 1`) and lets a push wait 3 s
/// for the push lock (`--max-wait 3`), while the test holds that lock as a long push on
/// another instance would. A's push waits for the lock in the one slot; a push or pull beside
/// it is answered 429 at once with `Retry-After` and the API's JSON error; B's `lotline sync
/// --watch` is refused and waits at least what it is told; A's push is answered 429 when its
/// wait runs out, nothing of it stored. Once the lock is free, B's loop gets through by itself,
/// A syncs again, and the server holds every event of both, once.
#[test]
fn an_overloaded_server_answers_429_with_retry_after_and_loses_nothing() {
    let backend = Backend::postgres();
    let db = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let server = Server::start_with(&db, 0, &["--max-in-flight", "1", "--max-wait", "3"]);
    let url = server.url.clone();
    let (a, b) = (Station::new(dir.path(), "A"), Station::new(dir.path(), "B"));
    for s in [&a, &b] {
        s.ok(&["product", "add", SIM_GTIN, "--name", "Passata", "--json"]);
        s.ok(&[
            "receive",
            &scan(&format!("{}1", s.name)),
            "--qty",
            "5",
            "--json",
        ]);
    }

    let pg = Pg::connect(&db);
    pg.batch(&format!(
        "BEGIN; SELECT pg_advisory_xact_lock({})",
        lotline::server::postgres::PUSH_LOCK
    ));
    let a_round = {
        let (a, url, ta) = (handle(&a), url.clone(), ta.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            (a.sync(&url, &ta), started.elapsed())
        })
    };
    let waiting = Instant::now() + Duration::from_secs(20);
    while pg
        .rows("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        .is_empty()
    {
        assert!(
            Instant::now() < waiting,
            "A's push never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // The slot is taken: a push and a pull are answered at once.
    for (method, path) in [("POST", "sync/push"), ("GET", "sync/pull")] {
        let asked = Instant::now();
        let (status, retry_after, v) = request(
            method,
            &format!("{url}/api/v1/{path}"),
            &tb,
            br#"{"events": [], "backlog": 0}"#,
        );
        assert_eq!(status, 429, "{path}: {v}");
        assert_eq!(retry_after.as_deref(), Some("2"), "{path}");
        assert!(v["error"].as_str().unwrap().contains("busy"), "{v}");
        assert!(v["hint"].as_str().unwrap().contains("Retry-After"), "{v}");
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "{path} was queued"
        );
    }

    // B's loop is refused and told to wait.
    let token_file = dir.path().join("B.sync-token");
    std::fs::write(&token_file, &tb).unwrap();
    let mut b_loop = crate::support::lotline()
        .arg("--db")
        .arg(&b.db)
        .arg("--config")
        .arg(&b.config)
        .args([
            "sync",
            "--watch",
            "--interval",
            "1",
            "--json",
            "--timeout",
            "10",
        ])
        .args([
            "--server",
            &url,
            "--token-file",
            token_file.to_str().unwrap(),
        ])
        .env("LOTLINE_STATION", "B")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let b_out = lines(b_loop.stdout.take().unwrap());
    let b_err = lines(b_loop.stderr.take().unwrap());
    let (refused_at, refusal) = loop {
        let (at, line) = b_err
            .recv_timeout(Duration::from_secs(20))
            .expect("B's loop never said its round failed");
        if line.contains("sync failed") {
            break (at, line);
        }
    };
    assert!(refusal.contains("the server is busy"), "{refusal}");
    let told: u64 = refusal
        .rsplit("retrying in ")
        .next()
        .and_then(|s| s.trim_end_matches('s').parse().ok())
        .unwrap_or_else(|| panic!("{refusal}"));
    assert!(
        (2..=3).contains(&told),
        "B waits at least what it is told: {refusal}"
    );

    // A's push waited its longest for the lock: 429, nothing of it stored.
    let (a_out, a_took) = a_round.join().unwrap();
    assert_eq!(a_out.status.code(), Some(1), "{a_out:?}");
    let a_err = String::from_utf8_lossy(&a_out.stderr);
    assert!(a_err.contains("the server is busy"), "{a_err}");
    assert!(
        a_took >= Duration::from_secs(3),
        "A gave up after {a_took:?}"
    );
    assert!(
        server_events(&url, &admin)
            .iter()
            .all(|e| e["station"] != "A")
    );
    pg.batch("COMMIT");

    // B's loop gets through by itself, no sooner than it was told.
    let deadline = Instant::now() + Duration::from_secs(30);
    let synced_at = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (at, line) = b_out
            .recv_timeout(left)
            .expect("B's loop never synced after the server had room");
        let round: Value = serde_json::from_str(&line).unwrap();
        if round["pushed"].as_u64() == Some(2) {
            break at;
        }
    };
    let _ = b_loop.kill();
    let _ = b_loop.wait();
    assert!(
        synced_at - refused_at >= Duration::from_secs(2),
        "B retried {:?} after it was told to wait 2 s",
        synced_at - refused_at
    );
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    assert_converged(&url, &admin, &[&a, &b]);
    assert!(server.log_with("status=429").contains("status=429"));
}
