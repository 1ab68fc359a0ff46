//! The kiosk's behaviour as plain Rust: what each touch does, what the
//! citizen sees, and what work must happen (issue a ticket, print it, tell
//! the hub what the printer did).
//!
//! [`Kiosk`] is a state machine. Each input (a touch, a result from the hub
//! or the printer, a clock tick) changes the state and returns the
//! [`Effect`]s to run; the runtime runs them off the UI thread and feeds the
//! results back as new inputs. [`Kiosk::view`] turns the state into the
//! strings the screen shows, in the chosen language. Nothing here touches a
//! widget, the network or a device, so every rule is unit-tested directly.

use std::sync::Arc;
use std::time::Duration;

use motcua_drivers::DeviceErrorKind;

use chrono::NaiveDate;

use super::filing::Filing;
use crate::apps::devices::{Preview, PrintOutcome};
use crate::apps::hub_client::HubError;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::Lang;
use crate::domain::wording;
use motcua_api::{CatalogueView, DossierView, FiledDossier};
use motcua_api::{ErrorCode, FileRequest, Priority};
use motcua_api::{QueueView, TicketView};

/// The pages of the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Home,
    Services,
    Priority,
    Issuing,
    Ticket,
    Message,
    Procedures,
    Procedure,
    Consent,
    Scan,
    Form,
    Review,
    Submitting,
    Filed,
    Lookup,
    LookupResult,
    TechPin,
    Tech,
}

impl Page {
    /// The name the Slint screens switch on.
    pub fn as_str(self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Services => "services",
            Page::Priority => "priority",
            Page::Issuing => "issuing",
            Page::Ticket => "ticket",
            Page::Message => "message",
            Page::Procedures => "procedures",
            Page::Procedure => "procedure",
            Page::Consent => "consent",
            Page::Scan => "scan",
            Page::Form => "form",
            Page::Review => "review",
            Page::Submitting => "submitting",
            Page::Filed => "filed",
            Page::Lookup => "lookup",
            Page::LookupResult => "lookup-result",
            Page::TechPin => "tech-pin",
            Page::Tech => "tech",
        }
    }
}

/// A service area as the kiosk shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChoice {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
    pub estimated_wait_minutes: u32,
}

/// One request for a ticket: the same key for every retry, so a double tap
/// or a lost answer never makes two tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRequest {
    pub service: String,
    pub priority: Option<String>,
    pub key: String,
}

/// What the printer did with the ticket.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintState {
    Printing,
    Printed { paper_near_end: bool },
    Failed { kind: DeviceErrorKind },
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Reload services and waiting counts from the hub.
    RefreshQueue,
    /// Ask the hub for a ticket.
    IssueTicket(TicketRequest),
    /// Print this ticket.
    PrintTicket {
        ticket: Box<TicketView>,
        qr_payload: String,
    },
    /// Load the procedure catalogue (filing).
    LoadCatalogue,
    /// Send the dossier to the hub with its idempotency key.
    SubmitDossier { key: String, body: FileRequest },
    /// Print the filing receipt, then the linked queue ticket if any.
    PrintFiled(Box<FiledDossier>),
    /// Look a dossier up by its code.
    LookupDossier(String),
    /// Demo mode: the emulated scanner reads the sample ID card.
    DemoScan,
    /// Check a technician PIN (argon2id, off the UI thread).
    CheckPin(String),
    /// Run every diagnostic check.
    RunDiagnostics,
    /// A technician action: test print, probe page, feed and cut, retry
    /// the outbox, refresh the printer status.
    TechAction(crate::apps::diagnostics::Action),
    /// Make a support bundle: to a USB stick, or uploaded to the hub.
    ExportBundle { upload: bool },
    /// Technician mode ended: close the PIN gate.
    CloseTech,
    /// Tell the hub whether the ticket was printed (`None`) or why not.
    ReportPrint {
        ticket: i64,
        failure: Option<String>,
        key: String,
    },
}

/// A message page: what happened and what the citizen can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title_vi: String,
    pub title_en: String,
    pub text_vi: String,
    pub text_en: String,
    pub can_retry: bool,
}

/// Everything the kiosk screen needs, in the current language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KioskView {
    pub page: &'static str,
    pub language: &'static str,
    pub large_text: bool,
    pub waiting_summary: Vec<String>,
    /// (code, prefix, name, detail)
    pub services: Vec<(String, String, String, String)>,
    /// (code, name)
    pub priorities: Vec<(String, String)>,
    pub selected_service_name: String,
    pub ticket_number: String,
    pub ticket_service: String,
    pub ticket_priority: String,
    pub ticket_ahead: String,
    pub ticket_wait: String,
    pub ticket_issued_at: String,
    pub qr_payload: String,
    pub print_state: &'static str,
    pub print_message: String,
    pub preview: Option<Preview>,
    pub message_title: String,
    pub message_text: String,
    pub can_retry: bool,
    pub filing_enabled: bool,
    /// A notice on the home page (the hub is unreachable).
    pub home_notice: String,
    /// (code, name, group, detail)
    pub procedures: Vec<(String, String, String, String)>,
    pub search_text: String,
    pub procedure_name: String,
    pub procedure_documents: Vec<String>,
    pub procedure_fee: String,
    pub procedure_time: String,
    pub procedure_presence: String,
    pub scan_message: String,
    pub scan_failed: bool,
    pub form_fields: Vec<super::filing::FieldView>,
    pub form_summary: String,
    pub keyboard: &'static str,
    pub active_label: String,
    pub active_value: String,
    pub shift: bool,
    pub input_method: &'static str,
    pub review_lines: Vec<String>,
    pub review_fee: String,
    pub filed_code: String,
    pub filed_received: String,
    pub filed_due: String,
    pub filed_fee: String,
    pub filed_collect: String,
    pub filed_ticket: String,
    pub filed_note: String,
    pub lookup_input: String,
    pub lookup_title: String,
    pub lookup_status: String,
    pub lookup_due: String,
    /// (at, label, note)
    pub lookup_timeline: Vec<(String, String, String)>,
    pub tech_pin_dots: String,
    pub tech_message: String,
    pub tech_headline: String,
    pub tech_rows: Vec<super::technician::CheckRow>,
    pub tech_detail_title: String,
    pub tech_detail: Vec<String>,
    pub tech_action_text: String,
    pub tech_action_status: &'static str,
    pub tech_busy: bool,
}

