//! Quality: a worker holds a lot; a supervisor holds, releases, rejects or recalls it.

use super::{Station, WorkflowError};
use crate::domain::status::{self, Role};
use crate::domain::{EventKind, LotStatus};

/// A supervisor's quality-status change of one lot.
#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub gtin: String,
    pub batch: String,
    pub to: LotStatus,
    pub role: Role,
    pub reason: String,
}

/// A lot's status after a change, for the supervisor's feedback.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusOutcome {
    pub event_id: String,
    pub gtin: String,
    pub batch: String,
    pub from: LotStatus,
    pub to: LotStatus,
    pub reason: String,
}

impl Station {
    /// Holds, releases, rejects or recalls a lot: a supervisor, a reason and a transition of
    /// the status machine ([`status::check_status_change`]); a refusal writes nothing.
    pub fn set_status(&mut self, req: &StatusRequest) -> Result<StatusOutcome, WorkflowError> {
        let actor = self.identity().actor.clone();
        self.set_status_by(req, &actor)
    }

    /// [`Self::set_status`] recorded as `actor`'s: the station UI records a change the
    /// supervisor PIN allowed as the supervisor's, not the logged-in user's.
    pub fn set_status_by(
        &mut self,
        req: &StatusRequest,
        actor: &str,
    ) -> Result<StatusOutcome, WorkflowError> {
        let lot = self.existing_lot(&req.gtin, &req.batch)?;
        status::check_status_change(lot.status, req.to, req.role, &req.reason)?;
        let reason = req.reason.trim().to_string();
        let recorded = self.record_by(
            actor,
            EventKind::LotStatusChanged {
                gtin: lot.gtin.clone(),
                batch: req.batch.clone(),
                from: lot.status,
                to: req.to,
                role: req.role,
                reason: reason.clone(),
            },
        )?;
        Ok(StatusOutcome {
            event_id: recorded.id,
            gtin: lot.gtin,
            batch: req.batch.clone(),
            from: lot.status,
            to: req.to,
            reason,
        })
    }
}
