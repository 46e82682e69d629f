//! Doubled reads: one trigger pull that arrives twice must count once.
//!
//! A scan is a duplicate when it carries the same bytes as the previous counted scan from the
//! same source and arrives within the window after it. The window starts at the scan that
//! counted, so a deliberate re-scan after the window counts again, and scanning A, B, A counts
//! three times (only the previous scan of a source is compared).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Scan, SourceId};

#[derive(Debug)]
pub struct DuplicateFilter {
    window: Duration,
    last: HashMap<SourceId, (Vec<u8>, Instant)>,
}

impl DuplicateFilter {
    /// A zero window turns the filter off.
    pub fn new(window: Duration) -> Self {
        DuplicateFilter {
            window,
            last: HashMap::new(),
        }
    }

    /// True when the scan counts; false when it is a doubled read to drop.
    pub fn admit(&mut self, scan: &Scan) -> bool {
        if self.window.is_zero() {
            return true;
        }
        if let Some((raw, at)) = self.last.get(&scan.source) {
            let within = scan.arrived.saturating_duration_since(*at) < self.window;
            if within && *raw == scan.raw {
                return false;
            }
        }
        self.last
            .insert(scan.source.clone(), (scan.raw.clone(), scan.arrived));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn scan(source: &str, data: &str, at: Instant) -> Scan {
        Scan::from_frame(data.into(), &SourceId::new(source), at, Utc::now()).unwrap()
    }

    #[test]
    fn a_doubled_read_counts_once_and_a_rescan_after_the_window_counts_again() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut f = DuplicateFilter::new(ms(1000));
        assert!(f.admit(&scan("s", "A", t0)));
        assert!(!f.admit(&scan("s", "A", t0 + ms(80))), "doubled read");
        assert!(
            !f.admit(&scan("s", "A", t0 + ms(999))),
            "still within the window"
        );
        assert!(
            f.admit(&scan("s", "A", t0 + ms(1000))),
            "deliberate re-scan"
        );
    }

    #[test]
    fn other_data_or_another_source_is_never_a_duplicate() {
        let t0 = Instant::now();
        let mut f = DuplicateFilter::new(Duration::from_secs(5));
        assert!(f.admit(&scan("s", "A", t0)));
        assert!(f.admit(&scan("t", "A", t0)), "same data, other scanner");
        assert!(f.admit(&scan("s", "B", t0)));
        assert!(
            f.admit(&scan("s", "A", t0)),
            "A, B, A: the second A is deliberate"
        );
    }

    #[test]
    fn a_zero_window_turns_the_filter_off() {
        let t0 = Instant::now();
        let mut f = DuplicateFilter::new(Duration::ZERO);
        assert!(f.admit(&scan("s", "A", t0)));
        assert!(f.admit(&scan("s", "A", t0)));
    }
}
