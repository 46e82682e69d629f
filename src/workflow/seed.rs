//! Data generator for a realistic site (`lotline dev seed`): products, supplier receipts,
//! multi-level production genealogy, shipments and status changes, all as real events in the
//! hash chain, bulk-recorded in one transaction. Deterministic for a given seed, so benchmarks
//! and tests can rely on the shape.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{EventKind, LotQty, LotStatus, Role};
use crate::store::{Actor, Store, StoreError};

/// Shape of the generated site.
#[derive(Debug, Clone)]
pub struct SeedPlan {
    pub products: u32,
    pub lots: u32,
    /// Share of lots that are produced from earlier lots (the rest are supplier receipts).
    pub produced_share: f64,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeedReport {
    pub products: u32,
    pub lots: u32,
    pub events: u64,
}

/// A valid GTIN-14 for product number `n` (company prefix 950600, check digit computed).
pub fn seed_gtin(n: u32) -> String {
    let body = format!("0950600{n:06}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Batch number of generated lot `n`.
pub fn seed_batch(n: u32) -> String {
    format!("L{n:07}")
}

/// Small deterministic generator (SplitMix64): the seeded site must be reproducible.
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
}

/// The events of a generated site, in order. Quantities never go negative, so replay and the
/// live path agree.
pub fn seed_events(plan: &SeedPlan) -> Vec<EventKind> {
    let mut rng = Rng(plan.seed);
    let mut events = Vec::with_capacity(plan.products as usize + plan.lots as usize * 2);
    let products = plan.products.max(1);
    for p in 0..products {
        events.push(EventKind::ProductAdded {
            gtin: seed_gtin(p),
            name: format!("Product {p}"),
            receive_as: LotStatus::Released,
            shelf_life_days: Some(365),
        });
    }
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
    // (gtin, batch, remaining qty) of every lot so far.
    let mut lots: Vec<(String, String, u64)> = Vec::with_capacity(plan.lots as usize);
    for n in 0..plan.lots {
        let gtin = seed_gtin(rng.below(products as u64) as u32);
        let batch = seed_batch(n);
        let expiry = Some(base + chrono::Days::new(rng.below(900)));
        let qty = 100 + rng.below(900);
        let produce = !lots.is_empty() && (rng.below(1000) as f64) < plan.produced_share * 1000.0;
        if produce {
            let mut consumed = Vec::new();
            for _ in 0..1 + rng.below(3) {
                // Prefer recent lots so genealogy chains grow deep.
                let window = lots.len().min(50) as u64;
                let i = lots.len() - 1 - rng.below(window) as usize;
                let take = lots[i].2.min(1 + rng.below(20));
                if take == 0 || consumed.iter().any(|c: &LotQty| c.batch == lots[i].1) {
                    continue;
                }
                lots[i].2 -= take;
                consumed.push(LotQty {
                    gtin: lots[i].0.clone(),
                    batch: lots[i].1.clone(),
                    location: "SEED".into(),
                    qty: take,
                });
            }
            events.push(EventKind::Produced {
                gtin: gtin.clone(),
                batch: batch.clone(),
                expiry,
                qty,
                location: "SEED".into(),
                status: LotStatus::Released,
                consumed,
            });
        } else {
            events.push(EventKind::Received {
                gtin: gtin.clone(),
                batch: batch.clone(),
                expiry,
                qty,
                location: "SEED".into(),
                status: LotStatus::Released,
                supplier: Some(format!("Supplier {}", rng.below(50))),
                po: None,
                sscc: None,
            });
        }
        lots.push((gtin, batch, qty));
        // Ship part of an older lot now and then.
        if n % 4 == 3 {
            let i = rng.below(lots.len() as u64) as usize;
            let take = lots[i].2.min(1 + rng.below(30));
            if take > 0 {
                lots[i].2 -= take;
                events.push(EventKind::Dispatched {
                    customer: format!("Customer {}", rng.below(200)),
                    shipment: format!("SHP{n:07}"),
                    lines: vec![LotQty {
                        gtin: lots[i].0.clone(),
                        batch: lots[i].1.clone(),
                        location: "SEED".into(),
                        qty: take,
                    }],
                });
            }
        }
        if n % 97 == 0 {
            events.push(EventKind::StatusChanged {
                gtin: lots[n as usize].0.clone(),
                batch: lots[n as usize].1.clone(),
                from: LotStatus::Released,
                to: LotStatus::OnHold,
                reason: "seeded QC hold".into(),
            });
        }
    }
    events
}

/// Generates the site into `store` in one transaction.
pub fn seed(store: &mut Store, plan: &SeedPlan) -> Result<SeedReport, StoreError> {
    let actor = Actor {
        station: "SEED".into(),
        actor: "seed".into(),
        role: Role::Supervisor,
    };
    let events = store.record_all(&actor, seed_events(plan))?;
    Ok(SeedReport {
        products: plan.products,
        lots: plan.lots,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_gtins_are_valid_and_distinct() {
        for n in [0, 1, 999, 1999, 123_456] {
            let g = seed_gtin(n);
            assert_eq!(crate::workflow::normalize_gtin(&g).unwrap(), g);
        }
        assert_ne!(seed_gtin(1), seed_gtin(2));
    }

    #[test]
    fn generated_sites_are_reproducible() {
        let plan = SeedPlan {
            products: 5,
            lots: 300,
            produced_share: 0.5,
            seed: 3,
        };
        assert_eq!(seed_events(&plan), seed_events(&plan));
        let produced = seed_events(&plan)
            .iter()
            .filter(|e| matches!(e, EventKind::Produced { consumed, .. } if !consumed.is_empty()))
            .count();
        assert!(produced > 50, "only {produced} productions with inputs");
    }
}
