//! GS1 parse throughput on one core: every line of a corpus file (scan data with AIM
//! identifiers and GS separators), parsed and validated, repeatedly for a few seconds.
//! Run through `scripts/bench-gs1`, which runs biip on the same corpus in the same run.
//!
//!     cargo bench --bench gs1_parse -- CORPUS [SECONDS]

use std::time::{Duration, Instant};

use lotline::gs1::{self, ParseOptions};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(path) = args.next() else {
        eprintln!("usage: cargo bench --bench gs1_parse -- CORPUS [SECONDS]");
        return;
    };
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let corpus: Vec<String> = std::fs::read_to_string(&path)
        .expect("corpus file")
        .lines()
        .map(str::to_string)
        .collect();
    let opts = ParseOptions::default();
    // Every datum must parse: a benchmark of error paths would flatter nobody.
    for line in &corpus {
        gs1::parse(line, &opts).unwrap_or_else(|e| panic!("{line:?}: {e}"));
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut parses = 0u64;
    let mut elements = 0usize;
    while start.elapsed() < budget {
        for line in &corpus {
            elements += std::hint::black_box(gs1::parse(std::hint::black_box(line), &opts))
                .map(|m| m.elements.len())
                .unwrap_or(0);
        }
        parses += corpus.len() as u64;
    }
    let rate = parses as f64 / start.elapsed().as_secs_f64();
    println!("lotline\t{rate:.0}\tparses/s\t({parses} parses, {elements} elements)");
}
