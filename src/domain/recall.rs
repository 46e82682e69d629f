//! The recall: what it covers, and what is still to be accounted for. Pure.
//!
//! A recall names some lots. With `include_derived` it also covers every lot made from them
//! (the forward trace, [`crate::domain::trace`]), because a recalled ingredient recalls the
//! product. For every covered lot it lists what must be found again: the stock on hand at
//! this site, and what was shipped to each customer. Each of these *items* stays open until
//! someone accounts for its quantity (returned, destroyed, found on hand …); a recall closes
//! when nothing is open, or by force with a reason (kept in the log).
//!
//! The store keeps a recall as events (`recall_started`, `recall_accounted`,
//! `recall_closed`); the functions here decide what they contain and whether they may happen.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::LotStatus;
use super::status::Role;
use super::trace::{LotRef, ShipmentLine, Trace};

/// One thing a recall must account for: a quantity of a covered lot at this site (`customer`
/// is `None`) or shipped to a customer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecallItem {
    pub lot: LotRef,
    /// `None`: stock on hand at this site. `Some(c)`: shipped to customer `c`.
    pub customer: Option<String>,
    pub quantity: i64,
}

/// A covered lot and its state when the recall started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoveredLot {
    pub lot: LotRef,
    /// Named on the command line (not reached through the genealogy).
    pub named: bool,
    /// Its status before the recall.
    pub status: LotStatus,
    pub on_hand: i64,
}

/// What shipped to one customer from the covered lots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerImpact {
    pub customer: String,
    pub quantity: i64,
    pub shipments: usize,
    pub lots: Vec<LotRef>,
}

/// The whole impact of a recall, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecallPlan {
    pub named: Vec<LotRef>,
    pub include_derived: bool,
    /// Every covered lot, named ones first, then in trace order (sorted).
    pub lots: Vec<CoveredLot>,
    /// Shipments of covered lots, oldest first.
    pub shipments: Vec<ShipmentLine>,
    /// Per customer: quantity shipped from covered lots, busiest first.
    pub customers: Vec<CustomerImpact>,
    /// What must be accounted for (lots with nothing on hand and nothing shipped have none).
    pub items: Vec<RecallItem>,
    /// Lots made from the named ones that this recall does not cover (derived lots not
    /// included): the supervisor should know they exist.
    pub not_covered: Vec<LotRef>,
    /// The genealogy went deeper than the trace follows: there may be more lots.
    pub truncated: bool,
}

impl RecallPlan {
    /// The lots whose status the recall changes to recalled: every covered lot that is not
    /// already recalled or rejected (both final; rejected stock cannot ship either).
    pub fn to_mark(&self) -> impl Iterator<Item = &CoveredLot> {
        self.lots
            .iter()
            .filter(|l| !matches!(l.status, LotStatus::Recalled | LotStatus::Rejected))
    }
}

/// The lots a recall covers: the named ones and, with `include_derived`, every lot their
/// forward traces reach. `traces` are forward traces of the named lots.
pub fn covered_lots(named: &[LotRef], traces: &[Trace], include_derived: bool) -> Vec<LotRef> {
    let mut out: Vec<LotRef> = Vec::new();
    let mut seen = BTreeSet::new();
    for l in named {
        if seen.insert(l.clone()) {
            out.push(l.clone());
        }
    }
    if include_derived {
        for l in traces.iter().flat_map(|t| &t.lots) {
            if seen.insert(l.clone()) {
                out.push(l.clone());
            }
        }
    }
    out
}

