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

use std::collections::HashMap;

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
        self.unit()
            .unwrap_or_default()
            .saturating_mul(Decimal::from(quantity))
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

/// Adds `part` to a lot's cost; a sum past the decimal's range (garbage quantities that
/// multiply down a genealogy) leaves the lot partly costed instead of panicking.
fn add(c: &mut Costed, part: Decimal) {
    match c.total.checked_add(part) {
        Some(t) => c.total = t,
        None => c.complete = false,
    }
}

/// Every lot's cost facts and inputs, and the costs computed from them (each lot once).
///
/// Lots are numbered as they are added ([`CostBook::lot`]): the genealogy is walked by
/// number and each lot's cost kept by number, so costing a whole site (200,000 lots, 800,000
/// shipments) looks each lot's name up a few times, not at every step.
#[derive(Debug)]
pub struct CostBook {
    currency: Currency,
    /// Each lot's number by `GTIN\tbatch`.
    index: HashMap<String, usize>,
    names: Vec<LotRef>,
    facts: Vec<Vec<CostFact>>,
    inputs: Vec<Vec<(usize, u64)>>,
    /// The store holds facts or inputs of it (else it was only seen consumed: unknown).
    held: Vec<bool>,
    costed: Vec<Option<Costed>>,
    /// Where a lot's key is put together for a look-up (no allocation per look-up).
    key: String,
    /// The lots on the walk [`Self::cost_of`] is on (all false between walks).
    on_path: Vec<bool>,
    /// How many lots, from the first, were added in key order (GTIN, then batch, byte by
    /// byte, SQLite's order): [`Self::seek`] finds those by walking, not hashing.
    sorted: usize,
}

impl CostBook {
    /// An empty book costing in `currency`; the store adds lots, facts and inputs.
    pub fn empty(currency: Currency) -> CostBook {
        CostBook {
            currency,
            index: HashMap::new(),
            names: Vec::new(),
            facts: Vec::new(),
            inputs: Vec::new(),
            held: Vec::new(),
            costed: Vec::new(),
            key: String::new(),
            on_path: Vec::new(),
            sorted: 0,
        }
    }

    /// A book over `lots` (all the store's, or the genealogy below the lots asked about),
    /// costing in `currency`.
    pub fn new(lots: HashMap<LotRef, LotFacts>, currency: Currency) -> CostBook {
        let mut book = CostBook::empty(currency);
        for (lot, facts) in lots {
            let at = book.lot(&lot.gtin, &lot.batch);
            book.held[at] = true;
            for f in facts.facts {
                book.add_fact(at, f);
            }
            for (input, q) in facts.inputs {
                let i = book.lot(&input.gtin, &input.batch);
                book.add_input(at, i, q);
            }
        }
        book
    }

    fn put_key(&mut self, gtin: &str, batch: &str) {
        self.key.clear();
        self.key.push_str(gtin);
        self.key.push('\t');
        self.key.push_str(batch);
    }

    /// The number of a lot, added (with no facts yet) when new.
    pub fn lot(&mut self, gtin: &str, batch: &str) -> usize {
        self.put_key(gtin, batch);
        if let Some(i) = self.index.get(self.key.as_str()) {
            return *i;
        }
        let i = self.names.len();
        self.index.insert(self.key.clone(), i);
        let in_order = self.sorted == i
            && self
                .names
                .last()
                .is_none_or(|l| (l.gtin.as_str(), l.batch.as_str()) < (gtin, batch));
        if in_order {
            self.sorted += 1;
        }
        self.names.push(LotRef::new(gtin, batch));
        self.facts.push(Vec::new());
        self.inputs.push(Vec::new());
        self.held.push(false);
        self.costed.push(None);
        i
    }

    /// The number of a lot (added when new, as [`Self::lot`]), for callers that ask in key
    /// order (shipments, stock): `cursor` walks the lots added in key order, so a whole
    /// table's worth of look-ups hashes nothing. Start `cursor` at 0.
    pub fn seek(&mut self, cursor: &mut usize, gtin: &str, batch: &str) -> usize {
        while *cursor < self.sorted {
            let l = &self.names[*cursor];
            match (l.gtin.as_str(), l.batch.as_str()).cmp(&(gtin, batch)) {
                std::cmp::Ordering::Less => *cursor += 1,
                std::cmp::Ordering::Equal => return *cursor,
                std::cmp::Ordering::Greater => break,
            }
        }
        self.lot(gtin, batch)
    }

    /// The lot numbered `lot`.
    pub fn name(&self, lot: usize) -> &LotRef {
        &self.names[lot]
    }

