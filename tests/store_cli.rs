//! End-to-end tests of the batch-tracking commands on real SQLite files, through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use lotline::store::Store;
use serde_json::Value;

const FLOUR: &str = "09506000134352";
const BREAD: &str = "09506000134376";
const PIN: &str = "4711";

struct Site {
    _dir: tempfile::TempDir,
    db: PathBuf,
    config: PathBuf,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

impl Site {
    fn new(strict_fefo: bool) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("station.db");
        let config = dir.path().join("lotline.toml");
        std::fs::write(
            &config,
            format!(
                "[station]\nstation_id = \"S7\"\nsite = \"AB\"\nstrict_fefo = {strict_fefo}\n\
                 supervisor_pin_sha256 = \"{}\"\n",
                lotline::workflow::pin_hash(PIN)
            ),
        )
        .unwrap();
        Site {
            _dir: dir,
            db,
            config,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_lotline"))
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("LOTLINE_PIN")
            .output()
            .unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }

    fn ok(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let r = self.run(&all);
        assert_eq!(r.code, 0, "{args:?} failed: {}{}", r.stdout, r.stderr);
        r.json()
    }

    /// Runs a command that must be refused with exit 1, a message containing `why`, and no write.
    fn refused(&self, args: &[&str], why: &str) {
        let before = self.event_count();
        let r = self.run(args);
        assert_eq!(
            r.code, 1,
            "{args:?} should be refused: {}{}",
            r.stdout, r.stderr
        );
        assert!(
            r.stderr.contains(why),
            "{args:?}: expected {why:?} in {:?}",
            r.stderr
        );
        assert_eq!(self.event_count(), before, "{args:?} wrote an event");
    }

    fn event_count(&self) -> u64 {
        if !self.db.exists() {
            return 0;
        }
        self.ok(&["store", "verify"])["events"].as_u64().unwrap()
    }

    /// Two products, three supplier lots of flour (B-LATE, B-SOON, B-OLD expired).
    fn seeded(strict_fefo: bool) -> Site {
        let s = Site::new(strict_fefo);
        s.ok(&[
            "product",
            "add",
            FLOUR,
            "--name",
            "Flour",
            "--receive-as",
            "released",
        ]);
        s.ok(&[
            "product",
            "add",
            BREAD,
            "--name",
            "Bread",
            "--shelf-life-days",
            "5",
        ]);
        for (batch, expiry, qty) in [
            ("B-LATE", "2099-06-01", "100"),
            ("B-SOON", "2099-01-01", "40"),
            ("B-OLD", "2001-01-01", "5"),
        ] {
            s.ok(&[
                "receive",
                "--gtin",
                FLOUR,
                "--batch",
                batch,
                "--expiry",
                expiry,
                "--qty",
                qty,
                "--supplier",
                "Mill",
                "--location",
                "A1",
            ]);
        }
        s
    }
}

fn sqlite(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db).unwrap()
}

