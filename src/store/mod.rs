//! The local SQLite store: an append-only, hash-chained event log and the tables derived from
//! it. One file, WAL, `synchronous=FULL`: when [`Store::record`] returns, the event is on disk.
//!
//! Every change goes through [`Store::record`], which in ONE immediate transaction lets the
//! caller read current state and decide the event, appends it to the chain, applies it to the
//! derived tables and queues it in the sync `outbox`. A refusal rolls everything back.

mod apply;
pub mod query;
pub mod schema;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::{EventKind, Role};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What can go wrong in the store itself.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk full, locked, corrupt file...).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// An event payload could not be encoded or decoded.
    #[error("event payload error: {0}")]
    Payload(serde_json::Error),
    /// The file was written by a newer Lotline.
    #[error(
        "database schema version {found} is newer than this program supports ({supported}); upgrade Lotline"
    )]
    TooNew { found: i64, supported: i64 },
}

// Manual `From`s so an error chain does not print the inner message twice.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Payload(e)
    }
}

/// Who records an event, from where.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub station: String,
    pub actor: String,
    pub role: Role,
}

/// An event as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub seq: i64,
    pub id: String,
    pub time: String,
    pub hash: String,
}

/// Result of `store verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub events: u64,
    /// Empty when the chain is intact.
    pub problems: Vec<String>,
    pub integrity_check: String,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.integrity_check == "ok"
    }
}

pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the store file and upgrades its schema in place.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 64 MiB page cache: bulk loads and traces stay in memory instead of spilling pages.
        conn.pragma_update(None, "cache_size", -65536)?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    /// The schema version this program writes.
    pub fn current_version() -> i64 {
        schema::MIGRATIONS.len() as i64
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = Self::current_version();
        if found > supported {
            return Err(StoreError::TooNew { found, supported });
        }
        for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Exclusive)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Read access for queries (see [`query`]).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Decides and records one event atomically. `decide` reads state through the transaction
    /// and returns the event or a refusal; a refusal writes nothing. Durable on return.
    pub fn record<T, E: From<StoreError>>(
        &mut self,
        actor: &Actor,
        decide: impl FnOnce(&Connection) -> Result<(EventKind, T), E>,
    ) -> Result<(Recorded, T), E> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let (event, extra) = decide(&tx)?;
        let recorded = append(&tx, actor, &event)?;
        tx.commit().map_err(StoreError::from)?;
        Ok((recorded, extra))
    }

    /// Records many already-decided events in ONE transaction (bulk import, data generator).
    /// Returns how many were recorded. All or nothing.
    pub fn record_all(
        &mut self,
        actor: &Actor,
        events: impl IntoIterator<Item = EventKind>,
    ) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut count = 0;
        // The chain head is carried in memory between events instead of read back each time.
        let mut prev_hash = chain_head(&tx)?;
        for event in events {
            prev_hash = append_after(&tx, actor, &event, prev_hash)?.hash;
            count += 1;
        }
        tx.commit()?;
        Ok(count)
    }

    /// Walks the chain from the first event and reports every broken link or altered row,
    /// plus SQLite's own `PRAGMA integrity_check`.
    pub fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, id, time, actor, role, station, kind, payload, prev_hash, hash
             FROM events ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS_HASH.to_string();
        let mut expected_seq = 1i64;
        let mut problems = Vec::new();
        let mut events = 0u64;
        while let Some(row) = rows.next()? {
            events += 1;
            let seq: i64 = row.get(0)?;
            let fields: [String; 7] = [
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
            ];
            let prev_hash: String = row.get(8)?;
            let hash: String = row.get(9)?;
            if seq != expected_seq {
                problems.push(format!(
                    "event {expected_seq}..{} missing (deleted rows)",
                    seq - 1
                ));
            }
            if prev_hash != prev {
                problems.push(format!(
                    "event {seq}: previous-hash link broken (an earlier event was edited or deleted)"
                ));
            }
            let fields_ref: Vec<&str> = fields.iter().map(String::as_str).collect();
            if chain_hash(&prev_hash, &fields_ref) != hash {
                problems.push(format!(
                    "event {seq}: content does not match its hash (row edited)"
                ));
            }
            prev = hash;
            expected_seq = seq + 1;
        }
        let integrity_check: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(VerifyReport {
            events,
            problems,
            integrity_check,
        })
    }

    /// Empties the derived tables and replays every event into them, in one transaction.
    /// Returns the number of events replayed.
    pub fn rebuild(&mut self) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Exclusive)?;
        for table in schema::DERIVED_TABLES {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        let mut count = 0;
        {
            let mut stmt = tx.prepare("SELECT seq, payload FROM events ORDER BY seq")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let payload: String = row.get(1)?;
                let event: EventKind = serde_json::from_str(&payload)?;
                apply::apply(&tx, seq, &event)?;
                count += 1;
            }
        }
        tx.commit()?;
        Ok(count)
    }

    /// A canonical text dump of every derived table, for comparing live state with a replay.
    pub fn derived_snapshot(&self) -> Result<String, StoreError> {
        let mut out = String::new();
        for table in schema::DERIVED_TABLES {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3, 4"))?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            out.push_str(&format!("== {table}\n"));
            while let Some(row) = rows.next()? {
                for i in 0..columns {
                    let v: rusqlite::types::Value = row.get(i)?;
                    out.push_str(&format!("{v:?}|"));
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}

/// Takes the next value of a never-repeating sequence (e.g. batch numbers per station and day).
/// Call inside [`Store::record`]'s `decide` so the value is only consumed if the event commits.
pub fn next_sequence(conn: &Connection, scope: &str) -> Result<u64, StoreError> {
    let value: i64 = conn.query_row(
        "INSERT INTO sequences (scope, value) VALUES (?1, 1)
         ON CONFLICT(scope) DO UPDATE SET value = value + 1 RETURNING value",
        params![scope],
        |r| r.get(0),
    )?;
    Ok(value as u64)
}

/// Executes through the statement cache: the hot path (one scan) and bulk loads reuse plans.
pub(crate) fn exec<P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    params: P,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

fn chain_head(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn
        .prepare_cached("SELECT hash FROM events ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_string()))
}

fn append(conn: &Connection, actor: &Actor, event: &EventKind) -> Result<Recorded, StoreError> {
    let prev_hash = chain_head(conn)?;
    append_after(conn, actor, event, prev_hash)
}

fn append_after(
    conn: &Connection,
    actor: &Actor,
    event: &EventKind,
    prev_hash: String,
) -> Result<Recorded, StoreError> {
    let id = uuid::Uuid::now_v7().to_string();
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let payload = serde_json::to_string(event)?;
    let fields = [
        id.as_str(),
        time.as_str(),
        actor.actor.as_str(),
        actor.role.as_str(),
        actor.station.as_str(),
        event.name(),
        payload.as_str(),
    ];
    let hash = chain_hash(&prev_hash, &fields);
    exec(
        conn,
        "INSERT INTO events (id, time, actor, role, station, kind, payload, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], prev_hash,
            hash
        ],
    )?;
    let seq = conn.last_insert_rowid();
    apply::apply(conn, seq, event)?;
    exec(
        conn,
        "INSERT INTO outbox (event_id) VALUES (?1)",
        params![id],
    )?;
    Ok(Recorded {
        seq,
        id,
        time,
        hash,
    })
}

/// SHA-256 over the previous hash and every stored field, length-prefixed so no two
/// different rows can produce the same input.
fn chain_hash(prev_hash: &str, fields: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in std::iter::once(prev_hash).chain(fields.iter().copied()) {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}
