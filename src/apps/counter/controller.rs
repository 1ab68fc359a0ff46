//! The counter app's behaviour as plain Rust: sign-in, the one-keystroke
//! actions (F1 call next … F7 pause/open), the current ticket and the
//! dossier the citizen filed, waiting counts, tickets to reprint, and the
//! rating of the ticket just finished.
//!
//! Like the kiosk's, [`Counter`] is a state machine: inputs (keys, hub
//! answers, live events, the clock) change the state and return
//! [`Effect`]s for the runtime; [`Counter::view`] renders the state into
//! strings. One action is in flight at a time: a second F1 while the first
//! call is on its way does nothing (the key repeats; the queue must not
//! skip a citizen).

use chrono::{DateTime, Utc};

use crate::apps::events::SseMessage;
use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use motcua_api::{
    CounterState, CounterView, Device, DeviceEvent, DeviceState, DeviceStateView, HubEvent,
    KioskDevices, Officer, QueueView, SignedIn, TicketView,
};

/// The two pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    Work,
}

/// What the officer asks of the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    CallNext,
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer(String),
    Pause,
    Open,
}

impl Command {
    /// The hub route under `/api/v1/counters/{n}/`.
    pub fn route(&self) -> &'static str {
        match self {
            Command::CallNext => "call-next",
            Command::Recall => "recall",
            Command::Start => "start",
            Command::Finish => "finish",
            Command::NoShow => "no-show",
            Command::Transfer(_) => "transfer",
            Command::Pause => "pause",
            Command::Open => "open",
        }
    }
}

/// A ticket as the counter knows it, with the dossier it was issued for
/// (filed at the kiosk), when the hub names one.
#[derive(Debug, Clone, PartialEq)]
pub struct CounterTicket {
    pub ticket: TicketView,
    pub dossier_code: Option<String>,
}

impl CounterTicket {
    pub fn new(ticket: TicketView) -> Self {
        let dossier_code = ticket.dossier_code.clone();
        Self {
            ticket,
            dossier_code,
        }
    }

    /// Reads a ticket from the hub's JSON.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(value.clone()).ok().map(Self::new)
    }
}

/// What an action's answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `204`: nobody is waiting.
    Nothing,
    Ticket(CounterTicket),
    Counter(CounterView),
}

/// The dossier's data, as label/value lines for the officer to check
/// against the originals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierInfo {
    pub code: String,
    pub title: String,
    pub lines: Vec<(String, String)>,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    SignIn {
        code: String,
        pin: String,
    },
    SignOut,
    /// Reload the queue and the tickets to reprint.
    Load,
    /// Start listening to the hub's events (after the first load).
    Listen {
        last_event_id: i64,
    },
    Act {
        command: Command,
        key: String,
    },
    LoadDossier(String),
    Reprint(Box<TicketView>),
    /// Tell the hub the reprint came out.
    ReportReprinted {
        ticket: i64,
        key: String,
    },
    /// Open the rating of a finished ticket on the citizen panel.
    Rate {
        ticket: i64,
        number: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Note {
    vi: String,
    en: String,
    error: bool,
}

/// A waiting count of a service this counter serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
}

/// The counter app's state.
#[derive(Debug, Clone)]
pub struct Counter {
    /// Kiosks out of service: name → (vi, en) problem.
    kiosks_out: std::collections::BTreeMap<String, (String, String)>,
    counter: u32,
    page: Page,
    lang: Lang,
    signing_in: bool,
    officer: Option<Officer>,
    state: CounterState,
    /// Every service (transfer targets); `serves` marks this counter's.
    services: Vec<Waiting>,
    serves: Vec<String>,
    current: Option<CounterTicket>,
    dossier: Option<DossierInfo>,
    print_failed: Vec<TicketView>,
    reprinting: Option<i64>,
    has_printer: bool,
    busy: Option<Command>,
    transfer_open: bool,
    note: Option<Note>,
    loaded: bool,
    listening: bool,
    last_event_id: i64,
}

/// Everything the counter screen needs, in the officer's language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CounterScreen {
    /// Kiosks of the office out of service, in words (empty when none).
    pub kiosk_banner: String,
    pub page: &'static str,
    pub language: &'static str,
    pub counter_title: String,
    pub officer_name: String,
    pub counter_state: String,
    pub counter_state_text: String,
    pub signing_in: bool,
    pub has_ticket: bool,
    pub ticket_number: String,
    pub ticket_service: String,
    pub ticket_priority: String,
    pub ticket_state_text: String,
    pub ticket_wait: String,
    pub has_dossier: bool,
    pub dossier_title: String,
    pub dossier_lines: Vec<(String, String)>,
    /// (code, "A · Hộ tịch", "4 người chờ")
    pub waiting: Vec<(String, String, String)>,
    /// (ticket id, number, detail)
    pub print_failed: Vec<(i64, String, String)>,
    pub has_printer: bool,
    pub busy: bool,
    pub message: String,
    pub message_is_error: bool,
    pub can_call: bool,
    pub can_recall: bool,
    pub can_start: bool,
    pub can_finish: bool,
    pub can_no_show: bool,
    pub can_transfer: bool,
    pub paused: bool,
    pub closed: bool,
    pub transfer_open: bool,
    /// (code, "B · Chứng thực") of the other services.
    pub transfer_targets: Vec<(String, String)>,
}

