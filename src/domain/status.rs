//! The lot status machine: which quality-status changes exist and who may make them. Pure.

use serde::{Deserialize, Serialize};

use super::LotStatus;

/// Who is acting. A worker may only put a lot on hold (making a lot less available is safe);
/// releasing, rejecting and recalling need a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Supervisor,
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusRefusal {
    /// Every change needs a reason for the audit trail.
    #[error("a status change needs a reason")]
    NoReason,
    /// Only supervisors release, reject or recall.
    #[error("only a supervisor may release, reject or recall a lot: ask a supervisor")]
    NotSupervisor,
    /// The lot is already in that status.
    #[error("the lot is already {}", .0.name())]
    Unchanged(LotStatus),
    /// The machine has no such transition (rejected and recalled lots are final).
    #[error("a {} lot cannot become {}", .from.name(), .to.name())]
    NoSuchTransition { from: LotStatus, to: LotStatus },
}

/// Whether `from → to` is a transition of the machine. Rejected and recalled are final:
/// stock that left quality control that way never comes back by a status change.
pub fn transition_exists(from: LotStatus, to: LotStatus) -> bool {
    use LotStatus::*;
    match from {
        Quarantined | OnHold => matches!(to, Released | OnHold | Rejected | Recalled),
        Released => matches!(to, OnHold | Rejected | Recalled),
        Rejected | Recalled => false,
    }
}

/// One entry of a lot's status history, in the order that decides (the server's order for
/// synced events, then local events not yet synced, in log order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusStep {
    /// The lot was received or produced in this status (only the first one counts).
    Created(LotStatus),
    /// A supervisor asked for this status.
    Changed(LotStatus),
}

/// A lot's status after its history: the first creation's status, then every change that is
/// a transition of the machine from the status reached so far. A change that is not (a
/// release that arrives after a recall in the server's order) is kept in the log but has no
/// effect, so every station and the server, folding the same history in the same order,
/// land on the same status. `None` when the history has no creation.
pub fn settle(history: impl IntoIterator<Item = StatusStep>) -> Option<LotStatus> {
    history.into_iter().fold(None, settle_step)
}

/// One step of [`settle`].
pub fn settle_step(current: Option<LotStatus>, step: StatusStep) -> Option<LotStatus> {
    match (current, step) {
        (None, StatusStep::Created(s)) => Some(s),
        (Some(from), StatusStep::Changed(to)) if transition_exists(from, to) => Some(to),
        _ => current,
    }
}

/// Checks a status change: a reason, a supervisor (a worker may only hold), and a transition
/// that exists.
pub fn check_status_change(
    from: LotStatus,
    to: LotStatus,
    role: Role,
    reason: &str,
) -> Result<(), StatusRefusal> {
    if reason.trim().is_empty() {
        return Err(StatusRefusal::NoReason);
    }
    if role != Role::Supervisor && to != LotStatus::OnHold {
        return Err(StatusRefusal::NotSupervisor);
    }
    if from == to {
        return Err(StatusRefusal::Unchanged(from));
    }
    if !transition_exists(from, to) {
        return Err(StatusRefusal::NoSuchTransition { from, to });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use LotStatus::*;

    #[test]
    fn a_supervisor_with_a_reason_releases_holds_and_recalls() {
        for (from, to) in [
            (Quarantined, Released),
            (Released, OnHold),
            (OnHold, Released),
            (Released, Recalled),
            (Quarantined, Rejected),
        ] {
            assert_eq!(
                check_status_change(from, to, Role::Supervisor, "QC ok"),
                Ok(())
            );
        }
    }

    #[test]
    fn refusals_name_what_is_wrong() {
        assert_eq!(
            check_status_change(Quarantined, Released, Role::Supervisor, "  "),
            Err(StatusRefusal::NoReason)
        );
        for to in [Released, Rejected, Recalled] {
            assert_eq!(
                check_status_change(OnHold, to, Role::Worker, "QC ok"),
                Err(StatusRefusal::NotSupervisor)
            );
        }
        // A worker may make a lot less available.
        assert_eq!(
            check_status_change(Released, OnHold, Role::Worker, "dented cans"),
            Ok(())
        );
        assert_eq!(
            check_status_change(Released, Released, Role::Supervisor, "again"),
            Err(StatusRefusal::Unchanged(Released))
        );
        assert_eq!(
            check_status_change(Recalled, Released, Role::Supervisor, "oops"),
            Err(StatusRefusal::NoSuchTransition {
                from: Recalled,
                to: Released
            })
        );
        assert!(!transition_exists(Rejected, Released));
    }

    #[test]
    fn settle_ignores_changes_that_the_order_made_impossible() {
        use StatusStep::*;
        // Two stations: one recalled, the other released the held lot; the server put the
        // recall first, so the release has no effect anywhere.
        let h = [
            Created(Quarantined),
            Changed(OnHold),
            Changed(Recalled),
            Changed(Released),
        ];
        assert_eq!(settle(h), Some(Recalled));
        let h = [Created(Quarantined), Changed(Released), Changed(OnHold)];
        assert_eq!(settle(h), Some(OnHold));
        // A second receipt does not reset the status; a change before any creation is moot.
        let h = [
            Changed(Released),
            Created(Quarantined),
            Changed(Released),
            Created(OnHold),
        ];
        assert_eq!(settle(h), Some(Released));
        assert_eq!(settle([Changed(Released)]), None);
    }
}
