//! Expiry board: lots with stock expiring within the station's horizon.

use crate::ui::present::{self, Shown, ShownLine};
use crate::workflow::Station;

/// The Expiry mode (it keeps nothing between refreshes).
#[derive(Debug, Default)]
pub struct ExpiryController;

impl ExpiryController {
    /// The board for lots expiring within `days` of `today` (expired ones first, red).
    pub fn refresh(
        &self,
        station: &Station,
        days: i32,
        today: chrono::NaiveDate,
    ) -> Result<Vec<ShownLine>, Shown> {
        let days = days.max(0) as u32;
        station
            .expiring(today, days)
            .map(|lots| present::expiry_lines(&lots, today))
            .map_err(|e| Shown::refused(e.to_string()))
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
        let lines = c.refresh(&s, 14, near).unwrap();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].text.contains("SOON") && lines[0].text.contains("expires in 3 days"));
        assert_eq!(lines[0].verdict, Some(Verdict::Warn));
        let far = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let lines = c.refresh(&s, -5, far).unwrap();
        assert!(lines[0].text.contains("no lots"), "{:?}", lines[0]);
    }
}
