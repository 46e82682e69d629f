//! The local store: one SQLite file (WAL, `synchronous=FULL`), an append-only hash-chained
//! event log, an outbox for the sync, and tables of current state derived from the events.
//!
//! Every change is one transaction that writes the event, its outbox row and the derived
//! rows together: when [`Store::append`] returns, the event survives a crash or power loss
//! (on a disk that honours fsync), and current state matches the log.

mod checkpoint;
mod schema;
mod stock;
mod sync;

pub use schema::latest_version as latest_schema_version;
pub use sync::{PulledEvent, SyncStatus};

use std::path::Path;

use chrono::{NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::recall::{
    Accounting, Closure, Disposition, RecallItem, RecallRecord, RecallStatus,
};
use crate::domain::trace::{Direction, Link, LotRef, ReceiptLine, ShipmentLine, TraceFacts};
use crate::domain::{EventKind, LotStatus};

/// A transaction that writes: it takes the write lock at its start, waiting (busy timeout) for
/// another connection's write to finish. A deferred one reads first and asks for the lock at
/// its first write; had another connection (the UI's sync thread, `lotline sync --watch`)
/// committed meanwhile, SQLite refuses at once with "database is locked", no waiting, and a
/// scan would be refused.
fn write_tx(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// Hash that stands before the first event of a chain.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk full, file locked, not a database…).
    #[error("the store database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
    /// The hash chain does not hold: the history was edited or events were deleted.
    #[error("the event log was altered at event {seq}: {reason}")]
    ChainBroken { seq: i64, reason: String },
}

/// An event as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordedEvent {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub station: String,
    pub actor: String,
    pub event: EventKind,
    pub hash: String,
}

/// A product as the site knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Product {
    pub gtin: String,
    pub name: String,
    pub receive_as: LotStatus,
}

/// An input lot used up in an output lot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenealogyEdge {
    pub input_gtin: String,
    pub input_batch: String,
    pub output_gtin: String,
    pub output_batch: String,
    pub quantity: i64,
}

/// A lot's current state (the same type the server folds from its events).
pub use crate::domain::lot_state::LotState as Lot;

