//! The published unit test vectors of GS1's syntax engine (github.com/gs1/gs1-syntax-engine,
//! Apache-2.0) that apply to Lotline, run as data in CI: tests/data/gs1-engine-vectors.tsv,
//! written from the engine's sources by scripts/gs1-engine-vectors.py.
//!
//! The engine's functions under test stop before the AI association checks, so Lotline parses
//! with `skip_requisites`. Left out: EAN/UPC composites (`|`), and UPC-A as 12 digits after
//! `]E0`, which Lotline reads on purpose (docs/gs1.md).

mod gs1_support;

use std::collections::HashMap;

use gs1_support::unescape;
use lotline::gs1::{self, GS, Gs1Error, ParseOptions, ai, lint};

const VECTORS: &str = "tests/data/gs1-engine-vectors.tsv";

fn opts() -> ParseOptions {
    ParseOptions {
        skip_requisites: true,
        ..Default::default()
    }
}

/// The engine's `^`-separated data string of what Lotline read.
fn data_string(m: &gs1::Message) -> String {
    format!("^{}", m.to_element_string().replace(GS, "^"))
}

/// Whether Lotline agrees with one vector; `None` when it does not apply.
fn agrees(kind: &str, fields: &[String], linters: &HashMap<&str, ai::Linter>) -> Option<bool> {
    match kind {
        "lint" => {
            let (name, data, pass) = (&fields[0], &fields[1], fields[2] == "pass");
            let ok = match name.as_str() {
                "csetnumeric" => data.bytes().all(|b| ai::Cset::Numeric.allows(b)),
                "cset82" => data.bytes().all(|b| ai::Cset::Cset82.allows(b)),
                "cset39" => data.bytes().all(|b| ai::Cset::Cset39.allows(b)),
                // CSET 64 with its padding rule, through an AI that takes it.
                "cset64" if data.is_empty() => return None,
                "cset64" => gs1::parse(
                    &format!("(00)095011015300000003(8030){}", data.replace('(', "\\(")),
                    &opts(),
                )
                .is_ok(),
                other => lint::check(*linters.get(other)?, data).is_ok(),
            };
            Some(ok == pass)
        }
        "dl" | "bracketed" | "scan" => {
            let (input, ok, expect) = (&fields[0], fields[1] == "ok", &fields[2]);
            if input.contains('|')
                || (input.starts_with("]E0")
                    && input.len() == 15
                    && input[3..].bytes().all(|b| b.is_ascii_digit()))
            {
                return None;
            }
            let got = gs1::parse(input, &opts());
            Some(match (ok, got) {
                (true, Ok(m)) if expect.starts_with('^') => data_string(&m) == *expect,
                (true, Ok(_)) | (true, Err(Gs1Error::PlainData { .. })) => !expect.starts_with('^'),
                (false, Err(Gs1Error::PlainData { .. })) => false,
                (false, r) => r.is_err(),
                (true, Err(_)) => false,
            })
        }
        _ => panic!("unknown vector kind {kind}"),
    }
}

#[test]
fn the_engines_published_vectors_hold() {
    let linters: HashMap<&str, ai::Linter> = ai::all()
        .iter()
        .flat_map(|d| d.components.iter().flat_map(|c| c.linters.iter()))
        .map(|l| (l.dictionary_name(), *l))
        .collect();
    let text = std::fs::read_to_string(VECTORS).expect("vector file");
    let (mut run, mut failures) = (0, Vec::new());
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let kind = parts.next().expect("kind");
        let fields: Vec<String> = parts.map(unescape).collect();
        match agrees(kind, &fields, &linters) {
            Some(true) => run += 1,
            Some(false) => failures.push(format!("{kind} {fields:?}")),
            None => {}
        }
    }
    println!("{run} engine vectors agree");
    assert!(run > 5000, "only {run} vectors ran");
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        run + failures.len(),
        failures.join("\n")
    );
}
