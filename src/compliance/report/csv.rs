//! The trace report as CSV: one row per movement (received, consumed into, shipped) reached
//! by the trace, oldest first, with the traced lot, the direction and the level, so a
//! spreadsheet can sort and filter it. A recall report adds its items as rows of kind
//! `recall item` (quantity = expected, with accounted and outstanding).

use std::io::Write;

use serde::Serialize;

use super::{TraceReport, date};
use crate::compliance::ComplianceError;
use crate::domain::recall::holder_name;

/// One CSV row. Field order is column order.
#[derive(Debug, Clone, Serialize)]
struct Row<'a> {
    #[serde(rename = "Date")]
    date: &'a str,
    #[serde(rename = "Time (UTC)")]
    at: &'a str,
    #[serde(rename = "Event")]
    event: &'a str,
    #[serde(rename = "GTIN")]
    gtin: &'a str,
    #[serde(rename = "Batch")]
    batch: &'a str,
    #[serde(rename = "Product")]
    product: &'a str,
    #[serde(rename = "Quantity")]
    quantity: i64,
    #[serde(rename = "From / to")]
    counterparty: &'a str,
    #[serde(rename = "Reference")]
    reference: &'a str,
    #[serde(rename = "Traced lot")]
    traced: String,
    #[serde(rename = "Direction")]
    direction: &'a str,
    #[serde(rename = "Level")]
    level: u32,
    #[serde(rename = "Accounted")]
    accounted: Option<i64>,
    #[serde(rename = "Outstanding")]
    outstanding: Option<i64>,
}

/// Writes the report's rows with a header line.
pub fn write(report: &TraceReport, out: impl Write) -> Result<(), ComplianceError> {
    let mut w = ::csv::Writer::from_writer(out);
    for m in &report.movements {
        w.serialize(Row {
            date: date(&m.at),
            at: &m.at,
            event: m.kind.name(),
            gtin: &m.lot.gtin,
            batch: &m.lot.batch,
            product: &m.product,
            quantity: m.quantity,
            counterparty: &m.counterparty,
            reference: &m.reference,
            traced: m.traced.to_string(),
            direction: match m.direction {
                crate::domain::trace::Direction::Backward => "backward",
                _ => "forward",
            },
            level: m.level,
            accounted: None,
            outstanding: None,
        })?;
    }
    if let Some(recall) = &report.recall {
        let products: std::collections::BTreeMap<_, _> =
            report.lots.iter().map(|(l, p)| (l, p.as_str())).collect();
        for i in &recall.items {
            let holder = holder_name(&i.customer);
            w.serialize(Row {
                date: date(&recall.record.started_at),
                at: &recall.record.started_at,
                event: "recall item",
                gtin: &i.lot.gtin,
                batch: &i.lot.batch,
                product: products.get(&i.lot).copied().unwrap_or(""),
                quantity: i.expected,
                counterparty: &holder,
                reference: &recall.record.id,
                traced: String::new(),
                direction: "",
                level: 0,
                accounted: Some(i.accounted),
                outstanding: Some(i.outstanding),
            })?;
        }
    }
    w.flush()?;
    Ok(())
}
