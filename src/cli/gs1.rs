//! `lotline gs1 …`

use super::{CmdResult, Globals};

#[derive(Debug, clap::Args)]
pub struct Gs1Args {}

pub fn run(_args: Gs1Args, _globals: &Globals) -> CmdResult {
    anyhow::bail!("`lotline gs1` is not built yet")
}
