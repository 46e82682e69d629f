//! Reading images back, shared by the barcode and label tests: Lotline's own decoder (rxing,
//! through the binary) and two independent ones, zbarimg (zbar-tools: linear and QR) and
//! dmtxread (dmtx-utils: DataMatrix), which scripts/setup-system installs. Each reports the
//! GS1 separators and whether the symbol starts with FNC1, so a test can say the data read
//! back is exactly what was meant.
#![allow(dead_code)] // each test binary uses part of this

use std::path::{Path, PathBuf};
use std::process::Command;

pub const GS: char = '\u{1d}';

pub use crate::support::{ok, run as lotline};

/// What `lotline barcode decode --json` reads: (AIM id, text with GS) of each symbol.
pub fn rxing_reads(image: &Path) -> Vec<(String, String)> {
    let o = ok(lotline(&[
        "barcode",
        "decode",
        "--json",
        image.to_str().unwrap(),
    ]));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["symbols"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: {v}", image.display()))
        .iter()
        .map(|s| {
            (
                s["aim"].as_str().unwrap_or("").to_string(),
                s["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A symbol zbarimg found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ZbarSymbol {
    /// zbar's name: `CODE-128`, `QR-Code`, `EAN-13`, `UPC-A`, `I2/5`, …
    pub kind: String,
    /// The symbol starts with FNC1 (GS1-128, GS1 QR): zbar's `GS1` modifier.
    pub gs1: bool,
    /// The data, GS1 separators as GS.
    pub data: String,
}

/// Every symbol zbarimg reads in an image (its XML output keeps the GS1 flag and the bytes).
pub fn zbar_reads(image: &Path) -> Vec<ZbarSymbol> {
    let o = Command::new("zbarimg")
        .args(["--quiet", "--xml"])
        .arg(image)
        .output()
        .expect("zbarimg is installed (scripts/setup-system)");
    let xml = String::from_utf8_lossy(&o.stdout);
    xml.split("<symbol ")
        .skip(1)
        .map(|s| {
            let attr = |name: &str| {
                s.split_once(&format!("{name}='"))
                    .and_then(|(_, rest)| rest.split_once('\''))
                    .map(|(v, _)| v.to_string())
            };
            let cdata = s
                .split_once("<![CDATA[")
                .and_then(|(_, rest)| rest.split_once("]]>"))
                .map(|(d, _)| d)
                .unwrap_or_default();
            let data = if s.contains("format='base64'") {
                String::from_utf8(base64(cdata.trim())).unwrap()
            } else {
                cdata.to_string()
            };
            ZbarSymbol {
                kind: attr("type").unwrap_or_default(),
                gs1: attr("modifiers").is_some_and(|m| m.contains("GS1")),
                data,
            }
        })
        .collect()
}

fn base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(value)
        .collect();
    digits
        .chunks(4)
        .flat_map(|q| {
            let n = q
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(q.len() - 1)
        })
        .collect()
}

/// The first DataMatrix dmtxread finds, with FNC1 shown as GS (`-G 29`): a GS1 DataMatrix
/// reads as GS + element string with GS separators.
pub fn dmtx_reads(image: &Path) -> String {
    let o = Command::new("dmtxread")
        .args(["-N1", "-m", "20000", "-G", "29"])
        .arg(image)
        .output()
        .expect("dmtxread is installed (scripts/setup-system)");
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Page `page` of a PDF as a grey PNG at `dpi` (pdftoppm, poppler-utils).
pub fn rasterise(pdf: &Path, dpi: u32, page: u32) -> PathBuf {
    let prefix = pdf.with_extension(format!("p{page}.{dpi}"));
    let page = page.to_string();
    ok(Command::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-png",
            "-gray",
            "-f",
            &page,
            "-l",
            &page,
        ])
        .arg("-singlefile")
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm is installed (scripts/setup-system)"));
    prefix.with_extension(format!("{dpi}.png"))
}

/// An SVG as a PNG (rsvg-convert, librsvg2-bin), `zoom` times its size.
pub fn rasterise_svg(svg: &Path, zoom: u32) -> PathBuf {
    let png = svg.with_extension("svg.png");
    ok(Command::new("rsvg-convert")
        .args([
            "--zoom",
            &zoom.to_string(),
            "--background-color",
            "white",
            "-o",
        ])
        .arg(&png)
        .arg(svg)
        .output()
        .expect("rsvg-convert is installed (scripts/setup-system)"));
    png
}

#[test]
fn base64_decodes() {
    assert_eq!(base64("MDEwOQ=="), b"0109");
    assert_eq!(base64("TWFu"), b"Man");
    assert_eq!(base64("TWE="), b"Ma");
}
