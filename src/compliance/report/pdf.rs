//! The trace report as A4 pages. [`pages`] is pure: the report → page layouts of text and
//! rules in millimetres ([`crate::label::Layout`]); [`render`] draws them with the label
//! renderer (printpdf, the embedded subset DejaVu font from `assets/fonts`).
//!
//! Reading order: title and summary figures; for a recall, its items; then per traced lot its
//! genealogy trees (forward: consumed into → shipped; backward: made from → received) drawn
//! with guide lines; then tables of movements, customers and suppliers. Table headers repeat
//! on every page; every page has a footer with the page number.

use super::{MovementKind, PartyLine, TraceReport, TreeEntry, TreeRow, date, lot_label};
use crate::domain::recall::holder_name;
use crate::domain::trace::LotRef;
use crate::label::font::{self, Face};
use crate::label::{Item, Layout};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
pub(crate) const LEFT: f32 = 15.0;
const RIGHT: f32 = PAGE_W - 15.0;
const TOP: f32 = 14.0;
pub(crate) const BOTTOM: f32 = PAGE_H - 16.0;
pub(crate) const WIDTH: f32 = RIGHT - LEFT;
const PT_MM: f32 = 25.4 / 72.0;

pub(crate) const BODY: f32 = 8.5;
pub(crate) const SMALL: f32 = 7.5;
pub(crate) const ROW_H: f32 = 4.6;
const TREE_INDENT: f32 = 5.0;

/// DejaVu Sans (built in), regular or bold: the report's only faces.
fn face(bold: bool) -> &'static Face {
    if bold {
        static BOLD: std::sync::OnceLock<&'static Face> = std::sync::OnceLock::new();
        BOLD.get_or_init(|| font::resolve(None, true).expect("the built-in bold font is there"))
    } else {
        font::default_face()
    }
}

/// Width of `text` in mm at `size` points.
pub(crate) fn text_width_mm(text: &str, size: f32, bold: bool) -> f32 {
    face(bold).text_width_mm(text, size)
}

/// Renders the report to PDF bytes.
pub fn render(report: &TraceReport) -> Vec<u8> {
    let title = format!("{} — {}", report.title, report.traced_names());
    crate::label::pdf::render(&pages(report), &title)
}

/// Lays the report out on A4 pages.
pub fn pages(report: &TraceReport) -> Vec<Layout> {
    let mut p = Pager::new(format!(
        "{} · {}",
        report.title,
        fit(&report.traced_names(), 110.0, SMALL, false)
    ));
    title_block(&mut p, report);
    if report.recall.is_some() {
        recall_block(&mut p, report);
    }
    for t in &report.traced {
        p.heading(&format!(
            "Genealogy of {} — {}",
            lot_label(&t.lot),
            or_dash(&t.product)
        ));
        if t.direction.forward() {
            p.subheading(&format!(
                "Forward: where it went (consumed into → shipped), {} levels",
                t.forward_depth
            ));
            tree(&mut p, &t.forward);
        }
        if t.direction.backward() {
            p.subheading(&format!(
                "Backward: where it came from (made from → received), {} levels",
                t.backward_depth
            ));
            tree(&mut p, &t.backward);
        }
    }
    movements(&mut p, report);
    if report.traced.iter().any(|t| t.direction.forward()) {
        parties(&mut p, "Customers", "Shipments", &report.customers);
    }
    if report.traced.iter().any(|t| t.direction.backward()) {
        parties(&mut p, "Suppliers", "Receipts", &report.suppliers);
    }
    if report.truncated {
        p.gap(2.0);
        p.para(
            "WARNING: the genealogy goes deeper than the trace follows; lots beyond the limit are not shown.",
            BODY,
            true,
        );
    }
    p.finish(&format!(
        "generated {} UTC",
        report.generated.format("%Y-%m-%d %H:%M")
    ))
}

