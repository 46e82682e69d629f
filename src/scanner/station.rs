//! The headless station loop: one consumer of every source's events.
//!
//! Each scan that is not a doubled read goes to a [`ScanHandler`] (the workflow layer in a
//! station, a recording handler in tests) and comes back as [`Feedback`] for the worker. Bad
//! frames, duplicates and device state changes are reported too; nothing stops the loop but the
//! end of its sources.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::dedup::DuplicateFilter;
use super::{Reject, Scan, SourceEvent, SourceId, SourceState};
use crate::gs1;

/// Turns a scan into an action and says how it went. Implementations must not panic on bad
/// data: a scan that makes no sense is [`Outcome::Invalid`] feedback.
pub trait ScanHandler {
    fn handle(&mut self, scan: &Scan) -> Feedback;
}

impl<H: ScanHandler + ?Sized> ScanHandler for Box<H> {
    fn handle(&mut self, scan: &Scan) -> Feedback {
        (**self).handle(scan)
    }
}

/// How a scan was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Done (and durable, for handlers that write).
    Ok,
    /// Understood but not allowed (e.g. an expired lot at dispatch).
    Refused,
    /// Not data the handler can use (e.g. not GS1, or a GS1 rule broken).
    Invalid,
}

/// What the worker is told about one scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    pub outcome: Outcome,
    /// One line for the worker: what happened, or what is wrong and what to do.
    pub message: String,
    /// Structured details for `--json` (e.g. the GS1 elements, the lot recorded).
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl Feedback {
    pub fn new(outcome: Outcome, message: impl Into<String>) -> Self {
        Feedback {
            outcome,
            message: message.into(),
            detail: serde_json::Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// What the loop reports, one per source event.
#[derive(Debug)]
pub enum StationEvent<'a> {
    /// A scan went to the handler. `latency` runs from the scan's last byte to the handler call.
    Handled {
        scan: &'a Scan,
        feedback: Feedback,
        latency: Duration,
    },
    /// A doubled read, dropped.
    Duplicate { scan: &'a Scan },
    /// Bytes that did not become a scan; `total` counts them for this run.
    Rejected {
        source: &'a SourceId,
        reject: &'a Reject,
        total: u64,
    },
    State {
        source: &'a SourceId,
        state: &'a SourceState,
    },
}

/// Counts for one run of the loop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub ok: u64,
    pub refused: u64,
    pub invalid: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

impl Counts {
    /// True when every scan was taken and no frame was rejected.
    pub fn all_ok(&self) -> bool {
        self.refused == 0 && self.invalid == 0 && self.rejected == 0
    }
}

/// The loop's state: handler, duplicate filter, counts.
#[derive(Debug)]
pub struct Station<H> {
    handler: H,
    dedup: DuplicateFilter,
    counts: Counts,
}

impl<H: ScanHandler> Station<H> {
    pub fn new(handler: H, duplicate_window: Duration) -> Self {
        Station {
            handler,
            dedup: DuplicateFilter::new(duplicate_window),
            counts: Counts::default(),
        }
    }

    pub fn handler(&self) -> &H {
        &self.handler
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Takes one source event through the loop and reports what happened.
    pub fn process(&mut self, event: SourceEvent, report: &mut dyn FnMut(StationEvent<'_>)) {
        match event {
            SourceEvent::Scan(scan) => {
                if !self.dedup.admit(&scan) {
                    self.counts.duplicates += 1;
                    report(StationEvent::Duplicate { scan: &scan });
                    return;
                }
                let latency = Instant::now().saturating_duration_since(scan.arrived);
                let feedback = self.handler.handle(&scan);
                match feedback.outcome {
                    Outcome::Ok => self.counts.ok += 1,
                    Outcome::Refused => self.counts.refused += 1,
                    Outcome::Invalid => self.counts.invalid += 1,
                }
                report(StationEvent::Handled {
                    scan: &scan,
                    feedback,
                    latency,
                });
            }
            SourceEvent::Rejected { source, reject } => {
                self.counts.rejected += 1;
                report(StationEvent::Rejected {
                    source: &source,
                    reject: &reject,
                    total: self.counts.rejected,
                });
            }
            SourceEvent::State { source, state } => {
                report(StationEvent::State {
                    source: &source,
                    state: &state,
                });
            }
        }
    }

    /// Runs until every source has ended (the channel is closed).
    pub fn run(
        &mut self,
        events: &Receiver<SourceEvent>,
        mut report: impl FnMut(StationEvent<'_>),
    ) -> Counts {
        for event in events.iter() {
            self.process(event, &mut report);
        }
        self.counts
    }
}

/// `--mode check`: parses each scan as GS1 data and shows its elements; writes nothing. For
/// setting up a scanner (is the GS coming through? the AIM id?) before the real modes.
#[derive(Debug, Default)]
pub struct Gs1CheckHandler {
    pub options: gs1::ParseOptions,
}

impl ScanHandler for Gs1CheckHandler {
    fn handle(&mut self, scan: &Scan) -> Feedback {
        match gs1::parse(&scan.text, &self.options) {
            Ok(message) => {
                let line = message
                    .elements
                    .iter()
                    .map(|e| format!("({}){}", e.ai, e.value))
                    .collect::<String>();
                Feedback::new(Outcome::Ok, line).with_detail(serde_json::json!({
                    "symbology": message.symbology,
                    "elements": message.elements,
                }))
            }
            Err(e) => Feedback::new(Outcome::Invalid, format!("not valid GS1 data: {e}")),
        }
    }
}
