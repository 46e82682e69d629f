//! What a decoded symbol must pass before the station hears of it. Pure functions, no images.
//!
//! A wrong read is worse than no read at a dock: it can receive or ship the wrong product. So a
//! symbol is reported only when
//!
//! - it is one of the symbologies the station accepts ([`Accepted`]; by default the nine
//!   Lotline prints, never the others a decoder can find: EAN-8, UPC-E, Code 39, Codabar…);
//! - its own checks pass: the mod-10 check digit of EAN-13, UPC-A and ITF-14 (which must be 14
//!   digits), the full GS1 syntax (AIs, lengths, character sets, check digits, dates) of a GS1
//!   symbol;
//! - a linear symbol was read the same on two scan lines ([`agree`]): one line through a
//!   damaged or tilted symbol can decode to a valid-looking number that is not there.

use serde::{Deserialize, Serialize};

use super::SymbolKind;
use crate::gs1;

/// Why a decoded symbol was not reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A symbology Lotline does not use (EAN-8, UPC-E, Code 39, …) or an ITF that is not 14
    /// digits.
    #[error("{aim} symbols are not a symbology Lotline reads")]
    Unknown { aim: String },
    /// A symbology this station was set not to accept.
    #[error("{0} is not accepted at this station")]
    NotAccepted(SymbolKind),
    /// The check digit does not match the data.
    #[error("{kind} {data}: wrong check digit")]
    CheckDigit { kind: SymbolKind, data: String },
    /// GS1 data that breaks the GS1 syntax.
    #[error("{kind}: not valid GS1 data: {reason}")]
    Gs1 { kind: SymbolKind, reason: String },
}

/// The symbologies a station accepts from images and cameras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Accepted(Vec<SymbolKind>);

impl Default for Accepted {
    /// Every symbology Lotline prints.
    fn default() -> Self {
        Accepted(SymbolKind::ALL.to_vec())
    }
}

impl Accepted {
    pub fn new(kinds: impl IntoIterator<Item = SymbolKind>) -> Self {
        let mut v: Vec<SymbolKind> = Vec::new();
        for k in kinds {
            if !v.contains(&k) {
                v.push(k);
            }
        }
        Accepted(v)
    }

    /// Only the GS1 symbologies (GS1-128, GS1 DataMatrix, GS1 QR): a receiving dock that sees
    /// nothing but GS1 logistics labels.
    pub fn gs1_only() -> Self {
        Accepted::new(
            SymbolKind::ALL
                .into_iter()
                .filter(|k| k.is_gs1_element_string()),
        )
    }

    pub fn contains(&self, kind: SymbolKind) -> bool {
        self.0.contains(&kind)
    }

    pub fn kinds(&self) -> &[SymbolKind] {
        &self.0
    }
}

/// The Lotline symbology of a decoded symbol, from its AIM identifier and data.
pub fn symbology_of(aim: &str, text: &str) -> Option<SymbolKind> {
    let digits = |n: usize| text.len() == n && text.bytes().all(|b| b.is_ascii_digit());
    Some(match aim {
        "]C1" => SymbolKind::Gs1_128,
        "]C0" => SymbolKind::Code128,
        "]d2" => SymbolKind::Gs1DataMatrix,
        "]d1" => SymbolKind::DataMatrix,
        "]Q3" => SymbolKind::Gs1Qr,
        "]Q1" => SymbolKind::Qr,
        "]E0" if digits(13) => SymbolKind::Ean13,
        "]E0" if digits(12) => SymbolKind::UpcA,
        "]I0" | "]I1" if digits(14) => SymbolKind::Itf14,
        _ => return None,
    })
}

/// Whether a symbology is linear (bars read along a line), so it needs [`agree`]ment.
pub fn is_linear(kind: SymbolKind) -> bool {
    matches!(
        kind,
        SymbolKind::Gs1_128
            | SymbolKind::Code128
            | SymbolKind::Ean13
            | SymbolKind::UpcA
            | SymbolKind::Itf14
    )
}

