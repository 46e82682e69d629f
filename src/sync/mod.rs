//! The station's sync client: pushes the outbox to the central server, then pulls what the
//! station lacks. Offline-first: the station never waits for it, and any failure at any
//! moment (connection dropped, response cut, server killed) leaves a state the next round
//! completes without loss or duplication:
//!
//! - **Push**: outbox batches, oldest first, bounded in events and in bytes (an event larger
//!   than a batch goes alone), each checked against the store's hash chain first: an altered
//!   event, and what follows it, is not pushed. The server stores each event once by id and
//!   answers, per event, its position or why it refuses it for good; only then do those events
//!   leave the outbox (with their positions, or their refusals, in one transaction), so one
//!   poisoned event does not hold back the ones behind it. A lost answer means the batch is
//!   sent again, and the server answers the same.
//! - **Pull**: from the station's own cursor (kept in its store, moved in the same
//!   transaction as the events it covers), the events of other stations and of the server in
//!   the server's order; they join the local log with their original id, station and time
//!   (an id already here is not recorded twice). Lot status is settled in the server's order
//!   (see `store::settle_status`), so every station converges.
//!
//! [`sync_once`] is one round; [`SyncLoop`] runs rounds on a schedule for every front end
//! (`lotline sync`, the station UI's background thread), which only present its reports.
//! [`Transport`] is the network side; [`HttpTransport`] speaks the `/api/v1` API.

mod run;

pub use run::{RoundPresenter, RoundReport, SyncLoop};

use std::time::Duration;

use crate::protocol::{
    ErrorBody, Link, MAX_PUSH_BODY, PREFIX, PUSH_BATCH_BYTES, PullResponse, PushRequest,
    PushResponse, ServerEvent, ServerIdentity, SnapshotMeta, WireEvent,
};
use crate::store::{PulledEvent, RecordedEvent, Store, StoreError, site_label};

/// Events per push (well under the server's limit).
pub const PUSH_BATCH: usize = 2_000;

/// Events per pull.
pub const PULL_BATCH: usize = 5_000;

/// Seconds between rounds when `[sync] interval` is not set.
pub const DEFAULT_INTERVAL: u64 = 10;

/// The `[sync]` section of the station config.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    /// The server's base URL.
    pub server: Option<String>,
    /// The station's bearer token.
    pub token: Option<String>,
    /// Seconds between rounds with `--watch` and in the station UI (default 10).
    pub interval: Option<u64>,
    /// Seconds before a request is given up (default 30 for `lotline sync`, 15 in the UI).
    pub timeout: Option<u64>,
    /// The private CA (PEM) the server's certificate must chain to. Set, the station speaks
    /// only HTTPS and trusts that CA alone (not the public roots).
    pub ca_cert: Option<std::path::PathBuf>,
    /// Drop old history after sync rounds (at most once an hour): the content of the events of
    /// lots that left this site more than this many days ago, which the server holds
    /// (`lotline store prune`). Unset: the station keeps every event.
    pub keep_history_days: Option<u32>,
}

impl SyncConfig {
    /// The pause between rounds: `interval`, else [`DEFAULT_INTERVAL`]; at least a second.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.interval.unwrap_or(DEFAULT_INTERVAL).max(1))
    }

    /// The request timeout: `timeout`, else the front end's `default`; at least a second.
    pub fn timeout_or(&self, default: Duration) -> Duration {
        self.timeout
            .map_or(default, Duration::from_secs)
            .max(Duration::from_secs(1))
    }

    /// The server this section names, spoken to with its token and CA, requests given up after
    /// `timeout` (else `default`); `None` unless both a server and a token are set.
    pub fn transport(&self, default: Duration) -> Option<HttpTransport> {
        fn set(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let (server, token) = (set(&self.server)?, set(&self.token)?);
        Some(HttpTransport::new(
            server,
            token,
            self.timeout_or(default),
            self.ca_cert.as_deref(),
        ))
    }
}

