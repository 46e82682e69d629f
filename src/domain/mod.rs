//! Batch-tracking rules and the events that record what happened. Pure.

pub mod arrival;
pub mod assembly;
pub mod chain;
pub mod cost;
pub mod event;
pub mod lot_state;
pub mod money;
pub mod person;
pub mod recall;
pub mod rules;
pub mod scan;
pub mod status;
pub mod trace;
pub mod validate;

pub use event::EventKind;
pub use validate::{Invalid, MAX_QUANTITY};

use serde::{Deserialize, Serialize};

/// A lot's quality status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LotStatus {
    Quarantined,
    Released,
    OnHold,
    Rejected,
    Recalled,
}

impl LotStatus {
    pub fn name(self) -> &'static str {
        match self {
            LotStatus::Quarantined => "quarantined",
            LotStatus::Released => "released",
            LotStatus::OnHold => "on_hold",
            LotStatus::Rejected => "rejected",
            LotStatus::Recalled => "recalled",
        }
    }

    pub fn from_name(name: &str) -> Option<LotStatus> {
        [
            LotStatus::Quarantined,
            LotStatus::Released,
            LotStatus::OnHold,
            LotStatus::Rejected,
            LotStatus::Recalled,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}
