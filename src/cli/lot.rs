//! How every command names a lot, `LOT|SCAN [--gtin GTIN]`, and the `lot` commands.
//!
//! LOT is a batch number; `--gtin` says which product's when several share it. SCAN is any
//! GS1 data holding (01) and (10): bracketed `(01)…(10)…`, raw with GS separators, AIM scan
//! data `]C1…`, or a GS1 Digital Link URI. One resolver, [`Station::resolve_lot`], for all.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::error::{Code, Described, refuse};
use super::output::Out;
use super::{CmdResult, EXIT_PARTLY, Globals};
use crate::compliance::history::history_line;
use crate::domain::trace::LotRef;
use crate::domain::{EventKind, LotStatus};
use crate::workflow::lookup::{HistoryServer, LotHistory, OlderHistory, complete_history};
use crate::workflow::{Refusal, Station, StatusRequest, WorkflowError};

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
    /// The lot named, whether this store knows it or not (see [`Station::lot_named`]).
    pub fn named(
        &self,
        station: &Station,
        lot: &str,
    ) -> Result<LotRef, crate::workflow::WorkflowError> {
        station.lot_named(lot, self.gtin.as_deref(), self.gs)
    }

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
    /// A lot's history, oldest first: every event that names it. When its older history was
    /// pruned here (or the lot is not in this store), the whole history comes from the server
    /// set up under [sync].
    History(ShowArgs),
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
        LotCommand::History(args) => history(&station, globals, args, out),
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

/// Request timeout for the server's history when `[sync] timeout` is not set.
const HISTORY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

fn history(station: &Station, globals: &Globals, args: ShowArgs, out: &mut Out) -> CmdResult {
    let options = &args.lot.options;
    // A lot this store does not know may still be known at the server, when the command
    // names it whole (a scan, or a batch number with --gtin).
    let (local, unknown) = match args.lot.resolve(station) {
        Ok(lot) => (station.lot_history(&lot)?, None),
        Err(e) => match e.downcast_ref::<WorkflowError>() {
            Some(WorkflowError::Refused(Refusal::NoSuchLot(_) | Refusal::NoSuchBatch(_))) => {
                let Ok(lot) = options.named(station, &args.lot.lot) else {
                    return Err(e);
                };
                let local = LotHistory {
                    lot,
                    events: Vec::new(),
                    older: OlderHistory::AtServer,
                };
                (local, Some(e))
            }
            _ => return Err(e),
        },
    };
    let server = match local.older {
        OlderHistory::Here => None,
        _ => history_server(globals)?,
    };
    let h = complete_history(local, server.as_ref().map(|s| s as &dyn HistoryServer));
    let l = &h.lot;
    let known_here = unknown.is_none();
    if let Some(not_here) = unknown {
        match &h.older {
            OlderHistory::FromServer => {}
            OlderHistory::NotAtServer => {
                return refuse(
                    Code::LotNotFound,
                    format!(
                        "no lot {} of GTIN {} in this store or at the server",
                        l.batch, l.gtin
                    ),
                );
            }
            OlderHistory::Failed { why, .. } => {
                return refuse(
                    Code::SyncFailed,
                    format!(
                        "lot {} / {} is not in this store, and the server could not be asked \
                         for its history: {why}",
                        l.gtin, l.batch
                    ),
                );
            }
            OlderHistory::Here | OlderHistory::AtServer => return Err(not_here),
        }
    }
    let older = older_words(&h.older);
    if args.json {
        out.json(&HistoryJson {
            gtin: &l.gtin,
            batch: &l.batch,
            source: match h.older {
                OlderHistory::FromServer => "server",
                _ => "station",
            },
            complete: h.older.complete(),
            older: older.as_deref(),
            events: h
                .events
                .iter()
                .map(|e| EventJson {
                    id: &e.id,
                    at: &e.at,
                    station: &e.station,
                    actor: &e.actor,
                    event: &e.event,
                })
                .collect(),
        })?;
    } else {
        let whence = match &h.older {
            OlderHistory::Here => String::new(),
            OlderHistory::FromServer if h.events.is_empty() => ", from the server".into(),
            OlderHistory::FromServer => format!(
                ", from the server ({})",
                if known_here {
                    "its older history was pruned here"
                } else {
                    "the lot is not in this store"
                }
            ),
            _ => format!(" held here; {}", older.as_deref().unwrap_or_default()),
        };
        out.line(format_args!(
            "lot {} / {}: {} event(s){whence}",
            l.gtin,
            l.batch,
            h.events.len()
        ))?;
        for e in &h.events {
            out.line(format_args!("  {}", history_line(e).text()))?;
        }
    }
    if h.older.complete() {
        return Ok(ExitCode::SUCCESS);
    }
    // What the station has was printed; the rest is at the server: partly done.
    std::io::Write::flush(out)?;
    Described {
        code: Code::SyncFailed,
        message: format!(
            "lot {} / {}: {}",
            l.gtin,
            l.batch,
            older.unwrap_or_default()
        ),
    }
    .report(args.json);
    Ok(ExitCode::from(EXIT_PARTLY))
}

/// Where the rest of a lot's history is, when what is shown is not all of it.
fn older_words(older: &OlderHistory) -> Option<String> {
    Some(match older {
        OlderHistory::Here | OlderHistory::FromServer => return None,
        OlderHistory::AtServer => "older history is kept at the server, and no server is set \
             up for this station (`server` and `token` under [sync] in the station config)"
            .into(),
        OlderHistory::NotAtServer => {
            "older history was pruned here, and the server does not hold this lot".into()
        }
        OlderHistory::Failed {
            unreachable: true,
            why,
        } => format!("older history is kept at the server, which could not be reached ({why})"),
        OlderHistory::Failed {
            unreachable: false,
            why,
        } => format!("older history is kept at the server, which did not give it: {why}"),
    })
}

/// The server set up under [sync] in the station config (`LOTLINE_SERVER` and
/// `LOTLINE_TOKEN` before it, as for `lotline sync`), if any.
fn history_server(globals: &Globals) -> anyhow::Result<Option<crate::sync::HttpTransport>> {
    let mut config = crate::config::StationConfig::load(globals.config.as_deref())?.sync;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    config.server = env("LOTLINE_SERVER").or(config.server);
    config.token = env("LOTLINE_TOKEN").or(config.token);
    Ok(config.transport(HISTORY_TIMEOUT))
}

/// `lot history --json`.
#[derive(serde::Serialize)]
struct HistoryJson<'a> {
    gtin: &'a str,
    batch: &'a str,
    /// `station`: the events this store holds; `server`: the server's whole history of the lot
    /// (and this station's events it does not hold yet).
    source: &'static str,
    /// Whether `events` is the lot's whole history.
    complete: bool,
    /// Where the rest is, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    older: Option<&'a str>,
    events: Vec<EventJson<'a>>,
}

#[derive(serde::Serialize)]
struct EventJson<'a> {
    id: &'a str,
    at: &'a str,
    station: &'a str,
    actor: &'a str,
    event: &'a EventKind,
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