/// Builds the plan: `traces` are forward traces of the named lots, `state` the status and
/// stock on hand of every lot [`covered_lots`] returned (a lot missing from it counts as
/// released with nothing on hand).
pub fn plan(
    named: &[LotRef],
    traces: &[Trace],
    state: &BTreeMap<LotRef, (LotStatus, i64)>,
    include_derived: bool,
) -> RecallPlan {
    let covered = covered_lots(named, traces, include_derived);
    let covered_set: BTreeSet<&LotRef> = covered.iter().collect();
    let lots: Vec<CoveredLot> = covered
        .iter()
        .map(|l| {
            let (status, on_hand) = state.get(l).copied().unwrap_or((LotStatus::Released, 0));
            CoveredLot {
                lot: l.clone(),
                named: named.contains(l),
                status,
                on_hand,
            }
        })
        .collect();

    // Shipments of covered lots, each once (two named lots can share derived lots).
    let mut seen = BTreeSet::new();
    let mut shipments: Vec<ShipmentLine> = traces
        .iter()
        .flat_map(|t| &t.shipments)
        .filter(|s| covered_set.contains(&s.lot))
        .filter(|s| seen.insert((s.lot.clone(), s.at.clone(), s.customer.clone(), s.quantity)))
        .cloned()
        .collect();
    shipments.sort_by(|a, b| a.at.cmp(&b.at).then(a.lot.cmp(&b.lot)));

    let mut per_customer: BTreeMap<&str, CustomerImpact> = BTreeMap::new();
    let mut shipped: BTreeMap<(&LotRef, &str), i64> = BTreeMap::new();
    for s in &shipments {
        let c = per_customer
            .entry(&s.customer)
            .or_insert_with(|| CustomerImpact {
                customer: s.customer.clone(),
                quantity: 0,
                shipments: 0,
                lots: Vec::new(),
            });
        c.quantity += s.quantity;
        c.shipments += 1;
        if !c.lots.contains(&s.lot) {
            c.lots.push(s.lot.clone());
        }
        *shipped.entry((&s.lot, &s.customer)).or_default() += s.quantity;
    }
    let mut customers: Vec<CustomerImpact> = per_customer.into_values().collect();
    customers.sort_by(|a, b| {
        b.quantity
            .cmp(&a.quantity)
            .then(a.customer.cmp(&b.customer))
    });

    let mut items = Vec::new();
    for l in &lots {
        if l.on_hand > 0 {
            items.push(RecallItem {
                lot: l.lot.clone(),
                customer: None,
                quantity: l.on_hand,
            });
        }
        for ((_, customer), quantity) in shipped
            .range((&l.lot, "")..)
            .take_while(|((lot, _), _)| *lot == &l.lot)
        {
            items.push(RecallItem {
                lot: l.lot.clone(),
                customer: Some(customer.to_string()),
                quantity: *quantity,
            });
        }
    }

    let not_covered = if include_derived {
        Vec::new()
    } else {
        let mut rest: BTreeSet<&LotRef> = traces.iter().flat_map(|t| &t.lots).collect();
        rest.retain(|l| !covered_set.contains(l));
        rest.into_iter().cloned().collect()
    };
    RecallPlan {
        named: named.to_vec(),
        include_derived,
        lots,
        shipments,
        customers,
        items,
        not_covered,
        truncated: traces.iter().any(|t| t.truncated),
    }
}

/// How a quantity of a recalled lot was accounted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Came back from the customer.
    Returned,
    /// Destroyed (at the site or by the customer, with proof).
    Destroyed,
    /// Found on hand and segregated (at the site or at the customer), awaiting a decision.
    OnHand,
    /// Used up or sold on before the recall: it cannot be recovered.
    Consumed,
    /// Anything else: a note must say what.
    Other,
}

impl Disposition {
    const ALL: [Disposition; 5] = [
        Disposition::Returned,
        Disposition::Destroyed,
        Disposition::OnHand,
        Disposition::Consumed,
        Disposition::Other,
    ];

