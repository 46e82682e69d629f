//! The pull cursor and the acknowledgements belong to one server: a station pointed at
//! another server, or at one restored from an older copy, starts over with it (pulls from 0,
//! pushes its own events again) and never skips an event.

use std::path::Path;

use super::Backend;
use super::common::*;
use super::tls::receive;

/// The server holds every event of the stations, each once, and the stations hold the same.
fn assert_complete(url: &str, admin: &str, stations: &[&Station]) {
    let held = event_ids_once(&server_events(url, admin));
    for s in stations {
        let mine = s.event_ids();
        assert!(
            mine.is_subset(&held),
            "the server lacks {} of {}'s events",
            mine.difference(&held).count(),
            s.name
        );
    }
    for s in stations {
        assert_eq!(s.event_ids(), held, "{} differs from the server", s.name);
        assert_eq!(s.store().outbox_len().unwrap(), 0);
        s.ok(&["store", "verify", "--json"]);
    }
}

#[test]
fn a_station_pointed_at_another_server_pulls_and_pushes_everything_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = Backend::Sqlite(dir.path().join("first.db"));
    let a = Station::new(dir.path(), "A");
    let b = Station::new(dir.path(), "B");
    // (The 20,000 events, scaled down: the mechanism does not depend on the count.)
    receive(&a, "A", 120);
    receive(&b, "B", 3);
    {
        let db = first.url();
        let (ta, tb) = (
            token(&db, "A", "station", None),
            token(&db, "B", "station", None),
        );
        let server = Server::start(&db);
        a.sync_ok(&server.url, &ta);
        b.sync_ok(&server.url, &tb);
        a.sync_ok(&server.url, &ta);
    }
    let before = a.event_ids();
    assert_eq!(before.len(), 121 + 4);

    // The stations are pointed at a new server, which has none of it.
    let second = Backend::Sqlite(dir.path().join("second.db"));
    let db = second.url();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let server = Server::start(&db);
    let r = a.sync_ok(&server.url, &ta);
    assert!(
        r["started_over"]
            .as_str()
            .is_some_and(|s| s.contains("not the one")),
        "{r}"
    );
    let r = b.sync_ok(&server.url, &tb);
    assert!(r["started_over"].is_string(), "{r}");
    let r = a.sync_ok(&server.url, &ta);
    assert!(r.get("started_over").is_none(), "once is enough: {r}");
    assert_eq!(a.event_ids(), before);
    assert_complete(&server.url, &admin, &[&a, &b]);
}

/// The server's database files (SQLite, WAL) copied aside or back, the server stopped.
fn copy_db(from: &Path, to: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let src = format!("{}{suffix}", from.display());
        let dst = format!("{}{suffix}", to.display());
        let _ = std::fs::remove_file(&dst);
        if Path::new(&src).exists() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

#[test]
fn a_server_restored_from_an_older_copy_is_detected_and_given_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.db");
    let backup = dir.path().join("backup.db");
    let backend = Backend::Sqlite(path.clone());
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let (ta, tb) = (
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    );
    let a = Station::new(dir.path(), "A");
    let b = Station::new(dir.path(), "B");
    receive(&a, "A", 3);
    let mut server = Server::start(&db);
    a.sync_ok(&server.url, &ta);
    server.kill();
    copy_db(&path, &backup);

    // After the backup: more from A, and B's first events.
    let mut server = Server::start(&db);
    receive(&a, "LATE", 4);
    a.sync_ok(&server.url, &ta);
    receive(&b, "B", 2);
    b.sync_ok(&server.url, &tb);
    a.sync_ok(&server.url, &ta);
    server.kill();

    // The server comes back on the older copy: it lacks A's later events and all of B's.
    copy_db(&backup, &path);
    let server = Server::start(&db);
    let r = a.sync_ok(&server.url, &ta);
    assert!(
        r["started_over"]
            .as_str()
            .is_some_and(|s| s.contains("lost events")),
        "{r}"
    );
    let r = b.sync_ok(&server.url, &tb);
    assert!(r["started_over"].is_string(), "{r}");
    a.sync_ok(&server.url, &ta);
    assert_complete(&server.url, &admin, &[&a, &b]);
}
