//! Closing a shipment as it leaves the dock: the rules are the domain's
//! ([`crate::domain::shipment`]); this module reads the shipment's dispatches from the store,
//! allocates the new pallets' SSCCs and records the close.

use super::{Refusal, Station, WorkflowError, dispatch::customer};
use crate::domain::EventKind;
use crate::domain::shipment::{self, OutgoingPallet, SsccPlan};
use crate::store::{OpenShipment, RecordedEvent};

/// A shipment to close.
#[derive(Debug, Clone)]
pub struct CloseRequest {
    pub customer: String,
    /// The shipment reference; `None`: the customer's unreferenced dispatches not closed yet.
    pub shipment: Option<String>,
    /// How many pallets the loose cases are built into (1 unless the dock says more).
    pub pallets: usize,
}

/// Where this station's new SSCCs come from (`[site] company_prefix`, `sscc_extension`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsccSource {
    pub extension: u8,
    pub company_prefix: String,
}

/// A closed shipment: the close event and what it says.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClosedShipment {
    pub event_id: String,
    /// When it was closed (RFC 3339) and at which station.
    pub at: String,
    pub station: String,
    pub customer: String,
    pub shipment: Option<String>,
    pub pallets: Vec<OutgoingPallet>,
}

impl ClosedShipment {
    /// The close as a recorded event holds it; `None` for any other event.
    pub fn of(e: &RecordedEvent) -> Option<ClosedShipment> {
        let EventKind::ShipmentClosed {
            customer,
            shipment,
            pallets,
        } = &e.event
        else {
            return None;
        };
        Some(ClosedShipment {
            event_id: e.id.clone(),
            at: e.at.clone(),
            station: e.station.clone(),
            customer: customer.clone(),
            shipment: shipment.clone(),
            pallets: pallets.clone(),
        })
    }
}

/// A shipment reference as typed: trimmed, and none when blank.
pub fn reference(shipment: Option<&str>) -> Option<String> {
    shipment
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Station {
    /// Closes a shipment: every standing dispatch of the customer under the reference goes on
    /// an outgoing pallet (a received pallet intact under its SSCC, the loose cases on
    /// `req.pallets` built pallets with new SSCCs from `sscc`), recorded as one event. Refused
    /// when there is nothing to close, or loose cases but no company prefix.
    pub fn close_shipment(
        &mut self,
        req: &CloseRequest,
        sscc: Option<&SsccSource>,
    ) -> Result<ClosedShipment, WorkflowError> {
        let customer = customer(&req.customer)?;
        let shipment = reference(req.shipment.as_deref());
        let lines = self
            .store
            .open_shipment_lines(&customer, shipment.as_deref())?;
        if lines.is_empty()
            && let Some(closed) = self.closed_shipment(&customer, shipment.as_deref())?
        {
            return Err(Refusal::ShipmentClosed(Box::new(closed)).into());
        }
        let plan = match sscc {
            Some(s) => {
                let mut plan = SsccPlan {
                    extension: s.extension,
                    company_prefix: s.company_prefix.clone(),
                    last_serial: 0,
                };
                plan.last_serial = self.store.last_sscc_serial(&plan.key())?;
                Some(plan)
            }
            None => None,
        };
        let pallets =
            shipment::plan_pallets(lines, req.pallets, plan.as_ref()).map_err(Refusal::Close)?;
        let recorded = self.record(EventKind::ShipmentClosed {
            customer,
            shipment,
            pallets,
        })?;
        Ok(ClosedShipment::of(&recorded).expect("a close"))
    }

    /// The last close of a customer's shipment under a reference, if it was closed; an
    /// unreferenced shipment (`None`) is never closed for good (the next dispatch starts a
    /// new one).
    pub fn closed_shipment(
        &self,
        customer: &str,
        shipment: Option<&str>,
    ) -> Result<Option<ClosedShipment>, WorkflowError> {
        match shipment {
            Some(_) => Ok(self.shipment_closes(customer, shipment)?.pop()),
            None => Ok(None),
        }
    }

    /// The closes of a customer's shipment, oldest first: one for a reference, one per truck
    /// for the unreferenced shipment (`None`).
    pub fn shipment_closes(
        &self,
        customer: &str,
        shipment: Option<&str>,
    ) -> Result<Vec<ClosedShipment>, WorkflowError> {
        Ok(self
            .store
            .shipment_closes(Some((customer, shipment)))?
            .iter()
            .filter_map(ClosedShipment::of)
            .collect())
    }

    /// Every close recorded here (this station's and those synced from others), oldest first.
    pub fn closed_shipments(&self) -> Result<Vec<ClosedShipment>, WorkflowError> {
        Ok(self
            .store
            .shipment_closes(None)?
            .iter()
            .filter_map(ClosedShipment::of)
            .collect())
    }

    /// The shipments with dispatches not closed yet.
    pub fn open_shipments(&self) -> Result<Vec<OpenShipment>, WorkflowError> {
        Ok(self.store.open_shipments()?)
    }

    /// A shipment's standing dispatches not closed yet (what closing it now would take).
    pub fn open_shipment(
        &self,
        customer_name: &str,
        shipment: Option<&str>,
    ) -> Result<Vec<shipment::ShippedLine>, WorkflowError> {
        let customer = customer(customer_name)?;
        Ok(self
            .store
            .open_shipment_lines(&customer, reference(shipment).as_deref())?)
    }

    /// Refuses a dispatch under a reference already closed for this customer.
    pub(super) fn check_open(
        &self,
        customer: &str,
        shipment: Option<&str>,
    ) -> Result<(), WorkflowError> {
        match self.closed_shipment(customer, shipment)? {
            Some(closed) => Err(Refusal::ShipmentClosed(Box::new(closed)).into()),
            None => Ok(()),
        }
    }
}

/// The 4×6 SSCC label of a pallet of one lot: (00), (02)+(37), (17)+(10).
pub const SINGLE_LOT_LABEL: &str = "gs1-logistics-4x6";
/// The 4×6 SSCC label of a mixed pallet (or a lot without an expiry date): (00) and the
/// content as text, no (02). In `label-templates/dispatch/`: it is filled only here, so the
/// label lists of the other modes do not offer it.
pub const MIXED_LABEL: &str = "dispatch/gs1-logistics-mixed-4x6";
/// Content lines the mixed label has room for; more are summed up on the last.
const MIXED_LINES: usize = 12;

/// A closed shipment's documents, laid out: the despatch note's PDF and each pallet's SSCC
/// labels (every copy), in pallet order.
pub struct ShipmentDocuments {
    pub note: crate::compliance::despatch::DespatchNote,
    pub note_pdf: Vec<u8>,
    pub labels: Vec<PalletLabels>,
}

/// One outgoing pallet's labels.
pub struct PalletLabels {
    pub sscc: String,
    pub template: crate::label::Template,
    pub layouts: Vec<crate::label::Layout>,
}

impl ShipmentDocuments {
    /// Every label of the shipment as one PDF (pallet after pallet, each pallet's copies
    /// together).
    pub fn labels_pdf(&self) -> Vec<u8> {
        let all: Vec<crate::label::Layout> = self
            .labels
            .iter()
            .flat_map(|l| l.layouts.iter().cloned())
            .collect();
        crate::label::pdf::render(&all, &format!("SSCC labels · {}", self.note.title()))
    }
}

/// Where a closed shipment's documents went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    pub despatch_note: std::path::PathBuf,
    pub labels: std::path::PathBuf,
    /// What each print job said (where it went), when printed.
    pub printed: Vec<String>,
}

