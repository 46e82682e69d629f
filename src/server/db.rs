//! The server's database: one trait, [`ServerStore`], with an embedded SQLite and a
//! PostgreSQL implementation. The server keeps nothing outside it, so several server
//! processes may share one PostgreSQL.
//!
//! Tables (both back-ends, prefixed `server_` so they never mix with a station store):
//! `server_events` (every event once, by id, `pos` = the server's order, with the lot columns
//! the views look up by), `server_stations` (last seen, reported backlog, pull cursor),
//! `server_tokens` (hashed bearer tokens), `server_meta` (the server's id), `server_chains`
//! (each station's last chain link, [`walk_chain`]), `server_refused` (the events of a
//! station's chain refused for their content, so a resend is answered alike), the sites'
//! feeds and what places events in them (`server_feed`, `server_site_lots`,
//! `server_site_products`, `server_recall_sites`, and `server_recall_lots`: the lots each
//! recall's start names, with the positions of its start and close), and
//! `server_snapshots` with `server_snapshot_chunks` (each site's newest store snapshots, their
//! files in chunks of [`SNAPSHOT_CHUNK`] bytes; see [`super::snapshot`]).

use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;

use super::scope::{self, Known, Lot, Plan, Route, Wanted};
use crate::domain::{EventKind, LotStatus};
use crate::protocol::{
    Acked, ServerEvent, SiteInfo, SnapshotMeta, StationView, TokenRole, WireEvent,
};

/// A boxed future, so the trait can be used as `dyn ServerStore`.
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbError>> + Send + 'a>>;

/// What can go wrong with the server's database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database failed or cannot be reached.
    #[error("the server database failed: {0}")]
    Backend(String),
    /// `--db` names something that is not a server database.
    #[error("{0}")]
    Refused(String),
    /// A stored event does not decode (written by a newer Lotline, or damaged).
    #[error("stored event {pos} does not decode: {reason}")]
    BadEvent { pos: i64, reason: String },
    /// The request waited its longest for its turn (the push lock, a database connection):
    /// the server is overloaded and answers 429, to be tried again later.
    #[error("the server is busy: {0}")]
    Busy(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Backend(e.to_string())
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        match e.as_db_error() {
            // `lock_timeout` ran out waiting for the push lock: other pushes hold it.
            Some(db) if *db.code() == tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE => {
                DbError::Busy("other pushes held the push lock for too long".into())
            }
            Some(db) => DbError::Backend(format!("{}: {}", db.code().code(), db.message())),
            None => DbError::Backend(e.to_string()),
        }
    }
}

/// An event ready to store: the station's record, its payload as JSON, and the columns the
/// views look up by.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub at: String,
    pub station: String,
    pub actor: String,
    pub kind: String,
    pub payload: String,
    /// The station (token) that pushed it; `None` for events recorded at the server, which
    /// every station pulls.
    pub origin: Option<String>,
    pub gtin: Option<String>,
    pub batch: Option<String>,
    pub into_gtin: Option<String>,
    pub into_batch: Option<String>,
    pub expiry: Option<String>,
    pub status_to: Option<String>,
    /// The authorising person's signature, kept so stations pull it with the event.
    pub signature: Option<String>,
    /// The site of the station that pushed it (`None`: a station without a site, or the
    /// server): with `route`, which sites' feeds it joins ([`scope`]).
    pub site: Option<String>,
    pub route: Route,
}

impl NewEvent {
    pub fn new(w: &WireEvent, origin: Option<&str>) -> NewEvent {
        NewEvent::with_payload(
            w,
            origin,
            serde_json::to_string(&w.event).expect("events serialise"),
        )
    }

    /// [`Self::new`] with the event already written as JSON (`payload`).
    pub fn with_payload(w: &WireEvent, origin: Option<&str>, payload: String) -> NewEvent {
        let (gtin, batch, into, expiry, status_to) = match &w.event {
            EventKind::ProductRegistered { gtin, .. } => (Some(gtin), None, None, None, None),
            EventKind::LotReceived {
                gtin,
                batch,
                expiry,
                ..
            }
            | EventKind::BatchProduced {
                gtin,
                batch,
                expiry,
                ..
            } => (Some(gtin), Some(batch), None, *expiry, None),
            EventKind::LotConsumed {
                gtin,
                batch,
                into_gtin,
                into_batch,
                ..
            } => (
                Some(gtin),
                Some(batch),
                Some((into_gtin, into_batch)),
                None,
                None,
            ),
            EventKind::LotDispatched { gtin, batch, .. }
            | EventKind::DispatchVoided { gtin, batch, .. }
            | EventKind::LotMoved { gtin, batch, .. }
            | EventKind::LotCounted { gtin, batch, .. }
            | EventKind::CostCorrected { gtin, batch, .. } => {
                (Some(gtin), Some(batch), None, None, None)
            }
            EventKind::LotStatusChanged {
                gtin, batch, to, ..
            } => (Some(gtin), Some(batch), None, None, Some(to.name())),
            EventKind::RecallAccounted { gtin, batch, .. } => {
                (Some(gtin), Some(batch), None, None, None)
            }
            EventKind::RecallStarted { .. }
            | EventKind::RecallClosed { .. }
            | EventKind::ShipmentClosed { .. }
            | EventKind::PersonEnrolled { .. }
            | EventKind::PersonCredentialChanged { .. }
            | EventKind::PersonRemoved { .. } => (None, None, None, None, None),
        };
        NewEvent {
            id: w.id.clone(),
            at: w.at.clone(),
            station: w.station.clone(),
            actor: w.actor.clone(),
            kind: w.event.name().to_string(),
            payload,
            origin: origin.map(str::to_string),
            gtin: gtin.cloned(),
            batch: batch.cloned(),
            into_gtin: into.map(|i| i.0.clone()),
            into_batch: into.map(|i| i.1.clone()),
            expiry: expiry.map(|d| d.to_string()),
            status_to: status_to.map(str::to_string),
            signature: w.signature.clone(),
            site: None,
            route: Route::of(&w.event),
        }
    }

