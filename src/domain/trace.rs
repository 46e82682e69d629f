//! Forward and backward trace over the genealogy. Pure: the store gathers the facts (the
//! genealogy edges, shipments and receipts reachable from a lot) and [`trace`] turns them
//! into a tree a supervisor can read plus the flat sets a recall needs.
//!
//! - **Forward**: lot → the lots it was consumed into → … → shipments (customer, quantity,
//!   date). Answers "where did it go?".
//! - **Backward**: lot → the input lots it was made from → … → receipts (supplier). Answers
//!   "what is in it and where did that come from?".
//!
//! The genealogy is a DAG in practice, but nothing stops bad data from closing a cycle: every
//! lot is expanded once (later occurrences are marked `repeated`), and expansion stops at
//! `max_depth` (then `truncated` is set).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Which way to follow the genealogy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Where it went: consumed into, then shipped.
    Forward,
    /// Where it came from: made from, then received.
    Backward,
    /// Both.
    Both,
}

impl Direction {
    pub fn forward(self) -> bool {
        matches!(self, Direction::Forward | Direction::Both)
    }

    pub fn backward(self) -> bool {
        matches!(self, Direction::Backward | Direction::Both)
    }
}

/// A lot: GTIN and batch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct LotRef {
    pub gtin: String,
    pub batch: String,
}

impl LotRef {
    pub fn new(gtin: impl Into<String>, batch: impl Into<String>) -> LotRef {
        LotRef {
            gtin: gtin.into(),
            batch: batch.into(),
        }
    }
}

impl std::fmt::Display for LotRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.gtin, self.batch)
    }
}

/// A genealogy edge: `quantity` of `input` consumed into `output`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub input: LotRef,
    pub output: LotRef,
    pub quantity: i64,
    /// When the consumption was recorded (RFC 3339, UTC).
    pub at: String,
}

/// Stock of a lot shipped to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShipmentLine {
    pub lot: LotRef,
    pub quantity: i64,
    pub customer: String,
    pub shipment: Option<String>,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
}

/// A lot received from a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    pub lot: LotRef,
    pub quantity: i64,
    pub supplier: Option<String>,
    pub po: Option<String>,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
}

/// What the store found reachable from a lot; [`trace`] needs nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceFacts {
    pub links: Vec<Link>,
    pub shipments: Vec<ShipmentLine>,
    pub receipts: Vec<ReceiptLine>,
}

/// One lot in a trace tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceNode {
    pub lot: LotRef,
    /// Levels from the traced lot (0 for the lot itself).
    pub depth: u32,
    /// Quantity along the edge from the parent (consumed), `None` at the root.
    pub quantity: Option<i64>,
    /// When that consumption was recorded (RFC 3339, UTC), `None` at the root.
    pub at: Option<String>,
    /// The lot was already expanded elsewhere in this tree (a shared input or a cycle):
    /// its children are not repeated.
    pub repeated: bool,
    /// Forward: the lots it was consumed into. Backward: the lots it was made from.
    pub children: Vec<TraceNode>,
    /// Forward only: shipments of this lot.
    pub shipments: Vec<ShipmentLine>,
    /// Backward only: receipts of this lot from suppliers.
    pub receipts: Vec<ReceiptLine>,
}

/// The result of a trace: the trees and the flat sets (the recall report, the UI and the
/// server all read this; it is serialised as is by `lotline trace --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The traced lot.
    pub lot: LotRef,
    pub direction: Direction,
    /// Forward tree (consumed into → shipped), when asked.
    pub forward: Option<TraceNode>,
    /// Backward tree (made from → received), when asked.
    pub backward: Option<TraceNode>,
    /// Every lot reached, the traced lot included, sorted.
    pub lots: Vec<LotRef>,
    /// Shipments of the lot and of every lot it went into (forward), oldest first.
    pub shipments: Vec<ShipmentLine>,
    /// Receipts of the lot and of every lot it was made from (backward), oldest first.
    pub receipts: Vec<ReceiptLine>,
    /// Distinct customers shipped to, sorted.
    pub customers: Vec<String>,
    /// Distinct suppliers received from, sorted.
    pub suppliers: Vec<String>,
    /// Deepest level reached forward / backward.
    pub forward_depth: u32,
    pub backward_depth: u32,
    /// Expansion stopped at `max_depth` somewhere: there is more beyond.
    pub truncated: bool,
}

