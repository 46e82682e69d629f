//! What one scan does in each station mode: the one copy of these rules. Every front end (the
//! headless `lotline scan` loop, the station UI) hands a scan to [`handle`] and gets a typed
//! [`Outcome`] back, so the same scan has the same effect on either; each presents it its own
//! way. A label may be several barcodes (a GS1 logistic label): [`handle`] puts them together
//! ([`LabelAssembly`]) and acts once, on the whole label.

use std::time::Instant;

use super::{DispatchRequest, Outcome, ReceiveRequest, Refusal, Station, WorkflowError};
use crate::domain::assembly::{Enough, GaveUp, LabelAssembly, PartialLabel, Step};
use crate::domain::scan::Scan;
use crate::gs1::{self, Element, Message};
use crate::store::Pallet;

/// What a scan does, with the context the mode remembers between scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanAction {
    /// Receive the scanned supplier lot into `location` (from `supplier`).
    Receive {
        location: String,
        supplier: Option<String>,
        /// The count typed at the station, used only for a label that carries none.
        count: Option<u64>,
        /// The unit cost typed at the station (a supervisor's), in the site currency.
        unit_cost: Option<crate::domain::money::Money>,
    },
    /// Ship the scanned pallet or case to `customer`; not the FEFO choice is refused in strict
    /// mode.
    Dispatch {
        customer: String,
        shipment: Option<String>,
        strict_fefo: bool,
        /// The count typed at the station, for a case label that carries none (a pallet
        /// ships what was received on it).
        count: Option<u64>,
    },
    /// Consume the scanned input lot into production batch `into` of GTIN `product`.
    Produce { into: String, product: String },
    /// Show the scanned lot; writes nothing.
    Lookup,
}

/// Runs one scan (`now`: when it was read) through the station core for `action`, as part of
/// the label `assembly` is putting together. Never panics on bad data: a scan that is not GS1
/// is [`Outcome::Unreadable`], a rule that forbids it [`Outcome::Refused`], a barcode that
/// needs the rest of its label [`Outcome::Partial`] (and nothing is written).
pub fn handle(
    station: &mut Station,
    action: &ScanAction,
    assembly: &mut LabelAssembly,
    text: &str,
    gs_substitute: Option<char>,
    today: chrono::NaiveDate,
    now: Instant,
) -> Outcome {
    // One barcode of a label may break the association rules the whole label keeps.
    let scan = match super::parse_scan(text, gs_substitute, true) {
        Ok(scan) => scan,
        Err(e) => return Outcome::from_error(e),
    };
    let receiving = matches!(action, ScanAction::Receive { .. });
    let enough = if receiving {
        Enough::Lot
    } else {
        Enough::PalletOrLot
    };
    let label = match assembly.add(scan, now, enough) {
        Step::SameLabel { sscc } => return Outcome::SameLabel { sscc },
        Step::Complete(label) => label,
        Step::Partial(partial) => {
            // A pallet received before is settled by its SSCC: no need for its other barcodes.
            if receiving && let Some(sscc) = partial.sscc() {
                match station.store().pallet(sscc) {
                    Ok(Some(pallet)) => {
                        assembly.finish(&partial.elements, pallet_content(&pallet), now);
                        return Outcome::Refused(Refusal::PalletAlreadyReceived(Box::new(pallet)));
                    }
                    Ok(None) => {}
                    Err(e) => return Outcome::Failed(e),
                }
            }
            return Outcome::Partial(partial);
        }
    };
    let outcome = run(station, action, &label, today);
    if let Some(sscc) = label.sscc() {
        let known = station.store().pallet(sscc).ok().flatten();
        assembly.finish(
            &label.elements,
            known.as_ref().map(pallet_content).unwrap_or_default(),
            now,
        );
    }
    outcome
}

/// Acts on a whole label.
fn run(
    station: &mut Station,
    action: &ScanAction,
    label: &Message,
    today: chrono::NaiveDate,
) -> Outcome {
    match action {
        ScanAction::Receive {
            location,
            supplier,
            count,
            unit_cost,
        } => {
            let mut req = ReceiveRequest {
                scan: String::new(),
                quantity: None,
                location: location.clone(),
                supplier: supplier.clone(),
                po: None,
                gs_substitute: None,
                unit_cost: unit_cost.clone(),
            };
            // The label's own count wins; the typed one fills in only where it has none
            // (refused before anything is written, so asking again is safe).
            match station.receive_label(label, &req, today) {
                Err(WorkflowError::Refused(Refusal::NoCount)) if count.is_some() => {
                    req.quantity = *count;
                    station.receive_label(label, &req, today).into()
                }
                other => other.into(),
            }
        }
        ScanAction::Dispatch {
            customer,
            shipment,
            strict_fefo,
            count,
        } => station
            .dispatch_label(
                label,
                &DispatchRequest {
                    scan: String::new(),
                    customer: customer.clone(),
                    shipment: shipment.clone(),
                    quantity: *count,
                    strict_fefo: *strict_fefo,
                    gs_substitute: None,
                    unit_price: None,
                },
                today,
            )
            .into(),
        ScanAction::Produce { into, product } => {
            station.consume_label(label, product, into, today).into()
        }
        ScanAction::Lookup => station.lookup_label(label).into(),
    }
}

