//! Sites: a station of a site pulls its site's events, master data, status changes of the
//! lots its site holds or held, and transfers to its site with the lot's history; nothing of
//! other sites.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::common::*;
use super::{PASSATA, SAUCE, scan};

pub(super) const HAMBURG: &str = "4012345000009";
pub(super) const MUNICH: &str = "4012345000016";

/// `lotline --db DB server ARGS…`: its output, and whether it succeeded.
pub(super) fn server_cmd(db: &str, args: &[&str]) -> (bool, String, String) {
    let out = crate::support::lotline()
        .args(["--db", db, "server"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(super) fn sited_token(db: &str, station: &str, site: &str) -> String {
    let (ok, out, err) = server_cmd(
        db,
        &[
            "token",
            "create",
            "--station",
            station,
            "--role",
            "station",
            "--site",
            site,
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// What a station holds of other stations' events: (kind, lot) of each.
fn others(s: &Station) -> BTreeSet<(String, String)> {
    s.store()
        .events()
        .unwrap()
        .into_iter()
        .filter(|e| e.station != s.name)
        .map(|e| {
            let lot = e
                .event
                .lots()
                .first()
                .map(|(g, b)| format!("{g}/{b}"))
                .unwrap_or_default();
            (e.event.name().to_string(), lot)
        })
        .collect()
}

fn has_lot(s: &Station, gtin: &str, batch: &str) -> bool {
    s.run(&["lot", "show", batch, "--gtin", gtin, "--json"])
        .status
        .success()
}

fn sites_scope_what_stations_pull(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();

    // Sites are checked GLNs the server knows; a token names one.
    let (ok, _, err) = server_cmd(&db, &["site", "add", "4012345000001", "--name", "X"]);
    assert!(!ok && err.contains("check digit"), "{err}");
    for (gln, name) in [(HAMBURG, "Hamburg DC"), (MUNICH, "Munich DC")] {
        let (ok, out, err) = server_cmd(&db, &["site", "add", gln, "--name", name]);
        assert!(ok && out.contains("added"), "{out}{err}");
    }
    let (ok, _, err) = server_cmd(
        &db,
        &[
            "token",
            "create",
            "--station",
            "X",
            "--role",
            "station",
            "--site",
            "4012345000023",
        ],
    );
    assert!(
        !ok && err.contains("site add 4012345000023 --name"),
        "{err}"
    );

    let admin = token(&db, "hq", "admin", None);
    let (ta1, ta2, tb1) = (
        sited_token(&db, "A1", HAMBURG),
        sited_token(&db, "A2", HAMBURG),
        sited_token(&db, "B1", MUNICH),
    );
    let tc = token(&db, "C", "station", None);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let server = Server::start(&db);
    let url = server.url.clone();
    let (a1, a2, b1, c) = (
        Station::new(dir.path(), "A1"),
        Station::new(dir.path(), "A2"),
        Station::new(dir.path(), "B1"),
        Station::new(dir.path(), "C"),
    );

    // Hamburg receives passata, Munich sauce.
    a1.register_released(&url, &ta1, PASSATA, "Passata");
    a1.ok(&["receive", &scan(PASSATA, "L1"), "--qty", "10", "--json"]);
    let r = a1.sync_ok(&url, &ta1);
    assert_eq!(r["site"], "Hamburg DC (4012345000009)", "{r}");
    b1.register_released(&url, &tb1, SAUCE, "Sauce");
    b1.ok(&["receive", &scan(SAUCE, "S1"), "--qty", "5", "--json"]);
    b1.sync_ok(&url, &tb1);
    a2.sync_ok(&url, &ta2);
    b1.sync_ok(&url, &tb1);

    // A station learns its own site's lots and every product, not the other site's lots.
    assert!(has_lot(&a2, PASSATA, "L1"));
    assert!(!has_lot(&a2, SAUCE, "S1"));
    assert!(!has_lot(&b1, PASSATA, "L1"));
    for s in [&a2, &b1] {
        let store = s.store();
        assert!(
            store.product(PASSATA).unwrap().is_some() && store.product(SAUCE).unwrap().is_some()
        );
    }
    // A station without a site reads everything, as before sites.
    c.sync_ok(&url, &tc);
    assert!(has_lot(&c, PASSATA, "L1") && has_lot(&c, SAUCE, "S1"));

    // Hamburg sends 4 of L1 to Munich (its GLN as the customer): a transfer. Munich learns
    // the lot with its history, and from then on its status.
    a1.ok(&[
        "dispatch",
        &scan(PASSATA, "L1"),
        "--qty",
        "4",
        "--customer",
        MUNICH,
        "--json",
    ]);
    a1.sync_ok(&url, &ta1);
    b1.sync_ok(&url, &tb1);
    assert!(has_lot(&b1, PASSATA, "L1"));
    let l1 = format!("{PASSATA}/L1");
    let got: BTreeSet<(String, String)> = others(&b1);
    for kind in ["lot_received", "lot_dispatched"] {
        assert!(got.contains(&(kind.to_string(), l1.clone())), "{got:?}");
    }
    // Hamburg's stock is Hamburg's: Munich knows the lot, and counts what it receives.
    assert_eq!(b1.lot(PASSATA, "L1")["stock"], json!([]));
    b1.ok(&[
        "receive",
        &scan(PASSATA, "L1"),
        "--qty",
        "4",
        "--location",
        "DOCK-M",
        "--json",
    ]);
    assert_eq!(
        b1.lot(PASSATA, "L1")["stock"],
        json!([{"location": "DOCK-M", "quantity": 4}])
    );
    assert_eq!(
        a2.lot(PASSATA, "L1")["stock"],
        json!([{"location": "RECEIVING", "quantity": 10}]),
        "Hamburg's second station has not pulled the dispatch yet"
    );
    a1.ok(&[
        "lot",
        "hold",
        "L1",
        "--gtin",
        PASSATA,
        "--reason",
        "seal broken",
        "--json",
    ]);
    a1.sync_ok(&url, &ta1);
    // Munich holds S1: nothing for Hamburg.
    b1.ok(&[
        "lot", "hold", "S1", "--gtin", SAUCE, "--reason", "dented", "--json",
    ]);
    b1.sync_ok(&url, &tb1);
    a2.sync_ok(&url, &ta2);
    assert_eq!(b1.lot(PASSATA, "L1")["status"], "on_hold");
    assert_eq!(a2.lot(PASSATA, "L1")["status"], "on_hold");
    assert!(!has_lot(&a2, SAUCE, "S1"));

    // Each store holds its site's data only: of other stations, Munich has master data and
    // Hamburg's L1 (history, transfer, hold), nothing else.
    for (kind, lot) in others(&b1) {
        assert!(
            kind.starts_with("product_") || kind.starts_with("person_") || lot == l1,
            "Munich holds {kind} {lot}"
        );
    }
    for (kind, lot) in others(&a2) {
        assert!(
            kind.starts_with("product_") || kind.starts_with("person_") || lot.starts_with(PASSATA),
            "Hamburg holds {kind} {lot}"
        );
    }

    // A station moved to Munich pulls Munich's feed from the start: the lot Munich received
    // before the move is there.
    let tm = sited_token(&db, "A2", MUNICH);
    let r = a2.sync_ok(&url, &tm);
    assert_eq!(r["site"], "Munich DC (4012345000016)", "{r}");
    assert!(has_lot(&a2, SAUCE, "S1"));

    // The server lists each station with its site.
    let (ok, out, err) = server_cmd(&db, &["stations", "--json"]);
    assert!(ok, "{err}");
    let stations: Vec<Value> = serde_json::from_str(&out).unwrap();
    let site_of = |name: &str| {
        stations
            .iter()
            .find(|s| s["name"] == name)
            .map(|s| s["site"].clone())
    };
    assert_eq!(site_of("A1"), Some(json!(HAMBURG)));
    assert_eq!(site_of("A2"), Some(json!(MUNICH)));
    assert_eq!(site_of("B1"), Some(json!(MUNICH)));
    assert_eq!(site_of("C"), Some(Value::Null));
    let (code, sites) = http("GET", &format!("{url}/api/v1/sites"), Some(&admin), None);
    assert_eq!(code, 200);
    assert_eq!(sites[1], json!({"gln": MUNICH, "name": "Munich DC"}));
}

#[test]
fn sites_scope_what_stations_pull_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    sites_scope_what_stations_pull(Backend::sqlite(dir.path()));
}

#[test]
fn sites_scope_what_stations_pull_on_postgres() {
    sites_scope_what_stations_pull(Backend::postgres());
}

/// A server database from before sites holds events and no feed. Opened by this Lotline, its
/// events go under every site and every site holds their lots: a station given a site's token
/// pulls all of it, and a hold on one of those lots reaches it.
fn a_database_from_before_sites_serves_sited_stations(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let tc = token(&db, "C", "station", None);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let c = Station::new(dir.path(), "C");
    {
        let server = Server::start(&db);
        c.register_released(&server.url, &tc, PASSATA, "Passata");
        c.ok(&["receive", &scan(PASSATA, "OLD"), "--qty", "10", "--json"]);
        c.sync_ok(&server.url, &tc);
    }
    // What a database from before sites holds: the events, nothing of the feed.
    backend.execute(
        "DELETE FROM server_feed; DELETE FROM server_site_lots; DELETE FROM server_site_products;",
    );
    let (ok, out, err) = server_cmd(&db, &["site", "add", HAMBURG, "--name", "Hamburg DC"]);
    assert!(ok, "{out}{err}");
    let ta = sited_token(&db, "A", HAMBURG);
    let server = Server::start(&db);
    let a = Station::new(dir.path(), "A");
    a.sync_ok(&server.url, &ta);
    assert_eq!(
        a.lot(PASSATA, "OLD")["stock"],
        json!([{"location": "RECEIVING", "quantity": 10}])
    );
    c.ok(&[
        "lot", "hold", "OLD", "--gtin", PASSATA, "--reason", "mould", "--json",
    ]);
    c.sync_ok(&server.url, &tc);
    a.sync_ok(&server.url, &ta);
    assert_eq!(a.lot(PASSATA, "OLD")["status"], "on_hold");
}

#[test]
fn a_database_from_before_sites_serves_sited_stations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_database_from_before_sites_serves_sited_stations(Backend::sqlite(dir.path()));
}

#[test]
fn a_database_from_before_sites_serves_sited_stations_on_postgres() {
    a_database_from_before_sites_serves_sited_stations(Backend::postgres());
}

/// The recalls of a station's store: (id, closed or not).
fn recalls(s: &Station) -> Vec<(String, bool)> {
    let list = s.ok(&["recall", "list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                !r["closed"].is_null(),
            )
        })
        .collect()
}

/// A lot transferred while under a recall brings the recall with it: the receiving site gets
/// the recall's start with the lot's history (and its close, when it was closed before the
/// transfer), and a recall still open reaches it from then on, so its close does too.
fn a_transfer_brings_the_recalls_of_its_lot(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    for (gln, name) in [(HAMBURG, "Hamburg DC"), (MUNICH, "Munich DC")] {
        let (ok, out, err) = server_cmd(&db, &["site", "add", gln, "--name", name]);
        assert!(ok, "{out}{err}");
    }
    let (ta1, ta2, ta3, tb) = (
        sited_token(&db, "A1", HAMBURG),
        sited_token(&db, "A2", HAMBURG),
        sited_token(&db, "A3", HAMBURG),
        sited_token(&db, "B1", MUNICH),
    );
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let mut server = Server::start(&db);
    let url = server.url.clone();
    let (a1, a2, a3, b) = (
        Station::new(dir.path(), "A1"),
        Station::new(dir.path(), "A2"),
        Station::new(dir.path(), "A3"),
        Station::new(dir.path(), "B1"),
    );

    // Hamburg receives three lots; its stations know them.
    a1.register_released(&url, &ta1, PASSATA, "Passata");
    for lot in ["L1", "L2", "L3"] {
        a1.ok(&["receive", &scan(PASSATA, lot), "--qty", "10", "--json"]);
    }
    a1.sync_ok(&url, &ta1);
    a2.sync_ok(&url, &ta2);
    a3.sync_ok(&url, &ta3);
    b.sync_ok(&url, &tb);

    // At A1 a supervisor recalls L1, and recalls and closes L2's recall; A2, not yet synced,
    // sends part of each lot to Munich: transfers of lots under (or after) a recall.
    let start = |lot: &str| {
        let r = a1.ok_as(
            SUPERVISOR,
            &[
                "recall", "start", lot, "--gtin", PASSATA, "--reason", "glass", "--json",
            ],
        );
        r["id"].as_str().unwrap().to_string()
    };
    let r1 = start("L1");
    let r2 = start("L2");
    let r3 = start("L3");
    a1.ok_as(
        SUPERVISOR,
        &[
            "recall",
            "close",
            &r2,
            "--force",
            "--reason",
            "supplier withdrew it",
            "--json",
        ],
    );
    a1.sync_ok(&url, &ta1);
    for lot in ["L1", "L2"] {
        a2.ok(&[
            "dispatch",
            &scan(PASSATA, lot),
            "--qty",
            "4",
            "--customer",
            MUNICH,
            "--json",
        ]);
    }
    a2.sync_ok(&url, &ta2);

    // Munich gets the lots recalled, with the recalls: R1 open, R2 closed.
    b.sync_ok(&url, &tb);
    for lot in ["L1", "L2"] {
        assert_eq!(b.lot(PASSATA, lot)["status"], "recalled", "{lot}");
    }
    let mut got = recalls(&b);
    got.sort();
    let mut want = vec![(r1.clone(), false), (r2.clone(), true)];
    want.sort();
    assert_eq!(got, want, "Munich's recalls");

    // R1 closes at Hamburg: Munich, which holds part of L1 since the transfer, gets the close.
    a1.sync_ok(&url, &ta1);
    a1.ok_as(
        SUPERVISOR,
        &[
            "recall",
            "close",
            &r1,
            "--force",
            "--reason",
            "destroyed at both sites",
            "--json",
        ],
    );
    a1.sync_ok(&url, &ta1);
    b.sync_ok(&url, &tb);
    let mut got = recalls(&b);
    got.sort();
    let mut want = vec![(r1, true), (r2, true)];
    want.sort();
    assert_eq!(got, want, "Munich's recalls after R1's close");

    // A database from before the server listed recalls' lots: opened again, it lists them, and
    // L3 sent now (by A3, which has not pulled its recall) brings its open recall.
    server.kill();
    backend.execute("DELETE FROM server_recall_lots");
    let server = Server::start(&db);
    let url = server.url.clone();
    a3.ok(&[
        "dispatch",
        &scan(PASSATA, "L3"),
        "--qty",
        "4",
        "--customer",
        MUNICH,
        "--json",
    ]);
    a3.sync_ok(&url, &ta3);
    b.sync_ok(&url, &tb);
    assert_eq!(b.lot(PASSATA, "L3")["status"], "recalled");
    assert!(recalls(&b).contains(&(r3, false)), "{:?}", recalls(&b));
}

#[test]
fn a_transfer_brings_the_recalls_of_its_lot_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_transfer_brings_the_recalls_of_its_lot(Backend::sqlite(dir.path()));
}

#[test]
fn a_transfer_brings_the_recalls_of_its_lot_on_postgres() {
    a_transfer_brings_the_recalls_of_its_lot(Backend::postgres());
}
