//! Shipments as the dock sees them: the dispatches of a customer under a reference that are
//! still open, the shipments closed, and the station's SSCC serials (see
//! [`crate::domain::shipment`]).

use rusqlite::{OptionalExtension, params};

use super::log::read_events;
use super::projection::sscc_sequence_key;
use super::{RecordedEvent, Store, StoreError};
use crate::domain::shipment::{PalletLine, ShippedLine};

/// A shipment with dispatches not closed yet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenShipment {
    pub customer: String,
    pub shipment: Option<String>,
    /// Dispatches standing in it (voided ones are not).
    pub lines: u64,
    pub quantity: u64,
    /// When its first and last dispatch were recorded (RFC 3339).
    pub first_at: String,
    pub last_at: String,
}

impl Store {
    /// The standing dispatches of a shipment not closed yet, in the order they were scanned.
    pub fn open_shipment_lines(
        &self,
        customer: &str,
        shipment: Option<&str>,
    ) -> Result<Vec<ShippedLine>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.id, s.gtin, s.batch, l.expiry, s.quantity,
                    CASE WHEN e.pruned THEN NULL ELSE json_extract(e.payload, '$.sscc') END
             FROM shipments s INDEXED BY shipments_open
             JOIN events e ON e.seq = s.event_seq
             LEFT JOIN lots l ON l.gtin = s.gtin AND l.batch = s.batch
             WHERE s.customer = ?1 AND s.shipment IS ?2 AND s.closed_seq IS NULL
             ORDER BY s.event_seq",
        )?;
        let rows = stmt.query_map(params![customer, shipment], |r| {
            Ok(ShippedLine {
                line: PalletLine {
                    dispatch: r.get(0)?,
                    gtin: r.get(1)?,
                    batch: r.get(2)?,
                    expiry: r.get::<_, Option<String>>(3)?.and_then(|e| e.parse().ok()),
                    quantity: r.get::<_, i64>(4)? as u64,
                },
                sscc: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every shipment with dispatches not closed yet, oldest first.
    pub fn open_shipments(&self) -> Result<Vec<OpenShipment>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.customer, s.shipment, count(*), sum(s.quantity), min(e.at), max(e.at)
             FROM shipments s INDEXED BY shipments_open JOIN events e ON e.seq = s.event_seq
             WHERE s.closed_seq IS NULL
             GROUP BY s.customer, s.shipment ORDER BY min(s.event_seq)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OpenShipment {
                customer: r.get(0)?,
                shipment: r.get(1)?,
                lines: r.get::<_, i64>(2)? as u64,
                quantity: r.get::<_, i64>(3)? as u64,
                first_at: r.get(4)?,
                last_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The closes of shipments, oldest first: all of them, or those of one customer and
    /// reference (`None`: their unreferenced shipments). Closes pruned as old history are left
    /// out (the server holds them).
    pub fn shipment_closes(
        &self,
        of: Option<(&str, Option<&str>)>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let cols = "e.seq, e.id, e.at, e.station, e.actor, e.payload, e.hash, e.signature";
        match of {
            None => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {cols} FROM shipment_closes c JOIN events e ON e.seq = c.event_seq
                     WHERE NOT e.pruned ORDER BY c.event_seq"
                ))?;
                read_events(&mut stmt, [])
            }
            Some((customer, shipment)) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {cols} FROM shipment_closes c JOIN events e ON e.seq = c.event_seq
                     WHERE c.customer = ?1 AND c.shipment IS ?2 AND NOT e.pruned
                     ORDER BY c.event_seq"
                ))?;
                read_events(&mut stmt, params![customer, shipment])
            }
        }
    }

    /// The close that took the dispatch recorded as event `seq` of this lot, if one did.
    pub fn dispatch_closed_by(
        &self,
        gtin: &str,
        batch: &str,
        seq: i64,
    ) -> Result<Option<RecordedEvent>, StoreError> {
        let closed: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT closed_seq FROM shipments WHERE gtin = ?1 AND batch = ?2 AND event_seq = ?3",
            )?
            .query_row(params![gtin, batch, seq], |r| r.get(0))
            .optional()?
            .flatten();
        let Some(closed) = closed else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, id, at, station, actor, payload, hash, signature FROM events WHERE seq = ?1",
        )?;
        Ok(read_events(&mut stmt, params![closed])?.pop())
    }

    /// The last SSCC serial allocated under an extension digit and company prefix, by this
    /// station or any whose closes it holds (0: none yet).
    pub fn last_sscc_serial(&self, under: &str) -> Result<u64, StoreError> {
        self.last_sequence(&sscc_sequence_key(under))
    }
}
