//! The station window: wires the views' callbacks to the worker, feeds every key that reaches
//! the window to the keyboard-wedge decoder, and shows what the worker hands back.
//!
//! Threads: the UI thread only decodes keys and copies results into properties. The worker
//! thread owns the store; its results go into a channel and a `worker-done` callback is raised
//! through the Slint event loop, which drains the channel on the UI thread.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::keys::KeyMapper;
use super::present::{self, ScanKind, Shown, ShownLine, SyncSetup, Verdict};
use super::sound::{self, Player, Sound};
use super::sync::SyncThread;
use super::worker::{Done, Job, LotDetails, Worker};
use super::{AppWindow, Feedback, KeyValue, Line, Mode, Tone, Ui, UiError, pin, settings};
use crate::config::StationConfig;
use crate::domain::LotStatus;
use crate::domain::trace::LotRef;
use crate::scanner::dedup::DuplicateFilter;
use crate::scanner::source::{self, SourceSpec, StopSignal};
use crate::scanner::wedge::{KeyEvent, WedgeDecoder, WedgeOutput, WedgeSuffix};
use crate::scanner::{Scan, SourceEvent, SourceId, SourceState};
use crate::workflow::scan::ScanAction;
use crate::workflow::{self, ProduceRequest, Station, SyncState};

/// How the station UI starts.
#[derive(Debug, Clone)]
pub struct UiOptions {
    /// The local store.
    pub db: PathBuf,
    /// The config file Settings saves to (`None`: the default location).
    pub config_path: Option<PathBuf>,
    pub config: StationConfig,
    /// Full screen, for a panel PC.
    pub kiosk: bool,
    /// The mode shown first.
    pub mode: Mode,
}

/// How often the status bar's sync state is refreshed.
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// A running station window (not yet shown); [`run`] shows it and runs the event loop. Tests
/// drive it headless through [`App::window`].
pub struct App {
    pub window: AppWindow,
    state: Rc<RefCell<State>>,
    _timers: Vec<slint::Timer>,
}

/// What the UI thread keeps between events.
struct State {
    worker: Worker,
    done: Receiver<Done>,
    decoder: WedgeDecoder,
    keys: KeyMapper,
    epoch: Instant,
    config: StationConfig,
    config_path: Option<PathBuf>,
    sounds: Player,
    /// The lot shown in Lot lookup (the target of hold/release/…, of the report).
    looked_up: Option<LotRef>,
    /// The production batch scans consume into: (GTIN, batch).
    batch: Option<(String, String)>,
    /// Key in → feedback set, per scan, for the scan-to-feedback measurement.
    latencies: Vec<Duration>,
    /// The background sync, when a server and token are configured.
    _sync: Option<SyncThread>,
    /// The `[sync]` the window started with (Settings changes apply at the next start).
    sync_config: crate::sync::SyncConfig,
    /// A sync round has ended since the window opened (until then the stored state is old).
    sync_live: bool,
    /// A serial/HID/image scanner from `[scanner] source`, besides the keyboard wedge.
    _device: Option<DeviceSource>,
    /// Doubled keyboard-wedge reads are dropped like the scan loop drops them.
    dedup: DuplicateFilter,
}

/// A running scanner source; stopped when dropped.
struct DeviceSource {
    stop: StopSignal,
}

impl Drop for DeviceSource {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// Starts the configured scanner source (not the wedge: the window reads that itself) and
/// forwards its scans and its state to the window. Doubled reads are dropped here.
fn start_device(config: &StationConfig, weak: slint::Weak<AppWindow>) -> Option<DeviceSource> {
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
            let mut dedup = DuplicateFilter::new(window);
            for event in running.events {
                match event {
                    SourceEvent::Scan(scan) => {
                        if dedup.admit(&scan) {
                            let text = scan.text;
                            let _ = weak.upgrade_in_event_loop(move |w| {
                                w.global::<Ui>().invoke_device_scan(text.into())
                            });
                        }
                    }
                    SourceEvent::State { source, state } => {
                        let (ok, text) = match state {
                            SourceState::Connected => (true, format!("{source} connected")),
                            SourceState::Reconnecting { reason, .. } => {
                                (false, format!("{source} not connected: {reason}"))
                            }
                            SourceState::Closed => (false, format!("{source} closed")),
                        };
                        set_state(&weak, ok, text);
                    }
                    SourceEvent::Rejected { source, reject } => {
                        set_state(&weak, true, format!("{source}: {reject}"));
                    }
                }
            }
        })
        .ok()?;
    Some(DeviceSource { stop })
}