/// The kiosk's state.
#[derive(Debug, Clone)]
pub struct Kiosk {
    page: Page,
    lang: Lang,
    large_text: bool,
    services: Vec<ServiceChoice>,
    priorities: Vec<Priority>,
    selected: Option<String>,
    /// The request in flight, or the one that failed (for "Thử lại").
    request: Option<TicketRequest>,
    in_flight: bool,
    ticket: Option<TicketView>,
    qr_payload: String,
    print: Option<PrintState>,
    preview: Option<Preview>,
    message: Option<Message>,
    last_activity: Duration,
    idle_timeout: Duration,
    qr: QrPolicy,
    filing: Filing,
    today: Option<NaiveDate>,
    /// The last queue refresh failed.
    hub_down: bool,
    tech: super::technician::Technician,
    /// The queue ticket linked to a filed dossier (printed after the receipt).
    linked_ticket: Option<TicketView>,
    ticket_print: Option<PrintState>,
}

impl Kiosk {
    /// A kiosk on its home page. `now` is the UI clock (time since start).
    pub fn new(idle_timeout: Duration, qr: QrPolicy, now: Duration) -> Self {
        Self {
            page: Page::Home,
            lang: Lang::Vi,
            large_text: false,
            services: Vec::new(),
            priorities: Vec::new(),
            selected: None,
            request: None,
            in_flight: false,
            ticket: None,
            qr_payload: String::new(),
            print: None,
            preview: None,
            message: None,
            last_activity: now,
            idle_timeout,
            qr,
            filing: Filing::default(),
            today: None,
            hub_down: false,
            tech: Default::default(),
            linked_ticket: None,
            ticket_print: None,
        }
    }

    pub fn page(&self) -> Page {
        self.page
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn ticket(&self) -> Option<&TicketView> {
        self.ticket.as_ref()
    }

    /// Any touch: the citizen is still there.
    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
    }

    /// The priority categories to offer (from the hub, at start).
    pub fn set_priorities(&mut self, priorities: Vec<Priority>) {
        self.priorities = priorities;
    }

    /// The hub did not answer a refresh: the home page says so, so a
    /// citizen is not left touching buttons that cannot work.
    pub fn queue_failed(&mut self) {
        self.hub_down = true;
    }

    /// Fresh waiting counts from the hub.
    pub fn queue_refreshed(&mut self, queue: &QueueView) {
        self.hub_down = false;
        self.services = queue
            .services
            .iter()
            .map(|s| ServiceChoice {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: s.waiting,
                estimated_wait_minutes: s.estimated_wait_minutes,
            })
            .collect();
    }

    pub fn toggle_language(&mut self, now: Duration) {
        self.touched(now);
        self.lang = match self.lang {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        };
    }

    pub fn toggle_large_text(&mut self, now: Duration) {
        self.touched(now);
        self.large_text = !self.large_text;
    }

    /// Home → choose a service.
    pub fn take_number(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Home {
            return Vec::new();
        }
        self.page = Page::Services;
        vec![Effect::RefreshQueue]
    }

    /// A service was chosen: offer the priority categories (or issue at
    /// once when none are configured).
    pub fn choose_service(&mut self, code: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Services || !self.services.iter().any(|s| s.code == code) {
            return Vec::new();
        }
        self.selected = Some(code.to_owned());
        if self.priorities.is_empty() {
            return self.request_ticket(None);
        }
        self.page = Page::Priority;
        Vec::new()
    }

    /// Normal (`None`) or a priority category: ask the hub for the ticket.
    pub fn choose_priority(&mut self, priority: Option<&str>, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Priority {
            // A second tap while the first is being issued lands here.
            return Vec::new();
        }
        if let Some(p) = priority {
            if !self.priorities.iter().any(|c| c.code == p) {
                return Vec::new();
            }
        }
        self.request_ticket(priority.map(str::to_owned))
    }

    fn request_ticket(&mut self, priority: Option<String>) -> Vec<Effect> {
        let Some(service) = self.selected.clone() else {
            return Vec::new();
        };
        let request = TicketRequest {
            service,
            priority,
            key: uuid::Uuid::new_v4().to_string(),
        };
        self.page = Page::Issuing;
        self.in_flight = true;
        self.request = Some(request.clone());
        vec![Effect::IssueTicket(request)]
    }

    /// "Thử lại" after a failure: the same request, the same key.
    pub fn retry(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Message || self.in_flight {
            return Vec::new();
        }
        if let Some((key, body)) = self.filing.submission.clone() {
            self.page = Page::Submitting;
            self.in_flight = true;
            self.message = None;
            return vec![Effect::SubmitDossier { key, body }];
        }
        let Some(request) = self.request.clone() else {
            return Vec::new();
        };
        self.page = Page::Issuing;
        self.in_flight = true;
        self.message = None;
        vec![Effect::IssueTicket(request)]
    }

    /// The hub answered a ticket request.
    pub fn ticket_issued(
        &mut self,
        key: &str,
        result: Result<TicketView, HubError>,
    ) -> Vec<Effect> {
        if self.request.as_ref().map(|r| r.key.as_str()) != Some(key) {
            // The citizen left (idle reset) before the answer came.
            return Vec::new();
        }
        self.in_flight = false;
        match result {
            Ok(ticket) => {
                self.request = None;
                self.qr_payload = self.qr.ticket_payload(&ticket);
                self.page = Page::Ticket;
                self.print = Some(PrintState::Printing);
                self.preview = None;
                let effect = Effect::PrintTicket {
                    ticket: Box::new(ticket.clone()),
                    qr_payload: self.qr_payload.clone(),
                };
                self.ticket = Some(ticket);
                vec![effect]
            }
            Err(err) => {
                let transient = err.is_transient();
                let (title_vi, title_en) = if err.code() == Some(ErrorCode::DailyCapReached) {
                    ("Đã hết số thứ tự hôm nay", "No more numbers today")
                } else {
                    ("Chưa lấy được số thứ tự", "No ticket yet")
                };
                self.message = Some(Message {
                    title_vi: title_vi.to_owned(),
                    title_en: title_en.to_owned(),
                    text_vi: err.message(false),
                    text_en: err.message(true),
                    can_retry: transient,
                });
                if !transient {
                    self.request = None;
                }
                self.page = Page::Message;
                Vec::new()
            }
        }
    }