fn title_block(p: &mut Pager, r: &TraceReport) {
    p.text(LEFT, p.y, 18.0, true, &r.title);
    p.gap(9.0);
    let traced: Vec<String> = r
        .traced
        .iter()
        .map(|t| format!("{} {}", lot_label(&t.lot), t.product))
        .collect();
    p.para(
        &format!("Lots traced: {}", traced.join("; ")),
        BODY + 0.5,
        false,
    );
    let span = r
        .span
        .as_ref()
        .map(|(a, b)| format!(" · movements from {a} to {b}"))
        .unwrap_or_default();
    p.para(
        &format!(
            "Generated {} UTC{span}",
            r.generated.format("%Y-%m-%d %H:%M")
        ),
        BODY,
        false,
    );
    p.gap(2.0);
    // Summary figures in boxes.
    let shipped: i64 = r.customers.iter().map(|c| c.quantity).sum();
    let received: i64 = r.suppliers.iter().map(|c| c.quantity).sum();
    let shipments: usize = r.customers.iter().map(|c| c.count).sum();
    let last = match &r.recall {
        Some(s) => (qty(s.outstanding), "units still to account for".to_string()),
        None => (
            r.suppliers.len().to_string(),
            format!("suppliers · {} received", qty(received)),
        ),
    };
    let figures = [
        (r.lots.len().to_string(), "lots reached".to_string()),
        (
            r.customers.len().to_string(),
            format!("customers · {} shipments", shipments),
        ),
        (qty(shipped), "units shipped".to_string()),
        last,
    ];
    let w = WIDTH / figures.len() as f32;
    let h = 15.0;
    let y = p.y;
    for (i, (big, small)) in figures.iter().enumerate() {
        let x = LEFT + i as f32 * w;
        p.frame(x + 0.8, y, w - 1.6, h);
        p.text(x + 3.0, y + 2.0, 15.0, true, big);
        p.text(
            x + 3.0,
            y + 9.5,
            SMALL,
            false,
            &fit(small, w - 6.0, SMALL, false),
        );
    }
    p.y = y + h + 4.0;
}

