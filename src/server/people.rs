//! People at the server: accounts made here (the events every station pulls), and the check
//! that a pushed supervisor decision was signed by a supervisor this server knows.

use chrono::{SecondsFormat, Utc};

use super::db::{DbError, NewEvent, ServerStore};
use crate::domain::EventKind;
use crate::domain::person::{People, Person, PersonRole, valid_id};
use crate::people::{CredentialError, Sealed, needs_supervisor, signing_bytes, verify};
use crate::protocol::WireEvent;

/// Why a person cannot be enrolled or removed.
#[derive(Debug, thiserror::Error)]
pub enum PersonError {
    #[error("{0:?} is not a person id: use 1 to 64 of a-z, 0-9, '.', '_', '-'")]
    BadId(String),
    #[error("{0} already has an account (remove them first to enrol them again)")]
    Exists(String),
    #[error("no person {0} at this server")]
    Unknown(String),
    #[error("a person needs a name (--name), at most 200 characters, no control characters")]
    BadName,
    #[error("{0}")]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Everyone the server's person events know.
pub async fn people(db: &dyn ServerStore) -> Result<People, DbError> {
    let events = db.person_events().await?;
    Ok(People::from_events(events.iter().map(|e| &e.event.event)))
}

/// Gives `id` an account with `role` and a new key sealed under `pin`, recorded as a server
/// event every station pulls.
pub async fn enrol(
    db: &dyn ServerStore,
    id: &str,
    name: &str,
    role: PersonRole,
    pin: &str,
) -> Result<Person, PersonError> {
    if !valid_id(id) {
        return Err(PersonError::BadId(id.to_string()));
    }
    if people(db).await?.get(id).is_some_and(|p| p.active) {
        return Err(PersonError::Exists(id.to_string()));
    }
    let credential = crate::domain::person::Credential::enrol(pin)?;
    let event = EventKind::PersonEnrolled {
        person: id.to_string(),
        name: name.trim().to_string(),
        role,
        credential,
    };
    event.validate().map_err(|_| PersonError::BadName)?;
    record(db, event).await?;
    people(db)
        .await?
        .get(id)
        .cloned()
        .ok_or_else(|| PersonError::Unknown(id.to_string()))
}

/// Takes `id`'s right to act away (their history stays theirs).
pub async fn remove(db: &dyn ServerStore, id: &str) -> Result<(), PersonError> {
    if !people(db).await?.get(id).is_some_and(|p| p.active) {
        return Err(PersonError::Unknown(id.to_string()));
    }
    record(
        db,
        EventKind::PersonRemoved {
            person: id.to_string(),
        },
    )
    .await
}

async fn record(db: &dyn ServerStore, event: EventKind) -> Result<(), PersonError> {
    let wire = WireEvent {
        id: uuid::Uuid::now_v7().to_string(),
        at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        station: "server".into(),
        actor: "admin (server)".into(),
        event,
        signature: None,
    };
    db.ingest(None, 0, &[NewEvent::new(&wire, None)], true)
        .await?;
    Ok(())
}

/// Whether a batch needs the people to be checked (most pushes do not).
pub fn concerns_people(w: &WireEvent) -> bool {
    needs_supervisor(&w.event) || w.event.person().is_some()
}

/// Checks who authorised a pushed event: a supervisor decision must carry the signature of
/// an active supervisor (or admin), named as its actor; a PIN change the person's own
/// signature with their current key; enrolments and removals are made at the server only.
/// A credential change accepted here is applied to `people`, so later events of the same push
/// are checked against the new key. The refusal says what is missing (answered 403).
pub fn authorise(w: &WireEvent, people: &mut People) -> Result<(), String> {
    let signed_by = |person: &Person| {
        w.signature.as_deref().is_some_and(|sig| {
            verify(
                &person.credential.public_key,
                &signing_bytes(&w.id, &w.at, &w.station, &w.actor, &w.event),
                sig,
            )
        })
    };
    match &w.event {
        EventKind::PersonEnrolled { .. } | EventKind::PersonRemoved { .. } => Err(
            "people are enrolled and removed at the server only (`lotline server person`)".into(),
        ),
        EventKind::PersonCredentialChanged { person, .. } => {
            let Some(p) = people.get(person).filter(|p| p.active) else {
                return Err(format!("{person} has no account at this server"));
            };
            if w.actor != *person || !signed_by(p) {
                return Err(format!(
                    "a PIN change of {person} must be signed by {person} with the old PIN"
                ));
            }
            people.apply(&w.event);
            Ok(())
        }
        event if needs_supervisor(event) => {
            let who = &w.actor;
            let Some(p) = people.get(who).filter(|p| p.active) else {
                return Err(format!(
                    "a release, rejection or recall needs a supervisor's signature; its actor \
                     {who:?} is no supervisor with an account at this server"
                ));
            };
            if p.role < PersonRole::Supervisor {
                return Err(format!(
                    "{who} is a {}: a release, rejection or recall needs a supervisor",
                    p.role.name()
                ));
            }
            if w.signature.is_none() {
                return Err(format!(
                    "a release, rejection or recall needs a supervisor's signature; {who}'s is missing"
                ));
            }
            if !signed_by(p) {
                return Err(format!(
                    "the signature is not {who}'s over this event (altered, or signed for another one)"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
