//! People who act at a station, and proof of who authorised what. Pure (no store, HTTP or UI).
//!
//! Every person (worker, supervisor, admin) has an account made at the server
//! (`lotline server person add`) and synced to every station as a [`PersonEnrolled`] event.
//! The account carries an Ed25519 key pair: the public key in clear, the private key sealed
//! ([`credential`]) under a key derived from the person's PIN with argon2id. A station can so
//! let a supervisor act while offline: the PIN unseals the key, the key signs the event
//! ([`signature`]), and the server, which knows the public key, verifies the signature when
//! the event is pushed. A station token alone can no longer release, reject or recall.
//!
//! [`PersonEnrolled`]: crate::domain::EventKind::PersonEnrolled

pub mod credential;
pub mod signature;

pub use crate::domain::person::{Credential, MIN_PIN, Person, PersonRole};
pub use credential::{CredentialError, Sealed, Signer};
pub use signature::{created_released, needs_supervisor, signing_bytes, verify};