impl App {
    /// Key-in → feedback-shown times of the scans so far (see docs/BENCHMARKS.md).
    pub fn scan_latencies(&self) -> Vec<Duration> {
        self.state.borrow().latencies.clone()
    }
}

/// Opens the store and builds the window with its worker; the caller shows it.
pub fn start(opts: UiOptions) -> Result<App, UiError> {
    let mut who = workflow::identity_from_env();
    if let Some(station) = opts
        .config
        .ui
        .station
        .clone()
        .filter(|s| !s.trim().is_empty())
    {
        who.station = station;
    }
    let station_name = who.station.clone();
    let station = Station::open(&opts.db, who).map_err(|source| UiError::Store {
        path: opts.db.clone(),
        source: Box::new(source),
    })?;
    let window = AppWindow::new()?;
    let ui = window.global::<Ui>();
    ui.set_station_name(station_name.into());
    ui.set_mode(opts.mode);
    ui.set_exp_days(opts.config.ui.expiry_days as i32);
    ui.set_scanner_text(scanner_text(&opts.config).into());
    // Until the store answers: how sync is set up, never a stored "online" of an earlier run.
    let setup = sync_setup(&opts.config.sync);
    set_sync(
        &ui,
        present::sync_shown(setup, &SyncState::default(), false),
        0,
    );
    ui.set_prod_templates(ModelRc::new(VecModel::from(
        crate::label::template::shipped()
            .into_iter()
            .map(SharedString::from)
            .collect::<Vec<_>>(),
    )));
    ui.set_disp_lines(ModelRc::new(VecModel::<Line>::default()));
    ui.set_prod_inputs(ModelRc::new(VecModel::<Line>::default()));

    let (done_tx, done) = channel();
    // Results of the worker and of the sync thread come back the same way.
    let hand_back = {
        let weak = window.as_weak();
        move |d: Done| {
            if done_tx.send(d).is_ok() {
                let _ = weak.upgrade_in_event_loop(|w| w.global::<Ui>().invoke_worker_done());
            }
        }
    };
    let sync = {
        let hand_back = hand_back.clone();
        SyncThread::start(opts.db.clone(), &opts.config.sync, move |state| {
            hand_back(Done::SyncRound(state))
        })
    };
    let worker = Worker::start(station, opts.config.scanner.wedge.gs_substitute, hand_back);
    let state = Rc::new(RefCell::new(State {
        worker,
        done,
        decoder: WedgeDecoder::new(opts.config.scanner.wedge.clone()),
        keys: KeyMapper::default(),
        epoch: Instant::now(),
        sounds: Player::new(sound::sounds_dir(), opts.config.ui.sounds),
        config: opts.config.clone(),
        config_path: opts.config_path.clone(),
        looked_up: None,
        batch: None,
        latencies: Vec::new(),
        _sync: sync,
        sync_config: opts.config.sync.clone(),
        sync_live: false,
        _device: start_device(&opts.config, window.as_weak()),
        dedup: DuplicateFilter::new(Duration::from_millis(
            opts.config.scanner.duplicate_window_ms,
        )),
    }));
    wire(&window, &state);
    enter_mode(&window, &state, opts.mode);

    let mut timers = Vec::new();
    let status = slint::Timer::default();
    {
        let state = state.clone();
        status.start(slint::TimerMode::Repeated, STATUS_EVERY, move || {
            state.borrow().worker.send(Job::SyncState);
        });
    }
    state.borrow().worker.send(Job::SyncState);
    timers.push(status);
    if opts.config.scanner.wedge.suffix == WedgeSuffix::None {
        // A scanner without a suffix: a burst ends after a quiet spell, so look regularly.
        let tick = slint::Timer::default();
        let (state, weak) = (state.clone(), window.as_weak());
        tick.start(
            slint::TimerMode::Repeated,
            Duration::from_millis(20),
            move || {
                let out = {
                    let mut st = state.borrow_mut();
                    let now = st.epoch.elapsed();
                    st.decoder.tick(now)
                };
                if let (Some(out), Some(w)) = (out, weak.upgrade()) {
                    wedge_output(&w, &state, out, Instant::now());
                }
            },
        );
        timers.push(tick);
    }
    Ok(App {
        window,
        state,
        _timers: timers,
    })
}

