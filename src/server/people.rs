//! People at the server: accounts made here (the events every station pulls), and the check
//! that a pushed supervisor decision was signed by a supervisor this server knows.

use std::collections::HashMap;

use chrono::{SecondsFormat, Utc};

use super::db::{DbError, EventFilter, NewEvent, ServerStore};
use crate::domain::person::{People, Person, PersonRole, valid_id};
use crate::domain::{EventKind, LotStatus};
use crate::people::{
    CredentialError, Sealed, created_released, needs_supervisor, signing_bytes, verify,
};
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

/// The status each product's lots arrive in, as its last registration at the server says
/// (`None` for a product the server has no registration of), read in one query.
pub async fn receive_as(
    db: &dyn ServerStore,
    gtins: Vec<String>,
) -> Result<HashMap<String, Option<LotStatus>>, DbError> {
    let events = db
        .events_where(EventFilter::ProductRegistrations {
            gtins: gtins.clone(),
        })
        .await?;
    let mut out: HashMap<String, Option<LotStatus>> =
        gtins.into_iter().map(|g| (g, None)).collect();
    // In the server's order: the last registration of each product wins.
    for e in &events {
        if let EventKind::ProductRegistered {
            gtin, receive_as, ..
        } = &e.event.event
        {
            out.insert(gtin.clone(), Some(*receive_as));
        }
    }
    Ok(out)
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
        link: None,
    };
    db.ingest(None, 0, &[NewEvent::new(&wire, None)], &[], true)
        .await?;
    Ok(())
}

/// Checks who authorised a pushed event: a supervisor decision must carry the signature of
/// an active supervisor (or admin), named as its actor; a lot created already released needs
/// one unless its product is released on arrival at this server (`released_on_arrival`, asked
/// only for such a lot); a PIN change the person's own signature with their current key, and
/// keeps that key; enrolments and removals are made at the server only. And any event whose
/// actor is a person with an account is signed by them (a station signs what a signed-in
/// person records; unsigned events name the station's user, who is no one's account). The
/// refusal says what is missing (answered 403).
pub fn authorise(
    w: &WireEvent,
    people: &People,
    released_on_arrival: impl FnOnce(&str) -> bool,
) -> Result<(), String> {
    authorise_decision(w, people, released_on_arrival)?;
    match people.get(&w.actor) {
        Some(p) if !signed_by(w, p) => Err(format!(
            "its actor {:?} has an account at this server, but the event is not signed by {0} \
             (an event names a person only when they signed in at the station and signed it)",
            w.actor
        )),
        _ => Ok(()),
    }
}

fn authorise_decision(
    w: &WireEvent,
    people: &People,
    released_on_arrival: impl FnOnce(&str) -> bool,
) -> Result<(), String> {
    match &w.event {
        EventKind::PersonEnrolled { .. } | EventKind::PersonRemoved { .. } => Err(
            "people are enrolled and removed at the server only (`lotline server person`)".into(),
        ),
        EventKind::PersonCredentialChanged { person, credential } => {
            let Some(p) = people.get(person).filter(|p| p.active) else {
                return Err(format!("{person} has no account at this server"));
            };
            if w.actor != *person || !signed_by(w, p) {
                return Err(format!(
                    "a PIN change of {person} must be signed by {person} with the old PIN"
                ));
            }
            // A PIN change seals the same key again; a new key is given at the server only
            // (whoever learned a PIN must not be able to swap in a key of their own).
            if credential.public_key != p.credential.public_key {
                return Err(format!(
                    "a PIN change of {person} keeps their key; a new key is given at the server"
                ));
            }
            Ok(())
        }
        event if needs_supervisor(event) => signed_by_supervisor(w, people)
            .map_err(|why| format!("a release, rejection or recall {why}")),
        event => match created_released(event) {
            Some(gtin) if !released_on_arrival(gtin) => {
                signed_by_supervisor(w, people).map_err(|why| {
                    format!(
                        "the lot is created released but product {gtin} is not released on \
                         arrival at this server: it {why}"
                    )
                })
            }
            _ => Ok(()),
        },
    }
}

/// Whether `w` carries `person`'s signature over itself.
fn signed_by(w: &WireEvent, person: &Person) -> bool {
    w.signature.as_deref().is_some_and(|sig| {
        verify(
            &person.credential.public_key,
            &signing_bytes(&w.id, &w.at, &w.station, &w.actor, &w.event),
            sig,
        )
    })
}

/// `w` is signed by its actor, an active supervisor or admin; else what is missing.
fn signed_by_supervisor(w: &WireEvent, people: &People) -> Result<(), String> {
    let who = &w.actor;
    let Some(p) = people.get(who).filter(|p| p.active) else {
        return Err(format!(
            "needs a supervisor's signature; its actor {who:?} is no supervisor with an account \
             at this server"
        ));
    };
    if p.role < PersonRole::Supervisor {
        return Err(format!("needs a supervisor; {who} is a {}", p.role.name()));
    }
    if w.signature.is_none() {
        return Err(format!(
            "needs a supervisor's signature; {who}'s is missing"
        ));
    }
    if !signed_by(w, p) {
        return Err(format!(
            "needs {who}'s signature over this event: the signature is not {who}'s over this \
             event (altered, or signed for another one)"
        ));
    }
    Ok(())
}
