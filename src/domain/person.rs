//! People who act: their role and their credential as data. The cryptography (sealing,
//! signing, verifying) is in `crate::people`; here is only what events carry and validation
//! needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::EventKind;

/// What a person may do. A worker records goods and may put a lot on hold; a supervisor also
/// releases, rejects and recalls; an admin is a supervisor who also manages the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Worker,
    Supervisor,
    Admin,
}

impl PersonRole {
    pub const ALL: [PersonRole; 3] = [
        PersonRole::Worker,
        PersonRole::Supervisor,
        PersonRole::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PersonRole::Worker => "worker",
            PersonRole::Supervisor => "supervisor",
            PersonRole::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<PersonRole> {
        PersonRole::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The station role this person acts in.
    pub fn station_role(self) -> super::status::Role {
        match self {
            PersonRole::Worker => super::status::Role::Worker,
            PersonRole::Supervisor | PersonRole::Admin => super::status::Role::Supervisor,
        }
    }
}

/// A person as a station or the server knows them (folded from the person events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Short id, what they type or scan to act (`alice`, `j.smith`).
    pub id: String,
    pub name: String,
    pub role: PersonRole,
    pub credential: Credential,
    /// Removed people keep their history but can no longer act.
    pub active: bool,
}

/// A person id: 1–64 of `a-z 0-9 . _ -`, starting with a letter or digit (it names the actor
/// of every event they record, so it stays plain).
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// The shortest PIN a person's credential takes. The sealed key travels to every station, so
/// whoever copies a station's store can try PINs offline at argon2's pace (about 0.15 s
/// each): six digits take days, four would take minutes.
pub const MIN_PIN: usize = 6;

/// What a station and the server keep of a person's key: the public key and the sealed
/// private key, both hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The Ed25519 public key (32 bytes, hex).
    pub public_key: String,
    /// `v1$SALT$NONCE$SEALED` (hex): the 32-byte private seed, sealed under argon2id(PIN, SALT)
    /// with the public key as associated data.
    pub sealed_key: String,
}

impl Credential {
    /// Whether it reads as a credential (lengths and hex), without a PIN: what the event
    /// validation checks.
    pub fn well_formed(&self) -> bool {
        let public_ok = hex::decode(&self.public_key).is_ok_and(|k| k.len() == 32);
        let parts: Vec<&str> = self.sealed_key.split('$').collect();
        let sealed_ok = match parts[..] {
            ["v1", salt, nonce, key] => {
                hex::decode(salt).is_ok_and(|s| s.len() == 16)
                    && hex::decode(nonce).is_ok_and(|n| n.len() == 12)
                    && hex::decode(key).is_ok_and(|k| k.len() == 32 + 16)
            }
            _ => false,
        };
        public_ok && sealed_ok
    }
}

/// Everyone the person events have made known, as they stand after those events in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People(BTreeMap<String, Person>);

impl People {
    /// Folds `events` (in the server's order) into the people they leave.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a EventKind>) -> People {
        let mut people = People::default();
        for e in events {
            people.apply(e);
        }
        people
    }

    /// One more event; events that are not about people change nothing.
    pub fn apply(&mut self, event: &EventKind) {
        match event {
            EventKind::PersonEnrolled {
                person,
                name,
                role,
                credential,
            } => {
                self.0.insert(
                    person.clone(),
                    Person {
                        id: person.clone(),
                        name: name.clone(),
                        role: *role,
                        credential: credential.clone(),
                        active: true,
                    },
                );
            }
            EventKind::PersonCredentialChanged { person, credential } => {
                if let Some(p) = self.0.get_mut(person) {
                    p.credential = credential.clone();
                }
            }
            EventKind::PersonRemoved { person } => {
                if let Some(p) = self.0.get_mut(person) {
                    p.active = false;
                }
            }
            _ => {}
        }
    }

    /// The person with this id, removed or not.
    pub fn get(&self, id: &str) -> Option<&Person> {
        self.0.get(id)
    }

    /// Everyone, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Person> {
        self.0.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_ids_are_plain() {
        for ok in ["alice", "j.smith", "sup-2", "7"] {
            assert!(valid_id(ok), "{ok}");
        }
        for bad in ["", "Alice", "-x", "a b", "é", &"a".repeat(65)] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
