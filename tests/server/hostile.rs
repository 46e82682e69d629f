//! A hostile client against a real server, on SQLite and PostgreSQL: forged stations, events
//! edited in a station's store, conflicting and non-canonical ids, absurd numbers and strings.
//! Each is refused with the right status and nothing of it is stored; the server stays up and
//! logs every request; the honest stations still converge. And the sync never wedges: a
//! poisoned event is refused alone and shown at the station, the events behind it go on, and
//! a recall of 10,000 lots (one event of several MB) syncs.

use lotline::domain::chain::GENESIS;
use lotline::domain::recall::{CoveredLot, RecallItem};
use lotline::domain::status::Role;
use lotline::domain::trace::LotRef;
use lotline::domain::{EventKind, LotStatus};
use lotline::people::Sealed;
use serde_json::{Value, json};

use crate::common::*;

const GTIN: &str = "09501101530003";

fn scan(batch: &str) -> String {
    format!("(01){GTIN}(17)271231(10){batch}")
}

/// A receipt as station `station` would push it, with `id`.
fn receipt(id: &str, station: &str) -> Value {
    json!({"id": id, "at": "2026-12-01T08:00:00.000000Z", "station": station, "actor": "w",
           "event": {"kind": "lot_received", "gtin": GTIN, "batch": "H1", "expiry": "2027-12-31",
                     "quantity": 10, "location": "DOCK", "status": "released", "supplier": null,
                     "sscc": null, "po": null}})
}

fn push(url: &str, token: &str, events: &[Value], per_event: bool) -> (u16, Value) {
    let q = if per_event { "?per_event=true" } else { "" };
    http(
        "POST",
        &format!("{url}/api/v1/sync/push{q}"),
        Some(token),
        Some(
            json!({"events": events, "backlog": 0})
                .to_string()
                .as_bytes(),
        ),
    )
}

fn with(mut e: Value, path: &[&str], v: Value) -> Value {
    let mut at = &mut e;
    for p in &path[..path.len() - 1] {
        at = &mut at[*p];
    }
    at[path[path.len() - 1]] = v;
    e
}

