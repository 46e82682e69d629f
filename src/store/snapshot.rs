//! Snapshots: a new station starts from a copy of a site's store as it stands at a server
//! position, instead of pulling and replaying the site's whole history.
//!
//! The copy is made from a store that only pulls (the server's replica of a site, see
//! `lotline server snapshot`), pruned of old history ([`Store::prune`]) and compacted
//! (`VACUUM INTO`): current state, recent events, and the rows and chain links of the old
//! ones. A new station checks it (the file's integrity, its schema, its whole hash chain) and
//! loads it page by page (SQLite's backup), then pulls the events after its position as usual.
//! Its own chain continues from the snapshot's last hash, which the server computes from its
//! own events to vouch for the snapshot before handing it out.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{Store, StoreError, schema};

/// What a snapshot stands for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnapshotInfo {
    /// The server position it holds every event of its site up to (its pull cursor).
    pub pos: i64,
    /// The hash of its log's last event: where the chain of a station started from it goes on.
    pub hash: String,
    /// Events in its log (pruned ones included).
    pub events: u64,
    /// Of those, events whose content was pruned: the server holds them.
    pub pruned: u64,
    /// The site it is the state of (GLN; `None`: every site).
    pub site: Option<String>,
    /// The server it was pulled from.
    pub server_id: Option<String>,
}

/// Why a snapshot cannot be made or used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Only a store whose every event the server holds can stand for the server's state.
    #[error(
        "this store holds {0} event(s) the server does not: a snapshot is made from a store that only pulls"
    )]
    NotSynced(u64),
    /// A station that recorded or pulled anything keeps its own log.
    #[error(
        "this store is not new ({0} event(s), pull cursor {1}): a snapshot only starts a new station"
    )]
    NotNew(u64, i64),
    /// The file is not a snapshot this Lotline can load.
    #[error("the snapshot file is unusable: {0}")]
    Unusable(String),
}

impl From<rusqlite::Error> for SnapshotError {
    fn from(e: rusqlite::Error) -> SnapshotError {
        SnapshotError::Store(e.into())
    }
}

