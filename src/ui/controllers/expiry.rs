//! Expiry board: lots with stock expiring within the station's horizon.

use crate::ui::present::{self, ExpiryRow, Shown, ShownLine};
use crate::workflow::{Station, WorkflowError};

/// The Expiry mode (it keeps nothing between refreshes).
#[derive(Debug, Default)]
pub struct ExpiryController;

/// The board: its lines, and for each line the scan that opens its lot in Lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryBoard {
    pub lines: Vec<ShownLine>,
    pub keys: Vec<String>,
}

impl ExpiryController {
    /// The board for lots expiring within `days` of `today` (expired ones first, red), with
    /// each lot's product name and where its stock is.
    pub fn refresh(
        &self,
        station: &Station,
        days: i32,
        today: chrono::NaiveDate,
    ) -> Result<ExpiryBoard, Shown> {
        let days = days.max(0) as u32;
        let rows = || -> Result<Vec<ExpiryRow>, WorkflowError> {
            let mut rows = Vec::new();
            for lot in station.expiring(today, days)? {
                let product = station.product(&lot.gtin)?.map(|p| p.name);
                let stock = station
                    .lookup(&lot.gtin, &lot.batch)?
                    .map(|l| l.stock)
                    .unwrap_or_default();
                rows.push(ExpiryRow {
                    lot,
                    product,
                    stock,
                });
            }
            Ok(rows)
        };
        let rows = rows().map_err(|e| Shown::refused(e.to_string()))?;
        Ok(ExpiryBoard {
            lines: present::expiry_lines(&rows, today),
            keys: rows
                .iter()
                .map(|r| format!("(01){}(10){}", r.lot.gtin, r.lot.batch))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::present::Verdict;
    use crate::workflow::testing::{TOMATOES, receive, station};

    #[test]
    fn the_board_shows_lots_within_the_horizon_coloured_by_days_left() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        receive(&mut s, TOMATOES, "SOON", 3); // expires 2026-12-31
        let c = ExpiryController;
        let near = chrono::NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        let board = c.refresh(&s, 14, near).unwrap();
        let lines = &board.lines;
        assert_eq!(lines.len(), 1);
        assert!(lines[0].text.contains("SOON") && lines[0].text.contains("expires in 3 days"));
        assert!(
            lines[0].text.contains("Tomatoes") && lines[0].text.contains("DOCK 3"),
            "the product and where the stock is: {}",
            lines[0].text
        );
        assert_eq!(lines[0].verdict, Some(Verdict::Warn));
        // The row opens its lot: the key is a scan of it.
        assert_eq!(board.keys, ["(01)09501101530003(10)SOON"]);
        let lot = s.resolve_lot(&board.keys[0], None, None).unwrap();
        assert_eq!(lot.batch, "SOON");
        let far = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let board = c.refresh(&s, -5, far).unwrap();
        assert!(
            board.lines[0].text.contains("no lots"),
            "{:?}",
            board.lines[0]
        );
        assert!(board.keys.is_empty());
    }
}
