//! Costs: a lot's actual cost through its genealogy, cost corrections, and the cost report
//! (COGS, revenue, margin, stock valuation). The computing is [`crate::domain::cost`]'s.

use super::{Refusal, Station, WorkflowError, gtin_arg};
use crate::domain::EventKind;
use crate::domain::cost::{self, CostReport, GroupBy, LotCost};
use crate::domain::money::{Amount, Currency};
use crate::domain::trace::LotRef;

/// A correction of a lot's cost (a supplier invoice that differs from the PO, a run's labour
/// booked late); what is `None` stays as it was.
#[derive(Debug, Clone, Default)]
pub struct CostCorrection {
    pub unit_cost: Option<Amount>,
    pub labour: Option<Amount>,
    pub overhead: Option<Amount>,
    pub reason: String,
}

/// A correction recorded: the lot's cost before and after.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CorrectionOutcome {
    pub event_id: String,
    pub before: LotCost,
    pub after: LotCost,
}

impl Station {
    /// The actual cost of a lot this store knows, in `currency`, with its components.
    pub fn lot_cost(
        &self,
        gtin: &str,
        batch: &str,
        currency: &Currency,
    ) -> Result<LotCost, WorkflowError> {
        let lot = self.existing_lot(gtin, batch)?;
        let lot = LotRef::new(lot.gtin, lot.batch);
        let mut book = self
            .store()
            .cost_book_for(std::slice::from_ref(&lot), *currency)?;
        Ok(book.explain(&lot))
    }

    /// Records a cost correction as an event (the earlier costs stay in the log); every lot
    /// made from this one is costed anew from then on. A unit cost corrects a received lot,
    /// labour and overhead a produced one; a correction that corrects nothing, or has no
    /// reason, is refused.
    pub fn correct_cost(
        &mut self,
        gtin: &str,
        batch: &str,
        correction: &CostCorrection,
        currency: &Currency,
    ) -> Result<CorrectionOutcome, WorkflowError> {
        let lot = self.existing_lot(&gtin_arg(gtin)?, batch)?;
        if correction.reason.trim().is_empty() {
            return Err(Refusal::Needs(super::Needed::CorrectionReason).into());
        }
        let lot_ref = LotRef::new(lot.gtin.clone(), lot.batch.clone());
        let book = self
            .store()
            .cost_book_for(std::slice::from_ref(&lot_ref), *currency)?;
        let facts = book.facts(&lot_ref).unwrap_or_default();
        let received = facts
            .iter()
            .any(|f| matches!(f, cost::CostFact::Received { .. }));
        let produced = facts
            .iter()
            .any(|f| matches!(f, cost::CostFact::Produced { .. }));
        if correction.unit_cost.is_some() && !received {
            return Err(Refusal::Invalid(format!(
                "lot {lot_ref} was not received here: a unit cost corrects a receipt's cost"
            ))
            .into());
        }
        if (correction.labour.is_some() || correction.overhead.is_some()) && !produced {
            return Err(Refusal::Invalid(format!(
                "lot {lot_ref} was not produced here: labour and overhead correct a production run's"
            ))
            .into());
        }
        let before = self.lot_cost(&lot.gtin, &lot.batch, currency)?;
        let event = EventKind::CostCorrected {
            gtin: lot.gtin.clone(),
            batch: lot.batch.clone(),
            unit_cost: correction.unit_cost,
            labour: correction.labour,
            overhead: correction.overhead,
            currency: *currency,
            reason: correction.reason.trim().to_string(),
        };
        event
            .validate()
            .map_err(|e| Refusal::Invalid(e.to_string()))?;
        let recorded = self.record(event)?;
        let after = self.lot_cost(&lot.gtin, &lot.batch, currency)?;
        Ok(CorrectionOutcome {
            event_id: recorded.id,
            before,
            after,
        })
    }

    /// The cost report: shipments since `since` (UTC day; all without) grouped `by`, with
    /// quantity, COGS at actual lot cost, revenue and margin; stock on hand valued at actual
    /// lot cost. Reads the whole store once.
    pub fn cost_report(
        &self,
        by: GroupBy,
        since: Option<chrono::NaiveDate>,
        currency: &Currency,
    ) -> Result<CostReport, WorkflowError> {
        let mut book = self.store().cost_book(*currency)?;
        let mut margins = cost::Margins::new(&mut book, by);
        self.store().for_each_sale(since, |row| margins.sale(row))?;
        self.store()
            .for_each_stock(|gtin, batch, on_hand| margins.stock(gtin, batch, on_hand))?;
        let mut report = margins.finish();
        // Each product's name once, however many lines (batches) it has.
        let mut names: std::collections::HashMap<String, Option<String>> = Default::default();
        for line in &mut report.lines {
            if let Some(gtin) = &line.gtin {
                if !names.contains_key(gtin) {
                    let name = self.store().product(gtin)?.map(|p| p.name);
                    names.insert(gtin.clone(), name);
                }
                line.product = names[gtin].clone();
            }
        }
        Ok(report)
    }
}
