//! `lotline scan …`

use super::{CmdResult, Globals};

#[derive(Debug, clap::Args)]
pub struct ScanArgs {}

pub fn run(_args: ScanArgs, _globals: &Globals) -> CmdResult {
    anyhow::bail!("`lotline scan` is not built yet")
}
