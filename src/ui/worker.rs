//! The UI's worker: one thread that owns the [`Station`] (the store connection) and the mode
//! controllers that use it, and runs every job the UI sends, in order: scans, look-ups, status
//! changes, reports, labels. The UI thread never touches the store, so a slow trace or a
//! printer timeout never freezes the screen. Results go to a `report` function the app gives
//! (it hands them to the Slint event loop).

use std::path::PathBuf;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use super::controllers::{
    DispatchController, DispatchForm, DispatchView, ExpiryBoard, ExpiryController, FetchedHistory,
    LookupController, LookupView, NewProductForm, ProduceController, ProduceForm, ProduceView,
    ProductForm, ProductsController, ProductsView, ReceiveController, ReceiveForm, ReceiveView,
    SessionView, StatusForm, session,
};
use super::pin::SharedGate;
use super::present::{Shown, Verdict};
use crate::config::StationConfig;
use crate::domain::LotStatus;
use crate::label;
use crate::printer;
use crate::workflow::label_job::{self, LabelJob};
use crate::workflow::{Station, SyncState};

/// Work for the worker.
#[derive(Debug, Clone)]
pub enum Job {
    /// A supplier label scanned in Receive; `key_in` is when its last key reached the window.
    Receive {
        form: ReceiveForm,
        text: String,
        key_in: Instant,
    },
    /// Register the product of the label Receive refused as unknown.
    RegisterProduct { form: NewProductForm },
    /// A pallet scanned in Dispatch.
    Dispatch {
        form: DispatchForm,
        text: String,
        key_in: Instant,
    },
    /// Undo the last dispatch of the session, with the reason typed.
    UndoDispatch { reason: String },
    /// Close the shipment the Dispatch form names, and make its documents.
    CloseShipment { form: DispatchForm },
    /// An input lot scanned in Produce.
    ProduceInput { text: String, key_in: Instant },
    /// Start a production batch.
    StartBatch { form: ProduceForm, template: String },
    /// Find a lot by a scan of its label or its batch number.
    Lookup { query: String },
    /// A status change of the lot shown (a worker's hold, or a supervisor's change).
    SetStatus { to: LotStatus, form: StatusForm },
    /// Write the trace report of the lot shown (`PDF` or `CSV`).
    Report { format: String },
    /// Lots with stock expiring within `days`.
    Expiry { days: i32 },
    /// Print the internal label of the lot received last.
    PrintReceived,
    /// Print the batch's labels with `template`.
    PrintBatch { template: String },
    /// A preview of `template` for the batch (sample values where it has none).
    Preview { template: String },
    /// The products the store knows (the Products view).
    Products,
    /// Add or change a product (the Products form).
    SaveProduct { form: ProductForm },
    /// Is this a first run (an empty store)?
    FirstRun,
    /// The sync state for the status bar.
    SyncState,
    /// Settings were saved: use this config from now on.
    Config(Box<StationConfig>),
    /// Sign a person in with their PIN: what is recorded from now on names them.
    SignIn { person: String, pin: String },
    /// Sign whoever is signed in out.
    SignOut,
}

/// A label preview, ready for a Slint image (pixel buffers cross threads, images do not).
pub type Preview = slint::SharedPixelBuffer<slint::Rgba8Pixel>;

/// What the worker hands back.
#[derive(Debug)]
pub enum Done {
    Receive(ReceiveView, Instant),
    Dispatch(DispatchView, Instant),
    /// An action in Dispatch done (the last dispatch undone, the shipment closed), or why not.
    DispatchAction(DispatchView),
    /// `key_in` for an input scan; `None` for a batch started.
    Produce(ProduceView, Option<Instant>),
    Lookup(LookupView),
    /// Not from the worker: the history of a lot shown, fetched from the server on a thread of
    /// its own.
    LookupHistory(FetchedHistory),
    Expiry(Result<ExpiryBoard, Shown>),
    Products(ProductsView),
    /// The store is empty: no products, no events (the set-up guide shows).
    FirstRun(bool),
    /// A banner only (printing, reports).
    Shown(Shown),
    Preview(Result<Preview, Shown>),
    SyncState(Result<SyncState, String>),
    /// Not from the worker: the sync thread's state after each of its rounds.
    SyncRound(Result<SyncState, String>),
    /// Who is signed in after a sign-in or sign-out.
    Session(SessionView),
}

