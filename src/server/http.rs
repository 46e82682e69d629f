//! The HTTP layer: routes under `/api/v1`, the bearer-token check and role of each route,
//! the body size limits, what a push must be to be stored, JSON errors (`{"error": …,
//! "hint": …}`) for every refusal, and a log line per request.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, MatchedPath, Path, Query, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::Backpressure;
use super::auth::{self, Caller, CheckError};
use super::db::SNAPSHOT_CHUNK;
use super::db::{ChainStep, DbError, NewEvent, ServerStore};
use super::feed;
use super::people as server_people;
use super::snapshot;
use super::views::{self, StatusError};
use crate::domain::trace::{Direction, LotRef};
use crate::domain::validate;
use crate::domain::{EventKind, LotStatus};
use crate::people::created_released;
use crate::protocol::LotEvents;
use crate::protocol::{
    self, ErrorBody, IdentityQuery, MAX_BODY, MAX_PUSH_BODY, MAX_PUSH_EVENTS, NewToken,
    PullResponse, PushQuery, PushResponse, RefusedEvent, ServerIdentity, SiteInfo, SnapshotMeta,
    StatusChange, TokenRequest, TokenRole, WireEvent,
};

/// The OpenAPI document, as kept in the repository.
pub const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// Every route: method and path (under [`protocol::PREFIX`]). docs/openapi.json documents each
/// (a test checks both ways).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/health"),
    ("get", "/openapi.json"),
    ("post", "/sync/push"),
    ("get", "/sync/pull"),
    ("get", "/sync/snapshot"),
    ("get", "/sync/snapshot/{id}"),
    ("get", "/sync/server"),
    ("get", "/events"),
    ("get", "/lots/{gtin}/{batch}"),
    ("get", "/lots/{gtin}/{batch}/events"),
    ("post", "/lots/{gtin}/{batch}/status"),
    ("get", "/trace/{gtin}/{batch}"),
    ("get", "/expiry"),
    ("get", "/recalls"),
    ("get", "/stations"),
    ("get", "/sites"),
    ("post", "/sites"),
    ("get", "/tokens"),
    ("post", "/tokens"),
    ("delete", "/tokens/{id}"),
];

type Db = Arc<dyn ServerStore>;

/// The API's router over a database. Past `limits.max_in_flight` pushes and pulls at once, the
/// next is answered 429 with `Retry-After` before its body is read or its token checked.
pub fn router(db: Db, limits: Backpressure) -> Router {
    let in_flight = Arc::new(tokio::sync::Semaphore::new(limits.max_in_flight.max(1)));
    let shed = tower::ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(
            |_: tower::BoxError| async {
                ApiError::busy("it is serving as many pushes and pulls as it takes at once")
            },
        ))
        .load_shed()
        .layer(tower::limit::GlobalConcurrencyLimitLayer::with_semaphore(
            in_flight,
        ));
    let sync = Router::new()
        .route(
            "/sync/push",
            post(push).layer(DefaultBodyLimit::max(MAX_PUSH_BODY)),
        )
        .route("/sync/pull", get(pull))
        .route("/sync/snapshot", get(latest_snapshot))
        .route("/sync/snapshot/{id}", get(snapshot_file))
        .route_layer(shed);
    let v1 = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .merge(sync)
        .route("/sync/server", get(identity))
        .route("/events", get(events))
        .route("/lots/{gtin}/{batch}", get(lot))
        .route("/lots/{gtin}/{batch}/events", get(lot_events))
        .route("/lots/{gtin}/{batch}/status", post(change_status))
        .route("/trace/{gtin}/{batch}", get(trace))
        .route("/expiry", get(expiry))
        .route("/recalls", get(recalls))
        .route("/stations", get(stations))
        .route("/sites", get(sites).post(put_site))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route_layer(axum::middleware::from_fn(note_route));
    Router::new()
        .nest(protocol::PREFIX, v1)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(refuse_declared_oversize))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(db)
}

