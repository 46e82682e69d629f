//! The supervisor PIN at rest and under attack: its stored form is a slow salted hash
//! (argon2id, PHC string), never the PIN; [`Lockout`] stops guessing after
//! [`Lockout::ATTEMPTS`] wrong PINs in a row. Pure (the clock is passed in); the UI keeps the
//! lockout in a small owner-only state file so a restart does not reset it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Argon2id with 32 MiB and 3 passes: measured here (2 cores shared with other builds, load
/// ≈ 6, argon2 0.5.3 optimised) at 126–159 ms per check (`cargo test --lib
/// pin::tests::a_check_takes_tens_of_ms -- --nocapture` prints it). Slow enough that a copied config file does not give a 4–8 digit
/// PIN away in seconds, fast enough not to be felt at the station. A stored hash carries its
/// own parameters, so changing these later still checks older hashes.
const MEMORY_KIB: u32 = 32 * 1024;
const PASSES: u32 = 3;

/// Why a PIN cannot be hashed or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinHashError {
    /// The stored hash is not an argon2 PHC string (`$argon2id$v=19$m=…`).
    #[error("the stored supervisor PIN hash is not a valid argon2 PHC string: {0}")]
    BadHash(String),
    /// Argon2 refused its input (parameters or output length).
    #[error("hashing the supervisor PIN: {0}")]
    Hash(String),
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).expect("constant argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `pin` with a fresh random salt.
pub fn hash(pin: &str) -> Result<String, PinHashError> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PinHashError::Hash(e.to_string()))?;
    hasher()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinHashError::Hash(e.to_string()))
}

/// Checks that `phc` reads as a PHC string (a config file is refused at load, not at the
/// first supervisor action).
pub fn check_hash(phc: &str) -> Result<(), PinHashError> {
    PasswordHash::new(phc)
        .map(drop)
        .map_err(|e| PinHashError::BadHash(e.to_string()))
}

/// Whether `pin` is the one `phc` was made from (argon2's comparison is constant-time).
pub fn verify(phc: &str, pin: &str) -> Result<bool, PinHashError> {
    let parsed = PasswordHash::new(phc).map_err(|e| PinHashError::BadHash(e.to_string()))?;
    match hasher().verify_password(pin.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(PinHashError::BadHash(e.to_string())),
    }
}

/// Wrong PINs in a row and the lock they earned. After [`Self::ATTEMPTS`] wrong PINs every
/// supervisor action is refused, the right PIN included, for [`Self::FIRST_LOCK`], doubling
/// with each lockout up to [`Self::LONGEST_LOCK`]; the right PIN outside a lock clears it all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lockout {
    /// Wrong PINs since the last right one or the last lock.
    pub failures: u32,
    /// Locks since the last right PIN (each one twice as long as the one before).
    pub locks: u32,
    /// Locked until then.
    pub until: Option<DateTime<Utc>>,
}

impl Lockout {
    /// Wrong PINs in a row that lock.
    pub const ATTEMPTS: u32 = 5;
    pub const FIRST_LOCK: TimeDelta = TimeDelta::minutes(5);
    pub const LONGEST_LOCK: TimeDelta = TimeDelta::hours(1);

    /// When supervisor actions may be tried again, if they are locked at `now`.
    pub fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.until.filter(|until| now < *until)
    }

    /// Counts a wrong PIN at `now`; returns the end of the lock it started, if it did.
    pub fn failed(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.failures += 1;
        if self.failures < Self::ATTEMPTS {
            return None;
        }
        let doubled = Self::FIRST_LOCK * 2i32.saturating_pow(self.locks.min(16));
        let until = now + doubled.min(Self::LONGEST_LOCK);
        self.failures = 0;
        self.locks += 1;
        self.until = Some(until);
        Some(until)
    }

    /// The right PIN, outside a lock: the count starts again.
    pub fn succeeded(&mut self) {
        *self = Lockout::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_checks_its_pin_only_and_never_contains_it() {
        let h = hash("4711").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=32768,t=3,p=1$"), "{h}");
        assert!(!h.contains("4711"));
        assert_eq!(verify(&h, "4711"), Ok(true));
        assert_eq!(verify(&h, "4712"), Ok(false));
        assert_eq!(verify(&h, ""), Ok(false));
        // Salted: the same PIN twice gives two hashes.
        assert_ne!(hash("4711").unwrap(), h);
        assert!(matches!(
            verify("4711", "4711"),
            Err(PinHashError::BadHash(_))
        ));
        assert!(check_hash("plain").is_err());
        assert_eq!(check_hash(&h), Ok(()));
    }

    /// The cost the parameters above were chosen for; prints it (`-- --nocapture`).
    #[test]
    fn a_check_takes_tens_of_ms() {
        let h = hash("4711").unwrap();
        let start = std::time::Instant::now();
        for _ in 0..3 {
            verify(&h, "0000").unwrap();
        }
        let each = start.elapsed() / 3;
        println!("one PIN check: {each:?}");
        // Generous bounds: a loaded CI machine is slower, but never instant.
        assert!(each > std::time::Duration::from_millis(10), "{each:?}");
    }

    #[test]
    fn five_wrong_pins_lock_for_five_minutes_then_twice_as_long() {
        let t0 = DateTime::parse_from_rfc3339("2026-03-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let mut l = Lockout::default();
        for _ in 0..4 {
            assert_eq!(l.failed(t0), None);
            assert_eq!(l.locked_until(t0), None);
        }
        let until = l.failed(t0).unwrap();
        assert_eq!(until, t0 + TimeDelta::minutes(5));
        assert_eq!(l.locked_until(t0 + TimeDelta::minutes(4)), Some(until));
        assert_eq!(l.locked_until(until), None);
        // Five more wrong after the lock: ten minutes, and so on up to an hour.
        let t1 = until;
        for _ in 0..4 {
            l.failed(t1);
        }
        assert_eq!(l.failed(t1), Some(t1 + TimeDelta::minutes(10)));
        for _ in 0..10 {
            for _ in 0..5 {
                l.failed(t1);
            }
        }
        assert_eq!(l.until, Some(t1 + TimeDelta::hours(1)));
        // The right PIN clears the count and the doubling.
        l.succeeded();
        assert_eq!(l, Lockout::default());
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(serde_json::from_str::<Lockout>(&json).unwrap(), l);
    }
}
