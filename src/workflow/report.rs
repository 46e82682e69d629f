//! Trace and recall reports from the store: the traces come from [`Station::trace_lot`], the
//! model and its renderers from [`crate::compliance::report`].

use chrono::Utc;

use super::{Station, WorkflowError};
use crate::compliance::report::TraceReport;
use crate::domain::trace::{Direction, LotRef};

impl Station {
    /// The trace report of some lots (each traced `direction`), product names from the store.
    pub fn trace_report(
        &self,
        lots: &[LotRef],
        direction: Direction,
    ) -> Result<TraceReport, WorkflowError> {
        let traces = self.trace_lots(lots, direction)?;
        Ok(TraceReport::new(
            &traces,
            |g| self.product_name(g),
            Utc::now(),
        ))
    }

    /// The report of a recall: where it stands, and the forward traces of its named lots.
    pub fn recall_report(&self, id: &str) -> Result<TraceReport, WorkflowError> {
        let status = self.recall_status(id)?;
        let traces = self.trace_lots(&status.record.named, Direction::Forward)?;
        Ok(TraceReport::for_recall(
            status,
            &traces,
            |g| self.product_name(g),
            Utc::now(),
        ))
    }

    /// A product's name, or "" when the GTIN is not registered here.
    fn product_name(&self, gtin: &str) -> String {
        self.store
            .product(gtin)
            .ok()
            .flatten()
            .map(|p| p.name)
            .unwrap_or_default()
    }
}
