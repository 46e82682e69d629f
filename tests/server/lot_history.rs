//! A lot's history at the server (`GET /lots/{gtin}/{batch}/events`), and a station that pruned
//! its own asking for it (`lotline lot history`).

use serde_json::Value;

use super::common::*;
use super::{PASSATA, SAUCE, scan};

/// The kinds of a history's events, in order.
fn kinds(events: &Value) -> Vec<String> {
    events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["kind"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// A station with both products registered (their lots arrive quarantined) that receives
/// `lots` of PASSATA (10 each, in DOCK).
fn station_with_lots(dir: &std::path::Path, name: &str, lots: &[&str]) -> Station {
    let s = Station::new(dir, name);
    for (gtin, product) in [(PASSATA, "Passata"), (SAUCE, "Sauce")] {
        s.ok(&["product", "add", gtin, "--name", product, "--json"]);
    }
    receive(&s, lots);
    s
}

fn receive(s: &Station, lots: &[&str]) {
    for lot in lots {
        s.ok(&[
            "receive",
            &scan(PASSATA, lot),
            "--qty",
            "10",
            "--location",
            "DOCK",
            "--supplier",
            "Farm",
            "--json",
        ]);
    }
}

fn lot_events(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let ta = token(&db, "A", "station", None);
    let tb = token(&db, "B", "station", None);
    let server = Server::start(&db);
    let url = server.url.clone();
    // Lots that arrive released (the supervisor's decision): L1 goes into production.
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let a = Station::new(dir.path(), "A");
    a.register_released(&url, &ta, PASSATA, "Passata");
    a.register_released(&url, &ta, SAUCE, "Sauce");
    receive(&a, &["L1", "B/7"]);
    let produced = a.ok(&[
        "produce",
        "--product",
        SAUCE,
        "--qty",
        "5",
        "--consume",
        &format!("(01){PASSATA}(30)4(10)L1"),
        "--json",
    ]);
    let sauce = produced["batch"].as_str().unwrap().to_string();
    a.ok(&[
        "move", "L1", "--qty", "3", "--from", "DOCK", "--to", "SHELF", "--json",
    ]);
    a.sync_ok(&url, &ta);
    // Another station's event of the lot is in its history too, in the server's order.
    let b = Station::new(dir.path(), "B");
    b.sync_ok(&url, &tb);
    b.ok(&["count", "L1", "--location", "SHELF", "--qty", "2", "--json"]);
    b.sync_ok(&url, &tb);

    let get = |path: &str, token: Option<&str>| {
        http("GET", &format!("{url}/api/v1/lots/{path}"), token, None)
    };
    let (status, v) = get(&format!("{PASSATA}/L1/events"), Some(&tb));
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["gtin"].as_str(), v["batch"].as_str()),
        (Some(PASSATA), Some("L1"))
    );
    assert_eq!(
        kinds(&v["events"]),
        ["lot_received", "lot_consumed", "lot_moved", "lot_counted"]
    );
    let events = v["events"].as_array().unwrap();
    let stations: Vec<&str> = events
        .iter()
        .map(|e| e["station"].as_str().unwrap())
        .collect();
    assert_eq!(stations, ["A", "A", "A", "B"]);
    let pos: Vec<i64> = events.iter().map(|e| e["pos"].as_i64().unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    // Each event as the station recorded it: its id, time and actor.
    let ids = a.event_ids();
    assert!(ids.contains(events[0]["id"].as_str().unwrap()));
    assert_eq!(events[0]["actor"], "worker-A");

    // A produced lot's history holds the consumptions into it, before or after its creation
    // as the server ordered them.
    let (status, v) = get(&format!("{SAUCE}/{sauce}/events"), Some(&ta));
    assert_eq!(status, 200, "{v}");
    let mut produced_kinds = kinds(&v["events"]);
    produced_kinds.sort();
    assert_eq!(produced_kinds, ["batch_produced", "lot_consumed"]);

    // A batch with a slash, escaped in the path.
    let (status, v) = get(&format!("{PASSATA}/B%2F7/events"), Some(&ta));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["batch"], "B/7");
    assert_eq!(kinds(&v["events"]), ["lot_received"]);

    // No such lot: 404 with the usual body; bad GTIN or batch: 400; no token: 401.
    let (status, v) = get(&format!("{PASSATA}/NOPE/events"), Some(&ta));
    assert_eq!(status, 404, "{v}");
    assert!(v["error"].as_str().unwrap().contains("no lot NOPE"), "{v}");
    assert!(v["hint"].as_str().is_some(), "{v}");
    let (status, v) = get("123/L1/events", Some(&ta));
    assert_eq!(status, 400, "{v}");
    assert!(v["error"].as_str().unwrap().contains("not a GTIN"), "{v}");
    let (status, v) = get(&format!("{PASSATA}/{}/events", "X".repeat(21)), Some(&ta));
    assert_eq!(status, 400, "{v}");
    let (status, v) = get(&format!("{PASSATA}/L1/events"), None);
    assert_eq!(status, 401, "{v}");
}

