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

/// Wrapped text: each line this many times the text size below the last.
pub const LINE_SPACING: f32 = 1.15;

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
    // GS1 data of every symbol, by element: one item's association rules hold over all of
    // them, and an element a split symbol could not carry must be in another symbol.
    let mut symbols: Vec<(usize, Vec<gs1::Element>, Option<gs1::Element>)> = Vec::new();
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
                min_size_pt,
                max_lines,
                face,
            } => {
                let face = match face {
                    Some(face) => *face,
                    None => font::resolve(font.as_deref(), *bold).map_err(err)?,
                };
                let text_filled = fill(text, data).map_err(|u| t.unfilled(i, u))?;
                let missing = face.missing_glyphs(&text_filled);
                if !missing.is_empty() {
                    return Err(err(format!(
                        "font {} has no glyph for {missing:?} in {text_filled:?}: change the text or choose a font that has them",
                        face.name
                    )));
                }
                let room = max_width_mm.unwrap_or(t.width_mm - x_mm);
                let smallest = min_size_pt.unwrap_or(*size_pt);
                let (size, lines) =
                    fit_text(face, &text_filled, *size_pt, smallest, room, *max_lines).map_err(
                        |problem| {
                            let field = super::template::placeholders(text)
                                .ok()
                                .and_then(|p| p.first().copied());
                            t.no_fit(i, field, problem)
                        },
                    )?;
                let line_mm = size * LINE_SPACING * 25.4 / 72.0;
                let block = line_mm * (lines.len() - 1) as f32 + size * 25.4 / 72.0;
                check_inside(t, *x_mm, *y_mm, 0.0, block).map_err(err)?;
                for (n, line) in lines.into_iter().enumerate() {
                    items.push(Item::Text {
                        x_mm: *x_mm,
                        y_mm: y_mm + n as f32 * line_mm,
                        size_pt: size,
                        face,
                        zpl_font: zpl_font.clone(),
                        text: line,
                    });
                }
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
                max_symbols,
                gap_mm,
                max_width_mm,
            } => {
                let filled = fill(pattern, data).map_err(|u| t.unfilled(i, u))?;
                let room = max_width_mm.unwrap_or(t.width_mm - x_mm);
                let dots = (module_mm * t.dpi as f32 / 25.4).round().max(1.0) as u32;
                let at = Placement {
                    x_mm: *x_mm,
                    room_mm: room,
                    dots,
                    dpi: t.dpi,
                    height_mm: *height_mm,
                    hri: *hri,
                };
                let (encoded, hri_text, elements) =
                    symbol_data(*symbology, &filled, *digital_link).map_err(err)?;
                let Some(rows) = max_symbols else {
                    let (placed, hri_item, bottom) = at
                        .place(*symbology, encoded, hri_text, *y_mm)
                        .map_err(|e| match e {
                            Placed::TooWide(problem) => t.no_fit(i, None, problem),
                            Placed::Bad(problem) => err(problem),
                        })?;
                    check_inside(t, *x_mm, *y_mm, placed.width_mm(), bottom - y_mm).map_err(err)?;
                    symbols.push((i, elements, None));
                    items.push(Item::Barcode(placed));
                    items.extend(hri_item);
                    continue;
                };
                // One symbol per row, as the GS1 Logistic Label Guideline splits a pallet's
                // data; whatever fits in no row must be carried by another symbol.
                let fits = |part: &[gs1::Element]| {
                    at.place(*symbology, part_string(part).0, String::new(), 0.0)
                        .is_ok()
                };
                let (packed, left) = pack(&elements, *rows as usize, fits);
                let mut y = *y_mm;
                for row in packed {
                    let part: Vec<gs1::Element> =
                        row.iter().map(|&k| elements[k].clone()).collect();
                    let (encoded, hri_text) = part_string(&part);
                    let (placed, hri_item, bottom) = at
                        .place(*symbology, encoded, hri_text, y)
                        .map_err(|e| err(e.to_string()))?;
                    check_inside(t, *x_mm, y, placed.width_mm(), bottom - y).map_err(err)?;
                    items.push(Item::Barcode(placed));
                    items.extend(hri_item);
                    symbols.push((i, part, None));
                    y = bottom + gap_mm;
                }
                for k in left {
                    symbols.push((i, Vec::new(), Some(elements[k].clone())));
                }
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
    for (i, _, left) in &symbols {
        let Some(left) = left else { continue };
        let carried = symbols
            .iter()
            .any(|(j, carried, _)| j != i && carried.contains(left));
        if !carried {
            let Element::Barcode {
                data: pattern,
                max_symbols,
                ..
            } = &t.elements[*i]
            else {
                unreachable!("only split barcodes leave elements out")
            };
            let field = super::template::ai_fields(pattern)
                .into_iter()
                .find(|(ai, _)| *ai == left.ai)
                .map(|(_, name)| name);
            return Err(t.no_fit(
                *i,
                field,
                format!(
                    "({}) {:?} does not fit in {} GS1-128 symbol(s) across the room, and no other symbol of the label carries it: allow more symbols (max_symbols), give them more room, or add a GS1 DataMatrix that carries it",
                    left.ai,
                    left.value.as_str(),
                    max_symbols.unwrap_or(1)
                ),
            ));
        }
    }
    let mut label_gs1: Vec<gs1::Element> = symbols.into_iter().flat_map(|(_, e, _)| e).collect();
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

/// The size and lines `text` is set in: `size_pt` on one line if it fits, else wrapped onto
/// up to `max_lines`, else the same a half point smaller, down to `min_pt`.
fn fit_text(
    face: &Face,
    text: &str,
    size_pt: f32,
    min_pt: f32,
    room_mm: f32,
    max_lines: u32,
) -> Result<(f32, Vec<String>), String> {
    let mut size = size_pt;
    loop {
        if let Some(lines) = wrap(face, text, size, room_mm, max_lines as usize) {
            return Ok((size, lines));
        }
        if size - 0.5 < min_pt - 1e-3 {
            break;
        }
        size -= 0.5;
    }
    let w = face.text_width_mm(text, min_pt);
    let how = if max_lines > 1 {
        format!(" on {max_lines} lines")
    } else {
        String::new()
    };
    Err(format!(
        "{text:?} is {w:.1} mm wide at {min_pt} pt but only {room_mm:.1} mm fit{how}: shorten it or lower size_pt"
    ))
}

/// `text` broken into at most `max_lines` lines no wider than `room_mm`: at spaces where it
/// can, inside a word where a word alone is too wide. None when it needs more lines.
fn wrap(
    face: &Face,
    text: &str,
    size_pt: f32,
    room_mm: f32,
    max_lines: usize,
) -> Option<Vec<String>> {
    let fits = |s: &str| face.text_width_mm(s, size_pt) <= room_mm + 1e-3;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if !fits(&line) {
                line.pop();
                if line.is_empty() {
                    return None;
                }
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    lines.push(line);
    (lines.len() <= max_lines).then_some(lines)
}

/// Where a barcode element puts its symbols: left edge with the quiet zone, the room it has,
/// the module in printer dots, bar height and whether a human-readable line goes under.
struct Placement {
    x_mm: f32,
    room_mm: f32,
    dots: u32,
    dpi: u32,
    height_mm: f32,
    hri: bool,
}

/// Why a symbol cannot be placed.
#[derive(Debug)]
enum Placed {
    /// Valid data, too wide for the room.
    TooWide(String),
    /// The symbology cannot encode the data.
    Bad(String),
}

impl std::fmt::Display for Placed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Placed::TooWide(p) | Placed::Bad(p) => f.write_str(p),
        }
    }
}