fn recall_block(p: &mut Pager, r: &TraceReport) {
    let Some(s) = &r.recall else { return };
    let rec = &s.record;
    p.heading(&format!("Recall {}", rec.id));
    // Per product: units of different products do not add up.
    let name_of = |gtin: &str| {
        r.lots
            .iter()
            .find(|(l, _)| l.gtin == gtin)
            .map_or(gtin.to_string(), |(_, n)| n.clone())
    };
    let open_per_product = s
        .products
        .iter()
        .filter(|t| t.outstanding > 0)
        .map(|t| format!("{} × {}", qty(t.outstanding), name_of(&t.gtin)))
        .collect::<Vec<_>>()
        .join("; ");
    let state = match &rec.closed {
        None => format!(
            "OPEN: {} items still to account for: {}",
            s.open_items, open_per_product
        ),
        Some(c) if c.forced => format!(
            "CLOSED by force on {} by {} with {} unaccounted for: {}",
            date(&c.at),
            c.by,
            open_per_product,
            c.reason.as_deref().unwrap_or("")
        ),
        Some(c) => format!(
            "CLOSED on {} by {}: everything accounted for",
            date(&c.at),
            c.by
        ),
    };
    p.para(&format!("Reason: {}", rec.reason), BODY + 0.5, true);
    p.para(&state, BODY + 0.5, true);
    p.para(
        &format!(
            "Started {} by {}{}. Lots covered ({}): {}.",
            date(&rec.started_at),
            rec.started_by,
            if rec.include_derived {
                ", covering every lot made from the named ones"
            } else {
                ", the named lots only"
            },
            rec.lots.len(),
            rec.lots
                .iter()
                .map(|l| l.batch.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        BODY,
        false,
    );
    p.gap(1.5);
    let products: std::collections::BTreeMap<&LotRef, &str> =
        r.lots.iter().map(|(l, n)| (l, n.as_str())).collect();
    let cols = [
        Col::whole("Batch", 20.0),
        Col::left("GTIN", 26.0),
        Col::left("Product", 34.0),
        Col::left("Held", 42.0),
        Col::right("Expected", 17.0),
        Col::right("Accounted", 19.0),
        Col::right("Outstanding", 22.0),
    ];
    let rows = s
        .items
        .iter()
        .map(|i| {
            vec![
                i.lot.batch.clone(),
                i.lot.gtin.clone(),
                products.get(&i.lot).copied().unwrap_or("").to_string(),
                holder_name(&i.customer),
                qty(i.expected),
                qty(i.accounted),
                if i.outstanding == 0 {
                    "done".into()
                } else {
                    qty(i.outstanding)
                },
            ]
        })
        .collect();
    p.table(&cols, rows);
    p.subheading("Totals per product");
    let cols = [
        Col::left("GTIN", 26.0),
        Col::left("Product", 76.0),
        Col::right("Expected", 27.0),
        Col::right("Accounted", 25.0),
        Col::right("Outstanding", 26.0),
    ];
    let rows = s
        .products
        .iter()
        .map(|t| {
            vec![
                t.gtin.clone(),
                name_of(&t.gtin),
                qty(t.expected),
                qty(t.accounted),
                qty(t.outstanding),
            ]
        })
        .collect();
    p.table(&cols, rows);
}

fn tree(p: &mut Pager, rows: &[TreeRow]) {
    for row in rows {
        p.ensure(ROW_H);
        let y = p.y;
        let col = |level: u32| LEFT + 1.5 + level as f32 * TREE_INDENT;
        let thin = 0.2;
        for (i, &continues) in row.guides.iter().enumerate() {
            if continues {
                p.rect(col(i as u32), y, thin, ROW_H);
            }
        }
        if row.depth > 0 {
            let c = col(row.depth - 1);
            let mid = y + ROW_H / 2.0;
            let down = if row.last { ROW_H / 2.0 } else { ROW_H };
            p.rect(c, y, thin, down);
            p.rect(c, mid, TREE_INDENT - 1.2, thin);
        }
        let x = LEFT + row.depth as f32 * TREE_INDENT + if row.depth > 0 { 0.8 } else { 0.0 };
        let ty = y + (ROW_H - BODY * PT_MM) / 2.0 - 0.3;
        let room = RIGHT - x;
        match &row.entry {
            TreeEntry::Lot {
                lot,
                product,
                quantity,
                at,
                repeated,
            } => {
                // A lot number is never cut: smaller type if it must, never an ellipsis.
                let batch = lot.batch.as_str();
                let size = shrunk(batch, room, BODY, true);
                p.text(x, ty, size, true, batch);
                let bx = x + text_width_mm(batch, size, true);
                let mut rest = format!("  {}  {}", lot.gtin, product);
                if let (Some(q), Some(at)) = (quantity, at) {
                    rest.push_str(&format!("  · {} used {}", qty(*q), date(at)));
                }
                if *repeated {
                    rest.push_str("  [shown above]");
                }
                p.text(bx, ty, BODY, false, &fit(&rest, RIGHT - bx, BODY, false));
            }
            TreeEntry::Shipment {
                quantity,
                customer,
                at,
                reference,
            } => {
                let r = reference
                    .as_ref()
                    .map(|r| format!(" · {r}"))
                    .unwrap_or_default();
                let line = format!(
                    "shipped {} to {} · {}{r}",
                    qty(*quantity),
                    customer,
                    date(at)
                );
                p.text(x, ty, BODY, false, &fit(&line, room, BODY, false));
            }
            TreeEntry::Receipt {
                quantity,
                supplier,
                at,
                po,
            } => {
                let r = po
                    .as_ref()
                    .map(|r| match r.to_ascii_uppercase().starts_with("PO") {
                        true => format!(" · {r}"),
                        false => format!(" · PO {r}"),
                    })
                    .unwrap_or_default();
                let line = format!(
                    "received {} from {} · {}{r}",
                    qty(*quantity),
                    supplier.as_deref().unwrap_or("an unnamed supplier"),
                    date(at)
                );
                p.text(x, ty, BODY, false, &fit(&line, room, BODY, false));
            }
        }
        p.y += ROW_H;
    }
    if rows.len() == 1 {
        p.para("(nothing recorded this way)", SMALL, false);
    }
    p.gap(2.0);
}

fn movements(p: &mut Pager, r: &TraceReport) {
    p.heading(&format!("Movements ({})", r.movements.len()));
    if r.movements.is_empty() {
        p.para(
            "No receipts, consumptions or shipments recorded.",
            BODY,
            false,
        );
        return;
    }
    let cols = [
        Col::left("Date", 18.0),
        Col::left("Event", 21.0),
        Col::whole("Batch", 20.0),
        Col::left("GTIN", 26.0),
        Col::left("Product", 33.0),
        Col::right("Qty", 14.0),
        Col::whole("From / to", 30.0),
        Col::left("Reference", 18.0),
    ];
    let rows = r
        .movements
        .iter()
        .map(|m| {
            vec![
                date(&m.at).to_string(),
                match m.kind {
                    MovementKind::Consumed => "used in".to_string(),
                    k => k.name().to_string(),
                },
                m.lot.batch.clone(),
                m.lot.gtin.clone(),
                m.product.clone(),
                qty(m.quantity),
                match (&m.kind, &m.into) {
                    (MovementKind::Received, _) => format!("from {}", or_dash(&m.counterparty)),
                    (MovementKind::Consumed, Some(into)) => into.batch.clone(),
                    (MovementKind::Consumed, None) => m.counterparty.clone(),
                    (MovementKind::Shipped, _) => format!("to {}", m.counterparty),
                },
                m.reference.clone(),
            ]
        })
        .collect();
    p.table(&cols, rows);
}

fn parties(p: &mut Pager, title: &str, what: &str, list: &[PartyLine]) {
    p.heading(&format!("{title} ({})", list.len()));
    if list.is_empty() {
        p.para(
            &format!("None reached by this trace ({}).", what.to_lowercase()),
            BODY,
            false,
        );
        return;
    }
    let cols = [
        Col::left(&title[..title.len() - 1], 42.0),
        Col::right(what, 19.0),
        Col::right("Quantity", 17.0),
        Col::whole("Lots", 36.0),
        Col::left("References", 26.0),
        Col::left("First", 20.0),
        Col::left("Last", 20.0),
    ];
    let rows = list
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.count.to_string(),
                qty(c.quantity),
                some_of(c.lots.iter().map(|l| l.batch.clone()).collect()),
                some_of(c.references.clone()),
                c.first.clone(),
                c.last.clone(),
            ]
        })
        .collect();
    p.table(&cols, rows);
}

