//! The dependency rules between Lotline's parts (the layout in src/lib.rs: arrows point down,
//! from front ends to the GS1 core) checked over the source: every `crate::…` (and `super::…`
//! reaching the crate root) in `src/<module>/` must be an arrow the table below allows, the core speaks no CLI (no clap), Slint stays in
//! the UI, and the server-only build (`--no-default-features`) has no Slint in its dependency
//! graph. A failure names the file and the forbidden import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each top-level module, the modules it may use, and why it sits where it does. Arrows point
/// down: a module may use only what is below it.
const ALLOWED: &[(&str, &[&str], &str)] = &[
    ("gs1", &[], "the GS1 core uses nothing of Lotline"),
    (
        "private_file",
        &[],
        "owner-only files: plain std I/O, used by the store, the server and the settings",
    ),
    (
        "pin",
        &[],
        "the supervisor PIN's hash and lockout: pure, used by the config and the UI",
    ),
    (
        "pin_gate",
        &["pin", "private_file"],
        "the PIN check with its lockout kept in an owner-only file: the UI and the CLI",
    ),
    (
        "batch",
        &["gs1"],
        "site batch-number formats: pure, over GS1 values",
    ),
    (
        "domain",
        &["gs1", "batch"],
        "lot rules and models over GS1 data and batch numbers",
    ),
    (
        "people",
        &["domain"],
        "people's credentials and signatures over domain events: pure cryptography",
    ),
    (
        "store",
        &["domain", "gs1", "private_file", "people"],
        "the station's event log and projection of domain events",
    ),
    (
        "protocol",
        &["domain", "gs1"],
        "the sync API's wire types carry domain events",
    ),
    ("barcode", &["gs1"], "symbols: encodes and decodes GS1 data"),
    (
        "label",
        &["gs1", "barcode"],
        "label layout draws barcode symbols of GS1 data",
    ),
    (
        "printer",
        &["gs1", "barcode", "label"],
        "sends rendered labels to printers",
    ),
    (
        "scanner",
        &["gs1", "barcode", "domain"],
        "scan sources emit the domain's plain Scan value; the image/camera source decodes \
         symbols with barcode's decoder",
    ),
    (
        "compliance",
        &["domain", "store", "gs1", "label"],
        "trace/recall reports and exports from the store; PDF reports use label's fonts",
    ),
    (
        "sync",
        &["protocol", "store", "domain"],
        "the station's sync client: the store's outbox up and others' events down, over the protocol",
    ),
    (
        "workflow",
        &[
            "store",
            "domain",
            "gs1",
            "protocol",
            "label",
            "barcode",
            "batch",
            "printer",
            "compliance",
            "sync",
            "people",
            "pin_gate",
        ],
        "the station core over store and rules; it runs report jobs (compliance) and owns the \
         sync state; not config, which gathers workflow's `[site]` section",
    ),
    (
        "config",
        &["workflow", "scanner", "sync", "printer", "pin"],
        "the station config file gathers each part's section; only front ends read it",
    ),
    (
        "server",
        &["protocol", "domain", "gs1", "private_file", "people"],
        "the central server: the protocol over its own DB layer; no station core, store or UI",
    ),
    (
        "ui",
        &[
            "workflow",
            "scanner",
            "config",
            "sync",
            "store",
            "domain",
            "gs1",
            "label",
            "barcode",
            "printer",
            "batch",
            "compliance",
            "private_file",
            "pin",
            "pin_gate",
            "people",
        ],
        "the station window: over the station core and scanner, presenting domain/store types \
         and the trace tree's rows and report formats of compliance; \
         its sync thread runs the sync loop on its own store connection",
    ),
    (
        "cli",
        &[
            "workflow",
            "scanner",
            "config",
            "sync",
            "store",
            "domain",
            "gs1",
            "label",
            "barcode",
            "printer",
            "batch",
            "compliance",
            "protocol",
            "server",
            "ui",
            "people",
            "pin_gate",
        ],
        "the command line front end uses everything",
    ),
];

/// Modules of the core: they speak no CLI, so no clap.
const NO_CLAP: &[&str] = &[
    "gs1", "domain", "store", "protocol", "workflow", "label", "barcode",
];

