//! The trace report: forward and backward trace of one or more lots, for a person (PDF) and a
//! spreadsheet (CSV). Pure: [`TraceReport::new`] builds the model from
//! [`crate::domain::trace::Trace`]s (and, for a recall, its [`RecallStatus`]); [`pdf`] lays it
//! out into pages and [`csv`] into rows, at the edge.
//!
//! Small public API for the CLI, the UI and the server:
//!
//! ```no_run
//! # use lotline::compliance::report::TraceReport;
//! # fn f(traces: Vec<lotline::domain::trace::Trace>) -> Result<(), lotline::compliance::ComplianceError> {
//! let report = TraceReport::new(&traces, |gtin: &str| format!("product {gtin}"), chrono::Utc::now());
//! report.write_pdf(std::fs::File::create("trace.pdf")?)?;
//! report.write_csv(std::fs::File::create("trace.csv")?)?;
//! # Ok(()) }
//! ```

pub mod csv;
pub mod pdf;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::recall::RecallStatus;
use crate::domain::trace::{Direction, LotRef, Trace, TraceNode};

/// What a movement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// The lot came in from a supplier.
    Received,
    /// The lot was used up in making another lot.
    Consumed,
    /// The lot went out to a customer.
    Shipped,
}

impl MovementKind {
    pub fn name(self) -> &'static str {
        match self {
            MovementKind::Received => "received",
            MovementKind::Consumed => "consumed into",
            MovementKind::Shipped => "shipped",
        }
    }
}

/// One recorded movement of a lot reached by a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    /// The traced lot whose trace reached it.
    pub traced: LotRef,
    /// Which way from the traced lot.
    pub direction: Direction,
    /// Levels from the traced lot.
    pub level: u32,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
    pub kind: MovementKind,
    pub lot: LotRef,
    pub product: String,
    pub quantity: i64,
    /// Supplier (received), the lot made (consumed), customer (shipped).
    pub counterparty: String,
    /// The lot made, for a consumption.
    pub into: Option<LotRef>,
    /// PO (received), shipment reference (shipped).
    pub reference: String,
}

/// What one line of a genealogy tree shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TreeEntry {
    /// A lot; `quantity`/`at` are the consumption that links it to the line above it.
    Lot {
        lot: LotRef,
        product: String,
        quantity: Option<i64>,
        at: Option<String>,
        /// Already shown above (a shared input or a cycle): not expanded again.
        repeated: bool,
    },
    /// A shipment of the lot above.
    Shipment {
        quantity: i64,
        customer: String,
        at: String,
        reference: Option<String>,
    },
    /// A receipt of the lot above.
    Receipt {
        quantity: i64,
        supplier: Option<String>,
        at: String,
        po: Option<String>,
    },
}

/// One line of a genealogy tree, with what a renderer needs to draw the guide lines:
/// `guides[i]` is true when the branch at level `i + 1` continues below this line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeRow {
    /// 0 for the traced lot; shipments and receipts sit one level below their lot.
    pub depth: u32,
    /// The last line of its parent (draw `└` rather than `├`).
    pub last: bool,
    pub guides: Vec<bool>,
    pub entry: TreeEntry,
}

/// One traced lot with its trees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TracedLot {
    pub lot: LotRef,
    pub product: String,
    pub direction: Direction,
    /// Where it went: consumed into → shipped. Empty when not asked.
    pub forward: Vec<TreeRow>,
    /// Where it came from: made from → received. Empty when not asked.
    pub backward: Vec<TreeRow>,
    pub forward_depth: u32,
    pub backward_depth: u32,
}

/// A customer or supplier and what went to or came from them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyLine {
    pub name: String,
    /// Shipments or receipts.
    pub count: usize,
    pub quantity: i64,
    pub lots: Vec<LotRef>,
    pub first: String,
    pub last: String,
    /// POs (suppliers) or shipment references (customers).
    pub references: Vec<String>,
}

/// The report: everything a reader needs, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceReport {
    pub title: String,
    pub generated: DateTime<Utc>,
    pub traced: Vec<TracedLot>,
    /// Every movement reached, oldest first (a movement reached from two traced lots once).
    pub movements: Vec<Movement>,
    pub customers: Vec<PartyLine>,
    pub suppliers: Vec<PartyLine>,
    /// Every lot reached, with its product.
    pub lots: Vec<(LotRef, String)>,
    /// First and last date of the movements.
    pub span: Option<(String, String)>,
    /// A trace stopped at its depth limit: there is more.
    pub truncated: bool,
    /// Set for a recall report.
    pub recall: Option<RecallStatus>,
}

