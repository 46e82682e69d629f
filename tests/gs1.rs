//! The GS1 core from the outside: the `lotline gs1` command-line contract (PRODUCT.md), the
//! AI table against the GS1 Barcode Syntax Dictionary, property tests (any valid message →
//! every textual form → the same message; mutations are refused with the right error), and a
//! bounded fuzz run over arbitrary input (no panic).

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use lotline::gs1::{self, Gs1Error, Message, ParseOptions, Symbology, ai};
use proptest::prelude::*;
use serde_json::Value;

fn lotline(args: &[&str], stdin: Option<&str>) -> Output {
    support::run_stdin(args, stdin.unwrap_or(""))
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

// ---- command-line contract ----

#[test]
fn parse_prints_elements_in_order_as_json_and_exits_0() {
    let o = lotline(
        &[
            "gs1",
            "parse",
            "--json",
            "]C10109501101530003172712311 0LOT-7"
                .replace("1 0", "10")
                .as_str(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["symbology"], "Gs1_128");
    let elements: Vec<(String, String, String)> = v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ai"].as_str().unwrap().into(),
                e["title"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        elements,
        vec![
            ("01".into(), "GTIN".into(), "09501101530003".into()),
            ("17".into(), "USE BY or EXPIRY".into(), "271231".into()),
            ("10".into(), "BATCH/LOT".into(), "LOT-7".into()),
        ]
    );
}

#[test]
fn an_invalid_datum_names_the_ai_and_rule_and_exits_1() {
    let o = lotline(&["gs1", "parse", "--json", "(01)09501101530004"], None);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        v["error"],
        "(01) check digit is 4, expected 3 at position 18"
    );
    let o = lotline(&["gs1", "parse", "(17)271301"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("(17) month 13 is not a month"));
}

#[test]
fn stdin_mode_answers_every_line_in_order_and_exits_0() {
    let input = "(01)09501101530003(10)A\n(01)0950110153000X\n\n0109501101530003|10B\r\n";
    let o = lotline(&["gs1", "parse", "--json", "--gs", "|", "-"], Some(input));
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["elements"][1]["value"], "A");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("(01) has 'X'")
    );
    assert_eq!(lines[2]["error"], "no data: the scan is empty");
    assert_eq!(lines[3]["elements"][1]["value"], "B");
}

#[test]
fn stdin_mode_ends_quietly_when_the_reader_goes_away() {
    // `lotline gs1 parse - | head -1`: a closed stdout is a normal end, not a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotline"))
        .args(["gs1", "parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    let mut input = child.stdin.take().unwrap();
    input
        .write_all("(01)09501101530003(10)A\n".repeat(10).as_bytes())
        .unwrap();
    input.flush().unwrap();
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    assert!(first.starts_with(b"(01) GTIN: "));
    drop(stdout);
    // Enough further lines to fill any pipe and buffer after the reader has gone.
    let line = "(01)09501101530003(10)A\n".repeat(4096);
    for _ in 0..64 {
        if input.write_all(line.as_bytes()).is_err() {
            break;
        }
    }
    drop(input);
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn raw_gs_bytes_pass_through_the_command_line() {
    let o = lotline(&["gs1", "parse", "10ABC\u{1d}0109501101530003"], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        stdout(&o).trim(),
        "(10) BATCH/LOT: ABC\t(01) GTIN: 09501101530003"
    );
}

#[test]
fn generators_on_the_command_line() {
    assert_eq!(
        stdout(&lotline(&["gs1", "check-digit", "950110153000"], None)).trim(),
        "9501101530003"
    );
    let o = lotline(
        &[
            "gs1",
            "sscc",
            "--extension",
            "3",
            "--company-prefix",
            "9501101",
            "--serial",
            "1",
            "--json",
        ],
        None,
    );
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["sscc"], "395011010000000019");
    let uri = stdout(&lotline(
        &["gs1", "dl", "(01)09501101530003(10)AB(17)271231"],
        None,
    ));
    assert_eq!(
        uri.trim(),
        "https://id.gs1.org/01/09501101530003/10/AB?17=271231"
    );
    let back = stdout(&lotline(&["gs1", "dl", uri.trim()], None));
    assert_eq!(back.trim(), "(01)09501101530003(10)AB(17)271231");
    let o = lotline(
        &["gs1", "dl", "https://id.gs1.org/01/09501101530003?x=1"],
        None,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("ignored query parameter x=1"));
    let o = lotline(
        &[
            "gs1",
            "batch-format",
            "{FAC}{YY}{JJJ}-{SEQ:4}",
            "--facility",
            "DUB",
            "--date",
            "2026-11-25",
            "--sequence",
            "7",
        ],
        None,
    );
    assert_eq!(stdout(&o).trim(), "DUB26329-0007");
    let o = lotline(
        &["gs1", "batch-format", "{PROD:12}{YYYY}{MM}{DD}{SEQ:4}"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("AI (10) holds at most 20"));
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(lotline(&["gs1", "parse"], None).status.code(), Some(2));
    assert_eq!(lotline(&["gs1", "frobnicate"], None).status.code(), Some(2));
}

/// Regression: a scan argument holding bytes that are not UTF-8 used to be a clap usage error
/// (exit 2); it is invalid data, so it must be refused with exit 1 and a message.
#[test]
fn non_utf8_scan_argument_is_invalid_input_not_usage() {
    use std::os::unix::ffi::OsStrExt;
    let out = support::lotline()
        .args(["gs1", "parse", "--json"])
        .arg(std::ffi::OsStr::from_bytes(b"]C1010950110153000310AB\x80"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("(10)"), "{v}");
}

// ---- the AI table against the dictionary ----

/// Re-reads the dictionary independently of scripts/gen-ai-table.py and compares every fact
/// the table holds. Skipped (with a notice) where ../shared/gs1/ is absent.
#[test]
fn the_ai_table_agrees_with_the_gs1_syntax_dictionary() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/gs1/gs1-syntax-dictionary.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "notice: {} is absent; the table comparison is skipped",
            path.display()
        );
        return;
    };
    let release = text
        .lines()
        .find_map(|l| l.strip_prefix("# Release: "))
        .unwrap()
        .trim();
    assert_eq!(release, gs1::ai_table::DICTIONARY_RELEASE);
    let mut seen = 0;
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (body, title) = line
            .split_once('#')
            .map_or((line, ""), |(b, t)| (b, t.trim()));
        let mut toks: Vec<&str> = body.split_whitespace().collect();
        let ais = toks.remove(0);
        let flags = if toks[0]
            .chars()
            .all(|c| "*?!\"$%&'()+,-./:;<=>@[\\]^_`{|}~".contains(c))
        {
            toks.remove(0)
        } else {
            ""
        };
        let (specs, attrs): (Vec<&str>, Vec<&str>) = toks
            .into_iter()
            .partition(|t| t.trim_start_matches('[').starts_with(['N', 'X', 'Y', 'Z']));
        let codes: Vec<String> = match ais.split_once('-') {
            Some((a, b)) => (a.parse::<u32>().unwrap()..=b.parse().unwrap())
                .map(|n| format!("{n:0w$}", w = a.len()))
                .collect(),
            None => vec![ais.to_string()],
        };
        for code in codes {
            let def =
                ai::lookup(&code).unwrap_or_else(|| panic!("({code}) missing from the table"));
            assert_eq!(def.title, title, "({code}) title");
            assert_eq!(
                def.fixed_length,
                flags.contains('*'),
                "({code}) fixed length"
            );
            assert_eq!(
                def.dl_attribute,
                flags.contains('?'),
                "({code}) DL attribute"
            );
            assert_eq!(def.components.len(), specs.len(), "({code}) components");
            for (c, spec) in def.components.iter().zip(&specs) {
                let optional = spec.starts_with('[');
                let spec = spec.replace(['[', ']'], "");
                let mut parts = spec.split(',');
                let ty = parts.next().unwrap();
                let (cset, len) = ty.split_at(1);
                let (min, max) = match len.strip_prefix("..") {
                    Some(n) => (1, n.parse::<u8>().unwrap()),
                    None => (len.parse().unwrap(), len.parse().unwrap()),
                };
                let cset_name = match c.cset {
                    ai::Cset::Numeric => "N",
                    ai::Cset::Cset82 => "X",
                    ai::Cset::Cset39 => "Y",
                    ai::Cset::Cset64 => "Z",
                };
                assert_eq!(
                    (cset_name, c.min, c.max, c.optional),
                    (cset, min, max, optional),
                    "({code}) {spec}"
                );
                let linters: Vec<&str> = c.linters.iter().map(|l| l.dictionary_name()).collect();
                assert_eq!(linters, parts.collect::<Vec<_>>(), "({code}) linters");
            }
            let mut req = Vec::new();
            let mut ex = Vec::new();
            let mut dl = None;
            for a in &attrs {
                let (k, v) = a.split_once('=').unwrap_or((a, ""));
                match k {
                    "req" => req.push(
                        v.split(',')
                            .map(|alt| alt.split('+').collect::<Vec<_>>())
                            .collect::<Vec<_>>(),
                    ),
                    "ex" => ex.extend(v.split(',')),
                    "dlpkey" => {
                        dl = Some(
                            v.split('|')
                                .map(|s| s.split(',').filter(|q| !q.is_empty()).collect::<Vec<_>>())
                                .collect::<Vec<_>>(),
                        )
                    }
                    other => panic!("unknown attribute {other}"),
                }
            }
            let table_req: Vec<Vec<Vec<&str>>> = def
                .requires
                .iter()
                .map(|r| r.iter().map(|alt| alt.to_vec()).collect())
                .collect();
            assert_eq!(table_req, req, "({code}) requires");
            assert_eq!(def.excludes.to_vec(), ex, "({code}) excludes");
            assert_eq!(
                def.dl_primary_key
                    .map(|s| s.iter().map(|q| q.to_vec()).collect::<Vec<_>>()),
                dl,
                "({code}) dlpkey"
            );
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        ai::all().len(),
        "the table has AIs the dictionary does not"
    );
}

// ---- properties ----

fn gtin() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, 13).prop_map(|d| {
        let body: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        format!("{body}{}", gs1::check_digit(&body).unwrap())
    })
}

