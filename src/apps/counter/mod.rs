//! `motcua counter --counter N`: the officer's app at a counter.
//!
//! - [`controller`]: the behaviour, plain Rust ([`controller::Counter`]).
//! - this module: the runtime binding it to the Slint `CounterAdapter`
//!   global; hub requests on tokio (the officer's session as bearer token
//!   after sign-in), the live event stream, reprints on the counter's own
//!   printer, and the citizen rating panel ([`crate::apps::rating`]).

pub mod app;
pub mod controller;
pub mod snapshot;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slint::{ComponentHandle, ModelRc, VecModel};

use self::controller::{Answer, Command, Counter, CounterScreen, CounterTicket, Effect};
use crate::apps::devices::TicketPrinter;
use crate::apps::events::{EventStream, EventStreamOptions, StreamEvent};
use crate::apps::hub_client::{HubClient, HubError};
use crate::apps::printing::ticket_receipt;
use crate::apps::printing::QrPolicy;
use crate::apps::rating::{RatingApp, RatingContext, RatingFlow};
use crate::apps::shell::WallClock;
use crate::apps::shell::{Poster, UiClock};
use crate::apps::ui::{
    CounterAdapter, CounterPage, CounterWindow, DeskState, InfoLine, ReprintRow, ServiceRow,
};
use motcua_api::{CounterState, SignInRequest, TransferRequest};

/// What the counter runtime needs besides the window.
pub struct CounterContext {
    pub counter: u32,
    /// `http://host:port` of the hub.
    pub hub_url: String,
    /// The counter device's token (role counter): signs officers in.
    pub device_token: String,
    /// The counter's own printer, for reprints; `None`: no reprint button.
    pub printer: Option<Arc<Mutex<TicketPrinter>>>,
    pub office_name: String,
    pub tz: chrono_tz::Tz,
    pub qr: QrPolicy,
    /// Backoff and idle limits of the event stream (the token is the
    /// officer's session).
    pub stream: EventStreamOptions,
    pub clock: UiClock,
    pub wall: WallClock,
    pub runtime: tokio::runtime::Handle,
    pub post: Poster,
    /// Service prefixes (the citizen panel's keypad).
    pub prefixes: Vec<String>,
}

/// The running counter app; cheap to clone and `Send`.
#[derive(Clone)]
pub struct CounterApp {
    window: slint::Weak<CounterWindow>,
    state: Arc<Mutex<Counter>>,
    ctx: Arc<CounterContext>,
    device: HubClient,
    session: Arc<Mutex<Option<HubClient>>>,
    stream: Arc<Mutex<Option<EventStream>>>,
    rating: RatingApp,
    panel_open: Arc<AtomicBool>,
    /// The screen last written to the window: a clock tick that changes
    /// nothing rebuilds no list model and repaints nothing.
    shown: Arc<Mutex<Option<CounterScreen>>>,
}