/// What the request log says of a request beyond its method and status: the route pattern
/// (never the path, which holds lot numbers and token ids) and the station of the token.
/// Filled in as the request is routed and its token checked.
#[derive(Clone, Default)]
struct LogNote(Arc<Mutex<(Option<String>, Option<String>)>>);

impl LogNote {
    fn set(parts: &axum::http::Extensions, f: impl FnOnce(&mut (Option<String>, Option<String>))) {
        if let Some(note) = parts.get::<LogNote>() {
            f(&mut note.0.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }
}

/// Logs every request (tracing, `info`): method, route, status, station, latency.
async fn log_request(mut req: Request, next: axum::middleware::Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let note = LogNote::default();
    req.extensions_mut().insert(note.clone());
    let resp = next.run(req).await;
    let (route, station) = note.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    tracing::info!(
        method = %method,
        route = %route.as_deref().unwrap_or("(none)"),
        status = resp.status().as_u16(),
        station = %station.as_deref().unwrap_or("-"),
        latency_ms = format_args!("{:.1}", start.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    resp
}

/// Notes the matched route pattern for the request log (runs once a route matched).
async fn note_route(req: Request, next: axum::middleware::Next) -> Response {
    if let Some(path) = req.extensions().get::<MatchedPath>() {
        let path = path.as_str().to_string();
        LogNote::set(req.extensions(), |n| n.0 = Some(path));
    }
    next.run(req).await
}

/// A refusal or failure, answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    /// Seconds for `Retry-After` (an overloaded server's 429).
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                hint: hint.into(),
            },
            retry_after: None,
        }
    }

    /// 429: the server is overloaded (`why`); nothing of the request was done.
    fn busy(why: impl std::fmt::Display) -> ApiError {
        let secs = Backpressure::RETRY_AFTER_SECS;
        ApiError {
            retry_after: Some(secs),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("the server is busy: {why}; nothing of this request was done"),
                format!(
                    "send it again after {secs} s (Retry-After); stations wait and retry by themselves"
                ),
            )
        }
    }

    fn bad(error: impl Into<String>, hint: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error, hint)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        if let DbError::Busy(why) = e {
            return ApiError::busy(why);
        }
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            e.to_string(),
            "the server's database is unavailable; retry later (stations retry by themselves)",
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(e: PathRejection) -> ApiError {
        ApiError::bad(e.body_text(), "see /api/v1/openapi.json for the paths")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> ApiError {
        ApiError::bad(
            e.body_text(),
            "see /api/v1/openapi.json for the query parameters",
        )
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The caller, from `Authorization: Bearer …`.
impl FromRequestParts<Db> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, db: &Db) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        match auth::check(db.as_ref(), token).await {
            Ok(c) => {
                LogNote::set(&parts.extensions, |n| n.1 = Some(c.station.clone()));
                Ok(c)
            }
            Err(CheckError::Refused(r)) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                r.to_string(),
                r.hint(),
            )),
            Err(CheckError::Db(e)) => Err(e.into()),
        }
    }
}

impl Caller {
    fn require(&self, role: TokenRole) -> Result<(), ApiError> {
        if self.role >= role {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "this needs the {} role; the token of {} has the {} role",
                role.name(),
                self.station,
                self.role.name()
            ),
            "use a token with that role (an admin creates one with `lotline server token create --role …`)",
        ))
    }
}

/// A JSON body within the size limit, refused with a JSON 413/400 otherwise.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Body<T>, ApiError> {
        let limit = body_limit(req.uri().path());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(limit)
            } else {
                ApiError::bad(e.body_text(), "send the request again")
            }
        })?;
        serde_json::from_slice(&bytes).map(Body).map_err(|e| {
            ApiError::bad(
                format!("the request body is not valid JSON for this call: {e}"),
                "see /api/v1/openapi.json for the body this call takes",
            )
        })
    }
}

