//! The recall workflow over the store: start (mark the lots, list what must be found),
//! account, close, look up. The decisions are [`crate::domain::recall`]'s; the trace is
//! [`Station::trace_lot`]'s. Every recorded step is an event; a refusal writes nothing.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Station, WorkflowError};
use crate::domain::recall::{
    self, Disposition, HolderChoice, RecallPlan, RecallRefusal, RecallStatus,
};
use crate::domain::status::Role;
use crate::domain::trace::{Direction, LotRef};
use crate::domain::{EventKind, LotStatus};

/// A recall to start.
#[derive(Debug, Clone)]
pub struct RecallRequest {
    /// Each a GS1 scan of the lot's label, or a batch number (with `gtin` when several
    /// products share it).
    pub lots: Vec<String>,
    pub gtin: Option<String>,
    pub reason: String,
    pub role: Role,
    /// Also recall every lot made from these (forward through the genealogy).
    pub include_derived: bool,
    pub gs_substitute: Option<char>,
}

/// A recall started (or, for a dry run, what it would do).
#[derive(Debug, Clone, Serialize)]
pub struct RecallStarted {
    /// `None` for a dry run: nothing was recorded.
    pub id: Option<String>,
    pub reason: String,
    /// Lots whose status became recalled (not those already recalled or rejected).
    pub marked: Vec<LotRef>,
    #[serde(flatten)]
    pub plan: RecallPlan,
}

/// A quantity of a recalled lot accounted for.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    pub recall: String,
    /// The lot, as for [`RecallRequest::lots`].
    pub lot: String,
    pub gtin: Option<String>,
    pub holder: HolderChoice,
    pub quantity: u64,
    pub how: Disposition,
    pub note: Option<String>,
    pub gs_substitute: Option<char>,
}

impl Station {
    /// What recalling these lots would cover: forward traces of each (the one trace the
    /// station has), the covered lots' status and stock, their shipments per customer.
    pub fn plan_recall(
        &self,
        lots: &[LotRef],
        include_derived: bool,
    ) -> Result<RecallPlan, WorkflowError> {
        let traces = self.trace_lots(lots, Direction::Forward)?;
        let mut state = BTreeMap::new();
        for l in recall::covered_lots(lots, &traces, include_derived) {
            if let Some(lot) = self.store.lot(&l.gtin, &l.batch)? {
                let on_hand = lot.stock.iter().map(|(_, q)| q).sum();
                state.insert(l, (lot.status, on_hand));
            }
        }
        Ok(recall::plan(lots, &traces, &state, include_derived))
    }

    /// Starts a recall: every covered lot not already recalled or rejected becomes recalled
    /// (so nothing of it ships or is consumed again), and the recall with what must be
    /// accounted for is recorded, all in one transaction. `dry_run` records nothing.
    /// Refused, with nothing written, for a non-supervisor, no reason, or any lot this store
    /// does not know (all of them are named).
    pub fn start_recall(
        &mut self,
        req: &RecallRequest,
        today: chrono::NaiveDate,
        dry_run: bool,
    ) -> Result<RecallStarted, WorkflowError> {
        recall::check_start(req.role, &req.reason, req.lots.len())?;
        let lots = self.resolve_lots(&req.lots, req.gtin.as_deref(), req.gs_substitute)?;
        let plan = self.plan_recall(&lots, req.include_derived)?;
        let reason = req.reason.trim().to_string();
        let marked: Vec<LotRef> = plan.to_mark().map(|l| l.lot.clone()).collect();
        if dry_run {
            return Ok(RecallStarted {
                id: None,
                reason,
                marked,
                plan,
            });
        }
        let id = self.new_recall_id(today)?;
        let mut events = vec![EventKind::RecallStarted {
            recall: id.clone(),
            reason: reason.clone(),
            role: req.role,
            include_derived: req.include_derived,
            named: plan.named.clone(),
            lots: plan.lots.clone(),
            items: plan.items.clone(),
        }];
        for l in plan.to_mark() {
            events.push(EventKind::LotStatusChanged {
                gtin: l.lot.gtin.clone(),
                batch: l.lot.batch.clone(),
                from: l.status,
                to: LotStatus::Recalled,
                role: req.role,
                reason: format!("recall {id}: {reason}"),
            });
        }
        self.record_all(events)?;
        Ok(RecallStarted {
            id: Some(id),
            reason,
            marked,
            plan,
        })
    }

    /// Where a recall stands: each item with what is accounted for and what is outstanding.
    pub fn recall_status(&self, id: &str) -> Result<RecallStatus, WorkflowError> {
        let id = id.trim();
        self.store
            .recall(id)?
            .ok_or_else(|| RecallRefusal::UnknownRecall(id.to_string()).into())
    }

    /// Every recall, newest first.
    pub fn recalls(&self) -> Result<Vec<RecallStatus>, WorkflowError> {
        let mut out = Vec::new();
        for id in self.store.recall_ids()? {
            out.push(self.recall_status(&id)?);
        }
        Ok(out)
    }

    /// Records a quantity of a recalled lot as accounted for (returned, destroyed, found on
    /// hand …), at the site or at a customer; returns the recall's new status. Refused beyond
    /// what is outstanding, on a closed recall, or for a lot the recall does not cover.
    pub fn account_recall(&mut self, req: &AccountRequest) -> Result<RecallStatus, WorkflowError> {
        let status = self.recall_status(&req.recall)?;
        let lot = self.resolve_lot(&req.lot, req.gtin.as_deref(), req.gs_substitute)?;
        let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let customer =
            recall::check_account(&status, &lot, &req.holder, req.quantity, req.how, note)?;
        self.record(EventKind::RecallAccounted {
            recall: status.record.id.clone(),
            gtin: lot.gtin,
            batch: lot.batch,
            customer,
            quantity: req.quantity,
            how: req.how,
            note: note.map(str::to_string),
        })?;
        self.recall_status(&status.record.id)
    }

    /// Closes a recall: refused while something is unaccounted for, unless `force` with a
    /// reason (what was still open is kept in the event).
    pub fn close_recall(
        &mut self,
        id: &str,
        role: Role,
        force: bool,
        reason: Option<&str>,
    ) -> Result<RecallStatus, WorkflowError> {
        let status = self.recall_status(id)?;
        recall::check_close(&status, role, force, reason)?;
        self.record(EventKind::RecallClosed {
            recall: status.record.id.clone(),
            role,
            forced: status.open_items > 0,
            reason: reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            outstanding: status.outstanding,
        })?;
        self.recall_status(&status.record.id)
    }

    /// `RC-YYMMDD-XXXXXX`: the day and six hex digits of a fresh UUIDv7's random part, so two
    /// stations starting recalls offline on the same day do not collide in practice.
    fn new_recall_id(&self, today: chrono::NaiveDate) -> Result<String, WorkflowError> {
        loop {
            let bytes = uuid::Uuid::now_v7().into_bytes();
            let id = format!(
                "RC-{}-{}",
                today.format("%y%m%d"),
                hex::encode_upper(&bytes[13..16])
            );
            if self.store.recall(&id)?.is_none() {
                return Ok(id);
            }
        }
    }
}
