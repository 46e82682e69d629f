//! Dispatch: pallets scanned onto a shipment for a customer, the shipment log, the tallies.

use crate::domain::assembly::LabelAssembly;
use crate::ui::present::{self, ScanKind, Shown, ShownLine, Verdict};
use crate::workflow::scan::ScanAction;
use std::path::Path;

use crate::domain::shipment::CloseRefusal;
use crate::printer::PrintTarget;
use crate::workflow::{CloseRequest, Outcome, Refusal, SiteConfig, Station, WorkflowError};

/// What the Dispatch form holds when a pallet is scanned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchForm {
    pub customer: String,
    pub shipment: String,
    pub strict_fefo: bool,
    /// "Count if not on label": for a case label without a count (a pallet ships whole).
    pub typed_count: String,
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
    /// The typed count was used: clear the field (it was for that case only).
    pub clear_typed_count: bool,
    /// An undo was recorded: clear its reason.
    pub clear_undo_reason: bool,
    /// The shipment was closed: the log, the tallies and the shipment reference start anew.
    pub new_shipment: bool,
}

/// The Dispatch mode: tallies of pallets shipped and refused.
#[derive(Debug, Default)]
pub struct DispatchController {
    shipped: u32,
    refused: u32,
    /// A pallet label's barcodes put together.
    assembly: LabelAssembly,
    /// The dispatches of this session, newest last: what "Undo last" undoes.
    undoable: Vec<String>,
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
        let Ok(count) = super::whole_number(&form.typed_count) else {
            return self.view(
                Shown::refused(
                    "Count if not on label: type a whole number, or clear it; nothing was shipped",
                ),
                None,
            );
        };
        // The core checks the customer too; asked first here so nothing else is looked at.
        let (outcome, shown) = match crate::workflow::dispatch::customer(&form.customer) {
            Err(needs) => {
                let outcome = Outcome::Refused(needs);
                let shown = present::scan_banner(ScanKind::Dispatch, &outcome);
                (outcome, shown)
            }
            Ok(customer) => {
                let action = ScanAction::Dispatch {
                    customer,
                    shipment: Some(form.shipment.trim().to_string()).filter(|s| !s.is_empty()),
                    strict_fefo: form.strict_fefo,
                    count,
                };
                super::scan_label(
                    station,
                    &action,
                    &mut self.assembly,
                    text,
                    gs_substitute,
                    today,
                    ScanKind::Dispatch,
                )
            }
        };
        let line = match &outcome {
            Outcome::Refused(Refusal::Needs(_)) => None,
            Outcome::Partial(_) | Outcome::SameLabel { .. } => Some(present::dispatch_line(&shown)),
            Outcome::Shipped(d) => {
                self.shipped += 1;
                self.undoable.push(d.event_id.clone());
                Some(present::dispatch_line(&shown))
            }
            _ => {
                self.refused += 1;
                Some(present::dispatch_line(&shown))
            }
        };
        let mut view = self.view(shown, line);
        view.clear_typed_count = matches!(outcome, Outcome::Shipped(_)) && count.is_some();
        view
    }

    /// Undoes the last dispatch of this session (a scan onto the wrong shipment, a wrong
    /// pallet) with the reason typed: its stock is back on hand. Nothing to undo, or no
    /// reason, is refused.
    pub fn undo_last(&mut self, station: &mut Station, reason: &str) -> DispatchView {
        let Some(event) = self.undoable.last().cloned() else {
            return self.view(
                Shown::refused("nothing shipped at this station since it started: nothing to undo"),
                None,
            );
        };
        let mut undone = false;
        let shown = match station.void_dispatch(&event, reason) {
            Ok(v) => {
                undone = true;
                self.undoable.pop();
                self.shipped = self.shipped.saturating_sub(1);
                Shown::new(
                    Verdict::Warn,
                    "UNDONE",
                    format!(
                        "{} x lot {} back in stock: shipping to {} undone ({})",
                        v.quantity,
                        v.batch,
                        v.customer,
                        reason.trim()
                    ),
                )
            }
            Err(WorkflowError::Refused(Refusal::Needs(_))) => Shown::refused(
                "type why in Undo reason first (wrong pallet, wrong customer…); nothing was undone",
            ),
            Err(e) => present::scan_banner(ScanKind::Dispatch, &Outcome::from_error(e)),
        };
        let line = Some(present::dispatch_line(&shown));
        let mut view = self.view(shown, line);
        view.clear_undo_reason = undone;
        view
    }

    /// Closes the shipment the form names (customer and reference; none: the customer's
    /// unreferenced dispatches not closed yet): records the close, writes the despatch note
    /// and the SSCC labels ([`CLOSE_COPIES`] of each) into `dir` and prints them through
    /// `printer` when the station has one. The shipment then takes no more dispatches and
    /// none of them can be undone here: the log starts a new shipment.
    pub fn close_shipment(
        &mut self,
        station: &mut Station,
        form: &DispatchForm,
        site: &SiteConfig,
        dir: &Path,
        printer: Option<&PrintTarget>,
    ) -> DispatchView {
        let req = CloseRequest {
            customer: form.customer.clone(),
            shipment: Some(form.shipment.clone()),
            pallets: 1,
        };
        let closed = match station.close_shipment(&req, site.sscc_source().as_ref()) {
            Ok(c) => c,
            Err(e) => return self.view(close_refused(&e), None),
        };
        self.shipped = 0;
        self.refused = 0;
        self.undoable.clear();
        self.assembly = LabelAssembly::default();
        let units: u64 = closed.pallets.iter().map(|p| p.quantity()).sum();
        let n = closed.pallets.len();
        let what = format!(
            "{} to {}: {n} {}, {units} units",
            closed.shipment.as_deref().unwrap_or("shipment"),
            closed.customer,
            if n == 1 { "pallet" } else { "pallets" }
        );
        let delivered = station
            .shipment_documents(&closed, site, CLOSE_COPIES)
            .map_err(|e| e.for_station())
            .and_then(|docs| {
                docs.deliver(&closed, dir, printer)
                    .map_err(|e| e.to_string())
            });
        let (shown, line) = match delivered {
            Ok(d) => {
                let printed = if d.printed.is_empty() {
                    "not printed (no printer set)"
                } else {
                    "and printed"
                };
                let file = |p: &Path| {
                    p.file_name()
                        .map_or(String::new(), |f| f.to_string_lossy().into_owned())
                };
                let shown = Shown::new(
                    Verdict::Ok,
                    "SHIPMENT CLOSED",
                    format!(
                        "{what}; despatch note and SSCC labels ({CLOSE_COPIES} copies) in {}, {printed}",
                        dir.display()
                    ),
                );
                let line = ShownLine {
                    text: format!(
                        "closed {what}: {}, {}",
                        file(&d.despatch_note),
                        file(&d.labels)
                    ),
                    verdict: Some(Verdict::Ok),
                    indent: 0,
                };
                (shown, Some(line))
            }
            Err(why) => (
                Shown::new(
                    Verdict::Warn,
                    "CLOSED — DOCUMENTS NOT DONE",
                    format!("{what}. {why}"),
                ),
                None,
            ),
        };
        let mut view = self.view(shown, line);
        view.new_shipment = true;
        view
    }

    fn view(&self, shown: Shown, line: Option<ShownLine>) -> DispatchView {
        DispatchView {
            shown,
            line,
            shipped: self.shipped,
            refused: self.refused,
            clear_typed_count: false,
            clear_undo_reason: false,
            new_shipment: false,
        }
    }
}

