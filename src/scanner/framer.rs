//! Incremental framing of a scanner's byte stream. Pure: no I/O, no clock.
//!
//! Bytes arrive in arbitrary pieces (half a frame, two frames in one read). The reader pushes
//! what it got and asks for frames until there are none ("try to parse, else read more"); when
//! the line has been quiet for the inter-byte timeout it calls [`Framer::idle`], which ends a
//! frame in suffix-less mode and drops a stale partial otherwise.

use serde::{Deserialize, Serialize};

use super::Reject;

/// What ends a frame on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suffix {
    /// Carriage return. Like `lf` and `crlf`, any line ending is accepted, so a scanner
    /// reconfigured from CR to CRLF keeps working (empty lines are skipped).
    #[default]
    Cr,
    Lf,
    CrLf,
    Tab,
    /// No suffix: a frame ends when the line is quiet for the inter-byte timeout.
    None,
}

impl Suffix {
    fn ends_frame(self, byte: u8) -> bool {
        match self {
            Suffix::Cr | Suffix::Lf | Suffix::CrLf => byte == b'\r' || byte == b'\n',
            Suffix::Tab => byte == b'\t',
            Suffix::None => false,
        }
    }
}

/// How a byte stream is cut into frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingConfig {
    /// Bytes the scanner sends before each scan (e.g. STX); removed when present.
    pub prefix: Vec<u8>,
    pub suffix: Suffix,
    /// Longest accepted frame in bytes (without prefix/suffix).
    pub max_len: usize,
}

