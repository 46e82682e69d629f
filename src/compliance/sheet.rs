//! Tables for people and spreadsheets, shared by the reports: a text table with aligned
//! columns, and a one-sheet XLSX workbook (header bold and frozen, autofilter over every
//! column), the conventions of the FSMA 204 workbook ([`super::fsma::write_xlsx`]).

use std::io::Write;

use super::ComplianceError;

/// Rows as text with aligned columns: the first column left, the others right; a rule
/// before the last row when it is a total.
pub fn aligned(rows: &[Vec<String>], total_last: bool) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        if total_last && i == rows.len() - 1 && i > 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// A cell of an XLSX sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A count.
    Count(u64),
    /// An amount of money, written from its exact decimal text as a spreadsheet number with
    /// the currency's decimals shown.
    Money(String),
    Empty,
}

/// Writes one sheet: `header` bold and frozen, `rows` under it, an autofilter over every
/// column (so it sorts and filters), money with `decimals` places shown.
pub fn write_xlsx(
    name: &str,
    header: &[&str],
    rows: &[Vec<Cell>],
    decimals: u32,
    mut out: impl Write,
) -> Result<(), ComplianceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(match decimals {
        0 => "#,##0".to_string(),
        n => format!("#,##0.{}", "0".repeat(n as usize)),
    });
    for (c, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *title, &bold)?;
        sheet.set_column_width(c as u16, (title.len() as f64 + 4.0).max(14.0))?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(r, c, t)?;
                }
                Cell::Count(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                // A spreadsheet number is a binary float: the exact amount rounded to the
                // nearest one (to the cent, the same figure); the CSV keeps the exact text.
                Cell::Money(m) => match m.parse::<f64>() {
                    Ok(v) => {
                        sheet.write_number_with_format(r, c, v, &money)?;
                    }
                    Err(_) => {
                        sheet.write_string(r, c, m)?;
                    }
                },
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, header.len().max(1) as u16 - 1)?;
    out.write_all(&book.save_to_buffer()?)?;
    Ok(())
}
