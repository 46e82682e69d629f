//! The command-line contract of docs/cli.md through the real binary on real SQLite stores:
//! every command that names a lot takes every form of `LOT|SCAN [--gtin]`; an ambiguous batch
//! is refused with its code; errors are one JSON object on stderr under `--json` (text
//! otherwise) and nothing on stdout; exit codes 0, 1, 2 and 3 each from a real case; a closed
//! pipe ends quietly.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;
use support::{json, ok, stderr, stdout};

/// Released on receipt, so its lots ship.
const PASSATA: &str = "09501101530003";
/// Quarantined on receipt.
const WIDGETS: &str = "09501101531000";
const GS: &str = "\u{1d}";

struct Site {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Site {
    /// Two products; lot U7 of passata only, lot L1 of both (an ambiguous batch number).
    fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("site.db");
        let site = Site { _dir: dir, db };
        site.ok(&[
            "product",
            "add",
            PASSATA,
            "--name",
            "Passata",
            "--receive-as",
            "released",
        ]);
        site.ok(&["product", "add", WIDGETS, "--name", "Widgets"]);
        for (gtin, batch) in [(PASSATA, "U7"), (PASSATA, "L1"), (WIDGETS, "L1")] {
            site.ok(&["receive", &format!("(01){gtin}(10){batch}(30)50")]);
        }
        site
    }

    fn run(&self, args: &[&str]) -> Output {
        support::lotline()
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("LOTLINE_ROLE", "supervisor")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        ok(self.run(args))
    }

    fn json(&self, args: &[&str]) -> Value {
        json(self.run(args))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.db.parent().unwrap().join(name)
    }
}

/// Every way to name lot `batch` of `gtin`: (what the form is, the arguments).
fn forms(gtin: &str, batch: &str) -> Vec<(&'static str, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        ("batch", s(&[batch])),
        ("batch --gtin", s(&[batch, "--gtin", gtin])),
        ("bracketed", s(&[&format!("(01){gtin}(10){batch}")])),
        // (10) first, so the GS after its variable-length value is needed.
        ("raw with GS", s(&[&format!("10{batch}{GS}01{gtin}")])),
        ("AIM ]C1", s(&[&format!("]C110{batch}{GS}01{gtin}")])),
        (
            "Digital Link",
            s(&[&format!("https://id.gs1.org/01/{gtin}/10/{batch}")]),
        ),
        (
            "scan --gtin (agreeing)",
            s(&[&format!("(01){gtin}(10){batch}"), "--gtin", gtin]),
        ),
    ]
}

/// `args` with the lot's arguments put where `{LOT}` stands.
fn with_lot(args: &[&str], lot: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|a| match *a {
            "{LOT}" => lot.to_vec(),
            other => vec![other.to_string()],
        })
        .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The JSON error object a refused run wrote on stderr; nothing on stdout.
