//! Serial scanners (USB-CDC and RS-232) through `serialport`, on a thread of their own.
//!
//! The reader survives unplugging: when a read fails (the device vanished) or the port cannot
//! be opened, it reports [`SourceState::Reconnecting`] and retries with exponential backoff,
//! re-resolving `auto` each time because a replugged scanner may get a new name.

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serialport::{SerialPortType, TTYPort};

use super::framer::{DEFAULT_MAX_FRAME_LEN, Framer, FramingConfig, Suffix};
use super::source::Emitter;
use super::{ScannerError, SourceState};

/// Serial line and framing settings (`[scanner.serial]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SerialConfig {
    /// Used when the source spec gives no `@BAUD`. Ignored by USB-CDC devices and ptys.
    pub baud: u32,
    /// 5, 6, 7 or 8.
    pub data_bits: u8,
    pub parity: Parity,
    /// 1 or 2.
    pub stop_bits: u8,
    /// Bytes the scanner sends before each scan; removed when present.
    pub prefix: String,
    pub suffix: Suffix,
    /// With `suffix = "none"`: a frame ends after this much silence.
    pub inter_byte_timeout_ms: u64,
    /// With a suffix: bytes that wait this long without their suffix are dropped as noise.
    pub stale_partial_ms: u64,
    /// Longest accepted scan in bytes.
    pub max_frame_len: usize,
    /// Longest wait between two attempts to reopen a vanished port.
    pub reconnect_max_ms: u64,
}

impl Default for SerialConfig {
    fn default() -> Self {
        SerialConfig {
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            prefix: String::new(),
            suffix: Suffix::Cr,
            inter_byte_timeout_ms: 50,
            stale_partial_ms: 1000,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            reconnect_max_ms: 2000,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    None,
    Odd,
    Even,
}

/// Which port to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortPath {
    /// The first USB serial port (see [`find_auto_port`]).
    Auto,
    Path(String),
}

/// Everything the reader thread needs, validated.
#[derive(Debug, Clone)]
pub struct SerialSettings {
    pub port: PortPath,
    pub baud: u32,
    pub data_bits: serialport::DataBits,
    pub parity: serialport::Parity,
    pub stop_bits: serialport::StopBits,
    pub framing: FramingConfig,
    pub inter_byte_timeout: Duration,
    pub stale_partial: Duration,
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
}

impl SerialSettings {
    /// Checks the configuration and combines it with the port and baud of a source spec.
    pub fn new(
        port: PortPath,
        baud: Option<u32>,
        cfg: &SerialConfig,
    ) -> Result<Self, ScannerError> {
        use serialport::{DataBits, StopBits};
        let data_bits = match cfg.data_bits {
            5 => DataBits::Five,
            6 => DataBits::Six,
            7 => DataBits::Seven,
            8 => DataBits::Eight,
            n => {
                return Err(ScannerError::Config(format!(
                    "data_bits = {n}: use 5, 6, 7 or 8"
                )));
            }
        };
        let stop_bits = match cfg.stop_bits {
            1 => StopBits::One,
            2 => StopBits::Two,
            n => return Err(ScannerError::Config(format!("stop_bits = {n}: use 1 or 2"))),
        };
        if cfg.max_frame_len == 0 {
            return Err(ScannerError::Config("max_frame_len must be above 0".into()));
        }
        Ok(SerialSettings {
            port,
            baud: baud.unwrap_or(cfg.baud),
            data_bits,
            parity: match cfg.parity {
                Parity::None => serialport::Parity::None,
                Parity::Odd => serialport::Parity::Odd,
                Parity::Even => serialport::Parity::Even,
            },
            stop_bits,
            framing: FramingConfig {
                prefix: cfg.prefix.as_bytes().to_vec(),
                suffix: cfg.suffix,
                max_len: cfg.max_frame_len,
            },
            inter_byte_timeout: Duration::from_millis(cfg.inter_byte_timeout_ms.max(1)),
            stale_partial: Duration::from_millis(cfg.stale_partial_ms.max(1)),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_millis(cfg.reconnect_max_ms.max(100)),
        })
    }

