//! The recall impact list: which lots are affected and where they went.
//!
//! Pure over CTE records; the store adapter feeds it the events reachable from the recalled
//! lots. Derived lots (outputs of a transformation that consumed an affected lot) are followed
//! only when asked, because a recall on an ingredient does not always extend to the product.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Cte, CteKind};

/// One shipment line that sent out an affected lot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedShipment {
    pub event_id: String,
    pub time: DateTime<Utc>,
    pub customer: String,
    pub customer_gln: Option<String>,
    pub gtin: String,
    pub lot: String,
    pub quantity: f64,
    pub unit: String,
}

/// The whole impact of recalling some lots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecallImpact {
    /// Every affected lot: the recalled ones and, when derived lots are included, their products.
    pub lots: BTreeSet<String>,
    /// Shipments of affected lots, oldest first.
    pub shipments: Vec<AffectedShipment>,
    /// Total quantity shipped per customer and unit (`customer`, `unit`) → quantity.
    pub per_customer: BTreeMap<(String, String), f64>,
}

/// Computes the impact of recalling `recalled` lot numbers over `ctes`.
pub fn impact(ctes: &[Cte], recalled: &[String], include_derived: bool) -> RecallImpact {
    let mut lots: BTreeSet<String> = recalled.iter().cloned().collect();
    if include_derived {
        // Fixpoint over transformations: event order in the input need not be chronological.
        loop {
            let before = lots.len();
            for cte in ctes.iter().filter(|c| c.kind == CteKind::Transformation) {
                if cte.inputs.iter().any(|i| lots.contains(&i.lot)) {
                    lots.extend(cte.outputs.iter().map(|o| o.lot.clone()));
                }
            }
            if lots.len() == before {
                break;
            }
        }
    }
    let mut shipments = Vec::new();
    let mut per_customer = BTreeMap::new();
    for cte in ctes.iter().filter(|c| c.kind == CteKind::Shipping) {
        let customer = cte.destination.as_ref();
        for line in cte.inputs.iter().filter(|l| lots.contains(&l.lot)) {
            let name = customer.map(|c| c.name.clone()).unwrap_or_default();
            *per_customer
                .entry((name.clone(), line.unit.clone()))
                .or_insert(0.0) += line.quantity;
            shipments.push(AffectedShipment {
                event_id: cte.id.clone(),
                time: cte.time,
                customer: name,
                customer_gln: customer.and_then(|c| c.gln.clone()),
                gtin: line.gtin.clone(),
                lot: line.lot.clone(),
                quantity: line.quantity,
                unit: line.unit.clone(),
            });
        }
    }
    shipments.sort_by(|a, b| (a.time, &a.event_id).cmp(&(b.time, &b.event_id)));
    RecallImpact {
        lots,
        shipments,
        per_customer,
    }
}