/// Why a sync round stopped. The next round picks up from where this one left. The message
/// says what is wrong and what to do; it is what the store keeps as the last sync problem,
/// which the station's status bar shows whichever front end ran the round.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached, or the connection broke.
    #[error(
        "cannot reach the server {server}: {reason}; scans are kept here and sent when it is back"
    )]
    Unreachable { server: String, reason: String },
    /// The server does not accept the station's token (401: unknown, revoked or expired).
    #[error(
        "the server refused this station's token ({error}): {hint}, then put it as `token` under [sync] in the station config"
    )]
    TokenRefused { error: String, hint: String },
    /// The token is valid but may not sync (403: not a station token).
    #[error(
        "the server refused ({error}): this station needs a token with the station role, put as `token` under [sync] in the station config"
    )]
    NotAStationToken { error: String },
    /// The server is overloaded (429): nothing of the request was done; the station waits at
    /// least what the server asks (`Retry-After`) before trying again.
    #[error(
        "the server is busy ({error}); scans are kept here and sent when it has room{}",
        retry_after.map_or(String::new(), |d| format!(" (it asks to wait {} s)", d.as_secs()))
    )]
    Busy {
        error: String,
        retry_after: Option<Duration>,
    },
    /// The server refused otherwise (413 too large, 5xx, …).
    #[error("the server refused ({status}): {error} ({hint})")]
    ServerRefused {
        status: u16,
        error: String,
        hint: String,
    },
    /// The server answered something that is not the protocol.
    #[error("the server's answer is not understood: {0}")]
    Protocol(String),
    /// An event waiting to be pushed does not match the store's hash chain: it was changed
    /// after it was recorded. It and the events after it are not pushed.
    #[error(
        "event {id} (number {seq} in this store) was altered after it was recorded ({reason}): \
         it and the events after it are not pushed; the store's verify names the damage"
    )]
    Altered {
        seq: i64,
        id: String,
        reason: String,
    },
    /// The CA certificate the station is to trust cannot be used.
    #[error(
        "the CA certificate {path} cannot be used ({reason}): put the private CA's PEM file as `ca_cert` under [sync] in the station config, or give --ca-cert"
    )]
    CaCert { path: String, reason: String },
    /// The station trusts a private CA, so it speaks HTTPS only, but the server URL is not
    /// `https://`.
    #[error(
        "the server URL {server} is not https:// but this station trusts a CA (ca_cert) and sends its token over HTTPS only: use the server's https:// address"
    )]
    NotHttpsUrl { server: String },
    /// The server's certificate does not chain to the CA the station trusts (or is for
    /// another name, or expired): it may not be the station's server.
    #[error(
        "the server {server} could not prove who it is ({reason}); nothing was sent: check that ca_cert is the CA that signed the server's certificate and that the URL names the host in it"
    )]
    Untrusted { server: String, reason: String },
    /// An `https://` URL, but what answered does not speak TLS (a plain-HTTP server).
    #[error(
        "the server {server} does not answer over TLS ({reason}); nothing was sent: start it with --tls-cert and --tls-key, or check the address"
    )]
    NotTls { server: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether retrying soon can help (a refused token will not).
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } | SyncError::Protocol(_) | SyncError::Busy { .. } => true,
            SyncError::ServerRefused { status, .. } => *status >= 500 || *status == 429,
            SyncError::TokenRefused { .. }
            | SyncError::NotAStationToken { .. }
            | SyncError::CaCert { .. }
            | SyncError::NotHttpsUrl { .. }
            | SyncError::Untrusted { .. }
            | SyncError::NotTls { .. }
            | SyncError::Altered { .. }
            | SyncError::Store(_) => false,
        }
    }

    /// The error for a refusal with HTTP `status`, the server's error body and its
    /// `Retry-After` (seconds).
    fn refused(status: u16, body: ErrorBody, retry_after: Option<Duration>) -> SyncError {
        match status {
            429 => SyncError::Busy {
                // A Lotline server says it is busy in its own words: not twice.
                error: body
                    .error
                    .strip_prefix("the server is busy: ")
                    .map_or(body.error.clone(), str::to_string),
                retry_after,
            },
            401 => SyncError::TokenRefused {
                error: body.error,
                hint: body.hint,
            },
            403 => SyncError::NotAStationToken { error: body.error },
            _ => SyncError::ServerRefused {
                status,
                error: body.error,
                hint: body.hint,
            },
        }
    }
}

