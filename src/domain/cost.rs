//! Cost per batch: the actual cost of every lot through the genealogy, and the margin it
//! earned. Pure: the store hands over each lot's cost facts and inputs ([`CostBook`]); this
//! module computes.
//!
//! - A received lot costs what its receipts say: Σ quantity × unit cost over its receipts.
//!   A receipt without a cost leaves the lot *uncosted* there (never zero).
//! - A produced batch costs the actual cost of what it consumed from each input lot (that
//!   lot's own unit cost, recursively through the genealogy) plus the run's labour and
//!   overhead; its unit cost is that over the quantity produced.
//! - A correction replaces, from its place in the log on, the unit cost of the lot's receipts
//!   or the run's labour/overhead; everything made from the lot is costed anew.
//! - A lot with an uncosted input (or any uncosted receipt) is *partly costed*: its known
//!   cost is a lower bound, and the lots with no cost are named.
//!
//! Amounts are exact decimals; nothing is rounded while computing (a unit cost of 1/3 stays
//! 0.3333… with 28 digits), only when shown: costs to the currency's minor unit, unit costs to
//! [`UNIT_COST_SCALE`] places. Amounts in another currency than the one asked for are not
//! converted: they count as uncosted and say so.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::event::RunCosts;
use super::money::{Amount, Currency, Money, UNIT_COST_SCALE};
use super::trace::LotRef;

/// One fact about a lot's cost, in the order the log recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostFact {
    /// A receipt of `quantity` units, at `unit_cost` when one was given.
    Received {
        quantity: u64,
        unit_cost: Option<Money>,
    },
    /// The lot made in a production run of `quantity` units, with the run's costs.
    Produced {
        quantity: u64,
        costs: Option<RunCosts>,
    },
    /// A correction (see [`crate::domain::EventKind::CostCorrected`]).
    Corrected {
        unit_cost: Option<Amount>,
        labour: Option<Amount>,
        overhead: Option<Amount>,
        currency: Currency,
    },
}

/// What the store knows of one lot's cost: its facts in log order and the input lots
/// consumed into it (a lot consumed twice may appear twice).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LotFacts {
    pub facts: Vec<CostFact>,
    pub inputs: Vec<(LotRef, u64)>,
}

/// Why (part of) a lot has no cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum NoCost {
    /// Received without a unit cost.
    Received,
    /// Its cost was recorded in another currency (no exchange rates here).
    OtherCurrency { currency: String },
    /// Made with no input, labour or overhead recorded.
    NothingRecorded,
    /// Consumed here, but neither received nor produced in this store.
    Unknown,
    /// Its genealogy loops back on itself (data that cannot be): not costed through the loop.
    Cycle,
}

/// A lot (or part of one) without a cost, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncosted {
    pub gtin: String,
    pub batch: String,
    #[serde(flatten)]
    pub why: NoCost,
}

/// A lot's cost as the computation keeps it: exact, unrounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Costed {
    /// Units the cost is spread over: received plus produced.
    pub quantity: u64,
    /// The known cost (all of it when `complete`).
    pub total: Decimal,
    pub complete: bool,
}

impl Costed {
    /// The exact unit cost (`None` for a lot of no units).
    pub fn unit(&self) -> Option<Decimal> {
        (self.quantity > 0).then(|| self.total / Decimal::from(self.quantity))
    }

    /// The cost of `quantity` of its units, exact.
    pub fn of(&self, quantity: u64) -> Decimal {
        self.unit().unwrap_or_default() * Decimal::from(quantity)
    }
}

/// One part of a lot's cost, as `lotline cost` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Component {
    /// Material: an input lot consumed (a produced batch), or the lot's own receipt (a
    /// received one). `None` where that material has no cost.
    Material {
        gtin: String,
        batch: String,
        quantity: u64,
        unit_cost: Option<Amount>,
        cost: Option<Amount>,
    },
    Labour {
        cost: Amount,
    },
    Overhead {
        cost: Amount,
    },
}

