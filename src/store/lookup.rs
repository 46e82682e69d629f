//! Reads of current state for the workflows: products, a lot and its stock, pick candidates,
//! expiring lots, supplier quality, a lot's own events.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::log::read_events;
use super::{RecordedEvent, Store, StoreError};
use crate::domain::LotStatus;

/// A product as the site knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Product {
    pub gtin: String,
    pub name: String,
    pub receive_as: LotStatus,
    pub receiving: crate::domain::arrival::ReceivingRules,
}

/// A pallet (SSCC) received here: what was on it, when and where it came in, and the
/// dispatch that shipped it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pallet {
    pub sscc: String,
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub expiry: Option<NaiveDate>,
    pub location: String,
    /// The receipt: its event's time (RFC 3339) and station.
    pub received_at: String,
    pub received_by: String,
    /// The dispatch that shipped it: time and customer.
    pub shipped: Option<(String, String)>,
}

/// A lot's current state (the same type the server folds from its events).
pub use crate::domain::lot_state::LotState as Lot;

/// A lot with stock expiring soon (the same type the server lists).
pub use crate::domain::lot_state::ExpiringLot;

impl Store {
    /// A person this store learned from the server (removed ones too, marked inactive).
    pub fn person(&self, id: &str) -> Result<Option<crate::domain::person::Person>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT id, name, role, public_key, sealed_key, active FROM people WHERE id = ?1",
            )?
            .query_row([id], person_row)
            .optional()
            .map_err(Into::into)
    }

    /// Everyone this store knows, by id.
    pub fn people(&self) -> Result<Vec<crate::domain::person::Person>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, role, public_key, sealed_key, active FROM people ORDER BY id",
        )?;
        let rows = stmt.query_map([], person_row)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    pub fn product(&self, gtin: &str) -> Result<Option<Product>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT gtin, name, receive_as, receiving FROM products WHERE gtin = ?1",
            )?
            .query_row(params![gtin], product_row)
            .optional()?)
    }

    /// Every product the store knows, by name (then GTIN).
    pub fn products(&self) -> Result<Vec<Product>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT gtin, name, receive_as, receiving FROM products ORDER BY name, gtin",
        )?;
        let rows = stmt.query_map([], product_row)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    pub fn lot(&self, gtin: &str, batch: &str) -> Result<Option<Lot>, StoreError> {
        let lot = self
            .conn
            .prepare_cached(
                "SELECT expiry, status, supplier FROM lots WHERE gtin = ?1 AND batch = ?2",
            )?
            .query_row(params![gtin, batch], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?;
        let Some((expiry, status, supplier)) = lot else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT location, quantity FROM stock WHERE gtin = ?1 AND batch = ?2 ORDER BY location",
        )?;
        let stock = stmt
            .query_map(params![gtin, batch], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(Some(Lot {
            gtin: gtin.into(),
            batch: batch.into(),
            expiry: expiry.and_then(|e| e.parse().ok()),
            status: LotStatus::from_name(&status).unwrap_or(LotStatus::Quarantined),
            supplier,
            stock,
        }))
    }

    /// The lots of a product that a pick or a dispatch could take today: released, not
    /// expired on `today`, with stock on hand; in receipt order (oldest first: the order lots
    /// were first recorded, which a replay preserves), for the rotation rules
    /// ([`crate::domain::rules`], which still apply every condition themselves).
    ///
    /// Reads only those lots: `lots_pick` (GTIN, status, expiry, batch) holds every column
    /// needed and the row id that gives receipt order, and each lot's stock is a few adjacent
    /// rows of the lot-clustered stock table. (It was every lot of the product, each through
    /// its table row and its stock rows' table rows: ~1 ms, 10+ ms cold, on a large site.)
    pub fn pick_candidates(
        &self,
        gtin: &str,
        today: NaiveDate,
    ) -> Result<Vec<crate::domain::rules::Candidate>, StoreError> {
        let mut stmt = self.conn.prepare_cached(PICK_CANDIDATES)?;
        let rows = stmt.query_map(
            params![gtin, LotStatus::Released.name(), today.to_string()],
            |r| {
                Ok(crate::domain::rules::Candidate {
                    batch: r.get(0)?,
                    expiry: r.get::<_, Option<String>>(1)?.and_then(|e| e.parse().ok()),
                    status: LotStatus::from_name(&r.get::<_, String>(2)?)
                        .unwrap_or(LotStatus::Quarantined),
                    on_hand: r.get(3)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Lots with stock on hand that expire on or before `until`, soonest first.
    pub fn expiring(&self, until: NaiveDate) -> Result<Vec<ExpiringLot>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT l.gtin, l.batch, l.expiry, l.status, sum(s.quantity) FROM lots l
             JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
             WHERE l.expiry IS NOT NULL AND l.expiry <= ?1
             GROUP BY l.gtin, l.batch HAVING sum(s.quantity) > 0
             ORDER BY l.expiry, l.gtin, l.batch",
        )?;
        let rows = stmt.query_map(params![until.to_string()], |r| {
            Ok(ExpiringLot {
                gtin: r.get(0)?,
                batch: r.get(1)?,
                expiry: r.get::<_, String>(2)?.parse().unwrap_or(NaiveDate::MIN),
                status: LotStatus::from_name(&r.get::<_, String>(3)?)
                    .unwrap_or(LotStatus::Quarantined),
                on_hand: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Quality figures per supplier (lots received, rejected, recalled), worst rate first.
    pub fn supplier_quality(
        &self,
    ) -> Result<Vec<crate::domain::rules::SupplierQuality>, StoreError> {
        self.supplier_quality_since(None)
    }

    /// [`Store::supplier_quality`] over the lots first received on or after `since` (UTC day).
    pub fn supplier_quality_since(
        &self,
        since: Option<NaiveDate>,
    ) -> Result<Vec<crate::domain::rules::SupplierQuality>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT supplier, count(*), sum(status = 'rejected'), sum(status = 'recalled')
             FROM lots l WHERE supplier IS NOT NULL
               AND (?1 IS NULL OR (SELECT min(e.at) FROM receipts r JOIN events e ON e.seq = r.event_seq
                                   WHERE r.gtin = l.gtin AND r.batch = l.batch) >= ?1)
             GROUP BY supplier",
        )?;
        let rows = stmt.query_map(params![since.map(|d| d.to_string())], |r| {
            Ok(crate::domain::rules::SupplierQuality::new(
                r.get(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        let mut out: Vec<_> = rows.collect::<Result<_, _>>()?;
        crate::domain::rules::rank_suppliers(&mut out);
        Ok(out)
    }

    /// The pallet with this SSCC, when it was received here.
    pub fn pallet(&self, sscc: &str) -> Result<Option<Pallet>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT p.sscc, p.gtin, p.batch, p.quantity, l.expiry, p.location, r.at, r.station,
                        d.at, sh.customer
                 FROM pallets p JOIN events r ON r.seq = p.received_seq
                 LEFT JOIN lots l ON l.gtin = p.gtin AND l.batch = p.batch
                 LEFT JOIN events d ON d.seq = p.dispatched_seq
                 LEFT JOIN shipments sh ON sh.gtin = p.gtin AND sh.batch = p.batch
                     AND sh.event_seq = p.dispatched_seq
                 WHERE p.sscc = ?1",
            )?
            .query_row(params![sscc], |r| {
                let shipped = match (r.get::<_, Option<String>>(8)?, r.get(9)?) {
                    (Some(at), Some(customer)) => Some((at, customer)),
                    _ => None,
                };
                Ok(Pallet {
                    sscc: r.get(0)?,
                    gtin: r.get(1)?,
                    batch: r.get(2)?,
                    quantity: r.get::<_, i64>(3)? as u64,
                    expiry: r.get::<_, Option<String>>(4)?.and_then(|e| e.parse().ok()),
                    location: r.get(5)?,
                    received_at: r.get(6)?,
                    received_by: r.get(7)?,
                    shipped,
                })
            })
            .optional()?)
    }

    /// The event with this id, if the log has it.
    pub fn event(&self, id: &str) -> Result<Option<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, id, at, station, actor, payload, hash, signature FROM events WHERE id = ?1",
        )?;
        Ok(read_events(&mut stmt, params![id])?.pop())
    }

    /// Whether the dispatch recorded as event `seq` of this lot still counts as shipped (a
    /// `DispatchVoided` removes its shipment row).
    pub fn shipment_stands(&self, gtin: &str, batch: &str, seq: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM shipments WHERE gtin = ?1 AND batch = ?2 AND event_seq = ?3",
            )?
            .exists(params![gtin, batch, seq])?)
    }

    /// GTINs that have a lot with this batch number.
    pub fn gtins_with_batch(&self, batch: &str) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(GTINS_WITH_BATCH)?;
        let gtins = stmt
            .query_map(params![batch], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(gtins)
    }

    /// The last production sequence number used under `key` (0 if none).
    pub fn last_sequence(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT last FROM sequences WHERE key = ?1",
                params![key],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .unwrap_or(0) as u64)
    }

    /// The latest `limit` events that name a lot (received, produced, consumed, moved,
    /// counted, shipped, status changes, consumptions into it, recalls), oldest first: the
    /// lot's history for the UI, read through `lot_events`.
    pub fn lot_events(
        &self,
        gtin: &str,
        batch: &str,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(LOT_EVENTS)?;
        let mut events = read_events(&mut stmt, rusqlite::params![gtin, batch, limit as i64])?;
        events.reverse();
        Ok(events)
    }
}

/// A product's released, unexpired lots with stock, in receipt order (`Store::pick_candidates`).
/// The plan is forced (SQLite otherwise started from the stock rows and fetched each lot's
/// table row): the covering `lots_pick` entries of the product, then each lot's stock rows.
pub(super) const PICK_CANDIDATES: &str =
    "SELECT l.batch, l.expiry, l.status, sum(s.quantity) FROM lots l INDEXED BY lots_pick
     CROSS JOIN stock s ON s.gtin = l.gtin AND s.batch = l.batch
     WHERE l.gtin = ?1 AND l.status = ?2 AND (l.expiry IS NULL OR l.expiry >= ?3)
     GROUP BY l.rowid HAVING sum(s.quantity) > 0 ORDER BY l.rowid";

/// A lot's last `?3` events, newest first: its `lot_events` rows (adjacent), each event by
/// its sequence number.
pub(super) const LOT_EVENTS: &str =
    "SELECT e.seq, e.id, e.at, e.station, e.actor, e.payload, e.hash
     FROM lot_events l CROSS JOIN events e ON e.seq = l.seq
     WHERE l.gtin = ?1 AND l.batch = ?2 ORDER BY l.seq DESC LIMIT ?3";

/// The GTINs of the lots with a batch number: a few `lots_batch` (batch, gtin) entries.
pub(super) const GTINS_WITH_BATCH: &str = "SELECT gtin FROM lots WHERE batch = ?1 ORDER BY gtin";

fn person_row(r: &rusqlite::Row) -> rusqlite::Result<crate::domain::person::Person> {
    use crate::domain::person::{Credential, Person, PersonRole};
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        role: PersonRole::from_name(&r.get::<_, String>(2)?).unwrap_or(PersonRole::Worker),
        credential: Credential {
            public_key: r.get(3)?,
            sealed_key: r.get(4)?,
        },
        active: r.get(5)?,
    })
}

/// A `products` row (gtin, name, receive_as, receiving).
fn product_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        gtin: r.get(0)?,
        name: r.get(1)?,
        receive_as: LotStatus::from_name(&r.get::<_, String>(2)?).unwrap_or(LotStatus::Quarantined),
        receiving: r
            .get::<_, Option<String>>(3)?
            .and_then(|rules| serde_json::from_str(&rules).ok())
            .unwrap_or_default(),
    })
}
