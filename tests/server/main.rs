//! The central server and the sync, with real processes on loopback: a `lotline server`
//! on SQLite and on PostgreSQL, stations as `lotline` processes on their own SQLite files.

mod common;
mod costs;
mod fault;
mod history;
mod hostile;
mod identity;
mod instances;
mod lot_history;
mod scale;
mod shipments;
mod sim;
mod sites;
mod snapshots;
#[path = "../support/mod.rs"]
mod support;
mod tls;

pub use common::Backend;
use common::*;
use serde_json::{Value, json};

const PASSATA: &str = "09501101530003";
const SAUCE: &str = "09501101530010";

fn scan(gtin: &str, batch: &str) -> String {
    format!("(01){gtin}(17)271231(10){batch}")
}

/// Two stations receive, produce, dispatch and change statuses offline, sync through the
/// server, and converge: same lots, same statuses (decided by the server's order), the
/// server holding each event once; a recall at the server blocks dispatch at the stations;
/// the server traces across both sites.
fn two_stations_converge(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let supervisor = token(&db, "qa-lead", "supervisor", None);
    let ta = token(&db, "A", "station", None);
    let tb = token(&db, "B", "station", None);
    let server = Server::start(&db);
    let url = server.url.clone();
    // The site's supervisor, whose signature the server asks of a release.
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let a = Station::new(dir.path(), "A");
    let b = Station::new(dir.path(), "B");

    // Station A: master data (released on arrival: the supervisor's decision, signed, so A
    // learns its supervisor first), receipts, a production batch from L1.
    a.sync_ok(&url, &ta);
    for (gtin, name) in [(PASSATA, "Passata"), (SAUCE, "Sauce")] {
        a.ok_as(
            SUPERVISOR,
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
        );
    }
    for lot in ["L1", "L2", "L3"] {
        a.ok(&[
            "receive",
            &scan(PASSATA, lot),
            "--qty",
            "10",
            "--location",
            "DOCK-A",
            "--supplier",
            "Farm",
            "--json",
        ]);
    }
    let produced = a.ok(&[
        "produce",
        "--product",
        SAUCE,
        "--qty",
        "5",
        "--consume",
        &scan(PASSATA, "L1"),
        "--json",
    ]);
    let p = produced["batch"].as_str().unwrap().to_string();
    a.ok(&[
        "dispatch",
        &scan(PASSATA, "L2"),
        "--qty",
        "4",
        "--customer",
        "Northwind",
        "--json",
    ]);
    let r = a.sync_ok(&url, &ta);
    assert_eq!(r["pushed"], 8, "{r}");
    assert_eq!(a.store().outbox_len().unwrap(), 0);

    // Station B catches up: products and lots of A, and can ship A's production batch.
    let r = b.sync_ok(&url, &tb);
    assert_eq!(r["pulled"], 9, "A's 8 and the supervisor's account: {r}");
    assert_eq!(
        b.lot(SAUCE, &p)["stock"],
        json!([{"location": "PRODUCTION", "quantity": 5}])
    );
    b.ok(&[
        "receive",
        &scan(PASSATA, "L4"),
        "--qty",
        "20",
        "--location",
        "DOCK-B",
        "--json",
    ]);
    b.ok(&[
        "dispatch",
        &scan(SAUCE, &p),
        "--qty",
        "5",
        "--customer",
        "Contoso",
        "--json",
    ]);

    // Concurrent status changes of L3 while both are offline: A holds it; B holds and
    // releases it. The server's order (A first) decides: released, at every station.
    a.ok(&[
        "lot",
        "hold",
        "L3",
        "--gtin",
        PASSATA,
        "--reason",
        "label check",
        "--json",
    ]);
    b.ok(&[
        "lot",
        "hold",
        "L3",
        "--gtin",
        PASSATA,
        "--reason",
        "damp pallet",
        "--json",
    ]);
    b.ok_as(
        SUPERVISOR,
        &[
            "lot",
            "release",
            "L3",
            "--gtin",
            PASSATA,
            "--reason",
            "dried, fine",
            "--json",
        ],
    );
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    for s in [&a, &b] {
        assert_eq!(s.lot(PASSATA, "L3")["status"], "released", "{}", s.name);
    }

    // A recall at the server reaches every station and blocks dispatch there.
    let (status, v) = http(
        "POST",
        &format!("{url}/api/v1/lots/{PASSATA}/L4/status"),
        Some(&supervisor),
        Some(br#"{"to": "recalled", "reason": "supplier recall R-17"}"#),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["lot"]["status"], "recalled");
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    let refused = b.run(&[
        "dispatch",
        &scan(PASSATA, "L4"),
        "--qty",
        "1",
        "--customer",
        "X",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("recalled"));
    assert_eq!(a.lot(PASSATA, "L4")["status"], "recalled");
    let (_, recalls) = http("GET", &format!("{url}/api/v1/recalls"), Some(&ta), None);
    assert_eq!(recalls.as_array().unwrap().len(), 1, "{recalls}");
    assert_eq!(recalls[0]["batch"], "L4");

    // Cross-site trace: L1 (received at A) → produced at A → shipped by B to Contoso.
    let (status, t) = http(
        "GET",
        &format!("{url}/api/v1/trace/{PASSATA}/L1?direction=forward"),
        Some(&ta),
        None,
    );
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["customers"], json!(["Contoso"]));
    let (_, back) = http(
        "GET",
        &format!("{url}/api/v1/trace/{SAUCE}/{p}?direction=backward"),
        Some(&ta),
        None,
    );
    assert_eq!(back["suppliers"], json!(["Farm"]));
    let (_, expiring) = http(
        "GET",
        &format!("{url}/api/v1/expiry?within=100000"),
        Some(&ta),
        None,
    );
    let batches: Vec<&str> = expiring
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["batch"].as_str().unwrap())
        .collect();
    assert_eq!(
        batches,
        ["L2", "L3", "L4"],
        "lots with stock, by expiry: {expiring}"
    );

    // The station list: both seen, nothing waiting; the sync state a station shows.
    let (status, stations) = http(
        "GET",
        &format!("{url}/api/v1/stations"),
        Some(&supervisor),
        None,
    );
    assert_eq!(status, 200);
    let names: Vec<&str> = stations
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A", "B"]);
    assert!(
        stations
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["backlog"] == 0 && s["last_seen"].is_string())
    );
    let state = b.store().sync_status().unwrap();
    assert_eq!(state.backlog, 0);
    assert_eq!(state.server.as_deref(), Some(url.as_str()));
    assert!(state.last_success.is_some() && state.last_error.is_none());

    // A retry of an old batch of A's changes nothing.
    let events: Vec<Value> = server_events(&url, &admin)
        .into_iter()
        .filter(|e| e["station"] == "A")
        .collect();
    let held = server_events(&url, &admin).len();
    // (A resend of a held event is answered as before, wherever its link says it stands.)
    let replay = json!({ "events": events.iter().take(3).map(|e| linked(e, lotline::domain::chain::GENESIS))
        .collect::<Vec<_>>(), "backlog": 0 });
    let (status, v) = http(
        "POST",
        &format!("{url}/api/v1/sync/push"),
        Some(&ta),
        Some(replay.to_string().as_bytes()),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["stored"], 0);
    assert_eq!(v["acked"][0]["pos"], events[0]["pos"]);
    assert_eq!(
        server_events(&url, &admin).len(),
        held,
        "a replay stored something"
    );

    assert_converged(&url, &admin, &[&a, &b]);
}