    /// The event as pushed by a station of `site`.
    pub fn at_site(mut self, site: Option<&str>) -> NewEvent {
        self.site = site.map(str::to_string);
        self
    }
}

/// What a push did: the events held (new or already, with their positions, in the batch's
/// order), how many were new, and the events refused because the server holds their id with
/// other content.
#[derive(Debug, Default)]
pub struct Ingested {
    pub acked: Vec<Acked>,
    pub stored: u64,
    /// Indexes in the batch; nothing of them was stored.
    pub conflicts: Vec<usize>,
    /// The push does not continue the station's chain: nothing of it was stored.
    pub chain_break: Option<ChainBreak>,
}

/// An event of a push in its station's chain ([`crate::protocol::Link`], checked against the
/// event): one of the events to store (`Ok`, its index among them) or one refused before
/// (`Err`: the status and why).
#[derive(Debug, Clone)]
pub struct ChainStep {
    pub id: String,
    pub link: crate::protocol::Link,
    pub row: Result<usize, (u16, String)>,
}

/// Where a push leaves the station's chain at the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The step that does not follow (index into the steps).
    pub step: usize,
    pub id: String,
    /// The station's last link the server holds.
    pub head: String,
    /// The link the event says it follows.
    pub prev: String,
}

/// A step refused for its content that joins the chain (kept in `server_refused`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ChainRefusal {
    pub id: String,
    pub hash: String,
    pub status: u16,
    pub error: String,
}

/// Walks a push's steps from the station's last link `head` (`None`: the server holds none of
/// its chain yet, and takes the first link as it comes: a station that pushed before chains, or
/// one an admin let start a new chain). A step that is a resend (an event held with the same
/// content, `held`; or refused before with the same link, `refused_before`) is answered as
/// before and skipped, as is one refused for clashing with a held id (`conflicts`); any other
/// must follow the link before. Returns the new head and the refusals that join the chain.
pub(super) fn walk_chain(
    head: Option<String>,
    steps: &[ChainStep],
    held: impl Fn(&str) -> bool,
    refused_before: &std::collections::HashMap<String, String>,
    conflicts: &[usize],
) -> Result<(Option<String>, Vec<ChainRefusal>), ChainBreak> {
    let mut head = head;
    let mut refusals = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let refusal = match &step.row {
            // Not the station's own: an honest station never sends another event under an
            // id the server holds (a copy of its event altered, or someone else's with its
            // token). Refused (409) without a place in the chain.
            Ok(row) if conflicts.binary_search(row).is_ok() => continue,
            Ok(_) if held(&step.id) => continue,
            Ok(_) => None,
            Err(r) => Some(r.clone()),
        };
        if refused_before.get(&step.id) == Some(&step.link.hash) {
            continue;
        }
        if let Some(h) = &head
            && *h != step.link.prev
        {
            return Err(ChainBreak {
                step: i,
                id: step.id.clone(),
                head: h.clone(),
                prev: step.link.prev.clone(),
            });
        }
        head = Some(step.link.hash.clone());
        if let Some((status, error)) = refusal {
            refusals.push(ChainRefusal {
                id: step.id.clone(),
                hash: step.link.hash.clone(),
                status,
                error,
            });
        }
    }
    Ok((head, refusals))
}

/// An event the server holds, as far as sameness goes.
#[derive(Debug, Clone)]
pub(super) struct HeldRow {
    pub at: String,
    pub station: String,
    pub actor: String,
    pub payload: String,
}

/// Whether a held event is the one pushed: same time, station, actor and event. Payloads are
/// compared as events, not as text, so a field added later (`#[serde(default)]`) does not make
/// an event resent after an upgrade look different.
fn same(held: &HeldRow, e: &NewEvent) -> bool {
    held.at == e.at
        && held.station == e.station
        && held.actor == e.actor
        && (held.payload == e.payload
            || serde_json::from_str::<EventKind>(&held.payload)
                .is_ok_and(|h| serde_json::from_str::<EventKind>(&e.payload).is_ok_and(|p| p == h)))
}

