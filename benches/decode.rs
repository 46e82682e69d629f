//! Camera decode: read rate per degradation class and time per frame, Lotline against zxing-cpp
//! in the same run, on the frames of tests/camera_decode.rs (same generator, same seeds).
//!
//! `cargo bench --bench decode --features zxing-cpp` (release build) measures both of
//! Lotline's decoders (rxing with its passes; zxing-cpp then rxing), without the feature only
//! rxing; under `cargo test` it runs 81 frames once, as a smoke test. `DECODE_FRAMES=N` changes the number of frames (default 1,215: 15 of each class ×
//! symbology). Each frame is decoded 3 times by each decoder and the best time kept, so other
//! work on the shared machine counts less. zxing-cpp's own figures come from its Python build
//! (scripts/zxing-peer, PyPI zxing-cpp 3.1.1, the same C++ as the crate) in its own process,
//! timed around its `read_barcodes` call only.

#[path = "../tests/camera/mod.rs"]
mod camera;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use camera::{Peer, frame, peer_read_is};
use lotline::barcode::{DecodeOptions, Decoder, decode_luma_with};

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    frames: usize,
    read: usize,
    misread: usize,
    time: Duration,
}

fn decoders() -> Vec<Decoder> {
    #[allow(unused_mut)]
    let mut d = vec![Decoder::Rxing];
    #[cfg(feature = "zxing-cpp")]
    d.push(Decoder::ZxingCpp);
    d
}

fn main() {
    // Under `cargo test` (no `--bench` argument) one frame of each class × symbology, once.
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("DECODE_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 15 * 81 } else { 81 });
    let repeat = if benching { 3 } else { 1 };
    let mut peer = Peer::spawn(repeat);
    let frames: Vec<_> = (0..n)
        .map(|id| {
            let f = frame(id);
            peer.send(&f.luma);
            f
        })
        .collect();
    let peer_reads = peer.finish();
    // (row name, column) -> tally; columns: each Lotline decoder, then zxing-cpp.
    let mut rows: BTreeMap<(u8, String), Vec<Tally>> = BTreeMap::new();
    let decoders = decoders();
    for (f, p) in frames.iter().zip(&peer_reads) {
        let mut cells = Vec::new();
        for decoder in &decoders {
            let options = DecodeOptions {
                decoder: *decoder,
                ..Default::default()
            };
            let mut best = Duration::MAX;
            let mut result = None;
            for _ in 0..repeat {
                let t0 = Instant::now();
                let r = decode_luma_with(&f.luma, camera::WIDTH, camera::HEIGHT, &options);
                best = best.min(t0.elapsed());
                result = Some(r);
            }
            let (read, misread) = match result.unwrap() {
                Err(_) => (false, false),
                Ok(symbols) => {
                    let wrong = symbols
                        .iter()
                        .any(|d| d.aim_id.as_deref() != Some(f.aim) || d.text != f.text);
                    (!wrong, wrong)
                }
            };
            cells.push(Tally {
                frames: 1,
                read: read as usize,
                misread: misread as usize,
                time: best,
            });
        }
        cells.push(Tally {
            frames: 1,
            // Scored as Lotline is: read when it reports the symbol and nothing wrong.
            read: (p.reads.iter().any(|r| peer_read_is(f, r))
                && p.reads.iter().all(|r| peer_read_is(f, r))) as usize,
            misread: p.reads.iter().any(|r| !peer_read_is(f, r)) as usize,
            time: Duration::from_secs_f64(p.micros / 1e6),
        });
        for key in [
            (0, f.class.name().to_string()),
            (1, f.kind.name().to_string()),
            (2, "all".to_string()),
        ] {
            let row = rows
                .entry(key)
                .or_insert_with(|| vec![Tally::default(); cells.len()]);
            for (t, c) in row.iter_mut().zip(&cells) {
                t.frames += c.frames;
                t.read += c.read;
                t.misread += c.misread;
                t.time += c.time;
            }
        }
    }
    println!("{n} frames of {}×{}", camera::WIDTH, camera::HEIGHT);
    let mut names: Vec<String> = decoders.iter().map(|d| format!("Lotline {d:?}")).collect();
    names.push("zxing-cpp".into());
    let header: Vec<String> = names
        .iter()
        .map(|n| format!("{n} read / misread / ms"))
        .collect();
    println!(
        "\n| class or symbology | frames | {} | time ratio to zxing-cpp |",
        header.join(" | ")
    );
    println!("|---|---|{}---|", "---|".repeat(names.len()));
    for ((_, name), cells) in &rows {
        let peer_ms = cells.last().unwrap().time.as_secs_f64() * 1e3 / cells[0].frames as f64;
        let shown: Vec<String> = cells
            .iter()
            .map(|t| {
                format!(
                    "{:.1} % / {} / {:.2}",
                    100.0 * t.read as f64 / t.frames as f64,
                    t.misread,
                    t.time.as_secs_f64() * 1e3 / t.frames as f64
                )
            })
            .collect();
        let ratios: Vec<String> = cells[..cells.len() - 1]
            .iter()
            .map(|t| {
                format!(
                    "{:.2}×",
                    t.time.as_secs_f64() * 1e3 / t.frames as f64 / peer_ms
                )
            })
            .collect();
        println!(
            "| {name} | {} | {} | {} |",
            cells[0].frames,
            shown.join(" | "),
            ratios.join(", ")
        );
    }
}
