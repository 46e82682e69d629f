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
    /// `[ui]`: station name, supervisor PIN hash, sounds, expiry horizon of the station UI.
    pub ui: UiConfig,
}

/// The `[ui]` section of the station config: the station UI's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// This station's name in every event it records (else `LOTLINE_STATION` or the host name).
    pub station: Option<String>,
    /// The supervisor PIN's argon2id hash (PHC string): a supervisor types the PIN to
    /// release, reject or recall a lot. No PIN set: those actions are refused at this station.
    /// Set it with Settings or [`UiConfig::set_supervisor_pin`]; the PIN itself is never kept.
    pub supervisor_pin_hash: Option<String>,
    /// A PIN in clear, as older configs (and an admin resetting a forgotten PIN) write it:
    /// read, hashed into `supervisor_pin_hash` on load ([`StationConfig::load`], replacing the
    /// hash there) and never written back, so the next Settings save leaves only the hash.
    #[serde(skip_serializing)]
    supervisor_pin: Option<String>,
    /// Play a sound for every scan outcome (needs `aplay` or `paplay`).
    pub sounds: bool,
    /// The expiry board shows lots expiring within this many days.
    pub expiry_days: u32,
    /// Template for the internal label printed at receiving.
    pub receive_template: String,
    /// Where exported reports are written.
    pub report_dir: Option<std::path::PathBuf>,
    /// A supervisor's station: Receive takes a unit cost for the lots it receives, and Lot
    /// lookup shows a lot's actual unit cost. Off, costs are neither asked nor shown.
    pub show_costs: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            station: None,
            supervisor_pin_hash: None,
            supervisor_pin: None,
            sounds: true,
            expiry_days: 14,
            receive_template: "case-batch".into(),
            report_dir: None,
            show_costs: false,
        }
    }
}

impl UiConfig {
    /// Sets the supervisor PIN: only its salted hash is kept.
    pub fn set_supervisor_pin(&mut self, pin: &str) -> Result<(), crate::pin::PinHashError> {
        self.supervisor_pin_hash = Some(crate::pin::hash(pin)?);
        self.supervisor_pin = None;
        Ok(())
    }

    /// A PIN in clear from an older config becomes its hash; a hash that is not a PHC string
    /// is refused (at load, not at the first supervisor action).
    fn upgrade_pin(&mut self) -> Result<(), crate::pin::PinHashError> {
        if let Some(pin) = self.supervisor_pin.take().filter(|p| !p.trim().is_empty()) {
            self.set_supervisor_pin(pin.trim())?;
        }
        match &self.supervisor_pin_hash {
            Some(phc) => crate::pin::check_hash(phc),
            None => Ok(()),
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
    /// `[ui] supervisor_pin_hash` is not a PHC string, or a clear PIN could not be hashed.
    #[error("in the config file {path}: {source}")]
    Pin {
        path: PathBuf,
        source: crate::pin::PinHashError,
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
        let mut config: StationConfig =
            toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: path.clone(),
                source,
            })?;
        config
            .ui
            .upgrade_pin()
            .map_err(|source| ConfigError::Pin { path, source })?;
        Ok(config)
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

    /// An older config with the PIN in clear still works: the PIN is hashed on load, and the
    /// config written back (as Settings saves it) holds only the hash.
    #[test]
    fn a_clear_pin_is_hashed_on_load_and_never_written_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lotline.toml");
        std::fs::write(&path, "[ui]\nsupervisor_pin = \"4711\"\n").unwrap();
        let config = StationConfig::load(Some(&path)).unwrap();
        let phc = config.ui.supervisor_pin_hash.clone().unwrap();
        assert_eq!(crate::pin::verify(&phc, "4711"), Ok(true));
        let text = toml::to_string_pretty(&config).unwrap();
        assert!(!text.contains("4711"), "{text}");
        assert!(!text.contains("supervisor_pin ="), "{text}");
        std::fs::write(&path, &text).unwrap();
        let again = StationConfig::load(Some(&path)).unwrap();
        assert_eq!(again.ui.supervisor_pin_hash, Some(phc));

        std::fs::write(&path, "[ui]\nsupervisor_pin_hash = \"4711\"\n").unwrap();
        assert!(matches!(
            StationConfig::load(Some(&path)),
            Err(ConfigError::Pin { .. })
        ));
    }
}
