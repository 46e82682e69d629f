//! Keyboard-wedge scanners: a scanner that types. Pure decoder plus a line-mode stdin source.
//!
//! The decoder is fed key events with timestamps (the UI feeds it from its key handler). A
//! scanner types a whole scan in one burst with gaps of a few milliseconds; a person's gaps are
//! tens to hundreds of milliseconds and never stay that short for several keys. So: a run of at
//! least `min_burst_len` characters whose every gap is at most `max_key_gap_ms` is a scan, and it
//! is delivered whole (never a partial scan) when its suffix (Enter/Tab) arrives, or after a
//! quiet spell when the scanner sends no suffix. Anything else is a person typing, handed back
//! as [`WedgeOutput::Typed`] so the UI can treat it as manual entry.
//!
//! GS (0x1D) reaches us in three disguises, all mapped back to GS inside a scan: a configured
//! substitute character, `Alt` held while keypad 0 2 9 is typed (Windows-style Alt code), and
//! `Ctrl+]` (the ASCII control key for 0x1D).

use std::io::BufRead;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::SourceState;
use super::source::Emitter;
use crate::gs1;

/// Keyboard-wedge settings (`[scanner.wedge]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WedgeConfig {
    /// A character the scanner types in place of GS (e.g. `~` or `|`), mapped back to GS.
    pub gs_substitute: Option<char>,
    /// Longest gap between two keys of one scanner burst.
    pub max_key_gap_ms: u64,
    /// Fewest characters a burst needs to count as a scan.
    pub min_burst_len: usize,
    /// The key the scanner sends after each scan.
    pub suffix: WedgeSuffix,
    /// With `suffix = "none"`: a burst ends after this much silence.
    pub quiet_end_ms: u64,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        WedgeConfig {
            gs_substitute: None,
            max_key_gap_ms: 35,
            min_burst_len: 4,
            suffix: WedgeSuffix::EnterOrTab,
            quiet_end_ms: 100,
        }
    }
}

/// Which key ends a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WedgeSuffix {
    Enter,
    Tab,
    EnterOrTab,
    /// No suffix: a burst ends when the keys stop for `quiet_end_ms`.
    None,
}

/// One key press as the UI (or a recording) sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key that types a character (already shifted/layout-mapped by the OS).
    Char(char),
    Enter,
    Tab,
    /// Alt pressed / released: keypad digits typed in between form an Alt code.
    AltDown,
    AltUp,
    /// A digit on the numeric keypad (0–9).
    Keypad(u8),
    /// Ctrl held with a character key, e.g. `Ctrl(']')`.
    Ctrl(char),
}

/// A key press and when it happened (from any fixed origin, e.g. the UI's event clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyEvent {
    pub key: Key,
    pub at: Duration,
}

/// What the decoder hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeOutput {
    /// A complete scanner burst (GS disguises mapped to GS, suffix removed).
    Scan(String),
    /// Characters a person typed (unchanged), ended by Enter/Tab or by a scan that followed.
    Typed(String),
}

/// The keyboard-wedge decoder. Pure: time comes in with the events.
#[derive(Debug)]
pub struct WedgeDecoder {
    config: WedgeConfig,
    /// Characters since the last suffix.
    chars: Vec<char>,
    /// Index in `chars` where the current run of short gaps started.
    burst_start: usize,
    last_at: Option<Duration>,
    /// Keypad digits typed while Alt is held; `None` when Alt is up.
    alt_code: Option<String>,
}

impl WedgeDecoder {
    pub fn new(config: WedgeConfig) -> Self {
        WedgeDecoder {
            config,
            chars: Vec::new(),
            burst_start: 0,
            last_at: None,
            alt_code: None,
        }
    }

