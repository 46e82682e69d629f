//! FSMA 204 electronic sortable spreadsheet: one row per CTE per traceability lot.
//!
//! Dates are ISO 8601 so the sheet sorts as text; KDE columns that do not apply to a CTE are
//! left empty (receiving fills the previous source, shipping the ship-to, transformation the
//! input lots).

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::{ComplianceError, Cte, CteKind, LotQuantity, Party};

/// One spreadsheet row. Field order is column order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FsmaRow {
    #[serde(rename = "Event date")]
    pub event_date: String,
    #[serde(rename = "Event time (UTC)")]
    pub event_time: String,
    #[serde(rename = "CTE")]
    pub cte: &'static str,
    #[serde(rename = "Traceability lot code")]
    pub tlc: String,
    #[serde(rename = "GTIN")]
    pub gtin: String,
    #[serde(rename = "Product description")]
    pub description: String,
    #[serde(rename = "Quantity")]
    pub quantity: f64,
    #[serde(rename = "Unit of measure")]
    pub unit: String,
    #[serde(rename = "Location GLN")]
    pub location_gln: String,
    #[serde(rename = "Immediate previous source")]
    pub previous_source: String,
    #[serde(rename = "Ship-to")]
    pub ship_to: String,
    #[serde(rename = "Input traceability lot codes")]
    pub input_lots: String,
    #[serde(rename = "Expiry date")]
    pub expiry: String,
    #[serde(rename = "Reference document")]
    pub reference: String,
    #[serde(rename = "Event id")]
    pub event_id: String,
}

/// The rows for `ctes` between `from` and `to` (inclusive dates, UTC), restricted to rows that
/// name one of `lots` (as traceability lot or input) when `lots` is not empty, sorted by time
/// then lot code.
pub fn rows(
    ctes: &[Cte],
    lots: &[String],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<FsmaRow> {
    let mut out = Vec::new();
    for cte in ctes {
        let day = cte.time.date_naive();
        if from.is_some_and(|f| day < f) || to.is_some_and(|t| day > t) {
            continue;
        }
        let input_lots = match cte.kind {
            CteKind::Transformation => cte.inputs.iter().map(tlc).collect::<Vec<_>>().join("; "),
            _ => String::new(),
        };
        let subjects = match cte.kind {
            CteKind::Shipping => &cte.inputs,
            _ => &cte.outputs,
        };
        for lot in subjects {
            let row = FsmaRow {
                event_date: day.format("%Y-%m-%d").to_string(),
                event_time: cte.time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                cte: cte.kind.fsma_name(),
                tlc: tlc(lot),
                gtin: lot.gtin.clone(),
                description: lot.description.clone(),
                quantity: lot.quantity,
                unit: lot.unit.clone(),
                location_gln: cte.location_gln.clone(),
                previous_source: match cte.kind {
                    CteKind::Receiving => party(&cte.source),
                    _ => String::new(),
                },
                ship_to: match cte.kind {
                    CteKind::Shipping => party(&cte.destination),
                    _ => String::new(),
                },
                input_lots: input_lots.clone(),
                expiry: lot
                    .expiry
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                reference: cte.reference.clone().unwrap_or_default(),
                event_id: cte.id.clone(),
            };
            let named = lots.is_empty()
                || lots
                    .iter()
                    .any(|l| *l == lot.lot || row.input_lots.contains(l.as_str()));
            if named {
                out.push(row);
            }
        }
    }
    out.sort_by(|a, b| (&a.event_time, &a.tlc).cmp(&(&b.event_time, &b.tlc)));
    out
}

/// Writes the rows as CSV with a header line.
pub fn write_csv(rows: &[FsmaRow], out: impl Write) -> Result<(), ComplianceError> {
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}

/// The traceability lot code: GS1 element string of GTIN and lot, unique across products.
fn tlc(lot: &LotQuantity) -> String {
    format!("(01){}(10){}", lot.gtin, lot.lot)
}

fn party(p: &Option<Party>) -> String {
    match p {
        Some(Party { name, gln: Some(g) }) => format!("{name} (GLN {g})"),
        Some(Party { name, gln: None }) => name.clone(),
        None => String::new(),
    }
}