fn cset82(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[!\"%&'()*+,./0-9:;<=>?A-Z_a-z-]{{1,{max}}}")).unwrap()
}

fn date() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..13, 0u32..29).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

/// Valid messages: a GTIN with any of batch, expiry, serial, count, net weight.
fn message() -> impl Strategy<Value = Message> {
    (
        gtin(),
        proptest::option::of(cset82(20)),
        proptest::option::of(date()),
        proptest::option::of(cset82(20)),
        proptest::option::of(1u64..99_999_999),
        proptest::option::of(0u32..1_000_000),
        any::<bool>(),
    )
        .prop_map(
            |(gtin, batch, expiry, serial, count, weight, batch_first)| {
                let mut pairs = vec![("01".to_string(), gtin)];
                let mut rest = vec![];
                if let Some(b) = batch {
                    rest.push(("10".to_string(), b));
                }
                if let Some(d) = expiry {
                    rest.push(("17".to_string(), d));
                }
                if let Some(s) = serial {
                    rest.push(("21".to_string(), s));
                }
                if let Some(c) = count {
                    rest.push(("30".to_string(), c.to_string()));
                }
                if let Some(w) = weight {
                    rest.push(("3103".to_string(), format!("{w:06}")));
                }
                if batch_first {
                    rest.reverse();
                }
                pairs.extend(rest);
                Message::from_elements(pairs).unwrap()
            },
        )
}

