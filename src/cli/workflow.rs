//! The batch-tracking commands: `receive`, `produce`, `dispatch`, `move`, `count`, `lot`, `pick`,
//! `expiry`, `trace`, `suppliers`, `store`, `dev`.

use super::{CmdResult, Globals};

#[derive(Debug, clap::Subcommand)]
pub enum WorkflowCommand {}

pub fn run(cmd: WorkflowCommand, _globals: &Globals) -> CmdResult {
    match cmd {}
}