    /// The stored form (as serialised): `returned`, `on_hand` …
    pub fn key(self) -> &'static str {
        match self {
            Disposition::Returned => "returned",
            Disposition::Destroyed => "destroyed",
            Disposition::OnHand => "on_hand",
            Disposition::Consumed => "consumed",
            Disposition::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<Disposition> {
        Disposition::ALL.into_iter().find(|d| d.key() == key)
    }

    /// For people: `on hand` rather than `on_hand`.
    pub fn name(self) -> &'static str {
        match self {
            Disposition::Returned => "returned",
            Disposition::Destroyed => "destroyed",
            Disposition::OnHand => "on hand",
            Disposition::Consumed => "consumed",
            Disposition::Other => "other",
        }
    }
}

/// A quantity accounted for, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accounting {
    pub lot: LotRef,
    pub customer: Option<String>,
    pub quantity: i64,
    pub how: Disposition,
    pub note: Option<String>,
    /// When it was recorded (RFC 3339, UTC), and by whom.
    pub at: String,
    pub actor: String,
}

/// A recall as the store holds it (from its `recall_started` / `recall_closed` events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecallRecord {
    pub id: String,
    pub reason: String,
    pub include_derived: bool,
    pub started_at: String,
    pub started_by: String,
    pub named: Vec<LotRef>,
    pub lots: Vec<LotRef>,
    pub closed: Option<Closure>,
}

/// How a recall ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closure {
    pub at: String,
    pub by: String,
    /// Closed with items still open.
    pub forced: bool,
    /// Why it was forced (required then).
    pub reason: Option<String>,
    /// Quantity still unaccounted for when it closed.
    pub outstanding: i64,
}

/// One item and how much of it is accounted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemProgress {
    pub lot: LotRef,
    pub customer: Option<String>,
    pub expected: i64,
    pub accounted: i64,
    /// `expected - accounted`, never below 0.
    pub outstanding: i64,
}

/// Where a recall stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecallStatus {
    #[serde(flatten)]
    pub record: RecallRecord,
    pub items: Vec<ItemProgress>,
    pub accounting: Vec<Accounting>,
    /// Items with something outstanding.
    pub open_items: usize,
    /// Total quantity outstanding, all products together: zero or not is its meaning (units
    /// of different products do not add up; [`Self::products`] has the totals to show).
    pub outstanding: i64,
    /// Expected, accounted and outstanding per product (GTIN order).
    pub products: Vec<ProductTotal>,
}

/// A recall's figures for one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductTotal {
    pub gtin: String,
    pub expected: i64,
    pub accounted: i64,
    pub outstanding: i64,
}