/// A lot's cost, explained, rounded for showing (`lotline cost`, Lot lookup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LotCost {
    pub gtin: String,
    pub batch: String,
    pub quantity: u64,
    pub currency: Currency,
    /// `None` when nothing of it is known.
    pub unit_cost: Option<Amount>,
    pub total_cost: Option<Amount>,
    /// Every part has a cost; else it is partly costed and `uncosted` names why.
    pub complete: bool,
    pub components: Vec<Component>,
    /// The lots with no cost anywhere below it in the genealogy, each once.
    pub uncosted: Vec<Uncosted>,
}

/// A lot's facts folded (corrections applied), in the site currency.
#[derive(Debug, Default)]
struct Folded {
    /// Each receipt: quantity and its unit cost (`Err`: why none).
    receipts: Vec<(u64, Result<Decimal, NoCost>)>,
    produced: u64,
    labour: Option<Result<Decimal, NoCost>>,
    overhead: Option<Result<Decimal, NoCost>>,
}

fn in_currency(amount: Amount, currency: &Currency, site: &Currency) -> Result<Decimal, NoCost> {
    if currency == site {
        Ok(amount.decimal())
    } else {
        Err(NoCost::OtherCurrency {
            currency: currency.code().to_string(),
        })
    }
}

fn fold(facts: &[CostFact], site: &Currency) -> Folded {
    let mut f = Folded::default();
    for fact in facts {
        match fact {
            CostFact::Received {
                quantity,
                unit_cost,
            } => f.receipts.push((
                *quantity,
                match unit_cost {
                    Some(m) => in_currency(m.amount, &m.currency, site),
                    None => Err(NoCost::Received),
                },
            )),
            CostFact::Produced { quantity, costs } => {
                f.produced += quantity;
                if let Some(c) = costs {
                    if let Some(l) = c.labour {
                        f.labour = Some(in_currency(l, &c.currency, site));
                    }
                    if let Some(o) = c.overhead {
                        f.overhead = Some(in_currency(o, &c.currency, site));
                    }
                }
            }
            CostFact::Corrected {
                unit_cost,
                labour,
                overhead,
                currency,
            } => {
                if let Some(u) = unit_cost {
                    for r in &mut f.receipts {
                        r.1 = in_currency(*u, currency, site);
                    }
                }
                if let Some(l) = labour {
                    f.labour = Some(in_currency(*l, currency, site));
                }
                if let Some(o) = overhead {
                    f.overhead = Some(in_currency(*o, currency, site));
                }
            }
        }
    }
    f
}

/// Every lot's cost facts and inputs, and the costs computed from them (each lot once).
#[derive(Debug)]
pub struct CostBook {
    lots: HashMap<LotRef, LotFacts>,
    currency: Currency,
    costed: HashMap<LotRef, Costed>,
}