impl Default for FramingConfig {
    fn default() -> Self {
        FramingConfig {
            prefix: Vec::new(),
            suffix: Suffix::Cr,
            max_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

/// A GS1 DataMatrix holds at most 3116 digits; anything much longer is a framing fault.
pub const DEFAULT_MAX_FRAME_LEN: usize = 4096;

/// One result of framing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// A complete frame, prefix and suffix removed.
    Frame(Vec<u8>),
    /// Bytes that were dropped, and why.
    Rejected(Reject),
}

/// The incremental framer. Feed it with [`push`](Framer::push), drain it with
/// [`next_frame`](Framer::next_frame).
#[derive(Debug)]
pub struct Framer {
    config: FramingConfig,
    buf: Vec<u8>,
    /// Start of the unconsumed bytes in `buf` (compacted lazily so many frames in one read
    /// cost one copy).
    start: usize,
    /// An over-long frame was reported; its remaining bytes are dropped up to the next suffix.
    discarding: bool,
}

impl Framer {
    pub fn new(config: FramingConfig) -> Self {
        Framer {
            config,
            buf: Vec::new(),
            start: 0,
            discarding: false,
        }
    }

    pub fn config(&self) -> &FramingConfig {
        &self.config
    }

    /// Appends bytes read from the device.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// True when bytes of an unfinished frame are waiting.
    pub fn has_partial(&self) -> bool {
        self.start < self.buf.len()
    }

    /// The next complete frame or rejection, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Framed> {
        loop {
            let pending = &self.buf[self.start..];
            let suffix = self.config.suffix;
            match pending.iter().position(|&b| suffix.ends_frame(b)) {
                Some(end) => {
                    let frame_start = self.start;
                    self.start += end + 1;
                    if std::mem::take(&mut self.discarding) {
                        continue; // the tail of a frame already reported as over-long
                    }
                    if end == 0 {
                        continue; // the LF of a CRLF, or an empty line
                    }
                    let frame = self.buf[frame_start..frame_start + end].to_vec();
                    return Some(self.finish(frame));
                }
                None => {
                    let len = pending.len();
                    self.compact();
                    if len > self.config.max_len + self.config.prefix.len() {
                        self.drop_partial();
                        if !std::mem::replace(&mut self.discarding, true) {
                            return Some(Framed::Rejected(Reject::OverLong {
                                limit: self.config.max_len,
                            }));
                        }
                    }
                    return None;
                }
            }
        }
    }

    /// The line has been quiet for the inter-byte timeout. Without a suffix this completes the
    /// frame; with one, the partial bytes are stale (noise, a cut-off scan) and are dropped.
    pub fn idle(&mut self) -> Option<Framed> {
        if std::mem::take(&mut self.discarding) {
            self.drop_partial();
            return None;
        }
        if !self.has_partial() {
            return None;
        }
        let frame = self.buf[self.start..].to_vec();
        self.drop_partial();
        if self.config.suffix == Suffix::None {
            Some(self.finish(frame))
        } else {
            Some(Framed::Rejected(Reject::Incomplete { len: frame.len() }))
        }
    }

    /// The device went away: whatever partial frame there was is lost (and reported).
    pub fn disconnect(&mut self) -> Option<Framed> {
        let discarding = std::mem::take(&mut self.discarding);
        let len = self.buf.len() - self.start;
        self.drop_partial();
        (len > 0 && !discarding).then_some(Framed::Rejected(Reject::Incomplete { len }))
    }

    fn finish(&self, mut frame: Vec<u8>) -> Framed {
        if !self.config.prefix.is_empty() && frame.starts_with(&self.config.prefix) {
            frame.drain(..self.config.prefix.len());
        }
        if frame.len() > self.config.max_len {
            return Framed::Rejected(Reject::OverLong {
                limit: self.config.max_len,
            });
        }
        Framed::Frame(frame)
    }

    fn drop_partial(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framer(suffix: Suffix) -> Framer {
        Framer::new(FramingConfig {
            suffix,
            ..FramingConfig::default()
        })
    }

    fn drain(f: &mut Framer) -> Vec<Framed> {
        std::iter::from_fn(|| f.next_frame()).collect()
    }

    fn frame(s: &[u8]) -> Framed {
        Framed::Frame(s.to_vec())
    }

    #[test]
    fn a_frame_split_across_pushes_comes_out_whole_once() {
        let mut f = framer(Suffix::Cr);
        f.push(b"]C101095011");
        assert_eq!(drain(&mut f), vec![]);
        f.push(b"01531000\x1d10AB");
        assert_eq!(drain(&mut f), vec![]);
        f.push(b"C\r");
        assert_eq!(drain(&mut f), vec![frame(b"]C10109501101531000\x1d10ABC")]);
        assert!(!f.has_partial());
    }

    #[test]
    fn two_frames_in_one_push_come_out_in_order() {
        let mut f = framer(Suffix::Cr);
        f.push(b"first\rsecond\rthi");
        assert_eq!(drain(&mut f), vec![frame(b"first"), frame(b"second")]);
        f.push(b"rd\r");
        assert_eq!(drain(&mut f), vec![frame(b"third")]);
    }

    #[test]
    fn crlf_and_cr_both_work_whatever_line_ending_is_configured() {
        for suffix in [Suffix::Cr, Suffix::Lf, Suffix::CrLf] {
            let mut f = framer(suffix);
            f.push(b"a1\r\nb2\rc3\nd4\r\n");
            assert_eq!(
                drain(&mut f),
                vec![frame(b"a1"), frame(b"b2"), frame(b"c3"), frame(b"d4")],
                "{suffix:?}"
            );
        }
    }

    #[test]
    fn tab_suffix_keeps_line_endings_out_of_the_frame_boundaries() {
        let mut f = framer(Suffix::Tab);
        f.push(b"abc\tdef\t");
        assert_eq!(drain(&mut f), vec![frame(b"abc"), frame(b"def")]);
    }

    #[test]
    fn without_suffix_a_frame_ends_when_the_line_goes_quiet() {
        let mut f = framer(Suffix::None);
        f.push(b"]d2010950110153100017");
        f.push(b"261231");
        assert_eq!(drain(&mut f), vec![]);
        assert_eq!(f.idle(), Some(frame(b"]d2010950110153100017261231")));
        assert_eq!(
            f.idle(),
            None,
            "a quiet line with nothing pending yields nothing"
        );
    }

    #[test]
    fn prefix_is_stripped_when_present() {
        let mut f = Framer::new(FramingConfig {
            prefix: vec![0x02],
            ..FramingConfig::default()
        });
        f.push(b"\x02abc\rdef\r");
        assert_eq!(drain(&mut f), vec![frame(b"abc"), frame(b"def")]);
    }

    #[test]
    fn gs_and_leading_gs_are_kept() {
        let mut f = framer(Suffix::Cr);
        f.push(b"\x1d0109501101531000\x1d10X\r");
        assert_eq!(drain(&mut f), vec![frame(b"\x1d0109501101531000\x1d10X")]);
    }

    #[test]
    fn an_over_long_line_is_rejected_once_and_the_next_scan_survives() {
        let mut f = Framer::new(FramingConfig {
            max_len: 8,
            ..FramingConfig::default()
        });
        f.push(b"0123456789");
        assert_eq!(
            drain(&mut f),
            vec![Framed::Rejected(Reject::OverLong { limit: 8 })]
        );
        f.push(b"abcdefghij");
        assert_eq!(
            drain(&mut f),
            vec![],
            "still the same long line: no second warning"
        );
        f.push(b"xyz\rgood\r");
        assert_eq!(drain(&mut f), vec![frame(b"good")]);
    }

    #[test]
    fn an_over_long_frame_inside_one_push_is_rejected() {
        let mut f = Framer::new(FramingConfig {
            max_len: 4,
            ..FramingConfig::default()
        });
        f.push(b"12345\rok\r");
        assert_eq!(
            drain(&mut f),
            vec![
                Framed::Rejected(Reject::OverLong { limit: 4 }),
                frame(b"ok")
            ]
        );
    }

    #[test]
    fn a_stale_partial_is_dropped_on_idle_when_a_suffix_is_expected() {
        let mut f = framer(Suffix::Cr);
        f.push(b"\xff\x00noise");
        assert_eq!(drain(&mut f), vec![]);
        assert_eq!(
            f.idle(),
            Some(Framed::Rejected(Reject::Incomplete { len: 7 }))
        );
        f.push(b"good\r");
        assert_eq!(drain(&mut f), vec![frame(b"good")]);
    }

    #[test]
    fn a_disconnect_reports_the_lost_partial() {
        let mut f = framer(Suffix::Cr);
        f.push(b"half");
        assert_eq!(
            f.disconnect(),
            Some(Framed::Rejected(Reject::Incomplete { len: 4 }))
        );
        assert_eq!(f.disconnect(), None);
    }
}
