//! The station side of the sync, in the store: events pulled from the server, and the
//! station's sync state (what goes up is [`super::outbox`]).
//!
//! Each call is one transaction, so a crash at any moment leaves either the old or the new
//! state: pulled events are applied together with their server positions and the cursor that
//! says they were.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};

use super::log::{insert_event, last_hash, set_signature};
use super::outbox::{advance, set_server_pos, status_lot_of, unrefuse_all};
use super::projection::{Deferred, apply_event, settle_status};
use super::{Store, StoreError, exec};
use crate::domain::EventKind;

/// An event pulled from the server: recorded with its original id, station, actor and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledEvent {
    pub id: String,
    pub at: String,
    pub station: String,
    pub actor: String,
    pub event: EventKind,
    /// Its place in the server's order.
    pub pos: i64,
    /// The authorising person's signature, as the server holds it.
    pub signature: Option<String>,
    /// Recorded at another site (a transferred lot's history): it does not count in this
    /// site's stock or pallets.
    pub other_site: bool,
}

/// A site as the station shows it: "name (GLN)".
pub fn site_label(gln: &str, name: &str) -> String {
    format!("{name} ({gln})")
}

/// The station's sync state, as the UI shows it (`Station::sync_state`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncStatus {
    /// Events recorded here and not yet acknowledged by the server.
    pub backlog: u64,
    /// The server the station last synced with (URL), if any.
    pub server: Option<String>,
    /// When the last sync round succeeded (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// Why the last sync round failed, when the last round failed.
    pub last_error: Option<String>,
    /// When that failure happened.
    pub last_error_at: Option<String>,
    /// The last server position pulled and applied.
    pub pulled_up_to: i64,
    /// Events the server refused for good (they are not pushed again; see
    /// [`Store::settle_push`]).
    pub refused: u64,
    /// The latest of those refusals: which event, and the server's status and reason.
    pub last_refusal: Option<String>,
    /// The site the server says this station belongs to: its name (GLN).
    pub site: Option<String>,
}