/// Why a closed shipment's documents did not all reach the folder or the printer (the close
/// stands: `lotline shipment print` makes them again).
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("the shipment is closed, but writing {path} failed: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the shipment is closed and its documents are in {folder}, but printing failed: {why}")]
    Print {
        folder: std::path::PathBuf,
        why: crate::printer::PrintError,
    },
}

impl ShipmentDocuments {
    /// Writes the note and the labels into `dir` (made if missing) as
    /// `despatch-REF-TIME.pdf` and `sscc-labels-REF-TIME.pdf` (REF: the reference, or
    /// "no-ref"; TIME: the close's), then prints both through `printer` when given (the
    /// labels as a label job per pallet, the note as a document). The one delivery the CLI
    /// and the station's Close shipment share.
    pub fn deliver(
        &self,
        closed: &ClosedShipment,
        dir: &std::path::Path,
        printer: Option<&crate::printer::PrintTarget>,
    ) -> Result<Delivered, DeliverError> {
        let write = |path: std::path::PathBuf, bytes: &[u8]| {
            std::fs::create_dir_all(dir)
                .and_then(|_| std::fs::write(&path, bytes))
                .map_err(|source| DeliverError::Write {
                    path: path.clone(),
                    source,
                })
                .map(|_| path)
        };
        let when = chrono::DateTime::parse_from_rfc3339(&closed.at)
            .map_or_else(|_| String::new(), |t| t.format("%Y%m%d-%H%M%S").to_string());
        let reference: String = closed
            .shipment
            .as_deref()
            .unwrap_or("no-ref")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let despatch_note = write(
            dir.join(format!("despatch-{reference}-{when}.pdf")),
            &self.note_pdf,
        )?;
        let labels = write(
            dir.join(format!("sscc-labels-{reference}-{when}.pdf")),
            &self.labels_pdf(),
        )?;
        let mut printed = Vec::new();
        if let Some(target) = printer {
            let failed = |why| DeliverError::Print {
                folder: dir.to_path_buf(),
                why,
            };
            printed.push(
                crate::printer::print_document(target, &self.note_pdf, &self.note.title())
                    .map_err(failed)?,
            );
            for l in &self.labels {
                printed
                    .push(crate::printer::print(target, &l.template, &l.layouts).map_err(failed)?);
            }
        }
        Ok(Delivered {
            despatch_note,
            labels,
            printed,
        })
    }
}

