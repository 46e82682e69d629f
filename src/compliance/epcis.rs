//! EPCIS 2.0 JSON-LD documents from CTE records.
//!
//! Receiving and initial packing become ObjectEvent ADD (one per lot so `ilmd` carries that lot's
//! expiry), shipping an ObjectEvent OBSERVE, production a TransformationEvent. Lots are named by
//! GS1 Digital Link URIs (`https://id.gs1.org/01/…/10/…`, allowed as epcClass by EPCIS 2.0) and
//! places/parties by GLN Digital Link URIs (`/414/`, `/417/`), built by the crate's GS1 core.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{ComplianceError, Cte, CteKind, LotQuantity, Party};
use crate::gs1::Message;

/// The resolver domain used for identifier URIs.
pub const DIGITAL_LINK_DOMAIN: &str = "https://id.gs1.org";
/// The standard EPCIS 2.0 JSON-LD context.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
/// Namespace for Lotline's own extension fields (the store's event id).
pub const LOTLINE_NS: &str = "https://lotline.example/epcis/";

/// A whole EPCISDocument holding one event list built from `ctes` in order.
pub fn document(ctes: &[Cte], created: DateTime<Utc>) -> Result<Value, ComplianceError> {
    let mut events = Vec::new();
    for cte in ctes {
        events.extend(events_for(cte)?);
    }
    Ok(json!({
        "@context": [EPCIS_CONTEXT, {"lotline": LOTLINE_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timestamp(created),
        "epcisBody": {"eventList": events},
    }))
}

/// The EPCIS events for one CTE.
pub fn events_for(cte: &Cte) -> Result<Vec<Value>, ComplianceError> {
    let location = json!({"id": gln_uri("414", &cte.location_gln)?});
    let mut base = json!({
        "eventTime": timestamp(cte.time),
        "eventTimeZoneOffset": "+00:00",
        "readPoint": location,
        "bizLocation": location,
        "lotline:cteId": cte.id,
    });
    let mut events = Vec::new();
    match cte.kind {
        CteKind::Receiving | CteKind::InitialPacking => {
            let (step, disposition) = if cte.kind == CteKind::Receiving {
                ("receiving", "in_progress")
            } else {
                ("commissioning", "active")
            };
            for lot in &cte.outputs {
                let mut ev = base.clone();
                merge(
                    &mut ev,
                    json!({
                        "type": "ObjectEvent",
                        "action": "ADD",
                        "bizStep": step,
                        "disposition": disposition,
                        "epcList": [],
                        "quantityList": [quantity(lot)?],
                    }),
                );
                if let Some(ilmd) = ilmd(std::slice::from_ref(lot)) {
                    ev["ilmd"] = ilmd;
                }
                parties(&mut ev, cte)?;
                events.push(ev);
            }
        }
        CteKind::Shipping => {
            merge(
                &mut base,
                json!({
                    "type": "ObjectEvent",
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "epcList": [],
                    "quantityList": quantities(&cte.inputs)?,
                }),
            );
            parties(&mut base, cte)?;
            events.push(base);
        }
        CteKind::Transformation => {
            merge(
                &mut base,
                json!({
                    "type": "TransformationEvent",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "inputQuantityList": quantities(&cte.inputs)?,
                    "outputQuantityList": quantities(&cte.outputs)?,
                }),
            );
            if let Some(ilmd) = ilmd(&cte.outputs) {
                base["ilmd"] = ilmd;
            }
            events.push(base);
        }
    }
    // The store's events are UUIDs: as the eventID they let a partner recognise an event
    // exported twice. (Only when the CTE makes one event: each eventID must be unique.)
    if let ([event], Ok(id)) = (events.as_mut_slice(), uuid::Uuid::parse_str(&cte.id)) {
        event["eventID"] = json!(format!("urn:uuid:{id}"));
    }
    Ok(events)
}

/// The Digital Link URI naming one lot of one GTIN (an EPCIS LGTIN class).
pub fn lot_class_uri(gtin: &str, lot: &str) -> Result<String, ComplianceError> {
    Message::from_elements([("01", gtin), ("10", lot)])
        .and_then(|m| m.to_digital_link(DIGITAL_LINK_DOMAIN))
        .map_err(|source| ComplianceError::Identifier {
            what: format!("GTIN {gtin} lot {lot}"),
            source,
        })
}

/// A GLN as a Digital Link URI: `ai` 414 for a location, 417 for a party.
fn gln_uri(ai: &str, gln: &str) -> Result<String, ComplianceError> {
    Message::from_elements([(ai, gln)])
        .and_then(|m| m.to_digital_link(DIGITAL_LINK_DOMAIN))
        .map_err(|source| ComplianceError::Identifier {
            what: format!("GLN {gln}"),
            source,
        })
}

fn quantity(lot: &LotQuantity) -> Result<Value, ComplianceError> {
    Ok(json!({
        "epcClass": lot_class_uri(&lot.gtin, &lot.lot)?,
        "quantity": lot.quantity,
        "uom": lot.unit,
    }))
}

fn quantities(lots: &[LotQuantity]) -> Result<Vec<Value>, ComplianceError> {
    lots.iter().map(quantity).collect()
}

/// Instance/lot master data: the expiry, when every lot in the event shares one.
fn ilmd(lots: &[LotQuantity]) -> Option<Value> {
    let first = lots.first()?.expiry?;
    lots.iter()
        .all(|l| l.expiry == Some(first))
        .then(|| json!({"cbvmda:itemExpirationDate": first.format("%Y-%m-%d").to_string()}))
}

/// sourceList / destinationList from the CTE's parties (those with a GLN).
fn parties(ev: &mut Value, cte: &Cte) -> Result<(), ComplianceError> {
    let party = |p: &Option<Party>| -> Result<Option<String>, ComplianceError> {
        match p.as_ref().and_then(|p| p.gln.as_deref()) {
            Some(gln) => gln_uri("417", gln).map(Some),
            None => Ok(None),
        }
    };
    if let Some(uri) = party(&cte.source)? {
        ev["sourceList"] = json!([{"type": "owning_party", "source": uri}]);
    }
    if let Some(uri) = party(&cte.destination)? {
        ev["destinationList"] = json!([{"type": "owning_party", "destination": uri}]);
    }
    Ok(())
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