/// Arrows that break the rules today and are being removed on another branch: (module, what it
/// may not use, the branch that removes it). The lead deletes each line after that merge.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules: `src/<name>.rs` or `src/<name>/`.
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path]
        };
        modules.entry(name).or_insert_with(Vec::new).extend(files);
    }
    modules
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The source without comments (doc links are not dependencies) and without the contents of
/// string and char literals.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('#') || next == Some('"')) && !ident_before(&b, i) {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (next == Some('\\') || b.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\u{1d}'); a lifetime ('a) has no closing quote.
            i += 1;
            while i < b.len() && b[i] != '\'' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// The module path of a file under src/: `src/a/b.rs` → [a, b]; `src/a/mod.rs` → [a].
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The top-level modules a file's code names: `crate::x…`, `crate::{x, y::…}`, and
/// `super::…` chains that reach the crate root.
fn crate_modules_used(file: &Path, code: &str) -> BTreeSet<String> {
    let here = module_path(file);
    let mut used = BTreeSet::new();
    let words: Vec<(usize, &str)> = path_starts(code);
    for (at, _) in words {
        let rest = &code[at..];
        let mut depth_left = here.len();
        let mut tail = rest;
        let root = if let Some(t) = tail.strip_prefix("crate::") {
            tail = t;
            true
        } else {
            // super::super::… from a file `depth` modules deep reaches the root after `depth`.
            let mut reached = false;
            while let Some(t) = tail.strip_prefix("super::") {
                tail = t;
                depth_left = depth_left.saturating_sub(1);
                if depth_left == 0 {
                    reached = true;
                    break;
                }
            }
            reached
        };
        if !root {
            continue;
        }
        for first in first_segments(tail) {
            used.insert(first);
        }
    }
    used
}

/// Where `crate::` or `super::` paths start (not inside a longer identifier or path).
fn path_starts(code: &str) -> Vec<(usize, &str)> {
    let mut starts = Vec::new();
    for key in ["crate::", "super::"] {
        for (at, _) in code.match_indices(key) {
            let before = code[..at].chars().next_back();
            let inside = before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if !inside {
                starts.push((at, key));
            }
        }
    }
    starts
}

/// The first segment of a path tail (`x::…` → x), or of each path in a `{…}` group.
fn first_segments(tail: &str) -> Vec<String> {
    let tail = tail.trim_start();
    if let Some(group) = tail.strip_prefix('{') {
        let mut firsts = Vec::new();
        let mut depth = 0;
        let mut at_item_start = true;
        let mut word = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => at_item_start = true,
                c if at_item_start && (c.is_alphanumeric() || c == '_') => word.push(c),
                _ if at_item_start && !word.is_empty() => {
                    firsts.push(std::mem::take(&mut word));
                    at_item_start = false;
                }
                _ => {}
            }
        }
        if !word.is_empty() {
            firsts.push(word);
        }
        return firsts;
    }
    let word: String = tail
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if word.is_empty() { vec![] } else { vec![word] }
}

/// Whether the code uses the external crate `name` (`name::…` or `use name`).
fn uses_crate(code: &str, name: &str) -> bool {
    let path = format!("{name}::");
    let used_as_path = code.match_indices(&path).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    });
    used_as_path || code.contains(&format!("use {name};"))
}

fn known_exception(module: &str, target: &str) -> bool {
    KNOWN_EXCEPTIONS
        .iter()
        .any(|(m, t, _)| *m == module && *t == target)
}

/// Every source file of every module, with its code (comments and literals blanked).
fn sources() -> Vec<(String, PathBuf, String)> {
    let mut all = Vec::new();
    for (module, files) in modules() {
        for file in files {
            let code = code_only(&std::fs::read_to_string(&file).unwrap());
            all.push((module.clone(), file, code));
        }
    }
    all
}

fn shown(file: &Path) -> String {
    file.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(file)
        .display()
        .to_string()
}

