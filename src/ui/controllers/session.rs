//! Who is signed in at the station. A person with an account types their id and PIN: from then
//! on every event the station records names them and is signed with their key (the server
//! refuses an event that names a person who did not sign it), until they sign out. With no
//! one signed in, events name the station's user. A supervisor's decision in Lookup or a new
//! product is signed by that supervisor and then hands back to whoever was signed in.

use crate::pin_gate::PinGate;
use crate::ui::present::{Shown, Verdict};
use crate::workflow::Station;

/// What the station shows of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Who is signed in ("wendy (worker)"), empty when no one is.
    pub who: String,
    pub shown: Shown,
}

/// Signs `person` in with `pin` (wrong PINs count toward the station's lockout, shared with
/// supervisor decisions); the person signed in before stays signed in if it fails.
pub fn sign_in(station: &mut Station, gate: &mut PinGate, person: &str, pin: &str) -> SessionView {
    let person = person.trim();
    if person.is_empty() {
        return SessionView {
            who: who(station),
            shown: Shown::refused("type your id (and your PIN) to sign in"),
        };
    }
    match station.unlock(gate, person, pin) {
        Ok(signer) => {
            station.act_as(Some(signer));
            let who = who(station);
            SessionView {
                shown: Shown::new(
                    Verdict::Ok,
                    "SIGNED IN",
                    format!(
                        "{who}: what this station records now names you; sign out when you leave"
                    ),
                ),
                who,
            }
        }
        Err(e) => SessionView {
            who: who(station),
            shown: Shown::refused(format!("not signed in: {e}")),
        },
    }
}

/// Signs whoever is signed in out: events name the station's user again.
pub fn sign_out(station: &mut Station) -> SessionView {
    let was = who(station);
    station.act_as(None);
    SessionView {
        who: String::new(),
        shown: Shown::new(
            Verdict::Ok,
            "SIGNED OUT",
            if was.is_empty() {
                "no one was signed in".to_string()
            } else {
                format!("{was} signed out")
            },
        ),
    }
}

/// "id (role)" of the person signed in, empty when no one is.
pub fn who(station: &Station) -> String {
    station
        .acting_as()
        .map(|s| format!("{} ({})", s.person, s.role.name()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::person::PersonRole;
    use crate::workflow::testing::*;

    #[test]
    fn what_a_signed_in_worker_records_names_her_and_is_signed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = station(&dir);
        enrol(&mut s, "wendy", PersonRole::Worker, "246802");
        let mut gate = PinGate::default();
        let v = sign_in(&mut s, &mut gate, "wendy", "000000");
        assert_eq!((v.who.as_str(), v.shown.verdict), ("", Verdict::Refused));
        assert!(v.shown.message.contains("wrong"), "{}", v.shown.message);
        let v = sign_in(&mut s, &mut gate, " wendy ", "246802");
        assert_eq!(v.who, "wendy (worker)");
        assert_eq!(v.shown.headline, "SIGNED IN");
        receive(&mut s, TOMATOES, "W1", 5);
        let last = s.store().outbox_batch(100).unwrap().pop().unwrap();
        assert_eq!(last.actor, "wendy");
        assert!(last.signature.is_some());
        let v = sign_out(&mut s);
        assert_eq!(
            (v.who.as_str(), v.shown.message.as_str()),
            ("", "wendy (worker) signed out")
        );
        receive(&mut s, TOMATOES, "W2", 5);
        let last = s.store().outbox_batch(100).unwrap().pop().unwrap();
        assert_eq!((last.actor.as_str(), last.signature), ("tester", None));
        let v = sign_in(&mut s, &mut gate, "nobody", "246802");
        assert!(
            v.shown.message.contains("knows no person"),
            "{}",
            v.shown.message
        );
    }
}
