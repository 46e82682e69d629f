//! The PostgreSQL server database (production): tokio-postgres over a deadpool pool. Pushes
//! take a transaction-scoped advisory lock, so positions are assigned and committed in order
//! even with several server processes on one database: a pull never skips a position that
//! commits later. A push waits for that lock, and any request for a connection, at most the
//! server's `max_wait` ([`crate::server::Backpressure`]); then it is answered as busy (429).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::db::{
    CLAIM_ID, CLOSE_RECALL, ChainStep, DROP_OLD_SNAPSHOTS, DbError, EventFilter,
    FEED_FROM_BEFORE_SITES, FEED_PAGE, FeedPage, Fut, HEAD, HeldRow, ID_AT, Ingested,
    LATEST_SNAPSHOT, LOT_HISTORY, LotFilter, NewEvent, PERSON_KINDS, READ_ID, RECALL_CLOSES,
    RECALL_STARTS_UNLISTED, SNAPSHOT_BY_ID, SNAPSHOTS_KEPT, STATION_SITE, ServerStore,
    SnapshotChunks, Stored, TokenRecord, chunk_unreadable, chunks_mismatch, conflicts, decode_row,
    new_server_id, place, recall_writes, recalls_from_before, schema, snapshot_meta, snapshot_site,
    walk_chain, wanted, with_history,
};
use super::scope::{Known, Wanted};
use crate::protocol::{Acked, ServerEvent, SiteInfo, SnapshotMeta, StationView, TokenRole};

/// The advisory lock key that serialises pushes (and schema set-up), across every server
/// process on the database.
pub const PUSH_LOCK: i64 = 0x004c_4f54_4c49_4e45;

/// Connections one server process keeps to the database.
const POOL_SIZE: usize = 16;

/// The events of a push the server holds already (and their positions).
const HELD_SQL: &str =
    "SELECT id, at, station, actor, payload, pos FROM server_events WHERE id = ANY($1)";

/// A station's last link.
const CHAIN_HEAD_SQL: &str = "SELECT head FROM server_chains WHERE station = $1";

/// A push's new events, in the batch's order; answers their positions.
const INSERT_SQL: &str = "INSERT INTO server_events (id, at, station, actor, kind, payload,
        origin, gtin, batch, into_gtin, into_batch, expiry, status_to, received, signature, site)
     SELECT u.id, u.at, u.station, u.actor, u.kind, u.payload, u.origin, u.gtin, u.batch,
        u.into_gtin, u.into_batch, u.expiry, u.status_to, $14, u.signature, u.site
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
        $15::text[], $16::text[])
        WITH ORDINALITY AS u(id, at, station, actor, kind, payload, origin, gtin, batch,
        into_gtin, into_batch, expiry, status_to, signature, site, n)
     ORDER BY u.n
     ON CONFLICT (id) DO NOTHING
     RETURNING id, pos";

/// A station's new last link.
const CHAIN_SET_SQL: &str = "INSERT INTO server_chains (station, head) VALUES ($1, $2)
     ON CONFLICT (station) DO UPDATE SET head = excluded.head";

/// A station's last push: when, its backlog, how many events it added.
const STATION_PUSHED_SQL: &str =
    "INSERT INTO server_stations (name, last_seen, backlog, pushed) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
        backlog = excluded.backlog, pushed = server_stations.pushed + excluded.pushed";

pub struct PgStore {
    pool: Pool,
    id: String,
    /// `SET LOCAL lock_timeout` and the push lock, in one statement: a push waits for the lock
    /// at most the server's `max_wait`.
    lock_push: String,
}

fn pool_err(e: impl std::fmt::Display) -> DbError {
    DbError::Backend(format!("PostgreSQL: {e}"))
}

