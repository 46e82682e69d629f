//! Station workflows over the store: the one layer the CLI, the headless scan loop and the UI
//! all call. Each operation checks the batch-tracking rules, then records one event; a refusal
//! writes nothing.

pub mod recall;
pub mod report;
pub mod scan;
pub mod seed;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::batch::{BatchFormat, BatchInputs};
use crate::domain::status::{self, Role, StatusRefusal};
use crate::domain::trace::{self, Direction, LotRef, Trace};
use crate::domain::{EventKind, LotStatus, rules};
use crate::gs1::{self, ParseOptions};
use crate::store::{ExpiringLot, Lot, Product, RecordedEvent, Store, StoreError};

/// The station's sync state (see [`Station::sync_state`]).
pub use crate::store::SyncStatus as SyncState;

/// Largest quantity one receipt may carry: beyond it a scan or a typo is far likelier than a
/// real pallet.
pub const MAX_QUANTITY: u64 = 1_000_000;

/// Why an operation was refused. The message says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The scan is not GS1 data the station can use.
    #[error("the scan is not valid GS1 data")]
    BadScan(#[from] gs1::Gs1Error),
    /// The scan lacks an element the operation needs.
    #[error("the scan has no {what}: scan the supplier's GS1 label that carries {ai}")]
    Missing {
        what: &'static str,
        ai: &'static str,
    },
    /// A product the site has not registered.
    #[error("unknown GTIN {0}: register the product first")]
    UnknownProduct(String),
    /// A quantity that cannot be right.
    #[error("quantity {0} is not possible: give a count from 1 to {MAX_QUANTITY}")]
    BadQuantity(u64),
    /// A negative quantity typed by hand.
    #[error("quantity {0} is not possible: give a count from 1 to {MAX_QUANTITY}")]
    NegativeQuantity(i64),
    /// A stock count that cannot be right (0 is a valid count: the shelf is empty).
    #[error("count {0} is not possible: give what is on the shelf, from 0 to {MAX_QUANTITY}")]
    BadCount(i64),
    /// The quantity is neither on the label nor given.
    #[error("the label carries no count (30)/(37): give the quantity")]
    NoQuantity,
    /// A value the operation cannot do without is empty.
    #[error("{0}")]
    Needs(Needed),
    /// A batch-tracking rule forbids it (not released, expired, not on hand, not FEFO in
    /// strict mode).
    #[error("REFUSED: {0}")]
    Refused(String),
    /// The lot may not ship or be used (not released, expired).
    #[error("REFUSED: {batch}: {refusal}")]
    Unshippable {
        batch: String,
        refusal: rules::DispatchRefusal,
    },
    /// An input that breaks a rule, e.g. an empty name.
    #[error("{0}")]
    Invalid(String),
    /// A quality-status change the rules do not allow (no reason, not a supervisor, no such
    /// transition).
    #[error("REFUSED: {0}")]
    Status(StatusRefusal),
    /// The lot named is not in this store.
    #[error("no lot {batch} of GTIN {gtin} in this store: was it received here?")]
    NoSuchLot { gtin: String, batch: String },
    /// No lot of any product has this batch number.
    #[error("no lot {0} in this store")]
    NoSuchBatch(String),
    /// Several products have a lot with this batch number: the GTIN must say which.
    #[error("batch {batch} exists for several products ({})", .gtins.join(", "))]
    AmbiguousBatch { batch: String, gtins: Vec<String> },
    /// A scan names a lot of another product than the GTIN given with it.
    #[error("the scan names GTIN {scanned}, not {given}")]
    GtinMismatch { scanned: String, given: String },
    /// Some of several lots named cannot be resolved; nothing was done.
    #[error("nothing was done; fix these lots and try again:{}", lots_list(.0))]
    Lots(Vec<(String, WorkflowError)>),
    /// A recall operation the rules do not allow (see [`crate::domain::recall`]).
    #[error("REFUSED: {0}")]
    Recall(crate::domain::recall::RecallRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which value an operation needs and was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Needed {
    #[error("a product needs a name")]
    ProductName,
    #[error("a receipt needs a location")]
    ReceiptLocation,
    #[error("a count needs a location")]
    CountLocation,
    #[error("a dispatch needs a customer")]
    Customer,
    #[error("a move needs a destination different from its source")]
    Destination,
}

fn lots_list(problems: &[(String, WorkflowError)]) -> String {
    problems
        .iter()
        .map(|(lot, e)| format!("\n  {lot}: {e}"))
        .collect()
}

// The refusals are the message itself, not a cause under it: no `#[from]` (which would make
// them the error's source, and `{:#}` would print them twice).
impl From<StatusRefusal> for WorkflowError {
    fn from(r: StatusRefusal) -> Self {
        WorkflowError::Status(r)
    }
}

impl From<crate::domain::recall::RecallRefusal> for WorkflowError {
    fn from(r: crate::domain::recall::RecallRefusal) -> Self {
        WorkflowError::Recall(r)
    }
}

/// Who and where: recorded with every event.
#[derive(Debug, Clone)]
pub struct Identity {
    pub station: String,
    pub actor: String,
}

/// A pick suggestion: lots in the strategy's order and what is short.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PickOutcome {
    pub gtin: String,
    pub strategy: rules::Strategy,
    pub quantity: u64,
    pub lines: Vec<rules::PickLine>,
    /// What released, unexpired stock cannot cover (0 when the pick is complete).
    pub short: u64,
}

/// A stock count recorded: what the store held, what was counted, the adjustment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CountOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub location: String,
    pub previous: i64,
    pub counted: u64,
    pub difference: i64,
}

