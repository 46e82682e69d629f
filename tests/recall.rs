//! The recall workflow through the real binary on a real SQLite store: flour received, baked
//! into bread, bread shipped to two customers; the flour recalled, then the bread made from it;
//! every quantity accounted for; refusals that write nothing; replay equal to live state.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FLOUR: &str = "09506000134352";
const BREAD: &str = "09506000134369";

fn lotline(db: &Path, args: &[&str]) -> Output {
    support::lotline()
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LOTLINE_STATION", "office")
        .env("LOTLINE_ACTOR", "sam")
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json(o: Output) -> Value {
    serde_json::from_slice(&ok(o).stdout).unwrap()
}

/// Exit 1 with a message containing `says`.
fn refused(o: Output, says: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(says), "expected {says:?} in: {err}");
}

fn events(db: &Path) -> u64 {
    json(lotline(db, &["store", "verify", "--json"]))["events"]
        .as_u64()
        .unwrap()
}

fn status(db: &Path, gtin: &str, batch: &str) -> String {
    json(lotline(
        db,
        &["lot", "show", batch, "--gtin", gtin, "--json"],
    ))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Flour F1 (500 received, 200 baked into bread), bread shipped: 100 + 20 to Shop, 30 to
/// Deli; 300 flour and 150 bread left on hand. Returns the bread's batch number.
fn bakery(db: &Path) -> String {
    for (gtin, name) in [(FLOUR, "Flour 25 kg"), (BREAD, "Sourdough loaf")] {
        ok(lotline(
            db,
            &[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
            ],
        ));
    }
    ok(lotline(
        db,
        &[
            "receive",
            &format!("(01){FLOUR}(17)271231(10)F1(30)500"),
            "--supplier",
            "North Mill",
            "--po",
            "PO-7",
            "--unit-cost",
            "0.40",
        ],
    ));
    let made = ok(lotline(
        db,
        &[
            "produce",
            "--product",
            BREAD,
            "--qty",
            "300",
            "--consume",
            &format!("(01){FLOUR}(10)F1(30)200"),
            "--labour",
            "12.50",
        ],
    ));
    let bread = String::from_utf8(made.stdout).unwrap().trim().to_string();
    for (qty, customer, shipment) in [
        ("100", "Shop", "SH-1"),
        ("30", "Deli", "SH-2"),
        ("20", "Shop", "SH-3"),
    ] {
        ok(lotline(
            db,
            &[
                "dispatch",
                &format!("(01){BREAD}(10){bread}"),
                "--qty",
                qty,
                "--customer",
                customer,
                "--shipment",
                shipment,
                "--unit-price",
                "1.90",
            ],
        ));
    }
    bread
}

fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.db");
    (dir, db)
}

