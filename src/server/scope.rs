//! Which sites an event reaches: the server's per-site feeds.
//!
//! A station with a site pulls its site's feed and the feed every site reads ([`EVERY_SITE`]),
//! not the whole company's events. At ingest each new event gets one feed row per site it
//! reaches, decided here from the event alone ([`Route`]) and from what the server knows of the
//! sites ([`Known`]: which sites hold or held a lot, stock a product, got a recall; which GLNs
//! are sites). Plain functions and types: the back-ends read [`Known`] for a push inside its
//! transaction (so a push sees every push before it), call [`plan`], and write what it says.
//!
//! - Its own site: every event of a station with a site.
//! - Every site: master data (products, people), and events of stations without a site (a
//!   company not split into sites reads everything, as before sites).
//! - Lot status changes and recall accounting: every site that holds or ever held the lot.
//! - A recall's start: every site holding a lot it covers or stocking a product it names; its
//!   close, the sites its start reached.
//! - A dispatch to a customer that is a site (its GLN) is a transfer: the receiving site gets
//!   it, holds the lot from then on, and learns the lot's history with it (the pull sends the
//!   lot's earlier events before the transfer).

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::EventKind;

/// The feed every site reads.
pub const EVERY_SITE: &str = "*";

/// A lot: (GTIN, batch).
pub type Lot = (String, String);

/// What an event's kind says about where it goes, before the sites are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub reach: Reach,
    /// Lots the event's site holds from this event on (stock it receives, makes, moves, counts,
    /// consumes or ships).
    pub holds: Vec<Lot>,
}

/// Who, beyond the event's own site, the event reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Its own site only.
    OwnSite,
    /// Every site (master data).
    EverySite,
    /// Its site and every site holding one of `lots` or stocking one of `products`; a recall's
    /// start also remembers whom it reached, under `recall`.
    Holders {
        lots: Vec<Lot>,
        products: Vec<String>,
        recall: Option<String>,
    },
    /// Its site and the sites the start of `recall` reached.
    RecallReached(String),
    /// Its site and, when `customer` is a site's GLN, that site: a transfer of `lot`. With
    /// `history`, the receiving site gets the lot's earlier events with it.
    Customer {
        customer: String,
        lot: Lot,
        history: bool,
    },
}

impl Route {
    /// The route of an event of this kind.
    pub fn of(event: &EventKind) -> Route {
        let lot = |g: &str, b: &str| (g.to_string(), b.to_string());
        let holds = match event {
            EventKind::LotReceived { gtin, batch, .. }
            | EventKind::BatchProduced { gtin, batch, .. }
            | EventKind::LotDispatched { gtin, batch, .. }
            | EventKind::DispatchVoided { gtin, batch, .. }
            | EventKind::LotMoved { gtin, batch, .. }
            | EventKind::LotCounted { gtin, batch, .. } => vec![lot(gtin, batch)],
            EventKind::LotConsumed {
                gtin,
                batch,
                into_gtin,
                into_batch,
                ..
            } => vec![lot(gtin, batch), lot(into_gtin, into_batch)],
            _ => Vec::new(),
        };
        let reach = match event {
            EventKind::ProductRegistered { .. }
            | EventKind::PersonEnrolled { .. }
            | EventKind::PersonCredentialChanged { .. }
            | EventKind::PersonRemoved { .. } => Reach::EverySite,
            EventKind::LotStatusChanged { gtin, batch, .. }
            | EventKind::RecallAccounted { gtin, batch, .. } => Reach::Holders {
                lots: vec![lot(gtin, batch)],
                products: Vec::new(),
                recall: None,
            },
            EventKind::RecallStarted { recall, .. } => {
                let lots: Vec<Lot> = event.lots().into_iter().map(|(g, b)| lot(g, b)).collect();
                let products: BTreeSet<String> = lots.iter().map(|(g, _)| g.clone()).collect();
                Reach::Holders {
                    lots,
                    products: products.into_iter().collect(),
                    recall: Some(recall.clone()),
                }
            }
            EventKind::RecallClosed { recall, .. } => Reach::RecallReached(recall.clone()),
            EventKind::LotDispatched {
                gtin,
                batch,
                customer,
                ..
            } => Reach::Customer {
                customer: customer.clone(),
                lot: lot(gtin, batch),
                history: true,
            },
            EventKind::DispatchVoided {
                gtin,
                batch,
                customer,
                ..
            } => Reach::Customer {
                customer: customer.clone(),
                lot: lot(gtin, batch),
                history: false,
            },
            _ => Reach::OwnSite,
        };
        Route { reach, holds }
    }