impl TraceReport {
    /// The report over `traces` (one per traced lot); `describe` names a product by GTIN.
    pub fn new(
        traces: &[Trace],
        describe: impl Fn(&str) -> String,
        generated: DateTime<Utc>,
    ) -> TraceReport {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut product = |gtin: &str| -> String {
            names
                .entry(gtin.to_string())
                .or_insert_with(|| describe(gtin))
                .clone()
        };
        let mut traced = Vec::new();
        let mut movements = Vec::new();
        let mut lots: BTreeSet<LotRef> = BTreeSet::new();
        for t in traces {
            lots.extend(t.lots.iter().cloned());
            let mut forward = Vec::new();
            let mut backward = Vec::new();
            if let Some(root) = &t.forward {
                flatten(root, &mut Vec::new(), true, &mut forward, &mut product);
                movements_of(t, root, Direction::Forward, &mut movements, &mut product);
            }
            if let Some(root) = &t.backward {
                flatten(root, &mut Vec::new(), true, &mut backward, &mut product);
                movements_of(t, root, Direction::Backward, &mut movements, &mut product);
            }
            traced.push(TracedLot {
                lot: t.lot.clone(),
                product: product(&t.lot.gtin),
                direction: t.direction,
                forward,
                backward,
                forward_depth: t.forward_depth,
                backward_depth: t.backward_depth,
            });
        }
        movements.sort_by(|a, b| {
            (&a.at, a.kind, &a.lot, &a.counterparty).cmp(&(&b.at, b.kind, &b.lot, &b.counterparty))
        });
        // The same fact reached from two traced lots is one movement.
        let mut seen = BTreeSet::new();
        movements.retain(|m| {
            seen.insert((
                m.at.clone(),
                m.kind,
                m.lot.clone(),
                m.counterparty.clone(),
                m.quantity,
            ))
        });
        let customers = parties(&movements, MovementKind::Shipped);
        let suppliers = parties(&movements, MovementKind::Received);
        let span = movements
            .first()
            .zip(movements.last())
            .map(|(a, b)| (date(&a.at).to_string(), date(&b.at).to_string()));
        TraceReport {
            title: "Trace report".into(),
            generated,
            movements,
            customers,
            suppliers,
            lots: lots
                .into_iter()
                .map(|l| {
                    let p = product(&l.gtin);
                    (l, p)
                })
                .collect(),
            span,
            truncated: traces.iter().any(|t| t.truncated),
            traced,
            recall: None,
        }
    }

    /// The report of a recall: the forward traces of its named lots, headed by the recall and
    /// what is accounted for.
    pub fn for_recall(
        status: RecallStatus,
        traces: &[Trace],
        describe: impl Fn(&str) -> String,
        generated: DateTime<Utc>,
    ) -> TraceReport {
        let mut report = TraceReport::new(traces, describe, generated);
        report.title = format!("Recall report {}", status.record.id);
        report.recall = Some(status);
        report
    }

    /// The lots traced, for titles: `F1, B7 (09506000134352)` style, short.
    pub fn traced_names(&self) -> String {
        self.traced
            .iter()
            .map(|t| t.lot.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Writes the report as a PDF (A4, embedded font).
    pub fn write_pdf(&self, mut out: impl std::io::Write) -> Result<(), super::ComplianceError> {
        out.write_all(&pdf::render(self))?;
        Ok(())
    }

    /// Writes the report as CSV: one row per movement (see [`csv`]).
    pub fn write_csv(&self, out: impl std::io::Write) -> Result<(), super::ComplianceError> {
        csv::write(self, out)
    }

    /// Writes the report in `format`.
    pub fn write(
        &self,
        format: ReportFormat,
        out: impl std::io::Write,
    ) -> Result<(), super::ComplianceError> {
        match format {
            ReportFormat::Pdf => self.write_pdf(out),
            ReportFormat::Csv => self.write_csv(out),
        }
    }
}

/// The file format of a trace report: the one choice the CLI and the UI both make here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// For people.
    Pdf,
    /// For spreadsheets.
    Csv,
}

/// A report file name with an extension that is not a report format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: the report file must end in .pdf (for people) or .csv (for spreadsheets)", .0.display())]
pub struct NotAReportFile(pub std::path::PathBuf);

impl ReportFormat {
    /// From a name (`pdf`, `CSV`, any case) or a file's extension; `None` for anything else.
    pub fn from_name(name: &str) -> Option<ReportFormat> {
        match name.to_ascii_lowercase().as_str() {
            "pdf" => Some(ReportFormat::Pdf),
            "csv" => Some(ReportFormat::Csv),
            _ => None,
        }
    }

    /// From a file name's extension; anything but .pdf/.csv is refused before any work is
    /// done.
    pub fn of(path: &std::path::Path) -> Result<ReportFormat, NotAReportFile> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(ReportFormat::from_name)
            .ok_or_else(|| NotAReportFile(path.to_path_buf()))
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Csv => "csv",
        }
    }
}