fn hostile(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let ta = token(&db, "A", "station", None);
    let tb = token(&db, "B", "station", None);
    let tc = token(&db, "C", "station", None);
    let server = Server::start(&db);
    let url = server.url.clone();
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let (a, b, c) = (
        Station::new(dir.path(), "A"),
        Station::new(dir.path(), "B"),
        Station::new(dir.path(), "C"),
    );
    for (s, t) in [(&a, &ta), (&b, &tb), (&c, &tc)] {
        s.register_released(&url, t, GTIN, "Passata");
    }
    a.ok(&["receive", &scan("A1"), "--qty", "10", "--json"]);
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    let before = server_events(&url, &admin);
    let held = before
        .iter()
        .find(|e| e["event"]["kind"] == "lot_received")
        .unwrap()
        .clone();
    let held_id = held["id"].as_str().unwrap().to_string();
    // Linked, so it is refused for what it is (a held id with other content), not for a
    // missing link.
    let edited = linked(
        &with(held.clone(), &["event", "quantity"], json!(11)),
        GENESIS,
    );
    let fresh = "01a21233-7f9f-707c-b162-a4bf604976f9";

    // (what, events of one push, status, words the error must hold)
    let cases: Vec<(&str, Vec<Value>, u16, &str)> = vec![
        (
            "forged station",
            vec![receipt(fresh, "B")],
            403,
            "labelled station \"B\"",
        ),
        (
            "a held id with other content",
            vec![edited],
            409,
            "other content",
        ),
        (
            "one id twice in a batch with other content",
            vec![
                linked(&receipt(fresh, "A"), GENESIS),
                linked(
                    &with(receipt(fresh, "A"), &["event", "quantity"], json!(12)),
                    GENESIS,
                ),
            ],
            409,
            "other content",
        ),
        (
            "upper-case id",
            vec![receipt(&held_id.to_uppercase(), "A")],
            400,
            "lowercase, hyphenated",
        ),
        (
            "braced id",
            vec![receipt(&format!("{{{held_id}}}"), "A")],
            400,
            "not a UUID",
        ),
        (
            "urn id",
            vec![receipt(&format!("urn:uuid:{held_id}"), "A")],
            400,
            "not a UUID",
        ),
        (
            "u64::MAX quantity",
            vec![with(
                receipt(fresh, "A"),
                &["event", "quantity"],
                json!(u64::MAX),
            )],
            400,
            "quantity is 18446744073709551615",
        ),
        (
            "GTIN check digit",
            vec![with(
                receipt(fresh, "A"),
                &["event", "gtin"],
                json!("09501101530004"),
            )],
            400,
            "gtin is not a GTIN-14",
        ),
        (
            "empty batch",
            vec![with(receipt(fresh, "A"), &["event", "batch"], json!(""))],
            400,
            "batch is not a GS1 batch",
        ),
        (
            "5,000-character batch",
            vec![with(
                receipt(fresh, "A"),
                &["event", "batch"],
                json!("B".repeat(5000)),
            )],
            400,
            "batch is not a GS1 batch",
        ),
        (
            "NUL in a location",
            vec![with(
                receipt(fresh, "A"),
                &["event", "location"],
                json!("DO\u{0}CK"),
            )],
            400,
            "location has the control character U+0000",
        ),
        (
            "expiry in year 262142",
            vec![with(
                receipt(fresh, "A"),
                &["event", "expiry"],
                json!("+262142-12-31"),
            )],
            400,
            "expiry is +262142-12-31",
        ),
        (
            "time in 1970",
            vec![with(
                receipt(fresh, "A"),
                &["at"],
                json!("1970-01-01T00:00:00Z"),
            )],
            400,
            "at is",
        ),
        (
            "unknown kind",
            vec![with(
                receipt(fresh, "A"),
                &["event", "kind"],
                json!("lot_teleported"),
            )],
            400,
            "not an event this server knows",
        ),
    ];
    for (what, events, want, words) in &cases {
        // Alone, and after a good event: all or nothing, so neither is stored.
        // (Linked: all or nothing, the case's event refuses the batch before any link counts.)
        let mut batch = vec![linked(
            &receipt("01a21233-7f9f-707c-b162-000000000001", "A"),
            GENESIS,
        )];
        batch.extend(events.iter().cloned());
        let (status, v) = push(&url, &ta, &batch, false);
        assert_eq!(status, *want, "{what}: {v}");
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(words), "{what}: {error}");
        assert!(error.contains("of the batch is refused"), "{what}: {error}");
        if events.len() > 1 {
            continue; // per event, the first of the two would be stored
        }
        let (status, v) = push(&url, &ta, events, true);
        assert_eq!(status, 200, "{what}: {v}");
        let refused = v["refused"].as_array().unwrap();
        assert!(
            refused
                .iter()
                .any(|r| r["status"] == *want && r["error"].as_str().unwrap().contains(words)),
            "{what}: {v}"
        );
    }
    assert_eq!(
        server_events(&url, &admin),
        before,
        "a refused push stored something"
    );

    // Per event, a poisoned event between good ones: the good ones are stored. (Pushed as
    // station D, which has no store: a station never pulls back what its token pushed. Its
    // events are linked as a station links them: the poisoned one is refused and keeps its
    // place in D's chain.)
    let td = token(&db, "D", "station", None);
    let good0 = linked(
        &with(
            receipt("01a21233-7f9f-707c-b162-000000000101", "D"),
            &["event", "batch"],
            json!("P1"),
        ),
        GENESIS,
    );
    let poisoned = linked(
        &with(receipt(fresh, "D"), &["event", "quantity"], json!(u64::MAX)),
        &link_of(&good0),
    );
    let good1 = linked(
        &with(
            receipt("01a21233-7f9f-707c-b162-000000000102", "D"),
            &["event", "batch"],
            json!("P2"),
        ),
        &link_of(&poisoned),
    );
    let good = vec![good0.clone(), good1.clone()];
    let (status, v) = push(&url, &td, &[good0, poisoned, good1], true);
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["stored"], 2, "{v}");
    assert_eq!(v["acked"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["refused"][0]["index"], 1, "{v}");
    assert_eq!(v["refused"][0]["id"], fresh, "{v}");
    assert_eq!(v["refused"][0]["status"], 400, "{v}");
    // The same again: acknowledged, nothing new.
    let (status, v) = push(&url, &td, &good, true);
    assert_eq!((status, v["stored"].clone()), (200, json!(0)), "{v}");
    // Absurd query numbers: a status, not a panic.
    let (status, _) = http(
        "GET",
        &format!("{url}/api/v1/sync/pull?after=-9223372036854775808&limit=18446744073709551615"),
        Some(&ta),
        None,
    );
    assert!(status == 200 || status == 400, "{status}");

    // Station C: a poisoned event in its own outbox (recorded past the workflows, straight
    // into the store), another labelled with station B, and an event edited in the store file
    // after it was recorded.
    c.ok(&["receive", &scan("C1"), "--qty", "5", "--json"]);
    let (bad, forged) = {
        let mut store = c.store();
        let bad = store
            .append(
                "C",
                "w",
                EventKind::LotReceived {
                    gtin: "09501101530004".into(),
                    batch: "C2".into(),
                    expiry: None,
                    quantity: 5,
                    location: "DOCK".into(),
                    status: LotStatus::Released,
                    supplier: None,
                    sscc: None,
                    po: None,
                    unit_cost: None,
                },
            )
            .unwrap();
        let forged = store
            .append(
                "B",
                "w",
                EventKind::LotMoved {
                    gtin: GTIN.into(),
                    batch: "C1".into(),
                    from: "DOCK".into(),
                    to: "RACK".into(),
                    quantity: 1,
                },
            )
            .unwrap();
        (bad, forged)
    };
    c.ok(&["receive", &scan("C3"), "--qty", "5", "--json"]);
    let out = c.sync(&url, &tc);
    assert_eq!(
        out.status.code(),
        Some(3),
        "refused events make the round partly done: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let round: Value = serde_json::from_slice(&out.stdout).unwrap();
    let refused = round["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 2, "{round}");
    assert_eq!(refused[0]["id"], bad.id.as_str());
    assert_eq!(refused[0]["status"], 400);
    assert!(
        refused[0]["error"].as_str().unwrap().contains("gtin"),
        "{round}"
    );
    assert_eq!(refused[1]["id"], forged.id.as_str());
    assert_eq!(refused[1]["status"], 403);
    let state = c.store().sync_status().unwrap();
    assert_eq!((state.backlog, state.refused), (0, 2), "{state:?}");
    let last = state.last_refusal.unwrap();
    assert!(last.contains(&forged.id) && last.contains("403"), "{last}");
    let on_server = event_ids_once(&server_events(&url, &admin));
    assert!(!on_server.contains(&bad.id) && !on_server.contains(&forged.id));
    // C3, behind them, went through; the next round sends nothing again.
    let lots = server_lots(&server_events(&url, &admin));
    assert!(
        lots.contains(&(GTIN.to_string(), "C3".to_string())),
        "{lots:?}"
    );
    let again = c.sync_ok(&url, &tc);
    assert_eq!(
        (again["pushed"].clone(), again["refused"].clone()),
        (json!(0), json!([]))
    );

    // An event edited in the store file: not pushed, named, and the round says so.
    c.ok(&["receive", &scan("C4"), "--qty", "5", "--json"]);
    let target = c.store().outbox_batch(1).unwrap().remove(0);
    rusqlite::Connection::open(&c.db)
        .unwrap()
        .execute(
            "UPDATE events SET payload = replace(payload, '\"quantity\":5', '\"quantity\":500') WHERE seq = ?1",
            [target.seq],
        )
        .unwrap();
    c.ok(&["receive", &scan("C5"), "--qty", "5", "--json"]);
    let out = c.sync(&url, &tc);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&target.id) && err.contains("altered"), "{err}");
    let on_server = server_lots(&server_events(&url, &admin));
    assert!(
        !on_server.iter().any(|(_, b)| b == "C4" || b == "C5"),
        "an edited event (or one after it) reached the server"
    );
    assert!(
        c.store()
            .sync_status()
            .unwrap()
            .last_error
            .unwrap()
            .contains("altered")
    );

    // The server is up and logged every request: route pattern, status, station.
    let (status, _) = http("GET", &format!("{url}/api/v1/health"), None, None);
    assert_eq!(status, 200);
    let log = server.log_with("route=/api/v1/health");
    for line in [
        "method=POST route=/api/v1/sync/push status=403 station=A",
        "method=POST route=/api/v1/sync/push status=409 station=A",
        "method=POST route=/api/v1/sync/push status=200 station=C",
        "method=GET route=/api/v1/events status=200 station=hq",
        "method=GET route=/api/v1/health status=200 station=-",
    ] {
        assert!(log.contains(line), "no `{line}` in the log:\n{log}");
    }
    assert!(log.contains("latency_ms="), "{log}");

    // The honest stations still converge (with C's good events, the good pushes above).
    a.ok(&["receive", &scan("A2"), "--qty", "10", "--json"]);
    b.ok(&["receive", &scan("B1"), "--qty", "10", "--json"]);
    for _ in 0..2 {
        a.sync_ok(&url, &ta);
        b.sync_ok(&url, &tb);
    }
    assert_converged(&url, &admin, &[&a, &b]);
}

