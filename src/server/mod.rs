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

pub mod auth;
pub mod db;
pub mod http;
pub mod postgres;
pub mod sqlite;
pub mod views;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

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
        Ok(match self {
            DbUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path)?),
            DbUrl::Postgres(url) => Arc::new(postgres::PgStore::open(url).await?),
        })
    }
}

/// Serves the API on `listen` until the process is stopped (Ctrl-C or SIGTERM end it
/// cleanly; a SIGKILL loses nothing either: every answered request was committed).
pub async fn serve(listen: SocketAddr, db: Arc<dyn ServerStore>) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    // The address actually bound (port 0 picks a free port): tests and scripts read it.
    println!("listening on http://{}", listener.local_addr()?);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    axum::serve(listener, http::router(db))
        .with_graceful_shutdown(shutdown())
        .await
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
