//! Real processes on loopback: the `lotline` server on SQLite or a fresh PostgreSQL database,
//! stations as SQLite files driven through the `lotline` binary, HTTP with ureq.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// Where the server keeps its data for one test.
pub enum Backend {
    Sqlite(PathBuf),
    Postgres { url: String, name: String },
}

impl Backend {
    pub fn sqlite(dir: &Path) -> Backend {
        Backend::Sqlite(dir.join("server.db"))
    }

    /// A fresh database `lotline_test_<random>` on the local PostgreSQL, dropped at the end.
    pub fn postgres() -> Backend {
        let name = format!("lotline_test_{:016x}", rand::random::<u64>());
        admin_sql(&format!("CREATE DATABASE {name}"));
        Backend::Postgres {
            url: format!("postgres://{PG_ROLE}:{PG_ROLE}@127.0.0.1:5432/{name}"),
            name,
        }
    }

    pub fn url(&self) -> String {
        match self {
            Backend::Sqlite(p) => format!("sqlite:{}", p.display()),
            Backend::Postgres { url, .. } => url.clone(),
        }
    }
}

impl Backend {
    /// Runs one statement on the server's database, as an operator with its file or role
    /// would (to put a row in a state no API call makes, such as a token already expired).
    pub fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite(path) => {
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            Backend::Postgres { url, .. } => pg_batch(url, sql),
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres { name, .. } = self {
            admin_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The tests' own PostgreSQL role (password = its name; CREATEDB, not a superuser), made by
/// scripts/setup-system: each test database is created and dropped by it.
const PG_ROLE: &str = "lotline_test";

fn admin_sql(sql: &str) {
    pg_batch(
        &format!("host=127.0.0.1 port=5432 user={PG_ROLE} password={PG_ROLE} dbname=postgres"),
        sql,
    );
}

/// Runs `sql` on the PostgreSQL database `conninfo` names (a URL or key=value pairs).
fn pg_batch(conninfo: &str, sql: &str) {
    Pg::connect(conninfo).batch(sql);
}

/// A session of its own on a PostgreSQL database: the test as an operator, or as another
/// client holding a lock.
pub struct Pg {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Pg {
    pub fn connect(conninfo: &str) -> Pg {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at 127.0.0.1:5432 as role {PG_ROLE} ({e}): run scripts/setup-system"
                    )
                });
            tokio::spawn(conn);
            client
        });
        Pg { rt, client }
    }

    pub fn batch(&self, sql: &str) {
        self.rt.block_on(self.client.batch_execute(sql)).unwrap();
    }

    /// The rows of a query, each column as text (NULL as `None`).
    pub fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.rt
            .block_on(self.client.simple_query(sql))
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    }
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub port: u16,
    pub db: String,
    /// What it wrote on stderr (its request log), read as it comes so it never blocks.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(db: &str) -> Server {
        Server::start_on(db, 0)
    }

    pub fn start_on(db: &str, port: u16) -> Server {
        Server::start_with(db, port, &[])
    }

    /// A server with more options (`--tls-cert …`); its `url` is what it printed.
    pub fn start_with(db: &str, port: u16, extra: &[&str]) -> Server {
        for attempt in 0..50 {
            let mut child = crate::support::lotline()
                .args([
                    "--db",
                    db,
                    "server",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .args(extra)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let log = Arc::new(Mutex::new(String::new()));
            let drain = {
                let (log, stderr) = (log.clone(), child.stderr.take().unwrap());
                std::thread::spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                        let mut log = log.lock().unwrap();
                        log.push_str(&line);
                        log.push('\n');
                    }
                })
            };
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            if let Some(addr) = line.trim().strip_prefix("listening on ") {
                let url = addr.to_string();
                let port = url.rsplit(':').next().unwrap().parse().unwrap();
                return Server {
                    child,
                    url,
                    port,
                    db: db.to_string(),
                    log,
                };
            }
            // The port may still be held by the process just killed: try again.
            let _ = child.kill();
            let _ = child.wait();
            let _ = drain.join();
            if attempt == 49 {
                panic!("the server did not start: {}", log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        unreachable!()
    }

    /// The request log once it holds `line`: the server writes a request's line after its
    /// answer has gone, so a test that just got the answer waits a moment for the line.
    pub fn log_with(&self, line: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log.lock().unwrap().clone();
            if log.contains(line) || std::time::Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, as a crash or power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `lotline server token create … --json` → the token.
pub fn token(db: &str, station: &str, role: &str, expires: Option<u32>) -> String {
    let mut args = vec![
        "--db",
        db,
        "server",
        "token",
        "create",
        "--station",
        station,
        "--role",
        role,
        "--json",
    ];
    let days = expires.map(|d| d.to_string());
    if let Some(d) = &days {
        args.extend(["--expires", d]);
    }
    let out = crate::support::lotline().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// `lotline server person add ID --role ROLE`, the PIN given as `LOTLINE_PIN`.
pub fn enrol(db: &str, id: &str, role: &str, pin: &str) {
    let out = crate::support::lotline()
        .args([
            "--db", db, "server", "person", "add", id, "--name", id, "--role", role, "--json",
        ])
        .env("LOTLINE_PIN", pin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The supervisor every server test site has once [`enrol`]led: who signs releases and
/// recalls at the stations.
pub const SUPERVISOR: (&str, &str) = ("sup", "135790");

/// A station: its store file and name.
pub struct Station {
    pub name: String,
    pub db: PathBuf,
    pub config: PathBuf,
}

impl Station {
    pub fn new(dir: &Path, name: &str) -> Station {
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[site]\nfacility = \"{name}\"\nbatch_format = \"{{FAC}}{{YY}}{{JJJ}}-{{SEQ:3}}\"\n{}",
                crate::support::supervisor_pin_section()
            ),
        )
        .unwrap();
        Station {
            name: name.to_string(),
            db: dir.join(format!("{name}.db")),
            config,
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        crate::support::lotline()
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("LOTLINE_STATION", &self.name)
            .env("LOTLINE_ACTOR", format!("worker-{}", self.name))
            .env_remove("LOTLINE_SERVER")
            .env_remove("LOTLINE_TOKEN")
            .output()
            .unwrap()
    }

    /// Runs a command as `person` with `pin` (their account, learned from the server).
    pub fn run_as(&self, (person, pin): (&str, &str), args: &[&str]) -> Output {
        crate::support::lotline()
            .arg("--db")
            .arg(&self.db)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("LOTLINE_STATION", &self.name)
            .env("LOTLINE_ACTOR", format!("worker-{}", self.name))
            .env("LOTLINE_PERSON", person)
            .env("LOTLINE_PIN", pin)
            .env_remove("LOTLINE_SERVER")
            .env_remove("LOTLINE_TOKEN")
            .output()
            .unwrap()
    }

    /// [`Self::run_as`] that must succeed; its JSON output.
    pub fn ok_as(&self, who: (&str, &str), args: &[&str]) -> Value {
        let out = self.run_as(who, args);
        assert!(
            out.status.success(),
            "{} as {} {args:?} failed: {}{}",
            self.name,
            who.0,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// Registers a product whose lots arrive released: a supervisor's decision, signed by
    /// [`SUPERVISOR`] (enrolled at the server), whom the station learns by syncing first.
    pub fn register_released(&self, server: &str, token: &str, gtin: &str, name: &str) {
        self.sync_ok(server, token);
        self.ok_as(
            SUPERVISOR,
            &[
                "product",
                "add",
                gtin,
                "--name",
                name,
                "--receive-as",
                "released",
                "--json",
            ],
        );
    }

    /// Runs a command that must succeed; its JSON output.
    pub fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{} {args:?} failed: {}{}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// One sync round, the token given in a file (`--token-file`).
    pub fn sync(&self, server: &str, token: &str) -> Output {
        self.sync_with(server, token, &[])
    }

    /// One sync round with more options (`--ca-cert PATH`).
    pub fn sync_with(&self, server: &str, token: &str, extra: &[&str]) -> Output {
        let file = self.config.with_extension("token");
        std::fs::write(&file, format!("{token}\n")).unwrap();
        let mut args = vec![
            "sync",
            "--server",
            server,
            "--token-file",
            file.to_str().unwrap(),
            "--once",
            "--json",
            "--timeout",
            "10",
        ];
        args.extend(extra);
        self.run(&args)
    }

    pub fn sync_ok(&self, server: &str, token: &str) -> Value {
        let out = self.sync(server, token);
        assert!(
            out.status.success(),
            "sync of {} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn store(&self) -> lotline::store::Store {
        lotline::store::Store::open(&self.db).unwrap()
    }

    pub fn lot(&self, gtin: &str, batch: &str) -> Value {
        self.ok(&["lot", "show", batch, "--gtin", gtin, "--json"])
    }

    pub fn event_ids(&self) -> BTreeSet<String> {
        self.store()
            .events()
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect()
    }
}

/// One HTTP call; the status and the JSON body (Null when none).
pub fn http(method: &str, url: &str, token: Option<&str>, body: Option<&[u8]>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match method {
        "GET" | "DELETE" => {
            let mut r = if method == "GET" {
                agent.get(url)
            } else {
                agent.delete(url)
            };
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        _ => {
            let mut r = agent.post(url).header("Content-Type", "application/json");
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.send(body.unwrap_or(b""))
        }
    };
    let mut resp = resp.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Every event the server holds, in its order (admin `/events`).
pub fn server_events(server: &str, admin: &str) -> Vec<Value> {
    let mut after = 0;
    let mut out = Vec::new();
    loop {
        let (status, v) = http(
            "GET",
            &format!("{server}/api/v1/events?after={after}"),
            Some(admin),
            None,
        );
        assert_eq!(status, 200, "{v}");
        out.extend(v["events"].as_array().unwrap().iter().cloned());
        after = v["next"].as_i64().unwrap();
        if !v["more"].as_bool().unwrap() {
            return out;
        }
    }
}

/// The lots the server knows (gtin, batch), from its events.
pub fn server_lots(events: &[Value]) -> BTreeSet<(String, String)> {
    events
        .iter()
        .filter_map(|e| {
            let ev = &e["event"];
            Some((
                ev["gtin"].as_str()?.to_string(),
                ev["batch"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The ids of the server's events (from [`server_events`]), failing if it holds any twice.
pub fn event_ids_once(events: &[serde_json::Value]) -> BTreeSet<String> {
    let ids: Vec<String> = events
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "an event is stored twice on the server"
    );
    unique
}

/// After a full sync: the server holds exactly the union of the stations' events, each
/// once; every station's lots equal the server's; every station's log verifies and its
/// derived state equals a replay.
pub fn assert_converged(server: &str, admin: &str, stations: &[&Station]) {
    assert_converged_on_lots(server, admin, stations, |_, _| true);
}

/// [`assert_converged`], asking the stations about only the lots (GTIN, batch) `compare`
/// picks: simulated stations under load make more lots than a test can ask each station about.
pub fn assert_converged_on_lots(
    server: &str,
    admin: &str,
    stations: &[&Station],
    compare: impl Fn(&str, &str) -> bool,
) {
    let events = server_events(server, admin);
    let unique = event_ids_once(&events);
    let mut union = BTreeSet::new();
    for s in stations {
        let mut store = s.store();
        assert_eq!(store.outbox_len().unwrap(), 0, "{} has a backlog", s.name);
        store.verify().unwrap();
        let before = store.derived_snapshot().unwrap();
        store.rebuild().unwrap();
        assert_eq!(
            before,
            store.derived_snapshot().unwrap(),
            "{}: derived state differs from a replay of its log",
            s.name
        );
        let mine = s.event_ids();
        assert_eq!(
            mine, unique,
            "{} does not hold every event the server has",
            s.name
        );
        union.extend(mine);
    }
    assert_eq!(
        union, unique,
        "the server holds exactly the union of station events"
    );
    for (gtin, batch) in server_lots(&events) {
        if !compare(&gtin, &batch) {
            continue;
        }
        let (status, on_server) = http(
            "GET",
            &format!("{server}/api/v1/lots/{gtin}/{batch}"),
            Some(admin),
            None,
        );
        assert_eq!(status, 200, "{on_server}");
        for s in stations {
            assert_eq!(
                s.lot(&gtin, &batch),
                on_server,
                "{} and the server disagree on lot {gtin}/{batch}",
                s.name
            );
        }
    }
}

/// A POST that declares a body of `declared` bytes but sends only its first KiB, then reads
/// the answer: how a server refuses an oversized body without reading it (a client that
/// keeps writing would see the connection closed under it).
pub fn http_declaring(url: &str, path: &str, token: &str, declared: usize) -> (u16, Value) {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n{}",
        " ".repeat(1024)
    )
    .unwrap();
    let mut reader = BufReader::new(&mut s);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Pushes one event as station `token` would, bypassing the station's checks, and asserts
/// the server refuses it (400) with an answer that contains `says` (the field it names).
pub fn push_refused(url: &str, token: &str, event: &Value, says: &str) {
    let body = serde_json::json!({"events": [{
        "id": uuid::Uuid::now_v7().to_string(), "at": "2026-12-07T08:00:00Z",
        "station": "A", "actor": "w", "event": event}], "backlog": 0});
    let (status, v) = http(
        "POST",
        &format!("{url}/api/v1/sync/push"),
        Some(token),
        Some(body.to_string().as_bytes()),
    );
    let refused = status == 400 || v["refused"][0]["status"] == 400;
    assert!(refused, "{status} {v}");
    assert!(v.to_string().contains(says), "{says}: {v}");
}

/// `e` (an event's JSON, as pushed or as the server lists it) linked after `prev` into its
/// station's chain, as a station links what it pushes.
pub fn linked(e: &Value, prev: &str) -> Value {
    let mut e = e.clone();
    let obj = e.as_object_mut().unwrap();
    obj.remove("pos");
    obj.remove("link");
    let w: lotline::protocol::WireEvent = serde_json::from_value(e.clone()).unwrap();
    e["link"] = serde_json::to_value(lotline::protocol::Link::after(prev, &w)).unwrap();
    e
}

/// The link a linked event's JSON carries.
pub fn link_of(e: &Value) -> String {
    e["link"]["hash"].as_str().unwrap().to_string()
}
