//! Scanner input speed.
//!
//! - `framer`: the pure framer alone (criterion).
//! - pty throughput: frames per second from a pty master through the real serial source (reader
//!   thread, framer, text check, channel), against a bare read loop on the same kind of pty
//!   that only counts CRs (the peer: what the kernel and one thread cost without our work).
//! - pty latency: from the write of a frame's last byte to the station loop's handler call,
//!   one frame at a time (median and 99th percentile).
//!
//! `cargo bench --bench scanner`; under `cargo test` it runs once with small counts.

use std::io::{Read, Write};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use lotline::scanner::framer::{Framer, FramingConfig};
use lotline::scanner::scan_loop::{LoopEvent, ScanLoop};
use lotline::scanner::source::{self, RunningSource, SourceSpec};
use lotline::scanner::{Scan, ScannerConfig, SourceEvent, SourceState};
use serialport::{SerialPort, TTYPort};

const FRAME: &[u8] = b"]C10109501101531000\x1d1726123110LOT-0042\x1d21SN000123\r";

fn framer_bench(c: &mut Criterion) {
    let batch: Vec<u8> = FRAME.repeat(1000);
    let mut group = c.benchmark_group("framer");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000 GS1 frames in 1 push", |b| {
        b.iter(|| {
            let mut f = Framer::new(FramingConfig::default());
            f.push(&batch);
            std::iter::from_fn(|| f.next_frame()).count()
        })
    });
    group.bench_function("1000 GS1 frames in 16-byte pieces", |b| {
        b.iter(|| {
            let mut f = Framer::new(FramingConfig::default());
            let mut n = 0;
            for piece in batch.chunks(16) {
                f.push(piece);
                n += std::iter::from_fn(|| f.next_frame()).count();
            }
            n
        })
    });
    group.finish();
}

/// A pty pair whose slave side is closed again, so a source can open it by name.
fn pty() -> (TTYPort, String) {
    let (master, slave) = TTYPort::pair().expect("a pty pair");
    let name = slave.name().expect("the slave pty has a name");
    drop(slave);
    (master, name)
}

fn start_source(path: &str) -> RunningSource {
    let spec = SourceSpec::parse(&format!("serial:{path}@9600")).unwrap();
    let running = source::start(&spec, &ScannerConfig::default()).unwrap();
    match running.events.recv_timeout(Duration::from_secs(5)) {
        Ok(SourceEvent::State {
            state: SourceState::Connected,
            ..
        }) => running,
        other => panic!("source did not connect: {other:?}"),
    }
}

/// Writes `frames` frames from a writer thread, returns frames/s seen by `count`.
fn throughput(frames: usize, mut master: TTYPort, count: impl FnOnce(usize)) -> f64 {
    let writer = std::thread::spawn(move || {
        let chunk = FRAME.repeat(64);
        for _ in 0..frames / 64 {
            master.write_all(&chunk).unwrap();
        }
        master
    });
    let start = Instant::now();
    count(frames / 64 * 64);
    let elapsed = start.elapsed();
    drop(writer.join().unwrap());
    (frames / 64 * 64) as f64 / elapsed.as_secs_f64()
}

fn ours(frames: usize) -> f64 {
    let (mut master, path) = pty();
    master.set_timeout(Duration::from_secs(5)).unwrap();
    let source = start_source(&path);
    let rate = throughput(frames, master, |n| {
        let mut got = 0;
        while got < n {
            match source.events.recv_timeout(Duration::from_secs(5)) {
                Ok(SourceEvent::Scan(_)) => got += 1,
                Ok(other) => panic!("unexpected {other:?}"),
                Err(e) => panic!("after {got} of {n} scans: {e}"),
            }
        }
    });
    source.stop.stop();
    rate
}

fn bare_read_loop(frames: usize) -> f64 {
    let (mut master, path) = pty();
    master.set_timeout(Duration::from_secs(5)).unwrap();
    let mut port = serialport::new(&path, 9600)
        .timeout(Duration::from_secs(5))
        .open_native()
        .unwrap();
    throughput(frames, master, |n| {
        let mut buf = [0u8; 1024];
        let mut got = 0;
        while got < n {
            let len = port.read(&mut buf).unwrap();
            got += buf[..len].iter().filter(|b| **b == b'\r').count();
        }
    })
}

/// The loop's handler: when the scan reached it.
fn stamp(_scan: &Scan) -> Instant {
    Instant::now()
}

fn latency(samples: usize) -> (Duration, Duration) {
    let (mut master, path) = pty();
    let source = start_source(&path);
    let mut scans = ScanLoop::new(stamp as fn(&Scan) -> Instant, Duration::ZERO);
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        master.write_all(FRAME).unwrap();
        let written = Instant::now();
        times.push(wait_for_scan(&source.events, &mut scans) - written);
    }
    source.stop.stop();
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// The peer: the same write → read on a pty with nothing in between (one thread, no framing).
fn bare_latency(samples: usize) -> (Duration, Duration) {
    let (mut master, path) = pty();
    let mut port = serialport::new(&path, 9600)
        .timeout(Duration::from_secs(5))
        .open_native()
        .unwrap();
    let mut buf = [0u8; 256];
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        master.write_all(FRAME).unwrap();
        let written = Instant::now();
        let mut got = 0;
        while !buf[..got].contains(&b'\r') {
            got += port.read(&mut buf[got..]).unwrap();
        }
        times.push(written.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

/// Runs the loop until a scan has been handled; when it reached the handler.
fn wait_for_scan(
    events: &Receiver<SourceEvent>,
    scans: &mut ScanLoop<fn(&Scan) -> Instant>,
) -> Instant {
    let mut handled = None;
    while handled.is_none() {
        let event = events.recv_timeout(Duration::from_secs(5)).unwrap();
        scans.process(event, &mut |e| {
            if let LoopEvent::Handled { outcome, .. } = e {
                handled = Some(outcome);
            }
        });
    }
    handled.unwrap()
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();
    framer_bench(&mut c);
    c.final_summary();

    let (frames, samples, rounds) = if benching {
        (64_000, 2000, 3)
    } else {
        (640, 20, 1)
    };
    for round in 1..=rounds {
        let ours = ours(frames);
        let bare = bare_read_loop(frames);
        println!(
            "pty throughput round {round}: lotline serial source {ours:.0} frames/s, \
             bare read loop {bare:.0} frames/s, ratio {:.2}",
            ours / bare
        );
    }
    let (median, p99) = latency(samples);
    let (bare_median, bare_p99) = bare_latency(samples);
    println!(
        "pty latency, last byte written → handler call ({samples} frames): \
         median {median:?}, p99 {p99:?}; bare write → read: median {bare_median:?}, p99 {bare_p99:?}"
    );
}