#[test]
fn a_hostile_client_is_refused_and_stores_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    hostile(Backend::sqlite(dir.path()));
}

#[test]
fn a_hostile_client_is_refused_and_stores_nothing_on_postgres() {
    hostile(Backend::postgres());
}

/// A recall of 10,000 lots is one event of several MB, far over a batch: it goes alone, the
/// server takes it, and another station pulls it and the lots' new status.
fn recall_of_10000_lots(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let server = Server::start(&db);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let (a, b) = (Station::new(dir.path(), "A"), Station::new(dir.path(), "B"));
    a.register_released(&server.url, &ta, GTIN, "Passata");
    // The product reaches the server.
    a.sync_ok(&server.url, &ta);
    const N: usize = 10_000;
    let lots: Vec<LotRef> = (0..N)
        .map(|i| LotRef::new(GTIN, format!("R{i:05}")))
        .collect();
    let customers = ["Northwind", "Contoso", "Fabrikam"];
    {
        // As the station records them: 10,000 receipts, then the recall (what each lot has on
        // hand and what went to which customer) with the lots' status changes, in one
        // transaction, as `recall start` writes it.
        let mut store = a.store();
        store
            .append_all(
                "A",
                "worker-A",
                lots.iter()
                    .map(|l| EventKind::LotReceived {
                        gtin: l.gtin.clone(),
                        batch: l.batch.clone(),
                        expiry: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
                        quantity: 100,
                        location: "DOCK-A".into(),
                        status: LotStatus::Released,
                        supplier: Some("Farm".into()),
                        sscc: None,
                        po: Some("PO-7".into()),
                        unit_cost: None,
                    })
                    .collect(),
            )
            .unwrap();
        let reason = "supplier recall R-17: possible glass fragments";
        let mut events = vec![EventKind::RecallStarted {
            recall: "RC-261201-0A1B2C".into(),
            reason: reason.into(),
            role: Role::Supervisor,
            include_derived: true,
            named: lots[..1].to_vec(),
            lots: lots
                .iter()
                .enumerate()
                .map(|(i, l)| CoveredLot {
                    lot: l.clone(),
                    named: i == 0,
                    status: LotStatus::Released,
                    on_hand: 40,
                })
                .collect(),
            items: lots
                .iter()
                .flat_map(|l| {
                    std::iter::once(RecallItem {
                        lot: l.clone(),
                        customer: None,
                        quantity: 40,
                    })
                    .chain(customers.iter().map(|c| RecallItem {
                        lot: l.clone(),
                        customer: Some(c.to_string()),
                        quantity: 20,
                    }))
                })
                .collect(),
        }];
        let size = serde_json::to_vec(&events[0]).unwrap().len();
        assert!(
            size > lotline::protocol::PUSH_BATCH_BYTES,
            "the recall is {size} bytes, more than a batch"
        );
        println!("a recall of {N} lots: one event of {size} bytes");
        for l in &lots {
            events.push(EventKind::LotStatusChanged {
                gtin: l.gtin.clone(),
                batch: l.batch.clone(),
                from: LotStatus::Released,
                to: LotStatus::Recalled,
                role: Role::Supervisor,
                reason: format!("recall RC-261201-0A1B2C: {reason}"),
            });
        }
        // Signed by the supervisor, as `recall start --person sup` records it.
        let sup = store.person(SUPERVISOR.0).unwrap().unwrap();
        let signer = sup
            .credential
            .unlock(&sup.id, sup.role, SUPERVISOR.1)
            .unwrap();
        store
            .append_signed("A", SUPERVISOR.0, events, Some(&signer))
            .unwrap();
    }
    let r = a.sync_ok(&server.url, &ta);
    assert_eq!(r["pushed"], 2 * N + 1, "{r}");
    assert_eq!(r["refused"], json!([]), "{r}");
    // B pulls everything: the supervisor's account, the product, the receipts, the recall.
    let r = b.sync_ok(&server.url, &tb);
    assert_eq!(r["pulled"], 2 * N + 3, "{r}");
    assert_eq!(b.lot(GTIN, "R09999")["status"], "recalled");
    let events = server_events(&server.url, &admin);
    assert_eq!(event_ids_once(&events).len(), 2 * N + 3);
}

