//! PNG and SVG images of a symbol (previews, `lotline barcode encode`). Bars stay exact
//! multiples of the module size so a scanner reads the image as printed.

use image::{GrayImage, Luma};

use super::Symbol;

/// Height of a linear symbol, in modules, when drawn alone (GS1-128 guidance: ≥ 15% of width
/// or 32 mm; this keeps previews readable).
fn linear_height_modules(symbol: &Symbol) -> u32 {
    (symbol.matrix.width / 4).max(40)
}

/// Renders `symbol` at `module_px` pixels per module, quiet zone included, black on white.
pub fn to_png(symbol: &Symbol, module_px: u32) -> Vec<u8> {
    let module_px = module_px.max(1);
    let q = symbol.quiet_zone;
    let rows = if symbol.is_linear() {
        linear_height_modules(symbol)
    } else {
        symbol.matrix.height
    };
    let (w, h) = (symbol.matrix.width + 2 * q, rows + 2 * q);
    let mut img = GrayImage::from_pixel(w * module_px, h * module_px, Luma([255]));
    for y in 0..rows {
        let src_y = if symbol.is_linear() { 0 } else { y };
        for (start, len) in symbol.matrix.dark_runs(src_y) {
            for py in (y + q) * module_px..(y + q + 1) * module_px {
                for px in (start + q) * module_px..(start + q + len) * module_px {
                    img.put_pixel(px, py, Luma([0]));
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("writing a PNG to memory cannot fail");
    out.into_inner()
}

/// An SVG with one rectangle per dark run, in module units (scales without loss).
pub fn to_svg(symbol: &Symbol) -> String {
    let q = symbol.quiet_zone;
    let rows = if symbol.is_linear() {
        linear_height_modules(symbol)
    } else {
        symbol.matrix.height
    };
    let (w, h) = (symbol.matrix.width + 2 * q, rows + 2 * q);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{}\" height=\"{}\" shape-rendering=\"crispEdges\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n<g fill=\"#000\">\n",
        w * 4,
        h * 4
    );
    if symbol.is_linear() {
        for (start, len) in symbol.matrix.dark_runs(0) {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{q}\" width=\"{len}\" height=\"{rows}\"/>\n",
                start + q
            ));
        }
    } else {
        for y in 0..rows {
            for (start, len) in symbol.matrix.dark_runs(y) {
                svg.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"{len}\" height=\"1\"/>\n",
                    start + q,
                    y + q
                ));
            }
        }
    }
    svg.push_str("</g>\n</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::{SymbolKind, decode_image_bytes, encode};

    /// Every symbology survives encode → PNG → rxing decode with its GS1 separators.
    #[test]
    fn every_symbology_round_trips_through_png() {
        let cases = [
            (
                SymbolKind::Gs1_128,
                "0109501101530003\u{1d}10LOT-7\u{1d}21S12",
                "]C1",
            ),
            (
                SymbolKind::Gs1DataMatrix,
                "010950110153000317271231\u{1d}10A1B2",
                "]d2",
            ),
            (
                SymbolKind::Gs1Qr,
                "0109501101530003\u{1d}10ABC\u{1d}2124",
                "]Q3",
            ),
            (
                SymbolKind::Qr,
                "https://id.gs1.org/01/09501101530003/10/ABC",
                "]Q1",
            ),
            (SymbolKind::Ean13, "9501101530003", "]E0"),
            (SymbolKind::UpcA, "036000291452", "]E0"),
            (SymbolKind::Itf14, "19501101530000", "]I0"),
            (SymbolKind::Code128, "PALLET-0042", "]C0"),
            (SymbolKind::DataMatrix, "Plain text 123", "]d1"),
        ];
        for (sym, data, aim) in cases {
            let png = to_png(&encode(sym, data).unwrap(), 4);
            let found = decode_image_bytes(&png).unwrap_or_else(|e| panic!("{sym}: {e}"));
            assert_eq!(found.len(), 1, "{sym}");
            let text = &found[0].text;
            assert_eq!(text, data, "{sym}");
            assert_eq!(found[0].aim_id.as_deref(), Some(aim), "{sym}");
        }
    }

    #[test]
    fn svg_has_one_rect_per_bar() {
        let s = encode(SymbolKind::Code128, "AB").unwrap();
        let svg = to_svg(&s);
        assert_eq!(
            svg.matches("<rect").count(),
            1 + s.matrix.dark_runs(0).len()
        );
    }
}
