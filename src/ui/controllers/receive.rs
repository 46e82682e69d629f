//! Receive: supplier labels scanned into a location, a count typed for labels without one.

use crate::domain::assembly::LabelAssembly;
use crate::domain::money::{Currency, Money, parse_amount};
use crate::domain::trace::LotRef;
use crate::ui::present::{Received, ScanKind, Shown};
use crate::workflow::label_job::LabelJob;
use crate::workflow::scan::ScanAction;
use crate::workflow::{Outcome, Station};

/// What the Receive form holds when a label is scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiveForm {
    pub location: String,
    pub supplier: String,
    /// "Count if not on label": used only for a label that carries no count.
    pub typed_count: String,
    /// "Unit cost" (a supervisor's station): what one unit of the lot cost; blank for none.
    pub unit_cost: String,
}

/// What Receive shows after a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveView {
    pub shown: Shown,
    /// The lot just received (the view's lot panel), none when the scan was not taken.
    pub received: Option<Received>,
    /// Lots received since the station started.
    pub count: u32,
    /// The typed count was used or must be retyped: clear the field.
    pub clear_typed_count: bool,
}

/// The Receive mode: counts the lots received, remembers the last one for its internal label.
#[derive(Debug, Default)]
pub struct ReceiveController {
    count: u32,
    last: Option<LotRef>,
    /// A pallet label's barcodes put together into one receipt.
    assembly: LabelAssembly,
    /// The site currency where the station takes unit costs (`[ui] show_costs`); none: the
    /// form's unit cost is not read.
    costs: Option<Currency>,
}

impl ReceiveController {
    /// A controller that records the unit cost typed, in `currency`.
    pub fn costing(currency: Option<Currency>) -> ReceiveController {
        ReceiveController {
            costs: currency,
            ..ReceiveController::default()
        }
    }

