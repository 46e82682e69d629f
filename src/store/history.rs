//! Old history: a station drops the content of the events of lots that left its site long ago
//! (the server keeps every event; lookups of that history go to it).
//!
//! A lot is pruned whole, or not at all, when nothing at the site can still need its events:
//! - none of it is in stock here, and no dispatch of it waits for its shipment to close (the
//!   close reads the dispatch's pallet, a void the dispatch itself);
//! - no recall names it (a recall's record stays whole at every station that has it);
//! - every one of its events is older than the cut-off, held by the server (it has a server
//!   position) and not refused by it: a station never drops what only it holds;
//! - every other lot its events name (a production's inputs and output, a shipment's lines) is
//!   pruned with it, so no remaining event names a pruned lot.
//!
//! A pruned event keeps its row, id, time, station, actor, kind and hashes: the hash chain still
//! links, and the rows that name it (a pallet's receipt, a shipment's dispatch) still find its
//! time. Only its payload goes. What the station keeps of a pruned lot is what its rules and its
//! traces read without the events: the lot and its status history (each step with its event's
//! server position, so a step that arrives later, a transferred lot's history from another site,
//! settles exactly as at a station that pruned nothing; a recalled lot received again is still
//! recalled), its pallets (a pallet is received once), its shipments, genealogy, receipts and
//! costs (a recall and a trace reach every customer it went to), and the sequences its events
//! moved (a batch or SSCC number is never given twice). Shipment closes are never pruned. Those
//! rows are also folded into the `base_` tables, from which `rebuild` starts before it replays
//! the events that remain, so a rebuild still gives exactly the tables the store holds.

use rusqlite::{Transaction, params};

use super::{Store, StoreError, write_tx};

/// What one [`Store::prune`] dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    /// Lots whose history went.
    pub lots: u64,
    /// Events whose content went.
    pub events: u64,
}

/// The folded tables keyed by one lot (`gtin`, `batch` columns).
const BY_LOT: &[&str] = &[
    "lots",
    "lot_status_log",
    "pallets",
    "shipments",
    "receipts",
    "lot_costs",
];

impl Store {
    /// Drops the content of the events of every lot that left this site before `before`
    /// (RFC 3339, UTC), by the rules above, in one transaction. Returns what went. The file
    /// does not shrink until it is compacted (`VACUUM`); the pages are reused meanwhile.
    pub fn prune(&mut self, before: &str) -> Result<Pruned, StoreError> {
        let tx = write_tx(&mut self.conn)?;
        let pruned = prune(&tx, before)?;
        tx.commit()?;
        Ok(pruned)
    }

    /// Compacts the file (`VACUUM`): after a prune, it shrinks by what was dropped. Other
    /// writers wait meanwhile.
    pub fn compact(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("VACUUM")?;
        Ok(())
    }

    /// Events whose content was pruned (their rows remain, in the chain).
    pub fn pruned_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM events WHERE pruned", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Whether this lot's history was pruned here, wholly or in part: its events are at the
    /// server only.
    pub fn lot_history_pruned(&self, gtin: &str, batch: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM base_lots WHERE gtin = ?1 AND batch = ?2)",
            params![gtin, batch],
            |r| r.get(0),
        )?)
    }
}

