//! Batch-tracking rules, pure: the lot status machine, roles, receipt rules, the typed event
//! payloads, rotation (FIFO/FEFO/LIFO) and dispatch checks. No SQLite here: the store persists
//! what these rules decide and the workflow layer wires the two together.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Quality status of a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LotStatus {
    Quarantined,
    Released,
    OnHold,
    Rejected,
    Recalled,
}

impl LotStatus {
    pub const ALL: [LotStatus; 5] = [
        LotStatus::Quarantined,
        LotStatus::Released,
        LotStatus::OnHold,
        LotStatus::Rejected,
        LotStatus::Recalled,
    ];

    /// The stable name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            LotStatus::Quarantined => "quarantined",
            LotStatus::Released => "released",
            LotStatus::OnHold => "on_hold",
            LotStatus::Rejected => "rejected",
            LotStatus::Recalled => "recalled",
        }
    }
}

impl fmt::Display for LotStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LotStatus {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LotStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| RuleError::UnknownStatus(s.to_string()))
    }
}

/// Who is acting at the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Supervisor => "supervisor",
        }
    }
}

/// A supervisor's quality decision on a lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    Hold,
    Release,
    Reject,
    Recall,
}

impl StatusAction {
    /// The status the lot ends in.
    pub fn target(self) -> LotStatus {
        match self {
            StatusAction::Hold => LotStatus::OnHold,
            StatusAction::Release => LotStatus::Released,
            StatusAction::Reject => LotStatus::Rejected,
            StatusAction::Recall => LotStatus::Recalled,
        }
    }

    /// The statuses this action may start from. Rejected and recalled are final: stock in
    /// those states is destroyed or returned, never shipped again.
    fn allowed_from(self) -> &'static [LotStatus] {
        use LotStatus::*;
        match self {
            StatusAction::Hold => &[Quarantined, Released],
            StatusAction::Release => &[Quarantined, OnHold],
            StatusAction::Reject => &[Quarantined, OnHold, Released],
            StatusAction::Recall => &[Quarantined, OnHold, Released],
        }
    }
}

/// Why a rule refuses an operation. Messages are written for the person at the station.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A stored or typed status name is not one of the five statuses.
    #[error("unknown lot status {0:?} (use quarantined, released, on_hold, rejected or recalled)")]
    UnknownStatus(String),
    /// Status changes are supervisor decisions.
    #[error("only a supervisor may {action} a lot (acting role: {role})")]
    RoleNotAllowed { action: String, role: &'static str },
    /// Every status change is audited with a reason.
    #[error("a reason is required to {0} a lot (use --reason \"...\")")]
    ReasonRequired(String),
    /// The status machine has no such transition.
    #[error("cannot {action} a lot that is {from}")]
    TransitionNotAllowed { action: String, from: LotStatus },
}

/// Checks a supervisor status change and returns the new status.
pub fn check_transition(
    from: LotStatus,
    action: StatusAction,
    role: Role,
    reason: &str,
) -> Result<LotStatus, RuleError> {
    let name = format!("{action:?}").to_lowercase();
    if role != Role::Supervisor {
        return Err(RuleError::RoleNotAllowed {
            action: name,
            role: role.as_str(),
        });
    }
    if reason.trim().is_empty() {
        return Err(RuleError::ReasonRequired(name));
    }
    if !action.allowed_from().contains(&from) {
        return Err(RuleError::TransitionNotAllowed { action: name, from });
    }
    Ok(action.target())
}

/// One lot's quantity taken from (or put at) one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotQty {
    pub gtin: String,
    pub batch: String,
    pub location: String,
    pub qty: u64,
}

/// What happened, as stored in the event log's payload. Derived tables are a pure replay of
/// these, so every field a derived table needs is here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A product's master data and receipt rule.
    ProductAdded {
        gtin: String,
        name: String,
        receive_as: LotStatus,
        shelf_life_days: Option<u32>,
    },
    /// A supplier lot arrived.
    Received {
        gtin: String,
        batch: String,
        expiry: Option<NaiveDate>,
        qty: u64,
        location: String,
        status: LotStatus,
        supplier: Option<String>,
        po: Option<String>,
        sscc: Option<String>,
    },
    /// A production batch was made, consuming input lots.
    Produced {
        gtin: String,
        batch: String,
        expiry: Option<NaiveDate>,
        qty: u64,
        location: String,
        status: LotStatus,
        consumed: Vec<LotQty>,
    },
    /// Lots left the site on a shipment to a customer.
    Dispatched {
        customer: String,
        shipment: String,
        lines: Vec<LotQty>,
    },
    /// Stock moved between locations.
    Moved {
        gtin: String,
        batch: String,
        from: String,
        to: String,
        qty: u64,
    },
    /// A cycle count set the quantity at a location (the difference is the adjustment).
    Counted {
        gtin: String,
        batch: String,
        location: String,
        previous: u64,
        counted: u64,
    },
    /// A supervisor changed a lot's quality status.
    StatusChanged {
        gtin: String,
        batch: String,
        from: LotStatus,
        to: LotStatus,
        reason: String,
    },
}

