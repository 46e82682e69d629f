//! The station window: start-up, and the wiring of the views' callbacks to the mode
//! controllers (through the worker for those that use the store). Every key that reaches the
//! window goes to the keyboard-wedge decoder; a complete scan goes to the current mode.
//!
//! Threads: the UI thread only decodes keys, reads forms and copies view states into
//! properties ([`super::view`]). The worker thread owns the store and the store's controllers;
//! its results go into a channel and a `worker-done` callback is raised through the Slint
//! event loop, which drains the channel on the UI thread.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::controllers::SettingsController;
use super::device::{self, DeviceSource};
use super::focus::FocusWatch;
use super::keys::KeyMapper;
use super::pin::PinGate;
use super::present::{self, Shown, SyncSetup, Verdict};
use super::sound::{self, Player, Sound};
use super::sync::SyncThread;
use super::view;
use super::worker::{Done, Job, Worker};
use super::{AppWindow, Keypad, Line, Mode, Ui, UiError};
use crate::config::StationConfig;
use crate::domain::LotStatus;
use crate::scanner::dedup::DuplicateFilter;
use crate::scanner::wedge::{KeyEvent, WedgeDecoder, WedgeOutput, WedgeSuffix};
use crate::scanner::{Scan, SourceId};
use crate::workflow::{Station, SyncState};

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

/// How often the window looks whether scans can reach it ([`FocusWatch`]).
const FOCUS_EVERY: Duration = Duration::from_millis(500);

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
    settings: SettingsController,
    sounds: Player,
    /// Key in → feedback set, per scan, for the scan-to-feedback measurement.
    latencies: Vec<Duration>,
    /// The background sync, when a server and token are configured.
    _sync: Option<SyncThread>,
    /// The `[sync]` the window started with (Settings changes apply at the next start).
    sync_config: crate::sync::SyncConfig,
    /// A sync round has ended since the window opened (until then the stored state is old).
    sync_live: bool,
    /// The history fetch of the lot Lot lookup shows, if its history is being fetched: only
    /// that fetch's answer replaces the history shown.
    look_fetch: Option<u64>,
    /// A serial/HID/image scanner from `[scanner] source`, besides the keyboard wedge.
    _device: Option<DeviceSource>,
    /// Doubled keyboard-wedge reads are dropped like the scan loop drops them.
    dedup: DuplicateFilter,
    /// Whether scans can reach the window, for the "tap here to scan" banner.
    focus: FocusWatch,
}

impl App {
    /// Key-in → feedback-shown times of the scans so far (see docs/BENCHMARKS.md).
    pub fn scan_latencies(&self) -> Vec<Duration> {
        self.state.borrow().latencies.clone()
    }
}

