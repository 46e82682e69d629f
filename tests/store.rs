//! The local store and the receiving workflow through the real binary on real SQLite files:
//! a receipt from one GS1 scan, refusals that write nothing, the hash chain catching edited
//! or deleted history, and current state equal to a replay of the events.

mod support;

use std::path::Path;
use std::process::Output;

use serde_json::Value;

const GTIN: &str = "09501101530003";
/// A supplier pallet label: SSCC, content GTIN, count, expiry, batch.
const PALLET: &str = "]C10039501101000000001902095011015300033740\u{1d}1727123110B2611";

fn lotline(db: &Path, args: &[&str]) -> Output {
    support::lotline()
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LOTLINE_STATION", "dock-1")
        .env("LOTLINE_ACTOR", "ana")
        .output()
        .unwrap()
}

/// Receives `scan` as the dock did `days_ago` days ago, when its lot had not expired yet
/// (receiving refuses a lot already past its date; stock expires on the shelf).
fn receive_days_ago(db: &Path, scan: &str, days_ago: i64) {
    let mut station = lotline::workflow::Station::open(
        db,
        lotline::workflow::Identity {
            station: "dock-1".into(),
            actor: "ana".into(),
        },
    )
    .unwrap();
    let then = chrono::Local::now().date_naive() - chrono::Duration::days(days_ago);
    let req = lotline::workflow::ReceiveRequest {
        scan: scan.into(),
        location: "RECEIVING".into(),
        ..Default::default()
    };
    station.receive(&req, then).unwrap();
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn events(db: &Path) -> u64 {
    json(&lotline(db, &["store", "verify", "--json"]))["events"]
        .as_u64()
        .unwrap()
}

fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site").join("lotline.db");
    json(&lotline(
        &db,
        &[
            "product",
            "add",
            GTIN,
            "--name",
            "Tomato passata 500 g x 12",
            "--json",
        ],
    ));
    (dir, db)
}

