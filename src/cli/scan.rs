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
use crate::domain::assembly::{GaveUp, LabelAssembly, Lacking, PartialLabel};
use crate::gs1;
use crate::scanner::framer::Suffix;
use crate::scanner::scan_loop::{LoopEvent, ScanLoop};
use crate::scanner::source::{self, SourceSpec};
use crate::scanner::{Scan, SourceState};
use crate::workflow::outcome::Taken;
use crate::workflow::scan::{Gs1Check, HandleScan, ModeHandler, ScanAction};
use crate::workflow::{Outcome, Refusal, dispatch};

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
    /// Dispatch mode: the count shipped for a case label that carries none (a pallet ships
    /// what was received on it).
    #[arg(long, value_name = "N")]
    pub qty: Option<u64>,
    /// How long the barcodes of one label (a pallet label has three) may take to be scanned,
    /// in seconds, before the partial label is given up.
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    pub label_timeout: u64,
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
    let mut handler = handler_for(args.mode, &args, globals)?;
    let running = source::start(&spec, &config)?;

    let mut scan_loop = ScanLoop::new(
        |scan: &Scan| {
            let outcome = handler.handle(scan);
            // Said before the scan's own line: the label given up came first.
            if let Some(g) = handler.gave_up() {
                print_gave_up(&g, args.json);
            }
            outcome
        },
        Duration::from_millis(config.duplicate_window_ms),
    );
    let stdout = std::io::stdout();
    let mut write_error = None;
    let mut tally = Tally::default();
    let counts = scan_loop.run(&running.events, |event| {
        if let LoopEvent::Handled { outcome, .. } = &event {
            tally.add(outcome.taken());
        }
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
    drop(scan_loop);
    if let Some(p) = handler.unfinished() {
        // The scans ended in the middle of a label: nothing of it was recorded.
        tally.refused += 1;
        print_gave_up(&GaveUp::TimedOut(p), args.json);
    }
    if let Some(e) = write_error
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing scan feedback");
    }
    if !args.json {
        eprintln!(
            "{} ok, {} refused, {} invalid, {} barcodes of multi-barcode labels, {} duplicates dropped, {} frames rejected",
            tally.ok,
            tally.refused,
            tally.invalid,
            tally.pending,
            counts.duplicates,
            counts.rejected
        );
    }
    Ok(
        if tally.refused == 0 && tally.invalid == 0 && counts.rejected == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(EXIT_REFUSED)
        },
    )
}

/// Scans taken, refused and unreadable in one run.
#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    pending: u64,
    refused: u64,
    invalid: u64,
}

impl Tally {
    fn add(&mut self, taken: Taken) {
        match taken {
            Taken::Ok => self.ok += 1,
            Taken::Pending => self.pending += 1,
            Taken::Refused => self.refused += 1,
            Taken::Invalid => self.invalid += 1,
        }
    }
}