#[test]
fn receive_produce_dispatch_and_trace_end_to_end() {
    let s = Site::seeded(false);
    let lot = s.ok(&["lot", "show", "B-SOON"]);
    assert_eq!(lot["status"], "released");
    assert_eq!(lot["on_hand"], 40);
    assert_eq!(lot["stock"][0]["location"], "A1");

    // Production consumes flour and gets a batch number from the site format.
    let made = s.ok(&[
        "produce",
        "--product",
        BREAD,
        "--qty",
        "20",
        "--consume",
        "B-LATE:30",
    ]);
    let batch = made["lot"]["batch"].as_str().unwrap().to_string();
    assert!(
        batch.starts_with("AB") && batch.contains("S7-0001"),
        "{batch}"
    );
    assert_eq!(
        made["lot"]["status"], "quarantined",
        "bread is received quarantined"
    );
    let again = s.ok(&["produce", "--product", BREAD, "--qty", "1"]);
    assert_ne!(
        again["lot"]["batch"], made["lot"]["batch"],
        "sequence repeated"
    );
    assert_eq!(s.ok(&["lot", "show", "B-LATE"])["on_hand"], 70);

    // Quarantined bread cannot ship until a supervisor releases it.
    s.refused(
        &["dispatch", &format!("{batch}:5"), "--customer", "Shop"],
        "quarantined",
    );
    s.ok(&[
        "lot",
        "release",
        &batch,
        "--role",
        "supervisor",
        "--pin",
        PIN,
        "--reason",
        "QC passed",
    ]);
    let shipped = s.ok(&[
        "dispatch",
        &format!("{batch}:5"),
        "--customer",
        "Shop",
        "--shipment",
        "SH1",
    ]);
    assert_eq!(shipped["lines"][0]["qty"], 5);

    // Shipping the later-expiring flour warns that it is not the FEFO choice.
    let d = s.ok(&[
        "dispatch",
        "B-LATE:10",
        "--customer",
        "Bakery",
        "--shipment",
        "SH2",
    ]);
    assert!(
        d["warnings"][0]
            .as_str()
            .unwrap()
            .contains("not the FEFO choice"),
        "{d}"
    );

    // Forward trace of the flour reaches the bread and both shipments; backward from bread
    // reaches the flour and its supplier.
    let t = s.ok(&["trace", "B-LATE", "--both"]);
    assert_eq!(t["made_into"][0]["batch"], batch.as_str());
    let customers: Vec<&str> = t["shipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["customer"].as_str().unwrap())
        .collect();
    assert!(
        customers.contains(&"Shop") && customers.contains(&"Bakery"),
        "{t}"
    );
    let back = s.ok(&["trace", &batch, "--backward"]);
    assert_eq!(back["made_from"][0]["batch"], "B-LATE");
    assert_eq!(back["made_from"][0]["supplier"], "Mill");
    assert!(back["shipped"].as_array().unwrap().is_empty());

    // Pick suggestions follow the strategy and skip expired stock.
    let fefo = s.ok(&["pick", FLOUR, "--qty", "50", "--strategy", "fefo"]);
    assert_eq!(fefo["lines"][0]["batch"], "B-SOON");
    assert_eq!(fefo["lines"][1]["batch"], "B-LATE");
    let lifo = s.ok(&["pick", FLOUR, "--qty", "50", "--strategy", "lifo"]);
    assert_eq!(lifo["lines"][0]["batch"], "B-SOON");
    let fifo = s.ok(&["pick", FLOUR, "--qty", "500", "--strategy", "fifo"]);
    assert_eq!(fifo["lines"][0]["batch"], "B-LATE");
    assert_eq!(fifo["short"], 500 - 60 - 40);

    // Expiry alerts list the expired lot.
    let exp = s.ok(&["expiry", "--within", "30"]);
    assert_eq!(exp[0]["batch"], "B-OLD");

    // Recall and supplier quality.
    s.ok(&[
        "lot",
        "recall",
        "B-SOON",
        "--role",
        "supervisor",
        "--pin",
        PIN,
        "--reason",
        "mould",
    ]);
    let sup = s.ok(&["suppliers"]);
    assert_eq!(sup[0]["supplier"], "Mill");
    assert_eq!(sup[0]["lots"], 3);
    assert_eq!(sup[0]["recalled"], 1);

    // Human output says OK and names the lot.
    let r = s.run(&["lot", "show", "B-LATE"]);
    assert!(
        r.stdout.contains("B-LATE") && r.stdout.contains("released"),
        "{}",
        r.stdout
    );
}

#[test]
fn bad_input_is_refused_clearly_and_writes_nothing() {
    let s = Site::seeded(false);
    s.refused(
        &[
            "receive",
            "--gtin",
            "09506000134369",
            "--batch",
            "X",
            "--qty",
            "1",
        ],
        "unknown GTIN 09506000134369",
    );
    s.refused(
        &[
            "receive",
            "--gtin",
            "09506000134353",
            "--batch",
            "X",
            "--qty",
            "1",
        ],
        "wrong check digit",
    );
    s.refused(
        &["receive", "--gtin", FLOUR, "--batch", "X", "--qty", "-3"],
        "invalid quantity",
    );
    s.refused(
        &[
            "receive", "--gtin", FLOUR, "--batch", "X", "--qty", "99999999",
        ],
        "invalid quantity",
    );
    s.refused(&["receive", "--gtin", FLOUR, "--qty", "1"], "no batch");
    s.refused(&["receive", "not a gs1 scan"], "malformed scan");
    s.refused(
        &["dispatch", "B-SOON:41", "--customer", "C"],
        "only 40 on hand",
    );
    s.refused(&["dispatch", "B-OLD:1", "--customer", "C"], "EXPIRED");
    s.refused(
        &["dispatch", "NOPE:1", "--customer", "C"],
        "unknown lot NOPE",
    );
    s.refused(
        &[
            "produce",
            "--product",
            BREAD,
            "--qty",
            "1",
            "--consume",
            "B-SOON:999",
        ],
        "only 40 on hand",
    );
    s.refused(
        &["lot", "hold", "B-SOON", "--reason", "x"],
        "only a supervisor may hold",
    );
    s.refused(
        &[
            "lot",
            "hold",
            "B-SOON",
            "--role",
            "supervisor",
            "--pin",
            PIN,
        ],
        "a reason is required",
    );
    s.refused(
        &[
            "lot",
            "hold",
            "B-SOON",
            "--role",
            "supervisor",
            "--pin",
            "0000",
            "--reason",
            "x",
        ],
        "PIN missing or wrong",
    );
    s.ok(&[
        "lot",
        "reject",
        "B-SOON",
        "--role",
        "supervisor",
        "--pin",
        PIN,
        "--reason",
        "wet",
    ]);
    s.refused(
        &[
            "lot",
            "release",
            "B-SOON",
            "--role",
            "supervisor",
            "--pin",
            PIN,
            "--reason",
            "x",
        ],
        "cannot release a lot that is rejected",
    );
    s.refused(&["dispatch", "B-SOON:1", "--customer", "C"], "rejected");
    // Usage errors are exit 2.
    assert_eq!(s.run(&["dispatch", "--customer", "C"]).code, 2);
}

#[test]
fn strict_fefo_refuses_the_later_lot() {
    let s = Site::seeded(true);
    s.refused(
        &["dispatch", "B-LATE:1", "--customer", "C"],
        "not the FEFO choice: ship lot B-SOON first",
    );
    s.ok(&["dispatch", "B-SOON:1", "--customer", "C"]);
}

#[test]
fn verify_detects_an_edited_and_a_deleted_event() {
    let s = Site::seeded(false);
    assert_eq!(s.run(&["store", "verify"]).code, 0);

    let conn = sqlite(&s.db);
    conn.execute(
        "UPDATE events SET payload = replace(payload, '40', '400') WHERE seq = 4",
        [],
    )
    .unwrap();
    drop(conn);
    let r = s.run(&["store", "verify"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("event 4: content does not match"),
        "{}",
        r.stdout
    );
    assert_eq!(
        s.run(&["store", "rebuild"]).code,
        1,
        "rebuild must refuse a tampered log"
    );

    let s = Site::seeded(false);
    let conn = sqlite(&s.db);
    // A tamperer removes the outbox row too (the foreign key would stop them otherwise).
    conn.execute_batch(
        "DELETE FROM outbox WHERE event_id = (SELECT id FROM events WHERE seq = 3);
         DELETE FROM events WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let r = s.run(&["store", "verify", "--json"]);
    assert_eq!(r.code, 1);
    let problems = r.json()["problems"].to_string();
    assert!(
        problems.contains("missing") && problems.contains("link broken"),
        "{problems}"
    );
}

#[test]
fn rebuild_replays_the_log_into_the_same_derived_state() {
    let s = Site::seeded(false);
    let batch = s.ok(&[
        "produce",
        "--product",
        BREAD,
        "--qty",
        "20",
        "--consume",
        "B-LATE:30",
        "--consume",
        "B-SOON:10",
    ])["lot"]["batch"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(&[
        "lot",
        "release",
        &batch,
        "--role",
        "supervisor",
        "--pin",
        PIN,
        "--reason",
        "ok",
    ]);
    s.ok(&[
        "dispatch",
        &format!("{batch}:20"),
        "B-LATE:5",
        "--customer",
        "Shop",
    ]);
    s.ok(&[
        "lot",
        "hold",
        "B-SOON",
        "--role",
        "supervisor",
        "--pin",
        PIN,
        "--reason",
        "check",
    ]);

    let moved = s.ok(&[
        "move", "B-LATE", "--from", "A1", "--to", "B2", "--qty", "15",
    ]);
    assert_eq!(moved["lot"]["stock"][1]["location"], "B2");
    assert_eq!(moved["lot"]["stock"][1]["qty"], 15);
    s.refused(
        &[
            "move", "B-LATE", "--from", "A1", "--to", "B2", "--qty", "999",
        ],
        "on hand",
    );
    let counted = s.ok(&["count", "B-SOON", "--location", "A1", "--qty", "25"]);
    assert_eq!(counted["lot"]["on_hand"], 25);
    assert!(
        counted["warnings"][0]
            .as_str()
            .unwrap()
            .contains("from 30 to 25"),
        "{counted}"
    );

    let live = Store::open(&s.db).unwrap().derived_snapshot().unwrap();
    assert!(live.contains("B-LATE"), "{live}");
    // Corrupt derived state on purpose: rebuild must restore it from the events alone.
    sqlite(&s.db)
        .execute_batch("DELETE FROM stock; UPDATE lots SET status = 'recalled';")
        .unwrap();
    assert_eq!(s.ok(&["store", "rebuild"])["replayed"], s.event_count());
    let replayed = Store::open(&s.db).unwrap().derived_snapshot().unwrap();
    assert_eq!(live, replayed);
}

#[test]
fn a_version_1_file_is_upgraded_in_place() {
    let s = Site::new(false);
    // Build a version-1 file with the first schema and events recorded the way v1 did.
    {
        let conn = sqlite(&s.db);
        conn.execute_batch(lotline::store::schema::V1).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    {
        // Recording needs the outbox (v2), so record with the current code, then strip v2.
        let mut store = Store::open(&s.db).unwrap();
        let actor = lotline::store::Actor {
            station: "S7".into(),
            actor: "old".into(),
            role: lotline::domain::Role::Worker,
        };
        store
            .record(&actor, |_| {
                Ok::<_, lotline::store::StoreError>((
                    lotline::domain::EventKind::ProductAdded {
                        gtin: FLOUR.into(),
                        name: "Flour".into(),
                        receive_as: lotline::domain::LotStatus::Released,
                        shelf_life_days: None,
                    },
                    (),
                ))
            })
            .unwrap();
    }
    sqlite(&s.db)
        .execute_batch("DROP TABLE outbox; DROP TABLE sequences; PRAGMA user_version = 1;")
        .unwrap();

    // The current binary opens it, upgrades it and keeps working.
    s.ok(&["receive", "--gtin", FLOUR, "--batch", "L1", "--qty", "3"]);
    let conn = sqlite(&s.db);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, Store::current_version());
    let outbox: i64 = conn
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 2, "old and new events are queued for sync");
    assert_eq!(s.event_count(), 2);
}

#[test]
fn every_event_is_queued_in_the_outbox_and_durable_settings_hold() {
    let s = Site::seeded(false);
    let conn = sqlite(&s.db);
    let (events, outbox): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM outbox o JOIN events e ON e.id = o.event_id)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(events, outbox);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn seeded_site_has_deep_genealogy_and_replays_exactly() {
    let s = Site::new(false);
    let seeded = s.ok(&["dev", "seed", "--products", "20", "--lots", "3000"]);
    assert!(seeded["events"].as_u64().unwrap() > 3000);
    let store = Store::open(&s.db).unwrap();
    let depth: i64 = store
        .conn()
        .query_row(
            "WITH RECURSIVE t(gtin, batch, d) AS (
                 SELECT child_gtin, child_batch, 1 FROM genealogy
                 UNION SELECT g.child_gtin, g.child_batch, t.d + 1 FROM genealogy g
                 JOIN t ON g.parent_gtin = t.gtin AND g.parent_batch = t.batch WHERE t.d < 10)
             SELECT MAX(d) FROM t",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(depth >= 5, "genealogy only {depth} levels deep");
    let live = store.derived_snapshot().unwrap();
    drop(store);
    s.ok(&["store", "rebuild"]);
    assert_eq!(
        live,
        Store::open(&s.db).unwrap().derived_snapshot().unwrap()
    );
    // A lot deep in the graph traces both ways.
    let t = s.ok(&["trace", "L0002999", "--both"]);
    assert!(t["made_from"].is_array() && t["made_into"].is_array());
}
