//! The batch-tracking commands over the workflow layer: `product`, `receive`, `lot`, `store`.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::{CmdResult, EXIT_REFUSED, Globals};
use crate::compliance::report::{TreeEntry, date, tree_rows};
use crate::domain::LotStatus;
use crate::domain::rules::Strategy;
use crate::domain::status::Role;
use crate::domain::trace::{Direction, Trace, TraceNode};
use crate::workflow::{self, DispatchRequest, ReceiveRequest, Station, StatusRequest};

#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Register products.
    Product {
        #[command(subcommand)]
        command: ProductCommand,
    },
    /// Receive a supplier lot from one GS1 scan (GTIN, batch, expiry, count, SSCC).
    Receive {
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
        /// A character that stands for GS in the scan.
        #[arg(long)]
        gs: Option<char>,
        #[arg(long)]
        json: bool,
    },
    /// Record a production batch (its number from the site's batch format) and the input lots
    /// it used up. Prints the new batch number.
    Produce {
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
        #[arg(long)]
        gs: Option<char>,
        #[arg(long)]
        json: bool,
    },
    /// Ship scanned pallets/cases to a customer (released, unexpired, on hand; FEFO checked).
    Dispatch {
        /// One or more scans.
        #[arg(required = true)]
        scans: Vec<String>,
        #[arg(long)]
        customer: String,
        #[arg(long)]
        shipment: Option<String>,
        /// Quantity, when the label carries no count (default: the label's count, else all on hand).
        #[arg(long, allow_negative_numbers = true)]
        qty: Option<i64>,
        /// Refuse, not just warn, when a lot is not the FEFO choice.
        #[arg(long)]
        strict_fefo: bool,
        #[arg(long)]
        gs: Option<char>,
        #[arg(long)]
        json: bool,
    },
    /// Suggest which lots to pick a quantity from (FIFO, FEFO or LIFO).
    Pick {
        gtin: String,
        #[arg(long, allow_negative_numbers = true)]
        qty: i64,
        #[arg(long, value_enum, default_value = "fefo")]
        strategy: Strategy,
        #[arg(long)]
        json: bool,
    },
    /// Lots with stock that expire within a number of days (expired ones included).
    Expiry {
        #[arg(long, default_value_t = 30)]
        within: u32,
        #[arg(long)]
        json: bool,
    },
    /// Move stock of a lot between locations.
    Move {
        gtin: String,
        batch: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, allow_negative_numbers = true)]
        qty: i64,
        #[arg(long)]
        json: bool,
    },
    /// Trace a lot: forward (consumed into → shipped to customers) and/or backward (made from →
    /// received from suppliers). Default: both.
    Trace {
        /// A batch number, or a scan of the lot's GS1 label (GTIN and batch).
        lot: String,
        /// The product, when several share the batch number.
        #[arg(long)]
        gtin: Option<String>,
        #[command(flatten)]
        direction: DirectionArgs,
        #[arg(long)]
        gs: Option<char>,
        #[arg(long)]
        json: bool,
    },
    /// Record a stock count of a lot at a location: stock there becomes the count, and the
    /// difference is kept as an adjustment in the event log.
    Count {
        gtin: String,
        batch: String,
        #[arg(long)]
        location: String,
        /// What was counted (0 when the location is empty).
        #[arg(long, allow_negative_numbers = true)]
        qty: i64,
        #[arg(long)]
        json: bool,
    },
    /// Supplier quality report: lots received, rejected and recalled per supplier with the
    /// rejection, recall and defect rates, worst first; as a table, JSON or CSV.
    Suppliers {
        /// Only lots first received on or after this day (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// Print CSV instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Write CSV to this file (.csv) instead of printing.
        #[arg(long, conflicts_with = "json")]
        out: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Look at lots.
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

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Register (or rename) a product.
    Add {
        gtin: String,
        #[arg(long)]
        name: String,
        /// The status received lots start in.
        #[arg(long, value_enum, default_value = "quarantined")]
        receive_as: LotStatus,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum LotCommand {
    /// A lot's status, expiry, supplier and stock per location.
    Show {
        gtin: String,
        batch: String,
        #[arg(long)]
        json: bool,
    },
    /// Put a lot on hold (supervisor, with a reason).
    Hold(StatusArgs),
    /// Release a lot for use and shipping (supervisor, with a reason).
    Release(StatusArgs),
    /// Reject a lot (supervisor, with a reason). Final.
    Reject(StatusArgs),
    /// Recall a lot (supervisor, with a reason). Final.
    Recall(StatusArgs),
}

/// A quality-status change of one lot.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    gtin: String,
    batch: String,
    /// Why: recorded in the event log for the audit trail. Required.
    #[arg(long, default_value = "")]
    reason: String,
    /// Who is acting (`LOTLINE_ROLE`); only a supervisor may change a lot's status.
    #[arg(long, value_enum, env = "LOTLINE_ROLE", default_value = "worker")]
    role: Role,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Check the event log's hash chain: detects edited or deleted history.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Rebuild current state by replaying the event log.
    Rebuild {
        #[arg(long)]
        json: bool,
    },
}

/// The station's store (`--db`/`LOTLINE_DB`, else the default file), recording under the
/// station name of the config like the UI does; shared by every command that records or looks
/// up lots.
pub(crate) fn open_station(globals: &Globals) -> anyhow::Result<Station> {
    let db = globals.db_path();
    let who = crate::config::StationConfig::load(globals.config.as_deref())?.identity();
    Station::open(&db, who).map_err(|e| anyhow::anyhow!("opening the store {}: {e}", db.display()))
}

pub fn run(cmd: WorkflowCommand, globals: &Globals) -> CmdResult {
    let mut station = open_station(globals)?;
    match cmd {
        WorkflowCommand::Product {
            command:
                ProductCommand::Add {
                    gtin,
                    name,
                    receive_as,
                    json,
                },
        } => {
            station.register_product(&gtin, &name, receive_as)?;
            let p = station.product(&gtin)?.expect("just registered");
            if json {
                println!("{}", serde_json::to_string(&p)?);
            } else {
                println!(
                    "product {} {:?}: received lots start {}",
                    p.gtin,
                    p.name,
                    p.receive_as.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Receive {
            scan,
            qty,
            location,
            supplier,
            po,
            gs,
            json,
        } => {
            let req = ReceiveRequest {
                scan,
                quantity: qty.map(workflow::typed_quantity).transpose()?,
                location,
                supplier,
                po,
                gs_substitute: gs,
            };
            let r = station.receive(&req)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                let expiry = r
                    .expiry
                    .map(|d| format!(", expires {d}"))
                    .unwrap_or_default();
                println!(
                    "received {} x {} batch {} into {}{expiry}: {}",
                    r.quantity,
                    r.product,
                    r.batch,
                    r.location,
                    r.status.name()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Produce {
            product,
            qty,
            expiry,
            consume,
            gs,
            json,
        } => {
            let site = crate::config::StationConfig::load(globals.config.as_deref())?.site;
            let req = workflow::ProduceRequest {
                product,
                quantity: workflow::typed_quantity(qty)?,
                expiry,
                consume,
                gs_substitute: gs,
            };
            let p = station.produce(&site, &req, chrono::Local::now().date_naive())?;
            if json {
                println!("{}", serde_json::to_string(&p)?);
            } else {
                println!("{}", p.batch);
                for (gtin, batch, q) in &p.inputs {
                    eprintln!("  consumed {q} of lot {batch} ({gtin})");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Dispatch {
            scans,
            customer,
            shipment,
            qty,
            strict_fefo,
            gs,
            json,
        } => {
            let today = chrono::Local::now().date_naive();
            let qty = qty.map(workflow::typed_quantity).transpose()?;
            let mut refused = false;
            for scan in scans {
                let req = DispatchRequest {
                    scan: scan.clone(),
                    customer: customer.clone(),
                    shipment: shipment.clone(),
                    quantity: qty,
                    strict_fefo,
                    gs_substitute: gs,
                };
                match station.dispatch(&req, today) {
                    Ok(d) if json => println!("{}", serde_json::to_string(&d)?),
                    Ok(d) => {
                        println!(
                            "shipped {} of lot {} to {}",
                            d.quantity, d.batch, d.customer
                        );
                        if let Some(w) = d.warning {
                            println!("  WARNING: {w}");
                        }
                    }
                    Err(e) => {
                        refused = true;
                        let message = format!("{:#}", anyhow::Error::from(e));
                        if json {
                            println!("{}", json!({"scan": scan, "error": message}));
                        } else {
                            eprintln!("{message}");
                        }
                    }
                }
            }
            Ok(if refused {
                ExitCode::from(EXIT_REFUSED)
            } else {
                ExitCode::SUCCESS
            })
        }
        WorkflowCommand::Lot {
            command: LotCommand::Show { gtin, batch, json },
        } => match station.lookup(&gtin, &batch)? {
            Some(lot) if json => {
                println!("{}", serde_json::to_string(&lot)?);
                Ok(ExitCode::SUCCESS)
            }
            Some(lot) => {
                println!("lot {} / {}: {}", lot.gtin, lot.batch, lot.status.name());
                if let Some(e) = lot.expiry {
                    println!("  expires {e}");
                }
                for (location, qty) in &lot.stock {
                    println!("  {location}: {qty}");
                }
                Ok(ExitCode::SUCCESS)
            }
            None => {
                eprintln!("no lot {batch} of GTIN {gtin} in this store");
                Ok(ExitCode::from(EXIT_REFUSED))
            }
        },
        WorkflowCommand::Pick {
            gtin,
            qty,
            strategy,
            json,
        } => {
            let today = chrono::Local::now().date_naive();
            let p = station.pick(&gtin, workflow::typed_quantity(qty)?, strategy, today)?;
            if json {
                println!("{}", serde_json::to_string(&p)?);
            } else {
                for l in &p.lines {
                    let expiry = l
                        .expiry
                        .map(|e| format!(" (expires {e})"))
                        .unwrap_or_default();
                    println!("take {} from lot {}{expiry}", l.take, l.batch);
                }
                if p.short > 0 {
                    println!(
                        "SHORT: {} not available as released, unexpired stock",
                        p.short
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Move {
            gtin,
            batch,
            from,
            to,
            qty,
            json,
        } => {
            let qty = workflow::typed_quantity(qty)?;
            let e = station.move_stock(&gtin, &batch, &from, &to, qty)?;
            if json {
                println!(
                    "{}",
                    json!({"event_id": e.id, "batch": batch, "from": from, "to": to, "quantity": qty})
                );
            } else {
                println!("moved {qty} of lot {batch} from {from} to {to}");
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Trace {
            lot,
            gtin,
            direction,
            gs,
            json,
        } => {
            let t = station.trace(&lot, gtin.as_deref(), direction.direction(), gs)?;
            if json {
                println!("{}", serde_json::to_string(&t)?);
            } else {
                print!("{}", render_trace(&t));
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Count {
            gtin,
            batch,
            location,
            qty,
            json,
        } => {
            let c = station.count(&gtin, &batch, &location, workflow::typed_count(qty)?)?;
            if json {
                println!("{}", serde_json::to_string(&c)?);
            } else {
                println!(
                    "counted {} of lot {} at {} (store held {}, adjustment {:+})",
                    c.counted, c.batch, c.location, c.previous, c.difference
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Suppliers {
            since,
            csv,
            out,
            json,
        } => {
            use crate::compliance::suppliers;
            if let Some(out) = &out
                && out.extension().and_then(|e| e.to_str()) != Some("csv")
            {
                anyhow::bail!(
                    "{}: the supplier report file must end in .csv",
                    out.display()
                );
            }
            let figures = station.store().supplier_quality_since(since)?;
            if json {
                println!("{}", serde_json::to_string(&figures)?);
            } else if let Some(out) = out {
                let file = std::fs::File::create(&out)
                    .map_err(|e| anyhow::anyhow!("creating {}: {e}", out.display()))?;
                suppliers::write_csv(&figures, std::io::BufWriter::new(file))?;
                println!("wrote {} suppliers to {}", figures.len(), out.display());
            } else if csv {
                suppliers::write_csv(&figures, std::io::stdout().lock())?;
            } else if figures.is_empty() {
                println!(
                    "no lots received from a named supplier{}",
                    since.map(|s| format!(" since {s}")).unwrap_or_default()
                );
            } else {
                print!("{}", suppliers::table(&figures));
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Expiry { within, json } => {
            let today = chrono::Local::now().date_naive();
            let lots = station.expiring(today, within)?;
            if json {
                println!("{}", serde_json::to_string(&lots)?);
            } else if lots.is_empty() {
                println!("no stock expires within {within} days");
            } else {
                for l in &lots {
                    let state = if l.expiry < today {
                        "EXPIRED"
                    } else {
                        "expires"
                    };
                    println!(
                        "{} / {}: {state} {} ({} on hand, {})",
                        l.gtin,
                        l.batch,
                        l.expiry,
                        l.on_hand,
                        l.status.name()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        WorkflowCommand::Lot {
            command: LotCommand::Hold(args),
        } => set_status(&mut station, args, LotStatus::OnHold),
        WorkflowCommand::Lot {
            command: LotCommand::Release(args),
        } => set_status(&mut station, args, LotStatus::Released),
        WorkflowCommand::Lot {
            command: LotCommand::Reject(args),
        } => set_status(&mut station, args, LotStatus::Rejected),
        WorkflowCommand::Lot {
            command: LotCommand::Recall(args),
        } => set_status(&mut station, args, LotStatus::Recalled),
        WorkflowCommand::Store {
            command: StoreCommand::Verify { json },
        } => match station.store().verify() {
            Ok(n) => {
                let outbox = station.store().outbox_len()?;
                if json {
                    println!("{}", json!({"ok": true, "events": n, "outbox": outbox}));
                } else {
                    println!("event log intact: {n} events ({outbox} not yet synced)");
                }
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                if json {
                    println!("{}", json!({"ok": false, "error": e.to_string()}));
                } else {
                    eprintln!("error: {e}");
                }
                Ok(ExitCode::from(EXIT_REFUSED))
            }
        },
        WorkflowCommand::Store {
            command: StoreCommand::Rebuild { json },
        } => {
            let n = station.store_mut().rebuild()?;
            if json {
                println!("{}", json!({"replayed": n}));
            } else {
                println!("current state rebuilt from {n} events");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn set_status(station: &mut Station, args: StatusArgs, to: LotStatus) -> CmdResult {
    let req = StatusRequest {
        gtin: args.gtin,
        batch: args.batch,
        to,
        role: args.role,
        reason: args.reason,
    };
    let r = station.set_status(&req)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
    } else {
        println!(
            "lot {} / {}: {} -> {} ({})",
            r.gtin,
            r.batch,
            r.from.name(),
            r.to.name(),
            r.reason
        );
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
