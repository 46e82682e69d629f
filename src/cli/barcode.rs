//! `lotline barcode …`

use super::{CmdResult, Globals};

#[derive(Debug, clap::Args)]
pub struct BarcodeArgs {}

pub fn run(_args: BarcodeArgs, _globals: &Globals) -> CmdResult {
    anyhow::bail!("`lotline barcode` is not built yet")
}
