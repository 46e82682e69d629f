//! Labels as PDF: one page per label, bars as filled vector rectangles (each dark run of a row
//! is one rectangle), text in the embedded faces (each subset, once per document), images as
//! image XObjects (once per document, drawn on every page that shows them).

use printpdf::{
    Color, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    Pt, RawImage, RawImageData, RawImageFormat, Rect, Rgb, TextItem, XObjectId, XObjectTransform,
};

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::bitmap::Bitmap;
use super::font::Face;

use super::layout::{Item, Layout};

const MM_TO_PT: f32 = 72.0 / 25.4;

/// Renders labels into one PDF document.
pub fn render(labels: &[Layout], title: &str) -> Vec<u8> {
    let mut doc = PdfDocument::new(title);
    let mut warnings = Vec::new();
    // Each face the labels use, with the characters shown in it: embedded once per document,
    // reduced to those glyphs.
    let mut used: BTreeMap<&str, (&Face, BTreeSet<char>)> = BTreeMap::new();
    // Each distinct image (one Arc per template element): one XObject shared by every page.
    let mut images: Vec<(&Arc<Bitmap>, XObjectId)> = Vec::new();
    for item in labels.iter().flat_map(|l| &l.items) {
        match item {
            Item::Text { face, text, .. } => used
                .entry(face.name.as_str())
                .or_insert_with(|| (face, BTreeSet::new()))
                .1
                .extend(text.chars()),
            Item::Image { bitmap, .. } if !images.iter().any(|(b, _)| Arc::ptr_eq(b, bitmap)) => {
                let id = doc.add_image(&RawImage {
                    pixels: RawImageData::U8(bitmap.luma.clone()),
                    width: bitmap.width as usize,
                    height: bitmap.height as usize,
                    data_format: RawImageFormat::R8,
                    tag: Vec::new(),
                });
                images.push((bitmap, id));
            }
            _ => {}
        }
    }
    let fonts: BTreeMap<&str, FontId> = used
        .into_iter()
        .map(|(name, (face, chars))| {
            let bytes = subset(face, &chars);
            let parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
                .or_else(|| ParsedFont::from_bytes(face.bytes, 0, &mut warnings))
                .expect("a face that ab_glyph parsed parses");
            (name, doc.add_font(&parsed))
        })
        .collect();
    // Pages are built on every core: formatting the bars of a thousand labels is real work.
    let pages = super::par_map(labels, |label| {
        let mut ops = vec![Op::SetFillColor { col: black() }];
        let top = label.height_mm;
        // PDF's origin is the bottom-left corner; layouts measure from the top.
        let rect = |ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32| {
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x * MM_TO_PT),
                    y: Pt((top - y - h) * MM_TO_PT),
                    width: Pt(w * MM_TO_PT),
                    height: Pt(h * MM_TO_PT),
                    mode: Some(printpdf::PaintMode::Fill),
                    winding_order: None,
                },
            })
        };
        for item in &label.items {
            match item {
                Item::Rect {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                } => rect(&mut ops, *x_mm, *y_mm, *w_mm, *h_mm),
                Item::Text {
                    x_mm,
                    y_mm,
                    size_pt,
                    face,
                    text,
                    ..
                } => {
                    let font = fonts[face.name.as_str()].clone();
                    let baseline = y_mm + size_pt * 0.8 / MM_TO_PT;
                    ops.extend([
                        Op::StartTextSection,
                        Op::SetFont {
                            font: PdfFontHandle::External(font),
                            size: Pt(*size_pt),
                        },
                        Op::SetTextCursor {
                            pos: Point {
                                x: Pt(x_mm * MM_TO_PT),
                                y: Pt((top - baseline) * MM_TO_PT),
                            },
                        },
                        Op::ShowText {
                            items: vec![TextItem::Text(text.clone())],
                        },
                        Op::EndTextSection,
                    ]);
                }
                Item::Barcode(b) => bars(&mut ops, b, top),
                Item::Image {
                    x_mm,
                    y_mm,
                    w_mm,
                    h_mm,
                    bitmap,
                    ..
                } => {
                    let id = images
                        .iter()
                        .find(|(b, _)| Arc::ptr_eq(b, bitmap))
                        .map(|(_, id)| id.clone())
                        .expect("every image was added above");
                    // At 72 dpi one pixel is one point; scale that to the printed size.
                    ops.push(Op::UseXobject {
                        id,
                        transform: XObjectTransform {
                            translate_x: Some(Pt(x_mm * MM_TO_PT)),
                            translate_y: Some(Pt((top - y_mm - h_mm) * MM_TO_PT)),
                            scale_x: Some(w_mm * MM_TO_PT / bitmap.width as f32),
                            scale_y: Some(h_mm * MM_TO_PT / bitmap.height as f32),
                            dpi: Some(72.0),
                            ..Default::default()
                        },
                    });
                }
            }
        }
        PdfPage::new(Mm(label.width_mm), Mm(label.height_mm), ops)
    });
    doc.with_pages(pages);
    let opts = PdfSaveOptions {
        subset_fonts: true,
        // `secure` drops operators printpdf has no variant for; the bars are written as raw
        // `re` operators (see `bars`), and every operator here is one this module made.
        secure: false,
        // Compressing costs half the render time (a fresh deflate state per page stream) and
        // saves only ~1 KB per label: page streams stay plain, well under 5 KB per label.
        optimize: false,
        ..Default::default()
    };
    doc.save(&opts, &mut Vec::new())
}

