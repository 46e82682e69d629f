//! The fault test: a TCP proxy between the stations and the server drops connections, cuts
//! responses half-way, delays and duplicates requests, and the server is SIGKILLed and
//! restarted while stations push; at the end the server holds exactly the union of the
//! stations' events and every station's lots equal the server's.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::common::*;

const GTIN: &str = "09501101530003";

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Pass,
    /// Close before the server sees the request.
    DropRequest,
    /// The server handles it; the answer is lost.
    DropResponse,
    /// Half the answer, then the connection closes.
    CutResponse,
    /// The request waits before it goes on.
    Delay(u64),
    /// The server gets the request twice.
    Duplicate,
}

struct Proxy {
    port: u16,
    faults: Arc<AtomicU64>,
    enabled: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    fn start(upstream: Arc<AtomicU16>, rng: Arc<Mutex<StdRng>>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let faults = Arc::new(AtomicU64::new(0));
        let enabled = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, e, s) = (faults.clone(), enabled.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let fault = if e.load(Ordering::SeqCst) {
                    let mut rng = rng.lock().unwrap();
                    match rng.random_range(0..8) {
                        0 => Fault::DropRequest,
                        1 => Fault::DropResponse,
                        2 => Fault::CutResponse,
                        3 => Fault::Delay(rng.random_range(10..150)),
                        4 => Fault::Duplicate,
                        _ => Fault::Pass,
                    }
                } else {
                    Fault::Pass
                };
                if fault != Fault::Pass {
                    f.fetch_add(1, Ordering::SeqCst);
                }
                let port = upstream.load(Ordering::SeqCst);
                std::thread::spawn(move || {
                    let _ = relay(client, port, fault);
                });
            }
        });
        Proxy {
            port,
            faults,
            enabled,
            stop,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP message (headers, then Content-Length bytes of body).
fn read_message(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap_or(0))
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = s.read(&mut chunk)?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(buf);
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn exchange(port: u16, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", port))?;
    up.set_read_timeout(Some(Duration::from_secs(20)))?;
    up.write_all(request)?;
    read_message(&mut up)
}

/// One request per connection, with its fault.
fn relay(mut client: TcpStream, port: u16, fault: Fault) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(20)))?;
    let request = read_message(&mut client)?;
    let answer = match fault {
        Fault::DropRequest => {
            return client.shutdown(Shutdown::Both);
        }
        Fault::Delay(ms) => {
            std::thread::sleep(Duration::from_millis(ms));
            exchange(port, &request)?
        }
        Fault::Duplicate => {
            let _ = exchange(port, &request);
            exchange(port, &request)?
        }
        _ => exchange(port, &request)?,
    };
    match fault {
        Fault::DropResponse => {}
        Fault::CutResponse => {
            client.write_all(&answer[..answer.len() / 2])?;
        }
        _ => client.write_all(&answer)?,
    }
    client.flush()?;
    client.shutdown(Shutdown::Both)
}

/// Some work at a station: receipts of new lots, dispatches and status changes of its lots.
fn work(s: &Station, n: &mut u32, rng: &mut StdRng) {
    for _ in 0..rng.random_range(1..6) {
        *n += 1;
        let batch = format!("{}{:04}", s.name, *n);
        s.ok(&[
            "receive",
            &format!("(01){GTIN}(17)271231(10){batch}"),
            "--qty",
            "10",
            "--location",
            &format!("DOCK-{}", s.name),
            "--json",
        ]);
        if rng.random_bool(0.4) {
            s.ok(&[
                "dispatch",
                &format!("(01){GTIN}(10){batch}"),
                "--qty",
                "3",
                "--customer",
                "Northwind",
                "--json",
            ]);
        }
        if rng.random_bool(0.3) {
            s.ok(&[
                "lot", "hold", &batch, "--gtin", GTIN, "--reason", "check", "--json",
            ]);
        }
    }
}

/// Runs until the proxy has injected `target` faults (at most 400 rounds per station).
pub fn faults_lose_and_double_nothing(backend: Backend, target: u64) {
    let seed: u64 = std::env::var("LOTLINE_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("fault test seed: {seed} (LOTLINE_FAULT_SEED={seed} repeats it)");
    let dir = tempfile::tempdir().unwrap();
    let db = backend.url();
    let admin = token(&db, "hq", "admin", None);
    let tokens = [
        token(&db, "A", "station", None),
        token(&db, "B", "station", None),
    ];
    let server = Arc::new(Mutex::new(Server::start(&db)));
    let port = server.lock().unwrap().port;
    let upstream = Arc::new(AtomicU16::new(port));
    let rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
    let proxy = Proxy::start(upstream.clone(), rng.clone());
    let via = format!("http://127.0.0.1:{}", proxy.port);
    let stations = [Station::new(dir.path(), "A"), Station::new(dir.path(), "B")];
    enrol(&db, SUPERVISOR.0, "supervisor", SUPERVISOR.1);
    let direct = server.lock().unwrap().url.clone();
    for (s, t) in stations.iter().zip(&tokens) {
        s.register_released(&direct, t, GTIN, "Passata");
    }

    // The killer: SIGKILLs the server at random moments while the stations sync, and
    // restarts it on the same port.
    let done = Arc::new(AtomicBool::new(false));
    let kills = Arc::new(AtomicU64::new(0));
    let killer = {
        let (server, done, kills, db) = (server.clone(), done.clone(), kills.clone(), db.clone());
        let mut krng = StdRng::seed_from_u64(seed ^ 0x5eed);
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(krng.random_range(300..1500)));
                let mut s = server.lock().unwrap();
                s.kill();
                kills.fetch_add(1, Ordering::SeqCst);
                *s = Server::start_on(&db, port);
            }
        })
    };

    let workers: Vec<_> = stations
        .iter()
        .zip(&tokens)
        .enumerate()
        .map(|(i, (s, t))| {
            let (s, t, via) = (
                Station {
                    name: s.name.clone(),
                    db: s.db.clone(),
                    config: s.config.clone(),
                },
                t.clone(),
                via.clone(),
            );
            let faults = proxy.faults.clone();
            let mut wrng = StdRng::seed_from_u64(seed.wrapping_add(i as u64 + 1));
            std::thread::spawn(move || {
                let mut n = 0;
                let mut ok = 0;
                for _ in 0..400 {
                    if faults.load(Ordering::SeqCst) >= target {
                        break;
                    }
                    work(&s, &mut n, &mut wrng);
                    for _ in 0..wrng.random_range(1..4) {
                        if s.sync(&via, &t).status.success() {
                            ok += 1;
                        }
                    }
                }
                ok
            })
        })
        .collect();
    let succeeded: Vec<u32> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    done.store(true, Ordering::SeqCst);
    killer.join().unwrap();
    let faults = proxy.faults.load(Ordering::SeqCst);
    let kills = kills.load(Ordering::SeqCst);
    println!(
        "{faults} proxy faults, {kills} server kills, successful syncs per station: {succeeded:?}"
    );
    assert!(faults >= target, "only {faults} faults in 400 rounds");

    // The network heals: every station syncs until it has nothing left either way.
    proxy.enabled.store(false, Ordering::SeqCst);
    let url = server.lock().unwrap().url.clone();
    for _ in 0..2 {
        for (s, t) in stations.iter().zip(&tokens) {
            s.sync_ok(&via, t);
        }
    }
    assert_converged(&url, &admin, &[&stations[0], &stations[1]]);
}
