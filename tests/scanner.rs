//! Scanner sources against real pseudo-terminals: socat stands in for a serial scanner at
//! 9600 baud (`socat -u STDIN pty,link=…`: what the test writes to socat comes out of the pty
//! the reader opened by its link path). Killing socat makes the device vanish; starting it again
//! on the same link path brings it back.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use lotline::scanner::scan_loop::{LoopEvent, ScanLoop};
use lotline::scanner::source::{self, RunningSource, SourceSpec};
use lotline::scanner::{Reject, Scan, ScannerConfig, SourceEvent, SourceState};
use support::lotline;

const WAIT: Duration = Duration::from_secs(10);

/// A virtual serial scanner: socat copying its stdin to a pty reachable at `link`.
struct FakeScanner {
    child: Child,
    stdin: ChildStdin,
}

impl FakeScanner {
    fn start(link: &Path) -> Self {
        let mut child = Command::new("socat")
            .arg("-u")
            .arg("STDIN")
            .arg(format!("pty,raw,echo=0,b9600,link={}", link.display()))
            .stdin(Stdio::piped())
            .spawn()
            .expect("socat is installed by scripts/setup-system");
        let stdin = child.stdin.take().unwrap();
        let deadline = Instant::now() + WAIT;
        while std::fs::symlink_metadata(link).is_err() {
            assert!(Instant::now() < deadline, "socat never created {link:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
        FakeScanner { child, stdin }
    }

    /// Sends bytes as one write (socat passes them on as they come).
    fn send(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Unplugs: socat is asked to end (SIGTERM), which closes the pty and removes the link.
    fn unplug(mut self) {
        // The shell's built-in kill: no procps needed.
        let pid = self.child.id().to_string();
        let killed = Command::new("sh")
            .args(["-c", "kill \"$0\"", &pid])
            .status();
        assert!(killed.unwrap().success());
        self.child.wait().unwrap();
    }
}

impl Drop for FakeScanner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_serial(link: &Path) -> RunningSource {
    let spec = SourceSpec::parse(&format!("serial:{}@9600", link.display())).unwrap();
    source::start(&spec, &ScannerConfig::default()).unwrap()
}

fn next(events: &Receiver<SourceEvent>) -> SourceEvent {
    match events.recv_timeout(WAIT) {
        Ok(event) => event,
        Err(RecvTimeoutError::Timeout) => panic!("no event from the scanner source in {WAIT:?}"),
        Err(RecvTimeoutError::Disconnected) => panic!("the scanner source ended"),
    }
}

/// Waits for a state event matching `want`, failing on any scan in between.
fn expect_state(events: &Receiver<SourceEvent>, want: fn(&SourceState) -> bool) -> SourceState {
    loop {
        match next(events) {
            SourceEvent::State { state, .. } if want(&state) => return state,
            SourceEvent::State { .. } => continue,
            other => panic!("expected a state change, got {other:?}"),
        }
    }
}

/// What came out of the source, in order, up to and including a scan with text `last`.
#[derive(Debug, Default)]
struct Received {
    scans: Vec<String>,
    rejects: Vec<Reject>,
}

fn receive_until(events: &Receiver<SourceEvent>, last: &str) -> Received {
    let mut got = Received::default();
    loop {
        match next(events) {
            SourceEvent::Scan(scan) => {
                let done = scan.text == last;
                got.scans.push(scan.text);
                if done {
                    return got;
                }
            }
            SourceEvent::Rejected { reject, .. } => got.rejects.push(reject),
            SourceEvent::State { state, .. } => panic!("unexpected state change {state:?}"),
        }
    }
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

const GS1_SCAN: &[u8] = b"]C10109501101531000\x1d1724123110LOT-42\r";
const GS1_TEXT: &str = "]C10109501101531000\u{1d}1724123110LOT-42";

#[test]
fn serial_scans_arrive_once_in_order_through_splits_joins_line_endings_and_garbage() {
    let dir = tempdir();
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let source = start_serial(&link);
    expect_state(&source.events, |s| *s == SourceState::Connected);

    // A GS1-128 scan with GS, in one piece.
    scanner.send(GS1_SCAN);
    // A frame split across reads.
    scanner.send(b"]C100095011");
    std::thread::sleep(Duration::from_millis(50));
    scanner.send(b"0100000000\x1d0106141");
    std::thread::sleep(Duration::from_millis(50));
    scanner.send(b"41234567\r");
    // Two frames in one write, CRLF and CR endings.
    scanner.send(b"]C1011234567890123\r\n]d2010950110153100010ABC\r");
    // Garbage between scans: line noise, then a good scan.
    scanner.send(b"\x00\xff\xfe\x01\r");
    scanner.send(b"plain-code-128\r\n");
    // An over-long line (a scanner with its suffix switched off), then a good scan.
    scanner.send(&vec![b'9'; 5000]);
    scanner.send(b"\rLAST\r");

    let got = receive_until(&source.events, "LAST");
    assert_eq!(
        got.scans,
        vec![
            GS1_TEXT,
            "]C1000950110100000000\u{1d}010614141234567",
            "]C1011234567890123",
            "]d2010950110153100010ABC",
            "plain-code-128",
            "LAST",
        ]
    );
    assert_eq!(got.rejects.len(), 2, "{:?}", got.rejects);
    assert!(matches!(
        got.rejects[0],
        Reject::NotText {
            len: 4,
            byte: 0,
            position: 0
        }
    ));
    assert!(matches!(got.rejects[1], Reject::OverLong { limit: 4096 }));
    source.stop.stop();
    drop(scanner);
}

#[test]
fn serial_device_vanishing_and_coming_back_is_reported_and_reading_resumes() {
    let dir = tempdir();
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let source = start_serial(&link);
    expect_state(&source.events, |s| *s == SourceState::Connected);
    scanner.send(b"BEFORE\r");
    assert_eq!(
        receive_until(&source.events, "BEFORE").scans,
        vec!["BEFORE"]
    );

    // Unplug mid-frame: the partial frame is reported lost, the source says it reconnects.
    scanner.send(b"HALF");
    std::thread::sleep(Duration::from_millis(100));
    scanner.unplug();
    let mut lost = None;
    let reconnecting = loop {
        match next(&source.events) {
            SourceEvent::Rejected { reject, .. } => lost = Some(reject),
            SourceEvent::State { state, .. } => break state,
            SourceEvent::Scan(scan) => panic!("unexpected scan {scan:?}"),
        }
    };
    assert!(
        matches!(reconnecting, SourceState::Reconnecting { .. }),
        "{reconnecting:?}"
    );
    assert_eq!(lost, Some(Reject::Incomplete { len: 4 }));

    // Plug back in on the same path (after a few failed reopen attempts).
    std::thread::sleep(Duration::from_millis(400));
    let mut scanner = FakeScanner::start(&link);
    expect_state(&source.events, |s| *s == SourceState::Connected);
    scanner.send(b"AFTER-1\rAFTER-2\r");
    assert_eq!(
        receive_until(&source.events, "AFTER-2").scans,
        vec!["AFTER-1", "AFTER-2"]
    );
    source.stop.stop();
}

#[test]
fn the_station_loop_hands_each_scan_once_drops_a_doubled_read_and_reports_the_rest() {
    let dir = tempdir();
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let source = start_serial(&link);
    // Records every scan it is handed, in order.
    let seen = std::cell::RefCell::new(Vec::<String>::new());
    let mut station = ScanLoop::new(
        |scan: &Scan| seen.borrow_mut().push(scan.text.clone()),
        Duration::from_millis(1000),
    );
    let (mut handled, mut duplicates, mut rejected) = (0, 0, 0);
    let mut report = |event: LoopEvent<'_, ()>| match event {
        LoopEvent::Handled { latency, .. } => {
            handled += 1;
            assert!(latency < WAIT);
        }
        LoopEvent::Duplicate { .. } => duplicates += 1,
        LoopEvent::Rejected { .. } => rejected += 1,
        LoopEvent::State { .. } => {}
    };
    // One trigger pull that arrives twice, a bad frame, two more scans.
    let mut sent = false;
    while seen.borrow().len() < 3 {
        station.process(next(&source.events), &mut report);
        if !sent {
            scanner.send(b"PALLET-1\rPALLET-1\r\x07\rPALLET-2\rPALLET-1X\r");
            sent = true;
        }
    }
    assert_eq!(*seen.borrow(), vec!["PALLET-1", "PALLET-2", "PALLET-1X"]);
    assert_eq!((handled, duplicates, rejected), (3, 1, 1));
    source.stop.stop();
}

/// Runs `lotline scan` on a pty and reads its JSON lines.
struct ScanProcess {
    child: Child,
    lines: Receiver<serde_json::Value>,
}

impl ScanProcess {
    fn start(args: &[&str], home: &Path) -> Self {
        let mut child = lotline()
            .args(args)
            .env("LOTLINE_DB", home.join("lotline.db"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        ScanProcess { child, lines }
    }

    fn next_event(&self, kind: &str) -> serde_json::Value {
        loop {
            let value = self
                .lines
                .recv_timeout(WAIT)
                .unwrap_or_else(|_| panic!("no {kind} event from lotline scan"));
            if value["event"] == kind {
                return value;
            }
        }
    }
}

impl Drop for ScanProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn lotline_scan_prints_one_json_object_per_scan_and_keeps_going_after_bad_ones() {
    let dir = tempdir();
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let spec = format!("serial:{}@9600", link.display());
    let process = ScanProcess::start(&["scan", "--source", &spec, "--json"], dir.path());
    assert_eq!(process.next_event("state")["state"], "connected");

    scanner.send(GS1_SCAN);
    scanner.send(b"\x00\x01\r"); // garbage: a warning, the loop goes on
    scanner.send(b"]C10109501101531000\x1d10NEXT\r");

    let first = process.next_event("scan");
    assert_eq!(first["scan"]["text"], GS1_TEXT);
    assert_eq!(first["scan"]["aim_id"], "]C1");
    assert_eq!(first["scan"]["symbology"], "Gs1_128");
    assert_eq!(
        first["scan"]["source"],
        format!("serial:{}", link.display()),
        "the source id names the port, not the baud"
    );
    let rejected = process.next_event("rejected");
    assert_eq!(rejected["reject"]["kind"], "not_text");
    let second = process.next_event("scan");
    assert_eq!(second["scan"]["text"], "]C10109501101531000\u{1d}10NEXT");
}

#[test]
fn lotline_scan_refuses_a_bad_source_with_exit_1_and_says_why() {
    let out = lotline()
        .args(["scan", "--source", "serial:/dev/ttyUSB0@fast"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("baud rate"), "{err}");
}

/// Renders a symbol as a PNG file with rxing's encoder (3 px per module, quiet zone).
fn write_png(path: &Path, contents: &str, format: rxing::BarcodeFormat) {
    use rxing::Writer;
    let matrix = rxing::MultiFormatWriter
        .encode_with_hints(contents, &format, 0, 0, &rxing::EncodeHints::default())
        .unwrap();
    let (scale, quiet) = (3, 30);
    let w = matrix.getWidth() * scale + 2 * quiet;
    let h = matrix.getHeight().max(30) * scale + 2 * quiet;
    let img = image::GrayImage::from_fn(w, h, |x, y| {
        let inside = (quiet..w - quiet).contains(&x) && (quiet..h - quiet).contains(&y);
        let my = (y.saturating_sub(quiet) / scale).min(matrix.getHeight() - 1);
        let dark = inside && matrix.get((x - quiet) / scale, my);
        image::Luma([if dark { 0 } else { 255 }])
    });
    img.save(path).unwrap();
}

#[test]
fn a_watched_folder_scans_each_new_image_once_and_files_it_away() {
    let dir = tempdir();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let spec = SourceSpec::parse(&format!("image:{}", inbox.display())).unwrap();
    let config = ScannerConfig {
        image: lotline::scanner::config::ImageConfig {
            poll_interval_ms: 20,
            ..Default::default()
        },
        ..ScannerConfig::default()
    };
    let source = source::start(&spec, &config).unwrap();
    expect_state(&source.events, |s| *s == SourceState::Connected);

    write_png(
        &inbox.join("pallet.png"),
        "\u{f1}0109501101531000\u{f1}10LOT-42",
        rxing::BarcodeFormat::CODE_128,
    );
    let got = receive_until(&source.events, "]C10109501101531000\u{1d}10LOT-42");
    assert_eq!(got.scans.len(), 1);
    image::GrayImage::from_pixel(80, 80, image::Luma([255]))
        .save(inbox.join("blank.png"))
        .unwrap();
    match next(&source.events) {
        SourceEvent::Rejected {
            reject: Reject::NoBarcode { what },
            ..
        } => assert!(what.ends_with("blank.png"), "{what}"),
        other => panic!("expected a rejected image, got {other:?}"),
    }
    // Both files are moved out of the inbox, so neither is scanned again (nor after a restart).
    let deadline = Instant::now() + WAIT;
    while !(inbox.join("done/pallet.png").exists() && inbox.join("failed/blank.png").exists()) {
        assert!(Instant::now() < deadline, "images were not filed away");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100)); // several more polls
    assert!(
        source.events.try_recv().is_err(),
        "an image was scanned twice"
    );
    source.stop.stop();
}

#[test]
fn lotline_scan_decodes_an_image_file_and_ends() {
    let dir = tempdir();
    let png = dir.path().join("label.png");
    write_png(
        &png,
        "https://id.gs1.org/01/09501101531000/10/LOT-42",
        rxing::BarcodeFormat::QR_CODE,
    );
    let spec = format!("image:{}", png.display());
    let out = lotline()
        .args(["scan", "--source", &spec, "--json"])
        .output()
        .unwrap();
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let scans: Vec<_> = events.iter().filter(|e| e["event"] == "scan").collect();
    assert_eq!(scans.len(), 1, "{events:?}");
    assert_eq!(
        scans[0]["scan"]["text"],
        "]Q1https://id.gs1.org/01/09501101531000/10/LOT-42"
    );
    assert_eq!(events.last().unwrap()["state"], "closed");
}

/// A photo of a whole pallet label (the shipped 4x6 logistic label, rendered): its three
/// GS1-128 barcodes come out of one image in whatever order the decoder finds them, and make
/// one receipt; the same photo again records nothing.
#[test]
fn an_image_of_a_whole_logistic_label_is_one_receipt() {
    let dir = tempdir();
    let db = dir.path().join("lotline.db");
    let png = dir.path().join("pallet.png");
    let run = |args: &[&str]| {
        let o = lotline().arg("--db").arg(&db).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&["product", "add", "09501101530003", "--name", "Tomatoes"]);
    run(&[
        "label",
        "render",
        "--template",
        "gs1-logistics-4x6",
        "--sample",
        "--out",
        png.to_str().unwrap(),
    ]);
    let spec = format!("image:{}", png.display());
    let scan = || -> Vec<serde_json::Value> {
        let out = lotline()
            .arg("--db")
            .arg(&db)
            .args(["scan", "--source", &spec, "--mode", "receive", "--json"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|e| e["event"] == "scan")
            .collect()
    };
    // Three GS1-128s and a GS1 DataMatrix that carries all of it: one receipt, whichever
    // symbol the decoder returns first; the others are the same label.
    let first = scan();
    let outcomes: Vec<_> = first.iter().map(|e| e["outcome"].clone()).collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "ok").count(),
        1,
        "{first:?}"
    );
    assert!(
        outcomes.iter().all(|o| o == "ok" || o == "pending"),
        "{first:?}"
    );
    let received = &first.iter().find(|e| e["outcome"] == "ok").unwrap()["detail"];
    assert!(received["sscc"].is_string(), "{received}");
    assert!(received["quantity"].as_u64().unwrap() > 0, "{received}");
    let again = scan();
    let reasons: Vec<_> = again
        .iter()
        .map(|e| e["detail"]["reason"].clone())
        .collect();
    assert!(
        reasons.contains(&serde_json::json!("pallet_already_received")),
        "{again:?}"
    );
    assert!(again.iter().all(|e| e["outcome"] != "ok"), "{again:?}");
}

/// A 64-byte HID POS scanned-data report (layout in src/scanner/hid.rs).
fn hid_report(aim: &[u8; 3], data: &[u8], continued: bool) -> [u8; 64] {
    let mut r = [0u8; 64];
    r[0] = 0x02;
    r[1] = data.len() as u8;
    r[2..5].copy_from_slice(aim);
    r[5..5 + data.len()].copy_from_slice(data);
    r[63] = u8::from(continued);
    r
}

/// No HID POS device here: a FIFO stands in for /dev/hidrawN (each 64-byte write is read back
/// as one report, like hidraw delivers them), which runs the real reader loop: reports joined
/// into scans, other reports skipped, the writer going away reported as a reconnect.
#[test]
fn hid_reader_joins_reports_into_scans_from_a_hidraw_stand_in() {
    let dir = tempdir();
    let fifo = dir.path().join("hidraw0");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let spec = SourceSpec::parse(&format!("hid:{}", fifo.display())).unwrap();
    let source = source::start(&spec, &ScannerConfig::default()).unwrap();

    let mut device = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    expect_state(&source.events, |s| *s == SourceState::Connected);
    let long: Vec<u8> = (0..80).map(|i| b'0' + i % 10).collect();
    for report in [
        hid_report(b"]C1", b"0109501101531000\x1d10LOT-42", false),
        [0x04; 64], // not a scanned-data report: skipped
        hid_report(b"]d2", &long[..56], true),
        hid_report(b"]d2", &long[56..], false),
    ] {
        device.write_all(&report).unwrap();
        device.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let long_text = format!("]d2{}", String::from_utf8(long).unwrap());
    let got = receive_until(&source.events, &long_text);
    assert_eq!(
        got.scans,
        vec!["]C10109501101531000\u{1d}10LOT-42".to_owned(), long_text]
    );
    assert!(got.rejects.is_empty(), "{:?}", got.rejects);
    drop(device);
    expect_state(
        &source.events,
        |s| matches!(s, SourceState::Reconnecting { reason, .. } if reason == "device closed"),
    );
    // The reader may now wait in open() for a new writer; it ends with the test process.
    source.stop.stop();
}

#[test]
fn lotline_scan_reads_camera_frames_from_stdin() {
    let dir = tempdir();
    let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
    write_png(
        &a,
        "\u{f1}0109501101531000\u{f1}10FRAME-1",
        rxing::BarcodeFormat::CODE_128,
    );
    write_png(&b, "FRAME-2", rxing::BarcodeFormat::QR_CODE);
    let mut stream = std::fs::read(&a).unwrap();
    stream.extend(b"junk between frames");
    stream.extend(std::fs::read(&b).unwrap());
    let mut child = lotline()
        .args(["scan", "--source", "image:-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&stream).unwrap();
    let out = child.wait_with_output().unwrap();
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let texts: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "scan")
        .map(|e| e["scan"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["]C10109501101531000\u{1d}10FRAME-1", "]Q1FRAME-2"]);
    let rejected: Vec<_> = events.iter().filter(|e| e["event"] == "rejected").collect();
    assert_eq!(rejected.len(), 1, "the junk is one warning: {events:?}");
    assert_eq!(out.status.code(), Some(1), "a rejected frame means exit 1");
}

#[test]
fn lotline_scan_takes_source_and_wedge_settings_from_the_config_file() {
    let dir = tempdir();
    let config = dir.path().join("station.toml");
    std::fs::write(
        &config,
        "[scanner]\nsource = \"wedge\"\nduplicate_window_ms = 0\n[scanner.wedge]\ngs_substitute = \"~\"\n",
    )
    .unwrap();
    let mut child = lotline()
        .args(["scan", "--json", "--config"])
        .arg(&config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"]C10109501101531000~10LOT-7\r\n]C10109501101531000~10LOT-7\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let texts: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == "scan")
        .map(|e| e["scan"]["text"].as_str().unwrap().to_owned())
        .collect();
    let want = "]C10109501101531000\u{1d}10LOT-7";
    assert_eq!(texts, [want, want], "GS mapped, duplicate filter off");

    std::fs::write(&config, "[scanner]\nsorce = \"wedge\"\n").unwrap();
    let out = lotline()
        .args(["scan", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sorce"), "the misspelt key is named: {err}");
}

/// The whole receiving path: a serial scanner (pty at 9600 baud) → `lotline scan --mode
/// receive` → the workflow → lots in the store, with refusals reported and the loop going on.
#[test]
fn lotline_scan_in_every_workflow_mode_records_or_refuses_through_the_store() {
    let dir = tempdir();
    let db = dir.path().join("lotline.db");
    let registered = lotline()
        .arg("--db")
        .arg(&db)
        .args(["product", "add", "09501101531000", "--name", "Widgets"])
        .output()
        .unwrap();
    assert!(
        registered.status.success(),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let spec = format!("serial:{}@9600", link.display());
    let process = ScanProcess::start(
        &[
            "scan",
            "--source",
            &spec,
            "--mode",
            "receive",
            "--location",
            "DOCK-3",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(process.next_event("state")["state"], "connected");

    scanner.send(b"]C10109501101531000\x1d1727123110LOT-42\x1d3012\r");
    scanner.send(b"]C10109501101531000\x1d10LOT-43\x1d303\r");
    scanner.send(b"]C10109501101530010\x1d10LOT-44\x1d303\r"); // unknown product
    scanner.send(b"]C10109501101531000\x1d1724010110LOT-46\x1d305\r"); // expired in 2024
    scanner.send(b"]C10109501101531000\x1d10LOT-45\x1d303\r");

    let first = process.next_event("scan");
    assert_eq!(first["outcome"], "ok", "{first}");
    assert_eq!(first["detail"]["batch"], "LOT-42");
    assert_eq!(first["detail"]["expiry"], "2027-12-31");
    assert_eq!(first["detail"]["quantity"], 12);
    assert_eq!(process.next_event("scan")["outcome"], "ok");
    let refused = process.next_event("scan");
    assert_eq!(refused["outcome"], "refused");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("unknown GTIN 09501101530010")
    );
    let expired = process.next_event("scan");
    assert_eq!(expired["outcome"], "refused", "{expired}");
    assert_eq!(expired["detail"]["reason"], "refused_expired", "{expired}");
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains("LOT-46 expired on 2024-01-01"),
        "{expired}"
    );
    assert_eq!(
        process.next_event("scan")["outcome"],
        "ok",
        "the loop goes on after a refusal"
    );
    drop(process);

    for (batch, qty) in [("LOT-42", 12), ("LOT-43", 3), ("LOT-45", 3)] {
        let shown = lotline()
            .arg("--db")
            .arg(&db)
            .args(["lot", "show", batch, "--gtin", "09501101531000", "--json"])
            .output()
            .unwrap();
        assert!(
            shown.status.success(),
            "{batch}: {}",
            String::from_utf8_lossy(&shown.stderr)
        );
        let lot: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(
            lot["stock"],
            serde_json::json!([{"location": "DOCK-3", "quantity": qty}]),
            "{batch}"
        );
    }
    let verify = lotline()
        .arg("--db")
        .arg(&db)
        .args(["store", "verify", "--json"])
        .output()
        .unwrap();
    let verify: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(
        verify["events"], 4,
        "one product and three receipts; the refusals wrote nothing"
    );

    // The same scanner in lookup mode shows the lot a label names and writes nothing.
    let process = ScanProcess::start(
        &["scan", "--source", &spec, "--mode", "lookup", "--json"],
        dir.path(),
    );
    assert_eq!(process.next_event("state")["state"], "connected");
    scanner.send(b"]C10109501101531000\x1d10LOT-42\r");
    scanner.send(b"]C10109501101531000\x1d10LOT-99\r");
    let found = process.next_event("scan");
    assert_eq!(found["outcome"], "ok", "{found}");
    assert_eq!(
        found["message"],
        "lot 09501101531000 / LOT-42: quarantined, expires 2027-12-31, 12 on hand"
    );
    let missing = process.next_event("scan");
    assert_eq!(missing["outcome"], "refused");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("no lot LOT-99")
    );
    drop(process);

    // Dispatch mode: the lots are still in quarantine, so the scan is refused and nothing ships.
    let process = ScanProcess::start(
        &[
            "scan",
            "--source",
            &spec,
            "--mode",
            "dispatch",
            "--customer",
            "Northwind",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(process.next_event("state")["state"], "connected");
    scanner.send(b"]C10109501101531000\x1d10LOT-43\r");
    let refused = process.next_event("scan");
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(
        refused["message"],
        "REFUSED: LOT-43: lot is quarantined: only released lots may ship"
    );
    drop(process);
    let verify = lotline()
        .arg("--db")
        .arg(&db)
        .args(["store", "verify", "--json"])
        .output()
        .unwrap();
    let verify: serde_json::Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(verify["events"], 4, "lookups and refusals write nothing");

    // Produce mode: scanned input lots go into a production batch; quarantined ones do not.
    let run = |args: &[&str]| {
        let o = lotline().arg("--db").arg(&db).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    run(&[
        "product",
        "add",
        "09501101530010",
        "--name",
        "Tomatoes",
        "--receive-as",
        "released",
    ]);
    run(&["receive", "(01)09501101530010(10)TOM(30)9"]);
    let batch = run(&["produce", "--product", "09501101531000", "--qty", "10"]);
    let process = ScanProcess::start(
        &[
            "scan",
            "--source",
            &spec,
            "--mode",
            "produce",
            "--into",
            &batch,
            "--product",
            "09501101531000",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(process.next_event("state")["state"], "connected");
    scanner.send(b"]C10109501101530010\x1d10TOM\r");
    scanner.send(b"]C10109501101531000\x1d10LOT-45\r");
    let consumed = process.next_event("scan");
    assert_eq!(consumed["outcome"], "ok", "{consumed}");
    assert_eq!(
        consumed["message"],
        format!("consumed 9 of lot TOM into batch {batch}")
    );
    let refused = process.next_event("scan");
    assert_eq!(refused["outcome"], "refused");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("input LOT-45: lot is quarantined")
    );
    drop(process);
    let tomatoes: serde_json::Value = serde_json::from_str(&run(&[
        "lot",
        "show",
        "TOM",
        "--gtin",
        "09501101530010",
        "--json",
    ]))
    .unwrap();
    assert_eq!(
        tomatoes["stock"],
        serde_json::json!([]),
        "all 9 went into the batch"
    );
}

/// A dock day with GS1 logistic labels on a serial scanner (pty at 9600 baud): each label is
/// three GS1-128 barcodes — `(00)` SSCC, `(02)`+`(37)` content and count, `(17)`+`(10)` expiry
/// and lot — read one at a time in any order. Each of the six orders makes exactly one
/// receipt; the same label again records nothing (amber, "already received"); an expired
/// pallet is refused; in dispatch the SSCC alone ships exactly that pallet, once, and its
/// other barcodes add nothing; an undo puts the stock back with both events in the log.
#[test]
fn a_dock_day_of_three_barcode_pallet_labels_on_a_serial_scanner() {
    const TOMATOES: &str = "09501101530003";
    let dir = tempdir();
    let db = dir.path().join("lotline.db");
    let run = |args: &[&str]| {
        let o = lotline().arg("--db").arg(&db).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let events = || -> u64 {
        let v: serde_json::Value =
            serde_json::from_str(&run(&["store", "verify", "--json"])).unwrap();
        v["events"].as_u64().unwrap()
    };
    run(&[
        "product",
        "add",
        TOMATOES,
        "--name",
        "Tomatoes",
        "--receive-as",
        "released",
    ]);
    let sscc = |serial: u64| lotline::gs1::make_sscc(0, "9501101", serial).unwrap();
    // The three barcodes of pallet `serial`, as a GS1-128 scanner sends them.
    let label = |serial: u64, expiry: &str| -> [Vec<u8>; 3] {
        [
            format!("]C100{}\r", sscc(serial)).into_bytes(),
            format!("]C102{TOMATOES}37{}\r", 40 + serial).into_bytes(),
            format!("]C117{expiry}10P{serial}\r").into_bytes(),
        ]
    };
    let link = dir.path().join("scanner");
    let mut scanner = FakeScanner::start(&link);
    let spec = format!("serial:{}@9600", link.display());
    let receive = ScanProcess::start(
        &[
            "scan",
            "--source",
            &spec,
            "--mode",
            "receive",
            "--location",
            "DOCK-1",
            "--duplicate-window-ms",
            "0",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(receive.next_event("state")["state"], "connected");
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for (serial, order) in orders.iter().enumerate() {
        let serial = serial as u64;
        let barcodes = label(serial, "271231");
        for &b in order {
            scanner.send(&barcodes[b]);
        }
        for step in 0..2 {
            let partial = receive.next_event("scan");
            assert_eq!(partial["outcome"], "pending", "{order:?} {step}: {partial}");
            assert!(
                partial["message"].as_str().unwrap().contains("need"),
                "{partial}"
            );
        }
        let received = receive.next_event("scan");
        assert_eq!(received["outcome"], "ok", "{order:?}: {received}");
        assert_eq!(received["detail"]["batch"], format!("P{serial}"));
        assert_eq!(received["detail"]["quantity"], 40 + serial);
        assert_eq!(received["detail"]["sscc"], sscc(serial));
        assert_eq!(received["detail"]["expiry"], "2027-12-31");
    }
    assert_eq!(events(), 1 + 6, "one product, one receipt per pallet");

    // Pallet 0 again, SSCC last and then SSCC first: amber "already received", nothing new.
    let again = label(0, "271231");
    for order in [[1, 2, 0], [0, 1, 2]] {
        for &b in &order {
            scanner.send(&again[b]);
        }
        let mut said = 0;
        for _ in 0..3 {
            let e = receive.next_event("scan");
            match e["outcome"].as_str().unwrap() {
                "pending" => {}
                "refused" => {
                    assert_eq!(e["detail"]["reason"], "pallet_already_received", "{e}");
                    assert!(
                        e["message"].as_str().unwrap().contains("already received"),
                        "{e}"
                    );
                    said += 1;
                }
                other => panic!("{order:?}: {other}: {e}"),
            }
        }
        assert_eq!(said, 1, "{order:?}: said once per label");
    }
    // An expired pallet: refused when its label is complete, nothing recorded.
    for b in label(9, "240101") {
        scanner.send(&b);
    }
    receive.next_event("scan");
    receive.next_event("scan");
    let expired = receive.next_event("scan");
    assert_eq!(expired["detail"]["reason"], "refused_expired", "{expired}");
    drop(receive);
    assert_eq!(events(), 7, "repeats and the expired pallet wrote nothing");

    // Dispatch: the SSCC alone ships exactly pallet 1; its other barcodes add nothing; the
    // same SSCC again is refused.
    let dispatch = ScanProcess::start(
        &[
            "scan",
            "--source",
            &spec,
            "--mode",
            "dispatch",
            "--customer",
            "Northwind",
            "--duplicate-window-ms",
            "0",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(dispatch.next_event("state")["state"], "connected");
    let pallet1 = label(1, "271231");
    for b in &pallet1 {
        scanner.send(b);
    }
    scanner.send(&pallet1[0]);
    let shipped = dispatch.next_event("scan");
    assert_eq!(shipped["outcome"], "ok", "{shipped}");
    assert_eq!(shipped["detail"]["quantity"], 41);
    assert_eq!(shipped["detail"]["batch"], "P1");
    assert_eq!(shipped["detail"]["sscc"], sscc(1));
    for _ in 0..2 {
        let rest = dispatch.next_event("scan");
        assert_eq!(rest["outcome"], "pending", "{rest}");
        assert_eq!(rest["detail"]["sscc"], sscc(1), "{rest}");
    }
    let twice = dispatch.next_event("scan");
    assert_eq!(
        twice["detail"]["reason"], "pallet_already_shipped",
        "{twice}"
    );
    drop(dispatch);
    let on_hand = || -> serde_json::Value {
        let lot: serde_json::Value =
            serde_json::from_str(&run(&["lot", "show", "P1", "--gtin", TOMATOES, "--json"]))
                .unwrap();
        lot["stock"].clone()
    };
    assert_eq!(on_hand(), serde_json::json!([]));

    // The undo: stock back where it came from, the dispatch and its undo both in the log.
    let event_id = shipped["detail"]["event_id"].as_str().unwrap();
    let undone: serde_json::Value = serde_json::from_str(&run(&[
        "void",
        event_id,
        "--reason",
        "wrong truck",
        "--json",
    ]))
    .unwrap();
    assert_eq!(undone["voided"], event_id);
    assert_eq!(
        on_hand(),
        serde_json::json!([{"location": "DOCK-1", "quantity": 41}])
    );
    assert_eq!(events(), 9, "the dispatch and the compensating event");
    let again = lotline()
        .arg("--db")
        .arg(&db)
        .args(["void", event_id, "--reason", "again", "--json"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&again.stderr).unwrap();
    assert_eq!(err["code"], "not_voidable", "{err}");
}