/// The body limit of a path: a push may carry large events (see [`MAX_PUSH_BODY`]).
fn body_limit(path: &str) -> usize {
    match path.strip_prefix(protocol::PREFIX) {
        Some("/sync/push") => MAX_PUSH_BODY,
        _ => MAX_BODY,
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {limit} bytes"),
        format!("send smaller batches (at most {MAX_PUSH_EVENTS} events per push)"),
    )
}

/// A body whose declared length is over the limit is refused before a byte of it is read
/// (one without a length is cut at the limit by [`Body`]).
async fn refuse_declared_oversize(req: Request, next: axum::middleware::Next) -> Response {
    let limit = body_limit(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit).into_response();
    }
    next.run(req).await
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no such route",
        "the API is under /api/v1; see /api/v1/openapi.json",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not take that method",
        "see /api/v1/openapi.json",
    )
}

async fn health(State(db): State<Db>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "ok": true,
        "version": env!("CARGO_PKG_VERSION"),
        "server_id": db.server_id(),
    }))
}

/// Who the server is and how far its order goes (a station checks it before each round).
async fn identity(
    State(db): State<Db>,
    caller: Caller,
    q: Result<Query<IdentityQuery>, QueryRejection>,
) -> ApiResult<ServerIdentity> {
    caller.require(TokenRole::Station)?;
    let Query(q) = q?;
    let id_at = match q.at {
        Some(pos) => db.id_at(pos).await?,
        None => None,
    };
    let site = match &caller.site {
        Some(gln) => db.sites().await?.into_iter().find(|s| &s.gln == gln),
        None => None,
    };
    Ok(Json(ServerIdentity {
        server_id: db.server_id().to_string(),
        head: db.head().await?,
        station: caller.station,
        id_at,
        site,
    }))
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

/// A push as read: each event stays JSON until it is checked alone, so one the server cannot
/// read is refused by itself instead of failing the whole body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPush {
    events: Vec<serde_json::Value>,
    #[serde(default)]
    backlog: u64,
}

/// Why one pushed event is not stored.
struct Refusal {
    status: StatusCode,
    error: String,
}

fn refuse(status: StatusCode, error: impl Into<String>) -> Refusal {
    Refusal {
        status,
        error: error.into(),
    }
}

/// A pushed event as this server reads it (an event kind it knows, no unknown fields).
fn decode_event(raw: serde_json::Value) -> Result<WireEvent, Refusal> {
    serde_json::from_value(raw).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            format!("it is not an event this server knows: {e}"),
        )
    })
}

/// What a pushed event must be to be stored: a canonical id, a sane time, the pushing token's
/// own station, an actor, and content that passes the check the station made before recording
/// it ([`crate::domain::EventKind::validate`]).
fn check_event(caller: &Caller, w: &WireEvent) -> Result<(), Refusal> {
    let bad = |e: String| refuse(StatusCode::BAD_REQUEST, e);
    // The id is the event's identity: one spelling only (lowercase, hyphenated, as stations
    // make them), so `{…}`, `urn:uuid:…` or upper case cannot store one event twice.
    if uuid::Uuid::parse_str(&w.id).map(|u| u.hyphenated().to_string()) != Ok(w.id.clone()) {
        return Err(bad(format!(
            "its id {:?} is not a UUID as stations write it (lowercase, hyphenated)",
            w.id
        )));
    }
    validate::time("at", &w.at).map_err(|e| bad(e.to_string()))?;
    if w.station != caller.station {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            format!(
                "it is labelled station {:?}; this token pushes station {:?}'s events only",
                w.station, caller.station
            ),
        ));
    }
    validate::text("actor", &w.actor).map_err(|e| bad(e.to_string()))?;
    w.event.validate().map_err(|e| bad(e.to_string()))?;
    Ok(())
}