/// A supervisor's quality-status change of one lot.
#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub gtin: String,
    pub batch: String,
    pub to: LotStatus,
    pub role: Role,
    pub reason: String,
}

/// A lot's status after a change, for the supervisor's feedback.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub from: LotStatus,
    pub to: LotStatus,
    pub reason: String,
}

/// What a receiving scan brings besides the label.
#[derive(Debug, Clone, Default)]
pub struct ReceiveRequest {
    pub scan: String,
    pub quantity: Option<u64>,
    pub location: String,
    pub supplier: Option<String>,
    pub po: Option<String>,
    pub gs_substitute: Option<char>,
}

/// A received lot, for the worker's feedback.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceiveOutcome {
    pub event_id: String,
    pub gtin: String,
    pub product: String,
    pub batch: String,
    pub expiry: Option<chrono::NaiveDate>,
    pub quantity: u64,
    pub location: String,
    pub status: LotStatus,
    pub sscc: Option<String>,
}

/// The site's production settings (`[site]` in the station config).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Facility code for `{FAC}` in the batch format.
    pub facility: String,
    /// Batch-number format (see `src/batch`); `{PROD}` is the GTIN's item digits.
    pub batch_format: String,
    /// Where produced batches are put.
    pub production_location: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            facility: String::new(),
            batch_format: "{YY}{JJJ}{SEQ:4}".into(),
            production_location: "PRODUCTION".into(),
        }
    }
}

/// A production batch to record.
#[derive(Debug, Clone, Default)]
pub struct ProduceRequest {
    pub product: String,
    pub quantity: u64,
    pub expiry: Option<chrono::NaiveDate>,
    /// Scans of input lots used up (label count, else all on hand).
    pub consume: Vec<String>,
    pub gs_substitute: Option<char>,
}

/// A production batch recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProduceOutcome {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub location: String,
    pub status: LotStatus,
    pub inputs: Vec<ConsumedInput>,
}

/// An input lot used up by a production batch, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsumedInput {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
}

