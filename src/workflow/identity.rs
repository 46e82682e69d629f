//! Who records at this station, and where its store is.

use std::path::PathBuf;

/// Who and where: recorded with every event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub station: String,
    pub actor: String,
}

/// The store file: `--db`/`LOTLINE_DB`, else `lotline.db` in the user's data directory.
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "lotline")
        .map(|d| d.data_dir().join("lotline.db"))
        .unwrap_or_else(|| PathBuf::from("lotline.db"))
}

/// Who is at this station, for every front end (the CLI commands, `lotline scan` and the UI
/// alike, so one PC never records under two names): the station name `configured` in the
/// station config (`[ui] station`), else `LOTLINE_STATION`, else the host name; the actor
/// `LOTLINE_ACTOR`, else the user name. Use [`crate::config::StationConfig::identity`].
pub fn identity(configured: Option<&str>) -> Identity {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let configured = configured
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Identity {
        station: configured
            .or_else(|| env("LOTLINE_STATION"))
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
            })
            .unwrap_or_else(|| "station".into()),
        actor: env("LOTLINE_ACTOR")
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "operator".into()),
    }
}

/// Who is at this station when no config is read: `LOTLINE_STATION` / `LOTLINE_ACTOR`, else
/// the host and user names. Front ends with a config use
/// [`crate::config::StationConfig::identity`].
pub fn identity_from_env() -> Identity {
    identity(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_station_name_wins_and_blank_counts_as_none() {
        assert_eq!(identity(Some(" DOCK-2 ")).station, "DOCK-2");
        assert_eq!(identity(Some("  ")).station, identity(None).station);
    }
}
