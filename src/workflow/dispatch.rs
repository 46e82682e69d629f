//! Dispatch and picking: the rules are the domain's ([`rules::check_dispatch`]); this module
//! feeds them the store's data and records the shipment.

use super::{Needed, Refusal, Station, WorkflowError, check_quantity, gtin_arg, take_from};
use crate::domain::EventKind;
use crate::domain::rules::{self, Candidate, FefoChoice};

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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DispatchOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub customer: String,
    /// Set when another lot should have gone first (FEFO). In JSON, its plain text.
    #[serde(serialize_with = "warning_text")]
    pub warning: Option<FefoChoice>,
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

/// The customer a dispatch names, trimmed; none is refused ([`Needed::Customer`]). The one
/// "customer required" check: the core's dispatch, the headless loop's start and the UI's
/// Dispatch mode all ask it.
pub fn customer(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Refusal::Needs(Needed::Customer));
    }
    Ok(name.to_string())
}

impl Station {
    /// Ships a scanned lot to a customer after the dispatch rules: released, not expired, on
    /// hand; a lot that is not the FEFO choice is a warning, or a refusal in strict mode.
    pub fn dispatch(
        &mut self,
        req: &DispatchRequest,
        today: chrono::NaiveDate,
    ) -> Result<DispatchOutcome, WorkflowError> {
        let customer = customer(&req.customer)?;
        let (msg, target, lot) = self.shippable_lot(&req.scan, req.gs_substitute, false, today)?;
        let on_hand = lot.on_hand();
        let quantity = req
            .quantity
            .or(msg.quantity())
            .unwrap_or(on_hand.max(0) as u64);
        check_quantity(quantity)?;
        let candidates = self.store.pick_candidates(&target.gtin, today)?;
        let this = Candidate {
            batch: lot.batch.clone(),
            expiry: lot.expiry,
            status: lot.status,
            on_hand,
        };
        let warning = rules::check_dispatch(&this, quantity, &candidates, req.strict_fefo, today)
            .map_err(|why| Refusal::MayNotShip {
            lot: target.clone(),
            input: false,
            why,
        })?;
        let from = take_from(&lot.stock, quantity);
        let recorded = self.record(EventKind::LotDispatched {
            gtin: target.gtin.clone(),
            batch: target.batch.clone(),
            quantity,
            customer: customer.clone(),
            shipment: req.shipment.clone(),
            from,
        })?;
        Ok(DispatchOutcome {
            event_id: recorded.id,
            gtin: target.gtin,
            batch: target.batch,
            quantity,
            customer,
            warning,
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
        check_quantity(quantity)?;
        let gtin = gtin_arg(gtin)?;
        if self.store.product(&gtin)?.is_none() {
            return Err(Refusal::UnknownProduct { gtin }.into());
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
}

fn warning_text<S: serde::Serializer>(w: &Option<FefoChoice>, s: S) -> Result<S::Ok, S::Error> {
    match w {
        Some(w) => s.serialize_str(&w.to_string()),
        None => s.serialize_none(),
    }
}
