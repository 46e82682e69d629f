//! The outbox: which events recorded here the central server does not hold yet.
//!
//! It is a position in the event log, not a row per event (schema 11): `sync_state.pushed_through`
//! is a sequence number up to which the server holds every event (this station's, acknowledged,
//! and those pulled from it) or refused it for good (`push_refused`, schema 14). After it, the
//! events with neither a `server_pos` nor a `push_refused` row are the outbox, in log order;
//! those with one were pulled, acknowledged out of order or refused, and are never pushed (back).
//! Recording an event therefore writes nothing for the sync: the outbox grows by the log growing.
//!
//! An acknowledgement gives each event its server position and moves `pushed_through` up to just
//! before the first event still waiting, in one transaction. A crash between a push and its
//! acknowledgement leaves both as they were: the batch is pushed again, and the server, which
//! keeps each event id once, answers the same positions. Nothing waiting is ever skipped: the
//! position only passes events that have a server position.
//!
//! Each event pushed is linked into the station's own chain (`push_links`, schema 18) when it is
//! first pushed, and keeps that link: the server checks the chain on arrival.

use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, Transaction, params};

use super::log::read_events;
use super::projection::settle_status;
use super::{RecordedEvent, Store, StoreError, exec, write_tx};
use crate::domain::chain::{GENESIS, event_hash};

impl Store {
    /// Up to `limit` events waiting for the server, oldest first: after the outbox position,
    /// without a server position or a refusal.
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.seq, e.id, e.at, e.station, e.actor, e.payload, e.hash, e.signature
             FROM events e
             WHERE e.seq > (SELECT pushed_through FROM sync_state)
               AND NOT EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
               AND NOT EXISTS (SELECT 1 FROM push_refused r WHERE r.seq = e.seq)
             ORDER BY e.seq LIMIT ?1",
        )?;
        read_events(&mut stmt, params![limit as i64])
    }

    /// Events recorded here and not yet acknowledged (or refused) by the central server: the
    /// events after the outbox position less those after it that the server holds or refused.
    /// (The log's sequence numbers run without gaps, which `verify` checks, so no event row is
    /// read.)
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT coalesce((SELECT max(seq) FROM events), 0) - s.pushed_through
                  - (SELECT count(*) FROM (
                        SELECT seq FROM server_pos WHERE seq > s.pushed_through
                        UNION SELECT seq FROM push_refused WHERE seq > s.pushed_through))
             FROM sync_state s",
                [],
                |r| r.get::<_, i64>(0),
            )?
            .max(0) as u64)
    }

    /// The outbox position: the server holds every event up to this sequence number.
    pub fn outbox_position(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT pushed_through FROM sync_state", [], |r| r.get(0))?)
    }

    /// Records that the server holds these events at these positions: they leave the outbox,
    /// the outbox position moves past them (and past anything else the server holds after
    /// them), and lots whose status history they are part of are settled again in the
    /// server's order. Ids this store does not have are ignored. Returns how many left the
    /// outbox.
    pub fn acknowledge(&mut self, acked: &[(String, i64)]) -> Result<u64, StoreError> {
        self.settle_push(acked, &[])
    }

    /// A push's answer, in one transaction: the acknowledged events as [`Store::acknowledge`]
    /// records them, and the events the server refused for good, with its status and reason
    /// (`(id, status, error)`): they leave the outbox too, so the events behind them go on,
    /// and [`Store::sync_status`] counts them. Returns how many left the outbox.
    pub fn settle_push(
        &mut self,
        acked: &[(String, i64)],
        refused: &[(String, u16, String)],
    ) -> Result<u64, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let position = position(&tx)?;
        let mut removed = 0;
        let mut lots = BTreeSet::new();
        for (id, pos) in acked {
            if let Some(ServerPos { seq, was_known }) = set_server_pos(&tx, id, *pos)? {
                removed += u64::from(seq > position && !was_known);
            }
            lots.extend(status_lot_of(&tx, id)?);
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (id, status, error) in refused {
            // A status change the server refused no longer counts here either (below).
            lots.extend(status_lot_of(&tx, id)?);
            removed += exec(
                &tx,
                "INSERT INTO push_refused (seq, status, error, at)
                 SELECT e.seq, ?2, ?3, ?4 FROM events e WHERE e.id = ?1
                   AND e.seq > (SELECT pushed_through FROM sync_state)
                   AND NOT EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
                 ON CONFLICT (seq) DO NOTHING",
                params![id, status, error, now],
            )? as u64;
        }
        advance(&tx)?;
        for (gtin, batch) in lots {
            settle_status(&tx, &gtin, &batch)?;
        }
        tx.commit()?;
        Ok(removed)
    }
}

