//! Decoding images with rxing: every symbol in a greyscale image, top to bottom.

use rxing::{DecodeHints, RXingResultMetadataType, RXingResultMetadataValue};

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
        let mut hints = DecodeHints::default()
            .with(rxing::DecodeHintValue::AssumeGs1(true))
            .with(rxing::DecodeHintValue::TryHarder(try_harder));
        if let Ok(found) = rxing::helpers::detect_multiple_in_luma_with_hints(
            luma.clone(),
            width,
            height,
            &mut hints,
        ) {
            results = found;
        }
        if !results.is_empty() {
            break;
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
