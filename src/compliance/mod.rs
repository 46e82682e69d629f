//! Recall and compliance: pure builders over a small model of critical tracking events (CTEs).
//!
//! The store's event log is adapted into [`Cte`] records at the edge; everything here is pure:
//! - [`epcis`]: EPCIS 2.0 JSON-LD documents (ObjectEvent / TransformationEvent).
//! - [`fsma`]: FSMA 204 sortable spreadsheet rows (one row per CTE per lot) and their CSV form.
//! - [`report`]: the trace (and recall) report model over [`crate::domain::trace::Trace`]s, with
//!   its PDF and CSV renderers.
//! - [`history`]: a lot's history as lines for people (Lot lookup, `lotline lot history`).
//! - [`suppliers`]: the supplier quality report as a table or CSV.
//! - [`costs`]: the cost report (COGS, revenue, margin, stock value) as a table, CSV or XLSX.
//! - [`sheet`]: aligned text tables and one-sheet XLSX workbooks for the reports.
//!
//! The recall itself (what it covers, what is still open) is [`crate::domain::recall`], over
//! the one trace the station has ([`crate::domain::trace`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub mod costs;
pub mod despatch;
pub mod epcis;
pub mod from_store;
pub mod fsma;
pub mod history;
pub mod report;
pub mod sheet;
pub mod suppliers;

/// What went wrong while building or rendering a compliance document.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// A GTIN, lot or GLN in a CTE is not valid GS1 data, so no identifier URI can be made.
    #[error("invalid GS1 identifier in {what}: {source}")]
    Identifier {
        what: String,
        #[source]
        source: crate::gs1::Gs1Error,
    },
    /// Writing the CSV output failed (disk full, closed pipe…).
    #[error("could not write CSV")]
    Csv(#[from] csv::Error),
    /// Writing the output failed.
    #[error("could not write output")]
    Io(#[from] std::io::Error),
    /// Building the XLSX workbook failed.
    #[error("could not build the XLSX workbook")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// A trading partner (supplier, customer) or our own site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    /// The party's GLN (13 digits), when known.
    pub gln: Option<String>,
}

/// A quantity of one lot of one trade item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotQuantity {
    /// GTIN-14 (or shorter GTIN, padded by GS1 rules).
    pub gtin: String,
    /// The batch/lot number, AI (10).
    pub lot: String,
    pub description: String,
    pub quantity: f64,
    /// UN/ECE rec 20 unit code (e.g. KGM, EA).
    pub unit: String,
    pub expiry: Option<NaiveDate>,
}

/// A reference document: its type (purchase order, despatch advice, production record …) and
/// number, the FSMA 204 KDEs "reference document type" and "reference document number".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: String,
    pub number: String,
}

impl Reference {
    pub fn new(kind: impl Into<String>, number: impl Into<String>) -> Reference {
        Reference {
            kind: kind.into(),
            number: number.into(),
        }
    }
}

/// `"PO 4711"` → type `PO`, number `4711` (no space: a number of no stated type).
impl From<&str> for Reference {
    fn from(s: &str) -> Reference {
        match s.trim().split_once(char::is_whitespace) {
            Some((kind, number)) => Reference::new(kind, number.trim()),
            None => Reference::new("", s.trim()),
        }
    }
}

/// The kind of critical tracking event (FSMA 204 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CteKind {
    /// Lots received from a supplier (`outputs` are the lots received).
    Receiving,
    /// Lots created on site without inputs (`outputs` are the new lots).
    InitialPacking,
    /// Inputs consumed into new output lots.
    Transformation,
    /// Lots shipped to a customer (`inputs` are the lots shipped).
    Shipping,
}

impl CteKind {
    /// The FSMA 204 name shown in spreadsheets and reports.
    pub fn fsma_name(self) -> &'static str {
        match self {
            CteKind::Receiving => "Receiving",
            CteKind::InitialPacking => "Initial packing",
            CteKind::Transformation => "Transformation",
            CteKind::Shipping => "Shipping",
        }
    }
}

/// One critical tracking event with its key data elements (KDEs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cte {
    /// Stable id of the event in the store (used for EPCIS eventID and report rows).
    pub id: String,
    pub kind: CteKind,
    pub time: DateTime<Utc>,
    /// GLN of the site where the event happened.
    pub location_gln: String,
    /// Lots consumed (transformation) or shipped (shipping).
    pub inputs: Vec<LotQuantity>,
    /// Lots received, packed or produced.
    pub outputs: Vec<LotQuantity>,
    /// The supplier for receiving, our site otherwise.
    pub source: Option<Party>,
    /// The customer for shipping.
    pub destination: Option<Party>,
    /// Reference document (PO, despatch advice, work order) type and number.
    pub reference: Option<Reference>,
}

impl Cte {
    /// The lots this event touches, inputs first.
    pub fn lots(&self) -> impl Iterator<Item = &LotQuantity> {
        self.inputs.iter().chain(self.outputs.iter())
    }
}
