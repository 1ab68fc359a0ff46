//! What every app stands on, whatever it shows: the UI thread's mailbox
//! ([`Poster`]), the clocks ([`UiClock`], [`WallClock`]), the language of
//! the screen ([`Lang`]), and starting a window — a tokio runtime for the
//! app's work, the window at its size (or the software renderer writing a
//! PNG when the machine has no display), and the event loop run under the
//! systemd watchdog.
//!
//! For app authors: build the runtime with [`runtime`], the window with
//! [`open_window`], attach the controller, then hand the window to
//! [`run_until_closed`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};

use crate::apps::headless::{has_display, Headless, HeadlessWindow};

/// A closure to run on the UI thread.
pub type UiTask = Box<dyn FnOnce() + Send>;

/// Hands a task to the UI thread: `slint::invoke_from_event_loop` in the
/// app; a channel the test drains in headless tests.
pub type Poster = Arc<dyn Fn(UiTask) + Send + Sync>;

/// The Slint event loop as a [`Poster`].
pub fn event_loop_poster() -> Poster {
    Arc::new(|task| {
        if let Err(err) = slint::invoke_from_event_loop(task) {
            tracing::error!(%err, "the UI event loop is gone");
        }
    })
}

/// A screen's clock for timeouts and highlights: time since start. Tests
/// move it.
pub type UiClock = Arc<dyn Fn() -> Duration + Send + Sync>;

/// Real time since this call.
pub fn system_clock() -> UiClock {
    let start = std::time::Instant::now();
    Arc::new(move || start.elapsed())
}

/// The wall clock (for the time shown and the freshness of calls).
pub type WallClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The language of a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Picks the sentence in this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// "4 người chờ", "1 waiting", "4 waiting".
    pub fn people_waiting(self, n: u32) -> String {
        match (self, n) {
            (Lang::Vi, n) => format!("{n} người chờ"),
            (Lang::En, 1) => "1 waiting".to_owned(),
            (Lang::En, n) => format!("{n} waiting"),
        }
    }
}

/// ("08:30", "Thứ Năm, 26/11/2026") in office time.
pub fn clock_texts(now: DateTime<Utc>, tz: chrono_tz::Tz, lang: Lang) -> (String, String) {
    let local = now.with_timezone(&tz);
    let days_vi = [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
    ];
    let days_en = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let i = local.weekday().num_days_from_monday() as usize;
    let day = lang.pick(days_vi[i], days_en[i]);
    (
        local.format("%H:%M").to_string(),
        format!("{day}, {}", local.format("%d/%m/%Y")),
    )
}

/// The tokio runtime an app runs its hub requests and devices on: two
/// workers (the UI thread is Slint's), threads named `name`.
pub fn runtime(name: &str) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name(name)
        .build()?)
}

/// How an app's window opens.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    /// The app in a few words, for the terminal: "kiosk", "ứng dụng quầy".
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// (width, height) in logical pixels.
    pub size: (u32, u32),
    pub fullscreen: bool,
    /// Without a display, where the screen is written (PNG).
    pub screen_file: PathBuf,
}

/// Opens a window made by `new` as `spec` says. Without a display server
/// the app runs on the software renderer and writes its screen to
/// `spec.screen_file` (the returned [`HeadlessWindow`] must live as long as the
/// window), and says so on the terminal.
pub fn open_window<W: slint::ComponentHandle>(
    spec: &WindowSpec,
    new: impl FnOnce() -> Result<W, slint::PlatformError>,
) -> anyhow::Result<(W, Option<HeadlessWindow>)> {
    let headless = if has_display() {
        None
    } else {
        let path = spec.screen_file.display();
        eprintln!(
            "motcua: không có màn hình (DISPLAY/WAYLAND_DISPLAY) — {} chạy không cửa sổ, ảnh màn hình ở {path}\n\
             motcua: no display found — the {} runs headless; its screen is written to {path}\n\
             motcua: for a window on a headless machine: xvfb-run -a cargo run --release",
            spec.name_vi, spec.name_en
        );
        Some(
            Headless::install(Some(spec.screen_file.clone()))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
    };
    let window =
        new().map_err(|e| anyhow::anyhow!("cannot open the {} window: {e}", spec.name_en))?;
    let (w, h) = spec.size;
    match &headless {
        Some(screen) => screen.set_size(w, h),
        None => window
            .window()
            .set_size(slint::LogicalSize::new(w as f32, h as f32)),
    }
    if spec.fullscreen {
        window.window().set_fullscreen(true);
    }
    Ok((window, headless))
}

/// Runs the window's event loop on this (the UI) thread under the systemd
/// watchdog until it closes or SIGTERM arrives (`apps::watchdog`).
pub use crate::apps::watchdog::run_until_closed;
