//! GS1 symbol specifications: the X-dimension, bar height and quiet zone a label's symbols must
//! keep for what the label is for (its `application`). Pure: checks a laid-out label.
//! Where the figures come from is in `docs/labels.md` (Symbol specifications).

use serde::Deserialize;

use super::layout::{Item, Layout, PlacedBarcode};
use crate::barcode::SymbolKind;

/// What a label is for: chooses the symbol specification its symbols are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Application {
    /// GS1 logistic label (SSCC) on pallets and other logistic units.
    Logistics,
    /// Trade items (cases) scanned in general distribution, not at a retail point of sale.
    GeneralDistribution,
    /// No GS1 application table: only the symbology's own quiet zone and one printer dot.
    #[default]
    None,
}

/// One row of a symbol specification table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SymbolSpec {
    pub x_min_mm: f32,
    pub x_max_mm: f32,
    /// Linear symbols: the bars' height at least this.
    pub min_height_mm: Option<f32>,
    /// Each side, in modules (linear symbols: left and right only).
    pub quiet_zone: u32,
}

/// GS1-128 in logistics and general distribution: X 0.495-1.016 mm, bars 31.75 mm high,
/// quiet zones 10X.
const GS1_128: SymbolSpec = SymbolSpec {
    x_min_mm: 0.495,
    x_max_mm: 1.016,
    min_height_mm: Some(31.75),
    quiet_zone: 10,
};

/// GS1 DataMatrix and GS1 QR beside them: 1.5 times the linear X-dimensions (imagers need
/// bigger modules), quiet zone 1X (DataMatrix) or 4X (QR).
const fn two_d(quiet_zone: u32) -> SymbolSpec {
    SymbolSpec {
        x_min_mm: 0.743,
        x_max_mm: 1.524,
        min_height_mm: None,
        quiet_zone,
    }
}

impl Application {
    /// The name templates use.
    pub fn name(self) -> &'static str {
        match self {
            Application::Logistics => "logistics",
            Application::GeneralDistribution => "general-distribution",
            Application::None => "none",
        }
    }

    /// The specification for `symbology` in this application; None where the application
    /// has no row for it (only the symbology's own rules apply).
    pub fn spec(self, symbology: SymbolKind) -> Option<SymbolSpec> {
        match (self, symbology) {
            (Application::None, _) => None,
            (_, SymbolKind::Gs1_128) => Some(GS1_128),
            (_, SymbolKind::Gs1DataMatrix | SymbolKind::DataMatrix) => Some(two_d(1)),
            (_, SymbolKind::Gs1Qr | SymbolKind::Qr) => Some(two_d(4)),
            _ => None,
        }
    }
}

/// A rectangle in millimetres: x, y, width, height.
type Rect = [f32; 4];

fn overlaps(a: Rect, b: Rect) -> bool {
    const E: f32 = 1e-3;
    a[0] + a[2] > b[0] + E
        && b[0] + b[2] > a[0] + E
        && a[1] + a[3] > b[1] + E
        && b[1] + b[3] > a[1] + E
}

/// Where an item draws ink.
fn ink(item: &Item) -> Rect {
    match item {
        Item::Text {
            x_mm,
            y_mm,
            size_pt,
            face,
            text,
            ..
        } => [
            *x_mm,
            *y_mm,
            face.text_width_mm(text, *size_pt),
            size_pt * 25.4 / 72.0,
        ],
        Item::Image {
            x_mm,
            y_mm,
            w_mm,
            h_mm,
            ..
        }
        | Item::Rect {
            x_mm,
            y_mm,
            w_mm,
            h_mm,
        } => [*x_mm, *y_mm, *w_mm, *h_mm],
        Item::Barcode(b) => [b.x_mm, b.y_mm, b.width_mm(), b.bars_height_mm()],
    }
}

/// The symbol with the quiet zone it must keep free (linear: left and right only).
fn with_quiet_zone(b: &PlacedBarcode, modules: u32) -> Rect {
    let q = modules as f32 * b.module_mm;
    let v = if b.symbol.is_linear() { 0.0 } else { q };
    [
        b.x_mm - q,
        b.y_mm - v,
        b.width_mm() + 2.0 * q,
        b.bars_height_mm() + 2.0 * v,
    ]
}

/// Everything about the label's symbols that breaks `application`'s specification or their
/// symbology's quiet zone, in words (empty: all is well). `names[i]` names the `i`-th
/// barcode (its element and data) in messages.
pub fn violations(layout: &Layout, application: Application, names: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let barcodes = layout
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Barcode(b) => Some((i, b)),
            _ => None,
        });
    for (n, (i, b)) in barcodes.enumerate() {
        let name = names.get(n).map_or("a barcode", String::as_str);
        let spec = application.spec(b.symbol.symbology);
        let quiet = spec.map_or(b.symbol.quiet_zone, |s| {
            s.quiet_zone.max(b.symbol.quiet_zone)
        });
        if let Some(s) = spec {
            if b.module_mm < s.x_min_mm - 1e-4 || b.module_mm > s.x_max_mm + 1e-4 {
                found.push(format!(
                    "{name}: X = {:.3} mm is outside {:.3}-{:.3} mm ({} labels): set module_mm within it",
                    b.module_mm,
                    s.x_min_mm,
                    s.x_max_mm,
                    application.name()
                ));
            }
            if let Some(h) = s.min_height_mm.filter(|_| b.symbol.is_linear())
                && b.height_mm < h - 1e-3
            {
                found.push(format!(
                    "{name}: bars {:.2} mm high, {} labels need at least {h} mm: raise height_mm",
                    b.height_mm,
                    application.name()
                ));
            }
        }
        let zone = with_quiet_zone(b, quiet);
        let label = [0.0, 0.0, layout.width_mm, layout.height_mm];
        if zone[0] < -1e-3
            || zone[1] < -1e-3
            || zone[0] + zone[2] > label[2] + 1e-3
            || zone[1] + zone[3] > label[3] + 1e-3
        {
            found.push(format!(
                "{name}: its {quiet}-module quiet zone reaches past the label's edge"
            ));
        }
        for (j, other) in layout.items.iter().enumerate() {
            // A linear symbol's own human-readable line sits under its bars, outside the zone.
            if j != i && overlaps(zone, ink(other)) {
                found.push(format!(
                    "{name}: {} lies in its {quiet}-module quiet zone: move one of them",
                    describe(other)
                ));
            }
        }
    }
    found
}

fn describe(item: &Item) -> String {
    match item {
        Item::Text { text, .. } => format!("the text {text:?}"),
        Item::Image { .. } => "an image".into(),
        Item::Rect { .. } => "a line or box".into(),
        Item::Barcode(b) => format!("the {} symbol", b.symbol.symbology),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistics_gs1_128_follows_the_table() {
        let s = Application::Logistics.spec(SymbolKind::Gs1_128).unwrap();
        assert_eq!(
            (s.x_min_mm, s.x_max_mm, s.min_height_mm, s.quiet_zone),
            (0.495, 1.016, Some(31.75), 10)
        );
        assert_eq!(Application::None.spec(SymbolKind::Gs1_128), None);
        assert_eq!(
            Application::Logistics
                .spec(SymbolKind::Gs1DataMatrix)
                .unwrap()
                .x_min_mm,
            0.743
        );
    }

    #[test]
    fn rectangles_touching_do_not_overlap() {
        assert!(!overlaps([0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0]));
        assert!(overlaps([0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0]));
    }
}