/// Deepest genealogy a trace follows (station and server alike): far beyond any real product
/// structure, a guard against runaway data.
pub const MAX_TRACE_DEPTH: u32 = 256;

/// Builds the trace of `lot` over `facts`, following at most `max_depth` levels each way.
pub fn trace(lot: &LotRef, direction: Direction, facts: &TraceFacts, max_depth: u32) -> Trace {
    let mut down: BTreeMap<&LotRef, Vec<&Link>> = BTreeMap::new();
    let mut up: BTreeMap<&LotRef, Vec<&Link>> = BTreeMap::new();
    for l in &facts.links {
        down.entry(&l.input).or_default().push(l);
        up.entry(&l.output).or_default().push(l);
    }
    let mut shipped: BTreeMap<&LotRef, Vec<&ShipmentLine>> = BTreeMap::new();
    for s in &facts.shipments {
        shipped.entry(&s.lot).or_default().push(s);
    }
    let mut received: BTreeMap<&LotRef, Vec<&ReceiptLine>> = BTreeMap::new();
    for r in &facts.receipts {
        received.entry(&r.lot).or_default().push(r);
    }

    let mut walk = Walk {
        max_depth,
        lots: BTreeSet::from([lot.clone()]),
        shipments: Vec::new(),
        receipts: Vec::new(),
        deepest: 0,
        truncated: false,
    };
    let forward = direction.forward().then(|| {
        walk.deepest = 0;
        let node = walk.expand(lot, None, 0, &mut BTreeSet::new(), &|l| {
            let next = down
                .get(l)
                .map(|v| v.iter().map(|e| (&e.output, *e)).collect())
                .unwrap_or_default();
            let ships = shipped.get(l).cloned().unwrap_or_default();
            (next, ships, Vec::new())
        });
        (node, walk.deepest)
    });
    let backward = direction.backward().then(|| {
        walk.deepest = 0;
        let node = walk.expand(lot, None, 0, &mut BTreeSet::new(), &|l| {
            let next = up
                .get(l)
                .map(|v| v.iter().map(|e| (&e.input, *e)).collect())
                .unwrap_or_default();
            let recs = received.get(l).cloned().unwrap_or_default();
            (next, Vec::new(), recs)
        });
        (node, walk.deepest)
    });

    let mut shipments = walk.shipments;
    shipments.sort_by(|a, b| a.at.cmp(&b.at).then(a.lot.cmp(&b.lot)));
    let mut receipts = walk.receipts;
    receipts.sort_by(|a, b| a.at.cmp(&b.at).then(a.lot.cmp(&b.lot)));
    let customers: BTreeSet<String> = shipments.iter().map(|s| s.customer.clone()).collect();
    let suppliers: BTreeSet<String> = receipts.iter().filter_map(|r| r.supplier.clone()).collect();
    Trace {
        lot: lot.clone(),
        direction,
        forward_depth: forward.as_ref().map_or(0, |f| f.1),
        backward_depth: backward.as_ref().map_or(0, |b| b.1),
        forward: forward.map(|f| f.0),
        backward: backward.map(|b| b.0),
        lots: walk.lots.into_iter().collect(),
        shipments,
        receipts,
        customers: customers.into_iter().collect(),
        suppliers: suppliers.into_iter().collect(),
        truncated: walk.truncated,
    }
}

/// Neighbours of a lot in one direction: next lots with the edge to them, shipments, receipts.
type Step<'a> = (
    Vec<(&'a LotRef, &'a Link)>,
    Vec<&'a ShipmentLine>,
    Vec<&'a ReceiptLine>,
);

struct Walk {
    max_depth: u32,
    lots: BTreeSet<LotRef>,
    shipments: Vec<ShipmentLine>,
    receipts: Vec<ReceiptLine>,
    deepest: u32,
    truncated: bool,
}