/// A connection not had within `max_wait` means every one is busy: the server is overloaded.
fn pool_get_err(e: PoolError) -> DbError {
    match e {
        PoolError::Timeout(_) => DbError::Busy(format!(
            "all {POOL_SIZE} of its database connections stayed in use"
        )),
        PoolError::Backend(e) => e.into(),
        e => pool_err(e),
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and creates the tables if needed. A
    /// request waits at most `max_wait` for a connection or the push lock.
    pub async fn open(url: &str, max_wait: Duration) -> Result<PgStore, DbError> {
        let cfg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| DbError::Refused(format!("the PostgreSQL URL {url} is not valid: {e}")))?;
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(max_wait))
            .build()
            .map_err(pool_err)?;
        let mut client = pool.get().await.map_err(pool_get_err)?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])
            .await?;
        tx.batch_execute(
            "DO $$ BEGIN
               IF to_regclass('server_events') IS NOT NULL THEN
                 ALTER TABLE server_events ADD COLUMN IF NOT EXISTS signature TEXT;
               END IF;
             END $$;",
        )
        .await?;
        tx.batch_execute(&schema("BIGSERIAL PRIMARY KEY", "BYTEA"))
            .await?;
        // A database from before sites.
        tx.batch_execute(
            "ALTER TABLE server_tokens ADD COLUMN IF NOT EXISTS site TEXT;
             ALTER TABLE server_events ADD COLUMN IF NOT EXISTS site TEXT;",
        )
        .await?;
        tx.batch_execute(FEED_FROM_BEFORE_SITES).await?;
        // A database from before `server_recall_lots`: the lots its recalls name, their closes.
        let read = |rows: Vec<tokio_postgres::Row>| -> Vec<(i64, String)> {
            rows.iter().map(|r| (r.get(0), r.get(1))).collect()
        };
        let starts = read(tx.query(RECALL_STARTS_UNLISTED, &[]).await?);
        if !starts.is_empty() {
            let closes = read(tx.query(RECALL_CLOSES, &[]).await?);
            let (lots, closed) = recalls_from_before(&starts, &closes);
            write_recalls(&tx, &lots, &closed).await?;
        }
        tx.execute(CLAIM_ID, &[&new_server_id()]).await?;
        let id: String = tx.query_one(READ_ID, &[]).await?.get(0);
        tx.commit().await?;
        drop(client);
        // Custom plans in a push: its statements are prepared once per connection, and a
        // generic plan made while the events table was tiny (a new or emptied database) would
        // stay a sequential scan as it grows (seen: a 2,000-event push 1 s, 60x COPY).
        let lock_push = format!(
            "SET LOCAL lock_timeout = {}; SET LOCAL plan_cache_mode = force_custom_plan;
             SELECT pg_advisory_xact_lock({PUSH_LOCK})",
            max_wait.as_millis().clamp(1, i32::MAX as u128)
        );
        Ok(PgStore {
            pool,
            id,
            lock_push,
        })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, DbError> {
        self.pool.get().await.map_err(pool_get_err)
    }

    async fn read(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Stored>, DbError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await?;
        let rows = client.query(&stmt, params).await?;
        rows.iter().map(stored_row).collect()
    }
}

/// An event row (pos, id, at, station, actor, payload, origin, signature), decoded.
fn stored_row(r: &tokio_postgres::Row) -> Result<Stored, DbError> {
    let payload: String = r.get(5);
    Ok((
        decode_row(
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            &payload,
            r.get(7),
        )?,
        r.get::<_, Option<String>>(6),
    ))
}

/// Writes the lots recall starts name and the recalls' closes ([`recall_writes`]).
async fn write_recalls(
    tx: &tokio_postgres::Transaction<'_>,
    lots: &[(String, (String, String), i64)],
    closed: &[(i64, String)],
) -> Result<(), DbError> {
    if !lots.is_empty() {
        let recall: Vec<&str> = lots.iter().map(|l| l.0.as_str()).collect();
        let gtin: Vec<&str> = lots.iter().map(|l| l.1.0.as_str()).collect();
        let batch: Vec<&str> = lots.iter().map(|l| l.1.1.as_str()).collect();
        let pos: Vec<i64> = lots.iter().map(|l| l.2).collect();
        tx.execute(
            "INSERT INTO server_recall_lots (recall, gtin, batch, pos)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
             ON CONFLICT DO NOTHING",
            &[&recall, &gtin, &batch, &pos],
        )
        .await?;
    }
    for (pos, recall) in closed {
        tx.execute(CLOSE_RECALL, &[pos, recall]).await?;
    }
    Ok(())
}

