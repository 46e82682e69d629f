//! Scans reach the station only while its window-wide scan handler has the keyboard. A tapped
//! field (or a checkbox, a list) takes it; Enter in a field, every button and every panel that
//! closes hand it back. When a field keeps it anyway with nobody typing (someone tapped a
//! field and walked away), the banner says "TAP HERE TO SCAN". This decides when. Pure.

use std::time::{Duration, Instant};

/// How long the keyboard may stay away from scanning, with no key typed, before the banner
/// says so: long enough not to flash while someone types a name, short enough that the next
/// worker sees it before their first scan is lost.
pub const GRACE: Duration = Duration::from_secs(4);

/// Watches where the keyboard is.
#[derive(Debug, Default)]
pub struct FocusWatch {
    /// Since when scanning has not had the keyboard.
    away_since: Option<Instant>,
    /// The last key typed into a field.
    last_key: Option<Instant>,
}

impl FocusWatch {
    /// A key was typed into a field at `now`: someone is there.
    pub fn key(&mut self, now: Instant) {
        self.last_key = Some(now);
    }

    /// Whether to say "tap here to scan" at `now`: scanning has not had the keyboard
    /// (`scanning` false) for [`GRACE`] with no key typed, and no keypad is open (it is the
    /// panel being used, and its OK gives the keyboard back).
    pub fn lost(&mut self, scanning: bool, keypad_open: bool, now: Instant) -> bool {
        if scanning || keypad_open {
            self.away_since = None;
            return false;
        }
        let away = *self.away_since.get_or_insert(now);
        let quiet_since = self.last_key.map_or(away, |k| k.max(away));
        now.saturating_duration_since(quiet_since) >= GRACE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_comes_after_the_grace_with_nobody_typing_and_goes_with_the_keyboard() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let mut w = FocusWatch::default();
        assert!(!w.lost(true, false, at(0)), "scanning has the keyboard");
        assert!(!w.lost(false, false, at(1)), "a field was just tapped");
        assert!(!w.lost(false, false, at(4)));
        w.key(at(4));
        assert!(!w.lost(false, false, at(7)), "someone is typing");
        assert!(w.lost(false, false, at(8)), "nobody typed for the grace");
        assert!(!w.lost(false, true, at(20)), "the keypad is open");
        assert!(!w.lost(false, false, at(21)), "the keypad just closed");
        assert!(w.lost(false, false, at(30)));
        assert!(!w.lost(true, false, at(31)), "the banner was tapped");
    }
}
