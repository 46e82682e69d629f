//! `lotline cost …`: a lot's actual cost through its genealogy, cost corrections, and the
//! cost report (COGS, revenue, margin, stock valuation). Amounts are in the site currency
//! (`[site] currency` in the station config, default EUR) and printed as exact decimals.

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};

use super::error::{Code, refuse};
use super::lot::LotOptions;
use super::output::Out;
use super::workflow::open_station;
use super::{CmdResult, Globals};
use crate::domain::cost::{Component, GroupBy, LotCost};
use crate::domain::money::{Amount, Currency, parse_amount};
use crate::workflow::cost::CostCorrection;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CostArgs {
    #[command(subcommand)]
    pub command: Option<CostCommand>,
    /// A batch number, or a scan of the lot's GS1 label (see `lotline lot show`).
    #[arg(value_name = "LOT|SCAN", required = true)]
    pub lot: Option<String>,
    #[command(flatten)]
    pub options: LotOptions,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Quantity shipped, COGS, revenue and margin per product, batch or customer; stock on
    /// hand valued at actual lot cost. A table, JSON, CSV or XLSX.
    Report(ReportArgs),
    /// Correct a lot's cost (a supplier invoice that differs from the PO; labour booked late):
    /// recorded as an event, the earlier cost kept in the log; lots made from it are costed
    /// anew.
    Correct(CorrectArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ByArg {
    Product,
    Batch,
    Customer,
}

impl From<ByArg> for GroupBy {
    fn from(b: ByArg) -> GroupBy {
        match b {
            ByArg::Product => GroupBy::Product,
            ByArg::Batch => GroupBy::Batch,
            ByArg::Customer => GroupBy::Customer,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only shipments on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DAY")]
    since: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value = "product")]
    by: ByArg,
    /// Write CSV to this file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["xlsx", "json"])]
    csv: Option<PathBuf>,
    /// Write an XLSX workbook to this file.
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    xlsx: Option<PathBuf>,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    #[arg(value_name = "LOT|SCAN")]
    lot: String,
    #[command(flatten)]
    options: LotOptions,
    /// The right unit cost of the lot's receipts (the invoice's).
    #[arg(long, value_name = "AMOUNT")]
    unit_cost: Option<String>,
    /// The right labour cost of the production run.
    #[arg(long, value_name = "AMOUNT")]
    labour: Option<String>,
    /// The right overhead of the production run.
    #[arg(long, value_name = "AMOUNT")]
    overhead: Option<String>,
    /// Why (the invoice number, the booking).
    #[arg(long)]
    reason: String,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

/// A typed amount (`--unit-cost 1.25`), refused in words naming the option.
pub fn amount_arg(option: &str, value: Option<&str>) -> anyhow::Result<Option<Amount>> {
    match value {
        None => Ok(None),
        Some(v) => match parse_amount(v) {
            Ok(a) => Ok(Some(a)),
            Err(e) => refuse(Code::InvalidInput, format!("{option}: {e}")),
        },
    }
}

/// The site currency from the station config.
pub fn site_currency(globals: &Globals) -> anyhow::Result<Currency> {
    Ok(
        crate::config::StationConfig::load(globals.config.as_deref())?
            .site
            .currency,
    )
}

pub fn run(args: CostArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let currency = site_currency(globals)?;
    match args.command {
        Some(CostCommand::Report(r)) => report(r, &currency, globals, out),
        Some(CostCommand::Correct(c)) => correct(c, &currency, globals, out),
        None => {
            let station = open_station(globals)?;
            let lot = args
                .options
                .resolve(&station, &args.lot.unwrap_or_default())?;
            let cost = station.lot_cost(&lot.gtin, &lot.batch, &currency)?;
            if args.json {
                out.json(&cost)?;
            } else {
                out.line(explained(&cost).trim_end())?;
                // The cost's history: each correction, when, by whom and why.
                for e in station.store().lot_events(&lot.gtin, &lot.batch, 10_000)? {
                    if let crate::domain::EventKind::CostCorrected {
                        unit_cost,
                        labour,
                        overhead,
                        currency,
                        reason,
                        ..
                    } = &e.event
                    {
                        let parts: Vec<String> = [
                            ("unit cost", unit_cost),
                            ("labour", labour),
                            ("overhead", overhead),
                        ]
                        .into_iter()
                        .filter_map(|(what, a)| a.map(|a| format!("{what} {a} {currency}")))
                        .collect();
                        out.line(format_args!(
                            "  corrected {} by {} at {}: {} ({reason})",
                            e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                            e.actor,
                            e.station,
                            parts.join(", ")
                        ))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A lot's cost in words: one line per component, the total and the unit cost; what has no
/// cost named.
pub fn explained(c: &LotCost) -> String {
    let money = |a: &Option<Amount>| a.map_or("no cost".to_string(), |a| format!("{a}"));
    let mut out = format!(
        "lot {} / {}: {} units, {} {} total, unit cost {}{}\n",
        c.gtin,
        c.batch,
        c.quantity,
        money(&c.total_cost),
        c.currency,
        money(&c.unit_cost),
        if c.complete { "" } else { " (partly costed)" },
    );
    for part in &c.components {
        let line = match part {
            Component::Material {
                gtin,
                batch,
                quantity,
                unit_cost,
                cost,
            } => {
                // A received lot's components are its own receipts.
                let what = if gtin == &c.gtin && batch == &c.batch {
                    format!("received {quantity}")
                } else {
                    format!("material {quantity} of {gtin} / {batch}")
                };
                format!("  {what} at {}: {}", money(unit_cost), money(cost))
            }
            Component::Labour { cost } => format!("  labour: {cost}"),
            Component::Overhead { cost } => format!("  overhead: {cost}"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    for u in &c.uncosted {
        use crate::domain::cost::NoCost;
        let why = match &u.why {
            NoCost::Received => "received without a unit cost".to_string(),
            NoCost::OtherCurrency { currency } => {
                format!("costed in {currency}, not {}", c.currency)
            }
            NoCost::NothingRecorded => "made with no input, labour or overhead recorded".into(),
            NoCost::Unknown => "never received or produced in this store".into(),
            NoCost::Cycle => "its genealogy loops back on itself".into(),
        };
        out.push_str(&format!("  NO COST: {} / {}: {why}\n", u.gtin, u.batch));
    }
    out
}

fn report(args: ReportArgs, currency: &Currency, globals: &Globals, out: &mut Out) -> CmdResult {
    use crate::compliance::costs;
    let station = open_station(globals)?;
    let r = station.cost_report(args.by.into(), args.since, currency)?;
    if args.json {
        out.json(&r)?;
    } else if let Some(file) = &args.csv {
        let f =
            std::fs::File::create(file).with_context(|| format!("creating {}", file.display()))?;
        costs::write_csv(&r, BufWriter::new(f))?;
        out.line(format_args!("wrote the cost report to {}", file.display()))?;
    } else if let Some(file) = &args.xlsx {
        let f =
            std::fs::File::create(file).with_context(|| format!("creating {}", file.display()))?;
        costs::write_xlsx(&r, BufWriter::new(f))?;
        out.line(format_args!("wrote the cost report to {}", file.display()))?;
    } else {
        out.line(costs::table(&r).trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn correct(args: CorrectArgs, currency: &Currency, globals: &Globals, out: &mut Out) -> CmdResult {
    let correction = CostCorrection {
        unit_cost: amount_arg("--unit-cost", args.unit_cost.as_deref())?,
        labour: amount_arg("--labour", args.labour.as_deref())?,
        overhead: amount_arg("--overhead", args.overhead.as_deref())?,
        reason: args.reason,
    };
    if correction.unit_cost.is_none()
        && correction.labour.is_none()
        && correction.overhead.is_none()
    {
        return refuse(
            Code::ValueRequired,
            "a cost correction needs --unit-cost, --labour or --overhead",
        );
    }
    let mut station = open_station(globals)?;
    super::act::sign_in_from_env(globals, &mut station)?;
    let lot = args.options.resolve(&station, &args.lot)?;
    let c = station.correct_cost(&lot.gtin, &lot.batch, &correction, currency)?;
    if args.json {
        out.json(&c)?;
    } else {
        let unit = |c: &LotCost| c.unit_cost.map_or("no cost".into(), |a| a.to_string());
        out.line(format_args!(
            "corrected lot {} / {}: unit cost {} -> {} {} (lots made from it are costed anew)",
            lot.gtin,
            lot.batch,
            unit(&c.before),
            unit(&c.after),
            currency
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}
