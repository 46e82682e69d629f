//! Sites at scale (bounded, loopback, PostgreSQL): 200 stations in 20 sites, each recording
//! receipts at a steady rate and syncing, plus one site's recall of a lot another site
//! received. Every station converges with its site, the recall reaches exactly the stations of
//! the sites that hold the lot, and each store holds its own site's data only.

use std::collections::BTreeSet;
use std::time::Duration;

use lotline::domain::{EventKind, LotStatus};
use lotline::sync::{HttpTransport, sync_once};
use serde_json::{Value, json};

use super::common::*;

const SITES: usize = 20;
const PER_SITE: usize = 10;
const ROUNDS: usize = 3;
const SCANS_PER_ROUND: usize = 4;
/// The site that receives the lot, the one it goes to, and the one that recalls it there.
const RECEIVER: usize = 1;
const TRANSFER_TO: usize = 3;

fn gln(site: usize) -> String {
    let body = format!("401234510{site:03}");
    format!("{body}{}", lotline::gs1::check_digit(&body).unwrap())
}

/// Each site stocks its own product (so a recall of one names a product only that site and
/// the sites its lots went to stock).
fn gtin(site: usize) -> String {
    let body = format!("0950110154{site:03}");
    format!("{body}{}", lotline::gs1::check_digit(&body).unwrap())
}

struct Sited {
    station: Station,
    token: String,
    site: usize,
}

fn receive(s: &Sited, batch: &str) {
    let mut store = s.station.store();
    store
        .append(
            &s.station.name,
            "worker",
            EventKind::LotReceived {
                gtin: gtin(s.site),
                batch: batch.into(),
                expiry: None,
                quantity: 10,
                location: "DOCK".into(),
                status: LotStatus::Quarantined,
                supplier: Some("Farm".into()),
                sscc: None,
                po: None,
                unit_cost: None,
            },
        )
        .unwrap();
}

fn sync(url: &str, s: &Sited) {
    let mut store = s.station.store();
    let transport = HttpTransport::new(url, &s.token, Duration::from_secs(60), None);
    sync_once(&mut store, &transport, &mut |_| {})
        .unwrap_or_else(|e| panic!("{} failed to sync: {e}", s.station.name));
}

/// Runs `f` on every station, on a few threads (the server sees many at once).
fn each(stations: &[Sited], f: impl Fn(&Sited) + Sync) {
    let chunk = stations.len().div_ceil(8);
    std::thread::scope(|scope| {
        for part in stations.chunks(chunk) {
            let f = &f;
            scope.spawn(move || part.iter().for_each(f));
        }
    });
}

