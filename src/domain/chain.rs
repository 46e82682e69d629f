//! Hash chains of events: each link is the SHA-256 of the link before it and the event's
//! fields, so an edited, removed or reordered event breaks every link after it. Two chains
//! use it: a station's log (every event it holds, [`crate::store`]) and a station's own
//! events as the server receives them ([`crate::protocol::Link`]). Pure.

use sha2::{Digest, Sha256};

use super::EventKind;

/// The hash that stands before the first event of a chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The link after `prev` of the event with these fields (`payload`: the event as JSON). Each
/// field is length-prefixed, so no two different events hash alike by moving bytes between
/// fields.
pub fn chain_hash(
    prev: &str,
    id: &str,
    at: &str,
    station: &str,
    actor: &str,
    payload: &str,
) -> String {
    let mut h = Sha256::new();
    for part in [prev, id, at, station, actor, payload] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// [`chain_hash`] of an event as it is decoded (its JSON as this version writes it, which both
/// ends of the sync write alike).
pub fn event_hash(
    prev: &str,
    id: &str,
    at: &str,
    station: &str,
    actor: &str,
    event: &EventKind,
) -> String {
    let payload = serde_json::to_string(event).expect("events serialise");
    chain_hash(prev, id, at, station, actor, &payload)
}

/// Whether `s` is written as a link is: 64 lowercase hex digits.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_bytes_between_fields_changes_the_hash() {
        let a = chain_hash(GENESIS, "ab", "c", "s", "x", "{}");
        let b = chain_hash(GENESIS, "a", "bc", "s", "x", "{}");
        assert_ne!(a, b);
        assert!(is_hash(&a));
        assert!(!is_hash(&a.to_uppercase()));
        assert!(!is_hash(&a[1..]));
    }
}
