//! Mutation fuzzing of the GS1 parser (element strings, AIM scan data, Digital Link URIs): no
//! input may panic, and what parses must generate forms that parse back to the same elements.
//! Bounded by time: `LOTLINE_GS1_FUZZ_SECS` (default 2 s in the normal suite; docs/gs1.md
//! records a long run). cargo-fuzz needs a nightly toolchain, which this project does not use.

mod gs1_support;

use std::time::{Duration, Instant};

use gs1_support::{Rng, input, mutate};
use lotline::gs1::{self, DEFAULT_DL_DOMAIN, ParseOptions, Symbology};

fn check(data: &str, opts: &ParseOptions) {
    let Ok(m) = gs1::parse(data, opts) else {
        return;
    };
    if opts.gs_substitute.is_some() || m.symbology == Some(Symbology::Ean) {
        return;
    }
    // What was accepted round-trips through every form Lotline writes.
    for form in [
        m.to_bracketed(),
        m.to_scan_data(Symbology::Gs1_128).expect("]C1"),
    ] {
        let back = gs1::parse(&form, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{data:?} -> {form:?}: {e}"));
        assert_eq!(back.elements, m.elements, "{data:?} -> {form:?}");
    }
    if let Ok(uri) = m.to_digital_link(DEFAULT_DL_DOMAIN) {
        let back = gs1::parse(&uri, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{data:?} -> {uri:?}: {e}"));
        let (mut a, mut b) = (back.elements.clone(), m.elements.clone());
        a.sort_by(|x, y| x.ai.cmp(y.ai));
        b.sort_by(|x, y| x.ai.cmp(y.ai));
        b.dedup();
        assert_eq!(a, b, "{data:?} -> {uri:?}");
    }
}

#[test]
fn mutated_gs1_data_never_panics_and_round_trips() {
    let secs: f64 = std::env::var("LOTLINE_GS1_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let seed: u64 = std::env::var("LOTLINE_GS1_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let mut rng = Rng::new(seed);
    let budget = Duration::from_secs_f64(secs);
    let start = Instant::now();
    let plain = ParseOptions::default();
    let wedge = ParseOptions {
        gs_substitute: Some('|'),
        ..Default::default()
    };
    let mut n = 0u64;
    while start.elapsed() < budget {
        let mut data = input(&mut rng);
        // Deeper mutation chains and arbitrary bytes (lossily decoded) as well.
        for _ in 0..rng.below(4) {
            data = mutate(&mut rng, &data);
        }
        if rng.chance(5) {
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            data.push_str(&String::from_utf8_lossy(&bytes));
        }
        let result = std::panic::catch_unwind(|| {
            check(&data, &plain);
            check(&data, &wedge);
        });
        if result.is_err() {
            panic!("seed {seed}: panic on {data:?}");
        }
        n += 1;
    }
    println!(
        "fuzz (seed {seed}): {n} inputs in {:.0} s, no panic",
        start.elapsed().as_secs_f64()
    );
    assert!(n > 0);
}
