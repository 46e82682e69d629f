//! The supervisor PIN at the station: release, reject and recall (and changing the PIN in
//! Settings) need the PIN whose hash is in the station config (`[ui] supervisor_pin_hash`), or
//! a person's own PIN ([`PinGate::check_with`] opens their credential). Used by the UI and the
//! command line alike.
//! [`PinGate`] checks it and keeps the [`Lockout`]: after 5 wrong PINs in a row every
//! supervisor action is refused, the right PIN too, until the lock ends. The lockout is kept in
//! an owner-only state file next to the store, so restarting the station does not reset it. A
//! refusal happens before any job is sent, so nothing is written.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Local, Utc};

use crate::pin::{self, Lockout};

/// The actor recorded for an action the supervisor PIN allowed (one PIN per station: it
/// proves a supervisor, not which one).
pub const SUPERVISOR: &str = "supervisor";

/// Why a supervisor action was refused at the PIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinRefusal {
    /// The station has no supervisor PIN configured.
    #[error("no supervisor PIN is set for this station: set one in Settings")]
    NotSet,
    /// Nothing typed.
    #[error("type the supervisor PIN first")]
    Empty,
    /// The PIN typed is not the station's.
    #[error(
        "wrong supervisor PIN: nothing was changed ({left} more wrong locks supervisor actions)"
    )]
    Wrong { left: u32 },
    /// Too many wrong PINs: locked, whatever is typed, until `at` (local time, as shown).
    #[error("too many wrong supervisor PINs: supervisor actions are locked; try again at {at}")]
    Locked { at: String },
    /// The config's hash cannot be read (refused at load, so only a config set in code).
    #[error("{0}")]
    BadHash(#[from] pin::PinHashError),
    /// A person's stored credential cannot be read.
    #[error("{0}")]
    Credential(String),
}

/// The station's PIN check and lockout, shared by Lot lookup (on the worker) and Settings (on
/// the UI thread): one count of wrong PINs for both.
pub type SharedGate = Arc<Mutex<PinGate>>;

/// Checks typed PINs against the configured hash, counting wrong ones ([`Lockout`]).
#[derive(Debug, Default)]
pub struct PinGate {
    lockout: Lockout,
    /// Where the lockout is kept (`None`: in memory only, as in unit tests).
    file: Option<PathBuf>,
}

impl PinGate {
    /// A gate whose lockout is kept in `file` (read now if it is there). An unreadable file
    /// counts as no lockout: whoever can change it can change the config's hash too.
    pub fn with_file(file: PathBuf) -> PinGate {
        let lockout = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        PinGate {
            lockout,
            file: Some(file),
        }
    }

    /// The gate for the station whose store is `db`: its lockout next to the store
    /// (`lotline.pin-lockout` beside `lotline.db`), one count for the window and the CLI.
    pub fn of_store(db: &std::path::Path) -> PinGate {
        PinGate::with_file(db.with_extension("pin-lockout"))
    }

    /// [`Self::of_store`], shared between the UI's threads.
    pub fn for_store(db: &std::path::Path) -> SharedGate {
        Arc::new(Mutex::new(PinGate::of_store(db)))
    }

    /// Checks `typed` at `now` against `configured` (the PHC string): refused while locked
    /// (before the slow hash is even looked at), counted when wrong.
    pub fn check(
        &mut self,
        configured: Option<&str>,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PinRefusal> {
        let configured = configured
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .ok_or(PinRefusal::NotSet)?;
        self.check_with(typed, now, |typed| Ok(pin::verify(configured, typed)?))
    }

    /// Checks `typed` at `now` with `right` (whether it is the right PIN: a hash compared, a
    /// credential opened), under the same lockout: refused while locked before `right` runs,
    /// counted when wrong.
    pub fn check_with(
        &mut self,
        typed: &str,
        now: DateTime<Utc>,
        right: impl FnOnce(&str) -> Result<bool, PinRefusal>,
    ) -> Result<(), PinRefusal> {
        // The count is the file's, read and written under an exclusive lock: two `lotline`
        // runs (or the UI and a run) checking at once must not each count from the same old
        // figure and so allow more than five tries.
        let file = self.file.clone();
        let _held = file.as_deref().and_then(|f| self.reload_locked(f));
        if let Some(until) = self.lockout.locked_until(now) {
            return Err(locked(until));
        }
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(PinRefusal::Empty);
        }
        if right(typed)? {
            if self.lockout != Lockout::default() {
                self.lockout.succeeded();
                self.save();
            }
            return Ok(());
        }
        let locked_now = self.lockout.failed(now);
        self.save();
        match locked_now {
            Some(until) => Err(locked(until)),
            None => Err(PinRefusal::Wrong {
                left: Lockout::ATTEMPTS - self.lockout.failures,
            }),
        }
    }

