//! Derived state: how one event changes the derived tables. The same function serves the live
//! path (inside the event's transaction) and `store rebuild` (replay), so the two cannot drift.

use rusqlite::{Connection, params};

use crate::domain::{EventKind, LotQty};

use super::{StoreError, exec};

pub(crate) fn apply(conn: &Connection, seq: i64, event: &EventKind) -> Result<(), StoreError> {
    match event {
        EventKind::ProductAdded {
            gtin,
            name,
            receive_as,
            shelf_life_days,
        } => {
            exec(
                conn,
                "INSERT INTO products (gtin, name, receive_as, shelf_life_days) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(gtin) DO UPDATE SET name = ?2, receive_as = ?3, shelf_life_days = ?4",
                params![gtin, name, receive_as.as_str(), shelf_life_days],
            )?;
        }
        EventKind::Received {
            gtin,
            batch,
            expiry,
            qty,
            location,
            status,
            supplier,
            ..
        } => {
            upsert_lot(conn, seq, gtin, batch, expiry, status.as_str(), supplier)?;
            add_stock(conn, gtin, batch, location, *qty as i64)?;
        }
        EventKind::Produced {
            gtin,
            batch,
            expiry,
            qty,
            location,
            status,
            consumed,
        } => {
            upsert_lot(conn, seq, gtin, batch, expiry, status.as_str(), &None)?;
            add_stock(conn, gtin, batch, location, *qty as i64)?;
            for input in consumed {
                take_stock(conn, input)?;
                exec(
                conn,
                    "INSERT INTO genealogy (parent_gtin, parent_batch, child_gtin, child_batch, qty)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![input.gtin, input.batch, gtin, batch, input.qty as i64],
                )?;
            }
        }
        EventKind::Dispatched {
            customer,
            shipment,
            lines,
        } => {
            for line in lines {
                take_stock(conn, line)?;
                exec(
                    conn,
                    "INSERT INTO shipments (shipment, customer, gtin, batch, qty, event_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        shipment,
                        customer,
                        line.gtin,
                        line.batch,
                        line.qty as i64,
                        seq
                    ],
                )?;
            }
        }
        EventKind::Moved {
            gtin,
            batch,
            from,
            to,
            qty,
        } => {
            take_stock(
                conn,
                &LotQty {
                    gtin: gtin.clone(),
                    batch: batch.clone(),
                    location: from.clone(),
                    qty: *qty,
                },
            )?;
            add_stock(conn, gtin, batch, to, *qty as i64)?;
        }
        EventKind::Counted {
            gtin,
            batch,
            location,
            previous,
            counted,
        } => {
            add_stock(
                conn,
                gtin,
                batch,
                location,
                *counted as i64 - *previous as i64,
            )?;
            exec(
                conn,
                "DELETE FROM stock WHERE gtin = ?1 AND batch = ?2 AND location = ?3 AND qty = 0",
                params![gtin, batch, location],
            )?;
        }
        EventKind::StatusChanged {
            gtin, batch, to, ..
        } => {
            exec(
                conn,
                "UPDATE lots SET status = ?3 WHERE gtin = ?1 AND batch = ?2",
                params![gtin, batch, to.as_str()],
            )?;
        }
    }
    Ok(())
}

fn upsert_lot(
    conn: &Connection,
    seq: i64,
    gtin: &str,
    batch: &str,
    expiry: &Option<chrono::NaiveDate>,
    status: &str,
    supplier: &Option<String>,
) -> Result<(), StoreError> {
    // A second receipt of the same lot adds stock; the lot keeps its first status and arrival.
    exec(
                conn,
        "INSERT INTO lots (gtin, batch, expiry, status, supplier, arrived) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(gtin, batch) DO NOTHING",
        params![gtin, batch, expiry.map(|d| d.to_string()), status, supplier, seq],
    )?;
    Ok(())
}

fn add_stock(
    conn: &Connection,
    gtin: &str,
    batch: &str,
    location: &str,
    qty: i64,
) -> Result<(), StoreError> {
    exec(
        conn,
        "INSERT INTO stock (gtin, batch, location, qty) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(gtin, batch, location) DO UPDATE SET qty = qty + ?4",
        params![gtin, batch, location, qty],
    )?;
    Ok(())
}

fn take_stock(conn: &Connection, line: &LotQty) -> Result<(), StoreError> {
    add_stock(
        conn,
        &line.gtin,
        &line.batch,
        &line.location,
        -(line.qty as i64),
    )?;
    exec(
        conn,
        "DELETE FROM stock WHERE gtin = ?1 AND batch = ?2 AND location = ?3 AND qty = 0",
        params![line.gtin, line.batch, line.location],
    )?;
    Ok(())
}
