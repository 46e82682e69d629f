//! Why the station core says no, as data. A front end words it (the UI its banner, the CLI
//! its message); the `Display` texts here are the plain default the CLI prints.

use crate::domain::recall::RecallRefusal;
use crate::domain::rules::DispatchRefusal;
use crate::domain::status::StatusRefusal;
use crate::domain::trace::LotRef;
use crate::gs1;
use crate::store::Pallet;
use crate::store::StoreError;

use super::MAX_QUANTITY;

/// Why an operation failed: a scan that is not GS1, a refusal (a rule or the data says no;
/// nothing was written), or the store failing.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The scan is not GS1 data the station can use.
    #[error("the scan is not valid GS1 data")]
    BadScan(#[from] gs1::Gs1Error),
    /// The station refuses; nothing was written.
    #[error(transparent)]
    Refused(Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WorkflowError {
    /// The refusal, when this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            WorkflowError::Refused(r) => Some(r),
            _ => None,
        }
    }
}

/// Why the station refuses an operation, with the data a front end needs to say so. The
/// variant is the reason: a presenter matches on it, never on the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The scan lacks an element the operation needs.
    #[error("the scan has no {}: scan the supplier's GS1 label that carries {}", .0.what(), .0.ai())]
    Missing(Element),
    /// A product the site has not registered.
    #[error("unknown GTIN {gtin}: register the product first")]
    UnknownProduct { gtin: String },
    /// A quantity that cannot be right (0, or beyond [`MAX_QUANTITY`]).
    #[error("quantity {0} is not possible: give a count from 1 to {MAX_QUANTITY}")]
    BadQuantity(u64),
    /// A negative quantity typed by hand.
    #[error("quantity {0} is not possible: give a count from 1 to {MAX_QUANTITY}")]
    NegativeQuantity(i64),
    /// A stock count that cannot be right (0 is a valid count: the shelf is empty).
    #[error("count {0} is not possible: give what is on the shelf, from 0 to {MAX_QUANTITY}")]
    BadCount(i64),
    /// The label carries no count (30)/(37) and none was given.
    #[error("the label carries no count (30)/(37): give the quantity")]
    NoCount,
    /// Something the operation needs was not given (a customer, a location, …).
    #[error("{}", .0.text())]
    Needs(Needed),
    /// A dispatch rule forbids the lot to ship (or, `input`, to go into production): not
    /// released (quarantined, on hold, rejected, recalled), expired, not enough on hand, not
    /// the FEFO choice in strict mode.
    #[error("REFUSED: {}{}: {why}", if *.input { "input " } else { "" }, .lot.batch)]
    MayNotShip {
        lot: LotRef,
        input: bool,
        why: DispatchRefusal,
    },
    /// A move asks for more than the source location holds.
    #[error("REFUSED: {}: {why}", .lot.batch)]
    NotThere { lot: LotRef, why: DispatchRefusal },
    /// The lot scanned (`input`: as a production input) was never received here.
    #[error("REFUSED: {}lot {} of GTIN {} was never received here", if *.input { "input " } else { "" }, .lot.batch, .lot.gtin)]
    NeverReceived { lot: LotRef, input: bool },
    /// The lot named is not in this store.
    #[error("no lot {} of GTIN {} in this store: was it received here?", .0.batch, .0.gtin)]
    NoSuchLot(LotRef),
    /// No lot of any product has this batch number here.
    #[error("no lot {0} in this store")]
    NoSuchBatch(String),
    /// A scan names a lot of another product than the GTIN given with it.
    #[error("the scan names GTIN {scanned}, not {given}")]
    GtinMismatch { scanned: String, given: String },
    /// Several products have a lot with this batch number.
    #[error("batch {batch} exists for several products ({})", .gtins.join(", "))]
    AmbiguousBatch { batch: String, gtins: Vec<String> },
    /// A lot whose label says it expired before today arrived: it is not received (stock that
    /// may not ship is not put away as if it could).
    #[error("REFUSED: lot {} expired on {expiry}: not received", .lot.batch)]
    ExpiredOnArrival {
        lot: LotRef,
        expiry: chrono::NaiveDate,
    },
    /// A pallet (SSCC) already received here: a second receipt would count its stock twice.
    #[error("pallet {} already received {} at {} (lot {}, {} units): nothing recorded", .0.sscc, utc_minute(&.0.received_at), .0.received_by, .0.batch, .0.quantity)]
    PalletAlreadyReceived(Box<Pallet>),
    /// A pallet (SSCC) this store has no receipt of.
    #[error("pallet {sscc} was never received here: check the label, or scan its lot barcode")]
    UnknownPallet { sscc: String },
    /// A pallet that already shipped: it ships once.
    #[error("REFUSED: pallet {} already shipped {} to {}", .0.sscc, .0.shipped.as_ref().map_or(String::new(), |s| utc_minute(&s.0)), .0.shipped.as_ref().map_or("", |s| s.1.as_str()))]
    PalletShipped(Box<Pallet>),
    /// A label whose GTIN or batch disagrees with its pallet's receipt.
    #[error("REFUSED: the label does not match pallet {}: it was received as lot {} of GTIN {}", .0.sscc, .0.batch, .0.gtin)]
    PalletMismatch(Box<Pallet>),
    /// A shipment closed already: it takes no more dispatches.
    #[error("REFUSED: shipment {} of {} was closed {} at {}: start a new shipment reference", .0.shipment.as_deref().unwrap_or("-"), .0.customer, utc_minute(&.0.at), .0.station)]
    ShipmentClosed(Box<super::ClosedShipment>),
    /// A shipment that cannot be closed (nothing in it, no company prefix for a new pallet).
    #[error("cannot close the shipment: {0}")]
    Close(crate::domain::shipment::CloseRefusal),
    /// An undo the record does not allow.
    #[error("cannot undo event {event}: {why}")]
    NotVoidable { event: String, why: NotVoidable },
    /// Inputs go into a production batch that does not exist.
    #[error("no production batch {} of GTIN {}: start the batch first", .0.batch, .0.gtin)]
    NoProductionBatch(LotRef),
    /// The site's batch format gave a number that already exists.
    #[error("REFUSED: batch {} already exists for {}: the batch format must name this station or facility", .0.batch, .0.gtin)]
    BatchExists(LotRef),
    /// A quality-status change the rules do not allow (no reason, not a supervisor, no such
    /// transition).
    #[error("REFUSED: {0}")]
    Status(StatusRefusal),
    /// A recall operation the rules do not allow (see [`crate::domain::recall`]).
    #[error("REFUSED: {0}")]
    Recall(RecallRefusal),
    /// Several lots named, some not known: each with its reason, so one try shows every
    /// mistake.
    #[error("nothing was done; fix these lots and try again:\n  {}", .0.iter().map(|(l, r)| format!("{l}: {r}")).collect::<Vec<_>>().join("\n  "))]
    Lots(Vec<(String, Refusal)>),
    /// An input that breaks a rule of its own (a GTIN's check digit, a batch format).
    #[error("{0}")]
    Invalid(String),
}