#[test]
fn every_module_has_a_place_in_the_table() {
    let listed: BTreeSet<&str> = ALLOWED.iter().map(|(m, _, _)| *m).collect();
    let missing: Vec<String> = modules()
        .into_keys()
        .filter(|m| !listed.contains(m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "modules not in tests/architecture.rs's ALLOWED table: {missing:?}; add each with what it may use and why"
    );
}

#[test]
fn imports_point_down_the_table() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().map(|(m, a, _)| (*m, *a)).collect();
    let mut wrong = Vec::new();
    let mut exceptions_seen = BTreeSet::new();
    for (module, file, code) in sources() {
        let Some(may_use) = allowed.get(module.as_str()) else {
            continue;
        };
        for used in crate_modules_used(&file, &code) {
            if used == module || !allowed.contains_key(used.as_str()) {
                continue; // itself, or not a module (`crate::SomeItem` of lib.rs)
            }
            if may_use.contains(&used.as_str()) {
                continue;
            }
            if known_exception(&module, &used) {
                exceptions_seen.insert((module.clone(), used.clone()));
                continue;
            }
            wrong.push(format!(
                "{}: `{module}` may not use `crate::{used}` (allowed: {may_use:?})",
                shown(&file)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the dependency rules:\n  {}",
        wrong.join("\n  ")
    );
    // An exception nobody needs any more goes, so it cannot hide a new arrow.
    for (module, target, branch) in KNOWN_EXCEPTIONS {
        if *target != "clap" {
            assert!(
                exceptions_seen.contains(&(module.to_string(), target.to_string())),
                "KNOWN_EXCEPTIONS lists {module} -> {target} (removed by {branch}), but no file has it any more: delete the line"
            );
        }
    }
}

#[test]
fn the_core_speaks_no_cli() {
    let mut wrong = Vec::new();
    let mut exceptions_seen = BTreeSet::new();
    for (module, file, code) in sources() {
        if !NO_CLAP.contains(&module.as_str()) || !uses_crate(&code, "clap") {
            continue;
        }
        if known_exception(&module, "clap") {
            exceptions_seen.insert(module);
            continue;
        }
        wrong.push(format!(
            "{}: `{module}` uses clap (argument parsing lives in cli only)",
            shown(&file)
        ));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for (module, target, branch) in KNOWN_EXCEPTIONS {
        if *target == "clap" {
            assert!(
                exceptions_seen.contains(*module),
                "KNOWN_EXCEPTIONS lists clap in {module} (removed by {branch}), but no file uses it any more: delete the line"
            );
        }
    }
}

#[test]
fn slint_stays_in_the_ui() {
    let mut wrong = Vec::new();
    for (module, file, code) in sources() {
        if module == "ui" {
            continue;
        }
        for name in ["slint", "i_slint_backend_winit", "i_slint_core"] {
            if uses_crate(&code, name) {
                wrong.push(format!("{}: `{module}` uses {name}", shown(&file)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "Slint outside src/ui (a server build has no Slint):\n{}",
        wrong.join("\n")
    );
}

/// The packages of `cargo tree` for the given extra arguments, one name a line.
fn dependency_names(args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-e", "normal,build", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo tree");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn is_ui_stack(package: &str) -> bool {
    package.contains("slint")
        || package.contains("winit")
        || package.starts_with("x11")
        || package == "fontique"
}

#[test]
fn the_server_build_has_no_slint_in_its_dependencies() {
    let full = dependency_names(&[]);
    assert!(
        full.iter().any(|p| is_ui_stack(p)),
        "the default build should hold the UI stack (else this check sees nothing): {full:?}"
    );
    let server: Vec<String> = dependency_names(&["--no-default-features"])
        .into_iter()
        .filter(|p| is_ui_stack(p))
        .collect();
    assert!(
        server.is_empty(),
        "`cargo tree --no-default-features` holds UI packages: {server:?}; gate them behind the `ui` feature in Cargo.toml"
    );
}

#[test]
fn the_import_reader_sees_every_form() {
    let file = src().join("ui").join("sync.rs");
    let code = code_only(
        "use crate::{store::Store, sync::{A, B}};\n\
         // crate::server in a comment\n\
         let s = \"crate::cli in a string\";\n\
         fn f() { crate::workflow::x(); super::super::config::y(); super::present::z(); }\n\
         /// [`crate::protocol`]\n\
         let c = '\\''; let l: &'static str = crate::label::NAME;",
    );
    let used = crate_modules_used(&file, &code);
    let expected: BTreeSet<String> = ["store", "sync", "workflow", "config", "label"]
        .map(String::from)
        .into();
    assert_eq!(used, expected);
    assert!(uses_crate("#[derive(clap::ValueEnum)]", "clap"));
    assert!(uses_crate("use clap::{Args, Parser};", "clap"));
    assert!(!uses_crate(&code_only("// clap::Parser"), "clap"));
    assert!(!uses_crate("my_clap::X", "clap"));
}
