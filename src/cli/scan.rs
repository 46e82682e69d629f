//! `lotline scan …`: the headless station loop over one scanner source.
//!
//! Prints one line per event (scan feedback, duplicate, rejected frame, device state), or one
//! JSON object per line with `--json`, and keeps going after bad scans. It ends when the source
//! ends (an image file, stdin) or is interrupted; serial and HID sources run until then.
//! Exit status: 0 when every scan was taken, 1 when any scan was refused/invalid or any frame
//! was rejected, or the source could not start.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use super::{CmdResult, EXIT_REFUSED, Globals};
use crate::config::StationConfig;
use crate::gs1;
use crate::scanner::SourceState;
use crate::scanner::framer::Suffix;
use crate::scanner::source::{self, SourceSpec};
use crate::scanner::station::{Gs1CheckHandler, Outcome, ScanHandler, Station, StationEvent};
use crate::workflow::scan::{ScanAction, WorkflowHandler};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// serial:PATH[@BAUD] | serial:auto[@BAUD] | wedge | hid:PATH | image:FILE|FOLDER|-
    /// (default: `source` in the [scanner] config section).
    #[arg(long)]
    pub source: Option<String>,
    /// What each scan does.
    #[arg(long, value_enum, default_value_t = ScanMode::Check)]
    pub mode: ScanMode,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// A character the scanner sends in place of GS (keyboard-wedge scanners).
    #[arg(long, value_name = "CHAR")]
    pub gs: Option<char>,
    /// What ends a scan on a serial line (overrides the config).
    #[arg(long, value_enum)]
    pub suffix: Option<SuffixArg>,
    /// Drop the same scan from the same source within this many milliseconds (0: keep all).
    #[arg(long, value_name = "MS")]
    pub duplicate_window_ms: Option<u64>,
    /// Receive mode: the location received lots go to.
    #[arg(long, default_value = "RECEIVING")]
    pub location: String,
    /// Receive mode: the supplier of the lots scanned.
    #[arg(long)]
    pub supplier: Option<String>,
    /// Dispatch mode: the customer the pallets ship to.
    #[arg(long)]
    pub customer: Option<String>,
    /// Dispatch mode: the shipment reference.
    #[arg(long)]
    pub shipment: Option<String>,
    /// Dispatch mode: refuse, not just warn, when a lot is not the FEFO choice.
    #[arg(long)]
    pub strict_fefo: bool,
    /// Produce mode: the production batch the scanned input lots go into.
    #[arg(long, value_name = "BATCH")]
    pub into: Option<String>,
    /// Produce mode: the GTIN of that production batch.
    #[arg(long, value_name = "GTIN")]
    pub product: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanMode {
    /// Parse each scan as GS1 and show its elements; writes nothing.
    Check,
    /// Receive the scanned lot into the store.
    Receive,
    /// Scan pallets onto a shipment.
    Dispatch,
    /// Scan input lots into a production batch.
    Produce,
    /// Show a scanned lot.
    Lookup,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SuffixArg {
    Cr,
    Lf,
    Crlf,
    Tab,
    None,
}

impl From<SuffixArg> for Suffix {
    fn from(s: SuffixArg) -> Self {
        match s {
            SuffixArg::Cr => Suffix::Cr,
            SuffixArg::Lf => Suffix::Lf,
            SuffixArg::Crlf => Suffix::CrLf,
            SuffixArg::Tab => Suffix::Tab,
            SuffixArg::None => Suffix::None,
        }
    }
}

pub fn run(args: ScanArgs, globals: &Globals) -> CmdResult {
    let mut config = StationConfig::load(globals.config.as_deref())?.scanner;
    if let Some(gs) = args.gs {
        config.wedge.gs_substitute = Some(gs);
    }
    if let Some(suffix) = args.suffix {
        config.serial.suffix = suffix.into();
    }
    if let Some(ms) = args.duplicate_window_ms {
        config.duplicate_window_ms = ms;
    }
    let spec_text = args.source.clone().or_else(|| config.source.clone()).context(
        "no scanner source: give --source (e.g. serial:/dev/ttyACM0@9600) or set `source` in [scanner]",
    )?;
    let spec = SourceSpec::parse(&spec_text)?;
    let handler = handler_for(args.mode, &args, globals)?;
    let running = source::start(&spec, &config)?;

    let mut station = Station::new(handler, Duration::from_millis(config.duplicate_window_ms));
    let stdout = std::io::stdout();
    let mut write_error = None;
    let counts = station.run(&running.events, |event| {
        let line = if args.json {
            json_line(&event)
        } else {
            text_line(&event)
        };
        let mut out = stdout.lock();
        if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
            // Output closed (e.g. piped into `head`): stop the source, the loop then ends.
            running.stop.stop();
            write_error.get_or_insert(e);
        }
    });
    running.stop.stop();
    if let Some(e) = write_error
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing scan feedback");
    }
    if !args.json {
        eprintln!(
            "{} ok, {} refused, {} invalid, {} duplicates dropped, {} frames rejected",
            counts.ok, counts.refused, counts.invalid, counts.duplicates, counts.rejected
        );
    }
    Ok(if counts.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REFUSED)
    })
}