    /// A supplier label scanned: received into the form's location, or refused with why.
    pub fn scan(
        &mut self,
        station: &mut Station,
        form: &ReceiveForm,
        text: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> ReceiveView {
        let Ok(count) = super::whole_number(&form.typed_count) else {
            return self.view(
                Shown::refused(
                    "Count if not on label: type a whole number, or clear it; nothing was received",
                ),
                None,
            );
        };
        let unit_cost = match (&self.costs, form.unit_cost.trim()) {
            (Some(currency), typed) if !typed.is_empty() => match parse_amount(typed) {
                Ok(a) => Some(Money::new(a, *currency)),
                Err(e) => {
                    return self.view(
                        Shown::refused(format!("Unit cost: {e}; nothing was received")),
                        None,
                    );
                }
            },
            _ => None,
        };
        let action = ScanAction::Receive {
            location: form.location.trim().to_string(),
            supplier: Some(form.supplier.trim().to_string()).filter(|s| !s.is_empty()),
            count,
            unit_cost,
        };
        let (outcome, shown) = super::scan_label(
            station,
            &action,
            &mut self.assembly,
            text,
            gs_substitute,
            today,
            ScanKind::Receive,
        );
        match outcome {
            Outcome::Received(r) => {
                self.count += 1;
                self.last = Some(LotRef::new(r.gtin.clone(), r.batch.clone()));
                let mut view = self.view(shown, Some(Received::of(&r)));
                // A typed count is for the label it was typed for, never a later one.
                view.clear_typed_count = true;
                view
            }
            _ => self.view(shown, None),
        }
    }

    /// The internal label of the lot received last, with `template`; none yet is refused.
    pub fn label_job(&self, template: &str) -> Result<LabelJob, Shown> {
        match &self.last {
            Some(lot) => Ok(LabelJob::for_lot(template, &lot.gtin, &lot.batch)),
            None => Err(Shown::refused(
                "receive a lot first: its internal label carries its data",
            )),
        }
    }

    fn view(&self, shown: Shown, received: Option<Received>) -> ReceiveView {
        ReceiveView {
            shown,
            received,
            count: self.count,
            clear_typed_count: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::present::Verdict;
    use crate::workflow::testing::{station, today};

    fn form(count: &str) -> ReceiveForm {
        ReceiveForm {
            location: "DOCK-3".into(),
            supplier: "Campo".into(),
            typed_count: count.into(),
            unit_cost: String::new(),
        }
    }

    #[test]
    fn a_label_is_received_and_shown_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut c = ReceiveController::default();
        assert!(c.label_job("case-batch").is_err(), "nothing received yet");
        let v = c.scan(
            &mut s,
            &form(""),
            "(01)09501101530003(17)261231(10)B1(30)40",
            None,
            today(),
        );
        assert_eq!(v.shown.headline, "RECEIVED");
        assert!(
            v.shown
                .message
                .contains("received 40 x Tomatoes batch B1 into DOCK-3"),
            "{}",
            v.shown.message
        );
        let lot = v.received.unwrap();
        assert_eq!(
            (lot.batch.as_str(), lot.expiry.as_str()),
            ("B1", "2026-12-31")
        );
        assert_eq!(v.count, 1);
        assert_eq!(
            s.lookup("09501101530003", "B1").unwrap().unwrap().on_hand(),
            40
        );
        let job = c.label_job("case-batch").unwrap();
        assert_eq!(job.lot, Some(("B1".into(), Some("09501101530003".into()))));
    }

    #[test]
    fn a_label_without_a_count_asks_for_one_and_a_typed_count_is_used_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut c = ReceiveController::default();
        let bare = "(01)09501101530003(10)B2";
        let v = c.scan(&mut s, &form(""), bare, None, today());
        assert_eq!(v.shown.verdict, Verdict::Refused);
        assert!(
            v.shown.message.contains("Count if not on label"),
            "{}",
            v.shown.message
        );
        assert!(
            !v.shown.message.contains("--"),
            "no CLI option: {}",
            v.shown.message
        );
        let v = c.scan(&mut s, &form("x7"), bare, None, today());
        assert!(v.shown.message.contains("type a whole number"));
        let v = c.scan(&mut s, &form("7"), bare, None, today());
        assert_eq!(v.received.unwrap().quantity, "7");
        assert!(v.clear_typed_count);
        assert_eq!(v.count, 1, "refusals are not counted");
    }

    /// At a station that takes costs, the unit cost typed is the lot's, in the site currency;
    /// one that is not an amount refuses the scan and records nothing. Elsewhere it is not read.
    #[test]
    fn a_supervisors_station_records_the_unit_cost_typed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut c = ReceiveController::costing(Some(Currency::default()));
        let with_cost = |cost: &str| ReceiveForm {
            unit_cost: cost.into(),
            ..form("")
        };
        let before = s.store().event_count().unwrap();
        let v = c.scan(
            &mut s,
            &with_cost("1,25"),
            "(01)09501101530003(10)C0(30)4",
            None,
            today(),
        );
        assert!(
            v.shown.message.starts_with("Unit cost: "),
            "{}",
            v.shown.message
        );
        assert_eq!(s.store().event_count().unwrap(), before);
        c.scan(
            &mut s,
            &with_cost("1.25"),
            "(01)09501101530003(10)C1(30)4",
            None,
            today(),
        );
        let cost = s
            .lot_cost("09501101530003", "C1", &Currency::default())
            .unwrap();
        assert_eq!(cost.total_cost.unwrap().to_string(), "5.00");
        let mut plain = ReceiveController::default();
        plain.scan(
            &mut s,
            &with_cost("9.99"),
            "(01)09501101530003(10)C2(30)4",
            None,
            today(),
        );
        let cost = s
            .lot_cost("09501101530003", "C2", &Currency::default())
            .unwrap();
        assert!(!cost.complete, "a station that takes no costs records none");
    }

    #[test]
    fn garbage_is_not_a_valid_label_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let before = s.store().event_count().unwrap();
        let v = ReceiveController::default().scan(&mut s, &form(""), "HELLO", None, today());
        assert_eq!(v.shown.verdict, Verdict::Invalid);
        assert_eq!(s.store().event_count().unwrap(), before);
    }
}
