//! Dispatch and picking: the rules are the domain's ([`rules::check_dispatch`]); this module
//! feeds them the store's data and records the shipment.

use super::{
    Needed, NotVoidable, Refusal, Station, WorkflowError, check_quantity, gtin_arg, parse_scan,
    take_from,
};
use crate::domain::EventKind;
use crate::domain::rules::{self, Candidate, FefoChoice};
use crate::gs1;

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
    /// What the customer pays per unit, in the site currency, when given.
    pub unit_price: Option<crate::domain::money::Money>,
}

/// A dispatched lot, for the worker's feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DispatchOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub customer: String,
    /// The pallet shipped, when the scan named one.
    pub sscc: Option<String>,
    /// Set when another lot should have gone first (FEFO). In JSON, its plain text.
    #[serde(serialize_with = "warning_text")]
    pub warning: Option<FefoChoice>,
}

/// A dispatch undone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VoidOutcome {
    /// The compensating event.
    pub event_id: String,
    /// The dispatch undone.
    pub voided: String,
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub customer: String,
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
        let msg = parse_scan(&req.scan, req.gs_substitute, false)?;
        self.dispatch_label(&msg, req, today)
    }

    /// Ships what a whole label names (`req.scan` is not read). A pallet (SSCC) ships exactly
    /// what was received on it, once; a case ships the label's count or the one given, never
    /// "all on hand" by default ([`Refusal::NoCount`]).
    pub fn dispatch_label(
        &mut self,
        msg: &gs1::Message,
        req: &DispatchRequest,
        today: chrono::NaiveDate,
    ) -> Result<DispatchOutcome, WorkflowError> {
        let customer = customer(&req.customer)?;
        let shipment = super::shipment::reference(req.shipment.as_deref());
        self.check_open(&customer, shipment.as_deref())?;
        let (target, lot, pallet) = self.shippable_lot(msg, false, today)?;
        if let Some(p) = pallet.as_ref().filter(|p| p.shipped.is_some()) {
            return Err(Refusal::PalletShipped(Box::new(p.clone())).into());
        }
        let on_hand = lot.on_hand();
        let quantity = match &pallet {
            Some(p) => p.quantity,
            None => req.quantity.or(msg.quantity()).ok_or(Refusal::NoCount)?,
        };
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
            shipment,
            from,
            sscc: pallet.as_ref().map(|p| p.sscc.clone()),
            unit_price: req.unit_price.clone(),
        })?;
        Ok(DispatchOutcome {
            event_id: recorded.id,
            gtin: target.gtin,
            batch: target.batch,
            quantity,
            customer,
            warning,
            sscc: pallet.map(|p| p.sscc),
        })
    }

    /// Undoes a dispatch scanned by mistake (`event_id`, the dispatch's event): its stock goes
    /// back where it was taken from, its pallet may ship again, and it no longer counts as
    /// shipped (traces, recalls, exports). Recorded as a compensating event with the reason;
    /// the dispatch stays in the log.
    pub fn void_dispatch(
        &mut self,
        event_id: &str,
        reason: &str,
    ) -> Result<VoidOutcome, WorkflowError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::Needs(Needed::VoidReason).into());
        }
        let not = |why| Refusal::NotVoidable {
            event: event_id.to_string(),
            why,
        };
        let event = self
            .store
            .event(event_id.trim())?
            .ok_or_else(|| not(NotVoidable::NoSuchEvent))?;
        let EventKind::LotDispatched {
            gtin,
            batch,
            quantity,
            customer,
            from,
            sscc,
            ..
        } = event.event
        else {
            return Err(not(NotVoidable::NotADispatch).into());
        };
        if !self.store.shipment_stands(&gtin, &batch, event.seq)? {
            return Err(not(NotVoidable::AlreadyVoided).into());
        }
        if self
            .store
            .dispatch_closed_by(&gtin, &batch, event.seq)?
            .is_some()
        {
            return Err(not(NotVoidable::ShipmentClosed).into());
        }
        let recorded = self.record(EventKind::DispatchVoided {
            event: event.id.clone(),
            gtin: gtin.clone(),
            batch: batch.clone(),
            quantity,
            customer: customer.clone(),
            to: from,
            sscc,
            reason: reason.to_string(),
        })?;
        Ok(VoidOutcome {
            event_id: recorded.id,
            voided: event.id,
            gtin,
            batch,
            quantity,
            customer,
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