/// `F1 (09506000134352)`: the batch first, which is what people look for.
pub fn lot_label(l: &LotRef) -> String {
    format!("{} ({})", l.batch, l.gtin)
}

/// The date part of an RFC 3339 time.
pub fn date(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// The rows of a genealogy tree, depth first: a lot, then its shipments and receipts, then
/// the lots under it. The one walk every trace presentation uses (the report's PDF, the CLI's
/// text tree, the station UI's genealogy lists); `product` names a GTIN.
pub fn tree_rows(root: &TraceNode, mut product: impl FnMut(&str) -> String) -> Vec<TreeRow> {
    let mut rows = Vec::new();
    flatten(root, &mut Vec::new(), true, &mut rows, &mut product);
    rows
}

/// Depth-first rows of a tree: a lot, then its shipments/receipts, then its children.
fn flatten(
    node: &TraceNode,
    guides: &mut Vec<bool>,
    last: bool,
    out: &mut Vec<TreeRow>,
    product: &mut impl FnMut(&str) -> String,
) {
    out.push(TreeRow {
        depth: node.depth,
        last,
        guides: guides.clone(),
        entry: TreeEntry::Lot {
            lot: node.lot.clone(),
            product: product(&node.lot.gtin),
            quantity: node.quantity,
            at: node.at.clone(),
            repeated: node.repeated,
        },
    });
    // Below this line, this node's own branch continues when it is not the last child.
    if node.depth > 0 {
        guides.push(!last);
    }
    let leaves: Vec<TreeEntry> = node
        .shipments
        .iter()
        .map(|s| TreeEntry::Shipment {
            quantity: s.quantity,
            customer: s.customer.clone(),
            at: s.at.clone(),
            reference: s.shipment.clone(),
        })
        .chain(node.receipts.iter().map(|r| TreeEntry::Receipt {
            quantity: r.quantity,
            supplier: r.supplier.clone(),
            at: r.at.clone(),
            po: r.po.clone(),
        }))
        .collect();
    let total = leaves.len() + node.children.len();
    for (i, entry) in leaves.into_iter().enumerate() {
        out.push(TreeRow {
            depth: node.depth + 1,
            last: i + 1 == total,
            guides: guides.clone(),
            entry,
        });
    }
    let offset = total - node.children.len();
    for (i, child) in node.children.iter().enumerate() {
        flatten(child, guides, offset + i + 1 == total, out, product);
    }
    if node.depth > 0 {
        guides.pop();
    }
}

/// The movements of one tree: receipts and shipments of its lots, and its edges.
fn movements_of(
    t: &Trace,
    node: &TraceNode,
    direction: Direction,
    out: &mut Vec<Movement>,
    product: &mut impl FnMut(&str) -> String,
) {
    let mut push = |kind, lot: &LotRef, quantity, at: &str, counterparty, reference, into| {
        out.push(Movement {
            traced: t.lot.clone(),
            direction,
            level: node.depth,
            at: at.to_string(),
            kind,
            lot: lot.clone(),
            product: product(&lot.gtin),
            quantity,
            counterparty,
            into,
            reference,
        })
    };
    for r in &node.receipts {
        push(
            MovementKind::Received,
            &r.lot,
            r.quantity,
            &r.at,
            r.supplier.clone().unwrap_or_default(),
            r.po.clone().unwrap_or_default(),
            None,
        );
    }
    for s in &node.shipments {
        push(
            MovementKind::Shipped,
            &s.lot,
            s.quantity,
            &s.at,
            s.customer.clone(),
            s.shipment.clone().unwrap_or_default(),
            None,
        );
    }
    for c in &node.children {
        // Forward: this lot went into the child. Backward: the child went into this lot.
        let (input, output) = match direction {
            Direction::Backward => (&c.lot, &node.lot),
            _ => (&node.lot, &c.lot),
        };
        if let (Some(q), Some(at)) = (c.quantity, c.at.as_deref()) {
            push(
                MovementKind::Consumed,
                input,
                q,
                at,
                lot_label(output),
                String::new(),
                Some(output.clone()),
            );
        }
    }
    for c in &node.children {
        movements_of(t, c, direction, out, product);
    }
}

/// Customers (shipments) or suppliers (receipts) with their totals, largest first.
fn parties(movements: &[Movement], kind: MovementKind) -> Vec<PartyLine> {
    let mut by: BTreeMap<&str, PartyLine> = BTreeMap::new();
    for m in movements.iter().filter(|m| m.kind == kind) {
        let name = if m.counterparty.is_empty() {
            "(not recorded)"
        } else {
            m.counterparty.as_str()
        };
        let p = by.entry(name).or_insert_with(|| PartyLine {
            name: name.to_string(),
            count: 0,
            quantity: 0,
            lots: Vec::new(),
            first: date(&m.at).to_string(),
            last: String::new(),
            references: Vec::new(),
        });
        p.count += 1;
        p.quantity += m.quantity;
        p.last = date(&m.at).to_string();
        if !p.lots.contains(&m.lot) {
            p.lots.push(m.lot.clone());
        }
        if !m.reference.is_empty() && !p.references.contains(&m.reference) {
            p.references.push(m.reference.clone());
        }
    }
    let mut out: Vec<PartyLine> = by.into_values().collect();
    out.sort_by(|a, b| b.quantity.cmp(&a.quantity).then(a.name.cmp(&b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::trace::{Link, ReceiptLine, ShipmentLine, TraceFacts, trace};

    fn lot(b: &str) -> LotRef {
        LotRef::new("09501101530003", b)
    }

    /// Flour F1 and salt S1 → dough D1 → bread B1 (shipped twice) and B2; F1 received.
    fn facts() -> TraceFacts {
        let link = |i: &str, o: &str, q, at: &str| Link {
            input: lot(i),
            output: lot(o),
            quantity: q,
            at: at.into(),
        };
        TraceFacts {
            links: vec![
                link("F1", "D1", 50, "2026-03-02T06:00:00Z"),
                link("S1", "D1", 1, "2026-03-02T06:00:00Z"),
                link("D1", "B1", 30, "2026-03-02T08:00:00Z"),
                link("D1", "B2", 20, "2026-03-02T09:00:00Z"),
            ],
            shipments: vec![
                ShipmentLine {
                    lot: lot("B1"),
                    quantity: 10,
                    customer: "Shop".into(),
                    shipment: Some("SH-1".into()),
                    at: "2026-03-03T10:00:00Z".into(),
                },
                ShipmentLine {
                    lot: lot("B1"),
                    quantity: 5,
                    customer: "Shop".into(),
                    shipment: Some("SH-2".into()),
                    at: "2026-03-04T10:00:00Z".into(),
                },
            ],
            receipts: vec![ReceiptLine {
                lot: lot("F1"),
                quantity: 500,
                supplier: Some("Mill".into()),
                po: Some("PO-7".into()),
                at: "2026-03-01T07:00:00Z".into(),
            }],
        }
    }

    fn report() -> TraceReport {
        let f = facts();
        let traces = [
            trace(&lot("F1"), Direction::Forward, &f, 50),
            trace(&lot("B1"), Direction::Both, &f, 50),
        ];
        TraceReport::new(&traces, |_| "Bread".into(), DateTime::UNIX_EPOCH)
    }

    #[test]
    fn tree_rows_carry_the_guides_a_renderer_draws() {
        let r = report();
        let rows = &r.traced[0].forward;
        let shape: Vec<(u32, bool, Vec<bool>, String)> = rows
            .iter()
            .map(|row| {
                let what = match &row.entry {
                    TreeEntry::Lot { lot, .. } => lot.batch.clone(),
                    TreeEntry::Shipment { reference, .. } => reference.clone().unwrap(),
                    TreeEntry::Receipt { .. } => "receipt".into(),
                };
                (row.depth, row.last, row.guides.clone(), what)
            })
            .collect();
        // F1
        // └ D1
        //   ├ B1
        //   │ ├ SH-1
        //   │ └ SH-2
        //   └ B2
        let expect = [
            (0, true, vec![], "F1"),
            (1, true, vec![], "D1"),
            (2, false, vec![false], "B1"),
            (3, false, vec![false, true], "SH-1"),
            (3, true, vec![false, true], "SH-2"),
            (2, true, vec![false], "B2"),
        ];
        let expect: Vec<_> = expect
            .into_iter()
            .map(|(d, l, g, w)| (d, l, g, w.to_string()))
            .collect();
        assert_eq!(shape, expect);
    }

    #[test]
    fn movements_are_dated_deduplicated_and_totalled_per_party() {
        let r = report();
        let kinds: Vec<(&str, &str)> = r
            .movements
            .iter()
            .map(|m| (m.kind.name(), m.lot.batch.as_str()))
            .collect();
        // Both traces reach D1 → B1 and B1's shipments: each appears once.
        assert_eq!(
            kinds,
            [
                ("received", "F1"),
                ("consumed into", "F1"),
                ("consumed into", "S1"),
                ("consumed into", "D1"),
                ("consumed into", "D1"),
                ("shipped", "B1"),
                ("shipped", "B1"),
            ]
        );
        assert_eq!(r.customers.len(), 1);
        assert_eq!(r.customers[0].quantity, 15);
        assert_eq!(r.customers[0].references, ["SH-1", "SH-2"]);
        assert_eq!(r.suppliers[0].name, "Mill");
        assert_eq!(
            r.span,
            Some(("2026-03-01".to_string(), "2026-03-04".to_string()))
        );
        assert_eq!(r.lots.len(), 5);
    }
}