/// Why a pushed event's chain link cannot be taken, if it cannot.
fn link_problem(w: &WireEvent, payload: &str) -> Option<&'static str> {
    match &w.link {
        None => Some(
            "it carries no chain link (`link`): stations from before chains must be updated to push",
        ),
        Some(l) if !l.fits(w, payload) => {
            Some("its chain link does not match the event (altered after it was linked?)")
        }
        Some(_) => None,
    }
}

async fn push(
    State(db): State<Db>,
    caller: Caller,
    q: Result<Query<PushQuery>, QueryRejection>,
    Body(req): Body<RawPush>,
) -> ApiResult<PushResponse> {
    caller.require(TokenRole::Station)?;
    let Query(q) = q?;
    if req.events.len() > MAX_PUSH_EVENTS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} events in one push; at most {MAX_PUSH_EVENTS}",
                req.events.len()
            ),
            "split the outbox into smaller batches",
        ));
    }
    // Every event is checked before anything is written.
    let mut refused = Vec::new();
    let mut rows = Vec::with_capacity(req.events.len());
    let mut index_of = Vec::with_capacity(req.events.len());
    // The events with a good link, in the push's order: the station's chain, refused or not.
    let mut chain = Vec::with_capacity(req.events.len());
    let mut chain_index = Vec::with_capacity(req.events.len());
    // Who may sign what, read once a push; the status products' lots arrive in, read once for
    // the products this push creates released lots of (and as registered earlier in it).
    let mut people = None;
    let mut receive_as: HashMap<String, Option<LotStatus>> = HashMap::new();
    // Lots' statuses as this push leaves them so far, for a decision's `from`.
    let mut statuses = PushStatuses::default();
    let decoded: Vec<(String, Result<WireEvent, Refusal>)> = req
        .events
        .into_iter()
        .map(|raw| {
            let id = raw["id"].as_str().unwrap_or_default().to_string();
            (id, decode_event(raw))
        })
        .collect();
    // The products whose lots this push creates released, read at once.
    let released_of: BTreeSet<String> = decoded
        .iter()
        .filter_map(|(_, w)| w.as_ref().ok())
        .filter_map(|w| created_released(&w.event))
        .map(str::to_string)
        .collect();
    if !released_of.is_empty() {
        receive_as =
            server_people::receive_as(db.as_ref(), released_of.into_iter().collect()).await?;
    }
    for (index, (id, decoded)) in decoded.into_iter().enumerate() {
        let (link, checked) = match decoded {
            Err(r) => (None, Err(r)),
            Ok(w) => {
                let mut checked = check_event(&caller, &w);
                if checked.is_ok() {
                    if people.is_none() {
                        people = Some(server_people::people(db.as_ref()).await?);
                    }
                    let people = people.as_ref().expect("just read");
                    checked = server_people::authorise(&w, people, |gtin| {
                        receive_as.get(gtin).copied().flatten() == Some(LotStatus::Released)
                    })
                    .map_err(|e| refuse(StatusCode::FORBIDDEN, e));
                }
                if checked.is_ok() {
                    checked = statuses.check(db.as_ref(), &w.event).await?;
                }
                // A refused event with a good link is still in the station's chain.
                // Written once: for the link, and as what is stored.
                let payload = serde_json::to_string(&w.event).expect("events serialise");
                let problem = link_problem(&w, &payload);
                if let Some(why) = problem
                    && checked.is_ok()
                {
                    checked = Err(refuse(StatusCode::BAD_REQUEST, why));
                }
                let link = w.link.clone().filter(|_| problem.is_none());
                (link, checked.map(|()| (w, payload)))
            }
        };
        let row = match checked {
            Ok((w, payload)) => {
                statuses.note(&w.event);
                if let EventKind::ProductRegistered {
                    gtin,
                    receive_as: r,
                    ..
                } = &w.event
                {
                    receive_as.insert(gtin.clone(), Some(*r));
                }
                rows.push(
                    NewEvent::with_payload(&w, Some(&caller.station), payload)
                        .at_site(caller.site.as_deref()),
                );
                index_of.push(index);
                Ok(rows.len() - 1)
            }
            Err(r) => {
                let row = Err((r.status.as_u16(), r.error.clone()));
                refused.push(RefusedEvent {
                    index,
                    id: id.clone(),
                    status: r.status.as_u16(),
                    error: r.error,
                });
                row
            }
        };
        if let Some(link) = link {
            chain.push(ChainStep { id, link, row });
            chain_index.push(index);
        }
        if !q.per_event && !refused.is_empty() {
            return Err(whole_batch(&refused[0]));
        }
    }
    let backlog = req.backlog.min(i64::MAX as u64);
    let ingested = db
        .ingest(Some(&caller.station), backlog, &rows, &chain, !q.per_event)
        .await?;
    if let Some(b) = ingested.chain_break {
        let station = &caller.station;
        return Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!(
                "event {} ({}) does not continue station {station}'s chain at this server: it \
                 follows link {}, but the last link this server holds of {station} is {}; \
                 nothing of this push was stored",
                chain_index[b.step],
                b.id,
                short(&b.prev),
                short(&b.head)
            ),
            format!(
                "the station's history forks from what it pushed before (its store replaced \
                 or restored from a backup after it synced?): check it, then `lotline server \
                 chain reset {station}` lets it start a new chain"
            ),
        ));
    }
    for i in ingested.conflicts {
        let row = &rows[i];
        refused.push(RefusedEvent {
            index: index_of[i],
            id: row.id.clone(),
            status: StatusCode::CONFLICT.as_u16(),
            error: "the server holds an event with this id and other content".into(),
        });
    }
    if !q.per_event
        && let Some(first) = refused.first()
    {
        return Err(whole_batch(first));
    }
    refused.sort_by_key(|r| r.index);
    Ok(Json(PushResponse {
        acked: ingested.acked,
        stored: ingested.stored,
        refused,
    }))
}

