//! Receiving: supplier lots from one GS1 scan, and the products they must belong to.

use super::{
    Needed, Refusal, Station, WorkflowError, check_quantity, gtin_arg, lot_of, parse_scan,
};
use crate::domain::arrival::{Arrival, ArrivalIssue, ReceivingRules, check_arrival};
use crate::domain::{EventKind, LotStatus};
use crate::gs1;
use crate::store::RecordedEvent;

/// What a receiving scan brings besides the label.
#[derive(Debug, Clone, Default)]
pub struct ReceiveRequest {
    pub scan: String,
    pub quantity: Option<u64>,
    pub location: String,
    pub supplier: Option<String>,
    pub po: Option<String>,
    pub gs_substitute: Option<char>,
    /// What one unit cost, in the site currency; none: the lot is received uncosted.
    pub unit_cost: Option<crate::domain::money::Money>,
}

/// A received lot, for the worker's feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
    /// The lot's date breaks the product's receiving rules: it was received with a warning,
    /// or on hold (`status`) for this reason.
    pub arrival: Option<ArrivalIssue>,
    /// The label's expiry is not the one the store has for this lot.
    pub expiry_differs: Option<ExpiryDiffers>,
}

/// A label's expiry that differs from the lot's on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExpiryDiffers {
    pub label: chrono::NaiveDate,
    pub on_record: Option<chrono::NaiveDate>,
}

impl Station {
    /// Registers (or renames) a product and the status its received lots start in; a
    /// product registered before keeps its receiving rules.
    pub fn register_product(
        &mut self,
        gtin: &str,
        name: &str,
        receive_as: LotStatus,
    ) -> Result<RecordedEvent, WorkflowError> {
        self.register_product_rules(gtin, name, receive_as, None)
    }

    /// Registers (or renames) a product with its receiving rules (`None`: as before, the
    /// defaults for a new product).
    pub fn register_product_rules(
        &mut self,
        gtin: &str,
        name: &str,
        receive_as: LotStatus,
        receiving: Option<ReceivingRules>,
    ) -> Result<RecordedEvent, WorkflowError> {
        let gtin = gtin_arg(gtin)?;
        if name.trim().is_empty() {
            return Err(Refusal::Needs(Needed::ProductName).into());
        }
        let receiving = match receiving {
            Some(rules) => rules,
            None => self
                .store
                .product(&gtin)?
                .map(|p| p.receiving)
                .unwrap_or_default(),
        };
        Ok(self.record(EventKind::ProductRegistered {
            gtin,
            name: name.trim().to_string(),
            receive_as,
            receiving,
        })?)
    }

    /// Receives a supplier lot from one GS1 scan (GTIN, batch, expiry, count and SSCC from the
    /// label), on `today`. Durable when it returns.
    pub fn receive(
        &mut self,
        req: &ReceiveRequest,
        today: chrono::NaiveDate,
    ) -> Result<ReceiveOutcome, WorkflowError> {
        let msg = parse_scan(&req.scan, req.gs_substitute, false)?;
        self.receive_label(&msg, req, today)
    }

    /// Receives the lot a whole label names (its barcodes put together, see
    /// [`crate::domain::assembly`]); `req.scan` is not read. A pallet (SSCC) already received
    /// is refused, and so is a lot already expired.
    pub fn receive_label(
        &mut self,
        msg: &gs1::Message,
        req: &ReceiveRequest,
        today: chrono::NaiveDate,
    ) -> Result<ReceiveOutcome, WorkflowError> {
        let lot = lot_of(msg)?;
        if let Some(sscc) = msg.sscc()
            && let Some(pallet) = self.store.pallet(sscc)?
        {
            return Err(Refusal::PalletAlreadyReceived(Box::new(pallet)).into());
        }
        let quantity = req.quantity.or(msg.quantity()).ok_or(Refusal::NoCount)?;
        check_quantity(quantity)?;
        let location = req.location.trim();
        if location.is_empty() {
            return Err(Refusal::Needs(Needed::ReceiptLocation).into());
        }
        let product = self
            .store
            .product(&lot.gtin)?
            .ok_or_else(|| Refusal::UnknownProduct {
                gtin: lot.gtin.clone(),
            })?;
        let expiry = msg.expiry();
        let (status, arrival) = match check_arrival(&product.receiving, expiry, today) {
            Arrival::Accept => (product.receive_as, None),
            Arrival::Warn(issue) => (product.receive_as, Some(issue)),
            Arrival::Hold(issue) => (LotStatus::OnHold, Some(issue)),
            Arrival::Refuse { expiry } => {
                return Err(Refusal::ExpiredOnArrival { lot, expiry }.into());
            }
        };
        // A label that dates a lot the store knows differently: received (the label's date is
        // in the event) and flagged for someone to find out which date is right.
        let expiry_differs = match (expiry, self.store.lot(&lot.gtin, &lot.batch)?) {
            (Some(label), Some(known)) if known.expiry != Some(label) => Some(ExpiryDiffers {
                label,
                on_record: known.expiry,
            }),
            _ => None,
        };
        let recorded = self.record(EventKind::LotReceived {
            gtin: lot.gtin.clone(),
            batch: lot.batch.clone(),
            expiry,
            quantity,
            location: location.to_string(),
            status,
            supplier: req.supplier.clone(),
            sscc: msg.sscc().map(str::to_string),
            po: req.po.clone(),
            unit_cost: req.unit_cost.clone(),
        })?;
        Ok(ReceiveOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            product: product.name,
            batch: lot.batch,
            expiry,
            quantity,
            location: location.to_string(),
            status,
            sscc: msg.sscc().map(str::to_string),
            arrival,
            expiry_differs,
        })
    }
}

