//! FSMA 204 electronic sortable spreadsheet: one row per CTE per traceability lot.
//!
//! Dates are ISO 8601 so the sheet sorts as text; KDE columns that do not apply to a CTE are
//! left empty (receiving fills the immediate previous source, shipping the immediate
//! subsequent recipient, transformation the input lots). Written as CSV ([`write_csv`]) or as
//! an XLSX workbook ([`write_xlsx`]: real dates and numbers, header row frozen, autofilter).

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{ComplianceError, Cte, CteKind, LotQuantity, Party};

/// One spreadsheet row. Field order is column order; the names are the FSMA 204 key data
/// elements (KDEs).
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
    /// Where the traceability lot code was assigned: the supplier for a lot received, this
    /// site for a lot made here.
    #[serde(rename = "Traceability lot code source")]
    pub tlc_source: String,
    #[serde(rename = "GTIN")]
    pub gtin: String,
    #[serde(rename = "Product description")]
    pub description: String,
    #[serde(rename = "Quantity")]
    pub quantity: f64,
    #[serde(rename = "Unit of measure")]
    pub unit: String,
    #[serde(rename = "Location (GLN)")]
    pub location_gln: String,
    #[serde(rename = "Immediate previous source")]
    pub previous_source: String,
    #[serde(rename = "Immediate subsequent recipient")]
    pub subsequent_recipient: String,
    #[serde(rename = "Input traceability lot codes")]
    pub input_lots: String,
    #[serde(rename = "Expiry date")]
    pub expiry: String,
    #[serde(rename = "Reference document type")]
    pub reference_type: String,
    #[serde(rename = "Reference document number")]
    pub reference_number: String,
    #[serde(rename = "Event id")]
    pub event_id: String,
    /// The event time, typed (for the XLSX date cells).
    #[serde(skip)]
    pub time: DateTime<Utc>,
    /// The expiry, typed.
    #[serde(skip)]
    pub expiry_date: Option<NaiveDate>,
}

/// The column titles, in order.
pub const COLUMNS: [&str; 17] = [
    "Event date",
    "Event time (UTC)",
    "CTE",
    "Traceability lot code",
    "Traceability lot code source",
    "GTIN",
    "Product description",
    "Quantity",
    "Unit of measure",
    "Location (GLN)",
    "Immediate previous source",
    "Immediate subsequent recipient",
    "Input traceability lot codes",
    "Expiry date",
    "Reference document type",
    "Reference document number",
    "Event id",
];

/// The rows for `ctes` between `from` and `to` (inclusive dates, UTC), restricted to rows that
/// name one of `lots` (lot number, as the traceability lot or as an input of a
/// transformation) when `lots` is not empty, sorted by time then lot code.
pub fn rows(
    ctes: &[Cte],
    lots: &[String],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Vec<FsmaRow> {
    let sources = tlc_sources(ctes);
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
        let uses_named_input =
            cte.kind == CteKind::Transformation && cte.inputs.iter().any(|i| lots.contains(&i.lot));
        for lot in subjects {
            if !(lots.is_empty() || uses_named_input || lots.contains(&lot.lot)) {
                continue;
            }
            let (reference_type, reference_number) = cte
                .reference
                .as_ref()
                .map(|r| (r.kind.clone(), r.number.clone()))
                .unwrap_or_default();
            out.push(FsmaRow {
                event_date: day.format("%Y-%m-%d").to_string(),
                event_time: cte.time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                cte: cte.kind.fsma_name(),
                tlc: tlc(lot),
                tlc_source: sources
                    .get(&(lot.gtin.as_str(), lot.lot.as_str()))
                    .cloned()
                    .unwrap_or_default(),
                gtin: lot.gtin.clone(),
                description: lot.description.clone(),
                quantity: lot.quantity,
                unit: lot.unit.clone(),
                location_gln: cte.location_gln.clone(),
                previous_source: match cte.kind {
                    CteKind::Receiving => party(&cte.source),
                    _ => String::new(),
                },
                subsequent_recipient: match cte.kind {
                    CteKind::Shipping => party(&cte.destination),
                    _ => String::new(),
                },
                input_lots: input_lots.clone(),
                expiry: lot
                    .expiry
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                reference_type,
                reference_number,
                event_id: cte.id.clone(),
                time: cte.time,
                expiry_date: lot.expiry,
            });
        }
    }
    out.sort_by(|a, b| (&a.event_time, &a.tlc).cmp(&(&b.event_time, &b.tlc)));
    out
}

/// Where each lot's code was assigned, from the events that brought it into being: the
/// supplier that sent it (receiving), or this site (transformation, initial packing).
fn tlc_sources(ctes: &[Cte]) -> BTreeMap<(&str, &str), String> {
    let mut out = BTreeMap::new();
    for cte in ctes {
        let source = match cte.kind {
            CteKind::Receiving => party(&cte.source),
            CteKind::Transformation | CteKind::InitialPacking => {
                format!("this site (GLN {})", cte.location_gln)
            }
            CteKind::Shipping => continue,
        };
        for lot in &cte.outputs {
            out.entry((lot.gtin.as_str(), lot.lot.as_str()))
                .or_insert_with(|| source.clone());
        }
    }
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

/// Writes the rows as an XLSX workbook: one sheet, the header row bold and frozen, an
/// autofilter over every column (so it sorts and filters), dates as Excel dates.
pub fn write_xlsx(rows: &[FsmaRow], mut out: impl Write) -> Result<(), ComplianceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("FSMA 204")?;
    let bold = Format::new().set_bold();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (c, title) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
        let width = match *title {
            "Event date" | "Expiry date" | "GTIN" | "Quantity" | "Unit of measure" => 14.0,
            "Event time (UTC)" | "CTE" => 19.0,
            "Event id" => 38.0,
            _ => 28.0,
        };
        sheet.set_column_width(c as u16, width)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_datetime_with_format(row, 0, r.time.date_naive(), &day)?;
        sheet.write_datetime_with_format(row, 1, r.time.naive_utc(), &time)?;
        let texts: [(u16, &str); 8] = [
            (2, r.cte),
            (3, &r.tlc),
            (4, &r.tlc_source),
            (5, &r.gtin),
            (6, &r.description),
            (8, &r.unit),
            (9, &r.location_gln),
            (10, &r.previous_source),
        ];
        for (c, text) in texts {
            sheet.write_string(row, c, text)?;
        }
        sheet.write_number(row, 7, r.quantity)?;
        for (c, text) in [
            (11, &r.subsequent_recipient),
            (12, &r.input_lots),
            (14, &r.reference_type),
            (15, &r.reference_number),
            (16, &r.event_id),
        ] {
            sheet.write_string(row, c, text)?;
        }
        if let Some(e) = r.expiry_date {
            sheet.write_datetime_with_format(row, 13, e, &day)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    out.write_all(&book.save_to_buffer()?)?;
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
