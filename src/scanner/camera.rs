//! A camera as a scanner: V4L2 frames decoded on the source's own thread, never the UI's.
//!
//! Lotline links no video library (the build needs nothing beyond a Rust toolchain): frames
//! come from a capture command writing 8-bit PGM (or PNG) frames back to back on its stdout,
//! by default `ffmpeg` reading the V4L2 device (`camera.command` in the config changes it).
//! A reader thread keeps only the newest frame; the source thread decodes it, so decoding runs
//! at the camera's rate and a slow frame never builds a queue: frames that arrive while one is
//! being decoded are dropped, and the next decode takes the newest.
//!
//! A symbol held in front of the camera is in every frame: [`Presence`] reports it once, and
//! again only after it has been out of view for `camera.gone_after_ms`.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::image::{Split, decode_luma, luma_of, split_stream};
use super::source::Emitter;
use super::{Reject, SourceState};
use crate::barcode::DecodeOptions;

/// The `[scanner.camera]` config section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CameraConfig {
    /// The capture command and its arguments; `{device}` is replaced by the device path. It
    /// must write PGM or PNG frames to stdout.
    pub command: Vec<String>,
    /// A symbol is reported again only after it has been out of view this long.
    pub gone_after_ms: u64,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            command: [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-f",
                "v4l2",
                "-i",
                "{device}",
                "-f",
                "image2pipe",
                "-pix_fmt",
                "gray",
                "-c:v",
                "pgm",
                "-",
            ]
            .map(String::from)
            .to_vec(),
            gone_after_ms: 1500,
        }
    }
}

/// `camera:0` is `/dev/video0`; anything else after the colon is the device path itself.
pub fn device_path(spec: &str) -> String {
    if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_digit()) {
        format!("/dev/video{spec}")
    } else {
        spec.to_string()
    }
}

/// Which symbols of a frame are new: not seen within `gone_after` before. Pure.
#[derive(Debug)]
pub struct Presence {
    gone_after: Duration,
    last_seen: HashMap<Vec<u8>, Instant>,
}

impl Presence {
    pub fn new(gone_after: Duration) -> Self {
        Presence {
            gone_after,
            last_seen: HashMap::new(),
        }
    }

    /// The symbols of a frame seen at `now` that are to be reported.
    pub fn frame(&mut self, symbols: Vec<Vec<u8>>, now: Instant) -> Vec<Vec<u8>> {
        let gone_after = self.gone_after;
        self.last_seen
            .retain(|_, seen| now.saturating_duration_since(*seen) <= gone_after);
        let mut new = Vec::new();
        for s in symbols {
            if self.last_seen.insert(s.clone(), now).is_none() {
                new.push(s);
            }
        }
        new
    }
}

/// The newest frame, handed from the reader thread to the decoder.
#[derive(Debug, Default)]
struct Latest {
    slot: Mutex<LatestState>,
    ready: Condvar,
}

#[derive(Debug, Default)]
struct LatestState {
    frame: Option<(Vec<u8>, Instant)>,
    ended: bool,
    dropped: u64,
}

/// A camera source: the device and the capture command.
#[derive(Debug)]
pub struct CameraSource {
    device: String,
    config: CameraConfig,
    options: DecodeOptions,
}

impl CameraSource {
    pub fn new(device: &str, config: &CameraConfig, options: DecodeOptions) -> Self {
        CameraSource {
            device: device.to_string(),
            config: config.clone(),
            options,
        }
    }

    fn spawn(&self) -> std::io::Result<Child> {
        let mut args = self
            .config
            .command
            .iter()
            .map(|a| a.replace("{device}", &self.device));
        let program = args
            .next()
            .ok_or_else(|| std::io::Error::other("camera.command is empty"))?;
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
    }