/// A pallet or case scanned onto a shipment.
#[derive(Debug, Clone, Default)]
pub struct DispatchRequest {
    pub scan: String,
    pub customer: String,
    pub shipment: Option<String>,
    /// Quantity, when the label carries no count; otherwise the label's count.
    pub quantity: Option<u64>,
    /// Refuse (rather than warn) when the lot is not the FEFO choice.
    pub strict_fefo: bool,
    pub gs_substitute: Option<char>,
}

/// A dispatched lot, for the worker's feedback.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DispatchOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub customer: String,
    /// Set when another lot should have gone first (FEFO).
    pub warning: Option<String>,
}

pub struct Station {
    store: Store,
    who: Identity,
}

impl Station {
    pub fn open(db: &Path, who: Identity) -> Result<Station, WorkflowError> {
        Ok(Station {
            store: Store::open(db)?,
            who,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Registers (or renames) a product and the status its received lots start in.
    pub fn register_product(
        &mut self,
        gtin: &str,
        name: &str,
        receive_as: LotStatus,
    ) -> Result<RecordedEvent, WorkflowError> {
        let gtin = gtin_arg(gtin)?;
        if name.trim().is_empty() {
            return Err(WorkflowError::Needs(Needed::ProductName));
        }
        Ok(self.record(EventKind::ProductRegistered {
            gtin,
            name: name.trim().to_string(),
            receive_as,
        })?)
    }

    /// Receives a supplier lot from one GS1 scan (GTIN, batch, expiry, count and SSCC from the
    /// label). Durable when it returns.
    pub fn receive(&mut self, req: &ReceiveRequest) -> Result<ReceiveOutcome, WorkflowError> {
        let (msg, gtin, batch) = scanned_lot(&req.scan, req.gs_substitute, false)?;
        let quantity = req
            .quantity
            .or(msg.quantity())
            .ok_or(WorkflowError::NoQuantity)?;
        if quantity == 0 || quantity > MAX_QUANTITY {
            return Err(WorkflowError::BadQuantity(quantity));
        }
        let location = req.location.trim();
        if location.is_empty() {
            return Err(WorkflowError::Needs(Needed::ReceiptLocation));
        }
        let product = self
            .store
            .product(&gtin)?
            .ok_or_else(|| WorkflowError::UnknownProduct(gtin.clone()))?;
        let event = EventKind::LotReceived {
            gtin: gtin.clone(),
            batch: batch.clone(),
            expiry: msg.expiry(),
            quantity,
            location: location.to_string(),
            status: product.receive_as,
            supplier: req.supplier.clone(),
            sscc: msg.sscc().map(str::to_string),
            po: req.po.clone(),
        };
        let recorded = self.record(event)?;
        Ok(ReceiveOutcome {
            event_id: recorded.id,
            gtin,
            product: product.name,
            batch,
            expiry: msg.expiry(),
            quantity,
            location: location.to_string(),
            status: product.receive_as,
            sscc: msg.sscc().map(str::to_string),
        })
    }

    /// Ships a scanned lot to a customer after the dispatch rules: released, not expired, on
    /// hand; a lot that is not the FEFO choice is a warning, or a refusal in strict mode.
    pub fn dispatch(
        &mut self,
        req: &DispatchRequest,
        today: chrono::NaiveDate,
    ) -> Result<DispatchOutcome, WorkflowError> {
        if req.customer.trim().is_empty() {
            return Err(WorkflowError::Needs(Needed::Customer));
        }
        let (msg, gtin, batch) = scanned_lot(&req.scan, req.gs_substitute, false)?;
        let lot = self.store.lot(&gtin, &batch)?.ok_or_else(|| {
            WorkflowError::Refused(format!(
                "lot {batch} of GTIN {gtin} was never received here"
            ))
        })?;
        rules::check_dispatch(lot.status, lot.expiry, today).map_err(|refusal| {
            WorkflowError::Unshippable {
                batch: batch.clone(),
                refusal,
            }
        })?;
        let on_hand = lot.on_hand();
        let quantity = match req.quantity.or(msg.quantity()) {
            Some(q) => q,
            None if on_hand > 0 => on_hand as u64,
            None => 0,
        };
        if quantity == 0 || quantity > MAX_QUANTITY {
            return Err(WorkflowError::BadQuantity(quantity));
        }
        if quantity as i64 > on_hand {
            return Err(WorkflowError::Refused(format!(
                "{batch}: only {on_hand} on hand, {quantity} asked"
            )));
        }
        let candidates = self.store.pick_candidates(&gtin, today)?;
        let warning = rules::fefo_first(&candidates, today)
            .filter(|first| first.batch != batch)
            .map(|first| {
                let when = first
                    .expiry
                    .map(|e| format!(" (expires {e})"))
                    .unwrap_or_default();
                format!(
                    "not the FEFO choice: lot {}{when} should go first",
                    first.batch
                )
            });
        if let (Some(w), true) = (&warning, req.strict_fefo) {
            return Err(WorkflowError::Refused(format!("{batch}: {w}")));
        }
        let from = take_from(&lot.stock, quantity);
        let recorded = self.record(EventKind::LotDispatched {
            gtin: gtin.clone(),
            batch: batch.clone(),
            quantity,
            customer: req.customer.trim().to_string(),
            shipment: req.shipment.clone(),
            from,
        })?;
        Ok(DispatchOutcome {
            event_id: recorded.id,
            gtin,
            batch,
            quantity,
            customer: req.customer.trim().to_string(),
            warning,
        })
    }

    /// Records a production batch: its number from the site format and a sequence that never
    /// repeats in this store, and every input lot consumed into it, in one transaction.
    pub fn produce(
        &mut self,
        site: &SiteConfig,
        req: &ProduceRequest,
        today: chrono::NaiveDate,
    ) -> Result<ProduceOutcome, WorkflowError> {
        let gtin = gtin_arg(&req.product)?;
        let product = self
            .store
            .product(&gtin)?
            .ok_or_else(|| WorkflowError::UnknownProduct(gtin.clone()))?;
        if req.quantity == 0 || req.quantity > MAX_QUANTITY {
            return Err(WorkflowError::BadQuantity(req.quantity));
        }
        let format = BatchFormat::parse(&site.batch_format)
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
        let item = &gtin[8..13];
        let key = format.sequence_key(today, item);
        let sequence = self.store.last_sequence(&key)? + 1;
        let batch = format
            .render(&BatchInputs {
                date: today,
                facility: &site.facility,
                product: item,
                sequence,
            })
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
        if self.store.lot(&gtin, &batch)?.is_some() {
            return Err(WorkflowError::Refused(format!(
                "batch {batch} already exists for {gtin}: the batch format must name this station or facility"
            )));
        }
        let mut events = vec![EventKind::BatchProduced {
            gtin: gtin.clone(),
            batch: batch.clone(),
            quantity: req.quantity,
            location: site.production_location.clone(),
            expiry: req.expiry,
            status: product.receive_as,
            sequence_key: key,
            sequence,
        }];
        let mut inputs = Vec::new();
        for scan in &req.consume {
            let (event, input) = self.consumption(scan, &gtin, &batch, req.gs_substitute, today)?;
            events.push(event);
            inputs.push(input);
        }
        self.store
            .append_all(&self.who.station, &self.who.actor, events)?;
        Ok(ProduceOutcome {
            gtin,
            batch,
            quantity: req.quantity,
            location: site.production_location.clone(),
            status: product.receive_as,
            inputs,
        })
    }

    /// Consumes one scanned input lot into an existing production batch.
    pub fn consume(
        &mut self,
        scan: &str,
        into_gtin: &str,
        into_batch: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> Result<(String, String, u64), WorkflowError> {
        let into_gtin = gtin_arg(into_gtin)?;
        if self.store.lot(&into_gtin, into_batch)?.is_none() {
            return Err(WorkflowError::Invalid(format!(
                "no production batch {into_batch} of GTIN {into_gtin}: record it with lotline produce"
            )));
        }
        let (event, input) =
            self.consumption(scan, &into_gtin, into_batch, gs_substitute, today)?;
        self.record(event)?;
        Ok((input.gtin, input.batch, input.quantity))
    }

    /// Checks an input lot (released, not expired, on hand) and makes its consumption event.
    fn consumption(
        &self,
        scan: &str,
        into_gtin: &str,
        into_batch: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> Result<(EventKind, ConsumedInput), WorkflowError> {
        let (msg, gtin, batch) = scanned_lot(scan, gs_substitute, false)?;
        let lot = self.store.lot(&gtin, &batch)?.ok_or_else(|| {
            WorkflowError::Refused(format!(
                "input lot {batch} of GTIN {gtin} was never received here"
            ))
        })?;
        rules::check_dispatch(lot.status, lot.expiry, today).map_err(|refusal| {
            WorkflowError::Unshippable {
                batch: format!("input {batch}"),
                refusal,
            }
        })?;
        let on_hand = lot.on_hand();
        let quantity = msg.quantity().unwrap_or(on_hand.max(0) as u64);
        if quantity == 0 || quantity as i64 > on_hand {
            return Err(WorkflowError::Refused(format!(
                "input {batch}: only {on_hand} on hand, {quantity} asked"
            )));
        }
        let event = EventKind::LotConsumed {
            gtin: gtin.clone(),
            batch: batch.clone(),
            quantity,
            into_gtin: into_gtin.to_string(),
            into_batch: into_batch.to_string(),
            from: take_from(&lot.stock, quantity),
        };
        Ok((
            event,
            ConsumedInput {
                gtin,
                batch,
                quantity,
            },
        ))
    }

    /// Holds, releases, rejects or recalls a lot: a supervisor, a reason and a transition of
    /// the status machine ([`status::check_status_change`]); a refusal writes nothing.
    pub fn set_status(&mut self, req: &StatusRequest) -> Result<StatusOutcome, WorkflowError> {
        let lot = self.existing_lot(&req.gtin, &req.batch)?;
        status::check_status_change(lot.status, req.to, req.role, &req.reason)?;
        let reason = req.reason.trim().to_string();
        let recorded = self.record(EventKind::LotStatusChanged {
            gtin: lot.gtin.clone(),
            batch: req.batch.clone(),
            from: lot.status,
            to: req.to,
            role: req.role,
            reason: reason.clone(),
        })?;
        Ok(StatusOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            batch: req.batch.clone(),
            from: lot.status,
            to: req.to,
            reason,
        })
    }

    /// Moves `quantity` of a lot from one location to another; refused when the source
    /// location does not hold that much.
    pub fn move_stock(
        &mut self,
        gtin: &str,
        batch: &str,
        from: &str,
        to: &str,
        quantity: u64,
    ) -> Result<RecordedEvent, WorkflowError> {
        if quantity == 0 || quantity > MAX_QUANTITY {
            return Err(WorkflowError::BadQuantity(quantity));
        }
        let (from, to) = (from.trim(), to.trim());
        if to.is_empty() || from == to {
            return Err(WorkflowError::Needs(Needed::Destination));
        }
        let lot = self.existing_lot(gtin, batch)?;
        let here = lot.at(from);
        if quantity as i64 > here {
            return Err(WorkflowError::Refused(format!(
                "{batch}: only {here} at {from}, {quantity} asked"
            )));
        }
        Ok(self.record(EventKind::LotMoved {
            gtin: lot.gtin,
            batch: batch.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            quantity,
        })?)
    }

    /// Records a stock count of a lot at a location: stock there becomes `counted` (0 is a
    /// valid count) and the event keeps the difference against what the store held. Refused
    /// for a lot this store does not know.
    pub fn count(
        &mut self,
        gtin: &str,
        batch: &str,
        location: &str,
        counted: u64,
    ) -> Result<CountOutcome, WorkflowError> {
        if counted > MAX_QUANTITY {
            return Err(WorkflowError::BadCount(counted as i64));
        }
        let location = location.trim();
        if location.is_empty() {
            return Err(WorkflowError::Needs(Needed::CountLocation));
        }
        let lot = self.existing_lot(gtin, batch)?;
        let held = lot.at(location);
        let difference = counted as i64 - held;
        let recorded = self.record(EventKind::LotCounted {
            gtin: lot.gtin.clone(),
            batch: batch.to_string(),
            location: location.to_string(),
            counted,
            difference,
        })?;
        Ok(CountOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            batch: batch.to_string(),
            location: location.to_string(),
            previous: held,
            counted,
            difference,
        })
    }

    /// Which lots of a product to pick `quantity` from, in the strategy's order; only
    /// released, unexpired stock is suggested.
    pub fn pick(
        &self,
        gtin: &str,
        quantity: u64,
        strategy: rules::Strategy,
        today: chrono::NaiveDate,
    ) -> Result<PickOutcome, WorkflowError> {
        if quantity == 0 || quantity > MAX_QUANTITY {
            return Err(WorkflowError::BadQuantity(quantity));
        }
        let gtin = gtin_arg(gtin)?;
        if self.store.product(&gtin)?.is_none() {
            return Err(WorkflowError::UnknownProduct(gtin));
        }
        let (lines, short) = rules::suggest_pick(
            &self.store.pick_candidates(&gtin, today)?,
            quantity,
            strategy,
            today,
        );
        Ok(PickOutcome {
            gtin,
            strategy,
            quantity,
            lines,
            short,
        })
    }

    /// Lots with stock that expire within `days` from `today` (already expired ones too).
    pub fn expiring(
        &self,
        today: chrono::NaiveDate,
        days: u32,
    ) -> Result<Vec<ExpiringLot>, WorkflowError> {
        let until = today + chrono::Days::new(days.into());
        Ok(self.store.expiring(until)?)
    }

    pub fn product(&self, gtin: &str) -> Result<Option<Product>, WorkflowError> {
        Ok(self.store.product(&gs1::normalize_gtin(gtin)?)?)
    }

    /// A lot by GTIN and batch, or from a scan of its label.
    pub fn lookup(&self, gtin: &str, batch: &str) -> Result<Option<Lot>, WorkflowError> {
        Ok(self.store.lot(&gs1::normalize_gtin(gtin)?, batch)?)
    }

    /// The lot a scan names (GTIN and batch from its GS1 data).
    pub fn lookup_scan(
        &self,
        scan: &str,
        gs_substitute: Option<char>,
    ) -> Result<Lot, WorkflowError> {
        let (_, gtin, batch) = scanned_lot(scan, gs_substitute, true)?;
        self.existing_lot(&gtin, &batch)
    }

    /// Label placeholders for a lot in the store: `gtin`, `batch`, `product`, `expiry` (GS1
    /// YYMMDD), `expiry_date`, `count` (on hand). `gtin` picks among products sharing a batch.
    pub fn label_data(
        &self,
        batch: &str,
        gtin: Option<&str>,
    ) -> Result<BTreeMap<String, String>, WorkflowError> {
        let gtin = self.gtin_of_batch(batch, gtin)?;
        let lot = self.existing_lot(&gtin, batch)?;
        let product = self.store.product(&gtin)?;
        let mut data = BTreeMap::new();
        data.insert("gtin".to_string(), gtin);
        data.insert("batch".to_string(), lot.batch.clone());
        if let Some(p) = product {
            data.insert("product".to_string(), p.name);
        }
        if let Some(e) = lot.expiry {
            data.insert("expiry".to_string(), e.format("%y%m%d").to_string());
            data.insert("expiry_date".to_string(), e.to_string());
        }
        data.insert("count".to_string(), lot.on_hand().to_string());
        Ok(data)
    }

    /// The GTIN of a lot named by its batch number: `gtin` when given, else the one product
    /// that has a lot with this batch (several ask for `--gtin`).
    fn gtin_of_batch(&self, batch: &str, gtin: Option<&str>) -> Result<String, WorkflowError> {
        if let Some(g) = gtin {
            return gtin_arg(g);
        }
        let found = self.store.gtins_with_batch(batch)?;
        match found.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(WorkflowError::NoSuchBatch(batch.to_string())),
            many => Err(WorkflowError::AmbiguousBatch {
                batch: batch.to_string(),
                gtins: many.to_vec(),
            }),
        }
    }

    /// Forward and/or backward trace of a lot (see [`trace::trace`]): where it went (lots it
    /// was consumed into, shipments with customer, quantity and date) and where it came from
    /// (input lots, receipts with supplier). `lot` is a GS1 scan of the lot's label (GTIN and
    /// batch from it), or a batch number with `gtin` to choose among products sharing it.
    /// The one trace the CLI, the UI, the recall report and the server call.
    pub fn trace(
        &self,
        lot: &str,
        gtin: Option<&str>,
        direction: Direction,
        gs_substitute: Option<char>,
    ) -> Result<Trace, WorkflowError> {
        let target = self.resolve_lot(lot, gtin, gs_substitute)?;
        self.trace_lot(&target, direction)
    }

    /// The traces of several resolved lots, one each, in order.
    pub fn trace_lots(
        &self,
        lots: &[LotRef],
        direction: Direction,
    ) -> Result<Vec<Trace>, WorkflowError> {
        lots.iter().map(|l| self.trace_lot(l, direction)).collect()
    }

    /// The trace of a lot already resolved (see [`Station::resolve_lot`]).
    pub fn trace_lot(&self, lot: &LotRef, direction: Direction) -> Result<Trace, WorkflowError> {
        let facts = self.store.trace_facts(lot, direction)?;
        Ok(trace::trace(lot, direction, &facts, trace::MAX_TRACE_DEPTH))
    }

    /// Resolves every lot named; refused naming all that are unknown, so one try shows every
    /// mistake.
    pub fn resolve_lots(
        &self,
        lots: &[String],
        gtin: Option<&str>,
        gs_substitute: Option<char>,
    ) -> Result<Vec<LotRef>, WorkflowError> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for l in lots {
            match self.resolve_lot(l, gtin, gs_substitute) {
                Ok(r) if !found.contains(&r) => found.push(r),
                Ok(_) => {}
                Err(WorkflowError::Store(e)) => return Err(WorkflowError::Store(e)),
                Err(e) => problems.push((l.clone(), e)),
            }
        }
        if !problems.is_empty() {
            return Err(WorkflowError::Lots(problems));
        }
        Ok(found)
    }

    /// The lot a user names: a GS1 scan of its label (GTIN and batch from it, in any form
    /// [`gs1::parse`] reads), or a batch number, with `gtin` to choose among products sharing
    /// it (with a scan, `gtin` must agree with it). Refused when this store does not know the
    /// lot. The one resolver of every command that names a lot.
    pub fn resolve_lot(
        &self,
        lot: &str,
        gtin: Option<&str>,
        gs_substitute: Option<char>,
    ) -> Result<LotRef, WorkflowError> {
        let lot = lot.trim();
        let target = match scanned_lot(lot, gs_substitute, true).ok() {
            Some((_, scanned, batch)) => {
                if let Some(given) = gtin.map(gtin_arg).transpose()?
                    && given != scanned
                {
                    return Err(WorkflowError::GtinMismatch { scanned, given });
                }
                LotRef::new(scanned, batch)
            }
            None => LotRef::new(self.gtin_of_batch(lot, gtin)?, lot),
        };
        self.existing_lot(&target.gtin, &target.batch)?;
        Ok(target)
    }

    /// The station's sync state for the UI: backlog (events not yet acknowledged by the
    /// server), last success, last error, the server last synced with. Two small queries.
    pub fn sync_state(&self) -> Result<SyncState, WorkflowError> {
        Ok(self.store.sync_status()?)
    }

    /// The lot a command names by GTIN and batch; refused (`NoSuchLot`) when this store does
    /// not know it.
    pub fn existing_lot(&self, gtin: &str, batch: &str) -> Result<Lot, WorkflowError> {
        let gtin = gtin_arg(gtin)?;
        self.store
            .lot(&gtin, batch)?
            .ok_or_else(|| WorkflowError::NoSuchLot {
                gtin,
                batch: batch.to_string(),
            })
    }

    fn record(&mut self, event: EventKind) -> Result<RecordedEvent, StoreError> {
        self.store.append(&self.who.station, &self.who.actor, event)
    }
}

/// A quantity typed by hand. The command line takes signed numbers so that a negative one is
/// refused with the reason (exit 1), like any other impossible quantity, rather than taken for
/// an unknown option.
pub fn typed_quantity(quantity: i64) -> Result<u64, WorkflowError> {
    u64::try_from(quantity).map_err(|_| WorkflowError::NegativeQuantity(quantity))
}

/// A stock count typed by hand: like [`typed_quantity`], but 0 is a count and the refusal
/// says so.
pub fn typed_count(counted: i64) -> Result<u64, WorkflowError> {
    u64::try_from(counted).map_err(|_| WorkflowError::BadCount(counted))
}

/// A GTIN given by hand (8, 12, 13 or 14 digits) as the store keys it: 14 digits, check digit
/// verified; a wrong one is refused with the reason.
fn gtin_arg(gtin: &str) -> Result<String, WorkflowError> {
    gs1::normalize_gtin(gtin).map_err(|e| WorkflowError::Invalid(e.to_string()))
}

/// Parses a scan and takes the lot it names: the message, its GTIN and its batch. A label that
/// lacks either is refused. `skip_requisites` for lookups of partial labels.
fn scanned_lot(
    scan: &str,
    gs_substitute: Option<char>,
    skip_requisites: bool,
) -> Result<(gs1::Message, String, String), WorkflowError> {
    let opts = ParseOptions {
        gs_substitute,
        skip_requisites,
    };
    let msg = gs1::parse(scan, &opts)?;
    let gtin = msg
        .gtin()
        .ok_or(WorkflowError::Missing {
            what: "GTIN",
            ai: "(01) or (02)",
        })?
        .to_string();
    let batch = msg
        .batch()
        .ok_or(WorkflowError::Missing {
            what: "batch/lot",
            ai: "(10)",
        })?
        .to_string();
    Ok((msg, gtin, batch))
}

/// Which locations stock is taken from: in the lot's location order until `quantity` is met.
fn take_from(stock: &[(String, i64)], quantity: u64) -> Vec<(String, u64)> {
    let mut left = quantity as i64;
    let mut from = Vec::new();
    for (location, qty) in stock {
        let take = left.min(*qty);
        if take > 0 {
            from.push((location.clone(), take as u64));
            left -= take;
        }
    }
    from
}

/// The store file: `--db`/`LOTLINE_DB`, else `lotline.db` in the user's data directory.
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "lotline")
        .map(|d| d.data_dir().join("lotline.db"))
        .unwrap_or_else(|| PathBuf::from("lotline.db"))
}

/// Who is at this station: `LOTLINE_STATION` / `LOTLINE_ACTOR`, else the host and user names.
pub fn identity_from_env() -> Identity {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Identity {
        station: env("LOTLINE_STATION")
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
            })
            .unwrap_or_else(|| "station".into()),
        actor: env("LOTLINE_ACTOR")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "operator".into()),
    }
}
