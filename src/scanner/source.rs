//! Source specs (`serial:PATH@BAUD`, `wedge`, `hid:PATH`, `image:PATH`, `camera:N`) and
//! starting sources.
//!
//! Every source runs on its own thread and sends [`SourceEvent`]s into one channel; the
//! [`Emitter`] is its end of that channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::framer::Framed;
use super::serial::{PortPath, SerialSettings};
use super::{Reject, Scan, ScannerConfig, ScannerError, SourceEvent, SourceId, SourceState};

/// A parsed `--source` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Serial {
        port: PortPath,
        baud: Option<u32>,
    },
    /// Keyboard-wedge text on stdin, one scan per line.
    Wedge,
    Hid {
        path: String,
    },
    /// An image file, a folder to watch, or `-` for image frames on stdin.
    Image {
        path: String,
    },
    /// A camera (V4L2 device), `camera:0` for /dev/video0.
    Camera {
        device: String,
    },
}

impl SourceSpec {
    pub fn parse(spec: &str) -> Result<Self, ScannerError> {
        let bad = |reason: &str| ScannerError::BadSpec {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        match kind {
            "wedge" if rest.is_empty() => Ok(SourceSpec::Wedge),
            "serial" => {
                let (path, baud) = match rest.rsplit_once('@') {
                    Some((path, baud)) => {
                        let baud = baud
                            .parse::<u32>()
                            .ok()
                            .filter(|b| *b > 0)
                            .ok_or_else(|| bad("the baud rate after @ must be a number"))?;
                        (path, Some(baud))
                    }
                    None => (rest, None),
                };
                let port = match path {
                    "" => return Err(bad("name the port, e.g. serial:/dev/ttyACM0@9600")),
                    "auto" => PortPath::Auto,
                    path => PortPath::Path(path.to_owned()),
                };
                Ok(SourceSpec::Serial { port, baud })
            }
            "hid" if !rest.is_empty() => Ok(SourceSpec::Hid {
                path: rest.to_owned(),
            }),
            "image" if !rest.is_empty() => Ok(SourceSpec::Image {
                path: rest.to_owned(),
            }),
            "camera" if !rest.is_empty() => Ok(SourceSpec::Camera {
                device: super::camera::device_path(rest),
            }),
            "hid" | "image" => Err(bad("name the path after the colon")),
            "camera" => Err(bad("name the camera after the colon, e.g. camera:0")),
            _ => Err(bad("unknown source kind")),
        }
    }

    /// The id scans from this source carry.
    pub fn id(&self) -> SourceId {
        SourceId::new(match self {
            SourceSpec::Serial {
                port: PortPath::Auto,
                ..
            } => "serial:auto".to_owned(),
            SourceSpec::Serial {
                port: PortPath::Path(p),
                ..
            } => format!("serial:{p}"),
            SourceSpec::Wedge => "wedge".to_owned(),
            SourceSpec::Hid { path } => format!("hid:{path}"),
            SourceSpec::Image { path } => format!("image:{path}"),
            SourceSpec::Camera { device } => format!("camera:{device}"),
        })
    }
}

/// Stops running sources (they check it at least every 50 ms while idle).
#[derive(Debug, Clone, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A source's end of the scan channel. Every send returns false once nobody listens, which
/// tells the source to end.
#[derive(Debug, Clone)]
pub struct Emitter {
    source: SourceId,
    tx: Sender<SourceEvent>,
    stop: StopSignal,
}

impl Emitter {
    pub fn new(source: SourceId, tx: Sender<SourceEvent>, stop: StopSignal) -> Self {
        Emitter { source, tx, stop }
    }

    pub fn source(&self) -> &SourceId {
        &self.source
    }

    pub fn stopped(&self) -> bool {
        self.stop.is_stopped()
    }

    fn send(&self, event: SourceEvent) -> bool {
        self.tx.send(event).is_ok()
    }

    pub fn state(&self, state: SourceState) -> bool {
        self.send(SourceEvent::State {
            source: self.source.clone(),
            state,
        })
    }

