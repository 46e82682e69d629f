//! The local store: one SQLite file (WAL, `synchronous=FULL`), an append-only hash-chained
//! event log, and tables of current state derived from the events.
//!
//! Every change is one transaction that writes the event and the derived rows together: when
//! [`Store::append`] returns, the event survives a crash or power loss (on a disk that honours
//! fsync), and current state matches the log. By job:
//!
//! - [`log`]: the event log and its hash chain (append, read, verify);
//! - [`projection`]: the derived tables, one rule per event, and the replay that rebuilds them;
//! - [`lookup`]: reads of current state (lots, stock, picks, expiry, suppliers);
//! - [`trace`]: genealogy, trace and recall queries;
//! - [`outbox`]: what the server does not hold yet: a position in the log, no row per event;
//! - [`sync`]: events pulled from the server and the station's sync state;
//! - [`history`]: dropping old history (the server keeps it);
//! - [`snapshot`]: a new station started from a copy of its site's store;
//! - `shipment`: open and closed shipments, the station's SSCC serials;
//! - `schema` (migrations), `stock` (a transaction's stock writes), `checkpoint` (WAL housekeeping).

mod checkpoint;
mod cost;
mod history;
mod log;
mod lookup;
mod outbox;
mod projection;
mod schema;
mod shipment;
mod snapshot;
mod stock;
mod sync;
mod trace;

pub use history::{Pruned, days_ago};
pub use log::RecordedEvent;
pub use lookup::{ExpiringLot, Lot, Pallet, Product};
pub use schema::latest_version as latest_schema_version;
pub use shipment::OpenShipment;
pub use snapshot::{SnapshotError, SnapshotInfo};
pub use sync::{PulledEvent, SyncStatus, site_label};
pub use trace::GenealogyEdge;

use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// A transaction that writes: it takes the write lock at its start, waiting (busy timeout) for
/// another connection's write to finish. A deferred one reads first and asks for the lock at
/// its first write; had another connection (the UI's sync thread, `lotline sync --watch`)
/// committed meanwhile, SQLite refuses at once with "database is locked", no waiting, and a
/// scan would be refused.
fn write_tx(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk full, file locked, not a database…).
    #[error("the store database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is a central server's database, not a station store: writing a station's
    /// tables into it would break the server's next start.
    #[error(
        "{path} is a Lotline server database, not a station store: give the station a store file of its own"
    )]
    ServerDatabase { path: std::path::PathBuf },
    /// The store file cannot be created (owner-only, see [`crate::private_file`]).
    #[error("cannot create the store file {path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The folder the store file goes in cannot be made.
    #[error("cannot create the store's folder {dir}: {source}")]
    Folder {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The file was written by a newer Lotline.
    #[error(
        "the store is schema version {found}, newer than this Lotline understands ({supported}): upgrade Lotline"
    )]
    TooNew { found: i64, supported: i64 },
    /// A stored event does not decode.
    #[error("event {seq} does not decode: {reason}")]
    BadEvent { seq: i64, reason: String },
    /// An event breaks the rules every recorded event keeps (see [`EventKind::validate`]), which
    /// the station checks before recording and the server when it is pushed. The workflows
    /// refuse such input in their own words first: this is a safety net.
    ///
    /// [`EventKind::validate`]: crate::domain::EventKind::validate
    #[error("the event cannot be recorded: {0}")]
    Invalid(Box<crate::domain::Invalid>),
    /// The event's content was pruned from this store ([`Store::prune`]); the server holds it.
    #[error(
        "event {seq}'s content was dropped from this store as old history: the server holds it (look it up there)"
    )]
    Pruned { seq: i64 },
    /// The hash chain does not hold: the history was edited or events were deleted.
    #[error("the event log was altered at event {seq}: {reason}")]
    ChainBroken { seq: i64, reason: String },
}

impl From<crate::domain::Invalid> for StoreError {
    fn from(e: crate::domain::Invalid) -> StoreError {
        // Boxed: every store call returns this error, and it stays small.
        StoreError::Invalid(Box::new(e))
    }
}

pub struct Store {
    conn: Connection,
    /// Dropped after `conn` (field order): joins the checkpoint thread once the connection,
    /// which holds the only way to wake it, is closed.
    _checkpointer: checkpoint::Checkpointer,
}

impl Store {
    /// Opens (creating if needed) and upgrades the store at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                dir: dir.to_path_buf(),
                source,
            })?;
        }
        crate::private_file::create(path).map_err(|source| StoreError::File {
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let server_database: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name IN ('server_events', 'server_tokens')",
            [],
            |r| r.get(0),
        )?;
        if server_database {
            return Err(StoreError::ServerDatabase {
                path: path.to_path_buf(),
            });
        }
        // Room for every statement of `append_all` and `apply`, so none is prepared twice.
        conn.set_prepared_statement_cache_capacity(64);
        // WAL + FULL: a scan the worker was told is recorded survives power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MiB of page cache (default 2 MiB): a 2-million-event site keeps its indexes warm.
        conn.pragma_update(None, "cache_size", -32768)?;
        // Checkpoints run on their own thread, not inside the commit of a scan (see checkpoint).
        let checkpointer = checkpoint::Checkpointer::start(&mut conn, path)?;
        let mut store = Store {
            conn,
            _checkpointer: checkpointer,
        };
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }
}