    /// How long the line must be quiet before the framer is told it is idle.
    fn idle_after(&self) -> Duration {
        match self.framing.suffix {
            Suffix::None => self.inter_byte_timeout,
            _ => self.stale_partial,
        }
    }
}

/// The port `serial:auto` opens: the first USB serial port, CDC-ACM devices (`ttyACM*`, what
/// most USB scanners present) before USB-serial adapters (`ttyUSB*`), by name. Built without
/// libudev, `serialport` reads `/sys/class/tty`; ptys and on-board UARTs are never chosen.
pub fn find_auto_port() -> Result<String, ScannerError> {
    let mut usb: Vec<String> = serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| matches!(p.port_type, SerialPortType::UsbPort(_)))
        .map(|p| p.port_name)
        .collect();
    usb.sort_by_key(|name| (!name.contains("ttyACM"), name.clone()));
    usb.into_iter().next().ok_or(ScannerError::NoAutoPort)
}

/// Runs the reader until it is stopped or nobody listens any more. Meant for its own thread.
pub fn run(settings: SerialSettings, emitter: Emitter) {
    let mut framer = Framer::new(settings.framing.clone());
    let mut backoff = settings.reconnect_min;
    let mut last_reason = None;
    while !emitter.stopped() {
        let opened = resolve(&settings.port).and_then(|path| open(&settings, &path));
        let reason = match opened {
            Ok(port) => {
                backoff = settings.reconnect_min;
                last_reason = None;
                if !emitter.state(SourceState::Connected) {
                    return;
                }
                let ended = read_until_error(port, &settings, &mut framer, &emitter);
                if let Some(framed) = framer.disconnect() {
                    emitter.framed(framed, Instant::now());
                }
                match ended {
                    Some(reason) => reason,
                    None => break, // stopped
                }
            }
            Err(reason) => reason,
        };
        // Report each new reason once; retries for the same reason stay quiet.
        if last_reason.as_ref() != Some(&reason) {
            let state = SourceState::Reconnecting {
                reason: reason.clone(),
                retry_in_ms: backoff.as_millis() as u64,
            };
            if !emitter.state(state) {
                return;
            }
            last_reason = Some(reason);
        }
        emitter.sleep(backoff);
        backoff = (backoff * 2).min(settings.reconnect_max);
    }
    emitter.state(SourceState::Closed);
}

fn resolve(port: &PortPath) -> Result<String, String> {
    match port {
        PortPath::Path(path) => Ok(path.clone()),
        PortPath::Auto => find_auto_port().map_err(|e| e.to_string()),
    }
}

fn open(settings: &SerialSettings, path: &str) -> Result<TTYPort, String> {
    let poll = settings.idle_after().min(Duration::from_millis(50));
    serialport::new(path, settings.baud)
        .data_bits(settings.data_bits)
        .parity(settings.parity)
        .stop_bits(settings.stop_bits)
        .timeout(poll)
        .open_native()
        .map_err(|e| format!("cannot open {path}: {e}"))
}

/// Reads and frames until the device fails (returns why) or the source is stopped (`None`).
fn read_until_error(
    mut port: TTYPort,
    settings: &SerialSettings,
    framer: &mut Framer,
    emitter: &Emitter,
) -> Option<String> {
    let mut buf = [0u8; 1024];
    let mut last_byte = Instant::now();
    loop {
        if emitter.stopped() {
            return None;
        }
        match port.read(&mut buf) {
            Ok(0) => return Some("device closed".into()),
            Ok(n) => {
                let arrived = Instant::now();
                last_byte = arrived;
                framer.push(&buf[..n]);
                while let Some(framed) = framer.next_frame() {
                    if !emitter.framed(framed, arrived) {
                        return None;
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::Interrupted => {
                let stale = framer.has_partial() && last_byte.elapsed() >= settings.idle_after();
                if stale
                    && let Some(framed) = framer.idle()
                    && !emitter.framed(framed, last_byte)
                {
                    return None;
                }
            }
            Err(e) => return Some(format!("read failed: {e}")),
        }
    }
}