/// What the server knows of the sites that a push's new events need ([`Wanted`]).
async fn known(tx: &tokio_postgres::Transaction<'_>, w: &Wanted) -> Result<Known, DbError> {
    let mut known = Known::default();
    let mut recalls = w.recalls.clone();
    if !w.lots.is_empty() {
        let gtins: Vec<&str> = w.lots.iter().map(|l| l.0.as_str()).collect();
        let batches: Vec<&str> = w.lots.iter().map(|l| l.1.as_str()).collect();
        for r in tx
            .query(
                "SELECT r.gtin, r.batch, r.recall FROM server_recall_lots r
                 JOIN unnest($1::text[], $2::text[]) AS u(gtin, batch)
                   ON r.gtin = u.gtin AND r.batch = u.batch
                 WHERE r.closed IS NULL",
                &[&gtins, &batches],
            )
            .await?
        {
            recalls.insert(r.get(2));
            known
                .lot_recalls
                .entry((r.get(0), r.get(1)))
                .or_default()
                .insert(r.get(2));
        }
        for r in tx
            .query(
                "SELECT s.gtin, s.batch, s.site FROM server_site_lots s
                 JOIN unnest($1::text[], $2::text[]) AS u(gtin, batch)
                   ON s.gtin = u.gtin AND s.batch = u.batch",
                &[&gtins, &batches],
            )
            .await?
        {
            known
                .lot_sites
                .entry((r.get(0), r.get(1)))
                .or_default()
                .insert(r.get(2));
        }
    }
    let list =
        |set: &std::collections::BTreeSet<String>| -> Vec<String> { set.iter().cloned().collect() };
    if !w.products.is_empty() {
        for r in tx
            .query(
                "SELECT gtin, site FROM server_site_products WHERE gtin = ANY($1)",
                &[&list(&w.products)],
            )
            .await?
        {
            known
                .product_sites
                .entry(r.get(0))
                .or_default()
                .insert(r.get(1));
        }
    }
    if !recalls.is_empty() {
        for r in tx
            .query(
                "SELECT recall, site FROM server_recall_sites WHERE recall = ANY($1)",
                &[&list(&recalls)],
            )
            .await?
        {
            known
                .recall_sites
                .entry(r.get(0))
                .or_default()
                .insert(r.get(1));
        }
    }
    if !w.sites.is_empty() {
        for r in tx
            .query(
                "SELECT gln FROM server_sites WHERE gln = ANY($1)",
                &[&list(&w.sites)],
            )
            .await?
        {
            known.sites.insert(r.get(0));
        }
    }
    Ok(known)
}

/// Writes a push's place in the sites' feeds ([`place`]).
async fn write_plan(
    tx: &tokio_postgres::Transaction<'_>,
    new: &[(&NewEvent, i64)],
) -> Result<(), DbError> {
    if new.is_empty() {
        return Ok(());
    }
    let mut known = known(tx, &wanted(new)).await?;
    let (rows, plan) = place(new, &mut known);
    let (recall_lots, recall_closes) = recall_writes(new, &plan);
    write_recalls(tx, &recall_lots, &recall_closes).await?;
    let sites: Vec<&str> = rows.iter().map(|r| r.site.as_str()).collect();
    let pos: Vec<i64> = rows.iter().map(|r| r.pos).collect();
    let hg: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.history.as_ref().map(|h| h.0.as_str()))
        .collect();
    let hb: Vec<Option<&str>> = rows
        .iter()
        .map(|r| r.history.as_ref().map(|h| h.1.as_str()))
        .collect();
    tx.execute(
        "INSERT INTO server_feed (site, pos, history_gtin, history_batch)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
         ON CONFLICT DO NOTHING",
        &[&sites, &pos, &hg, &hb],
    )
    .await?;
    if !plan.site_lots.is_empty() {
        let site: Vec<&str> = plan.site_lots.iter().map(|(s, _)| s.as_str()).collect();
        let gtin: Vec<&str> = plan.site_lots.iter().map(|(_, l)| l.0.as_str()).collect();
        let batch: Vec<&str> = plan.site_lots.iter().map(|(_, l)| l.1.as_str()).collect();
        tx.execute(
            "INSERT INTO server_site_lots (site, gtin, batch)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
            &[&site, &gtin, &batch],
        )
        .await?;
    }
    for (table, pairs) in [
        ("server_site_products (site, gtin)", &plan.site_products),
        ("server_recall_sites (recall, site)", &plan.recall_sites),
    ] {
        if !pairs.is_empty() {
            let a: Vec<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
            let b: Vec<&str> = pairs.iter().map(|p| p.1.as_str()).collect();
            tx.execute(
                &format!(
                    "INSERT INTO {table} SELECT * FROM unnest($1::text[], $2::text[])
                     ON CONFLICT DO NOTHING"
                ),
                &[&a, &b],
            )
            .await?;
        }
    }
    Ok(())
}

