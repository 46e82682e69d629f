//! Stock on the shelves: moves, counts, and what is nearing expiry.

use super::{MAX_QUANTITY, Needed, Refusal, Station, WorkflowError, check_quantity};
use crate::domain::EventKind;
use crate::domain::rules;
use crate::domain::trace::LotRef;
use crate::store::{ExpiringLot, RecordedEvent};

/// A stock count recorded: what the store held, what was counted, the adjustment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CountOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub location: String,
    pub previous: i64,
    pub counted: u64,
    pub difference: i64,
}

impl Station {
    /// Moves `quantity` of a lot from one location to another; refused when the source
    /// location does not hold that much.
    pub fn move_stock(
        &mut self,
        gtin: &str,
        batch: &str,
        from: &str,
        to: &str,
        quantity: u64,
    ) -> Result<RecordedEvent, WorkflowError> {
        check_quantity(quantity)?;
        let (from, to) = (from.trim(), to.trim());
        if to.is_empty() || from == to {
            return Err(Refusal::Needs(Needed::Destination).into());
        }
        let lot = self.existing_lot(gtin, batch)?;
        rules::check_on_hand(lot.at(from), quantity, Some(from)).map_err(|why| {
            Refusal::NotThere {
                lot: LotRef::new(lot.gtin.clone(), batch),
                why,
            }
        })?;
        Ok(self.record(EventKind::LotMoved {
            gtin: lot.gtin,
            batch: batch.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            quantity,
        })?)
    }

    /// Records a stock count of a lot at a location: stock there becomes `counted` (0 is a
    /// valid count) and the event keeps the difference against what the store held. Refused
    /// for a lot this store does not know.
    pub fn count(
        &mut self,
        gtin: &str,
        batch: &str,
        location: &str,
        counted: u64,
    ) -> Result<CountOutcome, WorkflowError> {
        if counted > MAX_QUANTITY {
            return Err(Refusal::BadCount(counted as i64).into());
        }
        let location = location.trim();
        if location.is_empty() {
            return Err(Refusal::Needs(Needed::CountLocation).into());
        }
        let lot = self.existing_lot(gtin, batch)?;
        let held = lot.at(location);
        let difference = counted as i64 - held;
        let recorded = self.record(EventKind::LotCounted {
            gtin: lot.gtin.clone(),
            batch: batch.to_string(),
            location: location.to_string(),
            counted,
            difference,
        })?;
        Ok(CountOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            batch: batch.to_string(),
            location: location.to_string(),
            previous: held,
            counted,
            difference,
        })
    }

    /// Lots with stock that expire within `days` from `today` (already expired ones too).
    pub fn expiring(
        &self,
        today: chrono::NaiveDate,
        days: u32,
    ) -> Result<Vec<ExpiringLot>, WorkflowError> {
        let until = today + chrono::Days::new(days.into());
        Ok(self.store.expiring(until)?)
    }
}

/// A quantity typed by hand. The command line takes signed numbers so that a negative one is
/// refused with the reason (exit 1), like any other impossible quantity, rather than taken for
/// an unknown option.
pub fn typed_quantity(quantity: i64) -> Result<u64, WorkflowError> {
    u64::try_from(quantity).map_err(|_| Refusal::NegativeQuantity(quantity).into())
}

/// A stock count typed by hand: like [`typed_quantity`], but 0 is a count and the refusal
/// says so.
pub fn typed_count(counted: i64) -> Result<u64, WorkflowError> {
    u64::try_from(counted).map_err(|_| Refusal::BadCount(counted).into())
}
