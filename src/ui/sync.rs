//! The station UI's background sync: [`crate::sync::SyncLoop`] on its own thread with its own
//! store connection, while a server and a token are configured. Nothing waits for it: scans
//! are recorded by the worker whatever the network does. After each round (recorded in the
//! store by the loop) the resulting sync state is reported at once for the status bar.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::store::Store;
use crate::sync::{RoundPresenter, RoundReport, SyncConfig, SyncLoop};
use crate::workflow::SyncState;

/// Seconds before a request is given up when `[sync] timeout` is not set: shorter than the
/// CLI's, so the status bar hears of a dead network sooner.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long closing the window waits for a round in flight before leaving it behind.
const STOP_WAIT: Duration = Duration::from_secs(1);

/// The running sync; dropping it stops the thread.
pub struct SyncThread {
    /// Dropped to wake and stop the thread.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SyncThread {
    /// Starts syncing the store at `db` as `config` says; `None` without a server or a token.
    /// `report` gets the sync state after each round (on the sync thread).
    pub fn start(
        db: PathBuf,
        config: &SyncConfig,
        report: impl Fn(Result<SyncState, String>) + Send + 'static,
    ) -> Option<SyncThread> {
        let server = config.server.clone()?;
        let token = config.token.clone()?;
        let interval = config.interval();
        let timeout = config.timeout_or(DEFAULT_TIMEOUT);
        let ca = config.ca_cert.clone();
        let keep_days = config.keep_history_days;
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("lotline-ui-sync".into())
            .spawn(move || {
                let mut store = match Store::open(&db) {
                    Ok(store) => store,
                    Err(e) => return report(Err(format!("sync cannot open the store: {e}"))),
                };
                let mut sync = SyncLoop::https(&server, &token, ca.as_deref(), interval, timeout)
                    .keep_history_days(keep_days);
                sync.run(&mut store, &mut StatusBar { report, stopped });
            })
            .ok()?;
        Some(SyncThread {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// The status bar's side of the loop: the recorded state after each round; pauses end at
/// once when the UI closes.
struct StatusBar<R> {
    report: R,
    stopped: Receiver<()>,
}

impl<R: Fn(Result<SyncState, String>)> RoundPresenter for StatusBar<R> {
    fn round(&mut self, store: &Store, _report: &RoundReport) {
        (self.report)(store.sync_status().map_err(|e| e.to_string()));
    }

    fn pause(&mut self, wait: Duration) -> bool {
        self.stopped.recv_timeout(wait) == Err(RecvTimeoutError::Timeout)
    }
}

impl Drop for SyncThread {
    /// A round waiting on a dead network must not hold the window open: the thread is left
    /// to end by itself (at its request timeout) when it does not stop within [`STOP_WAIT`].
    fn drop(&mut self) {
        drop(self.stop.take());
        let Some(thread) = self.thread.take() else {
            return;
        };
        let until = Instant::now() + STOP_WAIT;
        while !thread.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        }
    }
}