impl CostBook {
    /// A book over `lots` (all the store's, or the genealogy below the lots asked about),
    /// costing in `currency`.
    pub fn new(lots: HashMap<LotRef, LotFacts>, currency: Currency) -> CostBook {
        CostBook {
            lots,
            currency,
            costed: HashMap::new(),
        }
    }

    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The exact cost of `lot`, computed once through its genealogy (iteratively, so a deep
    /// genealogy cannot overflow the stack). A lot the book does not hold is uncosted.
    pub fn cost(&mut self, lot: &LotRef) -> Costed {
        if let Some(c) = self.costed.get(lot) {
            return *c;
        }
        // Depth-first: a lot is costed once all its inputs are; a lot met again while its
        // inputs are being costed is a cycle and counts as uncosted there.
        let mut on_path: HashSet<LotRef> = HashSet::new();
        let mut stack: Vec<(LotRef, bool)> = vec![(lot.clone(), false)];
        while let Some((l, inputs_done)) = stack.pop() {
            if self.costed.contains_key(&l) {
                continue;
            }
            if inputs_done {
                let c = self.cost_from_inputs(&l);
                on_path.remove(&l);
                self.costed.insert(l, c);
                continue;
            }
            on_path.insert(l.clone());
            stack.push((l.clone(), true));
            if let Some(facts) = self.lots.get(&l) {
                for (input, _) in &facts.inputs {
                    if !self.costed.contains_key(input) && !on_path.contains(input) {
                        stack.push((input.clone(), false));
                    }
                }
            }
        }
        self.costed[lot]
    }

    /// `lot`'s cost from its own facts and its inputs' costs (those not costed yet are on the
    /// current path: a cycle, uncosted).
    fn cost_from_inputs(&self, lot: &LotRef) -> Costed {
        let Some(facts) = self.lots.get(lot) else {
            return Costed::default();
        };
        let f = fold(&facts.facts, &self.currency);
        let mut c = Costed {
            quantity: f.receipts.iter().map(|r| r.0).sum::<u64>() + f.produced,
            total: Decimal::ZERO,
            complete: true,
        };
        let mut anything = false;
        for (q, unit) in &f.receipts {
            match unit {
                Ok(u) => {
                    c.total += *u * Decimal::from(*q);
                    anything = true;
                }
                Err(_) => c.complete = false,
            }
        }
        for part in [&f.labour, &f.overhead].into_iter().flatten() {
            match part {
                Ok(a) => {
                    c.total += *a;
                    anything = true;
                }
                Err(_) => c.complete = false,
            }
        }
        for (input, q) in &facts.inputs {
            anything = true;
            match self.costed.get(input) {
                Some(i) if i.quantity > 0 => {
                    c.total += i.of(*q);
                    c.complete &= i.complete;
                }
                _ => c.complete = false,
            }
        }
        if !anything {
            c.complete = false;
        }
        c
    }

    /// Why `lot` itself (not its inputs) lacks a cost, when it does.
    fn own_gaps(&self, lot: &LotRef) -> Vec<NoCost> {
        let Some(facts) = self.lots.get(lot) else {
            return vec![NoCost::Unknown];
        };
        let f = fold(&facts.facts, &self.currency);
        let mut gaps: Vec<NoCost> = f
            .receipts
            .iter()
            .filter_map(|r| r.1.clone().err())
            .chain(
                [&f.labour, &f.overhead]
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.clone().err()),
            )
            .collect();
        let has_cost = f.receipts.iter().any(|r| r.1.is_ok())
            || [&f.labour, &f.overhead]
                .into_iter()
                .flatten()
                .any(|p| p.is_ok());
        if f.receipts.is_empty() && facts.inputs.is_empty() && !has_cost && gaps.is_empty() {
            gaps.push(NoCost::NothingRecorded);
        }
        gaps.dedup();
        gaps
    }

    /// `lot`'s cost explained: its components (each input lot, labour, overhead; a received
    /// lot's receipts) rounded for showing, and every lot below it that has no cost.
    pub fn explain(&mut self, lot: &LotRef) -> LotCost {
        let c = self.cost(lot);
        let minor = self.currency.minor_unit();
        let facts = self.lots.get(lot).cloned().unwrap_or_default();
        let f = fold(&facts.facts, &self.currency);
        let mut components = Vec::new();
        for (q, unit) in &f.receipts {
            let unit = unit.as_ref().ok().map(|u| Amount(*u));
            components.push(Component::Material {
                gtin: lot.gtin.clone(),
                batch: lot.batch.clone(),
                quantity: *q,
                unit_cost: unit.map(|u| u.round(UNIT_COST_SCALE)),
                cost: unit.and_then(|u| u.times(*q)).map(|a| a.round(minor)),
            });
        }
        // Each input once, its consumptions added up, in the order first consumed.
        let mut inputs: Vec<(LotRef, u64)> = Vec::new();
        for (input, q) in &facts.inputs {
            match inputs.iter_mut().find(|(l, _)| l == input) {
                Some(entry) => entry.1 += q,
                None => inputs.push((input.clone(), *q)),
            }
        }
        for (input, q) in &inputs {
            let ic = self.cost(input);
            let unit = ic
                .unit()
                .filter(|_| ic.total > Decimal::ZERO || ic.complete);
            components.push(Component::Material {
                gtin: input.gtin.clone(),
                batch: input.batch.clone(),
                quantity: *q,
                unit_cost: unit.map(|u| Amount(u).round(UNIT_COST_SCALE)),
                cost: unit.map(|u| Amount(u * Decimal::from(*q)).round(minor)),
            });
        }
        if let Some(Ok(l)) = f.labour {
            components.push(Component::Labour {
                cost: Amount(l).round(minor),
            });
        }
        if let Some(Ok(o)) = f.overhead {
            components.push(Component::Overhead {
                cost: Amount(o).round(minor),
            });
        }
        let known = c.complete || c.total > Decimal::ZERO;
        LotCost {
            gtin: lot.gtin.clone(),
            batch: lot.batch.clone(),
            quantity: c.quantity,
            currency: self.currency.clone(),
            unit_cost: c
                .unit()
                .filter(|_| known)
                .map(|u| Amount(u).round(UNIT_COST_SCALE)),
            total_cost: known.then(|| Amount(c.total).round(minor)),
            complete: c.complete,
            components,
            uncosted: if c.complete {
                Vec::new()
            } else {
                self.uncosted_below(lot)
            },
        }
    }

