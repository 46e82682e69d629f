//! GS1 core: the Application Identifier table, parsing, validation and generation. Pure.
//!
//! - [`parse`] reads any form a station meets: bracketed HRI `(01)…(10)…`, raw element strings
//!   (GS = 0x1D, or a configured substitute), AIM-prefixed scan data (`]C1 ]d2 ]Q3 ]e0 ]J1`,
//!   EAN/UPC `]E0 ]E4`, plain `]Q1 ]d1 ]J0` carrying a Digital Link URI), and GS1 Digital Link
//!   URIs. Field quirks are absorbed: a leading or doubled GS, trailing CR/LF, a doubled AIM
//!   prefix, UPC-A as 12 digits, a bare EAN-13/UPC-A/EAN-8 without identifier.
//! - Validation as GS1's reference implementation (the GS1 Barcode Syntax Engine) does it:
//!   length, character set, check digits, dates and every other dictionary linter ([`lint`]),
//!   AI associations (requires / excludes), the same AI twice with different values, Digital
//!   Link rules. Errors name the AI, the position (1-based, in the input) and the rule.
//!   `tests/gs1_differential.rs` compares the two (docs/gs1.md).
//! - Generation: [`Message::to_element_string`], [`Message::to_bracketed`],
//!   [`Message::to_scan_data`], [`Message::to_digital_link`], [`check_digit`],
//!   [`normalize_gtin`], [`make_sscc`].
//!
//! The AI table ([`ai_table`]) is written by `scripts/gen-ai-table.py` from the GS1 Barcode
//! Syntax Dictionary's facts.

pub mod ai;
#[allow(clippy::all)]
pub mod ai_table;
mod digital_link;
mod generate;
pub mod lint;
mod parse;
mod value;

use chrono::{Datelike, NaiveDate};

pub use ai::{AiDef, lookup};
pub use generate::{check_digit, make_sscc, normalize_gtin};
pub use value::Value;

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

impl Symbology {
    /// The symbology an AIM identifier names, for the GS1 ones and EAN/UPC (`]E0`, EAN-8 `]E4`).
    /// Plain identifiers such as `]C0`, `]d1`, `]Q1` give `None` (their data is GS1 only as a
    /// Digital Link URI).
    pub fn from_aim_id(aim_id: &str) -> Option<Symbology> {
        Some(match aim_id {
            "]C1" => Symbology::Gs1_128,
            "]d2" => Symbology::Gs1DataMatrix,
            "]Q3" => Symbology::Gs1Qr,
            "]e0" => Symbology::Gs1DataBar,
            "]J1" => Symbology::Gs1DotCode,
            "]E0" | "]E4" => Symbology::Ean,
            _ => return None,
        })
    }

    /// The AIM identifier a scanner sends for GS1 data in this symbology.
    pub fn aim_id(self) -> Option<&'static str> {
        Some(match self {
            Symbology::Gs1_128 => "]C1",
            Symbology::Gs1DataMatrix => "]d2",
            Symbology::Gs1Qr => "]Q3",
            Symbology::Gs1DataBar => "]e0",
            Symbology::Gs1DotCode => "]J1",
            Symbology::Ean => "]E0",
            _ => return None,
        })
    }
}

/// Options for [`parse`].
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// A character that keyboard-wedge scanners send in place of GS (e.g. `|` or `~`).
    pub gs_substitute: Option<char>,
    /// Skip the "requires" associations: for one symbol of several that mark the same item
    /// (a logistics label splits its data), where the rule applies to the data of all of them.
    pub skip_requisites: bool,
}

/// One AI and its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Element {
    pub ai: &'static str,
    pub value: Value,
}

impl Element {
    /// The AI's title from the dictionary, e.g. "BATCH/LOT".
    pub fn title(&self) -> &'static str {
        lookup(self.ai).map_or("", |d| d.title)
    }
}

/// A validated GS1 message: elements in order, and the symbology if the input said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub symbology: Option<Symbology>,
    pub elements: Vec<Element>,
    /// Digital Link query parameters that are not GS1 attributes: ignored, and reported here.
    pub ignored: Vec<String>,
}

