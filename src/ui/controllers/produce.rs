//! Produce: a batch started (its number from the site format), its input lots scanned into it,
//! its labels previewed and printed.

use crate::domain::trace::LotRef;
use crate::ui::present::{self, ScanKind, Shown, ShownLine, Verdict};
use crate::workflow::label_job::LabelJob;
use crate::workflow::scan::ScanAction;
use crate::workflow::{Needed, Outcome, ProduceRequest, Refusal, SiteConfig, Station};

/// What the Produce form holds when a batch is started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProduceForm {
    /// The GTIN produced.
    pub product: String,
    pub quantity: String,
    /// YYYY-MM-DD, or empty.
    pub expiry: String,
}

/// What Produce shows after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProduceView {
    pub shown: Shown,
    /// A batch was started: its number (the inputs list starts empty).
    pub started: Option<String>,
    /// An input line for the inputs list (newest first).
    pub input: Option<ShownLine>,
}

/// The Produce mode: the batch being made, which input scans go into.
#[derive(Debug, Default)]
pub struct ProduceController {
    batch: Option<LotRef>,
    /// An input pallet's label being put together from its barcodes.
    assembly: crate::domain::assembly::LabelAssembly,
}

impl ProduceController {
    /// The batch being made, if one was started.
    pub fn batch(&self) -> Option<&LotRef> {
        self.batch.as_ref()
    }

    /// Starts a batch from the form: its number from the site's batch format.
    pub fn start(
        &mut self,
        station: &mut Station,
        site: &SiteConfig,
        form: &ProduceForm,
        today: chrono::NaiveDate,
    ) -> ProduceView {
        let refused = |message: &str| ProduceView {
            shown: Shown::refused(message),
            started: None,
            input: None,
        };
        let Ok(quantity) = form.quantity.trim().parse::<u64>() else {
            return refused("type the quantity to produce (a whole number)");
        };
        let expiry = match form.expiry.trim() {
            "" => None,
            text => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => return refused("type the expiry as YYYY-MM-DD, or leave it empty"),
            },
        };
        let request = ProduceRequest {
            product: form.product.trim().to_string(),
            quantity,
            expiry,
            consume: Vec::new(),
            gs_substitute: None,
            costs: None,
        };
        match station.produce(site, &request, today) {
            Ok(p) => {
                self.batch = Some(LotRef::new(p.gtin.clone(), p.batch.clone()));
                ProduceView {
                    shown: Shown::new(
                        Verdict::Ok,
                        format!("BATCH {}", p.batch),
                        format!(
                            "batch {} of {} started ({} into {}): scan its input lots",
                            p.batch, p.gtin, p.quantity, p.location
                        ),
                    ),
                    started: Some(p.batch),
                    input: None,
                }
            }
            Err(e) => ProduceView {
                shown: present::scan_banner(ScanKind::Produce, &Outcome::from_error(e)),
                started: None,
                input: None,
            },
        }
    }

    /// An input lot scanned: consumed into the batch being made.
    pub fn scan(
        &mut self,
        station: &mut Station,
        text: &str,
        gs_substitute: Option<char>,
        today: chrono::NaiveDate,
    ) -> ProduceView {
        let (outcome, shown) = match &self.batch {
            None => {
                let outcome = Outcome::Refused(Refusal::Needs(Needed::ProductionBatch));
                let shown = present::scan_banner(ScanKind::Produce, &outcome);
                (outcome, shown)
            }
            Some(batch) => {
                let action = ScanAction::Produce {
                    into: batch.batch.clone(),
                    product: batch.gtin.clone(),
                };
                super::scan_label(
                    station,
                    &action,
                    &mut self.assembly,
                    text,
                    gs_substitute,
                    today,
                    ScanKind::Produce,
                )
            }
        };
        let input = match outcome {
            Outcome::Refused(Refusal::Needs(_)) => None,
            _ => Some(present::dispatch_line(&shown)),
        };
        ProduceView {
            shown,
            started: None,
            input,
        }
    }

    /// The batch's labels with `template`; no batch started is refused.
    pub fn label_job(&self, template: &str) -> Result<LabelJob, Shown> {
        match &self.batch {
            Some(b) => Ok(LabelJob::for_lot(template, &b.gtin, &b.batch)),
            None => Err(Shown::refused(
                "start a batch first: its labels carry its number",
            )),
        }
    }

    /// The preview of `template`: the batch's data where there is a batch, the template's
    /// sample values for the rest.
    pub fn preview_job(&self, template: &str) -> LabelJob {
        LabelJob {
            template: template.to_string(),
            lot: (self.batch.as_ref()).map(|b| (b.batch.clone(), Some(b.gtin.clone()))),
            sample: true,
            set: Vec::new(),
            copies: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{SAUCE, TOMATOES, receive, station, today};

    fn site() -> SiteConfig {
        SiteConfig {
            batch_format: "P{SEQ:3}".into(),
            ..SiteConfig::default()
        }
    }

    fn form(quantity: &str, expiry: &str) -> ProduceForm {
        ProduceForm {
            product: SAUCE.into(),
            quantity: quantity.into(),
            expiry: expiry.into(),
        }
    }

    #[test]
    fn inputs_need_a_batch_then_go_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "T1", 50);
        let mut c = ProduceController::default();
        let v = c.scan(&mut s, "(01)09501101530003(10)T1(30)20", None, today());
        assert!(
            v.shown.message.contains("start a batch first"),
            "{}",
            v.shown.message
        );
        assert!(c.label_job("case-batch").is_err());
        let v = c.start(&mut s, &site(), &form("12", "2026-09-30"), today());
        assert_eq!(v.shown.headline, "BATCH P001");
        assert_eq!(v.started.as_deref(), Some("P001"));
        let v = c.scan(&mut s, "(01)09501101530003(10)T1(30)20", None, today());
        assert_eq!(v.shown.headline, "CONSUMED");
        assert!(
            v.input
                .unwrap()
                .text
                .contains("consumed 20 of lot T1 into batch P001")
        );
        assert_eq!(s.lookup(TOMATOES, "T1").unwrap().unwrap().on_hand(), 30);
        let job = c.label_job("case-batch").unwrap();
        assert_eq!(job.lot, Some(("P001".into(), Some(SAUCE.into()))));
        assert!(c.preview_job("case-batch").sample);
    }

    #[test]
    fn a_bad_quantity_or_expiry_is_refused_before_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let mut c = ProduceController::default();
        let v = c.start(&mut s, &site(), &form("a dozen", ""), today());
        assert!(v.shown.message.contains("whole number"));
        let v = c.start(&mut s, &site(), &form("12", "31/12/2026"), today());
        assert!(v.shown.message.contains("YYYY-MM-DD"));
        assert!(c.batch().is_none());
        assert!(c.preview_job("case-batch").lot.is_none());
    }
}