impl Placement {
    /// The symbol for `encoded` with its top at `y_mm`, its human-readable line (if any) and
    /// the bottom of both.
    fn place(
        &self,
        symbology: SymbolKind,
        encoded: String,
        hri_text: String,
        y_mm: f32,
    ) -> Result<(PlacedBarcode, Option<Item>, f32), Placed> {
        let symbol =
            barcode::encode(symbology, &encoded).map_err(|e| Placed::Bad(e.to_string()))?;
        let module = self.dots as f32 * 25.4 / self.dpi as f32;
        let quiet = symbol.quiet_zone as f32 * module;
        let placed = PlacedBarcode {
            x_mm: self.x_mm + quiet,
            y_mm,
            symbol,
            module_mm: module,
            module_dots: self.dots,
            height_mm: self.height_mm,
            data: encoded,
        };
        let needed_w = placed.width_mm() + 2.0 * quiet;
        if needed_w > self.room_mm + 1e-3 {
            return Err(Placed::TooWide(format!(
                "the symbol needs {needed_w:.1} mm with its quiet zones at X = {module:.3} mm; only {:.1} mm are left: shorten the data or lower module_mm",
                self.room_mm
            )));
        }
        let mut bottom = y_mm + placed.bars_height_mm();
        let hri_item = (self.hri && placed.symbol.is_linear()).then(|| {
            let face = font::default_face();
            let w = face.text_width_mm(&hri_text, HRI_SIZE_PT);
            let x = placed.x_mm + (placed.width_mm() - w).max(0.0) / 2.0;
            bottom += 0.8 + HRI_SIZE_PT * 25.4 / 72.0;
            Item::Text {
                x_mm: x,
                y_mm: y_mm + placed.bars_height_mm() + 0.8,
                size_pt: HRI_SIZE_PT,
                face,
                zpl_font: None,
                text: hri_text,
            }
        });
        Ok((placed, hri_item, bottom))
    }
}

