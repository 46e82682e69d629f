//! `lotline label …`

use super::{CmdResult, Globals};

#[derive(Debug, clap::Args)]
pub struct LabelArgs {}

pub fn run(_args: LabelArgs, _globals: &Globals) -> CmdResult {
    anyhow::bail!("`lotline label` is not built yet")
}
