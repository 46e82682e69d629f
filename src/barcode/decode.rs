//! Decoding images with rxing: every symbol in a greyscale image, top to bottom.

use std::collections::HashSet;

use rxing::{BarcodeFormat, DecodeHints, RXingResultMetadataType, RXingResultMetadataValue};

use super::BarcodeError;
use crate::gs1::GS;

/// One symbol found in an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The AIM symbology identifier (`]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR,
    /// `]Q1` plain QR, `]E0` EAN/UPC, …) when the decoder reports one.
    pub aim_id: Option<String>,
    /// The data, with GS (0x1D) between GS1 elements, without the AIM identifier.
    pub text: String,
}

impl Decoded {
    /// The bytes a scanner would send for this symbol: AIM identifier then data.
    pub fn scan_data(&self) -> String {
        format!("{}{}", self.aim_id.as_deref().unwrap_or(""), self.text)
    }
}

/// Decodes every barcode in a greyscale image (one byte per pixel, row by row), top first.
pub fn decode_luma(luma: Vec<u8>, width: u32, height: u32) -> Result<Vec<Decoded>, BarcodeError> {
    if width == 0 || height == 0 || luma.len() < (width as usize) * (height as usize) {
        return Err(BarcodeError::BadImage(format!(
            "{} bytes do not make a {width}×{height} image",
            luma.len()
        )));
    }
    // A quick pass first; the thorough one only when it finds nothing (TryHarder is slow and
    // rxing has had runaway loops with it on some images).
    let mut results = Vec::new();
    for try_harder in [false, true] {
        results = detect(&luma, width, height, try_harder, None);
        if !results.is_empty() {
            break;
        }
    }
    // rxing's DataMatrix detector grows a rectangle from the image centre, so a DataMatrix in
    // a corner of a label is missed. Find DataMatrix-like shapes (a dark connected region
    // with the solid "L" finder on two adjacent sides) and decode each one cropped.
    let dm: HashSet<BarcodeFormat> = [BarcodeFormat::DATA_MATRIX].into();
    for (x0, y0, x1, y1) in datamatrix_candidates(&luma, width, height) {
        let (cw, ch) = (x1 - x0, y1 - y0);
        let crop: Vec<u8> = (y0..y1)
            .flat_map(|row| {
                let start = (row * width + x0) as usize;
                luma[start..start + cw as usize].iter().copied()
            })
            .collect();
        for extra in detect(&crop, cw, ch, false, Some(dm.clone())) {
            if !results.iter().any(|r| r.getText() == extra.getText()) {
                results.push(extra);
            }
        }
    }
    if results.is_empty() {
        return Err(BarcodeError::NoBarcode { width, height });
    }
    let top = |r: &rxing::RXingResult| {
        r.getPoints()
            .iter()
            .map(|p| p.y)
            .fold(f32::INFINITY, f32::min)
    };
    results.sort_by(|a, b| top(a).total_cmp(&top(b)));
    Ok(results.iter().map(decoded_of).collect())
}

/// Decodes an encoded image (PNG or JPEG).
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<Decoded>, BarcodeError> {
    let image =
        image::load_from_memory(bytes).map_err(|e| BarcodeError::BadImage(e.to_string()))?;
    let luma = image.to_luma8();
    let (width, height) = luma.dimensions();
    decode_luma(luma.into_raw(), width, height)
}

