//! The station's operations (receive, produce, dispatch, status changes, lookups) over the
//! store. The CLI, the headless scan loop and the UI all call this layer: it checks the domain
//! rules, records one durable event per operation and returns an outcome rich enough for
//! feedback on screen. Refusals are [`WorkflowError`]s a worker understands; nothing is written.

pub mod seed;

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{
    self, DispatchRefusal, EventKind, LotQty, LotStatus, PickLine, Role, RuleError, StatusAction,
    StockLot, Strategy,
};
use crate::gs1;
use crate::store::query::{self, Lot, Product, ShipmentLine, TracedLot};
use crate::store::{self, Actor, Recorded, Store, StoreError};

/// Largest quantity accepted in one scan: anything above is a mistyped or misread number.
pub const MAX_QTY: u64 = 1_000_000;

/// The `[station]` section of the configuration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StationSettings {
    /// Unique per station across the site; part of every batch number this station assigns.
    pub station_id: String,
    /// Site code, the first part of batch numbers.
    pub site: String,
    /// SHA-256 (hex) of the supervisor PIN. No PIN configured = no supervisor actions here.
    pub supervisor_pin_sha256: Option<String>,
    /// Refuse (instead of warn) a dispatch that is not the FEFO choice.
    pub strict_fefo: bool,
    /// Default horizon of `expiry` alerts, in days.
    pub expiry_horizon_days: u32,
}

impl Default for StationSettings {
    fn default() -> Self {
        StationSettings {
            station_id: "S1".into(),
            site: "LL".into(),
            supervisor_pin_sha256: None,
            strict_fefo: false,
            expiry_horizon_days: 30,
        }
    }
}

/// Who works at the station now.
#[derive(Debug, Clone)]
pub struct StationIdentity {
    pub settings: StationSettings,
    pub actor: String,
    pub role: Role,
    /// The PIN typed by a supervisor; checked against the configured hash.
    pub pin: Option<String>,
}

/// Why an operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The store failed; nothing was recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A lot status rule refused.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A dispatch line must not ship.
    #[error("REFUSED: {0}")]
    Dispatch(DispatchRefusal),
    /// The scan is not valid GS1 data.
    #[error("malformed scan: {0}")]
    Scan(gs1::Gs1Error),
    /// The scan lacks a field the operation needs.
    #[error("the scan has no {0}; scan the label that carries it or type it with --{1}")]
    MissingField(&'static str, &'static str),
    /// Not a well-formed GTIN.
    #[error("invalid GTIN {0:?}: {1}")]
    InvalidGtin(String, &'static str),
    /// The product is not registered.
    #[error("unknown GTIN {0} — register the product with `lotline product add {0} --name ...`")]
    UnknownGtin(String),
    /// No such lot.
    #[error("unknown lot {0} — check the batch number or scan the lot label")]
    UnknownLot(String),
    /// A batch number shared by several products.
    #[error("batch {0} exists for several products ({1}); give it as GTIN/BATCH")]
    AmbiguousLot(String, String),
    /// Zero, negative or absurd quantity.
    #[error("invalid quantity {0}: give a whole number from 1 to {MAX_QTY}")]
    BadQuantity(String),
    /// Consuming or moving more than a location holds.
    #[error("lot {batch} has only {on_hand} on hand, {wanted} requested")]
    NotEnough {
        batch: String,
        on_hand: u64,
        wanted: u64,
    },
    /// Supervisor action without a valid PIN.
    #[error("supervisor PIN missing or wrong")]
    BadPin,
    /// Supervisor action at a station without a configured PIN.
    #[error("no supervisor PIN is configured for this station (set station.supervisor_pin_sha256)")]
    NoPinConfigured,
    /// A product name is required.
    #[error("a product name is required (--name)")]
    NameRequired,
}

// Manual `From`s (not `#[from]`): the message already includes the inner error, and marking it
// as the source too would print it twice in an error chain.
impl From<DispatchRefusal> for WorkflowError {
    fn from(e: DispatchRefusal) -> Self {
        WorkflowError::Dispatch(e)
    }
}

impl From<gs1::Gs1Error> for WorkflowError {
    fn from(e: gs1::Gs1Error) -> Self {
        WorkflowError::Scan(e)
    }
}