/// A lot with stock that expires within the alert horizon.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExpiringLot {
    pub gtin: String,
    pub batch: String,
    pub expiry: NaiveDate,
    pub status: LotStatus,
    pub on_hand: i64,
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
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
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

    /// Records one event durably, with its outbox row and derived state, in one transaction.
    pub fn append(
        &mut self,
        station: &str,
        actor: &str,
        event: EventKind,
    ) -> Result<RecordedEvent, StoreError> {
        Ok(self.append_all(station, actor, vec![event])?.remove(0))
    }

    /// Records events that belong together (a production batch and its inputs) in one
    /// transaction: all of them, or none.
    pub fn append_all(
        &mut self,
        station: &str,
        actor: &str,
        events: Vec<EventKind>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let mut prev = last_hash(&tx)?;
        let mut recorded = Vec::with_capacity(events.len());
        let mut deferred = Deferred::default();
        for event in events {
            let id = Uuid::now_v7().to_string();
            let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
            let (seq, hash) = insert_event(&tx, &prev, &id, &at, station, actor, &event)?;
            exec(
                &tx,
                "INSERT INTO outbox (event_id) VALUES (?1)",
                params![id],
            )?;
            apply_event(&tx, seq, &event, &mut deferred)?;
            prev = hash.clone();
            recorded.push(RecordedEvent {
                seq,
                id,
                at,
                station: station.into(),
                actor: actor.into(),
                event,
                hash,
            });
        }
        deferred.flush(&tx)?;
        tx.commit()?;
        Ok(recorded)
    }

    /// The last production sequence number used under `key` (0 if none).
    pub fn last_sequence(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT last FROM sequences WHERE key = ?1",
                params![key],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64)
    }

    /// Genealogy edges in which a lot is the input or the output.
    pub fn genealogy_of(&self, gtin: &str, batch: &str) -> Result<Vec<GenealogyEdge>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT input_gtin, input_batch, output_gtin, output_batch, quantity FROM genealogy
             WHERE (input_gtin = ?1 AND input_batch = ?2) OR (output_gtin = ?1 AND output_batch = ?2) ORDER BY event_seq",
        )?;
        let rows = stmt.query_map(params![gtin, batch], |r| {
            Ok(GenealogyEdge {
                input_gtin: r.get(0)?,
                input_batch: r.get(1)?,
                output_gtin: r.get(2)?,
                output_batch: r.get(3)?,
                quantity: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The genealogy edges, shipments and receipts reachable from a lot, for
    /// [`crate::domain::trace::trace`]: two queries per direction over the same recursive walk
    /// of the indexed genealogy ([`trace_sql`]), one for the edges walked, one for the
    /// shipments (forward) or receipts (backward) of every lot reached.
    pub fn trace_facts(
        &self,
        lot: &LotRef,
        direction: Direction,
    ) -> Result<TraceFacts, StoreError> {
        let mut facts = TraceFacts::default();
        let at = params![lot.gtin, lot.batch];
        let lot_of = |r: &rusqlite::Row| -> rusqlite::Result<LotRef> {
            Ok(LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        };
        for (wanted, walk) in [
            (direction.forward(), TraceWalk::Forward),
            (direction.backward(), TraceWalk::Backward),
        ] {
            if !wanted {
                continue;
            }
            let mut stmt = self
                .conn
                .prepare_cached(&trace_sql(walk, TraceRows::Links))?;
            let links = stmt.query_map(at, |r| {
                Ok(Link {
                    input: lot_of(r)?,
                    output: LotRef::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                    quantity: r.get(4)?,
                    at: r.get(5)?,
                })
            })?;
            facts.links.extend(links.collect::<Result<Vec<_>, _>>()?);
            let mut stmt = self
                .conn
                .prepare_cached(&trace_sql(walk, TraceRows::Ends))?;
            match walk {
                TraceWalk::Forward => {
                    let rows = stmt.query_map(at, |r| {
                        Ok(ShipmentLine {
                            lot: lot_of(r)?,
                            quantity: r.get(2)?,
                            customer: r.get(3)?,
                            shipment: r.get(4)?,
                            at: r.get(5)?,
                        })
                    })?;
                    facts.shipments = rows.collect::<Result<_, _>>()?;
                }
                TraceWalk::Backward => {
                    let rows = stmt.query_map(at, |r| {
                        Ok(ReceiptLine {
                            lot: lot_of(r)?,
                            quantity: r.get(2)?,
                            supplier: r.get(3)?,
                            po: r.get(4)?,
                            at: r.get(5)?,
                        })
                    })?;
                    facts.receipts = rows.collect::<Result<_, _>>()?;
                }
            }
        }
        Ok(facts)
    }

    /// Every event in order.
    pub fn events(&self) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, id, at, station, actor, payload, hash FROM events ORDER BY seq",
        )?;
        read_events(&mut stmt, [])
    }

    /// Checks the hash chain over the whole log. Returns the number of events.
    pub fn verify(&self) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, id, at, station, actor, payload, prev_hash, hash FROM events ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_string();
        let mut expected_seq = 1;
        let mut count = 0;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            if seq != expected_seq {
                return Err(StoreError::ChainBroken {
                    seq: expected_seq,
                    reason: "the event is missing".into(),
                });
            }
            let (id, at, station, actor, payload, prev_hash, hash): (
                String,
                String,
                String,
                String,
                String,
                String,
                String,
            ) = (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            );
            if prev_hash != prev {
                return Err(StoreError::ChainBroken {
                    seq,
                    reason: "it does not follow the event before it".into(),
                });
            }
            if chain_hash(&prev, &id, &at, &station, &actor, &payload) != hash {
                return Err(StoreError::ChainBroken {
                    seq,
                    reason: "its content does not match its hash".into(),
                });
            }
            prev = hash;
            expected_seq += 1;
            count += 1;
        }
        Ok(count)
    }

    /// Rebuilds every derived table by replaying the log.
    pub fn rebuild(&mut self) -> Result<u64, StoreError> {
        let events = self.events()?;
        let tx = write_tx(&mut self.conn)?;
        schema::clear_derived(&tx)?;
        let mut deferred = Deferred::default();
        for e in &events {
            apply_event(&tx, e.seq, &e.event, &mut deferred)?;
        }
        deferred.flush(&tx)?;
        tx.commit()?;
        Ok(events.len() as u64)
    }

    /// A dump of every derived table, for comparing state (replay tests, sync checks).
    pub fn derived_snapshot(&self) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        for (table, order) in schema::DERIVED {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
            let n = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).map(|v| format!("{v:?}"))))
                    .collect();
                out.push(format!("{table}: {}", cells.join(" | ")));
            }
        }
        Ok(out)
    }

    pub fn product(&self, gtin: &str) -> Result<Option<Product>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT gtin, name, receive_as FROM products WHERE gtin = ?1")?
            .query_row(params![gtin], |r| {
                Ok(Product {
                    gtin: r.get(0)?,
                    name: r.get(1)?,
                    receive_as: LotStatus::from_name(&r.get::<_, String>(2)?)
                        .unwrap_or(LotStatus::Quarantined),
                })
            })
            .optional()?)
    }

    pub fn lot(&self, gtin: &str, batch: &str) -> Result<Option<Lot>, StoreError> {
        let lot = self
            .conn
            .prepare_cached(
                "SELECT expiry, status, supplier FROM lots WHERE gtin = ?1 AND batch = ?2",
            )?
            .query_row(params![gtin, batch], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?;
        let Some((expiry, status, supplier)) = lot else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT location, quantity FROM stock WHERE gtin = ?1 AND batch = ?2 ORDER BY location",
        )?;
        let stock = stmt
            .query_map(params![gtin, batch], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(Some(Lot {
            gtin: gtin.into(),
            batch: batch.into(),
            expiry: expiry.and_then(|e| e.parse().ok()),
            status: LotStatus::from_name(&status).unwrap_or(LotStatus::Quarantined),
            supplier,
            stock,
        }))
    }

    /// The lots of a product that a pick or a dispatch could take today: released, not
    /// expired on `today`, with stock on hand; in receipt order (oldest first: the order lots
    /// were first recorded, which a replay preserves), for the rotation rules
    /// ([`crate::domain::rules`], which still apply every condition themselves).
    ///
    /// Reads only those lots: `lots_pick` (GTIN, status, expiry, batch) holds every column
    /// needed and the row id that gives receipt order, and each lot's stock is a few adjacent
    /// rows of the lot-clustered stock table. (It was every lot of the product, each through
    /// its table row and its stock rows' table rows: ~1 ms, 10+ ms cold, on a large site.)
    pub fn pick_candidates(
        &self,
        gtin: &str,
        today: NaiveDate,
    ) -> Result<Vec<crate::domain::rules::Candidate>, StoreError> {
        let mut stmt = self.conn.prepare_cached(PICK_CANDIDATES)?;
        let rows = stmt.query_map(
            params![gtin, LotStatus::Released.name(), today.to_string()],
            |r| {
                Ok(crate::domain::rules::Candidate {
                    batch: r.get(0)?,
                    expiry: r.get::<_, Option<String>>(1)?.and_then(|e| e.parse().ok()),
                    status: LotStatus::from_name(&r.get::<_, String>(2)?)
                        .unwrap_or(LotStatus::Quarantined),
                    on_hand: r.get(3)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Lots with stock on hand that expire on or before `until`, soonest first.
    pub fn expiring(&self, until: NaiveDate) -> Result<Vec<ExpiringLot>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.gtin, l.batch, l.expiry, l.status, sum(s.quantity) FROM lots l
             JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
             WHERE l.expiry IS NOT NULL AND l.expiry <= ?1
             GROUP BY l.gtin, l.batch HAVING sum(s.quantity) > 0
             ORDER BY l.expiry, l.gtin, l.batch",
        )?;
        let rows = stmt.query_map(params![until.to_string()], |r| {
            Ok(ExpiringLot {
                gtin: r.get(0)?,
                batch: r.get(1)?,
                expiry: r.get::<_, String>(2)?.parse().unwrap_or(NaiveDate::MIN),
                status: LotStatus::from_name(&r.get::<_, String>(3)?)
                    .unwrap_or(LotStatus::Quarantined),
                on_hand: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Quality figures per supplier (lots received, rejected, recalled), worst rate first.
    pub fn supplier_quality(
        &self,
    ) -> Result<Vec<crate::domain::rules::SupplierQuality>, StoreError> {
        self.supplier_quality_since(None)
    }

    /// [`Store::supplier_quality`] over the lots first received on or after `since` (UTC day).
    pub fn supplier_quality_since(
        &self,
        since: Option<NaiveDate>,
    ) -> Result<Vec<crate::domain::rules::SupplierQuality>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT supplier, count(*), sum(status = 'rejected'), sum(status = 'recalled')
             FROM lots l WHERE supplier IS NOT NULL
               AND (?1 IS NULL OR (SELECT min(e.at) FROM receipts r JOIN events e ON e.seq = r.event_seq
                                   WHERE r.gtin = l.gtin AND r.batch = l.batch) >= ?1)
             GROUP BY supplier",
        )?;
        let rows = stmt.query_map(params![since.map(|d| d.to_string())], |r| {
            Ok(crate::domain::rules::SupplierQuality::new(
                r.get(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        let mut out: Vec<_> = rows.collect::<Result<_, _>>()?;
        crate::domain::rules::rank_suppliers(&mut out);
        Ok(out)
    }

    /// GTINs that have a lot with this batch number.
    pub fn gtins_with_batch(&self, batch: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(GTINS_WITH_BATCH)?;
        let gtins = stmt
            .query_map(params![batch], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(gtins)
    }

    /// Recall ids, newest first.
    pub fn recall_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM recalls ORDER BY event_seq DESC")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// A recall with its items and what was accounted for, or `None` for an unknown id.
    pub fn recall(&self, id: &str) -> Result<Option<RecallStatus>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT r.reason, r.include_derived, e.at, e.actor, c.at, c.actor, r.forced,
                        r.close_reason, r.outstanding_at_close
                 FROM recalls r JOIN events e ON e.seq = r.event_seq
                 LEFT JOIN events c ON c.seq = r.closed_seq WHERE r.id = ?1",
                params![id],
                |r| {
                    let closed = match r.get::<_, Option<String>>(4)? {
                        Some(at) => Some(Closure {
                            at,
                            by: r.get(5)?,
                            forced: r.get::<_, Option<bool>>(6)?.unwrap_or(false),
                            reason: r.get(7)?,
                            outstanding: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
                        }),
                        None => None,
                    };
                    Ok(RecallRecord {
                        id: id.to_string(),
                        reason: r.get(0)?,
                        include_derived: r.get(1)?,
                        started_at: r.get(2)?,
                        started_by: r.get(3)?,
                        named: Vec::new(),
                        lots: Vec::new(),
                        closed,
                    })
                },
            )
            .optional()?;
        let Some(mut record) = head else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT gtin, batch, named FROM recall_lots WHERE recall = ?1 ORDER BY position",
        )?;
        for row in stmt.query_map(params![id], |r| {
            Ok((
                LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                r.get::<_, bool>(2)?,
            ))
        })? {
            let (lot, named) = row?;
            if named {
                record.named.push(lot.clone());
            }
            record.lots.push(lot);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT gtin, batch, customer, quantity FROM recall_items WHERE recall = ?1 ORDER BY position",
        )?;
        let items = stmt
            .query_map(params![id], |r| {
                Ok(RecallItem {
                    lot: LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    customer: r.get(2)?,
                    quantity: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.gtin, a.batch, a.customer, a.quantity, a.how, a.note, e.at, e.actor
             FROM recall_accounting a JOIN events e ON e.seq = a.event_seq
             WHERE a.recall = ?1 ORDER BY a.event_seq",
        )?;
        let accounting = stmt
            .query_map(params![id], |r| {
                Ok(Accounting {
                    lot: LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    customer: r.get(2)?,
                    quantity: r.get(3)?,
                    how: Disposition::from_key(&r.get::<_, String>(4)?)
                        .unwrap_or(Disposition::Other),
                    note: r.get(5)?,
                    at: r.get(6)?,
                    actor: r.get(7)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(RecallStatus::new(record, items, accounting)))
    }

    /// Events in the log.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Events not yet acknowledged by the central server.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// The latest `limit` events that name a lot (received, produced, consumed, moved,
    /// counted, shipped, status changes, consumptions into it, recalls), oldest first: the
    /// lot's history for the UI, read through `lot_events`.
    pub fn lot_events(
        &self,
        gtin: &str,
        batch: &str,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(LOT_EVENTS)?;
        let mut events = read_events(&mut stmt, rusqlite::params![gtin, batch, limit as i64])?;
        events.reverse();
        Ok(events)
    }
}

/// A product's released, unexpired lots with stock, in receipt order (`Store::pick_candidates`).
/// The plan is forced (SQLite otherwise started from the stock rows and fetched each lot's
/// table row): the covering `lots_pick` entries of the product, then each lot's stock rows.
const PICK_CANDIDATES: &str =
    "SELECT l.batch, l.expiry, l.status, sum(s.quantity) FROM lots l INDEXED BY lots_pick
     CROSS JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
     WHERE l.gtin = ?1 AND l.status = ?2 AND (l.expiry IS NULL OR l.expiry >= ?3)
     GROUP BY l.rowid HAVING sum(s.quantity) > 0 ORDER BY l.rowid";

/// A lot's last `?3` events, newest first: its `lot_events` rows (adjacent), each event by
/// its sequence number.
const LOT_EVENTS: &str = "SELECT e.seq, e.id, e.at, e.station, e.actor, e.payload, e.hash
     FROM lot_events l CROSS JOIN events e ON e.seq = l.seq
     WHERE l.gtin = ?1 AND l.batch = ?2 ORDER BY l.seq DESC LIMIT ?3";

/// The GTINs of the lots with a batch number: a few `lots_batch` (batch, gtin) entries.
const GTINS_WITH_BATCH: &str = "SELECT gtin FROM lots WHERE batch = ?1 ORDER BY gtin";

/// Which way a trace walks the genealogy.
#[derive(Debug, Clone, Copy)]
enum TraceWalk {
    /// Input → output: where a lot went; ends in shipments.
    Forward,
    /// Output → input: where a lot came from; ends in receipts.
    Backward,
}

/// What a trace query returns about the lots reached.
#[derive(Debug, Clone, Copy)]
enum TraceRows {
    /// The genealogy edges walked: input GTIN, batch, output GTIN, batch, quantity, time.
    Links,
    /// Forward: their shipments (GTIN, batch, quantity, customer, shipment, time);
    /// backward: their receipts (GTIN, batch, quantity, supplier, PO, time).
    Ends,
}

/// A trace query from the lot `?1`/`?2`. `reach` holds the lot and every lot reached from it
/// (`UNION` keeps each lot once, so a cycle in bad data ends); each lot reached then finds its
/// edges, shipments or receipts through their lot keys (shipments are clustered by lot).
///
/// The plan is forced, because SQLite, knowing nothing of the table sizes, chose to walk the
/// whole genealogy or shipments table in rowid order and probe `reach` for each row (15 ms to
/// 1.7 s per trace on a 2-million-event site): `CROSS JOIN` keeps `reach` outside, and
/// `ORDER BY +…` sorts the few rows found rather than following the rowid order.
/// `hot_queries_read_through_indexes` checks the plans.
fn trace_sql(walk: TraceWalk, rows: TraceRows) -> String {
    let (from, to) = match walk {
        TraceWalk::Forward => ("input", "output"),
        TraceWalk::Backward => ("output", "input"),
    };
    let select = match (rows, walk) {
        (TraceRows::Links, _) => format!(
            "SELECT g.input_gtin, g.input_batch, g.output_gtin, g.output_batch, g.quantity, e.at
             FROM reach r CROSS JOIN genealogy g
                 ON g.{from}_gtin = r.gtin AND g.{from}_batch = r.batch
             CROSS JOIN events e ON e.seq = g.event_seq
             ORDER BY +g.event_seq"
        ),
        (TraceRows::Ends, TraceWalk::Forward) => {
            "SELECT s.gtin, s.batch, s.quantity, s.customer, s.shipment, e.at
             FROM reach r CROSS JOIN shipments s ON s.gtin = r.gtin AND s.batch = r.batch
             CROSS JOIN events e ON e.seq = s.event_seq
             ORDER BY +s.event_seq"
                .to_string()
        }
        (TraceRows::Ends, TraceWalk::Backward) => {
            "SELECT c.gtin, c.batch, c.quantity, c.supplier, c.po, e.at
             FROM reach r CROSS JOIN receipts c ON c.gtin = r.gtin AND c.batch = r.batch
             CROSS JOIN events e ON e.seq = c.event_seq
             ORDER BY +c.event_seq"
                .to_string()
        }
    };
    format!(
        "WITH RECURSIVE reach (gtin, batch) AS (
            VALUES (?1, ?2)
            UNION
            SELECT g.{to}_gtin, g.{to}_batch FROM reach r CROSS JOIN genealogy g
                ON g.{from}_gtin = r.gtin AND g.{from}_batch = r.batch
         )
         {select}"
    )
}

/// Decodes event rows selected as `seq, id, at, station, actor, payload, hash`.
fn read_events(
    stmt: &mut rusqlite::Statement,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows = stmt.query_map(params, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get::<_, String>(5)?,
            r.get(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, at, station, actor, payload, hash) = row?;
        let event = serde_json::from_str(&payload).map_err(|e| StoreError::BadEvent {
            seq,
            reason: e.to_string(),
        })?;
        out.push(RecordedEvent {
            seq,
            id,
            at,
            station,
            actor,
            event,
            hash,
        });
    }
    Ok(out)
}

/// Appends one event to the chain after `prev`; returns its sequence number and hash.
fn insert_event(
    tx: &Transaction,
    prev: &str,
    id: &str,
    at: &str,
    station: &str,
    actor: &str,
    event: &EventKind,
) -> Result<(i64, String), StoreError> {
    let payload = serde_json::to_string(event).expect("events serialise");
    let hash = chain_hash(prev, id, at, station, actor, &payload);
    exec(
        tx,
        "INSERT INTO events (id, at, station, actor, kind, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, at, station, actor, event.name(), payload, prev, hash],
    )?;
    Ok((tx.last_insert_rowid(), hash))
}

/// The hash of the last event (the genesis hash in an empty log).
fn last_hash(tx: &Transaction) -> Result<String, StoreError> {
    Ok(tx
        .query_row(
            "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS.to_string()))
}

/// What [`apply_event`] leaves to the end of a transaction, done once however many events
/// touched it: each stock row written ([`stock::StockWrites`]), and each lot whose status
/// history grew settled from that whole history ([`settle_status`]: one query per lot rather
/// than per event). Nothing inside the transaction reads `stock` or `lots.status` before
/// [`Deferred::flush`].
#[derive(Default)]
pub(super) struct Deferred {
    stock: stock::StockWrites,
    settle: std::collections::BTreeSet<(String, String)>,
}

impl Deferred {
    /// Writes what was deferred; call before the transaction commits.
    pub(super) fn flush(&mut self, tx: &Transaction) -> Result<(), StoreError> {
        self.stock.flush(tx)?;
        for (gtin, batch) in std::mem::take(&mut self.settle) {
            settle_status(tx, &gtin, &batch)?;
        }
        Ok(())
    }
}

/// Applies one event to the derived tables; stock and status go to `deferred`, which the
/// caller flushes before committing (once for a whole batch of events).
pub(super) fn apply_event(
    tx: &Transaction,
    seq: i64,
    event: &EventKind,
    deferred: &mut Deferred,
) -> Result<(), StoreError> {
    for (gtin, batch) in event.lots() {
        exec(
            tx,
            "INSERT OR IGNORE INTO lot_events (gtin, batch, seq) VALUES (?1, ?2, ?3)",
            params![gtin, batch, seq],
        )?;
    }
    let stock = &mut deferred.stock;
    match event {
        EventKind::ProductRegistered {
            gtin,
            name,
            receive_as,
        } => {
            exec(tx,
                "INSERT INTO products (gtin, name, receive_as) VALUES (?1, ?2, ?3)
                 ON CONFLICT (gtin) DO UPDATE SET name = excluded.name, receive_as = excluded.receive_as",
                params![gtin, name, receive_as.name()],
            )?;
        }
        EventKind::LotReceived {
            gtin,
            batch,
            expiry,
            quantity,
            location,
            status,
            supplier,
            po,
            ..
        } => {
            exec(
                tx,
                "INSERT INTO receipts (event_seq, gtin, batch, quantity, supplier, po) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![seq, gtin, batch, *quantity as i64, supplier, po],
            )?;
            let created = exec(tx,
                "INSERT INTO lots (gtin, batch, expiry, status, supplier) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (gtin, batch) DO NOTHING",
                params![gtin, batch, expiry.map(|d| d.to_string()), status.name(), supplier],
            )?;
            log_status(tx, seq, gtin, batch, *status, false)?;
            if created == 0 {
                deferred.settle.insert((gtin.clone(), batch.clone()));
            }
            stock.add(tx, gtin, batch, location, *quantity)?;
        }
        EventKind::BatchProduced {
            gtin,
            batch,
            quantity,
            location,
            expiry,
            status,
            sequence_key,
            sequence,
        } => {
            let created = exec(tx,
                "INSERT INTO lots (gtin, batch, expiry, status, supplier) VALUES (?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT (gtin, batch) DO NOTHING",
                params![gtin, batch, expiry.map(|d| d.to_string()), status.name()],
            )?;
            log_status(tx, seq, gtin, batch, *status, false)?;
            if created == 0 {
                deferred.settle.insert((gtin.clone(), batch.clone()));
            }
            stock.add(tx, gtin, batch, location, *quantity)?;
            exec(
                tx,
                "INSERT INTO sequences (key, last) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET last = max(last, excluded.last)",
                params![sequence_key, *sequence as i64],
            )?;
        }
        EventKind::LotConsumed {
            gtin,
            batch,
            quantity,
            into_gtin,
            into_batch,
            from,
        } => {
            stock.take(tx, gtin, batch, from)?;
            exec(tx,
                "INSERT INTO genealogy (event_seq, input_gtin, input_batch, output_gtin, output_batch, quantity)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![seq, gtin, batch, into_gtin, into_batch, *quantity as i64],
            )?;
        }
        EventKind::LotDispatched {
            gtin,
            batch,
            quantity,
            customer,
            shipment,
            from,
        } => {
            stock.take(tx, gtin, batch, from)?;
            exec(
                tx,
                "INSERT INTO shipments (event_seq, gtin, batch, quantity, customer, shipment) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![seq, gtin, batch, *quantity as i64, customer, shipment],
            )?;
        }
        EventKind::LotMoved {
            gtin,
            batch,
            from,
            to,
            quantity,
        } => {
            stock.take(tx, gtin, batch, &[(from.clone(), *quantity)])?;
            stock.add(tx, gtin, batch, to, *quantity)?;
        }
        EventKind::LotCounted {
            gtin,
            batch,
            location,
            counted,
            ..
        } => {
            // The count is the truth: set, not adjust, so a replay lands on the same figure.
            stock.set(tx, gtin, batch, location, *counted)?;
        }
        EventKind::LotStatusChanged {
            gtin, batch, to, ..
        } => {
            log_status(tx, seq, gtin, batch, *to, true)?;
            deferred.settle.insert((gtin.clone(), batch.clone()));
        }
        EventKind::RecallStarted { .. }
        | EventKind::RecallAccounted { .. }
        | EventKind::RecallClosed { .. } => apply_recall(tx, seq, event)?,
    }
    Ok(())
}

/// Applies a recall event to the recall tables.
fn apply_recall(tx: &Transaction, seq: i64, event: &EventKind) -> Result<(), StoreError> {
    match event {
        EventKind::RecallStarted {
            recall,
            reason,
            include_derived,
            lots,
            items,
            ..
        } => {
            // An id seen before (a copy of the same recall) changes nothing.
            let fresh = exec(
                tx,
                "INSERT INTO recalls (id, event_seq, reason, include_derived) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO NOTHING",
                params![recall, seq, reason, include_derived],
            )?;
            if fresh == 0 {
                return Ok(());
            }
            for (i, l) in lots.iter().enumerate() {
                exec(
                    tx,
                    "INSERT INTO recall_lots (recall, position, gtin, batch, named, status, on_hand)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![recall, i as i64, l.lot.gtin, l.lot.batch, l.named, l.status.name(), l.on_hand],
                )?;
            }
            for (i, item) in items.iter().enumerate() {
                exec(
                    tx,
                    "INSERT INTO recall_items (recall, position, gtin, batch, customer, quantity)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        recall,
                        i as i64,
                        item.lot.gtin,
                        item.lot.batch,
                        item.customer,
                        item.quantity
                    ],
                )?;
            }
        }
        EventKind::RecallAccounted {
            recall,
            gtin,
            batch,
            customer,
            quantity,
            how,
            note,
        } => {
            exec(
                tx,
                "INSERT INTO recall_accounting (event_seq, recall, gtin, batch, customer, quantity, how, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![seq, recall, gtin, batch, customer, *quantity as i64, how.key(), note],
            )?;
        }
        EventKind::RecallClosed {
            recall,
            forced,
            reason,
            outstanding,
            ..
        } => {
            exec(
                tx,
                "UPDATE recalls SET closed_seq = ?2, forced = ?3, close_reason = ?4, outstanding_at_close = ?5
                 WHERE id = ?1 AND closed_seq IS NULL",
                params![recall, seq, forced, reason, outstanding],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Records a step of a lot's status history. When it can change the outcome (a status change,
/// or a creation of a lot that already existed: which one counts depends on the order), the
/// caller has the lot settled again ([`Deferred`]).
fn log_status(
    tx: &Transaction,
    seq: i64,
    gtin: &str,
    batch: &str,
    status: LotStatus,
    change: bool,
) -> Result<(), StoreError> {
    exec(
        tx,
        "INSERT INTO lot_status_log (event_seq, gtin, batch, status, change) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![seq, gtin, batch, status.name(), change],
    )?;
    Ok(())
}

/// Sets a lot's status from its whole history in the order that decides: synced events in
/// the server's order, then local ones not yet synced in log order
/// ([`crate::domain::status::settle`]). The same history gives the same status at every
/// station, whatever order the events reached it in.
fn settle_status(tx: &Transaction, gtin: &str, batch: &str) -> Result<(), StoreError> {
    use crate::domain::status::{StatusStep, settle};
    let mut stmt = tx.prepare_cached(
        "SELECT s.status, s.change FROM lot_status_log s
         JOIN events e ON e.seq = s.event_seq
         LEFT JOIN server_pos p ON p.event_id = e.id
         WHERE s.gtin = ?1 AND s.batch = ?2
         ORDER BY p.pos IS NULL, p.pos, s.event_seq",
    )?;
    let steps = stmt
        .query_map(params![gtin, batch], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let status = settle(steps.into_iter().filter_map(|(s, change)| {
        let s = LotStatus::from_name(&s)?;
        Some(if change {
            StatusStep::Changed(s)
        } else {
            StatusStep::Created(s)
        })
    }));
    if let Some(status) = status {
        exec(
            tx,
            "UPDATE lots SET status = ?3 WHERE gtin = ?1 AND batch = ?2",
            params![gtin, batch, status.name()],
        )?;
    }
    Ok(())
}

/// Runs a statement through the connection's cache: bulk ingest and replay run the same few
/// statements hundreds of thousands of times, and preparing each costs more than running it.
fn exec(tx: &Transaction, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    tx.prepare_cached(sql)?.execute(params)
}

fn chain_hash(prev: &str, id: &str, at: &str, station: &str, actor: &str, payload: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, id, at, station, actor, payload] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Stock and status events, sensible or not (taking more than a row holds, from a row that
    /// does not exist, counts to 0, moves back and forth, a lot received again with another
    /// status, changes the status machine has no transition for): recorded one per
    /// transaction, all in one transaction, and replayed, they leave the same derived state,
    /// and each lot's stock and status are what the domain's fold of its events gives
    /// (`LotState::fold`, the server's answer). Deferring stock writes and status settling to
    /// the end of a transaction ([`Deferred`]) must not change any outcome.
    #[test]
    fn stock_and_status_come_out_the_same_one_event_at_a_time_or_in_one_batch() {
        use proptest::prelude::*;
        let gtin = "09501101530003";
        let lot = prop::sample::select(vec!["L1", "L2"]);
        let loc = || prop::sample::select(vec!["A", "B", "C"]);
        let status = || {
            prop::sample::select(vec![
                LotStatus::Quarantined,
                LotStatus::Released,
                LotStatus::OnHold,
                LotStatus::Rejected,
                LotStatus::Recalled,
            ])
        };
        let event = prop_oneof![
            // Receipts carry 1 or more (the workflow refuses 0).
            (lot.clone(), loc(), 1u64..6, status()).prop_map(move |(b, l, q, s)| {
                EventKind::LotReceived {
                    gtin: gtin.into(),
                    batch: b.into(),
                    expiry: None,
                    quantity: q,
                    location: l.into(),
                    status: s,
                    supplier: None,
                    sscc: None,
                    po: None,
                }
            }),
            (lot.clone(), prop::collection::vec((loc(), 0u64..6), 0..3)).prop_map(
                move |(b, from)| EventKind::LotDispatched {
                    gtin: gtin.into(),
                    batch: b.into(),
                    quantity: from.iter().map(|(_, q)| q).sum(),
                    customer: "C".into(),
                    shipment: None,
                    from: from.into_iter().map(|(l, q)| (l.to_string(), q)).collect(),
                }
            ),
            (lot.clone(), loc(), loc(), 1u64..6).prop_map(move |(b, f, t, q)| {
                EventKind::LotMoved {
                    gtin: gtin.into(),
                    batch: b.into(),
                    from: f.into(),
                    to: t.into(),
                    quantity: q,
                }
            }),
            (lot.clone(), loc(), 0u64..6).prop_map(move |(b, l, q)| EventKind::LotCounted {
                gtin: gtin.into(),
                batch: b.into(),
                location: l.into(),
                counted: q,
                difference: 0,
            }),
            (lot.clone(), loc(), 0u64..6).prop_map(move |(b, l, q)| EventKind::LotConsumed {
                gtin: gtin.into(),
                batch: b.into(),
                quantity: q,
                into_gtin: gtin.into(),
                into_batch: "OUT".into(),
                from: vec![(l.to_string(), q)],
            }),
            (lot, status()).prop_map(move |(b, to)| EventKind::LotStatusChanged {
                gtin: gtin.into(),
                batch: b.into(),
                from: LotStatus::Quarantined,
                to,
                role: crate::domain::status::Role::Supervisor,
                reason: "QC".into(),
            }),
        ];
        let config = ProptestConfig {
            cases: 32,
            ..ProptestConfig::default()
        };
        let received = |batch: &str| EventKind::LotReceived {
            gtin: gtin.into(),
            batch: batch.into(),
            expiry: None,
            quantity: 3,
            location: "A".into(),
            status: LotStatus::Released,
            supplier: None,
            sscc: None,
            po: None,
        };
        proptest!(config, |(more in prop::collection::vec(event, 1..30))| {
            let mut events = vec![received("L1"), received("L2")];
            events.extend(more);
            let dir = tempfile::tempdir().unwrap();
            let mut one_by_one = Store::open(&dir.path().join("a.db")).unwrap();
            for e in &events {
                one_by_one.append("s", "a", e.clone()).unwrap();
            }
            let mut batch = Store::open(&dir.path().join("b.db")).unwrap();
            batch.append_all("s", "a", events.clone()).unwrap();
            for batch in ["L1", "L2"] {
                let folded = crate::domain::lot_state::LotState::fold(gtin, batch, &events);
                prop_assert_eq!(
                    one_by_one.lot(gtin, batch).unwrap().map(|l| (l.stock, l.status)),
                    folded.map(|l| (l.stock, l.status))
                );
            }
            let expected = one_by_one.derived_snapshot().unwrap();
            prop_assert_eq!(&batch.derived_snapshot().unwrap(), &expected);
            one_by_one.rebuild().unwrap();
            prop_assert_eq!(&one_by_one.derived_snapshot().unwrap(), &expected);
        });
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
