//! The `lotline` command line: argument parsing and dispatch to one module per command group.
//! docs/cli.md is the contract: how a lot is named, `--json`, the error object and its codes,
//! exit codes 0 done, 1 refused or failed, 2 usage, 3 partly done.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod act;
pub mod barcode;
pub mod compliance;
pub mod cost;
pub mod dev;
pub mod error;
pub mod gs1;
pub mod label;
pub mod lot;
pub mod output;
pub mod person;
pub mod recall;
pub mod report;
pub mod scan;
pub mod server;
pub mod server_snapshot;
pub mod shipment;
pub mod sync;
pub mod trace;
pub mod ui;
pub mod values;
pub mod workflow;

use error::Described;
pub use error::{EXIT_PARTLY, EXIT_REFUSED, EXIT_USAGE};
use output::Out;

/// What a command returns: `Ok(code)` after it has printed its result, or an error that the
/// binary's edge reports (see [`error`]) with exit status 1.
pub type CmdResult = anyhow::Result<ExitCode>;

#[derive(Debug, Parser)]
#[command(
    name = "lotline",
    version,
    about = "Barcode/QR labelling and scanning station for batch (lot) tracking",
    after_help = "A lot is named LOT|SCAN [--gtin GTIN] by every command. With --json, an error is one JSON object {\"code\", \"message\"} on stderr. Exit codes: 0 done, 1 refused or failed, 2 usage, 3 partly done. The contract: docs/cli.md."
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
    Products,
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
    /// People this station knows (accounts made at the server); change your PIN.
    Person(person::PersonArgs),
    /// Shipments: close one as it leaves the dock (despatch note, SSCC labels); list, show.
    Shipment(shipment::ShipmentArgs),
    /// Costs: a lot's actual cost through its genealogy; cost corrections; the cost report
    /// (COGS, revenue, margin, stock valuation).
    Cost(cost::CostArgs),
    #[command(flatten)]
    Workflow(workflow::WorkflowCommand),
}

/// Runs the binary: parses arguments, dispatches, and reports errors in the one shape of
/// [`error`]: under `--json` one JSON object on stderr, else text; never on stdout. A reader
/// of stdout that went away ends the run quietly.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = error::wants_json(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage(e, json),
    };
    let mut out = Out::stdout();
    let result = run(cli, &mut out).and_then(|code| {
        std::io::Write::flush(&mut out)?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            Described::of(&err).report(json);
            ExitCode::from(EXIT_REFUSED)
        }
    }
}

/// A command line clap cannot parse: exit 2 with its message (help and version are output,
/// exit 0).
fn usage(e: clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !json {
        return match e.print() {
            Ok(()) => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE)),
            Err(_) => ExitCode::SUCCESS,
        };
    }
    let message = e.render().to_string();
    let message = message.trim().trim_start_matches("error: ");
    Described {
        code: error::Code::Usage,
        message: message.to_string(),
    }
    .report(true);
    ExitCode::from(EXIT_USAGE)
}

pub fn run(cli: Cli, out: &mut Out) -> CmdResult {
    let globals = Globals {
        db: cli.db,
        config: cli.config,
    };
    match cli.command {
        None => ui::run(cli.kiosk, cli.mode, &globals),
        Some(Command::Gs1(args)) => gs1::run(args, &globals),
        Some(Command::Barcode(args)) => barcode::run(args, &globals, out),
        Some(Command::Label(args)) => label::run(args, &globals, out),
        Some(Command::Scan(args)) => scan::run(args, &globals),
        Some(Command::Export(args)) => compliance::run(args, &globals, out),
        Some(Command::Dev(args)) => dev::run(args, &globals, out),
        Some(Command::Server(args)) => server::run(args, &globals, out),
        Some(Command::Sync(args)) => sync::run(args, &globals),
        Some(Command::Recall(args)) => recall::run(args, &globals, out),
        Some(Command::Report(args)) => report::run(args, &globals, out),
        Some(Command::Person(args)) => person::run(args, &globals, out),
        Some(Command::Cost(args)) => cost::run(args, &globals, out),
        Some(Command::Shipment(args)) => shipment::run(args, &globals, out),
        Some(Command::Workflow(cmd)) => workflow::run(cmd, &globals, out),
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
