//! `motcua kiosk`: the citizen's touchscreen.
//!
//! - [`controller`]: the behaviour, plain Rust ([`controller::Kiosk`], a
//!   router over one sub-controller per flow).
//! - this module: [`KioskApp`], which binds the controller to the Slint
//!   globals (one per flow) and dispatches inputs to it;
//! - [`effects`]: runs the controller's effects on tokio worker threads
//!   (hub requests, printing) and hands results back to the UI thread
//!   through a [`Poster`];
//! - [`render`]: writes the controller's view into the Slint globals.
//!
//! The kiosk reaches the hub only through [`HubClient`], whether the hub is
//! the embedded one (no `kiosk.hub_url`: started in-process on loopback) or
//! the office's; and the printer only through [`TicketPrinter`].

pub mod app;
pub mod controller;
mod effects;
pub mod filing;
/// The cut-off text detector, shared by every app (kept here for old paths).
pub use crate::apps::overflow;
pub mod render;
pub mod snapshot;
pub mod technician;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::ComponentHandle;

use self::controller::{Effect, Kiosk, KioskView};
pub use self::render::{clock_text, qr_pixels, render_view};
use crate::apps::devices::{ScannerDevice, TicketPrinter};
use crate::apps::hub_client::HubClient;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::{Poster, UiClock};
use crate::apps::ui::{
    FilingAdapter, KeyboardAdapter, KioskAdapter, KioskWindow, LookupAdapter, QueueAdapter,
    TechAdapter,
};

/// The banner of a kiosk whose hub delivers to the portal sandbox.
pub const TRAINING_BANNER: &str = "ĐÀO TẠO · hồ sơ chỉ gửi đến cổng thử nghiệm, không có giá trị pháp lý / TRAINING · dossiers go to the sandbox portal only, no legal effect";

/// What the kiosk runtime needs besides the UI.
pub struct KioskContext {
    pub clock: UiClock,
    pub hub: HubClient,
    pub printer: Arc<Mutex<TicketPrinter>>,
    pub office_name: String,
    pub tz: chrono_tz::Tz,
    pub demo: bool,
    pub runtime: tokio::runtime::Handle,
    pub post: Poster,
    /// In demo mode, the scanner emulator the sample-card button feeds.
    pub scanner_emulator: Option<Arc<Mutex<motcua_drivers::emulator::ScannerEmulator>>>,
    /// Set to stop the scanner reader thread.
    pub stop: Arc<AtomicBool>,
    /// Technician mode's checks and PIN gate; `None` hides nothing but
    /// makes the mode report that it is unavailable.
    pub technician: Option<TechnicianTools>,
}

/// What technician mode runs.
pub struct TechnicianTools {
    pub diagnostics: crate::apps::diagnostics::Diagnostics,
    pub gate: Arc<Mutex<crate::apps::diagnostics::pin::PinGate>>,
    /// Where "export to USB" writes when no USB stick is mounted.
    pub fallback_dir: std::path::PathBuf,
}

/// A payload and its rendered QR code.
type QrImage = (String, slint::SharedPixelBuffer<slint::Rgb8Pixel>);

/// The running kiosk: cheap to clone, `Send`, and usable from any thread
/// except that [`KioskApp::dispatch`] must run on the UI thread.
#[derive(Clone)]
pub struct KioskApp {
    window: slint::Weak<KioskWindow>,
    state: Arc<Mutex<Kiosk>>,
    ctx: Arc<KioskContext>,
    qr_cache: Arc<Mutex<Option<QrImage>>>,
    /// Another screen over the kiosk's pages (the rating screen) may take
    /// scanner lines first.
    scan_hook: Arc<Mutex<Option<ScanHook>>>,
}

/// Takes a scanner line (returns `true`) or leaves it to the kiosk.
pub type ScanHook = Box<dyn Fn(&str) -> bool + Send>;