#[test]
fn a_recall_marks_the_lots_lists_customers_and_stays_open_until_everything_is_accounted_for() {
    let (_dir, db) = site();
    let bread = bakery(&db);
    let flour_scan = format!("(01){FLOUR}(10)F1");
    let before = events(&db);

    // Refusals write nothing: a worker, no reason, an unknown lot (every bad lot is named).
    refused(
        lotline(
            &db,
            &["recall", "start", &flour_scan, "--reason", "salmonella"],
        ),
        "supervisor",
    );
    refused(
        lotline(
            &db,
            &["recall", "start", &flour_scan, "--role", "supervisor"],
        ),
        "reason",
    );
    let o = lotline(
        &db,
        &[
            "recall",
            "start",
            &flour_scan,
            "NOPE-1",
            "NOPE-2",
            "--reason",
            "salmonella",
            "--role",
            "supervisor",
        ],
    );
    refused(o.clone(), "NOPE-1");
    refused(o, "NOPE-2");
    // A dry run shows the impact and records nothing.
    let dry = json(lotline(
        &db,
        &[
            "recall",
            "start",
            &flour_scan,
            "--include-derived",
            "--dry-run",
            "--reason",
            "salmonella",
            "--role",
            "supervisor",
            "--json",
        ],
    ));
    assert!(dry["id"].is_null());
    assert_eq!(dry["lots"].as_array().unwrap().len(), 2);
    assert_eq!(events(&db), before, "refusals and a dry run write nothing");
    assert_eq!(status(&db, FLOUR, "F1"), "released");

    // Recall the flour alone: the bread made from it is named as not covered.
    let first = json(lotline(
        &db,
        &[
            "recall",
            "start",
            &flour_scan,
            "--reason",
            "salmonella in supplier lot",
            "--role",
            "supervisor",
            "--json",
        ],
    ));
    let first_id = first["id"].as_str().unwrap().to_string();
    assert!(first_id.starts_with("RC-"), "{first_id}");
    assert_eq!(first["marked"][0]["batch"], "F1");
    assert_eq!(first["not_covered"][0]["batch"], bread.as_str());
    assert!(first["shipments"].as_array().unwrap().is_empty());
    assert_eq!(first["items"][0]["quantity"], 300);
    assert!(first["items"][0]["customer"].is_null());
    assert_eq!(status(&db, FLOUR, "F1"), "recalled");
    assert_eq!(status(&db, BREAD, &bread), "released");

    // Extend to every lot made from it (the bread, by batch number and GTIN): the printout
    // names every customer with quantities.
    let o = ok(lotline(
        &db,
        &[
            "recall",
            "start",
            "F1",
            "--gtin",
            FLOUR,
            "--include-derived",
            "--reason",
            "salmonella: products too",
            "--role",
            "supervisor",
        ],
    ));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("Shop: 120 in 2 shipments"), "{text}");
    assert!(text.contains("Deli: 30 in 1 shipments"), "{text}");
    assert!(text.contains("released -> recalled"), "{text}");
    assert!(
        text.contains("stays recalled"),
        "flour was already recalled: {text}"
    );
    let id = text
        .split_whitespace()
        .nth(1)
        .expect("recall id on the first line")
        .to_string();
    assert_eq!(status(&db, BREAD, &bread), "recalled");
    // Recalled bread no longer ships.
    refused(
        lotline(
            &db,
            &[
                "dispatch",
                &format!("(01){BREAD}(10){bread}"),
                "--qty",
                "1",
                "--customer",
                "Shop",
            ],
        ),
        "recalled",
    );

    let s = json(lotline(&db, &["recall", "status", &id, "--json"]));
    assert_eq!(s["open_items"], 4);
    assert_eq!(s["outstanding"], 300 + 150 + 30 + 120);

    // Accounting: say where when the lot is in several places; never more than is out there.
    let account = |args: &[&str]| {
        let mut all = vec!["recall", "account", id.as_str()];
        all.extend_from_slice(args);
        lotline(&db, &all)
    };
    refused(
        account(&[
            &bread,
            "--gtin",
            BREAD,
            "--quantity",
            "1",
            "--how",
            "returned",
        ]),
        "--customer",
    );
    refused(
        account(&[
            &bread,
            "--gtin",
            BREAD,
            "--quantity",
            "121",
            "--how",
            "returned",
            "--customer",
            "Shop",
        ]),
        "only 120 outstanding",
    );
    refused(
        account(&[
            &bread,
            "--gtin",
            BREAD,
            "--quantity",
            "5",
            "--how",
            "other",
            "--site",
        ]),
        "note",
    );
    let before = events(&db);
    json(account(&[
        &bread,
        "--gtin",
        BREAD,
        "--quantity",
        "120",
        "--how",
        "returned",
        "--customer",
        "Shop",
        "--json",
    ]));
    json(account(&[
        &bread,
        "--gtin",
        BREAD,
        "--quantity",
        "30",
        "--how",
        "destroyed",
        "--customer",
        "Deli",
        "--note",
        "destruction certificate 17",
        "--json",
    ]));
    json(account(&[
        &bread,
        "--gtin",
        BREAD,
        "--quantity",
        "150",
        "--how",
        "on_hand",
        "--site",
        "--json",
    ]));
    assert_eq!(events(&db), before + 3);
    // The flour is only at the site: no need to say where.
    json(account(&[
        &flour_scan,
        "--quantity",
        "100",
        "--how",
        "destroyed",
        "--json",
    ]));

    // Not closed while 200 flour is unaccounted for, nor by a worker, nor forced without a reason.
    refused(
        lotline(&db, &["recall", "close", &id, "--role", "supervisor"]),
        "1 open items (unaccounted for: 200 of 09506000134352)",
    );
    refused(lotline(&db, &["recall", "close", &id]), "supervisor");
    refused(
        lotline(
            &db,
            &["recall", "close", &id, "--force", "--role", "supervisor"],
        ),
        "reason",
    );
    let s = json(account(&[
        &flour_scan,
        "--quantity",
        "200",
        "--how",
        "destroyed",
        "--json",
    ]));
    assert_eq!(s["open_items"], 0);
    let closed = json(lotline(
        &db,
        &["recall", "close", &id, "--role", "supervisor", "--json"],
    ));
    assert_eq!(closed["closed"]["forced"], false);
    refused(
        account(&[&flour_scan, "--quantity", "1", "--how", "destroyed"]),
        "closed",
    );

    // The first recall closes by force, with a reason kept for the audit.
    let forced = json(lotline(
        &db,
        &[
            "recall",
            "close",
            &first_id,
            "--force",
            "--reason",
            "superseded by the recall with products",
            "--role",
            "supervisor",
            "--json",
        ],
    ));
    assert_eq!(forced["closed"]["forced"], true);
    assert_eq!(forced["closed"]["outstanding"], 300);

    let list = json(lotline(&db, &["recall", "list", "--json"]));
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str(), first_id.as_str()], "newest first");
    let text = String::from_utf8(ok(lotline(&db, &["recall", "status", &id])).stdout).unwrap();
    assert!(text.contains("destruction certificate 17"), "{text}");
    assert!(text.contains("0 open items"), "{text}");

    // The recall lives in the event log: a replay gives the same state.
    let mut store = lotline::store::Store::open(&db).unwrap();
    let live = store.derived_snapshot().unwrap();
    assert!(live.iter().any(|r| r.starts_with("recall_accounting:")));
    store.rebuild().unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), live);
    store.verify().unwrap();
}

