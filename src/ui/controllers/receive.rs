//! Receive: supplier labels scanned into a location, a count typed for labels without one.

use crate::domain::LotStatus;
use crate::domain::assembly::LabelAssembly;
use crate::domain::money::{Currency, Money, parse_amount};
use crate::domain::trace::LotRef;
use crate::ui::present::{self, Received, ScanKind, Shown, Verdict};
use crate::workflow::label_job::LabelJob;
use crate::workflow::scan::ScanAction;
use crate::workflow::{Outcome, Refusal, Station};

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

/// A product registered at the station from Receive, when a label's GTIN is not known: what
/// the supervisor typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewProductForm {
    pub name: String,
    /// Its lots arrive released (else quarantined, to be released after a check).
    pub released: bool,
    /// The supervisor's id (blank: the station's supervisor PIN).
    pub person: String,
    pub pin: String,
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
    /// The new-product panel: `Some(gtin)` offers to register that GTIN, `Some("")` closes
    /// the panel, `None` leaves it as it is.
    pub new_gtin: Option<String>,
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
    /// The GTIN of the last label refused as an unknown product: what "Register product"
    /// registers.
    unknown: Option<String>,
}

impl ReceiveController {
    /// A controller that records the unit cost typed, in `currency`.
    pub fn costing(currency: Option<Currency>) -> ReceiveController {
        ReceiveController {
            costs: currency,
            ..ReceiveController::default()
        }
    }

    /// The site currency the station takes unit costs in, after Settings changed it.
    pub fn set_costs(&mut self, currency: Option<Currency>) {
        self.costs = currency;
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
            Outcome::Refused(Refusal::UnknownProduct { gtin }) => {
                self.unknown = Some(gtin.clone());
                ReceiveView {
                    new_gtin: Some(gtin),
                    ..self.view(shown, None)
                }
            }
            _ => self.view(shown, None),
        }
    }

    /// Registers the product of the label just refused as unknown: a supervisor's decision
    /// (their id and PIN, or the station PIN where no people have accounts), signed when made
    /// by a person. Then the label is scanned again by the worker.
    pub fn register_product(
        &mut self,
        station: &mut Station,
        gate: &mut crate::pin_gate::PinGate,
        configured_hash: Option<&str>,
        form: &NewProductForm,
    ) -> ReceiveView {
        let Some(gtin) = self.unknown.clone() else {
            return self.view(
                Shown::refused("scan the label of the new product first"),
                None,
            );
        };
        let name = form.name.trim();
        let receive_as = if form.released {
            LotStatus::Released
        } else {
            LotStatus::Quarantined
        };
        let registered = super::register_product(
            station,
            gate,
            configured_hash,
            &form.person,
            &form.pin,
            &super::ProductDecision {
                gtin: &gtin,
                name,
                receive_as,
                receiving: None,
            },
        );
        match registered {
            Ok(()) => {
                self.unknown = None;
                ReceiveView {
                    new_gtin: Some(String::new()),
                    ..self.view(
                        Shown::new(
                            Verdict::Ok,
                            "PRODUCT REGISTERED",
                            format!(
                                "{name} ({gtin}) registered, its lots arrive {}: scan the label again",
                                present::status_text(receive_as.name())
                            ),
                        ),
                        None,
                    )
                }
            }
            Err(message) => self.view(Shown::refused(message), None),
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
            new_gtin: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{enrol, station, today};

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

    /// A label of a product the site does not know opens the new-product panel; a supervisor
    /// registers it there (the station PIN, checked; a name needed), and the label is then
    /// received when scanned again.
    #[test]
    fn an_unknown_product_is_registered_at_the_station_by_a_supervisor() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut c = ReceiveController::default();
        let mut gate = crate::pin_gate::PinGate::default();
        let phc = crate::pin::hash("4711").unwrap();
        let label = "(01)09506000134352(17)271231(10)F1(30)25";
        let new = |name: &str, pin: &str| NewProductForm {
            name: name.into(),
            released: true,
            person: String::new(),
            pin: pin.into(),
        };
        let v = c.register_product(&mut s, &mut gate, Some(&phc), &new("Flour", "4711"));
        assert!(
            v.shown.message.contains("scan the label"),
            "{}",
            v.shown.message
        );

        let v = c.scan(&mut s, &form(""), label, None, today());
        assert_eq!(v.shown.verdict, Verdict::Refused);
        assert!(
            v.shown.message.contains("New product"),
            "{}",
            v.shown.message
        );
        assert_eq!(v.new_gtin.as_deref(), Some("09506000134352"));

        for (name, pin, says) in [
            ("", "4711", "name"),
            ("Flour", "", "PIN"),
            ("Flour", "1111", "wrong supervisor PIN"),
        ] {
            let v = c.register_product(&mut s, &mut gate, Some(&phc), &new(name, pin));
            assert_eq!(v.shown.verdict, Verdict::Refused, "{name}/{pin}");
            assert!(v.shown.message.contains(says), "{}", v.shown.message);
            assert!(s.store().product("09506000134352").unwrap().is_none());
        }
        let v = c.register_product(&mut s, &mut gate, Some(&phc), &new("Flour", "4711"));
        assert_eq!(
            v.shown.headline, "PRODUCT REGISTERED",
            "{}",
            v.shown.message
        );
        assert_eq!(v.new_gtin.as_deref(), Some(""), "the panel closes");
        let p = s.store().product("09506000134352").unwrap().unwrap();
        assert_eq!(
            (p.name.as_str(), p.receive_as),
            ("Flour", LotStatus::Released)
        );

        let v = c.scan(&mut s, &form(""), label, None, today());
        assert_eq!(v.shown.headline, "RECEIVED", "{}", v.shown.message);

        // Where people have accounts: a worker's id registers nothing, nor the station PIN.
        enrol(
            &mut s,
            "wendy",
            crate::domain::person::PersonRole::Worker,
            "246802",
        );
        let other = "(01)09506000134369(10)B1(30)5";
        c.scan(&mut s, &form(""), other, None, today());
        let as_wendy = NewProductForm {
            person: "wendy".into(),
            ..new("Bread", "246802")
        };
        for (form, says) in [
            (as_wendy, "only a supervisor"),
            (new("Bread", "4711"), "supervisor id"),
        ] {
            let v = c.register_product(&mut s, &mut gate, Some(&phc), &form);
            assert!(v.shown.message.contains(says), "{}", v.shown.message);
            assert!(s.store().product("09506000134369").unwrap().is_none());
        }
    }
}