impl Store {
    /// Applies events pulled from the server, in the server's order, and moves the pull
    /// cursor to `cursor`, in one transaction. An event already here (by id) is not recorded
    /// again; it only learns its server position (and so leaves the outbox). Pulled events
    /// join this store's hash chain with their original id, station, actor and time, with their
    /// server position, so they are never pushed back; the outbox position moves past them when
    /// nothing of this station's waits before them. Returns how many were new.
    pub fn apply_pulled(&mut self, events: &[PulledEvent], cursor: i64) -> Result<u64, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let mut prev = last_hash(&tx)?;
        let mut new = 0;
        let mut lots = BTreeSet::new();
        let mut deferred = Deferred::default();
        for e in events {
            let known: Option<i64> = tx
                .prepare_cached("SELECT seq FROM events WHERE id = ?1")?
                .query_row(params![e.id], |r| r.get(0))
                .optional()?;
            if known.is_some() {
                // The server holds it: if it was still waiting here (pushed under another
                // token, its answer lost), it is acknowledged now.
                set_server_pos(&tx, &e.id, e.pos)?;
                lots.extend(status_lot_of(&tx, &e.id)?);
                continue;
            }
            let (seq, hash) =
                insert_event(&tx, &prev, &e.id, &e.at, &e.station, &e.actor, &e.event)?;
            set_signature(&tx, seq, e.signature.as_deref())?;
            // New here: its position is new too (no lookup by id, as for one already held).
            tx.prepare_cached("INSERT INTO server_pos (seq, pos) VALUES (?1, ?2)")?
                .execute(params![seq, e.pos])?;
            if e.other_site {
                tx.prepare_cached("UPDATE events SET other_site = 1 WHERE seq = ?1")?
                    .execute(params![seq])?;
            }
            apply_event(&tx, seq, &e.event, &mut deferred, e.other_site)?;
            prev = hash;
            new += 1;
        }
        deferred.flush(&tx)?;
        for (gtin, batch) in lots {
            settle_status(&tx, &gtin, &batch)?;
        }
        advance(&tx)?;
        exec(
            &tx,
            "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1)",
            params![cursor],
        )?;
        tx.commit()?;
        Ok(new)
    }

    /// The site this station belongs to, as the server last said: (GLN, name).
    pub fn site(&self) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT site_gln, site_name FROM sync_state", [], |r| {
                Ok(r.get::<_, Option<String>>(0)?
                    .zip(r.get::<_, Option<String>>(1)?))
            })?)
    }

    /// Sets the pull cursor back to the start: the next pull reads again what the server
    /// sends this station (what is here already is not recorded twice).
    pub fn pull_again(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sync_state SET pull_cursor = 0", [])?;
        Ok(())
    }

    /// Records the site the server says this station belongs to (`None`: no site).
    pub fn set_site(&mut self, site: Option<(&str, &str)>) -> Result<(), StoreError> {
        let (gln, name) = site.unzip();
        self.conn.execute(
            "UPDATE sync_state SET site_gln = ?1, site_name = ?2",
            params![gln, name],
        )?;
        Ok(())
    }

    /// The id of the server the cursor and the server positions belong to (`None` before
    /// the first round with a server that says its id).
    pub fn sync_server_id(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT server_id FROM sync_state", [], |r| r.get(0))?)
    }

    /// The furthest this store has seen the server's order go: the pull cursor, or a position
    /// the server gave an event of `station` (this station's own) if that is further. A server
    /// whose order ends before it lost events.
    pub fn furthest_server_pos(&self, station: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(pull_cursor, coalesce((SELECT max(p.pos) FROM server_pos p
                 JOIN events e ON e.seq = p.seq WHERE e.station = ?1 AND NOT e.pruned), 0))
             FROM sync_state",
            params![station],
            |r| r.get(0),
        )?)
    }

    /// The id of the event this store holds at server position `pos`, if any.
    pub fn id_at_server_pos(&self, pos: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT e.id FROM server_pos p JOIN events e ON e.seq = p.seq
                 WHERE p.pos = ?1 AND NOT e.pruned",
                params![pos],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Ties the sync state to the server `server_id`. With `start_over` (another server, or
    /// one that lost events), in the same transaction: the pull cursor goes back to 0, and the
    /// events of `station` (this station's own, the ones it may push) forget their server
    /// positions and wait in the outbox again. The next push sends them: the server keeps
    /// each id once, so it acknowledges those it holds and stores those it lacks; the pull from
    /// 0 gives the others' events their new positions. Nothing is skipped but this station's
    /// events pruned as old history ([`Store::prune`]), which it no longer holds: they keep
    /// their old positions and are not sent again. Returns how many those are.
    pub fn bind_server(
        &mut self,
        server_id: &str,
        station: &str,
        start_over: bool,
    ) -> Result<u64, StoreError> {
        let tx = super::write_tx(&mut self.conn)?;
        let mut unsendable = 0;
        if start_over {
            exec(
                &tx,
                "DELETE FROM server_pos
                 WHERE seq IN (SELECT seq FROM events WHERE station = ?1 AND NOT pruned)",
                params![station],
            )?;
            unsendable = tx.query_row(
                "SELECT count(*) FROM events WHERE station = ?1 AND pruned",
                params![station],
                |r| r.get::<_, i64>(0),
            )? as u64;
            exec(
                &tx,
                "UPDATE sync_state SET pull_cursor = 0, pushed_through = 0",
                [],
            )?;
            // Everything of this station's goes to the other server again, judged anew and
            // linked anew from the chain's start, in the log's order as the first time.
            unrefuse_all(&tx)?;
            exec(&tx, "DELETE FROM push_links", [])?;
            advance(&tx)?;
        }
        exec(
            &tx,
            "UPDATE sync_state SET server_id = ?1",
            params![server_id],
        )?;
        tx.commit()?;
        Ok(unsendable)
    }

    /// The last server position pulled and applied (0 before the first pull).
    pub fn pull_cursor(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT pull_cursor FROM sync_state", [], |r| r.get(0))?)
    }

    /// Records how a sync round with `server` ended: `None` for success, else why it failed.
    pub fn record_sync_outcome(
        &mut self,
        server: &str,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        match error {
            None => self.conn.execute(
                "UPDATE sync_state SET server = ?1, last_success = ?2, last_error = NULL, last_error_at = NULL",
                params![server, now],
            )?,
            Some(why) => self.conn.execute(
                "UPDATE sync_state SET server = ?1, last_error = ?2, last_error_at = ?3",
                params![server, why, now],
            )?,
        };
        Ok(())
    }

    /// The sync state: a few small queries (outbox length, the one `sync_state` row, the
    /// refusals' count and latest).
    pub fn sync_status(&self) -> Result<SyncStatus, StoreError> {
        let backlog = self.outbox_len()?;
        let (refused, last_refusal) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM push_refused),
                    (SELECT 'event ' || e.id || ' (' || e.kind || ') refused by the server ('
                        || r.status || '): ' || r.error
                     FROM push_refused r JOIN events e ON e.seq = r.seq
                     ORDER BY r.at DESC, r.seq DESC LIMIT 1)",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
        )?;
        Ok(self.conn.query_row(
            "SELECT server, last_success, last_error, last_error_at, pull_cursor, site_gln, site_name
             FROM sync_state",
            [],
            |r| {
                Ok(SyncStatus {
                    backlog,
                    server: r.get(0)?,
                    last_success: r.get(1)?,
                    last_error: r.get(2)?,
                    last_error_at: r.get(3)?,
                    pulled_up_to: r.get(4)?,
                    refused,
                    last_refusal,
                    site: r
                        .get::<_, Option<String>>(5)?
                        .zip(r.get::<_, Option<String>>(6)?)
                        .map(|(gln, name)| site_label(&gln, &name)),
                })
            },
        )?)
    }

    /// Server positions of the synced events, by event id (for tests and checks).
    pub fn server_positions(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, p.pos FROM server_pos p JOIN events e ON e.seq = p.seq ORDER BY p.pos",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::LotStatus;
    use crate::domain::status::Role;
    use crate::store::RecordedEvent;

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

    fn change(batch: &str, to: LotStatus) -> EventKind {
        EventKind::LotStatusChanged {
            gtin: "09501101530003".into(),
            batch: batch.into(),
            from: LotStatus::Released,
            to,
            role: Role::Supervisor,
            reason: "QC".into(),
        }
    }

    /// A recorded event as another station pulls it, at server position `pos`.
    pub(in crate::store) fn pulled(e: &RecordedEvent, pos: i64) -> PulledEvent {
        PulledEvent {
            id: e.id.clone(),
            at: e.at.clone(),
            station: e.station.clone(),
            actor: e.actor.clone(),
            event: e.event.clone(),
            pos,
            signature: e.signature.clone(),
            other_site: false,
        }
    }

    #[test]
    fn a_re_pull_changes_nothing_and_status_follows_the_server_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Store::open(&dir.path().join("a.db")).unwrap();
        let mut b = Store::open(&dir.path().join("b.db")).unwrap();
        let lot = a.append("A", "w", received("L1")).unwrap();
        let hold = a.append("A", "w", change("L1", LotStatus::OnHold)).unwrap();
        a.acknowledge(&[(lot.id.clone(), 1), (hold.id.clone(), 3)])
            .unwrap();
        // B got the lot and recalled it; the server put B's recall
        // (pos 2) before A's hold (pos 3): recalled everywhere, the hold has no effect.
        assert_eq!(b.apply_pulled(&[pulled(&lot, 1)], 1).unwrap(), 1);
        let recall = b
            .append("B", "s", change("L1", LotStatus::Recalled))
            .unwrap();
        b.acknowledge(&[(recall.id.clone(), 2)]).unwrap();
        assert_eq!(b.apply_pulled(&[pulled(&hold, 3)], 3).unwrap(), 1);
        assert_eq!(a.apply_pulled(&[pulled(&recall, 2)], 3).unwrap(), 1);
        for s in [&a, &b] {
            assert_eq!(
                s.lot("09501101530003", "L1").unwrap().unwrap().status,
                LotStatus::Recalled
            );
        }
        // Pulling the same events again records nothing and keeps the chain and the replay.
        let before = b.derived_snapshot().unwrap();
        let again = [pulled(&lot, 1), pulled(&hold, 3)];
        assert_eq!(b.apply_pulled(&again, 3).unwrap(), 0);
        assert_eq!(b.event_count().unwrap(), 3);
        assert_eq!(b.verify().unwrap(), 3);
        assert_eq!(b.derived_snapshot().unwrap(), before);
        b.rebuild().unwrap();
        assert_eq!(b.derived_snapshot().unwrap(), before);
        assert_eq!(b.outbox_len().unwrap(), 0);
        assert_eq!(b.pull_cursor().unwrap(), 3);
    }
}