fn handler_for(
    mode: ScanMode,
    args: &ScanArgs,
    globals: &Globals,
) -> anyhow::Result<Box<dyn ScanHandler>> {
    let action = match mode {
        ScanMode::Check => {
            return Ok(Box::new(Gs1CheckHandler {
                options: gs1::ParseOptions {
                    gs_substitute: args.gs,
                    ..Default::default()
                },
            }));
        }
        ScanMode::Receive => ScanAction::Receive {
            location: args.location.clone(),
            supplier: args.supplier.clone(),
            count: None,
        },
        ScanMode::Lookup => ScanAction::Lookup,
        ScanMode::Dispatch => ScanAction::Dispatch {
            customer: args
                .customer
                .clone()
                .context("--mode dispatch needs --customer: who do the pallets ship to?")?,
            shipment: args.shipment.clone(),
            strict_fefo: args.strict_fefo,
        },
        ScanMode::Produce => {
            let (Some(into), Some(product)) = (args.into.clone(), args.product.clone()) else {
                anyhow::bail!(
                    "--mode produce needs --into BATCH and --product GTIN: the batch the scanned inputs go into (see lotline produce)"
                );
            };
            ScanAction::Produce { into, product }
        }
    };
    Ok(Box::new(WorkflowHandler {
        station: super::workflow::open_station(globals)?,
        action,
        gs_substitute: args.gs,
    }))
}

/// Scan text for a person: control characters made visible (GS as `<GS>`).
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            gs1::GS => "<GS>".to_owned(),
            '\u{1e}' => "<RS>".to_owned(),
            '\u{4}' => "<EOT>".to_owned(),
            c if c.is_control() => format!("<{:02X}>", c as u32),
            c => c.to_string(),
        })
        .collect()
}

fn text_line(event: &StationEvent<'_>) -> String {
    match event {
        StationEvent::Handled { scan, feedback, .. } => {
            let tag = match feedback.outcome {
                Outcome::Ok => "OK",
                Outcome::Refused => "REFUSED",
                Outcome::Invalid => "INVALID",
            };
            format!("{tag:<9} {}  {}", visible(&scan.text), feedback.message)
        }
        StationEvent::Duplicate { scan } => {
            format!(
                "DUPLICATE {}  ignored: same scan again within the window",
                visible(&scan.text)
            )
        }
        StationEvent::Rejected {
            source,
            reject,
            total,
        } => format!("WARNING   {source}: {reject} ({total} rejected so far)"),
        StationEvent::State { source, state } => match state {
            SourceState::Connected => format!("SCANNER   {source} connected"),
            SourceState::Reconnecting {
                reason,
                retry_in_ms,
            } => {
                format!("SCANNER   {source} reconnecting: {reason} (next try in {retry_in_ms} ms)")
            }
            SourceState::Closed => format!("SCANNER   {source} closed"),
        },
    }
}

fn json_line(event: &StationEvent<'_>) -> String {
    let value = match event {
        StationEvent::Handled {
            scan,
            feedback,
            latency,
        } => json!({
            "event": "scan",
            "scan": scan,
            "outcome": feedback.outcome,
            "message": feedback.message,
            "detail": feedback.detail,
            "latency_us": latency.as_micros() as u64,
        }),
        StationEvent::Duplicate { scan } => json!({ "event": "duplicate", "scan": scan }),
        StationEvent::Rejected {
            source,
            reject,
            total,
        } => json!({
            "event": "rejected",
            "source": source,
            "reject": reject,
            "message": reject.to_string(),
            "total": total,
        }),
        StationEvent::State { source, state } => {
            json!({ "event": "state", "source": source, "state": state })
        }
    };
    value.to_string()
}
