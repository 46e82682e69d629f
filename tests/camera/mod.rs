//! The degraded frame set shared by tests/camera_decode.rs and benches/decode.rs: every
//! symbology Lotline prints, with GS1 or plain data drawn from a seed, encoded by Lotline's own
//! encoder and photographed by `lotline-frames` (crates/frames) under one [`Class`] of
//! degradation; and the zxing-cpp peer (scripts/zxing-peer) reading the same frames.
#![allow(dead_code)] // the test and the bench use different parts

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use lotline::barcode::{SymbolKind, encode};
pub use lotline_frames::{Class, HEIGHT, Modules, Rng, Scene, WIDTH, pgm, render};

const GS: char = '\u{1d}';

/// One frame and what is on it.
#[derive(Debug, Clone)]
pub struct Frame {
    pub id: usize,
    pub class: Class,
    pub kind: SymbolKind,
    /// The AIM identifier a scanner gives this symbol.
    pub aim: &'static str,
    /// The data, GS between GS1 elements.
    pub text: String,
    pub luma: Vec<u8>,
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn with_check(digits: String) -> String {
    let c = lotline::gs1::check_digit(&digits).expect("digits");
    format!("{digits}{c}")
}

fn alnum(rng: &mut Rng, n: usize) -> String {
    const SET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-";
    (0..n)
        .map(|_| char::from(SET[rng.below(SET.len() as u64 - 1) as usize]))
        .collect()
}

/// GS1 element string: GTIN, expiry, batch and sometimes a serial, GS where a variable-length
/// value is followed by another element.
fn gs1_data(rng: &mut Rng) -> String {
    let gtin = with_check(digits(rng, 13));
    let expiry = format!(
        "{:02}{:02}{:02}",
        27 + rng.below(8),
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let lot_len = 3 + rng.below(6) as usize;
    let lot = alnum(rng, lot_len);
    let mut s = format!("01{gtin}17{expiry}10{lot}");
    if rng.below(2) == 0 {
        s.push(GS);
        let n = 4 + rng.below(4) as usize;
        s.push_str(&format!("21{}", digits(rng, n)));
    }
    s
}

/// The data for a symbol of `kind` and the AIM identifier it reads back with.
pub fn data_for(kind: SymbolKind, rng: &mut Rng) -> (String, &'static str) {
    match kind {
        SymbolKind::Gs1_128 => (gs1_data(rng), "]C1"),
        SymbolKind::Gs1DataMatrix => (gs1_data(rng), "]d2"),
        SymbolKind::Gs1Qr => (gs1_data(rng), "]Q3"),
        SymbolKind::Qr => (
            format!(
                "https://id.gs1.org/01/{}/10/{}",
                with_check(digits(rng, 13)),
                alnum(rng, 6)
            ),
            "]Q1",
        ),
        // An EAN-13 starting with 0 is a UPC-A symbol (the same bars); those are drawn as UPC-A.
        SymbolKind::Ean13 => (
            with_check(format!("{}{}", 1 + rng.below(9), digits(rng, 11))),
            "]E0",
        ),
        SymbolKind::UpcA => (with_check(digits(rng, 11)), "]E0"),
        SymbolKind::Itf14 => (with_check(digits(rng, 13)), "]I0"),
        SymbolKind::Code128 => (format!("PALLET-{}", digits(rng, 6)), "]C0"),
        SymbolKind::DataMatrix => (format!("Bin {} {}", alnum(rng, 4), digits(rng, 5)), "]d1"),
    }
}

/// A symbol's modules with its quiet zone, as the frame maker takes them.
pub fn modules(kind: SymbolKind, data: &str) -> Modules {
    let symbol = encode(kind, data).unwrap_or_else(|e| panic!("{kind} {data:?}: {e}"));
    let q = symbol.quiet_zone;
    let (w, h) = (symbol.matrix.width + 2 * q, symbol.matrix.height + 2 * q);
    let linear = symbol.is_linear();
    let h = if linear { 1 } else { h };
    let mut dark = vec![false; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let (mx, my) = (
                x as i64 - q as i64,
                if linear { 0 } else { y as i64 - q as i64 },
            );
            if mx >= 0
                && my >= 0
                && (mx as u32) < symbol.matrix.width
                && (my as u32) < symbol.matrix.height
            {
                dark[(y * w + x) as usize] = symbol.matrix.get(mx as u32, my as u32);
            }
        }
    }
    Modules {
        width: w,
        height: h,
        dark,
        linear,
    }
}

/// The class and symbology of frame `id`.
pub fn class_and_kind(id: usize) -> (Class, SymbolKind) {
    let class = Class::ALL[id % Class::ALL.len()];
    let kind = SymbolKind::ALL[(id / Class::ALL.len()) % SymbolKind::ALL.len()];
    (class, kind)
}

/// Frame `id` of the set: the class and symbology cycle, everything else comes from the seed.
pub fn frame(id: usize) -> Frame {
    let (class, kind) = class_and_kind(id);
    let mut rng = Rng::new(0x0010_711E ^ (id as u64).wrapping_mul(0x9E37_79B9));
    let (text, aim) = data_for(kind, &mut rng);
    let m = modules(kind, &text);
    let scene = Scene::for_class(class, &m, &mut rng);
    let luma = render(&m, &scene, id as u64);
    Frame {
        id,
        class,
        kind,
        aim,
        text,
        luma,
    }
}

/// What zxing-cpp read in one frame: (AIM identifier, text) of each symbol, and its time.
#[derive(Debug, Clone, Default)]
pub struct PeerRead {
    pub reads: Vec<(String, String)>,
    pub micros: f64,
}

/// zxing-cpp in its own process (scripts/zxing-peer), fed frames as PGM on its stdin while
/// Lotline decodes the same frames here.
pub struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    reader: Option<std::thread::JoinHandle<Vec<PeerRead>>>,
}

impl Peer {
    /// `repeat`: each frame is decoded that many times and the best time reported.
    pub fn spawn(repeat: u32) -> Peer {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/zxing-peer");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(repeat.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs scripts/zxing-peer (scripts/setup-system installs zxing-cpp)");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
                    PeerRead {
                        reads: v["reads"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| {
                                (
                                    r["aim"].as_str().unwrap().to_string(),
                                    r["text"].as_str().unwrap().to_string(),
                                )
                            })
                            .collect(),
                        micros: v["us"].as_f64().unwrap(),
                    }
                })
                .collect()
        });
        Peer {
            stdin: child.stdin.take(),
            child,
            reader: Some(reader),
        }
    }

    pub fn send(&mut self, luma: &[u8]) {
        self.stdin
            .as_mut()
            .unwrap()
            .write_all(&pgm(luma))
            .expect("zxing-peer takes frames (is zxing-cpp installed? scripts/setup-system)");
    }

    /// Every frame's read, in the order sent.
    pub fn finish(mut self) -> Vec<PeerRead> {
        drop(self.stdin.take());
        let reads = self.reader.take().unwrap().join().unwrap();
        assert!(
            self.child.wait().unwrap().success(),
            "scripts/zxing-peer failed"
        );
        reads
    }
}

/// Whether a peer's read is this frame's data. zxing-cpp names ITF `]I1` (check digit checked)
/// where Lotline says `]I0`, so only the data is compared; and it may give a UPC-A as the
/// EAN-13 with a leading 0, which is the same number.
pub fn peer_read_is(frame: &Frame, read: &(String, String)) -> bool {
    read.1 == frame.text
        || (frame.kind == SymbolKind::UpcA && read.1.strip_prefix('0') == Some(&frame.text))
}