#[test]
fn one_pallet_scan_receives_the_lot_with_everything_the_label_carries() {
    let (_dir, db) = site();
    let r = json(&lotline(
        &db,
        &[
            "receive",
            PALLET,
            "--location",
            "DOCK-A",
            "--supplier",
            "Acme",
            "--json",
        ],
    ));
    assert_eq!(r["gtin"], GTIN);
    assert_eq!(r["batch"], "B2611");
    assert_eq!(r["expiry"], "2027-12-31");
    assert_eq!(r["quantity"], 40);
    assert_eq!(r["sscc"], "395011010000000019");
    assert_eq!(
        r["status"], "quarantined",
        "products receive into quarantine unless registered otherwise"
    );
    // The same lot again, counted by hand into another location.
    json(&lotline(
        &db,
        &[
            "receive",
            "(01)09501101530003(10)B2611(17)271231",
            "--qty",
            "5",
            "--location",
            "DOCK-B",
            "--json",
        ],
    ));
    let lot = json(&lotline(
        &db,
        &["lot", "show", "B2611", "--gtin", GTIN, "--json"],
    ));
    assert_eq!(lot["status"], "quarantined");
    assert_eq!(lot["supplier"], "Acme");
    assert_eq!(
        lot["stock"],
        serde_json::json!([{"location": "DOCK-A", "quantity": 40}, {"location": "DOCK-B", "quantity": 5}])
    );
    let verify = json(&lotline(&db, &["store", "verify", "--json"]));
    assert_eq!(
        (verify["events"].as_u64(), verify["outbox"].as_u64()),
        (Some(3), Some(3)),
        "every event waits in the outbox for the sync"
    );
    // The file is in WAL mode (synchronous=FULL is set on every connection by Store::open).
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn bad_input_is_refused_with_a_reason_and_nothing_is_written() {
    let (_dir, db) = site();
    let before = events(&db);
    let cases: &[(&[&str], &str)] = &[
        (
            &["receive", "(01)09501101530010(10)X(30)5"],
            "unknown GTIN 09501101530010: register the product first",
        ),
        (
            &["receive", "(01)09501101530004(10)X(30)5"],
            "(01) check digit is 4, expected 3",
        ),
        (&["receive", "]C1garbage"], "the scan is not valid GS1 data"),
        (
            &["receive", "(01)09501101530003(30)5"],
            "the scan has no batch/lot",
        ),
        (
            &["receive", "(01)09501101530003(10)X"],
            "the label carries no count (30)/(37): give the quantity (--qty N)",
        ),
        (
            &["receive", "(01)09501101530003(10)X", "--qty", "0"],
            "quantity 0 is not possible",
        ),
        (
            &["receive", "(01)09501101530003(10)X", "--qty", "99999999"],
            "quantity 99999999 is not possible",
        ),
        (
            &[
                "receive",
                "(01)09501101530003(10)X",
                "--qty",
                "5",
                "--location",
                " ",
            ],
            "needs a location",
        ),
        (&["product", "add", "123", "--name", "x"], "is not a GTIN"),
        (
            &["product", "add", GTIN, "--name", " "],
            "a product needs a name",
        ),
    ];
    for (args, message) in cases {
        let o = lotline(&db, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert_eq!(events(&db), before, "refusals write nothing");
    // A negative quantity anywhere: the same refusal as any impossible quantity, not an
    // argument-syntax error.
    json(&lotline(
        &db,
        &["receive", "(01)09501101530003(10)N1(30)5", "--json"],
    ));
    let before = events(&db);
    let negatives: &[&[&str]] = &[
        &["receive", "(01)09501101530003(10)X", "--qty", "-3"],
        &[
            "dispatch",
            "(01)09501101530003(10)N1",
            "--customer",
            "C",
            "--qty",
            "-3",
        ],
        &["produce", "--product", GTIN, "--qty", "-3"],
        &[
            "move",
            "N1",
            "--gtin",
            GTIN,
            "--from",
            "RECEIVING",
            "--to",
            "B",
            "--qty",
            "-3",
        ],
        &[
            "count",
            "N1",
            "--gtin",
            GTIN,
            "--location",
            "RECEIVING",
            "--qty",
            "-3",
        ],
        &["pick", GTIN, "--qty", "-3"],
    ];
    for args in negatives {
        let o = lotline(&db, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        let meant = if args[0] == "count" {
            // 0 is a stock count (an empty shelf): the refusal must not say "from 1".
            "count -3 is not possible: give what is on the shelf, from 0 to 1000000"
        } else {
            "quantity -3 is not possible: give a count from 1 to 1000000"
        };
        assert!(err.contains(meant), "{args:?}: {err}");
    }
    assert_eq!(events(&db), before, "refusals write nothing");
}

#[test]
fn the_hash_chain_catches_an_edited_or_deleted_event() {
    let (_dir, db) = site();
    for batch in ["A1", "A2", "A3"] {
        json(&lotline(
            &db,
            &["receive", &format!("(01){GTIN}(10){batch}(30)10"), "--json"],
        ));
    }
    assert_eq!(events(&db), 4);
    let conn = rusqlite::Connection::open(&db).unwrap();
    // Someone changes a received quantity after the fact.
    conn.execute("UPDATE events SET payload = replace(payload, '\"quantity\":10', '\"quantity\":1000') WHERE seq = 3", []).unwrap();
    let o = lotline(&db, &["store", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("the event log was altered at event 3: its content does not match its hash")
    );
    // Put it back, then delete an event instead.
    conn.execute("UPDATE events SET payload = replace(payload, '\"quantity\":1000', '\"quantity\":10') WHERE seq = 3", []).unwrap();
    assert_eq!(events(&db), 4);
    conn.execute_batch("DELETE FROM events WHERE seq = 2;")
        .unwrap();
    let o = lotline(&db, &["store", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "an error prints nothing on stdout");
    let v: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(v["code"], "chain_broken");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("altered at event 2: the event is missing")
    );
}

#[test]
fn current_state_equals_a_replay_of_the_events() {
    let (_dir, db) = site();
    json(&lotline(
        &db,
        &[
            "product",
            "add",
            "09501101530010",
            "--name",
            "Passata 1 kg",
            "--receive-as",
            "released",
            "--json",
        ],
    ));
    for (i, scan) in [
        "(01)09501101530003(10)L1(17)270101(30)10",
        "(01)09501101530003(10)L1(17)270101(30)4",
        "(01)09501101530010(10)L2(30)7",
        "(01)09501101530003(10)L3(17)261231(30)1",
    ]
    .iter()
    .enumerate()
    {
        json(&lotline(
            &db,
            &[
                "receive",
                scan,
                "--location",
                &format!("BAY-{}", i % 2),
                "--json",
            ],
        ));
    }
    // Counts set stock (one up, one to zero: that stock row goes).
    json(&lotline(
        &db,
        &[
            "count",
            "L1",
            "--gtin",
            GTIN,
            "--location",
            "BAY-0",
            "--qty",
            "12",
            "--json",
        ],
    ));
    json(&lotline(
        &db,
        &[
            "count",
            "L3",
            "--gtin",
            GTIN,
            "--location",
            "BAY-1",
            "--qty",
            "0",
            "--json",
        ],
    ));
    let mut store = lotline::store::Store::open(&db).unwrap();
    let before = store.derived_snapshot().unwrap();
    assert_eq!(
        before
            .iter()
            .filter(|r| !r.starts_with("lot_status_log:") && !r.starts_with("lot_events:"))
            .count(),
        2 + 3 + 3 + 4 + 4,
        "products, lots, stock and receipt rows, and each receipt's cost facts (lot_costs)"
    );
    let counted = store.lot(GTIN, "L1").unwrap().unwrap().stock;
    assert_eq!(
        counted,
        [("BAY-0".to_string(), 12), ("BAY-1".to_string(), 4)]
    );
    assert_eq!(store.rebuild().unwrap(), 8);
    assert_eq!(store.derived_snapshot().unwrap(), before);
    let released = store.lot("09501101530010", "L2").unwrap().unwrap();
    assert_eq!(released.status, lotline::domain::LotStatus::Released);
}

#[test]
fn a_store_from_a_newer_lotline_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let o = lotline(&db, &["store", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("newer than this Lotline understands"));
}

/// Today's date in GS1 YYMMDD form, shifted by `days`.
fn yymmdd(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days))
        .format("%y%m%d")
        .to_string()
}

#[test]
fn dispatch_ships_released_stock_and_refuses_what_must_not_ship() {
    let (_dir, db) = site(); // GTIN: received lots start quarantined
    let released = "09501101530010";
    json(&lotline(
        &db,
        &[
            "product",
            "add",
            released,
            "--name",
            "Passata 1 kg",
            "--receive-as",
            "released",
            "--json",
        ],
    ));
    for (batch, days, qty) in [("OLD", 30, 10), ("NEW", 300, 10), ("GONE", -1, 10)] {
        let scan = format!("(01){released}(17){}(10){batch}(30){qty}", yymmdd(days));
        if days < 0 {
            receive_days_ago(&db, &scan, 10);
        } else {
            json(&lotline(&db, &["receive", &scan, "--json"]));
        }
    }
    json(&lotline(
        &db,
        &["receive", &format!("(01){GTIN}(10)QUAR(30)5"), "--json"],
    ));
    let before = events(&db);
    let refusals: &[(&str, &[&str], &str)] = &[
        (
            "expired",
            &[
                "dispatch",
                "(01)09501101530010(10)GONE",
                "--customer",
                "Northwind",
            ],
            "GONE: lot expired on",
        ),
        (
            "quarantined",
            &[
                "dispatch",
                "(01)09501101530003(10)QUAR",
                "--customer",
                "Northwind",
            ],
            "QUAR: lot is quarantined: only released lots may ship",
        ),
        (
            "too many",
            &[
                "dispatch",
                "(01)09501101530010(10)OLD(30)11",
                "--customer",
                "Northwind",
            ],
            "OLD: only 10 on hand, 11 asked",
        ),
        (
            "never received",
            &[
                "dispatch",
                "(01)09501101530010(10)NOPE",
                "--customer",
                "Northwind",
            ],
            "lot NOPE of GTIN 09501101530010 was never received here",
        ),
        (
            "not FEFO, strict",
            &[
                "dispatch",
                "(01)09501101530010(10)NEW(30)1",
                "--customer",
                "Northwind",
                "--strict-fefo",
            ],
            "NEW: not the FEFO choice: lot OLD",
        ),
        (
            "no customer",
            &["dispatch", "(01)09501101530010(10)OLD", "--customer", " "],
            "a dispatch needs a customer",
        ),
    ];
    for (what, args, message) in refusals {
        let o = lotline(&db, args);
        assert_eq!(o.status.code(), Some(1), "{what}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{what}: {err}");
    }
    assert_eq!(events(&db), before, "refusals write nothing");

    // Not the FEFO choice without --strict-fefo: it ships, with a warning.
    let d = json(&lotline(
        &db,
        &[
            "dispatch",
            "(01)09501101530010(10)NEW(30)4",
            "--customer",
            "Northwind",
            "--shipment",
            "SH-1",
            "--json",
        ],
    ));
    assert_eq!(d["quantity"], 4);
    assert!(
        d["warning"]
            .as_str()
            .unwrap()
            .starts_with("not the FEFO choice: lot OLD (expires ")
    );
    // The FEFO lot ships without warning; no count on the label ships all on hand.
    let d = json(&lotline(
        &db,
        &[
            "dispatch",
            "(01)09501101530010(10)OLD",
            "--qty",
            "10",
            "--customer",
            "Northwind",
            "--json",
        ],
    ));
    assert_eq!(
        (d["quantity"].as_u64(), d["warning"].is_null()),
        (Some(10), true)
    );
    let lot = json(&lotline(
        &db,
        &["lot", "show", "NEW", "--gtin", released, "--json"],
    ));
    assert_eq!(
        lot["stock"],
        serde_json::json!([{"location": "RECEIVING", "quantity": 6}])
    );
    let lot = json(&lotline(
        &db,
        &["lot", "show", "OLD", "--gtin", released, "--json"],
    ));
    assert_eq!(lot["stock"], serde_json::json!([]));
    // Derived state, shipments included, still equals a replay.
    let mut store = lotline::store::Store::open(&db).unwrap();
    let snapshot = store.derived_snapshot().unwrap();
    assert_eq!(
        snapshot
            .iter()
            .filter(|r| r.starts_with("shipments:"))
            .count(),
        2
    );
    store.rebuild().unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), snapshot);
    drop(store);

    // Several pallets in one command: each scan ships or is refused on its own; a refusal
    // writes nothing for that scan, the others ship, and the command exits 1.
    for batch in ["P1", "P2"] {
        json(&lotline(
            &db,
            &[
                "receive",
                &format!("(01){released}(17){}(10){batch}(30)5", yymmdd(100)),
                "--json",
            ],
        ));
    }
    let before = events(&db);
    let o = lotline(
        &db,
        &[
            "dispatch",
            &format!("(01){released}(10)P1(30)2"),
            "(01)09501101530003(10)QUAR",
            &format!("(01){released}(10)P2(30)3"),
            "--customer",
            "Contoso",
            "--json",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "one of the three was refused: partly done"
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "one line per shipped scan, in scan order");
    assert_eq!(
        (&lines[0]["batch"], &lines[0]["quantity"]),
        (&"P1".into(), &2.into())
    );
    assert_eq!(
        (&lines[1]["batch"], &lines[1]["quantity"]),
        (&"P2".into(), &3.into())
    );
    let refusal: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(refusal["code"], "refused_quarantined");
    assert_eq!(refusal["scan"], "(01)09501101530003(10)QUAR");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("QUAR: lot is quarantined")
    );
    assert_eq!(events(&db), before + 2, "the refused scan wrote nothing");
    let p2 = json(&lotline(
        &db,
        &["lot", "show", "P2", "--gtin", released, "--json"],
    ));
    assert_eq!(
        p2["stock"],
        serde_json::json!([{"location": "RECEIVING", "quantity": 2}])
    );
}

#[test]
fn a_version_1_store_is_upgraded_in_place_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    // A file as the first release wrote it: schema 1, a registered product.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at TEXT NOT NULL,
            station TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
         CREATE TABLE outbox (event_id TEXT PRIMARY KEY REFERENCES events (id));
         CREATE TABLE products (gtin TEXT PRIMARY KEY, name TEXT NOT NULL, receive_as TEXT NOT NULL);
         CREATE TABLE lots (gtin TEXT NOT NULL, batch TEXT NOT NULL, expiry TEXT, status TEXT NOT NULL,
            supplier TEXT, PRIMARY KEY (gtin, batch));
         CREATE TABLE stock (gtin TEXT NOT NULL, batch TEXT NOT NULL, location TEXT NOT NULL,
            quantity INTEGER NOT NULL, PRIMARY KEY (gtin, batch, location));
         INSERT INTO products VALUES ('09501101530003', 'Passata', 'released');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    json(&lotline(
        &db,
        &["receive", "(01)09501101530003(10)V1(30)3", "--json"],
    ));
    let d = json(&lotline(
        &db,
        &[
            "dispatch",
            "(01)09501101530003(10)V1(30)3",
            "--customer",
            "C",
            "--json",
        ],
    ));
    assert_eq!(
        d["quantity"], 3,
        "the product registered under schema 1 is still known"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        lotline::store::latest_schema_version(),
        "upgraded through every migration"
    );
}