impl RecallStatus {
    /// Combines a recall's items (as started) with what was accounted since.
    pub fn new(
        record: RecallRecord,
        items: Vec<RecallItem>,
        accounting: Vec<Accounting>,
    ) -> RecallStatus {
        let mut done: BTreeMap<(&LotRef, Option<&str>), i64> = BTreeMap::new();
        for a in &accounting {
            *done.entry((&a.lot, a.customer.as_deref())).or_default() += a.quantity;
        }
        let items: Vec<ItemProgress> = items
            .into_iter()
            .map(|i| {
                let accounted = done
                    .get(&(&i.lot, i.customer.as_deref()))
                    .copied()
                    .unwrap_or(0);
                ItemProgress {
                    outstanding: (i.quantity - accounted).max(0),
                    lot: i.lot,
                    customer: i.customer,
                    expected: i.quantity,
                    accounted,
                }
            })
            .collect();
        let mut products: BTreeMap<&str, ProductTotal> = BTreeMap::new();
        for i in &items {
            let t = products
                .entry(i.lot.gtin.as_str())
                .or_insert_with(|| ProductTotal {
                    gtin: i.lot.gtin.clone(),
                    expected: 0,
                    accounted: 0,
                    outstanding: 0,
                });
            t.expected += i.expected;
            t.accounted += i.accounted;
            t.outstanding += i.outstanding;
        }
        let products = products.into_values().collect();
        RecallStatus {
            open_items: items.iter().filter(|i| i.outstanding > 0).count(),
            outstanding: items.iter().map(|i| i.outstanding).sum(),
            products,
            record,
            items,
            accounting,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.record.closed.is_some()
    }
}

/// Why a recall operation is refused. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecallRefusal {
    /// Starting or closing a recall is a supervisor's decision.
    #[error("only a supervisor may start or close a recall: ask a supervisor")]
    NotSupervisor,
    /// The audit trail needs a reason.
    #[error("a recall needs a reason")]
    NoReason,
    /// No lot was named.
    #[error("name at least one lot to recall")]
    NoLots,
    /// No recall has this id.
    #[error("no recall {0} in this store")]
    UnknownRecall(String),
    /// The recall is closed: nothing more is recorded against it.
    #[error("recall {0} is closed")]
    Closed(String),
    /// The lot is not one the recall covers.
    #[error("lot {lot} is not covered by recall {recall}")]
    NotCovered { recall: String, lot: LotRef },
    /// The lot is neither on hand nor shipped to that holder under this recall.
    #[error("recall {recall} has nothing of lot {lot} {holder}: {known}")]
    NoSuchItem {
        recall: String,
        lot: LotRef,
        holder: String,
        known: String,
    },
    /// The lot is open at several holders: the user must say which.
    #[error("lot {lot} is open at {holders}")]
    WhichHolder { lot: LotRef, holders: String },
    /// Nothing of the lot is left to account for.
    #[error("lot {lot} {holder} is already fully accounted for")]
    NothingOutstanding { lot: LotRef, holder: String },
    /// More than is outstanding: a typo, or stock counted twice.
    #[error("lot {lot} {holder}: only {outstanding} outstanding, {asked} given")]
    TooMuch {
        lot: LotRef,
        holder: String,
        outstanding: i64,
        asked: u64,
    },
    /// A quantity of 0.
    #[error("give the quantity accounted for (at least 1)")]
    NoQuantity,
    /// `other` must say what happened.
    #[error("accounting as `other` needs a note saying what happened")]
    OtherNeedsNote,
    /// Items are still open.
    #[error(
        "recall {recall} still has {open} open items (unaccounted for: {}): account for them",
        .outstanding.iter().map(|(gtin, q)| format!("{q} of {gtin}")).collect::<Vec<_>>().join(", ")
    )]
    StillOpen {
        recall: String,
        open: usize,
        /// What is unaccounted for, per product (GTIN, quantity): units of different
        /// products do not add up.
        outstanding: Vec<(String, i64)>,
    },
}

/// Checks a recall may start: a supervisor, a reason, at least one lot.
pub fn check_start(role: Role, reason: &str, lots: usize) -> Result<(), RecallRefusal> {
    if role != Role::Supervisor {
        return Err(RecallRefusal::NotSupervisor);
    }
    if reason.trim().is_empty() {
        return Err(RecallRefusal::NoReason);
    }
    if lots == 0 {
        return Err(RecallRefusal::NoLots);
    }
    Ok(())
}

/// Which holder an accounting is for, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolderChoice {
    /// Not said: the one holder of the lot with something open.
    Any,
    Site,
    Customer(String),
}