fn error_object(o: &Output) -> Value {
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    let text = stderr(o);
    let mut lines = text.lines();
    let v: Value = serde_json::from_str(lines.next().expect("an error on stderr"))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(lines.next().is_none(), "one object: {text}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v
}

#[test]
fn every_command_that_names_a_lot_takes_every_form_and_refuses_an_ambiguous_batch() {
    let site = Site::new();
    site.ok(&["receive", &format!("(01){PASSATA}(10)R1(30)100")]);
    let recall = site.json(&["recall", "start", "R1", "--reason", "test", "--json"]);
    let recall = recall["id"].as_str().unwrap().to_string();
    let csv = site.path("trace.csv");
    let zpl = site.path("label.zpl");

    // Each command, with `{LOT}` where the lot goes, and what says it found lot U7 (or R1).
    type Check = fn(&Output, &str);
    let show: Check = |o, batch| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (v["gtin"].as_str(), v["batch"].as_str()),
            (Some(PASSATA), Some(batch))
        );
    };
    let traced: Check = |o, batch| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["lot"]["batch"], batch, "{v}");
        assert_eq!(v["lot"]["gtin"], PASSATA, "{v}");
    };
    let batch_field: Check = |o, batch| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["batch"], batch, "{v}");
    };
    let one_lot: Check = |o, _| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["lots"], 1, "{v}");
    };
    let accounted: Check = |o, batch| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let last = v["accounting"].as_array().unwrap().last().unwrap();
        assert_eq!(last["lot"]["batch"], batch, "{v}");
    };
    let dry_run: Check = |o, batch| {
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["named"][0]["batch"], batch, "{v}");
        assert!(v["id"].is_null(), "a dry run records nothing: {v}");
    };
    let labelled: Check = |_, _| {};
    let zpl_arg = zpl.to_str().unwrap();
    let csv_arg = csv.to_str().unwrap();
    let commands: Vec<(&str, Vec<&str>, Check)> = vec![
        ("U7", vec!["lot", "show", "{LOT}", "--json"], show),
        ("U7", vec!["trace", "{LOT}", "--json"], traced),
        (
            "U7",
            vec!["lot", "hold", "{LOT}", "--reason", "check", "--json"],
            batch_field,
        ),
        (
            "U7",
            vec!["lot", "release", "{LOT}", "--reason", "ok", "--json"],
            batch_field,
        ),
        (
            "U7",
            vec![
                "move",
                "{LOT}",
                "--from",
                "RECEIVING",
                "--to",
                "A-01",
                "--qty",
                "1",
                "--json",
            ],
            batch_field,
        ),
        (
            "U7",
            vec![
                "count",
                "{LOT}",
                "--location",
                "A-01",
                "--qty",
                "1",
                "--json",
            ],
            batch_field,
        ),
        (
            "U7",
            vec!["report", "trace", "{LOT}", "--out", csv_arg, "--json"],
            one_lot,
        ),
        (
            "U7",
            vec![
                "recall",
                "start",
                "{LOT}",
                "--reason",
                "what if",
                "--dry-run",
                "--json",
            ],
            dry_run,
        ),
        (
            "U7",
            vec![
                "label",
                "render",
                "--template",
                "case-batch",
                "--sample",
                "{LOT}",
                "--out",
                zpl_arg,
            ],
            labelled,
        ),
        (
            "R1",
            vec![
                "recall",
                "account",
                &recall,
                "{LOT}",
                "--qty",
                "1",
                "--how",
                "destroyed",
                "--site",
                "--json",
            ],
            accounted,
        ),
    ];
    for form in 0..forms(PASSATA, "U7").len() {
        for (batch, args, check) in &commands {
            let (form, lot) = forms(PASSATA, batch).swap_remove(form);
            let args = with_lot(args, &lot);
            let o = site.run(&strs(&args));
            assert_eq!(
                o.status.code(),
                Some(0),
                "{form}: {args:?}: {}{}",
                stdout(&o),
                stderr(&o)
            );
            check(&o, batch);
            if args[0] == "label" {
                let zpl = std::fs::read_to_string(&zpl).unwrap();
                assert!(zpl.contains("U7"), "{form}: the label names the lot");
                std::fs::remove_file(site.path("label.zpl")).unwrap();
            }
        }
    }
    // The batch number both products have: refused until --gtin says which.
    for (batch, args, _) in &commands {
        if *batch == "U7" {
            let args = with_lot(args, &["L1".to_string()]);
            let o = site.run(&strs(&args));
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
            if args.iter().any(|a| a == "--json") {
                assert_eq!(error_object(&o)["code"], "ambiguous_lot", "{args:?}");
            } else {
                assert!(
                    stderr(&o).contains("say which with --gtin"),
                    "{}",
                    stderr(&o)
                );
            }
        }
    }

    // A scan of one product with --gtin of another is refused, not silently overridden.
    let o = site.run(&[
        "lot",
        "show",
        &format!("(01){PASSATA}(10)U7"),
        "--gtin",
        WIDGETS,
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(error_object(&o)["code"], "gtin_mismatch");
}

#[test]
fn an_error_is_one_json_object_on_stderr_under_json_and_text_otherwise_never_on_stdout() {
    let site = Site::new();
    for (args, code, exit) in [
        (vec!["trace", "NOPE"], "lot_not_found", 1),
        (vec!["lot", "show", "L1"], "ambiguous_lot", 1),
        (
            vec!["lot", "show", "(01)09501101530003(10)"],
            "lot_not_found",
            1,
        ),
        (
            vec!["receive", "(01)09501101530004(10)X(30)1"],
            "invalid_gs1",
            1,
        ),
        (
            vec!["receive", "(01)09501101530003(10)Z"],
            "quantity_required",
            1,
        ),
        (
            vec![
                "move",
                "U7",
                "--from",
                "RECEIVING",
                "--to",
                "A",
                "--qty",
                "-3",
            ],
            "invalid_quantity",
            1,
        ),
        (
            vec![
                "lot",
                "hold",
                "U7",
                "--gtin",
                PASSATA,
                "--role",
                "supervisor",
            ],
            "reason_required",
            1,
        ),
        (vec!["recall", "status", "RC-NOPE"], "recall_not_found", 1),
        (vec!["trace", "U7", "--no-such-option"], "usage", 2),
        (vec!["lot", "show"], "usage", 2),
    ] {
        let mut with_json = args.clone();
        with_json.push("--json");
        let o = site.run(&with_json);
        assert_eq!(o.status.code(), Some(exit), "{with_json:?}: {}", stderr(&o));
        let v = error_object(&o);
        assert_eq!(v["code"], code, "{with_json:?}: {v}");

        let o = site.run(&args);
        assert_eq!(o.status.code(), Some(exit), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        let text = stderr(&o);
        assert!(text.starts_with("error: "), "{args:?}: {text}");
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "text, not JSON: {text}"
        );
    }
}

#[test]
fn exit_codes_0_done_1_refused_2_usage_3_partly_done() {
    let site = Site::new();
    let shippable = format!("(01){PASSATA}(10)U7(30)2");
    let quarantined = format!("(01){WIDGETS}(10)L1(30)2");

    let o = site.run(&["dispatch", &shippable, "--customer", "Contoso", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty());

    let o = site.run(&["dispatch", &quarantined, "--customer", "Contoso", "--json"]);
    assert_eq!(o.status.code(), Some(1), "none done");
    assert_eq!(error_object(&o)["code"], "refused_quarantined");

    let o = site.run(&["dispatch", "--customer", "Contoso", "--bogus"]);
    assert_eq!(o.status.code(), Some(2), "usage");

    let o = site.run(&[
        "dispatch",
        &shippable,
        &quarantined,
        "--customer",
        "Contoso",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(3), "partly done: {}", stderr(&o));
    let shipped: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(shipped.len(), 1);
    assert_eq!(shipped[0]["batch"], "U7");
    let refused: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(refused["code"], "refused_quarantined");
    assert_eq!(refused["scan"], quarantined.as_str());

    // A recalled lot has a code of its own.
    site.ok(&["lot", "recall", "U7", "--reason", "recall test"]);
    let o = site.run(&["dispatch", &shippable, "--customer", "Contoso", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(error_object(&o)["code"], "refused_recalled");
}

#[test]
fn json_output_has_named_fields_and_values_are_spelled_one_way() {
    let site = Site::new();
    site.ok(&[
        "move",
        "U7",
        "--from",
        "RECEIVING",
        "--to",
        "A-01",
        "--qty",
        "5",
    ]);
    let lot = site.json(&["lot", "show", "U7", "--json"]);
    assert_eq!(
        lot["stock"],
        serde_json::json!([
            {"location": "A-01", "quantity": 5},
            {"location": "RECEIVING", "quantity": 45}
        ])
    );
    // The spelling the JSON uses is the one the arguments take.
    let held = site.json(&["lot", "hold", "U7", "--reason", "check", "--json"]);
    assert_eq!(held["to"], "on_hold");
    let o = site.run(&[
        "product",
        "add",
        PASSATA,
        "--name",
        "P",
        "--receive-as",
        "on-hold",
    ]);
    assert_eq!(o.status.code(), Some(2), "one spelling: on_hold");
    site.ok(&[
        "product",
        "add",
        PASSATA,
        "--name",
        "P",
        "--receive-as",
        "on_hold",
    ]);
    let text = stdout(&site.ok(&["lot", "show", "U7"]));
    assert!(text.contains("on_hold"), "{text}");
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    // The reader is gone before the command writes a byte: every write fails.
    let mut child = support::lotline()
        .args(["label", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "no panic, no error: {}", stderr(&o));

    // As a user types it.
    let o = std::process::Command::new("bash")
        .args([
            "-c",
            &format!("set -o pipefail; {} label list | head -1", support::BIN),
        ])
        .env("XDG_CONFIG_HOME", "/nonexistent/lotline-test")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn every_error_code_is_documented() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md")).unwrap();
    for code in lotline::cli::error::Code::ALL {
        assert!(
            doc.contains(&format!("`{code}`")),
            "docs/cli.md lacks `{code}`"
        );
    }
}

/// The core (GS1, domain, store, workflow) speaks no command line: no clap, and no message
/// that names a flag; the command line words its errors (src/cli/error.rs).
#[test]
fn the_core_has_no_clap_and_names_no_flag() {
    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    fn names_a_flag(line: &str) -> bool {
        line.as_bytes()
            .windows(3)
            .any(|w| w[0] == b'-' && w[1] == b'-' && w[2].is_ascii_lowercase())
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for part in ["gs1", "domain", "store", "workflow"] {
        rust_files(&src.join(part), &mut files);
    }
    assert!(files.len() > 10, "the core's files are found");
    let mut problems = Vec::new();
    for file in &files {
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains("clap") || names_a_flag(code) {
                problems.push(format!("{}:{}: {code}", file.display(), n + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn revoking_an_unknown_server_token_is_an_error_not_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    let o = support::run(&["--db", &db, "server", "token", "revoke", "nope", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(error_object(&o)["code"], "token_not_found");
}

/// A token's validity is 1 to 36,500 days: 0 (a token born expired) and a number past the
/// calendar (it panicked) are usage errors that name the range, and no token is made.
#[test]
fn a_token_expiry_out_of_range_is_a_usage_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("server.db").display());
    for days in ["0", "4294967295", "99999999999"] {
        let o = support::run(&[
            "--db",
            &db,
            "server",
            "token",
            "create",
            "--station",
            "a",
            "--role",
            "station",
            "--expires",
            days,
        ]);
        assert_eq!(o.status.code(), Some(2), "--expires {days}: {}", stderr(&o));
        assert!(stderr(&o).contains("1..=36500"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let o = support::run(&["--db", &db, "server", "token", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(support::json(o), serde_json::json!([]));
}

/// A sync token never goes on the command line, where `ps` shows it to every user of the PC:
/// `--token` is not an option; `--token-file` reads it, and a missing file says which.
#[test]
fn the_sync_token_comes_from_a_file_or_the_environment_not_argv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let db = db.to_str().unwrap();
    let o = support::run(&[
        "--db",
        db,
        "sync",
        "--server",
        "http://127.0.0.1:9",
        "--token",
        "llt_x",
        "--once",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let missing = dir.path().join("no-such-token");
    let o = support::run(&[
        "--db",
        db,
        "sync",
        "--server",
        "http://127.0.0.1:9",
        "--token-file",
        missing.to_str().unwrap(),
        "--once",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reading the token file"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("no-such-token"), "{}", stderr(&o));
}