impl EventKind {
    /// Short name stored in the `kind` column (for filtering without parsing the payload).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::ProductAdded { .. } => "product_added",
            EventKind::Received { .. } => "received",
            EventKind::Produced { .. } => "produced",
            EventKind::Dispatched { .. } => "dispatched",
            EventKind::Moved { .. } => "moved",
            EventKind::Counted { .. } => "counted",
            EventKind::StatusChanged { .. } => "status_changed",
        }
    }
}

/// Pick order for stock rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// First expired, first out (lots without expiry last).
    Fefo,
    /// First in, first out.
    Fifo,
    /// Last in, first out.
    Lifo,
}

/// A lot with stock, as rotation and dispatch rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockLot {
    pub gtin: String,
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    /// Order of arrival (event sequence of the receipt or production).
    pub arrived: i64,
    pub on_hand: u64,
}

impl StockLot {
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expiry.is_some_and(|e| e < today)
    }

    /// Released and not expired: the only stock that may ship.
    pub fn is_shippable(&self, today: NaiveDate) -> bool {
        self.status == LotStatus::Released && !self.is_expired(today) && self.on_hand > 0
    }
}

/// One line of a pick suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickLine {
    pub batch: String,
    pub expiry: Option<NaiveDate>,
    pub qty: u64,
}

/// Suggests which lots to pick for `qty`, in rotation order, from shippable lots only.
/// Returns the lines and the quantity that could not be covered (0 when fully covered).
pub fn suggest_pick(
    lots: &[StockLot],
    qty: u64,
    strategy: Strategy,
    today: NaiveDate,
) -> (Vec<PickLine>, u64) {
    let mut candidates: Vec<&StockLot> = lots.iter().filter(|l| l.is_shippable(today)).collect();
    sort_for(&mut candidates, strategy);
    let mut left = qty;
    let mut lines = Vec::new();
    for lot in candidates {
        if left == 0 {
            break;
        }
        let take = lot.on_hand.min(left);
        left -= take;
        lines.push(PickLine {
            batch: lot.batch.clone(),
            expiry: lot.expiry,
            qty: take,
        });
    }
    (lines, left)
}

fn sort_for(lots: &mut [&StockLot], strategy: Strategy) {
    match strategy {
        // `None` expiry sorts after every date.
        Strategy::Fefo => lots.sort_by_key(|l| (l.expiry.is_none(), l.expiry, l.arrived)),
        Strategy::Fifo => lots.sort_by_key(|l| l.arrived),
        Strategy::Lifo => lots.sort_by_key(|l| std::cmp::Reverse(l.arrived)),
    }
}

/// Why a lot may not ship.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispatchRefusal {
    /// Past its expiry date.
    #[error("lot {batch} EXPIRED on {expiry}: do not ship")]
    Expired { batch: String, expiry: NaiveDate },
    /// Quarantined, on hold, rejected or recalled.
    #[error("lot {batch} is {status}: do not ship")]
    NotReleased { batch: String, status: LotStatus },
    /// Asking for more than the location holds.
    #[error("lot {batch}: only {on_hand} on hand, {wanted} requested")]
    NotEnough {
        batch: String,
        on_hand: u64,
        wanted: u64,
    },
    /// Strict FEFO mode: an earlier-expiring lot must go first.
    #[error("lot {batch} is not the FEFO choice: ship lot {fefo} first")]
    NotFefo { batch: String, fefo: String },
}