impl KioskApp {
    /// Binds `window` to a new controller and starts loading the queue.
    pub fn attach(
        window: &KioskWindow,
        idle_timeout: Duration,
        qr: QrPolicy,
        ctx: KioskContext,
    ) -> Self {
        let now = Arc::clone(&ctx.clock);
        let app = Self {
            window: window.as_weak(),
            state: Arc::new(Mutex::new(Kiosk::new(idle_timeout, qr, now()))),
            ctx: Arc::new(ctx),
            qr_cache: Arc::default(),
            scan_hook: Arc::default(),
        };
        let adapter = window.global::<KioskAdapter>();
        adapter.set_office_name(app.ctx.office_name.clone().into());
        adapter.set_demo(app.ctx.demo);
        adapter.set_demo_text(
            "CHẾ ĐỘ DEMO · máy in và đầu đọc là giả lập / DEMO MODE · emulated devices".into(),
        );
        app.bind(window, &now);
        window
            .global::<FilingAdapter>()
            .set_scan_demo(app.ctx.scanner_emulator.is_some());
        app.lock().set_today(crate::domain::time::business_date(
            chrono::Utc::now(),
            app.ctx.tz,
        ));
        app.render();
        // Printer faults and recoveries reach the hub as device events.
        let sink = crate::apps::diagnostics::events::hub_sink(
            app.ctx.runtime.clone(),
            app.ctx.hub.clone(),
        );
        app.ctx
            .printer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .health()
            .connect(sink, None);
        app.run(Effect::RefreshQueue);
        app.run(Effect::LoadCatalogue);
        app.show_training_banner();
        app
    }

    /// Connects every flow's Slint callbacks to the controller.
    fn bind(&self, window: &KioskWindow, now: &UiClock) {
        // Each callback gets its own handle on the app and the clock.
        let h = || (self.clone(), Arc::clone(now));

        let shell = window.global::<KioskAdapter>();
        let (a, n) = h();
        shell.on_go_home(move || a.dispatch(|k| k.go_home(n())));
        let (a, n) = h();
        shell.on_back(move || a.dispatch(|k| k.back(n())));
        let (a, n) = h();
        shell.on_retry(move || a.dispatch(|k| k.retry(n())));
        let (a, n) = h();
        shell.on_toggle_language(move || a.update(|k| k.toggle_language(n())));
        let (a, n) = h();
        shell.on_toggle_large_text(move || a.update(|k| k.toggle_large_text(n())));
        let (a, n) = h();
        shell.on_corner_hold(move |pressed| a.lock().corner(pressed, n()));
        let (a, n) = h();
        shell.on_user_activity(move || a.lock().touched(n()));

        let queue = window.global::<QueueAdapter>();
        let (a, n) = h();
        queue.on_take_number(move || a.dispatch(|k| k.take_number(n())));
        let (a, n) = h();
        queue.on_choose_service(move |code| a.dispatch(|k| k.choose_service(&code, n())));
        let (a, n) = h();
        queue.on_choose_priority(move |code| {
            a.dispatch(|k| k.choose_priority((!code.is_empty()).then_some(code.as_str()), n()))
        });

        let filing = window.global::<FilingAdapter>();
        let (a, n) = h();
        filing.on_start_filing(move || a.dispatch(|k| k.start_filing(n())));
        let (a, n) = h();
        filing.on_focus_search(move || a.dispatch(|k| k.focus_search(n())));
        let (a, n) = h();
        filing.on_choose_procedure(move |code| a.dispatch(|k| k.choose_procedure(&code, n())));
        let (a, n) = h();
        filing.on_continue_filing(move || a.dispatch(|k| k.continue_filing(n())));
        let (a, n) = h();
        filing.on_consent(move |agree| a.dispatch(|k| k.consent(agree, n())));
        let (a, n) = h();
        filing.on_demo_scan(move || a.dispatch(|k| k.demo_scan(n())));
        let (a, n) = h();
        filing.on_manual_entry(move || a.dispatch(|k| k.manual_entry(n())));
        let (a, n) = h();
        filing.on_focus_field(move |key| a.dispatch(|k| k.focus_field(&key, n())));
        let (a, n) = h();
        filing
            .on_choose_option(move |key, value| a.dispatch(|k| k.choose_option(&key, &value, n())));
        let (a, n) = h();
        filing.on_review(move || a.dispatch(|k| k.review(n())));
        let (a, n) = h();
        filing.on_edit(move || a.dispatch(|k| k.edit(n())));
        let (a, n) = h();
        filing.on_submit(move || a.dispatch(|k| k.submit(n())));

        let (a, n) = h();
        window
            .global::<KeyboardAdapter>()
            .on_key(move |key| a.dispatch(|k| k.key(&key, n())));

        let lookup = window.global::<LookupAdapter>();
        let (a, n) = h();
        lookup.on_start_lookup(move || a.dispatch(|k| k.start_lookup(n())));
        let (a, n) = h();
        lookup.on_lookup(move || a.dispatch(|k| k.lookup(n())));

        let tech = window.global::<TechAdapter>();
        let (a, n) = h();
        tech.on_key(move |key| a.dispatch(|k| k.tech_key(&key, n())));
        let (a, n) = h();
        tech.on_select(move |name| a.dispatch(|k| k.tech_select(&name, n())));
        let (a, n) = h();
        tech.on_action(move |action| a.dispatch(|k| k.tech_action(action, n())));
        let (a, n) = h();
        tech.on_exit(move || a.dispatch(|k| k.tech_exit(n())));
    }

