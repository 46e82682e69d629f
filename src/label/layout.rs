//! Template + data → a laid-out label in millimetres. Pure: every renderer draws this.

use std::sync::Arc;

use super::LabelError;
use super::bitmap::Bitmap;
use super::font::{self, Face};
use super::template::{Element, LabelData, Template, fill};
use crate::barcode::{self, Symbol, SymbolKind};
use crate::gs1;

/// Size of the human-readable line under linear symbols.
pub const HRI_SIZE_PT: f32 = 8.0;

/// One thing to draw. Coordinates from the label's top-left corner, in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `y_mm` is the top of the text line; the baseline is `size_pt` × 0.8 below it.
    Text {
        x_mm: f32,
        y_mm: f32,
        size_pt: f32,
        face: &'static Face,
        /// ZPL: a font stored in the printer instead of the resident font 0.
        zpl_font: Option<String>,
        text: String,
    },
    /// An image scaled to `w_mm`×`h_mm`; ZPL prints grey below `threshold` black.
    Image {
        x_mm: f32,
        y_mm: f32,
        w_mm: f32,
        h_mm: f32,
        threshold: u8,
        bitmap: Arc<Bitmap>,
    },
    /// A filled rectangle (lines and box edges).
    Rect {
        x_mm: f32,
        y_mm: f32,
        w_mm: f32,
        h_mm: f32,
    },
    /// A barcode. `x_mm`/`y_mm` is the top-left of its bars (the quiet zone lies outside).
    Barcode(PlacedBarcode),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlacedBarcode {
    pub x_mm: f32,
    pub y_mm: f32,
    pub symbol: Symbol,
    /// Module size after snapping to whole printer dots.
    pub module_mm: f32,
    pub module_dots: u32,
    /// Bar height (linear symbols); 2D symbols are `matrix.height × module_mm` tall.
    pub height_mm: f32,
    /// What was encoded: GS1 element string with GS separators, or the plain data.
    pub data: String,
}

impl PlacedBarcode {
    pub fn width_mm(&self) -> f32 {
        self.symbol.matrix.width as f32 * self.module_mm
    }
    pub fn bars_height_mm(&self) -> f32 {
        if self.symbol.is_linear() {
            self.height_mm
        } else {
            self.symbol.matrix.height as f32 * self.module_mm
        }
    }
}

/// A label ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width_mm: f32,
    pub height_mm: f32,
    pub dpi: u32,
    pub items: Vec<Item>,
}

/// Lays out many labels of one template, spread over the machine's cores (a print run of a
/// thousand labels spends most of its time encoding symbols). Labels come back in order;
/// `done` is called once per label, from any thread (a progress bar). The first failing
/// label, by position, is reported with its index.
pub fn lay_out_all(
    t: &Template,
    rows: &[LabelData],
    done: &(dyn Fn() + Sync),
) -> Result<Vec<Layout>, (usize, LabelError)> {
    let mut labels = Vec::with_capacity(rows.len());
    for (i, layout) in super::par_map(rows, |data| {
        let layout = lay_out(t, data);
        done();
        layout
    })
    .into_iter()
    .enumerate()
    {
        labels.push(layout.map_err(|e| (i, e))?);
    }
    Ok(labels)
}