/// Text of a PDF as a reader sees it (poppler's pdftotext), after checking the fonts are
/// embedded so it prints the same anywhere.
fn pdf_text(pdf: &Path) -> String {
    let fonts = Command::new("pdffonts")
        .arg(pdf)
        .output()
        .expect("pdffonts (poppler-utils, scripts/setup-system)");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "every font embedded: {fonts}"
    );
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn trace_and_recall_reports_as_pdf_and_csv() {
    let (dir, db) = site();
    let bread = bakery(&db);
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // Both ways from the bread: made from the flour (received from North Mill), shipped to
    // two customers.
    let pdf = out("bread.pdf");
    let r = json(lotline(
        &db,
        &[
            "report", "trace", &bread, "--gtin", BREAD, "--out", &pdf, "--json",
        ],
    ));
    assert_eq!(r["customers"], 2);
    assert_eq!(r["suppliers"], 1);
    let text = pdf_text(Path::new(&pdf));
    for expected in [
        "Trace report",
        "Sourdough loaf",
        "Forward: where it went",
        "Backward: where it came from",
        "received 500 from North Mill",
        "shipped 100 to Shop",
        "SH-3",
        "Customers (2)",
        "Suppliers (1)",
        "page 1 of 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    // CSV: one row per movement, oldest first, sortable columns.
    let csv_path = out("flour.csv");
    ok(lotline(
        &db,
        &[
            "report",
            "trace",
            &format!("(01){FLOUR}(10)F1"),
            "--out",
            &csv_path,
        ],
    ));
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "Date");
    assert_eq!(&header[2], "Event");
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let events: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[2], &r[4], &r[6])).collect();
    assert_eq!(
        events,
        [
            ("received", "F1", "500"),
            ("consumed into", "F1", "200"),
            ("shipped", bread.as_str(), "100"),
            ("shipped", bread.as_str(), "30"),
            ("shipped", bread.as_str(), "20"),
        ]
    );
    assert_eq!(&rows[2][7], "Shop");
    assert_eq!(&rows[2][8], "SH-1");

    // A recall report: the recall, what is open, and where the lots went.
    let id = json(lotline(
        &db,
        &[
            "recall",
            "start",
            "F1",
            "--include-derived",
            "--reason",
            "foreign body",
            "--role",
            "supervisor",
            "--json",
        ],
    ))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rpdf = out("recall.pdf");
    ok(lotline(&db, &["recall", "report", &id, "--out", &rpdf]));
    let text = pdf_text(Path::new(&rpdf));
    let title = format!("Recall report {id}");
    for expected in [
        title.as_str(),
        "Reason: foreign body",
        "OPEN: 4 items",
        "at customer Deli",
        "Outstanding",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let rcsv = out("recall.csv");
    ok(lotline(&db, &["recall", "report", &id, "--out", &rcsv]));
    let text = std::fs::read_to_string(&rcsv).unwrap();
    assert_eq!(text.matches(",recall item,").count(), 4, "{text}");

    // Refused before any work: an unknown format, an unknown lot; no file is left behind.
    refused(
        lotline(&db, &["report", "trace", "F1", "--out", &out("r.txt")]),
        ".pdf",
    );
    refused(
        lotline(&db, &["report", "trace", "NOPE", "--out", &out("nope.pdf")]),
        "NOPE",
    );
    assert!(!dir.path().join("nope.pdf").exists());
}

