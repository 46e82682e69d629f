//! The station's configuration file (TOML): site, scanner, sync, printer, ui.
//!
//! Each section's type lives with the module that uses it (`[ui]`'s here, as the UI sits above
//! the config and a server build has no UI); this file gathers them and finds the file:
//! `--config`/`LOTLINE_CONFIG`, else `lotline.toml` in the user's config directory, else the
//! defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StationConfig {
    /// `[site]`: facility code and batch-number format.
    pub site: crate::workflow::SiteConfig,
    /// `[scanner]`: sources, framing, keyboard-wedge timing, duplicate window.
    pub scanner: crate::scanner::ScannerConfig,
    /// `[sync]`: the central server and this station's token.
    pub sync: crate::sync::SyncConfig,
    /// `[printer]`: where labels go (CUPS queue, raw printer port or folder); none set means
    /// labels can be rendered but not printed.
    pub printer: Option<crate::printer::PrintTarget>,
    /// `[ui]`: station name, supervisor PIN, sounds, expiry horizon of the station UI.
    pub ui: UiConfig,
}

/// The `[ui]` section of the station config: the station UI's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// This station's name in every event it records (else `LOTLINE_STATION` or the host name).
    pub station: Option<String>,
    /// The PIN a supervisor types to hold, release, reject or recall a lot. No PIN set: those
    /// actions are refused at this station.
    pub supervisor_pin: Option<String>,
    /// Play a sound for every scan outcome (needs `aplay` or `paplay`).
    pub sounds: bool,
    /// The expiry board shows lots expiring within this many days.
    pub expiry_days: u32,
    /// Template for the internal label printed at receiving.
    pub receive_template: String,
    /// Where exported reports are written.
    pub report_dir: Option<std::path::PathBuf>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            station: None,
            supervisor_pin: None,
            sounds: true,
            expiry_days: 14,
            receive_template: "case-batch".into(),
            report_dir: None,
        }
    }
}

/// Why the configuration file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("reading the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not valid TOML for the station configuration (misspelt keys included).
    #[error("in the config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
}

impl StationConfig {
    /// `lotline.toml` in the user's config directory (where the station UI saves settings
    /// when no `--config` was given).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "lotline")
            .map(|dirs| dirs.config_dir().join("lotline.toml"))
    }

    /// Who records at this station: the one place every front end (UI, `lotline scan`, the
    /// CLI commands) takes its station name from, so one PC never records under two names.
    pub fn identity(&self) -> crate::workflow::Identity {
        crate::workflow::identity::identity(self.ui.station.as_deref())
    }

    /// Loads the configuration from `path`, or the default location, or the defaults. A file
    /// that does not exist yet gives the defaults (Settings creates it on its first save).
    pub fn load(path: Option<&Path>) -> Result<StationConfig, ConfigError> {
        let default_path = || Self::default_path().filter(|p| p.is_file());
        let Some(path) = path.map(Path::to_path_buf).or_else(default_path) else {
            return Ok(StationConfig::default());
        };
        if !path.exists() {
            return Ok(StationConfig::default());
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A station pointed at a config file it has not saved yet starts on the defaults (the
    /// Settings screen creates the file); a file that is there but wrong is still an error.
    #[test]
    fn a_config_file_not_made_yet_is_the_defaults_and_a_bad_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("new").join("lotline.toml");
        let config = StationConfig::load(Some(&missing)).unwrap();
        assert_eq!(config.ui, UiConfig::default());
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[site]\nglm = \"x\"\n").unwrap();
        assert!(matches!(
            StationConfig::load(Some(&bad)),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::write(&bad, "[site]\ngln = \"9501101000001\"\n").unwrap();
        let config = StationConfig::load(Some(&bad)).unwrap();
        assert_eq!(config.site.gln.as_deref(), Some("9501101000001"));
    }
}