/// The network side of the sync (shared with the thread that fetches the next page of a pull).
pub trait Transport: Sync {
    /// Who the server is, and the id it holds at position `at`; `None` from a server too old
    /// to say.
    fn identity(&self, at: Option<i64>) -> Result<Option<ServerIdentity>, SyncError>;
    fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError>;
    fn pull(&self, after: i64, limit: usize) -> Result<PullResponse, SyncError>;
    /// The newest snapshot of the station's site, if the server has one (a server that makes
    /// none, or too old to know of them, has none).
    fn snapshot(&self) -> Result<Option<SnapshotMeta>, SyncError> {
        Ok(None)
    }
    /// Downloads snapshot `id`'s file to `to`; returns its size.
    fn download_snapshot(&self, id: &str, to: &std::path::Path) -> Result<u64, SyncError> {
        let _ = to;
        Err(SyncError::Protocol(format!(
            "this transport cannot download snapshot {id}"
        )))
    }
}

/// An event the server refused for good in this round (recorded in the store, not pushed
/// again).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refused {
    pub id: String,
    pub kind: &'static str,
    /// The server's HTTP status for it (413: too large for any push).
    pub status: u16,
    pub error: String,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Round {
    /// Outbox events the server acknowledged.
    pub pushed: u64,
    /// Outbox events the server refused for good this round.
    pub refused: Vec<Refused>,
    /// Events pulled that were new here.
    pub pulled: u64,
    /// Events still in the outbox.
    pub backlog: u64,
    /// The pull cursor after the round.
    pub cursor: i64,
    /// Why this round started over with the server (another server, or one that lost
    /// events): it pulled from 0 and pushed again this station's events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_over: Option<String>,
    /// The site the server says this station belongs to, "name (GLN)": it pulls that site's
    /// events only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The snapshot this new station started from, instead of pulling its site's whole
    /// history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined: Option<SnapshotMeta>,
    /// Why the server's snapshot was not used (the station pulled from the start instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_refused: Option<String>,
    /// Events whose content was pruned as old history after the round (`keep_history_days`).
    #[serde(skip_serializing_if = "is_zero")]
    pub history_pruned: u64,
    /// Why pruning old history after the round failed (it is tried again later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune_failed: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Progress for a progress bar: `(done, total)` of the push, then pulled counts.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Pushed { done: u64, total: u64 },
    Pulled { done: u64, more: bool },
}