impl Counter {
    pub fn new(counter: u32, has_printer: bool) -> Self {
        Self {
            counter,
            page: Page::SignIn,
            lang: Lang::Vi,
            signing_in: false,
            officer: None,
            state: CounterState::Closed,
            services: Vec::new(),
            serves: Vec::new(),
            current: None,
            dossier: None,
            print_failed: Vec::new(),
            kiosks_out: Default::default(),
            reprinting: None,
            has_printer,
            busy: None,
            transfer_open: false,
            note: None,
            loaded: false,
            listening: false,
            last_event_id: 0,
        }
    }

    pub fn page(&self) -> Page {
        self.page
    }

    pub fn counter(&self) -> u32 {
        self.counter
    }

    pub fn officer(&self) -> Option<&Officer> {
        self.officer.as_ref()
    }

    pub fn current(&self) -> Option<&CounterTicket> {
        self.current.as_ref()
    }

    pub fn toggle_language(&mut self) {
        self.lang = match self.lang {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        };
    }

    fn say(&mut self, vi: impl Into<String>, en: impl Into<String>, error: bool) {
        self.note = Some(Note {
            vi: vi.into(),
            en: en.into(),
            error,
        });
    }

    fn hub_error(&mut self, err: &HubError) {
        self.say(err.message(false), err.message(true), true);
    }

    /// The officer pressed "Đăng nhập".
    pub fn sign_in(&mut self, code: &str, pin: &str) -> Vec<Effect> {
        if self.page != Page::SignIn || self.signing_in {
            return Vec::new();
        }
        let code = code.trim().to_lowercase();
        if code.is_empty() || pin.is_empty() {
            self.say(
                "Hãy nhập mã cán bộ và mã PIN.",
                "Enter your staff code and PIN.",
                true,
            );
            return Vec::new();
        }
        self.signing_in = true;
        self.note = None;
        vec![Effect::SignIn {
            code,
            pin: pin.to_owned(),
        }]
    }

    /// The hub answered the sign-in.
    pub fn signed_in(&mut self, result: Result<SignedIn, HubError>) -> Vec<Effect> {
        self.signing_in = false;
        match result {
            Ok(s) => {
                self.say(
                    format!("Xin chào {}. Nhấn F1 để gọi số.", s.officer.name),
                    format!("Welcome, {}. Press F1 to call a number.", s.officer.name),
                    false,
                );
                self.officer = Some(s.officer);
                self.page = Page::Work;
                vec![Effect::Load]
            }
            Err(err) => {
                self.hub_error(&err);
                Vec::new()
            }
        }
    }

    /// "Đăng xuất".
    pub fn sign_out(&mut self) -> Vec<Effect> {
        if self.page != Page::Work {
            return Vec::new();
        }
        self.page = Page::SignIn;
        self.officer = None;
        self.transfer_open = false;
        self.busy = None;
        self.loaded = false;
        self.listening = false;
        self.say("Đã đăng xuất.", "Signed out.", false);
        vec![Effect::SignOut]
    }

    /// The session is no longer valid (expired, or the hub restarted with
    /// another configuration).
    fn session_lost(&mut self) {
        self.page = Page::SignIn;
        self.loaded = false;
        self.listening = false;
        self.officer = None;
        self.busy = None;
        self.transfer_open = false;
        self.say(
            "Phiên đăng nhập đã hết hạn. Xin đăng nhập lại.",
            "Your session has expired. Please sign in again.",
            true,
        );
    }

    /// A snapshot of the queue and of the tickets to reprint.
    pub fn loaded(&mut self, queue: &QueueView, print_failed: Vec<TicketView>) -> Vec<Effect> {
        self.services = queue
            .services
            .iter()
            .map(|s| Waiting {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: s.waiting,
            })
            .collect();
        let mut effects = Vec::new();
        if let Some(c) = queue.counters.iter().find(|c| c.number == self.counter) {
            self.state = c.state;
            self.serves = c.services.clone();
            let current = c.current.clone().map(CounterTicket::new);
            effects.extend(self.set_current(current));
        }
        self.print_failed = print_failed;
        self.last_event_id = self.last_event_id.max(queue.last_event_id);
        let first = !self.loaded;
        self.loaded = true;
        if first && self.state == CounterState::Closed {
            // An officer who signs in is at work: the counter opens.
            effects.extend(self.command(Command::Open));
        }
        if !self.listening {
            self.listening = true;
            effects.push(Effect::Listen {
                last_event_id: queue.last_event_id,
            });
        }
        effects
    }

    /// Replaces the current ticket; asks for its dossier when it has one.
    fn set_current(&mut self, ticket: Option<CounterTicket>) -> Vec<Effect> {
        let old_code = self.current.as_ref().and_then(|c| c.dossier_code.clone());
        // Keep a dossier link already known for the same ticket.
        let ticket = ticket.map(|mut t| {
            if t.dossier_code.is_none() {
                if let Some(old) = &self.current {
                    if old.ticket.id == t.ticket.id {
                        t.dossier_code = old.dossier_code.clone();
                    }
                }
            }
            t
        });
        let new_code = ticket.as_ref().and_then(|c| c.dossier_code.clone());
        self.current = ticket;
        match new_code {
            Some(code) if Some(&code) != old_code.as_ref() || self.dossier.is_none() => {
                self.dossier = None;
                vec![Effect::LoadDossier(code)]
            }
            Some(_) => Vec::new(),
            None => {
                self.dossier = None;
                Vec::new()
            }
        }
    }

