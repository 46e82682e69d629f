//! Lotline: a barcode/QR labelling and scanning station for batch (lot) tracking.
//!
//! # Layout
//!
//! The core is pure (no SQLite, serial, HTTP or UI); adapters sit around it.
//! Data flows one way: scan source → [`Scan`](domain::scan::Scan) → station core (parse, rule)
//! → store (event) → typed [`Outcome`](workflow::Outcome) → a presenter (the UI's banner and
//! sound, the CLI's text or JSON) / label / outbox. Arrows between modules point down this list
//! (from front ends to the GS1 core); the table in `tests/architecture.rs` says what each module
//! may use and checks it.
//!
//! Pure core:
//! - [`gs1`]: the GS1 Application Identifier table, parsing (bracketed HRI, raw element strings,
//!   AIM-prefixed scan data, Digital Link URIs), validation and generation. Uses nothing else.
//! - [`batch`]: site batch-number formats.
//! - [`domain`]: batch-tracking rules: lot status machine, rotation (FIFO/FEFO/LIFO), expiry,
//!   dispatch checks (all in `domain::rules`), trace over the genealogy, supplier quality; the
//!   plain `Scan` value every scanner emits.
//! - [`protocol`]: the sync API's wire types (events, push/pull, acks, cursors, errors, token
//!   roles), below both the server and the station's sync client.
//! - [`barcode`]: symbol encoding to module matrices and image decoding (rxing).
//! - [`label`]: label templates, layout, and renderers (PDF, ZPL, PNG).
//!
//! Adapters:
//! - [`store`]: the local SQLite event store and the state derived from it.
//! - [`compliance`]: trace and recall reports, FSMA 204 and EPCIS exports.
//! - [`workflow`]: the station core: receive / produce / dispatch / lookup / … over the store,
//!   one module per job; a scan in, a typed `Outcome` (or typed `Refusal`) out, the same for the
//!   CLI, the headless scan loop and the UI, which only present it. One label job.
//! - [`scanner`]: scan sources (serial, keyboard wedge, HID POS, images) as one stream of scans,
//!   and the scan loop that feeds them to a handler.
//! - [`sync`]: the station's sync client (outbox up, other stations' events down) and its one
//!   loop, run by `lotline sync` and the UI.
//! - [`printer`]: labels to a CUPS queue, a raw printer port or a folder.
//! - [`config`]: the station's TOML configuration file.
//! - [`private_file`]: owner-only files (stores, the server database, the config).
//! - [`pin`]: the supervisor PIN's salted hash (argon2id) and its lockout after wrong PINs.
//! - [`server`]: the central server (HTTP/JSON API over SQLite or PostgreSQL); no station core,
//!   no UI.
//! - `ui` (cargo feature `ui`, on by default): the station UI (Slint): declarative views in
//!   `ui/*.slint`, one plain-Rust controller per mode over [`workflow`]. A server build
//!   (`--no-default-features`) has no Slint.
//! - [`cli`]: the `lotline` command line (clap belongs here only).

pub mod barcode;
pub mod batch;
pub mod cli;
pub mod compliance;
pub mod config;
pub mod domain;
pub mod gs1;
pub mod label;
pub mod people;
pub mod pin;
pub mod pin_gate;
pub mod printer;
pub mod private_file;
pub mod protocol;
pub mod scanner;
pub mod server;
pub mod store;
pub mod sync;
#[cfg(feature = "ui")]
pub mod ui;
pub mod workflow;
