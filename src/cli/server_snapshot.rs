//! `lotline server snapshot`: each site's store as a new station of the site would pull it,
//! pruned of old history and compacted, checked by the server and kept for new stations to
//! start from (`GET /api/v1/sync/snapshot`).
//!
//! The store is a replica built here, not by the server's HTTP code (which never uses the
//! station store): it pulls the site's feed through the pull route's own function
//! ([`feed::pull_page`]), records each page as a station's pull does ([`pulled_event`],
//! [`Store::apply_pulled`]), prunes ([`Store::prune`]) and writes the snapshot
//! ([`Store::write_snapshot`]); [`snapshot::put`] then stores it only if its hash is the one
//! the server computes from its own events.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::{SecondsFormat, Utc};

use super::CmdResult;
use super::error::{Code, refuse};
use super::output::Out;
use crate::protocol::{MAX_PULL_EVENTS, SiteInfo, SnapshotMeta};
use crate::server::{ServerStore, auth, feed, snapshot};
use crate::store::Store;
use crate::sync::pulled_event;

/// The station name the replica is bound as (it pushes nothing, so it excludes nothing).
pub const REPLICA_STATION: &str = "lotline-snapshot";

/// What was made for one site.
#[derive(Debug, serde::Serialize)]
struct Made {
    /// The site (GLN); `None`: the snapshot for stations without a site.
    site: Option<String>,
    /// The snapshot stored; `None` when the site's feed is empty (nothing to start from).
    snapshot: Option<SnapshotMeta>,
    seconds: f64,
}

pub async fn run(
    db: &dyn ServerStore,
    only: Option<&str>,
    keep_days: u32,
    work_dir: Option<&Path>,
    json: bool,
    out: &mut Out,
) -> CmdResult {
    let known = db.sites().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let sites: Vec<Option<SiteInfo>> = match only {
        Some(gln) => {
            let gln = gln.trim();
            if let Err(e) = auth::check_gln(gln) {
                return refuse(
                    Code::Usage,
                    format!("{e}: give the site's GLN (13 digits with its check digit)"),
                );
            }
            match known.into_iter().find(|s| s.gln == gln) {
                Some(site) => vec![Some(site)],
                None => {
                    return refuse(
                        Code::Usage,
                        format!(
                            "this server has no site {gln}: `lotline server site list` shows its sites"
                        ),
                    );
                }
            }
        }
        None => known
            .into_iter()
            .map(Some)
            .chain(std::iter::once(None))
            .collect(),
    };
    let work = work_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let mut made = Vec::new();
    let mut failed = Vec::new();
    for site in &sites {
        let name = snapshot::site_name(site.as_ref().map(|s| s.gln.as_str()));
        let started = Instant::now();
        match make(db, site.as_ref(), keep_days, &work).await {
            Ok(snapshot) => {
                let m = Made {
                    site: site.as_ref().map(|s| s.gln.clone()),
                    snapshot,
                    seconds: started.elapsed().as_secs_f64(),
                };
                if !json {
                    out.line(line(site.as_ref(), &m))?;
                }
                made.push(m);
            }
            Err(e) => {
                eprintln!("{name}: no snapshot made: {e:#}");
                failed.push(name);
            }
        }
    }
    if json {
        out.json(&made)?;
    }
    if !failed.is_empty() {
        return refuse(
            Code::Refused,
            format!(
                "no snapshot was made of {} (said above); stations of those sites pull from the start",
                failed.join(", ")
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One site's line: what was stored, and how long it took.
fn line(site: Option<&SiteInfo>, m: &Made) -> String {
    let who = site.map_or_else(
        || "stations without a site".to_string(),
        |s| format!("site {} ({})", s.gln, s.name),
    );
    match &m.snapshot {
        Some(s) => format!(
            "{who}: snapshot {} at position {}, {} events ({} pruned), {} bytes, {:.1} s",
            s.id, s.pos, s.events, s.pruned, s.size, m.seconds
        ),
        None => format!("{who}: no events yet, no snapshot ({:.1} s)", m.seconds),
    }
}

/// A folder of its own that goes when it is dropped.
struct WorkDir(std::path::PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Builds, checks and stores `site`'s snapshot (`None`: every site's, for stations without
/// one). `None` when its feed is empty.
async fn make(
    db: &dyn ServerStore,
    site: Option<&SiteInfo>,
    keep_days: u32,
    work: &Path,
) -> anyhow::Result<Option<SnapshotMeta>> {
    let dir = WorkDir(work.join(format!("lotline-snapshot-{}", uuid::Uuid::now_v7())));
    private_dir(&dir.0).with_context(|| format!("creating {}", dir.0.display()))?;
    let mut store = Store::open(&dir.0.join("replica.db"))?;
    store.bind_server(db.server_id(), REPLICA_STATION, false)?;
    store.set_site(site.map(|s| (s.gln.as_str(), s.name.as_str())))?;
    let gln = site.map(|s| s.gln.as_str());
    // The station's pull, page by page: the same pages a new station of the site gets.
    let mut after = 0;
    loop {
        let page = feed::pull_page(db, gln, after, MAX_PULL_EVENTS, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(
            page.next >= after,
            "the feed went back from {after} to {}",
            page.next
        );
        let more = page.more && page.next != after;
        let next = page.next;
        let events: Vec<_> = page
            .events
            .into_iter()
            .map(|e| pulled_event(e, gln))
            .collect();
        store.apply_pulled(&events, next)?;
        if !more {
            break;
        }
        after = next;
    }
    if store.pull_cursor()? == 0 {
        return Ok(None);
    }
    store.prune(&crate::store::days_ago(keep_days))?;
    let file = dir.0.join("snapshot.db");
    let info = store.write_snapshot(&file)?;
    drop(store);
    let meta = SnapshotMeta {
        id: uuid::Uuid::now_v7().to_string(),
        site: gln.map(str::to_string),
        pos: info.pos,
        hash: info.hash,
        events: info.events,
        pruned: info.pruned,
        size: std::fs::metadata(&file)
            .with_context(|| format!("reading {}", file.display()))?
            .len(),
        made_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    // Stored only if its hash is the one the server computes from its own events.
    snapshot::put(db, &meta, &file).await?;
    Ok(Some(meta))
}

/// A folder only its owner can read (a site's whole store is built in it).
fn private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.recursive(false).create(path)
}
