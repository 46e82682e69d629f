//! The cost report ([`crate::domain::cost::CostReport`]) for people and spreadsheets: an
//! aligned table, CSV (amounts as exact decimal text) or XLSX. One row per group (product,
//! batch or customer), a total row, and a row for the stock on hand valued at lot cost.

use std::io::Write;

use super::ComplianceError;
use super::sheet::{self, Cell};
use crate::domain::cost::{CostReport, GroupBy, MarginLine};

/// The columns, in order (CSV header, XLSX header, table header).
pub const COLUMNS: [&str; 13] = [
    "Line",
    "GTIN",
    "Batch",
    "Customer",
    "Product",
    "Quantity",
    "COGS",
    "Revenue",
    "Margin",
    "Stock value",
    "Uncosted quantity",
    "Unpriced quantity",
    "Currency",
];

fn line_cells(kind: &str, l: &MarginLine, currency: &str) -> Vec<Cell> {
    let text = |s: &Option<String>| s.clone().map_or(Cell::Empty, Cell::Text);
    vec![
        Cell::Text(kind.into()),
        text(&l.gtin),
        text(&l.batch),
        text(&l.customer),
        text(&l.product),
        Cell::Count(l.quantity),
        Cell::Money(l.cogs.to_string()),
        Cell::Money(l.revenue.to_string()),
        Cell::Money(l.margin.to_string()),
        Cell::Empty,
        Cell::Count(l.uncosted_quantity),
        Cell::Count(l.unpriced_quantity),
        Cell::Text(currency.into()),
    ]
}

/// Every row of the report as cells: the groups, the total, the stock.
pub fn rows(r: &CostReport) -> Vec<Vec<Cell>> {
    let kind = match r.by {
        GroupBy::Product => "product",
        GroupBy::Batch => "batch",
        GroupBy::Customer => "customer",
    };
    let currency = r.currency.code();
    let mut rows: Vec<Vec<Cell>> = r
        .lines
        .iter()
        .map(|l| line_cells(kind, l, currency))
        .collect();
    rows.push(line_cells("total", &r.total, currency));
    let mut stock = vec![Cell::Empty; COLUMNS.len()];
    stock[0] = Cell::Text("stock on hand".into());
    stock[5] = Cell::Count(r.stock.quantity);
    stock[9] = Cell::Money(r.stock.value.to_string());
    stock[10] = Cell::Count(r.stock.uncosted_quantity);
    stock[12] = Cell::Text(currency.into());
    rows.push(stock);
    rows
}

fn text(c: &Cell) -> std::borrow::Cow<'_, str> {
    match c {
        Cell::Text(t) | Cell::Money(t) => t.as_str().into(),
        Cell::Count(n) => n.to_string().into(),
        Cell::Empty => "".into(),
    }
}

/// CSV with a header line; amounts as exact decimal text.
pub fn write_csv(r: &CostReport, out: impl Write) -> Result<(), ComplianceError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for row in rows(r) {
        let cells: Vec<_> = row.iter().map(text).collect();
        w.write_record(cells.iter().map(|c| c.as_bytes()))?;
    }
    w.flush()?;
    Ok(())
}

/// One sheet, "Cost report", header frozen, autofilter; money shown with the currency's
/// decimals.
pub fn write_xlsx(r: &CostReport, out: impl Write) -> Result<(), ComplianceError> {
    sheet::write_xlsx(
        "Cost report",
        &COLUMNS,
        &rows(r),
        r.currency.minor_unit(),
        out,
    )
}

/// An aligned text table: the group, quantity, COGS, revenue, margin and the units without a
/// cost or price; then the stock line.
pub fn table(r: &CostReport) -> String {
    let name = |l: &MarginLine| -> String {
        match (&l.customer, &l.gtin, &l.batch) {
            (Some(c), _, _) => c.clone(),
            (None, Some(g), Some(b)) => format!("{g} / {b}"),
            (None, Some(g), None) => match &l.product {
                Some(p) => format!("{g} {p}"),
                None => g.clone(),
            },
            _ => "Total".into(),
        }
    };
    let cells = |l: &MarginLine| -> Vec<String> {
        vec![
            name(l),
            l.quantity.to_string(),
            l.cogs.to_string(),
            l.revenue.to_string(),
            l.margin.to_string(),
            l.uncosted_quantity.to_string(),
            l.unpriced_quantity.to_string(),
        ]
    };
    let group = match r.by {
        GroupBy::Product => "Product",
        GroupBy::Batch => "Batch",
        GroupBy::Customer => "Customer",
    };
    let mut rows = vec![
        [
            group, "Shipped", "COGS", "Revenue", "Margin", "Uncosted", "Unpriced",
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    rows.extend(r.lines.iter().map(cells));
    rows.push(cells(&r.total));
    let mut out = sheet::aligned(&rows, true);
    out.push_str(&format!(
        "Stock on hand: {} units in {} lots, valued {} {}{}\n",
        r.stock.quantity,
        r.stock.lots,
        r.stock.value,
        r.currency,
        if r.stock.uncosted_quantity > 0 {
            format!(
                " ({} units in lots not fully costed: their value is a lower bound)",
                r.stock.uncosted_quantity
            )
        } else {
            String::new()
        }
    ));
    out.push_str(&format!("Amounts in {}.", r.currency));
    if r.total.uncosted_quantity > 0 {
        out.push_str(" Uncosted: units shipped from lots not fully costed (COGS a lower bound).");
    }
    if r.total.unpriced_quantity > 0 {
        out.push_str(" Unpriced: units shipped without a price.");
    }
    out.push('\n');
    out
}
