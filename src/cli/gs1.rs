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
                return parse_stream(&opts, json);
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
    let mut out = Vec::new();
    write_result(&mut out, &result, json).expect("writing to memory");
    String::from_utf8(out).expect("UTF-8")
}

/// `gs1 parse -`: one result line per input line, bad lines do not stop the run. Buffered,
/// locked output and reused buffers: the loop allocates nothing per line beyond the parse. The
/// output is flushed whenever the input read so far is used up, before waiting for more: a
/// file or pipe is answered in 64 KiB writes, a scanner typing one line at a time at once. A
/// closed stdout (`| head`) ends the run quietly.
fn parse_stream(opts: &ParseOptions, json: bool) -> CmdResult {
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line = Vec::with_capacity(256);
    let run = (|| -> std::io::Result<()> {
        loop {
            if input.buffer().is_empty() {
                out.flush()?;
            }
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            // Valid UTF-8 (all GS1 data is ASCII) is read in place; only other bytes go
            // through the lossy copy.
            let text = match std::str::from_utf8(&line) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(&line),
            };
            let text = text.trim_end_matches(['\n', '\r']);
            write_result(&mut out, &gs1::parse(text, opts), json)?;
            out.write_all(b"\n")?;
            line.clear();
        }
        out.flush()
    })();
    match run {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// Writes one result (without line end): `(ai) TITLE: value` separated by tabs, or
/// `error: …`; JSON as `message_json` shapes it.
fn write_result(
    out: &mut impl Write,
    result: &Result<Message, gs1::Gs1Error>,
    json: bool,
) -> std::io::Result<()> {
    match (result, json) {
        (Ok(m), true) => serde_json::to_writer(&mut *out, &MessageJson(m)),
        (Ok(m), false) => {
            // Pieces written as they are: no formatting machinery per line.
            for (i, e) in m.elements.iter().enumerate() {
                out.write_all(if i > 0 { b"\t(" } else { b"(" })?;
                out.write_all(e.ai.as_bytes())?;
                out.write_all(b") ")?;
                out.write_all(e.title().as_bytes())?;
                out.write_all(b": ")?;
                out.write_all(e.value.as_bytes())?;
            }
            Ok(())
        }
        (Err(e), true) => serde_json::to_writer(&mut *out, &ErrorJson(e)),
        (Err(e), false) => return write!(out, "error: {e}"),
    }
    .map_err(std::io::Error::other)
}

/// A message as `{"elements":[{"ai","title","value"}…],"ignored":[…],"symbology":…}`, written
/// straight to the output (keys in the order `serde_json::json!` gives them).
struct MessageJson<'a>(&'a Message);

impl serde::Serialize for MessageJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Elements<'a>(&'a [gs1::Element]);
        impl serde::Serialize for Elements<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                #[derive(serde::Serialize)]
                struct Element<'a> {
                    ai: &'a str,
                    title: &'a str,
                    value: &'a str,
                }
                for e in self.0 {
                    seq.serialize_element(&Element {
                        ai: e.ai,
                        title: e.title(),
                        value: &e.value,
                    })?;
                }
                seq.end()
            }
        }
        let m = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("elements", &Elements(&m.elements))?;
        if !m.ignored.is_empty() {
            map.serialize_entry("ignored", &m.ignored)?;
        }
        map.serialize_entry("symbology", &m.symbology)?;
        map.end()
    }
}

/// `{"error":"…"}` with the message written as it is formatted.
struct ErrorJson<'a>(&'a gs1::Gs1Error);

impl serde::Serialize for ErrorJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Text<'a>(&'a gs1::Gs1Error);
        impl serde::Serialize for Text<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self.0)
            }
        }
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("error", &Text(self.0))?;
        map.end()
    }
}

fn message_json(m: &Message) -> String {
    serde_json::to_string(&MessageJson(m)).expect("JSON of strings")
}
