//! `motcua kiosk`: the citizen's touchscreen.
//!
//! - [`controller`]: the behaviour, plain Rust ([`controller::Kiosk`]).
//! - this module: the runtime that binds the controller to the Slint
//!   `KioskAdapter` global, runs the controller's effects on tokio worker
//!   threads (hub requests, printing) and hands results back to the UI
//!   thread through a [`Poster`].
//!
//! The kiosk reaches the hub only through [`HubClient`], whether the hub is
//! the embedded one (no `kiosk.hub_url`: started in-process on loopback) or
//! the office's; and the printer only through [`TicketPrinter`].

pub mod app;
pub mod controller;
pub mod filing;
pub mod snapshot;
pub mod technician;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use self::controller::{Effect, Kiosk, KioskView};
use crate::apps::devices::Preview;
use crate::apps::devices::{ScannerDevice, TicketPrinter, SAMPLE_CARD};
use crate::apps::hub_client::HubClient;
use crate::apps::printing::QrPolicy;
use crate::apps::printing::{dossier_receipt, ticket_receipt};
use crate::apps::shell::{Poster, UiClock};
use crate::apps::ui::{
    ChoiceItem, FormField, KioskAdapter, KioskWindow, PriorityItem, ProcedureItem, ServiceItem,
    TechCheckItem, Theme, TimelineItem,
};

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