    /// Runs until the capture command ends by itself (a file played as a camera) or the
    /// source is stopped; a command that fails is started again after a pause.
    pub fn run(self, emitter: Emitter) {
        let mut retry = Duration::from_millis(500);
        while !emitter.stopped() {
            let mut child = match self.spawn() {
                Ok(child) => child,
                Err(e) => {
                    let reason = format!("cannot start the capture command: {e}");
                    if !self.reconnecting(&emitter, reason, &mut retry) {
                        return;
                    }
                    continue;
                }
            };
            emitter.state(SourceState::Connected);
            let ended_cleanly = self.capture(&mut child, &emitter);
            let _ = child.kill();
            let status = child.wait();
            if emitter.stopped() || (ended_cleanly && status.is_ok_and(|s| s.success())) {
                break;
            }
            let reason = format!("the capture command for {} stopped", self.device);
            if !self.reconnecting(&emitter, reason, &mut retry) {
                return;
            }
        }
        emitter.state(SourceState::Closed);
    }

    fn reconnecting(&self, emitter: &Emitter, reason: String, retry: &mut Duration) -> bool {
        let ok = emitter.state(SourceState::Reconnecting {
            reason,
            retry_in_ms: retry.as_millis() as u64,
        });
        emitter.sleep(*retry);
        *retry = (*retry * 2).min(Duration::from_secs(5));
        ok
    }

    /// Decodes the newest frame over and over until the stream ends. True when it ended
    /// (rather than being stopped or losing its listener).
    fn capture(&self, child: &mut Child, emitter: &Emitter) -> bool {
        let Some(stdout) = child.stdout.take() else {
            return true;
        };
        let latest = Arc::new(Latest::default());
        let reader = {
            let latest = Arc::clone(&latest);
            let emitter = emitter.clone();
            std::thread::spawn(move || read_frames(stdout, &latest, &emitter))
        };
        let mut presence = Presence::new(Duration::from_millis(self.config.gone_after_ms));
        let ended = loop {
            let next = {
                let mut state = latest.slot.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(frame) = state.frame.take() {
                        break Some(frame);
                    }
                    if state.ended || emitter.stopped() {
                        break None;
                    }
                    state = latest
                        .ready
                        .wait_timeout(state, Duration::from_millis(50))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            };
            let Some((bytes, arrived)) = next else {
                break !emitter.stopped();
            };
            let found = luma_of(&bytes)
                .and_then(|(luma, w, h)| decode_luma(&luma, w, h, &self.options))
                .unwrap_or_default();
            let mut listening = true;
            for symbol in presence.frame(found, arrived) {
                listening &= emitter.frame(symbol, arrived);
            }
            if !listening {
                break false;
            }
        };
        if !ended {
            // Stopped: the reader ends when the command is killed.
            let _ = child.kill();
        }
        let _ = reader.join();
        ended
    }
}

/// The reader thread: splits the command's stdout into frames and keeps the newest.
fn read_frames(input: impl Read, latest: &Latest, emitter: &Emitter) {
    split_stream(
        input,
        256 * 1024,
        || emitter.stopped(),
        |split| {
            match split {
                Split::Image(bytes) => {
                    let mut state = latest.slot.lock().unwrap_or_else(|e| e.into_inner());
                    if state.frame.replace((bytes, Instant::now())).is_some() {
                        state.dropped += 1;
                    }
                    latest.ready.notify_one();
                }
                Split::Garbage(len) => {
                    emitter.reject(Reject::NoBarcode {
                        what: format!(
                            "{len} bytes from the camera that are not a PGM or PNG frame"
                        ),
                    });
                }
            }
            true
        },
    );
    let mut state = latest.slot.lock().unwrap_or_else(|e| e.into_inner());
    state.ended = true;
    latest.ready.notify_one();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_specs_name_a_device() {
        assert_eq!(device_path("0"), "/dev/video0");
        assert_eq!(device_path("/dev/video2"), "/dev/video2");
    }

    #[test]
    fn a_symbol_in_view_is_reported_once_and_again_after_it_left() {
        let mut p = Presence::new(Duration::from_millis(1000));
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let a = b"]C1A".to_vec();
        assert_eq!(p.frame(vec![a.clone()], ms(0)), vec![a.clone()]);
        // Held in view for 5 s: never again.
        for t in (100..5000).step_by(100) {
            assert!(p.frame(vec![a.clone()], ms(t)).is_empty(), "{t}");
        }
        // Out of view for 2 s, then back.
        assert!(p.frame(vec![], ms(6000)).is_empty());
        assert_eq!(p.frame(vec![a.clone()], ms(7000)), vec![a]);
    }
}
