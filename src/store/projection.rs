//! The projection: tables of current state derived from the events (products, lots, stock,
//! shipments, receipts, genealogy, status history, recalls, each lot's events). [`apply_event`]
//! is the one place an event changes them, live and in a replay ([`Store::rebuild`]), so the
//! derived state always equals a replay of the log.

use rusqlite::{Transaction, params};

use super::{Store, StoreError, exec, schema, stock, write_tx};
use crate::domain::{EventKind, LotStatus};

impl Store {
    /// Rebuilds every derived table by replaying the log: what pruning folded into the
    /// `base_` tables first (the pruned lots, see [`Store::prune`]), then every event whose
    /// content the store still holds.
    pub fn rebuild(&mut self) -> Result<u64, StoreError> {
        let events = self.events()?;
        let other_site: std::collections::HashSet<i64> = self
            .conn
            .prepare("SELECT seq FROM events WHERE other_site")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let tx = write_tx(&mut self.conn)?;
        schema::clear_derived(&tx)?;
        for table in schema::FOLDED {
            tx.execute(
                &format!("INSERT INTO {table} SELECT * FROM base_{table}"),
                [],
            )?;
        }
        let mut deferred = Deferred::default();
        for e in &events {
            apply_event(
                &tx,
                e.seq,
                &e.event,
                &mut deferred,
                other_site.contains(&e.seq),
            )?;
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
}

/// What [`apply_event`] leaves to the end of a transaction, done once however many events
/// touched it: each stock row written ([`stock::StockWrites`]), each lot whose status history
/// grew settled from that whole history ([`settle_status`]: one query per lot rather than per
/// event), and the rows of the two tables clustered by lot (`lot_events`, `shipments`)
/// inserted in key order: a transaction's events name lots all over the key space, and rows
/// inserted in key order walk each B-tree once instead of jumping between its pages. Nothing
/// inside the transaction reads `stock`, `lots.status`, `lot_events` or `shipments` before
/// [`Deferred::flush`].
#[derive(Default)]
pub(super) struct Deferred {
    stock: stock::StockWrites,
    settle: std::collections::BTreeSet<(String, String)>,
    lot_events: Vec<(String, String, i64)>,
    shipments: Vec<Shipment>,
}

/// A `shipments` row waiting for [`Deferred::flush`]; its key first, for sorting.
struct Shipment {
    gtin: String,
    batch: String,
    event_seq: i64,
    quantity: i64,
    customer: String,
    shipment: Option<String>,
    unit_price: Option<String>,
    currency: Option<String>,
    /// The close that took it, when one in the same transaction did.
    closed_seq: Option<i64>,
}

impl Deferred {
    /// Writes what was deferred; call before the transaction commits.
    pub(super) fn flush(&mut self, tx: &Transaction) -> Result<(), StoreError> {
        self.stock.flush(tx)?;
        for (gtin, batch) in std::mem::take(&mut self.settle) {
            settle_status(tx, &gtin, &batch)?;
        }
        let mut lot_events = std::mem::take(&mut self.lot_events);
        lot_events.sort_unstable();
        lot_events.dedup();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO lot_events (gtin, batch, seq) VALUES (?1, ?2, ?3)",
            )?;
            for (gtin, batch, seq) in &lot_events {
                insert.execute(params![gtin, batch, seq])?;
            }
        }
        let mut shipments = std::mem::take(&mut self.shipments);
        if shipments.is_empty() {
            return Ok(());
        }
        shipments.sort_unstable_by(|a, b| {
            (&a.gtin, &a.batch, a.event_seq).cmp(&(&b.gtin, &b.batch, b.event_seq))
        });
        let mut insert = tx.prepare_cached(
            "INSERT INTO shipments (event_seq, gtin, batch, quantity, customer, shipment, unit_price,
                 currency, day, closed_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 (SELECT substr(at, 1, 10) FROM events WHERE seq = ?1), ?9)",
        )?;
        for s in &shipments {
            insert.execute(params![
                s.event_seq,
                s.gtin,
                s.batch,
                s.quantity,
                s.customer,
                s.shipment,
                s.unit_price,
                s.currency,
                s.closed_seq
            ])?;
        }
        Ok(())
    }
}