    /// The printer finished (or failed) the ticket.
    pub fn printed(&mut self, ticket: i64, outcome: PrintOutcome) -> Vec<Effect> {
        let failure = outcome.result.err();
        let report = Effect::ReportPrint {
            ticket,
            failure: failure.map(|k| k.as_str().to_owned()),
            key: format!("print-{ticket}-{}", uuid::Uuid::new_v4()),
        };
        if self.ticket.as_ref().map(|t| t.id) == Some(ticket) {
            self.print = Some(match outcome.result {
                Ok(near_end) => PrintState::Printed {
                    paper_near_end: near_end,
                },
                Err(kind) => PrintState::Failed { kind },
            });
            self.preview = outcome.preview;
        }
        // The hub hears about it even if the citizen has already left.
        vec![report]
    }

    /// Back one step.
    pub fn back(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        match self.page {
            Page::Services | Page::Procedures | Page::Lookup => self.reset(),
            Page::Priority => self.page = Page::Services,
            Page::Procedure => {
                self.filing.start_search();
                self.page = Page::Procedures;
            }
            Page::Scan => self.page = Page::Consent,
            Page::Form => self.page = Page::Procedure,
            _ => {}
        }
        Vec::new()
    }

    /// "Về trang chủ".
    pub fn go_home(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if matches!(self.page, Page::Issuing | Page::Submitting) {
            return Vec::new();
        }
        self.reset();
        vec![Effect::RefreshQueue]
    }

    /// Clock tick: after the idle timeout everything the citizen entered is
    /// wiped and the kiosk returns home. Returns whether anything changed.
    pub fn tick(&mut self, now: Duration) -> bool {
        self.tick_effects(now).0
    }

    /// [`Kiosk::tick`], with the effects to run (closing technician mode).
    pub fn tick_effects(&mut self, now: Duration) -> (bool, Vec<Effect>) {
        if self.tech.held_long_enough(now) {
            self.reset();
            self.page = Page::TechPin;
            self.touched(now);
            return (true, Vec::new());
        }
        let idle = now.saturating_sub(self.last_activity);
        if matches!(self.page, Page::TechPin | Page::Tech) {
            if idle >= super::technician::IDLE {
                self.reset();
                return (true, vec![Effect::CloseTech]);
            }
            return (false, Vec::new());
        }
        (self.tick_citizen(idle), Vec::new())
    }

    fn tick_citizen(&mut self, idle: Duration) -> bool {
        if matches!(self.page, Page::Home | Page::Issuing | Page::Submitting)
            || idle < self.idle_timeout
        {
            return false;
        }
        self.reset();
        self.lang = Lang::Vi;
        self.large_text = false;
        true
    }

    // ----- Technician mode ----------------------------------------------

    /// The hidden corner is pressed or released.
    pub fn corner(&mut self, pressed: bool, now: Duration) {
        self.tech.corner(pressed, now);
    }

    /// A key of the PIN pad.
    pub fn tech_key(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::TechPin {
            return Vec::new();
        }
        match self.tech.pin_key(key) {
            Some(pin) => vec![Effect::CheckPin(pin)],
            None => Vec::new(),
        }
    }

    /// The PIN gate answered: granted opens the diagnostics.
    pub fn pin_checked(
        &mut self,
        outcome: crate::apps::diagnostics::pin::PinOutcome,
        now: Duration,
    ) -> Vec<Effect> {
        use crate::apps::diagnostics::pin::PinOutcome;
        if self.page != Page::TechPin {
            return Vec::new();
        }
        self.touched(now);
        match outcome {
            PinOutcome::Granted => {
                self.tech.pin_granted();
                self.page = Page::Tech;
                vec![Effect::RunDiagnostics]
            }
            other => {
                self.tech
                    .pin_refused(other.message_vi(), other.message_en());
                Vec::new()
            }
        }
    }

    pub fn diagnostics_done(&mut self, report: crate::apps::diagnostics::Report) {
        if self.page == Page::Tech {
            self.tech.report_ready(report);
        }
    }

    pub fn tech_select(&mut self, name: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page == Page::Tech {
            self.tech.select(name);
        }
        Vec::new()
    }

    /// A button of the diagnostics screen.
    pub fn tech_action(&mut self, action: &str, now: Duration) -> Vec<Effect> {
        use crate::apps::diagnostics::Action;
        self.touched(now);
        if self.page != Page::Tech || self.tech.running {
            return Vec::new();
        }
        let effect = match action {
            "run-all" => Effect::RunDiagnostics,
            "test-print" => Effect::TechAction(Action::TestPrint),
            "probe-print" => Effect::TechAction(Action::ProbePrint),
            "feed-cut" => Effect::TechAction(Action::FeedAndCut),
            "retry-outbox" => Effect::TechAction(Action::RetryOutbox),
            "bundle-usb" => Effect::ExportBundle { upload: false },
            "bundle-hub" => Effect::ExportBundle { upload: true },
            _ => return Vec::new(),
        };
        self.tech.running = true;
        vec![effect]
    }

    pub fn tech_action_done(&mut self, result: crate::apps::diagnostics::CheckResult) {
        if self.page == Page::Tech {
            self.tech.action_done(result);
        }
    }

    /// "Thoát": back to the citizen's home page.
    pub fn tech_exit(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if !matches!(self.page, Page::TechPin | Page::Tech) {
            return Vec::new();
        }
        self.reset();
        vec![Effect::CloseTech, Effect::RefreshQueue]
    }

    fn reset(&mut self) {
        self.tech.reset();
        self.page = Page::Home;
        self.selected = None;
        self.request = None;
        self.in_flight = false;
        self.ticket = None;
        self.qr_payload.clear();
        self.print = None;
        self.preview = None;
        self.message = None;
        self.filing.reset();
        self.linked_ticket = None;
        self.ticket_print = None;
    }

    // ----- Filing ---------------------------------------------------------

