//! The seeded site the store and recall benchmarks share: a 2,000,000-event site made with
//! `lotline dev seed`'s generator, cached under the target dir as `store-bench-site.db` (with
//! the seed report beside it as `store-bench-site.json`) so it is seeded once for every bench.
//! `LOTLINE_BENCH_FRESH=1` re-seeds. Without `--bench` a tiny site is seeded in a scratch
//! directory instead, so `cargo test --all-targets` keeps the code working quickly.

use std::path::{Path, PathBuf};
use std::time::Instant;

use lotline::store::Store;
use lotline::workflow::seed::{self, SeedPlan};

// Each bench uses the fields it needs.
#[allow(dead_code)]
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