/// What a receipt says besides "received", in plain words (the CLI's; the UI words its own):
/// the date issue it was warned or held for, a label date that differs from the record.
pub fn warnings(r: &ReceiveOutcome) -> Vec<String> {
    let mut out = Vec::new();
    match r.arrival {
        Some(ArrivalIssue::Expired { expiry }) => {
            out.push(format!("expired on {expiry}: received on hold"))
        }
        Some(ArrivalIssue::ShortShelfLife {
            days_left, minimum, ..
        }) => out.push(format!(
            "{days_left} days of shelf life left, the product asks for {minimum}{}",
            if r.status == LotStatus::OnHold {
                ": received on hold"
            } else {
                ""
            }
        )),
        None => {}
    }
    if let Some(d) = r.expiry_differs {
        out.push(format!(
            "the label says expiry {}, the record for this lot says {}: check which is right",
            d.label,
            d.on_record.map_or("none".to_string(), |e| e.to_string())
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::arrival::{WhenExpired, WhenShort};
    use crate::workflow::testing::{TOMATOES, station, today};

    fn label(s: &mut Station, text: &str) -> Result<ReceiveOutcome, WorkflowError> {
        s.receive(
            &ReceiveRequest {
                scan: text.into(),
                location: "DOCK".into(),
                ..Default::default()
            },
            today(),
        )
    }

    /// A product's receiving rules: an expired lot received on hold where the product says
    /// so; a short shelf life warned, or held; a label date that differs from the lot's on
    /// record received and flagged. The rules survive a rename and a replay.
    #[test]
    fn receiving_rules_hold_or_warn_and_a_differing_date_is_flagged() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        // Today is 2026-03-01. Defaults: expired refused, any shelf life accepted.
        assert!(matches!(
            label(&mut s, "(01)09501101530003(17)260227(10)OLD(30)5"),
            Err(WorkflowError::Refused(Refusal::ExpiredOnArrival { .. }))
        ));
        let ok = label(&mut s, "(01)09501101530003(17)260310(10)SOON(30)5").unwrap();
        assert_eq!((ok.arrival, ok.status), (None, LotStatus::Released));

        let rules = ReceivingRules {
            expired: WhenExpired::Hold,
            min_shelf_life_days: Some(30),
            short_shelf_life: WhenShort::Warn,
        };
        s.register_product_rules(TOMATOES, "Tomatoes", LotStatus::Released, Some(rules))
            .unwrap();
        let held = label(&mut s, "(01)09501101530003(17)260227(10)OLD(30)5").unwrap();
        assert_eq!(held.status, LotStatus::OnHold);
        assert!(matches!(held.arrival, Some(ArrivalIssue::Expired { .. })));
        let stored = s.lookup(TOMATOES, "OLD").unwrap().unwrap();
        assert_eq!(stored.status, LotStatus::OnHold, "on hold in the store too");
        let short = label(&mut s, "(01)09501101530003(17)260320(10)SHORT(30)5").unwrap();
        assert_eq!(short.status, LotStatus::Released, "warned, not held");
        assert!(matches!(
            short.arrival,
            Some(ArrivalIssue::ShortShelfLife {
                days_left: 19,
                minimum: 30,
                ..
            })
        ));
        assert!(warnings(&short)[0].contains("19 days of shelf life left"));

        // A rename keeps the rules; holding short lots changes them.
        s.register_product(TOMATOES, "Tomatoes (new name)", LotStatus::Released)
            .unwrap();
        assert_eq!(s.product(TOMATOES).unwrap().unwrap().receiving, rules);
        let hold_short = ReceivingRules {
            short_shelf_life: WhenShort::Hold,
            ..rules
        };
        s.register_product_rules(TOMATOES, "Tomatoes", LotStatus::Released, Some(hold_short))
            .unwrap();
        let short = label(&mut s, "(01)09501101530003(17)260320(10)SHORT2(30)5").unwrap();
        assert_eq!(short.status, LotStatus::OnHold);

        // The same lot with another date on its label: received, flagged, the label's date in
        // the event; the lot keeps the date on record.
        let again = label(&mut s, "(01)09501101530003(17)270101(10)SOON(30)5").unwrap();
        assert_eq!(
            again.expiry_differs,
            Some(ExpiryDiffers {
                label: "2027-01-01".parse().unwrap(),
                on_record: Some("2026-03-10".parse().unwrap()),
            })
        );
        assert!(
            warnings(&again)
                .iter()
                .any(|w| w.contains("check which is right"))
        );
        let lot = s.lookup(TOMATOES, "SOON").unwrap().unwrap();
        assert_eq!(lot.expiry.unwrap().to_string(), "2026-03-10");
        assert_eq!(lot.on_hand(), 10);
        let before = s.store().derived_snapshot().unwrap();
        s.store_mut().rebuild().unwrap();
        assert_eq!(s.store().derived_snapshot().unwrap(), before);
        assert_eq!(s.product(TOMATOES).unwrap().unwrap().receiving, hold_short);
    }
}
