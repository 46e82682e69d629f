//! `lotline trace LOT|SCAN`: where a lot went and where it came from, as a tree or JSON.

use std::process::ExitCode;

use clap::Args;

use super::lot::LotArg;
use super::output::Out;
use super::{CmdResult, Globals};
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
/// under the lot they belong to, then a summary.
fn render_trace(t: &Trace) -> String {
    fn node(out: &mut String, n: &TraceNode, verb: &str) {
        let pad = "  ".repeat(n.depth as usize + 1);
        let qty = n
            .quantity
            .map(|q| format!(" ({verb} {q})"))
            .unwrap_or_default();
        let again = if n.repeated { " [shown above]" } else { "" };
        out.push_str(&format!("{pad}{}{qty}{again}\n", n.lot));
        for s in &n.shipments {
            let reference = s
                .shipment
                .as_ref()
                .map(|r| format!(", shipment {r}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "{pad}  -> shipped {} to {} on {}{reference}\n",
                s.quantity,
                s.customer,
                date(&s.at)
            ));
        }
        for r in &n.receipts {
            let supplier = r.supplier.as_deref().unwrap_or("an unnamed supplier");
            let po =
                r.po.as_ref()
                    .map(|p| format!(", PO {p}"))
                    .unwrap_or_default();
            out.push_str(&format!(
                "{pad}  <- received {} from {supplier} on {}{po}\n",
                r.quantity,
                date(&r.at)
            ));
        }
        for c in &n.children {
            node(out, c, verb);
        }
    }
    fn date(at: &str) -> &str {
        at.get(..10).unwrap_or(at)
    }
    let mut out = format!("trace of lot {}\n", t.lot);
    if let Some(f) = &t.forward {
        out.push_str("forward: consumed into, shipped to\n");
        node(&mut out, f, "used");
    }
    if let Some(b) = &t.backward {
        out.push_str("backward: made from, received from\n");
        node(&mut out, b, "used");
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
