//! The `[scanner]` section of the station configuration file.

use serde::{Deserialize, Serialize};

use super::camera::CameraConfig;
use super::serial::SerialConfig;
use super::wedge::WedgeConfig;
use crate::barcode::{Accepted, DecodeOptions};

/// Scanner settings (see docs/scanners.md for every field with an example).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerConfig {
    /// Source used by `lotline scan` when `--source` is not given, e.g. `serial:auto@9600`.
    pub source: Option<String>,
    /// The same data from the same source within this many milliseconds of the scan that
    /// counted is a doubled read and is dropped. 0 turns the filter off.
    pub duplicate_window_ms: u64,
    pub serial: SerialConfig,
    pub wedge: WedgeConfig,
    pub image: ImageConfig,
    pub camera: CameraConfig,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        ScannerConfig {
            source: None,
            duplicate_window_ms: 1000,
            serial: SerialConfig::default(),
            wedge: WedgeConfig::default(),
            image: ImageConfig::default(),
            camera: CameraConfig::default(),
        }
    }
}

/// Image sources (files, a watched folder, frames on stdin) and cameras.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImageConfig {
    /// How often a watched folder is listed for new images.
    pub poll_interval_ms: u64,
    /// The symbologies decoded from images and camera frames (names as in label templates:
    /// `gs1-128`, `gs1-datamatrix`, `gs1-qr`, `qr`, `ean-13`, `upc-a`, `itf-14`, `code128`,
    /// `datamatrix`). By default all of them; a dock that sees only GS1 labels lists the three
    /// GS1 ones, and a stray UPC is never read.
    pub accept: Accepted,
}

impl Default for ImageConfig {
    fn default() -> Self {
        ImageConfig {
            poll_interval_ms: 500,
            accept: Accepted::default(),
        }
    }
}

impl ImageConfig {
    /// The decoder settings these give.
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            accepted: self.accept.clone(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::framer::Suffix;

    #[test]
    fn a_documented_example_section_parses() {
        let cfg: ScannerConfig = toml::from_str(
            r#"
            source = "serial:/dev/ttyACM0@9600"
            duplicate_window_ms = 1500
            [serial]
            baud = 115200
            parity = "even"
            prefix = "\u0002"
            suffix = "crlf"
            [wedge]
            gs_substitute = "~"
            max_key_gap_ms = 25
            "#,
        )
        .unwrap();
        assert_eq!(cfg.duplicate_window_ms, 1500);
        assert_eq!(cfg.serial.baud, 115200);
        assert_eq!(cfg.serial.prefix, "\u{2}");
        assert_eq!(cfg.serial.suffix, Suffix::CrLf);
        assert_eq!(cfg.wedge.gs_substitute, Some('~'));
        assert_eq!(cfg.wedge.max_key_gap_ms, 25);
        assert_eq!(
            cfg.wedge.min_burst_len,
            WedgeConfig::default().min_burst_len
        );
    }

    #[test]
    fn accepted_symbologies_are_all_by_default_and_can_be_narrowed() {
        let cfg: ScannerConfig = toml::from_str("").unwrap();
        assert_eq!(cfg.image.accept, Accepted::default());
        let cfg: ScannerConfig =
            toml::from_str("[image]\naccept = [\"gs1-128\", \"gs1-datamatrix\", \"gs1-qr\"]\n")
                .unwrap();
        assert_eq!(cfg.image.accept, Accepted::gs1_only());
        let err = toml::from_str::<ScannerConfig>("[image]\naccept = [\"upc\"]\n").unwrap_err();
        assert!(err.to_string().contains("upc"), "{err}");
    }

    #[test]
    fn a_misspelt_field_is_an_error_not_a_silent_default() {
        let err = toml::from_str::<ScannerConfig>("[serial]\nbaudrate = 9600\n").unwrap_err();
        assert!(err.to_string().contains("baudrate"), "{err}");
    }
}