    /// Feeds one key press; returns what it completed (at most a typed prefix and a scan).
    pub fn feed(&mut self, event: KeyEvent) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        // A quiet spell before this key may have ended a suffix-less burst.
        out.extend(self.tick(event.at));
        let gap = self.last_at.map(|last| event.at.saturating_sub(last));
        self.last_at = Some(event.at);
        // A long gap starts a new run, unless a scan is already under way: then it is a
        // hiccup of the scanner's USB link and the scan goes on until its suffix.
        if gap.is_some_and(|g| g > self.max_gap()) && !self.burst_is_scan() {
            self.burst_start = self.chars.len();
        }
        match event.key {
            Key::Char(c) => {
                self.alt_code = self.alt_code.take().map(|_| String::new());
                self.chars.push(c);
            }
            Key::Keypad(d) => match &mut self.alt_code {
                Some(code) => code.push(char::from(b'0' + d.min(9))),
                None => self.chars.push(char::from(b'0' + d.min(9))),
            },
            Key::AltDown => self.alt_code = Some(String::new()),
            Key::AltUp => {
                let code = self.alt_code.take().unwrap_or_default();
                if let Some(c) = code.parse::<u32>().ok().and_then(char::from_u32) {
                    self.chars.push(c);
                }
            }
            Key::Ctrl(']') => self.chars.push(gs1::GS),
            Key::Ctrl(_) => {} // UI shortcuts are not data
            Key::Enter | Key::Tab => {
                let is_suffix = match self.config.suffix {
                    WedgeSuffix::Enter => event.key == Key::Enter,
                    WedgeSuffix::Tab => event.key == Key::Tab,
                    WedgeSuffix::EnterOrTab => true,
                    WedgeSuffix::None => false,
                };
                // Without a configured suffix, Enter/Tab still ends what a person typed.
                if is_suffix || self.config.suffix == WedgeSuffix::None {
                    out.extend(self.finish());
                }
            }
        }
        out
    }

    /// Tells the decoder the time now: a suffix-less burst that has been quiet long enough is
    /// complete. Call it from a timer in suffix-less mode.
    pub fn tick(&mut self, now: Duration) -> Option<WedgeOutput> {
        if self.config.suffix != WedgeSuffix::None || self.alt_code.is_some() {
            return None;
        }
        let quiet = self
            .last_at
            .is_some_and(|last| now.saturating_sub(last) >= self.quiet_end());
        if quiet && self.burst_is_scan() {
            let scan = self.chars.split_off(self.burst_start);
            self.burst_start = self.chars.len();
            return Some(WedgeOutput::Scan(self.map_gs(scan)));
        }
        None
    }

    fn max_gap(&self) -> Duration {
        Duration::from_millis(self.config.max_key_gap_ms)
    }

    fn quiet_end(&self) -> Duration {
        Duration::from_millis(self.config.quiet_end_ms)
    }

    fn burst_is_scan(&self) -> bool {
        self.chars.len() - self.burst_start >= self.config.min_burst_len.max(1)
    }

    /// A suffix arrived: the current run is a scan if it is long enough, the rest is typing.
    fn finish(&mut self) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        if self.burst_is_scan() {
            let scan = self.chars.split_off(self.burst_start);
            if !self.chars.is_empty() {
                out.push(WedgeOutput::Typed(self.chars.drain(..).collect()));
            }
            out.push(WedgeOutput::Scan(self.map_gs(scan)));
        } else if !self.chars.is_empty() {
            out.push(WedgeOutput::Typed(self.chars.drain(..).collect()));
        }
        self.chars.clear();
        self.burst_start = 0;
        out
    }

    fn map_gs(&self, chars: Vec<char>) -> String {
        map_gs_substitute(chars.into_iter(), self.config.gs_substitute)
    }
}

/// Replaces the configured GS substitute by GS.
pub fn map_gs_substitute(chars: impl Iterator<Item = char>, substitute: Option<char>) -> String {
    chars
        .map(|c| if Some(c) == substitute { gs1::GS } else { c })
        .collect()
}