/// The statuses of the lots a push changes, as the server holds them and as the push's earlier
/// events leave them: a supervisor's decision is taken only from the status it was made on.
#[derive(Default)]
struct PushStatuses {
    /// Status after this push's changes so far.
    changed: HashMap<(String, String), LotStatus>,
    /// Status a lot this push creates starts in (when the server holds none of it).
    created: HashMap<(String, String), LotStatus>,
}

impl PushStatuses {
    /// A supervisor's status change whose `from` is not the lot's status here (changed since
    /// the decision was made: a hold at another station, a recall) is refused with 409, so a
    /// release signed for a quarantined lot never lifts a hold the supervisor did not see.
    async fn check(
        &mut self,
        db: &dyn ServerStore,
        event: &EventKind,
    ) -> Result<Result<(), Refusal>, ApiError> {
        let EventKind::LotStatusChanged {
            gtin, batch, from, ..
        } = event
        else {
            return Ok(Ok(()));
        };
        if !crate::people::needs_supervisor(event) {
            return Ok(Ok(()));
        }
        let key = (gtin.clone(), batch.clone());
        let now = match self.changed.get(&key) {
            Some(s) => Some(*s),
            None => {
                let lot = crate::domain::trace::LotRef {
                    gtin: gtin.clone(),
                    batch: batch.clone(),
                };
                match views::lot(db, &lot).await? {
                    Some(state) => Some(state.status),
                    None => self.created.get(&key).copied(),
                }
            }
        };
        Ok(match now {
            Some(now) if now != *from => Err(refuse(
                StatusCode::CONFLICT,
                format!(
                    "lot {gtin} / {batch} is {} at the server, not {} as when this decision was \
                     made (changed since at another station or the server): decide again",
                    now.name().replace('_', " "),
                    from.name().replace('_', " ")
                ),
            )),
            _ => Ok(()),
        })
    }