/// Checks an accounting against the recall and returns the item's holder (`None` = site).
pub fn check_account(
    status: &RecallStatus,
    lot: &LotRef,
    holder: &HolderChoice,
    quantity: u64,
    how: Disposition,
    note: Option<&str>,
) -> Result<Option<String>, RecallRefusal> {
    let id = &status.record.id;
    if status.is_closed() {
        return Err(RecallRefusal::Closed(id.clone()));
    }
    if quantity == 0 {
        return Err(RecallRefusal::NoQuantity);
    }
    if how == Disposition::Other && note.is_none_or(|n| n.trim().is_empty()) {
        return Err(RecallRefusal::OtherNeedsNote);
    }
    if !status.record.lots.contains(lot) {
        return Err(RecallRefusal::NotCovered {
            recall: id.clone(),
            lot: lot.clone(),
        });
    }
    let of_lot: Vec<&ItemProgress> = status.items.iter().filter(|i| &i.lot == lot).collect();
    let item = match holder {
        HolderChoice::Any => {
            let open: Vec<&&ItemProgress> = of_lot.iter().filter(|i| i.outstanding > 0).collect();
            match open.as_slice() {
                [one] => **one,
                [] => {
                    return Err(RecallRefusal::NothingOutstanding {
                        lot: lot.clone(),
                        holder: "anywhere".into(),
                    });
                }
                many => {
                    return Err(RecallRefusal::WhichHolder {
                        lot: lot.clone(),
                        holders: many
                            .iter()
                            .map(|i| format!("{} ({})", holder_name(&i.customer), i.outstanding))
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            }
        }
        HolderChoice::Site | HolderChoice::Customer(_) => {
            let wanted = match holder {
                HolderChoice::Customer(c) => Some(c.as_str()),
                _ => None,
            };
            let found = of_lot.iter().find(|i| i.customer.as_deref() == wanted);
            match found {
                Some(i) => *i,
                None => {
                    let known = if of_lot.is_empty() {
                        "it was neither on hand nor shipped when the recall started".to_string()
                    } else {
                        format!(
                            "it is held {}",
                            of_lot
                                .iter()
                                .map(|i| holder_name(&i.customer))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    return Err(RecallRefusal::NoSuchItem {
                        recall: id.clone(),
                        lot: lot.clone(),
                        holder: holder_name(&wanted.map(str::to_string)),
                        known,
                    });
                }
            }
        }
    };
    let holder = holder_name(&item.customer);
    if item.outstanding == 0 {
        return Err(RecallRefusal::NothingOutstanding {
            lot: lot.clone(),
            holder,
        });
    }
    // Compared as u64: a huge quantity must not wrap to a negative i64 and slip through.
    if quantity > item.outstanding.max(0) as u64 {
        return Err(RecallRefusal::TooMuch {
            lot: lot.clone(),
            holder,
            outstanding: item.outstanding,
            asked: quantity,
        });
    }
    Ok(item.customer.clone())
}

/// Checks a recall may close: a supervisor, not already closed, and nothing open unless
/// forced with a reason.
pub fn check_close(
    status: &RecallStatus,
    role: Role,
    force: bool,
    reason: Option<&str>,
) -> Result<(), RecallRefusal> {
    if role != Role::Supervisor {
        return Err(RecallRefusal::NotSupervisor);
    }
    if status.is_closed() {
        return Err(RecallRefusal::Closed(status.record.id.clone()));
    }
    if status.open_items > 0 {
        if !force {
            return Err(RecallRefusal::StillOpen {
                recall: status.record.id.clone(),
                open: status.open_items,
                outstanding: status
                    .products
                    .iter()
                    .filter(|t| t.outstanding > 0)
                    .map(|t| (t.gtin.clone(), t.outstanding))
                    .collect(),
            });
        }
        if reason.is_none_or(|r| r.trim().is_empty()) {
            return Err(RecallRefusal::NoReason);
        }
    }
    Ok(())
}

/// "at the site" or "at customer C", for messages.
pub fn holder_name(customer: &Option<String>) -> String {
    match customer {
        None => "at the site".into(),
        Some(c) => format!("at customer {c}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::trace::{Direction, Link, TraceFacts, trace};

    fn lot(b: &str) -> LotRef {
        LotRef::new("09501101530003", b)
    }

    /// Flour F1 → bread B1 (shipped 120 to Shop, 30 to Deli) and F1 → cake C1 (not shipped).
    fn traces_of_f1() -> Vec<Trace> {
        let link = |o: &str, q| Link {
            input: lot("F1"),
            output: lot(o),
            quantity: q,
            at: "2026-03-03T06:00:00Z".into(),
        };
        let ship = |customer: &str, q, at: &str| ShipmentLine {
            lot: lot("B1"),
            quantity: q,
            customer: customer.into(),
            shipment: None,
            at: at.into(),
        };
        let facts = TraceFacts {
            links: vec![link("B1", 200), link("C1", 50)],
            shipments: vec![
                ship("Shop", 100, "2026-03-04"),
                ship("Deli", 30, "2026-03-05"),
                ship("Shop", 20, "2026-03-06"),
            ],
            receipts: vec![],
        };
        vec![trace(&lot("F1"), Direction::Forward, &facts, 50)]
    }

    fn state() -> BTreeMap<LotRef, (LotStatus, i64)> {
        BTreeMap::from([
            (lot("F1"), (LotStatus::Released, 250)),
            (lot("B1"), (LotStatus::Released, 50)),
            (lot("C1"), (LotStatus::Rejected, 50)),
        ])
    }

    #[test]
    fn derived_lots_shipments_and_customers_are_covered_only_when_asked() {
        let p = plan(&[lot("F1")], &traces_of_f1(), &state(), false);
        assert_eq!(p.lots.len(), 1);
        assert!(p.shipments.is_empty() && p.customers.is_empty());
        assert_eq!(p.not_covered, [lot("B1"), lot("C1")]);
        assert_eq!(
            p.items,
            [RecallItem {
                lot: lot("F1"),
                customer: None,
                quantity: 250
            }]
        );

        let p = plan(&[lot("F1")], &traces_of_f1(), &state(), true);
        let names: Vec<_> = p.lots.iter().map(|l| l.lot.batch.as_str()).collect();
        assert_eq!(names, ["F1", "B1", "C1"]);
        assert!(p.lots[0].named && !p.lots[1].named);
        assert_eq!(p.customers[0].customer, "Shop");
        assert_eq!(p.customers[0].quantity, 120);
        assert_eq!(p.customers[0].shipments, 2);
        assert_eq!(p.customers[1].quantity, 30);
        let items: Vec<_> = p
            .items
            .iter()
            .map(|i| (i.lot.batch.as_str(), i.customer.as_deref(), i.quantity))
            .collect();
        assert_eq!(
            items,
            [
                ("F1", None, 250),
                ("B1", None, 50),
                ("B1", Some("Deli"), 30),
                ("B1", Some("Shop"), 120),
                ("C1", None, 50),
            ]
        );
        // The rejected cake is covered and tracked, but its status stays rejected.
        let marked: Vec<_> = p.to_mark().map(|l| l.lot.batch.as_str()).collect();
        assert_eq!(marked, ["F1", "B1"]);
    }

    fn status(accounting: Vec<(&str, Option<&str>, i64)>) -> RecallStatus {
        let p = plan(&[lot("F1")], &traces_of_f1(), &state(), true);
        let record = RecallRecord {
            id: "RC-1".into(),
            reason: "salmonella".into(),
            include_derived: true,
            started_at: "2026-03-07".into(),
            started_by: "sam".into(),
            named: p.named.clone(),
            lots: p.lots.iter().map(|l| l.lot.clone()).collect(),
            closed: None,
        };
        let accounting = accounting
            .into_iter()
            .map(|(b, c, q)| Accounting {
                lot: lot(b),
                customer: c.map(str::to_string),
                quantity: q,
                how: Disposition::Returned,
                note: None,
                at: "2026-03-08".into(),
                actor: "ana".into(),
            })
            .collect();
        RecallStatus::new(record, p.items, accounting)
    }

    /// Units of flour and of cakes do not add up: the figures a recall shows are per product.
    #[test]
    fn a_recalls_totals_are_per_product() {
        let record = RecallRecord {
            id: "RC-2".into(),
            reason: "r".into(),
            include_derived: true,
            started_at: "2026-03-07".into(),
            started_by: "sam".into(),
            named: vec![],
            lots: vec![],
            closed: None,
        };
        let item = |gtin: &str, batch: &str, customer: Option<&str>, quantity| RecallItem {
            lot: LotRef::new(gtin, batch),
            customer: customer.map(str::to_string),
            quantity,
        };
        let flour = "09501101530003";
        let cake = "09501101530010";
        let items = vec![
            item(flour, "F1", None, 250),
            item(cake, "C1", Some("Shop"), 12),
            item(flour, "F2", Some("Bakery"), 50),
        ];
        let accounting = vec![Accounting {
            lot: LotRef::new(flour, "F2"),
            customer: Some("Bakery".into()),
            quantity: 20,
            how: Disposition::Returned,
            note: None,
            at: "2026-03-08".into(),
            actor: "ana".into(),
        }];
        let s = RecallStatus::new(record, items, accounting);
        let totals: Vec<_> = s
            .products
            .iter()
            .map(|p| (p.gtin.as_str(), p.expected, p.accounted, p.outstanding))
            .collect();
        assert_eq!(totals, [(flour, 300, 20, 280), (cake, 12, 0, 12)]);
    }

    #[test]
    fn accounting_names_the_holder_and_never_exceeds_what_is_outstanding() {
        let s = status(vec![("B1", Some("Shop"), 100)]);
        assert_eq!(s.open_items, 5);
        assert_eq!(s.outstanding, 250 + 50 + 30 + 20 + 50);
        let ok =
            |l, h: HolderChoice, q| check_account(&s, &lot(l), &h, q, Disposition::Returned, None);
        // F1 is only on hand at the site: no need to say where.
        assert_eq!(ok("F1", HolderChoice::Any, 250), Ok(None));
        // B1 is open at the site and at two customers: say which.
        assert!(matches!(
            ok("B1", HolderChoice::Any, 1),
            Err(RecallRefusal::WhichHolder { .. })
        ));
        assert_eq!(
            ok("B1", HolderChoice::Customer("Shop".into()), 20),
            Ok(Some("Shop".into()))
        );
        assert_eq!(
            ok("B1", HolderChoice::Customer("Shop".into()), 21),
            Err(RecallRefusal::TooMuch {
                lot: lot("B1"),
                holder: "at customer Shop".into(),
                outstanding: 20,
                asked: 21
            })
        );
        assert!(matches!(
            ok("B1", HolderChoice::Customer("Nobody".into()), 1),
            Err(RecallRefusal::NoSuchItem { .. })
        ));
        assert!(matches!(
            ok("X9", HolderChoice::Any, 1),
            Err(RecallRefusal::NotCovered { .. })
        ));
        assert_eq!(
            ok("F1", HolderChoice::Site, 0),
            Err(RecallRefusal::NoQuantity)
        );
        assert_eq!(
            check_account(
                &s,
                &lot("F1"),
                &HolderChoice::Any,
                1,
                Disposition::Other,
                None
            ),
            Err(RecallRefusal::OtherNeedsNote)
        );
    }

    #[test]
    fn a_recall_closes_when_everything_is_accounted_for_or_by_force_with_a_reason() {
        let open = status(vec![]);
        assert!(matches!(
            check_close(&open, Role::Supervisor, false, None),
            Err(RecallRefusal::StillOpen { open: 5, .. })
        ));
        assert_eq!(
            check_close(&open, Role::Supervisor, true, Some(" ")),
            Err(RecallRefusal::NoReason)
        );
        assert_eq!(
            check_close(&open, Role::Supervisor, true, Some("customer closed")),
            Ok(())
        );
        assert_eq!(
            check_close(&open, Role::Worker, true, Some("x")),
            Err(RecallRefusal::NotSupervisor)
        );
        let done = status(vec![
            ("F1", None, 250),
            ("B1", None, 50),
            ("B1", Some("Deli"), 30),
            ("B1", Some("Shop"), 120),
            ("C1", None, 50),
        ]);
        assert_eq!(done.open_items, 0);
        assert_eq!(check_close(&done, Role::Supervisor, false, None), Ok(()));
    }
}
