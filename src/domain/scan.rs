//! One scan as every part of the station sees it: the plain value a scanner source emits and
//! the station core takes. It lives here, below both, so that the core can take a [`Scan`]
//! without depending on the scanner adapters (serial, HID, wedge, images) that make one; the
//! scanner module builds them (`Scan::from_frame`) and re-exports them.

use std::fmt;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::gs1::Symbology;

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
