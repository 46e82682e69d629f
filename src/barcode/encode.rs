//! Encoding with rxing to a module matrix, with the quiet zone each symbology requires.

use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, MultiFormatWriter, Writer};

use super::{BarcodeError, SymbolKind};
use crate::gs1::GS;

/// Code 128's FNC1 character as rxing's writer takes it.
const FNC1: char = '\u{f1}';

/// Dark (true) and light modules, row by row, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub width: u32,
    pub height: u32,
    bits: Vec<bool>,
}

impl Matrix {
    pub fn get(&self, x: u32, y: u32) -> bool {
        self.bits[(y * self.width + x) as usize]
    }

    /// Dark runs in row `y` as `(start, length)` in modules: what renderers draw as one rectangle.
    pub fn dark_runs(&self, y: u32) -> Vec<(u32, u32)> {
        let mut runs = Vec::new();
        let mut x = 0;
        while x < self.width {
            if self.get(x, y) {
                let start = x;
                while x < self.width && self.get(x, y) {
                    x += 1;
                }
                runs.push((start, x - start));
            } else {
                x += 1;
            }
        }
        runs
    }
}

/// An encoded symbol ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub symbology: SymbolKind,
    pub matrix: Matrix,
    /// Light margin needed on every side, in modules (linear symbols: left and right).
    pub quiet_zone: u32,
}

impl Symbol {
    /// A linear symbol is one row of bars, drawn at whatever height the label gives it.
    pub fn is_linear(&self) -> bool {
        self.matrix.height == 1
    }
}

/// Encodes `data` in `symbology`. GS1 symbologies take a raw element string: AIs and values
/// with GS (0x1D) after each variable-length value that is followed by another element.
pub fn encode(symbology: SymbolKind, data: &str) -> Result<Symbol, BarcodeError> {
    let unencodable = |reason: String| BarcodeError::Unencodable {
        symbology,
        data: data.to_string(),
        reason,
    };
    if data.is_empty() {
        return Err(unencodable("there is no data".into()));
    }
    let margin_zero = EncodeHints::default().with(EncodeHintValue::Margin("0".into()));
    let (format, contents, hints, quiet_zone) = match symbology {
        SymbolKind::Gs1_128 => {
            let contents: String = std::iter::once(FNC1)
                .chain(data.chars().map(|c| if c == GS { FNC1 } else { c }))
                .collect();
            (BarcodeFormat::CODE_128, contents, margin_zero, 10)
        }
        SymbolKind::Code128 => (BarcodeFormat::CODE_128, data.to_string(), margin_zero, 10),
        SymbolKind::Gs1DataMatrix => {
            let (width, bits) = super::datamatrix::encode_gs1(data).map_err(unencodable)?;
            return Ok(Symbol {
                symbology,
                matrix: Matrix {
                    width,
                    height: bits.len() as u32 / width,
                    bits,
                },
                quiet_zone: 1,
            });
        }
        SymbolKind::DataMatrix => (
            BarcodeFormat::DATA_MATRIX,
            data.to_string(),
            // Square symbols: what every imager reads best; rxing otherwise picks a rectangle
            // for some lengths.
            margin_zero.with(EncodeHintValue::DataMatrixShape(
                SymbolShapeHint::FORCE_SQUARE,
            )),
            1,
        ),
        SymbolKind::Gs1Qr => (
            BarcodeFormat::QR_CODE,
            data.to_string(),
            margin_zero.with(EncodeHintValue::Gs1Format(true)),
            4,
        ),
        SymbolKind::Qr => (BarcodeFormat::QR_CODE, data.to_string(), margin_zero, 4),
        SymbolKind::Ean13 => {
            check_digits(data, &[13], &unencodable)?;
            (BarcodeFormat::EAN_13, data.to_string(), margin_zero, 11)
        }
        SymbolKind::UpcA => {
            check_digits(data, &[12], &unencodable)?;
            (BarcodeFormat::UPC_A, data.to_string(), margin_zero, 9)
        }
        SymbolKind::Itf14 => {
            check_digits(data, &[14], &unencodable)?;
            (BarcodeFormat::ITF, data.to_string(), margin_zero, 10)
        }
    };
    // rxing panics on a few inputs it should refuse; a bad label field must not take the
    // station down, so a panic becomes an ordinary refusal.
    let result = std::panic::catch_unwind(|| {
        MultiFormatWriter.encode_with_hints(&contents, &format, 0, 0, &hints)
    });
    let bits = match result {
        Ok(Ok(bits)) => bits,
        Ok(Err(e)) => return Err(unencodable(e.to_string())),
        Err(_) => return Err(unencodable("the encoder rejected this data".into())),
    };
    let (width, height) = (bits.getWidth(), bits.getHeight());
    let mut cells = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            cells.push(bits.get(x, y));
        }
    }
    let mut matrix = Matrix {
        width,
        height,
        bits: cells,
    };
    trim_light_margin(&mut matrix);
    Ok(Symbol {
        symbology,
        matrix,
        quiet_zone,
    })
}

