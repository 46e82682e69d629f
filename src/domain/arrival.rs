//! Receiving rules: what a product's settings say about a lot arriving with this expiry. Pure:
//! the workflow feeds them the label's date, the product's rules and today.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a product says about its lots at receiving. The default: an expired lot is refused,
/// any remaining shelf life is accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReceivingRules {
    /// A lot whose expiry is already past.
    pub expired: WhenExpired,
    /// The fewest days of shelf life left a lot should arrive with, if the product has a
    /// minimum (customers' contracts often do).
    pub min_shelf_life_days: Option<u32>,
    /// What a lot arriving with less than that gets.
    pub short_shelf_life: WhenShort,
}

impl ReceivingRules {
    pub fn is_default(&self) -> bool {
        *self == ReceivingRules::default()
    }
}

/// An expired lot at receiving: refused (nothing recorded), or received on hold for a
/// supervisor to decide (returned to the supplier, destroyed) with the stock on the record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenExpired {
    #[default]
    Refuse,
    Hold,
}

/// A lot arriving with less than the minimum shelf life: received with a warning, or on hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenShort {
    #[default]
    Warn,
    Hold,
}

/// What is wrong with an arriving lot's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
pub enum ArrivalIssue {
    /// Its expiry is already past.
    Expired { expiry: NaiveDate },
    /// It has `days_left` of shelf life, the product asks for at least `minimum`.
    ShortShelfLife {
        expiry: NaiveDate,
        days_left: i64,
        minimum: u32,
    },
}

/// What receiving does with an arriving lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Accept,
    /// Received as the product says, with this said at the station.
    Warn(ArrivalIssue),
    /// Received on hold, whatever status the product's lots usually start in.
    Hold(ArrivalIssue),
    /// Not received: it expired on this day.
    Refuse {
        expiry: NaiveDate,
    },
}

/// The rule for a lot expiring `expiry` arriving on `today`. Its last day is still a good day
/// to receive it; shelf life left counts the days until the expiry date.
pub fn check_arrival(
    rules: &ReceivingRules,
    expiry: Option<NaiveDate>,
    today: NaiveDate,
) -> Arrival {
    let Some(expiry) = expiry else {
        return Arrival::Accept;
    };
    if expiry < today {
        return match rules.expired {
            WhenExpired::Refuse => Arrival::Refuse { expiry },
            WhenExpired::Hold => Arrival::Hold(ArrivalIssue::Expired { expiry }),
        };
    }
    let days_left = (expiry - today).num_days();
    match rules.min_shelf_life_days {
        Some(minimum) if days_left < i64::from(minimum) => {
            let issue = ArrivalIssue::ShortShelfLife {
                expiry,
                days_left,
                minimum,
            };
            match rules.short_shelf_life {
                WhenShort::Warn => Arrival::Warn(issue),
                WhenShort::Hold => Arrival::Hold(issue),
            }
        }
        _ => Arrival::Accept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn expired_lots_are_refused_or_held_and_short_ones_warned_or_held() {
        let today = day("2026-12-07");
        let strict = ReceivingRules::default();
        assert_eq!(check_arrival(&strict, None, today), Arrival::Accept);
        assert_eq!(
            check_arrival(&strict, Some(today), today),
            Arrival::Accept,
            "its last day is still good"
        );
        let past = Some(day("2026-12-06"));
        assert!(matches!(
            check_arrival(&strict, past, today),
            Arrival::Refuse { .. }
        ));
        let held = ReceivingRules {
            expired: WhenExpired::Hold,
            ..strict
        };
        assert!(matches!(
            check_arrival(&held, past, today),
            Arrival::Hold(ArrivalIssue::Expired { .. })
        ));

        let thirty = ReceivingRules {
            min_shelf_life_days: Some(30),
            ..strict
        };
        // 29 days left: short; 30: enough.
        assert_eq!(
            check_arrival(&thirty, Some(day("2027-01-05")), today),
            Arrival::Warn(ArrivalIssue::ShortShelfLife {
                expiry: day("2027-01-05"),
                days_left: 29,
                minimum: 30
            })
        );
        assert_eq!(
            check_arrival(&thirty, Some(day("2027-01-06")), today),
            Arrival::Accept
        );
        let hold_short = ReceivingRules {
            short_shelf_life: WhenShort::Hold,
            ..thirty
        };
        assert!(matches!(
            check_arrival(&hold_short, Some(day("2026-12-20")), today),
            Arrival::Hold(ArrivalIssue::ShortShelfLife { days_left: 13, .. })
        ));
    }
}
