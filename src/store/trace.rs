//! Trace and recall queries: a lot's genealogy, the facts a forward or backward trace is built
//! from (one recursive walk of the indexed genealogy per direction), and recalls with what was
//! accounted for.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::recall::{
    Accounting, Closure, Disposition, RecallItem, RecallRecord, RecallStatus,
};
use crate::domain::trace::{Direction, Link, LotRef, ReceiptLine, ShipmentLine, TraceFacts};

/// An input lot used up in an output lot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GenealogyEdge {
    pub input_gtin: String,
    pub input_batch: String,
    pub output_gtin: String,
    pub output_batch: String,
    pub quantity: i64,
}

impl Store {
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
}

/// Which way a trace walks the genealogy.
#[derive(Debug, Clone, Copy)]
pub(super) enum TraceWalk {
    /// Input → output: where a lot went; ends in shipments.
    Forward,
    /// Output → input: where a lot came from; ends in receipts.
    Backward,
}

/// What a trace query returns about the lots reached.
#[derive(Debug, Clone, Copy)]
pub(super) enum TraceRows {
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
pub(super) fn trace_sql(walk: TraceWalk, rows: TraceRows) -> String {
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
