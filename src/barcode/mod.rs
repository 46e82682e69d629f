//! Barcodes: GS1 and plain symbols encoded to module matrices, and images decoded back. Pure.
//!
//! Encoding yields a [`Symbol`]: the symbol's modules without quiet zone, the quiet zone its
//! symbology needs (in modules), and whether it is linear (one row of bars). Renderers (PNG,
//! SVG here; PDF and ZPL in `label`) draw from that, so every output shows the same modules.
//! Decoding goes through [`decode`] for every image source (files, camera frames, labels
//! rasterised back in tests).

mod datamatrix;
mod decode;
mod encode;
pub mod policy;
mod render;

pub use decode::{
    DecodeOptions, Decoded, Decoder, decode_image_bytes, decode_image_bytes_with, decode_luma,
    decode_luma_with,
};
pub use encode::{Matrix, Symbol, encode};
pub use policy::Accepted;
pub use render::{to_png, to_svg};

use std::fmt;
use std::str::FromStr;

/// The symbologies Lotline prints (what a label asks for; [`crate::gs1::Symbology`] is how a
/// scanned datum reached us).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SymbolKind {
    /// GS1-128: Code 128 with FNC1 in first position and as separator.
    #[serde(rename = "gs1-128")]
    Gs1_128,
    /// GS1 DataMatrix (ECC 200 with FNC1 first).
    #[serde(rename = "gs1-datamatrix")]
    Gs1DataMatrix,
    /// QR Code with FNC1 in first position (GS1 element string).
    #[serde(rename = "gs1-qr")]
    Gs1Qr,
    /// Plain QR Code (text, or a GS1 Digital Link URI).
    #[serde(rename = "qr")]
    Qr,
    /// EAN-13 (a GTIN-13).
    #[serde(rename = "ean-13")]
    Ean13,
    /// UPC-A (a GTIN-12).
    #[serde(rename = "upc-a")]
    UpcA,
    /// ITF-14 (a GTIN-14 on outer cases).
    #[serde(rename = "itf-14")]
    Itf14,
    /// Plain Code 128.
    #[serde(rename = "code128")]
    Code128,
    /// Plain DataMatrix.
    #[serde(rename = "datamatrix")]
    DataMatrix,
}

impl SymbolKind {
    pub const ALL: [SymbolKind; 9] = [
        SymbolKind::Gs1_128,
        SymbolKind::Gs1DataMatrix,
        SymbolKind::Gs1Qr,
        SymbolKind::Qr,
        SymbolKind::Ean13,
        SymbolKind::UpcA,
        SymbolKind::Itf14,
        SymbolKind::Code128,
        SymbolKind::DataMatrix,
    ];

    /// The name used on the command line and in label templates.
    pub fn name(self) -> &'static str {
        match self {
            SymbolKind::Gs1_128 => "gs1-128",
            SymbolKind::Gs1DataMatrix => "gs1-datamatrix",
            SymbolKind::Gs1Qr => "gs1-qr",
            SymbolKind::Qr => "qr",
            SymbolKind::Ean13 => "ean-13",
            SymbolKind::UpcA => "upc-a",
            SymbolKind::Itf14 => "itf-14",
            SymbolKind::Code128 => "code128",
            SymbolKind::DataMatrix => "datamatrix",
        }
    }

    /// Whether the data is a GS1 element string (AIs and values).
    pub fn is_gs1_element_string(self) -> bool {
        matches!(
            self,
            SymbolKind::Gs1_128 | SymbolKind::Gs1DataMatrix | SymbolKind::Gs1Qr
        )
    }
}

impl fmt::Display for SymbolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SymbolKind {
    type Err = BarcodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.to_ascii_lowercase().replace('_', "-");
        SymbolKind::ALL
            .into_iter()
            .find(|sym| sym.name() == wanted || sym.name().replace('-', "") == wanted)
            .ok_or_else(|| BarcodeError::UnknownSymbology(s.to_string()))
    }
}

/// What went wrong encoding or decoding a barcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// A symbology name nobody knows.
    #[error(
        "unknown symbology `{0}`: use one of gs1-128, gs1-datamatrix, gs1-qr, qr, ean-13, upc-a, itf-14, code128, datamatrix"
    )]
    UnknownSymbology(String),
    /// The data cannot be put in this symbology (wrong length, characters, check digit…).
    #[error("{symbology} cannot encode {data:?}: {reason}")]
    Unencodable {
        symbology: SymbolKind,
        data: String,
        reason: String,
    },
    /// The image could not be read as an image.
    #[error("the image cannot be read: {0}")]
    BadImage(String),
    /// No barcode was found in the image.
    #[error(
        "no barcode found in the {width}×{height} image: check focus, light and that the whole symbol is in view"
    )]
    NoBarcode { width: u32, height: u32 },
}
