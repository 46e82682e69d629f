//! Labels as PDF: one page per label, bars as filled vector rectangles (each dark run of a row
//! is one rectangle), text in the embedded label font (subset, once per document).

use printpdf::{
    Color, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    Rect, Rgb, TextItem,
};

use super::font;
use super::layout::{Item, Layout};

const MM_TO_PT: f32 = 72.0 / 25.4;

/// Renders labels into one PDF document.
pub fn render(labels: &[Layout], title: &str) -> Vec<u8> {
    let mut doc = PdfDocument::new(title);
    let mut warnings = Vec::new();
    let regular =
        ParsedFont::from_bytes(font::REGULAR, 0, &mut warnings).expect("the shipped font parses");
    let bold =
        ParsedFont::from_bytes(font::BOLD, 0, &mut warnings).expect("the shipped font parses");
    let regular = doc.add_font(&regular);
    let bold = doc.add_font(&bold);
    let pages = labels
        .iter()
        .map(|label| {
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
                        bold: is_bold,
                        text,
                    } => {
                        let font = if *is_bold {
                            bold.clone()
                        } else {
                            regular.clone()
                        };
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
                    Item::Barcode(b) => {
                        let m = b.module_mm;
                        if b.symbol.is_linear() {
                            for (start, len) in b.symbol.matrix.dark_runs(0) {
                                rect(
                                    &mut ops,
                                    b.x_mm + start as f32 * m,
                                    b.y_mm,
                                    len as f32 * m,
                                    b.height_mm,
                                );
                            }
                        } else {
                            for row in 0..b.symbol.matrix.height {
                                for (start, len) in b.symbol.matrix.dark_runs(row) {
                                    rect(
                                        &mut ops,
                                        b.x_mm + start as f32 * m,
                                        b.y_mm + row as f32 * m,
                                        len as f32 * m,
                                        m,
                                    );
                                }
                            }
                        }
                    }
                }
            }
            PdfPage::new(Mm(label.width_mm), Mm(label.height_mm), ops)
        })
        .collect();
    doc.with_pages(pages);
    let opts = PdfSaveOptions {
        subset_fonts: true,
        ..Default::default()
    };
    doc.save(&opts, &mut Vec::new())
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}