/// Checks the digits and check digit of a GTIN-8/12/13/14 and returns it as 14 digits.
// Local until the GS1 core's `normalize_gtin` lands on this branch; then call that instead.
pub fn normalize_gtin(gtin: &str) -> Result<String, WorkflowError> {
    let g = gtin.trim();
    if !g.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WorkflowError::InvalidGtin(g.into(), "digits only"));
    }
    if ![8, 12, 13, 14].contains(&g.len()) {
        return Err(WorkflowError::InvalidGtin(
            g.into(),
            "must be 8, 12, 13 or 14 digits",
        ));
    }
    let padded = format!("{g:0>14}");
    let digits: Vec<u32> = padded.bytes().map(|b| (b - b'0') as u32).collect();
    let sum: u32 = digits[..13]
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    if (10 - sum % 10) % 10 != digits[13] {
        return Err(WorkflowError::InvalidGtin(g.into(), "wrong check digit"));
    }
    Ok(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(pairs: &[(&str, &str)]) -> gs1::Message {
        gs1::Message {
            symbology: None,
            elements: pairs
                .iter()
                .map(|(ai, value)| gs1::Element {
                    ai: ai.to_string(),
                    value: value.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_scanned_label_becomes_requests() {
        let msg = message(&[
            ("01", "09506000134352"),
            ("10", "B1"),
            ("00", "095060001343520017"),
        ]);
        let req = ReceiveRequest::from_message(&msg);
        assert_eq!(
            (req.gtin.as_str(), req.batch.as_str()),
            ("09506000134352", "B1")
        );
        assert_eq!(req.sscc.as_deref(), Some("095060001343520017"));
        let line = LotLine::from_message(&msg, 4).unwrap();
        assert_eq!((line.lot.as_str(), line.qty), ("09506000134352/B1", 4));
        let no_batch = message(&[("01", "09506000134352")]);
        assert!(matches!(
            LotLine::from_message(&no_batch, 1),
            Err(WorkflowError::MissingField(..))
        ));
    }

    #[test]
    fn gtins_are_checked_and_padded() {
        assert_eq!(normalize_gtin("9506000134352").unwrap(), "09506000134352");
        assert!(normalize_gtin("9506000134353").is_err());
        assert!(normalize_gtin("95060A0134352").is_err());
        assert!(normalize_gtin("123").is_err());
    }
}

fn check_qty(qty: i64) -> Result<u64, WorkflowError> {
    if qty <= 0 || qty as u64 > MAX_QTY {
        return Err(WorkflowError::BadQuantity(qty.to_string()));
    }
    Ok(qty as u64)
}

/// A supplier receipt: usually filled from one GS1 scan ([`ReceiveRequest::from_message`]).
#[derive(Debug, Clone, Default)]
pub struct ReceiveRequest {
    pub gtin: String,
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub qty: i64,
    pub location: String,
    pub supplier: Option<String>,
    pub po: Option<String>,
    pub sscc: Option<String>,
}

impl ReceiveRequest {
    /// Fills GTIN, batch, expiry, quantity and SSCC from a parsed supplier label.
    pub fn from_message(msg: &gs1::Message) -> ReceiveRequest {
        ReceiveRequest {
            gtin: msg.gtin().unwrap_or_default().to_string(),
            batch: msg.batch().unwrap_or_default().to_string(),
            expiry: msg.expiry(),
            qty: msg.quantity().map(|q| q as i64).unwrap_or(0),
            location: String::new(),
            supplier: None,
            po: None,
            sscc: msg.sscc().map(str::to_string),
        }
    }
}

/// What the worker sees after a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub event: Recorded,
    pub product: String,
    pub lot: Lot,
    pub warnings: Vec<String>,
}

/// A lot and a quantity, as typed or scanned.
#[derive(Debug, Clone)]
pub struct LotLine {
    /// `GTIN/BATCH`, or just `BATCH` when unique.
    pub lot: String,
    pub qty: i64,
}

impl LotLine {
    /// A dispatch or consumption line from a scanned lot label: GTIN (01) + batch (10), and
    /// the count (30/37) when the label carries one, else `default_qty`.
    pub fn from_message(msg: &gs1::Message, default_qty: i64) -> Result<LotLine, WorkflowError> {
        let gtin = msg
            .gtin()
            .ok_or(WorkflowError::MissingField("GTIN (01)", "gtin"))?;
        let batch = msg
            .batch()
            .ok_or(WorkflowError::MissingField("batch/lot (10)", "batch"))?;
        Ok(LotLine {
            lot: format!("{gtin}/{batch}"),
            qty: msg.quantity().map_or(default_qty, |q| q as i64),
        })
    }
}

#[derive(Debug, Clone)]
pub struct ProduceRequest {
    pub gtin: String,
    pub qty: i64,
    pub location: String,
    pub consume: Vec<LotLine>,
}

#[derive(Debug, Clone)]
pub struct DispatchRequest {
    pub customer: String,
    pub shipment: Option<String>,
    pub lines: Vec<LotLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DispatchOutcome {
    pub event: Recorded,
    pub shipment: String,
    pub customer: String,
    pub lines: Vec<LotQty>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PickSuggestion {
    pub gtin: String,
    pub strategy: Strategy,
    pub lines: Vec<PickLine>,
    /// Quantity no shippable lot covers.
    pub short: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    pub gtin: String,
    pub batch: String,
    /// Lots made from this lot (forward).
    pub made_into: Vec<TracedLot>,
    /// Shipments of this lot and of everything made from it.
    pub shipped: Vec<ShipmentLine>,
    /// Lots this lot was made from (backward), with their suppliers.
    pub made_from: Vec<TracedLot>,
}

pub struct Station {
    store: Store,
    identity: StationIdentity,
    today: NaiveDate,
}

impl Station {
    pub fn open(path: &Path, identity: StationIdentity) -> Result<Station, WorkflowError> {
        Ok(Station {
            store: Store::open(path)?,
            identity,
            today: chrono::Local::now().date_naive(),
        })
    }

    /// The store underneath (verify, rebuild, raw queries).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn actor(&self) -> Actor {
        Actor {
            station: self.identity.settings.station_id.clone(),
            actor: self.identity.actor.clone(),
            role: self.identity.role,
        }
    }

    /// Registers (or updates) a product and its receipt rule.
    pub fn add_product(
        &mut self,
        gtin: &str,
        name: &str,
        receive_as: LotStatus,
        shelf_life_days: Option<u32>,
    ) -> Result<(Recorded, Product), WorkflowError> {
        let gtin = normalize_gtin(gtin)?;
        if name.trim().is_empty() {
            return Err(WorkflowError::NameRequired);
        }
        let event = EventKind::ProductAdded {
            gtin: gtin.clone(),
            name: name.trim().to_string(),
            receive_as,
            shelf_life_days,
        };
        let actor = self.actor();
        let (rec, ()) = self
            .store
            .record(&actor, |_| Ok::<_, WorkflowError>((event, ())))?;
        let product = query::product(self.store.conn(), &gtin)?.expect("product just recorded");
        Ok((rec, product))
    }

    /// Receives a supplier lot: one durable event; the lot starts quarantined or released per
    /// the product's rule.
    pub fn receive(&mut self, req: ReceiveRequest) -> Result<Outcome, WorkflowError> {
        if req.gtin.is_empty() {
            return Err(WorkflowError::MissingField("GTIN (01)", "gtin"));
        }
        if req.batch.trim().is_empty() {
            return Err(WorkflowError::MissingField("batch/lot (10)", "batch"));
        }
        let gtin = normalize_gtin(&req.gtin)?;
        let qty = check_qty(req.qty)?;
        let today = self.today;
        let location = if req.location.is_empty() {
            "RECEIVING".to_string()
        } else {
            req.location.clone()
        };
        let actor = self.actor();
        let (event, product) = self.store.record(&actor, |conn| {
            let product =
                query::product(conn, &gtin)?.ok_or(WorkflowError::UnknownGtin(gtin.clone()))?;
            // A repeat receipt of an existing lot keeps the lot's current status.
            let status = query::lot(conn, &gtin, &req.batch)?
                .map(|l| l.status)
                .unwrap_or(product.receive_as);
            let event = EventKind::Received {
                gtin: gtin.clone(),
                batch: req.batch.trim().to_string(),
                expiry: req.expiry,
                qty,
                location,
                status,
                supplier: req.supplier.clone(),
                po: req.po.clone(),
                sscc: req.sscc.clone(),
            };
            Ok::<_, WorkflowError>((event, product))
        })?;
        let mut warnings = Vec::new();
        if let Some(expiry) = req.expiry.filter(|e| *e < today) {
            warnings.push(format!("received lot is already EXPIRED ({expiry})"));
        }
        let lot = query::lot(self.store.conn(), &gtin, req.batch.trim())?
            .ok_or_else(|| WorkflowError::UnknownLot(req.batch.clone()))?;
        if lot.status != LotStatus::Released {
            warnings.push(format!("lot is {}: not available for dispatch", lot.status));
        }
        Ok(Outcome {
            event,
            product: product.name,
            lot,
            warnings,
        })
    }

    /// Produces a new batch: assigns its batch number from the site format and a sequence that
    /// never repeats, and consumes the input lots (genealogy edges).
    pub fn produce(&mut self, req: ProduceRequest) -> Result<Outcome, WorkflowError> {
        let gtin = normalize_gtin(&req.gtin)?;
        let qty = check_qty(req.qty)?;
        let today = self.today;
        let settings = self.identity.settings.clone();
        let location = if req.location.is_empty() {
            "PRODUCTION".to_string()
        } else {
            req.location.clone()
        };
        let actor = self.actor();
        let (event, (product, batch, warnings)) = self.store.record(&actor, |conn| {
            let product =
                query::product(conn, &gtin)?.ok_or(WorkflowError::UnknownGtin(gtin.clone()))?;
            let mut consumed = Vec::new();
            let mut warnings = Vec::new();
            for line in &req.consume {
                let want = check_qty(line.qty)?;
                let lot = resolve_lot(conn, &line.lot)?;
                if lot.status != LotStatus::Released {
                    warnings.push(format!("input lot {} is {}", lot.batch, lot.status));
                }
                if want > lot.on_hand {
                    return Err(WorkflowError::NotEnough {
                        batch: lot.batch,
                        on_hand: lot.on_hand,
                        wanted: want,
                    });
                }
                consumed.extend(take_from_locations(&lot, want));
            }
            let batch = assign_batch(conn, &settings, &gtin, today)?;
            let expiry = product
                .shelf_life_days
                .map(|d| today + chrono::Days::new(d as u64));
            let event = EventKind::Produced {
                gtin: gtin.clone(),
                batch: batch.clone(),
                expiry,
                qty,
                location,
                status: product.receive_as,
                consumed,
            };
            Ok::<_, WorkflowError>((event, (product, batch, warnings)))
        })?;
        let lot = query::lot(self.store.conn(), &gtin, &batch)?
            .ok_or_else(|| WorkflowError::UnknownLot(batch.clone()))?;
        Ok(Outcome {
            event,
            product: product.name,
            lot,
            warnings,
        })
    }

    /// Ships lots to a customer. Refuses expired, unreleased or recalled stock and more than on
    /// hand; warns (or refuses in strict mode) when a lot is not the FEFO choice.
    pub fn dispatch(&mut self, req: DispatchRequest) -> Result<DispatchOutcome, WorkflowError> {
        if req.customer.trim().is_empty() {
            return Err(WorkflowError::MissingField("customer", "customer"));
        }
        let today = self.today;
        let strict = self.identity.settings.strict_fefo;
        let shipment = req
            .shipment
            .clone()
            .unwrap_or_else(|| format!("SHP-{}", uuid::Uuid::now_v7().simple()));
        let actor = self.actor();
        let customer = req.customer.trim().to_string();
        let (event, (lines, warnings)) = self.store.record(&actor, |conn| {
            let mut lines = Vec::new();
            let mut warnings = Vec::new();
            for line in &req.lines {
                let want = check_qty(line.qty)?;
                let lot = resolve_lot(conn, &line.lot)?;
                let peers = query::stock_lots(conn, &lot.gtin)?;
                let stock_lot = StockLot {
                    gtin: lot.gtin.clone(),
                    batch: lot.batch.clone(),
                    expiry: lot.expiry,
                    status: lot.status,
                    arrived: lot.arrived,
                    on_hand: lot.on_hand,
                };
                warnings.extend(domain::check_dispatch(
                    &stock_lot, want, &peers, today, strict,
                )?);
                lines.extend(take_from_locations(&lot, want));
            }
            let event = EventKind::Dispatched {
                customer: customer.clone(),
                shipment: shipment.clone(),
                lines: lines.clone(),
            };
            Ok::<_, WorkflowError>((event, (lines, warnings)))
        })?;
        Ok(DispatchOutcome {
            event,
            shipment,
            customer,
            lines,
            warnings,
        })
    }

    /// Moves stock of a lot from one location to another.
    pub fn move_stock(
        &mut self,
        lot: &str,
        from: &str,
        to: &str,
        qty: i64,
    ) -> Result<Outcome, WorkflowError> {
        let qty = check_qty(qty)?;
        if to.trim().is_empty() {
            return Err(WorkflowError::MissingField("destination location", "to"));
        }
        let actor = self.actor();
        let (event, (gtin, batch)) = self.store.record(&actor, |conn| {
            let lot = resolve_lot(conn, lot)?;
            let here = lot
                .stock
                .iter()
                .find(|s| s.location == from)
                .map_or(0, |s| s.qty);
            if qty > here {
                return Err(WorkflowError::NotEnough {
                    batch: lot.batch,
                    on_hand: here,
                    wanted: qty,
                });
            }
            let event = EventKind::Moved {
                gtin: lot.gtin.clone(),
                batch: lot.batch.clone(),
                from: from.to_string(),
                to: to.trim().to_string(),
                qty,
            };
            Ok::<_, WorkflowError>((event, (lot.gtin, lot.batch)))
        })?;
        self.outcome(event, &gtin, &batch)
    }

    /// Records a cycle count: the counted quantity replaces what the store held at that location.
    pub fn count(
        &mut self,
        lot: &str,
        location: &str,
        counted: i64,
    ) -> Result<Outcome, WorkflowError> {
        if counted < 0 || counted as u64 > MAX_QTY {
            return Err(WorkflowError::BadQuantity(counted.to_string()));
        }
        let actor = self.actor();
        let (event, (gtin, batch, previous)) = self.store.record(&actor, |conn| {
            let lot = resolve_lot(conn, lot)?;
            let previous = lot
                .stock
                .iter()
                .find(|s| s.location == location)
                .map_or(0, |s| s.qty);
            let event = EventKind::Counted {
                gtin: lot.gtin.clone(),
                batch: lot.batch.clone(),
                location: location.to_string(),
                previous,
                counted: counted as u64,
            };
            Ok::<_, WorkflowError>((event, (lot.gtin, lot.batch, previous)))
        })?;
        let mut outcome = self.outcome(event, &gtin, &batch)?;
        if previous != counted as u64 {
            outcome.warnings.push(format!(
                "count adjusted {location} from {previous} to {counted}"
            ));
        }
        Ok(outcome)
    }

    fn outcome(&self, event: Recorded, gtin: &str, batch: &str) -> Result<Outcome, WorkflowError> {
        let lot = query::lot(self.store.conn(), gtin, batch)?
            .ok_or_else(|| WorkflowError::UnknownLot(batch.to_string()))?;
        let product = query::product(self.store.conn(), gtin)?
            .map(|p| p.name)
            .unwrap_or_default();
        Ok(Outcome {
            event,
            product,
            lot,
            warnings: Vec::new(),
        })
    }

    /// A supervisor's hold / release / reject / recall, with a reason.
    pub fn set_status(
        &mut self,
        lot: &str,
        action: StatusAction,
        reason: &str,
    ) -> Result<Outcome, WorkflowError> {
        self.check_supervisor()?;
        let role = self.identity.role;
        let actor = self.actor();
        let reason = reason.trim().to_string();
        let (event, (gtin, batch)) = self.store.record(&actor, |conn| {
            let lot = resolve_lot(conn, lot)?;
            let to = domain::check_transition(lot.status, action, role, &reason)?;
            let event = EventKind::StatusChanged {
                gtin: lot.gtin.clone(),
                batch: lot.batch.clone(),
                from: lot.status,
                to,
                reason: reason.clone(),
            };
            Ok::<_, WorkflowError>((event, (lot.gtin, lot.batch)))
        })?;
        self.outcome(event, &gtin, &batch)
    }

    fn check_supervisor(&self) -> Result<(), WorkflowError> {
        if self.identity.role != Role::Supervisor {
            // The domain rule gives the worker-facing message.
            return Ok(());
        }
        let expected = self
            .identity
            .settings
            .supervisor_pin_sha256
            .as_deref()
            .ok_or(WorkflowError::NoPinConfigured)?;
        let pin = self.identity.pin.as_deref().ok_or(WorkflowError::BadPin)?;
        if !pin_hash(pin).eq_ignore_ascii_case(expected.trim()) {
            return Err(WorkflowError::BadPin);
        }
        Ok(())
    }

    /// A lot's current state.
    pub fn lookup(&self, lot: &str) -> Result<Lot, WorkflowError> {
        resolve_lot(self.store.conn(), lot)
    }

    /// Which lots to pick for `qty` of a product.
    pub fn pick(
        &self,
        gtin: &str,
        qty: i64,
        strategy: Strategy,
    ) -> Result<PickSuggestion, WorkflowError> {
        let gtin = normalize_gtin(gtin)?;
        let qty = check_qty(qty)?;
        if query::product(self.store.conn(), &gtin)?.is_none() {
            return Err(WorkflowError::UnknownGtin(gtin));
        }
        let lots = query::stock_lots(self.store.conn(), &gtin)?;
        let (lines, short) = domain::suggest_pick(&lots, qty, strategy, self.today);
        Ok(PickSuggestion {
            gtin,
            strategy,
            lines,
            short,
        })
    }

    /// Lots with stock expiring within `days` (already expired included).
    pub fn expiring(&self, days: Option<u32>) -> Result<Vec<StockLot>, WorkflowError> {
        let days = days.unwrap_or(self.identity.settings.expiry_horizon_days);
        let until = self.today + chrono::Days::new(days as u64);
        Ok(query::expiring(self.store.conn(), until)?)
    }

    /// Forward and backward trace of a lot.
    pub fn trace(&self, lot: &str) -> Result<Trace, WorkflowError> {
        let conn = self.store.conn();
        let lot = resolve_lot(conn, lot)?;
        let made_into = query::trace_forward(conn, &lot.gtin, &lot.batch)?;
        let made_from = query::trace_backward(conn, &lot.gtin, &lot.batch)?;
        let mut shipped_lots = vec![(lot.gtin.clone(), lot.batch.clone())];
        shipped_lots.extend(made_into.iter().map(|l| (l.gtin.clone(), l.batch.clone())));
        let shipped = query::shipments_of(conn, &shipped_lots)?;
        Ok(Trace {
            gtin: lot.gtin,
            batch: lot.batch,
            made_into,
            shipped,
            made_from,
        })
    }
}

/// SHA-256 hex of a PIN, as stored in the configuration.
pub fn pin_hash(pin: &str) -> String {
    hex::encode(Sha256::digest(pin.as_bytes()))
}

/// Finds a lot from `GTIN/BATCH` or a unique `BATCH`.
fn resolve_lot(conn: &rusqlite::Connection, spec: &str) -> Result<Lot, WorkflowError> {
    let spec = spec.trim();
    let (gtin, batch) = match spec.split_once('/') {
        Some((g, b)) => (normalize_gtin(g)?, b.to_string()),
        None => {
            let found = query::lots_by_batch(conn, spec)?;
            match found.as_slice() {
                [] => return Err(WorkflowError::UnknownLot(spec.into())),
                [one] => one.clone(),
                many => {
                    let gtins: Vec<&str> = many.iter().map(|(g, _)| g.as_str()).collect();
                    return Err(WorkflowError::AmbiguousLot(spec.into(), gtins.join(", ")));
                }
            }
        }
    };
    query::lot(conn, &gtin, &batch)?.ok_or_else(|| WorkflowError::UnknownLot(spec.into()))
}

/// Splits a quantity over the lot's locations, largest stock first.
fn take_from_locations(lot: &Lot, mut want: u64) -> Vec<LotQty> {
    let mut stock = lot.stock.clone();
    stock.sort_by_key(|s| std::cmp::Reverse(s.qty));
    let mut out = Vec::new();
    for s in stock {
        if want == 0 {
            break;
        }
        let take = s.qty.min(want);
        want -= take;
        out.push(LotQty {
            gtin: lot.gtin.clone(),
            batch: lot.batch.clone(),
            location: s.location,
            qty: take,
        });
    }
    out
}

/// Batch number `{site}{yymmdd}{station}-{seq:04}`. The sequence is kept per station, product
/// and day in the store's `sequences` table and never repeats; the station id in the number
/// keeps batches unique across stations that number independently while offline.
fn assign_batch(
    conn: &rusqlite::Connection,
    settings: &StationSettings,
    gtin: &str,
    today: NaiveDate,
) -> Result<String, WorkflowError> {
    let day = format!(
        "{:02}{:02}{:02}",
        today.year() % 100,
        today.month(),
        today.day()
    );
    let scope = format!("batch/{}/{gtin}/{day}", settings.station_id);
    let seq = store::next_sequence(conn, &scope)?;
    Ok(format!(
        "{}{day}{}-{seq:04}",
        settings.site, settings.station_id
    ))
}
