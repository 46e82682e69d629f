//! The label font (DejaVu Sans, shipped in `assets/fonts/` with its licence): bytes for PDF
//! embedding and metrics for the layout's fit checks and the PNG preview.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The parsed font for a weight, parsed once per process: measuring every text of a
/// thousand-label run re-read the font's tables each time.
pub fn face(bold: bool) -> &'static FontRef<'static> {
    static FACES: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        [REGULAR, BOLD].map(|bytes| {
            FontRef::try_from_slice(bytes).expect("the shipped font is a valid TrueType file")
        })
    });
    &faces[usize::from(bold)]
}

/// Width of `text` in millimetres at `size_pt` points.
pub fn text_width_mm(text: &str, size_pt: f32, bold: bool) -> f32 {
    let font = face(bold);
    // Scale so one unit = one point; 1 pt = 25.4/72 mm.
    let scaled = font.as_scaled(PxScale::from(
        size_pt * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0),
    ));
    // No kerning: the PDF shows glyphs at their advances, and kerning only ever narrows, so
    // the unkerned width is what the fit checks must hold to (and it is cheap to look up).
    let width: f32 = text
        .chars()
        .map(|ch| scaled.h_advance(scaled.glyph_id(ch)))
        .sum();
    width * 25.4 / 72.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider_and_scales_with_size() {
        let a = text_width_mm("LOT", 10.0, false);
        assert!(a > 3.0 && a < 10.0, "{a}");
        assert!(text_width_mm("LOT-0001", 10.0, false) > a);
        assert!((text_width_mm("LOT", 20.0, false) - 2.0 * a).abs() < 0.01);
    }
}