/// An event time (RFC 3339) to the minute, for a message: "2026-12-07 10:42 UTC".
fn utc_minute(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_string(),
        |t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// Why an event cannot be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotVoidable {
    #[error("no such event in this store")]
    NoSuchEvent,
    #[error("only a dispatch can be undone")]
    NotADispatch,
    #[error("it was undone already")]
    AlreadyVoided,
    #[error("its shipment was closed: the goods have left")]
    ShipmentClosed,
}

/// A GS1 element a scan must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// (01) or (02).
    Gtin,
    /// (10).
    Batch,
}

impl Element {
    fn what(self) -> &'static str {
        match self {
            Element::Gtin => "GTIN",
            Element::Batch => "batch/lot",
        }
    }

    fn ai(self) -> &'static str {
        match self {
            Element::Gtin => "(01) or (02)",
            Element::Batch => "(10)",
        }
    }
}

/// What an operation needs that was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// A dispatch: who the goods ship to.
    Customer,
    /// A receipt: where the stock goes.
    ReceiptLocation,
    /// A count: where the stock was counted.
    CountLocation,
    /// A product: its name.
    ProductName,
    /// A move: a destination other than the source.
    Destination,
    /// Inputs scanned in production: a batch started to consume them into.
    ProductionBatch,
    /// An undo: why.
    VoidReason,
    /// A cost correction: why (the invoice, the booking).
    CorrectionReason,
}

impl Needed {
    fn text(self) -> &'static str {
        match self {
            Needed::Customer => "a dispatch needs a customer",
            Needed::ReceiptLocation => "a receipt needs a location",
            Needed::CountLocation => "a count needs a location",
            Needed::ProductName => "a product needs a name",
            Needed::Destination => "a move needs a destination different from its source",
            Needed::ProductionBatch => "scan inputs into a production batch: start one first",
            Needed::VoidReason => "an undo needs a reason",
            Needed::CorrectionReason => "a cost correction needs a reason",
        }
    }
}

impl From<Refusal> for WorkflowError {
    fn from(r: Refusal) -> Self {
        WorkflowError::Refused(r)
    }
}

// The domain's refusals are the message itself, not a cause under it: no `#[from]` (which
// would make them the error's source, and `{:#}` would print them twice).
impl From<StatusRefusal> for WorkflowError {
    fn from(r: StatusRefusal) -> Self {
        Refusal::Status(r).into()
    }
}

impl From<RecallRefusal> for WorkflowError {
    fn from(r: RecallRefusal) -> Self {
        Refusal::Recall(r).into()
    }
}
