//! The embedded SQLite server database (the default): one file, WAL, `synchronous=FULL`;
//! calls run on tokio's blocking pool over one connection.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::db::{
    CLAIM_ID, CLOSE_RECALL, ChainStep, DROP_OLD_SNAPSHOTS, DbError, EventFilter,
    FEED_FROM_BEFORE_SITES, FEED_PAGE, FeedPage, Fut, HEAD, HeldRow, ID_AT, INSERT_RECALL_LOT,
    Ingested, LATEST_SNAPSHOT, LOT_HISTORY, LotFilter, NewEvent, OPEN_RECALLS_OF_LOT, PERSON_KINDS,
    READ_ID, RECALL_CLOSES, RECALL_STARTS_UNLISTED, SNAPSHOT_BY_ID, SNAPSHOTS_KEPT, STATION_SITE,
    ServerStore, SnapshotChunks, Stored, TokenRecord, chunk_unreadable, chunks_mismatch, conflicts,
    decode_row, new_server_id, place, recall_writes, recalls_from_before, schema, snapshot_meta,
    snapshot_site, walk_chain, wanted, with_history,
};
use super::scope::{Known, Wanted};
use crate::protocol::{Acked, ServerEvent, SiteInfo, SnapshotMeta, StationView, TokenRole};

const COLUMNS: &str = "pos, id, at, station, actor, payload, origin, signature";

pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    id: String,
}

impl SqliteStore {
    /// Opens (creating) the server database at `path`. A station store is refused untouched.
    pub fn open(path: &Path) -> Result<SqliteStore, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        crate::private_file::create(path)
            .map_err(|e| DbError::Refused(format!("{}: {e}", path.display())))?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let station_store: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE name IN ('outbox', 'sync_state')",
            [],
            |r| r.get(0),
        )?;
        if station_store {
            return Err(DbError::Refused(format!(
                "{} is a station store, not a server database: give the server its own file (--db sqlite:server.db)",
                path.display()
            )));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.set_prepared_statement_cache_capacity(64);
        let signed: bool = conn.query_row(
            "SELECT count(*) = 0 OR count(*) FILTER (WHERE name = 'signature') > 0
             FROM pragma_table_info('server_events')",
            [],
            |r| r.get(0),
        )?;
        if !signed {
            // A database from before signatures: the column, then the rest of the schema.
            conn.execute_batch("ALTER TABLE server_events ADD COLUMN signature TEXT")?;
        }
        conn.execute_batch(&schema("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"))?;
        // A database from before sites: the site of tokens and of events.
        for table in ["server_tokens", "server_events"] {
            let sited: bool = conn.query_row(
                &format!(
                    "SELECT count(*) > 0 FROM pragma_table_info('{table}') WHERE name = 'site'"
                ),
                [],
                |r| r.get(0),
            )?;
            if !sited {
                conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN site TEXT"))?;
            }
        }
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {FEED_FROM_BEFORE_SITES} COMMIT;"
        ))?;
        list_recalls_from_before(&mut conn)?;
        conn.execute(CLAIM_ID, params![new_server_id()])?;
        let id = conn.query_row(READ_ID, [], |r| r.get(0))?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            id,
        })
    }

    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Fut<'_, T> {
        let conn = self.conn.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut conn)
            })
            .await
            .map_err(|e| DbError::Backend(format!("database task failed: {e}")))?
        })
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An event row's columns ([`COLUMNS`]), as read.
type Columns = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn columns(r: &rusqlite::Row) -> rusqlite::Result<Columns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn decode(
    (pos, id, at, station, actor, payload, origin, signature): Columns,
) -> Result<Stored, DbError> {
    Ok((
        decode_row(pos, id, at, station, actor, &payload, signature)?,
        origin,
    ))
}

fn read_events(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Stored>, DbError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, columns)?;
    rows.map(|row| decode(row?)).collect()
}