impl Store {
    /// Puts the events the server refused back in the outbox (after the server was fixed or
    /// upgraded, say): the next push sends them again. Returns how many.
    pub fn retry_refused(&mut self) -> Result<u64, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let n = unrefuse_all(&tx)?;
        tx.commit()?;
        Ok(n)
    }

    /// The chain links of `events` (outbox events about to be pushed, in the log's order), as
    /// `(prev, hash)`: an event linked before keeps its link (a resend is the same link), the
    /// others are linked now, after the last link made, and kept.
    pub fn link_for_push(
        &mut self,
        events: &[RecordedEvent],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let mut head: String = tx
            .query_row(
                "SELECT hash FROM push_links ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| GENESIS.to_string());
        let mut links = Vec::with_capacity(events.len());
        {
            // The links made before, read in one range (a batch is in the log's order).
            let (first, last) = match (events.first(), events.last()) {
                (Some(f), Some(l)) => (f.seq, l.seq),
                _ => return Ok(links),
            };
            let mut made: std::collections::HashMap<i64, (String, String)> = tx
                .prepare_cached(
                    "SELECT seq, prev, hash FROM push_links WHERE seq BETWEEN ?1 AND ?2",
                )?
                .query_map(params![first, last], |r| {
                    Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
                })?
                .collect::<Result<_, _>>()?;
            let mut put =
                tx.prepare_cached("INSERT INTO push_links (seq, prev, hash) VALUES (?1, ?2, ?3)")?;
            for e in events {
                let link = match made.remove(&e.seq) {
                    Some(link) => link,
                    None => {
                        let hash = event_hash(&head, &e.id, &e.at, &e.station, &e.actor, &e.event);
                        put.execute(params![e.seq, head, hash])?;
                        let prev = std::mem::replace(&mut head, hash.clone());
                        (prev, hash)
                    }
                };
                links.push(link);
            }
        }
        tx.commit()?;
        Ok(links)
    }
}

/// Puts every refused event back in the outbox; their status changes count again, as they wait
/// to be pushed. Returns how many.
pub(super) fn unrefuse_all(tx: &Transaction) -> Result<u64, StoreError> {
    exec(
        tx,
        "UPDATE sync_state SET pushed_through = min(pushed_through,
            coalesce((SELECT min(seq) - 1 FROM push_refused), pushed_through))",
        [],
    )?;
    let lots: BTreeSet<(String, String)> = tx
        .prepare(
            "SELECT DISTINCT s.gtin, s.batch FROM push_refused r
             JOIN lot_status_log s ON s.event_seq = r.seq",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let n = exec(tx, "DELETE FROM push_refused", [])? as u64;
    for (gtin, batch) in lots {
        settle_status(tx, &gtin, &batch)?;
    }
    Ok(n)
}

/// The outbox position, read inside a transaction.
fn position(tx: &Transaction) -> Result<i64, StoreError> {
    Ok(tx.query_row("SELECT pushed_through FROM sync_state", [], |r| r.get(0))?)
}

/// Moves the outbox position up to just before the first event after it that the server
/// neither holds nor refused, or to the end of the log. Reads only the events it passes.
pub(super) fn advance(tx: &Transaction) -> Result<(), StoreError> {
    exec(
        tx,
        "UPDATE sync_state SET pushed_through = coalesce(
            (SELECT e.seq - 1 FROM events e
             WHERE e.seq > pushed_through
               AND NOT EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
               AND NOT EXISTS (SELECT 1 FROM push_refused r WHERE r.seq = e.seq)
             ORDER BY e.seq LIMIT 1),
            (SELECT max(seq) FROM events),
            pushed_through)",
        [],
    )?;
    Ok(())
}

/// What [`set_server_pos`] found.
pub(super) struct ServerPos {
    /// The event's sequence number here.
    pub seq: i64,
    /// Whether it had a server position already.
    pub was_known: bool,
}

