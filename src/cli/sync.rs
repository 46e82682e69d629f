//! `lotline sync`: push this station's outbox to the central server and pull what it lacks.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::{CmdResult, EXIT_REFUSED, Globals};
use crate::sync::{self, HttpTransport, Progress};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The server's base URL (`http://host:8080`); else `[sync] server` in the station config.
    #[arg(long, env = "LOTLINE_SERVER")]
    server: Option<String>,
    /// The station's bearer token; else `[sync] token` in the station config.
    #[arg(long, env = "LOTLINE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// One round (push everything, pull until caught up), then exit: 0 done, 1 failed (the
    /// default).
    #[arg(long, conflicts_with = "watch")]
    once: bool,
    /// Keep syncing: a round every `--interval` seconds, backing off after failures.
    #[arg(long)]
    watch: bool,
    /// Seconds between rounds with `--watch` (default: `[sync] interval`, else 10).
    #[arg(long)]
    interval: Option<u64>,
    /// Seconds before a request is given up (default: `[sync] timeout`, else 30).
    #[arg(long)]
    timeout: Option<u64>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: SyncArgs, globals: &Globals) -> CmdResult {
    let config = crate::config::StationConfig::load(globals.config.as_deref())?.sync;
    let server = args.server.or(config.server).ok_or_else(|| {
        anyhow::anyhow!(
            "no server to sync with: give --server URL, LOTLINE_SERVER, or `server` under [sync] in the station config"
        )
    })?;
    let token = args.token.or(config.token).ok_or_else(|| {
        anyhow::anyhow!(
            "no token: give --token, LOTLINE_TOKEN, or `token` under [sync] in the station config (an admin creates one with `lotline server token create`)"
        )
    })?;
    let interval = Duration::from_secs(args.interval.or(config.interval).unwrap_or(10).max(1));
    let transport = HttpTransport::new(
        &server,
        &token,
        Duration::from_secs(args.timeout.or(config.timeout).unwrap_or(30).max(1)),
    );
    let mut station = super::workflow::open_station(globals)?;
    let bar_wanted = !args.json && std::io::stderr().is_terminal();
    let mut failures = 0u32;
    loop {
        let store = station.store_mut();
        let mut bar: Option<indicatif::ProgressBar> = None;
        let mut progress = |p: Progress| {
            if !bar_wanted {
                return;
            }
            match p {
                Progress::Pushed { done, total } if total > sync::PUSH_BATCH as u64 => {
                    let b = bar.get_or_insert_with(|| {
                        let b = indicatif::ProgressBar::new(total);
                        b.set_message("pushing");
                        b
                    });
                    b.set_position(done);
                }
                Progress::Pulled { done, more } if more || bar.is_some() => {
                    let b = bar.get_or_insert_with(indicatif::ProgressBar::no_length);
                    b.set_message("pulling");
                    b.set_position(done);
                }
                _ => {}
            }
        };
        let outcome = sync::sync_once(store, &transport, &mut progress);
        if let Some(b) = bar.take() {
            b.finish_and_clear();
        }
        let error = outcome.as_ref().err().map(|e| e.to_string());
        store.record_sync_outcome(&server, error.as_deref())?;
        match outcome {
            Ok(round) => {
                failures = 0;
                if args.json {
                    println!("{}", serde_json::to_string(&round)?);
                } else if !args.watch || round.pushed + round.pulled > 0 {
                    println!(
                        "synced with {server}: pushed {}, pulled {}, backlog {}",
                        round.pushed, round.pulled, round.backlog
                    );
                }
                if !args.watch {
                    return Ok(ExitCode::SUCCESS);
                }
                std::thread::sleep(interval);
            }
            Err(e) => {
                if !args.watch {
                    eprintln!("error: {e}");
                    eprintln!(
                        "nothing recorded here is lost: run `lotline sync` again when the server is reachable"
                    );
                    return Ok(ExitCode::from(EXIT_REFUSED));
                }
                failures += 1;
                let wait = sync::retry_wait(&e, failures);
                eprintln!("sync failed ({e}); retrying in {}s", wait.as_secs());
                std::thread::sleep(wait);
            }
        }
    }
}
