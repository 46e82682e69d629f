//! Closing a shipment through the real binary on real stores: the despatch note and the SSCC
//! labels as PDFs, rasterised at 203 dpi and decoded back (zbarimg, dmtxread) to the pallets
//! the close recorded; a closed shipment refuses more dispatches and undos; new SSCCs carry
//! GS1's check digit and are never made twice, also after a replay; replay equals live state.

mod decoders;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use decoders::{GS, dmtx_reads, rasterise, zbar_reads};
use serde_json::Value;
use support::{json, ok, stderr};

const PASSATA: &str = "09501101530003";
const SAUCE: &str = "09501101530010";

/// A station store and its config (company prefix 9501101, extension digit 3).
struct Site {
    dir: tempfile::TempDir,
    db: PathBuf,
    config: PathBuf,
}

impl Site {
    fn new(prefix: bool) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("station.db");
        let config = dir.path().join("station.toml");
        let site = if prefix {
            "[site]\nfacility = \"Lotline Foods, Dock Road\"\ngln = \"9501101000005\"\ncompany_prefix = \"9501101\"\nsscc_extension = 3\n"
        } else {
            "[site]\nfacility = \"Lotline Foods\"\n"
        };
        std::fs::write(
            &config,
            format!("{site}{}", support::supervisor_pin_section()),
        )
        .unwrap();
        let s = Site { dir, db, config };
        for (gtin, name) in [
            (PASSATA, "Tomato passata 500 g x 12"),
            (SAUCE, "Pasta sauce"),
        ] {
            ok(s.run(&[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
            ]));
        }
        s
    }

    fn run(&self, args: &[&str]) -> Output {
        support::lotline()
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .env("LOTLINE_STATION", "dock-1")
            .env("LOTLINE_ACTOR", "ana")
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> Value {
        json(self.run(args))
    }

    /// Receives cases of a lot into the default location.
    fn receive(&self, scan: &str, qty: &str) {
        self.ok(&["receive", scan, "--qty", qty, "--json"]);
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("docs")
    }

    /// `shipment close` with the given options, as JSON.
    fn close(&self, customer: &str, shipment: Option<&str>, extra: &[&str]) -> Value {
        let out = self.out();
        let mut args = vec![
            "shipment",
            "close",
            "--customer",
            customer,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ];
        if let Some(s) = shipment {
            args.extend(["--shipment", s]);
        }
        args.extend(extra);
        self.ok(&args)
    }

    fn dispatch(&self, scan: &str, qty: Option<&str>, shipment: &str) -> Output {
        let mut args = vec!["dispatch", scan, "--customer", "Northwind", "--json"];
        if !shipment.is_empty() {
            args.extend(["--shipment", shipment]);
        }
        if let Some(q) = qty {
            args.extend(["--qty", q]);
        }
        self.run(&args)
    }
}

fn code(o: &Output) -> String {
    let v: Value = serde_json::from_str(stderr(o).lines().next().unwrap_or("{}")).unwrap();
    v["code"].as_str().unwrap_or_default().to_string()
}