/// Copies of the despatch note and of each pallet's label the station makes at a close: one
/// for the driver (and the pallet's two faces), one for the file.
pub const CLOSE_COPIES: u32 = 2;

/// A close refused, in the station's words.
fn close_refused(e: &WorkflowError) -> Shown {
    let message = match e.refusal() {
        Some(Refusal::Needs(_)) => "choose the customer first (and the shipment reference)".to_string(),
        Some(Refusal::Close(CloseRefusal::Empty)) => {
            "nothing to close: no pallet of this customer and shipment is shipped and open".to_string()
        }
        Some(Refusal::Close(CloseRefusal::NoCompanyPrefix)) => {
            "the loose cases need a new pallet label, and this station has no GS1 company prefix: ask whoever sets up the station to set [site] company_prefix and sscc_extension; nothing was closed".to_string()
        }
        _ => present::error_text(e),
    };
    Shown::refused(message)
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
            typed_count: String::new(),
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
        // A case label without a count ships nothing until the count is typed.
        let v = c.scan(
            &mut s,
            &form("Bottega"),
            "(01)09501101530003(10)OK2",
            None,
            today(),
        );
        assert_eq!(v.shown.verdict, Verdict::Refused);
        assert!(
            v.shown.message.contains("Count if not on label"),
            "{}",
            v.shown.message
        );
        assert_eq!(s.lookup(TOMATOES, "OK2").unwrap().unwrap().on_hand(), 40);
        let typed = DispatchForm {
            typed_count: "40".into(),
            ..form("Bottega")
        };
        let v = c.scan(&mut s, &typed, "(01)09501101530003(10)OK2", None, today());
        assert_eq!(v.shown.headline, "SHIPPED");
        assert!(v.shown.message.contains("shipped 40 of lot OK2 to Bottega"));
        assert_eq!((v.shipped, v.refused), (1, 2));
        assert!(v.clear_typed_count, "a typed count is for one case");
        // Undo needs a reason; with one, the stock is back.
        let v = c.undo_last(&mut s, "");
        assert_eq!(v.shown.verdict, Verdict::Refused);
        let v = c.undo_last(&mut s, "wrong customer");
        assert_eq!(v.shown.headline, "UNDONE");
        assert!(v.clear_undo_reason);
        assert_eq!(v.shipped, 0);
        assert_eq!(s.lookup(TOMATOES, "OK2").unwrap().unwrap().on_hand(), 40);
        let v = c.undo_last(&mut s, "again");
        assert!(
            v.shown.message.contains("nothing to undo"),
            "{}",
            v.shown.message
        );
    }

    /// Close shipment: the shipment's pallets recorded, the documents written where the
    /// station keeps its reports, the log starting anew; the closed reference then refuses a
    /// pallet, and an undo of its dispatches.
    #[test]
    fn closing_the_shipment_writes_its_documents_and_starts_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "OK1", 40);
        let mut c = DispatchController::default();
        let site = SiteConfig {
            company_prefix: Some("9501101".into()),
            sscc_extension: 4,
            ..SiteConfig::default()
        };
        let v = c.close_shipment(&mut s, &form("Bottega"), &site, dir.path(), None);
        assert_eq!(v.shown.verdict, Verdict::Refused);
        assert!(
            v.shown.message.contains("nothing to close"),
            "{}",
            v.shown.message
        );
        let counted = DispatchForm {
            typed_count: "10".into(),
            ..form("Bottega")
        };
        c.scan(&mut s, &counted, "(01)09501101530003(10)OK1", None, today());
        let v = c.close_shipment(&mut s, &form("Bottega"), &site, dir.path(), None);
        assert_eq!(v.shown.headline, "SHIPMENT CLOSED", "{}", v.shown.message);
        assert!(v.new_shipment);
        assert_eq!((v.shipped, v.refused), (0, 0));
        let docs: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".pdf"))
            .collect();
        assert_eq!(docs.len(), 2, "{docs:?}");
        assert!(
            v.shown.message.contains("no printer"),
            "{}",
            v.shown.message
        );
        let v = c.scan(&mut s, &counted, "(01)09501101530003(10)OK1", None, today());
        assert_eq!(v.shown.headline, "STOP — SHIPMENT CLOSED");
        let v = c.undo_last(&mut s, "wrong");
        assert!(
            v.shown.message.contains("nothing to undo"),
            "{}",
            v.shown.message
        );
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
        let v = c.scan(
            &mut s,
            &strict,
            "(01)09501101530003(10)LATE(30)5",
            None,
            today(),
        );
        assert_eq!(v.shown.headline, "STOP — NOT FEFO");
        let v = c.scan(
            &mut s,
            &form("ACME"),
            "(01)09501101530003(10)LATE(30)5",
            None,
            today(),
        );
        assert_eq!(v.shown.verdict, Verdict::Warn);
        assert_eq!(v.shipped, 1);
    }
}
