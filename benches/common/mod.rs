//! The seeded site the store and recall benchmarks share: a 2,000,000-event site made with
//! `lotline dev seed`'s generator, cached under the target dir as `store-bench-site.db` (with
//! the seed report beside it as `store-bench-site.json`) so it is seeded once for every bench.
//! `LOTLINE_BENCH_FRESH=1` re-seeds. Without `--bench` a tiny site is seeded in a scratch
//! directory instead, so `cargo test --all-targets` keeps the code working quickly.
//! [`percentiles`] prints a latency line the same way for every bench.
#![allow(dead_code)] // each bench uses part of this

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lotline::store::Store;
use lotline::workflow::seed::{self, SeedPlan};

pub struct Site {
    /// The site's store file.
    pub path: PathBuf,
    /// What the seed made (`lotline::workflow::seed::SeedReport` as JSON).
    pub report: serde_json::Value,
    /// A scratch directory on the same disk, removed at the end.
    pub scratch: tempfile::TempDir,
}

/// The seeded site: the cached full-size one with `full`, else a fresh tiny one from `plan`.
pub fn seeded_site(full: bool, plan: &SeedPlan, today: chrono::NaiveDate) -> Site {
    // On the real disk, not tmpfs: fsync costs what it costs on a station.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let scratch = tempfile::tempdir_in(dir).unwrap();
    let path = if full {
        dir.join("store-bench-site.db")
    } else {
        scratch.path().join("site.db")
    };
    let report_file = path.with_extension("json");
    if std::env::var_os("LOTLINE_BENCH_FRESH").is_some() || !report_file.exists() {
        for f in [&path, &report_file] {
            let _ = std::fs::remove_file(f);
        }
        let _ = std::fs::remove_file(path.with_extension("db-wal"));
        let mut store = Store::open(&path).unwrap();
        let t = Instant::now();
        let r = seed::seed(&mut store, plan, today, &mut |_| {}).unwrap();
        println!(
            "seeded {} events ({} lots) in {:.1?}",
            r.events,
            r.lots_received + r.lots_produced,
            t.elapsed()
        );
        std::fs::write(&report_file, serde_json::to_string(&r).unwrap()).unwrap();
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_file).unwrap()).unwrap();
    println!(
        "site: {} events, {} products, deepest lot {} levels",
        report["events"], report["products"], report["deep_lot"]["depth"]
    );
    Site {
        path,
        report,
        scratch,
    }
}

/// Prints p50, p99 and max of `samples` and, with a target, whether the p99 meets it;
/// returns (p50, p99).
pub fn percentiles(
    name: &str,
    mut samples: Vec<Duration>,
    target_ms: Option<f64>,
) -> (Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    let (p50, p99) = (at(0.50), at(0.99));
    let target = match target_ms {
        Some(t) if p99.as_secs_f64() * 1000.0 < t => format!(" (target p99 < {t} ms: met)"),
        Some(t) => format!(" (target p99 < {t} ms: NOT met)"),
        None => String::new(),
    };
    println!(
        "{name:<36} n={:<5} p50={p50:>9.3?} p99={p99:>9.3?} max={:>9.3?}{target}",
        samples.len(),
        samples[samples.len() - 1]
    );
    (p50, p99)
}
