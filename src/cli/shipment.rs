//! `lotline shipment …`: close a shipment as it leaves the dock (despatch note and SSCC
//! labels), list open and closed shipments, show one, print a closed one's documents again.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use super::error::{Code, refuse};
use super::output::Out;
use super::workflow::open_station;
use super::{CmdResult, Globals};
use crate::config::StationConfig;
use crate::workflow::shipment::{DeliverError, reference};
use crate::workflow::{CloseRequest, ClosedShipment, Station};

#[derive(Debug, Args)]
pub struct ShipmentArgs {
    #[command(subcommand)]
    pub command: ShipmentCommand,
}

/// Which shipment: a customer and its reference (none: the customer's unreferenced one).
#[derive(Debug, Args)]
pub struct WhichShipment {
    /// The customer the shipment goes to, as dispatched.
    #[arg(long)]
    customer: String,
    /// The shipment reference the dispatches were made under; without it, the customer's
    /// dispatches made without a reference.
    #[arg(long)]
    shipment: Option<String>,
}

/// Where a shipment's documents go.
#[derive(Debug, Args)]
pub struct Documents {
    /// Folder for the despatch note and the SSCC labels (PDF); made if missing.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Copies of the despatch note and of each pallet's label (1-20).
    #[arg(long, default_value_t = 1)]
    copies: u32,
    /// Also print them through the station's [printer]: labels as any label job, the note
    /// through CUPS or into the folder.
    #[arg(long)]
    print: bool,
}