/// Shows the station window and runs until it is closed.
pub fn run(opts: UiOptions) -> Result<(), UiError> {
    let kiosk = opts.kiosk;
    let app = start(opts)?;
    if kiosk {
        // The winit window exists once the event loop runs.
        let weak = app.window.as_weak();
        slint::Timer::single_shot(Duration::ZERO, move || {
            if let Some(w) = weak.upgrade() {
                fill_screen(w.window());
            }
        });
    }
    app.window.run()?;
    Ok(())
}

/// Kiosk: full screen. Full screen is a request to the window manager, and a panel PC often
/// runs X with none, where the window would keep winit's default 800×600 (the station's
/// right-hand panels cut off): so the window is also placed over its whole monitor.
fn fill_screen(window: &slint::Window) {
    use i_slint_backend_winit::WinitWindowAccessor;
    let monitor = window
        .with_winit_window(|w| w.current_monitor().or_else(|| w.primary_monitor()))
        .flatten();
    if let Some(m) = monitor {
        let (at, size) = (m.position(), m.size());
        window.set_position(slint::PhysicalPosition::new(at.x, at.y));
        window.set_size(slint::PhysicalSize::new(size.width, size.height));
    }
    window.set_fullscreen(true);
}

fn scanner_text(config: &StationConfig) -> String {
    match &config.scanner.source {
        Some(s) if s != "wedge" => format!("keyboard scanner + {s}"),
        _ => "keyboard scanner ready".into(),
    }
}

fn wire(window: &AppWindow, state: &Rc<RefCell<State>>) {
    let ui = window.global::<Ui>();
    let weak = window.as_weak();
    macro_rules! with {
        (|$w:ident, $st:ident $(, $arg:ident)*| $body:expr) => {{
            let weak = weak.clone();
            let state = state.clone();
            move |$($arg),*| {
                let Some($w) = weak.upgrade() else { return Default::default() };
                let $st = &state;
                $body
            }
        }};
    }

    ui.on_key(with!(|w, st, text, alt, ctrl| on_key(
        &w, st, &text, alt, ctrl
    )));
    ui.on_worker_done(with!(|w, st| drain(&w, st)));
    ui.on_device_scan(with!(|w, st, text| {
        take_input(&w, st, text.to_string(), Instant::now())
    }));
    ui.on_mode_chosen(with!(|w, st, mode| enter_mode(&w, st, mode)));
    ui.on_search(with!(|w, st, query| {
        send(
            &w,
            st,
            Job::Lookup {
                query: query.to_string(),
            },
        )
    }));
    ui.on_change_status(with!(|w, st, target| change_status(&w, st, &target)));
    ui.on_export_report(with!(|w, st, format| export_report(&w, st, &format)));
    ui.on_refresh_expiry(with!(|w, st| {
        let days = w.global::<Ui>().get_exp_days().max(0) as u32;
        send(&w, st, Job::Expiry { days })
    }));
    ui.on_start_batch(with!(|w, st| start_batch(&w, st)));
    ui.on_print_internal_label(with!(|w, st| {
        let ui = w.global::<Ui>();
        let lot = LotRef::new(
            ui.get_recv_gtin().to_string(),
            ui.get_recv_batch().to_string(),
        );
        let template = st.borrow().config.ui.receive_template.clone();
        print(&w, st, template, lot)
    }));
    ui.on_preview_label(with!(|w, st| {
        let template = chosen_template(&w);
        let lot = st.borrow().batch.clone().map(|(g, b)| LotRef::new(g, b));
        send(&w, st, Job::Preview { template, lot })
    }));
    ui.on_print_labels(with!(|w, st| {
        let Some((gtin, batch)) = st.borrow().batch.clone() else {
            show(
                &w,
                &Shown::refused("start a batch first: its labels carry its number"),
            );
            return;
        };
        print(&w, st, chosen_template(&w), LotRef::new(gtin, batch))
    }));
    ui.on_setting_edited(with!(|w, _st, row, text| {
        let model = w.global::<Ui>().get_settings();
        if let Some(mut kv) = model.row_data(row as usize) {
            kv.value = text;
            model.set_row_data(row as usize, kv);
        }
    }));
    ui.on_save_settings(with!(|w, st| save_settings(&w, st)));
}

