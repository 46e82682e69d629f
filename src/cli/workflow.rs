//! The batch-tracking commands: `product`, `receive`, `produce`, `dispatch`, `lot`, `pick`,
//! `expiry`, `trace`, `suppliers`, `store`, `dev`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{CmdResult, EXIT_REFUSED, Globals};
use crate::config::StationConfig;
use crate::domain::{LotStatus, Role, StatusAction, Strategy};
use crate::gs1;
use crate::store::query;
use crate::workflow::seed::{self, SeedPlan};
use crate::workflow::{
    DispatchRequest, LotLine, Outcome, ProduceRequest, ReceiveRequest, Station, StationIdentity,
};

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Product master data.
    #[command(subcommand)]
    Product(ProductCommand),
    /// Receive a supplier lot from one GS1 scan (or typed fields).
    Receive(Box<ReceiveArgs>),
    /// Produce a new batch (prints its batch number), consuming input lots.
    Produce(Box<ProduceArgs>),
    /// Ship lots to a customer.
    Dispatch(Box<DispatchArgs>),
    /// Move stock of a lot between locations.
    Move {
        /// GTIN/BATCH or a unique BATCH.
        lot: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, allow_hyphen_values = true)]
        qty: i64,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        out: JsonArg,
    },
    /// Record a cycle count of a lot at a location.
    Count {
        /// GTIN/BATCH or a unique BATCH.
        lot: String,
        #[arg(long)]
        location: String,
        #[arg(long, allow_hyphen_values = true)]
        qty: i64,
        #[command(flatten)]
        actor: ActorArgs,
        #[command(flatten)]
        out: JsonArg,
    },
    /// Show a lot or change its quality status (supervisor).
    #[command(subcommand)]
    Lot(LotCommand),
    /// Suggest which lots to pick (FEFO, FIFO or LIFO).
    Pick(PickArgs),
    /// Lots with stock expiring within a horizon.
    Expiry(ExpiryArgs),
    /// Forward and backward trace of a lot over the genealogy.
    Trace(TraceArgs),
    /// Supplier quality: lots received, rejected, recalled.
    Suppliers(JsonArg),
    /// Check or rebuild the local store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Developer tools: data generator.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Generate a realistic site (products, lots, genealogy, shipments) into the store.
    Seed {
        #[arg(long, default_value_t = 2000)]
        products: u32,
        #[arg(long, default_value_t = 200_000)]
        lots: u32,
        /// Share of lots produced from earlier lots.
        #[arg(long, default_value_t = 0.3)]
        produced_share: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        out: JsonArg,
    },
    /// Receive COUNT lots one durable scan at a time, printing each event id after its commit
    /// (used by the crash test).
    #[command(hide = true)]
    RecordLoop {
        #[arg(long)]
        prefix: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Who is acting; supervisors give their PIN.
#[derive(Debug, Args)]
pub struct ActorArgs {
    /// Name of the person at the station.
    #[arg(long, env = "LOTLINE_ACTOR", default_value = "operator")]
    pub actor: String,
    #[arg(long, value_enum, default_value = "worker")]
    pub role: Role,
    /// Supervisor PIN (checked against station.supervisor_pin_sha256).
    #[arg(long, env = "LOTLINE_PIN")]
    pub pin: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Register or update a product and its receipt rule.
    Add {
        gtin: String,
        #[arg(long)]
        name: String,
        /// Status of newly received lots.
        #[arg(long, value_enum, default_value = "quarantined")]
        receive_as: ReceiveAs,
        /// Shelf life: sets the expiry of produced batches.
        #[arg(long)]
        shelf_life_days: Option<u32>,
        #[command(flatten)]
        out: JsonArg,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReceiveAs {
    Quarantined,
    Released,
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The supplier label's GS1 data (HRI, raw element string, AIM scan data or Digital Link).
    pub scan: Option<String>,
    #[arg(long)]
    pub gtin: Option<String>,
    #[arg(long)]
    pub batch: Option<String>,
    /// Expiry date YYYY-MM-DD.
    #[arg(long)]
    pub expiry: Option<NaiveDate>,
    #[arg(long, allow_hyphen_values = true)]
    pub qty: Option<i64>,
    #[arg(long, default_value = "")]
    pub location: String,
    #[arg(long)]
    pub supplier: Option<String>,
    #[arg(long)]
    pub po: Option<String>,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    #[arg(long)]
    pub product: String,
    #[arg(long, allow_hyphen_values = true)]
    pub qty: i64,
    #[arg(long, default_value = "")]
    pub location: String,
    /// Input lot consumed, as LOT:QTY (LOT is GTIN/BATCH or a unique BATCH). Repeatable.
    #[arg(long)]
    pub consume: Vec<String>,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    /// Lots shipped, as LOT:QTY (LOT is GTIN/BATCH or a unique BATCH).
    #[arg(required = true)]
    pub lines: Vec<String>,
    #[arg(long)]
    pub customer: String,
    #[arg(long)]
    pub shipment: Option<String>,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum LotCommand {
    /// Status, stock per location, expiry, supplier.
    Show {
        lot: String,
        #[command(flatten)]
        out: JsonArg,
    },
    Hold(StatusArgs),
    Release(StatusArgs),
    Reject(StatusArgs),
    Recall(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// GTIN/BATCH or a unique BATCH.
    pub lot: String,
    #[arg(long, default_value = "")]
    pub reason: String,
    #[command(flatten)]
    pub actor: ActorArgs,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Args)]
pub struct PickArgs {
    pub gtin: String,
    #[arg(long, allow_hyphen_values = true)]
    pub qty: i64,
    #[arg(long, value_enum, default_value = "fefo")]
    pub strategy: Strategy,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Args)]
pub struct ExpiryArgs {
    /// Horizon in days (default: station.expiry_horizon_days).
    #[arg(long)]
    pub within: Option<u32>,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    pub lot: String,
    #[arg(long)]
    pub forward: bool,
    #[arg(long)]
    pub backward: bool,
    #[arg(long)]
    pub both: bool,
    #[command(flatten)]
    pub out: JsonArg,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Walk the hash chain and run SQLite's integrity check; exit 1 if anything is wrong.
    Verify(JsonArg),
    /// Replay the event log into the derived tables.
    Rebuild(JsonArg),
}

fn db_path(globals: &Globals) -> anyhow::Result<PathBuf> {
    if let Some(db) = &globals.db {
        return Ok(db.clone());
    }
    let dirs = directories::ProjectDirs::from("", "", "lotline")
        .context("no home directory: give the store file with --db or LOTLINE_DB")?;
    std::fs::create_dir_all(dirs.data_dir())
        .with_context(|| format!("creating {}", dirs.data_dir().display()))?;
    Ok(dirs.data_dir().join("lotline.db"))
}

fn load_config(globals: &Globals) -> anyhow::Result<StationConfig> {
    let path = match &globals.config {
        Some(p) => p.clone(),
        None => match directories::ProjectDirs::from("", "", "lotline") {
            Some(d) if d.config_dir().join("lotline.toml").exists() => {
                d.config_dir().join("lotline.toml")
            }
            _ => return Ok(StationConfig::default()),
        },
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading config {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config {}", path.display()))
}

fn open(globals: &Globals, actor: Option<&ActorArgs>) -> anyhow::Result<Station> {
    let config = load_config(globals)?;
    let identity = StationIdentity {
        settings: config.station,
        actor: actor.map_or("operator".into(), |a| a.actor.clone()),
        role: actor.map_or(Role::Worker, |a| a.role),
        pin: actor.and_then(|a| a.pin.clone()),
    };
    let path = db_path(globals)?;
    Station::open(&path, identity).with_context(|| format!("opening store {}", path.display()))
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce() -> String) -> CmdResult {
    if json {
        println!("{}", serde_json::to_string(value)?);
    } else {
        println!("{}", text());
    }
    Ok(ExitCode::SUCCESS)
}

fn lot_lines(specs: &[String]) -> anyhow::Result<Vec<LotLine>> {
    specs
        .iter()
        .map(|s| {
            let (lot, qty) = s.rsplit_once(':').with_context(|| {
                format!("{s:?}: write lots as LOT:QTY, e.g. 09506000134352/B1:10")
            })?;
            let qty = qty
                .parse()
                .with_context(|| format!("{s:?}: quantity {qty:?} is not a whole number"))?;
            Ok(LotLine {
                lot: lot.into(),
                qty,
            })
        })
        .collect()
}

fn outcome_text(verb: &str, o: &Outcome) -> String {
    let mut s = format!(
        "OK {verb} {} lot {} ({}) qty {} status {}{}",
        o.lot.gtin,
        o.lot.batch,
        o.product,
        o.lot.on_hand,
        o.lot.status,
        o.lot
            .expiry
            .map(|e| format!(" expiry {e}"))
            .unwrap_or_default()
    );
    for w in &o.warnings {
        s.push_str(&format!("\nWARNING: {w}"));
    }
    s
}

pub fn run(cmd: WorkflowCommand, globals: &Globals) -> CmdResult {
    match cmd {
        WorkflowCommand::Product(ProductCommand::Add {
            gtin,
            name,
            receive_as,
            shelf_life_days,
            out,
        }) => {
            let mut station = open(globals, None)?;
            let status = match receive_as {
                ReceiveAs::Quarantined => LotStatus::Quarantined,
                ReceiveAs::Released => LotStatus::Released,
            };
            let (_, product) = station.add_product(&gtin, &name, status, shelf_life_days)?;
            print(out.json, &product, || {
                format!(
                    "OK product {} {} (received lots start {})",
                    product.gtin, product.name, product.receive_as
                )
            })
        }
        WorkflowCommand::Receive(args) => {
            let args = *args;
            let mut req = match &args.scan {
                Some(scan) => {
                    let msg = gs1::parse(scan, &gs1::ParseOptions::default())
                        .map_err(crate::workflow::WorkflowError::from)?;
                    ReceiveRequest::from_message(&msg)
                }
                None => ReceiveRequest::default(),
            };
            if let Some(g) = args.gtin {
                req.gtin = g;
            }
            if let Some(b) = args.batch {
                req.batch = b;
            }
            if args.expiry.is_some() {
                req.expiry = args.expiry;
            }
            if let Some(q) = args.qty {
                req.qty = q;
            }
            req.location = args.location;
            req.supplier = args.supplier;
            req.po = args.po;
            let mut station = open(globals, Some(&args.actor))?;
            let o = station.receive(req)?;
            print(args.out.json, &o, || outcome_text("received", &o))
        }
        WorkflowCommand::Produce(args) => {
            let consume = lot_lines(&args.consume)?;
            let mut station = open(globals, Some(&args.actor))?;
            let o = station.produce(ProduceRequest {
                gtin: args.product,
                qty: args.qty,
                location: args.location,
                consume,
            })?;
            print(args.out.json, &o, || outcome_text("produced", &o))
        }
        WorkflowCommand::Dispatch(args) => {
            let lines = lot_lines(&args.lines)?;
            let mut station = open(globals, Some(&args.actor))?;
            let o = station.dispatch(DispatchRequest {
                customer: args.customer,
                shipment: args.shipment,
                lines,
            })?;
            print(args.out.json, &o, || {
                let mut s = format!("OK shipment {} to {}", o.shipment, o.customer);
                for l in &o.lines {
                    s.push_str(&format!(
                        "\n  {}/{} from {} qty {}",
                        l.gtin, l.batch, l.location, l.qty
                    ));
                }
                for w in &o.warnings {
                    s.push_str(&format!("\nWARNING: {w}"));
                }
                s
            })
        }
        WorkflowCommand::Move {
            lot,
            from,
            to,
            qty,
            actor,
            out,
        } => {
            let mut station = open(globals, Some(&actor))?;
            let o = station.move_stock(&lot, &from, &to, qty)?;
            print(out.json, &o, || outcome_text("moved", &o))
        }
        WorkflowCommand::Count {
            lot,
            location,
            qty,
            actor,
            out,
        } => {
            let mut station = open(globals, Some(&actor))?;
            let o = station.count(&lot, &location, qty)?;
            print(out.json, &o, || outcome_text("counted", &o))
        }
        WorkflowCommand::Lot(LotCommand::Show { lot, out }) => {
            let station = open(globals, None)?;
            let lot = station.lookup(&lot)?;
            print(out.json, &lot, || {
                let mut s = format!(
                    "{}/{} status {} on hand {}{}{}",
                    lot.gtin,
                    lot.batch,
                    lot.status,
                    lot.on_hand,
                    lot.expiry
                        .map(|e| format!(" expiry {e}"))
                        .unwrap_or_default(),
                    lot.supplier
                        .as_ref()
                        .map(|e| format!(" supplier {e}"))
                        .unwrap_or_default()
                );
                for l in &lot.stock {
                    s.push_str(&format!("\n  {} {}", l.location, l.qty));
                }
                s
            })
        }
        WorkflowCommand::Lot(cmd) => {
            let (action, args) = match cmd {
                LotCommand::Hold(a) => (StatusAction::Hold, a),
                LotCommand::Release(a) => (StatusAction::Release, a),
                LotCommand::Reject(a) => (StatusAction::Reject, a),
                LotCommand::Recall(a) => (StatusAction::Recall, a),
                LotCommand::Show { .. } => unreachable!("handled above"),
            };
            let mut station = open(globals, Some(&args.actor))?;
            let o = station.set_status(&args.lot, action, &args.reason)?;
            print(args.out.json, &o, || outcome_text("status", &o))
        }
        WorkflowCommand::Pick(args) => {
            let station = open(globals, None)?;
            let p = station.pick(&args.gtin, args.qty, args.strategy)?;
            print(args.out.json, &p, || {
                let mut s = format!("pick {} ({:?})", p.gtin, p.strategy);
                for l in &p.lines {
                    s.push_str(&format!(
                        "\n  lot {} qty {}{}",
                        l.batch,
                        l.qty,
                        l.expiry.map(|e| format!(" expiry {e}")).unwrap_or_default()
                    ));
                }
                if p.short > 0 {
                    s.push_str(&format!(
                        "\nSHORT: {} not covered by released stock",
                        p.short
                    ));
                }
                s
            })
        }
        WorkflowCommand::Expiry(args) => {
            let station = open(globals, None)?;
            let lots = station.expiring(args.within)?;
            print(args.out.json, &lots, || {
                lots.iter()
                    .map(|l| {
                        format!(
                            "{}/{} expiry {} on hand {} status {}",
                            l.gtin,
                            l.batch,
                            l.expiry.map(|e| e.to_string()).unwrap_or_default(),
                            l.on_hand,
                            l.status
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        WorkflowCommand::Trace(args) => {
            let station = open(globals, None)?;
            let mut t = station.trace(&args.lot)?;
            let both = args.both || args.forward == args.backward;
            if !both && args.forward {
                t.made_from.clear();
            }
            if !both && args.backward {
                t.made_into.clear();
                t.shipped.clear();
            }
            print(args.out.json, &t, || {
                let mut s = format!("trace {}/{}", t.gtin, t.batch);
                for l in &t.made_into {
                    s.push_str(&format!(
                        "\n  -> made into {}/{} (depth {})",
                        l.gtin, l.batch, l.depth
                    ));
                }
                for l in &t.shipped {
                    s.push_str(&format!(
                        "\n  -> shipped {}/{} qty {} to {} ({})",
                        l.gtin, l.batch, l.qty, l.customer, l.shipment
                    ));
                }
                for l in &t.made_from {
                    s.push_str(&format!(
                        "\n  <- made from {}/{} (depth {}){}",
                        l.gtin,
                        l.batch,
                        l.depth,
                        l.supplier
                            .as_ref()
                            .map(|x| format!(" supplier {x}"))
                            .unwrap_or_default()
                    ));
                }
                s
            })
        }
        WorkflowCommand::Suppliers(out) => {
            let station = open(globals, None)?;
            let rows = query::supplier_quality(station.store().conn())?;
            print(out.json, &rows, || {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{} lots {} rejected {} recalled {} rate {:.1}%",
                            r.supplier,
                            r.lots,
                            r.rejected,
                            r.recalled,
                            r.defect_rate * 100.0
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        WorkflowCommand::Store(StoreCommand::Verify(out)) => {
            let station = open(globals, None)?;
            let report = station.store().verify()?;
            print(out.json, &report, || {
                if report.ok() {
                    format!("OK {} events, chain intact, integrity ok", report.events)
                } else {
                    format!(
                        "TAMPERED or damaged store ({} events, integrity {}):\n{}",
                        report.events,
                        report.integrity_check,
                        report.problems.join("\n")
                    )
                }
            })?;
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_REFUSED)
            })
        }
        WorkflowCommand::Dev(DevCommand::Seed {
            products,
            lots,
            produced_share,
            seed,
            out,
        }) => {
            let mut station = open(globals, None)?;
            let plan = SeedPlan {
                products,
                lots,
                produced_share,
                seed,
            };
            let report = seed::seed(station.store_mut(), &plan)?;
            print(out.json, &report, || {
                format!(
                    "OK seeded {} products, {} lots, {} events",
                    report.products, report.lots, report.events
                )
            })
        }
        WorkflowCommand::Dev(DevCommand::RecordLoop { prefix, count }) => {
            use std::io::Write;
            let mut station = open(globals, None)?;
            let gtin = seed::seed_gtin(0);
            if query::product(station.store().conn(), &gtin)?.is_none() {
                station.add_product(&gtin, "Crash test", LotStatus::Released, None)?;
            }
            let mut stdout = std::io::stdout().lock();
            for i in 0..count {
                let o = station.receive(ReceiveRequest {
                    gtin: gtin.clone(),
                    batch: format!("{prefix}-{i}"),
                    qty: 1,
                    ..ReceiveRequest::default()
                })?;
                // Printed only after commit: a reported id must survive any crash.
                writeln!(stdout, "{}", o.event.id)?;
                stdout.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Store(StoreCommand::Rebuild(out)) => {
            let mut station = open(globals, None)?;
            let report = station.store().verify()?;
            if !report.ok() {
                bail!(
                    "the event log fails verification; refusing to rebuild from it:\n{}",
                    report.problems.join("\n")
                );
            }
            let events = station.store_mut().rebuild()?;
            print(out.json, &serde_json::json!({ "replayed": events }), || {
                format!("OK rebuilt derived state from {events} events")
            })
        }
    }
}
