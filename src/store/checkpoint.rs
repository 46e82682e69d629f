//! WAL checkpoints off the recording path.
//!
//! With WAL, a commit appends the changed pages to the `-wal` file and fsyncs it: that is
//! what makes an event durable. Copying those pages back into the database file (a
//! checkpoint) is housekeeping, but SQLite's automatic checkpoint runs it inside the commit
//! that crosses 1,000 WAL pages: about one scan in a hundred then waited for a thousand page
//! writes and a second fsync, which made the scan → durable p99 several times its p50.
//!
//! Here the store's connection only notes, after each commit, how large the WAL has grown; past
//! [`BACKGROUND_AT`] pages it wakes a thread with its own connection that runs a `PASSIVE`
//! checkpoint (it never blocks the writer or readers). Durability does not change: a commit is
//! on disk in the WAL before `append` returns, checkpointed or not. Should the thread be gone or
//! fall behind (a long reader stops a passive checkpoint), the committing connection
//! checkpoints itself past [`INLINE_AT`] pages, so the WAL cannot grow without bound.

use std::path::Path;
use std::sync::mpsc::{self, TrySendError};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// WAL size (pages) at which the background checkpoint is asked for: SQLite's own default.
pub(super) const BACKGROUND_AT: i32 = 1_000;

/// WAL size (pages, 4 KiB each: 80 MiB) at which the committing connection checkpoints itself.
pub(super) const INLINE_AT: i32 = 20_000;

/// The background checkpointer of one store. Dropping it (after the store's connection, which
/// holds the only sender) lets the thread finish its last checkpoint and close its connection.
pub(super) struct Checkpointer {
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path` and hooks `conn`'s commits to it.
    pub(super) fn start(conn: &mut Connection, path: &Path) -> rusqlite::Result<Checkpointer> {
        let (nudge, wake) = mpsc::sync_channel::<()>(1);
        let path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("lotline-checkpoint".into())
            .spawn(move || {
                let Ok(conn) = Connection::open(&path) else {
                    return; // the hook sees the channel closed and checkpoints inline
                };
                let _ = conn.pragma_update(None, "synchronous", "FULL");
                while wake.recv().is_ok() {
                    // (busy, WAL frames, frames copied); a partial checkpoint is retried on the
                    // next wake-up.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
                // The store's connection is closed (it held the only sender). If it could not
                // fold the WAL in on close because this connection was open, this one is now
                // the last: fold it in and empty it, so a closed store is one file.
                let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            })
            .ok();
        // Replaces SQLite's automatic checkpoint (which is itself a WAL hook).
        conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
            if pages >= INLINE_AT {
                return wal.checkpoint();
            }
            if pages >= BACKGROUND_AT
                && let Err(TrySendError::Disconnected(())) = nudge.try_send(())
            {
                return wal.checkpoint();
            }
            Ok(())
        }))?;
        Ok(Checkpointer { thread })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
