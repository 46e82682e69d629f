//! Read queries over the derived tables. Take a `&Connection` so they work both on the open
//! store and inside a [`super::Store::record`] transaction.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::domain::{LotStatus, StockLot};

use super::StoreError;

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub gtin: String,
    pub name: String,
    pub receive_as: LotStatus,
    pub shelf_life_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lot {
    pub gtin: String,
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    pub supplier: Option<String>,
    pub arrived: i64,
    pub stock: Vec<LocationQty>,
    pub on_hand: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationQty {
    pub location: String,
    pub qty: u64,
}

fn status(s: String) -> rusqlite::Result<LotStatus> {
    s.parse().map_err(|e: crate::domain::RuleError| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

pub fn product(conn: &Connection, gtin: &str) -> Result<Option<Product>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT gtin, name, receive_as, shelf_life_days FROM products WHERE gtin = ?1",
            params![gtin],
            |r| {
                Ok(Product {
                    gtin: r.get(0)?,
                    name: r.get(1)?,
                    receive_as: status(r.get(2)?)?,
                    shelf_life_days: r.get(3)?,
                })
            },
        )
        .optional()?)
}

pub fn lot(conn: &Connection, gtin: &str, batch: &str) -> Result<Option<Lot>, StoreError> {
    let head = conn
        .query_row(
            "SELECT gtin, batch, expiry, status, supplier, arrived FROM lots
             WHERE gtin = ?1 AND batch = ?2",
            params![gtin, batch],
            |r| {
                Ok(Lot {
                    gtin: r.get(0)?,
                    batch: r.get(1)?,
                    expiry: date(r.get(2)?),
                    status: status(r.get(3)?)?,
                    supplier: r.get(4)?,
                    arrived: r.get(5)?,
                    stock: Vec::new(),
                    on_hand: 0,
                })
            },
        )
        .optional()?;
    let Some(mut lot) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT location, qty FROM stock WHERE gtin = ?1 AND batch = ?2 ORDER BY location",
    )?;
    lot.stock = stmt
        .query_map(params![gtin, batch], |r| {
            Ok(LocationQty {
                location: r.get(0)?,
                qty: r.get::<_, i64>(1)? as u64,
            })
        })?
        .collect::<Result<_, _>>()?;
    lot.on_hand = lot.stock.iter().map(|s| s.qty).sum();
    Ok(Some(lot))
}

