//! Snapshots (issue 19): `lotline server snapshot` builds each site's store as a new station of
//! the site would pull it, the server stores it only when its hash is the one its own events
//! give, and hands it to that site's stations (`GET /sync/snapshot`, `/sync/snapshot/{id}`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use lotline::protocol::SnapshotMeta;
use lotline::server::snapshot::{self, SnapshotRefused};
use lotline::server::{DbUrl, ServerStore};
use lotline::store::Store;
use lotline::sync::{HttpTransport, SyncError, Transport};
use serde_json::Value;

use super::common::*;
use super::sites::{HAMBURG, MUNICH, server_cmd, sited_token};
use super::{PASSATA, SAUCE, scan};

/// The server's database through the library, as the server opens it.
struct Db {
    rt: tokio::runtime::Runtime,
    db: Arc<dyn ServerStore>,
}

impl Db {
    fn open(url: &str) -> Db {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let db = rt.block_on(DbUrl::parse(url).open()).unwrap();
        Db { rt, db }
    }

    fn feed_hash(&self, site: Option<&str>, pos: i64) -> String {
        self.rt
            .block_on(snapshot::feed_hash(self.db.as_ref(), site, pos))
            .unwrap()
    }

    /// A snapshot's file as the database holds it: its chunks, in order.
    fn file(&self, meta: &SnapshotMeta) -> Vec<u8> {
        let mut bytes = Vec::new();
        for n in 0.. {
            match self
                .rt
                .block_on(self.db.snapshot_chunk(&meta.id, n))
                .unwrap()
            {
                Some(chunk) => bytes.extend(chunk),
                None => break,
            }
        }
        bytes
    }
}

/// `lotline server snapshot ARGS… --json`: what it made, per site.
fn make_snapshots(db: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["snapshot"];
    all.extend(args);
    all.push("--json");
    let (ok, out, err) = server_cmd(db, &all);
    assert!(ok, "server snapshot failed: {err}");
    serde_json::from_str(&out).unwrap()
}

fn meta_of(made: &[Value], site: Option<&str>) -> SnapshotMeta {
    let entry = made
        .iter()
        .find(|m| m["site"].as_str() == site)
        .unwrap_or_else(|| panic!("no snapshot of {site:?} in {made:?}"));
    serde_json::from_value(entry["snapshot"].clone()).unwrap()
}

fn transport(url: &str, token: &str) -> HttpTransport {
    HttpTransport::new(url, token, Duration::from_secs(10), None)
}

/// A new store started from a snapshot file.
fn started_from(file: &Path, at: &Path) -> Store {
    let mut store = Store::open(at).unwrap();
    store.start_from_snapshot(file).unwrap();
    store
}