/// What a pallet's receipt says is on it, as the elements its label's other barcodes carry
/// ([`LabelAssembly::finish`]).
fn pallet_content(pallet: &Pallet) -> Vec<Element> {
    let mut label = Vec::new();
    let known = [
        ("01", Some(pallet.gtin.clone())),
        ("10", Some(pallet.batch.clone())),
        ("30", Some(pallet.quantity.to_string())),
        ("17", pallet.expiry.map(|d| d.format("%y%m%d").to_string())),
    ];
    for (ai, value) in known {
        if let Some(value) = value {
            label.push(Element {
                ai,
                value: value.into(),
            });
        }
    }
    label
}

/// Something that turns each scan of a loop into an [`Outcome`]: the station core in a mode
/// ([`ModeHandler`]) or the GS1 check of set-up ([`Gs1Check`]).
pub trait HandleScan {
    fn handle(&mut self, scan: &Scan) -> Outcome;

    /// A partial label given up during the last [`HandleScan::handle`] (timed out, or the
    /// scan belonged to another label): nothing of it was recorded.
    fn gave_up(&mut self) -> Option<GaveUp> {
        None
    }

    /// The label still waiting for barcodes when the scans end.
    fn unfinished(&self) -> Option<PartialLabel> {
        None
    }
}

/// The station core in one mode: every scan goes to [`handle`] with today's local date.
pub struct ModeHandler {
    pub station: Station,
    pub action: ScanAction,
    pub gs_substitute: Option<char>,
    /// The label being put together from its barcodes.
    pub assembly: LabelAssembly,
}

impl HandleScan for ModeHandler {
    fn handle(&mut self, scan: &Scan) -> Outcome {
        let today = chrono::Local::now().date_naive();
        handle(
            &mut self.station,
            &self.action,
            &mut self.assembly,
            &scan.text,
            self.gs_substitute,
            today,
            Instant::now(),
        )
    }

    fn gave_up(&mut self) -> Option<GaveUp> {
        self.assembly.take_gave_up()
    }

    fn unfinished(&self) -> Option<PartialLabel> {
        self.assembly.pending()
    }
}

/// Set-up: parses each scan as GS1 data ([`Outcome::Parsed`]) and writes nothing. For
/// checking a scanner (is the GS coming through? the AIM id?) before the real modes.
#[derive(Debug, Default)]
pub struct Gs1Check {
    pub options: gs1::ParseOptions,
}