/// The cut-off for [`Store::prune`] of the lots that left more than `days` days ago: that
/// moment, RFC 3339 UTC, as events record their time.
pub fn days_ago(days: u32) -> String {
    (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn prune(tx: &Transaction, before: &str) -> Result<Pruned, StoreError> {
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.prune_lots;
         DROP TABLE IF EXISTS temp.prune_events;
         CREATE TEMP TABLE prune_lots (gtin TEXT NOT NULL, batch TEXT NOT NULL,
             PRIMARY KEY (gtin, batch)) WITHOUT ROWID;
         CREATE TEMP TABLE prune_events (seq INTEGER NOT NULL, gtin TEXT NOT NULL,
             batch TEXT NOT NULL, PRIMARY KEY (seq, gtin, batch)) WITHOUT ROWID;",
    )?;
    // The lots that left: nothing in stock, no dispatch waiting for its shipment's close (its
    // close needs the pallet in the dispatch, a void needs the dispatch), no recall, and every
    // event old, at the server and not refused; and something left to prune (a pruned event
    // has no `lot_events` row, and a shipment's close is never pruned), so a lot pruned
    // before is not folded again for nothing.
    tx.execute(
        "INSERT INTO temp.prune_lots (gtin, batch)
         SELECT l.gtin, l.batch FROM lots l
         WHERE EXISTS (SELECT 1 FROM lot_events le JOIN events e ON e.seq = le.seq
                       WHERE le.gtin = l.gtin AND le.batch = l.batch
                         AND e.kind <> 'shipment_closed')
           AND NOT EXISTS (SELECT 1 FROM shipments s
                           WHERE s.gtin = l.gtin AND s.batch = l.batch AND s.closed_seq IS NULL)
           AND NOT EXISTS (SELECT 1 FROM stock s
                           WHERE s.gtin = l.gtin AND s.batch = l.batch AND s.quantity <> 0)
           AND NOT EXISTS (SELECT 1 FROM recall_lots r WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (SELECT 1 FROM recall_items r WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (SELECT 1 FROM recall_accounting r
                           WHERE r.gtin = l.gtin AND r.batch = l.batch)
           AND NOT EXISTS (
               SELECT 1 FROM lot_events le JOIN events e ON e.seq = le.seq
               WHERE le.gtin = l.gtin AND le.batch = l.batch
                 AND (e.at >= ?1
                      OR NOT EXISTS (SELECT 1 FROM server_pos p WHERE p.seq = e.seq)
                      OR EXISTS (SELECT 1 FROM push_refused r WHERE r.seq = e.seq)))",
        params![before],
    )?;
    // Every lot named by the events of those lots, candidate or not.
    tx.execute(
        "INSERT OR IGNORE INTO temp.prune_events (seq, gtin, batch)
         SELECT le.seq, le.gtin, le.batch FROM lot_events le
         WHERE le.seq IN (SELECT e.seq FROM temp.prune_lots p
                          JOIN lot_events e ON e.gtin = p.gtin AND e.batch = p.batch)",
        [],
    )?;
    tx.execute_batch("CREATE INDEX temp.prune_events_lot ON prune_events (gtin, batch);")?;
    // A lot goes only with every lot its events name.
    loop {
        let dropped = tx.execute(
            "DELETE FROM temp.prune_lots WHERE EXISTS (
                 SELECT 1 FROM temp.prune_events a JOIN temp.prune_events b ON b.seq = a.seq
                 WHERE a.gtin = prune_lots.gtin AND a.batch = prune_lots.batch
                   AND NOT EXISTS (SELECT 1 FROM temp.prune_lots q
                                   WHERE q.gtin = b.gtin AND q.batch = b.batch))",
            [],
        )?;
        if dropped == 0 {
            break;
        }
    }
    tx.execute(
        "DELETE FROM temp.prune_events WHERE NOT EXISTS (
             SELECT 1 FROM temp.prune_lots q WHERE q.gtin = prune_events.gtin
               AND q.batch = prune_events.batch)",
        [],
    )?;
    // A shipment's close stays whole (one per truck): a closed reference is refused for new
    // dispatches by it, and its despatch note and labels are made again from it.
    tx.execute(
        "DELETE FROM temp.prune_events
         WHERE seq IN (SELECT seq FROM events WHERE kind = 'shipment_closed')",
        [],
    )?;
    let in_lots = "(gtin, batch) IN (SELECT gtin, batch FROM temp.prune_lots)";
    let in_events = "IN (SELECT seq FROM temp.prune_events)";
    for table in BY_LOT {
        tx.execute(&format!("DELETE FROM base_{table} WHERE {in_lots}"), [])?;
        tx.execute(
            &format!("INSERT INTO base_{table} SELECT * FROM {table} WHERE {in_lots}"),
            [],
        )?;
    }
    let genealogy = "(input_gtin, input_batch) IN (SELECT gtin, batch FROM temp.prune_lots)
                     OR (output_gtin, output_batch) IN (SELECT gtin, batch FROM temp.prune_lots)";
    tx.execute(&format!("DELETE FROM base_genealogy WHERE {genealogy}"), [])?;
    tx.execute(
        &format!("INSERT INTO base_genealogy SELECT * FROM genealogy WHERE {genealogy}"),
        [],
    )?;
    tx.execute_batch(
        "DELETE FROM base_sequences; INSERT INTO base_sequences SELECT * FROM sequences;",
    )?;
    tx.execute(&format!("DELETE FROM lot_events WHERE seq {in_events}"), [])?;
    tx.execute(&format!("DELETE FROM stock WHERE {in_lots}"), [])?;
    let events = tx.execute(
        &format!("UPDATE events SET payload = '', pruned = 1 WHERE seq {in_events}"),
        [],
    )? as u64;
    let lots: i64 = tx.query_row("SELECT count(*) FROM temp.prune_lots", [], |r| r.get(0))?;
    tx.execute_batch("DROP TABLE temp.prune_lots; DROP TABLE temp.prune_events;")?;
    Ok(Pruned {
        lots: lots as u64,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::shipment::{OutgoingPallet, PalletLine};
    use crate::domain::status::Role;
    use crate::domain::{EventKind, LotStatus};
    use crate::store::sync::tests::pulled;
    use crate::store::{PulledEvent, RecordedEvent, SnapshotError};

    const GTIN: &str = "09501101530003";
    const OLD: &str = "9999-12-31T00:00:00Z";

    fn received(batch: &str, quantity: u64, sscc: Option<&str>) -> EventKind {
        EventKind::LotReceived {
            gtin: GTIN.into(),
            batch: batch.into(),
            expiry: None,
            quantity,
            location: "DOCK".into(),
            status: LotStatus::Released,
            supplier: Some("Farm".into()),
            sscc: sscc.map(Into::into),
            po: None,
            unit_cost: None,
        }
    }

    fn dispatched(batch: &str, quantity: u64, sscc: Option<&str>) -> EventKind {
        EventKind::LotDispatched {
            gtin: GTIN.into(),
            batch: batch.into(),
            quantity,
            customer: "Northwind".into(),
            shipment: Some("SH-1".into()),
            from: vec![("DOCK".into(), quantity)],
            sscc: sscc.map(Into::into),
            unit_price: None,
        }
    }

    fn counted_to_zero(batch: &str, had: u64) -> EventKind {
        EventKind::LotCounted {
            gtin: GTIN.into(),
            batch: batch.into(),
            location: "DOCK".into(),
            counted: 0,
            difference: -(had as i64),
        }
    }

    fn status(batch: &str, from: LotStatus, to: LotStatus) -> EventKind {
        EventKind::LotStatusChanged {
            gtin: GTIN.into(),
            batch: batch.into(),
            from,
            to,
            role: Role::Supervisor,
            reason: "QC".into(),
        }
    }

    fn produced(batch: &str, quantity: u64, key: &str, sequence: u64) -> EventKind {
        EventKind::BatchProduced {
            gtin: GTIN.into(),
            batch: batch.into(),
            quantity,
            location: "DOCK".into(),
            expiry: None,
            status: LotStatus::Released,
            sequence_key: key.into(),
            sequence,
            costs: None,
        }
    }

    /// A station's day: lots that left (shipped and closed; produced and counted out), lots
    /// still here, a lot tied to one still here by production, one whose last event the
    /// server does not hold yet, one whose dispatch waits for its shipment to close.
    fn station_day(store: &mut Store) -> Vec<RecordedEvent> {
        let mut all = Vec::new();
        let mut add = |store: &mut Store, e: EventKind| {
            let r = store.append("A", "w", e).unwrap();
            all.push(r.clone());
            r
        };
        add(store, received("GONE", 10, Some("000950110100000017")));
        add(
            store,
            status("GONE", LotStatus::Released, LotStatus::OnHold),
        );
        add(
            store,
            status("GONE", LotStatus::OnHold, LotStatus::Released),
        );
        let dispatch = add(store, dispatched("GONE", 10, Some("000950110100000017")));
        add(
            store,
            EventKind::ShipmentClosed {
                customer: "Northwind".into(),
                shipment: Some("SH-1".into()),
                pallets: vec![OutgoingPallet {
                    sscc: "000950110100000017".into(),
                    allocated_under: None,
                    lines: vec![PalletLine {
                        dispatch: dispatch.id.clone(),
                        gtin: GTIN.into(),
                        batch: "GONE".into(),
                        expiry: None,
                        quantity: 10,
                    }],
                }],
            },
        );
        add(store, produced("RUN-3", 6, "run-seq", 3));
        add(store, counted_to_zero("RUN-3", 6));
        add(store, received("HERE", 5, None));
        add(store, received("INPUT", 4, None));
        add(store, produced("OUTPUT", 2, "run-seq", 2));
        add(
            store,
            EventKind::LotConsumed {
                gtin: GTIN.into(),
                batch: "INPUT".into(),
                quantity: 4,
                into_gtin: GTIN.into(),
                into_batch: "OUTPUT".into(),
                from: vec![("DOCK".into(), 4)],
            },
        );
        add(store, received("OPEN", 3, Some("000950110100000024")));
        add(store, {
            let mut e = dispatched("OPEN", 3, Some("000950110100000024"));
            if let EventKind::LotDispatched { shipment, .. } = &mut e {
                *shipment = Some("SH-2".into());
            }
            e
        });
        add(store, received("WAITING", 3, None));
        add(store, counted_to_zero("WAITING", 3));
        all
    }

    /// The server holds every event but `except` (positions in log order).
    fn synced(store: &mut Store, events: &[RecordedEvent], except: Option<&str>) {
        let acked: Vec<(String, i64)> = events
            .iter()
            .filter(|e| Some(e.id.as_str()) != except)
            .map(|e| (e.id.clone(), e.seq))
            .collect();
        store.acknowledge(&acked).unwrap();
    }

    #[test]
    fn only_lots_that_left_go_and_the_store_still_answers_for_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("a.db")).unwrap();
        let events = station_day(&mut store);
        let last = events.last().unwrap().id.clone();
        synced(&mut store, &events, Some(&last));
        let total = store.event_count().unwrap();

        // Nothing is old yet.
        assert_eq!(
            store.prune("2000-01-01T00:00:00Z").unwrap(),
            Pruned::default()
        );

        let pruned = store.prune(OLD).unwrap();
        // GONE (receipt, hold, release, dispatch; its shipment's close stays whole) and RUN-3
        // (produced, counted out): not HERE (in stock), INPUT (its consumption names OUTPUT,
        // in stock), OPEN (its dispatch waits for its shipment's close) nor WAITING (the
        // server lacks its count).
        assert_eq!(pruned, Pruned { lots: 2, events: 6 });
        assert_eq!(store.pruned_count().unwrap(), 6);
        let open = store
            .open_shipment_lines("Northwind", Some("SH-2"))
            .unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].line.batch.as_str(), open[0].sscc.as_deref()),
            ("OPEN", Some("000950110100000024"))
        );
        // The closed reference stays closed to new dispatches.
        assert_eq!(
            store
                .shipment_closes(Some(("Northwind", Some("SH-1"))))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.event_count().unwrap(), total, "the rows stay");
        assert_eq!(store.verify().unwrap(), total, "the chain still links");

        // What the rules and traces read stays: the lot and its settled status, its pallet
        // (received once), its shipment, the sequence its run moved.
        let gone = store.lot(GTIN, "GONE").unwrap().expect("the lot stays");
        assert_eq!(gone.status, LotStatus::Released);
        let pallet = store.pallet("000950110100000017").unwrap().unwrap();
        assert_eq!(pallet.batch, "GONE");
        assert!(pallet.shipped.is_some(), "{pallet:?}");
        assert_eq!(store.last_sequence("run-seq").unwrap(), 3);
        assert!(store.lot_history_pruned(GTIN, "GONE").unwrap());
        assert!(!store.lot_history_pruned(GTIN, "HERE").unwrap());
        let left = store.lot_events(GTIN, "GONE", 50).unwrap();
        assert_eq!(left.len(), 1, "only its shipment's close");
        assert_eq!(left[0].event.name(), "shipment_closed");
        assert_eq!(store.lot_events(GTIN, "INPUT", 50).unwrap().len(), 2);
        assert!(matches!(
            store.event(&events[0].id),
            Err(StoreError::Pruned { .. })
        ));

        // A rebuild lands on exactly what the store holds.
        let held = store.derived_snapshot().unwrap();
        store.rebuild().unwrap();
        assert_eq!(store.derived_snapshot().unwrap(), held);

        // The lot lives on: a hold pulled later settles after what was pruned, and it can
        // be pruned again.
        let hold = PulledEvent {
            id: "0193a000-0000-7000-8000-000000000001".into(),
            at: "2026-12-01T10:00:00.000000Z".into(),
            station: "B".into(),
            actor: "s".into(),
            event: status("GONE", LotStatus::Released, LotStatus::OnHold),
            pos: 1_000,
            signature: None,
            other_site: false,
        };
        store.apply_pulled(&[hold], 1_000).unwrap();
        assert_eq!(
            store.lot(GTIN, "GONE").unwrap().unwrap().status,
            LotStatus::OnHold
        );
        let held = store.derived_snapshot().unwrap();
        store.rebuild().unwrap();
        assert_eq!(store.derived_snapshot().unwrap(), held);
        assert_eq!(store.prune(OLD).unwrap(), Pruned { lots: 1, events: 1 });
        // Nothing new: nothing to prune, nothing folded again.
        assert_eq!(store.prune(OLD).unwrap(), Pruned::default());
        assert_eq!(
            store.lot(GTIN, "GONE").unwrap().unwrap().status,
            LotStatus::OnHold
        );
        let held = store.derived_snapshot().unwrap();
        store.rebuild().unwrap();
        assert_eq!(store.derived_snapshot().unwrap(), held);
        assert_eq!(store.last_sequence("run-seq").unwrap(), 3);

        // Another server: this station's events go to it again, but the pruned ones, which
        // it no longer holds (said, not sent, never an unreadable outbox).
        // (B's hold, pruned too, is not this station's to send.)
        assert_eq!(store.bind_server("server-2", "A", true).unwrap(), 6);
        let waiting = store.outbox_batch(1_000).unwrap();
        assert_eq!(waiting.len() as u64, store.outbox_len().unwrap());
        assert_eq!(waiting.len() as u64, total - 6);
        assert_eq!(store.furthest_server_pos("A").unwrap(), 0);
    }

    /// A pruned lot's status settles as at a station that pruned nothing when a step with an
    /// earlier server position arrives later: a transferred lot's history from another site
    /// (found in review: a compacted status made the two disagree).
    #[test]
    fn a_pruned_lots_status_settles_as_if_nothing_was_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mut pruned = Store::open(&dir.path().join("pruned.db")).unwrap();
        let mut whole = Store::open(&dir.path().join("whole.db")).unwrap();
        let mine = [
            pruned.append("B", "w", received("X", 5, None)).unwrap(),
            pruned.append("B", "w", counted_to_zero("X", 5)).unwrap(),
        ];
        let acked: Vec<(String, i64)> = mine
            .iter()
            .zip([100, 101])
            .map(|(e, pos)| (e.id.clone(), pos))
            .collect();
        pruned.acknowledge(&acked).unwrap();
        whole
            .apply_pulled(&[pulled(&mine[0], 100), pulled(&mine[1], 101)], 101)
            .unwrap();
        assert_eq!(pruned.prune(OLD).unwrap(), Pruned { lots: 1, events: 2 });
        // Site A had received X quarantined, before B (position 50); its history comes with
        // A's transfer of X to B.
        let mut elsewhere = received("X", 7, None);
        if let EventKind::LotReceived { status, .. } = &mut elsewhere {
            *status = LotStatus::Quarantined;
        }
        let history = PulledEvent {
            id: "0193a000-0000-7000-8000-0000000000a1".into(),
            at: "2026-11-01T10:00:00.000000Z".into(),
            station: "A".into(),
            actor: "w".into(),
            event: elsewhere,
            pos: 50,
            signature: None,
            other_site: true,
        };
        for s in [&mut pruned, &mut whole] {
            s.apply_pulled(std::slice::from_ref(&history), 2_000)
                .unwrap();
        }
        let status = |s: &Store| s.lot(GTIN, "X").unwrap().unwrap().status;
        assert_eq!(status(&whole), LotStatus::Quarantined);
        assert_eq!(status(&pruned), status(&whole));
        let held = pruned.derived_snapshot().unwrap();
        pruned.rebuild().unwrap();
        assert_eq!(pruned.derived_snapshot().unwrap(), held);
    }

    #[test]
    fn a_new_store_starts_from_a_snapshot_and_its_chain_goes_on_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut replica = Store::open(&dir.path().join("replica.db")).unwrap();
        let events = station_day(&mut replica);
        let last = events.last().unwrap().id.clone();
        synced(&mut replica, &events, Some(&last));
        replica.bind_server("server-1", "nobody", false).unwrap();
        replica.apply_pulled(&[], 40).unwrap();
        replica.prune(OLD).unwrap();
        let file = dir.path().join("snapshot.db");
        assert!(matches!(
            replica.write_snapshot(&file),
            Err(SnapshotError::NotSynced(1))
        ));
        synced(&mut replica, &events, None);
        let info = replica.write_snapshot(&file).unwrap();
        assert_eq!((info.pos, info.events, info.pruned), (40, 15, 6));
        assert_eq!(info.server_id.as_deref(), Some("server-1"));
        assert_eq!(info.hash, events.last().unwrap().hash);

        let mut station = Store::open(&dir.path().join("station.db")).unwrap();
        assert!(station.is_new().unwrap());
        assert_eq!(station.start_from_snapshot(&file).unwrap(), info);
        assert_eq!(
            station.derived_snapshot().unwrap(),
            replica.derived_snapshot().unwrap()
        );
        assert_eq!(station.pull_cursor().unwrap(), 40);
        assert_eq!(station.outbox_len().unwrap(), 0);
        // Its own events chain on from the snapshot's last hash, and wait to be pushed.
        let mine = station
            .append("NEW", "w", received("NEW", 1, None))
            .unwrap();
        assert_eq!(station.verify().unwrap(), 16);
        assert_eq!(station.outbox_len().unwrap(), 1);
        assert_eq!(
            station.events().unwrap().last().unwrap().hash,
            mine.hash,
            "after the snapshot's events"
        );
        // Only once, and only into a new store.
        assert!(matches!(
            station.start_from_snapshot(&file),
            Err(SnapshotError::NotNew(16, 40))
        ));

        // A snapshot altered on its way is refused, and the store stays new.
        let bad = dir.path().join("bad.db");
        std::fs::copy(&file, &bad).unwrap();
        let conn = rusqlite::Connection::open(&bad).unwrap();
        conn.execute(
            "UPDATE events SET payload = replace(payload, '\"quantity\":5', '\"quantity\":500')
             WHERE NOT pruned",
            [],
        )
        .unwrap();
        drop(conn);
        let mut other = Store::open(&dir.path().join("other.db")).unwrap();
        let refused = other.start_from_snapshot(&bad).unwrap_err();
        assert!(
            refused.to_string().contains("hash chain does not hold"),
            "{refused}"
        );
        assert!(other.is_new().unwrap());
        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, b"not a database at all").unwrap();
        assert!(matches!(
            other.start_from_snapshot(&garbage),
            Err(SnapshotError::Unusable(_))
        ));
        assert!(other.is_new().unwrap());
    }
}