/// Runs a statement through the connection's cache: bulk ingest and replay run the same few
/// statements hundreds of thousands of times, and preparing each costs more than running it.
fn exec(tx: &Transaction, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
}

#[cfg(test)]
mod tests {
    use super::lookup::{GTINS_WITH_BATCH, LOT_EVENTS, PICK_CANDIDATES};
    use super::trace::{TraceRows, TraceWalk, trace_sql};
    use super::*;
    use crate::domain::{EventKind, LotStatus};

    /// The plans of the queries a station runs on every scan, pick and trace: each table is
    /// reached through an index, never read whole (`SCAN` of anything but the walk `r`). The
    /// planner has no statistics on a station's file, so an empty store gets the same plans
    /// as a 2-million-event one, where a full scan costs 10 ms to seconds.
    #[test]
    fn hot_queries_read_through_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("plans.db")).unwrap();
        let mut queries = vec![
            (PICK_CANDIDATES.to_string(), 3, "lots_pick"),
            (GTINS_WITH_BATCH.to_string(), 1, "lots_batch"),
            (
                LOT_EVENTS.to_string(),
                3,
                "PRIMARY KEY (gtin=? AND batch=?)",
            ),
        ];
        for walk in [TraceWalk::Forward, TraceWalk::Backward] {
            queries.push((trace_sql(walk, TraceRows::Links), 2, "genealogy_"));
            let by_lot = match walk {
                TraceWalk::Forward => "PRIMARY KEY (gtin=? AND batch=?)",
                TraceWalk::Backward => "receipts_lot",
            };
            queries.push((trace_sql(walk, TraceRows::Ends), 2, by_lot));
        }
        for (sql, params, index) in queries {
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let plan: Vec<String> = stmt
                .query_map(
                    rusqlite::params_from_iter(std::iter::repeat_n("x", params)),
                    |r| r.get(3),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            for step in &plan {
                assert!(
                    !step.starts_with("SCAN ") || step == "SCAN r" || step == "SCAN CONSTANT ROW",
                    "{step} in the plan of {sql}: {plan:#?}"
                );
            }
            assert!(
                plan.iter().any(|s| s.contains(index)),
                "{index} unused by {sql}: {plan:#?}"
            );
        }
    }

    /// Checkpoints run on the store's own thread; closing the store waits for it, and the
    /// last connection to close folds the WAL into the database file: nothing is left behind
    /// and every event is in the file.
    #[test]
    fn a_closed_store_leaves_every_event_in_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let mut store = Store::open(&path).unwrap();
        let batch = |n: u32| -> Vec<EventKind> {
            (0..500)
                .map(|i| EventKind::ProductRegistered {
                    gtin: format!("{:014}", n * 1000 + i),
                    name: "x".repeat(200),
                    receive_as: LotStatus::Released,
                    receiving: Default::default(),
                })
                .collect()
        };
        // Enough commits to cross the background checkpoint threshold several times.
        for n in 0..20 {
            store.append_all("s", "a", batch(n)).unwrap();
        }
        drop(store);
        let wal = dir.path().join("wal.db-wal");
        assert!(
            std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
            "the WAL is folded in on close"
        );
        let store = Store::open(&path).unwrap();
        assert_eq!(store.event_count().unwrap(), 10_000);
        assert_eq!(store.verify().unwrap(), 10_000);
    }

    /// Regression: a scan recorded while the sync thread's connection was writing was refused
    /// with "database is locked" (a deferred transaction read, waited for the other write,
    /// then found its snapshot stale). It must wait for the other write and succeed.
    #[test]
    fn a_write_waiting_for_another_connection_is_recorded_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.db");
        let mut store = Store::open(&path).unwrap();
        store
            .append(
                "s",
                "a",
                EventKind::ProductRegistered {
                    gtin: "09501101530003".into(),
                    name: "first".into(),
                    receive_as: LotStatus::Released,
                    receiving: Default::default(),
                },
            )
            .unwrap();
        let mut other = Store::open(&path).unwrap();
        let tx = write_tx(&mut other.conn).unwrap();
        tx.execute("UPDATE sync_state SET last_error = 'busy'", [])
            .unwrap();
        let writer = std::thread::spawn(move || {
            store.append(
                "s",
                "a",
                EventKind::ProductRegistered {
                    gtin: "09501101530010".into(),
                    name: "second".into(),
                    receive_as: LotStatus::Released,
                    receiving: Default::default(),
                },
            )
        });
        // The append is now waiting for the lock; the other write commits.
        std::thread::sleep(std::time::Duration::from_millis(300));
        tx.commit().unwrap();
        writer
            .join()
            .unwrap()
            .expect("the append waited and was recorded");
        assert_eq!(other.event_count().unwrap(), 2);
    }
}