/// The running worker; dropping it ends the thread once the jobs sent are done.
pub struct Worker {
    jobs: Sender<Job>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread over `station` with `config`; `report` receives every result
    /// (on the worker thread, or the thread that fetched a lot's history from the server).
    pub fn start(
        station: Station,
        config: StationConfig,
        gate: SharedGate,
        report: impl Fn(Done) + Clone + Send + 'static,
    ) -> Worker {
        let (jobs, rx) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("lotline-ui-worker".into())
            .spawn(move || {
                let mut modes = Modes::new(station, config, gate);
                for job in rx {
                    modes.run(job, &report);
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

/// The site currency where the station takes and shows costs (`[ui] show_costs`).
fn costing(config: &StationConfig) -> Option<crate::domain::money::Currency> {
    config.ui.show_costs.then_some(config.site.currency)
}

/// The server Lot lookup fetches a lot's pruned history from (`[sync]`), if one is set up.
fn history_server(config: &StationConfig) -> Option<super::controllers::SharedHistoryServer> {
    let transport = config.sync.transport(super::sync::DEFAULT_TIMEOUT)?;
    Some(std::sync::Arc::new(transport))
}

/// Fetches the history a Lookup view asks for on a thread of its own (the network may take
/// the whole request timeout; scans go on meanwhile), and reports it.
fn fetch_history(
    view: &LookupView,
    lookup: &LookupController,
    report: &(impl Fn(Done) + Clone + Send + 'static),
) {
    let (Some(fetch), Some(server)) = (view.history_fetch.clone(), lookup.server()) else {
        return;
    };
    let report = report.clone();
    let spawned = std::thread::Builder::new()
        .name("lotline-ui-history".into())
        .spawn(move || report(Done::LookupHistory(fetch.run(server.as_ref()))));
    if let Err(e) = spawned {
        tracing::warn!("cannot fetch a lot's history from the server: {e}");
    }
}

/// Runs a supervisor's decision with the PIN lockout (shared with Settings) held and the
/// station PIN's hash from `config`.
fn with_proof<R>(
    gate: &SharedGate,
    config: &StationConfig,
    decide: impl FnOnce(&mut crate::pin_gate::PinGate, Option<&str>) -> R,
) -> R {
    let mut gate = gate.lock().unwrap_or_else(|e| e.into_inner());
    decide(&mut gate, config.ui.supervisor_pin_hash.as_deref())
}

/// The station and the controllers of the modes that use it, on the worker thread.
struct Modes {
    station: Station,
    config: StationConfig,
    receive: ReceiveController,
    dispatch: DispatchController,
    produce: ProduceController,
    lookup: LookupController,
    expiry: ExpiryController,
    products: ProductsController,
    /// The supervisor PIN's check and lockout, shared with Settings.
    gate: SharedGate,
}

impl Modes {
    fn new(station: Station, config: StationConfig, gate: SharedGate) -> Modes {
        let costs = costing(&config);
        let mut lookup = LookupController::costing(costs);
        lookup.set_server(history_server(&config));
        Modes {
            station,
            config,
            gate,
            receive: ReceiveController::costing(costs),
            dispatch: DispatchController::default(),
            produce: ProduceController::default(),
            lookup,
            expiry: ExpiryController,
            products: ProductsController,
        }
    }

    fn gs(&self) -> Option<char> {
        self.config.scanner.wedge.gs_substitute
    }

    /// Runs one job; most give one result, a batch started also its preview.
    fn run(&mut self, job: Job, report: &(impl Fn(Done) + Clone + Send + 'static)) {
        let gs = self.gs();
        let done = match job {
            Job::Receive { form, text, key_in } => Done::Receive(
                self.receive
                    .scan(&mut self.station, &form, &text, gs, today()),
                key_in,
            ),
            Job::RegisterProduct { form } => Done::Receive(
                with_proof(&self.gate, &self.config, |gate, hash| {
                    self.receive
                        .register_product(&mut self.station, gate, hash, &form)
                }),
                Instant::now(),
            ),
            Job::Dispatch { form, text, key_in } => Done::Dispatch(
                self.dispatch
                    .scan(&mut self.station, &form, &text, gs, today()),
                key_in,
            ),
            Job::UndoDispatch { reason } => {
                Done::DispatchAction(self.dispatch.undo_last(&mut self.station, &reason))
            }
            Job::CloseShipment { form } => {
                let dir = (self.config.ui.report_dir.clone()).unwrap_or_else(|| PathBuf::from("."));
                Done::DispatchAction(self.dispatch.close_shipment(
                    &mut self.station,
                    &form,
                    &self.config.site,
                    &dir,
                    self.config.printer.as_ref(),
                ))
            }
            Job::ProduceInput { text, key_in } => Done::Produce(
                self.produce.scan(&mut self.station, &text, gs, today()),
                Some(key_in),
            ),
            Job::StartBatch { form, template } => {
                let view = self
                    .produce
                    .start(&mut self.station, &self.config.site, &form, today());
                let started = view.started.is_some();
                report(Done::Produce(view, None));
                if !started {
                    return;
                }
                Done::Preview(self.preview(&template))
            }
            Job::Lookup { query } => {
                let view = self.lookup.find(&self.station, &query, gs);
                fetch_history(&view, &self.lookup, report);
                Done::Lookup(view)
            }
            Job::SignIn { person, pin } => {
                let mut gate = self.gate.lock().unwrap_or_else(|e| e.into_inner());
                Done::Session(session::sign_in(
                    &mut self.station,
                    &mut gate,
                    &person,
                    &pin,
                ))
            }
            Job::SignOut => Done::Session(session::sign_out(&mut self.station)),
            Job::SetStatus { to, form } => {
                let view = with_proof(&self.gate, &self.config, |gate, hash| {
                    self.lookup
                        .change_status(&mut self.station, gate, hash, &form, to)
                });
                fetch_history(&view, &self.lookup, report);
                Done::Lookup(view)
            }
            Job::Report { format } => {
                let dir = (self.config.ui.report_dir.clone()).unwrap_or_else(|| PathBuf::from("."));
                let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
                Done::Shown(self.lookup.report(&self.station, &dir, &format, &stamp))
            }
            Job::Expiry { days } => Done::Expiry(self.expiry.refresh(&self.station, days, today())),
            Job::PrintReceived => {
                let job = self.receive.label_job(&self.config.ui.receive_template);
                Done::Shown(self.print(job))
            }
            Job::PrintBatch { template } => {
                let job = self.produce.label_job(&template);
                Done::Shown(self.print(job))
            }
            Job::Preview { template } => Done::Preview(self.preview(&template)),
            Job::Products => Done::Products(self.products.list(&self.station)),
            Job::SaveProduct { form } => {
                Done::Products(with_proof(&self.gate, &self.config, |gate, hash| {
                    self.products.save(&mut self.station, gate, hash, &form)
                }))
            }
            Job::FirstRun => Done::FirstRun(super::controllers::products::first_run(&self.station)),
            Job::SyncState => Done::SyncState(self.station.sync_state().map_err(|e| e.to_string())),
            Job::Config(config) => {
                self.config = *config;
                // What the controllers hold (the session's count, the last lot, a half-scanned
                // label, the lot on screen) stays; only the costing setting changes.
                self.receive.set_costs(costing(&self.config));
                self.lookup.set_costs(costing(&self.config));
                self.lookup.set_server(history_server(&self.config));
                return;
            }
        };
        report(done);
    }

    /// Prints a label job on the station's printer.
    fn print(&self, job: Result<LabelJob, Shown>) -> Shown {
        let Some(target) = &self.config.printer else {
            return Shown::refused(
                "no printer set for this station: Settings → Printer (cups:QUEUE, raw:HOST:9100 or folder:DIR)",
            );
        };
        let job = match job {
            Ok(job) => job,
            Err(refused) => return refused,
        };
        let printed = label_job::lay_out_labels(&job, Some(&self.station))
            .map_err(|e| e.for_station())
            .and_then(|(template, labels)| {
                printer::print(target, &template, &labels).map_err(|e| e.to_string())
            });
        match printed {
            Ok(to) => Shown::new(Verdict::Ok, "PRINTED", format!("label sent to {to}")),
            Err(message) => Shown::refused(format!("not printed: {message}")),
        }
    }

    /// The preview image of the batch's label with `template`.
    fn preview(&self, template: &str) -> Result<Preview, Shown> {
        let job = self.produce.preview_job(template);
        let no_preview = |message: String| Shown::refused(format!("no preview: {message}"));
        let (template, labels) = label_job::lay_out_labels(&job, Some(&self.station))
            .map_err(|e| no_preview(e.for_station()))?;
        // A screen preview needs no more than ~200 dpi.
        let png = label::png::render(&labels[0], template.dpi.min(203));
        let image = image::load_from_memory(&png)
            .map_err(|e| no_preview(format!("label preview: {e}")))?
            .to_rgba8();
        Ok(Preview::clone_from_slice(
            image.as_raw(),
            image.width(),
            image.height(),
        ))
    }
}
