//! Stock changes of one transaction, kept in memory and written once per row at its end.
//!
//! Most events move stock (dispatches, moves, counts, consumptions), and a bulk ingest, a
//! replay or a sync pull touches the same few rows of a busy lot again and again. Each row is
//! read once when first touched, every event applies its exact rule to the figure in memory,
//! and [`StockWrites::flush`] writes each changed row once (or deletes it) before the commit.
//! The result is the one the statements would have left one event at a time:
//!
//! - receive, produce and the destination of a move **add** to the row (creating it);
//! - dispatch, consumption and the source of a move **take** from a row that exists (nothing
//!   happens where the lot has no row), and a row that reaches zero or below goes;
//! - a count **sets** the row, and a count of zero removes it.
//!
//! Until the flush the table lags behind: nothing else that runs inside the transaction (the
//! other derived tables' rules) may read `stock`. None does; events carry the figures they need
//! (a recall's on-hand quantities are in its event).

use std::collections::HashMap;
use std::fmt::Write;

use rusqlite::{OptionalExtension, Transaction, params};

use super::{StoreError, exec};

/// A stock row: GTIN, batch, location.
type Key = (String, String, String);

/// What a row held when first touched, and what it holds now (`None`: no row).
#[derive(Debug, Clone, Copy)]
struct Row {
    loaded: Option<i64>,
    now: Option<i64>,
}

/// A row touched, under its key.
#[derive(Debug)]
struct Touched {
    key: Key,
    row: Row,
}

/// The stock rows one transaction has touched.
#[derive(Debug, Default)]
pub(super) struct StockWrites {
    /// By [`StockWrites::lookup`]'s text of the key, so that finding a row touched before
    /// allocates nothing (three strings per event were a tenth of a bulk ingest's time).
    rows: HashMap<String, Touched>,
    /// The text of the key last looked up: each part after its length, so no two keys share it.
    lookup: String,
}

impl StockWrites {
    /// The row, read from the table the first time this transaction touches it.
    fn row(
        &mut self,
        tx: &Transaction,
        gtin: &str,
        batch: &str,
        location: &str,
    ) -> Result<&mut Row, StoreError> {
        self.lookup.clear();
        for part in [gtin, batch, location] {
            let _ = write!(self.lookup, "{}:{part}", part.len());
        }
        if !self.rows.contains_key(self.lookup.as_str()) {
            let loaded = tx
                .prepare_cached(
                    "SELECT quantity FROM stock WHERE gtin = ?1 AND batch = ?2 AND location = ?3",
                )?
                .query_row(params![gtin, batch, location], |r| r.get(0))
                .optional()?;
            self.rows.insert(
                self.lookup.clone(),
                Touched {
                    key: (gtin.into(), batch.into(), location.into()),
                    row: Row {
                        loaded,
                        now: loaded,
                    },
                },
            );
        }
        Ok(&mut self
            .rows
            .get_mut(self.lookup.as_str())
            .expect("just inserted")
            .row)
    }

    /// Stock received, produced or moved in.
    pub(super) fn add(
        &mut self,
        tx: &Transaction,
        gtin: &str,
        batch: &str,
        location: &str,
        quantity: u64,
    ) -> Result<(), StoreError> {
        let row = self.row(tx, gtin, batch, location)?;
        row.now = Some(row.now.unwrap_or(0) + quantity as i64);
        Ok(())
    }

    /// Stock taken from locations (dispatch, consumption, the source of a move).
    pub(super) fn take(
        &mut self,
        tx: &Transaction,
        gtin: &str,
        batch: &str,
        from: &[(String, u64)],
    ) -> Result<(), StoreError> {
        for (location, quantity) in from {
            let row = self.row(tx, gtin, batch, location)?;
            row.now = row
                .now
                .map(|q| q - *quantity as i64)
                .filter(|left| *left > 0);
        }
        Ok(())
    }

    /// A count: the row becomes what was counted (none when nothing was).
    pub(super) fn set(
        &mut self,
        tx: &Transaction,
        gtin: &str,
        batch: &str,
        location: &str,
        counted: u64,
    ) -> Result<(), StoreError> {
        let row = self.row(tx, gtin, batch, location)?;
        row.now = Some(counted as i64).filter(|q| *q > 0);
        Ok(())
    }

    /// Writes every changed row once, in key order (the table is clustered by it, so the
    /// writes walk its B-tree once); call before the transaction commits.
    pub(super) fn flush(&mut self, tx: &Transaction) -> Result<(), StoreError> {
        let mut touched: Vec<Touched> = self.rows.drain().map(|(_, t)| t).collect();
        touched.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        for Touched {
            key: (gtin, batch, location),
            row,
        } in touched
        {
            if row.now == row.loaded {
                continue;
            }
            match row.now {
                Some(quantity) => exec(
                    tx,
                    "INSERT INTO stock (gtin, batch, location, quantity) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (gtin, batch, location) DO UPDATE SET quantity = excluded.quantity",
                    params![gtin, batch, location, quantity],
                )?,
                None => exec(
                    tx,
                    "DELETE FROM stock WHERE gtin = ?1 AND batch = ?2 AND location = ?3",
                    params![gtin, batch, location],
                )?,
            };
        }
        Ok(())
    }
}
