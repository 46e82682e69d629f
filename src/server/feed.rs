//! What a station pulls: a page of events after its cursor, in the server's order. One
//! function for the pull route, the admin's event list, and what a snapshot stands for
//! ([`super::snapshot`]), so a snapshot holds exactly what a station of its site would have
//! pulled.

use super::db::{DbError, ServerStore};
use crate::protocol::{MAX_PULL_EVENTS, PullResponse};

/// The page size a pull asks for, kept within what the server gives (at most
/// [`MAX_PULL_EVENTS`]; none asked: that many).
pub fn page_limit(asked: Option<usize>) -> usize {
    asked.unwrap_or(MAX_PULL_EVENTS).clamp(1, MAX_PULL_EVENTS)
}

/// Up to `limit` events after position `after` that a station of `site` pulls, without those
/// `exclude` pushed (the pulling station's own). With a site: the site's feed (its own rows and
/// every site's, each transfer preceded by its lot's history, [`ServerStore::feed_after`]);
/// without one: every event. `next` is the last position looked at, so a page of only excluded
/// events still moves the cursor; `more` says the page was cut at its limit.
pub async fn pull_page(
    db: &dyn ServerStore,
    site: Option<&str>,
    after: i64,
    limit: usize,
    exclude: Option<&str>,
) -> Result<PullResponse, DbError> {
    let (rows, next, more) = match site {
        Some(site) => {
            let feed = db.feed_after(site, after, limit).await?;
            (feed.events, feed.next, feed.full)
        }
        None => {
            let rows = db.events_after(after, limit).await?;
            let more = rows.len() == limit;
            let next = rows.last().map_or(after, |(e, _)| e.pos);
            (rows, next, more)
        }
    };
    let events = rows
        .into_iter()
        .filter(|(_, origin)| exclude.is_none() || origin.as_deref() != exclude)
        .map(|(e, _)| e)
        .collect();
    Ok(PullResponse { events, next, more })
}
