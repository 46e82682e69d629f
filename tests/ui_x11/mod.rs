//! Shared by the real-window UI tests (`ui_window`, `ui_screens`): an Xvfb X server of a given
//! size, the real `lotline` binary showing its station window on it (software renderer), a
//! keyboard-wedge scanner typing through `xdotool`, screenshots through ImageMagick's
//! `import`, and pixel checks on them. Every process started here is killed and reaped by a
//! guard's `Drop`, so a failing test leaves nothing running.
//!
//! Needs `Xvfb`, `xdotool` and `import`: `scripts/setup-system` installs them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use image::RgbImage;

/// How long a debug build on a loaded 2-core machine may take to show its window.
const WINDOW_TIMEOUT: Duration = Duration::from_secs(90);

/// An Xvfb server; killed on drop.
pub struct Xvfb {
    child: Child,
    /// `:N`, for `DISPLAY`.
    pub display: String,
    pub width: u32,
    pub height: u32,
}

impl Xvfb {
    /// Starts a server with one screen of `width`×`height`×24 on a free display number (Xvfb
    /// picks it and reports it on stdout: `-displayfd 1`).
    pub fn start(width: u32, height: u32) -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-noreset",
                "-screen",
                "0",
            ])
            .arg(format!("{width}x{height}x24"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start Xvfb ({e}): run scripts/setup-system to install xvfb")
            });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let number = rx
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
        let mut x = Xvfb {
            child,
            display: String::new(),
            width,
            height,
        };
        match number {
            Some(n) => x.display = format!(":{n}"),
            None => panic!("Xvfb did not report its display number within 30 s"),
        }
        x
    }

    /// A command with `DISPLAY` set to this server.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DISPLAY", &self.display);
        cmd
    }

    /// Runs `xdotool ARGS` on this server; its stdout, or a failure naming the call.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = self
            .command("xdotool")
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run xdotool ({e}): run scripts/setup-system to install it")
            });
        assert!(
            out.status.success(),
            "xdotool {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types like a keyboard-wedge scanner: `parts` joined by GS, sent as Ctrl+] (what many
    /// wedge scanners type for GS), a few milliseconds per key, then Enter. No field is
    /// clicked first: the keys go to the window that has the focus.
    pub fn scan(&self, parts: &[&str]) {
        let mut args: Vec<&str> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                args.extend(["key", "ctrl+bracketright"]);
            }
            // `--args 1`: type only the next word, so the commands after it chain.
            args.extend(["type", "--delay", "3", "--args", "1", part]);
        }
        args.extend(["key", "Return"]);
        self.xdotool(&args);
    }

    /// Clicks (taps) at a point of the screen.
    pub fn click(&self, x: u32, y: u32) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
    }

    /// Types into the field that has the focus as a person does (slowly), then Enter.
    pub fn type_line(&self, text: &str) {
        self.xdotool(&[
            "type", "--delay", "60", "--args", "1", text, "key", "Return",
        ]);
    }

    /// The whole screen as `path` (PNG), read back.
    pub fn screenshot(&self, path: &Path) -> RgbImage {
        let out = self
            .command("import")
            .args(["-window", "root"])
            .arg(path)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run import ({e}): run scripts/setup-system to install imagemagick")
            });
        assert!(
            out.status.success(),
            "import: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let img = image::open(path)
            .unwrap_or_else(|e| panic!("reading the screenshot {}: {e}", path.display()))
            .to_rgb8();
        assert_eq!(
            img.dimensions(),
            (self.width, self.height),
            "the screenshot is the whole screen"
        );
        img
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real station (`lotline` with no command) showing its window on an Xvfb server; killed
/// on drop if still running.
pub struct StationWindow {
    child: Child,
    log: PathBuf,
    /// The X window id (`xdotool` form).
    pub window: String,
}

impl StationWindow {
    /// Starts `lotline --db DB --config CONFIG --mode MODE [--kiosk]` on `x` with the software
    /// renderer, waits for its window and gives it the keyboard focus (as a window manager or
    /// a kiosk session does): no field is clicked.
    pub fn open(x: &Xvfb, db: &Path, config: &Path, mode: &str, kiosk: bool) -> StationWindow {
        let log = db.with_extension(format!("{mode}-{}x{}.log", x.width, x.height));
        let mut cmd = x.command(crate::support::BIN);
        cmd.arg("--db")
            .arg(db)
            .arg("--config")
            .arg(config)
            .args(["--mode", mode])
            .env("SLINT_BACKEND", "winit-software")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("LOTLINE_DB")
            .env_remove("LOTLINE_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if kiosk {
            cmd.arg("--kiosk");
        }
        let child = cmd.spawn().expect("starting lotline");
        let mut station = StationWindow {
            child,
            log,
            window: String::new(),
        };
        let deadline = Instant::now() + WINDOW_TIMEOUT;
        loop {
            if let Some(status) = station.child.try_wait().unwrap() {
                panic!(
                    "lotline exited ({status}) before showing its window:\n{}",
                    station.log_text()
                );
            }
            let found = x
                .command("xdotool")
                .args(["search", "--onlyvisible", "--name", "^Lotline station$"])
                .output()
                .expect("running xdotool");
            let ids = String::from_utf8_lossy(&found.stdout);
            if let Some(id) = ids.split_whitespace().next() {
                station.window = id.to_string();
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no Lotline window after {WINDOW_TIMEOUT:?}:\n{}",
                station.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The keyboard focus, as a window manager gives it; polled rather than `--sync`,
        // which waits forever if the focus never comes.
        x.xdotool(&["windowfocus", &station.window]);
        wait_until("the keyboard focus on the window", WINDOW_TIMEOUT, || {
            let focus = x
                .command("xdotool")
                .arg("getwindowfocus")
                .output()
                .expect("running xdotool");
            String::from_utf8_lossy(&focus.stdout).trim() == station.window
        });
        // Keys typed before the first frame could reach a window that is not ready yet.
        let shot = station.log.with_extension("first.png");
        let bg = theme_colour("bg");
        wait_until("the window's first frame", WINDOW_TIMEOUT, || {
            near(x.screenshot(&shot).get_pixel(1, 1).0, bg, 4)
        });
        station
    }

    /// The window's (x, y, width, height) on the screen.
    pub fn geometry(&self, x: &Xvfb) -> (i32, i32, u32, u32) {
        let out = x.xdotool(&["getwindowgeometry", "--shell", &self.window]);
        let field = |name: &str| -> i64 {
            out.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {out:?}"))
        };
        (
            field("X") as i32,
            field("Y") as i32,
            field("WIDTH") as u32,
            field("HEIGHT") as u32,
        )
    }

    /// What the station wrote on stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Ends the station as the system does at shutdown (SIGTERM) and reaps it.
    pub fn close(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "lotline still running 10 s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for StationWindow {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `cond` until it holds, or fails naming `what`.
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A colour of the station's theme, read from `ui/widgets/styling.slint` (the one place the
/// UI's colours are defined), e.g. `theme_colour("refused")`.
pub fn theme_colour(name: &str) -> [u8; 3] {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/widgets/styling.slint");
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("out property <color> {name}: #");
    let hex = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(&prefix))
        .and_then(|rest| rest.get(..6))
        .unwrap_or_else(|| panic!("no colour {name} in {}", path.display()));
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    [byte(0), byte(2), byte(4)]
}

/// Whether two colours are within `tolerance` on every channel.
pub fn near(p: [u8; 3], q: [u8; 3], tolerance: u8) -> bool {
    p.iter().zip(q).all(|(a, b)| a.abs_diff(b) <= tolerance)
}

/// The share (0–1) of the pixels in the rectangle that match `pred`.
pub fn share(
    img: &RgbImage,
    (x0, y0, w, h): (u32, u32, u32, u32),
    pred: impl Fn([u8; 3]) -> bool,
) -> f64 {
    let mut hits = 0u64;
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            hits += u64::from(pred(img.get_pixel(x, y).0));
        }
    }
    hits as f64 / (u64::from(w) * u64::from(h)) as f64
}

/// Runs of pixels matching `pred` down column `x` from `y0`, as (first row, length), only
/// those at least `min_len` long (so glyphs of text do not count).
pub fn runs_down(
    img: &RgbImage,
    x: u32,
    y0: u32,
    min_len: u32,
    pred: impl Fn([u8; 3]) -> bool,
) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    let mut start = None;
    for y in y0..=img.height() {
        let hit = y < img.height() && pred(img.get_pixel(x, y).0);
        match (hit, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                if y - s >= min_len {
                    runs.push((s, y - s));
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Runs of pixels matching `pred` along row `y`, as (first column, length), at least
/// `min_len` long.
pub fn runs_across(
    img: &RgbImage,
    y: u32,
    min_len: u32,
    pred: impl Fn([u8; 3]) -> bool,
) -> Vec<(u32, u32)> {
    let mut runs = Vec::new();
    let mut start = None;
    for x in 0..=img.width() {
        let hit = x < img.width() && pred(img.get_pixel(x, y).0);
        match (hit, start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                if x - s >= min_len {
                    runs.push((s, x - s));
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// A text field's box (Slint's LineEdit: light grey, whatever its text).
pub fn is_field(p: [u8; 3]) -> bool {
    let (lo, hi) = (p.iter().min().unwrap(), p.iter().max().unwrap());
    *lo >= 150 && hi - lo <= 16 && *hi < 250
}

/// Number of distinct colours (a blank or broken screen has a handful).
pub fn distinct_colours(img: &RgbImage) -> usize {
    let mut seen = std::collections::HashSet::new();
    for p in img.pixels() {
        seen.insert(p.0);
    }
    seen.len()
}
