//! Reads for costing: each lot's cost facts (`lot_costs`) and inputs (`genealogy`) as a
//! [`CostBook`] for [`crate::domain::cost`], shipments with their prices, stock per lot.

use std::collections::{HashMap, VecDeque};

use rusqlite::{Row, params};

use super::{Store, StoreError};
use crate::domain::cost::{CostBook, CostFact, LotFacts, SaleRow};
use crate::domain::event::RunCosts;
use crate::domain::money::{Amount, Currency, Money};
use crate::domain::trace::LotRef;

/// A text cell (NULL: none).
fn text<'r>(r: &'r Row, i: usize) -> rusqlite::Result<Option<&'r str>> {
    Ok(r.get_ref(i)?.as_str_or_null()?)
}

/// A `lot_costs` row (columns from `kind` on) as a fact; amounts and currencies read in
/// place (a stored one that does not read, in an edited file, counts as none).
fn fact(r: &Row, at: usize) -> rusqlite::Result<Option<CostFact>> {
    let amount = |i: usize| -> rusqlite::Result<Option<Amount>> {
        Ok(text(r, i)?.and_then(|t| t.parse().ok()))
    };
    let quantity: Option<i64> = r.get(at + 1)?;
    let quantity = quantity.unwrap_or(0).max(0) as u64;
    let unit_cost = amount(at + 2)?;
    let labour = amount(at + 3)?;
    let overhead = amount(at + 4)?;
    let cur = text(r, at + 5)?.and_then(|t| Currency::new(t).ok());
    Ok(match (text(r, at)?.unwrap_or(""), cur) {
        ("received", cur) => Some(CostFact::Received {
            quantity,
            unit_cost: unit_cost.zip(cur).map(|(a, c)| Money::new(a, c)),
        }),
        ("produced", cur) => Some(CostFact::Produced {
            quantity,
            costs: cur.map(|currency| RunCosts {
                labour,
                overhead,
                currency,
            }),
        }),
        ("corrected", Some(currency)) => Some(CostFact::Corrected {
            unit_cost,
            labour,
            overhead,
            currency,
        }),
        _ => None,
    })
}

const FACTS: &str = "SELECT kind, quantity, unit_cost, labour, overhead, currency FROM lot_costs
     WHERE gtin = ?1 AND batch = ?2 ORDER BY seq";
const INPUTS: &str = "SELECT input_gtin, input_batch, quantity FROM genealogy
     WHERE output_gtin = ?1 AND output_batch = ?2 ORDER BY event_seq";

impl Store {
    /// The cost facts of `lots` and of every lot below them in the genealogy: what costing
    /// them needs, read through the indexes (a lot's facts are adjacent rows).
    pub fn cost_book_for(
        &self,
        lots: &[LotRef],
        currency: Currency,
    ) -> Result<CostBook, StoreError> {
        let mut facts_of = self.conn.prepare_cached(FACTS)?;
        let mut inputs_of = self.conn.prepare_cached(INPUTS)?;
        let mut book: HashMap<LotRef, LotFacts> = HashMap::new();
        let mut queue: VecDeque<LotRef> = lots.iter().cloned().collect();
        while let Some(lot) = queue.pop_front() {
            if book.contains_key(&lot) {
                continue;
            }
            let facts: Vec<CostFact> = facts_of
                .query_map(params![lot.gtin, lot.batch], |r| fact(r, 0))?
                .filter_map(|f| f.transpose())
                .collect::<Result<_, _>>()?;
            let inputs: Vec<(LotRef, u64)> = inputs_of
                .query_map(params![lot.gtin, lot.batch], |r| {
                    Ok((
                        LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                        r.get::<_, i64>(2)?.max(0) as u64,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            // A lot this store has never heard of stays out of the book: it is "unknown".
            if facts.is_empty() && inputs.is_empty() {
                continue;
            }
            queue.extend(inputs.iter().map(|(l, _)| l.clone()));
            book.insert(lot, LotFacts { facts, inputs });
        }
        Ok(CostBook::new(book, currency))
    }

    /// Every lot's cost facts and inputs: two reads of two tables, for the cost report.
    pub fn cost_book(&self, currency: Currency) -> Result<CostBook, StoreError> {
        let mut book = CostBook::empty(currency);
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, kind, quantity, unit_cost, labour, overhead, currency
             FROM lot_costs ORDER BY gtin, batch, seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut cursor = 0;
        while let Some(r) = rows.next()? {
            let lot = book.seek(
                &mut cursor,
                text(r, 0)?.unwrap_or(""),
                text(r, 1)?.unwrap_or(""),
            );
            if let Some(f) = fact(r, 2)? {
                book.add_fact(lot, f);
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT output_gtin, output_batch, input_gtin, input_batch, quantity FROM genealogy
             ORDER BY event_seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut last: Option<usize> = None;
        while let Some(r) = rows.next()? {
            let (gtin, batch) = (text(r, 0)?.unwrap_or(""), text(r, 1)?.unwrap_or(""));
            // A batch's inputs are recorded together: mostly the same output as the row before.
            let output = match last {
                Some(o) if book.name(o).gtin == gtin && book.name(o).batch == batch => o,
                _ => book.lot(gtin, batch),
            };
            last = Some(output);
            let input = book.lot(text(r, 2)?.unwrap_or(""), text(r, 3)?.unwrap_or(""));
            book.add_input(output, input, r.get::<_, i64>(4)?.max(0) as u64);
        }
        Ok(book)
    }

    /// Hands every shipment (not voided) on or after `since` (UTC day; all without), with its
    /// price, to `sale`, a lot's shipments one after another (the table's order: no sort, and
    /// no allocation per row).
    pub fn for_each_sale(
        &self,
        since: Option<chrono::NaiveDate>,
        mut sale: impl FnMut(SaleRow<'_>),
    ) -> Result<(), StoreError> {
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, customer, quantity, unit_price, currency FROM shipments
             WHERE day >= ?1 OR ?1 = '' ORDER BY gtin, batch, event_seq",
        )?;
        let mut rows = stmt.query([since])?;
        while let Some(r) = rows.next()? {
            sale(SaleRow {
                gtin: text(r, 0)?.unwrap_or(""),
                batch: text(r, 1)?.unwrap_or(""),
                customer: text(r, 2)?.unwrap_or(""),
                quantity: r.get::<_, i64>(3)?.max(0) as u64,
                unit_price: text(r, 4)?.and_then(|p| p.parse().ok()),
                currency: text(r, 5)?,
            });
        }
        Ok(())
    }

    /// Hands each lot's units on hand (lots with stock only) to `lot`, in key order.
    pub fn for_each_stock(&self, mut lot: impl FnMut(&str, &str, u64)) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, sum(quantity) FROM stock GROUP BY gtin, batch
             HAVING sum(quantity) > 0",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            lot(
                text(r, 0)?.unwrap_or(""),
                text(r, 1)?.unwrap_or(""),
                r.get::<_, i64>(2)?.max(0) as u64,
            );
        }
        Ok(())
    }
}
