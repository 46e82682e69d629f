//! Recall benchmark (issue 8). Run:
//!
//!     cargo bench --bench recall
//!
//! On the seeded 2,000,000-event site shared with `benches/store.rs` (seeded once, cached under
//! the target dir; see `benches/common`), recalls received lots that went into production,
//! with every lot made from them (`--include-derived`): the full recall is
//! `Station::start_recall` (forward trace, covered lots' status and stock, affected shipments
//! and customers, the recall and the lots' status changes in one durable transaction) followed
//! by `Station::recall_report` rendered to PDF and to CSV. Its peer, in the same run on the
//! same lots with the same warm cache, is the bare forward trace (`Station::trace_lot`).
//! Target: a full recall under 1 s.
//!
//! Each run recalls new lots (those still released), so the cached site gains a few recalled
//! lots per run. Without `--bench` a tiny site is used and everything runs once.

mod common;

use std::time::{Duration, Instant};

use lotline::domain::status::Role;
use lotline::domain::trace::{Direction, LotRef};
use lotline::workflow::recall::RecallRequest;
use lotline::workflow::seed::SeedPlan;
use lotline::workflow::{Identity, Station};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (plan, samples) = if full {
        (SeedPlan::default(), 20)
    } else {
        (
            SeedPlan {
                products: 40,
                lots: 500,
                events: 3_000,
                seed: 1,
            },
            3,
        )
    };
    let today = chrono::Local::now().date_naive();
    let site = common::seeded_site(full, &plan, today);

    // Received lots, still released, that were used in production: a recall of one reaches
    // the lots made from it, their shipments and customers. Spread over the site.
    let lots: Vec<LotRef> = {
        let conn = rusqlite::Connection::open(&site.path).unwrap();
        let total: u32 = conn
            .query_row("SELECT count(*) FROM lots", [], |r| r.get(0))
            .unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT l.gtin, l.batch FROM lots l
                 WHERE l.supplier IS NOT NULL AND l.status = 'released' AND l.rowid % ?1 = 0
                   AND EXISTS (SELECT 1 FROM genealogy g
                               WHERE g.input_gtin = l.gtin AND g.input_batch = l.batch)
                 LIMIT ?2",
            )
            .unwrap();
        let step = (total / (samples * 20)).max(1);
        stmt.query_map([step, samples], |r| {
            Ok(LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    assert!(
        !lots.is_empty(),
        "no released received lot used in production"
    );

    let who = Identity {
        station: "bench".into(),
        actor: "bench".into(),
    };
    let mut station = Station::open(&site.path, who).unwrap();
    let (mut bare, mut whole) = (Vec::new(), Vec::new());
    let (mut start, mut build, mut render) = (Vec::new(), Vec::new(), Vec::new());
    let mut largest = (0, String::new());
    for lot in &lots {
        // Warm the cache for both, then measure the full recall and its peer.
        station.trace_lot(lot, Direction::Forward).unwrap();

        let t = Instant::now();
        let req = RecallRequest {
            lots: vec![format!("(01){}(10){}", lot.gtin, lot.batch)],
            gtin: None,
            reason: "benchmark recall".into(),
            role: Role::Supervisor,
            include_derived: true,
            gs_substitute: None,
        };
        let started = station.start_recall(&req, today, false).unwrap();
        let t_start = t.elapsed();
        let report = station
            .recall_report(started.id.as_deref().unwrap())
            .unwrap();
        let t_build = t.elapsed();
        let mut pdf = Vec::new();
        report.write_pdf(&mut pdf).unwrap();
        let mut csv = Vec::new();
        report.write_csv(&mut csv).unwrap();
        let t_all = t.elapsed();
        whole.push(t_all);
        start.push(t_start);
        build.push(t_build - t_start);
        render.push(t_all - t_build);

        let t = Instant::now();
        let trace = station.trace_lot(lot, Direction::Forward).unwrap();
        bare.push(t.elapsed());

        if started.plan.lots.len() > largest.0 {
            largest = (
                started.plan.lots.len(),
                format!(
                    "{lot}: {} lots covered ({} in the trace), {} shipments to {} customers, {} items to account for, PDF {} KB, CSV {} KB, {:.0?}",
                    started.plan.lots.len(),
                    trace.lots.len(),
                    started.plan.shipments.len(),
                    started.plan.customers.len(),
                    started.plan.items.len(),
                    pdf.len() / 1024,
                    csv.len() / 1024,
                    t_all
                ),
            );
        }
    }
    println!(
        "recall of {} received lots with every lot made from them:",
        lots.len()
    );
    let bare_p50 = line("bare forward trace (peer)", &mut bare, None);
    let whole_p50 = line("full recall", &mut whole, Some(1000.0));
    line("  start (trace, plan, write)", &mut start, None);
    line("  recall report model", &mut build, None);
    line("  PDF + CSV rendering", &mut render, None);
    println!(
        "full recall / bare trace (p50): {:.1}x",
        whole_p50.as_secs_f64() / bare_p50.as_secs_f64()
    );
    println!("largest: {}", largest.1);
}

/// Prints p50/p99/max; returns p50.
fn line(name: &str, samples: &mut [Duration], target_ms: Option<f64>) -> Duration {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let (p50, p99, max) = (at(0.50), at(0.99), samples[samples.len() - 1]);
    let target = target_ms
        .map(|t| {
            let met = if max.as_secs_f64() * 1000.0 < t {
                "met"
            } else {
                "NOT met"
            };
            format!(" (target every run < {t} ms: {met})")
        })
        .unwrap_or_default();
    println!(
        "{name:<30} n={:<4} p50={p50:>9.3?} p99={p99:>9.3?} max={max:>9.3?}{target}",
        samples.len()
    );
    p50
}
