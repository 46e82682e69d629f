//! A temporary store with products and lots, for the tests of the station core and of the
//! UI's mode controllers.

use super::{Identity, ReceiveRequest, Station};
use crate::domain::LotStatus;

pub const TOMATOES: &str = "09501101530003";
pub const SAUCE: &str = "09501101530010";

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
}

/// A fresh store in `dir` with two products registered (tomatoes, sauce; both released on
/// receipt).
pub fn station(dir: &tempfile::TempDir) -> Station {
    let who = Identity {
        station: "TEST".into(),
        actor: "tester".into(),
    };
    let mut s = Station::open(&dir.path().join("ui.db"), who).unwrap();
    s.register_product(TOMATOES, "Tomatoes", LotStatus::Released)
        .unwrap();
    s.register_product(SAUCE, "Tomato sauce", LotStatus::Released)
        .unwrap();
    s
}

/// Receives `quantity` of lot `batch` of `gtin`, expiring 2026-12-31.
pub fn receive(s: &mut Station, gtin: &str, batch: &str, quantity: u64) {
    s.receive(
        &ReceiveRequest {
            scan: format!("(01){gtin}(17)261231(10){batch}"),
            quantity: Some(quantity),
            location: "DOCK".into(),
            ..Default::default()
        },
        today(),
    )
    .unwrap();
}

/// Gives `id` an account with `role` and `pin`, as the server's enrolment event makes it known
/// at a station (the UI controllers' tests; a build without the UI has none).
#[cfg(feature = "ui")]
pub fn enrol(s: &mut Station, id: &str, role: crate::domain::person::PersonRole, pin: &str) {
    use crate::people::Sealed;
    s.store_mut()
        .append(
            "server",
            "admin (server)",
            crate::domain::EventKind::PersonEnrolled {
                person: id.into(),
                name: id.into(),
                role,
                credential: crate::people::Credential::enrol(pin).unwrap(),
            },
        )
        .unwrap();
}

/// Whether the event `e` carries a signature made with `public_key` over what it records
/// (the UI controllers' tests of supervisors' decisions).
#[cfg(feature = "ui")]
pub fn signed_by(s: &Station, e: &crate::store::RecordedEvent, public_key: &str) -> bool {
    // The signature is read with the event itself (the log's listing leaves it out).
    let Some(signature) = s
        .store()
        .event(&e.id)
        .unwrap()
        .and_then(|stored| stored.signature)
    else {
        return false;
    };
    let bytes = crate::people::signing_bytes(&e.id, &e.at, &e.station, &e.actor, &e.event);
    crate::people::verify(public_key, &bytes, &signature)
}

/// Empties lot `batch` of `gtin` (counted 0 at DOCK), has the server hold every event (each at
/// its own sequence number as position) and prunes: the lot's history is at the server only.
/// Returns the lot's history as it was.
pub fn prune_lot(s: &mut Station, gtin: &str, batch: &str) -> Vec<crate::store::RecordedEvent> {
    s.count(gtin, batch, "DOCK", 0).unwrap();
    let history = s.store().lot_events(gtin, batch, 1000).unwrap();
    let acked: Vec<(String, i64)> = s
        .store()
        .events()
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e.seq))
        .collect();
    s.store_mut().acknowledge(&acked).unwrap();
    let pruned = s.store_mut().prune("9999-12-31T00:00:00Z").unwrap();
    assert!(pruned.lots >= 1, "{pruned:?}");
    assert!(s.store().lot_history_pruned(gtin, batch).unwrap());
    history
}

/// A server that answers a lot's history with what it was given (an error as a function: a
/// [`crate::sync::SyncError`] is not `Clone`).
pub struct Answers(
    pub Result<Option<Vec<crate::protocol::ServerEvent>>, fn() -> crate::sync::SyncError>,
);

impl super::lookup::HistoryServer for Answers {
    fn lot_history(
        &self,
        _: &crate::domain::trace::LotRef,
    ) -> Result<Option<Vec<crate::protocol::ServerEvent>>, crate::sync::SyncError> {
        self.0.clone().map_err(|e| e())
    }
}

/// The server's copy of a recorded event, at `pos`.
pub fn at_server(e: &crate::store::RecordedEvent, pos: i64) -> crate::protocol::ServerEvent {
    crate::protocol::ServerEvent {
        pos,
        event: crate::protocol::WireEvent {
            id: e.id.clone(),
            at: e.at.clone(),
            station: e.station.clone(),
            actor: e.actor.clone(),
            event: e.event.clone(),
            signature: e.signature.clone(),
            link: None,
        },
        site: None,
    }
}
