//! The UI's worker: one thread that owns the [`Station`] (the store connection) and runs every
//! job the UI sends, in order: scans, look-ups, status changes, reports, labels. The UI thread
//! never touches the store, so a slow trace or a printer timeout never freezes the screen.
//! Results go to a `report` function the app gives (it hands them to the Slint event loop).

use std::path::PathBuf;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::domain::LotStatus;
use crate::domain::status::Role;
use crate::domain::trace::{Direction, LotRef, Trace};
use crate::label::{self, LabelData, Template};
use crate::printer::{self, PrintTarget};
use crate::scanner::station::Feedback;
use crate::store::{ExpiringLot, Lot, RecordedEvent};
use crate::workflow::scan::{self, ScanAction};
use crate::workflow::{
    ProduceOutcome, ProduceRequest, SiteConfig, Station, StatusOutcome, StatusRequest, SyncState,
};

/// Events of a lot's history shown in Lot lookup.
pub const HISTORY_LIMIT: usize = 200;

/// Work for the worker.
#[derive(Debug, Clone)]
pub enum Job {
    /// A scan in a station mode; `key_in` is when its last key reached the window.
    Scan {
        action: ScanAction,
        text: String,
        key_in: Instant,
    },
    /// Find a lot by a scan of its label or its batch number, with history and genealogy.
    Lookup { query: String },
    /// A supervisor's status change (the PIN was checked before the job was sent).
    SetStatus {
        lot: LotRef,
        to: LotStatus,
        reason: String,
    },
    /// Write the trace report (both directions) of a lot as PDF or CSV to `out`.
    Report { lot: LotRef, out: PathBuf },
    /// Lots with stock expiring within `days`.
    Expiry { days: u32 },
    /// Start a production batch (number from the site format).
    Produce {
        site: SiteConfig,
        request: ProduceRequest,
    },
    /// Print one label of `lot` with `template` (data from the store; no sample values).
    Print {
        template: String,
        lot: LotRef,
        target: PrintTarget,
    },
    /// A preview image of `template` for `lot` (sample values fill what the lot lacks; the
    /// template's own sample without a lot).
    Preview {
        template: String,
        lot: Option<LotRef>,
    },
    /// The sync state for the status bar.
    SyncState,
}

/// A label preview, ready for a Slint image (pixel buffers cross threads, images do not).
pub type Preview = slint::SharedPixelBuffer<slint::Rgba8Pixel>;

/// A looked-up lot with what the supervisor sees of it.
#[derive(Debug, Clone)]
pub struct LotDetails {
    /// The same feedback a lookup scan gives in the headless loop.
    pub feedback: Feedback,
    pub lot: Lot,
    pub product: Option<String>,
    pub history: Vec<RecordedEvent>,
    pub trace: Trace,
    /// Product names of the lots in the trace, by GTIN.
    pub names: std::collections::BTreeMap<String, String>,
}

/// What the worker hands back, one per job.
#[derive(Debug)]
pub enum Done {
    Scan {
        action: ScanAction,
        feedback: Feedback,
        key_in: Instant,
    },
    Lookup(Result<Box<LotDetails>, Feedback>),
    SetStatus(Result<StatusOutcome, String>),
    Report(Result<PathBuf, String>),
    Expiry {
        today: chrono::NaiveDate,
        lots: Result<Vec<ExpiringLot>, String>,
    },
    Produce(Result<ProduceOutcome, String>),
    /// Where the labels went.
    Print(Result<String, String>),
    Preview(Result<Preview, String>),
    SyncState(Result<SyncState, String>),
    /// Not from the worker: the sync thread's state after each of its rounds.
    SyncRound(Result<SyncState, String>),
}

