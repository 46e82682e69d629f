//! Push latency under many stations' load, on PostgreSQL, with one and with two server
//! instances on one database (release build, real processes on loopback).
//!
//! For each instance count: a fresh database, a token per station, then every station (a
//! thread with its own client: the station's sync client, `sync::HttpTransport`, and its
//! protocol types) pushes a small batch of linked events (receipts and dispatches, as
//! `tests/server/sim.rs` makes them) at a steady rate for a bounded time, through the
//! instances in turn (as a round-robin load balancer would). Every push's latency is recorded;
//! the run prints p50/p95/p99/max, pushes and events per second, and refusals (429) per run.
//! Goal: p99 under 200 ms with 200 stations.
//!
//! Run: `cargo bench --bench sync_load` (PostgreSQL at 127.0.0.1:5432 as role lotline_test,
//! made by scripts/setup-system). `LOTLINE_LOAD_STATIONS` (200), `LOTLINE_LOAD_SECONDS` (30),
//! `LOTLINE_LOAD_INTERVAL_MS` (1000, between a station's pushes) and `LOTLINE_LOAD_EVENTS` (5,
//! per push) change the load. Without `--bench` (as `cargo test --all-targets` runs it) it is
//! a smoke run: 10 stations for 2 s.

#[path = "common/server.rs"]
mod server;
#[path = "../tests/server/sim.rs"]
mod sim;

use std::process::Child;
use std::time::{Duration, Instant};

use lotline::protocol::TokenRole;
use lotline::sync::SyncError;
use sim::SimStation;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Load {
    stations: usize,
    seconds: u64,
    interval: Duration,
    events: usize,
}

/// What one station saw.
#[derive(Default)]
struct Seen {
    /// Each answered push, from its request to its answer.
    latencies: Vec<Duration>,
    /// Each batch, from its first try to its answer (with the pauses after 429s).
    batches: Vec<Duration>,
    events: usize,
    busy: usize,
    failed: usize,
    /// Batches given up (still refused 10 s after the end).
    unanswered: usize,
    /// When the last answer came.
    last: Option<Instant>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// One run: `instances` servers on a fresh database, the load through them in turn.
fn run(rt: &tokio::runtime::Runtime, load: &Load, instances: usize) {
    let (name, url) = server::fresh_pg();
    let mut tokens: Vec<(String, String)> = rt.block_on(async {
        let db = lotline::server::DbUrl::parse(&url).open().await.unwrap();
        let mut tokens = Vec::new();
        // The stations under load, and one that pushes alone first.
        for i in 0..=load.stations {
            let station = format!("ST{i:03}");
            let (token, _) = lotline::server::auth::create(
                db.as_ref(),
                &station,
                TokenRole::Station,
                None,
                None,
            )
            .await
            .unwrap();
            tokens.push((station, token));
        }
        tokens
    });
    let servers: Vec<(Child, String)> = (0..instances).map(|_| server::serve(&url)).collect();
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    // Unloaded: one station's pushes one after the other (what a push costs with no queue).
    let alone = {
        let (station, token) = tokens.pop().unwrap();
        let mut sim = SimStation::new(&station, &token, &urls);
        let mut took: Vec<Duration> = (0..200)
            .map(|k| {
                let req = sim.next_batch(load.events);
                let t = Instant::now();
                sim.push(k, &req).unwrap();
                t.elapsed()
            })
            .collect();
        took.sort();
        took
    };
    let start = Instant::now() + Duration::from_millis(500);
    let end = start + Duration::from_secs(load.seconds);
    let threads: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, (station, token))| {
            let (urls, interval, events) = (urls.clone(), load.interval, load.events);
            // Stations start spread over one interval, then push at a steady rate.
            let offset = interval.mul_f64(i as f64 / load.stations as f64);
            std::thread::spawn(move || {
                let mut sim = SimStation::new(&station, &token, &urls);
                let mut seen = Seen::default();
                let mut due = start + offset;
                let mut k = 0;
                // Pushes due after the end are not sent (a server that falls behind is not
                // given more time); a batch begun is answered or given up 10 s after the end.
                while due < end && Instant::now() < end {
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let req = sim.next_batch(events);
                    let first = Instant::now();
                    loop {
                        let t = Instant::now();
                        match sim.push(i + k, &req) {
                            Ok(resp) => {
                                seen.latencies.push(t.elapsed());
                                seen.batches.push(first.elapsed());
                                seen.last = Some(Instant::now());
                                seen.events += resp.acked.len();
                                break;
                            }
                            Err(SyncError::Busy { retry_after, .. }) => {
                                seen.busy += 1;
                                std::thread::sleep(retry_after.unwrap_or(Duration::from_secs(1)));
                            }
                            Err(e) => {
                                eprintln!("{station}: {e}");
                                seen.failed += 1;
                                std::thread::sleep(Duration::from_secs(1));
                            }
                        }
                        if Instant::now() > end + Duration::from_secs(10) {
                            seen.unanswered += 1;
                            break;
                        }
                    }
                    k += 1;
                    due += interval;
                }
                seen
            })
        })
        .collect();
    let mut all = Seen::default();
    for t in threads {
        let s = t.join().unwrap();
        all.latencies.extend(s.latencies);
        all.batches.extend(s.batches);
        all.events += s.events;
        all.busy += s.busy;
        all.failed += s.failed;
        all.unanswered += s.unanswered;
        all.last = all.last.max(s.last);
    }
    // Throughput over the time the pushes were answered in.
    let took = all
        .last
        .map_or(f64::NAN, |last| (last - start).as_secs_f64());
    for (mut child, _) in servers {
        let _ = child.kill();
        let _ = child.wait();
    }
    server::drop_pg(&name);
    all.latencies.sort();
    all.batches.sort();
    let ms = |p| percentile(&all.latencies, p);
    println!(
        "{instances} instance(s), one station alone: p50 {:.1} ms, p99 {:.1} ms; \
         {} stations × a push of {} events every {} ms for {} s: \
         {} pushes, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms; \
         {:.0} pushes/s, {:.0} events/s; 429 answers {}, other failures {}, batches given up {}; \
         a batch to its answer with the waits after 429s: p99 {:.1} ms",
        percentile(&alone, 0.5),
        percentile(&alone, 0.99),
        load.stations,
        load.events,
        load.interval.as_millis(),
        load.seconds,
        all.latencies.len(),
        ms(0.50),
        ms(0.95),
        ms(0.99),
        ms(1.0),
        all.latencies.len() as f64 / took,
        all.events as f64 / took,
        all.busy,
        all.failed,
        all.unanswered,
        percentile(&all.batches, 0.99)
    );
}

fn main() {
    // `cargo bench` passes --bench; without it (`cargo test --all-targets`) a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let load = Load {
        stations: env_or("LOTLINE_LOAD_STATIONS", if full { 200 } else { 10 }),
        seconds: env_or("LOTLINE_LOAD_SECONDS", if full { 30 } else { 2 }),
        interval: Duration::from_millis(env_or("LOTLINE_LOAD_INTERVAL_MS", 1000)),
        events: env_or("LOTLINE_LOAD_EVENTS", 5),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for instances in [1, 2] {
        run(&rt, &load, instances);
    }
}