/// The events of a batch whose id is held (or was earlier in the batch) with other content:
/// their indexes. An id is the event's identity, so one id never stands for two events; a
/// resend of the same event is not a conflict.
pub(super) fn conflicts(
    events: &[NewEvent],
    held: &std::collections::HashMap<String, HeldRow>,
) -> Vec<usize> {
    let mut first: std::collections::HashMap<&str, &NewEvent> = Default::default();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let clash = match (held.get(&e.id), first.get(e.id.as_str())) {
            (Some(h), _) => !same(h, e),
            (None, Some(earlier)) => !same(&HeldRow::of(earlier), e),
            (None, None) => {
                first.insert(&e.id, e);
                false
            }
        };
        if clash {
            out.push(i);
        }
    }
    out
}

impl HeldRow {
    fn of(e: &NewEvent) -> HeldRow {
        HeldRow {
            at: e.at.clone(),
            station: e.station.clone(),
            actor: e.actor.clone(),
            payload: e.payload.clone(),
        }
    }
}

/// Which events a view needs, each answered from an index.
#[derive(Debug, Clone)]
pub enum EventFilter {
    /// Every event of one lot (received, produced, moved, counted, consumed, shipped, status).
    Lot { gtin: String, batch: String },
    /// Consumptions into one lot (its inputs).
    ConsumedInto { gtin: String, batch: String },
    /// Products' registrations (master data: their names, the status their lots arrive in),
    /// for several products at once (a push reads them once for all its products).
    ProductRegistrations { gtins: Vec<String> },
}

/// Which lots a list needs.
#[derive(Debug, Clone)]
pub enum LotFilter {
    /// Lots received or produced with an expiry on or before this date.
    ExpiringBy(NaiveDate),
    /// Lots that were ever given this status by a change.
    EverSetTo(LotStatus),
}

/// A token as stored: the SHA-256 of the secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub hash: String,
    pub station: String,
    pub role: TokenRole,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
    /// The site (GLN) of the station it speaks for, if the company is split into sites.
    pub site: Option<String>,
}

/// The server's tables, for both back-ends; `pos` is the column type of the server's order
/// (`INTEGER PRIMARY KEY AUTOINCREMENT` in SQLite, `BIGSERIAL PRIMARY KEY` in PostgreSQL), `blob`
/// the type of bytes (`BLOB`, `BYTEA`). Every table is `IF NOT EXISTS`: a database from before a
/// table gets it when it is next opened.
pub(super) fn schema(pos: &str, blob: &str) -> String {
    SCHEMA.replace("{pos}", pos).replace("{blob}", blob)
}

/// The bytes of a snapshot file kept in one row of `server_snapshot_chunks`: no single value is
/// huge, and a download streams it row by row.
pub const SNAPSHOT_CHUNK: usize = 4 << 20;

/// A snapshot's file as it is stored: its chunks in order, read as they are written (a file is
/// read 4 MiB at a time, never whole).
pub type SnapshotChunks = Box<dyn Iterator<Item = std::io::Result<Vec<u8>>> + Send>;

/// Snapshots kept per site: the newest, and the one before it for a station still downloading
/// it when the newest arrived.
pub const SNAPSHOTS_KEPT: i64 = 2;

/// The `site` column of a snapshot: its GLN, or [`scope::EVERY_SITE`] for stations without a
/// site.
pub(super) fn snapshot_site(site: Option<&str>) -> &str {
    site.unwrap_or(scope::EVERY_SITE)
}

/// The newest snapshot of a site.
pub(super) const LATEST_SNAPSHOT: &str = "SELECT id, site, pos, hash, events, pruned, size, made_at
    FROM server_snapshots WHERE site = $1 ORDER BY made_at DESC, id DESC LIMIT 1";

/// A snapshot by id.
pub(super) const SNAPSHOT_BY_ID: &str =
    "SELECT id, site, pos, hash, events, pruned, size, made_at FROM server_snapshots WHERE id = $1";

/// The snapshots of a site but its [`SNAPSHOTS_KEPT`] newest: their chunks, then their rows.
pub(super) const DROP_OLD_SNAPSHOTS: [&str; 2] = [
    "DELETE FROM server_snapshot_chunks WHERE snapshot IN (
        SELECT id FROM server_snapshots WHERE site = $1 AND id NOT IN (
            SELECT id FROM server_snapshots WHERE site = $1
            ORDER BY made_at DESC, id DESC LIMIT $2))",
    "DELETE FROM server_snapshots WHERE site = $1 AND id NOT IN (
        SELECT id FROM server_snapshots WHERE site = $1 ORDER BY made_at DESC, id DESC LIMIT $2)",
];

/// A snapshot row as read, its columns in the order of [`LATEST_SNAPSHOT`] (`site` as stored:
/// `*` for every site).
#[allow(clippy::too_many_arguments)]
pub(super) fn snapshot_meta(
    id: String,
    site: String,
    pos: i64,
    hash: String,
    events: i64,
    pruned: i64,
    size: i64,
    made_at: String,
) -> SnapshotMeta {
    SnapshotMeta {
        id,
        site: (site != scope::EVERY_SITE).then_some(site),
        pos,
        hash,
        events: events as u64,
        pruned: pruned as u64,
        size: size as u64,
        made_at,
    }
}

