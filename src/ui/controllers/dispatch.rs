//! Dispatch: pallets scanned onto a shipment for a customer, the shipment log, the tallies.

use crate::ui::present::{self, ScanKind, Shown, ShownLine};
use crate::workflow::scan::{self, ScanAction};
use crate::workflow::{Outcome, Refusal, Station};

/// What the Dispatch form holds when a pallet is scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchForm {
    pub customer: String,
    pub shipment: String,
    pub strict_fefo: bool,
}

/// What Dispatch shows after a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchView {
    pub shown: Shown,
    /// The shipment log's new line (newest first); none for a scan that never reached the
    /// rules (no customer chosen yet).
    pub line: Option<ShownLine>,
    pub shipped: u32,
    pub refused: u32,
}

/// The Dispatch mode: tallies of pallets shipped and refused.
#[derive(Debug, Default)]
pub struct DispatchController {
    shipped: u32,
    refused: u32,
}

impl DispatchController {
    /// A pallet scanned: shipped to the form's customer, or refused with the reason.
    pub fn scan(
        &mut self,
        station: &mut Station,
        form: &DispatchForm,
        text: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> DispatchView {
        // The core checks the customer too; asked first here so nothing else is looked at.
        let outcome = match crate::workflow::dispatch::customer(&form.customer) {
            Err(needs) => Outcome::Refused(needs),
            Ok(customer) => {
                let action = ScanAction::Dispatch {
                    customer,
                    shipment: Some(form.shipment.trim().to_string()).filter(|s| !s.is_empty()),
                    strict_fefo: form.strict_fefo,
                };
                scan::handle(station, &action, text, gs_substitute, today)
            }
        };
        let shown = present::scan_banner(ScanKind::Dispatch, &outcome);
        let line = match &outcome {
            Outcome::Refused(Refusal::Needs(_)) => None,
            Outcome::Shipped(_) => {
                self.shipped += 1;
                Some(present::dispatch_line(&shown))
            }
            _ => {
                self.refused += 1;
                Some(present::dispatch_line(&shown))
            }
        };
        DispatchView {
            shown,
            line,
            shipped: self.shipped,
            refused: self.refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LotStatus;
    use crate::domain::status::Role;
    use crate::ui::present::Verdict;
    use crate::workflow::StatusRequest;
    use crate::workflow::testing::{TOMATOES, receive, station, today};

    fn form(customer: &str) -> DispatchForm {
        DispatchForm {
            customer: customer.into(),
            shipment: "SH-1".into(),
            strict_fefo: false,
        }
    }

    #[test]
    fn a_recalled_pallet_is_stopped_by_name_and_a_good_one_ships() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "R1", 10);
        receive(&mut s, TOMATOES, "OK2", 40);
        s.set_status(&StatusRequest {
            gtin: TOMATOES.into(),
            batch: "R1".into(),
            to: LotStatus::Recalled,
            role: Role::Supervisor,
            reason: "supplier recall".into(),
        })
        .unwrap();
        let mut c = DispatchController::default();
        let v = c.scan(
            &mut s,
            &form("Bottega"),
            "(01)09501101530003(10)R1",
            None,
            today(),
        );
        assert_eq!(v.shown.headline, "STOP — RECALLED");
        assert_eq!(v.line.as_ref().unwrap().verdict, Some(Verdict::Refused));
        assert_eq!((v.shipped, v.refused), (0, 1));
        let v = c.scan(
            &mut s,
            &form("Bottega"),
            "(01)09501101530003(10)OK2",
            None,
            today(),
        );
        assert_eq!(v.shown.headline, "SHIPPED");
        assert!(v.shown.message.contains("shipped 40 of lot OK2 to Bottega"));
        assert_eq!((v.shipped, v.refused), (1, 1));
    }

    #[test]
    fn no_customer_is_asked_for_and_not_logged() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "B1", 10);
        let mut c = DispatchController::default();
        let v = c.scan(
            &mut s,
            &form("  "),
            "(01)09501101530003(10)B1",
            None,
            today(),
        );
        assert!(v.shown.message.contains("choose the customer first"));
        assert_eq!((v.line, v.shipped, v.refused), (None, 0, 0));
        assert_eq!(s.lookup(TOMATOES, "B1").unwrap().unwrap().on_hand(), 10);
    }

    #[test]
    fn not_the_fefo_choice_ships_amber_or_is_refused_when_strict() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "EARLY", 5);
        s.receive(
            &crate::workflow::ReceiveRequest {
                scan: "(01)09501101530003(17)271231(10)LATE".into(),
                quantity: Some(5),
                location: "DOCK".into(),
                ..Default::default()
            },
            crate::workflow::testing::today(),
        )
        .unwrap();
        let mut c = DispatchController::default();
        let strict = DispatchForm {
            strict_fefo: true,
            ..form("ACME")
        };
        let v = c.scan(&mut s, &strict, "(01)09501101530003(10)LATE", None, today());
        assert_eq!(v.shown.headline, "STOP — NOT FEFO");
        let v = c.scan(
            &mut s,
            &form("ACME"),
            "(01)09501101530003(10)LATE",
            None,
            today(),
        );
        assert_eq!(v.shown.verdict, Verdict::Warn);
        assert_eq!(v.shipped, 1);
    }
}
