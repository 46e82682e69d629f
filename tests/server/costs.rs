//! Costs travel with the sync like every other event: station A receives flour with a unit
//! cost, makes sauce with labour and overhead and ships some with a price; station B pulls and
//! costs the sauce exactly as A does; B corrects the flour's cost (the supplier's invoice),
//! A pulls the correction and its sauce is costed anew; the server holds every cost event
//! once and both stations converge.

use super::common::*;
use super::{PASSATA, SAUCE, scan};
use serde_json::Value;

fn costs_sync(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let ta = token(&db, "A", "station", None);
    let tb = token(&db, "B", "station", None);
    let server = Server::start(&db);
    let url = server.url.clone();
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let a = Station::new(dir.path(), "A");
    let b = Station::new(dir.path(), "B");

    for (gtin, name) in [(PASSATA, "Passata"), (SAUCE, "Sauce")] {
        a.register_released(&url, &ta, gtin, name);
    }
    // 50 at 0.80 (40.00); 20 of it into 10 sauce with 6.00 labour and 1.50 overhead:
    // 16.00 + 7.50 = 23.50, 2.35 a unit.
    a.ok(&[
        "receive",
        &scan(PASSATA, "C1"),
        "--qty",
        "50",
        "--unit-cost",
        "0.80",
        "--json",
    ]);
    let made = a.ok(&[
        "produce",
        "--product",
        SAUCE,
        "--qty",
        "10",
        "--consume",
        &format!("(01){PASSATA}(10)C1(30)20"),
        "--labour",
        "6.00",
        "--overhead",
        "1.50",
        "--json",
    ]);
    let sauce = made["batch"].as_str().unwrap().to_string();
    a.ok(&[
        "dispatch",
        &scan(SAUCE, &sauce),
        "--qty",
        "4",
        "--customer",
        "Northwind",
        "--unit-price",
        "3.10",
        "--json",
    ]);
    let cost = |s: &Station| -> Value { s.ok(&["cost", &sauce, "--gtin", SAUCE, "--json"]) };
    let at_a = cost(&a);
    assert_eq!(at_a["unit_cost"], "2.3500", "{at_a}");
    assert_eq!(at_a["total_cost"], "23.50");

    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    assert_eq!(cost(&b), at_a, "B costs A's batch as A does");
    let report = |s: &Station| -> Value { s.ok(&["cost", "report", "--by", "customer", "--json"]) };
    let at_b = report(&b);
    assert_eq!(at_b["lines"][0]["revenue"], "12.40", "{at_b}");
    assert_eq!(at_b["lines"][0]["cogs"], "9.40");
    assert_eq!(at_b["lines"][0]["margin"], "3.00");
    assert_eq!(at_b, report(&a));

    // The invoice says 0.95: 19.00 + 7.50 = 26.50, 2.65 a unit, at B and, once synced, at A.
    b.ok(&[
        "cost",
        "correct",
        "C1",
        "--gtin",
        PASSATA,
        "--unit-cost",
        "0.95",
        "--reason",
        "invoice INV-88",
        "--json",
    ]);
    assert_eq!(cost(&b)["unit_cost"], "2.6500");
    assert_eq!(cost(&a)["unit_cost"], "2.3500", "A has not heard yet");
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    let corrected = cost(&a);
    assert_eq!(corrected["unit_cost"], "2.6500", "{corrected}");
    assert_eq!(corrected, cost(&b));
    assert_eq!(report(&a)["lines"][0]["cogs"], "10.60");

    // The correction once at the server, its amount a decimal string.
    let events = server_events(&url, &admin);
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event"]["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "cost_corrected").count(),
        1,
        "{kinds:?}"
    );
    let correction = events
        .iter()
        .find(|e| e["event"]["kind"] == "cost_corrected")
        .unwrap();
    assert_eq!(correction["event"]["unit_cost"], "0.95");
    assert_converged(&url, &admin, &[&a, &b]);

    // The server checks money like the station: a negative unit cost, a cost as a JSON number
    // (a float on the way) and a correction of nothing are refused, naming the field.
    let receipt = |cost: Value| {
        serde_json::json!({"kind": "lot_received", "gtin": PASSATA, "batch": "X1",
            "expiry": null, "quantity": 1, "location": "DOCK", "status": "released",
            "supplier": null, "sscc": null, "po": null, "unit_cost": cost})
    };
    let correction = serde_json::json!({"kind": "cost_corrected", "gtin": PASSATA,
        "batch": "C1", "currency": "EUR", "reason": "nothing"});
    for (event, says) in [
        (
            receipt(serde_json::json!({"amount": "-1", "currency": "EUR"})),
            "unit_cost.amount",
        ),
        (
            receipt(serde_json::json!({"amount": "0.123456", "currency": "EUR"})),
            "unit_cost.amount",
        ),
        (
            receipt(serde_json::json!({"amount": 1.25, "currency": "EUR"})),
            "",
        ),
        (
            receipt(serde_json::json!({"amount": "1", "currency": "eur"})),
            "",
        ),
        (correction, "names no cost"),
    ] {
        push_refused(&url, &ta, &event, says);
    }
    assert_eq!(
        server_events(&url, &admin).len(),
        events.len(),
        "nothing stored"
    );
}

#[test]
fn costs_sync_between_stations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    costs_sync(Backend::sqlite(dir.path()));
}

#[test]
fn costs_sync_between_stations_on_postgres() {
    costs_sync(Backend::postgres());
}
