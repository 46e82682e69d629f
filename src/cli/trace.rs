//! `lotline trace LOT|SCAN`: where a lot went and where it came from, as a tree or JSON.

use std::process::ExitCode;

use clap::Args;

use super::lot::LotArg;
use super::output::Out;
use super::{CmdResult, Globals};
use crate::compliance::report::{TreeEntry, date, tree_rows};
use crate::domain::trace::{Direction, Trace, TraceNode};

#[derive(Debug, Args)]
pub struct TraceArgs {
    #[command(flatten)]
    lot: LotArg,
    #[command(flatten)]
    direction: DirectionArgs,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

/// Which way a trace goes: `--forward`, `--backward` or `--both` (the default).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DirectionArgs {
    /// Where it went: lots it was consumed into, then shipments.
    #[arg(long, conflicts_with_all = ["backward", "both"])]
    forward: bool,
    /// Where it came from: lots it was made from, then receipts.
    #[arg(long, conflicts_with = "both")]
    backward: bool,
    /// Both ways (the default).
    #[arg(long)]
    both: bool,
}

impl DirectionArgs {
    pub fn direction(self) -> Direction {
        match (self.forward, self.backward) {
            (true, _) => Direction::Forward,
            (_, true) => Direction::Backward,
            _ => Direction::Both,
        }
    }
}

pub fn run(args: TraceArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let station = super::workflow::open_station(globals)?;
    let lot = args.lot.resolve(&station)?;
    let t = station.trace_lot(&lot, args.direction.direction())?;
    if args.json {
        out.json(&t)?;
    } else {
        out.line(render_trace(&t).trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A trace as an indented tree for a supervisor: one lot per line, shipments and receipts
/// under the lot they belong to, then a summary. The rows come from the one tree walk of
/// [`tree_rows`]; this only words them.
fn render_trace(t: &Trace) -> String {
    fn tree(out: &mut String, root: &TraceNode) {
        for row in tree_rows(root, |_| String::new()) {
            let pad = "  ".repeat(row.depth as usize + 1);
            let line = match row.entry {
                TreeEntry::Lot {
                    lot,
                    quantity,
                    repeated,
                    ..
                } => {
                    let qty = quantity.map(|q| format!(" (used {q})")).unwrap_or_default();
                    let again = if repeated { " [shown above]" } else { "" };
                    format!("{lot}{qty}{again}")
                }
                TreeEntry::Shipment {
                    quantity,
                    customer,
                    at,
                    reference,
                } => format!(
                    "-> shipped {quantity} to {customer} on {}{}",
                    date(&at),
                    reference
                        .map(|r| format!(", shipment {r}"))
                        .unwrap_or_default()
                ),
                TreeEntry::Receipt {
                    quantity,
                    supplier,
                    at,
                    po,
                } => format!(
                    "<- received {quantity} from {} on {}{}",
                    supplier.as_deref().unwrap_or("an unnamed supplier"),
                    date(&at),
                    po.map(|p| format!(", PO {p}")).unwrap_or_default()
                ),
            };
            out.push_str(&format!("{pad}{line}\n"));
        }
    }
    let mut out = format!("trace of lot {}\n", t.lot);
    if let Some(f) = &t.forward {
        out.push_str("forward: consumed into, shipped to\n");
        tree(&mut out, f);
    }
    if let Some(b) = &t.backward {
        out.push_str("backward: made from, received from\n");
        tree(&mut out, b);
    }
    fn names(list: &[String]) -> String {
        if list.is_empty() {
            String::new()
        } else {
            format!(" ({})", list.join(", "))
        }
    }
    out.push_str(&format!("{} lots", t.lots.len()));
    if t.direction.forward() {
        out.push_str(&format!(
            "; {} shipments to {} customers{}",
            t.shipments.len(),
            t.customers.len(),
            names(&t.customers)
        ));
    }
    if t.direction.backward() {
        out.push_str(&format!(
            "; {} receipts from {} suppliers{}",
            t.receipts.len(),
            t.suppliers.len(),
            names(&t.suppliers)
        ));
    }
    out.push('\n');
    if t.truncated {
        out.push_str("WARNING: the genealogy goes deeper than the trace follows\n");
    }
    out
}
