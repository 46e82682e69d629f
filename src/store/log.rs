//! The event log and its hash chain: every change is one event row, appended in order and never
//! changed, carrying the SHA-256 of the event before it, so an edited, removed or reordered event
//! is found by [`Store::verify`]. Recording an event also applies it to the derived tables
//! ([`super::projection`]) in the same transaction.

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::projection::{Deferred, apply_event};
use super::{Store, StoreError, exec, write_tx};
use crate::domain::EventKind;
pub(super) use crate::domain::chain::{GENESIS, chain_hash};
use crate::people::{Signer, signing_bytes};

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
    /// The signature of the person who authorised it (hex), for events that need one.
    pub signature: Option<String>,
}

impl Store {
    /// Records one event durably, with its derived state, in one transaction. (It joins the
    /// outbox by being after the outbox position: nothing is written for the sync.)
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
        self.append_signed(station, actor, events, None)
    }

    /// [`Self::append_all`], each event signed by `signer` when given (a supervisor's
    /// decision, so the server can check who authorised it).
    pub fn append_signed(
        &mut self,
        station: &str,
        actor: &str,
        events: Vec<EventKind>,
        signer: Option<&Signer>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let mut prev = last_hash(&tx)?;
        let mut recorded = Vec::with_capacity(events.len());
        let mut deferred = Deferred::default();
        // One moment for the whole transaction: its events become durable together.
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
        for event in events {
            let id = Uuid::now_v7().to_string();
            let at = at.clone();
            let (seq, hash) = insert_event(&tx, &prev, &id, &at, station, actor, &event)?;
            let signature =
                signer.map(|s| s.sign(&signing_bytes(&id, &at, station, actor, &event)));
            set_signature(&tx, seq, signature.as_deref())?;
            apply_event(&tx, seq, &event, &mut deferred, false)?;
            prev = hash.clone();
            recorded.push(RecordedEvent {
                seq,
                id,
                at,
                station: station.into(),
                actor: actor.into(),
                event,
                hash,
                signature,
            });
        }
        deferred.flush(&tx)?;
        tx.commit()?;
        Ok(recorded)
    }

    /// Every event in order, but those whose content was pruned ([`Self::prune`]: the server
    /// holds them).
    pub fn events(&self) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, id, at, station, actor, payload, hash FROM events WHERE NOT pruned ORDER BY seq",
        )?;
        read_events(&mut stmt, [])
    }

    /// Checks the hash chain over the whole log. Returns the number of events.
    pub fn verify(&self) -> Result<u64, StoreError> {
        self.verify_range(1, i64::MAX)
    }

    /// Checks the hash chain from event `first` to event `last` (sequence numbers; the range
    /// is cut at the end of the log): each event follows the one before it and its content
    /// matches its hash. What the sync checks before it pushes events. A pruned event (its
    /// content dropped, [`Self::prune`]) is checked for its place only: it follows the event
    /// before it and the next follows it. Returns the number of events checked.
    pub fn verify_range(&self, first: i64, last: i64) -> Result<u64, StoreError> {
        verify_in(&self.conn, first, last)
    }

    /// Events in the log.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))?
            as u64)
    }
}

/// [`Store::verify_range`] over any connection to a store file (a snapshot before it is
/// loaded).
pub(super) fn verify_in(
    conn: &rusqlite::Connection,
    first: i64,
    last: i64,
) -> Result<u64, StoreError> {
    {
        let first = first.max(1);
        let mut prev = if first == 1 {
            GENESIS.to_string()
        } else {
            conn.query_row(
                "SELECT hash FROM events WHERE seq = ?1",
                params![first - 1],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::ChainBroken {
                seq: first - 1,
                reason: "the event is missing".into(),
            })?
        };
        let mut stmt = conn.prepare_cached(
            "SELECT seq, id, at, station, actor, payload, prev_hash, hash, pruned FROM events
             WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![first, last])?;
        let mut expected_seq = first;
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
            let pruned: bool = r.get(8)?;
            if !pruned && chain_hash(&prev, &id, &at, &station, &actor, &payload) != hash {
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
}

/// Decodes event rows selected as `seq, id, at, station, actor, payload, hash` and, when
/// selected, `signature`.
pub(super) fn read_events(
    stmt: &mut rusqlite::Statement,
    params: impl rusqlite::Params,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let signed = stmt.column_count() > 7;
    let rows = stmt.query_map(params, |r| {
        Ok((
            (r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
            r.get(4)?,
            r.get::<_, String>(5)?,
            r.get(6)?,
            if signed { r.get(7)? } else { None },
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let ((seq, id, at, station), actor, payload, hash, signature) = row?;
        if payload.is_empty() {
            return Err(StoreError::Pruned { seq });
        }
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
            signature,
        });
    }
    Ok(out)
}

/// Keeps an event's signature beside it (outside the hash chain: the signature covers the
/// event, and the chain keeps the form older stores have).
pub(super) fn set_signature(
    tx: &Transaction,
    seq: i64,
    signature: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(sig) = signature {
        exec(
            tx,
            "UPDATE events SET signature = ?2 WHERE seq = ?1",
            params![seq, sig],
        )?;
    }
    Ok(())
}

/// Appends one event to the chain after `prev`; returns its sequence number and hash.
pub(super) fn insert_event(
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
pub(super) fn last_hash(tx: &Transaction) -> Result<String, StoreError> {
    Ok(tx
        .query_row(
            "SELECT hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS.to_string()))
}