/// Lots with this batch number (any product): a worker may type just the batch.
pub fn lots_by_batch(conn: &Connection, batch: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT gtin, batch FROM lots WHERE batch = ?1")?;
    let rows = stmt
        .query_map(params![batch], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Every lot of a product that has stock, for rotation and dispatch checks.
pub fn stock_lots(conn: &Connection, gtin: &str) -> Result<Vec<StockLot>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.gtin, l.batch, l.expiry, l.status, l.arrived, SUM(s.qty)
         FROM lots l JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
         WHERE l.gtin = ?1 GROUP BY l.gtin, l.batch HAVING SUM(s.qty) > 0",
    )?;
    let rows = stmt
        .query_map(params![gtin], |r| {
            Ok(StockLot {
                gtin: r.get(0)?,
                batch: r.get(1)?,
                expiry: date(r.get(2)?),
                status: status(r.get(3)?)?,
                arrived: r.get(4)?,
                on_hand: r.get::<_, i64>(5)? as u64,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Lots with stock whose expiry is on or before `until`, soonest first.
pub fn expiring(conn: &Connection, until: NaiveDate) -> Result<Vec<StockLot>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.gtin, l.batch, l.expiry, l.status, l.arrived, SUM(s.qty)
         FROM lots l JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
         WHERE l.expiry IS NOT NULL AND l.expiry <= ?1
         GROUP BY l.gtin, l.batch HAVING SUM(s.qty) > 0 ORDER BY l.expiry, l.gtin, l.batch",
    )?;
    let rows = stmt
        .query_map(params![until.to_string()], |r| {
            Ok(StockLot {
                gtin: r.get(0)?,
                batch: r.get(1)?,
                expiry: date(r.get(2)?),
                status: status(r.get(3)?)?,
                arrived: r.get(4)?,
                on_hand: r.get::<_, i64>(5)? as u64,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A lot reached by a trace, with its distance from the start.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TracedLot {
    pub gtin: String,
    pub batch: String,
    pub depth: u32,
    pub supplier: Option<String>,
}

/// A shipment line of a traced lot.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShipmentLine {
    pub shipment: String,
    pub customer: String,
    pub gtin: String,
    pub batch: String,
    pub qty: u64,
}

/// Lots made from this lot, transitively (forward) — not including the lot itself.
pub fn trace_forward(
    conn: &Connection,
    gtin: &str,
    batch: &str,
) -> Result<Vec<TracedLot>, StoreError> {
    trace(conn, gtin, batch, true)
}

/// Lots this lot was made from, transitively (backward), with their suppliers.
pub fn trace_backward(
    conn: &Connection,
    gtin: &str,
    batch: &str,
) -> Result<Vec<TracedLot>, StoreError> {
    trace(conn, gtin, batch, false)
}

fn trace(
    conn: &Connection,
    gtin: &str,
    batch: &str,
    forward: bool,
) -> Result<Vec<TracedLot>, StoreError> {
    let (from, to) = if forward {
        ("parent", "child")
    } else {
        ("child", "parent")
    };
    // UNION (not UNION ALL) stops at lots already reached, so shared inputs are listed once.
    let sql = format!(
        "WITH RECURSIVE t(gtin, batch, depth) AS (
             SELECT ?1, ?2, 0
             UNION
             SELECT g.{to}_gtin, g.{to}_batch, t.depth + 1
             FROM genealogy g JOIN t ON g.{from}_gtin = t.gtin AND g.{from}_batch = t.batch
             WHERE t.depth < 64
         )
         SELECT t.gtin, t.batch, MIN(t.depth), l.supplier FROM t
         LEFT JOIN lots l ON l.gtin = t.gtin AND l.batch = t.batch
         WHERE t.depth > 0 GROUP BY t.gtin, t.batch ORDER BY 3, 1, 2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![gtin, batch], |r| {
            Ok(TracedLot {
                gtin: r.get(0)?,
                batch: r.get(1)?,
                depth: r.get(2)?,
                supplier: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Shipments that carried any of these lots.
pub fn shipments_of(
    conn: &Connection,
    lots: &[(String, String)],
) -> Result<Vec<ShipmentLine>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT shipment, customer, gtin, batch, SUM(qty) FROM shipments
         WHERE gtin = ?1 AND batch = ?2 GROUP BY shipment, customer ORDER BY shipment",
    )?;
    let mut out = Vec::new();
    for (gtin, batch) in lots {
        let rows = stmt.query_map(params![gtin, batch], |r| {
            Ok(ShipmentLine {
                shipment: r.get(0)?,
                customer: r.get(1)?,
                gtin: r.get(2)?,
                batch: r.get(3)?,
                qty: r.get::<_, i64>(4)? as u64,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Supplier quality figures.
#[derive(Debug, Clone, Serialize)]
pub struct SupplierQuality {
    pub supplier: String,
    pub lots: u64,
    pub rejected: u64,
    pub recalled: u64,
    /// (rejected + recalled) / lots.
    pub defect_rate: f64,
}

pub fn supplier_quality(conn: &Connection) -> Result<Vec<SupplierQuality>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT supplier, COUNT(*), SUM(status = 'rejected'), SUM(status = 'recalled')
         FROM lots WHERE supplier IS NOT NULL GROUP BY supplier ORDER BY supplier",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let lots: i64 = r.get(1)?;
            let rejected: i64 = r.get(2)?;
            let recalled: i64 = r.get(3)?;
            Ok(SupplierQuality {
                supplier: r.get(0)?,
                lots: lots as u64,
                rejected: rejected as u64,
                recalled: recalled as u64,
                defect_rate: (rejected + recalled) as f64 / lots.max(1) as f64,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