/// The template chosen in Produce.
fn chosen_template(w: &AppWindow) -> String {
    let ui = w.global::<Ui>();
    let index = ui.get_prod_template_index().max(0) as usize;
    ui.get_prod_templates()
        .row_data(index)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "case-batch".into())
}

/// Sends a label to the station's printer on the worker (printing can take seconds).
fn print(w: &AppWindow, st: &Rc<RefCell<State>>, template: String, lot: LotRef) {
    let Some(target) = st.borrow().config.printer.clone() else {
        show(
            w,
            &Shown::refused(
                "no printer set for this station: Settings → Printer (cups:QUEUE, raw:HOST:9100 or folder:DIR)",
            ),
        );
        return;
    };
    show(
        w,
        &Shown::new(
            Verdict::Ok,
            "PRINTING",
            format!("{template} label for lot {}…", lot.batch),
        ),
    );
    send(
        w,
        st,
        Job::Print {
            template,
            lot,
            target,
        },
    );
}

/// Checks the Settings form and saves it as the station's config file.
fn save_settings(w: &AppWindow, st: &Rc<RefCell<State>>) {
    let form: Vec<(String, String)> = w
        .global::<Ui>()
        .get_settings()
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    let (config, path) = {
        let s = st.borrow();
        (
            s.config.clone(),
            s.config_path.clone().or_else(StationConfig::default_path),
        )
    };
    let saved = settings::apply(&config, &form).and_then(|new| {
        let path = path.ok_or("no place for the config file: start Lotline with --config FILE")?;
        let text = toml::to_string_pretty(&new).map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((new, path))
    });
    match saved {
        Ok((new, path)) => {
            show(
                w,
                &Shown::new(
                    Verdict::Ok,
                    "SAVED",
                    format!(
                        "settings saved to {}; scanner and server changes apply at the next start",
                        path.display()
                    ),
                ),
            );
            w.global::<Ui>()
                .set_settings(kv_model(settings::fields(&new)));
            st.borrow_mut().config = new;
        }
        Err(message) => show(w, &Shown::refused(format!("not saved: {message}"))),
    }
}

/// Queues a job and shows the UI busy until its result comes back.
fn send(w: &AppWindow, st: &Rc<RefCell<State>>, job: Job) {
    if st.borrow().worker.send(job) {
        w.global::<Ui>().set_busy(true);
    } else {
        show(
            w,
            &Shown::refused("the station's worker has stopped: restart Lotline"),
        );
    }
}

/// A key no field claimed: to the wedge decoder; complete scans (and typed lines) go to the
/// current mode. Returns whether the key was taken.
fn on_key(w: &AppWindow, st: &Rc<RefCell<State>>, text: &str, alt: bool, ctrl: bool) -> bool {
    let key_in = Instant::now();
    let outputs = {
        let mut s = st.borrow_mut();
        let keys = s.keys.map(text, alt, ctrl);
        if keys.is_empty() {
            return false;
        }
        let at = s.epoch.elapsed();
        keys.into_iter()
            .flat_map(|key| s.decoder.feed(KeyEvent { key, at }))
            .collect::<Vec<_>>()
    };
    for out in outputs {
        wedge_output(w, st, out, key_in);
    }
    true
}

/// A scanner burst, or a line a person typed with no field focused (a hand-keyed label or
/// batch number): both are input for the current mode.
fn wedge_output(w: &AppWindow, st: &Rc<RefCell<State>>, out: WedgeOutput, key_in: Instant) {
    let text = match out {
        WedgeOutput::Scan(t) => {
            // The same checks a scanner's frame gets: text only, and a doubled read counts once.
            let scan = match Scan::from_frame(
                t.into_bytes(),
                &SourceId::new("wedge"),
                key_in,
                chrono::Utc::now(),
            ) {
                Ok(scan) => scan,
                Err(reject) => {
                    show(
                        w,
                        &Shown::new(Verdict::Invalid, "NOT A VALID LABEL", reject.to_string()),
                    );
                    st.borrow().sounds.play(Sound::Refusal);
                    return;
                }
            };
            if !st.borrow_mut().dedup.admit(&scan) {
                return;
            }
            scan.text
        }
        WedgeOutput::Typed(t) => t,
    };
    take_input(w, st, text, key_in);
}

