//! The configured scanner source (serial, HID, images) beside the keyboard wedge: its scans
//! and its state forwarded to the window. The same [`ScanLoop`] as `lotline scan` drops
//! doubled reads and counts rejected frames; its handler hands each scan to the window, where
//! it is input for the current mode like a wedge scan.

use std::time::Duration;

use slint::ComponentHandle;

use super::{AppWindow, Ui};
use crate::config::StationConfig;
use crate::scanner::scan_loop::{LoopEvent, ScanLoop};
use crate::scanner::source::{self, SourceSpec, StopSignal};
use crate::scanner::{Scan, SourceState};

/// A running scanner source; stopped when dropped.
pub struct DeviceSource {
    stop: StopSignal,
}

impl Drop for DeviceSource {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// Starts the configured scanner source (not the wedge: the window reads that itself) and
/// forwards its scans and its state to the window. Doubled reads are dropped here.
pub fn start_device(config: &StationConfig, weak: slint::Weak<AppWindow>) -> Option<DeviceSource> {
    let spec_text = config.scanner.source.clone()?;
    let set_state = |weak: &slint::Weak<AppWindow>, ok: bool, text: String| {
        let _ = weak.upgrade_in_event_loop(move |w| {
            let ui = w.global::<Ui>();
            ui.set_scanner_ok(ok);
            ui.set_scanner_text(text.into());
        });
    };
    let started = SourceSpec::parse(&spec_text).and_then(|spec| {
        if spec == SourceSpec::Wedge {
            return Ok(None);
        }
        source::start(&spec, &config.scanner).map(Some)
    });
    let running = match started {
        Ok(Some(running)) => running,
        Ok(None) => return None,
        Err(e) => {
            set_state(&weak, false, format!("scanner: {e}"));
            return None;
        }
    };
    let stop = running.stop.clone();
    let window = Duration::from_millis(config.scanner.duplicate_window_ms);
    std::thread::Builder::new()
        .name("lotline-ui-scanner".into())
        .spawn(move || {
            let to_window = weak.clone();
            let mut scans = ScanLoop::new(
                move |scan: &Scan| {
                    let text = scan.text.clone();
                    let _ = to_window.upgrade_in_event_loop(move |w| {
                        w.global::<Ui>().invoke_device_scan(text.into())
                    });
                },
                window,
            );
            scans.run(&running.events, |event| match event {
                LoopEvent::Handled { .. } | LoopEvent::Duplicate { .. } => {}
                LoopEvent::State { source, state } => {
                    let (ok, text) = match state {
                        SourceState::Connected => (true, format!("{source} connected")),
                        SourceState::Reconnecting { reason, .. } => {
                            (false, format!("{source} not connected: {reason}"))
                        }
                        SourceState::Closed => (false, format!("{source} closed")),
                    };
                    set_state(&weak, ok, text);
                }
                LoopEvent::Rejected { source, reject, .. } => {
                    set_state(&weak, true, format!("{source}: {reject}"));
                }
            });
        })
        .ok()?;
    Some(DeviceSource { stop })
}

/// The status bar's scanner part before any source reports.
pub fn scanner_text(config: &StationConfig) -> String {
    match &config.scanner.source {
        Some(s) if s != "wedge" => format!("keyboard scanner + {s}"),
        _ => "keyboard scanner ready".into(),
    }
}