#[test]
fn a_recall_of_10000_lots_syncs_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    recall_of_10000_lots(Backend::sqlite(dir.path()));
}

#[test]
fn a_recall_of_10000_lots_syncs_on_postgres() {
    recall_of_10000_lots(Backend::postgres());
}

/// A lot status change of `batch` to `to` as station A would push it, by `actor`, signed with
/// `signer` over the event with id `signed_id` (the event's own id for an honest signature).
fn decision(
    id: &str,
    signed_id: &str,
    actor: &str,
    batch: &str,
    to: &str,
    signer: Option<&lotline::people::Signer>,
) -> Value {
    let event: EventKind = serde_json::from_value(
        json!({"kind": "lot_status_changed", "gtin": GTIN, "batch": batch,
               "from": "quarantined", "to": to, "role": "supervisor",
               "reason": "forged at a station"}),
    )
    .unwrap();
    signed(id, signed_id, actor, &event, signer)
}

/// `event` as station A would push it with `id`, by `actor`, signed with `signer` over the
/// event with id `signed_id` (the event's own id for an honest signature).
fn signed(
    id: &str,
    signed_id: &str,
    actor: &str,
    event: &EventKind,
    signer: Option<&lotline::people::Signer>,
) -> Value {
    let at = "2026-12-01T09:00:00.000000Z";
    let mut e = json!({"id": id, "at": at, "station": "A", "actor": actor, "event": event});
    if let Some(s) = signer {
        let bytes = lotline::people::signing_bytes(signed_id, at, "A", actor, event);
        e["signature"] = json!(s.sign(&bytes));
    }
    e
}

