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

#[cfg(test)]
pub(crate) mod testing {
    //! A temporary store with a product and lots, for the controllers' tests.

    use crate::domain::LotStatus;
    use crate::workflow::{Identity, ReceiveRequest, Station};

    pub const TOMATOES: &str = "09501101530003";
    pub const SAUCE: &str = "09501101530010";

    pub fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    /// A fresh store in `dir` with two products registered (tomatoes, sauce; both released on
    /// receipt).
    pub fn station(dir: &tempfile::TempDir) -> Station {
        let who = Identity {
            station: "TEST".into(),
            actor: "tester".into(),
        };
        let mut s = Station::open(&dir.path().join("ui.db"), who).unwrap();
        s.register_product(TOMATOES, "Tomatoes", LotStatus::Released)
            .unwrap();
        s.register_product(SAUCE, "Tomato sauce", LotStatus::Released)
            .unwrap();
        s
    }

    /// Receives `quantity` of lot `batch` of `gtin`, expiring 2026-12-31.
    pub fn receive(s: &mut Station, gtin: &str, batch: &str, quantity: u64) {
        s.receive(&ReceiveRequest {
            scan: format!("(01){gtin}(17)261231(10){batch}"),
            quantity: Some(quantity),
            location: "DOCK".into(),
            ..Default::default()
        })
        .unwrap();
    }
}
