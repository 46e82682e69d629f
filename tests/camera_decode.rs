//! Camera frames decoded by Lotline and by zxing-cpp, the decoder most apps ship, in the same
//! run: up to 5,103 frames (9 degradation classes × 9 symbologies × 63 seeds), each rendered
//! and degraded here (crates/frames) from Lotline's own encoder, so every frame's true content
//! is known. A misread is any symbol reported that is not the frame's.

mod camera;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use camera::{Class, Frame, Peer, frame, peer_read_is};
use lotline::barcode::{DecodeOptions, Decoder, decode_luma_with};

/// 9 classes × 9 symbologies × 63 seeds.
const FRAMES: usize = 9 * 9 * 63;

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    frames: usize,
    read: usize,
    misread: usize,
    peer_read: usize,
    time: Duration,
}

/// Lotline's verdict on one frame: read (exactly the symbol, nothing else), and a misread if
/// it reported anything that is not on the frame.
fn lotline_reads(f: &Frame, options: &DecodeOptions) -> (bool, Option<String>) {
    match decode_luma_with(&f.luma, camera::WIDTH, camera::HEIGHT, options) {
        Err(_) => (false, None),
        Ok(symbols) => {
            let wrong = symbols
                .iter()
                .find(|d| d.aim_id.as_deref() != Some(f.aim) || d.text != f.text);
            match wrong {
                Some(d) => (false, Some(format!("{:?} {:?}", d.aim_id, d.text))),
                None => (true, None),
            }
        }
    }
}

/// What a run over the frame set found.
struct Run {
    tallies: BTreeMap<Class, Tally>,
    misreads: Vec<String>,
}

/// Frames `0..n` (CAMERA_FRAMES overrides n while tuning; CAMERA_CLASS=blur or
/// CAMERA_KIND=itf-14 keeps one class or symbology) decoded by Lotline with `options` and by
/// zxing-cpp, on two threads, each with its own zxing-cpp process.
fn run(n: usize, options: &DecodeOptions) -> Run {
    let n: usize = std::env::var("CAMERA_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    let only_class = std::env::var("CAMERA_CLASS").ok();
    let only_kind = std::env::var("CAMERA_KIND").ok();
    let ids: Vec<usize> = (0..n)
        .filter(|&id| {
            let (class, kind) = camera::class_and_kind(id);
            only_class.as_ref().is_none_or(|c| c == class.name())
                && only_kind.as_ref().is_none_or(|k| k == kind.name())
        })
        .collect();
    let started = Instant::now();
    let halves: Vec<Run> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let ids: Vec<usize> = ids.iter().copied().skip(w).step_by(2).collect();
                s.spawn(move || run_part(&ids, options))
            })
            .collect();
        workers.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all = Run {
        tallies: BTreeMap::new(),
        misreads: Vec::new(),
    };
    for half in halves {
        for (class, t) in half.tallies {
            let a = all.tallies.entry(class).or_default();
            a.frames += t.frames;
            a.read += t.read;
            a.misread += t.misread;
            a.peer_read += t.peer_read;
            a.time += t.time;
        }
        all.misreads.extend(half.misreads);
    }
    println!(
        "{} frames in {:.1} s with {:?}",
        ids.len(),
        started.elapsed().as_secs_f64(),
        options.decoder
    );
    println!(
        "| class | frames | Lotline read | zxing-cpp read | Lotline misreads | Lotline ms/frame (debug) |"
    );
    println!("|---|---|---|---|---|---|");
    for (class, t) in &all.tallies {
        println!(
            "| {} | {} | {:.1} % | {:.1} % | {} | {:.1} |",
            class.name(),
            t.frames,
            100.0 * t.read as f64 / t.frames as f64,
            100.0 * t.peer_read as f64 / t.frames as f64,
            t.misread,
            t.time.as_secs_f64() * 1e3 / t.frames as f64
        );
    }
    all
}

fn run_part(ids: &[usize], options: &DecodeOptions) -> Run {
    let mut peer = Peer::spawn(1);
    let mut tallies: BTreeMap<Class, Tally> = BTreeMap::new();
    let mut misreads = Vec::new();
    let mut seen = Vec::with_capacity(ids.len());
    for &id in ids {
        let f = frame(id);
        peer.send(&f.luma);
        if let Ok(dir) = std::env::var("CAMERA_DUMP") {
            let name = format!("{dir}/{id}-{}-{}.pgm", f.class.name(), f.kind);
            std::fs::write(name, camera::pgm(&f.luma)).unwrap();
        }
        let t0 = Instant::now();
        let (read, wrong) = lotline_reads(&f, options);
        if read && std::env::var("CAMERA_DIFF").is_ok() {
            println!("lotline read frame {id}");
        }
        let t = tallies.entry(f.class).or_default();
        t.time += t0.elapsed();
        t.frames += 1;
        t.read += read as usize;
        if let Some(w) = wrong {
            t.misread += 1;
            misreads.push(format!(
                "frame {id} ({}, {}): {:?} read as {w}",
                f.class.name(),
                f.kind,
                f.text
            ));
        }
        seen.push(Frame {
            luma: Vec::new(),
            ..f
        });
    }
    for (f, p) in seen.iter().zip(peer.finish()) {
        let t = tallies.get_mut(&f.class).unwrap();
        // Scored as Lotline is: read when it reports the symbol and nothing wrong.
        let peer_read = p.reads.iter().any(|r| peer_read_is(f, r))
            && p.reads.iter().all(|r| peer_read_is(f, r));
        t.peer_read += peer_read as usize;
        if peer_read && std::env::var("CAMERA_DIFF").is_ok() {
            println!(
                "zxing-cpp read frame {} ({}, {}) {:?}",
                f.id,
                f.class.name(),
                f.kind,
                f.text
            );
        }
    }
    Run { tallies, misreads }
}

