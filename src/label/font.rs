//! The label font (DejaVu Sans, shipped in `assets/fonts/` with its licence): bytes for PDF
//! embedding and metrics for the layout's fit checks and the PNG preview.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The parsed font for a weight.
pub fn face(bold: bool) -> FontRef<'static> {
    FontRef::try_from_slice(if bold { BOLD } else { REGULAR })
        .expect("the shipped font is a valid TrueType file")
}

/// Width of `text` in millimetres at `size_pt` points.
pub fn text_width_mm(text: &str, size_pt: f32, bold: bool) -> f32 {
    let font = face(bold);
    // Scale so one unit = one point; 1 pt = 25.4/72 mm.
    let scaled = font.as_scaled(PxScale::from(
        size_pt * font.height_unscaled() / font.units_per_em().unwrap_or(1000.0),
    ));
    let mut width = 0.0;
    let mut last = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(prev) = last {
            width += scaled.kern(prev, id);
        }
        width += scaled.h_advance(id);
        last = Some(id);
    }
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