#[test]
fn production_numbers_batches_from_the_site_format_and_records_what_went_into_them() {
    let (dir, db) = site(); // GTIN (the finished product) receives and produces into quarantine
    let config = dir.path().join("lotline.toml");
    std::fs::write(
        &config,
        "[site]\nfacility = \"DUB\"\nbatch_format = \"{FAC}{YY}{JJJ}-{SEQ:3}\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let tomatoes = "09501101530010";
    json(&lotline(
        &db,
        &[
            "product",
            "add",
            tomatoes,
            "--name",
            "Tomatoes",
            "--receive-as",
            "released",
            "--json",
        ],
    ));
    json(&lotline(
        &db,
        &["receive", &format!("(01){tomatoes}(10)T1(30)20"), "--json"],
    ));
    json(&lotline(
        &db,
        &["receive", &format!("(01){tomatoes}(10)T2(30)5"), "--json"],
    ));
    json(&lotline(
        &db,
        &["receive", &format!("(01){GTIN}(10)QUAR(30)5"), "--json"],
    ));
    let prefix = format!("DUB{}-", chrono::Local::now().date_naive().format("%y%j"));

    let p = json(&lotline(
        &db,
        &[
            "--config",
            config,
            "produce",
            "--product",
            GTIN,
            "--qty",
            "100",
            "--expiry",
            "2027-06-30",
            "--consume",
            &format!("(01){tomatoes}(10)T1(30)12"),
            "--consume",
            &format!("(01){tomatoes}(10)T2"),
            "--json",
        ],
    ));
    assert_eq!(p["batch"], format!("{prefix}001"));
    assert_eq!(
        p["inputs"],
        serde_json::json!([
            {"gtin": tomatoes, "batch": "T1", "quantity": 12},
            {"gtin": tomatoes, "batch": "T2", "quantity": 5}
        ])
    );
    assert_eq!(p["status"], "quarantined");

    // A refused production (a quarantined input) writes nothing and uses no number.
    let before = events(&db);
    let o = lotline(
        &db,
        &[
            "--config",
            config,
            "produce",
            "--product",
            GTIN,
            "--qty",
            "1",
            "--consume",
            &format!("(01){GTIN}(10)QUAR"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("input QUAR: lot is quarantined: only released lots may ship")
    );
    assert_eq!(events(&db), before);

    // Every run is a new process: the sequence lives in the store and never repeats.
    let o = lotline(
        &db,
        &[
            "--config",
            config,
            "produce",
            "--product",
            GTIN,
            "--qty",
            "50",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("{prefix}002")
    );

    let lot = json(&lotline(
        &db,
        &["lot", "show", "T1", "--gtin", tomatoes, "--json"],
    ));
    assert_eq!(
        lot["stock"],
        serde_json::json!([{"location": "RECEIVING", "quantity": 8}])
    );
    let made = json(&lotline(
        &db,
        &[
            "lot",
            "show",
            &format!("{prefix}001"),
            "--gtin",
            GTIN,
            "--json",
        ],
    ));
    assert_eq!(
        (made["expiry"].as_str(), made["stock"].clone()),
        (
            Some("2027-06-30"),
            serde_json::json!([{"location": "PRODUCTION", "quantity": 100}])
        )
    );

    let mut store = lotline::store::Store::open(&db).unwrap();
    let edges = store.genealogy_of(tomatoes, "T1").unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(
        (edges[0].output_batch.as_str(), edges[0].quantity),
        (format!("{prefix}001").as_str(), 12)
    );
    let snapshot = store.derived_snapshot().unwrap();
    store.rebuild().unwrap();
    assert_eq!(
        store.derived_snapshot().unwrap(),
        snapshot,
        "sequences and genealogy replay too"
    );

    // A site format that could break AI (10) is refused before anything is made.
    std::fs::write(
        dir.path().join("bad.toml"),
        "[site]\nbatch_format = \"{PROD:12}{YYYY}{MM}{DD}{SEQ:4}\"\n",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    let o = lotline(
        &db,
        &[
            "--config",
            bad.to_str().unwrap(),
            "produce",
            "--product",
            GTIN,
            "--qty",
            "1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("AI (10) holds at most 20"));
}

#[test]
fn only_a_supervisor_with_a_reason_changes_a_lots_status_and_every_change_is_recorded() {
    let (_dir, db) = site();
    json(&lotline(&db, &["receive", PALLET, "--json"]));
    let before = events(&db);
    let status = |db: &Path| {
        json(&lotline(
            db,
            &["lot", "show", "B2611", "--gtin", GTIN, "--json"],
        ))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&db), "quarantined");

    // Refusals: no reason, a worker, a transition that does not exist. Nothing is written.
    let no_reason = lotline(
        &db,
        &[
            "lot",
            "release",
            "B2611",
            "--gtin",
            GTIN,
            "--role",
            "supervisor",
        ],
    );
    assert_eq!(no_reason.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&no_reason.stderr).contains("needs a reason"));
    let worker = lotline(
        &db,
        &[
            "lot", "release", "B2611", "--gtin", GTIN, "--reason", "QC ok",
        ],
    );
    assert_eq!(worker.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&worker.stderr).contains("only a supervisor"));
    let unknown = lotline(
        &db,
        &[
            "lot",
            "hold",
            "NOPE",
            "--gtin",
            GTIN,
            "--role",
            "supervisor",
            "--reason",
            "x",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no lot NOPE"));
    assert_eq!(events(&db), before);
    assert_eq!(status(&db), "quarantined");

    // A supervisor releases, holds, then recalls; recalled is final.
    let sup = |verb: &str, reason: &str| {
        lotline(
            &db,
            &[
                "lot",
                verb,
                "B2611",
                "--gtin",
                GTIN,
                "--role",
                "supervisor",
                "--reason",
                reason,
                "--json",
            ],
        )
    };
    let r = json(&sup("release", "QC sample passed"));
    assert_eq!(r["from"], "quarantined");
    assert_eq!(r["to"], "released");
    assert_eq!(status(&db), "released");
    json(&sup("hold", "customer complaint under review"));
    assert_eq!(status(&db), "on_hold");
    json(&sup("recall", "supplier recall notice 2026-11"));
    assert_eq!(status(&db), "recalled");
    let back = sup("release", "mistake");
    assert_eq!(back.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&back.stderr).contains("cannot become released"));
    assert_eq!(events(&db), before + 3);

    // Status is derived state: a replay gives the same answer, and the chain holds.
    json(&lotline(&db, &["store", "rebuild", "--json"]));
    assert_eq!(status(&db), "recalled");
}

#[test]
fn pick_follows_the_strategy_and_expiry_lists_stock_nearing_its_date() {
    let (_dir, db) = site();
    let released = "09501101530010";
    json(&lotline(
        &db,
        &[
            "product",
            "add",
            released,
            "--name",
            "Passata 1 kg",
            "--receive-as",
            "released",
            "--json",
        ],
    ));
    // Receipt order FIRST-IN, SOON, LAST-IN; SOON expires first, DEAD has expired.
    for (batch, days) in [
        ("FIRSTIN", 200),
        ("SOON", 10),
        ("LASTIN", 300),
        ("DEAD", -2),
    ] {
        let scan = format!("(01){released}(17){}(10){batch}(30)5", yymmdd(days));
        if days < 0 {
            receive_days_ago(&db, &scan, 10);
        } else {
            json(&lotline(&db, &["receive", &scan, "--json"]));
        }
    }
    let pick = |strategy: &str| {
        let p = json(&lotline(
            &db,
            &[
                "pick",
                released,
                "--qty",
                "7",
                "--strategy",
                strategy,
                "--json",
            ],
        ));
        let lines: Vec<(String, u64)> = p["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["batch"].as_str().unwrap().into(),
                    l["take"].as_u64().unwrap(),
                )
            })
            .collect();
        (lines, p["short"].as_u64().unwrap())
    };
    let v = |a: &str, b: &str| vec![(a.to_string(), 5), (b.to_string(), 2)];
    assert_eq!(pick("fifo"), (v("FIRSTIN", "SOON"), 0));
    assert_eq!(pick("fefo"), (v("SOON", "FIRSTIN"), 0));
    assert_eq!(pick("lifo"), (v("LASTIN", "SOON"), 0));
    let all = json(&lotline(&db, &["pick", released, "--qty", "20", "--json"]));
    assert_eq!(all["short"], 5, "the expired lot is never suggested");
    let unknown = lotline(&db, &["pick", "09501101530027", "--qty", "1"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown GTIN"));

    let soon: Vec<String> = json(&lotline(&db, &["expiry", "--within", "30", "--json"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["batch"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(soon, ["DEAD", "SOON"]);
}

/// SIGKILL a receiving process at varied moments, many times: every receipt that printed its
/// result is in the store, the file passes `integrity_check`, and the chain verifies.
#[test]
fn receipts_reported_before_a_sigkill_are_never_lost() {
    let (_dir, db) = site();
    let mut reported = Vec::new();
    for i in 0..30u64 {
        let batch = format!("K{i}");
        let mut child = support::lotline()
            .arg("--db")
            .arg(&db)
            .args(["receive", &format!("(01){GTIN}(10){batch}(30)1"), "--json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill moments spread from 0 to 6 ms (a receipt takes a few ms): during startup, the
        // transaction and the fsync.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
        std::thread::sleep(std::time::Duration::from_micros(i * 200 + nanos % 200));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.success() && String::from_utf8_lossy(&out.stdout).contains(&batch) {
            reported.push(batch);
        }
    }
    eprintln!("{} of 30 receipts finished before the kill", reported.len());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    for batch in &reported {
        json(&lotline(
            &db,
            &["lot", "show", batch, "--gtin", GTIN, "--json"],
        ));
    }
    json(&lotline(&db, &["store", "verify", "--json"]));
    json(&lotline(
        &db,
        &["receive", &format!("(01){GTIN}(10)AFTER(30)1"), "--json"],
    ));
}

/// The headless station loop (`lotline scan --mode receive`, scans on stdin as from a
/// keyboard-wedge scanner) records scan after scan and is killed with SIGKILL at a random
/// moment, many times over the same file: every scan it reported as received is in the store,
/// `integrity_check` passes and the chain verifies. Each run records up to a few hundred scans,
/// so kills also land while the store's checkpoint thread is copying the WAL into the file.
#[test]
fn a_scan_loop_killed_at_random_moments_loses_no_reported_scan() {
    use std::io::{BufRead, BufReader, Write};
    let (_dir, db) = site();
    let mut reported = Vec::new();
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    for run in 0..16u64 {
        let mut child = support::lotline()
            .arg("--db")
            .arg(&db)
            .args(["scan", "--source", "wedge", "--mode", "receive", "--json"])
            .args(["--location", "DOCK"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            for i in 0..5_000 {
                // Stops when the loop is killed (broken pipe).
                if writeln!(stdin, "(01){GTIN}(10)R{run}-{i}(30)1").is_err() {
                    break;
                }
            }
        });
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut ok = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line).unwrap();
                if v["event"] == "scan" && v["outcome"] == "ok" {
                    ok.push(v["detail"]["batch"].as_str().unwrap().to_string());
                }
            }
            ok
        });
        // SplitMix64 over the clock: kill moments from 20 ms (start-up) to 1.5 s.
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let wait = 20 + (z ^ (z >> 31)) % 1_480;
        std::thread::sleep(std::time::Duration::from_millis(wait));
        child.kill().unwrap();
        child.wait().unwrap();
        feeder.join().unwrap();
        reported.extend(reader.join().unwrap());
    }
    eprintln!("{} scans reported before the kills", reported.len());
    assert!(
        reported.len() > 100,
        "the loop recorded scans before it was killed"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    let store = lotline::store::Store::open(&db).unwrap();
    for batch in &reported {
        let lot = store.lot(GTIN, batch).unwrap();
        assert!(
            lot.is_some_and(|l| l.stock == [("DOCK".to_string(), 1)]),
            "{batch} lost"
        );
    }
    let events = store.verify().unwrap();
    assert_eq!(
        store.outbox_len().unwrap(),
        events,
        "every recorded event waits for the sync (none was ever pushed)"
    );
}

#[test]
fn supplier_quality_counts_rejected_and_recalled_lots_per_supplier() {
    let (_dir, db) = site();
    for (batch, supplier) in [("A1", "Acme"), ("A2", "Acme"), ("B1", "Best")] {
        json(&lotline(
            &db,
            &[
                "receive",
                &format!("(01){GTIN}(10){batch}(30)5"),
                "--supplier",
                supplier,
                "--json",
            ],
        ));
    }
    json(&lotline(
        &db,
        &[
            "lot",
            "reject",
            "A2",
            "--gtin",
            GTIN,
            "--role",
            "supervisor",
            "--reason",
            "mould",
            "--json",
        ],
    ));
    let figures = json(&lotline(&db, &["suppliers", "--json"]));
    assert_eq!(figures[0]["supplier"], "Acme");
    assert_eq!(figures[0]["lots"], 2);
    assert_eq!(figures[0]["rejected"], 1);
    assert_eq!(figures[0]["defect_rate"], 0.5);
    assert_eq!(figures[1]["supplier"], "Best");
    assert_eq!(figures[1]["defect_rate"], 0.0);
}

#[test]
fn move_shifts_stock_between_locations_and_refuses_more_than_is_there() {
    let (_dir, db) = site();
    json(&lotline(
        &db,
        &["receive", PALLET, "--location", "DOCK", "--json"],
    ));
    let stock = || {
        json(&lotline(
            &db,
            &["lot", "show", "B2611", "--gtin", GTIN, "--json"],
        ))["stock"]
            .clone()
    };
    let before = events(&db);
    let too_much = lotline(
        &db,
        &[
            "move", "B2611", "--gtin", GTIN, "--from", "DOCK", "--to", "A-01", "--qty", "41",
        ],
    );
    assert_eq!(too_much.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&too_much.stderr).contains("only 40 at DOCK"));
    assert_eq!(events(&db), before);
    json(&lotline(
        &db,
        &[
            "move", "B2611", "--gtin", GTIN, "--from", "DOCK", "--to", "A-01", "--qty", "15",
            "--json",
        ],
    ));
    assert_eq!(
        stock(),
        serde_json::json!([{"location": "A-01", "quantity": 15}, {"location": "DOCK", "quantity": 25}])
    );
    json(&lotline(&db, &["store", "rebuild", "--json"]));
    assert_eq!(
        stock(),
        serde_json::json!([{"location": "A-01", "quantity": 15}, {"location": "DOCK", "quantity": 25}])
    );
}

#[test]
fn trace_follows_a_lot_through_two_productions_to_customers_and_back_to_suppliers() {
    let (dir, db) = site();
    let config = dir.path().join("lotline.toml");
    std::fs::write(
        &config,
        "[site]\nfacility = \"DUB\"\nbatch_format = \"{FAC}{PROD}-{SEQ:3}\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let (flour, sugar, dough, cake) = (
        "09501101530027",
        "09501101530034",
        "09501101530041",
        "09501101530058",
    );
    for (gtin, name) in [
        (flour, "Flour"),
        (sugar, "Sugar"),
        (dough, "Dough"),
        (cake, "Cake"),
    ] {
        json(&lotline(
            &db,
            &[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
                "--json",
            ],
        ));
    }
    // Receive A (flour) and B (sugar) from two suppliers.
    for (gtin, batch, supplier) in [(flour, "A", "Mill Co"), (sugar, "B", "Sweet Ltd")] {
        json(&lotline(
            &db,
            &[
                "receive",
                &format!("(01){gtin}(10){batch}(30)50"),
                "--supplier",
                supplier,
                "--po",
                "PO-1",
                "--json",
            ],
        ));
    }
    let produce = |product: &str, inputs: &[String]| -> String {
        let mut args = vec!["--config", config, "produce", "--product", product];
        args.extend(["--qty", "20", "--json"]);
        for i in inputs {
            args.extend(["--consume", i.as_str()]);
        }
        json(&lotline(&db, &args))["batch"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // C from A and B, D from C.
    let c = produce(
        dough,
        &[
            format!("(01){flour}(10)A(30)30"),
            format!("(01){sugar}(10)B(30)10"),
        ],
    );
    let d = produce(cake, &[format!("(01){dough}(10){c}(30)20")]);
    for (customer, qty) in [("Northwind", "5"), ("Contoso", "7")] {
        json(&lotline(
            &db,
            &[
                "dispatch",
                &format!("(01){cake}(10){d}"),
                "--qty",
                qty,
                "--customer",
                customer,
                "--shipment",
                &format!("SH-{customer}"),
                "--json",
            ],
        ));
    }

    // Forward from A: through C and D to both customers, with quantities and shipments.
    let t = json(&lotline(&db, &["trace", "A", "--forward", "--json"]));
    let lots: Vec<&str> = t["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["batch"].as_str().unwrap())
        .collect();
    assert_eq!(lots.len(), 3);
    assert!(lots.contains(&"A") && lots.contains(&c.as_str()) && lots.contains(&d.as_str()));
    assert_eq!(t["customers"], serde_json::json!(["Contoso", "Northwind"]));
    let shipped: Vec<(String, i64)> = t["shipments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["customer"].as_str().unwrap().to_string(),
                s["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shipped,
        [("Northwind".to_string(), 5), ("Contoso".to_string(), 7)]
    );
    assert_eq!(t["shipments"][0]["lot"]["batch"], d.as_str());
    assert_eq!(t["forward_depth"], 2);
    assert!(t["backward"].is_null() && t["receipts"] == serde_json::json!([]));
    let tree = &t["forward"]["children"][0];
    assert_eq!(
        (tree["lot"]["batch"].as_str(), tree["quantity"].as_i64()),
        (Some(c.as_str()), Some(30))
    );

    // Backward from D (by scan): C, then A and B, then their suppliers.
    let t = json(&lotline(
        &db,
        &[
            "trace",
            &format!("(01){cake}(10){d}"),
            "--backward",
            "--json",
        ],
    ));
    let mut lots: Vec<&str> = t["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["batch"].as_str().unwrap())
        .collect();
    lots.sort();
    let mut want = vec!["A", "B", c.as_str(), d.as_str()];
    want.sort();
    assert_eq!(lots, want);
    assert_eq!(t["suppliers"], serde_json::json!(["Mill Co", "Sweet Ltd"]));
    assert_eq!(t["receipts"][0]["po"], "PO-1");
    assert_eq!(t["backward_depth"], 2);
    assert!(t["forward"].is_null());

    // Human output: an indented tree with customers and suppliers where they belong.
    let o = lotline(&db, &["trace", &c]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&format!("    {cake} / {d} (used 20)")),
        "{text}"
    );
    assert!(text.contains("-> shipped 7 to Contoso on "), "{text}");
    assert!(
        text.contains(&format!("    {flour} / A (used 30)")),
        "{text}"
    );
    assert!(text.contains("<- received 50 from Mill Co on "), "{text}");
    assert!(
        text.contains(
            "4 lots; 2 shipments to 2 customers (Contoso, Northwind); 2 receipts from 2 suppliers"
        ),
        "{text}"
    );

    // A batch number shared by two products asks which one; an unknown lot is refused.
    for gtin in [flour, sugar] {
        json(&lotline(
            &db,
            &["receive", &format!("(01){gtin}(10)SHARED(30)1"), "--json"],
        ));
    }
    let o = lotline(&db, &["trace", "SHARED"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("say which with --gtin"));
    let t = json(&lotline(
        &db,
        &["trace", "SHARED", "--gtin", sugar, "--json"],
    ));
    assert_eq!(t["lot"]["gtin"], sugar);
    let o = lotline(&db, &["trace", "NOPE"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no lot NOPE in this store"));
    let o = lotline(&db, &["trace", "A", "--forward", "--backward"]);
    assert_eq!(o.status.code(), Some(2), "one direction flag at a time");
}

#[test]
fn a_count_sets_stock_to_what_was_counted_and_keeps_the_difference() {
    let (_dir, db) = site();
    json(&lotline(
        &db,
        &["receive", PALLET, "--location", "DOCK", "--json"],
    ));
    let c = json(&lotline(
        &db,
        &[
            "count",
            "B2611",
            "--gtin",
            GTIN,
            "--location",
            "DOCK",
            "--qty",
            "37",
            "--json",
        ],
    ));
    assert_eq!(
        (c["previous"].as_i64(), c["difference"].as_i64()),
        (Some(40), Some(-3))
    );
    // Stock found where the store had none is counted in too.
    let o = lotline(
        &db,
        &[
            "count",
            "B2611",
            "--gtin",
            GTIN,
            "--location",
            "A-01",
            "--qty",
            "5",
        ],
    );
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "counted 5 of lot B2611 at A-01 (store held 0, adjustment +5)"
    );
    let lot = json(&lotline(
        &db,
        &["lot", "show", "B2611", "--gtin", GTIN, "--json"],
    ));
    assert_eq!(
        lot["stock"],
        serde_json::json!([{"location": "A-01", "quantity": 5}, {"location": "DOCK", "quantity": 37}])
    );
    let store = lotline::store::Store::open(&db).unwrap();
    let last = store.events().unwrap().pop().unwrap();
    assert_eq!(last.event.name(), "lot_counted");
    drop(store);

    // An unknown lot, an absurd count or no location: refused, nothing written.
    let before = events(&db);
    for (args, says) in [
        (
            vec![
                "count",
                "NOPE",
                "--gtin",
                GTIN,
                "--location",
                "DOCK",
                "--qty",
                "1",
            ],
            "no lot NOPE of GTIN 09501101530003 in this store",
        ),
        (
            vec![
                "count",
                "B2611",
                "--gtin",
                GTIN,
                "--location",
                "DOCK",
                "--qty",
                "5000000",
            ],
            "count 5000000 is not possible: give what is on the shelf, from 0 to 1000000",
        ),
        (
            vec![
                "count",
                "B2611",
                "--gtin",
                GTIN,
                "--location",
                " ",
                "--qty",
                "1",
            ],
            "a count needs a location",
        ),
    ] {
        let o = lotline(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(says),
            "{args:?}"
        );
    }
    let o = lotline(
        &db,
        &[
            "count",
            "B2611",
            "--gtin",
            GTIN,
            "--location",
            "DOCK",
            "--qty",
            "-2",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "a negative count is refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("count -2 is not possible"));
    assert_eq!(events(&db), before);
}

#[test]
fn dev_seed_builds_a_site_that_verifies_replays_and_traces_deep() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seeded.db");
    let args = [
        "dev",
        "seed",
        "--products",
        "40",
        "--lots",
        "2000",
        "--events",
        "15000",
        "--seed",
        "5",
        "--json",
    ];
    let r = json(&lotline(&db, &args));
    let made = r["events"].as_u64().unwrap();
    assert!(made >= 14_000, "{r}");
    assert_eq!(events(&db), made, "every generated event is in the chain");
    assert_eq!(
        r["lots_received"].as_u64().unwrap() + r["lots_produced"].as_u64().unwrap(),
        2000
    );

    // Replay equals the state derived while seeding.
    let mut store = lotline::store::Store::open(&db).unwrap();
    let derived = store.derived_snapshot().unwrap();
    store.rebuild().unwrap();
    assert_eq!(store.derived_snapshot().unwrap(), derived);
    drop(store);

    // The deep lot it names traces back through at least six production levels to suppliers.
    let deep = &r["deep_lot"];
    assert!(deep["depth"].as_u64().unwrap() >= 6, "{r}");
    let t = json(&lotline(
        &db,
        &[
            "trace",
            deep["batch"].as_str().unwrap(),
            "--gtin",
            deep["gtin"].as_str().unwrap(),
            "--backward",
            "--json",
        ],
    ));
    assert_eq!(t["backward_depth"], deep["depth"]);
    assert!(!t["suppliers"].as_array().unwrap().is_empty());

    // A store with history is not seeded over.
    let o = lotline(&db, &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("give it an empty --db"));
    assert_eq!(events(&db), made);
}

/// A store whose folder cannot be made (here: a file stands where the folder should be) is
/// refused naming the folder and what to do, for commands and the station alike.
#[test]
fn a_store_folder_that_cannot_be_made_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file").unwrap();
    let db = blocker.join("lotline.db");
    let o = lotline(&db, &["store", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "cannot create the store's folder {}",
            blocker.display()
        )),
        "{err}"
    );
    assert!(err.contains("choose another place with --db"), "{err}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "a file");
}

#[test]
fn the_commands_record_under_the_station_name_of_the_config_like_the_ui() {
    let (dir, db) = site();
    let config = dir.path().join("lotline.toml");
    std::fs::write(&config, "[ui]\nstation = \"DOCK-9\"\n").unwrap();
    // `lotline()` sets LOTLINE_STATION=dock-1: the config's name wins, as it does in the UI.
    let config = config.to_str().unwrap();
    json(&lotline(
        &db,
        &["--config", config, "receive", PALLET, "--json"],
    ));
    let events = lotline::store::Store::open(&db).unwrap().events().unwrap();
    let stations: Vec<&str> = events.iter().map(|e| e.station.as_str()).collect();
    assert_eq!(
        stations,
        ["dock-1", "DOCK-9"],
        "product add without, receive with the config"
    );
    let ui = lotline::config::StationConfig::load(Some(Path::new(config))).unwrap();
    assert_eq!(
        ui.identity().station,
        "DOCK-9",
        "the UI's name, from the same place"
    );
}

/// A store holds who did what: its file, and SQLite's `-wal` and `-shm` beside it, are
/// readable by their owner only; so is a server database made by `lotline server token`.
#[cfg(unix)]
#[test]
fn stores_and_the_server_database_are_created_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    json(&lotline(
        &db,
        &["product", "add", GTIN, "--name", "Tomatoes", "--json"],
    ));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600, "{}", db.display());
    for side in ["station.db-wal", "station.db-shm"] {
        let p = dir.path().join(side);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{side}");
        }
    }
    let server = dir.path().join("server.db");
    server_database_with_a_token(&server);
    assert_eq!(mode(&server), 0o600);
}

/// A central server's SQLite database at `path`, made by `lotline server token create`.
fn server_database_with_a_token(path: &Path) {
    let o = support::lotline()
        .args(["--db", &format!("sqlite:{}", path.display())])
        .args([
            "server",
            "token",
            "create",
            "--station",
            "a",
            "--role",
            "station",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A station command pointed at the server's database by mistake refuses it and leaves it
/// as it was (it used to add the station's tables, and the server's next start failed); the
/// server refuses a station store the same way.
#[test]
fn a_station_store_and_a_server_database_refuse_to_be_opened_as_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let server = dir.path().join("server.db");
    server_database_with_a_token(&server);
    let tables = |db: &Path| -> Vec<String> {
        rusqlite::Connection::open(db)
            .unwrap()
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let before = tables(&server);
    let o = lotline(&server, &["product", "add", GTIN, "--name", "Tomatoes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a Lotline server database"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(tables(&server), before, "the server database was changed");

    let station = dir.path().join("station.db");
    json(&lotline(
        &station,
        &["product", "add", GTIN, "--name", "Tomatoes", "--json"],
    ));
    let o = support::lotline()
        .args([
            "--db",
            &format!("sqlite:{}", station.display()),
            "server",
            "token",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is a station store"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