#[test]
fn two_hundred_stations_in_twenty_sites_converge_by_site() {
    let backend = Backend::postgres();
    let db = backend.url();
    let dir = tempfile::tempdir().unwrap();
    let admin = token(&db, "hq", "admin", None);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let server = Server::start(&db);
    let url = server.url.clone();
    let api = |path: &str| format!("{url}/api/v1{path}");
    for site in 0..SITES {
        let body = json!({"gln": gln(site), "name": format!("Site {site}")}).to_string();
        let (code, v) = http("POST", &api("/sites"), Some(&admin), Some(body.as_bytes()));
        assert_eq!(code, 201, "{v}");
    }
    let stations: Vec<Sited> = (0..SITES * PER_SITE)
        .map(|i| {
            let (site, name) = (
                i / PER_SITE,
                format!("S{:02}-{:02}", i / PER_SITE, i % PER_SITE),
            );
            let body = json!({"station": name, "role": "station", "site": gln(site)}).to_string();
            let (code, v) = http("POST", &api("/tokens"), Some(&admin), Some(body.as_bytes()));
            assert_eq!(code, 201, "{v}");
            Sited {
                station: Station::new(dir.path(), &name),
                token: v["token"].as_str().unwrap().to_string(),
                site,
            }
        })
        .collect();

    // Each site's first station registers its product; every station learns them.
    for s in stations.iter().filter(|s| s.station.name.ends_with("-00")) {
        s.station
            .store()
            .append(
                &s.station.name,
                "worker",
                EventKind::ProductRegistered {
                    gtin: gtin(s.site),
                    name: format!("Product of site {}", s.site),
                    receive_as: LotStatus::Quarantined,
                    receiving: Default::default(),
                },
            )
            .unwrap();
    }
    each(&stations, |s| sync(&url, s));

    // A steady rate: every round, each station receives a few lots and syncs.
    for round in 0..ROUNDS {
        each(&stations, |s| {
            for i in 0..SCANS_PER_ROUND {
                receive(s, &format!("{}-{round}-{i}", s.station.name));
            }
            sync(&url, s);
        });
    }

    // Site 1 receives lot X and sends part of it to site 3, which then recalls it.
    let receiver = &stations[RECEIVER * PER_SITE];
    let recaller = &stations[TRANSFER_TO * PER_SITE];
    receive(receiver, "X");
    // Sent under quarantine to the other site's lab (recorded as the dispatch it is; the
    // station's screen would ask for a release first).
    receiver
        .station
        .store()
        .append(
            &receiver.station.name,
            "worker",
            EventKind::LotDispatched {
                gtin: gtin(RECEIVER),
                batch: "X".into(),
                quantity: 4,
                customer: gln(TRANSFER_TO),
                shipment: None,
                from: vec![("DOCK".into(), 4)],
                sscc: None,
                unit_price: None,
            },
        )
        .unwrap();
    sync(&url, receiver);
    sync(&url, recaller);
    recaller.station.ok_as(
        SUPERVISOR,
        &[
            "recall",
            "start",
            "X",
            "--gtin",
            &gtin(RECEIVER),
            "--reason",
            "foreign body",
            "--json",
        ],
    );
    sync(&url, recaller);
    // Everyone catches up (twice: what one pushed in the first pass, the next pulls).
    for _ in 0..2 {
        each(&stations, |s| sync(&url, s));
    }

    // Every station converged with its site: no backlog, the same events as its site's
    // other stations, its chain intact.
    let ids = |s: &Sited| s.station.event_ids();
    for site in stations.chunks(PER_SITE) {
        let first = ids(&site[0]);
        for s in site {
            let store = s.station.store();
            assert_eq!(
                store.outbox_len().unwrap(),
                0,
                "{} has a backlog",
                s.station.name
            );
            store.verify().unwrap();
            assert_eq!(ids(s), first, "{} differs from its site", s.station.name);
        }
    }
    // The recall reached exactly the stations of the sites that hold lot X.
    for s in &stations {
        let store = s.station.store();
        let recalled = store
            .events()
            .unwrap()
            .iter()
            .any(|e| matches!(e.event, EventKind::RecallStarted { .. }));
        let holds = [RECEIVER, TRANSFER_TO].contains(&s.site);
        assert_eq!(
            recalled, holds,
            "{}: recall reached = {recalled}",
            s.station.name
        );
        if holds {
            let lot = s.station.lot(&gtin(RECEIVER), "X");
            assert_eq!(lot["status"], "recalled", "{}: {lot}", s.station.name);
        }
    }
    // Each store holds its site's data only: other sites' events are master data, or lot X
    // at the two sites that hold it.
    let x = (gtin(RECEIVER), "X".to_string());
    for s in &stations {
        let own_site = format!("S{:02}-", s.site);
        for e in s.station.store().events().unwrap() {
            if e.station.starts_with(&own_site) {
                continue;
            }
            let about_x = e
                .event
                .lots()
                .iter()
                .any(|(g, b)| (*g, *b) == (x.0.as_str(), x.1.as_str()));
            let master = matches!(
                e.event,
                EventKind::ProductRegistered { .. } | EventKind::PersonEnrolled { .. }
            );
            assert!(
                master || (about_x && [RECEIVER, TRANSFER_TO].contains(&s.site)),
                "{} holds {} from {}",
                s.station.name,
                e.event.name(),
                e.station
            );
        }
    }
    // And the server holds every event once: 200 stations' receipts, the products, the
    // transfer and the recall.
    let all: Vec<Value> = server_events(&url, &admin);
    let once: BTreeSet<String> = event_ids_once(&all);
    let receipts = SITES * PER_SITE * ROUNDS * SCANS_PER_ROUND + 1;
    assert!(once.len() > receipts + SITES, "{} events", once.len());
}
