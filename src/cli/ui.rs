//! `lotline` with no command: the station UI on the store and config given (or the defaults).

use std::process::ExitCode;

use super::{CmdResult, Globals, UiMode};
use crate::config::StationConfig;
use crate::ui::{self, Mode, UiOptions};
use crate::workflow;

pub fn run(kiosk: bool, mode: UiMode, globals: &Globals) -> CmdResult {
    let config = StationConfig::load(globals.config.as_deref())?;
    let db = globals.db.clone().unwrap_or_else(workflow::default_db_path);
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating the store's folder {}: {e}", dir.display()))?;
    }
    ui::run(UiOptions {
        db,
        config_path: globals.config.clone(),
        config,
        kiosk,
        mode: match mode {
            UiMode::Receive => Mode::Receive,
            UiMode::Produce => Mode::Produce,
            UiMode::Dispatch => Mode::Dispatch,
            UiMode::Lookup => Mode::Lookup,
            UiMode::Expiry => Mode::Expiry,
            UiMode::Settings => Mode::Settings,
        },
    })?;
    Ok(ExitCode::SUCCESS)
}