#[test]
fn supplier_report_counts_rejections_and_recalls_with_rates_table_json_and_csv() {
    let (dir, db) = site();
    ok(lotline(
        &db,
        &[
            "product",
            "add",
            FLOUR,
            "--name",
            "Flour",
            "--receive-as",
            "released",
        ],
    ));
    for (batch, supplier) in [
        ("A1", "Acme Mills"),
        ("A2", "Acme Mills"),
        ("A3", "Acme Mills"),
        ("A4", "Acme Mills"),
        ("B1", "Best Farms"),
    ] {
        ok(lotline(
            &db,
            &[
                "receive",
                &format!("(01){FLOUR}(10){batch}(30)10"),
                "--supplier",
                supplier,
            ],
        ));
    }
    ok(lotline(
        &db,
        &[
            "lot",
            "reject",
            "A1",
            "--gtin",
            FLOUR,
            "--reason",
            "mould",
            "--role",
            "supervisor",
        ],
    ));
    // A recall started through the workflow counts against the supplier too.
    ok(lotline(
        &db,
        &[
            "recall",
            "start",
            "A2",
            "--reason",
            "aflatoxin",
            "--role",
            "supervisor",
        ],
    ));

    let figures = json(lotline(&db, &["suppliers", "--json"]));
    let acme = &figures[0];
    assert_eq!(acme["supplier"], "Acme Mills");
    assert_eq!(acme["lots"], 4);
    assert_eq!(acme["rejected"], 1);
    assert_eq!(acme["recalled"], 1);
    assert_eq!(acme["rejection_rate"], 0.25);
    assert_eq!(acme["recall_rate"], 0.25);
    assert_eq!(acme["defect_rate"], 0.5);
    assert_eq!(figures[1]["supplier"], "Best Farms");
    assert_eq!(figures[1]["defect_rate"], 0.0);

    let table = String::from_utf8(ok(lotline(&db, &["suppliers"])).stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("Supplier"), "{table}");
    assert!(
        lines[1].starts_with("Acme Mills") && lines[1].ends_with("50.0"),
        "{table}"
    );
    assert!(
        lines.last().unwrap().starts_with("All suppliers"),
        "{table}"
    );

    let csv_text = String::from_utf8(ok(lotline(&db, &["suppliers", "--csv"])).stdout).unwrap();
    assert_eq!(
        csv_text.lines().next(),
        Some(
            "Supplier,Lots received,Rejected,Recalled,Rejection rate %,Recall rate %,Defect rate %"
        )
    );
    assert_eq!(
        csv_text.lines().nth(1),
        Some("Acme Mills,4,1,1,25.0,25.0,50.0")
    );
    let file = dir.path().join("suppliers.csv");
    ok(lotline(
        &db,
        &["suppliers", "--out", file.to_str().unwrap()],
    ));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv_text);

    // --since: lots first received on or after the day.
    let today = chrono::Utc::now().date_naive();
    let since = |d: i64| (today + chrono::Duration::days(d)).to_string();
    let later = json(lotline(&db, &["suppliers", "--since", &since(1), "--json"]));
    assert!(later.as_array().unwrap().is_empty());
    let all = json(lotline(
        &db,
        &["suppliers", "--since", &since(-1), "--json"],
    ));
    assert_eq!(all, figures);
    refused(
        lotline(
            &db,
            &[
                "suppliers",
                "--out",
                dir.path().join("s.txt").to_str().unwrap(),
            ],
        ),
        ".csv",
    );
}

