//! The station UI's background sync: its own thread with its own store connection, one round
//! every `[sync] interval` seconds while a server and a token are configured, backing off
//! after failures. Nothing waits for it: scans are recorded by the worker whatever the network
//! does. Each round's outcome is recorded in the store (what is wrong and what to do, see
//! [`present::sync_problem`]) and the resulting state is reported at once for the status bar.

use std::path::PathBuf;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::present;
use crate::store::Store;
use crate::sync::{self, HttpTransport, SyncConfig};
use crate::workflow::SyncState;

/// Seconds between rounds when `[sync] interval` is not set.
pub const DEFAULT_INTERVAL: u64 = 10;

/// Seconds before a request is given up when `[sync] timeout` is not set.
pub const DEFAULT_TIMEOUT: u64 = 15;

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
        let interval = Duration::from_secs(config.interval.unwrap_or(DEFAULT_INTERVAL).max(1));
        let timeout = Duration::from_secs(config.timeout.unwrap_or(DEFAULT_TIMEOUT).max(1));
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("lotline-ui-sync".into())
            .spawn(move || {
                let transport = HttpTransport::new(&server, &token, timeout);
                let mut store = match Store::open(&db) {
                    Ok(store) => store,
                    Err(e) => return report(Err(format!("sync cannot open the store: {e}"))),
                };
                let mut failures = 0u32;
                loop {
                    let outcome = sync::sync_once(&mut store, &transport, &mut |_| {});
                    let problem = outcome.as_ref().err().map(present::sync_problem);
                    let state = store
                        .record_sync_outcome(&server, problem.as_deref())
                        .and_then(|()| store.sync_status());
                    report(state.map_err(|e| e.to_string()));
                    let wait = match &outcome {
                        Ok(_) => {
                            failures = 0;
                            interval
                        }
                        Err(e) => {
                            failures += 1;
                            sync::retry_wait(e, failures)
                        }
                    };
                    // Sleeps until the next round, or ends at once when the UI closes.
                    if stopped.recv_timeout(wait) != Err(RecvTimeoutError::Timeout) {
                        return;
                    }
                }
            })
            .ok()?;
        Some(SyncThread {
            stop: Some(stop),
            thread: Some(thread),
        })
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
