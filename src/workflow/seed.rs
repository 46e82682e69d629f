//! A realistic site for benchmarks, demos and tests (`lotline dev seed`): products with valid
//! GTINs, suppliers, customers, locations, received lots, production over several levels of
//! genealogy, moves, counts, dispatches and status changes.
//!
//! Every change is a real [`EventKind`] recorded through [`Store::append_all`] (hash chain,
//! derived tables), in large transactions. The events follow the workflow rules (only
//! released stock is consumed or shipped, quantities never go below what is on hand), so the
//! seeded site is one the station could have produced. Deterministic for a given seed.

use std::collections::VecDeque;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::domain::event::RunCosts;
use crate::domain::money::{Amount, Currency, Money};
use crate::domain::status::Role;
use crate::domain::{EventKind, LotStatus};
use crate::gs1;
use crate::store::{Store, StoreError};

/// Shape of the generated site.
#[derive(Debug, Clone, Serialize)]
pub struct SeedPlan {
    pub products: u32,
    pub lots: u32,
    /// Total events to aim for (at least products + lots + consumptions).
    pub events: u64,
    pub seed: u64,
}

impl Default for SeedPlan {
    fn default() -> Self {
        SeedPlan {
            products: 2_000,
            lots: 200_000,
            events: 2_000_000,
            seed: 1,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub products: u32,
    pub suppliers: u32,
    pub customers: u32,
    pub locations: u32,
    pub lots_received: u64,
    pub lots_produced: u64,
    pub consumptions: u64,
    pub dispatches: u64,
    pub moves: u64,
    pub counts: u64,
    pub status_changes: u64,
    pub events: u64,
    /// A lot with the deepest genealogy (made from lots made from lots …): trace it.
    pub deep_lot: Option<DeepLot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeepLot {
    pub gtin: String,
    pub batch: String,
    /// Production levels below it down to received lots.
    pub depth: u32,
}

/// Production levels: tier 0 products are bought in, tier t is made from tier t-1 lots (and
/// sometimes a tier-0 lot), so chains are `TIERS - 1` levels deep.
const TIERS: u32 = 8;
const SUPPLIERS: u32 = 60;
const CUSTOMERS: u32 = 400;
const RACKS: u32 = 120;
/// Recent lots with stock kept per tier for consumption and activity.
const POOL: usize = 64;
/// Events per transaction: large enough that the fsync per commit does not matter.
const CHUNK: usize = 20_000;

/// A valid GTIN-14 for product `n` (company prefix 0950600, GS1 check digit).
pub fn seed_gtin(n: u32) -> String {
    let body = format!("0950600{n:06}");
    let check = gs1::check_digit(&body).expect("13 digits");
    format!("{body}{check}")
}

/// SplitMix64: small, fast and reproducible everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// An amount of `from` to `to` cents (exclusive), exactly.
    fn cents(&mut self, from: u64, to: u64) -> Amount {
        let cents = from + self.below(to - from);
        Amount::new(rust_decimal::Decimal::new(cents as i64, 2))
    }
}

struct SeedLot {
    product: u32,
    batch: String,
    status: LotStatus,
    stock: Vec<(String, u64)>,
    depth: u32,
}

impl SeedLot {
    fn on_hand(&self) -> u64 {
        self.stock.iter().map(|(_, q)| q).sum()
    }

    /// Takes `qty` in location order, like the workflow's `take_from`.
    fn take(&mut self, mut qty: u64) -> Vec<(String, u64)> {
        let mut from = Vec::new();
        for (loc, q) in &mut self.stock {
            let t = qty.min(*q);
            if t > 0 {
                *q -= t;
                qty -= t;
                from.push((loc.clone(), t));
            }
        }
        self.stock.retain(|(_, q)| *q > 0);
        from
    }
}

struct Generator {
    rng: Rng,
    /// Costs and prices come from a generator of their own, so the site's shape (lots,
    /// quantities, genealogy) is the one seeded before costs were.
    money: Rng,
    plan: SeedPlan,
    tiers: Vec<Vec<u32>>,
    lots: Vec<SeedLot>,
    /// Recent lots with stock, per tier.
    pools: Vec<VecDeque<usize>>,
    today: NaiveDate,
    report: SeedReport,
}

impl Generator {
    fn new(plan: &SeedPlan, today: NaiveDate) -> Generator {
        // Every tier needs a product: half are bought in, so twice the tiers at least.
        let products = plan.products.max(2 * TIERS);
        // Half the products are bought in; the rest spread over the production tiers.
        let mut tiers = vec![Vec::new(); TIERS as usize];
        for p in 0..products {
            let tier = if p % 2 == 0 {
                0
            } else {
                1 + (p / 2) % (TIERS - 1)
            };
            tiers[tier as usize].push(p);
        }
        Generator {
            rng: Rng(plan.seed),
            money: Rng(plan.seed ^ 0x00C0_57ED),
            plan: SeedPlan {
                products,
                ..plan.clone()
            },
            tiers,
            lots: Vec::with_capacity(plan.lots as usize),
            pools: vec![VecDeque::new(); TIERS as usize],
            today,
            report: SeedReport {
                products,
                suppliers: SUPPLIERS,
                customers: CUSTOMERS,
                locations: RACKS + 2,
                ..SeedReport::default()
            },
        }
    }

    fn run(
        &mut self,
        emit: &mut dyn FnMut(EventKind) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for p in 0..self.plan.products {
            emit(EventKind::ProductRegistered {
                gtin: seed_gtin(p),
                name: format!("Seed product {p}"),
                receive_as: LotStatus::Released,
                receiving: Default::default(),
            })?;
            self.report.events += 1;
        }
        let lots = u64::from(self.plan.lots.max(1));
        for n in 0..lots {
            for e in self.new_lot(n) {
                emit(e)?;
                self.report.events += 1;
            }
            // Spread the remaining events evenly over the lots.
            let target = self.plan.events * (n + 1) / lots;
            let mut idle = 0;
            while self.report.events < target && idle < 16 {
                match self.activity() {
                    Some(e) => {
                        emit(e)?;
                        self.report.events += 1;
                        idle = 0;
                    }
                    None => idle += 1,
                }
            }
        }
        Ok(())
    }

    /// Receives a bought-in lot, or produces one from lots of the tier below.
    fn new_lot(&mut self, n: u64) -> Vec<EventKind> {
        // Half the lots are bought in, the rest made at one of the production tiers.
        let mut tier = if self.rng.chance(50) {
            0
        } else {
            1 + self.rng.below(u64::from(TIERS - 1)) as usize
        };
        if tier > 0 && self.pools[tier - 1].is_empty() {
            tier = 0;
        }
        let products = &self.tiers[tier];
        let product = products[self.rng.below(products.len() as u64) as usize];
        let gtin = seed_gtin(product);
        let expiry = Some(self.today + Days::new(60 + self.rng.below(900)));
        let quantity = 100 + self.rng.below(900);
        let index = self.lots.len();
        let mut events = Vec::new();
        let depth;
        let batch;
        if tier == 0 {
            batch = format!("S{n:07}");
            depth = 0;
            events.push(EventKind::LotReceived {
                gtin: gtin.clone(),
                batch: batch.clone(),
                expiry,
                quantity,
                location: "DOCK".into(),
                status: LotStatus::Released,
                supplier: Some(format!("Supplier {:02}", self.rng.below(SUPPLIERS.into()))),
                sscc: None,
                po: Some(format!("PO-{}", n / 7)),
                // One receipt in twenty arrives without a cost (an invoice not in yet).
                unit_cost: (!self.money.chance(5))
                    .then(|| Money::new(self.money.cents(10, 2_000), Currency::default())),
            });
            self.report.lots_received += 1;
        } else {
            batch = format!("P{n:07}");
            events.push(EventKind::BatchProduced {
                gtin: gtin.clone(),
                batch: batch.clone(),
                quantity,
                location: "PRODUCTION".into(),
                expiry,
                status: LotStatus::Released,
                sequence_key: "SEED".into(),
                sequence: n + 1,
                costs: Some(RunCosts {
                    labour: Some(self.money.cents(500, 20_000)),
                    overhead: Some(self.money.cents(100, 5_000)),
                    currency: Currency::default(),
                }),
            });
            let mut inputs = vec![self.pick(tier - 1)];
            if self.rng.chance(50) {
                inputs.push(self.pick(tier - 1));
            }
            if tier > 1 && self.rng.chance(40) {
                inputs.push(self.pick(0));
            }
            inputs.sort_unstable();
            inputs.dedup();
            let mut deepest = 0;
            for i in inputs.into_iter().flatten() {
                let input = &mut self.lots[i];
                let take = (input.on_hand() / 4).max(1).min(input.on_hand());
                if take == 0 {
                    continue;
                }
                deepest = deepest.max(input.depth + 1);
                let from = input.take(take);
                events.push(EventKind::LotConsumed {
                    gtin: seed_gtin(input.product),
                    batch: input.batch.clone(),
                    quantity: take,
                    into_gtin: gtin.clone(),
                    into_batch: batch.clone(),
                    from,
                });
                self.report.consumptions += 1;
            }
            depth = deepest;
            self.report.lots_produced += 1;
        }
        if self
            .report
            .deep_lot
            .as_ref()
            .is_none_or(|d| depth > d.depth)
        {
            self.report.deep_lot = Some(DeepLot {
                gtin,
                batch: batch.clone(),
                depth,
            });
        }
        let location = if tier == 0 { "DOCK" } else { "PRODUCTION" };
        self.lots.push(SeedLot {
            product,
            batch,
            status: LotStatus::Released,
            stock: vec![(location.into(), quantity)],
            depth,
        });
        let pool = &mut self.pools[tier];
        pool.push_back(index);
        if pool.len() > POOL {
            pool.pop_front();
        }
        events
    }

    /// A recent released lot with stock in `tier`, if any.
    fn pick(&mut self, tier: usize) -> Option<usize> {
        let pool = &self.pools[tier];
        if pool.is_empty() {
            return None;
        }
        let i = pool[self.rng.below(pool.len() as u64) as usize];
        let lot = &self.lots[i];
        (lot.status == LotStatus::Released && lot.on_hand() > 0).then_some(i)
    }

    /// One day-to-day event on a recent lot: dispatch, move, count or status change.
    fn activity(&mut self) -> Option<EventKind> {
        let tier = self.rng.below(u64::from(TIERS)) as usize;
        let pool = &self.pools[tier];
        if pool.is_empty() {
            return None;
        }
        let i = pool[self.rng.below(pool.len() as u64) as usize];
        let roll = self.rng.below(100);
        let lot = &mut self.lots[i];
        let gtin = seed_gtin(lot.product);
        let batch = lot.batch.clone();
        let on_hand = lot.on_hand();
        if roll < 4 {
            // QC: hold a released lot, release a held one; now and then reject or recall.
            let to = match lot.status {
                LotStatus::Released if roll == 0 => LotStatus::Recalled,
                LotStatus::Released => LotStatus::OnHold,
                LotStatus::OnHold if roll == 1 => LotStatus::Rejected,
                LotStatus::OnHold => LotStatus::Released,
                _ => return None,
            };
            let from = lot.status;
            lot.status = to;
            self.report.status_changes += 1;
            return Some(EventKind::LotStatusChanged {
                gtin,
                batch,
                from,
                to,
                role: Role::Supervisor,
                reason: format!("seeded QC decision {}", self.report.status_changes),
            });
        }
        if on_hand == 0 {
            return None;
        }
        if roll < 12 {
            let (location, held) =
                lot.stock[self.rng.below(lot.stock.len() as u64) as usize].clone();
            let counted = (held + self.rng.below(5)).saturating_sub(2);
            for (l, q) in &mut lot.stock {
                if *l == location {
                    *q = counted;
                }
            }
            lot.stock.retain(|(_, q)| *q > 0);
            self.report.counts += 1;
            return Some(EventKind::LotCounted {
                gtin,
                batch,
                location,
                counted,
                difference: counted as i64 - held as i64,
            });
        }
        if roll < 45 {
            let (from, held) = lot.stock[0].clone();
            let to = format!("R-{:03}", self.rng.below(RACKS.into()));
            if to == from {
                return None;
            }
            let quantity = 1 + self.rng.below(held);
            lot.take(quantity);
            match lot.stock.iter_mut().find(|(l, _)| *l == to) {
                Some((_, q)) => *q += quantity,
                None => lot.stock.push((to.clone(), quantity)),
            }
            self.report.moves += 1;
            return Some(EventKind::LotMoved {
                gtin,
                batch,
                from,
                to,
                quantity,
            });
        }
        if lot.status != LotStatus::Released {
            return None;
        }
        let quantity = 1 + self.rng.below(on_hand.min(40));
        let from = lot.take(quantity);
        self.report.dispatches += 1;
        let customer = self.rng.below(CUSTOMERS.into());
        Some(EventKind::LotDispatched {
            gtin,
            batch,
            quantity,
            customer: format!("Customer {customer:03}"),
            shipment: Some(format!("SH-{}", self.report.dispatches / 3)),
            from,
            sscc: None,
            // One shipment in ten without a price (a sample, a replacement).
            unit_price: (!self.money.chance(10))
                .then(|| Money::new(self.money.cents(50, 6_000), Currency::default())),
        })
    }
}

/// The events of a generated site, handed to `emit` in order.
pub fn generate(
    plan: &SeedPlan,
    today: NaiveDate,
    emit: &mut dyn FnMut(EventKind) -> Result<(), StoreError>,
) -> Result<SeedReport, StoreError> {
    let mut g = Generator::new(plan, today);
    g.run(emit)?;
    Ok(g.report)
}

/// Generates the site into `store` through the normal append path, in transactions of
/// `CHUNK` events. `progress` is called with the number of events recorded so far.
pub fn seed(
    store: &mut Store,
    plan: &SeedPlan,
    today: NaiveDate,
    progress: &mut dyn FnMut(u64),
) -> Result<SeedReport, StoreError> {
    let mut buf = Vec::with_capacity(CHUNK);
    let mut done = 0u64;
    let mut flush = |buf: &mut Vec<EventKind>, store: &mut Store| -> Result<(), StoreError> {
        done += buf.len() as u64;
        store.append_all("SEED", "seed", std::mem::take(buf))?;
        progress(done);
        Ok(())
    };
    let report = {
        let store = &mut *store;
        generate(plan, today, &mut |e| {
            buf.push(e);
            if buf.len() >= CHUNK {
                flush(&mut buf, store)?;
            }
            Ok(())
        })?
    };
    flush(&mut buf, store)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(plan: &SeedPlan) -> (Vec<EventKind>, SeedReport) {
        let mut out = Vec::new();
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let r = generate(plan, today, &mut |e| {
            out.push(e);
            Ok(())
        })
        .unwrap();
        (out, r)
    }

    #[test]
    fn seeded_gtins_carry_valid_check_digits() {
        for n in [0, 1, 1999, 123_456] {
            let g = seed_gtin(n);
            assert_eq!(gs1::normalize_gtin(&g).unwrap(), g);
        }
    }

    /// A site smaller than the tiers asks for is seeded with the fewest products that fill
    /// them (it panicked with 5).
    #[test]
    fn a_tiny_site_is_seeded_with_a_product_in_every_tier() {
        for products in [0, 1, 5, 15] {
            let plan = SeedPlan {
                products,
                lots: 300,
                events: 1_000,
                seed: 3,
            };
            let (events, report) = events(&plan);
            assert_eq!(report.products, 16.max(products));
            assert!(!events.is_empty());
        }
    }

    #[test]
    fn a_seed_is_reproducible_and_has_the_asked_shape() {
        let plan = SeedPlan {
            products: 40,
            lots: 2_000,
            events: 20_000,
            seed: 9,
        };
        let (a, report) = events(&plan);
        assert_eq!(a, events(&plan).0);
        assert_ne!(
            a,
            events(&SeedPlan {
                seed: 10,
                ..plan.clone()
            })
            .0
        );
        assert_eq!(report.events, a.len() as u64);
        assert!(
            a.len() as u64 >= plan.events * 95 / 100,
            "{} events",
            a.len()
        );
        assert_eq!(report.lots_received + report.lots_produced, 2_000);
        assert!(report.deep_lot.unwrap().depth >= 6);
        assert!(report.dispatches > 1_000 && report.moves > 1_000 && report.counts > 100);
    }
}