/// Lays out one label. Refuses data that is not valid GS1 where GS1 is required, and
/// anything that does not fit on the label, naming the element.
pub fn lay_out(t: &Template, data: &LabelData) -> Result<Layout, LabelError> {
    let mut items = Vec::with_capacity(t.elements.len() + 4);
    // GS1 data of every symbol: one item's association rules hold over all of them.
    let mut label_gs1: Vec<gs1::Element> = Vec::new();
    for (i, el) in t.elements.iter().enumerate() {
        let err = |problem: String| t.element_error(i, problem);
        match el {
            Element::Text {
                x_mm,
                y_mm,
                size_pt,
                text,
                bold,
                font,
                zpl_font,
                max_width_mm,
                face,
            } => {
                let face = match face {
                    Some(face) => *face,
                    None => font::resolve(font.as_deref(), *bold).map_err(err)?,
                };
                let text = fill(text, data).map_err(err)?;
                let missing = face.missing_glyphs(&text);
                if !missing.is_empty() {
                    return Err(err(format!(
                        "font {} has no glyph for {missing:?} in {text:?}: change the text or choose a font that has them",
                        face.name
                    )));
                }
                let room = max_width_mm.unwrap_or(t.width_mm - x_mm);
                check_text_fits(face, &text, *size_pt, room).map_err(err)?;
                check_inside(t, *x_mm, *y_mm, 0.0, size_pt * 25.4 / 72.0).map_err(err)?;
                items.push(Item::Text {
                    x_mm: *x_mm,
                    y_mm: *y_mm,
                    size_pt: *size_pt,
                    face,
                    zpl_font: zpl_font.clone(),
                    text,
                });
            }
            Element::Barcode {
                x_mm,
                y_mm,
                symbology,
                data: pattern,
                module_mm,
                height_mm,
                hri,
                digital_link,
            } => {
                let filled = fill(pattern, data).map_err(err)?;
                let (encoded, hri_text, elements) =
                    symbol_data(*symbology, &filled, *digital_link).map_err(err)?;
                label_gs1.extend(elements);
                let symbol =
                    barcode::encode(*symbology, &encoded).map_err(|e| err(e.to_string()))?;
                let dots = (module_mm * t.dpi as f32 / 25.4).round().max(1.0) as u32;
                let module = dots as f32 * 25.4 / t.dpi as f32;
                let quiet = symbol.quiet_zone as f32 * module;
                let placed = PlacedBarcode {
                    x_mm: x_mm + quiet,
                    y_mm: *y_mm,
                    symbol,
                    module_mm: module,
                    module_dots: dots,
                    height_mm: *height_mm,
                    data: encoded,
                };
                let needed_w = placed.width_mm() + 2.0 * quiet;
                if x_mm + needed_w > t.width_mm + 1e-3 {
                    return Err(err(format!(
                        "the symbol needs {needed_w:.1} mm with its quiet zones at X = {module:.3} mm; only {:.1} mm are left: shorten the data or lower module_mm",
                        t.width_mm - x_mm
                    )));
                }
                let mut bottom = y_mm + placed.bars_height_mm();
                let hri_item = (*hri && placed.symbol.is_linear()).then(|| {
                    let text = hri_text.clone();
                    let face = font::default_face();
                    let w = face.text_width_mm(&text, HRI_SIZE_PT);
                    let x = placed.x_mm + (placed.width_mm() - w).max(0.0) / 2.0;
                    Item::Text {
                        x_mm: x,
                        y_mm: bottom + 0.8,
                        size_pt: HRI_SIZE_PT,
                        face,
                        zpl_font: None,
                        text,
                    }
                });
                if hri_item.is_some() {
                    bottom += 0.8 + HRI_SIZE_PT * 25.4 / 72.0;
                }
                check_inside(t, *x_mm, *y_mm, needed_w, bottom - y_mm).map_err(err)?;
                items.push(Item::Barcode(placed));
                items.extend(hri_item);
            }
            Element::Line {
                x1_mm,
                y1_mm,
                x2_mm,
                y2_mm,
                thickness_mm,
            } => {
                let (x, y) = (x1_mm.min(*x2_mm), y1_mm.min(*y2_mm));
                let rect = if (y1_mm - y2_mm).abs() < 1e-3 {
                    Item::Rect {
                        x_mm: x,
                        y_mm: y - thickness_mm / 2.0,
                        w_mm: (x2_mm - x1_mm).abs(),
                        h_mm: *thickness_mm,
                    }
                } else if (x1_mm - x2_mm).abs() < 1e-3 {
                    Item::Rect {
                        x_mm: x - thickness_mm / 2.0,
                        y_mm: y,
                        w_mm: *thickness_mm,
                        h_mm: (y2_mm - y1_mm).abs(),
                    }
                } else {
                    return Err(err("lines must be horizontal or vertical".into()));
                };
                items.push(rect);
            }
            Element::Box {
                x_mm,
                y_mm,
                w_mm,
                h_mm,
                thickness_mm,
            } => {
                check_inside(t, *x_mm, *y_mm, *w_mm, *h_mm).map_err(err)?;
                let th = *thickness_mm;
                items.push(Item::Rect {
                    x_mm: *x_mm,
                    y_mm: *y_mm,
                    w_mm: *w_mm,
                    h_mm: th,
                });
                items.push(Item::Rect {
                    x_mm: *x_mm,
                    y_mm: y_mm + h_mm - th,
                    w_mm: *w_mm,
                    h_mm: th,
                });
                items.push(Item::Rect {
                    x_mm: *x_mm,
                    y_mm: *y_mm,
                    w_mm: th,
                    h_mm: *h_mm,
                });
                items.push(Item::Rect {
                    x_mm: x_mm + w_mm - th,
                    y_mm: *y_mm,
                    w_mm: th,
                    h_mm: *h_mm,
                });
            }
            Element::Image {
                x_mm,
                y_mm,
                path,
                w_mm,
                h_mm,
                threshold,
                bitmap,
            } => {
                let bitmap = match bitmap {
                    Some(b) => b.clone(),
                    None => Arc::new(Bitmap::load(&font::assets_dir(), path).map_err(err)?),
                };
                let natural = |px: u32| px as f32 * 25.4 / t.dpi as f32;
                let aspect = bitmap.height as f32 / bitmap.width as f32;
                let (w, h) = match (w_mm, h_mm) {
                    (Some(w), Some(h)) => (*w, *h),
                    (Some(w), None) => (*w, w * aspect),
                    (None, Some(h)) => (h / aspect, *h),
                    (None, None) => (natural(bitmap.width), natural(bitmap.height)),
                };
                check_inside(t, *x_mm, *y_mm, w, h).map_err(err)?;
                items.push(Item::Image {
                    x_mm: *x_mm,
                    y_mm: *y_mm,
                    w_mm: w,
                    h_mm: h,
                    threshold: *threshold,
                    bitmap,
                });
            }
        }
    }
    label_gs1.sort_by(|a, b| a.ai.cmp(b.ai));
    label_gs1.dedup();
    gs1::check_associations(&label_gs1).map_err(|e| LabelError::Template {
        template: t.name.clone(),
        problem: format!("the label's GS1 data taken together: {e}"),
    })?;
    Ok(Layout {
        width_mm: t.width_mm,
        height_mm: t.height_mm,
        dpi: t.dpi,
        items,
    })
}