    /// The catalogue arrived (or not): filing and lookup show on the home
    /// page only when the hub serves procedures.
    pub fn catalogue_loaded(&mut self, catalogue: Result<CatalogueView, HubError>) {
        match catalogue {
            Ok(c) => self.filing.catalogue = Some(Arc::new(c)),
            Err(err) => tracing::warn!(%err, "no procedure catalogue: filing hidden"),
        }
    }

    pub fn filing_enabled(&self) -> bool {
        self.filing.has_catalogue()
    }

    /// Home → the procedure list.
    pub fn start_filing(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Home {
            return Vec::new();
        }
        if !self.filing.has_catalogue() {
            return vec![Effect::LoadCatalogue];
        }
        self.filing.start_search();
        self.page = Page::Procedures;
        Vec::new()
    }

    pub fn choose_procedure(&mut self, code: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page == Page::Procedures && self.filing.choose(code) {
            self.page = Page::Procedure;
        }
        Vec::new()
    }

    /// A touch that moves from page `from` to page `to`, when on `from`.
    fn step(&mut self, now: Duration, from: Page, to: Page) -> Vec<Effect> {
        self.touched(now);
        if self.page == from {
            self.page = to;
        }
        Vec::new()
    }

    /// What to bring → consent.
    pub fn continue_filing(&mut self, now: Duration) -> Vec<Effect> {
        self.step(now, Page::Procedure, Page::Consent)
    }

    /// The citizen agrees to the card being read, or types instead.
    pub fn consent(&mut self, agree: bool, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Consent {
            return Vec::new();
        }
        self.filing.open_form(agree);
        self.page = if agree { Page::Scan } else { Page::Form };
        Vec::new()
    }

    /// From the scan page: type everything instead.
    pub fn manual_entry(&mut self, now: Duration) -> Vec<Effect> {
        self.step(now, Page::Scan, Page::Form)
    }

    /// Demo mode: read the sample card through the emulated scanner.
    pub fn demo_scan(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page == Page::Scan {
            vec![Effect::DemoScan]
        } else {
            Vec::new()
        }
    }

    /// A line from the scanner. On the scan page (after consent) it is an ID
    /// card; on the lookup page a receipt's QR code; anywhere else it is
    /// dropped — nothing read from a card is kept without consent.
    pub fn scanned(&mut self, raw: &str, now: Duration) -> Vec<Effect> {
        match self.page {
            Page::Scan if self.filing.consented() => {
                self.touched(now);
                // An MRZ comes as three lines; a QR code as one.
                if let Some(parsed) = self.filing.assemble(raw) {
                    if self.filing.card_scanned(parsed).is_ok() {
                        self.page = Page::Form;
                    }
                }
                Vec::new()
            }
            Page::Lookup | Page::LookupResult => {
                self.touched(now);
                if crate::domain::ticket_ref::is_ticket_payload(raw) {
                    self.message = Some(Message {
                        title_vi: String::new(),
                        title_en: String::new(),
                        text_vi:
                            "Đây là mã QR của phiếu số thứ tự, không phải của giấy biên nhận hồ sơ."
                                .into(),
                        text_en: "That is a queue ticket's QR code, not a dossier receipt's."
                            .into(),
                        can_retry: false,
                    });
                    self.page = Page::Lookup;
                    return Vec::new();
                }
                self.filing.focus_lookup();
                self.filing.set_lookup(raw);
                self.lookup(now)
            }
            _ => Vec::new(),
        }
    }

    pub fn focus_field(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page == Page::Form {
            self.filing.focus_field(key);
        }
        Vec::new()
    }

    pub fn choose_option(&mut self, key: &str, value: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page == Page::Form {
            self.filing.choose_option(key, value);
        }
        Vec::new()
    }

    /// A key of the on-screen keyboard.
    pub fn key(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if matches!(self.page, Page::Procedures | Page::Form | Page::Lookup) {
            self.filing.key(key);
            if self.page == Page::Lookup {
                self.message = None;
            }
        }
        Vec::new()
    }

    /// Form → review, when the form is complete and valid.
    pub fn review(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        let today = self.review_date();
        if self.page == Page::Form && self.filing.check(today) {
            self.page = Page::Review;
        }
        Vec::new()
    }

    /// Review → form.
    pub fn edit(&mut self, now: Duration) -> Vec<Effect> {
        self.step(now, Page::Review, Page::Form)
    }

    /// Review → submit, with one idempotency key for every retry.
    pub fn submit(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.page != Page::Review {
            return Vec::new();
        }
        let Some(body) = self.filing.request_body() else {
            return Vec::new();
        };
        let key = uuid::Uuid::new_v4().to_string();
        self.filing.submission = Some((key.clone(), body.clone()));
        self.page = Page::Submitting;
        self.in_flight = true;
        vec![Effect::SubmitDossier { key, body }]
    }

    /// The hub answered the submission.
    pub fn dossier_filed(
        &mut self,
        key: &str,
        result: Result<FiledDossier, HubError>,
    ) -> Vec<Effect> {
        if self.filing.submission.as_ref().map(|(k, _)| k.as_str()) != Some(key) {
            return Vec::new();
        }
        self.in_flight = false;
        match result {
            Ok(filed) => {
                self.page = Page::Filed;
                self.print = Some(PrintState::Printing);
                self.linked_ticket = filed.ticket.clone();
                self.ticket_print = filed.ticket.as_ref().map(|_| PrintState::Printing);
                self.filing.filed = Some(filed.clone());
                vec![Effect::PrintFiled(Box::new(filed))]
            }
            Err(HubError::Refused { fields, .. }) if !fields.is_empty() => {
                // The hub found what the local check did not (a newer
                // catalogue): back to the form with its messages.
                self.filing.submission = None;
                self.filing.set_errors(fields);
                self.page = Page::Form;
                Vec::new()
            }
            Err(err) => {
                let transient = err.is_transient();
                self.message = Some(Message {
                    title_vi: "Chưa nộp được hồ sơ".into(),
                    title_en: "The dossier was not filed yet".into(),
                    text_vi: format!(
                        "{} Hồ sơ bạn đã nhập vẫn còn trên máy: chạm \"Thử lại\".",
                        err.message(false)
                    ),
                    text_en: format!(
                        "{} What you entered is still here: touch \"Try again\".",
                        err.message(true)
                    ),
                    can_retry: transient,
                });
                if !transient {
                    self.filing.submission = None;
                }
                self.page = Page::Message;
                Vec::new()
            }
        }
    }