impl Walk {
    /// Depth-first expansion; `seen` holds the lots already expanded in this tree.
    fn expand<'a>(
        &mut self,
        lot: &LotRef,
        edge: Option<&Link>,
        depth: u32,
        seen: &mut BTreeSet<LotRef>,
        step: &dyn Fn(&LotRef) -> Step<'a>,
    ) -> TraceNode {
        self.deepest = self.deepest.max(depth);
        self.lots.insert(lot.clone());
        let mut node = TraceNode {
            lot: lot.clone(),
            depth,
            quantity: edge.map(|e| e.quantity),
            at: edge.map(|e| e.at.clone()),
            repeated: false,
            children: Vec::new(),
            shipments: Vec::new(),
            receipts: Vec::new(),
        };
        if !seen.insert(lot.clone()) {
            node.repeated = true;
            return node;
        }
        let (next, ships, recs) = step(lot);
        node.shipments = ships.into_iter().cloned().collect();
        node.receipts = recs.into_iter().cloned().collect();
        self.shipments.extend(node.shipments.iter().cloned());
        self.receipts.extend(node.receipts.iter().cloned());
        if !next.is_empty() && depth >= self.max_depth {
            self.truncated = true;
            return node;
        }
        for (child, e) in next {
            let c = self.expand(child, Some(e), depth + 1, seen, step);
            node.children.push(c);
        }
        node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lot(b: &str) -> LotRef {
        LotRef::new("09501101530003", b)
    }

    fn link(i: &str, o: &str, q: i64) -> Link {
        Link {
            input: lot(i),
            output: lot(o),
            quantity: q,
            at: "2026-01".into(),
        }
    }

    fn ship(b: &str, customer: &str, at: &str) -> ShipmentLine {
        ShipmentLine {
            lot: lot(b),
            quantity: 1,
            customer: customer.into(),
            shipment: None,
            at: at.into(),
        }
    }

    fn facts() -> TraceFacts {
        // A, B → C → D → shipped to two customers; A also directly into E (a diamond via C).
        TraceFacts {
            links: vec![
                link("A", "C", 5),
                link("B", "C", 3),
                link("C", "D", 2),
                link("A", "E", 1),
                link("C", "E", 1),
            ],
            shipments: vec![ship("D", "Zed", "2026-02"), ship("D", "Acme", "2026-01")],
            receipts: vec![ReceiptLine {
                lot: lot("A"),
                quantity: 10,
                supplier: Some("Farm".into()),
                po: None,
                at: "2025-12".into(),
            }],
        }
    }

    #[test]
    fn forward_reaches_every_lot_made_from_it_and_every_customer() {
        let t = trace(&lot("A"), Direction::Forward, &facts(), 50);
        let names: Vec<_> = t.lots.iter().map(|l| l.batch.as_str()).collect();
        assert_eq!(names, ["A", "C", "D", "E"]);
        assert_eq!(t.customers, ["Acme", "Zed"]);
        assert_eq!(t.shipments[0].customer, "Acme", "oldest first");
        assert_eq!(t.forward_depth, 2);
        assert!(t.backward.is_none() && t.receipts.is_empty());
        // E is reached twice (A → E, A → C → E): expanded once, then marked.
        let root = t.forward.unwrap();
        let direct_e = root.children.iter().find(|c| c.lot.batch == "E").unwrap();
        let c = root.children.iter().find(|c| c.lot.batch == "C").unwrap();
        let via_c = c.children.iter().find(|c| c.lot.batch == "E").unwrap();
        assert_ne!(direct_e.repeated, via_c.repeated);
    }

    #[test]
    fn backward_reaches_inputs_and_their_suppliers() {
        let t = trace(&lot("D"), Direction::Backward, &facts(), 50);
        let names: Vec<_> = t.lots.iter().map(|l| l.batch.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D"]);
        assert_eq!(t.suppliers, ["Farm"]);
        assert_eq!(t.backward_depth, 2);
        assert!(t.shipments.is_empty(), "backward does not list shipments");
    }

    #[test]
    fn a_cycle_ends_and_depth_is_bounded() {
        let mut f = facts();
        f.links.push(link("D", "A", 1));
        let t = trace(&lot("A"), Direction::Both, &f, 50);
        assert_eq!(t.lots.len(), 5);
        let t = trace(&lot("A"), Direction::Forward, &facts(), 1);
        assert!(t.truncated);
        assert_eq!(t.forward_depth, 1);
        assert!(!t.lots.iter().any(|l| l.batch == "D"));
    }
}