/// Fixed-length numeric symbologies: length and GS1 check digit are checked here so the
/// message says what is wrong instead of a generic encoder failure.
fn check_digits(
    data: &str,
    lengths: &[usize],
    unencodable: &dyn Fn(String) -> BarcodeError,
) -> Result<(), BarcodeError> {
    if !data.bytes().all(|b| b.is_ascii_digit()) || !lengths.contains(&data.len()) {
        return Err(unencodable(format!("needs exactly {} digits", lengths[0])));
    }
    let (body, check) = data.split_at(data.len() - 1);
    let expected = gs1_mod10(body);
    if check.as_bytes()[0] - b'0' != expected {
        return Err(unencodable(format!(
            "check digit is {check}, expected {expected}"
        )));
    }
    Ok(())
}

/// The GS1 mod-10 check digit (weights 3,1 from the right).
fn gs1_mod10(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Some rxing writers add light columns/rows even with a zero margin; renderers add the
/// symbology's own quiet zone, so the matrix is trimmed to its dark bounding box.
fn trim_light_margin(m: &mut Matrix) {
    let (w, h) = (m.width, m.height);
    let col_dark = |x: u32| (0..h).any(|y| m.get(x, y));
    let row_dark = |y: u32| (0..w).any(|x| m.get(x, y));
    let (Some(left), Some(right)) = (
        (0..w).find(|&x| col_dark(x)),
        (0..w).rev().find(|&x| col_dark(x)),
    ) else {
        return;
    };
    let top = (0..h).find(|&y| row_dark(y)).unwrap_or(0);
    let bottom = (0..h).rev().find(|&y| row_dark(y)).unwrap_or(h - 1);
    // A 1D matrix may be several identical rows; keep one.
    let linear = h > 1 && (1..h).all(|y| (0..w).all(|x| m.get(x, y) == m.get(x, 0)));
    let (top, bottom) = if linear { (0, 0) } else { (top, bottom) };
    let mut bits = Vec::new();
    for y in top..=bottom {
        for x in left..=right {
            bits.push(m.get(x, y));
        }
    }
    *m = Matrix {
        width: right - left + 1,
        height: bottom - top + 1,
        bits,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_128_starts_with_fnc1_and_is_one_row() {
        let s = encode(SymbolKind::Gs1_128, "0109501101530003\u{1d}10ABC").unwrap();
        assert!(s.is_linear());
        // Start C (211232) then FNC1 (411131): bars and spaces alternate from a bar.
        let runs = s.matrix.dark_runs(0);
        assert_eq!(runs[0], (0, 2));
    }

    #[test]
    fn ean13_with_wrong_check_digit_says_which() {
        let err = encode(SymbolKind::Ean13, "9501101530004").unwrap_err();
        assert!(
            err.to_string().contains("check digit is 4, expected 3"),
            "{err}"
        );
    }

    #[test]
    fn two_dimensional_symbols_are_square_ish_and_trimmed() {
        let s = encode(SymbolKind::Gs1DataMatrix, "0109501101530003").unwrap();
        assert!(!s.is_linear());
        // DataMatrix's L finder: left column and bottom row fully dark.
        assert!((0..s.matrix.height).all(|y| s.matrix.get(0, y)));
        assert!((0..s.matrix.width).all(|x| s.matrix.get(x, s.matrix.height - 1)));
    }

    #[test]
    fn datamatrix_symbols_are_square_for_every_length() {
        for n in 1..=20 {
            let data = format!("010950110153000317280615{}{}", "10", "B".repeat(n));
            let s = encode(SymbolKind::Gs1DataMatrix, &data).unwrap();
            assert_eq!(s.matrix.width, s.matrix.height, "batch of {n}");
        }
    }

    #[test]
    fn symbology_names_round_trip() {
        for s in SymbolKind::ALL {
            assert_eq!(s.name().parse::<SymbolKind>().unwrap(), s);
            // Templates name symbologies exactly as the command line does.
            assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        }
        assert!("pdf417".parse::<SymbolKind>().is_err());
    }
}