    /// What the server must look up to place this event.
    fn wants(&self, w: &mut Wanted) {
        match &self.reach {
            Reach::Holders { lots, products, .. } => {
                w.lots.extend(lots.iter().cloned());
                w.products.extend(products.iter().cloned());
            }
            Reach::RecallReached(recall) => {
                w.recalls.insert(recall.clone());
            }
            Reach::Customer { customer, .. } => {
                w.sites.insert(customer.clone());
            }
            Reach::OwnSite | Reach::EverySite => {}
        }
    }
}

/// What a push needs to know of the sites, to be read in its transaction.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub lots: BTreeSet<Lot>,
    pub products: BTreeSet<String>,
    pub recalls: BTreeSet<String>,
    /// Customers that may be sites (GLNs to look up).
    pub sites: BTreeSet<String>,
}

impl Wanted {
    /// What placing these routes needs.
    pub fn of<'a>(routes: impl IntoIterator<Item = &'a Route>) -> Wanted {
        let mut w = Wanted::default();
        for r in routes {
            r.wants(&mut w);
        }
        w
    }
}

/// What the server knows of the sites, as far as a push needs it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Known {
    /// The sites that hold or held each lot.
    pub lot_sites: BTreeMap<Lot, BTreeSet<String>>,
    /// The sites that stock or stocked each product.
    pub product_sites: BTreeMap<String, BTreeSet<String>>,
    /// The sites each recall's start reached.
    pub recall_sites: BTreeMap<String, BTreeSet<String>>,
    /// The customers that are sites.
    pub sites: BTreeSet<String>,
}

/// One row of a site's feed: the event (its index in the push) reaches `site`; with `history`,
/// the lot's earlier events go before it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedRow {
    pub event: usize,
    pub site: String,
    pub history: Option<Lot>,
}

/// What a push writes beside its events.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub feed: Vec<FeedRow>,
    /// New (site, lot) holdings.
    pub site_lots: Vec<(String, Lot)>,
    /// New (site, product) stockings.
    pub site_products: Vec<(String, String)>,
    /// New (recall, site) reaches.
    pub recall_sites: Vec<(String, String)>,
}

