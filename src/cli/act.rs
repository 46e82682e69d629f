//! Who acts at the command line, proven: a supervisor's decision (release, reject, recall,
//! closing a recall) needs a credential, as it does in the station UI. A person with an
//! account (`--person ID`, synced from the server) gives their own PIN and signs what they
//! decide; without people, the station's supervisor PIN (`[ui] supervisor_pin_hash`) stands
//! for "a supervisor" (recorded unsigned, so a server refuses it). The PIN comes from
//! `LOTLINE_PIN` or `--pin-file`, never the command line; wrong ones count toward the
//! station's lockout, shared with the UI.

use std::path::PathBuf;

use clap::Args;

use super::Globals;
use super::error::{Code, refuse};
use super::values::{RoleArg, pin};
use crate::domain::status::Role;
use crate::pin_gate::PinGate;
use crate::workflow::{ProofError, Station, UnlockError};

#[derive(Debug, Clone, Args)]
pub struct ActAs {
    /// Who is acting (`LOTLINE_ROLE`): a worker may only hold; a supervisor needs the PIN.
    #[arg(long, value_enum, env = "LOTLINE_ROLE", default_value = "worker")]
    role: RoleArg,
    #[command(flatten)]
    person: SignAs,
}

/// A person signing what is recorded: their account (synced from the server) and their PIN.
#[derive(Debug, Clone, Args)]
pub struct SignAs {
    /// Act as this person (`LOTLINE_PERSON`; their account, synced from the server), with
    /// their PIN: what they decide is signed by them and the server can check it.
    #[arg(long, env = "LOTLINE_PERSON")]
    person: Option<String>,
    /// A file whose first line is the PIN (else `LOTLINE_PIN`).
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
}

impl SignAs {
    /// With `--person`: their PIN checked (under the station lockout) and their signer set on
    /// `station`; their role. Without: `None`, nothing set.
    pub fn prove(&self, globals: &Globals, station: &mut Station) -> anyhow::Result<Option<Role>> {
        match &self.person {
            Some(id) => sign_in(globals, station, id, self.pin_file.as_deref()).map(Some),
            None => Ok(None),
        }
    }
}

/// The person of `LOTLINE_PERSON` signed in on `station` for a command that records (their
/// PIN from `LOTLINE_PIN`): every event it records names them and is signed by them. Nothing
/// when it is not set.
pub fn sign_in_from_env(globals: &Globals, station: &mut Station) -> anyhow::Result<()> {
    match std::env::var("LOTLINE_PERSON") {
        Ok(id) if !id.trim().is_empty() => {
            sign_in(globals, station, id.trim(), None)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `id` signed in on `station` with the PIN of `pin_file` or `LOTLINE_PIN` (once: a person
/// already signed in is not asked again); their role.
fn sign_in(
    globals: &Globals,
    station: &mut Station,
    id: &str,
    pin_file: Option<&std::path::Path>,
) -> anyhow::Result<Role> {
    if let Some(signer) = station.acting_as().filter(|s| s.person == id) {
        return Ok(signer.role.station_role());
    }
    let mut gate = PinGate::of_store(&globals.db_path());
    let typed = pin(pin_file)?;
    let signer = station
        .unlock(&mut gate, id, &typed)
        .map_err(unlock_refused)?;
    let role = signer.role.station_role();
    station.act_as(Some(signer));
    Ok(role)
}

impl ActAs {
    /// The role the action is taken in, once proven; a person's signer is set on `station`.
    /// A worker needs no PIN (a worker may hold; the status rules refuse the rest).
    pub fn prove(&self, globals: &Globals, station: &mut Station) -> anyhow::Result<Role> {
        if let Some(role) = self.person.prove(globals, station)? {
            return Ok(role);
        }
        let role: Role = self.role.into();
        if role == Role::Worker {
            return Ok(role);
        }
        let config = crate::config::StationConfig::load(globals.config.as_deref())?;
        let typed = pin(self.person.pin_file.as_deref())?;
        let mut gate = PinGate::of_store(&globals.db_path());
        match station.prove_supervisor(
            &mut gate,
            config.ui.supervisor_pin_hash.as_deref(),
            None,
            &typed,
        ) {
            Ok(proof) => Ok(proof.role),
            Err(ProofError::StationPinNotEnough) => refuse(
                Code::CredentialRefused,
                "this station has people's accounts: a supervisor acts as themself \
                 (--person ID or LOTLINE_PERSON, with their own PIN), not with the station PIN",
            ),
            Err(ProofError::StationPin(e)) => refuse(Code::CredentialRefused, e.to_string()),
            Err(ProofError::Unlock(e)) => Err(unlock_refused(e)),
            Err(ProofError::Store(e)) => Err(e.into()),
        }
    }
}

/// A person who could not act, as the command line reports it: `person_not_found` or
/// `credential_refused`, with what to do.
pub fn unlock_refused(e: UnlockError) -> anyhow::Error {
    let code = match e {
        UnlockError::Unknown(_) => Code::PersonNotFound,
        UnlockError::Refused { .. } => Code::CredentialRefused,
        // The store's own failure, reported as every store failure is.
        UnlockError::Store(w) => return w.into(),
    };
    super::error::CliError {
        code,
        message: e.to_string(),
    }
    .into()
}
