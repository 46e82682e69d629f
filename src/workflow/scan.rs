//! What one scan does in each station mode, and the feedback the worker gets for it. The one
//! copy of these rules: the headless scan loop (`lotline scan`) and the station UI both call
//! [`handle`], so the same scan gives the same feedback on either.

use serde_json::json;

use super::{DispatchRequest, ReceiveRequest, Station, WorkflowError};
use crate::scanner::Scan;
use crate::scanner::station::{Feedback, Outcome, ScanHandler};

/// What a scan does, with the context the mode remembers between scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanAction {
    /// Receive the scanned supplier lot into `location` (from `supplier`).
    Receive {
        location: String,
        supplier: Option<String>,
        /// The count typed at the station, used only for a label that carries none.
        count: Option<u64>,
    },
    /// Ship the scanned pallet to `customer`; not the FEFO choice is refused in strict mode.
    Dispatch {
        customer: String,
        shipment: Option<String>,
        strict_fefo: bool,
    },
    /// Consume the scanned input lot into production batch `into` of GTIN `product`.
    Produce { into: String, product: String },
    /// Show the scanned lot; writes nothing.
    Lookup,
}

/// Runs one scan through the workflow for `action` and says how it went. Never panics on bad
/// data: a scan that is not GS1 is [`Outcome::Invalid`], a rule that forbids it is
/// [`Outcome::Refused`] (and nothing is written).
pub fn handle(
    station: &mut Station,
    action: &ScanAction,
    text: &str,
    gs_substitute: Option<char>,
    today: chrono::NaiveDate,
) -> Feedback {
    let result = match action {
        ScanAction::Receive {
            location,
            supplier,
            count,
        } => {
            let mut req = ReceiveRequest {
                scan: text.to_string(),
                quantity: None,
                location: location.clone(),
                supplier: supplier.clone(),
                po: None,
                gs_substitute,
            };
            // The label's own count wins; the typed one fills in only where it has none
            // (refused before anything is written, so asking again is safe).
            match receive(station, &req) {
                Err(WorkflowError::NoQuantity) if count.is_some() => {
                    req.quantity = *count;
                    receive(station, &req)
                }
                Err(WorkflowError::NoQuantity) => Ok(Feedback::new(
                    Outcome::Refused,
                    "the label carries no count (30)/(37): enter the count at the station \
                     (Count if not on label), then scan it again; nothing was received",
                )),
                other => other,
            }
        }
        ScanAction::Dispatch {
            customer,
            shipment,
            strict_fefo,
        } => dispatch(
            station,
            &DispatchRequest {
                scan: text.to_string(),
                customer: customer.clone(),
                shipment: shipment.clone(),
                quantity: None,
                strict_fefo: *strict_fefo,
                gs_substitute,
            },
            today,
        ),
        ScanAction::Produce { into, product } => {
            consume(station, text, product, into, gs_substitute, today)
        }
        ScanAction::Lookup => lookup(station, text, gs_substitute),
    };
    result.unwrap_or_else(error_feedback)
}

/// The feedback for a refused or unreadable scan: not GS1 is [`Outcome::Invalid`], anything
/// else [`Outcome::Refused`] with the error's message (what is wrong and what to do).
pub fn error_feedback(e: WorkflowError) -> Feedback {
    match e {
        WorkflowError::BadScan(e) => {
            Feedback::new(Outcome::Invalid, format!("not valid GS1 data: {e}"))
        }
        e => Feedback::new(Outcome::Refused, e.to_string()),
    }
}

fn receive(station: &mut Station, req: &ReceiveRequest) -> Result<Feedback, WorkflowError> {
    let r = station.receive(req)?;
    Ok(Feedback::new(
        Outcome::Ok,
        format!(
            "received {} x {} batch {} into {}: {}",
            r.quantity,
            r.product,
            r.batch,
            r.location,
            r.status.name()
        ),
    )
    .with_detail(serde_json::to_value(&r).unwrap_or_default()))
}

fn dispatch(
    station: &mut Station,
    req: &DispatchRequest,
    today: chrono::NaiveDate,
) -> Result<Feedback, WorkflowError> {
    let d = station.dispatch(req, today)?;
    let warning = d
        .warning
        .as_ref()
        .map(|w| format!(" WARNING: {w}"))
        .unwrap_or_default();
    Ok(Feedback::new(
        Outcome::Ok,
        format!(
            "shipped {} of lot {} to {}{warning}",
            d.quantity, d.batch, d.customer
        ),
    )
    .with_detail(serde_json::to_value(&d).unwrap_or_default()))
}

fn consume(
    station: &mut Station,
    text: &str,
    product: &str,
    into: &str,
    gs_substitute: Option<char>,
    today: chrono::NaiveDate,
) -> Result<Feedback, WorkflowError> {
    let (gtin, batch, quantity) = station.consume(text, product, into, gs_substitute, today)?;
    Ok(Feedback::new(
        Outcome::Ok,
        format!("consumed {quantity} of lot {batch} into batch {into}"),
    )
    .with_detail(json!({"gtin": gtin, "batch": batch, "quantity": quantity, "into": into})))
}

fn lookup(
    station: &Station,
    text: &str,
    gs_substitute: Option<char>,
) -> Result<Feedback, WorkflowError> {
    Ok(lot_feedback(&station.lookup_scan(text, gs_substitute)?))
}

/// What a lookup says about a lot: status, expiry, stock on hand; the lot as detail.
pub fn lot_feedback(lot: &crate::store::Lot) -> Feedback {
    let expiry = lot
        .expiry
        .map(|d| format!(", expires {d}"))
        .unwrap_or_default();
    Feedback::new(
        Outcome::Ok,
        format!(
            "lot {} / {}: {}{expiry}, {} on hand",
            lot.gtin,
            lot.batch,
            lot.status.name(),
            lot.on_hand()
        ),
    )
    .with_detail(serde_json::to_value(lot).unwrap_or_default())
}

/// A [`ScanHandler`] over a station for the headless scan loop: every scan goes to [`handle`]
/// with today's local date.
pub struct WorkflowHandler {
    pub station: Station,
    pub action: ScanAction,
    pub gs_substitute: Option<char>,
}

impl ScanHandler for WorkflowHandler {
    fn handle(&mut self, scan: &Scan) -> Feedback {
        let today = chrono::Local::now().date_naive();
        handle(
            &mut self.station,
            &self.action,
            &scan.text,
            self.gs_substitute,
            today,
        )
    }
}