/// How many scan lines through a symbol must read the same before it counts: 1 for matrix
/// symbols (Reed–Solomon protects them), 2 for linear ones. (Three lines of zxing-cpp did
/// not stop its EAN-13 misreads, which repeat on neighbouring lines; see `decode`.)
pub fn scan_lines_needed(kind: SymbolKind) -> u32 {
    match kind {
        SymbolKind::Ean13
        | SymbolKind::UpcA
        | SymbolKind::Itf14
        | SymbolKind::Gs1_128
        | SymbolKind::Code128 => 2,
        SymbolKind::Gs1DataMatrix | SymbolKind::DataMatrix | SymbolKind::Gs1Qr | SymbolKind::Qr => {
            1
        }
    }
}

/// Checks one decoded symbol: its symbology accepted here, its check digit, its GS1 syntax.
/// Returns its symbology.
pub fn check(accepted: &Accepted, aim: &str, text: &str) -> Result<SymbolKind, Refusal> {
    let kind = symbology_of(aim, text).ok_or_else(|| Refusal::Unknown {
        aim: if aim.is_empty() { "unidentified" } else { aim }.to_string(),
    })?;
    if !accepted.contains(kind) {
        return Err(Refusal::NotAccepted(kind));
    }
    match kind {
        SymbolKind::Ean13 | SymbolKind::UpcA | SymbolKind::Itf14 => {
            let (body, check) = text.split_at(text.len() - 1);
            let want = gs1::check_digit(body).ok();
            if want.map(|d| d.to_string()) != Some(check.to_string()) {
                return Err(Refusal::CheckDigit {
                    kind,
                    data: text.to_string(),
                });
            }
        }
        SymbolKind::Gs1_128 | SymbolKind::Gs1DataMatrix | SymbolKind::Gs1Qr => {
            // One symbol of a logistics label may hold (02)+(37) without the (00) of another
            // symbol: "requires" rules are checked when the label is whole, not here.
            let opts = gs1::ParseOptions {
                skip_requisites: true,
                ..Default::default()
            };
            gs1::parse(&format!("{aim}{text}"), &opts).map_err(|e| Refusal::Gs1 {
                kind,
                reason: e.to_string(),
            })?;
        }
        SymbolKind::Qr | SymbolKind::Code128 | SymbolKind::DataMatrix => {}
    }
    Ok(kind)
}

/// Two-line agreement for linear symbols: the reads of independent scan lines through one
/// symbol. A symbol counts when at least two lines read exactly the same data; a line reading
/// something else as well means the symbol is not trusted at all.
pub fn agree<'a>(first: &'a str, others: impl IntoIterator<Item = Option<&'a str>>) -> bool {
    let mut agreeing = 0;
    for other in others.into_iter().flatten() {
        if other != first {
            return false;
        }
        agreeing += 1;
    }
    agreeing >= 1
}

/// Whether other reads of the same symbol agree on something else: at least two of them read
/// the same other data (one line alone is no more trusted against a read than for it).
pub fn dissent<'a>(first: &'a str, others: impl IntoIterator<Item = Option<&'a str>>) -> bool {
    let others: Vec<&str> = others
        .into_iter()
        .flatten()
        .filter(|o| *o != first)
        .collect();
    others
        .iter()
        .any(|o| others.iter().filter(|p| *p == o).count() >= 2)
}

/// Whether two linear reads, as boxes `(x0, y0, x1, y1)` around their scan lines, are of one
/// symbol: read the same way (both along x or both along y), starting and ending within 3 % of
/// its length of each other, and less than half its length apart across the bars. Two
/// different symbols stacked on a label differ in length or position, or lie further apart.
pub fn same_linear_symbol(a: (f32, f32, f32, f32), b: (f32, f32, f32, f32)) -> bool {
    let along_x = |r: (f32, f32, f32, f32)| r.2 - r.0 >= r.3 - r.1;
    if along_x(a) != along_x(b) {
        return false;
    }
    // (start, end) along the bars' reading direction, and the position across it.
    let axis = |r: (f32, f32, f32, f32)| {
        if along_x(r) {
            (r.0, r.2, (r.1 + r.3) / 2.0)
        } else {
            (r.1, r.3, (r.0 + r.2) / 2.0)
        }
    };
    let ((s1, e1, c1), (s2, e2, c2)) = (axis(a), axis(b));
    let len = (e1 - s1).max(e2 - s2).max(1.0);
    (s1 - s2).abs() <= 0.03 * len && (e1 - e2).abs() <= 0.03 * len && (c1 - c2).abs() < 0.5 * len
}

