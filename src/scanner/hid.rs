//! HID POS scanners (USB HID usage page 0x8C, "Bar Code Scanner") through Linux hidraw.
//!
//! In HID POS mode a scanner sends its data in input reports instead of typing it, so no
//! keyboard layout or focus gets in the way. The scanned-data report (report ID 0x02 in the HID
//! Point of Sale usage tables, as Honeywell and Zebra scanners send it) is 64 bytes:
//!
//! | byte  | content                                                    |
//! |-------|------------------------------------------------------------|
//! | 0     | report ID 0x02 (hidraw keeps it when the device numbers reports) |
//! | 1     | number of data bytes in this report (0–56)                 |
//! | 2–4   | symbology identifier: the AIM id (`]C1`) or vendor bytes   |
//! | 5–60  | decoded data, padded                                       |
//! | 61–62 | vendor specific                                            |
//! | 63    | bit 0 set: the data continues in the next report           |
//!
//! A long scan (a big DataMatrix) spans several reports; [`ReportAssembler`] joins them.
//! Parsing is pure and tested with report bytes built to that layout; no HID POS device was
//! available, so the layout has not been checked against real hardware (see docs/scanners.md).

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use super::source::Emitter;
use super::{Reject, SourceState};

/// HID usage page of bar code scanners.
pub const USAGE_PAGE_BAR_CODE_SCANNER: u16 = 0x8C;
/// Report ID of the scanned-data report.
pub const SCANNED_DATA_REPORT_ID: u8 = 0x02;
const REPORT_LEN: usize = 64;
const DATA_START: usize = 5;
const DATA_CAPACITY: usize = 56;

/// One scanned-data report, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedData {
    /// The AIM identifier when the symbology bytes hold one (`]` + two characters).
    pub aim_id: Option<[u8; 3]>,
    pub data: Vec<u8>,
    /// More data follows in the next report.
    pub continued: bool,
}

/// Parses one input report as read from hidraw. Reports other than scanned data (status,
/// attribute reports) give `Ok(None)`.
pub fn parse_report(report: &[u8]) -> Result<Option<ScannedData>, Reject> {
    let bad = |reason: String| Reject::BadReport { reason };
    match report.first() {
        None => return Err(bad("empty report".into())),
        Some(&id) if id != SCANNED_DATA_REPORT_ID => return Ok(None),
        Some(_) => {}
    }
    if report.len() < DATA_START {
        return Err(bad(format!("{} bytes is too short", report.len())));
    }
    let len = usize::from(report[1]);
    if len > DATA_CAPACITY {
        return Err(bad(format!("data length {len} is over {DATA_CAPACITY}")));
    }
    let data = report
        .get(DATA_START..DATA_START + len)
        .ok_or_else(|| bad(format!("data length {len} but only {} bytes", report.len())))?;
    let symbology = [report[2], report[3], report[4]];
    Ok(Some(ScannedData {
        aim_id: (symbology[0] == b']').then_some(symbology),
        data: data.to_vec(),
        continued: report.len() >= REPORT_LEN && report[REPORT_LEN - 1] & 1 == 1,
    }))
}

/// Joins scanned-data reports into frames (AIM id + data, like a serial scanner sends).
#[derive(Debug, Default)]
pub struct ReportAssembler {
    pending: Option<Vec<u8>>,
}

impl ReportAssembler {
    /// Takes one report; returns a complete frame when this report ends a scan.
    pub fn push(&mut self, report: &[u8]) -> Result<Option<Vec<u8>>, Reject> {
        let Some(part) = parse_report(report)? else {
            return Ok(None);
        };
        let frame = self.pending.get_or_insert_with(|| {
            let mut start = Vec::new();
            start.extend(part.aim_id.unwrap_or_default().iter().filter(|b| **b != 0));
            start
        });
        frame.extend_from_slice(&part.data);
        if part.continued {
            return Ok(None);
        }
        Ok(self.pending.take())
    }

    /// The device went away mid-scan: what was pending is lost.
    pub fn disconnect(&mut self) -> Option<Reject> {
        self.pending
            .take()
            .map(|p| Reject::Incomplete { len: p.len() })
    }
}

/// True when a HID report descriptor declares the bar code scanner usage page, i.e. the device
/// is in HID POS mode (not keyboard mode). Linux exposes the descriptor at
/// `/sys/class/hidraw/hidrawN/device/report_descriptor`.
pub fn descriptor_has_scanner_page(descriptor: &[u8]) -> bool {
    let mut i = 0;
    while i < descriptor.len() {
        let prefix = descriptor[i];
        if prefix == 0xFE {
            // Long item: size byte, tag byte, data.
            let size = descriptor.get(i + 1).copied().unwrap_or(0) as usize;
            i += 3 + size;
            continue;
        }
        let size = match prefix & 0x03 {
            3 => 4,
            n => n as usize,
        };
        let Some(data) = descriptor.get(i + 1..i + 1 + size) else {
            return false;
        };
        // Global item, tag 0 = Usage Page.
        if prefix & 0xFC == 0x04 {
            let page = data
                .iter()
                .rev()
                .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
            if page == u32::from(USAGE_PAGE_BAR_CODE_SCANNER) {
                return true;
            }
        }
        i += 1 + size;
    }
    false
}