/// A database from before `server_recall_lots`: the lots its recalls name, and their closes.
fn list_recalls_from_before(conn: &mut Connection) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let read = |sql: &str| -> Result<Vec<(i64, String)>, DbError> {
        let mut stmt = tx.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    let starts = read(RECALL_STARTS_UNLISTED)?;
    if starts.is_empty() {
        return Ok(());
    }
    let closes = read(RECALL_CLOSES)?;
    let (lots, closed) = recalls_from_before(&starts, &closes);
    write_recalls(&tx, &lots, &closed)?;
    tx.commit()?;
    Ok(())
}

/// Writes the lots recall starts name and the recalls' closes ([`recall_writes`]).
fn write_recalls(
    tx: &rusqlite::Transaction,
    lots: &[(String, (String, String), i64)],
    closed: &[(i64, String)],
) -> Result<(), DbError> {
    let mut insert = tx.prepare_cached(INSERT_RECALL_LOT)?;
    for (recall, (gtin, batch), pos) in lots {
        insert.execute(params![recall, gtin, batch, pos])?;
    }
    let mut close = tx.prepare_cached(CLOSE_RECALL)?;
    for (pos, recall) in closed {
        close.execute(params![pos, recall])?;
    }
    Ok(())
}

/// What the server knows of the sites that a push's new events need ([`Wanted`]).
fn known(tx: &rusqlite::Transaction, w: &Wanted) -> Result<Known, DbError> {
    let mut known = Known::default();
    let mut lot =
        tx.prepare_cached("SELECT site FROM server_site_lots WHERE gtin = ?1 AND batch = ?2")?;
    let mut open = tx.prepare_cached(OPEN_RECALLS_OF_LOT)?;
    let mut recalls = w.recalls.clone();
    for l in &w.lots {
        let sites = lot.query_map(params![l.0, l.1], |r| r.get::<_, String>(0))?;
        known
            .lot_sites
            .insert(l.clone(), sites.collect::<Result<_, _>>()?);
        let rows = open.query_map(params![l.0, l.1], |r| r.get::<_, String>(0))?;
        let named: std::collections::BTreeSet<String> = rows.collect::<Result<_, _>>()?;
        if !named.is_empty() {
            recalls.extend(named.iter().cloned());
            known.lot_recalls.insert(l.clone(), named);
        }
    }
    let mut product = tx.prepare_cached("SELECT site FROM server_site_products WHERE gtin = ?1")?;
    for p in &w.products {
        let sites = product.query_map(params![p], |r| r.get::<_, String>(0))?;
        known
            .product_sites
            .insert(p.clone(), sites.collect::<Result<_, _>>()?);
    }
    let mut recall = tx.prepare_cached("SELECT site FROM server_recall_sites WHERE recall = ?1")?;
    for r in &recalls {
        let sites = recall.query_map(params![r], |r| r.get::<_, String>(0))?;
        known
            .recall_sites
            .insert(r.clone(), sites.collect::<Result<_, _>>()?);
    }
    let mut site = tx.prepare_cached("SELECT count(*) > 0 FROM server_sites WHERE gln = ?1")?;
    for gln in &w.sites {
        if site.query_row(params![gln], |r| r.get::<_, bool>(0))? {
            known.sites.insert(gln.clone());
        }
    }
    Ok(known)
}