    /// The receipt (and the linked ticket) came out of the printer, or not.
    pub fn filed_printed(
        &mut self,
        receipt: PrintOutcome,
        ticket: Option<PrintOutcome>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.page == Page::Filed {
            self.print = Some(match receipt.result {
                Ok(near_end) => PrintState::Printed {
                    paper_near_end: near_end,
                },
                Err(kind) => PrintState::Failed { kind },
            });
            self.preview = receipt.preview;
        }
        if let (Some(t), Some(outcome)) = (self.linked_ticket.clone(), ticket) {
            effects.push(Effect::ReportPrint {
                ticket: t.id,
                failure: outcome.result.err().map(|k| k.as_str().to_owned()),
                key: format!("print-{}-{}", t.id, uuid::Uuid::new_v4()),
            });
            self.ticket_print = Some(match outcome.result {
                Ok(near_end) => PrintState::Printed {
                    paper_near_end: near_end,
                },
                Err(kind) => PrintState::Failed { kind },
            });
        }
        effects
    }

    /// Home → lookup.
    pub fn start_lookup(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if !matches!(self.page, Page::Home | Page::LookupResult) {
            return Vec::new();
        }
        self.filing.focus_lookup();
        self.message = None;
        self.page = Page::Lookup;
        Vec::new()
    }

    /// Look up the typed (or scanned) code.
    pub fn lookup(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        let code = self.filing.lookup_input().trim().to_owned();
        if self.page != Page::Lookup || code.is_empty() || self.in_flight {
            return Vec::new();
        }
        self.in_flight = true;
        vec![Effect::LookupDossier(code)]
    }

    pub fn lookup_answered(
        &mut self,
        code: &str,
        result: Result<DossierView, HubError>,
    ) -> Vec<Effect> {
        self.in_flight = false;
        if self.page != Page::Lookup || self.filing.lookup_input().trim() != code {
            return Vec::new();
        }
        match result {
            Ok(view) => {
                self.filing.lookup = Some(view);
                self.page = Page::LookupResult;
            }
            Err(err) => {
                let (vi, en) = if err.code() == Some(ErrorCode::DossierNotFound) {
                    (
                        format!(
                            "Không tìm thấy hồ sơ {code}. Hãy kiểm tra lại mã trên giấy biên nhận."
                        ),
                        format!("No dossier {code}. Please check the code on your receipt."),
                    )
                } else {
                    (err.message(false), err.message(true))
                };
                self.message = Some(Message {
                    title_vi: String::new(),
                    title_en: String::new(),
                    text_vi: vi,
                    text_en: en,
                    can_retry: false,
                });
            }
        }
        Vec::new()
    }

    /// What the screen shows now.
    pub fn view(&self) -> KioskView {
        let l = self.lang;
        let service_name = |code: &str| {
            self.services
                .iter()
                .find(|s| s.code == code)
                .map(|s| l.pick(&s.name_vi, &s.name_en).to_owned())
                .unwrap_or_default()
        };
        let mut view = KioskView {
            page: self.page.as_str(),
            language: l.code(),
            large_text: self.large_text,
            waiting_summary: self
                .services
                .iter()
                .map(|s| {
                    format!(
                        "{} · {}: {}",
                        s.prefix,
                        l.pick(&s.name_vi, &s.name_en),
                        l.people_waiting(s.waiting)
                    )
                })
                .collect(),
            services: self
                .services
                .iter()
                .map(|s| {
                    (
                        s.code.clone(),
                        s.prefix.clone(),
                        l.pick(&s.name_vi, &s.name_en).to_owned(),
                        waiting_detail(l, s.waiting, s.estimated_wait_minutes),
                    )
                })
                .collect(),
            priorities: self
                .priorities
                .iter()
                .map(|p| (p.code.clone(), l.pick(&p.name_vi, &p.name_en).to_owned()))
                .collect(),
            selected_service_name: self
                .selected
                .as_deref()
                .map(service_name)
                .unwrap_or_default(),
            ..KioskView::default()
        };
        if let Some(t) = &self.ticket {
            view.ticket_number = t.number.clone();
            view.ticket_service = l.pick(&t.service_name_vi, &t.service_name_en).to_owned();
            view.ticket_priority = t
                .priority_name_vi
                .as_ref()
                .map(|p| match l {
                    Lang::Vi => format!("Ưu tiên: {p}"),
                    Lang::En => format!("Priority: {p}"),
                })
                .unwrap_or_default();
            view.ticket_ahead = match (l, t.people_ahead) {
                (Lang::Vi, 0) => "Không có ai chờ trước bạn.".to_owned(),
                (Lang::Vi, n) => format!("Có {n} người đang chờ trước bạn."),
                (Lang::En, 0) => "Nobody is waiting ahead of you.".to_owned(),
                (Lang::En, 1) => "1 person is waiting ahead of you.".to_owned(),
                (Lang::En, n) => format!("{n} people are waiting ahead of you."),
            };
            view.ticket_wait = match (l, t.estimated_wait_minutes) {
                (Lang::Vi, 0) => "Bạn sắp được gọi.".to_owned(),
                (Lang::Vi, m) => format!("Thời gian chờ dự kiến: khoảng {m} phút."),
                (Lang::En, 0) => "You will be called shortly.".to_owned(),
                (Lang::En, m) => format!("Estimated wait: about {m} minutes."),
            };
            view.ticket_issued_at = issued_at_text(l, &t.issued_at);
            view.qr_payload = self.qr_payload.clone();
        }
        if let Some(print) = &self.print {
            let (state, message) = if self.page == Page::Filed {
                receipt_print_message(l, print)
            } else {
                print_message(l, print)
            };
            view.print_state = state;
            view.print_message = message;
        }
        view.preview = self.preview.clone();
        if let Some(m) = &self.message {
            view.message_title = l.pick(&m.title_vi, &m.title_en).to_owned();
            view.message_text = l.pick(&m.text_vi, &m.text_en).to_owned();
            view.can_retry = m.can_retry;
        }
        if self.hub_down {
            view.home_notice = l
                .pick(
                    "Máy đang mất kết nối với hệ thống của bộ phận một cửa. Xin hỏi cán bộ tại quầy.",
                    "The kiosk has lost its connection to the office system. Please ask at a counter.",
                )
                .to_owned();
        }
        self.filing_view(&mut view);
        if matches!(self.page, Page::TechPin | Page::Tech) {
            view.tech_pin_dots = self.tech.pin_dots();
            view.tech_message = self.tech.message(l);
            view.tech_headline = self.tech.headline(l);
            view.tech_rows = self.tech.rows(l);
            let (title, detail) = self.tech.detail(l);
            view.tech_detail_title = title;
            view.tech_detail = detail;
            let (text, status) = self.tech.action_text(l);
            view.tech_action_text = text;
            view.tech_action_status = status;
            view.tech_busy = self.tech.running || self.tech.checking_pin;
        }
        view
    }

