//! `lotline report …`: reports for people and spreadsheets (trace report as PDF or CSV).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::lot::LotsArg;
use super::output::Out;
use super::trace::DirectionArgs;
use super::workflow::open_station;
use super::{CmdResult, Globals};
pub use crate::compliance::report::ReportFormat;
use crate::compliance::report::TraceReport;

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Trace report of one or more lots: genealogy trees, movements, customers, suppliers,
    /// as PDF (for people) or CSV (one row per movement), chosen by the file's extension.
    Trace {
        #[command(flatten)]
        lots: LotsArg,
        #[command(flatten)]
        direction: DirectionArgs,
        /// Output file: .pdf or .csv.
        #[arg(long)]
        out: PathBuf,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ReportArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    match args.command {
        ReportCommand::Trace {
            lots,
            direction,
            out: file,
            json,
        } => {
            let format = ReportFormat::of(&file)?;
            let station = open_station(globals)?;
            let lots = lots.resolve(&station)?;
            let report = station.trace_report(&lots, direction.direction())?;
            write_report(&report, format, &file, json, out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a report to `out` and says what was written.
pub fn write_report(
    report: &TraceReport,
    format: ReportFormat,
    file: &Path,
    json: bool,
    out: &mut Out,
) -> anyhow::Result<()> {
    let w = File::create(file).with_context(|| format!("creating {}", file.display()))?;
    report
        .write(format, BufWriter::new(w))
        .with_context(|| format!("writing {}", file.display()))?;
    if json {
        out.json(&json!({
                "out": file,
                "lots": report.lots.len(),
                "movements": report.movements.len(),
                "customers": report.customers.len(),
                "suppliers": report.suppliers.len(),
        }))?;
    } else {
        out.line(format_args!(
            "wrote {} for {}: {} lots, {} movements, {} customers, {} suppliers",
            file.display(),
            report.traced_names(),
            report.lots.len(),
            report.movements.len(),
            report.customers.len(),
            report.suppliers.len()
        ))?;
    }
    Ok(())
}
