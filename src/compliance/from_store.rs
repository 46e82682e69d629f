//! Adapts the store's recorded events into CTE records (pure: the caller reads the store).
//!
//! Receipts and dispatches map one event to one CTE. A transformation is a produced batch
//! (its output) plus the consumption events that name it (its inputs), so [`ctes`] reads the
//! whole log.

use chrono::{DateTime, Utc};

use super::{Cte, CteKind, LotQuantity, Party, Reference};
use crate::domain::event::EventKind;
use crate::store::RecordedEvent;

/// The CTE for one recorded event, or `None` for events that are not CTEs (product master
/// data) or whose timestamp does not parse. `site_gln` names where the events happened;
/// `describe` gives a product's name from its GTIN.
pub fn cte(ev: &RecordedEvent, site_gln: &str, describe: impl Fn(&str) -> String) -> Option<Cte> {
    let time: DateTime<Utc> = DateTime::parse_from_rfc3339(&ev.at)
        .ok()?
        .with_timezone(&Utc);
    let line = |gtin: &str, batch: &str, quantity: u64, expiry| LotQuantity {
        gtin: gtin.to_string(),
        lot: batch.to_string(),
        description: describe(gtin),
        quantity: quantity as f64,
        unit: "EA".into(),
        expiry,
    };
    match &ev.event {
        // Inputs of a transformation: attached to their batch's CTE by `ctes`. Master data,
        // moves within the site, stock counts, status changes and recall bookkeeping are not
        // critical tracking events.
        EventKind::ProductRegistered { .. }
        | EventKind::LotConsumed { .. }
        | EventKind::DispatchVoided { .. }
        | EventKind::ShipmentClosed { .. }
        | EventKind::LotMoved { .. }
        | EventKind::LotCounted { .. }
        | EventKind::LotStatusChanged { .. }
        | EventKind::RecallStarted { .. }
        | EventKind::RecallAccounted { .. }
        | EventKind::RecallClosed { .. }
        | EventKind::PersonEnrolled { .. }
        | EventKind::PersonCredentialChanged { .. }
        | EventKind::PersonRemoved { .. }
        | EventKind::CostCorrected { .. } => None,
        EventKind::BatchProduced {
            gtin,
            batch,
            quantity,
            expiry,
            ..
        } => Some(Cte {
            id: ev.id.clone(),
            kind: CteKind::Transformation,
            time,
            location_gln: site_gln.to_string(),
            inputs: vec![],
            outputs: vec![line(gtin, batch, *quantity, *expiry)],
            source: None,
            destination: None,
            reference: Some(Reference::new("Production record", batch)),
        }),
        EventKind::LotReceived {
            gtin,
            batch,
            expiry,
            quantity,
            supplier,
            po,
            ..
        } => Some(Cte {
            id: ev.id.clone(),
            kind: CteKind::Receiving,
            time,
            location_gln: site_gln.to_string(),
            inputs: vec![],
            outputs: vec![line(gtin, batch, *quantity, *expiry)],
            source: supplier.as_deref().map(party),
            destination: None,
            reference: po.as_ref().map(|p| Reference::new("Purchase order", p)),
        }),
        EventKind::LotDispatched {
            gtin,
            batch,
            quantity,
            customer,
            shipment,
            ..
        } => Some(Cte {
            id: ev.id.clone(),
            kind: CteKind::Shipping,
            time,
            location_gln: site_gln.to_string(),
            inputs: vec![line(gtin, batch, *quantity, None)],
            outputs: vec![],
            source: None,
            destination: Some(party(customer)),
            reference: shipment
                .as_ref()
                .map(|s| Reference::new("Despatch advice", s)),
        }),
    }
}

/// Every CTE of the log, in order, with each transformation's consumed input lots attached;
/// a production with no inputs recorded is initial packing (commissioning).
pub fn ctes(
    events: &[RecordedEvent],
    site_gln: &str,
    describe: impl Fn(&str) -> String,
) -> Vec<Cte> {
    let mut out: Vec<Cte> = Vec::new();
    // A dispatch undone by mistake never left: it is no shipping event.
    let voided: std::collections::HashSet<&str> = events
        .iter()
        .filter_map(|ev| match &ev.event {
            EventKind::DispatchVoided { event, .. } => Some(event.as_str()),
            _ => None,
        })
        .collect();
    for ev in events {
        if voided.contains(ev.id.as_str()) {
            continue;
        }
        if let EventKind::LotConsumed {
            gtin,
            batch,
            quantity,
            into_gtin,
            into_batch,
            ..
        } = &ev.event
        {
            let made = out.iter_mut().rev().find(|c| {
                c.kind == CteKind::Transformation
                    && c.outputs
                        .iter()
                        .any(|o| &o.gtin == into_gtin && &o.lot == into_batch)
            });
            if let Some(cte) = made {
                cte.inputs.push(LotQuantity {
                    gtin: gtin.clone(),
                    lot: batch.clone(),
                    description: describe(gtin),
                    quantity: *quantity as f64,
                    unit: "EA".into(),
                    expiry: None,
                });
            }
            continue;
        }
        out.extend(cte(ev, site_gln, &describe));
    }
    // A batch made with no recorded inputs is created here from nothing the log knows:
    // commissioning (EPCIS ObjectEvent ADD), not a transformation of inputs.
    for c in &mut out {
        if c.kind == CteKind::Transformation && c.inputs.is_empty() {
            c.kind = CteKind::InitialPacking;
        }
    }
    out
}

/// A party named in the store: a 13-digit value is taken as its GLN.
fn party(name: &str) -> Party {
    let is_gln = name.len() == 13 && name.bytes().all(|b| b.is_ascii_digit());
    Party {
        name: name.to_string(),
        gln: is_gln.then(|| name.to_string()),
    }
}
