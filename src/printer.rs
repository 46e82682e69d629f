//! Printers (an adapter): laid-out labels sent to a printer, the one print path the CLI and
//! the UI share. Layout and rendering stay in the pure [`label`] module.
//!
//! Three targets, as a station's `[printer]` config names them: a CUPS queue (`lp`, PDF), a
//! raw network printer port (JetDirect 9100, ZPL) or a folder (a PDF per print job, for a
//! print server that watches it, or for a station without a printer). Each call is one job
//! and blocks until the printer or spooler has the data, so a UI runs it off its own thread.

use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::label::{self, LabelError, Layout, Template};

/// Where labels go. In the config file: `[printer]` with `kind = "cups"` and `printer =
/// "NAME"`, `kind = "raw"` and `addr = "HOST:9100"`, or `kind = "folder"` and `dir = "PATH"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PrintTarget {
    /// A CUPS queue, sent a PDF with `lp -d NAME`.
    Cups { printer: String },
    /// A printer's raw port (`HOST:PORT`, usually 9100), sent ZPL.
    Raw { addr: String },
    /// A folder: each job is written as a PDF file in it.
    Folder { dir: PathBuf },
}

/// Why a print job did not reach the printer. Each message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Label(#[from] LabelError),
    #[error(
        "cannot run `lp` (CUPS): {0}; install cups-client, or print to a raw printer or a folder"
    )]
    NoLp(std::io::Error),
    #[error("`lp -d {printer}` failed ({status}){stderr}: check the printer name with `lpstat -p`")]
    LpFailed {
        printer: String,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error(
        "cannot reach the printer at {addr}: {source}; check it is on and the address is right"
    )]
    Unreachable {
        addr: String,
        source: std::io::Error,
    },
    #[error(
        "{title} is an A4 document, and the printer at {addr} takes ZPL labels only: print it from the PDF file, or set a CUPS printer"
    )]
    NotALabel { addr: String, title: String },
    #[error("writing the labels to {path}: {source}; check the folder exists and is writable")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Prints a document that is not a label (a despatch note, A4) as one job: through CUPS, or
/// into the folder; a raw label-printer port takes ZPL labels only, so it is refused there.
pub fn print_document(target: &PrintTarget, pdf: &[u8], title: &str) -> Result<String, PrintError> {
    match target {
        PrintTarget::Cups { printer } => {
            lp(printer, title, pdf)?;
            Ok(format!("{title} sent to printer {printer}"))
        }
        PrintTarget::Raw { addr } => Err(PrintError::NotALabel {
            addr: addr.clone(),
            title: title.to_string(),
        }),
        PrintTarget::Folder { dir } => {
            let stem: String = title
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = into_folder(dir, &stem, pdf)?;
            Ok(format!("{title} written to {}", path.display()))
        }
    }
}

/// Writes a print job into the folder as `STEM-YYYYMMDD-HHMMSS.mmm.pdf`.
fn into_folder(dir: &std::path::Path, stem: &str, pdf: &[u8]) -> Result<PathBuf, PrintError> {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
    let path = dir.join(format!("{stem}-{stamp}.pdf"));
    std::fs::write(&path, pdf).map_err(|source| PrintError::Folder {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Sends a PDF to a CUPS queue (`lp -d PRINTER -t TITLE`); its refusal says why.
fn lp(printer: &str, title: &str, pdf: &[u8]) -> Result<(), PrintError> {
    let mut child = Command::new("lp")
        .args(["-d", printer, "-t", title])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(PrintError::NoLp)?;
    // A write error means lp exited early; its status and message say why.
    let _ = child.stdin.take().map(|mut stdin| stdin.write_all(pdf));
    let out = child.wait_with_output().map_err(PrintError::NoLp)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Err(PrintError::LpFailed {
            printer: printer.to_string(),
            status: out.status,
            stderr: if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            },
        });
    }
    Ok(())
}

/// How long a raw printer may take to accept the connection or the data.
const RAW_TIMEOUT: Duration = Duration::from_secs(10);

/// Prints `labels` (laid out from `template`) as one job; says where they went.
pub fn print(
    target: &PrintTarget,
    template: &Template,
    labels: &[Layout],
) -> Result<String, PrintError> {
    match target {
        PrintTarget::Cups { printer } => {
            lp(
                printer,
                &template.name,
                &label::pdf::render(labels, &template.name),
            )?;
            Ok(format!("{} labels sent to printer {printer}", labels.len()))
        }
        PrintTarget::Raw { addr } => {
            let zpl = label::zpl::render(labels)?;
            let unreachable = |source| PrintError::Unreachable {
                addr: addr.clone(),
                source,
            };
            let socket = addr
                .to_socket_addrs()
                .map_err(unreachable)?
                .next()
                .ok_or_else(|| unreachable(std::io::ErrorKind::NotFound.into()))?;
            let mut stream =
                TcpStream::connect_timeout(&socket, RAW_TIMEOUT).map_err(unreachable)?;
            stream
                .set_write_timeout(Some(RAW_TIMEOUT))
                .map_err(unreachable)?;
            stream.write_all(zpl.as_bytes()).map_err(unreachable)?;
            Ok(format!("{} labels sent to {addr}", labels.len()))
        }
        PrintTarget::Folder { dir } => {
            let pdf = label::pdf::render(labels, &template.name);
            let path = into_folder(dir, &template.name, &pdf)?;
            Ok(format!(
                "{} labels written to {}",
                labels.len(),
                path.display()
            ))
        }
    }
}
