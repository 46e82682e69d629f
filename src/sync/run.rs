//! The station's one sync loop, for every front end: rounds of [`sync_once`], each recorded in
//! the store (success, or the problem), then a pause: the interval after a good round, a
//! backoff after failures (a refused token waits the longest pause at once: retrying soon
//! cannot help). A front end only presents the [`RoundReport`]s and says how to pause.

use std::time::{Duration, Instant};

use super::{HttpTransport, Progress, Round, SyncError, Transport, sync_once};
use crate::store::Store;

/// The longest pause after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// One round as the loop reports it.
#[derive(Debug)]
pub struct RoundReport {
    /// What the round did, or why it stopped; recorded in the store either way.
    pub outcome: Result<Round, SyncError>,
    /// The pause before the next round.
    pub next_in: Duration,
}

/// What a front end does around the loop's rounds.
pub trait RoundPresenter {
    /// Progress within a round (for a progress bar); nothing by default.
    fn progress(&mut self, _progress: Progress) {}
    /// A round has ended and is recorded in `store`.
    fn round(&mut self, store: &Store, report: &RoundReport);
    /// Waits `wait` before the next round; `false` ends the loop.
    fn pause(&mut self, wait: Duration) -> bool;
}

/// Rounds with one server on a schedule.
pub struct SyncLoop {
    /// The server as the store records it with each round.
    server: String,
    transport: Box<dyn Transport>,
    interval: Duration,
    /// Failed rounds in a row.
    failures: u32,
    /// Old history pruned after rounds: its age, and when it last ran.
    keep_history: Option<(u32, Option<Instant>)>,
}

/// How often a sync loop prunes old history at most.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl SyncLoop {
    /// Syncs with the server at base URL `server` with `token`, checking `https://` servers
    /// against the public roots.
    pub fn http(server: &str, token: &str, interval: Duration, timeout: Duration) -> SyncLoop {
        SyncLoop::https(server, token, None, interval, timeout)
    }

    /// Syncs with the server at base URL `server` with `token`; with `ca`, over HTTPS only,
    /// the server's certificate chaining to that CA (PEM file).
    pub fn https(
        server: &str,
        token: &str,
        ca: Option<&std::path::Path>,
        interval: Duration,
        timeout: Duration,
    ) -> SyncLoop {
        let transport = HttpTransport::new(server, token, timeout, ca);
        SyncLoop::new(server, Box::new(transport), interval)
    }

    /// Syncs over `transport`; `server` names it in the store's record.
    pub fn new(server: &str, transport: Box<dyn Transport>, interval: Duration) -> SyncLoop {
        SyncLoop {
            server: server.to_string(),
            transport,
            interval,
            failures: 0,
            keep_history: None,
        }
    }

    /// After successful rounds (at most once an hour), drops the history of lots that left
    /// more than `days` ago ([`Store::prune`]): the server holds it. `None`: keep everything.
    pub fn keep_history_days(mut self, days: Option<u32>) -> SyncLoop {
        self.keep_history = days.map(|d| (d, None));
        self
    }

    /// One round: push, pull, and record how it ended in the store.
    pub fn round(&mut self, store: &mut Store, progress: &mut dyn FnMut(Progress)) -> RoundReport {
        let mut outcome = sync_once(store, self.transport.as_ref(), progress);
        let problem = outcome.as_ref().err().map(ToString::to_string);
        if let Err(e) = store.record_sync_outcome(&self.server, problem.as_deref())
            && outcome.is_ok()
        {
            // A round the store cannot record did not end well: the status would lie.
            outcome = Err(e.into());
        }
        if let Ok(round) = &mut outcome
            && let Some((days, last)) = &mut self.keep_history
            && last.is_none_or(|t| t.elapsed() >= PRUNE_EVERY)
        {
            *last = Some(Instant::now());
            match store.prune(&crate::store::days_ago(*days)) {
                Ok(pruned) => round.history_pruned = pruned.events,
                // History kept is no loss: said, and tried again next time.
                Err(e) => round.prune_failed = Some(e.to_string()),
            }
        }
        let next_in = match &outcome {
            Ok(_) => {
                self.failures = 0;
                self.interval
            }
            Err(e) => {
                self.failures += 1;
                retry_wait(e, self.failures)
            }
        };
        RoundReport { outcome, next_in }
    }

    /// Rounds until the presenter's pause says stop.
    pub fn run(&mut self, store: &mut Store, presenter: &mut dyn RoundPresenter) {
        loop {
            let report = self.round(store, &mut |p| presenter.progress(p));
            presenter.round(store, &report);
            if !presenter.pause(report.next_in) {
                return;
            }
        }
    }
}