fn handler_for(
    mode: ScanMode,
    args: &ScanArgs,
    globals: &Globals,
) -> anyhow::Result<Box<dyn HandleScan>> {
    let action = match mode {
        ScanMode::Check => {
            return Ok(Box::new(Gs1Check {
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
            unit_cost: None,
        },
        ScanMode::Lookup => ScanAction::Lookup,
        ScanMode::Dispatch => ScanAction::Dispatch {
            customer: dispatch::customer(args.customer.as_deref().unwrap_or_default()).map_err(
                |_| {
                    anyhow::anyhow!("--mode dispatch needs --customer: who do the pallets ship to?")
                },
            )?,
            shipment: args.shipment.clone(),
            strict_fefo: args.strict_fefo,
            count: args.qty,
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
    Ok(Box::new(ModeHandler {
        station: {
            // Whoever runs the scanner (`LOTLINE_PERSON`) is named in, and signs, each event.
            let mut station = super::workflow::open_station(globals)?;
            super::act::sign_in_from_env(globals, &mut station)?;
            station
        },
        action,
        gs_substitute: args.gs,
        assembly: LabelAssembly::new(Duration::from_secs(args.label_timeout)),
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

/// One line for the worker at a terminal: what happened, or what is wrong and what to do.
fn message(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Received(r) => format!(
            "received {} x {} batch {} into {}: {}",
            r.quantity,
            r.product,
            r.batch,
            r.location,
            r.status.name()
        ),
        Outcome::Shipped(d) => format!(
            "shipped {} of lot {} to {}{}",
            d.quantity,
            d.batch,
            d.customer,
            d.warning
                .as_ref()
                .map(|w| format!(" WARNING: {w}"))
                .unwrap_or_default()
        ),
        Outcome::Consumed(c) => format!(
            "consumed {} of lot {} into batch {}",
            c.quantity, c.batch, c.into.batch
        ),
        Outcome::Found(lot) => format!(
            "lot {} / {}: {}{}, {} on hand",
            lot.gtin,
            lot.batch,
            lot.status.name(),
            lot.expiry
                .map(|d| format!(", expires {d}"))
                .unwrap_or_default(),
            lot.on_hand()
        ),
        Outcome::Parsed(message) => message
            .elements
            .iter()
            .map(|e| format!("({}){}", e.ai, e.value))
            .collect(),
        Outcome::Refused(Refusal::NoCount) => {
            "the label carries no count (30)/(37): nothing was recorded (in dispatch, --qty gives one)".into()
        }
        Outcome::Partial(p) => partial_text(p),
        Outcome::SameLabel { sscc } => {
            format!("part of pallet {sscc}'s label, dealt with just now: nothing more to do")
        }
        Outcome::Refused(r) => r.to_string(),
        Outcome::Unreadable(e) => format!("not valid GS1 data: {e}"),
        Outcome::Failed(e) => format!("not recorded: {e}; scan it again"),
    }
}

/// A label waiting for its other barcodes: what it has, what it lacks.
fn partial_text(p: &PartialLabel) -> String {
    let have: String = p
        .elements
        .iter()
        .map(|e| format!("({}){}", e.ai, e.value))
        .collect();
    let lacking: Vec<_> = p.lacking.iter().map(lacking_text).collect();
    format!(
        "have {have}; need {}: scan the label's other barcodes",
        lacking.join(" and ")
    )
}

fn lacking_text(l: &Lacking) -> String {
    match l {
        Lacking::Gtin => "the GTIN (01)/(02)".into(),
        Lacking::Batch => "the lot (10)".into(),
        Lacking::Partner { needs, .. } if needs == "(00)" => "the SSCC (00)".into(),
        Lacking::Partner { ai, needs } => format!("{needs} for ({ai})"),
    }
}

/// Says that a partial label was given up: a `WARNING` line, or a `gave_up` JSON event.
fn print_gave_up(g: &GaveUp, json: bool) {
    let text = gave_up_text(g);
    if json {
        println!("{}", json!({"event": "gave_up", "message": text}));
    } else {
        println!("WARNING   {text}");
    }
}

/// A partial label given up, for the worker.
fn gave_up_text(g: &GaveUp) -> String {
    let (p, why) = match g {
        GaveUp::TimedOut(p) => (p, "its other barcodes did not come in time"),
        GaveUp::OtherLabel(p) => (p, "the next barcode belongs to another label"),
    };
    let have: String = p
        .elements
        .iter()
        .map(|e| format!("({}){}", e.ai, e.value))
        .collect();
    format!("label {have} given up, nothing recorded: {why}; scan all its barcodes again")
}

/// The outcome's data for `--json` (the lot recorded, the GS1 elements, the refusal's code).
fn detail(outcome: &Outcome) -> serde_json::Value {
    let value = match outcome {
        Outcome::Received(r) => serde_json::to_value(r),
        Outcome::Shipped(d) => serde_json::to_value(d),
        Outcome::Consumed(c) => serde_json::to_value(c),
        Outcome::Found(lot) => serde_json::to_value(lot),
        Outcome::Parsed(m) => Ok(json!({"symbology": m.symbology, "elements": m.elements})),
        Outcome::Partial(p) => Ok(json!({
            "have": p.elements,
            "lacking": p.lacking.iter().map(lacking_text).collect::<Vec<_>>(),
        })),
        Outcome::SameLabel { sscc } => Ok(json!({ "sscc": sscc })),
        Outcome::Refused(r) => Ok(json!({"reason": super::error::refusal_code(r).as_str()})),
        Outcome::Unreadable(_) | Outcome::Failed(_) => Ok(serde_json::Value::Null),
    };
    value.unwrap_or_default()
}

fn text_line(event: &LoopEvent<'_, Outcome>) -> String {
    match event {
        LoopEvent::Handled { scan, outcome, .. } => {
            let tag = match outcome.taken() {
                Taken::Ok => "OK",
                Taken::Pending => "PARTIAL",
                Taken::Refused => "REFUSED",
                Taken::Invalid => "INVALID",
            };
            let message = message(outcome);
            // The tag says REFUSED already: not twice.
            let message = message.strip_prefix("REFUSED: ").unwrap_or(&message);
            format!("{tag:<9} {}  {message}", visible(&scan.text))
        }
        LoopEvent::Duplicate { scan } => {
            format!(
                "DUPLICATE {}  ignored: same scan again within the window",
                visible(&scan.text)
            )
        }
        LoopEvent::Rejected {
            source,
            reject,
            total,
        } => format!("WARNING   {source}: {reject} ({total} rejected so far)"),
        LoopEvent::State { source, state } => match state {
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

fn json_line(event: &LoopEvent<'_, Outcome>) -> String {
    let value = match event {
        LoopEvent::Handled {
            scan,
            outcome,
            latency,
        } => {
            let mut line = json!({
                "event": "scan",
                "scan": scan,
                "outcome": outcome.taken(),
                "message": message(outcome),
                "latency_us": latency.as_micros() as u64,
            });
            let detail = detail(outcome);
            if !detail.is_null() {
                line["detail"] = detail;
            }
            line
        }
        LoopEvent::Duplicate { scan } => json!({ "event": "duplicate", "scan": scan }),
        LoopEvent::Rejected {
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
        LoopEvent::State { source, state } => {
            json!({ "event": "state", "source": source, "state": state })
        }
    };
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rules::DispatchRefusal;
    use crate::domain::trace::LotRef;
    use crate::domain::{LotStatus, scan::SourceId};

    /// A refusal's line says REFUSED once, in its tag (found on a dock day: "REFUSED …
    /// REFUSED: LOT-S: …").
    #[test]
    fn a_refused_scan_line_says_refused_once() {
        let scan = Scan {
            raw: b"(01)09501101530003(10)LOT-S".to_vec(),
            text: "(01)09501101530003(10)LOT-S".into(),
            aim_id: None,
            symbology: None,
            source: SourceId::new("test"),
            received_at: chrono::Utc::now(),
            arrived: std::time::Instant::now(),
        };
        let outcome = Outcome::Refused(Refusal::MayNotShip {
            lot: LotRef::new("09501101530003", "LOT-S"),
            input: false,
            why: DispatchRefusal::NotReleased {
                status: LotStatus::OnHold,
            },
        });
        let line = text_line(&LoopEvent::Handled {
            scan: &scan,
            outcome,
            latency: Duration::ZERO,
        });
        assert_eq!(line.matches("REFUSED").count(), 1, "{line}");
        assert!(
            line.ends_with("LOT-S: lot is on_hold: only released lots may ship"),
            "{line}"
        );
    }
}
