//! One plain-Rust controller per station mode: the mode's input checks and the state it keeps
//! between scans, calls into the station core, and the typed view state the adapter copies
//! into the Slint properties. No Slint here: each controller is tested with a scan string and
//! a temporary SQLite store, without a window.
//!
//! The controllers that touch the store run on the UI's worker thread (which owns the
//! [`Station`](crate::workflow::Station)); [`SettingsController`] needs no store and runs on
//! the UI thread.

pub mod dispatch;
pub mod expiry;
pub mod lookup;
pub mod produce;
pub mod receive;
pub mod session;
pub mod settings;

pub use dispatch::{DispatchController, DispatchForm, DispatchView};
pub use expiry::{ExpiryBoard, ExpiryController};
pub use lookup::{LookupController, LookupView, LotView, StatusForm};
pub use produce::{ProduceController, ProduceForm, ProduceView};
pub use receive::{NewProductForm, ReceiveController, ReceiveForm, ReceiveView};
pub use settings::SettingsController;

use crate::domain::assembly::LabelAssembly;
use crate::ui::present::{self, ScanKind, Shown};
use crate::workflow::scan::{self, ScanAction};
use crate::workflow::{Outcome, Station};

/// One scan through the station core, as part of the label `assembly` is putting together,
/// and its banner for `kind` (which also says when a partial label was given up on the way).
fn scan_label(
    station: &mut Station,
    action: &ScanAction,
    assembly: &mut LabelAssembly,
    text: &str,
    gs_substitute: Option<char>,
    today: chrono::NaiveDate,
    kind: ScanKind,
) -> (Outcome, Shown) {
    let now = std::time::Instant::now();
    let outcome = scan::handle(station, action, assembly, text, gs_substitute, today, now);
    let mut shown = present::scan_banner(kind, &outcome);
    if let Some(gave_up) = assembly.take_gave_up() {
        present::add_gave_up(&mut shown, &gave_up);
    }
    (outcome, shown)
}

/// A supervisor's proof at the station ([`Station::prove_supervisor`]), refusals in the
/// station's words.
fn prove_supervisor(
    station: &mut Station,
    gate: &mut crate::pin_gate::PinGate,
    configured_hash: Option<&str>,
    person: &str,
    pin: &str,
) -> Result<(crate::domain::status::Role, String), String> {
    match station.prove_supervisor(gate, configured_hash, Some(person), pin) {
        Ok(proof) => Ok((proof.role, proof.actor)),
        Err(crate::workflow::ProofError::StationPinNotEnough) => Err(
            "type your supervisor id with your own PIN: this station has people's accounts, so \
             the station PIN is not enough"
                .into(),
        ),
        Err(e) => Err(e.to_string()),
    }
}

/// A form field that should hold a whole number: empty is `None`, anything else but a whole
/// number is `Err`.
fn whole_number(text: &str) -> Result<Option<u64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| ())
}