/// Draws a symbol's dark runs as one filled path in module units: a `cm` scales one unit to one
/// module (linear symbols: to the bar height) and flips y, so each run is `x y w h re` with
/// small integers. The path goes to printpdf as one operator whose name is the whole content
/// fragment: lopdf writes an operator's name verbatim, and building thousands of operand
/// objects per label was most of a 1,000-label run. The label tests decode every rendered
/// symbol back, so a change in that behaviour cannot pass unnoticed.
fn bars(ops: &mut Vec<Op>, b: &super::layout::PlacedBarcode, top: f32) {
    use std::fmt::Write;
    let m = b.module_mm * MM_TO_PT;
    let (unit_h, rows) = if b.symbol.is_linear() {
        (b.height_mm * MM_TO_PT, 1)
    } else {
        (m, b.symbol.matrix.height)
    };
    let mut path = String::with_capacity(64 + 12 * b.symbol.matrix.width as usize * rows as usize);
    // Writing to a String cannot fail.
    let _ = write!(
        path,
        "q {m:.4} 0 0 {:.4} {:.3} {:.3} cm",
        -unit_h,
        b.x_mm * MM_TO_PT,
        (top - b.y_mm) * MM_TO_PT
    );
    for row in 0..rows {
        for (start, len) in b.symbol.matrix.dark_runs(row) {
            for v in [start, row, len] {
                path.push(' ');
                push_uint(&mut path, v);
            }
            path.push_str(" 1 re");
        }
    }
    path.push_str(" f Q");
    ops.push(Op::Unknown {
        key: path,
        value: Vec::new(),
    });
}

/// Appends `v` in decimal: the path above writes a few hundred thousand small numbers per run.
fn push_uint(s: &mut String, mut v: u32) {
    let mut digits = [0u8; 10];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    s.extend(digits[..n].iter().rev().map(|&d| char::from(d)));
}

/// The face reduced to the glyphs the labels use, so a label PDF carries a few KB of font
/// instead of 700 KB (printpdf subsets only with its heavy `text_layout` feature). Falls back
/// to the whole font if subsetting fails: a bigger file beats no label.
fn subset(face: &Face, chars: &BTreeSet<char>) -> Cow<'static, [u8]> {
    use ab_glyph::Font;
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile, subset};

    let mut glyphs: Vec<u16> = chars.iter().map(|&c| face.font.glyph_id(c).0).collect();
    glyphs.push(0); // .notdef must stay glyph 0
    glyphs.sort_unstable();
    glyphs.dedup();
    let subsetted = ReadScope::new(face.bytes)
        .read::<FontData>()
        .ok()
        .and_then(|data| data.table_provider(0).ok())
        .and_then(|provider| {
            subset(
                &provider,
                &glyphs,
                &SubsetProfile::Minimal,
                CmapTarget::Unicode,
            )
            .ok()
        });
    match subsetted {
        Some(small) => Cow::Owned(small),
        None => Cow::Borrowed(face.bytes),
    }
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}
