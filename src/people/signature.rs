//! What a supervisor's signature covers and which events need one.

use ring::signature::{ED25519, UnparsedPublicKey};

use crate::domain::{EventKind, LotStatus};

/// The bytes signed for an event: its id, time, station and actor, and the event itself as
/// the wire and the store serialise it. The id makes a signature good for one event only: a
/// station cannot replay a supervisor's release later under a new id.
pub fn signing_bytes(id: &str, at: &str, station: &str, actor: &str, event: &EventKind) -> Vec<u8> {
    let payload = serde_json::to_string(event).expect("events serialise");
    format!("lotline-event-v1\n{id}\n{at}\n{station}\n{actor}\n{payload}").into_bytes()
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `message`.
pub fn verify(public_key: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(public_key), hex::decode(signature)) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, key)
        .verify(message, &sig)
        .is_ok()
}

/// Whether an event is a supervisor's decision that the server accepts only with a
/// supervisor's signature: anything that makes a lot shippable, rejects or recalls it, starts
/// or closes a recall, and registering a product whose lots arrive released. (A hold makes a
/// lot less available: a worker may record it. A lot received or produced released needs a
/// signature only when its product is not released on arrival: see [`created_released`].)
pub fn needs_supervisor(event: &EventKind) -> bool {
    match event {
        EventKind::LotStatusChanged { to, .. } => *to != LotStatus::OnHold,
        EventKind::RecallStarted { .. } | EventKind::RecallClosed { .. } => true,
        EventKind::ProductRegistered { receive_as, .. } => *receive_as == LotStatus::Released,
        _ => false,
    }
}

/// The product of a lot this event creates already released (a receipt or a production
/// batch): shippable from its first event, which only its product's registration (or a
/// supervisor) may allow.
pub fn created_released(event: &EventKind) -> Option<&str> {
    match event {
        EventKind::LotReceived { gtin, status, .. }
        | EventKind::BatchProduced { gtin, status, .. }
            if *status == LotStatus::Released =>
        {
            Some(gtin)
        }
        _ => None,
    }
}
