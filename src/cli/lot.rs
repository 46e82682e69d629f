//! How every command names a lot, `LOT|SCAN [--gtin GTIN]`, and the `lot` commands.
//!
//! LOT is a batch number; `--gtin` says which product's when several share it. SCAN is any
//! GS1 data holding (01) and (10): bracketed `(01)…(10)…`, raw with GS separators, AIM scan
//! data `]C1…`, or a GS1 Digital Link URI. One resolver, [`Station::resolve_lot`], for all.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::output::Out;
use super::{CmdResult, Globals};
use crate::domain::LotStatus;
use crate::domain::trace::LotRef;
use crate::workflow::{Station, StatusRequest};

/// Which product a batch number belongs to, and how GS is typed in a scan.
#[derive(Debug, Clone, Default, Args)]
pub struct LotOptions {
    /// The product (GTIN), when several share the batch number. With a scan, it must agree.
    #[arg(long)]
    pub gtin: Option<String>,
    /// A character that stands for GS (0x1D) in a scan (e.g. '|').
    #[arg(long)]
    pub gs: Option<char>,
}

/// One lot: `LOT|SCAN [--gtin GTIN]`.
#[derive(Debug, Clone, Args)]
pub struct LotArg {
    /// A batch number, or a scan of the lot's GS1 label holding (01) and (10): bracketed,
    /// raw with GS, `]C1…` scan data or a Digital Link URI.
    #[arg(value_name = "LOT|SCAN")]
    pub lot: String,
    #[command(flatten)]
    pub options: LotOptions,
}

/// Several lots: `LOT|SCAN… [--gtin GTIN]`.
#[derive(Debug, Clone, Args)]
pub struct LotsArg {
    /// Batch numbers, or scans of the lots' GS1 labels.
    #[arg(value_name = "LOT|SCAN", required = true)]
    pub lots: Vec<String>,
    #[command(flatten)]
    pub options: LotOptions,
}

impl LotArg {
    /// The lot named, known to this store.
    pub fn resolve(&self, station: &Station) -> anyhow::Result<LotRef> {
        Ok(self.options.resolve(station, &self.lot)?)
    }
}

impl LotsArg {
    /// Every lot named, each once; refused naming every one that is unknown.
    pub fn resolve(&self, station: &Station) -> anyhow::Result<Vec<LotRef>> {
        Ok(station.resolve_lots(&self.lots, self.options.gtin.as_deref(), self.options.gs)?)
    }
}

impl LotOptions {
    pub fn resolve(
        &self,
        station: &Station,
        lot: &str,
    ) -> Result<LotRef, crate::workflow::WorkflowError> {
        station.resolve_lot(lot, self.gtin.as_deref(), self.gs)
    }
}

#[derive(Debug, Subcommand)]
pub enum LotCommand {
    /// A lot's status, expiry, supplier and stock per location.
    Show(ShowArgs),
    /// Put a lot on hold (supervisor, with a reason).
    Hold(StatusArgs),
    /// Release a lot for use and shipping (supervisor, with a reason).
    Release(StatusArgs),
    /// Reject a lot (supervisor, with a reason). Final.
    Reject(StatusArgs),
    /// Recall a lot (supervisor, with a reason). Final.
    Recall(StatusArgs),
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    lot: LotArg,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

/// A quality-status change of one lot.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    lot: LotArg,
    /// Why: recorded in the event log for the audit trail. Required.
    #[arg(long, default_value = "")]
    reason: String,
    /// Who is acting: a worker may hold; release, reject and recall need a supervisor with
    /// the PIN.
    #[command(flatten)]
    act: super::act::ActAs,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: LotCommand, globals: &Globals, out: &mut Out) -> CmdResult {
    let mut station = super::workflow::open_station(globals)?;
    match cmd {
        LotCommand::Show(args) => show(&station, args, out),
        LotCommand::Hold(args) => set_status(&mut station, globals, args, LotStatus::OnHold, out),
        LotCommand::Release(args) => {
            set_status(&mut station, globals, args, LotStatus::Released, out)
        }
        LotCommand::Reject(args) => {
            set_status(&mut station, globals, args, LotStatus::Rejected, out)
        }
        LotCommand::Recall(args) => {
            set_status(&mut station, globals, args, LotStatus::Recalled, out)
        }
    }
}

fn show(station: &Station, args: ShowArgs, out: &mut Out) -> CmdResult {
    let target = args.lot.resolve(station)?;
    let lot = station.existing_lot(&target.gtin, &target.batch)?;
    if args.json {
        out.json(&lot)?;
    } else {
        out.line(format_args!(
            "lot {} / {}: {}",
            lot.gtin,
            lot.batch,
            lot.status.name()
        ))?;
        if let Some(e) = lot.expiry {
            out.line(format_args!("  expires {e}"))?;
        }
        for (location, qty) in &lot.stock {
            out.line(format_args!("  {location}: {qty}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set_status(
    station: &mut Station,
    globals: &Globals,
    args: StatusArgs,
    to: LotStatus,
    out: &mut Out,
) -> CmdResult {
    let target = args.lot.resolve(station)?;
    let role = args.act.prove(globals, station)?;
    let req = StatusRequest {
        gtin: target.gtin,
        batch: target.batch,
        to,
        role,
        reason: args.reason,
    };
    let r = station.set_status(&req)?;
    if args.json {
        out.json(&r)?;
    } else {
        out.line(format_args!(
            "lot {} / {}: {} -> {} ({})",
            r.gtin,
            r.batch,
            r.from.name(),
            r.to.name(),
            r.reason
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