#[derive(Debug, Subcommand)]
pub enum ShipmentCommand {
    /// Close a shipment: every standing dispatch goes on an outgoing pallet (a received
    /// pallet intact under its SSCC, loose cases on built pallets with new SSCCs), recorded as
    /// one event; writes the despatch note and the SSCC labels. The shipment then takes no
    /// more dispatches and none of them can be undone.
    Close {
        #[command(flatten)]
        which: WhichShipment,
        /// How many pallets the loose cases are built into (1-99; whole dispatch lines, in
        /// scan order).
        #[arg(long, default_value_t = 1)]
        pallets: usize,
        #[command(flatten)]
        documents: Documents,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Open shipments (dispatches not closed yet) and closed ones.
    List {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// One shipment: its dispatches not closed yet, and its closes with their pallets.
    Show {
        #[command(flatten)]
        which: WhichShipment,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// The documents of a closed shipment again (its last close).
    Print {
        #[command(flatten)]
        which: WhichShipment,
        #[command(flatten)]
        documents: Documents,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: ShipmentArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let mut station = open_station(globals)?;
    let config = StationConfig::load(globals.config.as_deref())?;
    match args.command {
        ShipmentCommand::Close {
            which,
            pallets,
            documents,
            json,
        } => {
            documents.check(&config)?;
            std::fs::create_dir_all(&documents.out)
                .with_context(|| format!("creating {}", documents.out.display()))?;
            let closed = station.close_shipment(
                &CloseRequest {
                    customer: which.customer,
                    shipment: which.shipment,
                    pallets,
                },
                config.site.sscc_source().as_ref(),
            )?;
            deliver(&station, &closed, &config, &documents, json, out)?;
        }
        ShipmentCommand::Print {
            which,
            documents,
            json,
        } => {
            documents.check(&config)?;
            let customer = crate::workflow::dispatch::customer(&which.customer)?;
            let shipment = reference(which.shipment.as_deref());
            let Some(closed) = station
                .shipment_closes(&customer, shipment.as_deref())?
                .pop()
            else {
                return refuse(
                    Code::NothingToClose,
                    format!(
                        "shipment {} of {customer} was never closed here: nothing to print",
                        shipment.as_deref().unwrap_or("without reference")
                    ),
                );
            };
            deliver(&station, &closed, &config, &documents, json, out)?;
        }
        ShipmentCommand::List { json } => list(&station, json, out)?,
        ShipmentCommand::Show { which, json } => show(&station, which, json, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

impl Documents {
    /// Refuses what cannot be delivered before anything is recorded.
    fn check(&self, config: &StationConfig) -> anyhow::Result<()> {
        if self.print && config.printer.is_none() {
            return refuse(
                Code::PrintFailed,
                "no [printer] in the station config: set one, or leave out --print (the documents are written to --out)",
            );
        }
        let max = crate::compliance::despatch::MAX_COPIES;
        if !(1..=max).contains(&self.copies) {
            return refuse(
                Code::InvalidInput,
                format!("--copies {} is out of range: 1 to {max}", self.copies),
            );
        }
        Ok(())
    }
}

/// Writes (and prints, if asked) a closed shipment's documents and says where they went.
fn deliver(
    station: &Station,
    closed: &ClosedShipment,
    config: &StationConfig,
    documents: &Documents,
    json: bool,
    out: &mut Out,
) -> anyhow::Result<()> {
    let docs = station.shipment_documents(closed, &config.site, documents.copies)?;
    let printer = config.printer.as_ref().filter(|_| documents.print);
    let delivered = docs.deliver(closed, &documents.out, printer).map_err(|e| {
        let code = match e {
            DeliverError::Write { .. } => Code::IoFailed,
            DeliverError::Print { .. } => Code::PrintFailed,
        };
        anyhow::Error::new(super::error::CliError {
            code,
            message: e.to_string(),
        })
    })?;
    if json {
        out.json(&json!({
            "closed": closed,
            "despatch_note": delivered.despatch_note,
            "labels": delivered.labels,
            "copies": documents.copies,
            "printed": delivered.printed,
        }))?;
    } else {
        out.line(format_args!(
            "closed shipment {} to {} ({}): {} pallets",
            closed.shipment.as_deref().unwrap_or("without reference"),
            closed.customer,
            closed.event_id,
            closed.pallets.len()
        ))?;
        for p in &closed.pallets {
            out.line(format_args!(
                "  pallet {} ({}): {} lines, {} units",
                p.sscc,
                if p.built() { "built" } else { "received" },
                p.lines.len(),
                p.quantity()
            ))?;
        }
        out.line(format_args!(
            "despatch note: {}",
            delivered.despatch_note.display()
        ))?;
        out.line(format_args!("SSCC labels: {}", delivered.labels.display()))?;
        for p in delivered.printed {
            out.line(format_args!("printed: {p}"))?;
        }
    }
    Ok(())
}

fn list(station: &Station, json: bool, out: &mut Out) -> anyhow::Result<()> {
    let open = station.open_shipments()?;
    let closed = station.closed_shipments()?;
    if json {
        out.json(&json!({ "open": open, "closed": closed }))?;
        return Ok(());
    }
    for s in &open {
        out.line(format_args!(
            "OPEN    {}  {}  {} lines, {} units, since {}",
            s.customer,
            s.shipment.as_deref().unwrap_or("(no reference)"),
            s.lines,
            s.quantity,
            s.first_at
        ))?;
    }
    for c in &closed {
        out.line(format_args!(
            "CLOSED  {}  {}  {} pallets, {} units, {} at {}",
            c.customer,
            c.shipment.as_deref().unwrap_or("(no reference)"),
            c.pallets.len(),
            c.pallets.iter().map(|p| p.quantity()).sum::<u64>(),
            c.at,
            c.station
        ))?;
    }
    if open.is_empty() && closed.is_empty() {
        out.line(format_args!("no shipments"))?;
    }
    Ok(())
}

fn show(station: &Station, which: WhichShipment, json: bool, out: &mut Out) -> anyhow::Result<()> {
    let customer = crate::workflow::dispatch::customer(&which.customer)?;
    let shipment = reference(which.shipment.as_deref());
    let open = station.open_shipment(&customer, shipment.as_deref())?;
    let closes = station.shipment_closes(&customer, shipment.as_deref())?;
    if json {
        let open: Vec<_> = open
            .iter()
            .map(|l| json!({"line": l.line, "sscc": l.sscc}))
            .collect();
        out.json(&json!({
            "customer": customer,
            "shipment": shipment,
            "open": open,
            "closed": closes,
        }))?;
        return Ok(());
    }
    out.line(format_args!(
        "shipment {} to {customer}",
        shipment.as_deref().unwrap_or("without reference")
    ))?;
    if !open.is_empty() {
        out.line(format_args!("open, {} dispatches:", open.len()))?;
        for l in &open {
            out.line(format_args!(
                "  {} lot {} x {}{}  ({})",
                l.line.gtin,
                l.line.batch,
                l.line.quantity,
                l.sscc
                    .as_ref()
                    .map(|s| format!(" pallet {s}"))
                    .unwrap_or_default(),
                l.line.dispatch
            ))?;
        }
    }
    for c in &closes {
        out.line(format_args!(
            "closed {} at {} ({})",
            c.at, c.station, c.event_id
        ))?;
        for p in &c.pallets {
            out.line(format_args!("  pallet {}", p.sscc))?;
            for l in &p.lines {
                out.line(format_args!(
                    "    {} lot {} x {}",
                    l.gtin, l.batch, l.quantity
                ))?;
            }
        }
    }
    if open.is_empty() && closes.is_empty() {
        out.line(format_args!("  nothing dispatched under it"))?;
    }
    Ok(())
}