/// The running worker; dropping it ends the thread once the jobs sent are done.
pub struct Worker {
    jobs: Sender<Job>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread over `station`; `report` receives every result (on the worker
    /// thread).
    pub fn start(
        mut station: Station,
        gs_substitute: Option<char>,
        report: impl Fn(Done) + Send + 'static,
    ) -> Worker {
        let (jobs, rx) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("lotline-ui-worker".into())
            .spawn(move || {
                for job in rx {
                    report(run(&mut station, gs_substitute, job));
                }
            })
            .expect("spawning the UI worker thread");
        Worker {
            jobs,
            thread: Some(thread),
        }
    }

    /// Queues a job; false when the worker has stopped (it only stops if it panicked).
    pub fn send(&self, job: Job) -> bool {
        self.jobs.send(job).is_ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let (dummy, _) = channel();
        drop(std::mem::replace(&mut self.jobs, dummy));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Runs one job.
pub fn run(station: &mut Station, gs: Option<char>, job: Job) -> Done {
    match job {
        Job::Scan {
            action,
            text,
            key_in,
        } => {
            let feedback = scan::handle(station, &action, &text, gs, today());
            Done::Scan {
                action,
                feedback,
                key_in,
            }
        }
        Job::Lookup { query } => Done::Lookup(lookup(station, &query, gs).map(Box::new)),
        Job::SetStatus { lot, to, reason } => Done::SetStatus(
            station
                .set_status(&StatusRequest {
                    gtin: lot.gtin,
                    batch: lot.batch,
                    to,
                    role: Role::Supervisor,
                    reason,
                })
                .map_err(|e| e.to_string()),
        ),
        Job::Report { lot, out } => Done::Report(report(station, &lot, &out).map(|()| out)),
        Job::Expiry { days } => {
            let today = today();
            Done::Expiry {
                today,
                lots: station.expiring(today, days).map_err(|e| e.to_string()),
            }
        }
        Job::Produce { site, request } => Done::Produce(
            station
                .produce(&site, &request, today())
                .map_err(|e| e.to_string()),
        ),
        Job::Print {
            template,
            lot,
            target,
        } => Done::Print(print(station, &template, &lot, &target)),
        Job::Preview { template, lot } => Done::Preview(preview(station, &template, lot.as_ref())),
        Job::SyncState => Done::SyncState(station.sync_state().map_err(|e| e.to_string())),
    }
}

/// A lot's label data from the store.
fn lot_data(station: &Station, lot: &LotRef) -> Result<LabelData, String> {
    station
        .label_data(&lot.batch, Some(&lot.gtin))
        .map_err(|e| e.to_string())
}

fn print(
    station: &Station,
    template: &str,
    lot: &LotRef,
    target: &PrintTarget,
) -> Result<String, String> {
    let template = Template::load(template).map_err(|e| e.to_string())?;
    let layout = label::lay_out(&template, &lot_data(station, lot)?).map_err(|e| e.to_string())?;
    printer::print(target, &template, &[layout]).map_err(|e| e.to_string())
}

fn preview(station: &Station, template: &str, lot: Option<&LotRef>) -> Result<Preview, String> {
    let template = Template::load(template).map_err(|e| e.to_string())?;
    let mut data = template.sample.clone();
    if let Some(lot) = lot {
        data.extend(lot_data(station, lot)?);
    }
    let layout = label::lay_out(&template, &data).map_err(|e| e.to_string())?;
    // A screen preview needs no more than ~200 dpi.
    let png = label::png::render(&layout, template.dpi.min(203));
    let image = image::load_from_memory(&png)
        .map_err(|e| format!("label preview: {e}"))?
        .to_rgba8();
    Ok(Preview::clone_from_slice(
        image.as_raw(),
        image.width(),
        image.height(),
    ))
}

fn lookup(station: &Station, query: &str, gs: Option<char>) -> Result<LotDetails, Feedback> {
    let query = query.trim();
    if query.is_empty() {
        return Err(scan::error_feedback(
            crate::workflow::WorkflowError::Invalid(
                "scan a lot's label or type its batch number".into(),
            ),
        ));
    }
    let details = || -> Result<LotDetails, crate::workflow::WorkflowError> {
        let target = station.resolve_lot(query, None, gs)?;
        let lot = station
            .lookup(&target.gtin, &target.batch)?
            .ok_or_else(|| crate::workflow::WorkflowError::NoSuchLot {
                gtin: target.gtin.clone(),
                batch: target.batch.clone(),
            })?;
        let trace = station.trace_lot(&target, Direction::Both)?;
        // Every lot of the trace, the looked-up one included: one read per product.
        let mut names = std::collections::BTreeMap::new();
        for l in &trace.lots {
            if !names.contains_key(&l.gtin)
                && let Some(p) = station.product(&l.gtin)?
            {
                names.insert(l.gtin.clone(), p.name);
            }
        }
        Ok(LotDetails {
            feedback: scan::lot_feedback(&lot),
            product: names.get(&lot.gtin).cloned(),
            history: station
                .store()
                .lot_events(&lot.gtin, &lot.batch, HISTORY_LIMIT)?,
            trace,
            names,
            lot,
        })
    };
    details().map_err(scan::error_feedback)
}

fn report(station: &Station, lot: &LotRef, out: &std::path::Path) -> Result<(), String> {
    let report = station
        .trace_report(std::slice::from_ref(lot), Direction::Both)
        .map_err(|e| e.to_string())?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let file =
        std::fs::File::create(out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let w = std::io::BufWriter::new(file);
    let written = if out.extension().is_some_and(|e| e == "csv") {
        report.write_csv(w)
    } else {
        report.write_pdf(w)
    };
    written.map_err(|e| format!("writing {}: {e}", out.display()))
}