/// The shipping site in a line, as the note and the labels' FROM say it.
pub fn site_line(site: &super::SiteConfig, station: &str) -> String {
    let mut parts = Vec::new();
    if !site.facility.trim().is_empty() {
        parts.push(site.facility.trim().to_string());
    }
    if let Some(gln) = site.gln.as_deref().filter(|g| !g.trim().is_empty()) {
        parts.push(format!("GLN {gln}"));
    }
    if parts.is_empty() {
        parts.push(format!("station {station}"));
    }
    parts.join(", ")
}

/// The values of a pallet's SSCC label and the template they fill.
pub fn pallet_label_data(
    pallet: &OutgoingPallet,
    from: &str,
    to: &str,
    product: impl Fn(&str) -> Option<String>,
) -> (&'static str, crate::label::LabelData) {
    let mut data = crate::label::LabelData::new();
    data.insert("from".into(), from.to_string());
    data.insert("to".into(), to.to_string());
    data.insert("sscc".into(), pallet.sscc.clone());
    data.insert("count".into(), pallet.quantity().to_string());
    match pallet.single_lot() {
        Some(l) if l.expiry.is_some() => {
            let expiry = l.expiry.expect("checked");
            data.insert("gtin".into(), l.gtin.clone());
            data.insert("batch".into(), l.batch.clone());
            data.insert("expiry".into(), expiry.format("%y%m%d").to_string());
            data.insert("expiry_date".into(), expiry.to_string());
            data.insert("product".into(), product(&l.gtin).unwrap_or_default());
            (SINGLE_LOT_LABEL, data)
        }
        _ => {
            // One line per lot, its quantities summed, in the order they were scanned.
            let mut lots: Vec<(&str, &str, Option<chrono::NaiveDate>, u64)> = Vec::new();
            for l in &pallet.lines {
                match lots
                    .iter_mut()
                    .find(|(g, b, _, _)| *g == l.gtin && *b == l.batch)
                {
                    Some(lot) => lot.3 += l.quantity,
                    None => lots.push((&l.gtin, &l.batch, l.expiry, l.quantity)),
                }
            }
            data.insert("lines".into(), lots.len().to_string());
            let line = |(g, b, e, q): &(&str, &str, Option<chrono::NaiveDate>, u64)| {
                let e = e.map_or("no expiry".to_string(), |d| d.to_string());
                format!("{b}  {g}  {e}  x {q}")
            };
            for i in 0..MIXED_LINES {
                let text = match lots.get(i) {
                    Some(_) if i == MIXED_LINES - 1 && lots.len() > MIXED_LINES => format!(
                        "+ {} more lots: see the despatch note",
                        lots.len() - (MIXED_LINES - 1)
                    ),
                    Some(lot) => line(lot),
                    None => String::new(),
                };
                data.insert(format!("line{}", i + 1), text);
            }
            (MIXED_LABEL, data)
        }
    }
}

impl Station {
    /// A closed shipment's despatch note and SSCC labels, `copies` of each (1 to
    /// [`crate::compliance::despatch::MAX_COPIES`]). The one place the CLI and the UI make them.
    pub fn shipment_documents(
        &self,
        closed: &ClosedShipment,
        site: &super::SiteConfig,
        copies: u32,
    ) -> Result<ShipmentDocuments, super::label_job::LabelJobError> {
        use crate::compliance::despatch::{self, DespatchNote};
        if !(1..=despatch::MAX_COPIES).contains(&copies) {
            return Err(super::label_job::LabelJobError::Copies(copies));
        }
        let mut products = std::collections::BTreeMap::new();
        for l in closed.pallets.iter().flat_map(|p| &p.lines) {
            if !products.contains_key(&l.gtin)
                && let Some(p) = self.store.product(&l.gtin).map_err(WorkflowError::from)?
            {
                products.insert(l.gtin.clone(), p.name);
            }
        }
        let actor = self
            .store
            .event(&closed.event_id)
            .map_err(WorkflowError::from)?
            .map_or_else(String::new, |e| e.actor);
        let note = DespatchNote {
            site: site_line(site, &closed.station),
            customer: closed.customer.clone(),
            shipment: closed.shipment.clone(),
            closed_at: closed.at.clone(),
            station: closed.station.clone(),
            closed_by: actor,
            close_id: closed.event_id.clone(),
            pallets: closed.pallets.clone(),
            products,
        };
        let mut labels = Vec::new();
        for pallet in &closed.pallets {
            let (name, data) = pallet_label_data(pallet, &note.site, &closed.customer, |g| {
                note.products.get(g).cloned()
            });
            let path = crate::label::template::templates_dir().join(format!("{name}.toml"));
            let template = crate::label::Template::load(&path.to_string_lossy())?;
            let layout = crate::label::lay_out(&template, &data)?;
            labels.push(PalletLabels {
                sscc: pallet.sscc.clone(),
                template,
                layouts: vec![layout; copies as usize],
            });
        }
        Ok(ShipmentDocuments {
            note_pdf: despatch::render(&note, copies),
            note,
            labels,
        })
    }
}