    /// An input with no effects.
    fn update(&self, f: impl FnOnce(&mut Kiosk)) {
        self.dispatch(|k| {
            f(k);
            Vec::new()
        });
    }

    /// A training office's hub (`filing.portal_url = "sandbox"`) delivers
    /// to the portal sandbox: the kiosk's banner (the demo banner's place)
    /// says so, in both languages, for as long as the kiosk runs.
    fn show_training_banner(&self) {
        let app = self.clone();
        let hub = self.ctx.hub.clone();
        self.ctx.runtime.spawn(async move {
            let Ok(health) = hub.health().await else {
                return;
            };
            let training = health.portal == Some(motcua_api::PortalKind::Sandbox)
                && health.demo == Some(false);
            if training {
                app.post(|app| {
                    if let Some(window) = app.window.upgrade() {
                        let adapter = window.global::<KioskAdapter>();
                        adapter.set_demo(true);
                        adapter.set_demo_text(TRAINING_BANNER.into());
                    }
                });
            }
        });
    }

    /// Reads the scanner on its own thread and hands every line to the
    /// controller. Lines live in memory only: nothing read from a card is
    /// written anywhere, and the controller drops what arrives without
    /// consent.
    pub fn start_scanner(&self, mut device: ScannerDevice) {
        let app = self.clone();
        let stop = Arc::clone(&self.ctx.stop);
        device.health.connect(
            crate::apps::diagnostics::events::hub_sink(
                self.ctx.runtime.clone(),
                self.ctx.hub.clone(),
            ),
            None,
        );
        let spawned = std::thread::Builder::new()
            .name("motcua-scanner".into())
            .spawn(move || {
                use crate::apps::diagnostics::events::DeviceState;
                let mut reported = false;
                while !stop.load(Ordering::Relaxed) {
                    let read = device.scanner.read_line(Duration::from_millis(300));
                    match &read {
                        Ok(_) => device.health.observe(DeviceState::Ok, None),
                        Err(err) => {
                            device.frames.record_error(err.kind());
                            // A garbled frame is the card's or the user's
                            // problem, not the scanner's.
                            if err.kind() != motcua_drivers::DeviceErrorKind::BadData {
                                device.health.observe(
                                    DeviceState::Fault,
                                    Some(crate::domain::wording::device_kind(err.kind())),
                                );
                            }
                        }
                    }
                    match read {
                        Ok(Some(line)) => {
                            reported = false;
                            // Masked at once: the technician screen's copy.
                            device.frames.record(&line);
                            app.post(move |app| {
                                if app.scan_taken(&line) {
                                    return;
                                }
                                let now = (app.ctx.clock)();
                                app.dispatch(|k| k.scanned(&line, now));
                            });
                        }
                        Ok(None) => {}
                        Err(err) => {
                            if !reported {
                                tracing::warn!(scanner = %device.description, %err, kind = ?err.kind(), "scanner problem");
                                reported = true;
                            }
                            std::thread::sleep(Duration::from_millis(500));
                        }
                    }
                }
            });
        if let Err(err) = spawned {
            tracing::error!(%err, "cannot start the scanner thread");
        }
    }