    /// Locks the lockout file (made owner-only if new) and reads the count in it: the
    /// returned handle holds the lock until it is dropped. `None` when it cannot be locked
    /// (the in-memory count is used).
    fn reload_locked(&mut self, file: &std::path::Path) -> Option<std::fs::File> {
        crate::private_file::create(file).ok()?;
        let handle = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(file)
            .ok()?;
        handle.lock().ok()?;
        if let Some(lockout) = std::fs::read(file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            self.lockout = lockout;
        }
        Some(handle)
    }

    /// Writes the lockout to its file; a failure is logged, not fatal (the count stays in
    /// memory for this run).
    fn save(&self) {
        let Some(file) = &self.file else { return };
        let json = serde_json::to_vec(&self.lockout).expect("the lockout serialises");
        if let Err(e) = crate::private_file::write(file, &json) {
            tracing::warn!("keeping the PIN lockout in {}: {e}", file.display());
        }
    }
}

/// The refusal for a lock ending at `until`, shown as the local minute to come back (rounded
/// up, so trying at that minute works).
fn locked(until: DateTime<Utc>) -> PinRefusal {
    let at = until + chrono::TimeDelta::seconds(59);
    PinRefusal::Locked {
        at: at.with_timezone(&Local).format("%H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T10:00:30Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn only_the_configured_pin_passes_and_five_wrong_lock_even_the_right_one() {
        let phc = pin::hash("4711").unwrap();
        let configured = Some(phc.as_str());
        let mut gate = PinGate::default();
        let now = t0();
        assert_eq!(gate.check(configured, " 4711 ", now), Ok(()));
        assert_eq!(gate.check(configured, "", now), Err(PinRefusal::Empty));
        assert_eq!(gate.check(None, "4711", now), Err(PinRefusal::NotSet));
        assert_eq!(gate.check(Some(" "), "4711", now), Err(PinRefusal::NotSet));
        for left in (1..5).rev() {
            assert_eq!(
                gate.check(configured, "1234", now),
                Err(PinRefusal::Wrong { left })
            );
        }
        let fifth = gate.check(configured, "1234", now).unwrap_err();
        assert!(matches!(fifth, PinRefusal::Locked { .. }), "{fifth}");
        let refused = gate.check(configured, "4711", now + TimeDelta::minutes(4));
        assert_eq!(refused, Err(fifth.clone()));
        assert!(fifth.to_string().contains("try again at"), "{fifth}");
        // The lock ends; the right PIN clears the count.
        assert_eq!(
            gate.check(configured, "4711", now + TimeDelta::minutes(5)),
            Ok(())
        );
        assert_eq!(gate.lockout, Lockout::default());
    }

    #[test]
    fn the_lockout_survives_a_restart_in_an_owner_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lotline.pin-lockout");
        let phc = pin::hash("4711").unwrap();
        let mut gate = PinGate::with_file(file.clone());
        for _ in 0..5 {
            let _ = gate.check(Some(&phc), "0000", t0());
        }
        let again = PinGate::with_file(file.clone());
        assert!(again.lockout.locked_until(t0()).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    /// Two gates on one file (two `lotline` runs, or the window and a run) share one count:
    /// each check reads it from the file, so alternating wrong PINs still lock after five.
    #[test]
    fn gates_on_one_file_share_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lotline.pin-lockout");
        let phc = pin::hash("4711").unwrap();
        let mut one = PinGate::with_file(file.clone());
        let mut two = PinGate::with_file(file.clone());
        for n in 0..5 {
            let gate = if n % 2 == 0 { &mut one } else { &mut two };
            let _ = gate.check(Some(&phc), "0000", t0());
        }
        assert!(matches!(
            one.check(Some(&phc), "4711", t0()),
            Err(PinRefusal::Locked { .. })
        ));
        assert!(matches!(
            two.check(Some(&phc), "4711", t0()),
            Err(PinRefusal::Locked { .. })
        ));
    }
}