/// A lot's history (Lot lookup) comes from `lot_events`: the flour's receipt, its use in the
/// bread and the recall; the bread's production, the flour that went into it, its shipments
/// and the recall that reached it. A file written before that table (schema 9) gets it filled
/// on opening, row for row what recording the same events writes.
#[test]
fn a_lots_history_names_every_event_of_it_and_an_old_file_gets_it_on_upgrade() {
    let (_dir, db) = site();
    let bread = bakery(&db);
    ok(lotline(
        &db,
        &[
            "recall",
            "start",
            &format!("(01){FLOUR}(10)F1"),
            "--include-derived",
            "--reason",
            "salmonella",
            "--role",
            "supervisor",
        ],
    ));
    let history = |db: &Path, gtin: &str, batch: &str| -> Vec<&'static str> {
        let store = lotline::store::Store::open(db).unwrap();
        store
            .lot_events(gtin, batch, 100)
            .unwrap()
            .iter()
            .map(|e| e.event.name())
            .collect()
    };
    let flour_meant = vec!["lot_received", "lot_consumed", "recall_started"];
    let bread_meant = vec![
        "batch_produced",
        "lot_consumed",
        "lot_dispatched",
        "lot_dispatched",
        "lot_dispatched",
        "recall_started",
    ];
    let (flour, bread_history) = (history(&db, FLOUR, "F1"), history(&db, BREAD, &bread));
    // The recall's status changes, if it records them as events, belong to each lot too.
    let without_status = |h: &[&'static str]| -> Vec<&'static str> {
        h.iter()
            .copied()
            .filter(|k| *k != "lot_status_changed")
            .collect()
    };
    assert_eq!(without_status(&flour), flour_meant);
    assert_eq!(without_status(&bread_history), bread_meant);
    // The newest `limit` events, oldest first.
    let store = lotline::store::Store::open(&db).unwrap();
    let last_two: Vec<_> = store
        .lot_events(BREAD, &bread, 2)
        .unwrap()
        .iter()
        .map(|e| e.event.name())
        .collect();
    assert_eq!(last_two, bread_history[bread_history.len() - 2..]);
    let recorded = store.derived_snapshot().unwrap();
    assert!(recorded.iter().any(|r| r.starts_with("lot_events: ")));
    drop(store);

    // The same file as schema 9 left it: no lot_events table, and the outbox as rows with
    // server positions by event id (schema 11 changed both; every event still waits), no
    // push_refused (schema 12), no cost facts and no prices or days on shipments (schema 17:
    // refilled from the log, so the costs a file's events carry survive the upgrade), no
    // shipment closes (schema 19), no site (schema 20), no pruned history (schema 21).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TABLE lot_events;
         DROP TABLE pallets;
         ALTER TABLE products DROP COLUMN receiving;
         DROP TABLE push_refused;
         DROP TABLE server_pos;
         CREATE TABLE server_pos (event_id TEXT PRIMARY KEY REFERENCES events (id), pos INTEGER NOT NULL);
         CREATE TABLE outbox (event_id TEXT PRIMARY KEY REFERENCES events (id));
         INSERT INTO outbox (event_id) SELECT id FROM events;
         ALTER TABLE sync_state DROP COLUMN pushed_through;
         ALTER TABLE sync_state DROP COLUMN server_id;
         DROP TABLE people;
         ALTER TABLE events DROP COLUMN signature;
         DROP TABLE lot_costs;
         DROP TABLE shipment_closes;
         DROP INDEX shipments_open;
         ALTER TABLE shipments DROP COLUMN closed_seq;
         ALTER TABLE shipments DROP COLUMN unit_price;
         ALTER TABLE shipments DROP COLUMN currency;
         ALTER TABLE shipments DROP COLUMN day;
         DROP TABLE push_links;
         ALTER TABLE sync_state DROP COLUMN site_gln;
         ALTER TABLE sync_state DROP COLUMN site_name;
         ALTER TABLE events DROP COLUMN other_site;
         ALTER TABLE events DROP COLUMN pruned;
         DROP TABLE base_lots;
         DROP TABLE base_lot_status_log;
         DROP TABLE base_pallets;
         DROP TABLE base_shipments;
         DROP TABLE base_genealogy;
         DROP TABLE base_receipts;
         DROP TABLE base_lot_costs;
         DROP TABLE base_sequences;
         PRAGMA user_version = 9;",
    )
    .unwrap();
    drop(conn);
    let store = lotline::store::Store::open(&db).unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), recorded);
    assert_eq!(history(&db, FLOUR, "F1"), flour);
    // Costs and prices too: the bread (200 × 0.40 + 12.50 = 92.50 over 300) and its margin.
    let cost = json(lotline(&db, &["cost", &bread, "--gtin", BREAD, "--json"]));
    assert_eq!(cost["total_cost"], "92.50");
    let report = json(lotline(&db, &["cost", "report", "--json"]));
    assert_eq!(report["total"]["revenue"], "285.00", "150 × 1.90");
}

