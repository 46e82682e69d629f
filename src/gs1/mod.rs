//! GS1 core: the Application Identifier table, parsing, validation and generation. Pure.
//!
//! CONTRACT used by the rest of the crate (store, labels, scanner, UI). The GS1 engineer owns
//! this module and may extend it, but keeps these names and signatures:
//!
//! - [`parse`]`(input, &ParseOptions) -> Result<Message, Gs1Error>`: auto-detects bracketed HRI
//!   `(01)…(10)…`, raw element strings (GS = 0x1D or the configured substitute), AIM-prefixed scan
//!   data (`]C1`, `]d2`, `]Q3`, `]e0`, `]J1`, plain `]C0 ]d1 ]Q1`) and Digital Link URIs.
//! - [`Message`]: the validated, ordered list of elements plus the symbology if known, with
//!   `get(ai)`, `elements()`, typed accessors (`gtin`, `batch`, `expiry`, `sscc`, `quantity`),
//!   and the textual forms (`to_bracketed`, `to_element_string`, `to_scan_data`, `to_digital_link`).
//! - [`Message::from_elements`]: builds and validates a message from `(ai, value)` pairs.
//! - [`check_digit`], [`normalize_gtin`], [`make_sscc`].
//! - [`Gs1Error`]: typed errors whose `Display` names the AI, the position and the rule.

use chrono::NaiveDate;

/// The GS separator byte (ASCII 29) that stands for FNC1 in transmitted data.
pub const GS: char = '\u{1d}';

/// Default domain for GS1 Digital Link URIs.
pub const DEFAULT_DL_DOMAIN: &str = "https://id.gs1.org";

/// How a datum reached us, from its AIM symbology identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Symbology {
    /// `]C1` GS1-128
    Gs1_128,
    /// `]d2` GS1 DataMatrix
    Gs1DataMatrix,
    /// `]Q3` GS1 QR Code
    Gs1Qr,
    /// `]e0` GS1 DataBar
    Gs1DataBar,
    /// `]J1` GS1 DotCode
    Gs1DotCode,
    /// `]E0` EAN-13 / UPC-A / EAN-8 (data is a GTIN, implied AI 01)
    Ean,
    /// A GS1 Digital Link URI (in a plain QR `]Q1` or typed).
    DigitalLink,
    /// Bracketed human-readable form typed or pasted.
    Bracketed,
    /// Raw element string with no identifier.
    Unknown,
}

/// Options for [`parse`].
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// A character that keyboard-wedge scanners send in place of GS (e.g. `|` or `~`).
    pub gs_substitute: Option<char>,
}

/// One AI and its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Element {
    pub ai: String,
    pub value: String,
}

/// A validated GS1 message: elements in order, and the symbology if the input said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub symbology: Option<Symbology>,
    pub elements: Vec<Element>,
}

/// What is wrong with GS1 data. Every variant names the AI (where there is one) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("not implemented yet")]
    NotImplemented,
}

impl Message {
    /// Builds a message from `(ai, value)` pairs and validates it (every check, associations too).
    pub fn from_elements<A: AsRef<str>, V: AsRef<str>>(
        _pairs: impl IntoIterator<Item = (A, V)>,
    ) -> Result<Message, Gs1Error> {
        Err(Gs1Error::NotImplemented)
    }

    /// The value of the first element with this AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// GTIN-14 from AI (01), or (02) content GTIN when (01) is absent.
    pub fn gtin(&self) -> Option<&str> {
        self.get("01").or_else(|| self.get("02"))
    }

    /// Batch/lot from AI (10).
    pub fn batch(&self) -> Option<&str> {
        self.get("10")
    }

    /// SSCC from AI (00).
    pub fn sscc(&self) -> Option<&str> {
        self.get("00")
    }

    /// Expiry date from AI (17) (a `00` day means the last day of that month).
    pub fn expiry(&self) -> Option<NaiveDate> {
        None
    }

    /// Raw element string: GS only after a variable-length element that is followed by another.
    pub fn to_element_string(&self) -> String {
        String::new()
    }

    /// Bracketed human-readable form `(01)…(10)…`.
    pub fn to_bracketed(&self) -> String {
        String::new()
    }

    /// GS1 Digital Link URI on `domain`.
    pub fn to_digital_link(&self, _domain: &str) -> String {
        String::new()
    }

    /// Count of items from AI (30) or (37).
    pub fn quantity(&self) -> Option<u64> {
        None
    }
}

/// Parses GS1 data in any of the accepted forms (see the module documentation).
pub fn parse(_input: &str, _opts: &ParseOptions) -> Result<Message, Gs1Error> {
    Err(Gs1Error::NotImplemented)
}

/// The GS1 mod-10 check digit for a string of digits (the digits without their check digit).
pub fn check_digit(_digits: &str) -> Result<u8, Gs1Error> {
    Err(Gs1Error::NotImplemented)
}

/// Normalises a GTIN-8/12/13/14 (with valid check digit) to 14 digits.
pub fn normalize_gtin(_gtin: &str) -> Result<String, Gs1Error> {
    Err(Gs1Error::NotImplemented)
}

/// Builds an 18-digit SSCC from extension digit, GS1 company prefix and serial reference.
pub fn make_sscc(_extension: u8, _company_prefix: &str, _serial: u64) -> Result<String, Gs1Error> {
    Err(Gs1Error::NotImplemented)
}