impl Store {
    /// Whether nothing was ever recorded, pulled or bound to a server here: a store a snapshot
    /// can start.
    pub fn is_new(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM events) AND pull_cursor = 0 AND server_id IS NULL
             FROM sync_state",
            [],
            |r| r.get(0),
        )?)
    }

    /// [`Self::is_new`], or the refusal that says what the store holds.
    fn ensure_new(&self) -> Result<(), SnapshotError> {
        if self.is_new()? {
            return Ok(());
        }
        Err(SnapshotError::NotNew(
            self.event_count()?,
            self.pull_cursor()?,
        ))
    }

    /// What this store would stand for as a snapshot.
    pub fn snapshot_info(&self) -> Result<SnapshotInfo, StoreError> {
        Ok(self.conn.query_row(
            "SELECT s.pull_cursor, coalesce((SELECT hash FROM events ORDER BY seq DESC LIMIT 1), ?1),
                    (SELECT count(*) FROM events), (SELECT count(*) FROM events WHERE pruned),
                    s.site_gln, s.server_id
             FROM sync_state s",
            [super::log::GENESIS],
            |r| {
                Ok(SnapshotInfo {
                    pos: r.get(0)?,
                    hash: r.get(1)?,
                    events: r.get::<_, i64>(2)? as u64,
                    pruned: r.get::<_, i64>(3)? as u64,
                    site: r.get(4)?,
                    server_id: r.get(5)?,
                })
            },
        )?)
    }

    /// Writes a compacted copy of this store to `path` (which must not exist) and returns what
    /// it stands for. Refused when the store holds events the server does not.
    pub fn write_snapshot(&self, path: &Path) -> Result<SnapshotInfo, SnapshotError> {
        let waiting = self.outbox_len()?;
        if waiting > 0 {
            return Err(SnapshotError::NotSynced(waiting));
        }
        let info = self.snapshot_info()?;
        self.conn.execute(
            "VACUUM INTO ?1",
            [path.to_str().ok_or_else(|| {
                SnapshotError::Unusable(format!("{} is not a UTF-8 path", path.display()))
            })?],
        )?;
        Ok(info)
    }

    /// Starts this new store ([`Self::is_new`]) from the snapshot file at `path`: checks the
    /// file (integrity, schema version, the whole hash chain), then copies it in. Returns what
    /// it stands for; the next pull goes on after its position.
    pub fn start_from_snapshot(&mut self, path: &Path) -> Result<SnapshotInfo, SnapshotError> {
        self.ensure_new()?;
        let source = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| SnapshotError::Unusable(format!("{}: {e}", path.display())))?;
        let unusable = |e: rusqlite::Error| SnapshotError::Unusable(e.to_string());
        let check: String = source
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(unusable)?;
        if check != "ok" {
            return Err(SnapshotError::Unusable(format!(
                "the file is damaged ({check})"
            )));
        }
        let version: i64 = source
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(unusable)?;
        if version != schema::latest_version() {
            return Err(SnapshotError::Unusable(format!(
                "it is store schema {version}, this Lotline writes {}: the server and the station run different Lotline versions",
                schema::latest_version()
            )));
        }
        let is_store: bool = source
            .query_row(
                "SELECT count(*) = 2 FROM sqlite_master WHERE name IN ('events', 'sync_state')",
                [],
                |r| r.get(0),
            )
            .map_err(unusable)?;
        if !is_store {
            return Err(SnapshotError::Unusable("it is not a station store".into()));
        }
        // The station vouches for its log from its first event: the chain must hold.
        super::log::verify_in(&source, 1, i64::MAX)
            .map_err(|e| SnapshotError::Unusable(format!("its hash chain does not hold: {e}")))?;
        // Still new, right before the copy: a scan recorded meanwhile on another connection
        // (the UI's) would be overwritten. The copy holds the write lock from its start; a
        // commit by another connection between this check and it shows in `data_version`.
        self.ensure_new()?;
        let seen: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        // In one step: the store's other connections (the UI's, the sync thread's) see it
        // empty or whole, never half copied.
        let backup = rusqlite::backup::Backup::new(&source, &mut self.conn)?;
        let mut tries = 0;
        while backup.step(-1)? != rusqlite::backup::StepResult::Done {
            // Another connection was writing: wait for it (10 s at most, as long again as a
            // write waits).
            tries += 1;
            if tries > 200 {
                return Err(SnapshotError::Unusable(
                    "the store stayed busy (another program writing to it?): try again".into(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        drop(backup);
        let now: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if now != seen {
            return Err(SnapshotError::Unusable(
                "another program wrote to the store while the snapshot was copied in: what it wrote may be lost; check the store (lotline store verify) and the station's last scans".into(),
            ));
        }
        self.conn.execute(
            "UPDATE sync_state SET last_success = NULL, last_error = NULL, last_error_at = NULL",
            [],
        )?;
        Ok(self.snapshot_info()?)
    }
}

impl Store {
    /// The store's file (`None` for an in-memory store).
    pub fn file_path(&self) -> Option<std::path::PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from)
    }

    /// Empties a store just started from a snapshot that turned out not to be the one the
    /// server named: it is new again. Refused once anything of this station's own is in it.
    pub fn undo_snapshot(&mut self) -> Result<(), SnapshotError> {
        let own = self.outbox_len()?;
        if own > 0 {
            return Err(SnapshotError::NotSynced(own));
        }
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name <> 'sync_state'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let tx = super::write_tx(&mut self.conn)?;
        for t in &tables {
            tx.execute(&format!("DELETE FROM \"{t}\""), [])?;
        }
        // The log numbers from 1 again (its chain is checked from event 1).
        tx.execute("DELETE FROM sqlite_sequence", [])?;
        tx.execute(
            "UPDATE sync_state SET pull_cursor = 0, pushed_through = 0, server_id = NULL,
                 site_gln = NULL, site_name = NULL",
            [],
        )?;
        tx.commit()?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(())
    }
}
