//! `lotline report …`: reports for people and spreadsheets (trace report as PDF or CSV).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::error::{Code, refuse};
use super::lot::LotsArg;
use super::output::Out;
use super::trace::DirectionArgs;
use super::workflow::open_station;
use super::{CmdResult, Globals};
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

/// The output a file name asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Pdf,
    Csv,
}

impl ReportFormat {
    /// From the extension; anything but .pdf/.csv is refused before any work is done.
    pub fn of(path: &Path) -> anyhow::Result<ReportFormat> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("pdf") => Ok(ReportFormat::Pdf),
            Some("csv") => Ok(ReportFormat::Csv),
            _ => refuse(
                Code::InvalidInput,
                format!(
                    "{}: the report file must end in .pdf (for people) or .csv (for spreadsheets)",
                    path.display()
                ),
            ),
        }
    }
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
    let w = BufWriter::new(w);
    match format {
        ReportFormat::Pdf => report.write_pdf(w),
        ReportFormat::Csv => report.write_csv(w),
    }
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