/// Writes a push's place in the sites' feeds ([`place`]).
fn write_plan(tx: &rusqlite::Transaction, new: &[(&NewEvent, i64)]) -> Result<(), DbError> {
    if new.is_empty() {
        return Ok(());
    }
    let mut known = known(tx, &wanted(new))?;
    let (rows, plan) = place(new, &mut known);
    let (recall_lots, recall_closes) = recall_writes(new, &plan);
    write_recalls(tx, &recall_lots, &recall_closes)?;
    let mut feed = tx.prepare_cached(
        "INSERT INTO server_feed (site, pos, history_gtin, history_batch) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    for r in &rows {
        let (hg, hb) = r.history.clone().unzip();
        feed.execute(params![r.site, r.pos, hg, hb])?;
    }
    let mut lots = tx.prepare_cached(
        "INSERT INTO server_site_lots (site, gtin, batch) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    )?;
    for (site, (gtin, batch)) in &plan.site_lots {
        lots.execute(params![site, gtin, batch])?;
    }
    for (sql, pairs) in [
        (
            "INSERT INTO server_site_products (site, gtin) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &plan.site_products,
        ),
        (
            "INSERT INTO server_recall_sites (recall, site) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &plan.recall_sites,
        ),
    ] {
        let mut insert = tx.prepare_cached(sql)?;
        for (a, b) in pairs {
            insert.execute(params![a, b])?;
        }
    }
    Ok(())
}

fn snapshot_row(r: &rusqlite::Row) -> rusqlite::Result<SnapshotMeta> {
    Ok(snapshot_meta(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn token_row(r: &rusqlite::Row) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        hash: r.get(1)?,
        station: r.get(2)?,
        role: TokenRole::from_name(&r.get::<_, String>(3)?).unwrap_or(TokenRole::Station),
        created: r.get(4)?,
        expires: r.get(5)?,
        revoked: r.get(6)?,
        site: r.get(7)?,
    })
}

impl ServerStore for SqliteStore {
    fn ingest<'a>(
        &'a self,
        origin: Option<&'a str>,
        backlog: u64,
        events: &'a [NewEvent],
        chain: &'a [ChainStep],
        all_or_nothing: bool,
    ) -> Fut<'a, Ingested> {
        let origin = origin.map(str::to_string);
        let events = events.to_vec();
        let chain = chain.to_vec();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let received = now();
            let mut held = HashMap::new();
            {
                let mut get = tx.prepare_cached(
                    "SELECT at, station, actor, payload FROM server_events WHERE id = ?1",
                )?;
                for e in &events {
                    if let Some(row) = get
                        .query_row(params![e.id], |r| {
                            Ok(HeldRow {
                                at: r.get(0)?,
                                station: r.get(1)?,
                                actor: r.get(2)?,
                                payload: r.get(3)?,
                            })
                        })
                        .optional()?
                    {
                        held.insert(e.id.clone(), row);
                    }
                }
            }
            let conflicts = conflicts(&events, &held);
            if all_or_nothing && !conflicts.is_empty() {
                // Dropped uncommitted: nothing of the batch is written.
                return Ok(Ingested {
                    conflicts,
                    ..Ingested::default()
                });
            }
            let walked = match &origin {
                Some(station) if !chain.is_empty() => {
                    let head: Option<String> = tx
                        .query_row(
                            "SELECT head FROM server_chains WHERE station = ?1",
                            params![station],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let walk = |refused_before: &HashMap<String, String>| {
                        walk_chain(
                            head.clone(),
                            &chain,
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
                            let mut refused_before = HashMap::new();
                            let mut get = tx.prepare_cached(
                                "SELECT hash FROM server_refused WHERE station = ?1 AND id = ?2",
                            )?;
                            for step in &chain {
                                if let Some(hash) = get
                                    .query_row(params![station, step.id], |r| {
                                        r.get::<_, String>(0)
                                    })
                                    .optional()?
                                {
                                    refused_before.insert(step.id.clone(), hash);
                                }
                            }
                            walk(&refused_before)
                        }
                    };
                    match walked {
                        Ok(walked) => Some((station.clone(), walked)),
                        Err(b) => {
                            return Ok(Ingested {
                                chain_break: Some(b),
                                ..Ingested::default()
                            });
                        }
                    }
                }
                _ => None,
            };
            let mut stored = 0;
            let mut acked = Vec::with_capacity(events.len());
            let mut new = Vec::new();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO server_events (id, at, station, actor, kind, payload, origin, gtin, batch,
                        into_gtin, into_batch, expiry, status_to, received, signature, site)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                     ON CONFLICT (id) DO NOTHING",
                )?;
                let mut pos_of = tx.prepare_cached("SELECT pos FROM server_events WHERE id = ?1")?;
                for (i, e) in events.iter().enumerate() {
                    if conflicts.binary_search(&i).is_ok() {
                        continue;
                    }
                    let added = insert.execute(params![
                        e.id,
                        e.at,
                        e.station,
                        e.actor,
                        e.kind,
                        e.payload,
                        e.origin,
                        e.gtin,
                        e.batch,
                        e.into_gtin,
                        e.into_batch,
                        e.expiry,
                        e.status_to,
                        received,
                        e.signature,
                        e.site
                    ])? as u64;
                    stored += added;
                    let pos: i64 = pos_of.query_row(params![e.id], |r| r.get(0))?;
                    if added > 0 {
                        new.push((e, pos));
                    }
                    acked.push(Acked {
                        id: e.id.clone(),
                        pos,
                    });
                }
            }
            write_plan(&tx, &new)?;
            if let Some((station, (head, refusals))) = walked {
                let mut keep = tx.prepare_cached(
                    "INSERT INTO server_refused (station, id, hash, status, error, received)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (station, id) DO NOTHING",
                )?;
                for r in refusals {
                    keep.execute(params![station, r.id, r.hash, r.status, r.error, received])?;
                }
                if let Some(head) = head {
                    tx.execute(
                        "INSERT INTO server_chains (station, head) VALUES (?1, ?2)
                         ON CONFLICT (station) DO UPDATE SET head = excluded.head",
                        params![station, head],
                    )?;
                }
            }
            if let Some(station) = &origin {
                tx.execute(
                    "INSERT INTO server_stations (name, last_seen, backlog, pushed) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
                        backlog = excluded.backlog, pushed = pushed + excluded.pushed",
                    params![station, received, backlog as i64, stored as i64],
                )?;
            }
            tx.commit()?;
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
        self.run(|conn| Ok(conn.query_row(HEAD, [], |r| r.get(0))?))
    }

    fn id_at(&self, pos: i64) -> Fut<'_, Option<String>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(ID_AT, params![pos], |r| r.get(0))
                .optional()?)
        })
    }

    fn events_after(&self, after: i64, limit: usize) -> Fut<'_, Vec<Stored>> {
        self.run(move |conn| {
            read_events(
                conn,
                &format!(
                    "SELECT {COLUMNS} FROM server_events WHERE pos > ?1 ORDER BY pos LIMIT ?2"
                ),
                params![after, limit as i64],
            )
        })
    }

    fn feed_after<'a>(&'a self, site: &'a str, after: i64, limit: usize) -> Fut<'a, FeedPage> {
        let site = site.to_string();
        self.run(move |conn| {
            let rows = {
                let mut page = conn.prepare_cached(FEED_PAGE)?;
                let rows = page.query_map(params![site, after, limit as i64], |r| {
                    let lot = r
                        .get::<_, Option<String>>(8)?
                        .zip(r.get::<_, Option<String>>(9)?);
                    Ok((columns(r)?, lot, r.get::<_, Option<String>>(10)?))
                })?;
                rows.map(|row| {
                    let (cols, lot, site) = row?;
                    let (mut e, origin) = decode(cols)?;
                    e.site = site;
                    Ok(((e, origin), lot))
                })
                .collect::<Result<Vec<_>, DbError>>()?
            };
            with_history(rows, after, limit, |gtin, batch, before| {
                let mut stmt = conn.prepare_cached(LOT_HISTORY)?;
                let rows = stmt.query_map(params![gtin, batch, before], |r| {
                    Ok((columns(r)?, r.get::<_, Option<String>>(8)?))
                })?;
                rows.map(|row| {
                    let (cols, site) = row?;
                    let (mut e, origin) = decode(cols)?;
                    e.site = site;
                    Ok((e, origin))
                })
                .collect()
            })
        })
    }

    fn put_site(&self, site: SiteInfo) -> Fut<'_, bool> {
        self.run(move |conn| {
            let new = conn.execute(
                "INSERT INTO server_sites (gln, name, created) VALUES (?1, ?2, ?3)
                 ON CONFLICT (gln) DO NOTHING",
                params![site.gln, site.name, now()],
            )? > 0;
            if !new {
                conn.execute(
                    "UPDATE server_sites SET name = ?2 WHERE gln = ?1",
                    params![site.gln, site.name],
                )?;
            }
            Ok(new)
        })
    }

    fn sites(&self) -> Fut<'_, Vec<SiteInfo>> {
        self.run(|conn| {
            let mut stmt = conn.prepare("SELECT gln, name FROM server_sites ORDER BY gln")?;
            let rows = stmt.query_map([], |r| {
                Ok(SiteInfo {
                    gln: r.get(0)?,
                    name: r.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn note_pull<'a>(&'a self, station: &'a str, cursor: i64) -> Fut<'a, ()> {
        let station = station.to_string();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO server_stations (name, last_seen, pulled_up_to) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen,
                    pulled_up_to = max(pulled_up_to, excluded.pulled_up_to)",
                params![station, now(), cursor],
            )?;
            Ok(())
        })
    }

    fn person_events(&self) -> Fut<'_, Vec<ServerEvent>> {
        self.run(move |conn| {
            let sql = format!(
                "SELECT {COLUMNS} FROM server_events WHERE kind IN {PERSON_KINDS} ORDER BY pos"
            );
            Ok(read_events(conn, &sql, [])?
                .into_iter()
                .map(|(e, _)| e)
                .collect())
        })
    }

    fn events_where(&self, filter: EventFilter) -> Fut<'_, Vec<ServerEvent>> {
        self.run(move |conn| {
            let (sql, gtin, batch) = match filter {
                EventFilter::Lot { gtin, batch } => (
                    format!(
                        "SELECT {COLUMNS} FROM server_events WHERE gtin = ?1 AND batch = ?2 ORDER BY pos"
                    ),
                    gtin,
                    batch,
                ),
                EventFilter::ConsumedInto { gtin, batch } => (
                    format!(
                        "SELECT {COLUMNS} FROM server_events WHERE into_gtin = ?1 AND into_batch = ?2 ORDER BY pos"
                    ),
                    gtin,
                    batch,
                ),
                EventFilter::ProductRegistrations { gtins } => (
                    format!(
                        "SELECT {COLUMNS} FROM server_events WHERE gtin IN (SELECT value FROM json_each(?1))
                         AND batch IS NULL AND kind = ?2 ORDER BY pos"
                    ),
                    serde_json::to_string(&gtins).expect("strings serialise"),
                    "product_registered".to_string(),
                ),
            };
            Ok(read_events(conn, &sql, params![gtin, batch])?
                .into_iter()
                .map(|(e, _)| e)
                .collect())
        })
    }

    fn lots_where(&self, filter: LotFilter) -> Fut<'_, Vec<(String, String)>> {
        self.run(move |conn| {
            let (sql, value) = match filter {
                LotFilter::ExpiringBy(date) => (
                    "SELECT DISTINCT gtin, batch FROM server_events
                     WHERE expiry IS NOT NULL AND expiry <= ?1 ORDER BY gtin, batch",
                    date.to_string(),
                ),
                LotFilter::EverSetTo(status) => (
                    "SELECT DISTINCT gtin, batch FROM server_events WHERE status_to = ?1 ORDER BY gtin, batch",
                    status.name().to_string(),
                ),
            };
            let mut stmt = conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![value], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn stations(&self) -> Fut<'_, Vec<StationView>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT s.name, s.last_seen, s.backlog, s.pushed, s.pulled_up_to, {STATION_SITE}
                 FROM server_stations s ORDER BY s.name"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok(StationView {
                    name: r.get(0)?,
                    last_seen: r.get(1)?,
                    backlog: r.get::<_, i64>(2)? as u64,
                    pushed: r.get::<_, i64>(3)? as u64,
                    pulled_up_to: r.get(4)?,
                    site: r.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn put_token(&self, t: TokenRecord) -> Fut<'_, ()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO server_tokens (id, hash, station, role, created, expires, revoked, site)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    t.id,
                    t.hash,
                    t.station,
                    t.role.name(),
                    t.created,
                    t.expires,
                    t.revoked,
                    t.site
                ],
            )?;
            Ok(())
        })
    }

    fn token_by_hash(&self, hash: String) -> Fut<'_, Option<TokenRecord>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, hash, station, role, created, expires, revoked, site FROM server_tokens WHERE hash = ?1",
                )?
                .query_row(params![hash], token_row)
                .optional()?)
        })
    }

    fn tokens(&self) -> Fut<'_, Vec<TokenRecord>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, hash, station, role, created, expires, revoked, site FROM server_tokens ORDER BY created, id",
            )?;
            let rows = stmt.query_map([], token_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn revoke_token(&self, id: String, at: String) -> Fut<'_, bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE server_tokens SET revoked = coalesce(revoked, ?2) WHERE id = ?1",
                params![id, at],
            )? > 0)
        })
    }

    fn reset_chain<'a>(&'a self, station: &'a str) -> Fut<'a, bool> {
        let station = station.to_string();
        self.run(move |conn| {
            Ok(conn.execute(
                "DELETE FROM server_chains WHERE station = ?1",
                params![station],
            )? > 0)
        })
    }

    fn put_snapshot(&self, meta: SnapshotMeta, chunks: SnapshotChunks) -> Fut<'_, ()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let site = snapshot_site(meta.site.as_deref()).to_string();
            tx.execute(
                "INSERT INTO server_snapshots (id, site, pos, hash, events, pruned, size, made_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    meta.id,
                    site,
                    meta.pos,
                    meta.hash,
                    meta.events as i64,
                    meta.pruned as i64,
                    meta.size as i64,
                    meta.made_at
                ],
            )?;
            let mut written = 0u64;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO server_snapshot_chunks (snapshot, n, data) VALUES (?1, ?2, ?3)",
                )?;
                for (n, chunk) in chunks.enumerate() {
                    // Dropped uncommitted on any error: nothing of it is stored.
                    let chunk = chunk.map_err(|e| chunk_unreadable(&meta, e))?;
                    written += chunk.len() as u64;
                    insert.execute(params![meta.id, n as i64, chunk])?;
                }
            }
            if written != meta.size {
                return Err(chunks_mismatch(&meta, written));
            }
            for sql in DROP_OLD_SNAPSHOTS {
                tx.execute(sql, params![site, SNAPSHOTS_KEPT])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn latest_snapshot<'a>(&'a self, site: Option<&'a str>) -> Fut<'a, Option<SnapshotMeta>> {
        let site = snapshot_site(site).to_string();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(LATEST_SNAPSHOT)?
                .query_row(params![site], snapshot_row)
                .optional()?)
        })
    }

    fn snapshot<'a>(&'a self, id: &'a str) -> Fut<'a, Option<SnapshotMeta>> {
        let id = id.to_string();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(SNAPSHOT_BY_ID)?
                .query_row(params![id], snapshot_row)
                .optional()?)
        })
    }

    fn snapshot_chunk<'a>(&'a self, id: &'a str, n: i64) -> Fut<'a, Option<Vec<u8>>> {
        let id = id.to_string();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT data FROM server_snapshot_chunks WHERE snapshot = ?1 AND n = ?2",
                )?
                .query_row(params![id, n], |r| r.get(0))
                .optional()?)
        })
    }
}
