//! Dispatch and rotation rules. Pure: the workflow feeds them the lot data.

use chrono::NaiveDate;

use super::LotStatus;

/// Why a lot must not ship.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchRefusal {
    /// Only released lots ship.
    #[error("lot is {}: only released lots may ship", .0.name())]
    NotReleased(LotStatus),
    /// Past its expiry date.
    #[error("lot expired on {0}: expired stock may not ship")]
    Expired(NaiveDate),
}

/// Whether a lot may ship today.
pub fn check_dispatch(
    status: LotStatus,
    expiry: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), DispatchRefusal> {
    if status != LotStatus::Released {
        return Err(DispatchRefusal::NotReleased(status));
    }
    match expiry {
        Some(e) if e < today => Err(DispatchRefusal::Expired(e)),
        _ => Ok(()),
    }
}

/// A lot that could be picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    pub on_hand: i64,
}

/// First expired, first out: the shippable lot with stock that expires first (lots without
/// an expiry date come last).
pub fn fefo_first(lots: &[Candidate], today: NaiveDate) -> Option<&Candidate> {
    lots.iter()
        .filter(|c| c.on_hand > 0 && check_dispatch(c.status, c.expiry, today).is_ok())
        .min_by_key(|c| (c.expiry.is_none(), c.expiry, c.batch.clone()))
}

/// The order stock is taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// First in, first out: oldest receipt first.
    Fifo,
    /// First expired, first out: earliest expiry first (undated lots last).
    Fefo,
    /// Last in, first out: newest receipt first.
    Lifo,
}

/// One lot of a pick suggestion and how much to take from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PickLine {
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub take: u64,
}

/// Which lots to pick `quantity` from. `lots` must come in receipt order (oldest first).
/// Only shippable lots with stock are suggested; the second value is what could not be
/// covered (0 when the suggestion is complete).
pub fn suggest_pick(
    lots: &[Candidate],
    quantity: u64,
    strategy: Strategy,
    today: NaiveDate,
) -> (Vec<PickLine>, u64) {
    let mut usable: Vec<&Candidate> = lots
        .iter()
        .filter(|c| c.on_hand > 0 && check_dispatch(c.status, c.expiry, today).is_ok())
        .collect();
    match strategy {
        Strategy::Fifo => {}
        Strategy::Lifo => usable.reverse(),
        // Stable sort: equal expiries keep receipt order.
        Strategy::Fefo => usable.sort_by_key(|c| (c.expiry.is_none(), c.expiry)),
    }
    let mut left = quantity;
    let mut lines = Vec::new();
    for c in usable {
        if left == 0 {
            break;
        }
        let take = left.min(c.on_hand as u64);
        lines.push(PickLine {
            batch: c.batch.clone(),
            expiry: c.expiry,
            take,
        });
        left -= take;
    }
    (lines, left)
}

/// A supplier's quality figures from the lots received from it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SupplierQuality {
    pub supplier: String,
    /// Lots received from it.
    pub lots: u64,
    pub rejected: u64,
    pub recalled: u64,
    /// Share of lots rejected (0.0 to 1.0).
    pub rejection_rate: f64,
    /// Share of lots recalled (0.0 to 1.0).
    pub recall_rate: f64,
    /// Share of lots rejected or recalled (0.0 to 1.0).
    pub defect_rate: f64,
}

impl SupplierQuality {
    pub fn new(supplier: String, lots: u64, rejected: u64, recalled: u64) -> SupplierQuality {
        let rate = |n: u64| {
            if lots == 0 {
                0.0
            } else {
                n as f64 / lots as f64
            }
        };
        SupplierQuality {
            supplier,
            lots,
            rejected,
            recalled,
            rejection_rate: rate(rejected),
            recall_rate: rate(recalled),
            defect_rate: rate(rejected + recalled),
        }
    }
}

/// Worst first: highest defect rate, then more lots (more evidence), then by name.
pub fn rank_suppliers(figures: &mut [SupplierQuality]) {
    figures.sort_by(|a, b| {
        b.defect_rate
            .total_cmp(&a.defect_rate)
            .then(b.lots.cmp(&a.lots))
            .then(a.supplier.cmp(&b.supplier))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn only_released_unexpired_lots_ship() {
        let today = d("2026-11-25");
        assert!(check_dispatch(LotStatus::Released, Some(d("2026-11-25")), today).is_ok());
        assert!(check_dispatch(LotStatus::Released, None, today).is_ok());
        assert_eq!(
            check_dispatch(LotStatus::Released, Some(d("2026-11-24")), today),
            Err(DispatchRefusal::Expired(d("2026-11-24")))
        );
        for s in [
            LotStatus::Quarantined,
            LotStatus::OnHold,
            LotStatus::Rejected,
            LotStatus::Recalled,
        ] {
            assert_eq!(
                check_dispatch(s, None, today),
                Err(DispatchRefusal::NotReleased(s))
            );
        }
    }

    #[test]
    fn fefo_picks_the_earliest_expiry_among_shippable_lots_with_stock() {
        let today = d("2026-11-25");
        let c = |batch: &str, expiry: Option<&str>, status, on_hand| Candidate {
            batch: batch.into(),
            expiry: expiry.map(d),
            status,
            on_hand,
        };
        let lots = [
            c("EXPIRED", Some("2026-01-01"), LotStatus::Released, 5),
            c("HELD", Some("2026-12-01"), LotStatus::OnHold, 5),
            c("EMPTY", Some("2026-12-02"), LotStatus::Released, 0),
            c("LATER", Some("2027-06-01"), LotStatus::Released, 5),
            c("FIRST", Some("2027-01-01"), LotStatus::Released, 5),
            c("UNDATED", None, LotStatus::Released, 5),
        ];
        assert_eq!(fefo_first(&lots, today).unwrap().batch, "FIRST");
        assert_eq!(fefo_first(&lots[5..], today).unwrap().batch, "UNDATED");
        assert!(fefo_first(&lots[..3], today).is_none());
    }

    #[test]
    fn pick_strategies_take_stock_in_their_order_and_skip_what_cannot_ship() {
        let today = d("2026-11-25");
        let c = |batch: &str, expiry: Option<&str>, status, on_hand| Candidate {
            batch: batch.into(),
            expiry: expiry.map(d),
            status,
            on_hand,
        };
        // Receipt order: OLD, HELD, MID, NEW.
        let lots = [
            c("OLD", Some("2027-03-01"), LotStatus::Released, 4),
            c("HELD", Some("2026-12-01"), LotStatus::OnHold, 9),
            c("MID", Some("2027-01-01"), LotStatus::Released, 4),
            c("NEW", Some("2027-02-01"), LotStatus::Released, 4),
        ];
        let batches = |s| {
            let (lines, short) = suggest_pick(&lots, 6, s, today);
            assert_eq!(short, 0);
            lines
                .iter()
                .map(|l| (l.batch.clone(), l.take))
                .collect::<Vec<_>>()
        };
        let v = |a: &str, x, b: &str, y| vec![(a.to_string(), x), (b.to_string(), y)];
        assert_eq!(batches(Strategy::Fifo), v("OLD", 4, "MID", 2));
        assert_eq!(batches(Strategy::Fefo), v("MID", 4, "NEW", 2));
        assert_eq!(batches(Strategy::Lifo), v("NEW", 4, "MID", 2));
        assert_eq!(suggest_pick(&lots, 20, Strategy::Fefo, today).1, 8);
    }
}