/// Why a snapshot's chunks do not make its file: not the size its row says.
pub(super) fn chunks_mismatch(meta: &SnapshotMeta, written: u64) -> DbError {
    DbError::Refused(format!(
        "snapshot {}: its file is {written} bytes, not {} as its record says; nothing was stored",
        meta.id, meta.size
    ))
}

/// Why a snapshot's file could not be read while it was stored.
pub(super) fn chunk_unreadable(meta: &SnapshotMeta, e: std::io::Error) -> DbError {
    DbError::Refused(format!(
        "snapshot {}: its file could not be read ({e}); nothing was stored",
        meta.id
    ))
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS server_events (
    pos {pos},
    id TEXT NOT NULL UNIQUE,
    at TEXT NOT NULL, station TEXT NOT NULL, actor TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL, origin TEXT,
    gtin TEXT, batch TEXT, into_gtin TEXT, into_batch TEXT, expiry TEXT, status_to TEXT,
    received TEXT NOT NULL, signature TEXT, site TEXT
);
CREATE INDEX IF NOT EXISTS server_events_lot ON server_events (gtin, batch);
CREATE INDEX IF NOT EXISTS server_events_into ON server_events (into_gtin, into_batch);
CREATE INDEX IF NOT EXISTS server_events_expiry ON server_events (expiry);
CREATE INDEX IF NOT EXISTS server_events_status ON server_events (status_to);
CREATE INDEX IF NOT EXISTS server_events_kind ON server_events (kind);
CREATE TABLE IF NOT EXISTS server_stations (
    name TEXT PRIMARY KEY, last_seen TEXT, backlog BIGINT NOT NULL DEFAULT 0,
    pushed BIGINT NOT NULL DEFAULT 0, pulled_up_to BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_chains (station TEXT PRIMARY KEY, head TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_refused (
    station TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, status INTEGER NOT NULL,
    error TEXT NOT NULL, received TEXT NOT NULL, PRIMARY KEY (station, id)
);
CREATE TABLE IF NOT EXISTS server_tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, station TEXT NOT NULL, role TEXT NOT NULL,
    created TEXT NOT NULL, expires TEXT, revoked TEXT, site TEXT
);
CREATE TABLE IF NOT EXISTS server_sites (gln TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS server_feed (
    site TEXT NOT NULL, pos BIGINT NOT NULL, history_gtin TEXT, history_batch TEXT,
    PRIMARY KEY (site, pos)
);
CREATE TABLE IF NOT EXISTS server_site_lots (
    gtin TEXT NOT NULL, batch TEXT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (gtin, batch, site)
);
CREATE TABLE IF NOT EXISTS server_site_products (
    gtin TEXT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (gtin, site)
);
CREATE TABLE IF NOT EXISTS server_recall_sites (
    recall TEXT NOT NULL, site TEXT NOT NULL, PRIMARY KEY (recall, site)
);
CREATE TABLE IF NOT EXISTS server_recall_lots (
    recall TEXT NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL, pos BIGINT NOT NULL,
    closed BIGINT, PRIMARY KEY (recall, gtin, batch)
);
CREATE INDEX IF NOT EXISTS server_recall_lots_lot ON server_recall_lots (gtin, batch);
CREATE INDEX IF NOT EXISTS server_recall_lots_pos ON server_recall_lots (pos);
CREATE TABLE IF NOT EXISTS server_snapshots (
    id TEXT PRIMARY KEY, site TEXT NOT NULL, pos BIGINT NOT NULL, hash TEXT NOT NULL,
    events BIGINT NOT NULL, pruned BIGINT NOT NULL, size BIGINT NOT NULL, made_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS server_snapshots_site ON server_snapshots (site, made_at);
CREATE TABLE IF NOT EXISTS server_snapshot_chunks (
    snapshot TEXT NOT NULL, n BIGINT NOT NULL, data {blob} NOT NULL, PRIMARY KEY (snapshot, n)
);
";

/// A database from before sites: every event it holds came from a station without a site, so
/// every site reads it, and every site holds its lots and products (so their status changes
/// and recalls reach every site). Run once, when the feed is new, in one transaction. Servers
/// from before sites must be stopped first: what they store afterwards has no feed rows.
pub(super) const FEED_FROM_BEFORE_SITES: &str = "
INSERT INTO server_site_lots (gtin, batch, site)
SELECT DISTINCT gtin, batch, '*' FROM server_events
WHERE gtin IS NOT NULL AND batch IS NOT NULL AND NOT EXISTS (SELECT 1 FROM server_feed)
ON CONFLICT DO NOTHING;
INSERT INTO server_site_lots (gtin, batch, site)
SELECT DISTINCT into_gtin, into_batch, '*' FROM server_events
WHERE into_gtin IS NOT NULL AND into_batch IS NOT NULL AND NOT EXISTS (SELECT 1 FROM server_feed)
ON CONFLICT DO NOTHING;
INSERT INTO server_site_products (gtin, site)
SELECT DISTINCT gtin, '*' FROM server_events
WHERE gtin IS NOT NULL AND NOT EXISTS (SELECT 1 FROM server_feed)
ON CONFLICT DO NOTHING;
INSERT INTO server_feed (site, pos)
SELECT '*', pos FROM server_events WHERE NOT EXISTS (SELECT 1 FROM server_feed);";

/// A page of a site's feed: the site's rows and every site's, after a position, in order.
pub(super) const FEED_PAGE: &str = "
SELECT f.pos, e.id, e.at, e.station, e.actor, e.payload, e.origin, e.signature,
    f.history_gtin, f.history_batch, e.site
FROM (
    SELECT * FROM (SELECT pos, history_gtin, history_batch FROM server_feed
                   WHERE site = $1 AND pos > $2 ORDER BY pos LIMIT $3) AS own
    UNION ALL
    SELECT * FROM (SELECT pos, history_gtin, history_batch FROM server_feed
                   WHERE site = '*' AND pos > $2 ORDER BY pos LIMIT $3) AS every
) AS f JOIN server_events e ON e.pos = f.pos
ORDER BY f.pos LIMIT $3";

/// A lot's events before a position (the history a transfer brings): its own, and the starts
/// of the recalls naming it with the closes of those closed by then (`server_recall_lots`: a
/// recall names its lots in its payload, not in the lot columns).
pub(super) const LOT_HISTORY: &str = "
SELECT pos, id, at, station, actor, payload, origin, signature, site FROM server_events
WHERE ((gtin = $1 AND batch = $2) OR (into_gtin = $1 AND into_batch = $2)) AND pos < $3
UNION
SELECT e.pos, e.id, e.at, e.station, e.actor, e.payload, e.origin, e.signature, e.site
FROM server_recall_lots r JOIN server_events e ON e.pos = r.pos
WHERE r.gtin = $1 AND r.batch = $2 AND r.pos < $3
UNION
SELECT e.pos, e.id, e.at, e.station, e.actor, e.payload, e.origin, e.signature, e.site
FROM server_recall_lots r JOIN server_events e ON e.pos = r.closed
WHERE r.gtin = $1 AND r.batch = $2 AND r.closed < $3
ORDER BY pos";

/// A lot a recall's start names (at `$4`, the start's position).
pub(super) const INSERT_RECALL_LOT: &str =
    "INSERT INTO server_recall_lots (recall, gtin, batch, pos)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// A recall closed at position `$1` (its first close counts).
pub(super) const CLOSE_RECALL: &str =
    "UPDATE server_recall_lots SET closed = $1 WHERE recall = $2 AND closed IS NULL";

/// The open recalls naming a lot.
pub(super) const OPEN_RECALLS_OF_LOT: &str =
    "SELECT recall FROM server_recall_lots WHERE gtin = $1 AND batch = $2 AND closed IS NULL";

/// A database from before `server_recall_lots`: the recall starts it does not list yet, with
/// their payloads, and every close. Read when it is opened, to fill it ([`recalls_from_before`]).
pub(super) const RECALL_STARTS_UNLISTED: &str = "SELECT pos, payload FROM server_events e
WHERE kind = 'recall_started'
  AND NOT EXISTS (SELECT 1 FROM server_recall_lots r WHERE r.pos = e.pos) ORDER BY pos";
pub(super) const RECALL_CLOSES: &str =
    "SELECT pos, payload FROM server_events WHERE kind = 'recall_closed' ORDER BY pos";

/// What `server_recall_lots` lacks of the recall starts and closes given (position, payload):
/// the (recall, lot, position) rows of the starts, and the (position, recall) of the closes.
/// A payload that does not decode is skipped (so is it elsewhere: the feed sends it as stored).
#[allow(clippy::type_complexity)]
pub(super) fn recalls_from_before(
    starts: &[(i64, String)],
    closes: &[(i64, String)],
) -> (Vec<(String, Lot, i64)>, Vec<(i64, String)>) {
    let mut lots = Vec::new();
    for (pos, payload) in starts {
        if let Ok(e) = serde_json::from_str::<EventKind>(payload)
            && let EventKind::RecallStarted { recall, .. } = &e
        {
            for (g, b) in e.lots() {
                lots.push((recall.clone(), (g.to_string(), b.to_string()), *pos));
            }
        }
    }
    let closed = closes
        .iter()
        .filter_map(|(pos, payload)| match serde_json::from_str(payload) {
            Ok(EventKind::RecallClosed { recall, .. }) => Some((*pos, recall)),
            _ => None,
        })
        .collect();
    (lots, closed)
}

/// A push's recall rows to write: the lots its recall starts name (recall, lot, position) and
/// its closes (position, recall), from the plan.
#[allow(clippy::type_complexity)]
pub(super) fn recall_writes(
    new: &[(&NewEvent, i64)],
    plan: &Plan,
) -> (Vec<(String, Lot, i64)>, Vec<(i64, String)>) {
    (
        plan.recall_lots
            .iter()
            .map(|(i, r, l)| (r.clone(), l.clone(), new[*i].1))
            .collect(),
        plan.recall_closes
            .iter()
            .map(|(i, r)| (new[*i].1, r.clone()))
            .collect(),
    )
}

/// A station's site: the site of its newest token that is not revoked.
pub(super) const STATION_SITE: &str = "(SELECT t.site FROM server_tokens t
    WHERE t.station = s.name AND t.revoked IS NULL ORDER BY t.created DESC LIMIT 1)";

/// Makes the server's id the first time its database is opened (any process may be first:
/// the insert keeps the one that was), and reads it back.
pub(super) const CLAIM_ID: &str =
    "INSERT INTO server_meta (key, value) VALUES ('server_id', $1) ON CONFLICT (key) DO NOTHING";
pub(super) const READ_ID: &str = "SELECT value FROM server_meta WHERE key = 'server_id'";

/// The id at a position.
pub(super) const ID_AT: &str = "SELECT id FROM server_events WHERE pos = $1";

/// The highest position held.
pub(super) const HEAD: &str = "SELECT coalesce(max(pos), 0) FROM server_events";

/// A new server id: random (a UUID), never derived from the host, so a copy of a database
/// keeps it and a new database gets a new one.
pub(super) fn new_server_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A stored event's row, decoded.
pub(super) fn decode_row(
    pos: i64,
    id: String,
    at: String,
    station: String,
    actor: String,
    payload: &str,
    signature: Option<String>,
) -> Result<ServerEvent, DbError> {
    let event = serde_json::from_str(payload).map_err(|e| DbError::BadEvent {
        pos,
        reason: e.to_string(),
    })?;
    Ok(ServerEvent {
        pos,
        event: WireEvent {
            id,
            at,
            station,
            actor,
            event,
            signature,
            link: None,
        },
        site: None,
    })
}

/// The kinds of the person events, which the server folds into who may sign what.
pub(super) const PERSON_KINDS: &str =
    "('person_enrolled', 'person_credential_changed', 'person_removed')";

/// An event in the server's order with the station that pushed it.
pub type Stored = (ServerEvent, Option<String>);

/// A page of a site's feed.
#[derive(Debug, Default)]
pub struct FeedPage {
    /// The events in the feed's order; a transfer's lot history goes just before it (those
    /// events have earlier positions).
    pub events: Vec<Stored>,
    /// The last feed position looked at.
    pub next: i64,
    /// Whether the page was cut at the limit.
    pub full: bool,
}

/// A feed row as read: position, event, and the lot whose history goes before it.
pub(super) type FeedRowRead = (Stored, Option<(String, String)>);

/// Puts each transfer's lot history (read by `history(gtin, batch, before)`) before it.
pub(super) fn with_history<E>(
    rows: Vec<FeedRowRead>,
    after: i64,
    limit: usize,
    mut history: impl FnMut(&str, &str, i64) -> Result<Vec<Stored>, E>,
) -> Result<FeedPage, E> {
    let mut full = rows.len() >= limit;
    let mut next = rows.last().map_or(after, |((e, _), _)| e.pos);
    let mut events = Vec::with_capacity(rows.len());
    for (row, lot) in rows {
        if let Some((gtin, batch)) = lot {
            events.extend(history(&gtin, &batch, row.0.pos)?);
        }
        let pos = row.0.pos;
        events.push(row);
        // Histories count towards the page's size: it ends after the row that fills it.
        if events.len() >= limit {
            full = true;
            next = pos;
            break;
        }
    }
    Ok(FeedPage { events, next, full })
}

/// Places a push's new events, each with its position, in the sites' feeds; `known` is what
/// the server held of the sites before the push ([`Wanted::of`] these events). Returns the
/// feed rows to write (site, position, lot whose history goes first) and the rest of the plan.
pub(super) fn place(new: &[(&NewEvent, i64)], known: &mut Known) -> (Vec<FeedWrite>, Plan) {
    // A station without a site is every site's: its events go to all of them.
    fn site(e: &NewEvent) -> Option<&str> {
        match (&e.site, &e.origin) {
            (Some(site), _) => Some(site.as_str()),
            (None, Some(_)) => Some(scope::EVERY_SITE),
            (None, None) => None,
        }
    }
    let plan = scope::plan(new.iter().map(|(e, _)| (&e.route, site(e))), known);
    let rows = plan
        .feed
        .iter()
        .map(|r| FeedWrite {
            site: r.site.clone(),
            pos: new[r.event].1,
            history: r.history.clone(),
        })
        .collect();
    (rows, plan)
}

/// What the new events of a push need looked up.
pub(super) fn wanted(new: &[(&NewEvent, i64)]) -> Wanted {
    Wanted::of(new.iter().map(|(e, _)| &e.route))
}

/// A feed row to write.
#[derive(Debug, Clone)]
pub(super) struct FeedWrite {
    pub site: String,
    pub pos: i64,
    pub history: Option<(String, String)>,
}

/// The server's database. Every method is one transaction.
pub trait ServerStore: Send + Sync + 'static {
    /// Stores each event once by id, in the batch's order, in one transaction that also
    /// records the pushing station's last-seen time and backlog; answers the position of
    /// every event of the batch it holds (new or already) in the batch's order, and how many
    /// were new. An event whose id is held with other content ([`conflicts`]) is not stored;
    /// with `all_or_nothing`, then nothing of the batch is. Pushes are serialised, so
    /// positions become visible in order.
    ///
    /// For a station's push (`origin`), `chain` is the push's events in the station's chain
    /// ([`walk_chain`]): when they do not continue the chain the server holds of the station,
    /// nothing is stored and `chain_break` says where; else the station's head moves on and the
    /// refused ones are kept (`server_refused`), in the same transaction.
    fn ingest<'a>(
        &'a self,
        origin: Option<&'a str>,
        backlog: u64,
        events: &'a [NewEvent],
        chain: &'a [ChainStep],
        all_or_nothing: bool,
    ) -> Fut<'a, Ingested>;

    /// Forgets `station`'s chain: its next push starts a new one (after its store was
    /// replaced). False when the server held no chain of it.
    fn reset_chain<'a>(&'a self, station: &'a str) -> Fut<'a, bool>;

    /// The server's id, made once when its database was created.
    fn server_id(&self) -> &str;

    /// The highest position held (0 when none).
    fn head(&self) -> Fut<'_, i64>;

    /// The id of the event at position `pos`, if one is there.
    fn id_at(&self, pos: i64) -> Fut<'_, Option<String>>;

    /// Up to `limit` events after position `after`, in order.
    fn events_after(&self, after: i64, limit: usize) -> Fut<'_, Vec<Stored>>;

    /// Up to `limit` rows of `site`'s feed (its own and every site's) after position
    /// `after`, in order, each transfer preceded by its lot's history.
    fn feed_after<'a>(&'a self, site: &'a str, after: i64, limit: usize) -> Fut<'a, FeedPage>;

    /// Adds a site, or renames it; true when it is new.
    fn put_site(&self, site: SiteInfo) -> Fut<'_, bool>;

    /// Every site, by GLN.
    fn sites(&self) -> Fut<'_, Vec<SiteInfo>>;

    /// Records a station's pull (last seen, cursor).
    fn note_pull<'a>(&'a self, station: &'a str, cursor: i64) -> Fut<'a, ()>;

    /// Every person event (enrolments, credential changes, removals), in the server's order.
    fn person_events(&self) -> Fut<'_, Vec<ServerEvent>>;

    /// The events a view needs, in the server's order.
    fn events_where(&self, filter: EventFilter) -> Fut<'_, Vec<ServerEvent>>;

    /// Distinct lots (gtin, batch) for a list, sorted.
    fn lots_where(&self, filter: LotFilter) -> Fut<'_, Vec<(String, String)>>;

    fn stations(&self) -> Fut<'_, Vec<StationView>>;

    fn put_token(&self, token: TokenRecord) -> Fut<'_, ()>;

    fn token_by_hash(&self, hash: String) -> Fut<'_, Option<TokenRecord>>;

    fn tokens(&self) -> Fut<'_, Vec<TokenRecord>>;

    /// Marks a token revoked; false when there is no such token.
    fn revoke_token(&self, id: String, at: String) -> Fut<'_, bool>;

    /// Stores a snapshot: its record and its file's chunks (numbered from 0), in one
    /// transaction that also drops the site's older snapshots but the [`SNAPSHOTS_KEPT`] newest
    /// (their chunks with them). Chunks that do not add up to `meta.size` bytes, or a chunk that
    /// cannot be read, store nothing. Checked before it is called ([`super::snapshot::put`]):
    /// the snapshot's hash is the site's feed's.
    fn put_snapshot(&self, meta: SnapshotMeta, chunks: SnapshotChunks) -> Fut<'_, ()>;

    /// The newest snapshot of `site` (a GLN; `None`: the one for stations without a site).
    fn latest_snapshot<'a>(&'a self, site: Option<&'a str>) -> Fut<'a, Option<SnapshotMeta>>;

    /// A snapshot's record, by id.
    fn snapshot<'a>(&'a self, id: &'a str) -> Fut<'a, Option<SnapshotMeta>>;

    /// Chunk `n` (from 0) of a snapshot's file; `None` when there is no such chunk (the snapshot
    /// was dropped by a newer one).
    fn snapshot_chunk<'a>(&'a self, id: &'a str, n: i64) -> Fut<'a, Option<Vec<u8>>>;
}

#[cfg(test)]
mod chain_tests {
    use std::collections::HashMap;

    use super::*;
    use crate::protocol::Link;

    fn step(id: &str, prev: &str, hash: &str, row: Result<usize, (u16, String)>) -> ChainStep {
        ChainStep {
            id: id.into(),
            link: Link {
                prev: prev.into(),
                hash: hash.into(),
            },
            row,
        }
    }

    #[test]
    fn a_push_must_continue_the_chain_but_resends_are_answered_as_before() {
        let none = HashMap::new();
        let steps = [
            step("e1", "h0", "h1", Ok(0)),
            step("e2", "h1", "h2", Err((403, "unsigned".into()))),
            step("e3", "h2", "h3", Ok(1)),
        ];
        // From the head the server holds: all three join, the refused one kept.
        let (head, refused) = walk_chain(Some("h0".into()), &steps, |_| false, &none, &[]).unwrap();
        assert_eq!(head.as_deref(), Some("h3"));
        assert_eq!(
            refused,
            [ChainRefusal {
                id: "e2".into(),
                hash: "h2".into(),
                status: 403,
                error: "unsigned".into()
            }]
        );
        // The same push again after the answer was lost: e1 and e3 held, e2 refused before.
        let before = HashMap::from([("e2".to_string(), "h2".to_string())]);
        let (head, refused) =
            walk_chain(Some("h3".into()), &steps, |id| id != "e2", &before, &[]).unwrap();
        assert_eq!((head.as_deref(), refused.len()), (Some("h3"), 0));
        // From another head: where it breaks.
        let broken = walk_chain(Some("hx".into()), &steps, |_| false, &none, &[]).unwrap_err();
        assert_eq!((broken.step, broken.id.as_str()), (0, "e1"));
        // A conflicting id is refused apart from the chain; no head yet takes the first link.
        let (head, _) = walk_chain(None, &steps[2..], |_| false, &none, &[1]).unwrap();
        assert_eq!(head, None);
        let (head, _) = walk_chain(None, &steps[2..], |_| false, &none, &[]).unwrap();
        assert_eq!(head.as_deref(), Some("h3"));
    }
}

#[cfg(test)]
mod feed_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::{EventKind, LotStatus};
    use crate::protocol::WireEvent;

    fn stored(pos: i64, id: String) -> Stored {
        let event = WireEvent {
            id,
            at: "2026-12-07T10:00:00Z".into(),
            station: "S".into(),
            actor: "w".into(),
            event: EventKind::ProductRegistered {
                gtin: "09501101530003".into(),
                name: "x".into(),
                receive_as: LotStatus::Released,
                receiving: Default::default(),
            },
            signature: None,
            link: None,
        };
        (
            ServerEvent {
                pos,
                event,
                site: None,
            },
            None,
        )
    }

    /// A site's feed read page by page, whatever the page size, gives what one page holding
    /// everything gives: every row once, in order, each transfer's lot history just before
    /// it and in the same page, and every page moves the cursor on.
    fn pages(feed: &[(i64, Option<usize>)], histories: &[usize], limit: usize) -> Vec<Vec<String>> {
        let history = |lot: usize, before: i64| -> Result<Vec<Stored>, ()> {
            Ok((0..histories[lot])
                .map(|n| stored(before - 1, format!("h{lot}-{n}")))
                .collect())
        };
        let mut out = Vec::new();
        let mut after = 0;
        loop {
            // What FEED_PAGE reads: the rows after the cursor, `limit` of them.
            let rows: Vec<FeedRowRead> = feed
                .iter()
                .filter(|(pos, _)| *pos > after)
                .take(limit)
                .map(|(pos, lot)| {
                    (
                        stored(*pos, format!("e{pos}")),
                        lot.map(|l| (l.to_string(), "B".to_string())),
                    )
                })
                .collect();
            let page = with_history(rows, after, limit, |gtin, _, before| {
                history(gtin.parse().unwrap(), before)
            })
            .unwrap();
            assert!(page.next >= after);
            if page.events.is_empty() {
                assert!(!page.full);
                return out;
            }
            assert!(page.next > after, "a page that moves nothing on");
            out.push(page.events.into_iter().map(|(e, _)| e.event.id).collect());
            after = page.next;
        }
    }

    proptest! {
        #[test]
        fn paging_a_feed_with_transfer_histories_loses_and_repeats_nothing(
            rows in proptest::collection::vec(proptest::option::weighted(0.3, 0usize..4), 1..40),
            histories in proptest::collection::vec(0usize..6, 4),
            limit in 1usize..8,
        ) {
            let feed: Vec<(i64, Option<usize>)> = rows
                .into_iter()
                .enumerate()
                .map(|(i, lot)| (i as i64 * 10 + 10, lot))
                .collect();
            let whole: Vec<String> = pages(&feed, &histories, 10_000).concat();
            let paged = pages(&feed, &histories, limit);
            prop_assert_eq!(paged.concat(), whole.clone());
            // A history stays with its transfer: no page starts with a transfer's history
            // whose row is in the page before.
            for page in &paged {
                let last = page.last().unwrap();
                prop_assert!(last.starts_with('e'), "a page ends inside a history: {:?}", page);
            }
            let rows = whole.iter().filter(|id| id.starts_with('e')).count();
            prop_assert_eq!(rows, feed.len());
        }
    }
}
