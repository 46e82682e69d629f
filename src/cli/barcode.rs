//! `lotline barcode encode|decode`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::error::{Code, Described, batch_exit, refuse};
use super::output::Out;
use super::{CmdResult, Globals};
use crate::barcode::{self, SymbolKind};

#[derive(Debug, clap::Args)]
pub struct BarcodeArgs {
    #[command(subcommand)]
    command: BarcodeCommand,
}

#[derive(Debug, Subcommand)]
enum BarcodeCommand {
    /// Encode data as a barcode image (.png or .svg).
    Encode {
        /// gs1-128, gs1-datamatrix, gs1-qr, qr, ean-13, upc-a, itf-14, code128, datamatrix
        #[arg(long)]
        symbology: SymbolKind,
        /// The data. GS1 symbologies take bracketed GS1 data, `(01)…(10)…`, or an element
        /// string with GS (0x1D) separators (or the separator given by --gs); it is validated.
        #[arg(long)]
        data: String,
        /// A character that stands for GS in --data (e.g. '|').
        #[arg(long)]
        gs: Option<char>,
        /// Pixels per module in a PNG.
        #[arg(long, default_value_t = 4)]
        module_px: u32,
        /// Output file: .png or .svg
        #[arg(long)]
        out: PathBuf,
    },
    /// Decode every barcode in one or more images (PNG, JPEG).
    Decode {
        #[arg(required = true)]
        images: Vec<PathBuf>,
        /// One JSON object per image.
        #[arg(long)]
        json: bool,
        /// Only these symbologies, comma-separated (default: all Lotline prints), e.g.
        /// `--accept gs1-128,gs1-datamatrix,gs1-qr`.
        #[arg(long, value_delimiter = ',')]
        accept: Vec<SymbolKind>,
    },
}

pub fn run(args: BarcodeArgs, _globals: &Globals, out: &mut Out) -> CmdResult {
    match args.command {
        BarcodeCommand::Encode {
            symbology,
            data,
            gs,
            module_px,
            out: file,
        } => {
            let data = match gs {
                Some(sub) => data.replace(sub, &crate::gs1::GS.to_string()),
                None => data,
            };
            // GS1 symbols carry only valid GS1 data, given bracketed or raw; one symbol may be
            // part of a label, so which AIs must appear together is not checked here.
            let data = if symbology.is_gs1_element_string() {
                let opts = crate::gs1::ParseOptions {
                    skip_requisites: true,
                    ..Default::default()
                };
                crate::gs1::parse(&data, &opts)
                    .with_context(|| format!("{data:?} is not valid GS1 data"))?
                    .to_element_string()
            } else {
                data
            };
            let symbol = barcode::encode(symbology, &data)?;
            let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
            let bytes = match ext.to_ascii_lowercase().as_str() {
                "png" => barcode::to_png(&symbol, module_px),
                "svg" => barcode::to_svg(&symbol).into_bytes(),
                _ => {
                    return refuse(
                        Code::InvalidInput,
                        format!(
                            "cannot write `{}`: the output file must end in .png or .svg",
                            file.display()
                        ),
                    );
                }
            };
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        BarcodeCommand::Decode {
            images,
            json,
            accept,
        } => {
            let options = barcode::DecodeOptions {
                accepted: if accept.is_empty() {
                    barcode::Accepted::default()
                } else {
                    barcode::Accepted::new(accept)
                },
                ..Default::default()
            };
            let (mut read, mut failed) = (0, 0);
            for path in images {
                let result = std::fs::read(&path)
                    .map_err(|e| barcode::BarcodeError::BadImage(e.to_string()))
                    .and_then(|bytes| barcode::decode_image_bytes_with(&bytes, &options));
                if result.is_ok() {
                    read += 1;
                }
                match result {
                    Ok(found) if json => {
                        let symbols: Vec<_> = found
                            .iter()
                            .map(|d| {
                                serde_json::json!({
                                    "aim": d.aim_id,
                                    "text": d.text,
                                    "gs1": gs1_elements(d),
                                })
                            })
                            .collect();
                        out.json(&serde_json::json!({"image": path, "symbols": symbols}))?;
                    }
                    Ok(found) => {
                        for d in found {
                            out.line(format_args!(
                                "{}\t{}",
                                path.display(),
                                printable(&d.scan_data())
                            ))?;
                        }
                    }
                    Err(e) => {
                        failed += 1;
                        let image = path.display().to_string();
                        Described::of(&e.into()).report_with(json, Some(("image", &image)));
                    }
                }
            }
            Ok(batch_exit(read, failed))
        }
    }
}

/// The parsed GS1 elements of a decoded GS1 symbol, or null for plain data.
fn gs1_elements(d: &barcode::Decoded) -> serde_json::Value {
    match crate::gs1::parse(&d.scan_data(), &Default::default()) {
        Ok(msg) => serde_json::to_value(&msg.elements).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    }
}

/// GS shown as `<GS>` so a terminal line stays readable.
fn printable(s: &str) -> String {
    s.replace(crate::gs1::GS, "<GS>")
}
