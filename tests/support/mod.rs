//! The one way the tests run the real `lotline` binary: kept away from the station config,
//! store, role, server and assets of the machine the tests run on, so a developer's own
//! settings never change a result. Each test adds what it means (`--db`, `LOTLINE_STATION` …).
#![allow(dead_code)] // each test binary uses part of this

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary built with these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_lotline");

/// Environment variables that would let the machine's own setup into a test.
const MACHINE_ENV: &[&str] = &[
    "LOTLINE_DB",
    "LOTLINE_CONFIG",
    "LOTLINE_ROLE",
    "LOTLINE_STATION",
    "LOTLINE_ACTOR",
    "LOTLINE_SITE_GLN",
    "LOTLINE_SERVER",
    "LOTLINE_TOKEN",
    "LOTLINE_ASSETS",
    "LOTLINE_PIN",
    "LOTLINE_NEW_PIN",
    "LOTLINE_PERSON",
];

/// The station supervisor PIN every test station has (its hash is in [`supervisor_config`]),
/// given to each run as `LOTLINE_PIN`: `--role supervisor` needs it, as at a real station.
pub const SUPERVISOR_PIN: &str = "2468";

/// A config file holding only the hash of [`SUPERVISOR_PIN`], made once per test binary; the
/// default `LOTLINE_CONFIG` of every run (a test's own `--config` replaces it).
pub fn supervisor_config() -> &'static Path {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("lotline-test-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("lotline.toml");
        std::fs::write(&file, supervisor_pin_section()).unwrap();
        file
    })
}

/// The `[ui]` section with the hash of [`SUPERVISOR_PIN`], for tests that write their own
/// config.
pub fn supervisor_pin_section() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| lotline::pin::hash(SUPERVISOR_PIN).unwrap());
    format!("[ui]\nsupervisor_pin_hash = \"{hash}\"\n")
}

/// `lotline`, isolated: no store, config or role but what the test gives.
pub fn lotline() -> Command {
    let mut cmd = Command::new(BIN);
    for var in MACHINE_ENV {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/lotline-test")
        .env("XDG_DATA_HOME", "/nonexistent/lotline-test")
        .env("LOTLINE_CONFIG", supervisor_config())
        .env("LOTLINE_PIN", SUPERVISOR_PIN);
    cmd
}

/// `lotline ARGS`.
pub fn run(args: &[&str]) -> Output {
    lotline().args(args).output().expect("running lotline")
}

/// `lotline --db DB ARGS`.
pub fn run_db(db: &Path, args: &[&str]) -> Output {
    lotline()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("running lotline")
}

/// `lotline ARGS` with `stdin` as its standard input.
pub fn run_stdin(args: &[&str], stdin: &str) -> Output {
    with_stdin(lotline().args(args), stdin)
}

/// Runs `cmd` with `stdin` as its standard input.
pub fn with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running lotline");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// The output of a run that must succeed (else the test fails showing what it said).
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The JSON a run that must succeed printed.
pub fn json(o: Output) -> Value {
    serde_json::from_slice(&ok(o).stdout).expect("one JSON value on stdout")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
