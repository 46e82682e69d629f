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
pub mod products;
pub mod receive;
pub mod session;
pub mod settings;

pub use dispatch::{DispatchController, DispatchForm, DispatchView};
pub use expiry::{ExpiryBoard, ExpiryController};
pub use lookup::{
    FetchedHistory, HistoryFetch, LookupController, LookupView, LotView, SharedHistoryServer,
    StatusForm,
};
pub use produce::{ProduceController, ProduceForm, ProduceView};
pub use products::{ProductForm, ProductRow, ProductsController, ProductsView};
pub use receive::{NewProductForm, ReceiveController, ReceiveForm, ReceiveView};
pub use session::SessionView;
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

/// What a supervisor decided about a product at the station: Receive's New product panel
/// and the Products view both record it through [`register_product`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDecision<'a> {
    pub gtin: &'a str,
    pub name: &'a str,
    /// The status its received lots start in.
    pub receive_as: crate::domain::LotStatus,
    /// Its receiving rules; `None` keeps what the product had (the defaults when new).
    pub receiving: Option<crate::domain::arrival::ReceivingRules>,
}

/// Registers (or changes: the same `product_registered` event again, as `lotline product add`
/// records a change) a product with the supervisor's proof ([`prove_supervisor`]: signed
/// when a person proves it; whoever is signed in at the station acts again afterwards); a
/// worker's id or a wrong PIN registers nothing. What to tell the user when refused.
fn register_product(
    station: &mut Station,
    gate: &mut crate::pin_gate::PinGate,
    configured_hash: Option<&str>,
    person: &str,
    pin: &str,
    product: &ProductDecision<'_>,
) -> Result<(), String> {
    if product.name.trim().is_empty() {
        return Err("type the product's name; nothing was registered".into());
    }
    // Whoever is signed in acts again once the supervisor's decision is recorded.
    let previous = station.acting_as().cloned();
    let (role, _) = prove_supervisor(station, gate, configured_hash, person, pin)?;
    let registered = if role == crate::domain::status::Role::Supervisor {
        station
            .register_product_rules(
                product.gtin,
                product.name,
                product.receive_as,
                product.receiving,
            )
            .map(drop)
            .map_err(|e| present::error_text(&e))
    } else {
        Err("only a supervisor registers a product: nothing was registered".to_string())
    };
    station.act_as(previous);
    registered
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
