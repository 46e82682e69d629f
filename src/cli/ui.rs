//! `lotline` with no command: the station UI on the store and config given (or the defaults).

use std::process::ExitCode;

use super::{CmdResult, Globals, UiMode};
use crate::config::StationConfig;
use crate::ui::{self, Mode, UiOptions};

pub fn run(kiosk: bool, mode: UiMode, globals: &Globals) -> CmdResult {
    let config = StationConfig::load(globals.config.as_deref())?;
    ui::run(UiOptions {
        db: globals.db_path(),
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