    /// Lets `hook` see scanner lines before the kiosk does.
    pub fn set_scan_hook(&self, hook: ScanHook) {
        *self.scan_hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    fn scan_taken(&self, line: &str) -> bool {
        self.scan_hook
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|hook| hook(line))
    }

    /// Stops the device threads (the scanner reader).
    pub fn stop(&self) {
        self.ctx.stop.store(true, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kiosk> {
        // A panic while holding the lock leaves a consistent-enough state
        // for a kiosk: keep going rather than freeze the screen.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies an input to the controller, redraws, runs the effects.
    /// UI thread only.
    pub fn dispatch(&self, f: impl FnOnce(&mut Kiosk) -> Vec<Effect>) {
        let effects = f(&mut self.lock());
        self.render();
        for effect in effects {
            self.run(effect);
        }
    }

    /// The clock: idle timeout, header time, periodic queue refresh.
    pub fn tick(&self) {
        let today = crate::domain::time::business_date(chrono::Utc::now(), self.ctx.tz);
        self.lock().set_today(today);
        let (changed, effects) = self.lock().tick_effects((self.ctx.clock)());
        if changed {
            tracing::info!(
                page = controller::page_name(self.lock().page()),
                "the clock changed the page"
            );
            self.render();
            if self.lock().page() == controller::Page::Home {
                self.run(Effect::RefreshQueue);
            }
        }
        for effect in effects {
            self.run(effect);
        }
        if let Some(window) = self.window.upgrade() {
            window.global::<KioskAdapter>().set_clock_text(
                clock_text(chrono::Utc::now(), self.ctx.tz, self.lock().lang()).into(),
            );
        }
    }

    /// The example procedures listed under each service area.
    pub fn set_service_examples(&self, services: &[crate::config::ServiceConfig]) {
        self.update(|k| k.set_service_examples(services));
    }

    /// Whether the home page offers "Đánh giá".
    pub fn set_rating_enabled(&self, enabled: bool) {
        self.update(|k| k.set_rating_enabled(enabled));
    }

    /// Whether the rating screen is over the pages now.
    pub fn rating_open(&self, open: bool) {
        let now = (self.ctx.clock)();
        self.lock().rating_open(open, now);
    }

    /// Reloads waiting counts (the home page shows them).
    pub fn refresh_queue(&self) {
        self.run(Effect::RefreshQueue);
    }

    /// The controller's current view (tests read it).
    pub fn view(&self) -> KioskView {
        self.lock().view()
    }

    /// The language the citizen chose.
    pub fn lang(&self) -> crate::apps::shell::Lang {
        self.lock().lang()
    }

    fn post(&self, f: impl FnOnce(&KioskApp) + Send + 'static) {
        let app = self.clone();
        (self.ctx.post)(Box::new(move || f(&app)));
    }

    /// Writes the controller's view into the Slint globals.
    pub fn render(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let view = self.lock().view();
        let qr = self.qr_image(&view.qr_payload);
        render_view(&window, &view, qr);
        window
            .global::<KioskAdapter>()
            .set_clock_text(clock_text(chrono::Utc::now(), self.ctx.tz, self.lock().lang()).into());
    }

    fn qr_image(&self, payload: &str) -> Option<slint::Image> {
        if payload.is_empty() {
            return None;
        }
        let mut cache = self.qr_cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.as_ref().map(|(p, _)| p.as_str()) != Some(payload) {
            *cache = Some((payload.to_owned(), qr_pixels(payload)?));
        }
        cache
            .as_ref()
            .map(|(_, px)| slint::Image::from_rgb8(px.clone()))
    }
}

/// How often the kiosk refreshes waiting counts on its home page.
pub const QUEUE_REFRESH: Duration = Duration::from_secs(15);
