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

//!
//! One file per flow, each an `impl Counter` block over the same state:
//! [`session`] (sign-in, sign-out), [`desk`] (the queue work and the
//! hub's answers), [`dossier`] (the filed dossier in words),
//! [`print_failures`] (reprints, kiosks out of service), [`events`] (the
//! live stream) and [`view`] (the screen in words).

mod desk;
mod dossier;
mod events;
mod forms;
mod print_failures;
mod screen;
mod session;
#[cfg(test)]
mod tests;
mod view;

pub use forms::{dossier_info, DossierInfo, Forms};
pub use screen::{CounterScreen, Page};

use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use motcua_api::{CounterState, CounterView, Officer, TicketView};

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
    dossier: Option<forms::Loaded>,
    forms: Forms,
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
            forms: Forms::default(),
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
}
