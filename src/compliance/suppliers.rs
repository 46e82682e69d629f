//! The supplier quality report: lots received, rejected and recalled per supplier with the
//! rates, as a text table or CSV. Pure over [`SupplierQuality`] figures (the store counts them).

use std::io::Write;

use super::ComplianceError;
use crate::domain::rules::SupplierQuality;

/// Column titles, in order (CSV header and table header).
pub const COLUMNS: [&str; 7] = [
    "Supplier",
    "Lots received",
    "Rejected",
    "Recalled",
    "Rejection rate %",
    "Recall rate %",
    "Defect rate %",
];

fn cells(f: &SupplierQuality) -> [String; 7] {
    let pct = |r: f64| format!("{:.1}", r * 100.0);
    [
        f.supplier.clone(),
        f.lots.to_string(),
        f.rejected.to_string(),
        f.recalled.to_string(),
        pct(f.rejection_rate),
        pct(f.recall_rate),
        pct(f.defect_rate),
    ]
}

/// The figures as CSV with a header line.
pub fn write_csv(figures: &[SupplierQuality], out: impl Write) -> Result<(), ComplianceError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS)?;
    for f in figures {
        w.write_record(cells(f))?;
    }
    w.flush()?;
    Ok(())
}

/// The figures as an aligned text table (supplier left, numbers right), with a total line.
pub fn table(figures: &[SupplierQuality]) -> String {
    let total = {
        let (lots, rejected, recalled) = figures.iter().fold((0, 0, 0), |(l, j, c), f| {
            (l + f.lots, j + f.rejected, c + f.recalled)
        });
        SupplierQuality::new("All suppliers".into(), lots, rejected, recalled)
    };
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.map(str::to_string).to_vec()];
    rows.extend(figures.iter().map(|f| cells(f).to_vec()));
    rows.push(cells(&total).to_vec());
    super::sheet::aligned(&rows, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_numbers_and_totals_every_supplier() {
        let figures = vec![
            SupplierQuality::new("Acme".into(), 4, 1, 1),
            SupplierQuality::new("Best Farms".into(), 10, 0, 0),
        ];
        let t = table(&figures);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("Supplier       Lots received"), "{t}");
        assert!(
            lines[1].starts_with("Acme") && lines[1].ends_with("50.0"),
            "{t}"
        );
        assert!(
            lines[4].starts_with("All suppliers") && lines[4].ends_with("14.3"),
            "{t}"
        );
        let mut csv = Vec::new();
        write_csv(&figures, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(csv.lines().nth(1), Some("Acme,4,1,1,25.0,25.0,50.0"));
    }
}