    pub fn reject(&self, reject: Reject) -> bool {
        self.send(SourceEvent::Rejected {
            source: self.source.clone(),
            reject,
        })
    }

    /// Checks a complete frame and sends it as a scan, or sends why it was rejected.
    pub fn frame(&self, raw: Vec<u8>, arrived: Instant) -> bool {
        match Scan::from_frame(raw, &self.source, arrived, Utc::now()) {
            Ok(scan) => self.send(SourceEvent::Scan(scan)),
            Err(reject) => self.reject(reject),
        }
    }

    pub fn framed(&self, framed: Framed, arrived: Instant) -> bool {
        match framed {
            Framed::Frame(raw) => self.frame(raw, arrived),
            Framed::Rejected(reject) => self.reject(reject),
        }
    }

    /// Sleeps, waking early when the source is stopped.
    pub fn sleep(&self, total: Duration) {
        let until = Instant::now() + total;
        while !self.stopped() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(50)));
        }
    }
}

/// A started source: its events arrive on `events`; stop it with `stop`.
#[derive(Debug)]
pub struct RunningSource {
    pub id: SourceId,
    pub events: Receiver<SourceEvent>,
    pub stop: StopSignal,
    pub thread: JoinHandle<()>,
}

/// Starts the source a spec names, on its own thread.
pub fn start(spec: &SourceSpec, cfg: &ScannerConfig) -> Result<RunningSource, ScannerError> {
    let (tx, events) = channel();
    let stop = StopSignal::default();
    let id = spec.id();
    let emitter = Emitter::new(id.clone(), tx, stop.clone());
    let thread = match spec {
        SourceSpec::Serial { port, baud } => {
            let settings = SerialSettings::new(port.clone(), *baud, &cfg.serial)?;
            std::thread::spawn(move || super::serial::run(settings, emitter))
        }
        SourceSpec::Wedge => {
            let wedge = cfg.wedge.clone();
            std::thread::spawn(move || {
                super::wedge::run_lines(std::io::stdin().lock(), &wedge, &emitter)
            })
        }
        SourceSpec::Hid { path } => {
            let path = path.clone();
            std::thread::spawn(move || super::hid::run(&path, emitter))
        }
        SourceSpec::Image { path } => {
            let source = super::image::ImageSource::new(path, &cfg.image)?;
            std::thread::spawn(move || source.run(emitter))
        }
        SourceSpec::Camera { device } => {
            let source =
                super::camera::CameraSource::new(device, &cfg.camera, cfg.image.decode_options());
            std::thread::spawn(move || source.run(emitter))
        }
    };
    Ok(RunningSource {
        id,
        events,
        stop,
        thread,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            SourceSpec::parse("serial:/dev/ttyUSB0@9600").unwrap(),
            SourceSpec::Serial {
                port: PortPath::Path("/dev/ttyUSB0".into()),
                baud: Some(9600)
            }
        );
        assert_eq!(
            SourceSpec::parse("serial:auto").unwrap(),
            SourceSpec::Serial {
                port: PortPath::Auto,
                baud: None
            }
        );
        assert_eq!(SourceSpec::parse("wedge").unwrap(), SourceSpec::Wedge);
        assert_eq!(
            SourceSpec::parse("hid:/dev/hidraw0").unwrap().id().0,
            "hid:/dev/hidraw0"
        );
        assert_eq!(
            SourceSpec::parse("image:-").unwrap(),
            SourceSpec::Image { path: "-".into() }
        );
        assert_eq!(
            SourceSpec::parse("camera:0").unwrap().id().0,
            "camera:/dev/video0"
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("serial:/dev/ttyUSB0@fast", "baud"),
            ("serial:", "name the port"),
            ("camera:", "name the camera"),
            ("webcam:0", "unknown source kind"),
            ("hid:", "path"),
        ] {
            let msg = SourceSpec::parse(spec).unwrap_err().to_string();
            assert!(msg.contains(says), "{spec}: {msg}");
        }
    }
}