/// The element string and bracketed text of one symbol's share of the data: predefined-length
/// AIs first, so fewer separators are needed.
fn part_string(part: &[gs1::Element]) -> (String, String) {
    let mut elements = part.to_vec();
    elements.sort_by_key(|e| !gs1::lookup(e.ai).is_some_and(|d| d.fixed_length));
    let msg = gs1::Message {
        elements,
        ..Default::default()
    };
    (msg.to_element_string(), msg.to_bracketed())
}

/// Spreads `n` elements over at most `rows` symbols where `fits` says a set fits in one. Returns
/// the rows (element indexes, in order) and the elements no row could take. Fewest left out
/// first (later elements rather than earlier), then fewest rows, then the template's order.
fn pack(
    elements: &[gs1::Element],
    rows: usize,
    fits: impl Fn(&[gs1::Element]) -> bool,
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let n = elements.len();
    // A GS1-128 holds at most 48 characters, so a bitmask holds any symbol's elements.
    assert!(n < usize::BITS as usize, "{n} elements in one barcode");
    let mut memo: std::collections::HashMap<usize, bool> = std::collections::HashMap::new();
    let mut fits_mask = |mask: usize| -> bool {
        if mask == 0 {
            return true;
        }
        *memo.entry(mask).or_insert_with(|| {
            let part: Vec<gs1::Element> = (0..n)
                .filter(|k| mask & (1 << k) != 0)
                .map(|k| elements[k].clone())
                .collect();
            fits(&part)
        })
    };
    // Each element to one of `rows` symbols or left out (= rows): every assignment, when
    // there are few (a label carries a handful of AIs), else in order.
    let choices = rows + 1;
    let total = (choices as u64)
        .checked_pow(n as u32)
        .filter(|&t| t <= 200_000);
    // (left out, which left out, rows used, distance from the data's order) and the row masks.
    type Cost = (usize, usize, usize, usize);
    let mut best: Option<(Cost, Vec<usize>)> = None;
    if let Some(total) = total {
        for code in 0..total {
            let mut c = code;
            let mut masks = vec![0usize; choices];
            let mut order_cost = 0;
            for k in 0..n {
                let r = (c % choices as u64) as usize;
                c /= choices as u64;
                masks[r] |= 1 << k;
                order_cost += r * (n - k);
            }
            // Rows are used from the first: no empty row before a used one.
            let used = masks[..rows].iter().take_while(|&&m| m != 0).count();
            if masks[used..rows].iter().any(|&m| m != 0) {
                continue;
            }
            let left = masks[rows];
            // Left out: fewer, then later ones (bit k weighs more for earlier k).
            let left_weight = (0..n)
                .filter(|k| left & (1 << k) != 0)
                .map(|k| 1 << (n - 1 - k))
                .sum();
            let cost = (left.count_ones() as usize, left_weight, used, order_cost);
            if best.as_ref().is_some_and(|(b, _)| *b <= cost) {
                continue;
            }
            if masks[..rows].iter().all(|&m| fits_mask(m)) {
                best = Some((cost, masks));
            }
        }
    }
    let masks = match best {
        Some((_, masks)) => masks,
        None => {
            // Many elements: first fit, in order.
            let mut masks = vec![0usize; choices];
            for k in 0..n {
                let r = (0..rows)
                    .find(|&r| fits_mask(masks[r] | (1 << k)))
                    .unwrap_or(rows);
                masks[r] |= 1 << k;
            }
            masks
        }
    };
    let indexes = |m: usize| (0..n).filter(|k| m & (1 << k) != 0).collect::<Vec<usize>>();
    let packed = masks[..rows]
        .iter()
        .filter(|&&m| m != 0)
        .map(|&m| indexes(m))
        .collect();
    (packed, indexes(masks[rows]))
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
