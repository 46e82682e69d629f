//! Lotline's GS1 parser against GS1's reference implementation, the GS1 Barcode Syntax Engine
//! (github.com/gs1/gs1-syntax-engine, Apache-2.0).
//!
//! - `engine_agrees_on_generated_inputs` feeds the same generated inputs to Lotline and to a
//!   stdin harness built on the engine's C library (outside the repo; docs/gs1.md says how) named
//!   by `LOTLINE_GS1_ENGINE`, and counts agreement: accept/refuse, and for accepted data the same
//!   element list. Without the variable it prints a note and passes.
//! - `disagreements_found_before_stay_fixed` runs every disagreement the differential runs found
//!   (tests/data/gs1-engine-regressions.tsv, with the engine's answer) in CI, engine or not.

mod gs1_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use gs1_support::{Rng, engine_answer, escape, input, lotline_answer, unescape};

const REGRESSIONS: &str = "tests/data/gs1-engine-regressions.tsv";

/// Runs the engine harness over `inputs`, one answer line per input.
fn engine(harness: &str, inputs: &[String]) -> Vec<String> {
    let mut child = Command::new(harness)
        .arg("--dl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the engine harness");
    let mut stdin = child.stdin.take().expect("stdin");
    let lines: Vec<String> = inputs.to_vec();
    let writer = std::thread::spawn(move || {
        for l in lines {
            writeln!(stdin, "{l}").expect("write to harness");
        }
    });
    let out: Vec<String> = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map(|l| l.expect("harness output"))
        .collect();
    writer.join().expect("writer");
    child.wait().expect("harness exit");
    assert_eq!(out.len(), inputs.len(), "one harness answer per input");
    out
}

/// Data the engine's line-based API cannot take as Lotline does: line breaks, NUL, and `^`/`|`
/// (its FNC1 and composite markers) outside a URI.
fn comparable(s: &str) -> bool {
    !s.contains(['\n', '\r', '\0']) && s.is_ascii()
}

/// The field quirks Lotline absorbs on purpose (docs/gs1.md): a doubled AIM prefix, a leading
/// or doubled GS, a bare EAN/UPC without identifier, UPC-A as 12 digits after `]E0`. Returns the input without them, as the
/// engine wants it, or `None` when there is none.
fn without_quirks(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let (prefix, mut body) = if b.len() >= 3 && b[0] == b']' {
        let id = &s[..3];
        let mut rest = &s[3..];
        while let Some(r) = rest.strip_prefix(id) {
            rest = r;
        }
        (id, rest)
    } else {
        ("", s)
    };
    if !prefix.is_empty() || !(s.starts_with("http") || s.starts_with('(')) {
        body = body.trim_start_matches('\u{1d}');
    }
    let mut fixed = format!("{prefix}{body}");
    while fixed.contains("\u{1d}\u{1d}") {
        fixed = fixed.replace("\u{1d}\u{1d}", "\u{1d}");
    }
    if prefix.is_empty() && matches!(s.len(), 8 | 12 | 13) && s.bytes().all(|c| c.is_ascii_digit())
    {
        fixed = format!("(01){s:0>14}");
    }
    // UPC-A as the 12 digits some decoders send after ]E0.
    if prefix == "]E0" && body.len() == 12 && body.bytes().all(|c| c.is_ascii_digit()) {
        fixed = format!("]E00{body}");
    }
    (fixed != s).then_some(fixed)
}

