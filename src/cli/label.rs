//! `lotline label render|batch|print|list`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::error::{Code, refuse};
use super::lot::LotOptions;
use super::output::Out;
use super::{CmdResult, Globals};
use crate::label::{self, LabelData, Layout, Template};
use crate::printer::{self, PrintTarget};
use crate::workflow::label_job::{self, LabelJob};

#[derive(Debug, clap::Args)]
pub struct LabelArgs {
    #[command(subcommand)]
    command: LabelCommand,
}

#[derive(Debug, clap::Args)]
struct Source {
    /// Template name in label-templates/ (e.g. case-batch) or a path to a .toml file.
    #[arg(long)]
    template: String,
    /// A placeholder value, key=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Fill every placeholder not given with --set from the template's own sample data.
    #[arg(long)]
    sample: bool,
    /// Labels to make.
    #[arg(long, default_value_t = 1)]
    copies: u32,
    /// Fill placeholders from this lot in the store (gtin, batch, product, expiry, count): a
    /// batch number or a scan of the lot's GS1 label.
    #[arg(value_name = "LOT|SCAN")]
    lot: Option<String>,
    #[command(flatten)]
    lot_options: LotOptions,
}

#[derive(Debug, Subcommand)]
enum LabelCommand {
    /// Render labels to a file: .pdf (vector), .png (preview of the first label), .zpl.
    Render {
        #[command(flatten)]
        source: Source,
        #[arg(long)]
        out: PathBuf,
    },
    /// One label per CSV row (the header names the placeholders) into one file.
    Batch {
        #[arg(long)]
        template: String,
        #[arg(long)]
        csv: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print labels: through CUPS (`lp -d NAME`, PDF), raw TCP to a printer port (ZPL) or as a
    /// PDF into a folder. Without a target option, the config's `[printer]` is used.
    Print {
        #[command(flatten)]
        source: Source,
        /// CUPS printer name.
        #[arg(long, conflicts_with_all = ["raw", "folder"])]
        printer: Option<String>,
        /// HOST:PORT of a raw (JetDirect, port 9100) ZPL printer.
        #[arg(long, conflicts_with = "folder")]
        raw: Option<String>,
        /// A folder to write the job into as a PDF file.
        #[arg(long)]
        folder: Option<PathBuf>,
    },
    /// Prove a template prints any valid data: lay it out with worst-case values (20-character
    /// batch numbers of the widest characters, 8-digit counts, …) and check every symbol's
    /// X-dimension, bar height and quiet zones against the GS1 symbol specification of the
    /// template's application. Exits 1 naming the element and field that does not fit.
    Check {
        /// Template name in label-templates/ or a path to a .toml file.
        template: String,
        /// Also write the worst-case labels (one page each) to this file: .pdf, .png, .zpl.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the shipped templates and their placeholders.
    List {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: LabelArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    match args.command {
        LabelCommand::Render { source, out: file } => {
            let (template, labels) = lay_out_source(&source, globals)?;
            write_output(&file, &template, &labels)?;
            Ok(ExitCode::SUCCESS)
        }
        LabelCommand::Batch {
            template,
            csv,
            out: file,
        } => {
            let template = Template::load(&template)?;
            let mut reader = csv::Reader::from_path(&csv)
                .with_context(|| format!("reading {}", csv.display()))?;
            let headers = reader.headers()?.clone();
            let rows: Vec<csv::StringRecord> = reader
                .records()
                .collect::<Result<_, _>>()
                .with_context(|| format!("reading {}", csv.display()))?;
            let progress = std::io::stderr()
                .is_terminal()
                .then(|| indicatif::ProgressBar::new(rows.len() as u64));
            let rows: Vec<LabelData> = rows
                .iter()
                .map(|row| {
                    headers
                        .iter()
                        .zip(row.iter())
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                })
                .collect();
            let tick = || {
                if let Some(p) = &progress {
                    p.inc(1);
                }
            };
            let labels = label::lay_out_all(&template, &rows, &tick).map_err(|(n, e)| {
                anyhow::Error::new(e).context(format!("{} row {}", csv.display(), n + 2))
            })?;
            if let Some(p) = progress {
                p.finish_and_clear();
            }
            write_output(&file, &template, &labels)?;
            eprintln!("{} labels written to {}", labels.len(), file.display());
            Ok(ExitCode::SUCCESS)
        }
        LabelCommand::Print {
            source,
            printer,
            raw,
            folder,
        } => {
            let target = match (printer, raw, folder) {
                (Some(printer), _, _) => PrintTarget::Cups { printer },
                (_, Some(addr), _) => PrintTarget::Raw { addr },
                (_, _, Some(dir)) => PrintTarget::Folder { dir },
                _ => crate::config::StationConfig::load(globals.config.as_deref())?
                    .printer
                    .context(
                        "no printer: give --printer NAME, --raw HOST:9100 or --folder DIR, \
                         or set [printer] in the station config",
                    )?,
            };
            let (template, labels) = lay_out_source(&source, globals)?;
            eprintln!("{}", printer::print(&target, &template, &labels)?);
            Ok(ExitCode::SUCCESS)
        }
        LabelCommand::Check {
            template,
            out: file,
        } => {
            let template = Template::load(&template)?;
            let checked = label::check::check(&template)?;
            if let Some(file) = file {
                write_output(&file, &template, &checked.layouts)?;
            }
            out.line(format_args!(
                "{}: the worst case fits ({} data sets; symbols checked for application {})",
                template.name,
                checked.data.len(),
                template.application.name()
            ))?;
            for (key, value) in checked.data.first().into_iter().flatten() {
                out.line(format_args!("  {key} = {value}"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        LabelCommand::List { json } => {
            for name in label::template::shipped() {
                let t = Template::load(&name)?;
                if json {
                    out.json(&serde_json::json!({
                        "name": name,
                        "description": t.description,
                        "fields": t.fields(),
                    }))?;
                } else {
                    out.line(format_args!(
                        "{name}\t{}\t{}",
                        t.description,
                        t.fields().join(",")
                    ))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn lay_out_source(source: &Source, globals: &Globals) -> anyhow::Result<(Template, Vec<Layout>)> {
    let set = source
        .set
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("--set {kv:?}: write it as key=value"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    if !(1..=label_job::MAX_COPIES).contains(&source.copies) {
        return refuse(
            Code::InvalidInput,
            format!(
                "--copies {} is out of range (1 to {})",
                source.copies,
                label_job::MAX_COPIES
            ),
        );
    }
    let (station, lot) = match &source.lot {
        Some(lot) => {
            let station = super::workflow::open_station(globals)?;
            let lot = source.lot_options.resolve(&station, lot)?;
            (Some(station), Some((lot.batch, Some(lot.gtin))))
        }
        None => (None, None),
    };
    let job = LabelJob {
        template: source.template.clone(),
        lot,
        sample: source.sample,
        set,
        copies: source.copies,
    };
    Ok(label_job::lay_out_labels(&job, station.as_ref())?)
}

fn write_output(out: &Path, template: &Template, labels: &[Layout]) -> anyhow::Result<()> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match ext.as_str() {
        "pdf" => label::pdf::render(labels, &template.name),
        "png" => label::png::render(&labels[0], template.dpi),
        "zpl" => label::zpl::render(labels)?.into_bytes(),
        _ => {
            return refuse(
                Code::InvalidInput,
                format!(
                    "cannot write `{}`: the output must end in .pdf, .png or .zpl",
                    out.display()
                ),
            );
        }
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