    /// The dossier of the current ticket arrived (JSON of
    /// `GET /api/v1/dossiers/{code}`).
    pub fn dossier_loaded(&mut self, code: &str, result: Result<serde_json::Value, HubError>) {
        let still_current = self
            .current
            .as_ref()
            .and_then(|c| c.dossier_code.as_deref())
            == Some(code);
        if !still_current {
            return;
        }
        match result {
            Ok(v) => self.dossier = Some(dossier_info(code, &v, self.lang)),
            Err(err) => {
                tracing::warn!(%err, dossier = code, "cannot load the dossier");
                self.dossier = Some(DossierInfo {
                    code: code.to_owned(),
                    title: format!("Hồ sơ {code}"),
                    lines: vec![(
                        self.lang.pick("Lỗi", "Error").to_owned(),
                        err.message(self.lang == Lang::En),
                    )],
                });
            }
        }
    }

    /// Which actions make sense now.
    fn can(&self) -> Can {
        let state = self.current.as_ref().map(|c| c.ticket.state.as_str());
        let at_counter = matches!(state, Some("called") | Some("serving"));
        let idle = self.busy.is_none() && self.loaded && self.page == Page::Work;
        Can {
            call: idle && self.state != CounterState::Paused && state != Some("called"),
            recall: idle && state == Some("called"),
            start: idle && state == Some("called"),
            finish: idle && at_counter,
            no_show: idle && state == Some("called"),
            transfer: idle && at_counter,
        }
    }