/// The `--source wedge` reader for a terminal or pipe. A terminal in its normal (line) mode
/// delivers a whole line at Enter, so key timing is not available here: every non-empty line
/// is one scan (GS substitute mapped; a Ctrl+] typed in a terminal already arrives as GS).
/// Timing-based burst detection runs in the UI, which sees each key.
pub fn run_lines(input: impl BufRead, config: &WedgeConfig, emitter: &Emitter) {
    emitter.state(SourceState::Connected);
    for line in input.split(b'\n') {
        let Ok(mut line) = line else { break };
        let arrived = Instant::now();
        while line.last().is_some_and(|b| *b == b'\r' || *b == b'\t') {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        let raw = match String::from_utf8(line) {
            Ok(text) => map_gs_substitute(text.chars(), config.gs_substitute).into_bytes(),
            Err(e) => e.into_bytes(), // rejected with the offending byte by the text check
        };
        if !emitter.frame(raw, arrived) || emitter.stopped() {
            return;
        }
    }
    emitter.state(SourceState::Closed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A timing trace: `text` typed with the gaps (ms) before each key taken in turn from
    /// `gaps` (cycled), starting `start_ms` after the origin. The gaps are hand-written from
    /// typical values: a wedge scanner types a key every 1–8 ms (its "intercharacter delay"
    /// at 0), people 100–300 ms, fast typists 40–90 ms with occasional 10–20 ms rollovers.
    fn typed(text: &str, start_ms: u64, gaps: &[u64]) -> Vec<KeyEvent> {
        let mut at = start_ms;
        text.chars()
            .zip(gaps.iter().cycle())
            .enumerate()
            .map(|(i, (c, gap))| {
                if i > 0 {
                    at += gap;
                }
                let key = match c {
                    '\n' => Key::Enter,
                    '\t' => Key::Tab,
                    c => Key::Char(c),
                };
                KeyEvent {
                    key,
                    at: Duration::from_millis(at),
                }
            })
            .collect()
    }

    fn at(ms: u64, key: Key) -> KeyEvent {
        KeyEvent {
            key,
            at: Duration::from_millis(ms),
        }
    }

    fn decode(config: WedgeConfig, events: &[KeyEvent]) -> Vec<WedgeOutput> {
        let mut d = WedgeDecoder::new(config);
        events.iter().flat_map(|e| d.feed(*e)).collect()
    }

    fn scan(s: &str) -> WedgeOutput {
        WedgeOutput::Scan(s.to_owned())
    }

    fn human(s: &str) -> WedgeOutput {
        WedgeOutput::Typed(s.to_owned())
    }

    const SCANNER: &[u64] = &[3, 4, 2, 5, 3, 3, 6, 2];

    #[test]
    fn a_fast_scanner_burst_with_gs_substitute_is_one_scan_with_gs() {
        let config = WedgeConfig {
            gs_substitute: Some('~'),
            ..WedgeConfig::default()
        };
        let events = typed("]C10109501101531000~10LOT42\n", 0, SCANNER);
        assert_eq!(
            decode(config, &events),
            vec![scan("]C10109501101531000\u{1d}10LOT42")]
        );
    }

    #[test]
    fn slow_typing_is_a_person_not_a_scan() {
        let events = typed("ABC-123\n", 0, &[180, 240, 150, 310, 200, 170, 260, 300]);
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![human("ABC-123")]
        );
    }

    #[test]
    fn a_fast_typist_with_rollovers_is_still_a_person() {
        // 40–70 ms between keys, two rollovers of 12 and 18 ms: runs of short gaps stay
        // shorter than a scan.
        let events = typed("lot4711\n", 0, &[55, 48, 12, 70, 41, 18, 62, 90]);
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![human("lot4711")]
        );
    }

    #[test]
    fn a_substitute_typed_by_a_person_is_left_alone() {
        let config = WedgeConfig {
            gs_substitute: Some('~'),
            ..WedgeConfig::default()
        };
        let events = typed("a~b\n", 0, &[150, 160, 170, 140]);
        assert_eq!(decode(config, &events), vec![human("a~b")]);
    }

    #[test]
    fn alt_029_on_the_keypad_becomes_gs_inside_a_burst() {
        let mut events = typed("]C10109501101531000", 0, SCANNER);
        let t = 60;
        events.extend([
            at(t, Key::AltDown),
            at(t + 2, Key::Keypad(0)),
            at(t + 4, Key::Keypad(2)),
            at(t + 6, Key::Keypad(9)),
            at(t + 8, Key::AltUp),
        ]);
        events.extend(typed("10ABC\n", t + 11, SCANNER));
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![scan("]C10109501101531000\u{1d}10ABC")]
        );
    }

    #[test]
    fn ctrl_close_bracket_becomes_gs() {
        let mut events = typed("0109501101531000", 0, SCANNER);
        events.push(at(55, Key::Ctrl(']')));
        events.extend(typed("10X\n", 58, SCANNER));
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![scan("0109501101531000\u{1d}10X")]
        );
    }

    #[test]
    fn a_scan_right_after_typing_separates_cleanly_and_stays_whole() {
        // The person typed "12" into the field, did not press Enter, then scanned.
        let mut events = typed("12", 0, &[200]);
        events.extend(typed("]C100095011010000000018\n", 900, SCANNER));
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![human("12"), scan("]C100095011010000000018")]
        );
    }

    #[test]
    fn a_usb_hiccup_inside_a_scan_does_not_split_it() {
        let mut events = typed("]C10109501101", 0, SCANNER);
        events.extend(typed("531000\n", 150, SCANNER)); // a 100+ ms stall mid-scan
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![scan("]C10109501101531000")]
        );
    }

    #[test]
    fn a_burst_shorter_than_the_minimum_is_typing() {
        let events = typed("A1\n", 0, SCANNER);
        assert_eq!(decode(WedgeConfig::default(), &events), vec![human("A1")]);
    }

    #[test]
    fn tab_suffix_and_enter_or_tab() {
        let tab_only = WedgeConfig {
            suffix: WedgeSuffix::Tab,
            ..WedgeConfig::default()
        };
        let events = typed("ABCD1234\t", 0, SCANNER);
        assert_eq!(decode(tab_only.clone(), &events), vec![scan("ABCD1234")]);
        let events = typed("ABCD1234\n", 0, SCANNER);
        assert_eq!(
            decode(tab_only, &events),
            vec![],
            "Enter is not the suffix: no scan yet"
        );
        assert_eq!(
            decode(WedgeConfig::default(), &events),
            vec![scan("ABCD1234")]
        );
    }

    #[test]
    fn without_suffix_a_burst_ends_after_a_quiet_spell_and_only_then() {
        let config = WedgeConfig {
            suffix: WedgeSuffix::None,
            ..WedgeConfig::default()
        };
        let mut d = WedgeDecoder::new(config);
        let mut out: Vec<_> = typed("0109501101531000", 0, SCANNER)
            .into_iter()
            .flat_map(|e| d.feed(e))
            .collect();
        assert_eq!(out, vec![]);
        assert_eq!(
            d.tick(Duration::from_millis(90)),
            None,
            "not quiet long enough"
        );
        out.extend(d.tick(Duration::from_millis(200)));
        assert_eq!(out, vec![scan("0109501101531000")]);
        // The next burst starts clean.
        let mut out: Vec<_> = typed("ABCDEF", 1000, SCANNER)
            .into_iter()
            .flat_map(|e| d.feed(e))
            .collect();
        out.extend(d.tick(Duration::from_millis(2000)));
        assert_eq!(out, vec![scan("ABCDEF")]);
    }
}
