//! The despatch note of a closed shipment, as A4 pages: who ships to whom, when and from which
//! station, each outgoing pallet (SSCC) with its lines (product, GTIN, batch, expiry,
//! quantity), totals per product, and lines for the dispatcher's and the driver's signatures.
//! [`pages`] is pure; [`render`] draws them with the trace report's pager and the label
//! renderer (printpdf, embedded DejaVu). A batch number is never cut: a cell too wide wraps
//! within its row, and a row never breaks over two pages.

use std::collections::BTreeMap;

use super::report::pdf::{BODY, Col, LEFT, Pager, ROW_H, SMALL, WIDTH, fit, qty};
use crate::domain::shipment::{self, OutgoingPallet};
use crate::label::Layout;

/// What the note says.
#[derive(Debug, Clone)]
pub struct DespatchNote {
    /// The shipping site as the station config names it (facility, GLN).
    pub site: String,
    pub customer: String,
    pub shipment: Option<String>,
    /// When the shipment was closed (RFC 3339), where and by whom; the close's event id.
    pub closed_at: String,
    pub station: String,
    pub closed_by: String,
    pub close_id: String,
    pub pallets: Vec<OutgoingPallet>,
    /// Product names by GTIN (a GTIN the store has no name for is shown alone).
    pub products: BTreeMap<String, String>,
}

impl DespatchNote {
    fn product(&self, gtin: &str) -> String {
        self.products.get(gtin).cloned().unwrap_or_default()
    }

    /// The shipment as a heading names it.
    pub fn title(&self) -> String {
        format!(
            "Despatch note · {} · {}",
            self.customer,
            self.shipment.as_deref().unwrap_or("no reference")
        )
    }
}

/// Most copies of one note (a pad of copies for the driver, the customer and the file).
pub const MAX_COPIES: u32 = 20;

/// The note's PDF: `copies` copies one after the other, each page footed with its copy.
pub fn render(note: &DespatchNote, copies: u32) -> Vec<u8> {
    let all: Vec<Layout> = (1..=copies.max(1))
        .flat_map(|c| pages(note, c, copies.max(1)))
        .collect();
    crate::label::pdf::render(&all, &note.title())
}