/// Bounding boxes (with a quiet margin) of dark connected regions shaped like a DataMatrix:
/// square or rectangular (up to 4:1), at least 12 px, with two adjacent edges almost entirely dark.
fn datamatrix_candidates(luma: &[u8], width: u32, height: u32) -> Vec<(u32, u32, u32, u32)> {
    let (w, h) = (width as usize, height as usize);
    let dark = |i: usize| luma[i] < 128;
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || !dark(start) {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for n in neighbours.into_iter().flatten() {
                if !seen[n] && dark(n) {
                    seen[n] = true;
                    stack.push(n);
                }
            }
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        if bw < 12 || bh < 12 || bw * 4 < bh || bh * 4 < bw || bw * bh * 2 > w * h {
            continue;
        }
        let share = |pixels: &mut dyn Iterator<Item = usize>, n: usize| {
            pixels.filter(|&i| dark(i)).count() * 10 >= n * 9
        };
        let left = share(&mut (y0..=y1).map(|y| y * w + x0), bh);
        let right = share(&mut (y0..=y1).map(|y| y * w + x1), bh);
        let top = share(&mut (x0..=x1).map(|x| y0 * w + x), bw);
        let bottom = share(&mut (x0..=x1).map(|x| y1 * w + x), bw);
        if (left || right) && (top || bottom) {
            let m = bw.max(bh) / 4 + 4;
            out.push((
                x0.saturating_sub(m) as u32,
                y0.saturating_sub(m) as u32,
                (x1 + 1 + m).min(w) as u32,
                (y1 + 1 + m).min(h) as u32,
            ));
        }
    }
    out
}

fn detect(
    luma: &[u8],
    width: u32,
    height: u32,
    try_harder: bool,
    formats: Option<HashSet<BarcodeFormat>>,
) -> Vec<rxing::RXingResult> {
    let mut hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::AssumeGs1(true))
        .with(rxing::DecodeHintValue::TryHarder(try_harder));
    if let Some(formats) = formats {
        hints = hints.with(rxing::DecodeHintValue::PossibleFormats(formats));
    }
    rxing::helpers::detect_multiple_in_luma_with_hints(luma.to_vec(), width, height, &mut hints)
        .unwrap_or_default()
}

fn decoded_of(result: &rxing::RXingResult) -> Decoded {
    let raw = result.getText();
    let reported = match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(id)) => Some(id.clone()),
        _ => None,
    };
    // With AssumeGs1, rxing puts the identifier in the text as well for GS1 symbols.
    let (aim_id, text) = match raw.strip_prefix(']').filter(|_| raw.len() >= 3) {
        Some(_) => (Some(raw[..3].to_string()), raw[3..].to_string()),
        None => (reported, raw.to_string()),
    };
    Decoded {
        text: strip_spurious_trailing_gs(aim_id.as_deref(), text),
        aim_id,
    }
}

/// rxing decodes a Code 128 symbol whose check character is 102 (the FNC1 value) with a
/// trailing GS (about 1 symbol in 100). A GS1 element string never ends with a separator, so
/// a trailing GS on GS1 data is dropped.
fn strip_spurious_trailing_gs(aim_id: Option<&str>, mut text: String) -> String {
    let gs1 = matches!(aim_id, Some("]C1" | "]d2" | "]Q3" | "]e0" | "]J1"));
    if gs1 {
        while text.ends_with(GS) {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_gs_is_dropped_from_gs1_data_only() {
        assert_eq!(
            strip_spurious_trailing_gs(Some("]C1"), "10AB\u{1d}".into()),
            "10AB"
        );
        assert_eq!(
            strip_spurious_trailing_gs(Some("]C0"), "AB\u{1d}".into()),
            "AB\u{1d}"
        );
    }

    #[test]
    fn an_empty_or_short_buffer_is_a_bad_image_not_a_panic() {
        assert!(matches!(
            decode_luma(vec![], 10, 10),
            Err(BarcodeError::BadImage(_))
        ));
        assert!(matches!(
            decode_image_bytes(b"not an image"),
            Err(BarcodeError::BadImage(_))
        ));
    }

    #[test]
    fn a_blank_image_has_no_barcode() {
        let err = decode_luma(vec![255; 100 * 100], 100, 100).unwrap_err();
        assert_eq!(
            err,
            BarcodeError::NoBarcode {
                width: 100,
                height: 100
            }
        );
    }
}