    /// The number of a lot the book holds.
    pub fn find(&mut self, gtin: &str, batch: &str) -> Option<usize> {
        self.put_key(gtin, batch);
        self.index.get(self.key.as_str()).copied()
    }

    fn find_ref(&self, lot: &LotRef) -> Option<usize> {
        self.index
            .get(format!("{}\t{}", lot.gtin, lot.batch).as_str())
            .copied()
    }

    /// A fact of lot `lot`, after those added before it (log order).
    pub fn add_fact(&mut self, lot: usize, fact: CostFact) {
        self.held[lot] = true;
        self.facts[lot].push(fact);
        self.costed[lot] = None;
    }

    /// `quantity` of lot `input` consumed into lot `lot`.
    pub fn add_input(&mut self, lot: usize, input: usize, quantity: u64) {
        self.held[lot] = true;
        self.inputs[lot].push((input, quantity));
        self.costed[lot] = None;
    }

    pub fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The facts the book holds of `lot`, in log order (`None`: not held).
    pub fn facts(&self, lot: &LotRef) -> Option<&[CostFact]> {
        self.find_ref(lot)
            .filter(|i| self.held[*i])
            .map(|i| &self.facts[i][..])
    }

    /// The exact cost of `lot`, computed once through its genealogy (iteratively, so a deep
    /// genealogy cannot overflow the stack). A lot the book does not hold is uncosted.
    pub fn cost(&mut self, lot: &LotRef) -> Costed {
        match self.find(&lot.gtin, &lot.batch) {
            Some(i) => self.cost_of(i),
            None => Costed::default(),
        }
    }

    /// [`Self::cost`] of the lot numbered `lot`.
    pub fn cost_of(&mut self, lot: usize) -> Costed {
        if let Some(c) = self.costed[lot] {
            return c;
        }
        // Depth-first: a lot is costed once all its inputs are; a lot met again while its
        // inputs are being costed is a cycle and counts as uncosted there.
        let mut on_path = std::mem::take(&mut self.on_path);
        on_path.resize(self.names.len(), false);
        let mut stack: Vec<(usize, bool)> = vec![(lot, false)];
        while let Some((l, inputs_done)) = stack.pop() {
            if self.costed[l].is_some() {
                continue;
            }
            if inputs_done {
                self.costed[l] = Some(self.cost_from_inputs(l));
                on_path[l] = false;
                continue;
            }
            if std::mem::replace(&mut on_path[l], true) {
                continue;
            }
            stack.push((l, true));
            for (input, _) in &self.inputs[l] {
                if self.costed[*input].is_none() && !on_path[*input] {
                    stack.push((*input, false));
                }
            }
        }
        self.on_path = on_path;
        self.costed[lot].unwrap_or_default()
    }

