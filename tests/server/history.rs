//! Old history and joining: a station drops the events of lots that left long ago (the
//! server keeps them), and a new station of a site starts from the site's snapshot instead of
//! pulling its whole history; both go on syncing as before.

use serde_json::json;

use super::common::*;
use super::sites::{HAMBURG, server_cmd, sited_token};
use super::{PASSATA, scan};

fn old_history_goes_after_sync_rounds(backend: Backend) {
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
    a.ok(&["receive", &scan(PASSATA, "GONE"), "--qty", "10", "--json"]);
    a.ok(&[
        "dispatch",
        &scan(PASSATA, "GONE"),
        "--qty",
        "10",
        "--customer",
        "Northwind",
        "--json",
    ]);
    a.ok(&["receive", &scan(PASSATA, "HERE"), "--qty", "5", "--json"]);
    // Not yet at the server, so nothing goes before the round pushes it.
    let r = a.sync_ok(&url, &ta);
    assert_eq!(r["history_pruned"], 2, "GONE's receipt and dispatch: {r}");
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
}

#[test]
fn old_history_goes_after_sync_rounds_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    old_history_goes_after_sync_rounds(Backend::sqlite(dir.path()));
}

#[test]
fn old_history_goes_after_sync_rounds_on_postgres() {
    old_history_goes_after_sync_rounds(Backend::postgres());
}
