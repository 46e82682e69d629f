//! The `lotline` command line: argument parsing and dispatch to one module per command group.
//!
//! Exit codes: 0 success, 1 invalid input or refused operation, 2 usage error (clap).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod barcode;
pub mod compliance;
pub mod dev;
pub mod gs1;
pub mod label;
pub mod recall;
pub mod report;
pub mod scan;
pub mod server;
pub mod sync;
pub mod ui;
pub mod workflow;

/// What a command returns: `Ok(code)` after it has printed its result, or an error that the
/// binary's edge prints as a message for the user with exit status 1.
pub type CmdResult = anyhow::Result<ExitCode>;

/// Exit status for invalid input or a refused operation.
pub const EXIT_REFUSED: u8 = 1;

/// Exit status for a usage error (as clap's own).
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "lotline",
    version,
    about = "Barcode/QR labelling and scanning station for batch (lot) tracking"
)]
pub struct Cli {
    /// The local store (SQLite file). Default: lotline.db in the user's data directory.
    #[arg(long, global = true, env = "LOTLINE_DB")]
    pub db: Option<PathBuf>,

    /// The station configuration file (TOML). Default: lotline.toml in the user's config directory.
    #[arg(long, global = true, env = "LOTLINE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Station UI (no command given): full screen, for a panel PC.
    #[arg(long)]
    pub kiosk: bool,

    /// Station UI (no command given): the mode shown first.
    #[arg(long, value_enum, default_value_t = UiMode::Receive)]
    pub mode: UiMode,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The station UI's modes, for `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UiMode {
    Receive,
    Produce,
    Dispatch,
    Lookup,
    Expiry,
    Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, check and generate GS1 data.
    Gs1(gs1::Gs1Args),
    /// Encode and decode barcodes.
    Barcode(barcode::BarcodeArgs),
    /// Render and print labels from templates.
    Label(label::LabelArgs),
    /// Run a headless station loop over a scanner source.
    Scan(scan::ScanArgs),
    /// Compliance exports: FSMA 204 spreadsheet, EPCIS 2.0.
    Export(compliance::ExportArgs),
    /// Developer tools: seed a realistic site.
    Dev(dev::DevArgs),
    /// Run the central server; manage its tokens.
    Server(server::ServerArgs),
    /// Sync this station with the central server (push the outbox, pull what it lacks).
    Sync(sync::SyncArgs),
    /// Recalls: start one, account for what it covers, close it.
    Recall(recall::RecallArgs),
    /// Reports: trace report as PDF or CSV.
    Report(report::ReportArgs),
    #[command(flatten)]
    Workflow(workflow::WorkflowCommand),
}

/// Runs the binary: parses arguments, dispatches, and reports errors with context.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(EXIT_REFUSED)
        }
    }
}

pub fn run(cli: Cli) -> CmdResult {
    let globals = Globals {
        db: cli.db,
        config: cli.config,
    };
    match cli.command {
        None => ui::run(cli.kiosk, cli.mode, &globals),
        Some(Command::Gs1(args)) => gs1::run(args, &globals),
        Some(Command::Barcode(args)) => barcode::run(args, &globals),
        Some(Command::Label(args)) => label::run(args, &globals),
        Some(Command::Scan(args)) => scan::run(args, &globals),
        Some(Command::Export(args)) => compliance::run(args, &globals),
        Some(Command::Dev(args)) => dev::run(args, &globals),
        Some(Command::Server(args)) => server::run(args, &globals),
        Some(Command::Sync(args)) => sync::run(args, &globals),
        Some(Command::Recall(args)) => recall::run(args, &globals),
        Some(Command::Report(args)) => report::run(args, &globals),
        Some(Command::Workflow(cmd)) => workflow::run(cmd, &globals),
    }
}

/// Options every command group may use.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub db: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

impl Globals {
    /// The store file: `--db`/`LOTLINE_DB`, else the default in the user's data directory.
    pub fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(crate::workflow::default_db_path)
    }
}
