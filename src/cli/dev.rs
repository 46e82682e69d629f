//! `lotline dev …`: developer tools. `dev seed` fills a new store with a realistic site.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::error::{Code, refuse};
use super::output::Out;
use super::{CmdResult, Globals};
use crate::workflow::seed::{self, SeedPlan};

#[derive(Debug, Args)]
pub struct DevArgs {
    #[command(subcommand)]
    pub command: DevCommand,
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Build a realistic site in an empty store (deterministic for a seed): products, suppliers,
    /// customers, locations, received and produced lots over 7 levels of genealogy, moves,
    /// counts, dispatches and status changes, all as real events. Prints what it made and a
    /// deep lot to trace.
    Seed {
        #[arg(long, default_value_t = 2_000)]
        products: u32,
        #[arg(long, default_value_t = 200_000)]
        lots: u32,
        /// Total events to aim for.
        #[arg(long, default_value_t = 2_000_000)]
        events: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: DevArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    match args.command {
        DevCommand::Seed {
            products,
            lots,
            events,
            seed,
            json,
        } => {
            let mut station = super::workflow::open_station(globals)?;
            let store = station.store_mut();
            let existing = store.event_count()?;
            if existing > 0 {
                return refuse(
                    Code::InvalidInput,
                    format!(
                        "this store already holds {existing} events: dev seed builds a new site, give it an empty --db"
                    ),
                );
            }
            let plan = SeedPlan {
                products,
                lots,
                events,
                seed,
            };
            let bar = (!json && std::io::stderr().is_terminal())
                .then(|| indicatif::ProgressBar::new(events));
            let started = std::time::Instant::now();
            let report = seed::seed(store, &plan, chrono::Local::now().date_naive(), &mut |n| {
                if let Some(b) = &bar {
                    b.set_position(n);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let seconds = started.elapsed().as_secs_f64();
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["seconds"] = seconds.into();
                out.json(&v)?;
            } else {
                let r = &report;
                out.line(format_args!(
                    "seeded {} events in {seconds:.1} s: {} products, {} suppliers, {} customers, {} locations",
                    r.events, r.products, r.suppliers, r.customers, r.locations
                ))?;
                out.line(format_args!(
                    "lots: {} received, {} produced ({} inputs consumed); {} dispatches, {} moves, {} counts, {} status changes",
                    r.lots_received,
                    r.lots_produced,
                    r.consumptions,
                    r.dispatches,
                    r.moves,
                    r.counts,
                    r.status_changes
                ))?;
                if let Some(d) = &r.deep_lot {
                    out.line(format_args!(
                        "deepest lot: {} / {} ({} levels): lotline trace {} --gtin {}",
                        d.gtin, d.batch, d.depth, d.batch, d.gtin
                    ))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
