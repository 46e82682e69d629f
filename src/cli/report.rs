//! `lotline report …`: reports for people and spreadsheets (trace report as PDF or CSV).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::workflow::{DirectionArgs, open_station};
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
        /// The lots: a scan of each lot's GS1 label, or its batch number.
        #[arg(required = true)]
        lots: Vec<String>,
        /// The product, when a batch number is shared by several products.
        #[arg(long)]
        gtin: Option<String>,
        #[command(flatten)]
        direction: DirectionArgs,
        /// Output file: .pdf or .csv.
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        gs: Option<char>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ReportArgs, globals: &Globals) -> CmdResult {
    match args.command {
        ReportCommand::Trace {
            lots,
            gtin,
            direction,
            out,
            gs,
            json,
        } => {
            let format = ReportFormat::of(&out)?;
            let station = open_station(globals)?;
            let lots = station.resolve_lots(&lots, gtin.as_deref(), gs)?;
            let report = station.trace_report(&lots, direction.direction())?;
            write_report(&report, format, &out, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a report to `out` and says what was written.
pub fn write_report(
    report: &TraceReport,
    format: ReportFormat,
    out: &Path,
    json: bool,
) -> anyhow::Result<()> {
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let w = BufWriter::new(file);
    report
        .write(format, w)
        .with_context(|| format!("writing {}", out.display()))?;
    if json {
        println!(
            "{}",
            json!({
                "out": out,
                "lots": report.lots.len(),
                "movements": report.movements.len(),
                "customers": report.customers.len(),
                "suppliers": report.suppliers.len(),
            })
        );
    } else {
        println!(
            "wrote {} for {}: {} lots, {} movements, {} customers, {} suppliers",
            out.display(),
            report.traced_names(),
            report.lots.len(),
            report.movements.len(),
            report.customers.len(),
            report.suppliers.len()
        );
    }
    Ok(())
}