/// One copy of the note, laid out on A4 pages.
pub fn pages(note: &DespatchNote, copy: u32, copies: u32) -> Vec<Layout> {
    let mut p = Pager::new(note.title());
    p.text(LEFT, p.y, 16.0, true, "DESPATCH NOTE");
    let copy_text = format!("Copy {copy} of {copies}");
    p.text(LEFT + WIDTH - 30.0, p.y + 1.0, BODY, true, &copy_text);
    p.gap(9.0);
    let closed = chrono::DateTime::parse_from_rfc3339(&note.closed_at).map_or_else(
        |_| note.closed_at.clone(),
        |t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    let units: u64 = note.pallets.iter().map(OutgoingPallet::quantity).sum();
    for (k, v) in [
        ("From", or_dash(&note.site)),
        ("To (customer)", note.customer.clone()),
        (
            "Shipment reference",
            note.shipment.clone().unwrap_or_else(|| "—".into()),
        ),
        ("Closed", closed),
        ("Station", note.station.clone()),
        ("Closed by", note.closed_by.clone()),
        (
            "Pallets / units",
            format!("{} / {}", note.pallets.len(), qty(units as i64)),
        ),
        ("Record", note.close_id.clone()),
    ] {
        p.ensure(ROW_H);
        p.text(LEFT, p.y, BODY, true, k);
        p.text(
            LEFT + 40.0,
            p.y,
            BODY,
            false,
            &fit(&v, WIDTH - 40.0, BODY, false),
        );
        p.gap(ROW_H);
    }
    let cols = [
        Col::left("Product", 52.0),
        Col::left("GTIN", 30.0),
        Col::whole("Batch / lot", 44.0),
        Col::left("Expiry", 24.0),
        Col::right("Quantity", WIDTH - 150.0),
    ];
    let n = note.pallets.len();
    for (i, pallet) in note.pallets.iter().enumerate() {
        let how = if pallet.built() {
            "built at dispatch"
        } else {
            "received pallet, leaves intact"
        };
        p.heading(&format!(
            "Pallet {} of {n} · SSCC {} · {how}",
            i + 1,
            pallet.sscc
        ));
        let rows = pallet
            .lines
            .iter()
            .map(|l| {
                vec![
                    note.product(&l.gtin),
                    l.gtin.clone(),
                    l.batch.clone(),
                    l.expiry.map_or("—".into(), |d| d.to_string()),
                    qty(l.quantity as i64),
                ]
            })
            .collect();
        p.table(&cols, rows);
    }
    p.heading("Totals per product");
    let rows = shipment::totals(&note.pallets)
        .into_iter()
        .map(|(gtin, q)| vec![note.product(&gtin), gtin, qty(q as i64)])
        .collect();
    p.table(
        &[
            Col::left("Product", 100.0),
            Col::left("GTIN", 40.0),
            Col::right("Quantity", WIDTH - 140.0),
        ],
        rows,
    );
    // Signatures, kept together on one page.
    p.gap(4.0);
    p.ensure(40.0);
    p.text(LEFT, p.y, BODY, true, "Received in good order");
    p.gap(8.0);
    for who in ["Dispatcher", "Driver"] {
        p.text(LEFT, p.y + 6.0, BODY, false, who);
        p.rect(LEFT + 25.0, p.y + 9.0, 70.0, 0.2);
        p.text(LEFT + 100.0, p.y + 6.0, SMALL, false, "Date / time");
        p.rect(LEFT + 120.0, p.y + 9.0, WIDTH - 120.0, 0.2);
        p.gap(13.0);
    }
    p.text(LEFT, p.y + 2.0, SMALL, false, "Vehicle / trailer");
    p.rect(LEFT + 25.0, p.y + 5.0, 70.0, 0.2);
    p.finish(&copy_text)
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::shipment::PalletLine;
    use crate::label::Item;

    fn note(lines: usize, batch: &str) -> DespatchNote {
        DespatchNote {
            site: "F1".into(),
            customer: "Northwind".into(),
            shipment: Some("SO-1".into()),
            closed_at: "2026-12-07T10:42:00Z".into(),
            station: "dock-1".into(),
            closed_by: "ana".into(),
            close_id: "x".into(),
            pallets: vec![OutgoingPallet {
                sscc: "395011010000000019".into(),
                allocated_under: Some("39501101".into()),
                lines: (0..lines)
                    .map(|i| PalletLine {
                        dispatch: format!("d{i}"),
                        gtin: "09501101530003".into(),
                        batch: format!("{batch}{i}"),
                        expiry: None,
                        quantity: 5,
                    })
                    .collect(),
            }],
            products: BTreeMap::new(),
        }
    }

    fn texts(pages: &[Layout]) -> Vec<String> {
        pages
            .iter()
            .flat_map(|l| &l.items)
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    /// A long shipment runs over pages; every batch number is printed whole (wrapped within
    /// its cell, never cut with an ellipsis), and each page says which copy it is.
    #[test]
    fn long_batches_are_never_cut_and_every_page_names_its_copy() {
        let batch = "WWWWWWWWWWWWWWWWWW";
        let n = note(120, batch);
        let pages = pages(&n, 2, 3);
        assert!(pages.len() > 2, "{} pages", pages.len());
        let all = texts(&pages).join("\n");
        for i in 0..120 {
            let whole = format!("{batch}{i}");
            // Wrapped cells are drawn line by line: the pieces, in order, make the batch.
            let found =
                all.contains(&whole) || all.lines().any(|l| whole.starts_with(l) && l.len() > 4);
            assert!(found, "batch {whole} missing");
        }
        assert!(!all.contains(&format!("{batch}…")));
        for page in &pages {
            assert!(
                texts(std::slice::from_ref(page))
                    .iter()
                    .any(|t| t.contains("Copy 2 of 3"))
            );
        }
        assert!(all.contains("Driver") && all.contains("Dispatcher"));
    }
}