/// `a, b, c +4 more`.
fn some_of(items: Vec<String>) -> String {
    const SHOWN: usize = 4;
    let more = items.len().saturating_sub(SHOWN);
    let mut s = items.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
    if more > 0 {
        s.push_str(&format!(" +{more} more"));
    }
    s
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// `12,500`.
pub fn qty(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `text` cut with an ellipsis to fit `width` mm.
pub(crate) fn fit(text: &str, width: f32, size: f32, bold: bool) -> String {
    if text_width_mm(text, size, bold) <= width {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let s: String = chars.iter().collect::<String>() + "…";
        if text_width_mm(&s, size, bold) <= width {
            return s;
        }
    }
    String::new()
}

pub(crate) struct Col {
    title: String,
    width: f32,
    right: bool,
    /// Never cut (lot numbers): a cell too wide wraps onto more lines of its row.
    whole: bool,
}

impl Col {
    pub(crate) fn left(title: &str, width: f32) -> Col {
        Col {
            title: title.into(),
            width,
            right: false,
            whole: false,
        }
    }
    pub(crate) fn right(title: &str, width: f32) -> Col {
        Col {
            title: title.into(),
            width,
            right: true,
            whole: false,
        }
    }
    /// A left column whose text is never cut (lot numbers).
    pub(crate) fn whole(title: &str, width: f32) -> Col {
        Col {
            whole: true,
            ..Col::left(title, width)
        }
    }
}

/// The size (down to 5 pt) at which `text` fits `width` mm; 5 pt if it never does.
fn shrunk(text: &str, width: f32, size: f32, bold: bool) -> f32 {
    let mut s = size;
    while s > 5.0 && text_width_mm(text, s, bold) > width {
        s -= 0.5;
    }
    s
}

/// `text` in lines that each fit `width` mm: broken after ", " where it can, else between
/// characters. Nothing is left out.
fn wrap_whole(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for piece in text.split_inclusive(", ") {
        if !line.is_empty() && text_width_mm(&(line.clone() + piece), size, false) > width {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
        }
        for ch in piece.chars() {
            if !line.is_empty() && text_width_mm(&format!("{line}{ch}"), size, false) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(ch);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Places text and rules top to bottom, starting new pages as needed.
pub(crate) struct Pager {
    running_head: String,
    done: Vec<Vec<Item>>,
    items: Vec<Item>,
    pub(crate) y: f32,
}

impl Pager {
    pub(crate) fn new(running_head: String) -> Pager {
        Pager {
            running_head,
            done: Vec::new(),
            items: Vec::new(),
            y: TOP,
        }
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        if text.is_empty() {
            return;
        }
        self.items.push(Item::Text {
            x_mm: x,
            y_mm: y,
            size_pt: size,
            face: face(bold),
            zpl_font: None,
            text: text.to_string(),
        });
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.items.push(Item::Rect {
            x_mm: x,
            y_mm: y,
            w_mm: w,
            h_mm: h,
        });
    }

    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let t = 0.25;
        self.rect(x, y, w, t);
        self.rect(x, y + h - t, w, t);
        self.rect(x, y, t, h);
        self.rect(x + w - t, y, t, h);
    }

    pub(crate) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Starts a new page unless `h` mm still fit on this one; true when it did.
    pub(crate) fn ensure(&mut self, h: f32) -> bool {
        if self.y + h <= BOTTOM {
            return false;
        }
        self.done.push(std::mem::take(&mut self.items));
        self.y = TOP;
        let head = format!("{} (continued)", self.running_head);
        self.text(LEFT, self.y, SMALL, false, &head);
        self.rect(LEFT, self.y + 4.0, WIDTH, 0.15);
        self.y += 7.0;
        true
    }

    /// A section heading, kept with at least a few lines after it.
    pub(crate) fn heading(&mut self, text: &str) {
        self.gap(3.0);
        self.ensure(7.0 + 4.0 * ROW_H);
        self.text(LEFT, self.y, 11.5, true, &fit(text, WIDTH, 11.5, true));
        self.rect(LEFT, self.y + 5.6, WIDTH, 0.35);
        self.y += 8.0;
    }

    pub(crate) fn subheading(&mut self, text: &str) {
        self.ensure(5.5 + 2.0 * ROW_H);
        self.text(LEFT, self.y, 9.0, true, &fit(text, WIDTH, 9.0, true));
        self.y += 5.5;
    }

    /// A paragraph, wrapped at word boundaries to the text width.
    pub(crate) fn para(&mut self, text: &str, size: f32, bold: bool) {
        let line_h = size * PT_MM * 1.45;
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width_mm(&candidate, size, bold) > WIDTH && !line.is_empty() {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
        for l in lines {
            self.ensure(line_h);
            let t = fit(&l, WIDTH, size, bold);
            self.text(LEFT, self.y, size, bold, &t);
            self.y += line_h;
        }
    }

    /// A table; the header repeats on every page it runs over.
    pub(crate) fn table(&mut self, cols: &[Col], rows: Vec<Vec<String>>) {
        let size = 7.5;
        let header = |p: &mut Pager| {
            let mut x = LEFT;
            for c in cols {
                let t = fit(&c.title, c.width - 1.5, size, true);
                let tx = if c.right {
                    x + c.width - 1.5 - text_width_mm(&t, size, true)
                } else {
                    x
                };
                p.text(tx, p.y + 0.6, size, true, &t);
                x += c.width;
            }
            p.rect(LEFT, p.y + ROW_H, WIDTH, 0.3);
            p.y += ROW_H + 0.6;
        };
        self.ensure(3.0 * ROW_H);
        header(self);
        // Extra lines of a row whose whole cells wrap.
        const LINE_H: f32 = 3.2;
        for row in rows {
            let cells: Vec<Vec<String>> = cols
                .iter()
                .zip(&row)
                .map(|(c, cell)| match c.whole {
                    true => wrap_whole(cell, c.width - 1.5, size),
                    false => vec![fit(cell, c.width - 1.5, size, false)],
                })
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
            let row_h = ROW_H + (lines - 1) as f32 * LINE_H;
            if self.ensure(row_h) {
                header(self);
            }
            let mut x = LEFT;
            for (c, cell) in cols.iter().zip(&cells) {
                for (i, t) in cell.iter().enumerate() {
                    let tx = if c.right {
                        x + c.width - 1.5 - text_width_mm(t, size, false)
                    } else {
                        x
                    };
                    self.text(tx, self.y + 0.6 + i as f32 * LINE_H, size, false, t);
                }
                x += c.width;
            }
            self.rect(LEFT, self.y + row_h - 0.1, WIDTH, 0.08);
            self.y += row_h;
        }
        self.gap(2.0);
    }

    /// Closes the last page and adds the footers (`page i of n`).
    pub(crate) fn finish(mut self, note: &str) -> Vec<Layout> {
        self.done.push(std::mem::take(&mut self.items));
        let n = self.done.len();
        self.done
            .into_iter()
            .enumerate()
            .map(|(i, mut items)| {
                let y = PAGE_H - 11.0;
                items.push(Item::Rect {
                    x_mm: LEFT,
                    y_mm: y - 1.5,
                    w_mm: WIDTH,
                    h_mm: 0.15,
                });
                let left = format!("Lotline · {} · {note}", self.running_head);
                items.push(Item::Text {
                    x_mm: LEFT,
                    y_mm: y,
                    size_pt: SMALL,
                    face: face(false),
                    zpl_font: None,
                    text: fit(&left, WIDTH - 25.0, SMALL, false),
                });
                let page = format!("page {} of {n}", i + 1);
                items.push(Item::Text {
                    x_mm: RIGHT - text_width_mm(&page, SMALL, false),
                    y_mm: y,
                    size_pt: SMALL,
                    face: face(false),
                    zpl_font: None,
                    text: page,
                });
                Layout {
                    width_mm: PAGE_W,
                    height_mm: PAGE_H,
                    dpi: 300,
                    items,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_grouped_and_long_text_is_cut_to_fit() {
        assert_eq!(qty(0), "0");
        assert_eq!(qty(12500), "12,500");
        assert_eq!(qty(-1234567), "-1,234,567");
        let long = "a customer with a very long name indeed, longer than any column";
        let cut = fit(long, 30.0, 8.0, false);
        assert!(cut.ends_with('…') && text_width_mm(&cut, 8.0, false) <= 30.0);
        assert_eq!(fit("short", 30.0, 8.0, false), "short");
        assert_eq!(some_of(vec!["a".into(); 6]), "a, a, a, a +2 more");
    }
}