fn snapshot_row(r: &tokio_postgres::Row) -> SnapshotMeta {
    snapshot_meta(
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
    )
}

/// The next chunk of a snapshot's file, read on tokio's blocking pool (a file read).
async fn next_chunk(
    mut chunks: SnapshotChunks,
) -> Result<(Option<std::io::Result<Vec<u8>>>, SnapshotChunks), DbError> {
    tokio::task::spawn_blocking(move || (chunks.next(), chunks))
        .await
        .map_err(|e| DbError::Backend(format!("reading a snapshot's file failed: {e}")))
}

fn token_row(r: &tokio_postgres::Row) -> TokenRecord {
    TokenRecord {
        id: r.get(0),
        hash: r.get(1),
        station: r.get(2),
        role: TokenRole::from_name(r.get::<_, &str>(3)).unwrap_or(TokenRole::Station),
        created: r.get(4),
        expires: r.get(5),
        revoked: r.get(6),
        site: r.get(7),
    }
}

impl ServerStore for PgStore {
    fn ingest<'a>(
        &'a self,
        origin: Option<&'a str>,
        backlog: u64,
        events: &'a [NewEvent],
        chain: &'a [ChainStep],
        all_or_nothing: bool,
    ) -> Fut<'a, Ingested> {
        Box::pin(async move {
            let all_ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
            let mut client = self.client().await?;
            // Prepared once per connection, before the lock: under it, each statement is then
            // one round trip (a statement given as text is two: parse, then run).
            let (held_q, head_q, insert_q, chain_q, seen_q) = tokio::try_join!(
                client.prepare_cached(HELD_SQL),
                client.prepare_cached(CHAIN_HEAD_SQL),
                client.prepare_cached(INSERT_SQL),
                client.prepare_cached(CHAIN_SET_SQL),
                client.prepare_cached(STATION_PUSHED_SQL),
            )?;
            let tx = client.transaction().await?;
            // The lock, then what the push is checked against, pipelined: sent in this order
            // (`biased`), so both reads run once the lock is had, in one round trip with it.
            // Pushes from every server process take turns from here to the commit.
            let chained = origin.filter(|_| !chain.is_empty());
            let held_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&all_ids];
            let (_, held_rows, head) = tokio::try_join!(
                biased;
                tx.batch_execute(&self.lock_push),
                tx.query(&held_q, &held_params),
                async {
                    Ok(match chained {
                        Some(station) => tx
                            .query_opt(&head_q, &[&station])
                            .await?
                            .map(|r| r.get::<_, String>(0)),
                        None => None,
                    })
                },
            )?;
            let mut pos: HashMap<String, i64> = HashMap::with_capacity(events.len());
            let mut held: HashMap<String, HeldRow> = HashMap::with_capacity(held_rows.len());
            for r in &held_rows {
                pos.insert(r.get(0), r.get(5));
                held.insert(
                    r.get(0),
                    HeldRow {
                        at: r.get(1),
                        station: r.get(2),
                        actor: r.get(3),
                        payload: r.get(4),
                    },
                );
            }
            let conflicts = conflicts(events, &held);
            if all_or_nothing && !conflicts.is_empty() {
                // Rolled back when dropped: nothing of the batch is written.
                return Ok(Ingested {
                    conflicts,
                    ..Ingested::default()
                });
            }
            let walked = match chained {
                Some(station) => {
                    let walk = |refused_before: &HashMap<String, String>| {
                        walk_chain(
                            head.clone(),
                            chain,
                            |id| held.contains_key(id),
                            refused_before,
                            &conflicts,
                        )
                    };
                    // Refusals resent are looked up only for a push that does not follow on
                    // without them (a resend after a lost answer): most pushes do.
                    let walked = match walk(&HashMap::new()) {
                        Ok(walked) => Ok(walked),
                        Err(_) => {
                            let step_ids: Vec<&str> = chain.iter().map(|c| c.id.as_str()).collect();
                            let refused_before: HashMap<String, String> = tx
                                .query(
                                    "SELECT id, hash FROM server_refused
                                     WHERE station = $1 AND id = ANY($2)",
                                    &[&station, &step_ids],
                                )
                                .await?
                                .iter()
                                .map(|r| (r.get(0), r.get(1)))
                                .collect();
                            walk(&refused_before)
                        }
                    };
                    match walked {
                        Ok(walked) => Some((station, walked)),
                        Err(b) => {
                            return Ok(Ingested {
                                chain_break: Some(b),
                                ..Ingested::default()
                            });
                        }
                    }
                }
                None => None,
            };
            let events: Vec<&NewEvent> = events
                .iter()
                .enumerate()
                .filter(|(i, _)| conflicts.binary_search(i).is_err())
                .map(|(_, e)| e)
                .collect();
            // Only the events not held yet are inserted: a resent one would take a position
            // from the sequence and leave a gap in the order (`ON CONFLICT` stays for the
            // same id twice in one batch).
            let new: Vec<&NewEvent> = events
                .iter()
                .copied()
                .filter(|e| !held.contains_key(&e.id))
                .collect();
            let received = now();
            let stored = if new.is_empty() {
                0
            } else {
                let col = |f: fn(&NewEvent) -> Option<&str>| -> Vec<Option<&str>> {
                    new.iter().map(|e| f(e)).collect()
                };
                let ids: Vec<&str> = new.iter().map(|e| e.id.as_str()).collect();
                let inserted = tx
                    .query(
                        &insert_q,
                        &[
                            &ids,
                            &col(|e| Some(&e.at)),
                            &col(|e| Some(&e.station)),
                            &col(|e| Some(&e.actor)),
                            &col(|e| Some(&e.kind)),
                            &col(|e| Some(&e.payload)),
                            &col(|e| e.origin.as_deref()),
                            &col(|e| e.gtin.as_deref()),
                            &col(|e| e.batch.as_deref()),
                            &col(|e| e.into_gtin.as_deref()),
                            &col(|e| e.into_batch.as_deref()),
                            &col(|e| e.expiry.as_deref()),
                            &col(|e| e.status_to.as_deref()),
                            &received,
                            &col(|e| e.signature.as_deref()),
                            &col(|e| e.site.as_deref()),
                        ],
                    )
                    .await?;
                let mut inserted_pos: HashMap<String, i64> =
                    inserted.iter().map(|r| (r.get(0), r.get(1))).collect();
                // The new events with their positions, in the batch's order (an id twice in
                // the batch once).
                let placed: Vec<(&NewEvent, i64)> = new
                    .iter()
                    .filter_map(|e| inserted_pos.remove(&e.id).map(|p| (*e, p)))
                    .collect();
                write_plan(&tx, &placed).await?;
                pos.extend(placed.iter().map(|(e, p)| (e.id.clone(), *p)));
                inserted.len() as u64
            };
            let acked = events
                .iter()
                .map(|e| {
                    pos.get(&e.id)
                        .map(|&pos| Acked {
                            id: e.id.clone(),
                            pos,
                        })
                        .ok_or_else(|| DbError::Backend(format!("event {} was not stored", e.id)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            // The station's chain, the refusals that joined it and its last-seen row: three
            // tables, written pipelined (one round trip).
            let (head, refusals) = match &walked {
                Some((_, (head, refusals))) => (head.as_deref(), refusals.as_slice()),
                None => (None, &[][..]),
            };
            let refused = async {
                if let Some(station) = chained
                    && !refusals.is_empty()
                {
                    // One statement for all of them: a push of a station's backlog may carry
                    // thousands of refusals.
                    let ids: Vec<&str> = refusals.iter().map(|r| r.id.as_str()).collect();
                    let hashes: Vec<&str> = refusals.iter().map(|r| r.hash.as_str()).collect();
                    let statuses: Vec<i32> = refusals.iter().map(|r| i32::from(r.status)).collect();
                    let errors: Vec<&str> = refusals.iter().map(|r| r.error.as_str()).collect();
                    tx.execute(
                        "INSERT INTO server_refused (station, id, hash, status, error, received)
                         SELECT $1, u.id, u.hash, u.status, u.error, $6
                         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[])
                            AS u(id, hash, status, error)
                         ON CONFLICT (station, id) DO NOTHING",
                        &[&station, &ids, &hashes, &statuses, &errors, &received],
                    )
                    .await?;
                }
                Ok(())
            };
            let chain_moved = async {
                if let (Some(station), Some(head)) = (chained, head) {
                    tx.execute(&chain_q, &[&station, &head]).await?;
                }
                Ok(())
            };
            let seen = async {
                if let Some(name) = origin {
                    tx.execute(
                        &seen_q,
                        &[&name, &received, &(backlog as i64), &(stored as i64)],
                    )
                    .await?;
                }
                Ok::<_, tokio_postgres::Error>(())
            };
            tokio::try_join!(refused, chain_moved, seen)?;
            tx.commit().await?;
            Ok(Ingested {
                acked,
                stored,
                conflicts,
                chain_break: None,
            })
        })
    }

    fn server_id(&self) -> &str {
        &self.id
    }

    fn head(&self) -> Fut<'_, i64> {
        Box::pin(async move { Ok(self.client().await?.query_one(HEAD, &[]).await?.get(0)) })
    }

    fn id_at(&self, pos: i64) -> Fut<'_, Option<String>> {
        Box::pin(async move {
            let row = self.client().await?.query_opt(ID_AT, &[&pos]).await?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn events_after(&self, after: i64, limit: usize) -> Fut<'_, Vec<Stored>> {
        Box::pin(async move {
            self.read(
                "SELECT pos, id, at, station, actor, payload, origin, signature FROM server_events
                 WHERE pos > $1 ORDER BY pos LIMIT $2",
                &[&after, &(limit as i64)],
            )
            .await
        })
    }

    fn feed_after<'a>(&'a self, site: &'a str, after: i64, limit: usize) -> Fut<'a, FeedPage> {
        Box::pin(async move {
            let client = self.client().await?;
            let page = client.prepare_cached(FEED_PAGE).await?;
            let rows = client
                .query(&page, &[&site, &after, &(limit as i64)])
                .await?
                .iter()
                .map(|r| {
                    let lot = r
                        .get::<_, Option<String>>(8)
                        .zip(r.get::<_, Option<String>>(9));
                    let (mut e, origin) = stored_row(r)?;
                    e.site = r.get(10);
                    Ok(((e, origin), lot))
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            let history = client.prepare_cached(LOT_HISTORY).await?;
            let mut lots = Vec::new();
            for ((e, _), lot) in &rows {
                if let Some((g, b)) = lot {
                    let events = client
                        .query(&history, &[g, b, &e.pos])
                        .await?
                        .iter()
                        .map(|r| {
                            let (mut e, origin) = stored_row(r)?;
                            e.site = r.get(8);
                            Ok((e, origin))
                        })
                        .collect::<Result<Vec<_>, DbError>>()?;
                    lots.push(events);
                }
            }
            let mut lots = lots.into_iter();
            with_history(rows, after, limit, |_, _, _| {
                Ok::<_, DbError>(lots.next().unwrap_or_default())
            })
        })
    }

    fn put_site(&self, site: SiteInfo) -> Fut<'_, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            let new = client
                .query_one(
                    "INSERT INTO server_sites (gln, name, created) VALUES ($1, $2, $3)
                     ON CONFLICT (gln) DO UPDATE SET name = excluded.name
                     RETURNING (xmax = 0)",
                    &[&site.gln, &site.name, &now()],
                )
                .await?;
            Ok(new.get(0))
        })
    }

    fn sites(&self) -> Fut<'_, Vec<SiteInfo>> {
        Box::pin(async move {
            let client = self.client().await?;
            Ok(client
                .query("SELECT gln, name FROM server_sites ORDER BY gln", &[])
                .await?
                .iter()
                .map(|r| SiteInfo {
                    gln: r.get(0),
                    name: r.get(1),
                })
                .collect())
        })
    }

    fn note_pull<'a>(&'a self, station: &'a str, cursor: i64) -> Fut<'a, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO server_stations (name, last_seen, pulled_up_to) VALUES ($1, $2, $3)
                     ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
                        pulled_up_to = greatest(server_stations.pulled_up_to, excluded.pulled_up_to)",
                    &[&station, &now(), &cursor],
                )
                .await?;
            Ok(())
        })
    }

    fn person_events(&self) -> Fut<'_, Vec<ServerEvent>> {
        Box::pin(async move {
            let sql = format!(
                "SELECT pos, id, at, station, actor, payload, origin, signature FROM server_events
                 WHERE kind IN {PERSON_KINDS} ORDER BY pos"
            );
            Ok(self
                .read(&sql, &[])
                .await?
                .into_iter()
                .map(|(e, _)| e)
                .collect())
        })
    }

    fn events_where(&self, filter: EventFilter) -> Fut<'_, Vec<ServerEvent>> {
        Box::pin(async move {
            let (sql, gtin, batch) = match filter {
                EventFilter::Lot { gtin, batch } => (
                    "SELECT pos, id, at, station, actor, payload, origin, signature FROM server_events
                     WHERE gtin = $1 AND batch = $2 ORDER BY pos",
                    gtin,
                    batch,
                ),
                EventFilter::ConsumedInto { gtin, batch } => (
                    "SELECT pos, id, at, station, actor, payload, origin, signature FROM server_events
                     WHERE into_gtin = $1 AND into_batch = $2 ORDER BY pos",
                    gtin,
                    batch,
                ),
                EventFilter::ProductRegistrations { gtins } => {
                    return Ok(self
                        .read(
                            "SELECT pos, id, at, station, actor, payload, origin, signature
                             FROM server_events WHERE gtin = ANY($1) AND batch IS NULL
                             AND kind = 'product_registered' ORDER BY pos",
                            &[&gtins],
                        )
                        .await?
                        .into_iter()
                        .map(|(e, _)| e)
                        .collect());
                }
            };
            Ok(self
                .read(sql, &[&gtin, &batch])
                .await?
                .into_iter()
                .map(|(e, _)| e)
                .collect())
        })
    }

    fn lots_where(&self, filter: LotFilter) -> Fut<'_, Vec<(String, String)>> {
        Box::pin(async move {
            let (sql, value) = match filter {
                LotFilter::ExpiringBy(date) => (
                    "SELECT DISTINCT gtin, batch FROM server_events
                     WHERE expiry IS NOT NULL AND expiry <= $1 ORDER BY gtin, batch",
                    date.to_string(),
                ),
                LotFilter::EverSetTo(status) => (
                    "SELECT DISTINCT gtin, batch FROM server_events WHERE status_to = $1 ORDER BY gtin, batch",
                    status.name().to_string(),
                ),
            };
            let client = self.client().await?;
            let rows = client.query(sql, &[&value]).await?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    fn stations(&self) -> Fut<'_, Vec<StationView>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    &format!(
                        "SELECT s.name, s.last_seen, s.backlog, s.pushed, s.pulled_up_to, {STATION_SITE}
                         FROM server_stations s ORDER BY s.name"
                    ),
                    &[],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| StationView {
                    name: r.get(0),
                    last_seen: r.get(1),
                    backlog: r.get::<_, i64>(2) as u64,
                    pushed: r.get::<_, i64>(3) as u64,
                    pulled_up_to: r.get(4),
                    site: r.get(5),
                })
                .collect())
        })
    }

    fn put_token(&self, t: TokenRecord) -> Fut<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "INSERT INTO server_tokens (id, hash, station, role, created, expires, revoked, site)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &t.id,
                        &t.hash,
                        &t.station,
                        &t.role.name(),
                        &t.created,
                        &t.expires,
                        &t.revoked,
                        &t.site,
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn token_by_hash(&self, hash: String) -> Fut<'_, Option<TokenRecord>> {
        Box::pin(async move {
            let client = self.client().await?;
            // Every request's: prepared once per connection, then one round trip.
            let stmt = client
                .prepare_cached(
                    "SELECT id, hash, station, role, created, expires, revoked, site FROM server_tokens WHERE hash = $1",
                )
                .await?;
            let row = client.query_opt(&stmt, &[&hash]).await?;
            Ok(row.as_ref().map(token_row))
        })
    }

    fn tokens(&self) -> Fut<'_, Vec<TokenRecord>> {
        Box::pin(async move {
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT id, hash, station, role, created, expires, revoked, site FROM server_tokens ORDER BY created, id",
                    &[],
                )
                .await?;
            Ok(rows.iter().map(token_row).collect())
        })
    }

    fn revoke_token(&self, id: String, at: String) -> Fut<'_, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            Ok(client
                .execute(
                    "UPDATE server_tokens SET revoked = coalesce(revoked, $2) WHERE id = $1",
                    &[&id, &at],
                )
                .await?
                > 0)
        })
    }

    fn reset_chain<'a>(&'a self, station: &'a str) -> Fut<'a, bool> {
        Box::pin(async move {
            let client = self.client().await?;
            Ok(client
                .execute("DELETE FROM server_chains WHERE station = $1", &[&station])
                .await?
                > 0)
        })
    }

    fn put_snapshot(&self, meta: SnapshotMeta, chunks: SnapshotChunks) -> Fut<'_, ()> {
        Box::pin(async move {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let site = snapshot_site(meta.site.as_deref()).to_string();
            tx.execute(
                "INSERT INTO server_snapshots (id, site, pos, hash, events, pruned, size, made_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &meta.id,
                    &site,
                    &meta.pos,
                    &meta.hash,
                    &(meta.events as i64),
                    &(meta.pruned as i64),
                    &(meta.size as i64),
                    &meta.made_at,
                ],
            )
            .await?;
            let insert = tx
                .prepare(
                    "INSERT INTO server_snapshot_chunks (snapshot, n, data) VALUES ($1, $2, $3)",
                )
                .await?;
            let (mut written, mut n, mut chunks) = (0u64, 0i64, chunks);
            loop {
                let (chunk, rest) = next_chunk(chunks).await?;
                chunks = rest;
                let Some(chunk) = chunk else { break };
                // Dropped uncommitted on any error: nothing of it is stored.
                let chunk = chunk.map_err(|e| chunk_unreadable(&meta, e))?;
                written += chunk.len() as u64;
                tx.execute(&insert, &[&meta.id, &n, &chunk]).await?;
                n += 1;
            }
            if written != meta.size {
                return Err(chunks_mismatch(&meta, written));
            }
            for sql in DROP_OLD_SNAPSHOTS {
                tx.execute(sql, &[&site, &SNAPSHOTS_KEPT]).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn latest_snapshot<'a>(&'a self, site: Option<&'a str>) -> Fut<'a, Option<SnapshotMeta>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client
                .query_opt(LATEST_SNAPSHOT, &[&snapshot_site(site)])
                .await?;
            Ok(row.as_ref().map(snapshot_row))
        })
    }

    fn snapshot<'a>(&'a self, id: &'a str) -> Fut<'a, Option<SnapshotMeta>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client.query_opt(SNAPSHOT_BY_ID, &[&id]).await?;
            Ok(row.as_ref().map(snapshot_row))
        })
    }

    fn snapshot_chunk<'a>(&'a self, id: &'a str, n: i64) -> Fut<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let client = self.client().await?;
            let row = client
                .query_opt(
                    "SELECT data FROM server_snapshot_chunks WHERE snapshot = $1 AND n = $2",
                    &[&id, &n],
                )
                .await?;
            Ok(row.map(|r| r.get(0)))
        })
    }
}