/// A mounted USB stick (under `/media` or `/run/media`), or `fallback`.
pub fn usb_stick_dir(fallback: &std::path::Path) -> std::path::PathBuf {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|m| m.replace("\\040", " "))
        .filter(|m| m.starts_with("/media/") || m.starts_with("/run/media/"))
        .map(std::path::PathBuf::from)
        .find(|p| p.is_dir())
        .unwrap_or_else(|| fallback.to_owned())
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
        let clock = Arc::clone(&ctx.clock);
        let now = move || clock();
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
        let (a, n) = (app.clone(), now.clone());
        adapter.on_take_number(move || a.dispatch(|k| k.take_number(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_choose_service(move |code| a.dispatch(|k| k.choose_service(&code, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_choose_priority(move |code| {
            a.dispatch(|k| k.choose_priority((!code.is_empty()).then_some(code.as_str()), n()))
        });
        let (a, n) = (app.clone(), now.clone());
        adapter.on_go_home(move || a.dispatch(|k| k.go_home(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_back(move || a.dispatch(|k| k.back(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_retry(move || a.dispatch(|k| k.retry(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_toggle_language(move || {
            a.dispatch(|k| {
                k.toggle_language(n());
                Vec::new()
            })
        });
        let (a, n) = (app.clone(), now.clone());
        adapter.on_toggle_large_text(move || {
            a.dispatch(|k| {
                k.toggle_large_text(n());
                Vec::new()
            })
        });
        let (a, n) = (app.clone(), now.clone());
        adapter.on_start_filing(move || a.dispatch(|k| k.start_filing(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_choose_procedure(move |code| a.dispatch(|k| k.choose_procedure(&code, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_continue_filing(move || a.dispatch(|k| k.continue_filing(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_consent(move |agree| a.dispatch(|k| k.consent(agree, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_demo_scan(move || a.dispatch(|k| k.demo_scan(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_manual_entry(move || a.dispatch(|k| k.manual_entry(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_focus_field(move |key| a.dispatch(|k| k.focus_field(&key, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter
            .on_choose_option(move |key, value| a.dispatch(|k| k.choose_option(&key, &value, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_key(move |key| a.dispatch(|k| k.key(&key, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_review(move || a.dispatch(|k| k.review(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_edit(move || a.dispatch(|k| k.edit(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_submit(move || a.dispatch(|k| k.submit(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_start_lookup(move || a.dispatch(|k| k.start_lookup(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_lookup(move || a.dispatch(|k| k.lookup(n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_corner_hold(move |pressed| a.lock().corner(pressed, n()));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_tech_key(move |key| a.dispatch(|k| k.tech_key(&key, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_tech_select(move |name| a.dispatch(|k| k.tech_select(&name, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_tech_action(move |action| a.dispatch(|k| k.tech_action(&action, n())));
        let (a, n) = (app.clone(), now.clone());
        adapter.on_tech_exit(move || a.dispatch(|k| k.tech_exit(n())));
        let (a, n) = (app.clone(), now);
        adapter.on_user_activity(move || a.lock().touched(n()));
        adapter.set_scan_demo(app.ctx.scanner_emulator.is_some());
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
        app
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
                page = self.lock().page().as_str(),
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

    fn run(&self, effect: Effect) {
        let ctx = Arc::clone(&self.ctx);
        match effect {
            Effect::RefreshQueue => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let (priorities, queue) = tokio::join!(ctx.hub.priorities(), ctx.hub.queue());
                    app.post(move |app| {
                        app.dispatch(|k| {
                            match priorities {
                                Ok(p) => k.set_priorities(p),
                                Err(err) => tracing::warn!(%err, "cannot load priority categories"),
                            }
                            match queue {
                                Ok(q) => k.queue_refreshed(&q),
                                Err(err) => {
                                    tracing::warn!(%err, "cannot load the queue");
                                    k.queue_failed();
                                }
                            }
                            Vec::new()
                        })
                    });
                });
            }
            Effect::IssueTicket(request) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx
                        .hub
                        .issue_ticket(&request.service, request.priority.as_deref(), &request.key)
                        .await;
                    if let Err(err) = &result {
                        tracing::warn!(%err, service = %request.service, "ticket not issued");
                    }
                    app.post(move |app| app.dispatch(|k| k.ticket_issued(&request.key, result)));
                });
            }
            Effect::PrintTicket { ticket, qr_payload } => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    let receipt = ticket_receipt(&ctx.office_name, &ticket, &qr_payload);
                    let outcome = ctx
                        .printer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .print(&receipt);
                    app.post(move |app| app.dispatch(|k| k.printed(ticket.id, outcome)));
                });
            }
            Effect::LoadCatalogue => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let catalogue = ctx.hub.procedures().await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.catalogue_loaded(catalogue);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::SubmitDossier { key, body } => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx.hub.file_dossier(&body, &key).await;
                    match &result {
                        Ok(d) => tracing::info!(code = %d.code, masked_id = %d.masked_id, "dossier filed"),
                        Err(err) => tracing::warn!(%err, "dossier not filed yet"),
                    }
                    app.post(move |app| app.dispatch(|k| k.dossier_filed(&key, result)));
                });
            }
            Effect::PrintFiled(filed) => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    // One job after the other on the same printer: the
                    // receipt first, then the queue ticket to take along.
                    let mut printer = ctx.printer.lock().unwrap_or_else(|e| e.into_inner());
                    let columns = printer.columns();
                    let receipt = printer.print(&dossier_receipt(&filed, columns));
                    let ticket = filed.ticket.as_ref().map(|t| {
                        let payload = QrPolicy::default().ticket_payload(t);
                        printer.print(&ticket_receipt(&ctx.office_name, t, &payload))
                    });
                    drop(printer);
                    app.post(move |app| app.dispatch(|k| k.filed_printed(receipt, ticket)));
                });
            }
            Effect::LookupDossier(code) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx.hub.dossier(&code).await;
                    app.post(move |app| app.dispatch(|k| k.lookup_answered(&code, result)));
                });
            }
            Effect::DemoScan => {
                if let Some(emulator) = &self.ctx.scanner_emulator {
                    let sent = emulator
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .send_line(SAMPLE_CARD);
                    if let Err(err) = sent {
                        tracing::warn!(%err, "the scanner emulator did not take the sample card");
                    }
                }
            }
            Effect::CheckPin(pin) => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    let now = (ctx.clock)();
                    let outcome = match &ctx.technician {
                        Some(t) => t
                            .gate
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .attempt(&pin, now),
                        None => crate::apps::diagnostics::pin::PinOutcome::NotConfigured,
                    };
                    app.post(move |app| {
                        let now = (app.ctx.clock)();
                        app.dispatch(|k| k.pin_checked(outcome, now))
                    });
                });
            }
            Effect::RunDiagnostics => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let report = t.diagnostics.run_all().await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.diagnostics_done(report);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::TechAction(action) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let result = t.diagnostics.act(action).await;
                    tracing::info!(
                        action = action.as_str(),
                        status = result.status.as_str(),
                        "technician action"
                    );
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.tech_action_done(result);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::ExportBundle { upload } => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let result = export_bundle(t, upload).await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.tech_action_done(result);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::CloseTech => {
                if let Some(t) = &self.ctx.technician {
                    t.gate.lock().unwrap_or_else(|e| e.into_inner()).close();
                }
            }
            Effect::ReportPrint {
                ticket,
                failure,
                key,
            } => {
                self.ctx.runtime.spawn(async move {
                    if let Err(err) = ctx.hub.report_print(ticket, failure.as_deref(), &key).await {
                        tracing::error!(%err, ticket, "could not tell the hub what the printer did");
                    }
                });
            }
        }
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

/// Makes a support bundle (a fresh report, the configuration without
/// secrets, recent logs) and writes it to a USB stick or sends it to the
/// hub; the outcome as a check result for the technician screen.
async fn export_bundle(t: &TechnicianTools, upload: bool) -> crate::apps::diagnostics::CheckResult {
    use crate::apps::diagnostics::{bundle, CheckResult, Status};
    let started = std::time::Instant::now();
    let report = t.diagnostics.run_all().await;
    let outcome: Result<(String, String, serde_json::Value), String> =
        match t.diagnostics.bundle(&report) {
            Err(err) => Err(err.to_string()),
            Ok(bytes) if upload => t
                .diagnostics
                .upload_bundle(bytes)
                .await
                .map(|info| {
                    let details = serde_json::to_value(&info).unwrap_or_default();
                    (
                        "Đã gửi gói hỗ trợ lên máy chủ của phường.".to_owned(),
                        "The support bundle was sent to the office hub.".to_owned(),
                        details,
                    )
                })
                .map_err(|e| e.to_string()),
            Ok(bytes) => {
                let dir = usb_stick_dir(&t.fallback_dir);
                let name = bundle::file_name(&report.machine, report.created_at);
                bundle::write(&dir, &name, &bytes)
                    .map(|path| {
                        (
                            format!("Đã ghi gói hỗ trợ: {}", path.display()),
                            format!("Support bundle written: {}", path.display()),
                            serde_json::json!({ "path": path, "bytes": bytes.len() }),
                        )
                    })
                    .map_err(|e| e.to_string())
            }
        };
    let (status, summary_vi, summary_en, details) = match outcome {
        Ok((vi, en, details)) => (Status::Pass, vi, en, details),
        Err(err) => (
            Status::Fail,
            format!("Không tạo được gói hỗ trợ: {err}"),
            format!("The support bundle failed: {err}"),
            serde_json::Value::Null,
        ),
    };
    tracing::info!(upload, status = status.as_str(), "support bundle");
    CheckResult {
        name: if upload {
            "bundle_upload"
        } else {
            "bundle_usb"
        }
        .to_owned(),
        status,
        summary_vi,
        summary_en,
        details,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// Sets every `KioskAdapter` property from a view. Also used by snapshots.
pub fn render_view(window: &KioskWindow, view: &KioskView, qr: Option<slint::Image>) {
    let adapter = window.global::<KioskAdapter>();
    let language_changed = adapter.get_language().as_str() != view.language;
    adapter.set_page(view.page.into());
    adapter.set_language(view.language.into());
    if language_changed {
        let lang = if view.language == "vi" {
            ""
        } else {
            view.language
        };
        if let Err(err) = slint::select_bundled_translation(lang) {
            tracing::warn!(%err, "cannot switch the screen language");
        }
    }
    adapter.set_large_text(view.large_text);
    window
        .global::<Theme>()
        .set_scale(if view.large_text { 1.25 } else { 1.0 });
    set_strings(&adapter.get_waiting_summary(), &view.waiting_summary, |m| {
        adapter.set_waiting_summary(m)
    });
    adapter.set_services(ModelRc::new(VecModel::from(
        view.services
            .iter()
            .map(|(code, prefix, name, detail)| ServiceItem {
                code: code.into(),
                prefix: prefix.into(),
                name: name.into(),
                detail: detail.into(),
            })
            .collect::<Vec<_>>(),
    )));
    adapter.set_priorities(ModelRc::new(VecModel::from(
        view.priorities
            .iter()
            .map(|(code, name)| PriorityItem {
                code: code.into(),
                name: name.into(),
            })
            .collect::<Vec<_>>(),
    )));
    adapter.set_selected_service_name(view.selected_service_name.as_str().into());
    adapter.set_ticket_number(view.ticket_number.as_str().into());
    adapter.set_ticket_service(view.ticket_service.as_str().into());
    adapter.set_ticket_priority(view.ticket_priority.as_str().into());
    adapter.set_ticket_ahead(view.ticket_ahead.as_str().into());
    adapter.set_ticket_wait(view.ticket_wait.as_str().into());
    adapter.set_ticket_issued_at(view.ticket_issued_at.as_str().into());
    if view.page == "filed" {
        adapter.set_filed_qr(qr.clone().unwrap_or_default());
    }
    adapter.set_ticket_qr(qr.unwrap_or_default());
    adapter.set_print_state(view.print_state.into());
    adapter.set_print_message(view.print_message.as_str().into());
    match &view.preview {
        Some(p) => {
            adapter.set_print_preview(preview_image(p));
            adapter.set_has_preview(true);
        }
        None => adapter.set_has_preview(false),
    }
    adapter.set_message_title(view.message_title.as_str().into());
    adapter.set_message_text(view.message_text.as_str().into());
    adapter.set_can_retry(view.can_retry);
    adapter.set_home_notice(view.home_notice.as_str().into());
    render_filing(&adapter, view);
    render_technician(&adapter, view);
}

/// The technician screens' part of the `KioskAdapter`.
fn render_technician(adapter: &KioskAdapter<'_>, view: &KioskView) {
    adapter.set_tech_pin_dots(view.tech_pin_dots.as_str().into());
    adapter.set_tech_message(view.tech_message.as_str().into());
    adapter.set_tech_headline(view.tech_headline.as_str().into());
    adapter.set_tech_checks(model(
        view.tech_rows
            .iter()
            .map(|r| TechCheckItem {
                name: r.name.as_str().into(),
                status: r.status.into(),
                summary: r.summary.as_str().into(),
                selected: r.selected,
            })
            .collect(),
    ));
    adapter.set_tech_detail_title(view.tech_detail_title.as_str().into());
    adapter.set_tech_detail(strings(&view.tech_detail));
    adapter.set_tech_action_text(view.tech_action_text.as_str().into());
    adapter.set_tech_action_status(view.tech_action_status.into());
    adapter.set_tech_busy(view.tech_busy);
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

fn strings(items: &[String]) -> ModelRc<SharedString> {
    model(
        items
            .iter()
            .map(|s| SharedString::from(s.as_str()))
            .collect(),
    )
}

/// The filing and lookup parts of the `KioskAdapter`.
fn render_filing(adapter: &KioskAdapter<'_>, view: &KioskView) {
    adapter.set_filing_enabled(view.filing_enabled);
    adapter.set_lookup_enabled(view.filing_enabled);
    adapter.set_procedures(model(
        view.procedures
            .iter()
            .map(|(code, name, group, detail)| ProcedureItem {
                code: code.into(),
                name: name.into(),
                group: group.into(),
                detail: detail.into(),
            })
            .collect(),
    ));
    adapter.set_search_text(view.search_text.as_str().into());
    adapter.set_procedure_name(view.procedure_name.as_str().into());
    adapter.set_procedure_documents(strings(&view.procedure_documents));
    adapter.set_procedure_fee(view.procedure_fee.as_str().into());
    adapter.set_procedure_time(view.procedure_time.as_str().into());
    adapter.set_procedure_presence(view.procedure_presence.as_str().into());
    adapter.set_scan_message(view.scan_message.as_str().into());
    adapter.set_scan_failed(view.scan_failed);
    adapter.set_form_fields(model(
        view.form_fields
            .iter()
            .map(|f| FormField {
                key: f.key.as_str().into(),
                section: f.section.as_str().into(),
                label: f.label.as_str().into(),
                kind: f.kind.into(),
                value: f.value.as_str().into(),
                error: f.error.as_str().into(),
                help: f.help.as_str().into(),
                required: f.required,
                active: f.active,
                options: model(
                    f.options
                        .iter()
                        .map(|(value, label)| ChoiceItem {
                            value: value.into(),
                            label: label.into(),
                        })
                        .collect(),
                ),
            })
            .collect(),
    ));
    adapter.set_form_summary(view.form_summary.as_str().into());
    adapter.set_keyboard(view.keyboard.into());
    adapter.set_active_label(view.active_label.as_str().into());
    adapter.set_active_value(view.active_value.as_str().into());
    adapter.set_shift(view.shift);
    adapter.set_input_method(view.input_method.into());
    adapter.set_review_lines(strings(&view.review_lines));
    adapter.set_review_fee(view.review_fee.as_str().into());
    adapter.set_filed_code(view.filed_code.as_str().into());
    adapter.set_filed_received(view.filed_received.as_str().into());
    adapter.set_filed_due(view.filed_due.as_str().into());
    adapter.set_filed_fee(view.filed_fee.as_str().into());
    adapter.set_filed_collect(view.filed_collect.as_str().into());
    adapter.set_filed_ticket(view.filed_ticket.as_str().into());
    adapter.set_filed_note(view.filed_note.as_str().into());
    adapter.set_lookup_input(view.lookup_input.as_str().into());
    adapter.set_lookup_title(view.lookup_title.as_str().into());
    adapter.set_lookup_status(view.lookup_status.as_str().into());
    adapter.set_lookup_due(view.lookup_due.as_str().into());
    adapter.set_lookup_timeline(model(
        view.lookup_timeline
            .iter()
            .map(|(at, label, note)| TimelineItem {
                at: at.into(),
                label: label.into(),
                note: note.into(),
            })
            .collect(),
    ));
}

fn set_strings(
    current: &ModelRc<SharedString>,
    want: &[String],
    set: impl FnOnce(ModelRc<SharedString>),
) {
    let same =
        current.row_count() == want.len() && current.iter().zip(want).all(|(a, b)| a.as_str() == b);
    if !same {
        set(ModelRc::new(VecModel::from(
            want.iter()
                .map(|s| SharedString::from(s.as_str()))
                .collect::<Vec<_>>(),
        )));
    }
}

/// "08:30 · Thứ Năm, 26/11/2026".
pub fn clock_text(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    lang: crate::apps::shell::Lang,
) -> String {
    let (time, date) = crate::apps::shell::clock_texts(now, tz, lang);
    format!("{time} · {date}")
}

/// A QR code as an RGB picture with a quiet zone, 8 pixels per module.
pub fn qr_pixels(payload: &str) -> Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let side = (modules + 2 * QUIET) * SCALE;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side as u32, side as u32);
    let pixels = buf.make_mut_slice();
    for (i, px) in pixels.iter_mut().enumerate() {
        let (x, y) = (i % side / SCALE, i / side / SCALE);
        let dark = x >= QUIET
            && y >= QUIET
            && x < QUIET + modules
            && y < QUIET + modules
            && colors[(y - QUIET) * modules + (x - QUIET)] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(buf)
}

fn preview_image(p: &Preview) -> slint::Image {
    let mut buf =
        slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(p.width as u32, p.height as u32);
    for (px, black) in buf.make_mut_slice().iter_mut().zip(p.dots.iter()) {
        let v = if *black { 20 } else { 250 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    slint::Image::from_rgb8(buf)
}

/// How often the kiosk refreshes waiting counts on its home page.
pub const QUEUE_REFRESH: Duration = Duration::from_secs(15);
