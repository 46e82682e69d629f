//! Labels as PNG previews at the template's printer resolution (what the UI shows).

use ab_glyph::{Font, PxScale, ScaleFont, point};
use image::{GrayImage, Luma};

use super::font::Face;
use super::layout::{Item, Layout};

/// Renders a label at `dpi` dots per inch, black on white.
pub fn render(label: &Layout, dpi: u32) -> Vec<u8> {
    let px = |mm: f32| (mm * dpi as f32 / 25.4).round() as i64;
    let (w, h) = (
        px(label.width_mm).max(1) as u32,
        px(label.height_mm).max(1) as u32,
    );
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    let fill = |img: &mut GrayImage, x0: i64, y0: i64, x1: i64, y1: i64| {
        for y in y0.max(0)..y1.min(h as i64) {
            for x in x0.max(0)..x1.min(w as i64) {
                img.put_pixel(x as u32, y as u32, Luma([0]));
            }
        }
    };
    for item in &label.items {
        match item {
            Item::Rect {
                x_mm,
                y_mm,
                w_mm,
                h_mm,
            } => fill(
                &mut img,
                px(*x_mm),
                px(*y_mm),
                px(x_mm + w_mm).max(px(*x_mm) + 1),
                px(y_mm + h_mm).max(px(*y_mm) + 1),
            ),
            Item::Barcode(b) => {
                // Whole dots per module when rendering at the template's resolution, so the
                // preview is what the printer prints.
                let dots = if dpi == label.dpi {
                    b.module_dots as i64
                } else {
                    0
                };
                let (x0, y0) = (px(b.x_mm), px(b.y_mm));
                let module_x = |i: u32| {
                    if dots > 0 {
                        x0 + i as i64 * dots
                    } else {
                        px(b.x_mm + i as f32 * b.module_mm)
                    }
                };
                let module_y = |i: u32| {
                    if dots > 0 {
                        y0 + i as i64 * dots
                    } else {
                        px(b.y_mm + i as f32 * b.module_mm)
                    }
                };
                if b.symbol.is_linear() {
                    let bottom = px(b.y_mm + b.height_mm);
                    for (s, l) in b.symbol.matrix.dark_runs(0) {
                        fill(&mut img, module_x(s), y0, module_x(s + l), bottom);
                    }
                } else {
                    for row in 0..b.symbol.matrix.height {
                        for (s, l) in b.symbol.matrix.dark_runs(row) {
                            fill(
                                &mut img,
                                module_x(s),
                                module_y(row),
                                module_x(s + l),
                                module_y(row + 1),
                            );
                        }
                    }
                }
            }
            Item::Text {
                x_mm,
                y_mm,
                size_pt,
                face,
                text,
                ..
            } => {
                draw_text(
                    &mut img,
                    face,
                    text,
                    px(*x_mm) as f32,
                    px(*y_mm) as f32,
                    size_pt * dpi as f32 / 72.0,
                );
            }
            Item::Image {
                x_mm,
                y_mm,
                w_mm,
                h_mm,
                bitmap,
                ..
            } => {
                let (x0, y0) = (px(*x_mm), px(*y_mm));
                let (bw, bh) = (
                    (px(x_mm + w_mm) - x0).max(1) as u32,
                    (px(y_mm + h_mm) - y0).max(1) as u32,
                );
                let grey = bitmap.resample(bw, bh);
                for (i, &g) in grey.iter().enumerate() {
                    let (x, y) = (x0 + (i as u32 % bw) as i64, y0 + (i as u32 / bw) as i64);
                    if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        // Ink darkens what is under it.
                        let old = img.get_pixel(x as u32, y as u32)[0];
                        img.put_pixel(x as u32, y as u32, Luma([old.min(g)]));
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("writing a PNG to memory cannot fail");
    out.into_inner()
}

/// Draws `text` with its top at `y` and an em of `size_px` pixels.
fn draw_text(img: &mut GrayImage, face: &Face, text: &str, x: f32, y: f32, size_px: f32) {
    let face = &face.font;
    let scale =
        PxScale::from(size_px * face.height_unscaled() / face.units_per_em().unwrap_or(1000.0));
    let scaled = face.as_scaled(scale);
    let baseline = y + size_px * 0.8;
    let mut caret = x;
    let mut last = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(prev) = last {
            caret += scaled.kern(prev, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        last = Some(id);
        if let Some(outline) = face.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (px, py) = (
                    bounds.min.x as i64 + gx as i64,
                    bounds.min.y as i64 + gy as i64,
                );
                if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                    let old = img.get_pixel(px as u32, py as u32)[0] as f32;
                    let new = old * (1.0 - coverage.min(1.0));
                    img.put_pixel(px as u32, py as u32, Luma([new as u8]));
                }
            });
        }
    }
}