/// Applies one event to the derived tables; stock and status go to `deferred`, which the
/// caller flushes before committing (once for a whole batch of events).
///
/// An event of `other_site` (a transferred lot's history, pulled from the site it came from)
/// joins the lot's history, status and trace, but not this site's stock or pallets: its
/// locations and pallets are that site's.
pub(super) fn apply_event(
    tx: &Transaction,
    seq: i64,
    event: &EventKind,
    deferred: &mut Deferred,
    other_site: bool,
) -> Result<(), StoreError> {
    deferred.lot_events.extend(
        event
            .lots()
            .into_iter()
            .map(|(gtin, batch)| (gtin.to_owned(), batch.to_owned(), seq)),
    );
    let mut elsewhere = stock::StockWrites::default();
    let stock = if other_site {
        &mut elsewhere
    } else {
        &mut deferred.stock
    };
    match event {
        EventKind::ProductRegistered {
            gtin,
            name,
            receive_as,
            receiving,
        } => {
            let rules = (!receiving.is_default())
                .then(|| serde_json::to_string(receiving).expect("rules serialise"));
            exec(tx,
                "INSERT INTO products (gtin, name, receive_as, receiving) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (gtin) DO UPDATE SET name = excluded.name, receive_as = excluded.receive_as,
                     receiving = excluded.receiving",
                params![gtin, name, receive_as.name(), rules],
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
            sscc,
            unit_cost,
        } => {
            exec(
                tx,
                "INSERT INTO lot_costs (gtin, batch, seq, kind, quantity, unit_cost, currency)
                 VALUES (?1, ?2, ?3, 'received', ?4, ?5, ?6)",
                params![
                    gtin,
                    batch,
                    seq,
                    *quantity as i64,
                    unit_cost.as_ref().map(|m| m.amount.to_string()),
                    unit_cost.as_ref().map(|m| m.currency.code())
                ],
            )?;
            if let Some(sscc) = sscc.as_ref().filter(|_| !other_site) {
                // The first receipt of a pallet is its receipt; the station refuses a second.
                exec(
                    tx,
                    "INSERT INTO pallets (sscc, gtin, batch, quantity, location, received_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (sscc) DO NOTHING",
                    params![sscc, gtin, batch, *quantity as i64, location, seq],
                )?;
            }
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
            costs,
        } => {
            let c = costs.as_ref();
            exec(
                tx,
                "INSERT INTO lot_costs (gtin, batch, seq, kind, quantity, labour, overhead, currency)
                 VALUES (?1, ?2, ?3, 'produced', ?4, ?5, ?6, ?7)",
                params![
                    gtin,
                    batch,
                    seq,
                    *quantity as i64,
                    c.and_then(|c| c.labour).map(|a| a.to_string()),
                    c.and_then(|c| c.overhead).map(|a| a.to_string()),
                    c.map(|c| c.currency.code())
                ],
            )?;
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
            sscc,
            unit_price,
        } => {
            if let Some(sscc) = sscc.as_ref().filter(|_| !other_site) {
                exec(
                    tx,
                    "UPDATE pallets SET dispatched_seq = ?2 WHERE sscc = ?1 AND dispatched_seq IS NULL",
                    params![sscc, seq],
                )?;
            }
            stock.take(tx, gtin, batch, from)?;
            deferred.shipments.push(Shipment {
                gtin: gtin.clone(),
                batch: batch.clone(),
                event_seq: seq,
                quantity: *quantity as i64,
                customer: customer.clone(),
                shipment: shipment.clone(),
                unit_price: unit_price.as_ref().map(|m| m.amount.to_string()),
                currency: unit_price.as_ref().map(|m| m.currency.code().to_string()),
                closed_seq: None,
            });
        }
        EventKind::DispatchVoided {
            event,
            gtin,
            batch,
            to,
            ..
        } => {
            if let Some(voided) = event_seq(tx, event)? {
                // Its row may still wait in `deferred` (a replay applies both in one go).
                deferred.shipments.retain(|s| s.event_seq != voided);
                exec(
                    tx,
                    "DELETE FROM shipments WHERE gtin = ?1 AND batch = ?2 AND event_seq = ?3",
                    params![gtin, batch, voided],
                )?;
                exec(
                    tx,
                    "UPDATE pallets SET dispatched_seq = NULL WHERE dispatched_seq = ?1",
                    params![voided],
                )?;
            }
            for (location, quantity) in to {
                stock.add(tx, gtin, batch, location, *quantity)?;
            }
        }
        EventKind::ShipmentClosed {
            customer,
            shipment,
            pallets,
        } => {
            exec(
                tx,
                "INSERT INTO shipment_closes (event_seq, customer, shipment) VALUES (?1, ?2, ?3)",
                params![seq, customer, shipment],
            )?;
            for p in pallets {
                // A built pallet's serial: the station's SSCC counter under its prefix.
                if let (Some(under), Some(serial)) = (&p.allocated_under, p.serial()) {
                    exec(
                        tx,
                        "INSERT INTO sequences (key, last) VALUES (?1, ?2)
                         ON CONFLICT (key) DO UPDATE SET last = max(last, excluded.last)",
                        params![sscc_sequence_key(under), serial as i64],
                    )?;
                }
                for l in &p.lines {
                    let Some(dispatched) = event_seq(tx, &l.dispatch)? else {
                        continue;
                    };
                    // Its row may still wait in `deferred` (a replay applies both in one go).
                    for s in deferred.shipments.iter_mut() {
                        if s.event_seq == dispatched {
                            s.closed_seq = Some(seq);
                        }
                    }
                    exec(
                        tx,
                        "UPDATE shipments SET closed_seq = ?4
                         WHERE gtin = ?1 AND batch = ?2 AND event_seq = ?3",
                        params![l.gtin, l.batch, dispatched, seq],
                    )?;
                }
            }
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
        EventKind::CostCorrected {
            gtin,
            batch,
            unit_cost,
            labour,
            overhead,
            currency,
            reason: _,
        } => {
            exec(
                tx,
                "INSERT INTO lot_costs (gtin, batch, seq, kind, unit_cost, labour, overhead, currency)
                 VALUES (?1, ?2, ?3, 'corrected', ?4, ?5, ?6, ?7)",
                params![
                    gtin,
                    batch,
                    seq,
                    unit_cost.map(|a| a.to_string()),
                    labour.map(|a| a.to_string()),
                    overhead.map(|a| a.to_string()),
                    currency.code()
                ],
            )?;
        }
        EventKind::RecallStarted { .. }
        | EventKind::RecallAccounted { .. }
        | EventKind::RecallClosed { .. } => apply_recall(tx, seq, event)?,
        EventKind::PersonEnrolled {
            person,
            name,
            role,
            credential,
        } => {
            exec(
                tx,
                "INSERT INTO people (id, name, role, public_key, sealed_key, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, role = ?3, public_key = ?4,
                   sealed_key = ?5, active = 1",
                params![
                    person,
                    name,
                    role.name(),
                    credential.public_key,
                    credential.sealed_key
                ],
            )?;
        }
        EventKind::PersonCredentialChanged { person, credential } => {
            exec(
                tx,
                "UPDATE people SET public_key = ?2, sealed_key = ?3 WHERE id = ?1",
                params![person, credential.public_key, credential.sealed_key],
            )?;
        }
        EventKind::PersonRemoved { person } => {
            exec(
                tx,
                "UPDATE people SET active = 0 WHERE id = ?1",
                params![person],
            )?;
        }
    }
    Ok(())
}

/// The log position of the event with this id, when the log has it.
fn event_seq(tx: &Transaction, id: &str) -> Result<Option<i64>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .prepare_cached("SELECT seq FROM events WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The `sequences` key of the SSCC serials allocated under an extension digit and company
/// prefix (beside the batch sequences, which never start with it).
pub(super) fn sscc_sequence_key(under: &str) -> String {
    format!("sscc:{under}")
}

/// Applies a recall event to the recall tables.
pub(super) fn apply_recall(
    tx: &Transaction,
    seq: i64,
    event: &EventKind,
) -> Result<(), StoreError> {
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
pub(super) fn log_status(
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
/// the server's order (pruned ones too: their steps and positions stay), then local ones not
/// yet synced in log order
/// ([`crate::domain::status::settle`]). The same history gives the same status at every
/// station, whatever order the events reached it in. A status change the server refused for
/// good (an unsigned release, say) stays in the log but counts for nothing, here as at every
/// other station.
pub(super) fn settle_status(tx: &Transaction, gtin: &str, batch: &str) -> Result<(), StoreError> {
    use crate::domain::status::{StatusStep, settle};
    let mut stmt = tx.prepare_cached(
        "SELECT s.status, s.change FROM lot_status_log s
         LEFT JOIN server_pos p ON p.seq = s.event_seq
         WHERE s.gtin = ?1 AND s.batch = ?2
           AND NOT (s.change AND EXISTS (SELECT 1 FROM push_refused r WHERE r.seq = s.event_seq))
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

#[cfg(test)]
mod tests {
    use super::*;

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
                    unit_cost: None,
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
                    sscc: None,
                    unit_price: None,
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
            unit_cost: None,
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
}
