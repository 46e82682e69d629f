//! Snapshots of a site's store that a new station starts from instead of pulling the site's
//! whole history (issue 19; the station side is `store::snapshot`).
//!
//! A snapshot is a station store made at the server (`lotline server snapshot`): a replica that
//! pulled a site's feed as that site's stations do, pruned of old history and compacted. It
//! stands for a position `pos` of the feed and carries the hash its log reached there. The
//! server vouches for that hash by recomputing it from its own events ([`feed_hash`]) before it
//! stores the snapshot ([`put`]); a new station then continues its chain from it.
//!
//! The file is kept in the server's database in chunks of [`SNAPSHOT_CHUNK`] bytes
//! (`server_snapshot_chunks`), written in one transaction with its record, and served chunk by
//! chunk (`GET /sync/snapshot/{id}`). Each site keeps its two newest snapshots.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use super::db::{DbError, SNAPSHOT_CHUNK, ServerStore, SnapshotChunks};
use super::feed::pull_page;
use crate::domain::chain::{GENESIS, chain_hash};
use crate::protocol::{MAX_PULL_EVENTS, SnapshotMeta};

/// Why a snapshot is not stored.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotRefused {
    #[error(transparent)]
    Db(#[from] DbError),
    /// Its hash is not the one the site's feed reaches at its position: it does not hold what
    /// a station of the site would (made from another server's events, altered, or damaged).
    #[error(
        "snapshot {id} of {site} is refused: its log ends at hash {claimed} at position {pos}, \
         but the events this server gives that site's stations reach {expected} there; a station \
         starting from it would not hold what the server holds (made from another server's \
         database, or altered): make it again with `lotline server snapshot`"
    )]
    WrongHash {
        id: String,
        site: String,
        pos: i64,
        claimed: String,
        expected: String,
    },
    /// Its position is not one a station of the site can stand at.
    #[error("{0}")]
    NotInFeed(#[from] NotInFeed),
    /// Its file cannot be read, or is not the size its record says.
    #[error("snapshot {id}: {why}")]
    File { id: String, why: String },
}

/// A position a station of a site never stands at: past the end of its feed, or not a place
/// its pull ends at.
#[derive(Debug, thiserror::Error)]
#[error(
    "position {pos} is not in {site}'s feed ({why}): a snapshot stands for a position its \
     site's stations pull to"
)]
pub struct NotInFeed {
    pub site: String,
    pub pos: i64,
    pub why: &'static str,
}

/// How a site is named in messages: its GLN, or "every site" for stations without one.
pub fn site_name(site: Option<&str>) -> String {
    site.map_or_else(
        || "every site (stations without a site)".into(),
        |s| format!("site {s}"),
    )
}

/// The hash a new station of `site` (`None`: a station without a site) reaches by pulling from
/// position 0 up to `pos`: what the server gives it ([`pull_page`], the pull route's own
/// function), each event id recorded once, chained from [`GENESIS`] as the station's store
/// chains a pulled event (`store::log::insert_event`: its id, time, station, actor and the
/// event as JSON). Position 0 is the genesis hash. `pos` must be a position the feed's pages
/// end at (the position of one of the site's feed rows): the events a page brings after it
/// (a later transfer's history) are not counted.
pub async fn feed_hash(
    db: &dyn ServerStore,
    site: Option<&str>,
    pos: i64,
) -> Result<String, SnapshotRefused> {
    let not_in_feed = |why| NotInFeed {
        site: site_name(site),
        pos,
        why,
    };
    let mut prev = GENESIS.to_string();
    let mut seen = HashSet::new();
    let mut after = 0;
    while after < pos {
        let page = pull_page(db, site, after, MAX_PULL_EVENTS, None).await?;
        for e in page.events {
            // The row at `pos` is the first event there: the rows before it are at earlier
            // positions, and so are the lot histories that go before them. An event past it
            // first means `pos` is not a row of this feed.
            if e.pos > pos {
                return Err(not_in_feed("no event of the feed is there").into());
            }
            let w = e.event;
            if seen.insert(w.id.clone()) {
                let payload = serde_json::to_string(&w.event).expect("events serialise");
                prev = chain_hash(&prev, &w.id, &w.at, &w.station, &w.actor, &payload);
            }
            if e.pos == pos {
                return Ok(prev);
            }
        }
        if !page.more || page.next == after {
            return Err(not_in_feed("the feed ends before it").into());
        }
        after = page.next;
    }
    if pos < 0 {
        return Err(not_in_feed("positions start at 0").into());
    }
    Ok(prev)
}

/// A file read as chunks of [`SNAPSHOT_CHUNK`] bytes (the last one shorter), one at a time.
pub fn file_chunks(file: std::fs::File) -> SnapshotChunks {
    let mut file = Some(file);
    Box::new(std::iter::from_fn(move || {
        let f = file.as_mut()?;
        let mut chunk = Vec::with_capacity(SNAPSHOT_CHUNK);
        match f
            .by_ref()
            .take(SNAPSHOT_CHUNK as u64)
            .read_to_end(&mut chunk)
        {
            Ok(0) => {
                file = None;
                None
            }
            Ok(_) => Some(Ok(chunk)),
            Err(e) => {
                file = None;
                Some(Err(e))
            }
        }
    }))
}

/// Stores snapshot `meta` with its file `path`, once the server has checked that its hash is
/// the one its site's feed reaches at its position ([`feed_hash`]) and that the file is the
/// size it says. Refused otherwise, and nothing is stored. Keeps the site's two newest.
pub async fn put(
    db: &dyn ServerStore,
    meta: &SnapshotMeta,
    path: &Path,
) -> Result<(), SnapshotRefused> {
    let expected = feed_hash(db, meta.site.as_deref(), meta.pos).await?;
    if expected != meta.hash {
        return Err(SnapshotRefused::WrongHash {
            id: meta.id.clone(),
            site: site_name(meta.site.as_deref()),
            pos: meta.pos,
            claimed: meta.hash.clone(),
            expected,
        });
    }
    let file_error = |why: String| SnapshotRefused::File {
        id: meta.id.clone(),
        why,
    };
    let file = std::fs::File::open(path)
        .map_err(|e| file_error(format!("cannot read {}: {e}", path.display())))?;
    let size = file
        .metadata()
        .map_err(|e| file_error(format!("cannot read {}: {e}", path.display())))?
        .len();
    if size != meta.size {
        return Err(file_error(format!(
            "{} is {size} bytes, not {} as its record says",
            path.display(),
            meta.size
        )));
    }
    db.put_snapshot(meta.clone(), file_chunks(file)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_in_chunks_of_four_mib() {
        let dir = std::env::temp_dir().join(format!("lotline-chunks-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let data: Vec<u8> = (0..SNAPSHOT_CHUNK * 2 + 10)
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &data).unwrap();
        let chunks: Vec<Vec<u8>> = file_chunks(std::fs::File::open(&path).unwrap())
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            [SNAPSHOT_CHUNK, SNAPSHOT_CHUNK, 10]
        );
        assert_eq!(chunks.concat(), data);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(file_chunks(std::fs::File::open(&path).unwrap()).count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
