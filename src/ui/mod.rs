//! The station UI (Slint): `ui/*.slint` is the declarative view, this module the logic.
//!
//! - [`app`]: builds the window, wires the views' callbacks, feeds keys to the wedge decoder.
//! - [`worker`]: owns the [`Station`](crate::workflow::Station) on its own thread; every store,
//!   print and report job runs there, never on the UI thread, and reports back through
//!   the Slint event loop.
//! - [`present`]: workflow outcomes → view models (tone, headline, lines). Pure.
//! - [`keys`]: Slint key events → [`crate::scanner::wedge`] keys. Pure.
//! - [`pin`]: the supervisor PIN check. Pure.
//! - [`settings`]: the Settings form ↔ the station config. Pure.
//! - [`sound`]: which sound an outcome plays, and playing it off the UI thread.
//! - [`sync`]: the background sync thread that feeds the status bar.
//!
//! Scans go through [`crate::workflow::scan::handle`], the same rules and feedback as the
//! headless `lotline scan` loop.

pub mod app;
pub mod keys;
pub mod pin;
pub mod present;
pub mod settings;
pub mod sound;
pub mod sync;
pub mod worker;

#[allow(clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    slint::include_modules!();
}
pub use generated::{AppWindow, Feedback, KeyValue, Line, Mode, Tone, Ui};

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