/// Places a push's new events, in order: each is `(its route, its site)`. What an event
/// makes known (a lot now held, a recall reached) counts for the events after it, and is
/// returned to be written.
pub fn plan<'a>(
    events: impl IntoIterator<Item = (&'a Route, Option<&'a str>)>,
    known: &mut Known,
) -> Plan {
    let mut plan = Plan::default();
    for (i, (route, site)) in events.into_iter().enumerate() {
        let mut reach: BTreeSet<String> = BTreeSet::new();
        let mut history = None;
        let mut recall_of = None;
        match &route.reach {
            Reach::OwnSite => {}
            Reach::EverySite => {
                plan.feed.push(FeedRow {
                    event: i,
                    site: EVERY_SITE.into(),
                    history: None,
                });
                continue;
            }
            Reach::Holders {
                lots,
                products,
                recall,
            } => {
                for l in lots {
                    reach.extend(known.lot_sites.get(l).into_iter().flatten().cloned());
                }
                for p in products {
                    reach.extend(known.product_sites.get(p).into_iter().flatten().cloned());
                }
                recall_of = recall.clone();
            }
            Reach::RecallReached(recall) => {
                reach.extend(
                    known
                        .recall_sites
                        .get(recall)
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
            Reach::Customer {
                customer,
                lot,
                history: with_history,
            } => {
                if known.sites.contains(customer) && Some(customer.as_str()) != site {
                    reach.insert(customer.clone());
                    if *with_history {
                        history = Some((customer.clone(), lot.clone()));
                        hold(known, &mut plan, customer, lot);
                    }
                }
            }
        }
        match site {
            Some(s) => {
                reach.insert(s.to_string());
                for l in &route.holds {
                    hold(known, &mut plan, s, l);
                }
            }
            // A station without a site, or the server itself: every site reads it, unless it
            // concerns lots only some sites hold.
            None if reach.is_empty() => {
                reach.insert(EVERY_SITE.into());
            }
            None => {}
        }
        if let Some(recall) = recall_of {
            for s in &reach {
                if known
                    .recall_sites
                    .entry(recall.clone())
                    .or_default()
                    .insert(s.clone())
                {
                    plan.recall_sites.push((recall.clone(), s.clone()));
                }
            }
        }
        for s in reach {
            let history = match &history {
                Some((to, lot)) if *to == s => Some(lot.clone()),
                _ => None,
            };
            plan.feed.push(FeedRow {
                event: i,
                site: s,
                history,
            });
        }
    }
    plan
}

/// `site` holds `lot` (and so stocks its product) from now on.
fn hold(known: &mut Known, plan: &mut Plan, site: &str, lot: &Lot) {
    if known
        .lot_sites
        .entry(lot.clone())
        .or_default()
        .insert(site.to_string())
    {
        plan.site_lots.push((site.to_string(), lot.clone()));
    }
    if known
        .product_sites
        .entry(lot.0.clone())
        .or_default()
        .insert(site.to_string())
    {
        plan.site_products.push((site.to_string(), lot.0.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LotStatus;
    use crate::domain::status::Role;
    use crate::domain::trace::LotRef;

    const GTIN: &str = "09501101530003";
    const OTHER: &str = "09501101530010";
    const A: &str = "4012345000009";
    const B: &str = "4012345000016";
    const C: &str = "4012345000023";

    fn received(gtin: &str, batch: &str) -> EventKind {
        EventKind::LotReceived {
            gtin: gtin.into(),
            batch: batch.into(),
            expiry: None,
            quantity: 10,
            location: "RECEIVING".into(),
            status: LotStatus::Released,
            supplier: None,
            sscc: None,
            po: None,
            unit_cost: None,
        }
    }

    fn held(batch: &str) -> EventKind {
        EventKind::LotStatusChanged {
            gtin: GTIN.into(),
            batch: batch.into(),
            from: LotStatus::Released,
            to: LotStatus::OnHold,
            role: Role::Supervisor,
            reason: "check".into(),
        }
    }

    fn dispatched(batch: &str, customer: &str) -> EventKind {
        EventKind::LotDispatched {
            gtin: GTIN.into(),
            batch: batch.into(),
            quantity: 1,
            customer: customer.into(),
            shipment: None,
            from: vec![("RECEIVING".into(), 1)],
            sscc: None,
            unit_price: None,
        }
    }

    fn place(events: &[(EventKind, Option<&str>)], known: &mut Known) -> Plan {
        let routes: Vec<Route> = events.iter().map(|(e, _)| Route::of(e)).collect();
        plan(routes.iter().zip(events.iter().map(|(_, s)| *s)), known)
    }

    fn sites_of(plan: &Plan, event: usize) -> Vec<&str> {
        plan.feed
            .iter()
            .filter(|r| r.event == event)
            .map(|r| r.site.as_str())
            .collect()
    }

    #[test]
    fn a_status_change_reaches_the_sites_that_hold_the_lot_and_no_other() {
        let mut known = Known::default();
        let p = place(
            &[
                (received(GTIN, "L1"), Some(A)),
                (received(GTIN, "L2"), Some(B)),
                (held("L1"), Some(C)),
                (held("L1"), None),
            ],
            &mut known,
        );
        assert_eq!(sites_of(&p, 0), [A]);
        assert_eq!(sites_of(&p, 1), [B]);
        // Held at site C: its own site and A, which holds L1; B never had it.
        assert_eq!(sites_of(&p, 2), [A, C]);
        // Held at the server: A only.
        assert_eq!(sites_of(&p, 3), [A]);
        assert_eq!(
            p.site_lots,
            [
                (A.to_string(), (GTIN.to_string(), "L1".to_string())),
                (B.to_string(), (GTIN.to_string(), "L2".to_string()))
            ]
        );
    }

    #[test]
    fn master_data_and_siteless_stations_reach_every_site() {
        let mut known = Known::default();
        let p = place(
            &[
                (
                    EventKind::ProductRegistered {
                        gtin: GTIN.into(),
                        name: "Flour".into(),
                        receive_as: LotStatus::Released,
                        receiving: Default::default(),
                    },
                    Some(A),
                ),
                (received(GTIN, "L1"), None),
                (held("L9"), None),
            ],
            &mut known,
        );
        assert_eq!(sites_of(&p, 0), [EVERY_SITE]);
        assert_eq!(sites_of(&p, 1), [EVERY_SITE]);
        assert_eq!(sites_of(&p, 2), [EVERY_SITE]);
        assert!(
            p.site_lots.is_empty(),
            "a station without a site holds for no site"
        );
    }

    #[test]
    fn a_transfer_reaches_the_receiving_site_with_the_lots_history_and_later_holds_follow() {
        let mut known = Known {
            sites: [B.to_string()].into(),
            ..Known::default()
        };
        let p = place(
            &[
                (received(GTIN, "L1"), Some(A)),
                (dispatched("L1", "ACME Foods"), Some(A)),
                (dispatched("L1", B), Some(A)),
                (held("L1"), Some(A)),
            ],
            &mut known,
        );
        assert_eq!(sites_of(&p, 1), [A], "a customer that is not a site");
        assert_eq!(sites_of(&p, 2), [A, B]);
        let to_b = p.feed.iter().find(|r| r.event == 2 && r.site == B).unwrap();
        assert_eq!(to_b.history, Some((GTIN.to_string(), "L1".to_string())));
        assert!(
            p.feed
                .iter()
                .filter(|r| r.site == A)
                .all(|r| r.history.is_none())
        );
        assert_eq!(sites_of(&p, 3), [A, B], "B holds L1 since the transfer");
    }

    #[test]
    fn a_recall_reaches_holders_and_stockists_and_its_close_the_same_sites() {
        let mut known = Known::default();
        let covered = |batch: &str| crate::domain::recall::CoveredLot {
            lot: LotRef::new(GTIN, batch),
            named: true,
            status: LotStatus::Released,
            on_hand: 1,
        };
        let p = place(
            &[
                (received(GTIN, "L1"), Some(A)),
                (received(GTIN, "L2"), Some(B)),
                (received(OTHER, "L1"), Some(C)),
                (
                    EventKind::RecallStarted {
                        recall: "R1".into(),
                        reason: "salmonella".into(),
                        role: Role::Supervisor,
                        include_derived: false,
                        named: vec![LotRef::new(GTIN, "L1")],
                        lots: vec![covered("L1")],
                        items: Vec::new(),
                    },
                    None,
                ),
                (
                    EventKind::RecallClosed {
                        recall: "R1".into(),
                        role: Role::Supervisor,
                        forced: false,
                        reason: None,
                        outstanding: 0,
                    },
                    Some(A),
                ),
            ],
            &mut known,
        );
        // A holds L1; B stocks the product (another lot); C does not.
        assert_eq!(sites_of(&p, 3), [A, B]);
        assert_eq!(sites_of(&p, 4), [A, B]);
        assert_eq!(
            p.recall_sites,
            [
                ("R1".to_string(), A.to_string()),
                ("R1".to_string(), B.to_string())
            ]
        );
    }

    #[test]
    fn what_a_push_needs_is_read_once() {
        let events = [held("L1"), dispatched("L1", B), received(GTIN, "L2")];
        let routes: Vec<Route> = events.iter().map(Route::of).collect();
        let w = Wanted::of(&routes);
        assert_eq!(w.lots, [(GTIN.to_string(), "L1".to_string())].into());
        assert_eq!(w.sites, [B.to_string()].into());
        assert!(w.recalls.is_empty() && w.products.is_empty());
    }
}