#[test]
fn engine_agrees_on_generated_inputs() {
    let Ok(harness) = std::env::var("LOTLINE_GS1_ENGINE") else {
        eprintln!(
            "note: LOTLINE_GS1_ENGINE is not set: the differential run against GS1's syntax \
             engine is skipped (docs/gs1.md says how to build the harness)"
        );
        return;
    };
    let cases: usize = std::env::var("LOTLINE_GS1_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = std::env::var("LOTLINE_GS1_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let mut rng = Rng::new(seed);
    let mut inputs = Vec::with_capacity(cases);
    while inputs.len() < cases {
        let i = input(&mut rng);
        if comparable(&i) {
            inputs.push(i);
        }
    }
    let answers = engine(&harness, &inputs);
    if let Ok(path) = std::env::var("LOTLINE_GS1_DIFF_CASES_OUT") {
        let mut f = std::fs::File::create(&path).expect("case file");
        for (inp, line) in inputs.iter().zip(&answers) {
            writeln!(f, "{}\t{line}\t{}", escape(inp), lotline_answer(inp)).expect("write");
        }
    }
    let (mut skipped, mut agree, mut accepted_agree, mut quirks, mut dl_agree, mut dl_total) =
        (0, 0, 0, 0, 0, 0);
    let mut differ: Vec<(String, String, String)> = Vec::new();
    let mut quirk_checks: Vec<(usize, String)> = Vec::new();
    for (i, (inp, line)) in inputs.iter().zip(&answers).enumerate() {
        if line == "SKIP" {
            skipped += 1;
            continue;
        }
        let (ours, theirs) = (lotline_answer(inp), engine_answer(line));
        if ours == theirs {
            agree += 1;
            if ours.starts_with("OK") {
                accepted_agree += 1;
                if let Some(dl) = line.split('\t').find_map(|f| f.strip_prefix("DL=")) {
                    dl_total += 1;
                    let msg = lotline::gs1::parse(inp, &Default::default()).expect("accepted");
                    if msg
                        .to_digital_link(lotline::gs1::DEFAULT_DL_DOMAIN)
                        .ok()
                        .as_deref()
                        == Some(dl)
                    {
                        dl_agree += 1;
                    } else {
                        differ.push((
                            inp.clone(),
                            format!("DL {dl}"),
                            format!(
                                "DL {:?}",
                                msg.to_digital_link(lotline::gs1::DEFAULT_DL_DOMAIN)
                            ),
                        ));
                    }
                }
            }
        } else if let Some(fixed) = without_quirks(inp) {
            quirk_checks.push((i, fixed));
        } else {
            differ.push((inp.clone(), line.clone(), ours));
        }
    }
    // A quirk Lotline absorbs counts as such only when the engine, given the data without it,
    // reads the same elements.
    let fixed_inputs: Vec<String> = quirk_checks.iter().map(|(_, f)| f.clone()).collect();
    let fixed_answers = if fixed_inputs.is_empty() {
        Vec::new()
    } else {
        engine(&harness, &fixed_inputs)
    };
    for ((i, _), line) in quirk_checks.iter().zip(&fixed_answers) {
        let ours = lotline_answer(&inputs[*i]);
        if engine_answer(line) == ours {
            quirks += 1;
        } else {
            differ.push((inputs[*i].clone(), answers[*i].clone(), ours));
        }
    }
    let compared = inputs.len() - skipped;
    println!(
        "differential (seed {seed}): {} inputs, {skipped} skipped (engine API cannot take them), \
         {compared} compared: {agree} agree ({accepted_agree} accepted with the same elements), \
         {quirks} differ only by a field quirk Lotline absorbs, {} disagree; Digital Link \
         generation agrees on {dl_agree} of {dl_total}",
        inputs.len(),
        differ.len()
    );
    if let Ok(path) = std::env::var("LOTLINE_GS1_DIFF_OUT") {
        let mut f = std::fs::File::create(&path).expect("disagreement file");
        for (inp, engine, ours) in &differ {
            writeln!(f, "{}\t{engine}\t{ours}", escape(inp)).expect("write");
        }
    }
    for (inp, engine, ours) in differ.iter().take(20) {
        eprintln!("{inp:?}\n  engine:  {engine}\n  lotline: {ours}");
    }
    assert!(differ.is_empty(), "{} disagreements", differ.len());
}

#[test]
fn disagreements_found_before_stay_fixed() {
    let text = std::fs::read_to_string(REGRESSIONS).expect("regression data");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut fields = line.split('\t');
        let (Some(input), Some(want), Some(want_dl)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("{line:?}: want input<TAB>answer<TAB>uri");
        };
        let (input, want) = (unescape(input), unescape(want));
        n += 1;
        let got = lotline_answer(&input);
        if got != want {
            failures.push(format!("{input:?}\n  engine:  {want}\n  lotline: {got}"));
        } else if want_dl != "-" {
            let msg = lotline::gs1::parse(&input, &Default::default()).expect("accepted");
            let dl = msg.to_digital_link(lotline::gs1::DEFAULT_DL_DOMAIN);
            if dl.as_deref().ok() != Some(want_dl) {
                failures.push(format!(
                    "{input:?}\n  engine URI:  {want_dl}\n  lotline URI: {dl:?}"
                ));
            }
        }
    }
    assert!(n > 0, "no regression cases read");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