/// A scan (or a typed line) for the current mode.
fn take_input(w: &AppWindow, st: &Rc<RefCell<State>>, text: String, key_in: Instant) {
    if text.trim().is_empty() {
        return;
    }
    let ui = w.global::<Ui>();
    let action = match ui.get_mode() {
        Mode::Receive => {
            let typed = ui.get_recv_typed_count().trim().to_string();
            let count = if typed.is_empty() {
                None
            } else if let Ok(n) = typed.parse::<u64>() {
                Some(n)
            } else {
                show(
                    w,
                    &Shown::refused(
                        "Count if not on label: type a whole number, or clear it; nothing was received",
                    ),
                );
                st.borrow().sounds.play(Sound::Refusal);
                return;
            };
            ScanAction::Receive {
                location: ui.get_recv_location().trim().to_string(),
                supplier: Some(ui.get_recv_supplier().trim().to_string()).filter(|s| !s.is_empty()),
                count,
            }
        }
        Mode::Dispatch => {
            let customer = ui.get_disp_customer().trim().to_string();
            if customer.is_empty() {
                let shown = Shown::refused(
                    "choose the customer first: tap Customer and type it; nothing was shipped",
                );
                show(w, &shown);
                st.borrow().sounds.play(Sound::Refusal);
                return;
            }
            ScanAction::Dispatch {
                customer,
                shipment: Some(ui.get_disp_shipment().trim().to_string()).filter(|s| !s.is_empty()),
                strict_fefo: ui.get_disp_strict_fefo(),
            }
        }
        Mode::Produce => {
            let Some((product, into)) = st.borrow().batch.clone() else {
                show(
                    w,
                    &Shown::refused(
                        "start a batch first (product, quantity, Start batch), then scan its input lots",
                    ),
                );
                st.borrow().sounds.play(Sound::Refusal);
                return;
            };
            ScanAction::Produce { into, product }
        }
        // Lookup, and a scan on the expiry board or in Settings: show that lot.
        _ => {
            ui.set_mode(Mode::Lookup);
            ui.set_look_query(text.clone().into());
            send(w, st, Job::Lookup { query: text });
            return;
        }
    };
    send(
        w,
        st,
        Job::Scan {
            action,
            text,
            key_in,
        },
    );
}

/// Applies every result the worker has handed back.
fn drain(w: &AppWindow, st: &Rc<RefCell<State>>) {
    loop {
        let next = st.borrow().done.try_recv();
        let Ok(done) = next else { break };
        apply(w, st, done);
    }
    w.global::<Ui>().set_busy(false);
}