/// Reads a hidraw device until stopped, reopening it when it vanishes. Each read of a hidraw
/// node returns one whole report. The blocking read is not interruptible: a stop takes effect
/// at the next report or reconnect.
pub fn run(path: &str, emitter: Emitter) {
    check_descriptor(path, &emitter);
    let mut assembler = ReportAssembler::default();
    let mut backoff = Duration::from_millis(100);
    let mut last_reason = None;
    while !emitter.stopped() {
        let reason = match File::open(path) {
            Ok(mut device) => {
                backoff = Duration::from_millis(100);
                last_reason = None;
                if !emitter.state(SourceState::Connected) {
                    return;
                }
                let mut report = [0u8; REPORT_LEN];
                let reason = loop {
                    match device.read(&mut report) {
                        Ok(0) => break "device closed".to_owned(),
                        Ok(n) => {
                            let sent = match assembler.push(&report[..n]) {
                                Ok(Some(frame)) => emitter.frame(frame, Instant::now()),
                                Ok(None) => true,
                                Err(reject) => emitter.reject(reject),
                            };
                            if !sent || emitter.stopped() {
                                return;
                            }
                        }
                        Err(e) => break format!("read failed: {e}"),
                    }
                };
                if let Some(reject) = assembler.disconnect() {
                    emitter.reject(reject);
                }
                reason
            }
            Err(e) => format!("cannot open {path}: {e}"),
        };
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
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
    emitter.state(SourceState::Closed);
}

/// Warns (without stopping) when the device is not in HID POS mode.
fn check_descriptor(path: &str, emitter: &Emitter) {
    let Some(name) = Path::new(path).file_name() else {
        return;
    };
    let sysfs = Path::new("/sys/class/hidraw")
        .join(name)
        .join("device/report_descriptor");
    if let Ok(descriptor) = std::fs::read(sysfs)
        && !descriptor_has_scanner_page(&descriptor)
    {
        emitter.reject(Reject::BadReport {
            reason: format!(
                "{path} does not declare the HID POS bar code scanner page (0x8C): \
                 switch the scanner to HID POS mode or use the wedge source"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-byte scanned-data report laid out as in the module table.
    fn report(symbology: &[u8; 3], data: &[u8], continued: bool) -> Vec<u8> {
        let mut r = vec![0u8; REPORT_LEN];
        r[0] = SCANNED_DATA_REPORT_ID;
        r[1] = data.len() as u8;
        r[2..5].copy_from_slice(symbology);
        r[DATA_START..DATA_START + data.len()].copy_from_slice(data);
        r[61] = 0x6A; // vendor code id (Honeywell: Code 128)
        r[63] = u8::from(continued);
        r
    }

    #[test]
    fn a_single_report_scan_keeps_aim_and_gs() {
        let mut a = ReportAssembler::default();
        let r = report(b"]C1", b"0109501101531000\x1d10LOT7", false);
        assert_eq!(
            a.push(&r).unwrap(),
            Some(b"]C10109501101531000\x1d10LOT7".to_vec())
        );
    }

    #[test]
    fn a_long_scan_spanning_reports_is_joined() {
        let data: Vec<u8> = (0..100).map(|i| b'0' + (i % 10) as u8).collect();
        let mut a = ReportAssembler::default();
        assert_eq!(a.push(&report(b"]d2", &data[..56], true)).unwrap(), None);
        let frame = a
            .push(&report(b"]d2", &data[56..], false))
            .unwrap()
            .unwrap();
        assert_eq!(&frame[..3], b"]d2");
        assert_eq!(&frame[3..], &data[..]);
    }

    #[test]
    fn vendor_symbology_bytes_are_not_taken_for_an_aim_id() {
        let mut a = ReportAssembler::default();
        let frame = a.push(&report(&[0, 0, 0x6A], b"ABC", false)).unwrap();
        assert_eq!(frame, Some(b"ABC".to_vec()));
    }

    #[test]
    fn other_reports_are_skipped_and_broken_ones_rejected() {
        let mut a = ReportAssembler::default();
        assert_eq!(a.push(&[0x04, 1, 2, 3]).unwrap(), None, "status report");
        let mut r = report(b"]C0", b"X", false);
        r[1] = 60;
        assert!(matches!(a.push(&r), Err(Reject::BadReport { .. })));
        assert!(matches!(a.push(&[0x02, 5]), Err(Reject::BadReport { .. })));
        assert!(matches!(a.push(&[]), Err(Reject::BadReport { .. })));
    }

    #[test]
    fn a_disconnect_mid_scan_reports_the_lost_part() {
        let mut a = ReportAssembler::default();
        a.push(&report(b"]d2", &[b'1'; 56], true)).unwrap();
        assert_eq!(a.disconnect(), Some(Reject::Incomplete { len: 59 }));
        assert_eq!(a.disconnect(), None);
    }

    #[test]
    fn descriptor_check_finds_the_scanner_page() {
        // Usage Page (0x8C) as a 2-byte item, Usage (Bar Code Scanner), Collection (Application)
        let pos = [0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0xC0];
        assert!(descriptor_has_scanner_page(&pos));
        // Generic Desktop / Keyboard: a scanner in keyboard mode.
        let keyboard = [0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0xC0];
        assert!(!descriptor_has_scanner_page(&keyboard));
        assert!(
            !descriptor_has_scanner_page(&[0x06, 0x8C]),
            "truncated item"
        );
    }
}