/// The pause before retry `attempt` (1, 2, …) after failures: 1 s doubling up to `max`.
fn backoff(attempt: u32, max: Duration) -> Duration {
    let secs = 1u64
        .checked_shl(attempt.saturating_sub(1))
        .unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(max)
}

/// The pause after `failures` failed rounds in a row ending with `e`. An overloaded server
/// that says how long to wait (`Retry-After`) is taken at its word, with jitter.
fn retry_wait(e: &SyncError, failures: u32) -> Duration {
    match e {
        SyncError::Busy {
            retry_after: Some(asked),
            ..
        } => busy_wait(*asked, rand::random::<f64>()),
        e if e.is_transient() => backoff(failures, MAX_BACKOFF),
        _ => MAX_BACKOFF,
    }
}

/// The pause after a server asked to wait `asked`: at least that, plus up to half of it again
/// (at least up to a second) picked by `jitter` (0 to 1), so stations refused together do not
/// come back together; never more than the longest pause ([`MAX_BACKOFF`]), whatever the
/// server asks.
fn busy_wait(asked: Duration, jitter: f64) -> Duration {
    let asked = asked.min(MAX_BACKOFF);
    let spread = (asked / 2).max(Duration::from_secs(1));
    (asked + spread.mul_f64(jitter.clamp(0.0, 1.0))).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let max = Duration::from_secs(60);
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a, max).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(200, max), max);
    }

    #[test]
    fn a_busy_server_is_waited_for_at_least_as_long_as_it_asks_with_jitter() {
        let secs = |d: Duration| d.as_secs_f64();
        // At least what was asked, at most half as much again (at least a second of spread).
        assert_eq!(secs(busy_wait(Duration::from_secs(2), 0.0)), 2.0);
        assert_eq!(secs(busy_wait(Duration::from_secs(2), 0.5)), 2.5);
        assert_eq!(secs(busy_wait(Duration::from_secs(2), 1.0)), 3.0);
        assert_eq!(secs(busy_wait(Duration::from_secs(10), 1.0)), 15.0);
        assert_eq!(secs(busy_wait(Duration::ZERO, 1.0)), 1.0);
        // Bounded: an hour asked is the longest pause.
        assert_eq!(busy_wait(Duration::from_secs(3600), 0.0), MAX_BACKOFF);
        assert_eq!(busy_wait(Duration::from_secs(50), 1.0), MAX_BACKOFF);
        // The loop's wait after a 429: what was asked and the jitter, whatever failed before;
        // without Retry-After, the usual backoff.
        let busy = |asked| SyncError::Busy {
            error: "busy".into(),
            retry_after: asked,
        };
        for failures in [1, 5] {
            let w = retry_wait(&busy(Some(Duration::from_secs(2))), failures);
            assert!((2.0..=3.0).contains(&secs(w)), "{w:?}");
        }
        assert_eq!(retry_wait(&busy(None), 3), Duration::from_secs(4));
        // Different stations pick different pauses.
        let waits: std::collections::BTreeSet<_> = (0..20)
            .map(|_| retry_wait(&busy(Some(Duration::from_secs(2))), 1))
            .collect();
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    /// Remembers what the loop showed it; stops after `rounds` rounds.
    struct Recorder {
        rounds: usize,
        problems: Vec<Option<String>>,
        pauses: Vec<Duration>,
    }

    impl RoundPresenter for Recorder {
        fn round(&mut self, store: &Store, report: &RoundReport) {
            assert!(report.outcome.is_err(), "nothing listens there");
            self.problems.push(store.sync_status().unwrap().last_error);
        }

        fn pause(&mut self, wait: Duration) -> bool {
            self.pauses.push(wait);
            self.pauses.len() < self.rounds
        }
    }

    #[test]
    fn an_unreachable_server_is_recorded_each_round_and_retried_later_and_later() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("station.db")).unwrap();
        // A port that was free a moment ago: connections are refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = format!("http://127.0.0.1:{port}");
        let mut sync = SyncLoop::http(
            &server,
            "llt_test",
            Duration::from_secs(10),
            Duration::from_secs(5),
        );
        let mut shown = Recorder {
            rounds: 3,
            problems: Vec::new(),
            pauses: Vec::new(),
        };
        sync.run(&mut store, &mut shown);

        assert_eq!(shown.pauses, [1, 2, 4].map(Duration::from_secs));
        assert_eq!(shown.problems.len(), 3);
        for problem in shown.problems {
            let problem = problem.expect("the store records why the round failed");
            assert!(problem.contains("cannot reach the server"), "{problem}");
            assert!(problem.contains("kept here"), "{problem}");
        }
        assert_eq!(
            store.sync_status().unwrap().server.as_deref(),
            Some(&*server)
        );
    }
}