    /// A lot's cost from its own facts and its inputs' costs (those not costed yet are on the
    /// current path: a cycle, uncosted).
    fn cost_from_inputs(&self, lot: usize) -> Costed {
        if !self.held[lot] {
            return Costed::default();
        }
        let f = fold(&self.facts[lot], &self.currency);
        let mut c = Costed {
            quantity: f.receipts.iter().map(|r| r.0).sum::<u64>() + f.produced,
            total: Decimal::ZERO,
            complete: true,
        };
        let mut anything = false;
        for (q, unit) in &f.receipts {
            match unit {
                Ok(u) => {
                    anything = true;
                    match u.checked_mul(Decimal::from(*q)) {
                        Some(part) => add(&mut c, part),
                        None => c.complete = false,
                    }
                }
                Err(_) => c.complete = false,
            }
        }
        for part in [&f.labour, &f.overhead].into_iter().flatten() {
            match part {
                Ok(a) => {
                    add(&mut c, *a);
                    anything = true;
                }
                Err(_) => c.complete = false,
            }
        }
        for (input, q) in &self.inputs[lot] {
            anything = true;
            match self.costed[*input] {
                Some(i) if i.quantity > 0 => {
                    add(&mut c, i.of(*q));
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

    /// Why lot `lot` itself (not its inputs) lacks a cost, when it does.
    fn own_gaps(&self, lot: usize) -> Vec<NoCost> {
        if !self.held[lot] {
            return vec![NoCost::Unknown];
        }
        let f = fold(&self.facts[lot], &self.currency);
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
        if f.receipts.is_empty() && self.inputs[lot].is_empty() && !has_cost && gaps.is_empty() {
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
        let at = self.find_ref(lot);
        let f = fold(at.map_or(&[][..], |i| &self.facts[i][..]), &self.currency);
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
        let mut inputs: Vec<(usize, u64)> = Vec::new();
        for (input, q) in at.map_or(&[][..], |i| &self.inputs[i][..]) {
            match inputs.iter_mut().find(|(l, _)| l == input) {
                Some(entry) => entry.1 += q,
                None => inputs.push((*input, *q)),
            }
        }
        for (input, q) in &inputs {
            let ic = self.cost_of(*input);
            let unit = ic
                .unit()
                .filter(|_| ic.total > Decimal::ZERO || ic.complete);
            let name = &self.names[*input];
            components.push(Component::Material {
                gtin: name.gtin.clone(),
                batch: name.batch.clone(),
                quantity: *q,
                unit_cost: unit.map(|u| Amount(u).round(UNIT_COST_SCALE)),
                cost: unit.map(|u| Amount(u.saturating_mul(Decimal::from(*q))).round(minor)),
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
            currency: self.currency,
            unit_cost: c
                .unit()
                .filter(|_| known)
                .map(|u| Amount(u).round(UNIT_COST_SCALE)),
            total_cost: known.then(|| Amount(c.total).round(minor)),
            complete: c.complete,
            components,
            uncosted: match at {
                Some(i) if !c.complete => self.uncosted_below(i),
                Some(_) => Vec::new(),
                None => vec![Uncosted {
                    gtin: lot.gtin.clone(),
                    batch: lot.batch.clone(),
                    why: NoCost::Unknown,
                }],
            },
        }
    }

    /// The lots at or below lot `lot` that lack a cost themselves, each once, nearest first.
    fn uncosted_below(&self, lot: usize) -> Vec<Uncosted> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.names.len()];
        let mut queue = std::collections::VecDeque::from([lot]);
        while let Some(l) = queue.pop_front() {
            if std::mem::replace(&mut seen[l], true) {
                continue;
            }
            let name = &self.names[l];
            for why in self.own_gaps(l) {
                out.push(Uncosted {
                    gtin: name.gtin.clone(),
                    batch: name.batch.clone(),
                    why,
                });
            }
            for (input, _) in &self.inputs[l] {
                if seen[*input] && self.reaches(*input, l) {
                    let name = &self.names[*input];
                    out.push(Uncosted {
                        gtin: name.gtin.clone(),
                        batch: name.batch.clone(),
                        why: NoCost::Cycle,
                    });
                }
                queue.push_back(*input);
            }
        }
        out.dedup();
        out
    }

    /// Whether lot `from` reaches lot `to` through inputs (so `to` consuming `from` closes a
    /// loop).
    fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.names.len()];
        let mut stack = vec![from];
        while let Some(l) = stack.pop() {
            if l == to {
                return true;
            }
            if !std::mem::replace(&mut seen[l], true) {
                stack.extend(self.inputs[l].iter().map(|(i, _)| *i));
            }
        }
        false
    }
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

/// A shipment as the store streams it to [`Margins::sale`]: borrowed, so reading a site's
/// 800,000 shipments allocates nothing per row.
#[derive(Debug, Clone, Copy)]
pub struct SaleRow<'r> {
    pub gtin: &'r str,
    pub batch: &'r str,
    pub customer: &'r str,
    pub quantity: u64,
    pub unit_price: Option<Amount>,
    /// The price's currency (ISO code as recorded).
    pub currency: Option<&'r str>,
}

/// The cost report being built: shipments added one by one ([`Margins::sale`]; a lot's
/// shipments one after another cost it once), then the stock ([`Margins::stock`]).
pub struct Margins<'b> {
    book: &'b mut CostBook,
    by: GroupBy,
    /// Each group's number by its key (a GTIN, a customer).
    index: HashMap<String, usize>,
    /// Each batch group's number by its lot's number in the book.
    batches: HashMap<usize, usize>,
    /// Each group's output key and sums.
    groups: Vec<(MarginLine, Sum)>,
    total: Sum,
    /// The lot of the last shipment (its number), its cost, and its group when grouping by
    /// product or batch (the same for all its shipments).
    lot: Option<(usize, Costed, Option<usize>)>,
    stock: StockValue,
    stock_total: Decimal,
    /// Where [`CostBook::seek`] is in the lots for shipments, for stock (both in key order).
    sale_cursor: usize,
    stock_cursor: usize,
}

impl<'b> Margins<'b> {
    pub fn new(book: &'b mut CostBook, by: GroupBy) -> Margins<'b> {
        Margins {
            book,
            by,
            index: HashMap::new(),
            batches: HashMap::new(),
            groups: Vec::new(),
            total: Sum::default(),
            lot: None,
            stock: StockValue::default(),
            stock_total: Decimal::ZERO,
            sale_cursor: 0,
            stock_cursor: 0,
        }
    }

    /// The number of the group with `key`, made with `line` when new.
    fn group(&mut self, key: &str, line: impl FnOnce() -> MarginLine) -> usize {
        if let Some(g) = self.index.get(key) {
            return *g;
        }
        self.index.insert(key.to_string(), self.groups.len());
        self.groups.push((line(), Sum::default()));
        self.groups.len() - 1
    }

    /// One shipment (in key order of its lot, for speed; any order gives the same report): its COGS at its lot's actual unit cost, its revenue at its price (none,
    /// or another currency: unpriced).
    pub fn sale(&mut self, row: SaleRow<'_>) {
        let same = self.lot.as_ref().is_some_and(|(i, _, _)| {
            let name = &self.book.names[*i];
            name.gtin == row.gtin && name.batch == row.batch
        });
        if !same {
            let i = self.book.seek(&mut self.sale_cursor, row.gtin, row.batch);
            let c = self.book.cost_of(i);
            let group = match self.by {
                GroupBy::Product => Some(self.group(row.gtin, || MarginLine {
                    gtin: Some(row.gtin.to_string()),
                    ..MarginLine::default()
                })),
                GroupBy::Batch => Some(match self.batches.get(&i) {
                    Some(g) => *g,
                    None => {
                        self.groups.push((
                            MarginLine {
                                gtin: Some(row.gtin.to_string()),
                                batch: Some(row.batch.to_string()),
                                ..MarginLine::default()
                            },
                            Sum::default(),
                        ));
                        self.batches.insert(i, self.groups.len() - 1);
                        self.groups.len() - 1
                    }
                }),
                GroupBy::Customer => None,
            };
            self.lot = Some((i, c, group));
        }
        let (_, c, group) = self.lot.expect("set above");
        let group = match group {
            Some(g) => g,
            None => self.group(row.customer, || MarginLine {
                customer: Some(row.customer.to_string()),
                ..MarginLine::default()
            }),
        };
        let cogs = c.of(row.quantity);
        let revenue = match (row.unit_price, row.currency) {
            (Some(p), Some(cur)) if cur == self.book.currency.code() => {
                Some(p.decimal().saturating_mul(Decimal::from(row.quantity)))
            }
            _ => None,
        };
        for s in [&mut self.groups[group].1, &mut self.total] {
            s.quantity += row.quantity;
            s.cogs = s.cogs.saturating_add(cogs);
            if !c.complete {
                s.uncosted += row.quantity;
            }
            match revenue {
                Some(r) => s.revenue = s.revenue.saturating_add(r),
                None => s.unpriced += row.quantity,
            }
        }
    }

    /// Units on hand of a lot, valued at its actual unit cost.
    pub fn stock(&mut self, gtin: &str, batch: &str, on_hand: u64) {
        if on_hand == 0 {
            return;
        }
        let i = self.book.seek(&mut self.stock_cursor, gtin, batch);
        let c = self.book.cost_of(i);
        self.stock.lots += 1;
        self.stock.quantity += on_hand;
        self.stock_total = self.stock_total.saturating_add(c.of(on_hand));
        if !c.complete {
            self.stock.uncosted_quantity += on_hand;
        }
    }

    /// The report: the groups sorted by key, the total, the stock.
    pub fn finish(self) -> CostReport {
        let currency = *self.book.currency();
        let minor = currency.minor_unit();
        let mut lines: Vec<MarginLine> = self
            .groups
            .into_iter()
            .map(|(line, sum)| sum.line((line.gtin, line.batch, line.customer), minor))
            .collect();
        lines.sort_by(|a, b| {
            (&a.gtin, &a.batch, &a.customer).cmp(&(&b.gtin, &b.batch, &b.customer))
        });
        let mut stock = self.stock;
        stock.value = Amount(self.stock_total).round(minor);
        CostReport {
            currency,
            by: self.by,
            lines,
            total: self.total.line((None, None, None), minor),
            stock,
        }
    }
}

/// The cost report over `sales` (shipments in the period) and `stock` (each lot's units on
/// hand), costing every lot through `book`: [`Margins`] over owned shipments.
pub fn report(
    book: &mut CostBook,
    by: GroupBy,
    sales: impl IntoIterator<Item = Sale>,
    stock: impl IntoIterator<Item = (LotRef, u64)>,
) -> CostReport {
    let mut m = Margins::new(book, by);
    for sale in sales {
        m.sale(SaleRow {
            gtin: &sale.lot.gtin,
            batch: &sale.lot.batch,
            customer: &sale.customer,
            quantity: sale.quantity,
            unit_price: sale.unit_price.as_ref().map(|p| p.amount),
            currency: sale.unit_price.as_ref().map(|p| p.currency.code()),
        });
    }
    for (lot, on_hand) in stock {
        m.stock(&lot.gtin, &lot.batch, on_hand);
    }
    m.finish()
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
