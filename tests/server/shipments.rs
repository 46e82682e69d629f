//! A closed shipment travels with the sync like every other event: two stations of one site,
//! each with its own SSCC extension digit, close shipments offline; after the sync each holds
//! the other's close, no SSCC is made twice, a dispatch under the other station's closed
//! reference is refused, and the server refuses a close it cannot check.

use super::common::*;
use super::{PASSATA, scan};
use serde_json::Value;

/// Gives a test station the site's company prefix and its own extension digit.
fn allocates(s: &Station, extension: u8) {
    let config = std::fs::read_to_string(&s.config).unwrap().replacen(
        "[site]\n",
        &format!("[site]\ncompany_prefix = \"9501101\"\nsscc_extension = {extension}\n"),
        1,
    );
    std::fs::write(&s.config, config).unwrap();
}

fn close(s: &Station, dir: &std::path::Path, reference: &str) -> Value {
    s.ok(&[
        "shipment",
        "close",
        "--customer",
        "Northwind",
        "--shipment",
        reference,
        "--out",
        dir.to_str().unwrap(),
        "--json",
    ])
}

fn built_sscc(closed: &Value) -> String {
    closed["closed"]["pallets"][0]["sscc"]
        .as_str()
        .unwrap()
        .to_string()
}

fn shipments_sync(backend: Backend) {
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
    allocates(&a, 1);
    allocates(&b, 2);
    a.register_released(&url, &ta, PASSATA, "Passata");
    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    for (s, lot) in [(&a, "SA"), (&b, "SB")] {
        s.ok(&["receive", &scan(PASSATA, lot), "--qty", "50", "--json"]);
        s.ok(&[
            "dispatch",
            &scan(PASSATA, lot),
            "--qty",
            "6",
            "--customer",
            "Northwind",
            "--shipment",
            &format!("SO-{}", s.name),
            "--json",
        ]);
    }
    // Both close offline: each its first serial, under its own extension digit.
    let at_a = close(&a, dir.path(), "SO-A");
    let at_b = close(&b, dir.path(), "SO-B");
    let (sa, sb) = (built_sscc(&at_a), built_sscc(&at_b));
    assert!(sa.starts_with("19501101"), "{sa}");
    assert!(sb.starts_with("29501101"), "{sb}");
    assert_ne!(sa, sb);

    a.sync_ok(&url, &ta);
    b.sync_ok(&url, &tb);
    a.sync_ok(&url, &ta);
    // Each station holds both closes; B refuses a dispatch under A's closed reference.
    for s in [&a, &b] {
        let list = s.ok(&["shipment", "list", "--json"]);
        assert_eq!(list["closed"].as_array().unwrap().len(), 2, "{list}");
        assert_eq!(list["open"].as_array().unwrap().len(), 0, "{list}");
    }
    let refused = b.run(&[
        "dispatch",
        &scan(PASSATA, "SB"),
        "--qty",
        "1",
        "--customer",
        "Northwind",
        "--shipment",
        "SO-A",
        "--json",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("\"shipment_closed\""),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let events = server_events(&url, &admin);
    let closes = events
        .iter()
        .filter(|e| e["event"]["kind"] == "shipment_closed")
        .count();
    assert_eq!(closes, 2, "each close once at the server");
    assert_converged(&url, &admin, &[&a, &b]);

    // The server checks a close like the station: an SSCC with a wrong check digit, and a
    // built pallet's SSCC outside the prefix it names, are refused naming the field.
    let line = serde_json::json!({"dispatch": "x", "gtin": PASSATA, "batch": "SA",
        "expiry": null, "quantity": 1});
    for (pallet, says) in [
        (
            serde_json::json!({"sscc": "195011010000000011", "lines": [line]}),
            "pallets[0].sscc",
        ),
        (
            serde_json::json!({"sscc": "295011010000000012", "allocated_under": "19501101",
                "lines": [line]}),
            "pallets[0].sscc",
        ),
        (
            serde_json::json!({"sscc": "295011010000000012", "lines": []}),
            "pallets[0].lines",
        ),
    ] {
        let event = serde_json::json!({"kind": "shipment_closed", "customer": "Northwind",
            "shipment": "SO-X", "pallets": [pallet]});
        push_refused(&url, &ta, &event, says);
    }
    assert_eq!(
        server_events(&url, &admin).len(),
        events.len(),
        "nothing stored"
    );
}

#[test]
fn closed_shipments_sync_between_stations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    shipments_sync(Backend::sqlite(dir.path()));
}

#[test]
fn closed_shipments_sync_between_stations_on_postgres() {
    shipments_sync(Backend::postgres());
}
