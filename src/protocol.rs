//! The sync API's wire types (`/api/v1`): events on the wire, push and pull with their acks
//! and cursors, error bodies, tokens and their roles. It sits below both the server and the
//! station's sync client, so neither depends on the other. The OpenAPI document
//! (docs/openapi.json) describes these shapes.

use serde::{Deserialize, Serialize};

use crate::domain::{EventKind, LotStatus};

/// The API version prefix.
pub const PREFIX: &str = "/api/v1";

/// Largest request body the server reads (bytes), except a push; larger ones are refused
/// with 413.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Largest push body (bytes). One event is never split (it is one hash-chained record), and a
/// recall of 10,000 lots (four holders a lot) is one event of about 4.4 MB: the
/// limit leaves room for the largest real recalls while still bounding what one request may
/// make the server hold in memory. Stations send batches of at most [`PUSH_BATCH_BYTES`], an
/// event larger than that alone.
pub const MAX_PUSH_BODY: usize = 64 * 1024 * 1024;

/// The most bytes of events a station puts in one push of several events.
pub const PUSH_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Most events one push may carry; more is refused with 413.
pub const MAX_PUSH_EVENTS: usize = 5_000;

/// Most events one pull returns.
pub const MAX_PULL_EVENTS: usize = 5_000;

/// What a bearer token may do at the server. Each role may do what the ones before it may.
/// (Not [`crate::domain::status::Role`], who acts at a station.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenRole {
    /// A station: pushes its events, pulls the others', reads lots and traces.
    Station,
    /// A supervisor: also holds, releases, rejects and recalls lots, sees the stations.
    Supervisor,
    /// An administrator: also manages tokens.
    Admin,
}

impl TokenRole {
    pub const ALL: [TokenRole; 3] = [TokenRole::Station, TokenRole::Supervisor, TokenRole::Admin];

    pub fn name(self) -> &'static str {
        match self {
            TokenRole::Station => "station",
            TokenRole::Supervisor => "supervisor",
            TokenRole::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<TokenRole> {
        TokenRole::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// An event as it travels: the station's record of it, with its original id, time, station
/// and actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireEvent {
    pub id: String,
    pub at: String,
    pub station: String,
    pub actor: String,
    pub event: EventKind,
    /// The actor's signature (hex Ed25519 over `people::signing_bytes`), for a supervisor's
    /// decision: the server refuses a release, rejection or recall without a good one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Where a pushed event stands in its station's chain (absent in pulled events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Link>,
}

/// A station's own events form a hash chain of their own, in the order the station pushes
/// them (the events it pulled are not in it): each pushed event names the link before it and
/// its own. The server recomputes the link from the event and accepts it only after the last
/// link it holds of that station, so an event of the station's lost, altered or reordered on
/// the way, or a station whose history forks from what it pushed before (a store restored
/// from a backup), is found on arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The link before (`domain::chain::GENESIS` for a station's first event).
    pub prev: String,
    /// `domain::chain::event_hash` of the event after `prev`.
    pub hash: String,
}

impl Link {
    /// The link of `w` after `prev`.
    pub fn after(prev: &str, w: &WireEvent) -> Link {
        Link {
            prev: prev.to_string(),
            hash: crate::domain::chain::event_hash(
                prev, &w.id, &w.at, &w.station, &w.actor, &w.event,
            ),
        }
    }

    /// Whether this is `w`'s link after its `prev` (what the server checks), with `w`'s event
    /// as JSON (`payload`, which the server stores too).
    pub fn fits(&self, w: &WireEvent, payload: &str) -> bool {
        crate::domain::chain::is_hash(&self.prev)
            && crate::domain::chain::chain_hash(
                &self.prev, &w.id, &w.at, &w.station, &w.actor, payload,
            ) == self.hash
    }
}

/// `POST /sync/push`: a batch of the station's outbox, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub events: Vec<WireEvent>,
    /// The station's outbox length before this push (shown in the station list).
    #[serde(default)]
    pub backlog: u64,
}

/// An event the server holds, and where in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acked {
    pub id: String,
    pub pos: i64,
}

/// `POST /sync/push?per_event=true` answers for each event; without it a push is all or
/// nothing (the first refused event refuses the whole batch, as before this option existed).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct PushQuery {
    #[serde(default)]
    pub per_event: bool,
}

