//! The headless scan loop: one consumer of every source's events.
//!
//! Each scan that is not a doubled read goes to the loop's handler (the station core in a
//! station, a recording closure in tests) and what it returns is reported with the scan. Bad
//! frames, duplicates and device state changes are reported too; nothing stops the loop but
//! the end of its sources. The loop knows nothing of what a scan does: the handler's outcome
//! type is the caller's (the station core's [`Outcome`](crate::workflow::Outcome)).

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::dedup::DuplicateFilter;
use super::{Reject, Scan, SourceEvent, SourceId, SourceState};

/// What the loop reports, one per source event; `O` is what the handler made of a scan.
#[derive(Debug)]
pub enum LoopEvent<'a, O> {
    /// A scan went to the handler. `latency` runs from the scan's last byte to the handler call.
    Handled {
        scan: &'a Scan,
        outcome: O,
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
    pub handled: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// The loop's state: handler, duplicate filter, counts.
#[derive(Debug)]
pub struct ScanLoop<H> {
    handler: H,
    dedup: DuplicateFilter,
    counts: Counts,
}

impl<H, O> ScanLoop<H>
where
    H: FnMut(&Scan) -> O,
{
    pub fn new(handler: H, duplicate_window: Duration) -> Self {
        ScanLoop {
            handler,
            dedup: DuplicateFilter::new(duplicate_window),
            counts: Counts::default(),
        }
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Takes one source event through the loop and reports what happened.
    pub fn process(&mut self, event: SourceEvent, report: &mut dyn FnMut(LoopEvent<'_, O>)) {
        match event {
            SourceEvent::Scan(scan) => {
                if !self.dedup.admit(&scan) {
                    self.counts.duplicates += 1;
                    report(LoopEvent::Duplicate { scan: &scan });
                    return;
                }
                let latency = Instant::now().saturating_duration_since(scan.arrived);
                let outcome = (self.handler)(&scan);
                self.counts.handled += 1;
                report(LoopEvent::Handled {
                    scan: &scan,
                    outcome,
                    latency,
                });
            }
            SourceEvent::Rejected { source, reject } => {
                self.counts.rejected += 1;
                report(LoopEvent::Rejected {
                    source: &source,
                    reject: &reject,
                    total: self.counts.rejected,
                });
            }
            SourceEvent::State { source, state } => {
                report(LoopEvent::State {
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
        mut report: impl FnMut(LoopEvent<'_, O>),
    ) -> Counts {
        for event in events.iter() {
            self.process(event, &mut report);
        }
        self.counts
    }
}