/// Records the server position of the event `id`; `None` when this store does not have it.
pub(super) fn set_server_pos(
    tx: &Transaction,
    id: &str,
    pos: i64,
) -> Result<Option<ServerPos>, StoreError> {
    let found: Option<(i64, bool)> = tx
        .prepare_cached(
            "SELECT e.seq, EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
             FROM events e WHERE e.id = ?1",
        )?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((seq, was_known)) = found else {
        return Ok(None);
    };
    exec(
        tx,
        "INSERT INTO server_pos (seq, pos) VALUES (?1, ?2)
         ON CONFLICT (seq) DO UPDATE SET pos = excluded.pos",
        params![seq, pos],
    )?;
    Ok(Some(ServerPos { seq, was_known }))
}

/// The lot whose status history the event is part of, if any.
pub(super) fn status_lot_of(
    tx: &Transaction,
    id: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT s.gtin, s.batch FROM events e JOIN lot_status_log s ON s.event_seq = e.seq WHERE e.id = ?1",
        )?
        .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::domain::{EventKind, LotStatus};
    use crate::store::log::{insert_event, last_hash};
    use crate::store::projection::{Deferred, apply_event};
    use crate::store::{PulledEvent, schema};

    fn received(batch: &str) -> EventKind {
        EventKind::LotReceived {
            gtin: "09501101530003".into(),
            batch: batch.into(),
            expiry: None,
            quantity: 10,
            location: "DOCK".into(),
            status: LotStatus::Released,
            supplier: None,
            sscc: None,
            po: None,
            unit_cost: None,
        }
    }

    fn ids(events: &[RecordedEvent]) -> Vec<&str> {
        events.iter().map(|e| e.id.as_str()).collect()
    }

    /// A schema-10 file as the outbox rows left it: events `ev-1`…`ev-8` in the chain, the
    /// outbox rows and server positions (by event id) given.
    fn schema_10_file(path: &std::path::Path, outbox: &[&str], server_pos: &[(&str, i64)]) {
        let mut conn = Connection::open(path).unwrap();
        for sql in &schema::MIGRATIONS[..10] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 10).unwrap();
        // Today's projection also writes each receipt's cost facts (schema 17): into a
        // temporary table that leaves with the connection, so the file stays schema 10.
        conn.execute_batch(
            "CREATE TEMP TABLE lot_costs (gtin, batch, seq, kind, quantity, unit_cost, labour,
                 overhead, currency)",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let mut prev = last_hash(&tx).unwrap();
        let mut deferred = Deferred::default();
        for i in 1..=8 {
            let event = received(&format!("L{i}"));
            let (seq, hash) = insert_event(
                &tx,
                &prev,
                &format!("ev-{i}"),
                "2026-12-01T08:00:00.000000Z",
                "A",
                "w",
                &event,
            )
            .unwrap();
            apply_event(&tx, seq, &event, &mut deferred, false).unwrap();
            prev = hash;
        }
        deferred.flush(&tx).unwrap();
        for id in outbox {
            tx.execute("INSERT INTO outbox (event_id) VALUES (?1)", [id])
                .unwrap();
        }
        for (id, pos) in server_pos {
            tx.execute(
                "INSERT INTO server_pos (event_id, pos) VALUES (?1, ?2)",
                rusqlite::params![id, pos],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    /// Upgrading a schema-10 file: 1 and 2 were acknowledged, 3 and 7 pulled from another
    /// station, 5 acknowledged out of order (its answer came back through a pull), and 4, 6 and
    /// 8 still in the outbox. The position lands before 4 (not after 5, which would skip 4),
    /// exactly 4, 6 and 8 are pushed, in order and in bounded batches, the pulled ones never;
    /// nothing moves until an acknowledgement, which moves the position past everything the
    /// server holds.
    #[test]
    fn a_schema_10_outbox_becomes_the_position_before_its_oldest_waiting_event() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v10.db");
        schema_10_file(
            &path,
            &["ev-4", "ev-6", "ev-8"],
            &[
                ("ev-1", 1),
                ("ev-2", 2),
                ("ev-3", 3),
                ("ev-5", 5),
                ("ev-7", 4),
            ],
        );
        let store = Store::open(&path).unwrap();
        assert_eq!(store.outbox_position().unwrap(), 3);
        assert_eq!(store.outbox_len().unwrap(), 3);
        assert_eq!(store.sync_status().unwrap().backlog, 3);
        assert_eq!(
            ids(&store.outbox_batch(10).unwrap()),
            ["ev-4", "ev-6", "ev-8"]
        );
        assert_eq!(ids(&store.outbox_batch(2).unwrap()), ["ev-4", "ev-6"]);
        let kept: Vec<(String, i64)> = [
            ("ev-1", 1),
            ("ev-2", 2),
            ("ev-3", 3),
            ("ev-7", 4),
            ("ev-5", 5),
        ]
        .iter()
        .map(|(id, pos)| (id.to_string(), *pos))
        .collect();
        assert_eq!(store.server_positions().unwrap(), kept);
        assert_eq!(store.verify().unwrap(), 8);
        assert!(
            Connection::open(&path)
                .unwrap()
                .prepare("SELECT 1 FROM outbox")
                .is_err(),
            "the outbox table is gone"
        );

        // Pushed, then the station died before the answer was recorded: all still waiting.
        let pushed = store.outbox_batch(2).unwrap();
        drop(store);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(ids(&store.outbox_batch(2).unwrap()), ids(&pushed));
        assert_eq!(
            store
                .acknowledge(&[("ev-4".into(), 6), ("ev-6".into(), 7)])
                .unwrap(),
            2
        );
        assert_eq!(store.outbox_position().unwrap(), 7, "past the pulled ev-7");
        assert_eq!(ids(&store.outbox_batch(10).unwrap()), ["ev-8"]);
        assert_eq!(store.acknowledge(&[("ev-8".into(), 8)]).unwrap(), 1);
        assert_eq!(store.outbox_position().unwrap(), 8);
        assert_eq!(store.outbox_len().unwrap(), 0);
        // The same answer again (a retried push), or an id this store does not have: nothing.
        assert_eq!(
            store
                .acknowledge(&[("ev-8".into(), 8), ("elsewhere".into(), 9)])
                .unwrap(),
            0
        );
        // A new event waits after the position.
        let new = store.append("A", "w", received("L9")).unwrap();
        assert_eq!(ids(&store.outbox_batch(10).unwrap()), [new.id.as_str()]);
        assert_eq!(store.outbox_len().unwrap(), 1);
    }

    /// An emptied outbox puts the position at the end of the log (every event there is on the
    /// server); a file that never recorded anything starts at 0.
    #[test]
    fn a_schema_10_file_with_nothing_waiting_starts_at_the_end_of_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("synced.db");
        let all: Vec<(String, i64)> = (1..=8).map(|i| (format!("ev-{i}"), i)).collect();
        let all: Vec<(&str, i64)> = all.iter().map(|(id, p)| (id.as_str(), *p)).collect();
        schema_10_file(&path, &[], &all);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.outbox_position().unwrap(), 8);
        assert_eq!(store.outbox_len().unwrap(), 0);
        assert!(store.outbox_batch(10).unwrap().is_empty());
        let empty = Store::open(&dir.path().join("empty.db")).unwrap();
        assert_eq!(empty.outbox_position().unwrap(), 0);
        assert_eq!(empty.outbox_len().unwrap(), 0);
    }

    /// The station's own chain: linked from the start, each after the one before (pulled
    /// events left out), each hash the event's, and a resend keeps its link.
    #[test]
    fn own_events_are_linked_in_order_and_keep_their_links() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let first = store.append("A", "w", received("A1")).unwrap();
        let theirs = PulledEvent {
            id: "b-1".into(),
            at: "2026-12-01T08:00:00.000000Z".into(),
            station: "B".into(),
            actor: "w".into(),
            event: received("B1"),
            pos: 1,
            signature: None,
            other_site: false,
        };
        store.apply_pulled(&[theirs], 1).unwrap();
        let second = store.append("A", "w", received("A2")).unwrap();
        let batch = store.outbox_batch(10).unwrap();
        assert_eq!(ids(&batch), [first.id.as_str(), second.id.as_str()]);
        let links = store.link_for_push(&batch).unwrap();
        let hash = |prev: &str, e: &RecordedEvent| {
            event_hash(prev, &e.id, &e.at, &e.station, &e.actor, &e.event)
        };
        assert_eq!(links[0], (GENESIS.to_string(), hash(GENESIS, &batch[0])));
        assert_eq!(links[1], (links[0].1.clone(), hash(&links[0].1, &batch[1])));
        assert_eq!(store.link_for_push(&batch).unwrap(), links, "a resend");
        let third = store.append("A", "w", received("A3")).unwrap();
        let more = store
            .link_for_push(&store.outbox_batch(10).unwrap())
            .unwrap();
        assert_eq!(more[..2], links[..]);
        assert_eq!(more[2].0, links[1].1, "{third:?} follows the last link");
    }

    /// Events pulled while this station's own wait (a scan recorded between a push and the
    /// pull that follows) are never pushed, the backlog counts only this station's, and the
    /// acknowledgement moves the position past the pulled ones.
    #[test]
    fn pulled_events_between_waiting_ones_are_never_pushed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let mine = store.append("A", "w", received("A1")).unwrap();
        let theirs: Vec<PulledEvent> = (1..=3)
            .map(|i| PulledEvent {
                id: format!("b-{i}"),
                at: "2026-12-01T08:00:00.000000Z".into(),
                station: "B".into(),
                actor: "w".into(),
                event: received(&format!("B{i}")),
                pos: i,
                signature: None,
                other_site: false,
            })
            .collect();
        assert_eq!(store.apply_pulled(&theirs, 3).unwrap(), 3);
        let later = store.append("A", "w", received("A2")).unwrap();
        assert_eq!(store.outbox_position().unwrap(), 0);
        assert_eq!(store.outbox_len().unwrap(), 2);
        assert_eq!(
            ids(&store.outbox_batch(10).unwrap()),
            [mine.id.as_str(), later.id.as_str()]
        );
        assert_eq!(store.acknowledge(&[(mine.id.clone(), 4)]).unwrap(), 1);
        assert_eq!(store.outbox_position().unwrap(), 4, "past b-1…b-3");
        assert_eq!(ids(&store.outbox_batch(10).unwrap()), [later.id.as_str()]);
        assert_eq!(store.acknowledge(&[(later.id.clone(), 5)]).unwrap(), 1);
        assert_eq!(store.outbox_position().unwrap(), 5);
        // Pulled with nothing waiting: the position follows the log.
        let more = PulledEvent {
            id: "b-4".into(),
            pos: 6,
            ..theirs[0].clone()
        };
        store.apply_pulled(&[more], 6).unwrap();
        assert_eq!(store.outbox_position().unwrap(), 6);
        assert_eq!(store.outbox_len().unwrap(), 0);
    }

    /// A release the server refused for good (unsigned, say) stays in the log but no longer
    /// makes the lot shippable here; put back in the outbox, it counts again.
    #[test]
    fn a_status_change_the_server_refused_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let mut lot = received("Q1");
        if let EventKind::LotReceived { status, .. } = &mut lot {
            *status = LotStatus::Quarantined;
        }
        let receipt = store.append("A", "w", lot).unwrap();
        let release = store
            .append(
                "A",
                "w",
                EventKind::LotStatusChanged {
                    gtin: "09501101530003".into(),
                    batch: "Q1".into(),
                    from: LotStatus::Quarantined,
                    to: LotStatus::Released,
                    role: crate::domain::status::Role::Supervisor,
                    reason: "ok".into(),
                },
            )
            .unwrap();
        let status = |s: &Store| s.lot("09501101530003", "Q1").unwrap().unwrap().status;
        assert_eq!(status(&store), LotStatus::Released);
        store
            .settle_push(
                &[(receipt.id.clone(), 1)],
                &[(
                    release.id.clone(),
                    403,
                    "needs a supervisor's signature".into(),
                )],
            )
            .unwrap();
        assert_eq!(status(&store), LotStatus::Quarantined);
        assert_eq!(
            store.events().unwrap().len(),
            2,
            "the refused event stays in the log"
        );
        store.rebuild().unwrap();
        assert_eq!(status(&store), LotStatus::Quarantined, "a rebuild agrees");
        assert_eq!(store.retry_refused().unwrap(), 1);
        assert_eq!(status(&store), LotStatus::Released);
    }
}