/// The must-show of issue 17 with the build's decoder: on 5,103 degraded frames Lotline reads
/// at least as many frames as zxing-cpp in every class, and reports nothing that is not there.
/// Only the `zxing-cpp` build meets the first half; rxing alone is tested below.
#[test]
#[cfg_attr(
    not(feature = "zxing-cpp"),
    ignore = "rxing alone reads fewer frames than zxing-cpp in 7 of 9 classes (up to 10 points, blur; docs/BENCHMARKS.md): build with --features zxing-cpp"
)]
fn camera_frames_read_at_least_as_well_as_zxing_cpp_and_never_wrong() {
    let r = run(FRAMES, &DecodeOptions::default());
    assert!(
        r.misreads.is_empty(),
        "misreads:\n{}",
        r.misreads.join("\n")
    );
    let behind: Vec<String> = r
        .tallies
        .iter()
        .filter(|(_, t)| t.read < t.peer_read)
        .map(|(c, t)| format!("{}: {} < {}", c.name(), t.read, t.peer_read))
        .collect();
    assert!(
        behind.is_empty(),
        "Lotline reads fewer frames than zxing-cpp in: {}",
        behind.join(", ")
    );
}

/// rxing alone (the default build's decoder) on the first 405 frames (5 of each class ×
/// symbology; it is ~7× slower than zxing-cpp in release, more in this debug build): never a misread, and no more than 12 points
/// of read rate behind zxing-cpp in any class (measured: up to 10 behind with blur, 38 ahead
/// with noise; docs/BENCHMARKS.md). A guard against the passes getting worse, not the target.
#[test]
fn rxing_alone_never_misreads_camera_frames() {
    let options = DecodeOptions {
        decoder: Decoder::Rxing,
        ..Default::default()
    };
    let r = run(405, &options);
    assert!(
        r.misreads.is_empty(),
        "misreads:\n{}",
        r.misreads.join("\n")
    );
    for (class, t) in &r.tallies {
        assert!(
            (t.read + t.frames * 12 / 100) >= t.peer_read,
            "{}: rxing read {} frames, zxing-cpp {}",
            class.name(),
            t.read,
            t.peer_read
        );
    }
}

/// The camera source (`camera:DEVICE`) with frames from files instead of /dev/video0 (there is
/// no camera here): the capture command plays PGM frames at 5 per second, as ffmpeg would
/// write them from V4L2. A GS1-128 in view for 5 frames is one scan, a GS1 DataMatrix after
/// blank frames another, and a UPC-A is never reported at a station that accepts only GS1.
#[test]
fn a_camera_reports_each_symbol_in_view_once_and_only_accepted_symbologies() {
    use lotline::barcode::Accepted;
    use lotline::scanner::source::{self, SourceSpec};
    use lotline::scanner::{ScannerConfig, SourceEvent, SourceState};

    let dir = tempfile::tempdir().unwrap();
    // Clean frames (class 0) of GS1-128 (kind 0), GS1 DataMatrix (kind 1) and UPC-A (kind 5).
    let gs1_128 = frame(0);
    let gs1_dm = frame(9);
    let upc = frame(45);
    assert_eq!(
        (gs1_128.kind.name(), gs1_dm.kind.name(), upc.kind.name()),
        ("gs1-128", "gs1-datamatrix", "upc-a")
    );
    let blank = vec![200u8; (camera::WIDTH * camera::HEIGHT) as usize];
    let mut sequence: Vec<&[u8]> = Vec::new();
    sequence.extend(std::iter::repeat_n(gs1_128.luma.as_slice(), 5));
    sequence.extend(std::iter::repeat_n(blank.as_slice(), 3));
    sequence.extend(std::iter::repeat_n(upc.luma.as_slice(), 3));
    sequence.extend(std::iter::repeat_n(gs1_dm.luma.as_slice(), 4));
    for (i, luma) in sequence.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:03}.pgm")), camera::pgm(luma)).unwrap();
    }
    let mut config = ScannerConfig::default();
    config.image.accept = Accepted::gs1_only();
    config.camera.command = [
        "sh",
        "-c",
        "for f in {device}/*.pgm; do cat \"$f\"; sleep 0.2; done",
    ]
    .map(String::from)
    .to_vec();
    let spec = SourceSpec::parse(&format!("camera:{}", dir.path().display())).unwrap();
    let running = source::start(&spec, &config).unwrap();
    let mut scans = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match running.events.recv_timeout(left) {
            Ok(SourceEvent::Scan(scan)) => scans.push(scan.text.clone()),
            Ok(SourceEvent::State {
                state: SourceState::Closed,
                ..
            }) => break,
            Ok(SourceEvent::State {
                state: SourceState::Reconnecting { reason, .. },
                ..
            }) => panic!("the capture command failed: {reason}"),
            Ok(_) => {}
            Err(e) => panic!("no end of the camera stream: {e}"),
        }
    }
    running.thread.join().unwrap();
    let want: Vec<String> = [&gs1_128, &gs1_dm]
        .iter()
        .map(|f| format!("{}{}", f.aim, f.text))
        .collect();
    assert_eq!(scans, want);
}