impl CounterApp {
    /// Binds `window` to a new controller on the sign-in page.
    pub fn attach(window: &CounterWindow, ctx: CounterContext) -> Self {
        let device = HubClient::new(&ctx.hub_url, &ctx.device_token);
        let rating = crate::apps::rating::attach(
            window,
            RatingFlow::new(Duration::from_secs(90), ctx.prefixes.clone()),
            RatingContext {
                hub: device.clone(),
                clock: Arc::clone(&ctx.clock),
                runtime: ctx.runtime.clone(),
                post: Arc::clone(&ctx.post),
            },
        );
        let app = Self {
            window: window.as_weak(),
            state: Arc::new(Mutex::new(Counter::new(ctx.counter, ctx.printer.is_some()))),
            ctx: Arc::new(ctx),
            device,
            session: Arc::default(),
            stream: Arc::default(),
            rating,
            panel_open: Arc::default(),
            shown: Arc::default(),
        };
        let adapter = window.global::<CounterAdapter>();
        adapter.set_office_name(app.ctx.office_name.clone().into());
        let a = app.clone();
        adapter.on_sign_in(move |code, pin| a.dispatch(|c| c.sign_in(&code, &pin)));
        let a = app.clone();
        adapter.on_sign_out(move || a.dispatch(Counter::sign_out));
        let bind = |command: Command| {
            let a = app.clone();
            move || a.dispatch(|c| c.command(command.clone()))
        };
        adapter.on_call_next(bind(Command::CallNext));
        adapter.on_recall(bind(Command::Recall));
        adapter.on_start(bind(Command::Start));
        adapter.on_finish(bind(Command::Finish));
        adapter.on_no_show(bind(Command::NoShow));
        let a = app.clone();
        adapter.on_open_transfer(move || {
            a.dispatch(|c| {
                c.open_transfer();
                Vec::new()
            })
        });
        let a = app.clone();
        adapter.on_cancel_transfer(move || {
            a.dispatch(|c| {
                c.cancel_transfer();
                Vec::new()
            })
        });
        let a = app.clone();
        adapter.on_transfer(move |code| {
            a.dispatch(|c| c.command(Command::Transfer(code.to_string())))
        });
        let a = app.clone();
        adapter.on_toggle_pause(move || a.dispatch(Counter::toggle_pause));
        let a = app.clone();
        adapter.on_reprint(move |id| a.dispatch(|c| c.reprint(i64::from(id))));
        let a = app.clone();
        adapter.on_open_citizen_panel(move || a.open_citizen_panel());
        let a = app.clone();
        adapter.on_close_citizen_panel(move || {
            a.panel_open.store(false, Ordering::SeqCst);
            a.render();
        });
        let a = app.clone();
        adapter.on_toggle_language(move || {
            a.dispatch(|c| {
                c.toggle_language();
                Vec::new()
            })
        });
        app.render();
        app
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counter> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies an input, redraws, runs the effects. UI thread only.
    pub fn dispatch(&self, f: impl FnOnce(&mut Counter) -> Vec<Effect>) {
        let effects = f(&mut self.lock());
        self.render();
        for effect in effects {
            self.run(effect);
        }
    }

    /// The controller's view now (tests read it).
    pub fn view(&self) -> CounterScreen {
        self.lock().view((self.ctx.wall)())
    }

    /// The rating panel's flow.
    pub fn rating(&self) -> &RatingApp {
        &self.rating
    }

    /// F8: turn the screen to the citizen. Rates the ticket just finished,
    /// or asks for a number.
    pub fn open_citizen_panel(&self) {
        if self.lock().page() != controller::Page::Work {
            return;
        }
        if !self.rating.view().active {
            self.rating.dispatch(|f, now| f.start_identify(now));
        }
        self.panel_open.store(true, Ordering::SeqCst);
        self.render();
    }

    /// The clock: wait times, header clock, rating idle timeout.
    pub fn tick(&self) {
        self.rating.tick();
        self.render();
    }

    fn post(&self, f: impl FnOnce(&CounterApp) + Send + 'static) {
        let app = self.clone();
        (self.ctx.post)(Box::new(move || f(&app)));
    }

    /// The officer's session client, once signed in.
    pub fn session_client(&self) -> Option<HubClient> {
        self.session()
    }

    fn session(&self) -> Option<HubClient> {
        self.session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn run(&self, effect: Effect) {
        let app = self.clone();
        let counter = self.ctx.counter;
        match effect {
            Effect::SignIn { code, pin } => {
                let device = self.device.clone();
                self.ctx.runtime.spawn(async move {
                    let body = SignInRequest { code, pin, counter };
                    let result = device
                        .sign_in(&body, &uuid::Uuid::new_v4().to_string())
                        .await;
                    app.post(move |app| {
                        if let Ok(s) = &result {
                            *app.session.lock().unwrap_or_else(|e| e.into_inner()) =
                                Some(HubClient::new(&app.ctx.hub_url, &s.session));
                        }
                        app.dispatch(|c| c.signed_in(result));
                    });
                });
            }
            Effect::SignOut => {
                let session = self
                    .session
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take();
                if let Some(stream) = self.stream.lock().unwrap_or_else(|e| e.into_inner()).take() {
                    stream.stop();
                }
                self.panel_open.store(false, Ordering::SeqCst);
                if let Some(session) = session {
                    self.ctx.runtime.spawn(leave(session, counter));
                }
            }
            Effect::Load => {
                let Some(hub) = self.session() else { return };
                self.ctx.runtime.spawn(async move {
                    let queue = hub.queue().await;
                    let failed = hub.print_failed().await;
                    let health = hub.health().await;
                    app.post(move |app| match (queue, failed) {
                        (Ok(q), Ok(f)) => app.dispatch(|c| {
                            if let Ok(h) = &health {
                                c.kiosks_loaded(h.kiosks());
                            }
                            c.loaded(&q, f)
                        }),
                        (Err(err), _) | (_, Err(err)) => {
                            tracing::warn!(%err, "cannot load the queue; retrying");
                            let again = app.clone();
                            app.ctx.runtime.spawn(async move {
                                tokio::time::sleep(Duration::from_secs(2)).await;
                                again.post(|app| app.run(Effect::Load));
                            });
                        }
                    });
                });
            }
            Effect::Listen { last_event_id } => {
                let Some(hub) = self.session() else { return };
                let mut options = self.ctx.stream.clone();
                options.token = hub.token().to_owned();
                let a = self.clone();
                let stream = EventStream::spawn(
                    &self.ctx.runtime,
                    options,
                    Some(last_event_id),
                    move |event| a.post(move |app| app.stream_event(event)),
                );
                *self.stream.lock().unwrap_or_else(|e| e.into_inner()) = Some(stream);
            }
            Effect::Act { command, key } => {
                let Some(hub) = self.session() else { return };
                self.ctx.runtime.spawn(async move {
                    let answer = act(&hub, counter, &command, &key).await;
                    if let Err(err) = &answer {
                        tracing::warn!(%err, ?command, "counter action refused or failed");
                    }
                    app.post(move |app| app.dispatch(|c| c.acted(&command, answer)));
                });
            }
            Effect::LoadDossier(code) => {
                let Some(hub) = self.session() else { return };
                // The catalogue's forms label the dossier's fields; once.
                let need_forms = !self.lock().has_forms();
                self.ctx.runtime.spawn(async move {
                    let forms = match need_forms {
                        true => Some(hub.procedures().await),
                        false => None,
                    };
                    let result = hub
                        .get::<serde_json::Value>(&format!("/api/v1/dossiers/{code}"))
                        .await;
                    app.post(move |app| {
                        let mut c = app.lock();
                        match forms {
                            Some(Ok(catalogue)) => c.catalogue_loaded(&catalogue),
                            Some(Err(err)) => {
                                tracing::warn!(%err, "no catalogue: dossier fields unlabelled")
                            }
                            None => {}
                        }
                        c.dossier_loaded(&code, result);
                        drop(c);
                        app.render();
                    });
                });
            }
            Effect::Reprint(ticket) => {
                let Some(printer) = self.ctx.printer.clone() else {
                    return;
                };
                let office = self.ctx.office_name.clone();
                let payload = self.ctx.qr.ticket_payload(&ticket);
                self.ctx.runtime.spawn_blocking(move || {
                    let receipt = ticket_receipt(&office, &ticket, &payload);
                    let outcome = printer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .print(&receipt);
                    let result = outcome
                        .result
                        .map(|_| ())
                        .map_err(|k| k.as_str().to_owned());
                    app.post(move |app| app.dispatch(|c| c.reprinted(ticket.id, result)));
                });
            }
            Effect::ReportReprinted { ticket, key } => {
                let Some(hub) = self.session() else { return };
                self.ctx.runtime.spawn(async move {
                    if let Err(err) = hub.report_print(ticket, None, &key).await {
                        tracing::warn!(%err, ticket, "could not tell the hub the reprint came out");
                    }
                });
            }
            Effect::Rate { ticket, number } => self.rating.rate_ticket(ticket, &number),
        }
    }

    fn stream_event(&self, event: StreamEvent) {
        match event {
            StreamEvent::Message(m) => self.dispatch(|c| c.event(&m)),
            StreamEvent::Connected { .. } => {}
            StreamEvent::Disconnected { error, .. } => {
                if error.contains("401") {
                    // The session ended (expired): nothing more will come.
                    if let Some(stream) =
                        self.stream.lock().unwrap_or_else(|e| e.into_inner()).take()
                    {
                        stream.stop();
                    }
                }
            }
        }
    }

    /// Writes the view into the Slint globals.
    pub fn render(&self) {
        let Some(window) = self.window.upgrade() else {
            return;
        };
        let now = (self.ctx.wall)();
        let view = self.lock().view(now);
        let mut shown = self.shown.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() != Some(&view) {
            render_view(&window, &view);
            *shown = Some(view);
        }
        drop(shown);
        let adapter = window.global::<CounterAdapter>();
        let local = now.with_timezone(&self.ctx.tz);
        adapter.set_clock_text(local.format("%H:%M · %d/%m/%Y").to_string().into());
        let rating_active = self.rating.view().active;
        adapter.set_citizen_panel(self.panel_open.load(Ordering::SeqCst) && rating_active);
        if !rating_active {
            self.panel_open.store(false, Ordering::SeqCst);
        }
    }
}

/// The officer leaves: the counter closes (unless a citizen is still at
/// it) and the session ends.
pub async fn leave(session: HubClient, counter: u32) {
    let key = uuid::Uuid::new_v4().to_string();
    if let Err(err) = session
        .set_counter_state(counter, CounterState::Closed, &key)
        .await
    {
        tracing::info!(%err, "the counter stays open");
    }
    let key = uuid::Uuid::new_v4().to_string();
    if let Err(err) = session.sign_out(&key).await {
        tracing::warn!(%err, "sign-out not confirmed by the hub; the session expires by itself");
    }
}

/// Sends a counter command to the hub; the answer as the controller reads
/// it.
async fn act(
    hub: &HubClient,
    counter: u32,
    command: &Command,
    key: &str,
) -> Result<Answer, HubError> {
    match command {
        Command::Pause => hub
            .set_counter_state(counter, CounterState::Paused, key)
            .await
            .map(Answer::Counter),
        Command::Open => hub
            .set_counter_state(counter, CounterState::Open, key)
            .await
            .map(Answer::Counter),
        _ => {
            let transfer = match command {
                Command::Transfer(service) => Some(TransferRequest {
                    service: service.clone(),
                }),
                _ => None,
            };
            let ticket = hub
                .counter_action(counter, command.route(), transfer.as_ref(), key)
                .await?;
            Ok(ticket.map_or(Answer::Nothing, |t| Answer::Ticket(CounterTicket::new(t))))
        }
    }
}

/// Sets every `CounterAdapter` property from a view. Also used by snapshots.
pub fn render_view(window: &CounterWindow, view: &CounterScreen) {
    let adapter = window.global::<CounterAdapter>();
    if adapter.get_language().as_str() != view.language {
        adapter.set_language(view.language.into());
        let lang = if view.language == "vi" {
            ""
        } else {
            view.language
        };
        if let Err(err) = slint::select_bundled_translation(lang) {
            tracing::warn!(%err, "cannot switch the screen language");
        }
    }
    adapter.set_page(match view.page {
        controller::Page::SignIn => CounterPage::SignIn,
        controller::Page::Work => CounterPage::Work,
    });
    adapter.set_counter_title(view.counter_title.as_str().into());
    adapter.set_officer_name(view.officer_name.as_str().into());
    adapter.set_counter_state(match view.counter_state {
        CounterState::Open => DeskState::Open,
        CounterState::Paused => DeskState::Paused,
        CounterState::Closed => DeskState::Closed,
    });
    adapter.set_counter_state_text(view.counter_state_text.as_str().into());
    adapter.set_signing_in(view.signing_in);
    adapter.set_idle_hint(view.idle_hint.as_str().into());
    adapter.set_has_ticket(view.has_ticket);
    adapter.set_ticket_number(view.ticket_number.as_str().into());
    adapter.set_ticket_service(view.ticket_service.as_str().into());
    adapter.set_ticket_priority(view.ticket_priority.as_str().into());
    adapter.set_ticket_state_text(view.ticket_state_text.as_str().into());
    adapter.set_ticket_wait(view.ticket_wait.as_str().into());
    adapter.set_has_dossier(view.has_dossier);
    adapter.set_dossier_title(view.dossier_title.as_str().into());
    adapter.set_dossier_lines(ModelRc::new(VecModel::from(
        view.dossier_lines
            .iter()
            .map(|(label, value)| InfoLine {
                label: label.into(),
                value: value.into(),
            })
            .collect::<Vec<_>>(),
    )));
    let rows = |rows: &[(String, String, String)]| {
        ModelRc::new(VecModel::from(
            rows.iter()
                .map(|(code, name, waiting)| ServiceRow {
                    code: code.into(),
                    name: name.into(),
                    waiting: waiting.into(),
                })
                .collect::<Vec<_>>(),
        ))
    };
    adapter.set_waiting(rows(&view.waiting));
    adapter.set_print_failed(ModelRc::new(VecModel::from(
        view.print_failed
            .iter()
            .map(|(id, number, detail)| ReprintRow {
                id: *id as i32,
                number: number.into(),
                detail: detail.into(),
            })
            .collect::<Vec<_>>(),
    )));
    adapter.set_has_printer(view.has_printer);
    adapter.set_busy(view.busy);
    adapter.set_message(view.message.as_str().into());
    adapter.set_kiosk_banner(view.kiosk_banner.as_str().into());
    adapter.set_message_is_error(view.message_is_error);
    adapter.set_can_call(view.can_call);
    adapter.set_can_recall(view.can_recall);
    adapter.set_can_start(view.can_start);
    adapter.set_can_finish(view.can_finish);
    adapter.set_can_no_show(view.can_no_show);
    adapter.set_can_transfer(view.can_transfer);
    adapter.set_paused(view.paused);
    adapter.set_transfer_open(view.transfer_open);
    let targets: Vec<(String, String, String)> = view
        .transfer_targets
        .iter()
        .map(|(c, n)| (c.clone(), n.clone(), String::new()))
        .collect();
    adapter.set_transfer_targets(rows(&targets));
}