/// Opens the store and builds the window with its worker; the caller shows it.
pub fn start(opts: UiOptions) -> Result<App, UiError> {
    let who = opts.config.identity();
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
    ui.set_show_costs(opts.config.ui.show_costs);
    ui.set_currency(opts.config.site.currency.code().into());
    ui.set_scanner_text(device::scanner_text(&opts.config).into());
    // Until the store answers: how sync is set up, never a stored "online" of an earlier run.
    let setup = sync_setup(&opts.config.sync);
    view::set_sync(
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
    // One PIN lockout for Lot lookup (worker) and Settings (this thread), kept by the store.
    let gate = PinGate::for_store(&opts.db);
    let worker = Worker::start(station, opts.config.clone(), gate.clone(), hand_back);
    let config_path = opts
        .config_path
        .clone()
        .or_else(StationConfig::default_path);
    let state = Rc::new(RefCell::new(State {
        worker,
        done,
        decoder: WedgeDecoder::new(opts.config.scanner.wedge.clone()),
        keys: KeyMapper::default(),
        epoch: Instant::now(),
        sounds: Player::new(sound::sounds_dir(), opts.config.ui.sounds),
        settings: SettingsController::new(opts.config.clone(), config_path, gate),
        latencies: Vec::new(),
        _sync: sync,
        sync_config: opts.config.sync.clone(),
        sync_live: false,
        look_fetch: None,
        _device: device::start_device(&opts.config, window.as_weak()),
        dedup: DuplicateFilter::new(Duration::from_millis(
            opts.config.scanner.duplicate_window_ms,
        )),
        focus: FocusWatch::default(),
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
    // An empty store opens the set-up guide.
    state.borrow().worker.send(Job::FirstRun);
    timers.push(status);
    let focus = slint::Timer::default();
    {
        let (state, weak) = (state.clone(), window.as_weak());
        focus.start(slint::TimerMode::Repeated, FOCUS_EVERY, move || {
            if let Some(w) = weak.upgrade() {
                watch_focus(&w, &state);
            }
        });
    }
    timers.push(focus);
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

/// Each callback of the views to its controller: a job for the worker, or (Settings) the
/// controller on this thread.
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
    ui.on_change_status(with!(|w, st, target| {
        let Some(to) = LotStatus::from_name(&target) else {
            return;
        };
        let form = view::status_form(&w.global::<Ui>());
        send(&w, st, Job::SetStatus { to, form })
    }));
    ui.on_export_report(with!(|w, st, format| {
        show(
            &w,
            &Shown::new(
                Verdict::Ok,
                "WRITING REPORT",
                "trace report of the lot shown…",
            ),
        );
        let format = format.to_string();
        send(&w, st, Job::Report { format })
    }));
    ui.on_refresh_expiry(with!(|w, st| {
        let days = w.global::<Ui>().get_exp_days();
        send(&w, st, Job::Expiry { days })
    }));
    ui.on_start_batch(with!(|w, st| {
        let ui = w.global::<Ui>();
        let form = view::produce_form(&ui);
        let template = view::chosen_template(&ui);
        send(&w, st, Job::StartBatch { form, template })
    }));
    ui.on_print_internal_label(with!(|w, st| print(&w, st, Job::PrintReceived)));
    ui.on_sign_in(with!(|w, st| {
        let ui = w.global::<Ui>();
        let (person, pin) = (
            ui.get_sign_in_person().to_string(),
            ui.get_sign_in_pin().to_string(),
        );
        ui.set_sign_in_pin("".into());
        send(&w, st, Job::SignIn { person, pin })
    }));
    ui.on_sign_out(with!(|w, st| send(&w, st, Job::SignOut)));
    ui.on_register_product(with!(|w, st| {
        let form = view::new_product_form(&w.global::<Ui>());
        send(&w, st, Job::RegisterProduct { form })
    }));
    // A row of the expiry board opens its lot, as a scan of its label would.
    ui.on_open_lot(with!(|w, st, query| take_input(
        &w,
        st,
        query.to_string(),
        Instant::now()
    )));
    ui.on_undo_dispatch(with!(|w, st| {
        let reason = w.global::<Ui>().get_disp_undo_reason().to_string();
        send(&w, st, Job::UndoDispatch { reason });
    }));
    ui.on_close_shipment(with!(|w, st| {
        let form = view::dispatch_form(&w.global::<Ui>());
        send(&w, st, Job::CloseShipment { form });
    }));
    ui.on_preview_label(with!(|w, st| {
        let template = view::chosen_template(&w.global::<Ui>());
        send(&w, st, Job::Preview { template })
    }));
    ui.on_print_labels(with!(|w, st| {
        let template = view::chosen_template(&w.global::<Ui>());
        print(&w, st, Job::PrintBatch { template })
    }));
    ui.on_setting_edited(with!(|w, _st, row, text| {
        let model = w.global::<Ui>().get_settings();
        if let Some(mut kv) = model.row_data(row as usize) {
            kv.value = text;
            model.set_row_data(row as usize, kv);
        }
    }));
    ui.on_save_settings(with!(|w, st| save_settings(&w, st)));
    ui.on_save_product(with!(|w, st| {
        let form = view::product_form(&w.global::<Ui>());
        send(&w, st, Job::SaveProduct { form })
    }));
    ui.on_field_key(with!(|_w, st| st.borrow_mut().focus.key(Instant::now())));
    let keypad = window.global::<Keypad>();
    keypad.on_press(|text, key| super::keypad::press(&text, &key).into());
    keypad.on_show(|text, secret| super::keypad::show(&text, secret).into());
}

/// Says "tap here to scan" when a field has kept the keyboard from scanning with nobody
/// typing, and takes it back when scanning has it again.
fn watch_focus(w: &AppWindow, st: &Rc<RefCell<State>>) {
    let keypad_open = !w.global::<Keypad>().get_owner().is_empty();
    let lost = st
        .borrow_mut()
        .focus
        .lost(w.get_scan_focused(), keypad_open, Instant::now());
    let ui = w.global::<Ui>();
    if ui.get_focus_lost() != lost {
        ui.set_focus_lost(lost);
    }
}

/// A label to the station's printer, on the worker (printing can take seconds).
fn print(w: &AppWindow, st: &Rc<RefCell<State>>, job: Job) {
    show(
        w,
        &Shown::new(Verdict::Ok, "PRINTING", "sending the label to the printer…"),
    );
    send(w, st, job);
}

/// Checks the Settings form and saves it as the station's config file; the worker uses the
/// new config from the next job on.
fn save_settings(w: &AppWindow, st: &Rc<RefCell<State>>) {
    let ui = w.global::<Ui>();
    let form = view::settings_form(&ui);
    let shown = st.borrow_mut().settings.save(&form);
    if shown.verdict == Verdict::Ok {
        let s = st.borrow();
        ui.set_settings(view::kv_model(s.settings.fields()));
        s.worker
            .send(Job::Config(Box::new(s.settings.config().clone())));
        ui.set_show_costs(s.settings.config().ui.show_costs);
        ui.set_currency(s.settings.config().site.currency.code().into());
    }
    show(w, &shown);
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

/// A scan (or a typed line) for the current mode's controller.
fn take_input(w: &AppWindow, st: &Rc<RefCell<State>>, text: String, key_in: Instant) {
    if text.trim().is_empty() {
        return;
    }
    let ui = w.global::<Ui>();
    // A scan means the station is in use: the set-up guide goes.
    ui.set_first_run(false);
    let job = match ui.get_mode() {
        Mode::Receive => Job::Receive {
            form: view::receive_form(&ui),
            text,
            key_in,
        },
        Mode::Dispatch => Job::Dispatch {
            form: view::dispatch_form(&ui),
            text,
            key_in,
        },
        Mode::Produce => Job::ProduceInput { text, key_in },
        // Lookup, and a scan on the expiry board or in Settings: show that lot.
        _ => {
            ui.set_mode(Mode::Lookup);
            ui.set_look_query(text.clone().into());
            Job::Lookup { query: text }
        }
    };
    send(w, st, job);
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
    // Every scan sounds its verdict; any other action only when it was refused.
    let (verdict, key_in) = match done {
        Done::Receive(v, key_in) => {
            let verdict = v.shown.verdict;
            view::show_receive(&ui, v);
            (Some(verdict), Some(key_in))
        }
        Done::Dispatch(v, key_in) => {
            let verdict = v.shown.verdict;
            view::show_dispatch(&ui, v);
            (Some(verdict), Some(key_in))
        }
        Done::DispatchAction(v) => {
            let verdict = v.shown.verdict;
            view::show_dispatch(&ui, v);
            (Some(verdict), None)
        }
        Done::Produce(v, key_in) => {
            let verdict = v.shown.verdict;
            view::show_produce(&ui, v);
            (
                (key_in.is_some() || verdict != Verdict::Ok).then_some(verdict),
                key_in,
            )
        }
        Done::Lookup(v) => {
            let verdict = v.shown.verdict;
            let found = matches!(v.lot, Some(Some(_)));
            if v.lot.is_some() {
                st.borrow_mut().look_fetch = v.history_fetch.as_ref().map(|f| f.id);
            }
            view::show_lookup(&ui, v);
            ((!found && verdict != Verdict::Ok).then_some(verdict), None)
        }
        Done::LookupHistory(fetched) => {
            // A later look-up may have shown another lot meanwhile.
            if st.borrow().look_fetch == Some(fetched.id) {
                st.borrow_mut().look_fetch = None;
                view::show_lookup_history(&ui, fetched.history);
            }
            (None, None)
        }
        Done::Expiry(Ok(board)) => {
            view::show_expiry(&ui, board);
            (None, None)
        }
        Done::Products(v) => {
            let verdict = v.shown.as_ref().map(|s| s.verdict);
            view::show_products(&ui, v);
            (verdict.filter(|v| *v != Verdict::Ok), None)
        }
        Done::FirstRun(first) => {
            ui.set_first_run(first);
            (None, None)
        }
        Done::Expiry(Err(shown)) | Done::Shown(shown) => {
            show(w, &shown);
            (
                (shown.verdict != Verdict::Ok).then_some(shown.verdict),
                None,
            )
        }
        Done::Preview(Ok(pixels)) => {
            ui.set_prod_preview(slint::Image::from_rgba8(pixels));
            ui.set_prod_has_preview(true);
            (None, None)
        }
        Done::Preview(Err(shown)) => {
            ui.set_prod_has_preview(false);
            show(w, &shown);
            (None, None)
        }
        Done::SyncState(state) => {
            show_sync(w, st, state);
            (None, None)
        }
        Done::Session(v) => {
            let verdict = v.shown.verdict;
            // Signed in: the panel closes and scanning has the keyboard again.
            if verdict == Verdict::Ok && !v.who.is_empty() {
                ui.set_sign_in_open(false);
                ui.set_sign_in_person("".into());
                w.invoke_refocus();
            }
            ui.set_signed_in(v.who.into());
            show(w, &v.shown);
            ((verdict != Verdict::Ok).then_some(verdict), None)
        }
        Done::SyncRound(state) => {
            st.borrow_mut().sync_live = true;
            show_sync(w, st, state);
            (None, None)
        }
    };
    let mut s = st.borrow_mut();
    if let Some(sound) = verdict.and_then(Sound::for_verdict) {
        s.sounds.play(sound);
    }
    if let Some(key_in) = key_in {
        s.latencies.push(key_in.elapsed());
        // The backlog counts this scan now, not at the next refresh.
        s.worker.send(Job::SyncState);
    }
}

/// The status bar's sync part.
fn show_sync(w: &AppWindow, st: &Rc<RefCell<State>>, state: Result<SyncState, String>) {
    let s = st.borrow();
    view::show_sync(
        &w.global::<Ui>(),
        sync_setup(&s.sync_config),
        state,
        s.sync_live,
    );
}

fn sync_setup(config: &crate::sync::SyncConfig) -> SyncSetup<'_> {
    match (&config.server, &config.token) {
        (None, _) => SyncSetup::Off,
        (Some(_), None) => SyncSetup::NoToken,
        (Some(server), Some(_)) => SyncSetup::On(server),
    }
}

/// Switches mode: a neutral banner saying what to scan, and the mode's data refreshed.
fn enter_mode(w: &AppWindow, st: &Rc<RefCell<State>>, mode: Mode) {
    let ui = w.global::<Ui>();
    ui.set_mode(mode);
    view::show_idle(
        &ui,
        match mode {
            Mode::Receive => "Scan a supplier pallet label",
            Mode::Produce => "Start a batch, then scan its input lots",
            Mode::Dispatch => "Choose the customer, then scan pallets",
            Mode::Lookup => "Scan a lot label or type a batch number",
            Mode::Expiry => "Lots nearing expiry; scan a label to look it up",
            Mode::Products => "Tap a product to change it, or add one (a supervisor's PIN)",
            Mode::Settings => "Station settings",
        },
    );
    if mode == Mode::Settings {
        let s = st.borrow();
        ui.set_settings_path(s.settings.path_text().into());
        ui.set_settings(view::kv_model(s.settings.fields()));
    }
    if mode == Mode::Produce && !ui.get_prod_has_preview() {
        let template = view::chosen_template(&ui);
        st.borrow().worker.send(Job::Preview { template });
    }
    if mode == Mode::Expiry {
        let days = ui.get_exp_days();
        send(w, st, Job::Expiry { days });
    }
    if mode == Mode::Products {
        send(w, st, Job::Products);
    }
    w.invoke_refocus();
}

/// Sets the banner.
fn show(w: &AppWindow, shown: &Shown) {
    view::show(&w.global::<Ui>(), shown);
}