/// Checks one dispatch line. `peers` are all stock lots of the same product, for the FEFO check.
/// Returns warnings (non-blocking) or the refusal.
pub fn check_dispatch(
    lot: &StockLot,
    wanted: u64,
    peers: &[StockLot],
    today: NaiveDate,
    strict_fefo: bool,
) -> Result<Vec<String>, DispatchRefusal> {
    if let Some(expiry) = lot.expiry.filter(|_| lot.is_expired(today)) {
        return Err(DispatchRefusal::Expired {
            batch: lot.batch.clone(),
            expiry,
        });
    }
    if lot.status != LotStatus::Released {
        return Err(DispatchRefusal::NotReleased {
            batch: lot.batch.clone(),
            status: lot.status,
        });
    }
    if wanted > lot.on_hand {
        return Err(DispatchRefusal::NotEnough {
            batch: lot.batch.clone(),
            on_hand: lot.on_hand,
            wanted,
        });
    }
    let mut warnings = Vec::new();
    let (fefo, _) = suggest_pick(peers, 1, Strategy::Fefo, today);
    if let Some(first) = fefo.first()
        && first.batch != lot.batch
        // Same expiry date: either lot is an equally good FEFO choice.
        && first.expiry != lot.expiry
    {
        if strict_fefo {
            return Err(DispatchRefusal::NotFefo {
                batch: lot.batch.clone(),
                fefo: first.batch.clone(),
            });
        }
        warnings.push(format!(
            "not the FEFO choice: lot {} expires earlier",
            first.batch
        ));
    }
    if let Some(expiry) = lot.expiry
        && (expiry - today).num_days() <= 7
    {
        warnings.push(format!("lot {} expires soon ({expiry})", lot.batch));
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lot(batch: &str, expiry: Option<&str>, arrived: i64) -> StockLot {
        StockLot {
            gtin: "09506000134352".into(),
            batch: batch.into(),
            expiry: expiry.map(d),
            status: LotStatus::Released,
            arrived,
            on_hand: 10,
        }
    }

    #[test]
    fn only_supervisors_change_status_with_a_reason() {
        use LotStatus::*;
        assert!(matches!(
            check_transition(Quarantined, StatusAction::Release, Role::Worker, "ok"),
            Err(RuleError::RoleNotAllowed { .. })
        ));
        assert!(matches!(
            check_transition(Quarantined, StatusAction::Release, Role::Supervisor, " "),
            Err(RuleError::ReasonRequired(_))
        ));
        assert_eq!(
            check_transition(
                Quarantined,
                StatusAction::Release,
                Role::Supervisor,
                "QC ok"
            ),
            Ok(Released)
        );
        assert!(check_transition(Rejected, StatusAction::Release, Role::Supervisor, "x").is_err());
        assert!(check_transition(Recalled, StatusAction::Hold, Role::Supervisor, "x").is_err());
    }

    #[test]
    fn rotation_orders_lots() {
        let today = d("2026-01-01");
        let lots = vec![
            lot("A", Some("2026-06-01"), 1),
            lot("B", Some("2026-03-01"), 2),
            lot("C", None, 0),
            lot("OLD", Some("2025-12-01"), 3),
        ];
        let batches = |s| {
            let (lines, left) = suggest_pick(&lots, 30, s, today);
            assert_eq!(left, 0);
            lines.into_iter().map(|l| l.batch).collect::<Vec<_>>()
        };
        assert_eq!(batches(Strategy::Fefo), ["B", "A", "C"]);
        assert_eq!(batches(Strategy::Fifo), ["C", "A", "B"]);
        assert_eq!(batches(Strategy::Lifo), ["B", "A", "C"]);
        let (_, left) = suggest_pick(&lots, 100, Strategy::Fefo, today);
        assert_eq!(left, 70);
    }

    #[test]
    fn dispatch_refuses_expired_unreleased_and_warns_off_fefo() {
        let today = d("2026-01-01");
        let lots = vec![
            lot("A", Some("2026-06-01"), 1),
            lot("B", Some("2026-03-01"), 2),
        ];
        let w = check_dispatch(&lots[0], 5, &lots, today, false).unwrap();
        assert!(w[0].contains("not the FEFO choice"), "{w:?}");
        assert!(matches!(
            check_dispatch(&lots[0], 5, &lots, today, true),
            Err(DispatchRefusal::NotFefo { .. })
        ));
        assert!(
            check_dispatch(&lots[1], 5, &lots, today, true)
                .unwrap()
                .is_empty()
        );
        let old = lot("OLD", Some("2025-12-01"), 3);
        assert!(matches!(
            check_dispatch(&old, 1, &lots, today, false),
            Err(DispatchRefusal::Expired { .. })
        ));
        let mut held = lot("H", None, 4);
        held.status = LotStatus::OnHold;
        assert!(matches!(
            check_dispatch(&held, 1, &lots, today, false),
            Err(DispatchRefusal::NotReleased { .. })
        ));
        assert!(matches!(
            check_dispatch(&lots[1], 11, &lots, today, false),
            Err(DispatchRefusal::NotEnough { .. })
        ));
    }
}
