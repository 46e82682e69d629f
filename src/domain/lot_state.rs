//! A lot's current state folded from its events. Pure: the central server answers lot
//! look-ups, expiry and recall lists with it over the events it holds (in its order); it
//! follows the same rules as the station store's derived tables, so a synced station and the
//! server agree on every lot (the sync tests compare them).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::status::{StatusStep, settle_step};
use super::{EventKind, LotStatus};

/// A lot as its events leave it. Serialises like the station's `lot show --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LotState {
    pub gtin: String,
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    pub supplier: Option<String>,
    /// Stock per location, by location; locations at zero are left out. Serialised as
    /// `[{"location": …, "quantity": …}]`.
    #[serde(serialize_with = "stock_objects")]
    pub stock: Vec<(String, i64)>,
}

/// Stock as objects with named fields, not `[location, quantity]` pairs.
fn stock_objects<S: serde::Serializer>(stock: &[(String, i64)], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Held<'a> {
        location: &'a str,
        quantity: i64,
    }
    s.collect_seq(stock.iter().map(|(location, quantity)| Held {
        location,
        quantity: *quantity,
    }))
}

/// A lot with stock that expires within the alert horizon (the station's expiry board and the
/// server's `/expiry` list alike).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiringLot {
    pub gtin: String,
    pub batch: String,
    pub expiry: NaiveDate,
    pub status: LotStatus,
    pub on_hand: i64,
}

impl LotState {
    /// Folds the events of one lot (in the order that decides) into its state; events of
    /// other lots are ignored. `None` when no event created the lot.
    pub fn fold<'a>(
        gtin: &str,
        batch: &str,
        events: impl IntoIterator<Item = &'a EventKind>,
    ) -> Option<LotState> {
        let mut f = Fold::default();
        for e in events {
            f.apply(gtin, batch, e);
        }
        let (expiry, supplier) = f.created?;
        Some(LotState {
            gtin: gtin.to_string(),
            batch: batch.to_string(),
            expiry,
            status: f.status?,
            supplier,
            stock: f.stock.into_iter().collect(),
        })
    }

    /// Stock on hand over all locations.
    pub fn on_hand(&self) -> i64 {
        self.stock.iter().map(|(_, q)| q).sum()
    }

    /// Stock held at one location (0 where it has none).
    pub fn at(&self, location: &str) -> i64 {
        self.stock
            .iter()
            .find(|(l, _)| l == location)
            .map_or(0, |(_, q)| *q)
    }
}

#[derive(Default)]
struct Fold {
    created: Option<(Option<NaiveDate>, Option<String>)>,
    status: Option<LotStatus>,
    stock: BTreeMap<String, i64>,
}

impl Fold {
    fn apply(&mut self, gtin: &str, batch: &str, e: &EventKind) {
        let mine = |g: &str, b: &str| g == gtin && b == batch;
        match e {
            EventKind::LotReceived {
                gtin: g,
                batch: b,
                expiry,
                quantity,
                location,
                status,
                supplier,
                ..
            } if mine(g, b) => {
                self.create(*expiry, supplier.clone(), *status);
                *self.stock.entry(location.clone()).or_default() += *quantity as i64;
            }
            EventKind::BatchProduced {
                gtin: g,
                batch: b,
                quantity,
                location,
                expiry,
                status,
                ..
            } if mine(g, b) => {
                self.create(*expiry, None, *status);
                *self.stock.entry(location.clone()).or_default() += *quantity as i64;
            }
            EventKind::LotConsumed {
                gtin: g,
                batch: b,
                from,
                ..
            }
            | EventKind::LotDispatched {
                gtin: g,
                batch: b,
                from,
                ..
            } if mine(g, b) => {
                for (location, q) in from {
                    if let Some(s) = self.stock.get_mut(location) {
                        *s -= *q as i64;
                    }
                }
                self.drop_empty();
            }
            EventKind::DispatchVoided {
                gtin: g,
                batch: b,
                to,
                ..
            } if mine(g, b) => {
                for (location, q) in to {
                    *self.stock.entry(location.clone()).or_default() += *q as i64;
                }
            }
            EventKind::LotMoved {
                gtin: g,
                batch: b,
                from,
                to,
                quantity,
            } if mine(g, b) => {
                if let Some(s) = self.stock.get_mut(from) {
                    *s -= *quantity as i64;
                }
                self.drop_empty();
                *self.stock.entry(to.clone()).or_default() += *quantity as i64;
            }
            EventKind::LotCounted {
                gtin: g,
                batch: b,
                location,
                counted,
                ..
            } if mine(g, b) => {
                self.stock.insert(location.clone(), *counted as i64);
                self.drop_empty();
            }
            EventKind::LotStatusChanged {
                gtin: g,
                batch: b,
                to,
                ..
            } if mine(g, b) => {
                self.status = settle_step(self.status, StatusStep::Changed(*to));
            }
            _ => {}
        }
    }

    fn create(&mut self, expiry: Option<NaiveDate>, supplier: Option<String>, status: LotStatus) {
        if self.created.is_none() {
            self.created = Some((expiry, supplier));
        }
        self.status = settle_step(self.status, StatusStep::Created(status));
    }

    fn drop_empty(&mut self) {
        self.stock.retain(|_, q| *q > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status::Role;

    fn received(batch: &str, qty: u64, location: &str) -> EventKind {
        EventKind::LotReceived {
            gtin: "09501101530003".into(),
            batch: batch.into(),
            expiry: Some("2027-01-31".parse().unwrap()),
            quantity: qty,
            location: location.into(),
            status: LotStatus::Quarantined,
            supplier: Some("Acme".into()),
            sscc: None,
            po: None,
            unit_cost: None,
        }
    }

    fn status(to: LotStatus) -> EventKind {
        EventKind::LotStatusChanged {
            gtin: "09501101530003".into(),
            batch: "L1".into(),
            from: LotStatus::Quarantined,
            to,
            role: Role::Supervisor,
            reason: "QC".into(),
        }
    }

    #[test]
    fn stock_status_and_origin_follow_the_events_of_the_lot_only() {
        let events = [
            received("L1", 10, "DOCK"),
            received("OTHER", 99, "DOCK"),
            status(LotStatus::Released),
            EventKind::LotMoved {
                gtin: "09501101530003".into(),
                batch: "L1".into(),
                from: "DOCK".into(),
                to: "RACK".into(),
                quantity: 4,
            },
            EventKind::LotDispatched {
                gtin: "09501101530003".into(),
                batch: "L1".into(),
                quantity: 6,
                customer: "Northwind".into(),
                shipment: None,
                from: vec![("DOCK".into(), 6)],
                sscc: None,
                unit_price: None,
            },
            status(LotStatus::Recalled),
            status(LotStatus::Released),
        ];
        let lot = LotState::fold("09501101530003", "L1", &events).unwrap();
        assert_eq!(lot.stock, vec![("RACK".to_string(), 4)]);
        assert_eq!(lot.status, LotStatus::Recalled, "recalled is final");
        assert_eq!(lot.supplier.as_deref(), Some("Acme"));
        assert_eq!(lot.on_hand(), 4);
        assert!(LotState::fold("09501101530003", "NONE", &events).is_none());
    }
}