/// One sync round: push the whole outbox, then pull until caught up. An altered event stops
/// the push, not the pull (a recall from the server must still arrive), and ends the round
/// with [`SyncError::Altered`].
pub fn sync_once(
    store: &mut Store,
    transport: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<Round, SyncError> {
    let mut round = Round::default();
    if store.is_new()? {
        join_from_snapshot(store, transport, &mut round)?;
    }
    round.started_over = bind_server(store, transport)?;
    let altered = push_outbox(store, transport, &mut round, progress)?;
    // The site the server named just now (bind_server): whose events are another site's.
    let site = store.site()?;
    round.site = site.as_ref().map(|(gln, name)| site_label(gln, name));
    let site = site.map(|(gln, _)| gln);
    let mut after = store.pull_cursor()?;
    let mut resp = transport.pull(after, PULL_BATCH)?;
    loop {
        if resp.next < after {
            return Err(SyncError::Protocol(format!(
                "the pull cursor went back from {after} to {}",
                resp.next
            )));
        }
        let more = resp.more && resp.next != after;
        let next = resp.next;
        let events: Vec<PulledEvent> = resp
            .events
            .into_iter()
            .map(|e| pulled_event(e, site.as_deref()))
            .collect();
        // While this page is applied, the next one is on its way: a station joining a site
        // waits for the server and for its own disk at once, not one after the other.
        let (applied, fetched) = std::thread::scope(|s| {
            let fetch = more.then(|| s.spawn(|| transport.pull(next, PULL_BATCH)));
            let applied = store.apply_pulled(&events, next);
            (
                applied,
                fetch.map(|f| f.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
            )
        });
        round.pulled += applied?;
        progress(Progress::Pulled {
            done: round.pulled,
            more,
        });
        match fetched {
            Some(page) => {
                resp = page?;
                after = next;
            }
            None => break,
        }
    }
    round.backlog = store.outbox_len()?;
    round.cursor = store.pull_cursor()?;
    match altered {
        Some(e) => Err(e),
        None => Ok(round),
    }
}

/// An event of a pull as the store records it; `site` is the puller's (GLN): an event of
/// another site counts for the lot, not for this site's stock.
pub(crate) fn pulled_event(e: ServerEvent, site: Option<&str>) -> PulledEvent {
    PulledEvent {
        id: e.event.id,
        at: e.event.at,
        station: e.event.station,
        actor: e.event.actor,
        event: e.event.event,
        pos: e.pos,
        signature: e.event.signature,
        other_site: e.site.is_some() && e.site.as_deref() != site,
    }
}

/// A new station starts from its site's newest snapshot, when the server has one, instead of
/// pulling the site's whole history: downloaded beside the store, checked and copied in
/// ([`Store::start_from_snapshot`]), then the pull goes on after its position. A snapshot that
/// cannot be used is said in the round, and the station pulls from the start as before.
fn join_from_snapshot(
    store: &mut Store,
    transport: &dyn Transport,
    round: &mut Round,
) -> Result<(), SyncError> {
    let Some(meta) = transport.snapshot()? else {
        return Ok(());
    };
    let file = store.file_path().map_or_else(
        || std::env::temp_dir().join(format!("lotline-snapshot-{}.db", meta.id)),
        |p| p.with_extension("snapshot"),
    );
    let _ = std::fs::remove_file(&file);
    let loaded = transport
        .download_snapshot(&meta.id, &file)
        .map(|_| store.start_from_snapshot(&file));
    let _ = std::fs::remove_file(&file);
    let refused = match loaded {
        Ok(Ok(info))
            if info.pos == meta.pos && info.hash == meta.hash && info.site == meta.site =>
        {
            round.joined = Some(meta);
            return Ok(());
        }
        // Loaded, but not what the server said it is: emptied again below.
        Ok(Ok(info)) => format!(
            "it holds position {} with hash {}, not {} with {} as the server said",
            info.pos, info.hash, meta.pos, meta.hash
        ),
        Ok(Err(e)) => e.to_string(),
        Err(e @ (SyncError::Unreachable { .. } | SyncError::Busy { .. })) => return Err(e),
        Err(e) => e.to_string(),
    };
    if !store.is_new()? {
        store.undo_snapshot().map_err(|e| match e {
            crate::store::SnapshotError::Store(e) => SyncError::Store(e),
            other => SyncError::Protocol(other.to_string()),
        })?;
    }
    round.snapshot_refused = Some(format!(
        "snapshot {} was not used ({refused}); pulling the site's events from the start",
        meta.id
    ));
    Ok(())
}

/// Ties the store's sync state to the server that answers, and starts over with it when it
/// is not the one the cursor belongs to (another id; no id recorded yet by a store that has
/// synced) or its order ends before what this station has seen of it (a restored backup).
/// Returns why it started over.
fn bind_server(store: &mut Store, transport: &dyn Transport) -> Result<Option<String>, SyncError> {
    // The furthest position seen is asked for by name before anything is sent: the station
    // does not yet know whose events are its own, so it asks about the cursor or, once the
    // server said, its own furthest acknowledgement (the next round checks that one).
    let cursor = store.pull_cursor()?;
    let Some(who) = transport.identity((cursor > 0).then_some(cursor))? else {
        return Ok(None);
    };
    // Another site (or none, or one for the first time): what this station pulls changed, so
    // it pulls again from the start what it now reads (events it holds are not recorded
    // twice). Its own events keep their positions.
    let moved = store.site()?.map(|(gln, _)| gln) != who.site.as_ref().map(|s| s.gln.clone());
    store.set_site(who.site.as_ref().map(|s| (s.gln.as_str(), s.name.as_str())))?;
    let seen = store.furthest_server_pos(&who.station)?;
    let expected = store.id_at_server_pos(cursor)?;
    let why = match store.sync_server_id()?.as_deref() {
        Some(id) if id != who.server_id => Some(format!(
            "the server is not the one this station synced with (server id {}, was {id})",
            who.server_id
        )),
        None if seen > 0 || store.outbox_position()? > 0 => Some(format!(
            "the server's id ({}) was not recorded with this station's cursor",
            who.server_id
        )),
        _ if who.head < seen => Some(format!(
            "the server's events end at position {} but this station has seen {seen}: it lost events (restored from a backup?)",
            who.head
        )),
        _ if expected.is_some() && who.id_at != expected => Some(format!(
            "the server holds another event at position {cursor} than this station has there: it lost events (restored from a backup?)"
        )),
        _ => None,
    };
    let unsendable = store.bind_server(&who.server_id, &who.station, why.is_some())?;
    if moved && why.is_none() {
        store.pull_again()?;
    }
    Ok(why.map(|why| match unsendable {
        0 => why,
        n => format!(
            "{why}; {n} of this station's events were pruned here as old history and cannot be sent again: if this server lacks them, restore them from the old server's database"
        ),
    }))
}

/// Room for the push envelope around the events (`{"events":[…],"backlog":N}`).
const ENVELOPE: usize = 64;

/// Pushes the outbox, oldest first, in batches the server takes. Returns the alteration that
/// stopped it, if one did.
fn push_outbox(
    store: &mut Store,
    transport: &dyn Transport,
    round: &mut Round,
    progress: &mut dyn FnMut(Progress),
) -> Result<Option<SyncError>, SyncError> {
    let total = store.outbox_len()?;
    let mut done = 0;
    loop {
        let mut batch = store.outbox_batch(PUSH_BATCH)?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            return Ok(None);
        };
        // The station vouches only for what its chain proves.
        let altered = match store.verify_range(first.seq, last.seq) {
            Ok(_) => None,
            Err(StoreError::ChainBroken { seq, reason }) => {
                let cut = batch
                    .iter()
                    .position(|e| e.seq >= seq)
                    .unwrap_or(batch.len());
                let id = batch.get(cut).filter(|e| e.seq == seq).map_or_else(
                    || format!("before {}", batch.get(cut).map_or("", |e| e.id.as_str())),
                    |e| e.id.clone(),
                );
                batch.truncate(cut);
                Some(SyncError::Altered { seq, id, reason })
            }
            Err(e) => return Err(e.into()),
        };
        // An event larger than any push the server takes is refused here, before it is
        // linked: the server never sees it, so it is not in the chain the server checks.
        // Each event is measured once, with room for its link.
        let mut fits = Vec::with_capacity(batch.len());
        let mut sizes = Vec::with_capacity(batch.len());
        for e in batch {
            let w = wire(e.clone(), None);
            let size = serde_json::to_vec(&w)
                .map_or(usize::MAX, |b| b.len() + 1)
                .saturating_add(LINK_SIZE);
            if size.saturating_add(ENVELOPE) > MAX_PUSH_BODY {
                let error = format!(
                    "the event is {size} bytes, more than any push the server takes ({MAX_PUSH_BODY} bytes)"
                );
                refuse(store, round, &w, 413, error)?;
            } else {
                fits.push(e);
                sizes.push(size);
            }
        }
        let links = store.link_for_push(&fits)?;
        let sized: Vec<(WireEvent, usize)> = fits
            .into_iter()
            .zip(links)
            .zip(sizes)
            .map(|((e, (prev, hash)), size)| (wire(e, Some(Link { prev, hash })), size))
            .collect();
        let mut start = 0;
        while start < sized.len() {
            let mut end = start;
            let mut bytes = ENVELOPE;
            while end < sized.len() && (end == start || bytes + sized[end].1 <= PUSH_BATCH_BYTES) {
                bytes = bytes.saturating_add(sized[end].1);
                end += 1;
            }
            let sent = end - start;
            // What will still wait after this push (the station list shows it).
            let backlog = store.outbox_len()?.saturating_sub(sent as u64);
            push_part(store, transport, &sized[start..end], backlog, round)?;
            done += sent as u64;
            progress(Progress::Pushed { done, total });
            start = end;
        }
        if altered.is_some() {
            return Ok(altered);
        }
    }
}

/// Room a link takes in an event's JSON (`,"link":{"prev":"…","hash":"…"}`: 157 bytes with
/// its two 64-digit hashes).
const LINK_SIZE: usize = 160;

fn wire(e: RecordedEvent, link: Option<Link>) -> WireEvent {
    WireEvent {
        id: e.id,
        at: e.at,
        station: e.station,
        actor: e.actor,
        event: e.event,
        signature: e.signature,
        link,
    }
}

/// A refusal of the whole request that is about what it carries (invalid, conflicting, too
/// large), not about the station's token or the server's health: the events are looked at
/// one by one.
fn content_refusal(status: u16) -> bool {
    matches!(status, 400 | 409 | 413 | 422)
}

/// Pushes `events` and records the answer: acknowledged, or refused for good. When the server
/// refuses the whole request for its content (a server without per-event answers, or a body
/// it finds too large), the halves are pushed apart until the refused event stands alone and is
/// recorded as refused, so it never blocks the others.
fn push_part(
    store: &mut Store,
    transport: &dyn Transport,
    events: &[(WireEvent, usize)],
    backlog: u64,
    round: &mut Round,
) -> Result<(), SyncError> {
    let req = PushRequest {
        events: events.iter().map(|(e, _)| e.clone()).collect(),
        backlog,
    };
    match transport.push(&req) {
        Ok(resp) => {
            check_answer(&req, &resp)?;
            let acked: Vec<(String, i64)> = resp.acked.into_iter().map(|a| (a.id, a.pos)).collect();
            let refused: Vec<(String, u16, String)> = resp
                .refused
                .into_iter()
                .map(|r| (r.id, r.status, r.error))
                .collect();
            round.pushed += acked.len() as u64;
            for (id, status, error) in &refused {
                if let Some(e) = req.events.iter().find(|e| &e.id == id) {
                    round.refused.push(Refused {
                        id: id.clone(),
                        kind: e.event.name(),
                        status: *status,
                        error: error.clone(),
                    });
                }
            }
            store.settle_push(&acked, &refused)?;
            Ok(())
        }
        Err(SyncError::ServerRefused { status, error, .. }) if content_refusal(status) => {
            match events {
                [(e, _)] => refuse(store, round, e, status, error),
                _ => {
                    let (a, b) = events.split_at(events.len() / 2);
                    push_part(store, transport, a, backlog, round)?;
                    push_part(store, transport, b, backlog, round)
                }
            }
        }
        Err(e) => Err(e),
    }
}

/// Records that the server refused `e` for good.
fn refuse(
    store: &mut Store,
    round: &mut Round,
    e: &WireEvent,
    status: u16,
    error: String,
) -> Result<(), SyncError> {
    store.settle_push(&[], &[(e.id.clone(), status, error.clone())])?;
    round.refused.push(Refused {
        id: e.id.clone(),
        kind: e.event.name(),
        status,
        error,
    });
    Ok(())
}

/// The server must answer for every event of the batch, and only for them: each acknowledged
/// or refused.
fn check_answer(req: &PushRequest, resp: &PushResponse) -> Result<(), SyncError> {
    let sent: std::collections::BTreeSet<&str> = req.events.iter().map(|e| e.id.as_str()).collect();
    let got: std::collections::BTreeSet<&str> = resp
        .acked
        .iter()
        .map(|a| a.id.as_str())
        .chain(resp.refused.iter().map(|r| r.id.as_str()))
        .collect();
    if sent != got {
        return Err(SyncError::Protocol(format!(
            "the push answer covers {} of the {} events sent",
            sent.intersection(&got).count(),
            sent.len()
        )));
    }
    Ok(())
}

/// The `/api/v1` API over HTTP(S).
pub struct HttpTransport {
    /// The agent, or why none can be made (a CA file that cannot be read, an http:// URL with
    /// a CA): every request then fails with that, and the round says so.
    agent: Result<ureq::Agent, (String, Option<String>)>,
    base: String,
    token: String,
}

impl HttpTransport {
    /// `server` is the base URL (`https://host:8443`); requests time out after `timeout`.
    /// With `ca`, the server's certificate must chain to that CA (PEM) and nothing else, and
    /// the URL must be `https://`; without, `https://` URLs are checked against the public
    /// roots.
    pub fn new(
        server: &str,
        token: &str,
        timeout: Duration,
        ca: Option<&std::path::Path>,
    ) -> HttpTransport {
        let agent = tls_config(server, ca).map(|tls| {
            ureq::Agent::config_builder()
                .timeout_global(Some(timeout))
                .http_status_as_error(false)
                .tls_config(tls)
                .build()
                .into()
        });
        HttpTransport {
            agent,
            base: format!("{}{PREFIX}", server.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    fn agent(&self) -> Result<&ureq::Agent, SyncError> {
        self.agent.as_ref().map_err(|(what, reason)| match reason {
            Some(reason) => SyncError::CaCert {
                path: what.clone(),
                reason: reason.clone(),
            },
            None => SyncError::NotHttpsUrl {
                server: what.clone(),
            },
        })
    }

    /// What a failed request means: a server that could not prove who it is, one that does
    /// not speak TLS, or one that cannot be reached.
    fn net_error(&self, e: ureq::Error) -> SyncError {
        let server = self.base.clone();
        // ureq hands rustls' handshake errors on inside an I/O error.
        let tls = match &e {
            ureq::Error::Rustls(t) => Some(t),
            ureq::Error::Io(io) => io.get_ref().and_then(|i| i.downcast_ref()),
            _ => None,
        };
        match tls {
            Some(
                t @ (rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType),
            ) => SyncError::Untrusted {
                server,
                reason: t.to_string(),
            },
            Some(
                t @ (rustls::Error::InvalidMessage(_)
                | rustls::Error::InappropriateMessage { .. }
                | rustls::Error::InappropriateHandshakeMessage { .. }),
            ) => SyncError::NotTls {
                server,
                reason: t.to_string(),
            },
            _ => SyncError::Unreachable {
                server,
                reason: e.to_string(),
            },
        }
    }

    fn answer<T: serde::de::DeserializeOwned>(
        &self,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, SyncError> {
        let net = |e: ureq::Error| self.net_error(e);
        let mut resp = resp.map_err(net)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        let body = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(net)?;
        if status >= 400 {
            let e: ErrorBody = serde_json::from_slice(&body).unwrap_or_else(|_| ErrorBody {
                error: String::from_utf8_lossy(&body).chars().take(200).collect(),
                hint: "is this a Lotline server?".into(),
            });
            return Err(SyncError::refused(status, e, retry_after));
        }
        serde_json::from_slice(&body).map_err(|e| SyncError::Protocol(e.to_string()))
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// Every event the server holds of a lot, in its order (`GET /lots/{gtin}/{batch}/events`):
    /// the lot's whole history, for a station that pruned its own. `None`: the server has no
    /// such lot.
    pub fn lot_history(
        &self,
        gtin: &str,
        batch: &str,
    ) -> Result<Option<Vec<ServerEvent>>, SyncError> {
        let url = format!(
            "{}/lots/{}/{}/events",
            self.base,
            path_segment(gtin),
            path_segment(batch)
        );
        let answer: Result<crate::protocol::LotEvents, SyncError> = self.answer(
            self.agent()?
                .get(url)
                .header("Authorization", self.auth())
                .call(),
        );
        match answer {
            Ok(lot) => Ok(Some(lot.events)),
            // A route it does not know (a server older than this call) is no answer.
            Err(SyncError::ServerRefused {
                status: 404, error, ..
            }) if error != "no such route" => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A value as one segment of a URL path: a GS1 batch may hold `/`, `%`, `?` or `#`.
fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `Retry-After` header's pause: whole seconds (the form a Lotline server sends; the
/// HTTP-date form is not used by it and is ignored).
fn retry_after(value: &str) -> Option<Duration> {
    value.trim().parse().ok().map(Duration::from_secs)
}

/// The TLS set-up for `server`: with a CA file, that CA as the only root (and `https://`
/// required); else the public roots. The error is (URL or CA path, why) as
/// [`HttpTransport::agent`] reports it.
fn tls_config(
    server: &str,
    ca: Option<&std::path::Path>,
) -> Result<ureq::tls::TlsConfig, (String, Option<String>)> {
    let tls = ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::Rustls);
    let Some(ca) = ca else {
        return Ok(tls.build());
    };
    if !server
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        return Err((server.to_string(), None));
    }
    let bad = |reason: String| (ca.display().to_string(), Some(reason));
    let pem = std::fs::read(ca).map_err(|e| bad(e.to_string()))?;
    let roots: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if roots.is_empty() {
        return Err(bad("no certificate in the file".into()));
    }
    Ok(tls
        .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
        .build())
}

impl Transport for HttpTransport {
    fn identity(&self, at: Option<i64>) -> Result<Option<ServerIdentity>, SyncError> {
        let mut req = self
            .agent()?
            .get(format!("{}/sync/server", self.base))
            .header("Authorization", self.auth());
        if let Some(at) = at {
            req = req.query("at", at.to_string());
        }
        let answer = self.answer(req.call());
        match answer {
            Ok(who) => Ok(Some(who)),
            // A server from before identities: nothing to tie the cursor to.
            Err(SyncError::ServerRefused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let body = serde_json::to_vec(req).expect("requests serialise");
        self.answer(
            self.agent()?
                .post(format!("{}/sync/push", self.base))
                .query("per_event", "true")
                .header("Authorization", self.auth())
                .header("Content-Type", "application/json")
                .send(&body[..]),
        )
    }

    fn pull(&self, after: i64, limit: usize) -> Result<PullResponse, SyncError> {
        self.answer(
            self.agent()?
                .get(format!("{}/sync/pull", self.base))
                .query("after", after.to_string())
                .query("limit", limit.to_string())
                .header("Authorization", self.auth())
                .call(),
        )
    }

    fn snapshot(&self) -> Result<Option<SnapshotMeta>, SyncError> {
        let answer = self.answer(
            self.agent()?
                .get(format!("{}/sync/snapshot", self.base))
                .header("Authorization", self.auth())
                .call(),
        );
        match answer {
            Ok(meta) => Ok(Some(meta)),
            // None of its site yet, or a server from before snapshots: pull from the start.
            Err(SyncError::ServerRefused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn download_snapshot(&self, id: &str, to: &std::path::Path) -> Result<u64, SyncError> {
        let agent = self.agent()?;
        // A snapshot may take longer than a request's time to arrive: the request's timeout
        // holds for the answer's start and for each read, not for the whole body.
        let timeout = agent.config().timeouts().global;
        let resp = agent
            .get(format!("{}/sync/snapshot/{id}", self.base))
            .header("Authorization", self.auth())
            .config()
            .timeout_global(None)
            .timeout_connect(timeout)
            .timeout_recv_response(timeout)
            .timeout_per_read(timeout)
            .build()
            .call();
        let mut resp = resp.map_err(|e| self.net_error(e))?;
        if resp.status().as_u16() >= 400 {
            return Err(self
                .answer::<serde_json::Value>(Ok(resp))
                .expect_err("a refusal"));
        }
        let Some(expected) = resp.body().content_length() else {
            return Err(SyncError::Protocol(format!(
                "snapshot {id} came without its length (Content-Length)"
            )));
        };
        let file_error = |source| {
            SyncError::Store(StoreError::File {
                path: to.to_path_buf(),
                source,
            })
        };
        let copied = std::fs::File::create(to).map_err(file_error).and_then(|mut file| {
            let mut body = resp.body_mut().as_reader();
            let mut buf = vec![0; 256 * 1024];
            let mut got = 0u64;
            loop {
                let n = match std::io::Read::read(&mut body, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        return Err(SyncError::Unreachable {
                            server: self.base.clone(),
                            reason: format!(
                                "the download of snapshot {id} broke off after {got} of {expected} bytes ({e})"
                            ),
                        });
                    }
                };
                std::io::Write::write_all(&mut file, &buf[..n]).map_err(file_error)?;
                got += n as u64;
            }
            if got != expected {
                return Err(SyncError::Unreachable {
                    server: self.base.clone(),
                    reason: format!(
                        "the download of snapshot {id} ended after {got} of {expected} bytes"
                    ),
                });
            }
            file.sync_all().map_err(file_error)?;
            Ok(got)
        });
        if copied.is_err() {
            // A part of a snapshot is no snapshot.
            let _ = std::fs::remove_file(to);
        }
        copied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_token_says_what_to_do() {
        let e = SyncError::refused(
            401,
            ErrorBody {
                error: "the token is not known to this server".into(),
                hint: "ask an admin for a new token (`lotline server token create`)".into(),
            },
            None,
        );
        assert!(matches!(e, SyncError::TokenRefused { .. }), "{e:?}");
        assert!(!e.is_transient());
        let text = e.to_string();
        assert!(text.contains("refused this station's token"), "{text}");
        assert!(text.contains("not known to this server"), "{text}");
        assert!(text.contains("token create"), "{text}");
        assert!(text.contains("[sync]"), "{text}");
    }

    #[test]
    fn refusals_are_told_apart_by_status() {
        let body = || ErrorBody {
            error: "no".into(),
            hint: "wait".into(),
        };
        assert!(matches!(
            SyncError::refused(403, body(), None),
            SyncError::NotAStationToken { .. }
        ));
        let busy = SyncError::refused(503, body(), None);
        assert!(matches!(busy, SyncError::ServerRefused { status: 503, .. }));
        assert!(busy.is_transient());
        assert!(!SyncError::refused(413, body(), None).is_transient());
        let overloaded = SyncError::refused(429, body(), retry_after(" 7"));
        assert!(
            matches!(overloaded, SyncError::Busy { retry_after: Some(d), .. } if d.as_secs() == 7),
            "{overloaded:?}"
        );
        assert!(overloaded.is_transient());
        assert!(overloaded.to_string().contains("wait 7 s"), "{overloaded}");
        // A date instead of seconds is not understood: the station's own backoff applies.
        assert_eq!(retry_after("Wed, 21 Oct 2026 07:28:00 GMT"), None);
    }
}