    /// Notes an accepted event's effect on its lot's status.
    fn note(&mut self, event: &EventKind) {
        match event {
            EventKind::LotStatusChanged {
                gtin, batch, to, ..
            } => {
                self.changed.insert((gtin.clone(), batch.clone()), *to);
            }
            EventKind::LotReceived {
                gtin,
                batch,
                status,
                ..
            }
            | EventKind::BatchProduced {
                gtin,
                batch,
                status,
                ..
            } => {
                self.created
                    .entry((gtin.clone(), batch.clone()))
                    .or_insert(*status);
            }
            _ => {}
        }
    }
}

/// The first 12 digits of a link, enough to tell links apart in a message.
fn short(link: &str) -> &str {
    link.get(..12).unwrap_or(link)
}

/// A push without `per_event` is all or nothing: its first refused event refuses it.
fn whole_batch(r: &RefusedEvent) -> ApiError {
    ApiError::new(
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
        format!(
            "event {} ({}) of the batch is refused: {}",
            r.index, r.id, r.error
        ),
        "nothing of this batch was stored; POST /sync/push?per_event=true stores the other \
         events and answers for each",
    )
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<usize>,
}

async fn pull(
    State(db): State<Db>,
    caller: Caller,
    q: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<PullResponse> {
    caller.require(TokenRole::Station)?;
    let Query(q) = q?;
    // A station of a site pulls its site's feed, not the whole company's events; never what it
    // pushed itself.
    let page = feed::pull_page(
        db.as_ref(),
        caller.site.as_deref(),
        q.after,
        feed::page_limit(q.limit),
        Some(&caller.station),
    )
    .await?;
    db.note_pull(&caller.station, q.after).await?;
    Ok(Json(page))
}

/// The newest snapshot of the caller's site (for a token without a site, the one of every
/// site): what a new station starts from before it pulls the events after it.
async fn latest_snapshot(State(db): State<Db>, caller: Caller) -> ApiResult<SnapshotMeta> {
    caller.require(TokenRole::Station)?;
    match db.latest_snapshot(caller.site.as_deref()).await? {
        Some(meta) => Ok(Json(meta)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "this server has no snapshot of {} yet",
                snapshot::site_name(caller.site.as_deref())
            ),
            "a new station pulls its site's events from the start instead (nothing to do); \
             an admin makes snapshots with `lotline server snapshot` (docs/server.md, \"Snapshots\")",
        )),
    }
}

/// A snapshot's file, streamed chunk by chunk from the database with its length; only to a
/// station of the snapshot's site (another site's is not found, as if it did not exist).
async fn snapshot_file(
    State(db): State<Db>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    caller.require(TokenRole::Station)?;
    let Path(id) = id?;
    let meta = db
        .snapshot(&id)
        .await?
        .filter(|m| m.site == caller.site)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "no snapshot {id} of {} at this server",
                    snapshot::site_name(caller.site.as_deref())
                ),
                "ask for the newest one (GET /api/v1/sync/snapshot): an older one is dropped \
                 once two newer ones are made",
            )
        })?;
    let (size, id) = (meta.size, meta.id);
    let chunks = size.div_ceil(SNAPSHOT_CHUNK as u64) as i64;
    // One chunk in memory at a time. A chunk gone meanwhile (the snapshot dropped by newer
    // ones) or a failing database ends the body short of its length: the station sees a cut
    // download and does not use it.
    let body = futures_util::stream::unfold(0i64, move |n| {
        let (db, id) = (db.clone(), id.clone());
        async move {
            if n >= chunks {
                return None;
            }
            let chunk = match db.snapshot_chunk(&id, n).await {
                Ok(Some(data)) => Ok(Bytes::from(data)),
                Ok(None) => Err(std::io::Error::other(format!(
                    "chunk {n} of snapshot {id} is gone (dropped by a newer snapshot)"
                ))),
                Err(e) => Err(std::io::Error::other(e.to_string())),
            };
            if let Err(e) = &chunk {
                tracing::warn!(snapshot = %id, "a snapshot download was cut: {e}");
            }
            let next = if chunk.is_ok() { n + 1 } else { chunks };
            Some((chunk, next))
        }
    });
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_LENGTH, HeaderValue::from(size)),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// Every event in the server's order (audit, checks): admin only.
async fn events(
    State(db): State<Db>,
    caller: Caller,
    q: Result<Query<PullQuery>, QueryRejection>,
) -> ApiResult<PullResponse> {
    caller.require(TokenRole::Admin)?;
    let Query(q) = q?;
    Ok(Json(
        feed::pull_page(db.as_ref(), None, q.after, feed::page_limit(q.limit), None).await?,
    ))
}

