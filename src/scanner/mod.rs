//! Scanner input: every kind of scanner as one stream of [`Scan`]s.
//!
//! Sources run at the edge (a thread per device) and send [`SourceEvent`]s into one channel;
//! one loop ([`station`]) consumes them, drops doubled scans ([`dedup`]) and hands each scan to a
//! [`station::ScanHandler`] (the workflow). The byte- and key-level logic is pure and tested
//! without devices:
//!
//! - [`framer`]: serial bytes → frames (suffix or idle-timeout framing, prefix, size limit).
//! - [`text`]: a frame's bytes → checked text, AIM symbology identifier and [`Symbology`].
//! - [`wedge`]: keyboard-wedge key events with timestamps → scanner bursts vs. human typing.
//! - [`hid`]: HID POS (usage page 0x8C) scanned-data reports → frames.
//! - [`dedup`]: the same data from the same source within a window counts once.
//!
//! Device adapters: [`serial`] (serialport, reopen with backoff), [`hid`] (Linux hidraw),
//! [`image`] (files, a watched folder, stdin frames), and [`source`] which parses a
//! `--source` spec and starts the right one.

pub mod config;
pub mod dedup;
pub mod framer;
pub mod hid;
pub mod image;
pub mod serial;
pub mod source;
pub mod station;
pub mod text;
pub mod wedge;

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::gs1::Symbology;
pub use config::ScannerConfig;

/// Which scanner a scan came from, e.g. `serial:/dev/ttyACM0`, `wedge`, `hid:/dev/hidraw0`,
/// `image:/srv/inbox/pallet.png`. Duplicate filtering is per source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SourceId(pub String);

impl SourceId {
    pub fn new(id: impl Into<String>) -> Self {
        SourceId(id.into())
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One scan as the rest of the program sees it, whatever the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// The bytes as the scanner sent them, with framing (prefix/suffix) removed. Keeps the AIM
    /// identifier and every GS (0x1D).
    #[serde(rename = "raw_hex", serialize_with = "serialize_hex")]
    pub raw: Vec<u8>,
    /// `raw` as text (checked: valid UTF-8, no control characters but GS/RS/EOT).
    pub text: String,
    /// The AIM symbology identifier at the start of the data (`]C1`, `]d2`, …), if any.
    pub aim_id: Option<String>,
    /// The symbology the AIM identifier names, when it is one Lotline knows.
    pub symbology: Option<Symbology>,
    pub source: SourceId,
    /// Wall-clock time the last byte of the scan arrived.
    pub received_at: DateTime<Utc>,
    /// Monotonic time the last byte arrived (latency measurements, duplicate windows).
    #[serde(skip)]
    pub arrived: Instant,
}

/// Raw bytes as a string of hex pairs, so JSON output shows exactly what came in.
fn serialize_hex<S: serde::Serializer>(raw: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(raw))
}

/// What a source reports besides scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// The device is open and being read.
    Connected,
    /// The device is gone or could not be opened; the source retries after `retry_in_ms`.
    Reconnecting { reason: String, retry_in_ms: u64 },
    /// The source has finished (end of a file or of stdin) or was stopped.
    Closed,
}

/// Why bytes that arrived did not become a scan. Each one is counted and reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reject {
    /// A frame longer than the configured limit (its bytes are dropped up to the next suffix).
    #[error("frame longer than {limit} bytes dropped: check the scanner's suffix setting")]
    OverLong { limit: usize },
    /// A frame that is not text: invalid UTF-8 or control characters other than GS/RS/EOT.
    #[error("non-text frame dropped ({len} bytes, first bad byte 0x{byte:02X} at {position})")]
    NotText {
        len: usize,
        byte: u8,
        position: usize,
    },
    /// A partial frame that never got its suffix (device unplugged or line noise).
    #[error("incomplete frame dropped ({len} bytes without a suffix)")]
    Incomplete { len: usize },
    /// A HID report that is not a scanned-data report Lotline can read.
    #[error("unreadable HID report: {reason}")]
    BadReport { reason: String },
    /// An image in which no barcode could be decoded.
    #[error("no barcode found in {what}")]
    NoBarcode { what: String },
}

/// Everything a source sends down the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceEvent {
    Scan(Scan),
    State {
        source: SourceId,
        state: SourceState,
    },
    Rejected {
        source: SourceId,
        reject: Reject,
    },
}

/// Failures that stop a scanner source before it can run.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    /// The `--source` text does not name a source Lotline knows.
    #[error(
        "bad scanner source {spec:?}: {reason} (expected serial:PATH[@BAUD], serial:auto, wedge, hid:PATH or image:PATH)"
    )]
    BadSpec { spec: String, reason: String },
    /// `serial:auto` found no USB serial port.
    #[error("no USB serial port found for serial:auto: plug the scanner in or name its port")]
    NoAutoPort,
    /// A configuration value is out of range or malformed.
    #[error("scanner configuration: {0}")]
    Config(String),
    /// An I/O error on a path, e.g. an image folder that does not exist.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
