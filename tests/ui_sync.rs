//! The station window's background sync against a real `lotline server` (SQLite) on loopback,
//! headless: what the status bar tells a worker, and that a scan never waits on the network.
//!
//! - Server up: ONLINE, the backlog drains to 0 and the server holds the receipt.
//! - Server killed and its port turned into a black hole (connections accepted, never
//!   answered: a network dead mid-way): a scan made while a sync request hangs is recorded and
//!   shown at once; the bar turns OFFLINE, says why, and counts the unsent events.
//! - Server restarted: the backlog drains by itself; the server holds every event once.
//! - A token the server does not know: the bar says the token was refused and what to do.
//! - Closing the window while a sync request hangs does not wait for it.

mod support;
mod ui_support;

#[path = "server/common.rs"]
mod server;

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lotline::config::StationConfig;
use lotline::ui::{App, Mode};
use slint::ComponentHandle;
use ui_support::*;

/// Request timeout of the UI's sync in this test: how long a round hangs on the black hole.
const TIMEOUT: Duration = Duration::from_secs(4);

/// Long enough for a timed-out round plus the backoff after a few failures.
const SYNC_LIMIT: Duration = Duration::from_secs(60);

fn config(server: &str, token: &str) -> StationConfig {
    let mut config = StationConfig::default();
    config.ui.station = Some(who().station);
    config.ui.sounds = false;
    config.sync.server = Some(server.to_string());
    config.sync.token = Some(token.to_string());
    config.sync.interval = Some(1);
    config.sync.timeout = Some(TIMEOUT.as_secs());
    config
}

/// The status bar's sync text ("● ONLINE  synced 10:32:05  backlog 0").
fn sync_bar(app: &App) -> String {
    shown_value(app, "AppWindow::sync-status")
}

/// The backlog the status bar shows.
fn shown_backlog(app: &App) -> u64 {
    let bar = sync_bar(app);
    let n = bar.rsplit("backlog ").next().unwrap_or_default();
    n.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no backlog in the status bar: {bar:?}"))
}

/// The line under the status bar saying why the station does not sync ("" when none).
fn sync_problem(app: &App) -> String {
    i_slint_backend_testing::ElementHandle::find_by_element_id(
        &app.window,
        "AppWindow::sync-problem",
    )
    .next()
    .and_then(|e| e.accessible_value())
    .unwrap_or_default()
    .to_string()
}

fn online(app: &App) -> bool {
    sync_bar(app).starts_with("● ONLINE")
}

fn offline(app: &App) -> bool {
    sync_bar(app).starts_with("● OFFLINE")
}

/// Events waiting in the store's outbox.
fn store_backlog(site: &Site) -> u64 {
    site.station().store().outbox_len().unwrap()
}

/// The ids of the events recorded in the store file.
fn station_ids(site: &Site) -> BTreeSet<String> {
    let store = lotline::store::Store::open(&site.db).unwrap();
    store.events().unwrap().into_iter().map(|e| e.id).collect()
}

/// The server holds exactly the station's events, each once.
fn assert_server_holds_station_events(url: &str, admin: &str, site: &Site) {
    assert_eq!(
        server::event_ids_once(&server::server_events(url, admin)),
        station_ids(site),
        "the server holds the station's events"
    );
}

/// A port that accepts connections and never answers, as a network that died mid-way:
/// requests hang until their timeout.
struct BlackHole {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// When each connection was accepted.
    accepted: Arc<Mutex<Vec<Instant>>>,
    thread: Option<JoinHandle<()>>,
}

