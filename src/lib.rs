//! Lotline: a barcode/QR labelling and scanning station for batch (lot) tracking.
//!
//! # Layout
//!
//! The core is pure (no SQLite, serial, HTTP or UI); adapters sit around it.
//! Data flows one way: scan source → parse → workflow rule → store (event) → feedback / label / outbox.
//!
//! Pure core:
//! - [`gs1`]: the GS1 Application Identifier table, parsing (bracketed HRI, raw element strings,
//!   AIM-prefixed scan data, Digital Link URIs), validation and generation.
//! - [`batch`]: site batch-number formats.
//! - [`domain`]: batch-tracking rules: lot status machine, rotation (FIFO/FEFO/LIFO), expiry,
//!   dispatch checks, trace over the genealogy, supplier quality.
//! - [`barcode`]: symbol encoding to module matrices and image decoding (rxing).
//! - [`label`]: label templates, layout, and renderers (PDF, ZPL, PNG).
//!
//! Adapters:
//! - [`store`]: the local SQLite event store and the state derived from it.
//! - [`workflow`]: receive / produce / dispatch / lookup commands over the store; shared by the
//!   CLI, the headless scan loop and the UI.
//! - [`scanner`]: scan sources (serial, keyboard wedge, HID POS, images) as one stream of scans.
//! - [`config`]: the station's TOML configuration file.
//! - [`printer`]: labels to a CUPS queue, a raw printer port or a folder.
//! - [`server`]: the central server (HTTP/JSON API over SQLite or PostgreSQL).
//! - [`sync`]: the station's sync client (outbox up, other stations' events down).
//! - [`ui`]: the station UI (Slint): views in `ui/*.slint`, logic over [`workflow`].
//! - [`cli`]: the `lotline` command line.

pub mod barcode;
pub mod batch;
pub mod cli;
pub mod compliance;
pub mod config;
pub mod domain;
pub mod gs1;
pub mod label;
pub mod printer;
pub mod protocol;
pub mod scanner;
pub mod server;
pub mod store;
pub mod sync;
#[cfg(feature = "ui")]
pub mod ui;
pub mod workflow;