    fn filing_view(&self, view: &mut KioskView) {
        let l = self.lang;
        let f = &self.filing;
        view.filing_enabled = f.has_catalogue();
        view.keyboard = f.keyboard();
        view.shift = f.shift();
        view.input_method = match f.method() {
            crate::domain::vietnamese_input::InputMethod::Telex => "telex",
            crate::domain::vietnamese_input::InputMethod::Vni => "vni",
        };
        match self.page {
            Page::Procedures => {
                view.procedures = f.procedure_rows(l);
                view.search_text = f.search_text().to_owned();
            }
            Page::Procedure | Page::Consent | Page::Scan => {
                if let Some(p) = f.procedure() {
                    view.procedure_name = l.pick(&p.name_vi, &p.name_en).to_owned();
                    view.procedure_documents = p
                        .documents
                        .iter()
                        .map(|d| {
                            let name = l.pick(&d.name_vi, &d.name_en);
                            match (l, d.original, d.optional) {
                                (Lang::Vi, true, _) => {
                                    format!("{name} (mang bản chính để đối chiếu)")
                                }
                                (Lang::En, true, _) => format!("{name} (bring the original)"),
                                (Lang::Vi, false, true) => format!("{name} (nếu có)"),
                                (Lang::En, false, true) => format!("{name} (if any)"),
                                _ => name.to_owned(),
                            }
                        })
                        .collect();
                    view.procedure_fee = format!(
                        "{}: {}",
                        l.pick("Lệ phí", "Fee"),
                        l.pick(&p.fee_text_vi, &p.fee_text_en)
                    );
                    view.procedure_time = format!(
                        "{}: {}",
                        l.pick("Thời hạn giải quyết", "Processing time"),
                        l.pick(&p.processing_text_vi, &p.processing_text_en)
                    );
                    if p.presence_required {
                        let reason = match l {
                            Lang::Vi => p.presence_reason_vi.clone(),
                            Lang::En => p.presence_reason_en.clone(),
                        }
                        .unwrap_or_default();
                        view.procedure_presence = format!(
                            "{} {reason}",
                            l.pick(
                                "Sau khi nộp, bạn cần đến quầy: máy sẽ in kèm số thứ tự.",
                                "After filing you must come to a counter: a queue ticket is printed with the receipt."
                            )
                        );
                    }
                }
                let (message, failed) = f.scan_message(l);
                view.scan_message = message;
                view.scan_failed = failed;
            }
            Page::Form => {
                view.form_fields = f.field_views(l);
                view.form_summary = f.summary(l);
                if let Some(active) = view.form_fields.iter().find(|v| v.active) {
                    view.active_label = active.label.clone();
                    view.active_value = active.value.clone();
                }
            }
            Page::Review => {
                view.review_lines = f.review_lines(l);
                view.review_fee = f.fee_text(l, self.review_date());
            }
            Page::Filed => {
                if let Some(d) = &f.filed {
                    let at = |s: &str| {
                        chrono::DateTime::parse_from_rfc3339(s)
                            .map(crate::domain::receipt::format_vn_datetime)
                            .unwrap_or_default()
                    };
                    view.filed_code = d.code.clone();
                    view.qr_payload = d.code.clone();
                    view.filed_received = format!(
                        "{}: {}",
                        l.pick("Nhận lúc", "Received at"),
                        at(&d.received_at)
                    );
                    view.filed_due = format!(
                        "{}: {}",
                        l.pick("Hẹn trả kết quả", "Result due"),
                        at(&d.due_at)
                    );
                    view.filed_fee = format!("{}: {}", l.pick("Lệ phí", "Fee"), d.fee_text);
                    view.filed_collect = format!(
                        "{}: {}",
                        l.pick("Nhận kết quả tại", "Collect at"),
                        d.collect_at
                    );
                    view.filed_ticket = match (&self.linked_ticket, &d.ticket_error) {
                        (Some(t), _) => match l {
                            Lang::Vi => {
                                format!("Mời bạn đến quầy với số thứ tự {} (đã in kèm).", t.number)
                            }
                            Lang::En => format!(
                                "Please go to a counter with queue number {} (printed too).",
                                t.number
                            ),
                        },
                        (None, Some(p)) => l.pick(&p.message_vi, &p.message_en).to_owned(),
                        _ => String::new(),
                    };
                    view.filed_note = if d.portal_status
                        == crate::domain::dossier::PortalStatus::Pending
                    {
                        l.pick(
                            "Hồ sơ sẽ được tự động gửi lên Cổng dịch vụ công; bạn không cần làm gì thêm.",
                            "The dossier will be sent to the public service portal automatically; nothing more to do.",
                        )
                        .to_owned()
                    } else {
                        String::new()
                    };
                }
            }
            Page::Lookup => {
                view.lookup_input = f.lookup_input().to_owned();
            }
            Page::LookupResult => {
                if let Some(d) = &f.lookup {
                    view.lookup_title = format!(
                        "{} · {}",
                        d.code,
                        l.pick(&d.procedure_name_vi, &d.procedure_name_en)
                    );
                    view.lookup_status = l.pick(&d.status_vi, &d.status_en).to_owned();
                    view.lookup_due = chrono::DateTime::parse_from_rfc3339(&d.due_at)
                        .map(|t| {
                            format!(
                                "{}: {}",
                                l.pick("Hẹn trả kết quả", "Result due"),
                                crate::domain::receipt::format_vn_datetime(t)
                            )
                        })
                        .unwrap_or_default();
                    view.lookup_timeline = d
                        .timeline
                        .iter()
                        .map(|t| {
                            let at = chrono::DateTime::parse_from_rfc3339(&t.at)
                                .map(|x| x.format("%H:%M %d/%m/%Y").to_string())
                                .unwrap_or_else(|_| t.at.clone());
                            (
                                at,
                                l.pick(&t.label_vi, &t.label_en).to_owned(),
                                t.note.clone().unwrap_or_default(),
                            )
                        })
                        .collect();
                }
            }
            _ => {}
        }
    }