/// (kind, lot) of each event a store holds.
fn kinds_and_lots(store: &Store) -> Vec<(String, String)> {
    store
        .events()
        .unwrap()
        .into_iter()
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

fn snapshots_serve_new_stations(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    for (gln, name) in [(HAMBURG, "Hamburg DC"), (MUNICH, "Munich DC")] {
        let (ok, _, err) = server_cmd(&db, &["site", "add", gln, "--name", name]);
        assert!(ok, "{err}");
    }
    let (ta1, ta2, ta3, tb1) = (
        sited_token(&db, "A1", HAMBURG),
        sited_token(&db, "A2", HAMBURG),
        sited_token(&db, "A3", HAMBURG),
        sited_token(&db, "B1", MUNICH),
    );
    let tc = token(&db, "C", "station", None);
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let server = Server::start(&db);
    let url = server.url.clone();
    let (a1, a2, a3, b1) = (
        Station::new(dir.path(), "A1"),
        Station::new(dir.path(), "A2"),
        Station::new(dir.path(), "A3"),
        Station::new(dir.path(), "B1"),
    );

    // No snapshot yet: 404 with what to do, which the station's transport reads as none.
    let (code, body) = http(
        "GET",
        &format!("{url}/api/v1/sync/snapshot"),
        Some(&ta1),
        None,
    );
    assert_eq!(code, 404, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no snapshot of site 4012345000009"),
        "{body}"
    );
    assert!(
        body["hint"].as_str().unwrap().contains("from the start"),
        "{body}"
    );
    assert_eq!(transport(&url, &ta1).snapshot().unwrap(), None);

    // Hamburg receives two lots and sends part of one to Munich (a transfer: Munich's feed
    // gets the lot's history before it), then holds it; Munich receives its own lot.
    a1.register_released(&url, &ta1, PASSATA, "Passata");
    for lot in ["L1", "L2"] {
        a1.ok(&["receive", &scan(PASSATA, lot), "--qty", "10", "--json"]);
    }
    a1.sync_ok(&url, &ta1);
    b1.register_released(&url, &tb1, SAUCE, "Sauce");
    b1.ok(&["receive", &scan(SAUCE, "S1"), "--qty", "5", "--json"]);
    b1.sync_ok(&url, &tb1);
    a1.ok(&[
        "dispatch",
        &scan(PASSATA, "L1"),
        "--qty",
        "4",
        "--customer",
        MUNICH,
        "--json",
    ]);
    a1.ok(&[
        "lot", "hold", "L1", "--gtin", PASSATA, "--reason", "seal", "--json",
    ]);
    a1.sync_ok(&url, &ta1);
    b1.sync_ok(&url, &tb1);

    // A new Hamburg station pulls from the start: where its chain stands is what a snapshot
    // made now must stand for.
    a2.sync_ok(&url, &ta2);
    let pulled = a2.store().snapshot_info().unwrap();

    let made = make_snapshots(&db, &[]);
    assert_eq!(
        made.len(),
        3,
        "two sites and stations without one: {made:?}"
    );
    let (hh, mu, every) = (
        meta_of(&made, Some(HAMBURG)),
        meta_of(&made, Some(MUNICH)),
        meta_of(&made, None),
    );
    assert_eq!(hh.site.as_deref(), Some(HAMBURG));
    assert_eq!(every.site, None);
    assert_eq!((hh.pos, &hh.hash), (pulled.pos, &pulled.hash));
    assert!(hh.events >= 5 && hh.size > 0, "{hh:?}");

    // The server's own computation gives each snapshot's hash.
    let lib = Db::open(&db);
    assert_eq!(lib.feed_hash(Some(HAMBURG), hh.pos), hh.hash);
    assert_eq!(lib.feed_hash(Some(MUNICH), mu.pos), mu.hash);
    assert_eq!(lib.feed_hash(None, every.pos), every.hash);
    assert_ne!(hh.hash, mu.hash);

    // Each station gets its own site's, and a station without a site the one of every site.
    for (tok, want) in [(&ta1, &hh), (&tb1, &mu), (&tc, &every)] {
        let (code, body) = http(
            "GET",
            &format!("{url}/api/v1/sync/snapshot"),
            Some(tok),
            None,
        );
        assert_eq!(code, 200, "{body}");
        let got: SnapshotMeta = serde_json::from_value(body).unwrap();
        assert_eq!(&got, want);
        assert_eq!(
            transport(&url, tok).snapshot().unwrap().as_ref(),
            Some(want)
        );
    }

    // The file downloads whole, byte for byte what the server stored.
    let file = dir.path().join("hh.snapshot");
    let size = transport(&url, &ta1)
        .download_snapshot(&hh.id, &file)
        .unwrap();
    assert_eq!(size, hh.size);
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.len() as u64, hh.size);
    assert!(
        bytes == lib.file(&hh),
        "the download differs from the stored file"
    );

    // It holds Hamburg's events and master data, nothing of Munich's lot, and stands where the
    // server says.
    let from_hh = started_from(&file, &dir.path().join("from-hh.db"));
    let info = from_hh.snapshot_info().unwrap();
    assert_eq!((info.pos, &info.hash), (hh.pos, &hh.hash));
    assert_eq!(info.site.as_deref(), Some(HAMBURG));
    let held = kinds_and_lots(&from_hh);
    let s1 = format!("{SAUCE}/S1");
    assert!(!held.iter().any(|(_, lot)| *lot == s1), "{held:?}");
    assert!(
        held.iter()
            .any(|(k, lot)| k == "lot_received" && *lot == format!("{PASSATA}/L2")),
        "{held:?}"
    );
    for (kind, lot) in &held {
        assert!(
            kind.starts_with("product_") || kind.starts_with("person_") || lot.starts_with(PASSATA),
            "Hamburg's snapshot holds {kind} {lot}"
        );
    }
    drop(from_hh);
    // Munich's holds its own lot and the lot Hamburg sent it, with its history.
    let mu_file = dir.path().join("mu.snapshot");
    transport(&url, &tb1)
        .download_snapshot(&mu.id, &mu_file)
        .unwrap();
    let held = kinds_and_lots(&started_from(&mu_file, &dir.path().join("from-mu.db")));
    for want in [
        ("lot_received".to_string(), s1.clone()),
        ("lot_received".to_string(), format!("{PASSATA}/L1")),
        ("lot_dispatched".to_string(), format!("{PASSATA}/L1")),
    ] {
        assert!(held.contains(&want), "{want:?} not in {held:?}");
    }
    assert!(
        !held.iter().any(|(_, lot)| *lot == format!("{PASSATA}/L2")),
        "{held:?}"
    );

    // Another site's token, or one without a site, never gets Hamburg's file.
    for tok in [&tb1, &tc] {
        let (code, body) = http(
            "GET",
            &format!("{url}/api/v1/sync/snapshot/{}", hh.id),
            Some(tok),
            None,
        );
        assert_eq!(code, 404, "{body}");
        let other = dir.path().join("other.snapshot");
        let e = transport(&url, tok)
            .download_snapshot(&hh.id, &other)
            .unwrap_err();
        assert!(
            matches!(e, SyncError::ServerRefused { status: 404, .. }),
            "{e:?}"
        );
        assert!(!other.exists());
    }
    let (code, _) = http("GET", &format!("{url}/api/v1/sync/snapshot"), None, None);
    assert_eq!(code, 401);

    // A new station started from the snapshot goes on with the events after it, and its
    // chain holds.
    a1.ok(&["receive", &scan(PASSATA, "L3"), "--qty", "3", "--json"]);
    a1.sync_ok(&url, &ta1);
    drop(started_from(&file, &a3.db));
    let r = a3.sync_ok(&url, &ta3);
    assert_eq!(r["site"], "Hamburg DC (4012345000009)", "{r}");
    assert_eq!(a3.lot(PASSATA, "L3")["status"], "released");
    assert_eq!(a3.lot(PASSATA, "L1")["status"], "on_hold");
    a3.store().verify().unwrap();
    a2.sync_ok(&url, &ta2);
    assert_eq!(
        a3.store().snapshot_info().unwrap().hash,
        a2.store().snapshot_info().unwrap().hash,
        "a station started from the snapshot and one that pulled everything stand alike"
    );

    // A new station syncing for the first time starts from Hamburg's snapshot by itself, and
    // ends where the station that pulled everything stands.
    let ta4 = sited_token(&db, "A4", HAMBURG);
    let a4 = Station::new(dir.path(), "A4");
    let r = a4.sync_ok(&url, &ta4);
    assert_eq!(r["joined"]["id"], hh.id.as_str(), "{r}");
    assert_eq!(
        a4.store().snapshot_info().unwrap().hash,
        a2.store().snapshot_info().unwrap().hash
    );
    assert_eq!(a4.lot(PASSATA, "L3")["status"], "released");

    // A snapshot whose hash is not the feed's is refused, and nothing of it is stored.
    let forged = SnapshotMeta {
        id: "forged".into(),
        hash: "1".repeat(64),
        ..hh.clone()
    };
    let refused = lib
        .rt
        .block_on(snapshot::put(lib.db.as_ref(), &forged, &file))
        .unwrap_err();
    assert!(
        matches!(&refused, SnapshotRefused::WrongHash { expected, .. } if *expected == hh.hash),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("refused"), "{refused}");
    // As is one at a position a station of the site never stands at.
    let beyond = SnapshotMeta {
        id: "beyond".into(),
        pos: hh.pos + 1_000,
        ..hh.clone()
    };
    let refused = lib
        .rt
        .block_on(snapshot::put(lib.db.as_ref(), &beyond, &file))
        .unwrap_err();
    assert!(
        matches!(refused, SnapshotRefused::NotInFeed(_)),
        "{refused:?}"
    );
    assert_eq!(lib.rt.block_on(lib.db.snapshot("forged")).unwrap(), None);
    assert_eq!(
        lib.rt
            .block_on(lib.db.latest_snapshot(Some(HAMBURG)))
            .unwrap()
            .as_ref(),
        Some(&hh)
    );

    // Each site keeps its two newest: two more of Hamburg drop the first.
    let second = meta_of(&make_snapshots(&db, &["--site", HAMBURG]), Some(HAMBURG));
    assert!(second.pos > hh.pos, "{second:?}");
    assert_eq!(lib.feed_hash(Some(HAMBURG), second.pos), second.hash);
    let third = meta_of(
        &make_snapshots(&db, &["--site", HAMBURG, "--keep-days", "0"]),
        Some(HAMBURG),
    );
    assert_eq!(
        transport(&url, &ta1).snapshot().unwrap(),
        Some(third.clone())
    );
    assert_eq!(lib.rt.block_on(lib.db.snapshot(&hh.id)).unwrap(), None);
    assert!(
        lib.file(&hh).is_empty(),
        "the dropped snapshot's chunks went with it"
    );
    assert!(
        lib.rt
            .block_on(lib.db.snapshot(&second.id))
            .unwrap()
            .is_some()
    );
    let (code, _) = http(
        "GET",
        &format!("{url}/api/v1/sync/snapshot/{}", hh.id),
        Some(&ta1),
        None,
    );
    assert_eq!(code, 404);
    // Munich's were not touched.
    assert_eq!(transport(&url, &tb1).snapshot().unwrap(), Some(mu.clone()));

    // A download cut short is an error, and leaves no file.
    backend.execute(&format!(
        "DELETE FROM server_snapshot_chunks WHERE snapshot = '{}'",
        third.id
    ));
    let cut = dir.path().join("cut.snapshot");
    let e = transport(&url, &ta1)
        .download_snapshot(&third.id, &cut)
        .unwrap_err();
    assert!(matches!(e, SyncError::Unreachable { .. }), "{e:?}");
    assert!(!cut.exists());

    // A file of several chunks streams whole, one chunk after the other; cut after its first
    // chunk, the part is not kept. (Its content is not a store: the server vouches for the
    // hash and keeps the bytes it is given.)
    let big: Vec<u8> = (0..9 << 20).map(|i: u32| (i * 7 % 253) as u8).collect();
    let big_file = dir.path().join("big.snapshot");
    std::fs::write(&big_file, &big).unwrap();
    let big_meta = SnapshotMeta {
        id: "big".into(),
        size: big.len() as u64,
        made_at: "2999-01-01T00:00:00.000000Z".into(),
        ..mu.clone()
    };
    lib.rt
        .block_on(snapshot::put(lib.db.as_ref(), &big_meta, &big_file))
        .unwrap();
    let got = dir.path().join("big.download");
    let size = transport(&url, &tb1)
        .download_snapshot("big", &got)
        .unwrap();
    assert_eq!(size, big.len() as u64);
    assert!(std::fs::read(&got).unwrap() == big, "the download differs");
    backend.execute("DELETE FROM server_snapshot_chunks WHERE snapshot = 'big' AND n = 1");
    let e = transport(&url, &tb1)
        .download_snapshot("big", &cut)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("after 4194304 of {} bytes", big.len())),
        "{e}"
    );
    assert!(!cut.exists());

    // An unknown site is refused; the text output says what was made.
    let (ok, _, err) = server_cmd(&db, &["snapshot", "--site", "4012345000023"]);
    assert!(!ok && err.contains("no site 4012345000023"), "{err}");
    let (ok, out, err) = server_cmd(&db, &["snapshot", "--site", MUNICH]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("site 4012345000016 (Munich DC): snapshot ") && out.contains(" events ("),
        "{out}"
    );
}

#[test]
fn snapshots_serve_new_stations_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    snapshots_serve_new_stations(Backend::sqlite(dir.path()));
}

#[test]
fn snapshots_serve_new_stations_on_postgres() {
    snapshots_serve_new_stations(Backend::postgres());
}
