//! A person's credential: an Ed25519 key pair whose private half is sealed
//! (ChaCha20-Poly1305) under a key derived from their PIN (argon2id, 32 MiB, 3 passes, a
//! random salt per sealing). The PIN itself is never stored, in clear or hashed: a wrong PIN
//! simply fails to open the seal.

use std::sync::Arc;

use super::{Credential, MIN_PIN, PersonRole};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::signature::{Ed25519KeyPair, KeyPair};

/// The form of sealed keys this code writes.
const SEAL_VERSION: &str = "v1";

/// Why a credential cannot be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// The PIN does not open this person's key.
    #[error("wrong PIN")]
    WrongPin,
    /// Too short to stand an offline guess.
    #[error("a PIN has at least {MIN_PIN} characters")]
    PinTooShort,
    /// The stored credential is not one this code wrote (damaged or from a newer version).
    #[error("the stored credential cannot be read: {0}")]
    Malformed(&'static str),
}

/// An unsealed key: a person who typed their PIN, ready to sign what they authorise. Held
/// only for the action (the station never keeps it).
#[derive(Clone)]
pub struct Signer {
    pub person: String,
    pub role: PersonRole,
    pair: Arc<Ed25519KeyPair>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("person", &self.person)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// The signature of `message`, hex.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.pair.sign(message).as_ref())
    }

    pub fn public_key(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }
}

/// A private key's 32-byte seed, only in memory while a credential is made or changed, and
/// wiped when dropped.
struct Seed([u8; 32]);