fn pdftotext(pdf: &Path) -> String {
    let o = ok(std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (scripts/setup-system)"));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn pages(pdf: &Path) -> u32 {
    let o = ok(std::process::Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .unwrap());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn check_digit_ok(sscc: &str) -> bool {
    let digits: Vec<u32> = sscc.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits[..17]
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    sscc.len() == 18 && (10 - sum % 10) % 10 == digits[17]
}

/// A dock's day: a received pallet shipped by its SSCC, loose cases of two products; the
/// close puts the pallet out intact and the cases on one built (mixed) pallet with a new SSCC;
/// the despatch note lists every line with totals and signature lines, two copies; the labels
/// decode back at 203 dpi to exactly the pallets recorded: the single-lot pallet with (00),
/// (02)+(37), (17)+(10), the mixed one with (00) and no (02).
#[test]
fn close_writes_a_despatch_note_and_labels_that_decode_back_to_the_pallets() {
    let site = Site::new(true);
    site.ok(&[
        "receive",
        "(00)095011010000000018(02)09501101530003(37)40(17)271231(10)B2611",
        "--location",
        "DOCK",
        "--json",
    ]);
    site.receive("(01)09501101530003(17)280115(10)B2612", "100");
    site.receive("(01)09501101530010(17)280301(10)S77", "30");
    ok(site.dispatch("(00)095011010000000018", None, "SO-1"));
    ok(site.dispatch("(01)09501101530003(10)B2612", Some("10"), "SO-1"));
    ok(site.dispatch("(01)09501101530010(10)S77", Some("6"), "SO-1"));
    // Another customer's dispatch and another reference stay out of it.
    ok(site.dispatch("(01)09501101530003(10)B2612", Some("1"), "SO-2"));

    let closed = site.close("Northwind", Some("SO-1"), &["--copies", "2"]);
    let pallets = closed["closed"]["pallets"].as_array().unwrap();
    assert_eq!(pallets.len(), 2, "{closed}");
    assert_eq!(
        pallets[0]["sscc"], "095011010000000018",
        "the received pallet leaves intact"
    );
    assert!(pallets[0].get("allocated_under").is_none());
    let built = pallets[1]["sscc"].as_str().unwrap();
    assert!(built.starts_with("39501101"), "{built}");
    assert!(check_digit_ok(built), "{built}");
    assert_eq!(pallets[1]["lines"].as_array().unwrap().len(), 2);

    // The despatch note: two copies, every line, totals per product, signatures.
    let note = PathBuf::from(closed["despatch_note"].as_str().unwrap());
    let text = pdftotext(&note);
    for needed in [
        "DESPATCH NOTE",
        "Northwind",
        "SO-1",
        "dock-1",
        "ana",
        "095011010000000018",
        built,
        "B2611",
        "B2612",
        "S77",
        "Tomato passata 500 g x 12",
        "Pasta sauce",
        "Totals per product",
        "Driver",
        "Dispatcher",
        "Copy 1 of 2",
        "Copy 2 of 2",
        "GLN 9501101000005",
    ] {
        assert!(text.contains(needed), "{needed} not in the note:\n{text}");
    }
    assert_eq!(pages(&note) % 2, 0, "two whole copies");

    // The labels: each pallet twice, in order.
    let labels = PathBuf::from(closed["labels"].as_str().unwrap());
    assert_eq!(pages(&labels), 4);
    let read = |page: u32| {
        let png = rasterise(&labels, 203, page);
        let mut symbols: Vec<String> = zbar_reads(&png)
            .into_iter()
            .map(|s| {
                assert!(s.gs1, "a GS1-128 starts with FNC1: {s:?}");
                s.data
            })
            .collect();
        symbols.sort();
        (symbols, dmtx_reads(&png))
    };
    for page in [1, 2] {
        let (symbols, matrix) = read(page);
        assert_eq!(
            symbols,
            vec![
                "00095011010000000018".to_string(),
                "02095011015300033740".to_string(),
                "1727123110B2611".to_string(),
            ],
            "page {page}"
        );
        assert_eq!(
            matrix,
            format!("{GS}000950110100000000180209501101530003172712313740{GS}10B2611")
        );
    }
    for page in [3, 4] {
        let (symbols, matrix) = read(page);
        assert_eq!(
            symbols,
            vec![format!("00{built}")],
            "page {page}: no (02) on a mixed pallet"
        );
        assert_eq!(matrix, format!("{GS}00{built}"));
    }
    let label_text = pdftotext(&labels);
    assert!(
        label_text.contains("MIXED PALLET: 2 lots, 16 units"),
        "{label_text}"
    );
    assert!(label_text.contains("B2612") && label_text.contains("S77"));
}

/// After the close the shipment is closed for good: a dispatch under its reference and the
/// undo of one of its dispatches are refused (`shipment_closed`), nothing is written; a
/// second close has nothing to close. Dispatches without a reference are the customer's
/// unreferenced shipment: closing it takes them, and the next one starts a new shipment.
#[test]
fn a_closed_shipment_refuses_more_dispatches_and_undos() {
    let site = Site::new(true);
    site.receive("(01)09501101530003(17)280115(10)B2612", "100");
    let shipped: Value = serde_json::from_slice(
        &ok(site.dispatch("(01)09501101530003(10)B2612", Some("5"), "SO-9")).stdout,
    )
    .unwrap();
    site.close("Northwind", Some("SO-9"), &[]);
    let events = || site.ok(&["store", "verify", "--json"]);
    let before = events();

    let again = site.dispatch("(01)09501101530003(10)B2612", Some("5"), "SO-9");
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(code(&again), "shipment_closed", "{}", stderr(&again));
    assert!(stderr(&again).contains("SO-9"), "{}", stderr(&again));
    let undo = site.run(&[
        "void",
        shipped["event_id"].as_str().unwrap(),
        "--reason",
        "scanned twice",
        "--json",
    ]);
    assert_eq!(undo.status.code(), Some(1));
    assert_eq!(code(&undo), "shipment_closed", "{}", stderr(&undo));
    let twice = site.run(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--shipment",
        "SO-9",
        "--json",
    ]);
    assert_eq!(code(&twice), "shipment_closed", "{}", stderr(&twice));
    let nothing = site.run(&["shipment", "close", "--customer", "Nobody", "--json"]);
    assert_eq!(code(&nothing), "nothing_to_close", "{}", stderr(&nothing));
    assert_eq!(events(), before, "nothing written by the refusals");

    // Unreferenced: closed, then the next dispatch starts a new one.
    ok(site.dispatch("(01)09501101530003(10)B2612", Some("3"), ""));
    let first = site.close("Northwind", None, &[]);
    assert_eq!(first["closed"]["shipment"], Value::Null);
    ok(site.dispatch("(01)09501101530003(10)B2612", Some("4"), ""));
    let list = site.ok(&["shipment", "list", "--json"]);
    assert_eq!(list["open"][0]["quantity"], 4, "{list}");
    assert_eq!(list["open"][0]["shipment"], Value::Null);
    let second = site.close("Northwind", None, &[]);
    assert_eq!(second["closed"]["pallets"][0]["lines"][0]["quantity"], 4);
    assert_eq!(
        site.ok(&["shipment", "list", "--json"])["closed"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

/// New SSCCs: GS1's check digit, the station's extension digit and prefix, serials counted
/// from the log (so a replay, or a store rebuilt, continues where it was and never makes one
/// twice); `--pallets N` builds N pallets of the loose lines. Current state equals a replay.
/// A site without a company prefix cannot build a pallet, and says what to set.
#[test]
fn new_ssccs_are_never_made_twice_and_replay_equals_live_state() {
    let site = Site::new(true);
    site.receive("(01)09501101530003(17)280115(10)B2612", "100");
    let mut seen = std::collections::BTreeSet::new();
    for (i, reference) in ["A1", "A2", "A3"].iter().enumerate() {
        for _ in 0..3 {
            ok(site.dispatch("(01)09501101530003(10)B2612", Some("2"), reference));
        }
        if i == 1 {
            let mut store = lotline::store::Store::open(&site.db).unwrap();
            store.rebuild().unwrap();
        }
        let closed = site.close("Northwind", Some(reference), &["--pallets", "2"]);
        let pallets = closed["closed"]["pallets"].as_array().unwrap();
        assert_eq!(pallets.len(), 2, "{closed}");
        for p in pallets {
            let sscc = p["sscc"].as_str().unwrap().to_string();
            assert!(check_digit_ok(&sscc), "{sscc}");
            assert_eq!(p["allocated_under"], "39501101");
            assert!(seen.insert(sscc.clone()), "{sscc} made twice");
        }
    }
    let serials: Vec<u64> = seen.iter().map(|s| s[8..17].parse().unwrap()).collect();
    assert_eq!(serials, (1..=6).collect::<Vec<_>>());
    let mut store = lotline::store::Store::open(&site.db).unwrap();
    let live = store.derived_snapshot().unwrap();
    assert!(live.iter().any(|r| r.starts_with("shipment_closes:")));
    store.rebuild().unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), live);
    drop(store);

    let bare = Site::new(false);
    bare.receive("(01)09501101530003(17)280115(10)B2612", "9");
    ok(bare.dispatch("(01)09501101530003(10)B2612", Some("2"), "X"));
    let refused = bare.run(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--shipment",
        "X",
        "--json",
    ]);
    assert_eq!(code(&refused), "value_required", "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("company_prefix"),
        "{}",
        stderr(&refused)
    );
    let copies = site.run(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--shipment",
        "A1",
        "--copies",
        "0",
        "--json",
    ]);
    assert_eq!(code(&copies), "invalid_input", "{}", stderr(&copies));
}

