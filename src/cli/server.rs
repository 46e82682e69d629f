//! `lotline server`: run the central server, and manage its tokens.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::error::{Code, refuse};
use super::output::Out;
use super::{CmdResult, Globals};
use crate::protocol::TokenRole;
use crate::server::{Backpressure, DbUrl, auth};

#[derive(Debug, Args)]
#[command(
    after_help = "The server's database is `--db` (global): `sqlite:PATH` (default: lotline-server.db in the user's data directory) or `postgres://user@host:port/db`."
)]
pub struct ServerArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The server's certificate chain (PEM): serve HTTPS. Needs --tls-key.
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address (tokens and events cross the network in
    /// clear): only behind a TLS-terminating proxy on the same host or a trusted network.
    #[arg(long, conflicts_with = "tls_cert")]
    insecure_http: bool,
    /// Pushes and pulls this process serves at once; one more is answered 429 with
    /// Retry-After (the station waits and retries). Each server process counts its own.
    #[arg(long, value_name = "N", default_value_t = Backpressure::default().max_in_flight as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_in_flight: u32,
    /// Seconds a request waits for its turn (on PostgreSQL: a database connection, the push
    /// lock) before it is answered 429 with Retry-After.
    #[arg(long, value_name = "SECONDS", default_value_t = Backpressure::default().max_wait.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    max_wait: u64,
    /// Also make every site's snapshot (as `lotline server snapshot` does) when the server
    /// starts and every HOURS hours after, so new stations start from a recent one. With
    /// several server processes, give it to one of them.
    #[arg(long, value_name = "HOURS",
          value_parser = clap::value_parser!(u32).range(1..=8_760))]
    snapshot_every: Option<u32>,
    /// With --snapshot-every: the history the snapshots keep, in days (as --keep-days).
    #[arg(long, value_name = "DAYS", default_value_t = 30, requires = "snapshot_every",
          value_parser = clap::value_parser!(u32).range(0..=36_500))]
    snapshot_keep_days: u32,
    #[command(subcommand)]
    command: Option<ServerCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Manage bearer tokens (stored hashed; a new token is shown once).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage people: their accounts, synced to every station, with a PIN-sealed signing key
    /// (docs/server.md, "People and signatures").
    Person {
        #[command(subcommand)]
        command: PersonCommand,
    },
    /// Each station's chain of pushed events, which the server checks on arrival.
    Chain {
        #[command(subcommand)]
        command: ChainCommand,
    },
    /// The company's sites (places, by GLN): a station of a site pulls its site's events only
    /// (docs/server.md, "Sites").
    Site {
        #[command(subcommand)]
        command: SiteCommand,
    },
    /// Make each site's snapshot: its store as a new station of the site would pull it, old
    /// history pruned, for new stations to start from (docs/server.md, "Snapshots"). Run it
    /// nightly; each site keeps its two newest.
    Snapshot {
        /// Only this site (GLN); default: every site, and one for stations without a site.
        #[arg(long, value_name = "GLN")]
        site: Option<String>,
        /// Keep the full history of the last N days; lots that left the site before that keep
        /// their state but not their events' content (the server keeps those).
        #[arg(long, value_name = "N", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(0..=36_500))]
        keep_days: u32,
        /// Where the site's store is built before it is stored (default: the system's temporary
        /// folder); it needs room for the site's whole store, twice.
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// The stations the server has seen: site, last seen, backlog, events pushed, pull cursor.
    Stations {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Add a site (or rename one).
    Add {
        /// The site's GLN (13 digits with its check digit).
        gln: String,
        /// What people call it ("Hamburg DC").
        #[arg(long)]
        name: String,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// List the sites.
    List {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChainCommand {
    /// Let a station start a new chain: after its store was replaced or restored from a
    /// backup, its pushes no longer continue what the server holds of it (412). Check first
    /// that the station is the real one; its next push starts the new chain.
    Reset {
        /// The station's name.
        station: String,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Give a person an account. Their first PIN (at least 6 characters) comes from
    /// `LOTLINE_PIN` or --pin-file, never the command line; they change it at a station.
    Add {
        /// Their id: what they type at a station and what events name (a-z, 0-9, . _ -).
        id: String,
        /// Their full name.
        #[arg(long)]
        name: String,
        /// worker: records goods and may hold; supervisor: also releases, rejects, recalls;
        /// admin: a supervisor who also manages the server.
        #[arg(long, value_enum)]
        role: super::values::PersonRoleArg,
        /// A file holding the first PIN (else `LOTLINE_PIN`).
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Take a person's right to act away (their history stays theirs).
    Remove {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List people (never their keys).
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a station or a person.
    Create {
        /// Who the token speaks for (the station's name).
        #[arg(long)]
        station: String,
        /// station: push and pull; supervisor: also hold/release/recall; admin: also tokens.
        #[arg(long, value_enum)]
        role: TokenRole,
        /// Days until it expires, 1 to 36500 (default: never).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=crate::server::auth::MAX_TOKEN_DAYS as i64))]
        expires: Option<u32>,
        /// The station's site (a GLN added with `lotline server site add`): the station then
        /// pulls its site's events only.
        #[arg(long, value_name = "GLN")]
        site: Option<String>,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by its id (or the token itself).
    Revoke {
        id: String,
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// List tokens (never the secrets).
    List {
        /// Print the result as JSON; errors become JSON objects on stderr (docs/cli.md).
        #[arg(long)]
        json: bool,
    },
}

/// `--role`: the protocol's token roles by their wire names (clap stays in the CLI).
impl clap::ValueEnum for TokenRole {
    fn value_variants<'a>() -> &'a [Self] {
        &TokenRole::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

fn db_url(globals: &Globals) -> DbUrl {
    globals
        .db
        .as_ref()
        .map(|p| DbUrl::parse(&p.to_string_lossy()))
        .unwrap_or_else(DbUrl::default_sqlite)
}

pub fn run(args: ServerArgs, globals: &Globals, out: &mut Out) -> CmdResult {
    let url = db_url(globals);
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::server::TlsFiles { cert, key }),
        _ => None,
    };
    if args.command.is_none()
        && tls.is_none()
        && !args.listen.ip().is_loopback()
        && !args.insecure_http
    {
        return refuse(
            Code::Usage,
            format!(
                "refusing to serve plain HTTP on {}: station tokens and events would cross the network in clear; \
                 give --tls-cert CERT.pem --tls-key KEY.pem (docs/server.md shows how to make them), \
                 listen on 127.0.0.1 behind a TLS proxy, or add --insecure-http if the network is trusted",
                args.listen
            ),
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let limits = Backpressure {
        max_in_flight: args.max_in_flight as usize,
        max_wait: std::time::Duration::from_secs(args.max_wait),
    };
    rt.block_on(async move {
        let db = url
            .open_waiting(limits.max_wait)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        match args.command {
            None => {
                // One line per request on stderr (stdout says where it listens).
                let _ = tracing_subscriber::fmt()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .try_init();
                if let Some(hours) = args.snapshot_every {
                    make_snapshots_every(db.clone(), hours, args.snapshot_keep_days);
                }
                crate::server::serve(args.listen, db, tls, limits)
                    .await
                    .with_context(|| format!("serving on {}", args.listen))?;
                Ok(ExitCode::SUCCESS)
            }
            Some(ServerCommand::Token { command }) => token(command, db.as_ref(), out).await,
            Some(ServerCommand::Person { command }) => person(command, db.as_ref(), out).await,
            Some(ServerCommand::Site { command }) => site(command, db.as_ref(), out).await,
            Some(ServerCommand::Snapshot {
                site,
                keep_days,
                work_dir,
                json,
            }) => {
                super::server_snapshot::run(
                    db.as_ref(),
                    site.as_deref(),
                    keep_days,
                    work_dir.as_deref(),
                    json,
                    out,
                )
                .await
            }
            Some(ServerCommand::Stations { json }) => {
                let stations = db.stations().await.map_err(|e| anyhow::anyhow!("{e}"))?;
                if json {
                    out.json(&stations)?;
                } else if stations.is_empty() {
                    eprintln!("no station has pushed or pulled yet");
                } else {
                    for s in stations {
                        out.line(format_args!(
                            "{:<20} site {:<13}  last seen {}  backlog {}  pushed {}  pulled to {}",
                            s.name,
                            s.site.as_deref().unwrap_or("-"),
                            s.last_seen.as_deref().unwrap_or("never"),
                            s.backlog,
                            s.pushed,
                            s.pulled_up_to
                        ))?;
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Some(ServerCommand::Chain {
                command: ChainCommand::Reset { station, json },
            }) => {
                let had = db
                    .reset_chain(&station)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                if json {
                    out.json(&serde_json::json!({ "station": station, "had_chain": had }))?;
                } else if had {
                    out.line(format_args!(
                        "{station}'s chain forgotten: its next push starts a new one"
                    ))?;
                } else {
                    out.line(format_args!(
                        "this server held no chain of {station}: its next push starts one"
                    ))?;
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

async fn site(cmd: SiteCommand, db: &dyn crate::server::ServerStore, out: &mut Out) -> CmdResult {
    match cmd {
        SiteCommand::Add { gln, name, json } => {
            let (gln, name) = (gln.trim().to_string(), name.trim().to_string());
            if let Err(e) = auth::check_gln(&gln) {
                return refuse(
                    Code::Usage,
                    format!("{e}: give the site's GLN (13 digits with its check digit)"),
                );
            }
            if name.is_empty() {
                return refuse(Code::Usage, "give the site a name (--name \"Hamburg DC\")");
            }
            let site = crate::protocol::SiteInfo { gln, name };
            let new = db
                .put_site(site.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                out.json(&serde_json::json!({ "gln": site.gln, "name": site.name, "new": new }))?;
            } else {
                out.line(format_args!(
                    "site {} {} ({})",
                    site.gln,
                    if new { "added" } else { "renamed" },
                    site.name
                ))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        SiteCommand::List { json } => {
            let sites = db.sites().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if json {
                out.json(&sites)?;
            } else {
                for s in sites {
                    out.line(format_args!("{}  {}", s.gln, s.name))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn token(cmd: TokenCommand, db: &dyn crate::server::ServerStore, out: &mut Out) -> CmdResult {
    match cmd {
        TokenCommand::Create {
            station,
            role,
            expires,
            site,
            json,
        } => {
            let (token, info) =
                match auth::create(db, &station, role, expires, site.as_deref()).await {
                    Ok(made) => made,
                    Err(crate::server::DbError::Refused(why)) => return refuse(Code::Usage, why),
                    Err(e) => return Err(anyhow::anyhow!("{e}")),
                };
            if json {
                out.json(&serde_json::json!({ "token": token, "id": info.id }))?;
            } else {
                out.line(&token)?;
                eprintln!(
                    "token {} for {} ({}{}): shown once, keep it safe{}",
                    info.id,
                    info.station,
                    info.role.name(),
                    info.site
                        .as_deref()
                        .map(|s| format!(", site {s}"))
                        .unwrap_or_default(),
                    info.expires
                        .map(|e| format!("; expires {e}"))
                        .unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { id, json } => {
            let done = auth::revoke(db, &id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if !done {
                return refuse(
                    Code::TokenNotFound,
                    format!("no token {id}: `lotline server token list` shows the ids"),
                );
            }
            if json {
                out.json(&serde_json::json!({ "revoked": done, "id": id }))?;
            } else {
                out.line(format_args!("token {id} revoked"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { json } => {
            let tokens: Vec<_> = db
                .tokens()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .iter()
                .map(auth::info)
                .collect();
            if json {
                out.json(&tokens)?;
            } else {
                for t in tokens {
                    out.line(format_args!(
                        "{}  {:<10} {:<20} {}created {}{}{}",
                        t.id,
                        t.role.name(),
                        t.station,
                        t.site
                            .as_deref()
                            .map(|s| format!("site {s}, "))
                            .unwrap_or_default(),
                        t.created,
                        t.expires
                            .map(|e| format!(", expires {e}"))
                            .unwrap_or_default(),
                        t.revoked
                            .map(|r| format!(", REVOKED {r}"))
                            .unwrap_or_default()
                    ))?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn person(
    cmd: PersonCommand,
    db: &dyn crate::server::ServerStore,
    out: &mut Out,
) -> CmdResult {
    use crate::server::people::{self, PersonError};
    let refused = |e: PersonError| match e {
        PersonError::Db(e) => Err(anyhow::anyhow!("{e}")),
        PersonError::Unknown(_) => refuse(Code::PersonNotFound, e.to_string()),
        PersonError::Credential(_) => refuse(Code::CredentialRefused, e.to_string()),
        e => refuse(Code::Usage, e.to_string()),
    };
    match cmd {
        PersonCommand::Add {
            id,
            name,
            role,
            pin_file,
            json,
        } => {
            let pin = super::values::pin(pin_file.as_deref())?;
            let person = match people::enrol(db, &id, &name, role.into(), &pin).await {
                Ok(p) => p,
                Err(e) => return refused(e),
            };
            if json {
                out.json(&serde_json::json!({
                    "id": person.id, "name": person.name, "role": person.role,
                    "public_key": person.credential.public_key,
                }))?;
            } else {
                out.line(format_args!(
                    "{} ({}) is a {}: stations learn it at their next sync",
                    person.id,
                    person.name,
                    person.role.name()
                ))?;
            }
        }
        PersonCommand::Remove { id, json } => {
            if let Err(e) = people::remove(db, &id).await {
                return refused(e);
            }
            if json {
                out.json(&serde_json::json!({ "removed": id }))?;
            } else {
                out.line(format_args!(
                    "{id} may no longer act: stations learn it at their next sync"
                ))?;
            }
        }
        PersonCommand::List { json } => {
            let people = people::people(db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            super::person::print_people(people.iter(), json, None, out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Makes every site's snapshot now and every `hours` hours, on a thread of its own (building a
/// site's store is blocking work, kept off the threads that answer requests). A round that
/// fails is said on stderr and tried again at the next.
fn make_snapshots_every(
    db: std::sync::Arc<dyn crate::server::ServerStore>,
    hours: u32,
    keep_days: u32,
) {
    let rt = tokio::runtime::Handle::current();
    let every = std::time::Duration::from_secs(u64::from(hours) * 3600);
    let spawned = std::thread::Builder::new()
        .name("lotline-snapshots".into())
        .spawn(move || {
            loop {
                let mut out = Out::stdout();
                if let Err(e) = rt.block_on(super::server_snapshot::run(
                    db.as_ref(),
                    None,
                    keep_days,
                    None,
                    false,
                    &mut out,
                )) {
                    eprintln!("snapshots: {e:#}; tried again in {hours} h");
                }
                std::thread::sleep(every);
            }
        });
    if let Err(e) = spawned {
        eprintln!(
            "snapshots: cannot start their thread ({e}); run `lotline server snapshot` from a timer instead"
        );
    }
}
