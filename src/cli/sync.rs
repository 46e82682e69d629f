//! `lotline sync`: push this station's outbox to the central server and pull what it lacks.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{CmdResult, EXIT_PARTLY, EXIT_REFUSED, Globals};
use crate::store::Store;
use crate::sync::{self, Progress, RoundPresenter, RoundReport, SyncError, SyncLoop};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The server's base URL (`http://host:8080`); else `[sync] server` in the station config.
    #[arg(long, env = "LOTLINE_SERVER")]
    server: Option<String>,
    /// A file holding the station's bearer token (never the token itself on the command line,
    /// where `ps` shows it); else `LOTLINE_TOKEN`, else `[sync] token` in the station config.
    #[arg(long, value_name = "FILE")]
    token_file: Option<std::path::PathBuf>,
    /// The private CA (PEM) the server's certificate must chain to; else `[sync] ca_cert` in
    /// the station config. Set, the station speaks HTTPS only.
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<std::path::PathBuf>,
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
    /// Put the events the server refused back in the outbox first (after the server or the
    /// events were put right): this round pushes them again.
    #[arg(long)]
    retry_refused: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(args: SyncArgs, globals: &Globals) -> CmdResult {
    let mut config = crate::config::StationConfig::load(globals.config.as_deref())?.sync;
    config.interval = args.interval.or(config.interval);
    config.timeout = args.timeout.or(config.timeout);
    let server = args.server.or(config.server.take()).ok_or_else(|| {
        anyhow::anyhow!(
            "no server to sync with: give --server URL, LOTLINE_SERVER, or `server` under [sync] in the station config"
        )
    })?;
    let from_file = match &args.token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the token file {}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => None,
    };
    let token = from_file
        .or_else(|| std::env::var("LOTLINE_TOKEN").ok())
        .filter(|t| !t.is_empty())
        .or(config.token.take())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no token: give --token-file FILE, LOTLINE_TOKEN, or `token` under [sync] in the station config (an admin creates one with `lotline server token create`)"
            )
        })?;
    let ca = args.ca_cert.or(config.ca_cert.take());
    let mut sync = SyncLoop::https(
        &server,
        &token,
        ca.as_deref(),
        config.interval(),
        config.timeout_or(DEFAULT_TIMEOUT),
    )
    .keep_history_days(config.keep_history_days);
    let mut station = super::workflow::open_station(globals)?;
    if args.retry_refused {
        let n = station.store_mut().retry_refused()?;
        if !args.json {
            eprintln!("{n} refused event(s) back in the outbox");
        }
    }
    let mut shown = Shown {
        server,
        json: args.json,
        watch: args.watch,
        bar_wanted: !args.json && std::io::stderr().is_terminal(),
        bar: None,
        failed: false,
        refused: false,
    };
    sync.run(station.store_mut(), &mut shown);
    Ok(if shown.failed {
        ExitCode::from(EXIT_REFUSED)
    } else if shown.refused {
        ExitCode::from(EXIT_PARTLY)
    } else {
        ExitCode::SUCCESS
    })
}

/// Request timeout when neither `--timeout` nor `[sync] timeout` is given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the command shows the loop's rounds: a line per round (JSON with `--json`), a progress
/// bar on a terminal for long rounds; one round unless `--watch`.
struct Shown {
    server: String,
    json: bool,
    watch: bool,
    bar_wanted: bool,
    bar: Option<indicatif::ProgressBar>,
    /// The last round failed.
    failed: bool,
    /// The last round had events refused by the server.
    refused: bool,
}

impl RoundPresenter for Shown {
    fn progress(&mut self, progress: Progress) {
        if !self.bar_wanted {
            return;
        }
        match progress {
            Progress::Pushed { done, total } if total > sync::PUSH_BATCH as u64 => {
                let b = self.bar.get_or_insert_with(|| {
                    let b = indicatif::ProgressBar::new(total);
                    b.set_message("pushing");
                    b
                });
                b.set_position(done);
            }
            Progress::Pulled { done, more } if more || self.bar.is_some() => {
                let b = self
                    .bar
                    .get_or_insert_with(indicatif::ProgressBar::no_length);
                b.set_message("pulling");
                b.set_position(done);
            }
            _ => {}
        }
    }

    fn round(&mut self, _store: &Store, report: &RoundReport) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.failed = report.outcome.is_err();
        self.refused = report.outcome.as_ref().is_ok_and(|r| !r.refused.is_empty());
        if let Ok(round) = &report.outcome
            && !self.json
        {
            if let Some(s) = &round.joined {
                eprintln!(
                    "started from the server's snapshot {} (made {}): {} events up to position {}, {} of them old history kept at the server; pulling what came after",
                    s.id, s.made_at, s.events, s.pos, s.pruned
                );
            }
            if let Some(why) = &round.snapshot_refused {
                eprintln!("{why}");
            }
            if round.history_pruned > 0 {
                eprintln!(
                    "pruned {} event(s) of old history (keep_history_days); the server holds them",
                    round.history_pruned
                );
            }
            if let Some(why) = &round.prune_failed {
                eprintln!("pruning old history failed ({why}); it is tried again later");
            }
            if let Some(why) = &round.started_over {
                eprintln!(
                    "{why}: pulled again from the start and pushed again this station's events (the server keeps each once)"
                );
            }
            for r in &round.refused {
                eprintln!(
                    "refused by the server ({}): event {} ({}): {}; it stays here and is not pushed again (--retry-refused sends it once more)",
                    r.status, r.id, r.kind, r.error
                );
            }
        }
        match &report.outcome {
            Ok(round) if self.json => match serde_json::to_string(round) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("error: {e}"),
            },
            Ok(round) => {
                if !self.watch || round.pushed + round.pulled > 0 {
                    println!(
                        "synced with {}{}: pushed {}, pulled {}, backlog {}{}",
                        self.server,
                        round
                            .site
                            .as_deref()
                            .map(|s| format!(" (site {s})"))
                            .unwrap_or_default(),
                        round.pushed,
                        round.pulled,
                        round.backlog,
                        match round.refused.len() {
                            0 => String::new(),
                            n => format!(", refused {n}"),
                        }
                    );
                }
            }
            Err(e) if self.watch => {
                eprintln!(
                    "sync failed ({e}); retrying in {}s",
                    report.next_in.as_secs()
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                if let SyncError::Unreachable { .. } = e {
                    eprintln!("run `lotline sync` again when the server is reachable");
                }
            }
        }
    }

    fn pause(&mut self, wait: Duration) -> bool {
        if self.watch {
            std::thread::sleep(wait);
        }
        self.watch
    }
}
