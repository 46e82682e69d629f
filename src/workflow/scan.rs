//! What one scan does in each station mode: the one copy of these rules. Every front end (the
//! headless `lotline scan` loop, the station UI) hands a scan to [`handle`] and gets a typed
//! [`Outcome`] back, so the same scan has the same effect on either; each presents it its own
//! way.

use super::{DispatchRequest, Outcome, ReceiveRequest, Refusal, Station, WorkflowError};
use crate::domain::scan::Scan;
use crate::gs1;

/// What a scan does, with the context the mode remembers between scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanAction {
    /// Receive the scanned supplier lot into `location` (from `supplier`).
    Receive {
        location: String,
        supplier: Option<String>,
        /// The count typed at the station, used only for a label that carries none.
        count: Option<u64>,
    },
    /// Ship the scanned pallet to `customer`; not the FEFO choice is refused in strict mode.
    Dispatch {
        customer: String,
        shipment: Option<String>,
        strict_fefo: bool,
    },
    /// Consume the scanned input lot into production batch `into` of GTIN `product`.
    Produce { into: String, product: String },
    /// Show the scanned lot; writes nothing.
    Lookup,
}

/// Runs one scan through the station core for `action`. Never panics on bad data: a scan that
/// is not GS1 is [`Outcome::Unreadable`], a rule that forbids it [`Outcome::Refused`] (and
/// nothing is written).
pub fn handle(
    station: &mut Station,
    action: &ScanAction,
    text: &str,
    gs_substitute: Option<char>,
    today: chrono::NaiveDate,
) -> Outcome {
    match action {
        ScanAction::Receive {
            location,
            supplier,
            count,
        } => {
            let mut req = ReceiveRequest {
                scan: text.to_string(),
                quantity: None,
                location: location.clone(),
                supplier: supplier.clone(),
                po: None,
                gs_substitute,
            };
            // The label's own count wins; the typed one fills in only where it has none
            // (refused before anything is written, so asking again is safe).
            match station.receive(&req, today) {
                Err(WorkflowError::Refused(Refusal::NoCount)) if count.is_some() => {
                    req.quantity = *count;
                    station.receive(&req, today).into()
                }
                other => other.into(),
            }
        }
        ScanAction::Dispatch {
            customer,
            shipment,
            strict_fefo,
        } => station
            .dispatch(
                &DispatchRequest {
                    scan: text.to_string(),
                    customer: customer.clone(),
                    shipment: shipment.clone(),
                    quantity: None,
                    strict_fefo: *strict_fefo,
                    gs_substitute,
                },
                today,
            )
            .into(),
        ScanAction::Produce { into, product } => station
            .consume(text, product, into, gs_substitute, today)
            .into(),
        ScanAction::Lookup => station.lookup_scan(text, gs_substitute).into(),
    }
}

/// Something that turns each scan of a loop into an [`Outcome`]: the station core in a mode
/// ([`ModeHandler`]) or the GS1 check of set-up ([`Gs1Check`]).
pub trait HandleScan {
    fn handle(&mut self, scan: &Scan) -> Outcome;
}

/// The station core in one mode: every scan goes to [`handle`] with today's local date.
pub struct ModeHandler {
    pub station: Station,
    pub action: ScanAction,
    pub gs_substitute: Option<char>,
}

impl HandleScan for ModeHandler {
    fn handle(&mut self, scan: &Scan) -> Outcome {
        let today = chrono::Local::now().date_naive();
        handle(
            &mut self.station,
            &self.action,
            &scan.text,
            self.gs_substitute,
            today,
        )
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
            Err(e) => Outcome::Unreadable(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::DispatchRefusal;
    use crate::workflow::testing::{self, station};

    fn receive(count: Option<u64>) -> ScanAction {
        ScanAction::Receive {
            location: "DOCK".into(),
            supplier: None,
            count,
        }
    }

    #[test]
    fn one_scan_gives_a_typed_outcome_in_each_mode() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        let today = testing::today();
        let label = "(01)09501101530003(17)260310(10)B1(30)12";
        match handle(&mut s, &receive(None), label, None, today) {
            Outcome::Received(r) => assert_eq!((r.batch.as_str(), r.quantity), ("B1", 12)),
            other => panic!("{other:?}"),
        }
        // A label whose date is already past: refused with its date, nothing recorded.
        let events = s.store().event_count().unwrap();
        let stale = "(01)09501101530003(17)260228(10)OLD(30)12";
        match handle(&mut s, &receive(None), stale, None, today) {
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
            handle(&mut s, &receive(None), last_day, None, today),
            Outcome::Received(_)
        ));
        // No count on the label: refused with that reason, unless one was typed.
        let bare = "(01)09501101530003(10)B2";
        assert!(matches!(
            handle(&mut s, &receive(None), bare, None, today),
            Outcome::Refused(Refusal::NoCount)
        ));
        assert!(matches!(
            handle(&mut s, &receive(Some(3)), bare, None, today),
            Outcome::Received(r) if r.quantity == 3
        ));
        assert!(matches!(
            handle(&mut s, &ScanAction::Lookup, "NOT GS1", None, today),
            Outcome::Unreadable(_)
        ));
        // Expired by the day of the dispatch: the reason is data, not words.
        let ship = ScanAction::Dispatch {
            customer: "ACME".into(),
            shipment: None,
            strict_fefo: false,
        };
        let late = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        match handle(&mut s, &ship, label, None, late) {
            Outcome::Refused(Refusal::MayNotShip {
                why: DispatchRefusal::Expired { expiry },
                ..
            }) => assert_eq!(expiry.to_string(), "2026-03-10"),
            other => panic!("{other:?}"),
        }
        // B2 (no expiry) is not FEFO's choice while B1 is good: shipped, with the warning.
        match handle(&mut s, &ship, bare, None, today) {
            Outcome::Shipped(d) => assert_eq!(d.warning.unwrap().batch, "B1"),
            other => panic!("{other:?}"),
        }
        let nobody = ScanAction::Dispatch {
            customer: " ".into(),
            shipment: None,
            strict_fefo: false,
        };
        assert!(matches!(
            handle(&mut s, &nobody, label, None, today),
            Outcome::Refused(Refusal::Needs(crate::workflow::Needed::Customer))
        ));
    }
}
