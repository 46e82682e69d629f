//! `lotline export …`: compliance exports (FSMA 204 spreadsheet, EPCIS 2.0) from the store.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use super::error::{Code, refuse};
use super::output::Out;
use super::{CmdResult, Globals};
use crate::compliance::{Cte, epcis, from_store, fsma};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// FSMA 204 sortable spreadsheet (.csv or .xlsx): one row per CTE per traceability lot.
    Fsma {
        /// Only rows naming these lot numbers (repeatable). Default: every lot.
        #[arg(long = "lot")]
        lots: Vec<String>,
        /// First day included (YYYY-MM-DD, UTC).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day included (YYYY-MM-DD, UTC).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Output file: .csv, or .xlsx (header frozen, autofilter, real dates).
        #[arg(long)]
        out: PathBuf,
        /// GLN of this site, written as the event location (default: `gln` under [site]).
        #[arg(long, env = "LOTLINE_SITE_GLN")]
        site_gln: Option<String>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// EPCIS 2.0 JSON-LD document of the events since a day.
    Epcis {
        /// First day included (YYYY-MM-DD, UTC). Default: all events.
        #[arg(long)]
        since: Option<NaiveDate>,
        /// Output file (.json / .jsonld).
        #[arg(long)]
        out: PathBuf,
        /// GLN of this site (readPoint / bizLocation; default: `gln` under [site]).
        #[arg(long, env = "LOTLINE_SITE_GLN")]
        site_gln: Option<String>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ExportArgs, globals: &Globals, stdout: &mut Out) -> CmdResult {
    let configured = || -> anyhow::Result<Option<String>> {
        Ok(
            crate::config::StationConfig::load(globals.config.as_deref())?
                .site
                .gln,
        )
    };
    match args.command {
        ExportCommand::Fsma {
            lots,
            from,
            to,
            out: file,
            site_gln,
            json,
        } => {
            let out = file;
            let xlsx = match out
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("csv") => false,
                Some("xlsx") => true,
                _ => {
                    return refuse(
                        Code::InvalidInput,
                        format!(
                            "{}: the FSMA spreadsheet is written as .csv or .xlsx: name the file so",
                            out.display()
                        ),
                    );
                }
            };
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                return refuse(
                    Code::InvalidInput,
                    format!("--from {f} is after --to {t}: nothing could match"),
                );
            }
            let site_gln = match site_gln {
                Some(gln) => Some(gln),
                None => configured()?,
            };
            let ctes = load(globals, site_gln.as_deref().unwrap_or(""))?;
            let rows = fsma::rows(&ctes, &lots, from, to);
            let file = File::create(&out).with_context(|| format!("creating {}", out.display()))?;
            let w = BufWriter::new(file);
            if xlsx {
                fsma::write_xlsx(&rows, w)
            } else {
                fsma::write_csv(&rows, w)
            }
            .with_context(|| format!("writing {}", out.display()))?;
            report(json, "fsma", &out, rows.len(), stdout)?;
        }
        ExportCommand::Epcis {
            since,
            out: file,
            site_gln,
            json,
        } => {
            let out = file;
            let site_gln = match site_gln {
                Some(gln) => Some(gln),
                None => configured()?,
            };
            let Some(gln) = site_gln else {
                return refuse(
                    Code::ValueRequired,
                    "EPCIS needs this site's GLN: pass --site-gln, set LOTLINE_SITE_GLN, or set gln under [site] in the station config",
                );
            };
            let ctes: Vec<Cte> = load(globals, &gln)?
                .into_iter()
                .filter(|c| since.is_none_or(|s| c.time.date_naive() >= s))
                .collect();
            let doc = epcis::document(&ctes, Utc::now()).context("building the EPCIS document")?;
            let events = doc["epcisBody"]["eventList"].as_array().map_or(0, Vec::len);
            std::fs::write(&out, serde_json::to_vec_pretty(&doc)?)
                .with_context(|| format!("writing {}", out.display()))?;
            report(json, "epcis", &out, events, stdout)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every CTE in the store, in log order.
fn load(globals: &Globals, site_gln: &str) -> anyhow::Result<Vec<Cte>> {
    let db = globals.db_path();
    let store = Store::open(&db).with_context(|| format!("opening the store {}", db.display()))?;
    let events = store.events().context("reading the event log")?;
    let pruned = store.pruned_count().context("reading the event log")?;
    if pruned > 0 {
        eprintln!(
            "warning: {pruned} event(s) of old history were pruned from this store (`lotline store prune`) and are not in this export; the server holds them"
        );
    }
    let describe = |gtin: &str| {
        store
            .product(gtin)
            .ok()
            .flatten()
            .map(|p| p.name)
            .unwrap_or_default()
    };
    Ok(from_store::ctes(&events, site_gln, describe))
}

fn report(
    json: bool,
    kind: &str,
    file: &std::path::Path,
    count: usize,
    out: &mut Out,
) -> std::io::Result<()> {
    if json {
        out.json(&json!({"export": kind, "out": file, "count": count}))
    } else {
        out.line(format_args!(
            "wrote {count} {kind} records to {}",
            file.display()
        ))
    }
}