impl HandleScan for Gs1Check {
    fn handle(&mut self, scan: &Scan) -> Outcome {
        match gs1::parse(&scan.text, &self.options) {
            Ok(message) => Outcome::Parsed(message),
            // One barcode of a label of several (a logistic label's (02)+(37)): good data
            // that needs its partners, said as such rather than as invalid.
            Err(missing @ gs1::Gs1Error::MissingPartner { .. }) => {
                let opts = gs1::ParseOptions {
                    skip_requisites: true,
                    ..self.options.clone()
                };
                let Ok(part) = gs1::parse(&scan.text, &opts) else {
                    return Outcome::Unreadable(missing);
                };
                match LabelAssembly::default().add(part, Instant::now(), Enough::PalletOrLot) {
                    Step::Complete(label) => Outcome::Parsed(label),
                    Step::Partial(p) => Outcome::Partial(p),
                    Step::SameLabel { sscc } => Outcome::SameLabel { sscc },
                }
            }
            Err(e) => Outcome::Unreadable(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::DispatchRefusal;
    use crate::gs1;
    use crate::workflow::testing::{self, station};

    /// One scan of a one-barcode label, with an assembly of its own.
    fn scan1(
        s: &mut Station,
        action: &ScanAction,
        text: &str,
        gs: Option<char>,
        today: chrono::NaiveDate,
    ) -> Outcome {
        let mut assembly = LabelAssembly::default();
        handle(s, action, &mut assembly, text, gs, today, Instant::now())
    }

    fn receive(count: Option<u64>) -> ScanAction {
        ScanAction::Receive {
            location: "DOCK".into(),
            supplier: None,
            count,
            unit_cost: None,
        }
    }

    #[test]
    fn one_scan_gives_a_typed_outcome_in_each_mode() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let today = testing::today();
        let label = "(01)09501101530003(17)260310(10)B1(30)12";
        match scan1(&mut s, &receive(None), label, None, today) {
            Outcome::Received(r) => assert_eq!((r.batch.as_str(), r.quantity), ("B1", 12)),
            other => panic!("{other:?}"),
        }
        // A label whose date is already past: refused with its date, nothing recorded.
        let events = s.store().event_count().unwrap();
        let stale = "(01)09501101530003(17)260228(10)OLD(30)12";
        match scan1(&mut s, &receive(None), stale, None, today) {
            Outcome::Refused(Refusal::ExpiredOnArrival { lot, expiry }) => {
                assert_eq!(lot.batch, "OLD");
                assert_eq!(expiry.to_string(), "2026-02-28");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.store().event_count().unwrap(), events);
        // Its last day is still a good day to receive it (another product, so the FEFO
        // checks below keep their lots).
        let last_day = "(01)09501101530010(17)260301(10)LAST(30)12";
        assert!(matches!(
            scan1(&mut s, &receive(None), last_day, None, today),
            Outcome::Received(_)
        ));
        // No count on the label: refused with that reason, unless one was typed.
        let bare = "(01)09501101530003(10)B2";
        assert!(matches!(
            scan1(&mut s, &receive(None), bare, None, today),
            Outcome::Refused(Refusal::NoCount)
        ));
        assert!(matches!(
            scan1(&mut s, &receive(Some(3)), bare, None, today),
            Outcome::Received(r) if r.quantity == 3
        ));
        assert!(matches!(
            scan1(&mut s, &ScanAction::Lookup, "NOT GS1", None, today),
            Outcome::Unreadable(_)
        ));
        // Expired by the day of the dispatch: the reason is data, not words.
        let ship = ScanAction::Dispatch {
            customer: "ACME".into(),
            shipment: None,
            strict_fefo: false,
            count: None,
        };
        let late = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        match scan1(&mut s, &ship, label, None, late) {
            Outcome::Refused(Refusal::MayNotShip {
                why: DispatchRefusal::Expired { expiry },
                ..
            }) => assert_eq!(expiry.to_string(), "2026-03-10"),
            other => panic!("{other:?}"),
        }
        // A case label without a count ships nothing until a count is given.
        assert!(matches!(
            scan1(&mut s, &ship, bare, None, today),
            Outcome::Refused(Refusal::NoCount)
        ));
        let ship_one = ScanAction::Dispatch {
            customer: "ACME".into(),
            shipment: None,
            strict_fefo: false,
            count: Some(1),
        };
        // B2 (no expiry) is not FEFO's choice while B1 is good: shipped, with the warning.
        match scan1(&mut s, &ship_one, bare, None, today) {
            Outcome::Shipped(d) => assert_eq!(d.warning.unwrap().batch, "B1"),
            other => panic!("{other:?}"),
        }
        let nobody = ScanAction::Dispatch {
            customer: " ".into(),
            shipment: None,
            strict_fefo: false,
            count: None,
        };
        assert!(matches!(
            scan1(&mut s, &nobody, label, None, today),
            Outcome::Refused(Refusal::Needs(crate::workflow::Needed::Customer))
        ));
    }

    /// The three barcodes of a logistic label, in each of the six orders, make one receipt of
    /// the pallet; the same label again records nothing, whatever the order; the SSCC alone
    /// ships exactly that pallet, once; an undo puts its stock back and lets it ship again.
    #[test]
    fn a_pallet_is_received_once_from_its_three_barcodes_and_ships_once_by_its_sscc() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let today = testing::today();
        let t = Instant::now();
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let barcodes = |serial: u64| {
            let sscc = gs1::make_sscc(0, "9501101", serial).unwrap();
            [
                format!("(00){sscc}"),
                format!("(02){}(37)40", testing::TOMATOES),
                format!("(17)261231(10)P{serial}"),
            ]
        };
        let mut a = LabelAssembly::default();
        for (serial, order) in orders.iter().enumerate() {
            let label = barcodes(serial as u64);
            let events = s.store().event_count().unwrap();
            for (i, &b) in order.iter().enumerate() {
                let out = handle(&mut s, &receive(None), &mut a, &label[b], None, today, t);
                if i < 2 {
                    assert!(matches!(out, Outcome::Partial(_)), "{order:?} {i}: {out:?}");
                } else {
                    match out {
                        Outcome::Received(r) => {
                            assert_eq!(r.quantity, 40);
                            assert_eq!(r.batch, format!("P{serial}"));
                            assert!(r.sscc.is_some());
                        }
                        other => panic!("{order:?}: {other:?}"),
                    }
                }
            }
            assert_eq!(s.store().event_count().unwrap(), events + 1, "{order:?}");
        }
        // The first pallet again, in every order: nothing recorded, and it says so.
        let events = s.store().event_count().unwrap();
        for order in orders {
            let label = barcodes(0);
            let mut said = false;
            let mut a = LabelAssembly::default();
            for &b in &order {
                match handle(&mut s, &receive(None), &mut a, &label[b], None, today, t) {
                    Outcome::Refused(Refusal::PalletAlreadyReceived(p)) => {
                        assert_eq!(p.batch, "P0");
                        said = true;
                    }
                    Outcome::Partial(_) | Outcome::SameLabel { .. } => {}
                    other => panic!("{order:?}: {other:?}"),
                }
            }
            assert!(said, "{order:?}");
        }
        assert_eq!(s.store().event_count().unwrap(), events);

        // Dispatch: the SSCC alone ships exactly that pallet; its other barcodes add nothing.
        let ship = ScanAction::Dispatch {
            customer: "ACME".into(),
            shipment: Some("SH-9".into()),
            strict_fefo: false,
            count: None,
        };
        let label = barcodes(1);
        let mut a = LabelAssembly::default();
        let shipped = match handle(&mut s, &ship, &mut a, &label[0], None, today, t) {
            Outcome::Shipped(d) => {
                assert_eq!((d.batch.as_str(), d.quantity), ("P1", 40));
                assert!(d.sscc.is_some());
                d
            }
            other => panic!("{other:?}"),
        };
        for rest in &label[1..] {
            assert!(matches!(
                handle(&mut s, &ship, &mut a, rest, None, today, t),
                Outcome::SameLabel { .. }
            ));
        }
        let lot = |s: &Station| s.lookup(testing::TOMATOES, "P1").unwrap().unwrap();
        assert_eq!(lot(&s).on_hand(), 0);
        // Every command that names a lot takes its pallet's SSCC too.
        let named = s.resolve_lot(&label[0], None, None).unwrap();
        assert_eq!(named.batch, "P1");
        let mut fresh = LabelAssembly::default();
        assert!(matches!(
            handle(&mut s, &ship, &mut fresh, &label[0], None, today, t),
            Outcome::Refused(Refusal::PalletShipped(_))
        ));
        // An unknown pallet is refused by name.
        let stranger = format!("(00){}", gs1::make_sscc(0, "9501101", 999).unwrap());
        assert!(matches!(
            handle(&mut s, &ship, &mut fresh, &stranger, None, today, t),
            Outcome::Refused(Refusal::UnknownPallet { .. })
        ));

        // Undo: the stock is back, the pallet may ship again, both events are in the log.
        assert!(matches!(
            s.void_dispatch(&shipped.event_id, " "),
            Err(WorkflowError::Refused(Refusal::Needs(_)))
        ));
        let void = s.void_dispatch(&shipped.event_id, "wrong truck").unwrap();
        assert_eq!(void.quantity, 40);
        assert_eq!(lot(&s).on_hand(), 40);
        assert!(matches!(
            s.void_dispatch(&shipped.event_id, "again"),
            Err(WorkflowError::Refused(Refusal::NotVoidable { .. }))
        ));
        let history = s.store().lot_events(testing::TOMATOES, "P1", 10).unwrap();
        let kinds: Vec<_> = history.iter().map(|e| e.event.name()).collect();
        assert_eq!(kinds, ["lot_received", "lot_dispatched", "dispatch_voided"]);
        // A replay of the log lands on the same state (the pallet, stock, shipments).
        let before = s.store().derived_snapshot().unwrap();
        s.store_mut().rebuild().unwrap();
        assert_eq!(s.store().derived_snapshot().unwrap(), before);
        let mut again = LabelAssembly::default();
        assert!(matches!(
            handle(&mut s, &ship, &mut again, &label[0], None, today, t),
            Outcome::Shipped(_)
        ));
    }

    /// Set-up mode says a logistic label's (02)+(37) barcode is good data that needs its
    /// partners, not that it is invalid; data that is wrong stays invalid.
    #[test]
    fn the_check_mode_tells_a_partial_label_from_bad_data() {
        let mut check = Gs1Check::default();
        let scan = |text: &str| Scan {
            raw: text.as_bytes().to_vec(),
            text: text.into(),
            aim_id: None,
            symbology: None,
            source: crate::domain::scan::SourceId::new("test"),
            received_at: chrono::Utc::now(),
            arrived: Instant::now(),
        };
        match check.handle(&scan("(02)09501101530003(37)40")) {
            Outcome::Partial(p) => assert!(!p.lacking.is_empty(), "{p:?}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check.handle(&scan("(02)09501101530004(37)40")),
            Outcome::Unreadable(_)
        ));
        assert!(matches!(
            check.handle(&scan("(01)09501101530003(10)B1")),
            Outcome::Parsed(_)
        ));
    }
}