#[test]
fn a_lots_events_are_served_in_the_servers_order_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    lot_events(Backend::sqlite(dir.path()));
}

#[test]
fn a_lots_events_are_served_in_the_servers_order_on_postgres() {
    lot_events(Backend::postgres());
}

/// Adds `[sync] server` and `token` to a station's config.
fn set_up_sync(s: &Station, url: &str, token: &str) {
    let mut config = std::fs::read_to_string(&s.config).unwrap();
    config.push_str(&format!(
        "\n[sync]\nserver = \"{url}\"\ntoken = \"{token}\"\n"
    ));
    std::fs::write(&s.config, config).unwrap();
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A station prunes a lot that left (its events synced), then `lotline lot history` shows the
/// lot's whole history from the server and says so; with the server stopped, what the station
/// has and that the rest is at the server, which could not be reached.
#[test]
fn a_pruned_lots_history_comes_from_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::sqlite(dir.path());
    let db = backend.url();
    let ta = token(&db, "A", "station", None);
    let mut server = Server::start(&db);
    let url = server.url.clone();
    let a = station_with_lots(dir.path(), "A", &["L1", "L2"]);
    a.ok(&["count", "L1", "--location", "DOCK", "--qty", "0", "--json"]);

    // Whole here: the station's own events, no server needed (none set up yet).
    let h = a.ok(&["lot", "history", "L1", "--json"]);
    assert_eq!(h["source"], "station", "{h}");
    assert_eq!(h["complete"], true, "{h}");
    assert_eq!(kinds(&h["events"]), ["lot_received", "lot_counted"]);

    a.sync_ok(&url, &ta);
    let pruned = a.ok(&["store", "prune", "--older-than", "0", "--json"]);
    assert_eq!(pruned["lots"], 1, "{pruned}");
    // L2 is still in stock: kept whole here.
    assert_eq!(
        a.ok(&["lot", "history", "L2", "--json"])["source"],
        "station"
    );

    // Pruned, and no server set up: what is here (nothing) and where the rest is; partly done.
    let o = a.run(&["lot", "history", "L1"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("0 event(s) held here; older history is kept at the server"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("no server is set up"), "{}", stderr(&o));

    set_up_sync(&a, &url, &ta);
    let h = a.ok(&["lot", "history", "L1", "--json"]);
    assert_eq!(h["source"], "server", "{h}");
    assert_eq!(h["complete"], true, "{h}");
    assert!(h.get("older").is_none(), "{h}");
    assert_eq!(kinds(&h["events"]), ["lot_received", "lot_counted"]);
    assert_eq!(h["events"][0]["event"]["quantity"], 10);
    assert_eq!(h["events"][0]["station"], "A");
    let o = a.run(&["lot", "history", "L1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!(
            "lot {PASSATA} / L1: 2 event(s), from the server (its older history was pruned here)\n"
        )),
        "{text}"
    );
    assert!(text.contains("received 10 into DOCK from Farm"), "{text}");
    assert!(
        text.contains("counted 0 at DOCK (-10)  (worker-A, A)"),
        "{text}"
    );

    // An event recorded here after the prune, not yet at the server, follows the server's.
    a.ok(&["lot", "hold", "L1", "--reason", "smell", "--json"]);
    let h = a.ok(&["lot", "history", "L1", "--json"]);
    assert_eq!(
        kinds(&h["events"]),
        ["lot_received", "lot_counted", "lot_status_changed"]
    );

    // A station that never held the lot asks the server when the lot is named whole.
    let b = Station::new(dir.path(), "B");
    set_up_sync(&b, &url, &token(&db, "B", "station", None));
    let h = b.ok(&["lot", "history", &scan(PASSATA, "L1"), "--json"]);
    assert_eq!(h["source"], "server", "{h}");
    assert_eq!(kinds(&h["events"]), ["lot_received", "lot_counted"]);
    let o = b.run(&["lot", "history", "NOPE", "--gtin", PASSATA, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("\"code\":\"lot_not_found\"")
            && stderr(&o).contains("or at the server"),
        "{}",
        stderr(&o)
    );

    // The server stopped: what the station has, and that the rest could not be fetched.
    server.kill();
    let o = a.run(&["lot", "history", "L1"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(
            "1 event(s) held here; older history is kept at the server, which could not be reached ("
        ),
        "{text}"
    );
    assert!(text.contains("on hold: smell"), "{text}");
    assert!(stderr(&o).starts_with("error: lot "), "{}", stderr(&o));
    let o = a.run(&["lot", "history", "L1", "--json"]);
    assert_eq!(o.status.code(), Some(3));
    let h: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(h["source"], "station", "{h}");
    assert_eq!(h["complete"], false, "{h}");
    assert!(
        h["older"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{h}"
    );
    assert_eq!(kinds(&h["events"]), ["lot_status_changed"]);
    let err: Value = serde_json::from_str(stderr(&o).lines().next().unwrap()).unwrap();
    assert_eq!(err["code"], "sync_failed", "{err}");
    let o = b.run(&["lot", "history", &scan(PASSATA, "L1")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not in this store, and the server could not be asked"),
        "{}",
        stderr(&o)
    );
}