fn apply(w: &AppWindow, st: &Rc<RefCell<State>>, done: Done) {
    let ui = w.global::<Ui>();
    match done {
        Done::Scan {
            action,
            feedback,
            key_in,
        } => {
            let kind = match action {
                ScanAction::Receive { .. } => ScanKind::Receive,
                ScanAction::Dispatch { .. } => ScanKind::Dispatch,
                ScanAction::Produce { .. } => ScanKind::Produce,
                ScanAction::Lookup => ScanKind::Lookup,
            };
            let shown = present::scan_banner(kind, &feedback);
            show(w, &shown);
            match kind {
                ScanKind::Receive => {
                    if let Some(r) = present::Received::from_detail(&feedback.detail) {
                        ui.set_recv_product(r.product.into());
                        ui.set_recv_gtin(r.gtin.into());
                        ui.set_recv_batch(r.batch.into());
                        ui.set_recv_expiry(r.expiry.into());
                        ui.set_recv_quantity(r.quantity.into());
                        ui.set_recv_status(r.status.into());
                        ui.set_recv_count(ui.get_recv_count() + 1);
                        // A typed count is for the label it was typed for, never a later one.
                        ui.set_recv_typed_count("".into());
                    }
                }
                ScanKind::Dispatch => {
                    push_line(&ui.get_disp_lines(), present::dispatch_line(&shown));
                    match shown.verdict {
                        Verdict::Ok | Verdict::Warn => {
                            ui.set_disp_shipped(ui.get_disp_shipped() + 1)
                        }
                        _ => ui.set_disp_refused(ui.get_disp_refused() + 1),
                    }
                }
                ScanKind::Produce => {
                    push_line(&ui.get_prod_inputs(), present::dispatch_line(&shown));
                }
                ScanKind::Lookup => {}
            }
            let mut s = st.borrow_mut();
            s.latencies.push(key_in.elapsed());
            s.sounds.play(Sound::for_verdict(shown.verdict));
            // The backlog counts this scan now, not at the next refresh.
            s.worker.send(Job::SyncState);
        }
        Done::Lookup(Ok(details)) => show_lot(w, st, &details),
        Done::Lookup(Err(feedback)) => {
            let shown = present::scan_banner(ScanKind::Lookup, &feedback);
            show(w, &shown);
            ui.set_look_found(false);
            st.borrow_mut().looked_up = None;
            st.borrow().sounds.play(Sound::for_verdict(shown.verdict));
        }
        Done::SetStatus(Ok(outcome)) => {
            show(
                w,
                &Shown::new(
                    present::status_verdict(outcome.to),
                    format!(
                        "LOT {}",
                        present::status_text(outcome.to.name()).to_uppercase()
                    ),
                    format!(
                        "lot {} was {}, now {}: {}",
                        outcome.batch,
                        present::status_text(outcome.from.name()),
                        present::status_text(outcome.to.name()),
                        outcome.reason
                    ),
                ),
            );
            ui.set_look_pin(SharedString::new());
            ui.set_look_reason(SharedString::new());
            let lot = LotRef::new(outcome.gtin, outcome.batch);
            st.borrow().worker.send(Job::Lookup {
                query: format!("(01){}(10){}", lot.gtin, lot.batch),
            });
        }
        Done::SetStatus(Err(message)) => {
            show(w, &Shown::refused(message));
            st.borrow().sounds.play(Sound::Refusal);
        }
        Done::Report(Ok(path)) => show(
            w,
            &Shown::new(
                Verdict::Ok,
                "REPORT WRITTEN",
                format!("trace report written to {}", path.display()),
            ),
        ),
        Done::Report(Err(message)) => show(w, &Shown::refused(message)),
        Done::Expiry { today, lots } => match lots {
            Ok(lots) => ui.set_exp_lines(lines_model(present::expiry_lines(&lots, today))),
            Err(message) => show(w, &Shown::refused(message)),
        },
        Done::Produce(Ok(p)) => {
            show(
                w,
                &Shown::new(
                    Verdict::Ok,
                    format!("BATCH {}", p.batch),
                    format!(
                        "batch {} of {} started ({} into {}): scan its input lots",
                        p.batch, p.gtin, p.quantity, p.location
                    ),
                ),
            );
            ui.set_prod_batch(p.batch.clone().into());
            ui.set_prod_inputs(ModelRc::new(VecModel::<Line>::default()));
            st.borrow_mut().batch = Some((p.gtin.clone(), p.batch.clone()));
            st.borrow().worker.send(Job::Preview {
                template: chosen_template(w),
                lot: Some(LotRef::new(p.gtin, p.batch)),
            });
        }
        Done::Produce(Err(message)) => {
            show(w, &Shown::refused(message));
            st.borrow().sounds.play(Sound::Refusal);
        }
        Done::Print(Ok(to)) => show(
            w,
            &Shown::new(Verdict::Ok, "PRINTED", format!("label sent to {to}")),
        ),
        Done::Print(Err(message)) => {
            show(w, &Shown::refused(format!("not printed: {message}")));
            st.borrow().sounds.play(Sound::Refusal);
        }
        Done::Preview(Ok(pixels)) => {
            ui.set_prod_preview(slint::Image::from_rgba8(pixels));
            ui.set_prod_has_preview(true);
        }
        Done::Preview(Err(message)) => {
            ui.set_prod_has_preview(false);
            show(w, &Shown::refused(format!("no preview: {message}")));
        }
        Done::SyncState(state) => show_sync(w, st, state),
        Done::SyncRound(state) => {
            st.borrow_mut().sync_live = true;
            show_sync(w, st, state);
        }
    }
}

