//! `lotline recall …`: start a recall, account for what it covers, close it, look it up.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::act::ActAs;
use super::lot::{LotArg, LotsArg};
use super::output::Out;
use super::report::{ReportFormat, write_report};
use super::values::DispositionArg;
use super::workflow::open_station;
use super::{CmdResult, Globals};
use crate::domain::recall::{HolderChoice, RecallStatus, holder_name};
use crate::domain::status::Role;
use crate::workflow::recall::{AccountRequest, RecallRequest, RecallStarted};

#[derive(Debug, Args)]
pub struct RecallArgs {
    #[command(subcommand)]
    pub command: RecallCommand,
}

#[derive(Debug, Subcommand)]
pub enum RecallCommand {
    /// Start a recall (supervisor): marks the lots recalled and lists the affected shipments
    /// and customers with quantities.
    Start {
        #[command(flatten)]
        lots: LotsArg,
        /// Why: recorded in the event log, and on every lot's status change. Required.
        #[arg(long, default_value = "")]
        reason: String,
        /// Also recall every lot made from these (forward through the genealogy).
        #[arg(long)]
        include_derived: bool,
        /// Show what the recall would cover; record nothing.
        #[arg(long)]
        dry_run: bool,
        /// Who is acting: only a supervisor, with the PIN, may start a recall.
        #[command(flatten)]
        act: ActAs,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Where a recall stands: each lot at the site and at each customer, accounted for or not.
    Status {
        id: String,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Account for a quantity of a recalled lot (returned, destroyed, found on hand …).
    Account {
        id: String,
        #[command(flatten)]
        lot: LotArg,
        /// The quantity accounted for.
        #[arg(long, alias = "quantity", allow_negative_numbers = true)]
        qty: i64,
        /// What happened to it.
        #[arg(long, value_enum)]
        how: DispositionArg,
        /// The customer who held it (when the lot went to several places).
        #[arg(long, conflicts_with = "site")]
        customer: Option<String>,
        /// It was stock at this site (when the lot also went to customers).
        #[arg(long)]
        site: bool,
        /// Free text kept with the record (required with --how other).
        #[arg(long)]
        note: Option<String>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Close a recall (supervisor): refused while anything is unaccounted for, unless --force
    /// with a reason.
    Close {
        id: String,
        /// Close although items are still open (needs --reason).
        #[arg(long)]
        force: bool,
        /// Why it is closed with items open.
        #[arg(long)]
        reason: Option<String>,
        /// Who is acting: only a supervisor, with the PIN, may close a recall.
        #[command(flatten)]
        act: ActAs,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// The recall report: where the recall stands and the forward trace of its lots, as PDF
    /// or CSV (by the file's extension).
    Report {
        id: String,
        /// Output file: .pdf or .csv.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Every recall, newest first, with what is still open.
    List {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: RecallArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let mut station = open_station(globals)?;
    match args.command {
        RecallCommand::Start {
            lots,
            reason,
            include_derived,
            dry_run,
            act,
            json,
        } => {
            // A dry run records nothing: it shows what a supervisor would start.
            let role = if dry_run {
                Role::Supervisor
            } else {
                act.prove(globals, &mut station)?
            };
            let req = RecallRequest {
                lots: lots.lots,
                gtin: lots.options.gtin,
                reason,
                role,
                include_derived,
                gs_substitute: lots.options.gs,
            };
            let today = chrono::Local::now().date_naive();
            let r = station.start_recall(&req, today, dry_run)?;
            if json {
                out.json(&r)?;
            } else {
                out.line(render_started(&r).trim_end())?;
            }
        }
        RecallCommand::Status { id, json } => {
            let s = station.recall_status(&id)?;
            if json {
                out.json(&s)?;
            } else {
                out.line(render_status(&s).trim_end())?;
            }
        }
        RecallCommand::Account {
            id,
            lot,
            qty,
            how,
            customer,
            site,
            note,
            json,
        } => {
            let holder = match (customer, site) {
                (Some(c), _) => HolderChoice::Customer(c.trim().to_string()),
                (None, true) => HolderChoice::Site,
                (None, false) => HolderChoice::Any,
            };
            let req = AccountRequest {
                recall: id,
                lot: lot.lot,
                gtin: lot.options.gtin,
                holder,
                quantity: crate::workflow::typed_quantity(qty)?,
                how: how.into(),
                note,
                gs_substitute: lot.options.gs,
            };
            let s = station.account_recall(&req)?;
            if json {
                out.json(&s)?;
            } else {
                let a = s.accounting.last().expect("just recorded");
                out.line(format_args!(
                    "recall {}: {} of lot {} {} accounted for as {}; {} open items{}",
                    s.record.id,
                    a.quantity,
                    a.lot,
                    holder_name(&a.customer),
                    a.how.key(),
                    s.open_items,
                    outstanding_per_product(&s)
                ))?;
            }
        }
        RecallCommand::Close {
            id,
            force,
            reason,
            act,
            json,
        } => {
            let role = act.prove(globals, &mut station)?;
            let s = station.close_recall(&id, role, force, reason.as_deref())?;
            if json {
                out.json(&s)?;
            } else {
                let forced = match s.record.closed.as_ref() {
                    Some(c) if c.forced => format!(
                        " with {} units unaccounted for ({})",
                        c.outstanding,
                        c.reason.as_deref().unwrap_or("")
                    ),
                    _ => String::new(),
                };
                out.line(format_args!("recall {} closed{forced}", s.record.id))?;
            }
        }
        RecallCommand::Report {
            id,
            out: file,
            json,
        } => {
            let format = ReportFormat::of(&file)?;
            let report = station.recall_report(&id)?;
            write_report(&report, format, &file, json, out)?;
        }
        RecallCommand::List { json } => {
            let all = station.recalls()?;
            if json {
                out.json(&all)?;
            } else if all.is_empty() {
                out.line("no recalls in this store")?;
            } else {
                for s in &all {
                    out.line(format_args!(
                        "{}  {}  {}  {} lots, {} open items{}  {}",
                        s.record.id,
                        date(&s.record.started_at),
                        state(s),
                        s.record.lots.len(),
                        s.open_items,
                        outstanding_per_product(s),
                        s.record.reason
                    ))?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn date(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

fn state(s: &RecallStatus) -> &'static str {
    match &s.record.closed {
        None => "open",
        Some(c) if c.forced => "closed (forced)",
        Some(_) => "closed",
    }
}

/// What a started recall covers, for the supervisor at the terminal.
fn render_started(r: &RecallStarted) -> String {
    let p = &r.plan;
    let mut out = match &r.id {
        Some(id) => format!("recall {id} started: {}\n", r.reason),
        None => format!("DRY RUN (nothing recorded): {}\n", r.reason),
    };
    out.push_str(&format!(
        "lots covered ({}{}):\n",
        p.lots.len(),
        if p.include_derived {
            ", with every lot made from them"
        } else {
            ""
        }
    ));
    for l in &p.lots {
        let change = if r.marked.contains(&l.lot) {
            format!("{} -> recalled", l.status.name())
        } else {
            format!("stays {}", l.status.name())
        };
        out.push_str(&format!(
            "  {}{}  {change}, {} on hand\n",
            l.lot,
            if l.named { " (named)" } else { "" },
            l.on_hand
        ));
    }
    out.push_str(&format!("affected shipments ({}):\n", p.shipments.len()));
    for s in &p.shipments {
        let reference = s
            .shipment
            .as_ref()
            .map(|r| format!(", shipment {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}  {}  {} to {}{reference}\n",
            date(&s.at),
            s.lot,
            s.quantity,
            s.customer
        ));
    }
    out.push_str(&format!("customers ({}):\n", p.customers.len()));
    for c in &p.customers {
        let lots: Vec<&str> = c.lots.iter().map(|l| l.batch.as_str()).collect();
        out.push_str(&format!(
            "  {}: {} in {} shipments (lots {})\n",
            c.customer,
            c.quantity,
            c.shipments,
            lots.join(", ")
        ));
    }
    if !p.not_covered.is_empty() {
        let lots: Vec<String> = p.not_covered.iter().map(|l| l.to_string()).collect();
        out.push_str(&format!(
            "NOT covered, made from these lots ({}): {} — add --include-derived to recall them too\n",
            lots.len(),
            lots.join(", ")
        ));
    }
    if p.truncated {
        out.push_str("WARNING: the genealogy goes deeper than the trace follows\n");
    }
    let units: i64 = p.items.iter().map(|i| i.quantity).sum();
    out.push_str(&format!(
        "to account for: {} items, {units} units",
        p.items.len()
    ));
    match &r.id {
        Some(id) => out.push_str(&format!(
            " (lotline recall account {id} LOT --qty N --how returned|destroyed|on_hand|consumed|other)\n"
        )),
        None => out.push('\n'),
    }
    out
}

/// A recall's state, item by item, then what was recorded.
fn render_status(s: &RecallStatus) -> String {
    let r = &s.record;
    let mut out = format!("recall {}: {}\n", r.id, state(s));
    out.push_str(&format!(
        "reason: {}\nstarted {} by {}{}\n",
        r.reason,
        date(&r.started_at),
        r.started_by,
        if r.include_derived {
            ", with derived lots"
        } else {
            ""
        }
    ));
    if let Some(c) = &r.closed {
        out.push_str(&format!("closed {} by {}", date(&c.at), c.by));
        if c.forced {
            out.push_str(&format!(
                ", FORCED with {} units unaccounted for: {}",
                c.outstanding,
                c.reason.as_deref().unwrap_or("")
            ));
        }
        out.push('\n');
    }
    out.push_str("items (expected / accounted / outstanding):\n");
    for i in &s.items {
        out.push_str(&format!(
            "  {} {}: {} / {} / {}{}\n",
            i.lot,
            holder_name(&i.customer),
            i.expected,
            i.accounted,
            i.outstanding,
            if i.outstanding == 0 { "  done" } else { "" }
        ));
    }
    if !s.accounting.is_empty() {
        out.push_str("accounted:\n");
        for a in &s.accounting {
            let note = a
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {}  {} {}: {} {}{note}, by {}\n",
                date(&a.at),
                a.lot,
                holder_name(&a.customer),
                a.quantity,
                a.how.key(),
                a.actor
            ));
        }
    }
    out.push_str(&format!("{} open items\n", s.open_items));
    out.push_str("per product (expected / accounted / outstanding):\n");
    for t in &s.products {
        out.push_str(&format!(
            "  {}  {} / {} / {}\n",
            t.gtin, t.expected, t.accounted, t.outstanding
        ));
    }
    out
}

/// What is still outstanding, per product (units of different products do not add up):
/// " (280 of 09501101530003, 12 of 09501101530010 outstanding)", or nothing when none is.
fn outstanding_per_product(s: &crate::domain::recall::RecallStatus) -> String {
    let open: Vec<String> = s
        .products
        .iter()
        .filter(|t| t.outstanding > 0)
        .map(|t| format!("{} of {}", t.outstanding, t.gtin))
        .collect();
    if open.is_empty() {
        String::new()
    } else {
        format!(" ({} outstanding)", open.join(", "))
    }
}