    /// The date fees are computed for on the review page: the office's
    /// today, set by the runtime.
    fn review_date(&self) -> NaiveDate {
        self.today.unwrap_or_default()
    }

    /// The office-local date (the runtime sets it every tick).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
    }
}

/// The sentence about the filing receipt's printing.
fn receipt_print_message(l: Lang, print: &PrintState) -> (&'static str, String) {
    match print {
        PrintState::Printing => ("printing", l.pick("Đang in giấy biên nhận…", "Printing your receipt…").to_owned()),
        PrintState::Printed { .. } => (
            "printed",
            l.pick(
                "Giấy biên nhận đã in xong: giữ lại để nhận kết quả và tra cứu.",
                "Your receipt has been printed: keep it to collect the result and to look the dossier up.",
            )
            .to_owned(),
        ),
        PrintState::Failed { kind } => {
            let why = not_printed(l, *kind, ("giấy biên nhận", "receipt"));
            let keep = l.pick(
                "Hồ sơ của bạn đã được tiếp nhận: hãy chụp ảnh mã hồ sơ trên màn hình; cán bộ tại quầy có thể in lại giấy biên nhận.",
                "Your dossier has been received: take a photo of the code on screen; staff at a counter can reprint the receipt.",
            );
            ("failed", format!("{why} {keep}"))
        }
    }
}

/// "The printer is out of paper, so the ticket was not printed." for the
/// printed `what` (Vietnamese, English), in `l`.
fn not_printed(l: Lang, kind: DeviceErrorKind, what: (&str, &str)) -> String {
    let (vi, en) = wording::not_printed(wording::device_kind(kind), what);
    l.pick(&vi, &en).to_owned()
}

fn waiting_detail(l: Lang, waiting: u32, minutes: u32) -> String {
    match (l, waiting) {
        (Lang::Vi, 0) => "Không có ai chờ".to_owned(),
        (Lang::En, 0) => "Nobody waiting".to_owned(),
        (Lang::Vi, n) => format!("{n} người đang chờ · khoảng {minutes} phút"),
        (Lang::En, n) => format!("{} · about {minutes} min", Lang::En.people_waiting(n)),
    }
}

/// "Lấy lúc 08:30 ngày 26/11/2026" from the hub's local RFC 3339 time.
fn issued_at_text(l: Lang, issued_at: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(issued_at) else {
        return String::new();
    };
    match l {
        Lang::Vi => format!("Lấy lúc {}", t.format("%H:%M ngày %d/%m/%Y")),
        Lang::En => format!("Issued at {}", t.format("%H:%M on %d/%m/%Y")),
    }
}