/// A station token alone can no longer release, reject or recall: the server takes such a
/// decision only signed by an active supervisor it knows, over that very event. At a station,
/// a supervisor proves who they are with their own PIN (wrong ones count toward the lockout);
/// a worker may hold but not release; a PIN change needs the old PIN and reaches the server and
/// every station; the station PIN alone makes a record the server refuses, named at the station.
fn supervisor_decisions(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let server = Server::start(&db);
    let url = server.url.clone();
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    enrol(&db, "wendy", "worker", "246802");
    let (a, b) = (Station::new(dir.path(), "A"), Station::new(dir.path(), "B"));
    a.ok(&[
        "product",
        "add",
        GTIN,
        "--name",
        "Passata",
        "--receive-as",
        "quarantined",
        "--json",
    ]);
    for lot in ["Q1", "Q2", "Q3"] {
        a.ok(&["receive", &scan(lot), "--qty", "10", "--json"]);
    }
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    let people = a.ok(&["person", "list", "--json"]);
    assert_eq!(people.as_array().unwrap().len(), 2, "{people}");

    // Keys as a hostile station holding the store could open them with the PINs.
    let store = a.store();
    let open = |id: &str, pin: &str| {
        let p = store.person(id).unwrap().unwrap();
        p.credential.unlock(&p.id, p.role, pin).unwrap()
    };
    let (sup, wendy) = (open(SUPERVISOR.0, SUPERVISOR.1), open("wendy", "246802"));
    let held = server_events(&url, &admin).len();
    let ids = [
        "01a21233-7f9f-707c-b162-a4bf60497601",
        "01a21233-7f9f-707c-b162-a4bf60497602",
    ];
    let cred = store.person("wendy").unwrap().unwrap().credential;
    // The supervisor's credential replaced by another key (the worker's).
    let sup_new_key = EventKind::PersonCredentialChanged {
        person: "sup".into(),
        credential: cred.clone(),
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unsigned, claiming the supervisor",
            decision(ids[0], ids[0], "sup", "Q1", "released", None),
            "signature",
        ),
        (
            "the supervisor's signature of another event (a replay)",
            decision(ids[0], ids[1], "sup", "Q1", "released", Some(&sup)),
            "not sup's",
        ),
        (
            "signed by a worker with her own key",
            decision(ids[0], ids[0], "wendy", "Q1", "released", Some(&wendy)),
            "worker",
        ),
        (
            "the supervisor named, the worker's key",
            decision(ids[0], ids[0], "sup", "Q1", "rejected", Some(&wendy)),
            "not sup's",
        ),
        (
            "an actor the server does not know",
            decision(ids[0], ids[0], "mallory", "Q1", "recalled", Some(&wendy)),
            "no supervisor",
        ),
        (
            "a person enrolled by a station",
            json!({"id": ids[0], "at": "2026-12-01T09:00:00.000000Z", "station": "A",
                   "actor": "w", "event": {"kind": "person_enrolled", "person": "mallory",
                   "name": "M", "role": "admin", "credential": cred}}),
            "at the server only",
        ),
        (
            "the supervisor's PIN changed by the worker",
            signed(ids[0], ids[0], "wendy", &sup_new_key, Some(&wendy)),
            "signed by sup",
        ),
        (
            "a lot received released, of a product that is not released on arrival",
            receipt(ids[0], "A"),
            "not released on arrival",
        ),
        (
            "a product registered released on arrival, unsigned",
            json!({"id": ids[0], "at": "2026-12-01T09:00:00.000000Z", "station": "A",
                   "actor": "w", "event": {"kind": "product_registered", "gtin": GTIN,
                   "name": "Passata", "receive_as": "released"}}),
            "signature",
        ),
        (
            "the supervisor's own PIN change swapping in another key",
            signed(ids[0], ids[0], "sup", &sup_new_key, Some(&sup)),
            "keeps their key",
        ),
        (
            "a receipt naming the worker, unsigned",
            with(
                with(receipt(ids[0], "A"), &["actor"], json!("wendy")),
                &["event", "status"],
                json!("quarantined"),
            ),
            "has an account",
        ),
        (
            "a receipt naming the worker, signed by the supervisor",
            signed(
                ids[0],
                ids[0],
                "wendy",
                &serde_json::from_value(
                    with(
                        receipt(ids[0], "A"),
                        &["event", "status"],
                        json!("quarantined"),
                    )["event"]
                        .clone(),
                )
                .unwrap(),
                Some(&sup),
            ),
            "not signed by wendy",
        ),
    ];
    for (what, event, words) in cases {
        let (status, v) = push(&url, &ta, &[event], true);
        assert_eq!(status, 200, "{what}: {v}");
        let refused = &v["refused"][0];
        assert_eq!(refused["status"], 403, "{what}: {v}");
        assert!(
            refused["error"].as_str().unwrap().contains(words),
            "{what}: {v}"
        );
        assert_eq!(
            server_events(&url, &admin).len(),
            held,
            "{what} stored something"
        );
    }
    // Signed right, but decided on a status the lot does not have at the server (a hold came
    // first, say): refused with 409, nothing stored.
    let late: EventKind = serde_json::from_value(json!({"kind": "lot_status_changed",
        "gtin": GTIN, "batch": "Q1", "from": "on_hold", "to": "released", "role": "supervisor",
        "reason": "the hold was lifted"}))
    .unwrap();
    let (status, v) = push(
        &url,
        &ta,
        &[signed(ids[1], ids[1], "sup", &late, Some(&sup))],
        true,
    );
    assert_eq!(
        (status, v["refused"][0]["status"].clone()),
        (200, json!(409)),
        "{v}"
    );
    assert!(
        v["refused"][0]["error"]
            .as_str()
            .unwrap()
            .contains("is quarantined at the server, not on hold"),
        "{v}"
    );
    assert_eq!(server_events(&url, &admin).len(), held);
    drop(store);

    // A worker signed in at the station (`LOTLINE_PERSON`, her PIN): what she records names
    // her and is signed by her, and the server takes it; a wrong PIN records nothing.
    let before = a.store().event_count().unwrap();
    let wrong = a.run_as(
        ("wendy", "000000"),
        &["receive", &scan("W2"), "--qty", "3", "--json"],
    );
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("credential_refused"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    assert_eq!(a.store().event_count().unwrap(), before);
    a.ok_as(
        ("wendy", "246802"),
        &["receive", &scan("W1"), "--qty", "3", "--json"],
    );
    let last = a.store().outbox_batch(100).unwrap().pop().unwrap();
    assert_eq!(last.actor, "wendy");
    assert!(last.signature.is_some(), "{last:?}");
    a.sync_ok(&url, &ta);
    assert!(
        server_events(&url, &admin)
            .iter()
            .any(|e| e["actor"] == "wendy" && e["event"]["batch"] == "W1"),
        "the worker's receipt did not reach the server"
    );

    // At the station: no PIN (at a station that knows no people yet, where the station PIN
    // would do), a wrong PIN, a worker's release: refused, nothing recorded.
    let c = Station::new(dir.path(), "C");
    c.ok(&["product", "add", GTIN, "--name", "Passata", "--json"]);
    c.ok(&["receive", &scan("C1"), "--qty", "1", "--json"]);
    let no_pin = crate::support::lotline()
        .args(["--db", c.db.to_str().unwrap(), "--config"])
        .arg(&c.config)
        .args([
            "lot", "release", "C1", "--gtin", GTIN, "--reason", "ok", "--json",
        ])
        .env("LOTLINE_ROLE", "supervisor")
        .env_remove("LOTLINE_PIN")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&no_pin.stderr);
    assert!(
        err.contains("credential_refused") && err.contains("needs a PIN"),
        "{err}"
    );
    assert_eq!(c.lot(GTIN, "C1")["status"], "quarantined");
    let wrong = a.run_as(
        ("sup", "000000"),
        &[
            "lot", "release", "Q1", "--gtin", GTIN, "--reason", "ok", "--json",
        ],
    );
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("credential_refused") && err.contains("wrong"),
        "{err}"
    );
    let worker = a.run_as(
        ("wendy", "246802"),
        &[
            "lot", "release", "Q1", "--gtin", GTIN, "--reason", "ok", "--json",
        ],
    );
    assert!(String::from_utf8_lossy(&worker.stderr).contains("only a supervisor"));
    assert_eq!(a.lot(GTIN, "Q1")["status"], "quarantined");

    // The station PIN alone (which names no one) is not enough where people have accounts.
    let station_pin = a.run(&[
        "lot",
        "release",
        "Q1",
        "--gtin",
        GTIN,
        "--reason",
        "looks fine",
        "--role",
        "supervisor",
        "--json",
    ]);
    let err = String::from_utf8_lossy(&station_pin.stderr);
    assert!(
        err.contains("credential_refused") && err.contains("--person"),
        "{err}"
    );
    assert_eq!(a.lot(GTIN, "Q1")["status"], "quarantined");

    // The supervisor with their own PIN: signed, taken by the server, released at B.
    a.ok_as(
        SUPERVISOR,
        &[
            "lot", "release", "Q2", "--gtin", GTIN, "--reason", "lab OK", "--json",
        ],
    );
    a.sync_ok(&url, &ta);
    let signed = server_events(&url, &admin)
        .into_iter()
        .find(|e| e["event"]["kind"] == "lot_status_changed" && e["event"]["batch"] == "Q2")
        .expect("the signed release is on the server");
    assert_eq!(signed["actor"], "sup");
    assert!(signed["signature"].is_string(), "{signed}");
    b.sync_ok(&url, &tb);
    assert_eq!(b.lot(GTIN, "Q2")["status"], "released");
    assert_eq!(b.lot(GTIN, "Q1")["status"], "quarantined");

    // A PIN change needs the old PIN, reaches the server and B; the old PIN is dead there.
    let new_pin = dir.path().join("new-pin");
    std::fs::write(&new_pin, "975310\n").unwrap();
    let bad = a.run_as(
        ("sup", "000000"),
        &[
            "person",
            "pin",
            "sup",
            "--new-pin-file",
            new_pin.to_str().unwrap(),
        ],
    );
    assert!(!bad.status.success());
    a.ok_as(
        SUPERVISOR,
        &[
            "person",
            "pin",
            "sup",
            "--new-pin-file",
            new_pin.to_str().unwrap(),
            "--json",
        ],
    );
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    let old = b.run_as(
        SUPERVISOR,
        &[
            "lot", "reject", "Q3", "--gtin", GTIN, "--reason", "mould", "--json",
        ],
    );
    assert!(String::from_utf8_lossy(&old.stderr).contains("wrong"));
    b.ok_as(
        ("sup", "975310"),
        &[
            "lot", "reject", "Q3", "--gtin", GTIN, "--reason", "mould", "--json",
        ],
    );
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    assert_eq!(a.lot(GTIN, "Q3")["status"], "rejected");
    let (status, _) = http("GET", &format!("{url}/api/v1/health"), None, None);
    assert_eq!(status, 200);
}

