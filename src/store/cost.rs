//! Reads for costing: each lot's cost facts (`lot_costs`) and inputs (`genealogy`) as a
//! [`CostBook`] for [`crate::domain::cost`], shipments with their prices, stock per lot.

use std::collections::{HashMap, VecDeque};

use rusqlite::{Row, params};

use super::{Store, StoreError};
use crate::domain::cost::{CostBook, CostFact, LotFacts, Sale};
use crate::domain::event::RunCosts;
use crate::domain::money::{Amount, Currency, Money};
use crate::domain::trace::LotRef;

/// A stored amount (written by the projection from a checked event) read back; a cell that
/// does not read is a store that was edited, and counts as no amount.
fn amount(text: Option<String>) -> Option<Amount> {
    text.and_then(|t| t.parse().ok())
}

fn currency(text: Option<String>) -> Option<Currency> {
    text.and_then(|t| Currency::new(&t).ok())
}

/// A `lot_costs` row (columns from `kind` on) as a fact.
fn fact(r: &Row, at: usize) -> rusqlite::Result<Option<CostFact>> {
    let kind: String = r.get(at)?;
    let quantity: Option<i64> = r.get(at + 1)?;
    let quantity = quantity.unwrap_or(0).max(0) as u64;
    let unit_cost = amount(r.get(at + 2)?);
    let labour = amount(r.get(at + 3)?);
    let overhead = amount(r.get(at + 4)?);
    let cur = currency(r.get(at + 5)?);
    Ok(match (kind.as_str(), cur) {
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
        let mut book: HashMap<LotRef, LotFacts> = HashMap::new();
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, kind, quantity, unit_cost, labour, overhead, currency
             FROM lot_costs ORDER BY gtin, batch, seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut last: Option<(LotRef, LotFacts)> = None;
        while let Some(r) = rows.next()? {
            let (gtin, batch): (String, String) = (r.get(0)?, r.get(1)?);
            let same = last
                .as_ref()
                .is_some_and(|(l, _)| l.gtin == gtin && l.batch == batch);
            if !same {
                if let Some((l, f)) = last.take() {
                    book.insert(l, f);
                }
                last = Some((LotRef::new(gtin, batch), LotFacts::default()));
            }
            if let Some(f) = fact(r, 2)? {
                last.as_mut().expect("set above").1.facts.push(f);
            }
        }
        if let Some((l, f)) = last {
            book.insert(l, f);
        }
        let mut stmt = self.conn.prepare(
            "SELECT output_gtin, output_batch, input_gtin, input_batch, quantity FROM genealogy
             ORDER BY event_seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let output = LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?);
            let input = LotRef::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?);
            let quantity = r.get::<_, i64>(4)?.max(0) as u64;
            book.entry(output)
                .or_default()
                .inputs
                .push((input, quantity));
        }
        Ok(CostBook::new(book, currency))
    }

    /// Every shipment (not voided) on or after `since` (UTC day; all without), with its price.
    pub fn sales_since(&self, since: Option<chrono::NaiveDate>) -> Result<Vec<Sale>, StoreError> {
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, customer, quantity, unit_price, currency FROM shipments
             WHERE day >= ?1 OR ?1 = ''",
        )?;
        let rows = stmt.query_map([since], |r| {
            Ok(Sale {
                lot: LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                customer: r.get(2)?,
                quantity: r.get::<_, i64>(3)?.max(0) as u64,
                unit_price: amount(r.get(4)?)
                    .zip(currency(r.get(5)?))
                    .map(|(a, c)| Money::new(a, c)),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Each lot's units on hand (lots with stock only), in key order.
    pub fn stock_per_lot(&self) -> Result<Vec<(LotRef, u64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT gtin, batch, sum(quantity) FROM stock GROUP BY gtin, batch
             HAVING sum(quantity) > 0",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                LotRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                r.get::<_, i64>(2)? as u64,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
