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
//!   company not split into sites reads everything, as before sites); such a station's lots
//!   are held by every site ([`EVERY_SITE`]), so their status changes reach every site too.
//! - Lot status changes and recall accounting: every site that holds or ever held the lot.
//! - A recall's start: every site holding a lot it covers or stocking a product it names; its
//!   close, the sites its start reached.
//! - A dispatch to a customer that is a site (its GLN) reaches that site. When the sender's site
//!   holds the lot it is a transfer: the receiving site holds the lot from then on and, the
//!   first time, learns the lot's history with it (the pull sends the lot's earlier events
//!   before the transfer, with the starts of recalls that name the lot and the closes of those
//!   closed before it). The receiving site also joins the reach of the recalls still open on
//!   the lot, so their close reaches it.

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
    /// start also remembers whom it reached, under `recall`. With `reached_by`, also every
    /// site that recall's start reached (a recall's accounting: every site keeping the recall
    /// sees what was accounted for, not only those holding the lot accounted).
    Holders {
        lots: Vec<Lot>,
        products: Vec<String>,
        recall: Option<String>,
        reached_by: Option<String>,
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
            EventKind::LotStatusChanged { gtin, batch, .. } => Reach::Holders {
                lots: vec![lot(gtin, batch)],
                products: Vec::new(),
                recall: None,
                reached_by: None,
            },
            EventKind::RecallAccounted {
                recall,
                gtin,
                batch,
                ..
            } => Reach::Holders {
                lots: vec![lot(gtin, batch)],
                products: Vec::new(),
                recall: None,
                reached_by: Some(recall.clone()),
            },
            EventKind::RecallStarted { recall, .. } => {
                let lots: Vec<Lot> = event.lots().into_iter().map(|(g, b)| lot(g, b)).collect();
                let products: BTreeSet<String> = lots.iter().map(|(g, _)| g.clone()).collect();
                Reach::Holders {
                    lots,
                    products: products.into_iter().collect(),
                    recall: Some(recall.clone()),
                    reached_by: None,
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
            Reach::Holders {
                lots,
                products,
                reached_by,
                ..
            } => {
                w.lots.extend(lots.iter().cloned());
                w.products.extend(products.iter().cloned());
                w.recalls.extend(reached_by.iter().cloned());
            }
            Reach::RecallReached(recall) => {
                w.recalls.insert(recall.clone());
            }
            Reach::Customer { customer, lot, .. } => {
                w.sites.insert(customer.clone());
                // Whether the sender holds it, and the customer already did.
                w.lots.insert(lot.clone());
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
    /// The sites each recall's start reached (of the recalls wanted, and of those in
    /// `lot_recalls`).
    pub recall_sites: BTreeMap<String, BTreeSet<String>>,
    /// The open recalls naming each lot (of the lots wanted).
    pub lot_recalls: BTreeMap<Lot, BTreeSet<String>>,
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
    /// Lots named by a recall's start: (the start's index in the push, recall, lot).
    pub recall_lots: Vec<(usize, String, Lot)>,
    /// Recalls closed: (the close's index in the push, recall).
    pub recall_closes: Vec<(usize, String)>,
}

/// Places a push's new events, in order: each is `(its route, its site)`, the site being
/// [`EVERY_SITE`] for a station without one and `None` for an event recorded at the server.
/// What an event makes known (a lot now held, a recall reached) counts for the events after
/// it, and is returned to be written.
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
                reached_by,
            } => {
                for l in lots {
                    reach.extend(known.lot_sites.get(l).into_iter().flatten().cloned());
                }
                // A recall started before sites reached every site and recorded none: its
                // accounting keeps to the lot's holders, as it did then.
                if let Some(r) = reached_by {
                    reach.extend(known.recall_sites.get(r).into_iter().flatten().cloned());
                }
                for p in products {
                    reach.extend(known.product_sites.get(p).into_iter().flatten().cloned());
                }
                recall_of = recall.clone();
                if let Some(r) = recall {
                    for l in lots {
                        known
                            .lot_recalls
                            .entry(l.clone())
                            .or_default()
                            .insert(r.clone());
                        plan.recall_lots.push((i, r.clone(), l.clone()));
                    }
                }
            }
            Reach::RecallReached(recall) => {
                match known.recall_sites.get(recall) {
                    Some(sites) if !sites.is_empty() => reach.extend(sites.iter().cloned()),
                    // Started before sites: every site had it.
                    _ => {
                        reach.insert(EVERY_SITE.into());
                    }
                }
                for open in known.lot_recalls.values_mut() {
                    open.remove(recall);
                }
                plan.recall_closes.push((i, recall.clone()));
            }
            Reach::Customer {
                customer,
                lot,
                history: with_history,
            } => {
                if known.sites.contains(customer) && Some(customer.as_str()) != site {
                    reach.insert(customer.clone());
                    let holders = known.lot_sites.get(lot);
                    // A transfer only of a lot the sender's site holds: else any station could
                    // pull any lot's history into any site by naming it as the customer.
                    let sender_holds = site.is_some_and(|s| holders.is_some_and(|h| h.contains(s)));
                    if *with_history && sender_holds {
                        if !holders.is_some_and(|h| h.contains(customer)) {
                            history = Some((customer.clone(), lot.clone()));
                        }
                        hold(known, &mut plan, customer, lot);
                        // The recalls open on the lot reach the receiving site from now on
                        // (their close, too). One started before sites has no reach recorded:
                        // its close goes to every site, and must stay so.
                        for r in known.lot_recalls.get(lot).into_iter().flatten() {
                            if let Some(sites) = known.recall_sites.get_mut(r)
                                && !sites.is_empty()
                                && sites.insert(customer.clone())
                            {
                                plan.recall_sites.push((r.clone(), customer.clone()));
                            }
                        }
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
            // Recorded at the server: every site, unless it concerns lots only some hold.
            None if reach.is_empty() => {
                reach.insert(EVERY_SITE.into());
            }
            None => {}
        }
        if reach.contains(EVERY_SITE) {
            // Every site reads it there; a transfer's row still brings the lot's history.
            reach.retain(|s| s == EVERY_SITE || history.as_ref().is_some_and(|(to, _)| to == s));
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
                (received(GTIN, "L1"), Some(EVERY_SITE)),
                (held("L9"), None),
                (received(GTIN, "L2"), Some(A)),
                // Site A holds L1, which a station without a site received: every site has
                // L1, so its hold goes to every site.
                (held("L1"), Some(A)),
                (held("L1"), None),
            ],
            &mut known,
        );
        assert_eq!(sites_of(&p, 0), [EVERY_SITE]);
        assert_eq!(sites_of(&p, 1), [EVERY_SITE]);
        assert_eq!(
            sites_of(&p, 2),
            [EVERY_SITE],
            "the server's, on a lot nobody holds"
        );
        assert_eq!(sites_of(&p, 3), [A]);
        assert_eq!(sites_of(&p, 4), [EVERY_SITE]);
        assert_eq!(sites_of(&p, 5), [EVERY_SITE]);
        let l1 = (GTIN.to_string(), "L1".to_string());
        assert!(p.site_lots.contains(&(EVERY_SITE.to_string(), l1)));
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
                // Sent again: B already has the lot's history.
                (dispatched("L1", B), Some(A)),
                // A lot site C never held, "sent" to B: B gets the dispatch, not the lot.
                (dispatched("L7", B), Some(C)),
            ],
            &mut known,
        );
        assert_eq!(sites_of(&p, 4), [A, B]);
        assert!(
            p.feed
                .iter()
                .filter(|r| r.event >= 4)
                .all(|r| r.history.is_none())
        );
        assert_eq!(sites_of(&p, 5), [B, C]);
        let l7 = (GTIN.to_string(), "L7".to_string());
        assert!(
            !known.lot_sites[&l7].contains(B),
            "{:?}",
            known.lot_sites[&l7]
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
                    EventKind::RecallAccounted {
                        recall: "R1".into(),
                        gtin: GTIN.into(),
                        batch: "L1".into(),
                        customer: None,
                        quantity: 10,
                        how: crate::domain::recall::Disposition::Destroyed,
                        note: None,
                    },
                    Some(A),
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
        // A holds L1; B stocks the product (another lot); C does not. The accounting of L1
        // reaches every site that keeps the recall, not only L1's holders, so B's outstanding
        // figures follow it; the close reaches the same sites.
        assert_eq!(sites_of(&p, 3), [A, B]);
        assert_eq!(sites_of(&p, 4), [A, B]);
        assert_eq!(sites_of(&p, 5), [A, B]);
        // A recall started before sites (the server knows no reach of it): every site.
        let close = EventKind::RecallClosed {
            recall: "R0".into(),
            role: Role::Supervisor,
            forced: false,
            reason: None,
            outstanding: 0,
        };
        let before = place(&[(close, Some(A))], &mut known.clone());
        assert_eq!(sites_of(&before, 0), [EVERY_SITE]);
        assert_eq!(
            p.recall_sites,
            [
                ("R1".to_string(), A.to_string()),
                ("R1".to_string(), B.to_string())
            ]
        );
    }

    #[test]
    fn a_transfer_under_an_open_recall_joins_the_receiving_site_to_the_recall() {
        let covered = |batch: &str| crate::domain::recall::CoveredLot {
            lot: LotRef::new(GTIN, batch),
            named: true,
            status: LotStatus::Released,
            on_hand: 1,
        };
        let start = |recall: &str, batch: &str| EventKind::RecallStarted {
            recall: recall.into(),
            reason: "glass".into(),
            role: Role::Supervisor,
            include_derived: false,
            named: vec![LotRef::new(GTIN, batch)],
            lots: vec![covered(batch)],
            items: Vec::new(),
        };
        let close = |recall: &str| EventKind::RecallClosed {
            recall: recall.into(),
            role: Role::Supervisor,
            forced: true,
            reason: Some("done".into()),
            outstanding: 1,
        };
        let mut known = Known {
            sites: [B.to_string()].into(),
            ..Known::default()
        };
        let p = place(
            &[
                (received(GTIN, "L1"), Some(A)),
                (received(GTIN, "L2"), Some(A)),
                (start("R1", "L1"), Some(A)),
                (start("R2", "L2"), Some(A)),
                (close("R2"), Some(A)),
                (dispatched("L1", B), Some(A)),
                (dispatched("L2", B), Some(A)),
                (close("R1"), Some(A)),
            ],
            &mut known,
        );
        let l = |b: &str| (GTIN.to_string(), b.to_string());
        assert_eq!(
            p.recall_lots,
            [
                (2, "R1".to_string(), l("L1")),
                (3, "R2".to_string(), l("L2"))
            ]
        );
        assert_eq!(
            p.recall_closes,
            [(4, "R2".to_string()), (7, "R1".to_string())]
        );
        // R1 was open at L1's transfer: B joins it, and R1's close reaches B. R2 was closed
        // before L2's: B gets its start and close with the lot's history, not a reach.
        assert!(p.recall_sites.contains(&("R1".to_string(), B.to_string())));
        assert!(!p.recall_sites.contains(&("R2".to_string(), B.to_string())));
        assert_eq!(sites_of(&p, 7), [A, B]);
        assert!(known.lot_recalls[&l("L1")].is_empty());

        // A recall started before sites (no reach recorded) keeps its close going to every
        // site after a transfer.
        let mut known = Known {
            sites: [B.to_string()].into(),
            lot_sites: [(l("L3"), [A.to_string()].into())].into(),
            lot_recalls: [(l("L3"), ["R0".to_string()].into())].into(),
            ..Known::default()
        };
        let p = place(
            &[(dispatched("L3", B), Some(A)), (close("R0"), Some(A))],
            &mut known,
        );
        assert!(p.recall_sites.is_empty());
        assert_eq!(sites_of(&p, 1), [EVERY_SITE]);
    }

    #[test]
    fn a_push_looks_up_only_what_its_events_need() {
        let events = [held("L1"), dispatched("L1", B), received(GTIN, "L2")];
        let routes: Vec<Route> = events.iter().map(Route::of).collect();
        let w = Wanted::of(&routes);
        // L1 for the hold and the transfer; L2's receipt needs nothing looked up.
        assert_eq!(w.lots, [(GTIN.to_string(), "L1".to_string())].into());
        assert_eq!(w.sites, [B.to_string()].into());
        assert!(w.recalls.is_empty() && w.products.is_empty());
    }
}
