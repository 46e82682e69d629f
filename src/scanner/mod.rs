//! Scanner input: every kind of scanner as one stream of [`Scan`]s.
//!
//! Sources run at the edge (a thread per device) and send [`SourceEvent`]s into one channel;
//! one loop ([`scan_loop`]) consumes them, drops doubled scans ([`dedup`]) and hands each scan
//! to its handler (the station core, [`crate::workflow::scan`]). [`Scan`] itself is a plain
//! value of [`crate::domain::scan`], so the core takes scans without depending on this module.
//! The byte- and key-level logic is pure and tested without devices:
//!
//! - [`framer`]: serial bytes → frames (suffix or idle-timeout framing, prefix, size limit).
//! - [`text`]: a frame's bytes → checked text, AIM symbology identifier and [`Symbology`].
//! - [`wedge`]: keyboard-wedge key events with timestamps → scanner bursts vs. human typing.
//! - [`hid`]: HID POS (usage page 0x8C) scanned-data reports → frames.
//! - [`dedup`]: the same data from the same source within a window counts once.
//!
//! Device adapters: [`serial`] (serialport, reopen with backoff), [`hid`] (Linux hidraw),
//! [`image`] (files, a watched folder, stdin frames), [`camera`] (V4L2 through a capture
//! command, decoded off the UI thread), and [`source`] which parses a
//! `--source` spec and starts the right one.

pub mod camera;
pub mod config;
pub mod dedup;
pub mod framer;
pub mod hid;
pub mod image;
pub mod scan_loop;
pub mod serial;
pub mod source;
pub mod text;
pub mod wedge;

use serde::Serialize;

pub use crate::domain::scan::{Scan, SourceId};
pub use crate::gs1::Symbology;
pub use config::ScannerConfig;

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
        "bad scanner source {spec:?}: {reason} (expected serial:PATH[@BAUD], serial:auto, wedge, hid:PATH, image:PATH or camera:N)"
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