/// `--print` sends the documents through the station's `[printer]`: into a print folder the
/// note and each pallet's labels as their own jobs; a raw ZPL printer takes labels only, so
/// the note is refused there naming why (the close stands, the files are written); without a
/// printer `--print` is refused before anything is recorded.
#[test]
fn print_sends_the_documents_to_the_stations_printer() {
    let site = Site::new(true);
    site.receive("(01)09501101530003(17)280115(10)B2612", "20");
    ok(site.dispatch("(01)09501101530003(10)B2612", Some("4"), "P-1"));
    let events = || site.ok(&["store", "verify", "--json"])["events"].clone();
    let before = events();
    let refused = site.run(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--shipment",
        "P-1",
        "--print",
        "--json",
    ]);
    assert_eq!(code(&refused), "print_failed", "{}", stderr(&refused));
    assert_eq!(events(), before, "nothing recorded");

    let spool = site.dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let config = std::fs::read_to_string(&site.config).unwrap();
    std::fs::write(
        &site.config,
        format!(
            "{config}\n[printer]\nkind = \"folder\"\ndir = {:?}\n",
            spool
        ),
    )
    .unwrap();
    let closed = site.close("Northwind", Some("P-1"), &["--print"]);
    assert_eq!(closed["printed"].as_array().unwrap().len(), 2, "{closed}");
    let spooled: Vec<PathBuf> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(spooled.len(), 2, "{spooled:?}");
    let labels = spooled
        .iter()
        .find(|p| p.to_string_lossy().contains("gs1-logistics-4x6"))
        .expect("the labels job");
    let read = zbar_reads(&rasterise(labels, 203, 1));
    let sscc = closed["closed"]["pallets"][0]["sscc"].as_str().unwrap();
    assert!(
        read.iter().any(|s| s.data == format!("00{sscc}")),
        "{read:?}"
    );

    std::fs::write(
        &site.config,
        format!("{config}\n[printer]\nkind = \"raw\"\naddr = \"127.0.0.1:9\"\n"),
    )
    .unwrap();
    let raw = site.run(&[
        "shipment",
        "print",
        "--customer",
        "Northwind",
        "--shipment",
        "P-1",
        "--print",
        "--out",
        site.out().to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&raw), "print_failed", "{}", stderr(&raw));
    assert!(stderr(&raw).contains("ZPL labels only"), "{}", stderr(&raw));
}

/// The mixed-pallet label (in `label-templates/dispatch/`) prints its worst case: 12 lines of
/// 20-character batches and 8-digit counts fit, and each worst-case label reads back at 203
/// dpi as its SSCC alone, in GS1-128 and in GS1 DataMatrix.
#[test]
fn the_mixed_pallet_label_prints_its_worst_case() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("worst.pdf");
    let template = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/label-templates/dispatch/gs1-logistics-mixed-4x6.toml"
    );
    let o = ok(support::run(&[
        "label",
        "check",
        template,
        "--out",
        pdf.to_str().unwrap(),
    ]));
    assert!(support::stdout(&o).contains("the worst case fits"));
    for page in 1..=pages(&pdf) {
        let png = rasterise(&pdf, 203, page);
        let read = zbar_reads(&png);
        assert_eq!(read.len(), 1, "page {page}: {read:?}");
        assert!(read[0].gs1 && read[0].data.starts_with("00") && read[0].data.len() == 20);
        assert_eq!(dmtx_reads(&png), format!("{GS}{}", read[0].data));
    }
}
