//! `lotline` with no command: the station UI on the store and config given (or the defaults).
//! A build without the `ui` feature (a server host's) has no UI and says so.

use std::process::ExitCode;

use super::{CmdResult, Globals, UiMode};

#[cfg(feature = "ui")]
pub fn run(kiosk: bool, mode: UiMode, globals: &Globals) -> CmdResult {
    use crate::config::StationConfig;
    use crate::ui::{self, Mode, UiOptions};

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
            UiMode::Products => Mode::Products,
            UiMode::Settings => Mode::Settings,
        },
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Without the UI the bare command is a usage error: it points to what this build can do.
#[cfg(not(feature = "ui"))]
pub fn run(_kiosk: bool, _mode: UiMode, _globals: &Globals) -> CmdResult {
    use clap::CommandFactory;

    eprintln!(
        "this lotline was built without the station UI (cargo feature `ui`); \
         run a command instead, e.g. `lotline server` for the central server\n"
    );
    eprint!("{}", super::Cli::command().render_help());
    Ok(ExitCode::from(super::EXIT_USAGE))
}