impl Drop for Seed {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites secret bytes (a seed, a sealing key, an opened key) before their memory is let go.
fn wipe(bytes: &mut [u8]) {
    for b in bytes {
        // Volatile, so the wipe is not optimised away as a dead store.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

/// A person's credential: made, opened and changed with their PIN.
pub trait Sealed: Sized {
    /// A new key pair for a person, sealed under `pin`.
    fn enrol(pin: &str) -> Result<Self, CredentialError>;
    /// Opens the credential with `pin`: the person's signer, or [`CredentialError::WrongPin`].
    fn unlock(&self, person: &str, role: PersonRole, pin: &str) -> Result<Signer, CredentialError>;
    /// The same key sealed under `new_pin`, if `old_pin` opens this one.
    fn change_pin(&self, old_pin: &str, new_pin: &str) -> Result<Self, CredentialError>;
}

impl Sealed for Credential {
    fn enrol(pin: &str) -> Result<Credential, CredentialError> {
        check_pin(pin)?;
        let mut seed = [0u8; 32];
        rand::fill(&mut seed);
        let pair = pair_of(&seed)?;
        seal(&Seed(seed), &hex::encode(pair.public_key().as_ref()), pin)
    }

    fn unlock(&self, person: &str, role: PersonRole, pin: &str) -> Result<Signer, CredentialError> {
        let (_seed, pair) = open(self, pin)?;
        Ok(Signer {
            person: person.to_string(),
            role,
            pair: Arc::new(pair),
        })
    }

    fn change_pin(&self, old_pin: &str, new_pin: &str) -> Result<Credential, CredentialError> {
        check_pin(new_pin)?;
        let (seed, _) = open(self, old_pin)?;
        seal(&seed, &self.public_key, new_pin)
    }
}

fn open(c: &Credential, pin: &str) -> Result<(Seed, Ed25519KeyPair), CredentialError> {
    let parts: Vec<&str> = c.sealed_key.split('$').collect();
    let [version, salt, nonce, sealed] = parts[..] else {
        return Err(CredentialError::Malformed("not v1$salt$nonce$key"));
    };
    if version != SEAL_VERSION {
        return Err(CredentialError::Malformed("an unknown sealing version"));
    }
    let salt = hex::decode(salt).map_err(|_| CredentialError::Malformed("salt"))?;
    let nonce: [u8; 12] = hex::decode(nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or(CredentialError::Malformed("nonce"))?;
    let mut sealed = hex::decode(sealed).map_err(|_| CredentialError::Malformed("key"))?;
    let public =
        hex::decode(&c.public_key).map_err(|_| CredentialError::Malformed("public key"))?;
    let key = aead_key(pin, &salt)?;
    let seed: Option<Result<[u8; 32], _>> = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(&public),
            &mut sealed,
        )
        .ok()
        .map(|opened| <[u8; 32]>::try_from(&*opened));
    // The opened key is in `sealed`'s buffer: wiped once copied out (or not opened).
    wipe(&mut sealed);
    let seed = seed.ok_or(CredentialError::WrongPin)?;
    let seed = Seed(seed.map_err(|_| CredentialError::Malformed("key length"))?);
    let pair = pair_of(&seed.0)?;
    if pair.public_key().as_ref() != public.as_slice() {
        return Err(CredentialError::Malformed(
            "the key is not the public key's",
        ));
    }
    Ok((seed, pair))
}

fn check_pin(pin: &str) -> Result<(), CredentialError> {
    if pin.trim().chars().count() < MIN_PIN {
        return Err(CredentialError::PinTooShort);
    }
    Ok(())
}

fn pair_of(seed: &[u8; 32]) -> Result<Ed25519KeyPair, CredentialError> {
    Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| CredentialError::Malformed("key"))
}

fn seal(seed: &Seed, public_key: &str, pin: &str) -> Result<Credential, CredentialError> {
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    rand::fill(&mut salt);
    rand::fill(&mut nonce);
    let public = hex::decode(public_key).map_err(|_| CredentialError::Malformed("public key"))?;
    let key = aead_key(pin, &salt)?;
    let mut sealed = seed.0.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(&public),
        &mut sealed,
    )
    .map_err(|_| CredentialError::Malformed("sealing failed"))?;
    Ok(Credential {
        public_key: public_key.to_string(),
        sealed_key: format!(
            "{SEAL_VERSION}${}${}${}",
            hex::encode(salt),
            hex::encode(nonce),
            hex::encode(sealed)
        ),
    })
}

/// The sealing key: argon2id of the PIN (trimmed, as typed on a keypad) with the salt.
fn aead_key(pin: &str, salt: &[u8]) -> Result<LessSafeKey, CredentialError> {
    let params = Params::new(32 * 1024, 3, 1, Some(32)).expect("constant argon2 parameters");
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.trim().as_bytes(), salt, &mut key)
        .map_err(|_| CredentialError::Malformed("salt"))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &key).expect("a 32-byte key");
    wipe(&mut key);
    Ok(LessSafeKey::new(unbound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pin_opens_the_key_and_a_pin_change_keeps_the_key() {
        let c = Credential::enrol("246810").unwrap();
        assert!(c.well_formed());
        assert!(!c.sealed_key.contains("246810"));
        let s = c.unlock("alice", PersonRole::Supervisor, "246810").unwrap();
        assert_eq!(s.public_key(), c.public_key);
        assert_eq!(
            c.unlock("alice", PersonRole::Supervisor, "246811")
                .unwrap_err(),
            CredentialError::WrongPin
        );
        assert_eq!(
            c.change_pin("000000", "135790").unwrap_err(),
            CredentialError::WrongPin
        );
        assert_eq!(
            c.change_pin("246810", "135").unwrap_err(),
            CredentialError::PinTooShort
        );
        let changed = c.change_pin("246810", "135790").unwrap();
        assert_eq!(changed.public_key, c.public_key);
        assert!(
            changed
                .unlock("alice", PersonRole::Supervisor, "246810")
                .is_err()
        );
        let s2 = changed
            .unlock("alice", PersonRole::Supervisor, "135790")
            .unwrap();
        assert!(super::super::verify(&c.public_key, b"m", &s2.sign(b"m")));
    }

    #[test]
    fn a_sealed_key_moved_to_another_public_key_does_not_open() {
        let a = Credential::enrol("111111").unwrap();
        let b = Credential::enrol("111111").unwrap();
        let swapped = Credential {
            public_key: b.public_key.clone(),
            sealed_key: a.sealed_key.clone(),
        };
        assert!(swapped.unlock("b", PersonRole::Worker, "111111").is_err());
        assert_eq!(
            Credential::enrol("12345").unwrap_err(),
            CredentialError::PinTooShort
        );
    }
}