#[test]
fn supervisor_decisions_are_proven_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    supervisor_decisions(Backend::sqlite(dir.path()));
}

#[test]
fn supervisor_decisions_are_proven_on_postgres() {
    supervisor_decisions(Backend::postgres());
}

/// A receipt of a quarantined lot as station `station` would push it, with `id`.
fn quarantined(id: &str, station: &str) -> Value {
    with(
        receipt(id, station),
        &["event", "status"],
        json!("quarantined"),
    )
}

/// A station's own events arrive as a chain the server checks on arrival: an event whose link
/// is not its own, or that has none, is refused alone; a push that does not continue the
/// station's chain (an event lost on the way, a store replaced) is refused whole with 412 and
/// nothing of it stored, and the station keeps its events until an admin lets it start a new
/// chain. The honest station syncs throughout.
fn chain_checked(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let ta = token(&db, "A", "station", None);
    let server = Server::start(&db);
    let url = server.url.clone();
    let a = Station::new(dir.path(), "A");
    a.ok(&["product", "add", GTIN, "--name", "Passata", "--json"]);
    a.ok(&["receive", &scan("A1"), "--qty", "10", "--json"]);
    a.sync_ok(&url, &ta);
    let held = server_events(&url, &admin).len();
    let head: String = rusqlite::Connection::open(&a.db)
        .unwrap()
        .query_row(
            "SELECT hash FROM push_links ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let ids = [
        "01a21233-7f9f-707c-b162-000000000201",
        "01a21233-7f9f-707c-b162-000000000202",
        "01a21233-7f9f-707c-b162-000000000203",
    ];
    let e1 = linked(&quarantined(ids[0], "A"), &head);

    // Altered after it was linked, and not linked at all: each refused alone (400).
    let altered = with(e1.clone(), &["event", "quantity"], json!(11));
    for (what, e, words) in [
        ("altered", altered, "does not match the event"),
        ("unlinked", quarantined(ids[0], "A"), "no chain link"),
    ] {
        let (status, v) = push(&url, &ta, &[e], true);
        assert_eq!(status, 200, "{what}: {v}");
        assert_eq!(v["refused"][0]["status"], 400, "{what}: {v}");
        assert!(
            v["refused"][0]["error"].as_str().unwrap().contains(words),
            "{what}: {v}"
        );
    }

    // An event of A's lost on the way: e3 follows an e2 the server never saw.
    let e2 = linked(
        &with(quarantined(ids[1], "A"), &["event", "batch"], json!("A3")),
        &link_of(&e1),
    );
    let e3 = linked(
        &with(quarantined(ids[2], "A"), &["event", "batch"], json!("A4")),
        &link_of(&e2),
    );
    let (status, v) = push(&url, &ta, &[e1, e3], true);
    assert_eq!(status, 412, "{v}");
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains(ids[2]) && error.contains("does not continue station A's chain"),
        "{v}"
    );
    assert!(
        v["hint"]
            .as_str()
            .unwrap()
            .contains("lotline server chain reset A"),
        "{v}"
    );
    assert_eq!(
        server_events(&url, &admin).len(),
        held,
        "a broken push stored something"
    );

    // None of that is in A's chain: the honest station goes on.
    a.ok(&["receive", &scan("A2"), "--qty", "10", "--json"]);
    a.sync_ok(&url, &ta);
    assert!(server_lots(&server_events(&url, &admin)).contains(&(GTIN.into(), "A2".into())));

    // A's store replaced by a new file under the same name and token: its history forks from
    // what A pushed. Refused whole, said at the station, its events kept.
    let renewed = Station {
        name: "A".into(),
        db: dir.path().join("A-renewed.db"),
        config: a.config.clone(),
    };
    renewed.ok(&["product", "add", GTIN, "--name", "Passata", "--json"]);
    renewed.ok(&["receive", &scan("A5"), "--qty", "10", "--json"]);
    let out = renewed.sync(&url, &ta);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("412") && err.contains("lotline server chain reset A"),
        "{err}"
    );
    assert_eq!(renewed.store().outbox_len().unwrap(), 2);
    let lots = server_lots(&server_events(&url, &admin));
    assert!(!lots.contains(&(GTIN.into(), "A5".into())));

    // An admin lets A start a new chain; the waiting events go.
    let out = crate::support::lotline()
        .args(["--db", &db, "server", "chain", "reset", "A"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("forgotten"));
    renewed.sync_ok(&url, &ta);
    assert_eq!(renewed.store().outbox_len().unwrap(), 0);
    assert!(server_lots(&server_events(&url, &admin)).contains(&(GTIN.into(), "A5".into())));
}

#[test]
fn a_station_chain_is_checked_on_arrival_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    chain_checked(Backend::sqlite(dir.path()));
}

#[test]
fn a_station_chain_is_checked_on_arrival_on_postgres() {
    chain_checked(Backend::postgres());
}