fn lot_ref(gtin: &str, batch: &str) -> Result<LotRef, ApiError> {
    let gtin = crate::gs1::normalize_gtin(gtin).map_err(|e| {
        ApiError::bad(
            format!("{gtin:?} is not a GTIN: {e}"),
            "give the product's GTIN (8, 12, 13 or 14 digits)",
        )
    })?;
    if batch.is_empty() || batch.len() > 20 {
        return Err(ApiError::bad(
            format!("{batch:?} is not a batch number"),
            "a GS1 batch/lot number has 1 to 20 characters",
        ));
    }
    Ok(LotRef::new(gtin, batch))
}

fn no_lot(l: &LotRef) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no lot {} of GTIN {} on the server", l.batch, l.gtin),
        "has the station that received it synced?",
    )
}

async fn lot(
    State(db): State<Db>,
    caller: Caller,
    p: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    caller.require(TokenRole::Station)?;
    let Path((gtin, batch)) = p?;
    let l = lot_ref(&gtin, &batch)?;
    let state = views::lot(db.as_ref(), &l)
        .await?
        .ok_or_else(|| no_lot(&l))?;
    Ok(Json(state).into_response())
}

/// Every event of a lot in the server's order: what a station that pruned the lot's history
/// shows of it.
async fn lot_events(
    State(db): State<Db>,
    caller: Caller,
    p: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<LotEvents> {
    caller.require(TokenRole::Station)?;
    let Path((gtin, batch)) = p?;
    let l = lot_ref(&gtin, &batch)?;
    let events = views::lot_events(db.as_ref(), &l)
        .await?
        .ok_or_else(|| no_lot(&l))?;
    Ok(Json(LotEvents {
        gtin: l.gtin,
        batch: l.batch,
        events,
    }))
}

#[derive(Serialize)]
struct StatusAnswer {
    event_id: String,
    pos: i64,
    lot: crate::domain::lot_state::LotState,
}

async fn change_status(
    State(db): State<Db>,
    caller: Caller,
    p: Result<Path<(String, String)>, PathRejection>,
    Body(req): Body<StatusChange>,
) -> ApiResult<StatusAnswer> {
    caller.require(TokenRole::Supervisor)?;
    let Path((gtin, batch)) = p?;
    let l = lot_ref(&gtin, &batch)?;
    match views::change_status(db.as_ref(), &caller, &l, req.to, &req.reason).await {
        Ok((lot, acked)) => Ok(Json(StatusAnswer {
            event_id: acked.id,
            pos: acked.pos,
            lot,
        })),
        Err(StatusError::NoSuchLot { .. }) => Err(no_lot(&l)),
        Err(StatusError::Refused(r)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("REFUSED: {r}"),
            "check the lot's status (GET /api/v1/lots/{gtin}/{batch}) and give a reason",
        )),
        Err(StatusError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct TraceQuery {
    direction: Option<Direction>,
}

async fn trace(
    State(db): State<Db>,
    caller: Caller,
    p: Result<Path<(String, String)>, PathRejection>,
    q: Result<Query<TraceQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(TokenRole::Station)?;
    let Path((gtin, batch)) = p?;
    let Query(q) = q?;
    let l = lot_ref(&gtin, &batch)?;
    let t = views::trace(db.as_ref(), &l, q.direction.unwrap_or(Direction::Both))
        .await?
        .ok_or_else(|| no_lot(&l))?;
    Ok(Json(t).into_response())
}

/// The widest `/expiry?within=` window, in days: far past any GS1 date (they end in 2099), so
/// "everything" can be asked for, and far inside the calendar's range (past it, a panic).
const MAX_EXPIRY_WITHIN_DAYS: u32 = 1_000_000;

#[derive(Deserialize)]
struct ExpiryQuery {
    within: Option<u32>,
}

async fn expiry(
    State(db): State<Db>,
    caller: Caller,
    q: Result<Query<ExpiryQuery>, QueryRejection>,
) -> ApiResult<Vec<crate::domain::lot_state::ExpiringLot>> {
    caller.require(TokenRole::Station)?;
    let Query(q) = q?;
    let within = q.within.unwrap_or(30);
    if within > MAX_EXPIRY_WITHIN_DAYS {
        return Err(ApiError::bad(
            format!("within={within} days is beyond any expiry date"),
            format!("ask for at most {MAX_EXPIRY_WITHIN_DAYS} days"),
        ));
    }
    let until = chrono::Utc::now().date_naive() + chrono::Days::new(within.into());
    Ok(Json(views::expiring(db.as_ref(), until).await?))
}

async fn recalls(
    State(db): State<Db>,
    caller: Caller,
) -> ApiResult<Vec<crate::domain::lot_state::LotState>> {
    caller.require(TokenRole::Station)?;
    Ok(Json(views::recalled(db.as_ref()).await?))
}

async fn stations(State(db): State<Db>, caller: Caller) -> ApiResult<Vec<protocol::StationView>> {
    caller.require(TokenRole::Supervisor)?;
    Ok(Json(db.stations().await?))
}

async fn tokens(State(db): State<Db>, caller: Caller) -> ApiResult<Vec<protocol::TokenInfo>> {
    caller.require(TokenRole::Admin)?;
    Ok(Json(db.tokens().await?.iter().map(auth::info).collect()))
}

async fn create_token(
    State(db): State<Db>,
    caller: Caller,
    Body(req): Body<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    caller.require(TokenRole::Admin)?;
    match auth::create(
        db.as_ref(),
        &req.station,
        req.role,
        req.expires_days,
        req.site.as_deref(),
    )
    .await
    {
        Ok((token, info)) => Ok((StatusCode::CREATED, Json(NewToken { token, info }))),
        Err(DbError::Refused(why)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            why,
            "give a station name, a site the server knows (GET /api/v1/sites) if any, and, if it expires, 1 to 36500 days",
        )),
        Err(e) => Err(e.into()),
    }
}

async fn sites(State(db): State<Db>, caller: Caller) -> ApiResult<Vec<SiteInfo>> {
    caller.require(TokenRole::Station)?;
    Ok(Json(db.sites().await?))
}

async fn put_site(
    State(db): State<Db>,
    caller: Caller,
    Body(site): Body<SiteInfo>,
) -> Result<(StatusCode, Json<SiteInfo>), ApiError> {
    caller.require(TokenRole::Admin)?;
    let site = SiteInfo {
        gln: site.gln.trim().to_string(),
        name: site.name.trim().to_string(),
    };
    let refused = |why: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            why,
            "give the site's GLN (13 digits with its check digit) and a name",
        )
    };
    auth::check_gln(&site.gln).map_err(|e| refused(e.to_string()))?;
    if site.name.is_empty() || site.name.len() > 200 {
        return Err(refused("a site needs a name (1 to 200 characters)".into()));
    }
    let new = db.put_site(site.clone()).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(site)))
}

async fn revoke_token(
    State(db): State<Db>,
    caller: Caller,
    p: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    caller.require(TokenRole::Admin)?;
    let Path(id) = p?;
    if auth::revoke(db.as_ref(), &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no token {id}"),
            "GET /api/v1/tokens lists the tokens and their ids",
        ))
    }
}