/// A lot number is the one thing a recall must never get wrong: in the trace and recall PDFs
/// a 20-character batch (the AI 10 maximum) is printed whole — wrapped or in smaller type,
/// never cut with an ellipsis — and what a recall still expects is totalled per product
/// (units of flour and of bread do not add up).
#[test]
fn long_lot_numbers_are_never_cut_in_reports_and_recall_totals_are_per_product() {
    let (dir, db) = site();
    const LONG: &str = "F-2026-12-07-ABCDEFG";
    assert_eq!(LONG.len(), 20);
    for (gtin, name) in [(FLOUR, "Flour"), (BREAD, "Bread")] {
        ok(lotline(
            &db,
            &[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
            ],
        ));
    }
    ok(lotline(
        &db,
        &[
            "receive",
            &format!("(01){FLOUR}(17)271231(10){LONG}(30)500"),
        ],
    ));
    let made = ok(lotline(
        &db,
        &[
            "produce",
            "--product",
            BREAD,
            "--qty",
            "40",
            "--consume",
            &format!("(01){FLOUR}(10){LONG}(30)100"),
        ],
    ));
    let bread = String::from_utf8(made.stdout).unwrap().trim().to_string();
    ok(lotline(
        &db,
        &[
            "dispatch",
            &format!("(01){BREAD}(10){bread}"),
            "--qty",
            "10",
            "--customer",
            "Shop",
        ],
    ));
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let no_cut_lot = |text: &str| {
        assert!(text.contains(LONG), "the whole lot number:\n{text}");
        for end in 4..LONG.len() {
            let cut = format!("{}…", &LONG[..end]);
            assert!(!text.contains(&cut), "a lot number cut ({cut}):\n{text}");
        }
    };
    let trace = out("trace.pdf");
    ok(lotline(&db, &["report", "trace", LONG, "--out", &trace]));
    no_cut_lot(&pdf_text(Path::new(&trace)));

    let id = json(lotline(
        &db,
        &[
            "recall",
            "start",
            LONG,
            "--include-derived",
            "--reason",
            "foreign body",
            "--role",
            "supervisor",
            "--json",
        ],
    ))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let pdf = out("recall.pdf");
    ok(lotline(&db, &["recall", "report", &id, "--out", &pdf]));
    let text = pdf_text(Path::new(&pdf));
    no_cut_lot(&text);
    // 400 flour on hand; 30 bread on hand and 10 at the customer.
    assert!(text.contains("400 × Flour"), "{text}");
    assert!(text.contains("40 × Bread"), "{text}");
    assert!(text.contains("Totals per product"), "{text}");
    let status = json(lotline(&db, &["recall", "status", &id, "--json"]));
    let totals: Vec<(String, i64)> = status["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["gtin"].as_str().unwrap().to_string(),
                p["outstanding"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        totals,
        [(FLOUR.to_string(), 400), (BREAD.to_string(), 40)],
        "{status}"
    );
}