    /// The lots at or below `lot` that lack a cost themselves, each once, nearest first.
    pub fn uncosted_below(&self, lot: &LotRef) -> Vec<Uncosted> {
        let mut out = Vec::new();
        let mut seen: HashSet<LotRef> = HashSet::new();
        let mut queue = std::collections::VecDeque::from([lot.clone()]);
        while let Some(l) = queue.pop_front() {
            if !seen.insert(l.clone()) {
                continue;
            }
            for why in self.own_gaps(&l) {
                out.push(Uncosted {
                    gtin: l.gtin.clone(),
                    batch: l.batch.clone(),
                    why,
                });
            }
            if let Some(facts) = self.lots.get(&l) {
                for (input, _) in &facts.inputs {
                    if seen.contains(input) && on_cycle(self, input, &l) {
                        out.push(Uncosted {
                            gtin: input.gtin.clone(),
                            batch: input.batch.clone(),
                            why: NoCost::Cycle,
                        });
                    }
                    queue.push_back(input.clone());
                }
            }
        }
        out.dedup();
        out
    }
}

/// Whether `from` reaches `to` through inputs (so `to` consuming `from` closes a loop).
fn on_cycle(book: &CostBook, from: &LotRef, to: &LotRef) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from.clone()];
    while let Some(l) = stack.pop() {
        if &l == to {
            return true;
        }
        if seen.insert(l.clone())
            && let Some(f) = book.lots.get(&l)
        {
            stack.extend(f.inputs.iter().map(|(i, _)| i.clone()));
        }
    }
    false
}

/// One shipment line as the cost report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub lot: LotRef,
    pub customer: String,
    pub quantity: u64,
    pub unit_price: Option<Money>,
}

/// How the cost report groups shipments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Product,
    Batch,
    Customer,
}

/// Shipped quantity, cost of goods sold, revenue and margin of one group (or all of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct MarginLine {
    /// The group: a GTIN, a GTIN and batch, or a customer.
    pub gtin: Option<String>,
    pub batch: Option<String>,
    pub customer: Option<String>,
    /// The product's name (the store's to fill in; the computing knows none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    pub quantity: u64,
    /// Cost of the goods shipped, at each lot's actual unit cost.
    pub cogs: Amount,
    pub revenue: Amount,
    /// Revenue − COGS.
    pub margin: Amount,
    /// Units shipped from lots that are not fully costed (their COGS is a lower bound).
    pub uncosted_quantity: u64,
    /// Units shipped with no price recorded (or a price in another currency).
    pub unpriced_quantity: u64,
}

/// Stock on hand valued at actual lot cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct StockValue {
    pub lots: u64,
    pub quantity: u64,
    pub value: Amount,
    /// Units on hand in lots that are not fully costed (their value is a lower bound).
    pub uncosted_quantity: u64,
}

