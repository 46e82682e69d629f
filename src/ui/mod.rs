//! The station UI (Slint): `ui/*.slint` is the declarative view, this module the logic.
//!
//! - [`app`]: start-up; wires the views' callbacks to the mode controllers; feeds keys to the
//!   wedge decoder and scans to the current mode.
//! - [`controllers`]: one plain-Rust controller per mode (Receive, Produce, Dispatch, Lookup,
//!   Expiry, Products, Settings): the mode's input checks and state, calls into the station core,
//!   typed view state back. Tested without a window.
//! - [`view`]: the adapter: forms read from the Slint properties, view states copied in.
//! - [`worker`]: owns the [`Station`](crate::workflow::Station) and the controllers that use
//!   it on its own thread; every store, print and report job runs there, never on the UI
//!   thread, and reports back through the Slint event loop.
//! - [`device`]: a serial/HID/image scanner beside the keyboard wedge, through the same
//!   [`ScanLoop`](crate::scanner::scan_loop::ScanLoop) as `lotline scan`.
//! - [`present`]: the station core's typed outcomes → what the screen says (verdict, headline,
//!   lines). Pure; the UI's words, never the core's.
//! - [`keys`]: Slint key events → [`crate::scanner::wedge`] keys. Pure.
//! - [`keypad`]: what a key of the on-screen keypad does to a count or PIN. Pure.
//! - [`focus`]: when to tell the user that scans cannot reach the station. Pure.
//! - [`pin`]: the supervisor PIN check. Pure.
//! - [`settings`]: the Settings form ↔ the station config. Pure.
//! - [`sound`]: which sound an outcome plays, and playing it off the UI thread.
//! - [`sync`]: the background sync thread that feeds the status bar.
//!
//! Scans go through [`crate::workflow::scan::handle`], the same rules and the same typed
//! [`Outcome`](crate::workflow::Outcome) as the headless `lotline scan` loop; only the
//! presentation differs.

pub mod app;
pub mod controllers;
pub mod device;
pub mod focus;
pub mod keypad;
pub mod keys;
pub use crate::pin_gate as pin;
pub mod present;
pub mod settings;
pub mod sound;
pub mod sync;
pub mod view;
pub mod worker;

#[allow(clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    slint::include_modules!();
}
pub use generated::{AppWindow, Feedback, KeyValue, Keypad, Line, Mode, ProductRow, Tone, Ui};

pub use app::{App, UiOptions, run, start};

/// Why the station UI cannot start.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The windowing system or renderer is not available (no display?).
    // The platform's own words follow as the error's source (`{:#}` at the binary's edge).
    #[error(
        "cannot open the station window (is a display available? set DISPLAY or WAYLAND_DISPLAY; \
         every capability is also a command: lotline --help)"
    )]
    Platform(#[from] slint::PlatformError),
    /// The store cannot be opened.
    #[error("opening the store {path}: {source}")]
    Store {
        path: std::path::PathBuf,
        source: Box<crate::workflow::WorkflowError>,
    },
}
