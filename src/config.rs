//! The station's configuration file (TOML): site, station, scanner, printer, server.
//!
//! Each section's type lives with the module that uses it; this file only gathers them.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StationConfig {
    /// `[station]`: identity, site code, supervisor PIN hash, FEFO and expiry rules.
    pub station: crate::workflow::StationSettings,
}