/// The status bar's sync part: online or not, why, and the backlog.
fn show_sync(w: &AppWindow, st: &Rc<RefCell<State>>, state: Result<SyncState, String>) {
    let ui = w.global::<Ui>();
    let state = match state {
        Ok(state) => state,
        Err(message) => {
            ui.set_online(false);
            ui.set_sync_text("sync state unknown".into());
            ui.set_sync_problem(message.into());
            return;
        }
    };
    let s = st.borrow();
    let shown = present::sync_shown(sync_setup(&s.sync_config), &state, s.sync_live);
    set_sync(&ui, shown, state.backlog);
}

fn sync_setup(config: &crate::sync::SyncConfig) -> SyncSetup<'_> {
    match (&config.server, &config.token) {
        (None, _) => SyncSetup::Off,
        (Some(_), None) => SyncSetup::NoToken,
        (Some(server), Some(_)) => SyncSetup::On(server),
    }
}

fn set_sync(ui: &Ui, shown: present::SyncShown, backlog: u64) {
    ui.set_online(shown.online);
    ui.set_sync_text(shown.text.into());
    ui.set_sync_problem(shown.problem.unwrap_or_default().into());
    ui.set_backlog(backlog.min(i32::MAX as u64) as i32);
}

/// The Lot lookup panel for a found lot.
fn show_lot(w: &AppWindow, st: &Rc<RefCell<State>>, d: &LotDetails) {
    let ui = w.global::<Ui>();
    let shown = present::scan_banner(ScanKind::Lookup, &d.feedback);
    // The banner's colour is the lot's status: a recalled lot looks red from afar.
    let shown = Shown {
        verdict: present::status_verdict(d.lot.status),
        headline: present::status_text(d.lot.status.name()).to_uppercase(),
        ..shown
    };
    show(w, &shown);
    ui.set_look_found(true);
    ui.set_look_query(d.lot.batch.clone().into());
    ui.set_look_status(d.lot.status.name().into());
    let facts = present::lot_facts(&d.lot, d.product.as_deref());
    ui.set_look_facts(kv_model(facts));
    let stock = if d.lot.stock.is_empty() {
        vec![("(no stock)".to_string(), "0".to_string())]
    } else {
        d.lot
            .stock
            .iter()
            .map(|(l, q)| (l.clone(), q.to_string()))
            .collect()
    };
    ui.set_look_stock(kv_model(stock));
    ui.set_look_history(lines_model(present::history_lines(&d.history)));
    ui.set_look_up(lines_model(present::tree_lines(
        d.trace.backward.as_ref(),
        false,
        &d.names,
    )));
    ui.set_look_down(lines_model(present::tree_lines(
        d.trace.forward.as_ref(),
        true,
        &d.names,
    )));
    st.borrow_mut().looked_up = Some(LotRef::new(d.lot.gtin.clone(), d.lot.batch.clone()));
}

fn change_status(w: &AppWindow, st: &Rc<RefCell<State>>, target: &str) {
    let ui = w.global::<Ui>();
    let Some(to) = LotStatus::from_name(target) else {
        return;
    };
    let Some(lot) = st.borrow().looked_up.clone() else {
        show(
            w,
            &Shown::refused("look up a lot first: scan its label or type its batch"),
        );
        return;
    };
    let pin_check = pin::check(
        st.borrow().config.ui.supervisor_pin.as_deref(),
        &ui.get_look_pin(),
    );
    if let Err(refusal) = pin_check {
        ui.set_look_pin(SharedString::new());
        show(w, &Shown::refused(refusal.to_string()));
        st.borrow().sounds.play(Sound::Refusal);
        return;
    }
    let reason = ui.get_look_reason().trim().to_string();
    send(w, st, Job::SetStatus { lot, to, reason });
}

fn export_report(w: &AppWindow, st: &Rc<RefCell<State>>, format: &str) {
    let Some(lot) = st.borrow().looked_up.clone() else {
        show(
            w,
            &Shown::refused("look up a lot first: scan its label or type its batch"),
        );
        return;
    };
    let ext = if format.eq_ignore_ascii_case("csv") {
        "csv"
    } else {
        "pdf"
    };
    let dir = st
        .borrow()
        .config
        .ui
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let safe: String = lot
        .batch
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let out = dir.join(format!("trace-{safe}-{stamp}.{ext}"));
    show(
        w,
        &Shown::new(
            Verdict::Ok,
            "WRITING REPORT",
            format!("trace report of lot {}…", lot.batch),
        ),
    );
    send(w, st, Job::Report { lot, out });
}