#[cfg(test)]
mod tests {
    use super::*;

    const GS: &str = "\u{1d}";

    #[test]
    fn symbologies_come_from_the_aim_identifier_and_the_data() {
        assert_eq!(symbology_of("]E0", "036000291452"), Some(SymbolKind::UpcA));
        assert_eq!(
            symbology_of("]E0", "9501101530003"),
            Some(SymbolKind::Ean13)
        );
        assert_eq!(symbology_of("]E0", "96385074"), None, "EAN-8");
        assert_eq!(
            symbology_of("]I0", "19501101530000"),
            Some(SymbolKind::Itf14)
        );
        assert_eq!(symbology_of("]I0", "1234"), None, "ITF that is not ITF-14");
        assert_eq!(symbology_of("]A0", "CODE39"), None);
    }

    #[test]
    fn check_digits_and_gs1_syntax_are_checked() {
        let all = Accepted::default();
        assert_eq!(check(&all, "]E0", "036000291452"), Ok(SymbolKind::UpcA));
        assert!(matches!(
            check(&all, "]E0", "036000291453"),
            Err(Refusal::CheckDigit { .. })
        ));
        assert_eq!(
            check(&all, "]C1", &format!("0109501101530003{GS}10LOT-7")),
            Ok(SymbolKind::Gs1_128)
        );
        // A GTIN with a wrong check digit, and an expiry in month 13.
        for bad in ["0109501101530004", "0109501101530003171713010"] {
            assert!(
                matches!(check(&all, "]C1", bad), Err(Refusal::Gs1 { .. })),
                "{bad}"
            );
        }
        // (37) needs (02), but that can be on the label's other symbol.
        assert!(check(&all, "]C1", "0209501101530003375").is_ok());
    }

    #[test]
    fn a_gs1_only_station_refuses_a_upc() {
        let gs1 = Accepted::gs1_only();
        assert_eq!(
            check(&gs1, "]E0", "036000291452"),
            Err(Refusal::NotAccepted(SymbolKind::UpcA))
        );
        assert!(check(&gs1, "]d2", "0109501101530003").is_ok());
    }

    #[test]
    fn agreement_needs_a_second_line_and_no_dissent() {
        assert!(agree("123", [None, Some("123")]));
        assert!(!agree("123", [None, None]));
        assert!(!agree("123", [Some("123"), Some("124")]));
        assert!(dissent("123", [None, Some("124"), Some("124")]));
        assert!(!dissent("123", [None, Some("124"), Some("125")]));
        assert!(!dissent("123", [None, Some("123")]));
    }

    #[test]
    fn two_reads_of_one_linear_symbol_are_told_from_two_symbols() {
        // The measured case: one EAN-13 read on lines 31 px apart.
        assert!(same_linear_symbol(
            (243.0, 237.0, 401.0, 242.0),
            (243.0, 268.0, 401.0, 274.0)
        ));
        // Stacked GS1-128s of a logistics label: other lengths, or further apart.
        assert!(!same_linear_symbol(
            (100.0, 100.0, 500.0, 104.0),
            (100.0, 160.0, 420.0, 164.0)
        ));
        assert!(!same_linear_symbol(
            (100.0, 100.0, 500.0, 104.0),
            (100.0, 320.0, 500.0, 324.0)
        ));
        // One read across, one along: not the same symbol.
        assert!(!same_linear_symbol(
            (100.0, 100.0, 300.0, 104.0),
            (100.0, 100.0, 104.0, 300.0)
        ));
    }

    #[test]
    fn accepted_symbologies_read_from_config_names() {
        let a: Accepted = serde_json::from_str(r#"["gs1-128","gs1-datamatrix"]"#).unwrap();
        assert!(a.contains(SymbolKind::Gs1_128) && !a.contains(SymbolKind::UpcA));
        assert!(serde_json::from_str::<Accepted>(r#"["upc"]"#).is_err());
    }
}
