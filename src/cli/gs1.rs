//! `lotline gs1 parse|check-digit|sscc|dl|batch-format`

use std::io::{BufRead, Write};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use super::{CmdResult, EXIT_REFUSED, Globals};
use crate::batch::{BatchFormat, BatchInputs};
use crate::gs1::{self, Message, ParseOptions};

#[derive(Debug, clap::Args)]
pub struct Gs1Args {
    #[command(subcommand)]
    command: Gs1Command,
}

#[derive(Debug, Subcommand)]
enum Gs1Command {
    /// Parse GS1 data: bracketed `(01)…`, raw element string (GS = 0x1D), scan data with an
    /// AIM identifier (`]C1…`), or a Digital Link URI. `-` reads one datum per line from stdin.
    Parse {
        /// The data, or `-` for stdin. Taken as raw OS bytes so a scan with stray non-UTF-8
        /// bytes is refused as invalid data (exit 1), not as a usage error.
        data: std::ffi::OsString,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// A character that stands for GS (keyboard-wedge scanners), e.g. '|'.
        #[arg(long)]
        gs: Option<char>,
    },
    /// The GS1 check digit of a string of digits (GTIN, SSCC, GLN … without the check digit).
    CheckDigit {
        /// The digits without their check digit, e.g. 0950600013435.
        digits: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Make an SSCC from extension digit, GS1 company prefix and serial reference.
    Sscc {
        /// Extension digit (0-9), chosen by the company.
        #[arg(long, default_value_t = 0)]
        extension: u8,
        /// GS1 company prefix (4 to 12 digits).
        #[arg(long)]
        company_prefix: String,
        /// Serial reference; must fit in the digits the prefix leaves.
        #[arg(long)]
        serial: u64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// GS1 data → Digital Link URI, or a Digital Link URI → its elements.
    Dl {
        /// GS1 data in any accepted form, or a Digital Link URI.
        data: String,
        /// Resolver domain for new URIs.
        #[arg(long, default_value = gs1::DEFAULT_DL_DOMAIN)]
        domain: String,
        /// A character that stands for GS (keyboard-wedge scanners), e.g. '|'.
        #[arg(long)]
        gs: Option<char>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a site batch-number format and show the batch number it gives.
    BatchFormat {
        /// e.g. "{FAC}{YY}{JJJ}-{SEQ:4}"
        format: String,
        /// Facility code for `{FAC}`.
        #[arg(long, default_value = "")]
        facility: String,
        /// Product code for `{PROD}`.
        #[arg(long, default_value = "")]
        product: String,
        /// Sequence value for `{SEQ:n}` (the store keeps the real counter).
        #[arg(long, default_value_t = 1)]
        sequence: u64,
        /// Production date (YYYY-MM-DD); today if not given.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: Gs1Args, _globals: &Globals) -> CmdResult {
    match args.command {
        Gs1Command::Parse { data, json, gs } => {
            let opts = ParseOptions {
                gs_substitute: gs,
                ..Default::default()
            };
            let data = data.to_string_lossy();
            if data == "-" {
                // One result line per input line; bad lines do not stop the run.
                let stdin = std::io::stdin();
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                let mut line = Vec::new();
                let mut input = stdin.lock();
                while input.read_until(b'\n', &mut line)? > 0 {
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches(['\n', '\r']);
                    writeln!(out, "{}", render(gs1::parse(text, &opts), json))?;
                    line.clear();
                }
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            let result = gs1::parse(&data, &opts);
            let failed = result.is_err();
            let text = render(result, json);
            if failed && !json {
                eprintln!("{text}");
            } else {
                println!("{text}");
            }
            Ok(if failed {
                ExitCode::from(EXIT_REFUSED)
            } else {
                ExitCode::SUCCESS
            })
        }
        Gs1Command::CheckDigit { digits, json } => {
            let d = gs1::check_digit(&digits)?;
            if json {
                println!(
                    "{}",
                    json!({"digits": digits, "check_digit": d, "with_check_digit": format!("{digits}{d}")})
                );
            } else {
                println!("{digits}{d}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Gs1Command::Sscc {
            extension,
            company_prefix,
            serial,
            json,
        } => {
            let sscc = gs1::make_sscc(extension, &company_prefix, serial)?;
            if json {
                println!(
                    "{}",
                    json!({"sscc": sscc, "element_string": format!("00{sscc}")})
                );
            } else {
                println!("{sscc}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Gs1Command::Dl {
            data,
            domain,
            gs,
            json,
        } => {
            let opts = ParseOptions {
                gs_substitute: gs,
                ..Default::default()
            };
            let msg = gs1::parse(&data, &opts)?;
            if msg.symbology == Some(gs1::Symbology::DigitalLink) {
                for p in &msg.ignored {
                    eprintln!("note: ignored query parameter {p}");
                }
                println!(
                    "{}",
                    if json {
                        message_json(&msg)
                    } else {
                        msg.to_bracketed()
                    }
                );
            } else {
                let uri = msg.to_digital_link(&domain)?;
                println!(
                    "{}",
                    if json {
                        json!({"uri": uri}).to_string()
                    } else {
                        uri
                    }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Gs1Command::BatchFormat {
            format,
            facility,
            product,
            sequence,
            date,
            json,
        } => {
            let f = BatchFormat::parse(&format)?;
            let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
            let batch = f.render(&BatchInputs {
                date,
                facility: &facility,
                product: &product,
                sequence,
            })?;
            if json {
                println!(
                    "{}",
                    json!({"batch": batch, "max_len": f.max_len(), "sequence_key": f.sequence_key(date, &product)})
                );
            } else {
                println!("{batch}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// One result in the documented shape: elements in order, or an error.
fn render(result: Result<Message, gs1::Gs1Error>, json: bool) -> String {
    match (result, json) {
        (Ok(m), true) => message_json(&m),
        (Ok(m), false) => m
            .elements
            .iter()
            .map(|e| format!("({}) {}: {}", e.ai, e.title(), e.value))
            .collect::<Vec<_>>()
            .join("\t"),
        (Err(e), true) => json!({"error": e.to_string()}).to_string(),
        (Err(e), false) => format!("error: {e}"),
    }
}

fn message_json(m: &Message) -> String {
    let elements: Vec<_> = m
        .elements
        .iter()
        .map(|e| json!({"ai": e.ai, "title": e.title(), "value": e.value}))
        .collect();
    let mut v = json!({"symbology": m.symbology, "elements": elements});
    if !m.ignored.is_empty() {
        v["ignored"] = json!(m.ignored);
    }
    v.to_string()
}
