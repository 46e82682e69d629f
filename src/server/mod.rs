//! The central server: an HTTP/JSON API (`/api/v1`, described by docs/openapi.json and
//! served at `/api/v1/openapi.json`) over one [`db::ServerStore`] (embedded SQLite by
//! default, PostgreSQL for production). It keeps no state outside its database.
//!
//! The wire types are [`crate::protocol`]'s, shared with the station's sync client.
//!
//! - [`db`]: the database trait; [`sqlite`] and [`postgres`] implement it.
//! - [`auth`]: bearer tokens (random, shown once, stored as SHA-256) and roles.
//! - [`views`]: lot look-up, cross-site trace, expiry and recall lists over the events.
//! - [`http`]: the routes, role checks, size limits and JSON errors.
//! - [`feed`]: what a station pulls (one function for the pull route and for snapshots).
//! - [`snapshot`]: store snapshots a new station starts from: the hash they must stand for,
//!   and their files in chunks.

pub mod auth;
pub mod db;
pub mod feed;
pub mod http;
pub mod people;
pub mod postgres;
pub mod scope;
pub mod snapshot;
pub mod sqlite;
pub mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use db::{DbError, ServerStore};

/// Where the server keeps its data, from `--db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// `sqlite:PATH` or a plain path.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl DbUrl {
    pub fn parse(s: &str) -> DbUrl {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            DbUrl::Postgres(s.to_string())
        } else {
            let path = s
                .strip_prefix("sqlite://")
                .or_else(|| s.strip_prefix("sqlite:"))
                .unwrap_or(s);
            DbUrl::Sqlite(PathBuf::from(path))
        }
    }

    /// The default: `lotline-server.db` in the user's data directory.
    pub fn default_sqlite() -> DbUrl {
        DbUrl::Sqlite(
            directories::ProjectDirs::from("", "", "lotline")
                .map(|d| d.data_dir().join("lotline-server.db"))
                .unwrap_or_else(|| PathBuf::from("lotline-server.db")),
        )
    }

    /// Opens (creating tables if needed) the database.
    pub async fn open(&self) -> Result<Arc<dyn ServerStore>, DbError> {
        self.open_waiting(Backpressure::default().max_wait).await
    }

    /// [`Self::open`], a request waiting at most `max_wait` for its turn (PostgreSQL: a
    /// connection of the pool, the push lock).
    pub async fn open_waiting(&self, max_wait: Duration) -> Result<Arc<dyn ServerStore>, DbError> {
        Ok(match self {
            DbUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path)?),
            DbUrl::Postgres(url) => Arc::new(postgres::PgStore::open(url, max_wait).await?),
        })
    }
}

/// How much one server process takes on before it answers 429 Too Many Requests (with
/// `Retry-After`) instead of letting requests queue until the stations' requests time out.
/// Each process has its own limits: N processes behind a load balancer take N times as much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backpressure {
    /// Pushes and pulls served at once (`--max-in-flight`); one more is answered 429 at once,
    /// before its body is read or its token checked.
    pub max_in_flight: usize,
    /// The longest a request waits for its turn (`--max-wait`): on PostgreSQL, for a database
    /// connection and for the push lock; then it is answered 429, nothing of it stored.
    pub max_wait: Duration,
}

impl Backpressure {
    /// What `Retry-After` tells a refused client to wait, in seconds: slots free up in
    /// milliseconds, so a short pause (the station adds jitter) spreads the retries.
    pub const RETRY_AFTER_SECS: u64 = 2;
}

impl Default for Backpressure {
    /// 64 at once (four times the 16 database connections a process keeps: a push waits for a
    /// connection rather than being refused while the lock turns over), waiting at most 5 s
    /// (well inside a station's 15–30 s request timeout).
    fn default() -> Self {
        Backpressure {
            max_in_flight: 64,
            max_wait: Duration::from_secs(5),
        }
    }
}

/// The certificate chain and private key (PEM files) the server speaks HTTPS with.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Serves the API on `listen` until the process is stopped (Ctrl-C or SIGTERM end it
/// cleanly; a SIGKILL loses nothing either: every answered request was committed). With
/// `tls`, HTTPS only (rustls on the pure-Rust `ring` provider, so a server host needs no
/// OpenSSL or C toolchain beyond what `ring` builds with). Past `limits`, requests are answered
/// 429 with `Retry-After`.
pub async fn serve(
    listen: SocketAddr,
    db: Arc<dyn ServerStore>,
    tls: Option<TlsFiles>,
    limits: Backpressure,
) -> std::io::Result<()> {
    let app = http::router(db, limits);
    let Some(tls) = tls else {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        announce("http", listener.local_addr()?);
        return axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await;
    };
    // One provider for the process: rustls refuses to choose when it cannot tell which.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
        .await
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "the TLS certificate {} or key {} cannot be used: {e}",
                    tls.cert.display(),
                    tls.key.display()
                ),
            )
        })?;
    let listener = std::net::TcpListener::bind(listen)?;
    announce("https", listener.local_addr()?);
    let handle = axum_server::Handle::new();
    tokio::spawn({
        let handle = handle.clone();
        async move {
            shutdown().await;
            handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        }
    });
    axum_server::tls_rustls::from_tcp_rustls(listener, config)?
        .handle(handle)
        .serve(app.into_make_service())
        .await
}

/// Says where the server listens (the address actually bound: port 0 picks a free port, and
/// tests and scripts read it from this line).
fn announce(scheme: &str, addr: SocketAddr) {
    use std::io::Write;
    println!("listening on {scheme}://{addr}");
    let _ = std::io::stdout().flush();
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}