/// The cost report: margin per group and in total, and stock valuation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CostReport {
    pub currency: Currency,
    pub by: GroupBy,
    pub lines: Vec<MarginLine>,
    pub total: MarginLine,
    pub stock: StockValue,
}

#[derive(Default)]
struct Sum {
    quantity: u64,
    cogs: Decimal,
    revenue: Decimal,
    uncosted: u64,
    unpriced: u64,
}

impl Sum {
    fn line(
        &self,
        key: (Option<String>, Option<String>, Option<String>),
        minor: u32,
    ) -> MarginLine {
        let (cogs, revenue) = (
            Amount(self.cogs).round(minor),
            Amount(self.revenue).round(minor),
        );
        MarginLine {
            gtin: key.0,
            batch: key.1,
            customer: key.2,
            product: None,
            quantity: self.quantity,
            cogs,
            revenue,
            margin: Amount(revenue.decimal() - cogs.decimal()),
            uncosted_quantity: self.uncosted,
            unpriced_quantity: self.unpriced,
        }
    }
}

/// The cost report over `sales` (shipments in the period) and `stock` (each lot's units on
/// hand), costing every lot through `book`. Lines sorted by their key.
pub fn report(
    book: &mut CostBook,
    by: GroupBy,
    sales: impl IntoIterator<Item = Sale>,
    stock: impl IntoIterator<Item = (LotRef, u64)>,
) -> CostReport {
    type Key = (Option<String>, Option<String>, Option<String>);
    let currency = book.currency().clone();
    let minor = currency.minor_unit();
    let mut groups: HashMap<Key, Sum> = HashMap::new();
    let mut total = Sum::default();
    for sale in sales {
        let c = book.cost(&sale.lot);
        let cogs = c.of(sale.quantity);
        let revenue = match &sale.unit_price {
            Some(p) if p.currency == currency => {
                Some(p.amount.decimal() * Decimal::from(sale.quantity))
            }
            _ => None,
        };
        let key: Key = match by {
            GroupBy::Product => (Some(sale.lot.gtin.clone()), None, None),
            GroupBy::Batch => (
                Some(sale.lot.gtin.clone()),
                Some(sale.lot.batch.clone()),
                None,
            ),
            GroupBy::Customer => (None, None, Some(sale.customer.clone())),
        };
        for s in [groups.entry(key).or_default(), &mut total] {
            s.quantity += sale.quantity;
            s.cogs += cogs;
            if !c.complete {
                s.uncosted += sale.quantity;
            }
            match revenue {
                Some(r) => s.revenue += r,
                None => s.unpriced += sale.quantity,
            }
        }
    }
    let mut lines: Vec<MarginLine> = groups
        .into_iter()
        .map(|(key, sum)| sum.line(key, minor))
        .collect();
    lines.sort_by(|a, b| (&a.gtin, &a.batch, &a.customer).cmp(&(&b.gtin, &b.batch, &b.customer)));
    let mut value = StockValue::default();
    let mut stock_total = Decimal::ZERO;
    for (lot, on_hand) in stock {
        if on_hand == 0 {
            continue;
        }
        let c = book.cost(&lot);
        value.lots += 1;
        value.quantity += on_hand;
        stock_total += c.of(on_hand);
        if !c.complete {
            value.uncosted_quantity += on_hand;
        }
    }
    value.value = Amount(stock_total).round(minor);
    CostReport {
        currency,
        by,
        lines,
        total: total.line((None, None, None), minor),
        stock: value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOUR: &str = "09506000134352";
    const SALT: &str = "09506000134376";
    const DOUGH: &str = "09506000134369";
    const BREAD: &str = "09506000134383";

    fn eur() -> Currency {
        Currency::default()
    }

    fn amount(s: &str) -> Amount {
        Amount(s.parse().unwrap())
    }

    fn received(q: u64, cost: Option<&str>) -> CostFact {
        CostFact::Received {
            quantity: q,
            unit_cost: cost.map(|c| Money::new(amount(c), eur())),
        }
    }

    fn produced(q: u64, labour: &str, overhead: &str) -> CostFact {
        CostFact::Produced {
            quantity: q,
            costs: Some(RunCosts {
                labour: Some(amount(labour)),
                overhead: Some(amount(overhead)),
                currency: eur(),
            }),
        }
    }

    fn lot(g: &str, b: &str) -> LotRef {
        LotRef::new(g, b)
    }

    /// Flour F1: 100 received at 0.80, 30 used; salt S1: 50 at 0.30, 5 used. Dough D1: 40 made
    /// with labour 10.00 and overhead 2.50 → 24.00 + 1.50 + 12.50 = 38.00, 0.95 a unit. Bread
    /// B1: 20 made from 16 dough (15.20) with 4.00 + 0.80 → 20.00, 1.00 a unit.
    fn bakery(salt_cost: Option<&str>) -> HashMap<LotRef, LotFacts> {
        HashMap::from([
            (
                lot(FLOUR, "F1"),
                LotFacts {
                    facts: vec![received(100, Some("0.80"))],
                    inputs: vec![],
                },
            ),
            (
                lot(SALT, "S1"),
                LotFacts {
                    facts: vec![received(50, salt_cost)],
                    inputs: vec![],
                },
            ),
            (
                lot(DOUGH, "D1"),
                LotFacts {
                    facts: vec![produced(40, "10.00", "2.50")],
                    inputs: vec![(lot(FLOUR, "F1"), 30), (lot(SALT, "S1"), 5)],
                },
            ),
            (
                lot(BREAD, "B1"),
                LotFacts {
                    facts: vec![produced(20, "4.00", "0.80")],
                    inputs: vec![(lot(DOUGH, "D1"), 10), (lot(DOUGH, "D1"), 6)],
                },
            ),
        ])
    }

    #[test]
    fn three_levels_cost_exactly_what_was_consumed_plus_labour_and_overhead() {
        let mut book = CostBook::new(bakery(Some("0.30")), eur());
        let dough = book.explain(&lot(DOUGH, "D1"));
        assert_eq!(dough.total_cost, Some(amount("38.00")));
        assert_eq!(dough.unit_cost.unwrap().to_string(), "0.9500");
        assert!(dough.complete);
        let bread = book.explain(&lot(BREAD, "B1"));
        assert_eq!(bread.total_cost.unwrap().to_string(), "20.00");
        assert_eq!(bread.unit_cost.unwrap().to_string(), "1.0000");
        // The two consumptions of the dough are one component.
        assert_eq!(
            bread.components[0],
            Component::Material {
                gtin: DOUGH.into(),
                batch: "D1".into(),
                quantity: 16,
                unit_cost: Some(amount("0.9500")),
                cost: Some(amount("15.20")),
            }
        );
        assert_eq!(
            bread.components[1],
            Component::Labour {
                cost: amount("4.00")
            }
        );
        let flour = book.explain(&lot(FLOUR, "F1"));
        assert_eq!(flour.total_cost.unwrap().to_string(), "80.00");
        assert_eq!(flour.quantity, 100);
    }

    #[test]
    fn an_uncosted_input_leaves_every_batch_above_it_partly_costed_and_named() {
        let mut book = CostBook::new(bakery(None), eur());
        let bread = book.explain(&lot(BREAD, "B1"));
        assert!(!bread.complete);
        // Dough known part: 24.00 + 12.50 = 36.50 over 40 → 0.9125; 16 of it = 14.60.
        assert_eq!(bread.total_cost.unwrap().to_string(), "19.40");
        assert_eq!(
            bread.uncosted,
            vec![Uncosted {
                gtin: SALT.into(),
                batch: "S1".into(),
                why: NoCost::Received,
            }]
        );
        let dough = book.explain(&lot(DOUGH, "D1"));
        assert!(matches!(
            dough.components[1],
            Component::Material {
                unit_cost: None,
                cost: None,
                ..
            }
        ));
        let salt = book.explain(&lot(SALT, "S1"));
        assert_eq!(
            (salt.unit_cost, salt.total_cost),
            (None, None),
            "never zero"
        );
    }

    #[test]
    fn a_correction_recosts_what_was_made_from_the_lot() {
        let mut lots = bakery(Some("0.30"));
        lots.get_mut(&lot(FLOUR, "F1"))
            .unwrap()
            .facts
            .push(CostFact::Corrected {
                unit_cost: Some(amount("0.90")),
                labour: None,
                overhead: None,
                currency: eur(),
            });
        let mut book = CostBook::new(lots, eur());
        // Dough: 27.00 + 1.50 + 12.50 = 41.00 → 1.025; bread: 16.40 + 4.80 = 21.20 → 1.06.
        assert_eq!(
            book.explain(&lot(DOUGH, "D1"))
                .unit_cost
                .unwrap()
                .to_string(),
            "1.0250"
        );
        let bread = book.explain(&lot(BREAD, "B1"));
        assert_eq!(bread.total_cost.unwrap().to_string(), "21.20");
        assert_eq!(bread.unit_cost.unwrap().to_string(), "1.0600");
    }

    #[test]
    fn other_currencies_unknown_lots_and_loops_are_uncosted_not_wrong() {
        let mut lots = bakery(Some("0.30"));
        lots.get_mut(&lot(SALT, "S1")).unwrap().facts = vec![CostFact::Received {
            quantity: 50,
            unit_cost: Some(Money::new(amount("0.30"), Currency::new("USD").unwrap())),
        }];
        // Flour made from bread: a loop through the whole genealogy.
        lots.get_mut(&lot(FLOUR, "F1"))
            .unwrap()
            .inputs
            .push((lot(BREAD, "B1"), 1));
        lots.get_mut(&lot(DOUGH, "D1"))
            .unwrap()
            .inputs
            .push((lot(FLOUR, "GONE"), 1));
        let mut book = CostBook::new(lots, eur());
        let bread = book.explain(&lot(BREAD, "B1"));
        assert!(!bread.complete);
        let whys: Vec<&NoCost> = bread.uncosted.iter().map(|u| &u.why).collect();
        assert!(whys.contains(&&NoCost::OtherCurrency {
            currency: "USD".into()
        }));
        assert!(whys.contains(&&NoCost::Unknown));
        assert!(whys.contains(&&NoCost::Cycle), "{whys:?}");
    }

    #[test]
    fn the_report_sums_cogs_revenue_margin_and_values_stock() {
        let mut book = CostBook::new(bakery(Some("0.30")), eur());
        let sale = |b: &str, customer: &str, q: u64, price: Option<&str>| Sale {
            lot: lot(BREAD, b),
            customer: customer.into(),
            quantity: q,
            unit_price: price.map(|p| Money::new(amount(p), eur())),
        };
        let r = report(
            &mut book,
            GroupBy::Customer,
            [
                sale("B1", "Shop", 10, Some("3.10")),
                sale("B1", "Deli", 5, None),
                sale("B1", "Shop", 2, Some("3.00")),
            ],
            [(lot(FLOUR, "F1"), 70), (lot(BREAD, "B1"), 3)],
        );
        let shop = &r.lines[1];
        assert_eq!(shop.customer.as_deref(), Some("Shop"));
        assert_eq!(
            (
                shop.quantity,
                shop.cogs.to_string(),
                shop.revenue.to_string()
            ),
            (12, "12.00".into(), "37.00".into())
        );
        assert_eq!(shop.margin.to_string(), "25.00");
        assert_eq!(r.lines[0].unpriced_quantity, 5);
        assert_eq!(r.total.cogs.to_string(), "17.00");
        // Stock: 70 flour at 0.80 + 3 bread at 1.00.
        assert_eq!(r.stock.value.to_string(), "59.00");
        assert_eq!((r.stock.lots, r.stock.quantity), (2, 73));
    }
}
