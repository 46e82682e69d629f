//! Old history and joining: a station drops the events of lots that left long ago (the
//! server keeps them), and a new station of a site starts from the site's snapshot instead of
//! pulling its whole history; both go on syncing as before.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::common::*;
use super::sites::{HAMBURG, server_cmd, sited_token};
use super::{PASSATA, SAUCE, scan};

fn old_history_goes_and_new_stations_start_from_the_sites_snapshot(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let (ok, out, err) = server_cmd(&db, &["site", "add", HAMBURG, "--name", "Hamburg DC"]);
    assert!(ok, "{out}{err}");
    let ta = sited_token(&db, "A", HAMBURG);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let server = Server::start(&db);
    let url = server.url.clone();

    // A keeps no history of lots that left (0 days): pruned after each sync round.
    let a = Station::new(dir.path(), "A");
    let mut config = std::fs::read_to_string(&a.config).unwrap();
    config.push_str("\n[sync]\nkeep_history_days = 0\n");
    std::fs::write(&a.config, config).unwrap();
    a.register_released(&url, &ta, PASSATA, "Passata");
    // GONE arrives on a pallet that leaves whole on a shipment closed at the dock.
    const PALLET: &str = "009501101000000018";
    a.ok(&[
        "receive",
        &format!("(00){PALLET}(02){PASSATA}(37)10(17)271231(10)GONE"),
        "--json",
    ]);
    a.ok(&[
        "dispatch",
        &format!("(00){PALLET}"),
        "--customer",
        "Northwind",
        "--json",
    ]);
    let out = dir.path().join("documents");
    a.ok(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    a.ok(&["receive", &scan(PASSATA, "HERE"), "--qty", "5", "--json"]);
    // Not yet at the server, so nothing goes before the round pushes it.
    let r = a.sync_ok(&url, &ta);
    assert_eq!(
        r["history_pruned"], 2,
        "GONE's receipt and dispatch; the shipment's close stays: {r}"
    );
    let store = a.store();
    assert!(store.lot_history_pruned(PASSATA, "GONE").unwrap());
    assert!(!store.lot_history_pruned(PASSATA, "HERE").unwrap());
    let held = store.derived_snapshot().unwrap();
    drop(store);
    // The lot, its status, its trace and the chain stay.
    let gone = a.lot(PASSATA, "GONE");
    assert_eq!(
        (&gone["status"], &gone["stock"]),
        (&json!("released"), &json!([]))
    );
    let trace = a
        .ok(&["trace", "GONE", "--gtin", PASSATA, "--json"])
        .to_string();
    assert!(trace.contains("Northwind"), "{trace}");
    let verify = a.ok(&["store", "verify", "--json"]);
    assert_eq!(verify["ok"], true, "{verify}");
    a.ok(&["store", "rebuild", "--json"]);
    assert_eq!(a.store().derived_snapshot().unwrap(), held);

    // The server makes the site's snapshot, its old history pruned the same way.
    let (ok, out, err) = server_cmd(&db, &["snapshot", "--site", HAMBURG, "--keep-days", "0"]);
    assert!(ok, "{out}{err}");

    // A new station of the site starts from it: nothing left to pull, the same lots and
    // events as A, a chain that holds.
    let n = Station::new(dir.path(), "N");
    let tn = sited_token(&db, "N", HAMBURG);
    let r = n.sync_ok(&url, &tn);
    assert_eq!(r["joined"]["site"], HAMBURG, "{r}");
    assert_eq!(r["pulled"], 0, "{r}");
    assert_eq!(n.event_ids(), a.event_ids());
    assert_eq!(
        n.store().event_count().unwrap(),
        a.store().event_count().unwrap()
    );
    assert_eq!(n.store().pruned_count().unwrap(), 2);
    for batch in ["GONE", "HERE"] {
        assert_eq!(n.lot(PASSATA, batch), a.lot(PASSATA, batch), "{batch}");
    }
    let verify = n.ok(&["store", "verify", "--json"]);
    assert_eq!(verify["ok"], true, "{verify}");

    // It records and syncs like any station; A gets its receipt, and it gets A's next one.
    n.ok(&["receive", &scan(PASSATA, "NEW"), "--qty", "2", "--json"]);
    assert_eq!(n.sync_ok(&url, &tn)["pushed"], 1);
    a.ok(&["receive", &scan(PASSATA, "LATER"), "--qty", "3", "--json"]);
    a.sync_ok(&url, &ta);
    n.sync_ok(&url, &tn);
    let lots = |s: &Station| -> BTreeSet<String> {
        ["NEW", "LATER", "HERE"]
            .into_iter()
            .filter(|b| {
                s.run(&["lot", "show", b, "--gtin", PASSATA, "--json"])
                    .status
                    .success()
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(lots(&a), lots(&n));
    assert_eq!(lots(&n).len(), 3);

    // A station that recorded something first keeps its own log and pulls from the start.
    let m = Station::new(dir.path(), "M");
    let tm = sited_token(&db, "M", HAMBURG);
    m.ok(&["product", "add", SAUCE, "--name", "Sauce", "--json"]);
    let r: Value = m.sync_ok(&url, &tm);
    assert!(r.get("joined").is_none(), "{r}");
    assert!(r["pulled"].as_u64().unwrap() > 0, "{r}");
}

/// A server started with `--snapshot-every` makes its sites' snapshots by itself (at start,
/// then every so many hours): a new station starts from one with no admin at a timer.
fn the_server_makes_snapshots_by_itself(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let (ok, out, err) = server_cmd(&db, &["site", "add", HAMBURG, "--name", "Hamburg DC"]);
    assert!(ok, "{out}{err}");
    let ta = sited_token(&db, "A", HAMBURG);
    let a = Station::new(dir.path(), "A");
    {
        let server = Server::start(&db);
        a.ok(&["product", "add", PASSATA, "--name", "Passata", "--json"]);
        a.ok(&["receive", &scan(PASSATA, "L1"), "--qty", "10", "--json"]);
        a.sync_ok(&server.url, &ta);
    }
    let server = Server::start_with(&db, 0, &["--snapshot-every", "24"]);
    let tn = sited_token(&db, "N", HAMBURG);
    let mut snapshot = Value::Null;
    for _ in 0..300 {
        let (code, body) = http(
            "GET",
            &format!("{}/api/v1/sync/snapshot", server.url),
            Some(&tn),
            None,
        );
        if code == 200 {
            snapshot = body;
            break;
        }
        assert_eq!(code, 404, "{body}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(snapshot["site"], HAMBURG, "no snapshot made within 30 s");
    let n = Station::new(dir.path(), "N");
    let r = n.sync_ok(&server.url, &tn);
    assert_eq!(r["joined"]["id"], snapshot["id"], "{r}");
    assert_eq!(n.lot(PASSATA, "L1"), a.lot(PASSATA, "L1"));
}

#[test]
fn the_server_makes_snapshots_by_itself_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_server_makes_snapshots_by_itself(Backend::sqlite(dir.path()));
}

#[test]
fn the_server_makes_snapshots_by_itself_on_postgres() {
    the_server_makes_snapshots_by_itself(Backend::postgres());
}

#[test]
fn old_history_goes_and_new_stations_start_from_the_sites_snapshot_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    old_history_goes_and_new_stations_start_from_the_sites_snapshot(Backend::sqlite(dir.path()));
}

#[test]
fn old_history_goes_and_new_stations_start_from_the_sites_snapshot_on_postgres() {
    old_history_goes_and_new_stations_start_from_the_sites_snapshot(Backend::postgres());
}