/// What a barcode element encodes, its human-readable text, and its GS1 elements.
fn symbol_data(
    symbology: SymbolKind,
    filled: &str,
    digital_link: bool,
) -> Result<(String, String, Vec<gs1::Element>), String> {
    // A label may split one item's data over several symbols (the logistics label does), so
    // "requires" rules are checked over all of them together in `lay_out`.
    let opts = gs1::ParseOptions {
        skip_requisites: true,
        ..Default::default()
    };
    let gs1_message =
        || gs1::parse(filled, &opts).map_err(|e| format!("{filled:?} is not valid GS1 data: {e}"));
    if symbology.is_gs1_element_string() {
        let msg = gs1_message()?;
        Ok((msg.to_element_string(), msg.to_bracketed(), msg.elements))
    } else if digital_link {
        let msg = gs1_message()?;
        let uri = msg
            .to_digital_link(gs1::DEFAULT_DL_DOMAIN)
            .map_err(|e| e.to_string())?;
        Ok((uri.clone(), uri, msg.elements))
    } else {
        Ok((filled.to_string(), filled.to_string(), Vec::new()))
    }
}

fn check_text_fits(face: &Face, text: &str, size_pt: f32, room_mm: f32) -> Result<(), String> {
    let w = face.text_width_mm(text, size_pt);
    if w > room_mm + 1e-3 {
        return Err(format!(
            "{text:?} is {w:.1} mm wide at {size_pt} pt but only {room_mm:.1} mm fit: shorten it or lower size_pt"
        ));
    }
    Ok(())
}

fn check_inside(t: &Template, x: f32, y: f32, w: f32, h: f32) -> Result<(), String> {
    if x < 0.0 || y < 0.0 || x + w > t.width_mm + 1e-3 || y + h > t.height_mm + 1e-3 {
        return Err(format!(
            "it reaches past the {}×{} mm label (x {x:.1}..{:.1}, y {y:.1}..{:.1} mm)",
            t.width_mm,
            t.height_mm,
            x + w,
            y + h
        ));
    }
    Ok(())
}