/// What is wrong with GS1 data. Every variant names the AI (where there is one), the position
/// (1-based character in the input) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    /// Nothing but line endings or separators.
    #[error("no data: the scan is empty")]
    Empty,
    /// Digits that are no AI of the GS1 syntax dictionary.
    #[error("unknown AI ({ai}) at position {pos}: not in the GS1 syntax dictionary")]
    UnknownAi { ai: String, pos: usize },
    /// Data where an AI should start.
    #[error("expected an AI at position {pos}, found {found:?}")]
    ExpectedAi { pos: usize, found: String },
    /// A value shorter than its AI allows.
    #[error("({ai}) is too short: {len} characters at position {pos}, {min} needed")]
    TooShort {
        ai: &'static str,
        pos: usize,
        len: usize,
        min: usize,
    },
    /// A value longer than its AI allows (for a variable-length AI, often a missing separator).
    #[error("({ai}) is too long: {len} characters at position {pos}, at most {max}{hint}")]
    TooLong {
        ai: &'static str,
        pos: usize,
        len: usize,
        max: usize,
        hint: &'static str,
    },
    /// A character outside the AI's character set.
    #[error("({ai}) has {ch:?} at position {pos}: only {cset} allowed")]
    BadCharacter {
        ai: &'static str,
        pos: usize,
        ch: char,
        cset: &'static str,
    },
    /// A content rule broken: check digit, date, code list…
    #[error("({ai}) {problem} at position {pos}")]
    Content {
        ai: &'static str,
        pos: usize,
        problem: String,
        expected: Option<String>,
    },
    /// An AI whose required partner is absent.
    #[error("({ai}) needs {needs} with it")]
    MissingPartner { ai: &'static str, needs: String },
    /// Two AIs that may not appear together.
    #[error("({ai}) and ({other}) may not appear together")]
    Exclusive {
        ai: &'static str,
        other: &'static str,
    },
    /// The same AI twice with different values.
    #[error("({ai}) appears twice with different values: {first:?} and {second:?}")]
    Duplicate {
        ai: &'static str,
        first: String,
        second: String,
    },
    /// An AIM symbology identifier that carries no GS1 data, or a cut-short one.
    #[error("symbology identifier {id:?} {problem}")]
    Symbology { id: String, problem: &'static str },
    /// A plain-data symbology (`]Q1`, `]d1`, `]J0`) whose data is not a Digital Link URI.
    #[error(
        "{id} scan carries plain data, not GS1 data (GS1 needs ]C1 ]d2 ]Q3 ]e0 ]J1 or a Digital Link URI)"
    )]
    PlainData { id: String },
    /// A key whose serial component a digital signature (8030) requires is without it.
    #[error("({ai}) needs its serial component when a digital signature (8030) is present")]
    SerialNeededForSignature { ai: &'static str },
    /// Malformed bracketed HRI.
    #[error("bracketed data: {problem} at position {pos}")]
    Bracketed { pos: usize, problem: String },
    /// Malformed GS1 Digital Link URI.
    #[error("Digital Link URI: {0}")]
    DigitalLink(String),
    /// A Digital Link URI cannot carry these elements.
    #[error("cannot make a Digital Link URI: {0}")]
    NotDigitalLinkable(String),
    /// A generator was given something it cannot use.
    #[error("{0}")]
    Invalid(String),
}

/// Checks one value against its AI alone (length, character set, check digit and the other
/// linters), as a parse would; association rules between AIs are not applied.
pub fn check_element(ai: &str, value: &str) -> Result<(), Gs1Error> {
    let def = lookup(ai).ok_or_else(|| Gs1Error::UnknownAi {
        ai: ai.to_string(),
        pos: 1,
    })?;
    parse::validate_value(def, value, 1)
}

impl Message {
    /// Builds a message from `(ai, value)` pairs and validates it (every check, associations too).
    pub fn from_elements<A: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (A, V)>,
    ) -> Result<Message, Gs1Error> {
        let mut elements = Vec::new();
        for (ai, value) in pairs {
            check_element(ai.as_ref(), value.as_ref())?;
            elements.push(Element {
                ai: lookup(ai.as_ref()).expect("checked").ai,
                value: Value::new(value.as_ref()),
            });
        }
        let mut msg = Message {
            symbology: None,
            elements,
            ignored: Vec::new(),
        };
        parse::finish(&mut msg, &ParseOptions::default())?;
        Ok(msg)
    }

    /// The value of the first element with this AI.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// `(ai, value)` pairs in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.elements.iter().map(|e| (e.ai, e.value.as_str()))
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
        self.get("17")
            .and_then(|v| yymmdd_date(v, chrono::Utc::now().year()))
    }

    /// Count of items from AI (30) or (37).
    pub fn quantity(&self) -> Option<u64> {
        self.get("30")
            .or_else(|| self.get("37"))
            .and_then(|v| v.parse().ok())
    }
}

/// A GS1 `YYMMDD` date (day `00` = last day of the month), the century chosen by GS1's
/// sliding window around `this_year` (General Specifications 7.12).
pub fn yymmdd_date(v: &str, this_year: i32) -> Option<NaiveDate> {
    if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = v[0..2].parse().ok()?;
    let (mm, dd): (u32, u32) = (v[2..4].parse().ok()?, v[4..6].parse().ok()?);
    if !(1..=12).contains(&mm) {
        return None;
    }
    let century = this_year - this_year.rem_euclid(100);
    let diff = yy - this_year.rem_euclid(100);
    let year = if diff >= 51 {
        century - 100 + yy
    } else if diff <= -50 {
        century + 100 + yy
    } else {
        century + yy
    };
    if dd == 0 {
        let first_next = if mm == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, mm + 1, 1)
        };
        return first_next?.pred_opt();
    }
    NaiveDate::from_ymd_opt(year, mm, dd)
}

/// Parses GS1 data in any of the accepted forms (see the module documentation).
pub fn parse(input: &str, opts: &ParseOptions) -> Result<Message, Gs1Error> {
    parse::parse(input, opts)
}

/// Checks the AI associations (requires / excludes) over elements from one or several
/// symbols marking the same item.
pub fn check_associations(elements: &[Element]) -> Result<(), Gs1Error> {
    parse::check_associations(elements, false)
}

/// Checks only the "excludes" rules: AIs that may never be on one item together, whatever
/// else is still to come (a label read one symbol at a time).
pub fn check_exclusions(elements: &[Element]) -> Result<(), Gs1Error> {
    parse::check_associations(elements, true)
}

#[cfg(test)]
mod tests;