/// The sentence under the ticket about printing.
pub fn print_message(l: Lang, print: &PrintState) -> (&'static str, String) {
    match print {
        PrintState::Printing => (
            "printing",
            l.pick("Đang in phiếu…", "Printing your ticket…").to_owned(),
        ),
        PrintState::Printed { paper_near_end: _ } => (
            "printed",
            l.pick(
                "Phiếu đã in xong. Mời bạn nhận phiếu ở khe máy in.",
                "Your ticket has been printed. Please take it from the printer slot.",
            )
            .to_owned(),
        ),
        PrintState::Failed { kind } => {
            let why = not_printed(l, *kind, ("phiếu", "ticket"));
            let keep = l.pick(
                "Số của bạn vẫn giữ nguyên: hãy chụp ảnh màn hình này hoặc ghi lại số. Cán bộ tại quầy có thể in lại phiếu cho bạn.",
                "Your number is still valid: take a photo of this screen or write it down. Staff at a counter can reprint it for you.",
            );
            ("failed", format!("{why} {keep}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::TicketState;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn ticket(id: i64, number: &str) -> TicketView {
        TicketView {
            id,
            number: number.to_owned(),
            service: "hotich".into(),
            service_name_vi: "Hộ tịch".into(),
            service_name_en: "Civil status".into(),
            priority: None,
            priority_name_vi: None,
            state: TicketState::Issued,
            business_date: "2026-11-26".parse().unwrap(),
            issued_at: "2026-11-26T08:30:00+07:00".into(),
            called_at: None,
            started_at: None,
            finished_at: None,
            counter: None,
            recall_count: 0,
            transfer_count: 0,
            people_ahead: 3,
            estimated_wait_minutes: 24,
            print_status: None,
            print_error: None,
            dossier_code: None,
            lookup_token: Some("ABCD2345".into()),
        }
    }

    fn queue() -> QueueView {
        serde_json::from_value(serde_json::json!({
            "business_date": "2026-11-26",
            "services": [
                {"code": "hotich", "prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil status", "waiting": 3, "open_counters": 1, "estimated_wait_minutes": 24},
                {"code": "chungthuc", "prefix": "B", "name_vi": "Chứng thực", "name_en": "Certification", "waiting": 0, "open_counters": 1, "estimated_wait_minutes": 0}
            ],
            "counters": [],
            "last_event_id": 0
        }))
        .unwrap()
    }

    fn kiosk() -> Kiosk {
        let mut k = Kiosk::new(secs(90), QrPolicy::default(), secs(0));
        k.queue_refreshed(&queue());
        k.set_priorities(vec![Priority {
            code: "elderly".into(),
            name_vi: "Người cao tuổi".into(),
            name_en: "Elderly".into(),
        }]);
        k
    }

    fn issue_request(effects: &[Effect]) -> TicketRequest {
        match effects {
            [Effect::IssueTicket(r)] => r.clone(),
            other => panic!("expected one IssueTicket, got {other:?}"),
        }
    }

    #[test]
    fn the_queue_flow_issues_prints_and_reports() {
        let mut k = kiosk();
        assert_eq!(k.take_number(secs(1)), vec![Effect::RefreshQueue]);
        assert_eq!(k.page(), Page::Services);
        assert!(k.choose_service("hotich", secs(2)).is_empty());
        assert_eq!(k.page(), Page::Priority);
        assert_eq!(k.view().selected_service_name, "Hộ tịch");
        let req = issue_request(&k.choose_priority(Some("elderly"), secs(3)));
        assert_eq!(req.priority.as_deref(), Some("elderly"));
        assert_eq!(k.page(), Page::Issuing);

        let effects = k.ticket_issued(&req.key, Ok(ticket(7, "A004")));
        assert_eq!(k.page(), Page::Ticket);
        match &effects[..] {
            [Effect::PrintTicket { ticket, qr_payload }] => {
                assert_eq!(ticket.number, "A004");
                assert_eq!(qr_payload, "MOTCUA:T:7:ABCD2345");
            }
            other => panic!("{other:?}"),
        }
        let v = k.view();
        assert_eq!(v.ticket_number, "A004");
        assert_eq!(v.ticket_ahead, "Có 3 người đang chờ trước bạn.");
        assert_eq!(v.ticket_wait, "Thời gian chờ dự kiến: khoảng 24 phút.");
        assert_eq!(v.ticket_issued_at, "Lấy lúc 08:30 ngày 26/11/2026");
        assert_eq!(v.print_state, "printing");

        let effects = k.printed(
            7,
            PrintOutcome {
                result: Ok(false),
                preview: None,
            },
        );
        assert!(matches!(
            &effects[..],
            [Effect::ReportPrint {
                ticket: 7,
                failure: None,
                ..
            }]
        ));
        assert_eq!(k.view().print_state, "printed");
    }

    #[test]
    fn a_double_tap_issues_one_ticket() {
        let mut k = kiosk();
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        let first = k.choose_priority(None, secs(3));
        assert_eq!(first.len(), 1);
        assert!(
            k.choose_priority(None, secs(3)).is_empty(),
            "second tap ignored"
        );
        assert!(k.choose_service("hotich", secs(3)).is_empty());
    }

    #[test]
    fn a_lost_answer_is_retried_with_the_same_key() {
        let mut k = kiosk();
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        let req = issue_request(&k.choose_priority(None, secs(3)));
        k.ticket_issued(
            &req.key,
            Err(HubError::Unreachable("connection refused".into())),
        );
        assert_eq!(k.page(), Page::Message);
        let v = k.view();
        assert!(v.can_retry);
        assert!(
            v.message_text.contains("chưa kết nối được"),
            "{}",
            v.message_text
        );
        let again = issue_request(&k.retry(secs(10)));
        assert_eq!(again, req, "same service, same key");
    }

    #[test]
    fn daily_cap_is_explained_without_retry() {
        let mut k = kiosk();
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        let req = issue_request(&k.choose_priority(None, secs(3)));
        k.ticket_issued(
            &req.key,
            Err(HubError::Refused {
                status: 409,
                code: ErrorCode::DailyCapReached,
                message_vi: "Hôm nay đã hết số thứ tự cho \"Hộ tịch\" (999 số).".into(),
                message_en: "All 999 numbers…".into(),
                fields: Default::default(),
            }),
        );
        let v = k.view();
        assert_eq!(v.message_title, "Đã hết số thứ tự hôm nay");
        assert!(!v.can_retry);
        assert!(k.retry(secs(4)).is_empty());
    }

    #[test]
    fn a_print_failure_keeps_the_number_and_says_why() {
        let mut k = kiosk();
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        let req = issue_request(&k.choose_priority(None, secs(3)));
        k.ticket_issued(&req.key, Ok(ticket(9, "A005")));
        let effects = k.printed(
            9,
            PrintOutcome {
                result: Err(DeviceErrorKind::PaperOut),
                preview: None,
            },
        );
        match &effects[..] {
            [Effect::ReportPrint { failure, .. }] => {
                assert_eq!(failure.as_deref(), Some("paper_out"))
            }
            other => panic!("{other:?}"),
        }
        let v = k.view();
        assert_eq!(v.page, "ticket");
        assert_eq!(v.ticket_number, "A005");
        assert_eq!(v.print_state, "failed");
        assert!(
            v.print_message.starts_with("Máy in đã hết giấy"),
            "{}",
            v.print_message
        );
        assert!(v.print_message.contains("in lại phiếu"));
    }

    #[test]
    fn idle_timeout_wipes_everything_and_returns_home() {
        let mut k = kiosk();
        k.toggle_language(secs(1));
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        assert!(!k.tick(secs(91)), "89 s idle: nothing happens");
        assert!(k.tick(secs(92)));
        assert_eq!(k.page(), Page::Home);
        assert_eq!(k.lang(), Lang::Vi);
        let v = k.view();
        assert_eq!(v.selected_service_name, "");
        assert_eq!(v.ticket_number, "");
        // An answer for the wiped request is ignored.
        assert!(k.ticket_issued("old", Ok(ticket(1, "A001"))).is_empty());
        assert_eq!(k.page(), Page::Home);
    }

    #[test]
    fn touches_postpone_the_idle_timeout() {
        let mut k = kiosk();
        k.take_number(secs(0));
        k.touched(secs(80));
        assert!(!k.tick(secs(160)));
        assert!(k.tick(secs(171)));
    }

    #[test]
    fn english_view() {
        let mut k = kiosk();
        k.toggle_language(secs(0));
        let v = k.view();
        assert_eq!(v.language, "en");
        assert_eq!(v.services[0].2, "Civil status");
        assert_eq!(v.services[0].3, "3 waiting · about 24 min");
        assert_eq!(v.waiting_summary[1], "B · Certification: 0 waiting");
    }

    #[test]
    fn qr_links_when_a_public_url_is_configured() {
        let policy = QrPolicy {
            public_url: Some("https://motcua.example.vn/".into()),
        };
        assert_eq!(
            policy.ticket_payload(&ticket(12, "A001")),
            "https://motcua.example.vn/t/12?k=ABCD2345"
        );
    }
}