/// The answer to a push: the events of the batch the server holds (new or not) and, with
/// `per_event`, those it refused. Every event of the batch is in one list or the other.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub acked: Vec<Acked>,
    /// How many of them were new.
    pub stored: u64,
    /// Events refused for good, each with why; nothing of them was stored. (Absent from an
    /// answer of a server older than `per_event`.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedEvent>,
}

/// An event of a push that the server refused: sending it again will not help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedEvent {
    /// Its place in the batch (0-based).
    pub index: usize,
    /// Its id as sent (empty when the event had none).
    pub id: String,
    /// The HTTP status a push of this event alone gets: 400 invalid, 403 another station's,
    /// 409 an id the server holds with other content.
    pub status: u16,
    /// What is wrong: the field and the rule.
    pub error: String,
}

/// An event in the server's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEvent {
    pub pos: i64,
    #[serde(flatten)]
    pub event: WireEvent,
    /// In a site's pull: the site (GLN) of the station that recorded it, when that station has
    /// one. An event of another site (a transferred lot's history) does not count in the
    /// puller's stock or pallets: its locations are the other site's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// `GET /sync/pull?after=N`: the events after position `N` that the station lacks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    pub events: Vec<ServerEvent>,
    /// The cursor to ask from next time (the last position looked at).
    pub next: i64,
    /// More events wait beyond `next`.
    pub more: bool,
}

/// `GET /lots/{gtin}/{batch}/events`: every event of a lot the server holds, in its order (the
/// lot's own events and the consumptions into it). A station that dropped a lot's old history
/// looks it up here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotEvents {
    pub gtin: String,
    pub batch: String,
    pub events: Vec<ServerEvent>,
}

/// `GET /sync/snapshot`: the newest snapshot of the token's site, a store file a new station
/// starts from instead of pulling the site's whole history (`store::snapshot`). Its file is
/// `GET /sync/snapshot/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub id: String,
    /// The site it is the state of (GLN); `None`: every site (for stations without one).
    pub site: Option<String>,
    /// The server position it holds its site's events up to: the pull goes on after it.
    pub pos: i64,
    /// The hash of its log's last event, which the server computed from its own events.
    pub hash: String,
    /// Events in its log, and of those the ones whose content was pruned.
    pub events: u64,
    pub pruned: u64,
    /// The file's size in bytes.
    pub size: u64,
    /// When it was made (RFC 3339, UTC).
    pub made_at: String,
}

/// `GET /sync/server`: who the server is, how far its order goes, and whom the token speaks
/// for. The id is made once, at random, when the server's database is created, and kept in
/// it: another server (or a new database) has another id. A station ties its pull cursor and
/// its acknowledgements to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerIdentity {
    pub server_id: String,
    /// The highest position in the server's order (0 when it holds nothing). Below what a
    /// station has seen, the server lost events (a restored backup).
    pub head: i64,
    /// The station the caller's token speaks for (whose events it may push).
    pub station: String,
    /// With `?at=N`: the id of the event the server holds at position N. A station that
    /// holds another event there knows the server lost events, even after others pushed past
    /// where it had seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_at: Option<String>,
    /// The caller's site, when its token names one: the station then pulls its site's events,
    /// not the whole company's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteInfo>,
}

/// `GET /sync/server?at=N`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct IdentityQuery {
    pub at: Option<i64>,
}

/// Every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What is wrong.
    pub error: String,
    /// What to do about it.
    pub hint: String,
}

/// `POST /lots/{gtin}/{batch}/status`: a supervisor's hold, release, reject or recall.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub to: LotStatus,
    pub reason: String,
}

/// A station as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StationView {
    pub name: String,
    /// Last push or pull (RFC 3339, UTC).
    pub last_seen: Option<String>,
    /// Outbox length the station reported at its last push.
    pub backlog: u64,
    /// Events received from it.
    pub pushed: u64,
    /// The last position it pulled from.
    pub pulled_up_to: i64,
    /// Its site (GLN), from its token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// A site: a place identified by its GLN (`GET /sites`, and the station's own in
/// `/sync/server`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    pub gln: String,
    pub name: String,
}

/// `POST /tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub station: String,
    pub role: TokenRole,
    /// Days until it expires; never when absent.
    pub expires_days: Option<u32>,
    /// The station's site (a GLN the server knows), for a station of a company split into
    /// sites: it then pulls its site's events only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// A token's record (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Public id (the part after `llt_`), for revoking.
    pub id: String,
    pub station: String,
    pub role: TokenRole,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
    /// The station's site (GLN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// A new token: shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}