impl BlackHole {
    /// On `port` of loopback (0: any free port).
    fn on(port: u16) -> BlackHole {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(addr) {
                Ok(l) => break l,
                // The killed server's socket may linger a moment.
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("binding the black hole on {addr}: {e}"),
            }
        };
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, accepted) = (stop.clone(), accepted.clone());
            std::thread::spawn(move || {
                let mut held: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((s, _)) => {
                            held.push(s);
                            accepted.lock().unwrap().push(Instant::now());
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        Err(e) => panic!("black hole accept: {e}"),
                    }
                }
                // Dropping `held` and the listener closes everything.
            })
        };
        BlackHole {
            addr,
            stop,
            accepted,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// When the last connection was accepted.
    fn last_accepted(&self) -> Option<Instant> {
        self.accepted.lock().unwrap().last().copied()
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn the_status_bar_follows_the_server_and_scans_never_wait_for_the_network() {
    init();
    let site = Site::receiving_as(lotline::domain::LotStatus::Quarantined);
    let db = server::Backend::sqlite(site.dir.path()).url();
    let admin = server::token(&db, "hq", "admin", None);
    let station_token = server::token(&db, &who().station, "station", None);
    let mut srv = server::Server::start(&db);
    let (url, port) = (srv.url.clone(), srv.port);

    // Server up: a receipt reaches the server and the bar says so.
    let app = site.open(config(&url, &station_token), Mode::Receive);
    scan(&app, &pallet(1, "B2611"));
    wait_for("the first receipt", || banner(&app).starts_with("RECEIVED"));
    wait_for_within("ONLINE with backlog 0", SYNC_LIMIT, || {
        online(&app) && shown_backlog(&app) == 0 && store_backlog(&site) == 0
    });
    assert!(sync_bar(&app).contains("synced "), "{}", sync_bar(&app));
    assert_eq!(sync_problem(&app), "");
    assert_server_holds_station_events(&url, &admin, &site);

    // The server dies and the network with it: requests hang instead of being refused.
    srv.kill();
    let hole = BlackHole::on(port);
    wait_for_within(
        "a sync request hanging on the dead network",
        SYNC_LIMIT,
        || hole.last_accepted().is_some(),
    );
    let hanging_since = hole.last_accepted().unwrap();
    let events_before = event_count(&site);
    scan(&app, &pallet(2, "B2612"));
    wait_for("the receipt made offline", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2612"
    });
    let shown_after = hanging_since.elapsed();
    assert!(banner(&app).starts_with("RECEIVED"), "{}", banner(&app));
    assert!(
        shown_after < TIMEOUT / 2,
        "the scan's feedback took {shown_after:?} while a sync request hung (timeout {TIMEOUT:?}): the UI waited on the network"
    );
    assert!(event_count(&site) > events_before, "recorded at once");
    scan(&app, &pallet(3, "B2613"));
    wait_for("the second receipt made offline", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2613"
    });
    let unsent = event_count(&site) - events_before;
    assert_eq!(store_backlog(&site), unsent);
    wait_for_within("OFFLINE with the unsent scans counted", SYNC_LIMIT, || {
        offline(&app) && shown_backlog(&app) == unsent
    });
    let problem = sync_problem(&app);
    assert!(
        problem.contains("cannot reach the server") && problem.contains("kept here"),
        "{problem}"
    );

    // The server comes back on the same address: the backlog drains by itself.
    drop(hole);
    srv = server::Server::start_on(&db, port);
    wait_for_within("the backlog drained after the restart", SYNC_LIMIT, || {
        online(&app) && shown_backlog(&app) == 0
    });
    assert_eq!(store_backlog(&site), 0);
    assert_eq!(sync_problem(&app), "");
    assert_server_holds_station_events(&url, &admin, &site);
    app.window.hide().unwrap();
    drop(app);

    // A token the server does not know: refused, and the bar says what to do.
    let app = site.open(config(&url, "llt_0000_not-a-real-token"), Mode::Receive);
    assert!(
        sync_bar(&app).contains("connecting"),
        "before its first round the station does not claim to be online: {}",
        sync_bar(&app)
    );
    scan(&app, &pallet(4, "B2614"));
    wait_for("the receipt with a bad token", || {
        shown_value(&app, "ReceiveView::batch-row") == "B2614"
    });
    wait_for_within("the refused token in the status bar", SYNC_LIMIT, || {
        !sync_problem(&app).is_empty() && shown_backlog(&app) > 0
    });
    let problem = sync_problem(&app);
    assert!(offline(&app), "{}", sync_bar(&app));
    for says in ["refused this station's token", "token create", "[sync]"] {
        assert!(problem.contains(says), "{says:?} not in {problem:?}");
    }
    assert_eq!(shown_backlog(&app), store_backlog(&site));
    let on_server = server::server_events(&url, &admin).len() as u64;
    assert_eq!(on_server + store_backlog(&site), event_count(&site));
    app.window.hide().unwrap();
    drop(app);
    drop(srv);

    // Closing the window while a round hangs on a dead network does not wait for it.
    let hole = BlackHole::on(0);
    let app = site.open(config(&hole.url(), &station_token), Mode::Receive);
    wait_for_within("a sync request hanging", SYNC_LIMIT, || {
        hole.last_accepted().is_some()
    });
    assert!(
        offline(&app) && sync_bar(&app).contains("connecting"),
        "{}",
        sync_bar(&app)
    );
    app.window.hide().unwrap();
    let closing = Instant::now();
    drop(app);
    assert!(
        closing.elapsed() < TIMEOUT / 2,
        "closing took {:?}: it waited for the hanging sync request",
        closing.elapsed()
    );
}