#[test]
fn two_stations_converge_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    two_stations_converge(Backend::sqlite(dir.path()));
}

#[test]
fn two_stations_converge_on_postgres() {
    two_stations_converge(Backend::postgres());
}

/// Every refusal: the right status, a JSON error with a hint, and nothing written.
fn security(backend: Backend) {
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let station = token(&db, "A", "station", None);
    let supervisor = token(&db, "qa", "supervisor", None);
    // A token past its date: made for a day, then aged (a token cannot be made expired).
    let expired = token(&db, "old", "station", Some(1));
    backend
        .execute("UPDATE server_tokens SET expires = '2020-01-01T00:00:00Z' WHERE station = 'old'");
    let revoked = token(&db, "gone", "station", None);
    let out = support::lotline()
        .args([
            "--db",
            &db,
            "server",
            "token",
            "revoke",
            revoked.split('_').nth(1).unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let server = Server::start(&db);
    let url = &server.url;
    let push = format!("{url}/api/v1/sync/push");
    let event = |id: &str| {
        json!({"id": id, "at": "2026-11-25T10:00:00Z", "station": "A", "actor": "w",
               "event": {"kind": "product_registered", "gtin": PASSATA, "name": "P", "receive_as": "quarantined"}})
    };
    let good = json!({"events": [linked(&event("01a21233-7f9f-707c-b162-a4bf604976f9"),
        lotline::domain::chain::GENESIS)], "backlog": 0})
    .to_string();
    let too_many = json!({"events": (0..5001).map(|i| event(&format!("01a21233-7f9f-707c-b162-{i:012}"))).collect::<Vec<_>>()}).to_string();
    // (method, url, token, body, expected status)
    type Case<'a> = (&'a str, String, Option<&'a str>, Option<Vec<u8>>, u16);
    let cases: Vec<Case> = vec![
        ("POST", push.clone(), None, Some(good.clone().into()), 401),
        (
            "POST",
            push.clone(),
            Some("llt_nope_nope"),
            Some(good.clone().into()),
            401,
        ),
        (
            "POST",
            push.clone(),
            Some(&expired),
            Some(good.clone().into()),
            401,
        ),
        (
            "POST",
            push.clone(),
            Some(&revoked),
            Some(good.clone().into()),
            401,
        ),
        ("GET", format!("{url}/api/v1/sync/pull"), None, None, 401),
        (
            "POST",
            push.clone(),
            Some(&station),
            Some(b"{\"events\": [".to_vec()),
            400,
        ),
        (
            "POST",
            push.clone(),
            Some(&station),
            Some(b"{\"evnts\": []}".to_vec()),
            400,
        ),
        (
            "POST",
            push.clone(),
            Some(&station),
            Some(json!({"events": [event("not-a-uuid")]}).to_string().into()),
            400,
        ),
        (
            "POST",
            push.clone(),
            Some(&station),
            Some(too_many.into()),
            413,
        ),
        (
            "POST",
            format!("{url}/api/v1/lots/{PASSATA}/L1/status"),
            Some(&station),
            Some(br#"{"to":"recalled","reason":"x"}"#.to_vec()),
            403,
        ),
        (
            "GET",
            format!("{url}/api/v1/stations"),
            Some(&station),
            None,
            403,
        ),
        (
            "GET",
            format!("{url}/api/v1/tokens"),
            Some(&supervisor),
            None,
            403,
        ),
        (
            "POST",
            format!("{url}/api/v1/tokens"),
            Some(&supervisor),
            Some(br#"{"station":"x","role":"admin"}"#.to_vec()),
            403,
        ),
        (
            "GET",
            format!("{url}/api/v1/events"),
            Some(&station),
            None,
            403,
        ),
        (
            "POST",
            format!("{url}/api/v1/lots/{PASSATA}/L1/status"),
            Some(&supervisor),
            Some(br#"{"to":"recalled","reason":"x"}"#.to_vec()),
            404,
        ),
        (
            "GET",
            format!("{url}/api/v1/lots/123/L1"),
            Some(&station),
            None,
            400,
        ),
        (
            "GET",
            format!("{url}/api/v1/sync/pull?after=abc"),
            Some(&station),
            None,
            400,
        ),
        (
            "GET",
            format!("{url}/api/v1/nothing"),
            Some(&station),
            None,
            404,
        ),
        (
            "DELETE",
            format!("{url}/api/v1/sync/push"),
            Some(&station),
            None,
            405,
        ),
    ];
    for (method, target, tok, body, want) in cases {
        let (status, v) = http(method, &target, tok, body.as_deref());
        assert_eq!(status, want, "{method} {target}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty())
                && v["hint"].as_str().is_some_and(|h| !h.is_empty()),
            "{method} {target}: not a JSON error with a hint: {v}"
        );
    }
    // A body over the limit (4 MiB, a push 64 MiB) is refused from its declared length, unread.
    for (path, declared) in [
        ("/api/v1/sync/push", 65 * 1024 * 1024),
        ("/api/v1/tokens", 5 * 1024 * 1024),
    ] {
        let (status, v) = http_declaring(url, path, &admin, declared);
        assert_eq!(status, 413, "{path}: {v}");
        assert!(v["error"].as_str().unwrap().contains("larger than"), "{v}");
    }
    assert!(
        server_events(url, &admin).is_empty(),
        "a refused request wrote an event"
    );
    // Numbers a client may send but no calendar holds: refused with a status, never a panic
    // (the server answers the requests after them).
    let (status, v) = http(
        "GET",
        &format!("{url}/api/v1/expiry?within=4294967295"),
        Some(&station),
        None,
    );
    assert_eq!(status, 400, "{v}");
    assert!(v["hint"].as_str().unwrap().contains("1000000"), "{v}");
    for days in ["4294967295", "0"] {
        let body = format!(r#"{{"station":"x","role":"station","expires_days":{days}}}"#);
        let (status, v) = http(
            "POST",
            &format!("{url}/api/v1/tokens"),
            Some(&admin),
            Some(body.as_bytes()),
        );
        assert_eq!(status, 422, "expires_days {days}: {v}");
        assert!(
            v["error"].as_str().unwrap().contains("1 to 36500 days"),
            "{v}"
        );
    }
    let (_, tokens) = http("GET", &format!("{url}/api/v1/tokens"), Some(&admin), None);
    assert_eq!(
        tokens.as_array().unwrap().len(),
        5,
        "a refused request made a token"
    );
    // The same push with a good token is stored, once.
    for _ in 0..2 {
        let (status, v) = http("POST", &push, Some(&station), Some(good.as_bytes()));
        assert_eq!(status, 200, "{v}");
    }
    assert_eq!(server_events(url, &admin).len(), 1);
    // Tokens are stored hashed: the secret is nowhere in the database file.
    if let Backend::Sqlite(path) = &backend {
        let bytes = std::fs::read(path).unwrap();
        let secret = station.rsplit('_').next().unwrap().as_bytes();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    }
}

#[test]
fn refusals_are_json_with_the_right_status_and_write_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    security(Backend::sqlite(dir.path()));
}

#[test]
fn refusals_are_json_with_the_right_status_and_write_nothing_on_postgres() {
    security(Backend::postgres());
}

/// The served OpenAPI document is the file in the repository, and documents every route.
#[test]
fn the_openapi_document_is_served_and_lists_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Backend::sqlite(dir.path());
    let server = Server::start(&backend.url());
    let (status, served) = http(
        "GET",
        &format!("{}/api/v1/openapi.json", server.url),
        None,
        None,
    );
    assert_eq!(status, 200);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(served, file);
    assert!(file["openapi"].as_str().unwrap().starts_with("3."));
    let paths = file["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut routes: Vec<(String, String)> = lotline::server::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), format!("/api/v1{p}")))
        .collect();
    routes.sort();
    assert_eq!(
        documented, routes,
        "docs/openapi.json and the router differ"
    );
    // Every route exists on the running server (no 404 "no such route").
    for (method, path) in routes {
        let target = format!(
            "{}{}",
            server.url,
            path.replace("{gtin}", PASSATA)
                .replace("{batch}", "L1")
                .replace("{id}", "x")
        );
        let (_, v) = http(&method.to_uppercase(), &target, None, Some(b"{}"));
        assert_ne!(v["error"], "no such route", "{method} {path}");
    }
}

#[test]
fn faults_lose_and_double_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    fault::faults_lose_and_double_nothing(Backend::sqlite(dir.path()), 400);
}

#[test]
fn faults_lose_and_double_nothing_on_postgres() {
    fault::faults_lose_and_double_nothing(Backend::postgres(), 400);
}

/// The server keeps no state outside its database: two server processes on one PostgreSQL
/// serve two stations as one.
#[test]
fn two_server_processes_share_one_postgres() {
    let backend = Backend::postgres();
    let db = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let one = Server::start(&db);
    let two = Server::start(&db);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let a = Station::new(dir.path(), "A");
    let b = Station::new(dir.path(), "B");
    a.register_released(&one.url, &ta, PASSATA, "Passata");
    for lot in ["A1", "A2"] {
        a.ok(&["receive", &scan(PASSATA, lot), "--qty", "10", "--json"]);
    }
    a.sync_ok(&one.url, &ta);
    b.sync_ok(&two.url, &tb);
    b.ok(&[
        "lot", "hold", "A1", "--gtin", PASSATA, "--reason", "check", "--json",
    ]);
    b.ok(&["receive", &scan(PASSATA, "B1"), "--qty", "5", "--json"]);
    b.sync_ok(&two.url, &tb);
    a.sync_ok(&one.url, &ta);
    assert_eq!(a.lot(PASSATA, "A1")["status"], "on_hold");
    assert_converged(&one.url, &admin, &[&a, &b]);
    assert_converged(&two.url, &admin, &[&a, &b]);
}
