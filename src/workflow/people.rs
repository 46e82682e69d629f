//! A person proving who they are at this station: their PIN opens their key (from the
//! server's person events), under the station's lockout of wrong PINs, shared by the UI and
//! the command line.

use super::{Station, WorkflowError};
use crate::people::{CredentialError, Sealed, Signer};
use crate::pin_gate::{PinGate, PinRefusal};

/// Why a person could not act.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    /// This station has not learned such a person, or they were removed.
    #[error(
        "this station knows no person {0:?}: people are added at the server (`lotline server \
         person add`) and learned at the next sync"
    )]
    Unknown(String),
    /// No PIN, a wrong one, or locked after too many.
    #[error("{person}: {refusal}")]
    Refused { person: String, refusal: PinRefusal },
    #[error(transparent)]
    Store(#[from] WorkflowError),
}

impl Station {
    /// `person`'s signer if `typed` is their PIN; wrong PINs count toward `gate`'s lockout.
    pub fn unlock(
        &self,
        gate: &mut PinGate,
        person: &str,
        typed: &str,
    ) -> Result<Signer, UnlockError> {
        let Some(p) = self.person(person)?.filter(|p| p.active) else {
            return Err(UnlockError::Unknown(person.to_string()));
        };
        let mut signer = None;
        gate.check_with(typed, chrono::Utc::now(), |typed| {
            match p.credential.unlock(&p.id, p.role, typed) {
                Ok(s) => {
                    signer = Some(s);
                    Ok(true)
                }
                Err(CredentialError::WrongPin) => Ok(false),
                Err(e) => Err(PinRefusal::Credential(e.to_string())),
            }
        })
        .map_err(|refusal| UnlockError::Refused {
            person: person.to_string(),
            refusal,
        })?;
        Ok(signer.expect("a PIN that passed opened the key"))
    }
}

/// A supervisor proven at this station: the role proven (a person's own: a worker's id proves
/// a worker) and the actor to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisorProof {
    pub role: crate::domain::status::Role,
    pub actor: String,
}

/// Why no supervisor could be proven.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error(transparent)]
    Unlock(#[from] UnlockError),
    /// The station PIN names no one, so it does not stand for a supervisor where people have
    /// accounts.
    #[error(
        "this station has people's accounts: a supervisor acts as themself (their id with \
         their own PIN), not with the station PIN"
    )]
    StationPinNotEnough,
    /// The station PIN was not given right (or is locked, or not set).
    #[error(transparent)]
    StationPin(#[from] PinRefusal),
    #[error(transparent)]
    Store(#[from] WorkflowError),
}

impl Station {
    /// A supervisor's proof, the same at the UI and the command line: `person`'s own PIN where
    /// one is given (their key then signs what the station records next, through
    /// [`Station::act_as`]; the caller puts back who acted before), else the station's
    /// supervisor PIN (`configured_hash`), which is refused where people have accounts (it
    /// names no one). Wrong PINs count toward `gate`'s lockout.
    pub fn prove_supervisor(
        &mut self,
        gate: &mut PinGate,
        configured_hash: Option<&str>,
        person: Option<&str>,
        pin: &str,
    ) -> Result<SupervisorProof, ProofError> {
        if let Some(person) = person.map(str::trim).filter(|p| !p.is_empty()) {
            let signer = self.unlock(gate, person, pin)?;
            let role = signer.role.station_role();
            self.act_as(Some(signer));
            return Ok(SupervisorProof {
                role,
                actor: person.to_string(),
            });
        }
        // A store that cannot say whether it knows people does not get the weaker proof.
        if self.has_people()? {
            return Err(ProofError::StationPinNotEnough);
        }
        gate.check(configured_hash, pin, chrono::Utc::now())?;
        Ok(SupervisorProof {
            role: crate::domain::status::Role::Supervisor,
            actor: crate::pin_gate::SUPERVISOR.to_string(),
        })
    }
}

impl Station {
    /// `person` changes their PIN: the old one opens their key, which is sealed again under
    /// the new one and recorded as their own signed event (the server checks the signature
    /// against the key it knows, so only the holder of the old PIN can change it).
    pub fn change_person_pin(
        &mut self,
        gate: &mut PinGate,
        person: &str,
        old: &str,
        new: &str,
    ) -> Result<String, UnlockError> {
        let signer = self.unlock(gate, person, old)?;
        let known = self.person(person)?.expect("unlocked, so known");
        let credential =
            known
                .credential
                .change_pin(old, new)
                .map_err(|e| UnlockError::Refused {
                    person: person.to_string(),
                    refusal: PinRefusal::Credential(e.to_string()),
                })?;
        let previous = self.acting_as().cloned();
        self.act_as(Some(signer));
        let recorded = self.record(crate::domain::EventKind::PersonCredentialChanged {
            person: person.to_string(),
            credential,
        });
        self.act_as(previous);
        Ok(recorded.map_err(WorkflowError::from)?.id)
    }
}