fn start_batch(w: &AppWindow, st: &Rc<RefCell<State>>) {
    let ui = w.global::<Ui>();
    let quantity = match ui.get_prod_quantity().trim().parse::<u64>() {
        Ok(q) => q,
        Err(_) => {
            show(
                w,
                &Shown::refused("type the quantity to produce (a whole number)"),
            );
            return;
        }
    };
    let expiry_text = ui.get_prod_expiry().trim().to_string();
    let expiry = if expiry_text.is_empty() {
        None
    } else {
        match chrono::NaiveDate::parse_from_str(&expiry_text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                show(
                    w,
                    &Shown::refused("type the expiry as YYYY-MM-DD, or leave it empty"),
                );
                return;
            }
        }
    };
    let site = st.borrow().config.site.clone();
    let request = ProduceRequest {
        product: ui.get_prod_product().trim().to_string(),
        quantity,
        expiry,
        consume: Vec::new(),
        gs_substitute: None,
    };
    send(w, st, Job::Produce { site, request });
}

/// Switches mode: a neutral banner saying what to scan, and the mode's data refreshed.
fn enter_mode(w: &AppWindow, st: &Rc<RefCell<State>>, mode: Mode) {
    let ui = w.global::<Ui>();
    ui.set_mode(mode);
    let hint = match mode {
        Mode::Receive => "Scan a supplier pallet label",
        Mode::Produce => "Start a batch, then scan its input lots",
        Mode::Dispatch => "Choose the customer, then scan pallets",
        Mode::Lookup => "Scan a lot label or type a batch number",
        Mode::Expiry => "Lots nearing expiry; scan a label to look it up",
        Mode::Settings => "Station settings",
    };
    ui.set_feedback(Feedback {
        tone: Tone::Idle,
        headline: "Ready".into(),
        message: hint.into(),
    });
    if mode == Mode::Settings {
        let s = st.borrow();
        let path = s.config_path.clone().or_else(StationConfig::default_path);
        ui.set_settings_path(
            path.map_or("(no config file)".into(), |p| p.display().to_string())
                .into(),
        );
        ui.set_settings(kv_model(settings::fields(&s.config)));
    }
    if mode == Mode::Produce && !ui.get_prod_has_preview() {
        let lot = st.borrow().batch.clone().map(|(g, b)| LotRef::new(g, b));
        st.borrow().worker.send(Job::Preview {
            template: chosen_template(w),
            lot,
        });
    }
    if mode == Mode::Expiry {
        let days = ui.get_exp_days().max(0) as u32;
        send(w, st, Job::Expiry { days });
    }
    w.invoke_refocus();
}

/// Sets the banner.
fn show(w: &AppWindow, shown: &Shown) {
    w.global::<Ui>().set_feedback(Feedback {
        tone: tone(Some(shown.verdict)),
        headline: shown.headline.clone().into(),
        message: shown.message.clone().into(),
    });
}

fn tone(verdict: Option<Verdict>) -> Tone {
    match verdict {
        None => Tone::Idle,
        Some(Verdict::Ok) => Tone::Ok,
        Some(Verdict::Warn) => Tone::Warn,
        Some(Verdict::Refused) => Tone::Refused,
        Some(Verdict::Invalid) => Tone::Invalid,
    }
}

fn line(l: ShownLine) -> Line {
    Line {
        text: l.text.into(),
        tone: tone(l.verdict),
        indent: l.indent,
    }
}

/// Newest first, so the last scan is at the top where the eye is.
fn push_line(model: &ModelRc<Line>, l: ShownLine) {
    if let Some(vec) = model.as_any().downcast_ref::<VecModel<Line>>() {
        vec.insert(0, line(l));
    }
}

fn lines_model(lines: Vec<ShownLine>) -> ModelRc<Line> {
    ModelRc::new(VecModel::from(
        lines.into_iter().map(line).collect::<Vec<_>>(),
    ))
}

fn kv_model(pairs: Vec<(String, String)>) -> ModelRc<KeyValue> {
    ModelRc::new(VecModel::from(
        pairs
            .into_iter()
            .map(|(k, v)| KeyValue {
                key: k.into(),
                value: v.into(),
            })
            .collect::<Vec<_>>(),
    ))
}
