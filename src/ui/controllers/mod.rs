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
pub mod settings;

pub use dispatch::{DispatchController, DispatchForm, DispatchView};
pub use expiry::ExpiryController;
pub use lookup::{LookupController, LookupView, LotView, StatusForm};
pub use produce::{ProduceController, ProduceForm, ProduceView};
pub use receive::{ReceiveController, ReceiveForm, ReceiveView};
pub use settings::SettingsController;

/// A form field that should hold a whole number: empty is `None`, anything else but a whole
/// number is `Err`.
fn whole_number(text: &str) -> Result<Option<u64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| ())
}