    /// A key or button: F1 … F7.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        if self.page != Page::Work || self.busy.is_some() || !self.loaded {
            return Vec::new();
        }
        let can = self.can();
        let allowed = match &command {
            Command::CallNext => can.call,
            Command::Recall => can.recall,
            Command::Start => can.start,
            Command::Finish => can.finish,
            Command::NoShow => can.no_show,
            Command::Transfer(code) => {
                can.transfer
                    && self
                        .current
                        .as_ref()
                        .is_some_and(|c| &c.ticket.service != code)
            }
            Command::Pause => self.state == CounterState::Open,
            Command::Open => self.state != CounterState::Open,
        };
        if !allowed {
            return Vec::new();
        }
        self.transfer_open = false;
        self.busy = Some(command.clone());
        self.note = None;
        vec![Effect::Act {
            command,
            key: uuid::Uuid::new_v4().to_string(),
        }]
    }

    /// F7: pause an open counter, open a paused or closed one.
    pub fn toggle_pause(&mut self) -> Vec<Effect> {
        if self.state == CounterState::Open {
            self.command(Command::Pause)
        } else {
            self.command(Command::Open)
        }
    }

    /// F6: choose the service to send the citizen to.
    pub fn open_transfer(&mut self) {
        if self.can().transfer {
            self.transfer_open = true;
        }
    }

    pub fn cancel_transfer(&mut self) {
        self.transfer_open = false;
    }

    /// The hub answered an action.
    pub fn acted(&mut self, command: &Command, result: Result<Answer, HubError>) -> Vec<Effect> {
        if self.busy.as_ref() != Some(command) {
            return Vec::new();
        }
        self.busy = None;
        let answer = match result {
            Ok(a) => a,
            Err(err) => {
                if matches!(err, HubError::Refused { status: 401, .. }) {
                    self.session_lost();
                    return Vec::new();
                }
                self.hub_error(&err);
                return Vec::new();
            }
        };
        let previous = self.current.clone();
        let mut effects = Vec::new();
        match (command, answer) {
            (Command::CallNext, Answer::Nothing) => {
                // A serving ticket was finished by "next" even so.
                if let Some(p) = previous.filter(|p| p.ticket.state.as_str() == "serving") {
                    effects.push(rate(&p.ticket));
                }
                effects.extend(self.set_current(None));
                self.say(
                    "Không còn ai chờ ở các lĩnh vực của quầy này.",
                    "Nobody is waiting for this counter's services.",
                    false,
                );
            }
            (Command::CallNext, Answer::Ticket(t)) => {
                if let Some(p) = previous.filter(|p| p.ticket.state.as_str() == "serving") {
                    effects.push(rate(&p.ticket));
                }
                self.state = CounterState::Open;
                self.say(
                    format!("Đã gọi số {}.", t.ticket.number),
                    format!("Called {}.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(Some(t)));
            }
            (Command::Finish, Answer::Ticket(t)) => {
                self.say(
                    format!(
                        "Đã hoàn thành số {}. Mời công dân đánh giá.",
                        t.ticket.number
                    ),
                    format!(
                        "{} is done. Please invite the citizen to rate.",
                        t.ticket.number
                    ),
                    false,
                );
                effects.push(rate(&t.ticket));
                effects.extend(self.set_current(None));
            }
            (Command::NoShow, Answer::Ticket(t)) => {
                self.say(
                    format!("Số {} vắng mặt.", t.ticket.number),
                    format!("{} did not come.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(None));
            }
            (Command::Transfer(_), Answer::Ticket(t)) => {
                let to = l_service(self.lang, &t.ticket);
                self.say(
                    format!(
                        "Đã chuyển số {} sang {}.",
                        t.ticket.number, t.ticket.service_name_vi
                    ),
                    format!("{} moved to {to}.", t.ticket.number),
                    false,
                );
                effects.extend(self.set_current(None));
            }
            (Command::Recall | Command::Start, Answer::Ticket(t)) => {
                if *command == Command::Recall {
                    self.say(
                        format!("Đã gọi lại số {}.", t.ticket.number),
                        format!("Called {} again.", t.ticket.number),
                        false,
                    );
                }
                effects.extend(self.set_current(Some(t)));
            }
            (Command::Pause | Command::Open, Answer::Counter(c)) => {
                self.state = c.state;
                if c.state == CounterState::Paused {
                    self.say(
                        "Quầy đang tạm dừng: không nhận số mới. Nhấn F7 để mở lại.",
                        "The counter is paused: no new calls. Press F7 to open it.",
                        false,
                    );
                } else {
                    self.say("Quầy đã mở.", "The counter is open.", false);
                }
            }
            (_, other) => {
                tracing::warn!(?command, ?other, "unexpected answer from the hub");
            }
        }
        effects
    }

    /// "In lại" on a ticket the kiosk could not print.
    pub fn reprint(&mut self, ticket: i64) -> Vec<Effect> {
        if !self.has_printer || self.reprinting.is_some() {
            return Vec::new();
        }
        let Some(t) = self.print_failed.iter().find(|t| t.id == ticket) else {
            return Vec::new();
        };
        self.reprinting = Some(ticket);
        vec![Effect::Reprint(Box::new(t.clone()))]
    }

    /// The counter's printer finished (or failed) a reprint.
    pub fn reprinted(&mut self, ticket: i64, result: Result<(), String>) -> Vec<Effect> {
        if self.reprinting != Some(ticket) {
            return Vec::new();
        }
        self.reprinting = None;
        let number = self
            .print_failed
            .iter()
            .find(|t| t.id == ticket)
            .map(|t| t.number.clone())
            .unwrap_or_default();
        match result {
            Ok(()) => {
                self.print_failed.retain(|t| t.id != ticket);
                self.say(
                    format!("Đã in lại phiếu {number}."),
                    format!("Ticket {number} reprinted."),
                    false,
                );
                vec![Effect::ReportReprinted {
                    ticket,
                    key: format!("reprint-{ticket}-{}", uuid::Uuid::new_v4()),
                }]
            }
            Err(why) => {
                self.say(
                    format!("Chưa in lại được phiếu {number}: {why}"),
                    format!("Ticket {number} was not reprinted: {why}"),
                    true,
                );
                Vec::new()
            }
        }
    }

    /// The hub's health answer: which kiosks are out of service now.
    pub fn kiosks_loaded(&mut self, kiosks: &[KioskDevices]) {
        self.kiosks_out.clear();
        for k in kiosks.iter().filter(|k| k.out_of_service) {
            let problem = k.devices.iter().find(|d| d.state == DeviceState::Fault);
            let said = |pick: fn(&DeviceStateView) -> &str| {
                problem.map(pick).unwrap_or_default().to_owned()
            };
            self.kiosks_out.insert(
                k.kiosk.clone(),
                (said(|d| &d.message_vi), said(|d| &d.message_en)),
            );
        }
    }

    /// A device event: a kiosk went out of service, or came back.
    fn device_event(&mut self, event: &DeviceEvent, fault: bool) {
        if event.out_of_service {
            self.kiosks_out.insert(
                event.kiosk.clone(),
                (event.message_vi.clone(), event.message_en.clone()),
            );
        } else if event.device == Device::Printer && !fault {
            self.kiosks_out.remove(&event.kiosk);
        }
    }

    /// An event from the hub's stream.
    pub fn event(&mut self, message: &SseMessage) -> Vec<Effect> {
        let Some(read) = message.read() else {
            return Vec::new();
        };
        if let HubEvent::Resync(resync) = &read.event {
            self.last_event_id = self.last_event_id.max(resync.last_event_id);
            return vec![Effect::Load];
        }
        let Some(id) = read.id else {
            return Vec::new();
        };
        if id <= self.last_event_id {
            return Vec::new();
        }
        self.last_event_id = id;
        match &read.event {
            HubEvent::DeviceFault(d) => {
                self.device_event(d, true);
                return Vec::new();
            }
            HubEvent::DeviceWarning(d) | HubEvent::DeviceRecovered(d) => {
                self.device_event(d, false);
                return Vec::new();
            }
            HubEvent::CounterOpened(c)
            | HubEvent::CounterPaused(c)
            | HubEvent::CounterClosed(c) => {
                if c.counter.number == self.counter {
                    self.state = c.counter.state;
                }
                return Vec::new();
            }
            _ => {}
        }
        for (code, n) in read.event.waiting().into_iter().flatten() {
            if let Some(s) = self.services.iter_mut().find(|s| &s.code == code) {
                s.waiting = *n;
            }
        }
        let Some(t) = read.event.ticket() else {
            return Vec::new();
        };
        // Tickets to reprint.
        match &read.event {
            HubEvent::TicketPrintFailed(_) => {
                if !self.print_failed.iter().any(|p| p.id == t.id) {
                    self.print_failed.push(t.clone());
                }
            }
            HubEvent::TicketPrinted(_) => self.print_failed.retain(|p| p.id != t.id),
            _ => {
                if t.state.is_final() {
                    self.print_failed.retain(|p| p.id != t.id);
                } else if let Some(p) = self.print_failed.iter_mut().find(|p| p.id == t.id) {
                    *p = t.clone();
                }
            }
        }
        // The current ticket, if someone else (a technician, this counter's
        // other window) moved it.
        let mine = t.counter == Some(self.counter) && t.state.is_at_counter();
        let was_current = self.current.as_ref().is_some_and(|c| c.ticket.id == t.id);
        if self.busy.is_none() {
            if mine {
                return self.set_current(Some(CounterTicket::new(t.clone())));
            }
            if was_current {
                return self.set_current(None);
            }
        }
        Vec::new()
    }

    /// What the screen shows at `now`.
    pub fn view(&self, now: DateTime<Utc>) -> CounterScreen {
        let l = self.lang;
        let serves = |s: &Waiting| self.serves.iter().any(|c| c == &s.code);
        let open = self.state == CounterState::Open;
        let can = self.can();
        let mut view = CounterScreen {
            kiosk_banner: self
                .kiosks_out
                .iter()
                .map(|(kiosk, (vi, en))| match (l, vi.is_empty()) {
                    (Lang::Vi, false) => format!("{vi} Ki-ốt này đang ngừng phục vụ."),
                    (Lang::En, false) => format!("{en} This kiosk is out of service."),
                    (Lang::Vi, true) => format!("Ki-ốt {kiosk} đang ngừng phục vụ."),
                    (Lang::En, true) => format!("Kiosk {kiosk} is out of service."),
                })
                .collect::<Vec<_>>()
                .join(" · "),
            page: match self.page {
                Page::SignIn => "sign-in",
                Page::Work => "work",
            },
            language: l.code(),
            counter_title: match l {
                Lang::Vi => format!("Quầy số {}", self.counter),
                Lang::En => format!("Counter {}", self.counter),
            },
            officer_name: self
                .officer
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            counter_state: self.state.as_str().to_owned(),
            counter_state_text: match (l, self.state) {
                (Lang::Vi, CounterState::Open) => "Đang mở",
                (Lang::Vi, CounterState::Paused) => "Tạm dừng",
                (Lang::Vi, CounterState::Closed) => "Đóng",
                (Lang::En, CounterState::Open) => "Open",
                (Lang::En, CounterState::Paused) => "Paused",
                (Lang::En, CounterState::Closed) => "Closed",
            }
            .to_owned(),
            signing_in: self.signing_in,
            waiting: self
                .services
                .iter()
                .filter(|s| serves(s))
                .map(|s| {
                    (
                        s.code.clone(),
                        format!("{} · {}", s.prefix, l.pick(&s.name_vi, &s.name_en)),
                        l.people_waiting(s.waiting),
                    )
                })
                .collect(),
            print_failed: self
                .print_failed
                .iter()
                .map(|t| {
                    let (vi, en) = crate::domain::wording::kind_words(
                        motcua_api::DeviceKind::parse(t.print_error.as_deref().unwrap_or_default()),
                    );
                    let why = l.pick(vi, en);
                    let detail = match l {
                        Lang::Vi => format!("{} · lỗi máy in: {why}", t.service_name_vi),
                        Lang::En => format!("{} · printer error: {why}", t.service_name_en),
                    };
                    (t.id, t.number.clone(), detail)
                })
                .collect(),
            has_printer: self.has_printer,
            busy: self.busy.is_some() || self.reprinting.is_some(),
            can_call: can.call,
            can_recall: can.recall,
            can_start: can.start,
            can_finish: can.finish,
            can_no_show: can.no_show,
            can_transfer: can.transfer,
            paused: !open,
            closed: self.state == CounterState::Closed,
            transfer_open: self.transfer_open,
            transfer_targets: self
                .services
                .iter()
                .filter(|s| {
                    self.current
                        .as_ref()
                        .is_none_or(|c| c.ticket.service != s.code)
                })
                .map(|s| {
                    (
                        s.code.clone(),
                        format!("{} · {}", s.prefix, l.pick(&s.name_vi, &s.name_en)),
                    )
                })
                .collect(),
            ..CounterScreen::default()
        };
        if let Some(c) = &self.current {
            let t = &c.ticket;
            view.has_ticket = true;
            view.ticket_number = t.number.clone();
            view.ticket_service = l_service(l, t);
            view.ticket_priority = t
                .priority_name_vi
                .as_ref()
                .map(|p| match l {
                    Lang::Vi => format!("Ưu tiên: {p}"),
                    Lang::En => format!("Priority: {p}"),
                })
                .unwrap_or_default();
            view.ticket_state_text = match (l, t.state.as_str(), t.recall_count) {
                (Lang::Vi, "called", 0) => "Đã gọi, chờ công dân đến quầy".to_owned(),
                (Lang::Vi, "called", n) => format!("Đã gọi lại {n} lần, chờ công dân đến quầy"),
                (Lang::Vi, "serving", _) => "Đang phục vụ".to_owned(),
                (Lang::En, "called", 0) => "Called, waiting for the citizen".to_owned(),
                (Lang::En, "called", n) => format!("Called again {n}×, waiting for the citizen"),
                (Lang::En, "serving", _) => "Being served".to_owned(),
                (_, other, _) => other.to_owned(),
            };
            view.ticket_wait = wait_text(l, t, now);
        }
        if let Some(d) = &self.dossier {
            view.has_dossier = true;
            view.dossier_title = d.title.clone();
            view.dossier_lines = d.lines.clone();
        } else if let Some(code) = self.current.as_ref().and_then(|c| c.dossier_code.clone()) {
            view.has_dossier = true;
            view.dossier_title = match l {
                Lang::Vi => format!("Hồ sơ {code} (đang tải…)"),
                Lang::En => format!("Dossier {code} (loading…)"),
            };
        }
        if let Some(n) = &self.note {
            view.message = l.pick(&n.vi, &n.en).to_owned();
            view.message_is_error = n.error;
        }
        view
    }
}

#[derive(Debug, Clone, Copy)]
struct Can {
    call: bool,
    recall: bool,
    start: bool,
    finish: bool,
    no_show: bool,
    transfer: bool,
}

fn rate(t: &TicketView) -> Effect {
    Effect::Rate {
        ticket: t.id,
        number: t.number.clone(),
    }
}

fn l_service(l: Lang, t: &TicketView) -> String {
    l.pick(&t.service_name_vi, &t.service_name_en).to_owned()
}

fn minutes_between(from: &str, to: DateTime<Utc>) -> Option<i64> {
    let from = DateTime::parse_from_rfc3339(from).ok()?;
    Some(((to - from.with_timezone(&Utc)).num_seconds().max(0)) / 60)
}

/// "Đã chờ 12 phút · đang phục vụ 3 phút".
fn wait_text(l: Lang, t: &TicketView, now: DateTime<Utc>) -> String {
    let called = t
        .called_at
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|c| c.with_timezone(&Utc))
        .unwrap_or(now);
    let waited = minutes_between(&t.issued_at, called).unwrap_or(0);
    let mut text = match l {
        Lang::Vi => format!("Đã chờ {waited} phút"),
        Lang::En => format!("Waited {waited} min"),
    };
    if let Some(m) = t
        .started_at
        .as_deref()
        .and_then(|s| minutes_between(s, now))
    {
        text.push_str(&match l {
            Lang::Vi => format!(" · đang phục vụ {m} phút"),
            Lang::En => format!(" · served for {m} min"),
        });
    } else if t.called_at.is_some() {
        let since = minutes_between(t.called_at.as_deref().unwrap_or_default(), now).unwrap_or(0);
        text.push_str(&match l {
            Lang::Vi => format!(" · gọi cách đây {since} phút"),
            Lang::En => format!(" · called {since} min ago"),
        });
    }
    text
}

/// Label of a dossier field for the officer.
fn field_label(l: Lang, key: &str) -> String {
    let known: &[(&str, &str, &str)] = &[
        ("name", "Họ và tên", "Full name"),
        ("id_number", "Số định danh", "ID number"),
        ("date_of_birth", "Ngày sinh", "Date of birth"),
        ("sex", "Giới tính", "Sex"),
        ("address", "Nơi cư trú", "Residence"),
        ("phone", "Điện thoại", "Phone"),
    ];
    known
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, vi, en)| l.pick(vi, en).to_owned())
        .unwrap_or_else(|| key.replace('_', " "))
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            // Times as people read them: "08:40 26/11/2026".
            Ok(t) => t.format("%H:%M %d/%m/%Y").to_string(),
            Err(_) => s.clone(),
        },
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The dossier as lines: procedure, code, times, fee, then the applicant
/// and the form's fields (staff see them until the retention purge).
pub fn dossier_info(code: &str, v: &serde_json::Value, l: Lang) -> DossierInfo {
    let mut lines = Vec::new();
    let mut push = |label: &str, value: String| {
        if !value.is_empty() {
            lines.push((label.to_owned(), value));
        }
    };
    push(l.pick("Mã hồ sơ", "Dossier code"), code.to_owned());
    push(
        l.pick("Tiếp nhận lúc", "Received at"),
        value_text(&v["received_at"]),
    );
    push(l.pick("Hẹn trả", "Due at"), value_text(&v["due_at"]));
    push(l.pick("Lệ phí", "Fee"), value_text(&v["fee_text"]));
    push(
        l.pick("Trạng thái", "Status"),
        value_text(&v[l.pick("status_vi", "status_en")]),
    );
    if let Some(applicant) = v["applicant"].as_object() {
        for (k, val) in applicant {
            push(&field_label(l, k), value_text(val));
        }
    } else {
        push(l.pick("Giấy tờ", "ID"), value_text(&v["masked_id"]));
    }
    if let Some(fields) = v["fields"].as_object() {
        for (k, val) in fields {
            push(&field_label(l, k), value_text(val));
        }
    }
    let procedure = value_text(&v[l.pick("procedure_name_vi", "procedure_name_en")]);
    DossierInfo {
        code: code.to_owned(),
        title: if procedure.is_empty() {
            format!("{} {code}", l.pick("Hồ sơ", "Dossier"))
        } else {
            procedure
        },
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::TicketState;

    fn now() -> DateTime<Utc> {
        "2026-11-26T01:40:00Z".parse().unwrap()
    }

    fn ticket(id: i64, number: &str, state: TicketState) -> TicketView {
        serde_json::from_value(serde_json::json!({
            "id": id, "number": number, "service": "hotich",
            "service_name_vi": "Hộ tịch", "service_name_en": "Civil status",
            "priority": "elderly", "priority_name_vi": "Người cao tuổi", "state": state,
            "business_date": "2026-11-26", "issued_at": "2026-11-26T08:20:00+07:00",
            "called_at": "2026-11-26T08:32:00+07:00", "started_at": null, "finished_at": null,
            "counter": 2, "recall_count": 0, "transfer_count": 0,
            "people_ahead": 0, "estimated_wait_minutes": 0,
            "print_status": null, "print_error": null
        }))
        .unwrap()
    }

    fn queue(state: &str) -> QueueView {
        serde_json::from_value(serde_json::json!({
            "business_date": "2026-11-26",
            "services": [
                {"code": "hotich", "prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil status", "waiting": 3, "open_counters": 1, "estimated_wait_minutes": 0},
                {"code": "chungthuc", "prefix": "B", "name_vi": "Chứng thực", "name_en": "Certification", "waiting": 1, "open_counters": 1, "estimated_wait_minutes": 0},
                {"code": "datdai", "prefix": "C", "name_vi": "Đất đai", "name_en": "Land", "waiting": 7, "open_counters": 1, "estimated_wait_minutes": 0}
            ],
            "counters": [{"number": 2, "name": "Quầy 2", "state": state, "services": ["hotich", "chungthuc"], "current": null}],
            "last_event_id": 40
        }))
        .unwrap()
    }

    fn signed_in() -> Counter {
        let mut c = Counter::new(2, false);
        assert_eq!(
            c.sign_in("CB01 ", "1111"),
            vec![Effect::SignIn {
                code: "cb01".into(),
                pin: "1111".into()
            }]
        );
        assert!(
            c.sign_in("cb01", "1111").is_empty(),
            "one sign-in at a time"
        );
        let effects = c.signed_in(Ok(SignedIn {
            session: "staff-x".into(),
            expires_at: "2026-11-26T18:00:00+07:00".into(),
            officer: Officer {
                code: "cb01".into(),
                name: "Nguyễn Thị Lan".into(),
                counter: 2,
            },
        }));
        assert_eq!(effects, vec![Effect::Load]);
        let effects = c.loaded(&queue("open"), Vec::new());
        assert_eq!(effects, vec![Effect::Listen { last_event_id: 40 }]);
        c
    }

    fn act_key(effects: &[Effect]) -> Command {
        match effects {
            [Effect::Act { command, .. }] => command.clone(),
            other => panic!("expected one action, got {other:?}"),
        }
    }

    #[test]
    fn sign_in_then_the_served_services_and_their_waiting_counts() {
        let c = signed_in();
        let v = c.view(now());
        assert_eq!(v.page, "work");
        assert_eq!(v.officer_name, "Nguyễn Thị Lan");
        assert_eq!(
            v.waiting,
            vec![
                ("hotich".into(), "A · Hộ tịch".into(), "3 người chờ".into()),
                (
                    "chungthuc".into(),
                    "B · Chứng thực".into(),
                    "1 người chờ".into()
                )
            ]
        );
        assert!(v.can_call && !v.can_recall && !v.can_finish);
    }

    #[test]
    fn a_wrong_pin_stays_on_the_sign_in_page_with_the_hubs_words() {
        let mut c = Counter::new(2, false);
        c.sign_in("cb01", "0000");
        c.signed_in(Err(HubError::Refused {
            status: 401,
            code: motcua_api::ErrorCode::BadCredentials,
            message_vi: "Mã cán bộ hoặc mã PIN không đúng.".into(),
            message_en: "Wrong staff code or PIN.".into(),
            fields: Default::default(),
        }));
        let v = c.view(now());
        assert_eq!(v.page, "sign-in");
        assert_eq!(v.message, "Mã cán bộ hoặc mã PIN không đúng.");
        assert!(v.message_is_error);
    }

    #[test]
    fn call_start_finish_with_one_action_in_flight() {
        let mut c = signed_in();
        let first = c.command(Command::CallNext);
        assert_eq!(act_key(&first), Command::CallNext);
        assert!(
            c.command(Command::CallNext).is_empty(),
            "a repeated F1 waits for the hub"
        );
        let t = ticket(5, "A005", TicketState::Called);
        c.acted(
            &Command::CallNext,
            Ok(Answer::Ticket(CounterTicket {
                ticket: t,
                dossier_code: None,
            })),
        );
        let v = c.view(now());
        assert_eq!(v.ticket_number, "A005");
        assert_eq!(v.ticket_priority, "Ưu tiên: Người cao tuổi");
        assert_eq!(v.ticket_wait, "Đã chờ 12 phút · gọi cách đây 8 phút");
        assert!(v.can_recall && v.can_start && v.can_no_show && v.can_transfer);
        assert!(
            !v.can_call,
            "call next needs start, finish or no-show first"
        );

        act_key(&c.command(Command::Finish));
        let effects = c.acted(
            &Command::Finish,
            Ok(Answer::Ticket(CounterTicket {
                ticket: ticket(5, "A005", TicketState::Done),
                dossier_code: None,
            })),
        );
        assert_eq!(
            effects,
            vec![Effect::Rate {
                ticket: 5,
                number: "A005".into()
            }]
        );
        let v = c.view(now());
        assert!(!v.has_ticket && v.can_call);
        assert_eq!(v.message, "Đã hoàn thành số A005. Mời công dân đánh giá.");
    }

    #[test]
    fn a_paused_counter_does_not_call() {
        let mut c = signed_in();
        act_key(&c.toggle_pause());
        c.acted(
            &Command::Pause,
            Ok(Answer::Counter(serde_json::from_value(serde_json::json!({
                "number": 2, "name": "Quầy 2", "state": "paused", "services": ["hotich"], "current": null
            })).unwrap())),
        );
        let v = c.view(now());
        assert!(v.paused && !v.can_call);
        assert!(c.command(Command::CallNext).is_empty());
        assert_eq!(act_key(&c.toggle_pause()), Command::Open);
    }

    #[test]
    fn transfer_offers_the_other_services() {
        let mut c = signed_in();
        c.command(Command::CallNext);
        c.acted(
            &Command::CallNext,
            Ok(Answer::Ticket(CounterTicket {
                ticket: ticket(5, "A005", TicketState::Called),
                dossier_code: None,
            })),
        );
        c.open_transfer();
        let v = c.view(now());
        assert!(v.transfer_open);
        let targets: Vec<&str> = v.transfer_targets.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(targets, ["chungthuc", "datdai"]);
        assert!(
            c.command(Command::Transfer("hotich".into())).is_empty(),
            "not to its own service"
        );
        assert_eq!(
            act_key(&c.command(Command::Transfer("datdai".into()))),
            Command::Transfer("datdai".into())
        );
        let mut moved = ticket(5, "A005", TicketState::Transferred);
        moved.service_name_vi = "Đất đai".into();
        c.acted(
            &Command::Transfer("datdai".into()),
            Ok(Answer::Ticket(CounterTicket {
                ticket: moved,
                dossier_code: None,
            })),
        );
        let v = c.view(now());
        assert!(!v.has_ticket && !v.transfer_open);
        assert_eq!(v.message, "Đã chuyển số A005 sang Đất đai.");
    }

    #[test]
    fn the_dossier_filed_at_the_kiosk_is_loaded_and_shown() {
        let mut c = signed_in();
        c.command(Command::CallNext);
        let mut json = serde_json::to_value(ticket(5, "A005", TicketState::Called)).unwrap();
        json["dossier_code"] = "000.25.31.H26-261126-0001".into();
        let effects = c.acted(
            &Command::CallNext,
            Ok(Answer::Ticket(CounterTicket::from_json(&json).unwrap())),
        );
        assert_eq!(
            effects,
            vec![Effect::LoadDossier("000.25.31.H26-261126-0001".into())]
        );
        assert!(c.view(now()).dossier_title.contains("đang tải"));
        c.dossier_loaded(
            "000.25.31.H26-261126-0001",
            Ok(serde_json::json!({
                "procedure_name_vi": "Đăng ký khai sinh",
                "received_at": "2026-11-26T08:10:00+07:00",
                "applicant": {"name": "Trần Thị Bình", "id_number": "079195001234"},
                "fields": {"child_name": "Trần Minh An"}
            })),
        );
        let v = c.view(now());
        assert_eq!(v.dossier_title, "Đăng ký khai sinh");
        assert!(v
            .dossier_lines
            .contains(&("Họ và tên".into(), "Trần Thị Bình".into())));
        assert!(v
            .dossier_lines
            .contains(&("child name".into(), "Trần Minh An".into())));
    }

    #[test]
    fn print_failures_arrive_live_and_leave_when_reprinted() {
        let mut c = Counter::new(2, true);
        c.sign_in("cb01", "1111");
        c.signed_in(Ok(SignedIn {
            session: "staff-x".into(),
            expires_at: String::new(),
            officer: Officer {
                code: "cb01".into(),
                name: "Lan".into(),
                counter: 2,
            },
        }));
        c.loaded(&queue("open"), Vec::new());
        let mut t = ticket(9, "B009", TicketState::Issued);
        t.print_error = Some("paper_out".into());
        let event = SseMessage {
            id: Some(41),
            event: "ticket.print_failed".into(),
            data: serde_json::json!({"id": 41, "at_ms": 0, "data": {"ticket": t, "waiting": {"hotich": 4}}}).to_string(),
        };
        c.event(&event);
        c.event(&event);
        let v = c.view(now());
        assert_eq!(v.print_failed.len(), 1, "once, even if replayed");
        assert_eq!(v.waiting[0].2, "4 người chờ");
        assert!(matches!(&c.reprint(9)[..], [Effect::Reprint(t)] if t.number == "B009"));
        let effects = c.reprinted(9, Ok(()));
        assert!(matches!(
            &effects[..],
            [Effect::ReportReprinted { ticket: 9, .. }]
        ));
        assert!(c.view(now()).print_failed.is_empty());
    }

    #[test]
    fn an_expired_session_returns_to_sign_in() {
        let mut c = signed_in();
        c.command(Command::CallNext);
        c.acted(
            &Command::CallNext,
            Err(HubError::Refused {
                status: 401,
                code: motcua_api::ErrorCode::Unauthorized,
                message_vi: "x".into(),
                message_en: "x".into(),
                fields: Default::default(),
            }),
        );
        assert_eq!(c.page(), Page::SignIn);
        assert!(c.view(now()).message.contains("hết hạn"));
    }

    fn kiosks(json: serde_json::Value) -> Vec<KioskDevices> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_kiosk_out_of_service_shows_a_banner_until_it_recovers() {
        let mut c = signed_in();
        assert_eq!(c.view(now()).kiosk_banner, "");
        // At load: the hub's health lists a kiosk whose printer is out of paper.
        c.kiosks_loaded(&kiosks(serde_json::json!([
            {"kiosk": "kiosk-2", "out_of_service": true, "devices": [
                {"kiosk": "kiosk-2", "device": "printer", "state": "fault", "kind": "paper_out",
                 "since": "", "updated_at": "", "message_vi": "Kiosk kiosk-2: máy in hết giấy.", "message_en": "Kiosk kiosk-2: printer out of paper."}]},
            {"kiosk": "kiosk-1", "out_of_service": false, "devices": []}
        ])));
        assert_eq!(
            c.view(now()).kiosk_banner,
            "Kiosk kiosk-2: máy in hết giấy. Ki-ốt này đang ngừng phục vụ."
        );
        // Live: another kiosk fails, the first recovers.
        let event = |id: i64, kind: &str, data: serde_json::Value| SseMessage {
            id: Some(id),
            event: kind.into(),
            data: serde_json::json!({"id": id, "at_ms": 0, "data": data}).to_string(),
        };
        c.event(&event(
            41,
            "device.fault",
            serde_json::json!({"kiosk": "kiosk-3", "device": "printer", "state": "fault",
            "out_of_service": true, "message_vi": "", "message_en": ""}),
        ));
        c.event(&event(
            42,
            "device.recovered",
            serde_json::json!({"kiosk": "kiosk-2", "device": "printer", "state": "ok",
            "out_of_service": false, "message_vi": "", "message_en": ""}),
        ));
        assert_eq!(
            c.view(now()).kiosk_banner,
            "Ki-ốt kiosk-3 đang ngừng phục vụ."
        );
    }
}
