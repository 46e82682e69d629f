//! The batch-tracking commands over the workflow layer, one handler each: `product`,
//! `receive`, `produce`, `dispatch`, `pick`, `expiry`, `move`, `count`, `suppliers`, `store`;
//! `trace` and `lot` have modules of their own.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use super::cost::{amount_arg, site_currency};
use super::error::{Code, Described, batch_exit, refuse};
use super::lot::{LotArg, LotCommand};
use super::output::Out;
use super::trace::TraceArgs;
use super::values::{StatusArg, StrategyArg, WhenExpiredArg, WhenShortArg};
use super::{CmdResult, Globals};
use crate::domain::arrival::ReceivingRules;
use crate::domain::event::RunCosts;
use crate::domain::money::Money;
use crate::workflow::{self, DispatchRequest, ReceiveRequest, Station};

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Register products.
    Product {
        #[command(subcommand)]
        command: ProductCommand,
    },
    /// Receive a supplier lot from one GS1 scan (GTIN, batch, expiry, count, SSCC).
    Receive(ReceiveArgs),
    /// Record a production batch (its number from the site's batch format) and the input lots
    /// it used up. Prints the new batch number.
    Produce(ProduceArgs),
    /// Ship scanned pallets/cases to a customer (released, unexpired, on hand; FEFO checked).
    /// A pallet's SSCC alone ships what was received on it, once.
    Dispatch(DispatchArgs),
    /// Undo a dispatch recorded by mistake: its stock is back where it was taken from, and a
    /// compensating event with the reason is recorded (the dispatch stays in the log).
    Void(VoidArgs),
    /// Suggest which lots to pick a quantity from (FIFO, FEFO or LIFO).
    Pick(PickArgs),
    /// Lots with stock that expire within a number of days (expired ones included).
    Expiry(ExpiryArgs),
    /// Move stock of a lot between locations.
    Move(MoveArgs),
    /// Trace a lot: forward (consumed into → shipped to customers) and/or backward (made from →
    /// received from suppliers). Default: both.
    Trace(TraceArgs),
    /// Record a stock count of a lot at a location: stock there becomes the count, and the
    /// difference is kept as an adjustment in the event log.
    Count(CountArgs),
    /// Supplier quality report: lots received, rejected and recalled per supplier with the
    /// rejection, recall and defect rates, worst first; as a table, JSON or CSV.
    Suppliers(SuppliersArgs),
    /// Look at lots; hold, release, reject or recall one.
    Lot {
        #[command(subcommand)]
        command: LotCommand,
    },
    /// Check and maintain the local store.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Register (or rename) a product.
    Add {
        gtin: String,
        #[arg(long)]
        name: String,
        /// The status received lots start in.
        #[arg(long, value_enum, default_value = "quarantined")]
        receive_as: StatusArg,
        #[command(flatten)]
        rules: ReceivingRulesArgs,
        /// A supervisor registering it signs it (`--person ID`): a server takes a product
        /// released on arrival only so.
        #[command(flatten)]
        sign: super::act::SignAs,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

/// A product's receiving rules; none given keeps what the product had (defaults when new).
#[derive(Debug, Args)]
pub struct ReceivingRulesArgs {
    /// A lot that arrives already expired (default: refuse).
    #[arg(long, value_enum)]
    expired: Option<WhenExpiredArg>,
    /// The fewest days of shelf life a lot should arrive with (0: no minimum).
    #[arg(long, value_name = "DAYS")]
    min_shelf_life: Option<u32>,
    /// What a lot with less gets (default: warn).
    #[arg(long, value_enum)]
    short_shelf_life: Option<WhenShortArg>,
}

impl ReceivingRulesArgs {
    fn rules(&self) -> Option<ReceivingRules> {
        if self.expired.is_none()
            && self.min_shelf_life.is_none()
            && self.short_shelf_life.is_none()
        {
            return None;
        }
        Some(ReceivingRules {
            expired: self.expired.map(Into::into).unwrap_or_default(),
            min_shelf_life_days: self.min_shelf_life.filter(|d| *d > 0),
            short_shelf_life: self.short_shelf_life.map(Into::into).unwrap_or_default(),
        })
    }
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The scan: scan data (`]C1…`), bracketed `(01)…`, element string, or Digital Link.
    scan: String,
    /// Quantity, when the label carries no count (30)/(37).
    #[arg(long, allow_negative_numbers = true)]
    qty: Option<i64>,
    #[arg(long, default_value = "RECEIVING")]
    location: String,
    #[arg(long)]
    supplier: Option<String>,
    /// Purchase order reference.
    #[arg(long)]
    po: Option<String>,
    /// What one unit cost, in the site currency (`[site] currency`, default EUR). Without
    /// it the lot is received uncosted.
    #[arg(long, value_name = "AMOUNT")]
    unit_cost: Option<String>,
    /// A character that stands for GS in the scan.
    #[arg(long)]
    gs: Option<char>,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ProduceArgs {
    /// The product made (GTIN).
    #[arg(long)]
    product: String,
    #[arg(long, allow_negative_numbers = true)]
    qty: i64,
    /// Expiry date of the batch (YYYY-MM-DD).
    #[arg(long)]
    expiry: Option<chrono::NaiveDate>,
    /// Scans of input lots consumed (label count, else all on hand).
    #[arg(long, num_args = 1..)]
    consume: Vec<String>,
    /// The run's labour cost, in the site currency.
    #[arg(long, value_name = "AMOUNT")]
    labour: Option<String>,
    /// The run's overhead, in the site currency.
    #[arg(long, value_name = "AMOUNT")]
    overhead: Option<String>,
    #[arg(long)]
    gs: Option<char>,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct DispatchArgs {
    /// One or more scans.
    #[arg(required = true)]
    scans: Vec<String>,
    #[arg(long)]
    customer: String,
    #[arg(long)]
    shipment: Option<String>,
    /// Quantity, when the label carries no count (a label with none and no --qty is refused;
    /// a pallet's SSCC ships what was received on it).
    #[arg(long, allow_negative_numbers = true)]
    qty: Option<i64>,
    /// Refuse, not just warn, when a lot is not the FEFO choice.
    #[arg(long)]
    strict_fefo: bool,
    /// What the customer pays per unit, in the site currency.
    #[arg(long, value_name = "AMOUNT")]
    unit_price: Option<String>,
    #[arg(long)]
    gs: Option<char>,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct VoidArgs {
    /// The dispatch's event id (`dispatch --json` prints it as `event_id`).
    event: String,
    /// Why it is undone (wrong pallet, wrong customer…).
    #[arg(long)]
    reason: String,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct PickArgs {
    /// The product (GTIN).
    gtin: String,
    #[arg(long, allow_negative_numbers = true)]
    qty: i64,
    #[arg(long, value_enum, default_value = "fefo")]
    strategy: StrategyArg,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExpiryArgs {
    #[arg(long, default_value_t = 30)]
    within: u32,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct MoveArgs {
    #[command(flatten)]
    lot: LotArg,
    #[arg(long)]
    from: String,
    #[arg(long)]
    to: String,
    #[arg(long, allow_negative_numbers = true)]
    qty: i64,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct CountArgs {
    #[command(flatten)]
    lot: LotArg,
    #[arg(long)]
    location: String,
    /// What was counted (0 when the location is empty).
    #[arg(long, allow_negative_numbers = true)]
    qty: i64,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SuppliersArgs {
    /// Only lots first received on or after this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    since: Option<chrono::NaiveDate>,
    /// Print CSV instead of a table.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Write CSV to this file (.csv) instead of printing.
    #[arg(long, conflicts_with = "json")]
    out: Option<std::path::PathBuf>,
    /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Check the event log's hash chain: detects edited or deleted history.
    Verify {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Rebuild current state by replaying the event log.
    Rebuild {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Drop old history: the content of the events of lots that left this site more than
    /// DAYS ago (no stock here, no open shipment, no recall, every event held by the server).
    /// The server keeps every event; lookups of that history go to it. Lots, statuses,
    /// pallets, shipments and traces stay.
    Prune {
        /// Age in days past which a lot that left is pruned.
        #[arg(long, value_name = "DAYS")]
        older_than: u32,
        /// Then compact the file (VACUUM) so it shrinks; takes a while on a large store.
        #[arg(long)]
        compact: bool,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

/// Whether a command records events (and so signs them as the person signed in).
fn records(cmd: &WorkflowCommand) -> bool {
    matches!(
        cmd,
        WorkflowCommand::Product { .. }
            | WorkflowCommand::Receive(_)
            | WorkflowCommand::Produce(_)
            | WorkflowCommand::Dispatch(_)
            | WorkflowCommand::Void(_)
            | WorkflowCommand::Move(_)
            | WorkflowCommand::Count(_)
    )
}

/// The station's store (`--db`/`LOTLINE_DB`, else the default file), recording under the
/// station name of the config like the UI does; shared by every command that records or looks
/// up lots.
pub(crate) fn open_station(globals: &Globals) -> anyhow::Result<Station> {
    let db = globals.db_path();
    let who = crate::config::StationConfig::load(globals.config.as_deref())?.identity();
    Station::open(&db, who)
        .map_err(|e| anyhow::Error::new(e).context(format!("opening the store {}", db.display())))
}

pub fn run(cmd: WorkflowCommand, globals: &Globals, out: &mut Out) -> CmdResult {
    match cmd {
        WorkflowCommand::Trace(args) => return super::trace::run(args, globals, out),
        WorkflowCommand::Lot { command } => return super::lot::run(command, globals, out),
        _ => {}
    }
    let mut station = open_station(globals)?;
    let station = &mut station;
    if records(&cmd) {
        super::act::sign_in_from_env(globals, station)?;
    }
    match cmd {
        WorkflowCommand::Product {
            command:
                ProductCommand::Add {
                    gtin,
                    name,
                    receive_as,
                    rules,
                    sign,
                    json,
                },
        } => {
            // A person registering signs it, and must be a supervisor (as in Receive's New
            // product panel); without `--person` it is recorded unsigned (a server refuses a
            // product released on arrival so).
            if sign.prove(globals, station)? == Some(crate::domain::status::Role::Worker) {
                return refuse(
                    Code::NotSupervisor,
                    "only a supervisor registers a product: nothing was registered",
                );
            }
            product_add(station, &gtin, &name, receive_as, rules.rules(), json, out)
        }
        WorkflowCommand::Receive(args) => receive(station, args, globals, out),
        WorkflowCommand::Produce(args) => produce(station, args, globals, out),
        WorkflowCommand::Dispatch(args) => dispatch(station, args, globals, out),
        WorkflowCommand::Void(args) => void(station, args, out),
        WorkflowCommand::Pick(args) => pick(station, args, out),
        WorkflowCommand::Expiry(args) => expiry(station, args, out),
        WorkflowCommand::Move(args) => move_stock(station, args, out),
        WorkflowCommand::Count(args) => count(station, args, out),
        WorkflowCommand::Suppliers(args) => suppliers(station, args, out),
        WorkflowCommand::Store {
            command: StoreCommand::Verify { json },
        } => store_verify(station, json, out),
        WorkflowCommand::Store {
            command: StoreCommand::Rebuild { json },
        } => store_rebuild(station, json, out),
        WorkflowCommand::Store {
            command:
                StoreCommand::Prune {
                    older_than,
                    compact,
                    json,
                },
        } => store_prune(station, older_than, compact, json, out),
        WorkflowCommand::Trace(_) | WorkflowCommand::Lot { .. } => unreachable!("handled above"),
    }
}

fn product_add(
    station: &mut Station,
    gtin: &str,
    name: &str,
    receive_as: StatusArg,
    rules: Option<ReceivingRules>,
    json: bool,
    out: &mut Out,
) -> CmdResult {
    station.register_product_rules(gtin, name, receive_as.into(), rules)?;
    let p = station.product(gtin)?.expect("just registered");
    if json {
        out.json(&p)?;
    } else {
        out.line(format_args!(
            "product {} {:?}: received lots start {}",
            p.gtin,
            p.name,
            p.receive_as.name()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn receive(
    station: &mut Station,
    args: ReceiveArgs,
    globals: &Globals,
    out: &mut Out,
) -> CmdResult {
    let unit_cost = match amount_arg("--unit-cost", args.unit_cost.as_deref())? {
        Some(a) => Some(Money::new(a, site_currency(globals)?)),
        None => None,
    };
    let req = ReceiveRequest {
        unit_cost,
        scan: args.scan,
        quantity: args.qty.map(workflow::typed_quantity).transpose()?,
        location: args.location,
        supplier: args.supplier,
        po: args.po,
        gs_substitute: args.gs,
    };
    let r = station.receive(&req, chrono::Local::now().date_naive())?;
    if args.json {
        out.json(&r)?;
    } else {
        let expiry = r
            .expiry
            .map(|d| format!(", expires {d}"))
            .unwrap_or_default();
        out.line(format_args!(
            "received {} x {} batch {} into {}{expiry}: {}",
            r.quantity,
            r.product,
            r.batch,
            r.location,
            r.status.name()
        ))?;
        for warning in workflow::receive::warnings(&r) {
            out.line(format_args!("  WARNING: {warning}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn produce(
    station: &mut Station,
    args: ProduceArgs,
    globals: &Globals,
    out: &mut Out,
) -> CmdResult {
    let site = crate::config::StationConfig::load(globals.config.as_deref())?.site;
    let labour = amount_arg("--labour", args.labour.as_deref())?;
    let overhead = amount_arg("--overhead", args.overhead.as_deref())?;
    let costs = (labour.is_some() || overhead.is_some()).then_some(RunCosts {
        labour,
        overhead,
        currency: site.currency,
    });
    let req = workflow::ProduceRequest {
        costs,
        product: args.product,
        quantity: workflow::typed_quantity(args.qty)?,
        expiry: args.expiry,
        consume: args.consume,
        gs_substitute: args.gs,
    };
    let p = station.produce(&site, &req, chrono::Local::now().date_naive())?;
    if args.json {
        out.json(&p)?;
    } else {
        out.line(&p.batch)?;
        for i in &p.inputs {
            eprintln!("  consumed {} of lot {} ({})", i.quantity, i.batch, i.gtin);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Each scan is shipped or refused on its own: exit 0 when all shipped, 1 when none, 3 when
/// some were refused (each refusal on stderr, naming its scan).
fn dispatch(
    station: &mut Station,
    args: DispatchArgs,
    globals: &Globals,
    out: &mut Out,
) -> CmdResult {
    let today = chrono::Local::now().date_naive();
    let unit_price = match amount_arg("--unit-price", args.unit_price.as_deref())? {
        Some(a) => Some(Money::new(a, site_currency(globals)?)),
        None => None,
    };
    let quantity = args.qty.map(workflow::typed_quantity).transpose()?;
    let (mut shipped, mut refused) = (0, 0);
    for scan in args.scans {
        let req = DispatchRequest {
            scan: scan.clone(),
            customer: args.customer.clone(),
            shipment: args.shipment.clone(),
            quantity,
            strict_fefo: args.strict_fefo,
            gs_substitute: args.gs,
            unit_price: unit_price.clone(),
        };
        match station.dispatch(&req, today) {
            Ok(d) => {
                shipped += 1;
                if args.json {
                    out.json(&d)?;
                } else {
                    out.line(format_args!(
                        "shipped {} of lot {} to {}{}",
                        d.quantity,
                        d.batch,
                        d.customer,
                        d.sscc
                            .as_ref()
                            .map(|s| format!(" (pallet {s})"))
                            .unwrap_or_default()
                    ))?;
                    if let Some(w) = d.warning {
                        out.line(format_args!("  WARNING: {w}"))?;
                    }
                }
            }
            Err(crate::workflow::WorkflowError::Store(e)) => return Err(e.into()),
            Err(e) => {
                refused += 1;
                Described::of(&e.into()).report_with(args.json, Some(("scan", &scan)));
            }
        }
    }
    Ok(batch_exit(shipped, refused))
}

fn void(station: &mut Station, args: VoidArgs, out: &mut Out) -> CmdResult {
    let v = station.void_dispatch(&args.event, &args.reason)?;
    if args.json {
        out.json(&v)?;
    } else {
        out.line(format_args!(
            "undone: {} of lot {} to {} is back in stock ({})",
            v.quantity, v.batch, v.customer, v.event_id
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn pick(station: &mut Station, args: PickArgs, out: &mut Out) -> CmdResult {
    let today = chrono::Local::now().date_naive();
    let p = station.pick(
        &args.gtin,
        workflow::typed_quantity(args.qty)?,
        args.strategy.into(),
        today,
    )?;
    if args.json {
        out.json(&p)?;
    } else {
        for l in &p.lines {
            let expiry = l
                .expiry
                .map(|e| format!(" (expires {e})"))
                .unwrap_or_default();
            out.line(format_args!("take {} from lot {}{expiry}", l.take, l.batch))?;
        }
        if p.short > 0 {
            out.line(format_args!(
                "SHORT: {} not available as released, unexpired stock",
                p.short
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn expiry(station: &mut Station, args: ExpiryArgs, out: &mut Out) -> CmdResult {
    let today = chrono::Local::now().date_naive();
    let lots = station.expiring(today, args.within)?;
    if args.json {
        out.json(&lots)?;
    } else if lots.is_empty() {
        out.line(format_args!("no stock expires within {} days", args.within))?;
    } else {
        for l in &lots {
            let state = if l.expiry < today {
                "EXPIRED"
            } else {
                "expires"
            };
            out.line(format_args!(
                "{} / {}: {state} {} ({} on hand, {})",
                l.gtin,
                l.batch,
                l.expiry,
                l.on_hand,
                l.status.name()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn move_stock(station: &mut Station, args: MoveArgs, out: &mut Out) -> CmdResult {
    let qty = workflow::typed_quantity(args.qty)?;
    let lot = args.lot.resolve(station)?;
    let e = station.move_stock(&lot.gtin, &lot.batch, &args.from, &args.to, qty)?;
    if args.json {
        out.json(&json!({
            "event_id": e.id,
            "gtin": lot.gtin,
            "batch": lot.batch,
            "from": args.from,
            "to": args.to,
            "quantity": qty,
        }))?;
    } else {
        out.line(format_args!(
            "moved {qty} of lot {} from {} to {}",
            lot.batch, args.from, args.to
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn count(station: &mut Station, args: CountArgs, out: &mut Out) -> CmdResult {
    let counted = workflow::typed_count(args.qty)?;
    let lot = args.lot.resolve(station)?;
    let c = station.count(&lot.gtin, &lot.batch, &args.location, counted)?;
    if args.json {
        out.json(&c)?;
    } else {
        out.line(format_args!(
            "counted {} of lot {} at {} (store held {}, adjustment {:+})",
            c.counted, c.batch, c.location, c.previous, c.difference
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn suppliers(station: &mut Station, args: SuppliersArgs, out: &mut Out) -> CmdResult {
    use crate::compliance::suppliers;
    if let Some(file) = &args.out
        && file.extension().and_then(|e| e.to_str()) != Some("csv")
    {
        return refuse(
            Code::InvalidInput,
            format!(
                "{}: the supplier report file must end in .csv",
                file.display()
            ),
        );
    }
    let figures = station.store().supplier_quality_since(args.since)?;
    if args.json {
        out.json(&figures)?;
    } else if let Some(file) = args.out {
        let f = std::fs::File::create(&file)
            .map_err(|e| anyhow::Error::new(e).context(format!("creating {}", file.display())))?;
        suppliers::write_csv(&figures, std::io::BufWriter::new(f))?;
        out.line(format_args!(
            "wrote {} suppliers to {}",
            figures.len(),
            file.display()
        ))?;
    } else if args.csv {
        suppliers::write_csv(&figures, &mut *out)?;
    } else if figures.is_empty() {
        out.line(format_args!(
            "no lots received from a named supplier{}",
            args.since
                .map(|s| format!(" since {s}"))
                .unwrap_or_default()
        ))?;
    } else {
        out.line(suppliers::table(&figures).trim_end())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An intact chain prints its figures; a broken one is the error `chain_broken` (exit 1).
fn store_verify(station: &mut Station, json: bool, out: &mut Out) -> CmdResult {
    let n = station.store().verify()?;
    let outbox = station.store().outbox_len()?;
    if json {
        out.json(&json!({"ok": true, "events": n, "outbox": outbox}))?;
    } else {
        let pruned = station.store().pruned_count()?;
        out.line(format_args!(
            "event log intact: {n} events ({outbox} not yet synced{})",
            match pruned {
                0 => String::new(),
                p => format!("; {p} pruned as old history, checked for their place only"),
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn store_prune(
    station: &mut Station,
    days: u32,
    compact: bool,
    json: bool,
    out: &mut Out,
) -> CmdResult {
    let before = crate::store::days_ago(days);
    let pruned = station.store_mut().prune(&before)?;
    if compact {
        station.store_mut().compact()?;
    }
    let total = station.store().pruned_count()?;
    if json {
        out.json(&json!({"lots": pruned.lots, "events": pruned.events, "pruned_in_all": total}))?;
    } else {
        out.line(format_args!(
            "pruned {} event(s) of {} lot(s) that left before {}; {total} event(s) of old history are kept at the server only{}",
            pruned.events,
            pruned.lots,
            &before[..10],
            if compact || pruned.events == 0 {
                ""
            } else {
                " (--compact shrinks the file)"
            }
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn store_rebuild(station: &mut Station, json: bool, out: &mut Out) -> CmdResult {
    let n = station.store_mut().rebuild()?;
    if json {
        out.json(&json!({"replayed": n}))?;
    } else {
        out.line(format_args!("current state rebuilt from {n} events"))?;
    }
    Ok(ExitCode::SUCCESS)
}