fn sorted(m: &Message) -> Vec<(String, String)> {
    let mut v: Vec<_> = m
        .pairs()
        .map(|(a, v)| (a.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn every_textual_form_parses_back_to_the_same_elements(m in message()) {
        let opts = ParseOptions::default();
        for sym in [Symbology::Gs1_128, Symbology::Gs1DataMatrix, Symbology::Gs1Qr, Symbology::Gs1DataBar, Symbology::Gs1DotCode, Symbology::Unknown] {
            let data = m.to_scan_data(sym).unwrap();
            let back = gs1::parse(&data, &opts).unwrap();
            prop_assert_eq!(&back.elements, &m.elements, "{:?}", data);
        }
        let back = gs1::parse(&m.to_bracketed(), &opts).unwrap();
        prop_assert_eq!(&back.elements, &m.elements);
        // Digital Link orders qualifiers then attributes: same elements, another order.
        let uri = m.to_digital_link(gs1::DEFAULT_DL_DOMAIN).unwrap();
        prop_assert_eq!(sorted(&gs1::parse(&uri, &opts).unwrap()), sorted(&m), "{}", uri);
        // A substitute GS from a keyboard wedge.
        let wedge = m.to_element_string().replace(gs1::GS, "~");
        let sub = ParseOptions { gs_substitute: Some('~'), ..Default::default() };
        prop_assert_eq!(&gs1::parse(&wedge, &sub).unwrap().elements, &m.elements);
    }

    #[test]
    fn a_wrong_gtin_check_digit_is_refused_with_the_right_one(m in message(), bump in 1u8..10) {
        let gtin = m.gtin().unwrap();
        let right = gtin.as_bytes()[13] - b'0';
        let wrong = (right + bump) % 10;
        let data = m.to_element_string().replacen(gtin, &format!("{}{wrong}", &gtin[..13]), 1);
        let err = gs1::parse(&data, &ParseOptions::default()).unwrap_err();
        prop_assert_eq!(err, Gs1Error::Content { ai: "01", pos: 16, problem: format!("check digit is {wrong}, expected {right}"), expected: Some(right.to_string()) });
    }

    #[test]
    fn an_impossible_month_is_refused(m in message(), month in 13u32..100) {
        prop_assume!(m.get("17").is_some());
        let bracketed = m.to_bracketed();
        let d = m.get("17").unwrap();
        let broken = bracketed.replacen(&format!("(17){d}"), &format!("(17){}{month:02}{}", &d[..2], &d[4..]), 1);
        let err = gs1::parse(&broken, &ParseOptions::default()).unwrap_err().to_string();
        prop_assert!(err.starts_with(&format!("(17) month {month:02} is not a month")), "{}", err);
    }

    #[test]
    fn a_character_outside_cset_82_is_refused(m in message(), bad in prop::sample::select(vec!['#', '$', '@', '[', '\\', '^', '`', '{', '|', '}', '~', ' '])) {
        prop_assume!(m.get("10").is_some());
        let data = m.to_bracketed().replacen("(10)", &format!("(10){bad}"), 1);
        let err = gs1::parse(&data, &ParseOptions::default()).unwrap_err();
        let is_bad_char = matches!(err, Gs1Error::BadCharacter { ai: "10", .. } | Gs1Error::TooLong { ai: "10", .. });
        prop_assert!(is_bad_char, "{:?}", err);
    }
}

// ---- fuzz (bounded) ----

fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "]C1",
        "]d2",
        "]Q3",
        "]E0",
        "]C0",
        "]Q1",
        "\u{1d}",
        "(",
        ")",
        "\\(",
        "01",
        "10",
        "17",
        "21",
        "00",
        "3103",
        "8003",
        "4330",
        "09501101530003",
        "271231",
        "131313",
        "https://id.gs1.org/",
        "/01/",
        "/10/",
        "?17=",
        "&",
        "%",
        "%2",
        "\r\n",
        "é",
        "ABC",
        "999999999999999999999999",
        "-",
        "/",
    ]);
    proptest::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary bytes never panic the parser, and whatever it accepts it can write again.
    #[test]
    fn fuzz_arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(m) = gs1::parse(&text, &ParseOptions { gs_substitute: Some('|'), ..Default::default() }) {
            let _ = m.to_digital_link(gs1::DEFAULT_DL_DOMAIN);
            prop_assert!(gs1::parse(&m.to_bracketed(), &ParseOptions::default()).is_ok());
        }
    }

    /// GS1-shaped fragments reach the deeper paths (AIM ids, brackets, URIs, percent-escapes).
    #[test]
    fn fuzz_gs1_fragments_never_panic(text in fragments()) {
        if let Ok(m) = gs1::parse(&text, &ParseOptions::default()) {
            prop_assert!(!m.elements.is_empty());
            let _ = m.to_digital_link(gs1::DEFAULT_DL_DOMAIN);
            prop_assert_eq!(gs1::parse(&m.to_element_string(), &ParseOptions::default()).map(|b| b.elements), Ok(m.elements.clone()));
        }
    }
}
