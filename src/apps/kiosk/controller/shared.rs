//! The vocabulary every flow of the kiosk shares: the work for the
//! runtime ([`Effect`]), the page and the message page ([`Nav`],
//! [`Message`]), what the printer did ([`PrintState`]) and the on-screen
//! keyboard's view. A leaf file: the flows and the router use it, it uses
//! none of them, so no file of the controller imports through `mod.rs`.

use motcua_api::{FileRequest, FiledDossier, TicketView};
use motcua_drivers::DeviceErrorKind;

use crate::apps::shell::Lang;
use crate::apps::ui::{KeyboardMode, KioskPage as Page};
use crate::domain::wording;

/// One request for a ticket: the same key for every retry, so a double tap
/// or a lost answer never makes two tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRequest {
    pub service: String,
    pub priority: Option<String>,
    pub key: String,
}

/// The page's name in logs, snapshots and tests (`lookup-result`).
pub fn page_name(page: Page) -> &'static str {
    match page {
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

/// What the printer did with a ticket or a receipt.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintState {
    Printing,
    Printed { paper_near_end: bool },
    Failed { kind: DeviceErrorKind },
}

impl PrintState {
    /// The state after the printer answered.
    pub fn from_outcome(result: Result<bool, DeviceErrorKind>) -> Self {
        match result {
            Ok(near_end) => PrintState::Printed {
                paper_near_end: near_end,
            },
            Err(kind) => PrintState::Failed { kind },
        }
    }
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
    PrintFiled {
        filed: Box<FiledDossier>,
        /// The linked ticket's QR payload (the kiosk's links).
        ticket_qr: Option<String>,
        /// The open counters serving the linked ticket's service.
        counters: Vec<String>,
    },
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
    /// A ticket came out of the printer: a short sound beside the
    /// confirmation on the screen.
    PrintedSound,
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

/// What every flow shares: the page and the message page. A flow changes
/// the page only through this.
#[derive(Debug, Clone)]
pub struct Nav {
    pub page: Page,
    pub message: Option<Message>,
}

impl Nav {
    /// Moves to `to` when on `from`.
    pub fn step(&mut self, from: Page, to: Page) {
        if self.page == from {
            self.page = to;
        }
    }

    /// Shows the message page.
    pub fn show(&mut self, message: Message) {
        self.message = Some(message);
        self.page = Page::Message;
    }
}

/// The on-screen keyboard (`KeyboardAdapter`), shared by the procedure
/// search, the form and the lookup.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyboardScreen {
    pub mode: KeyboardMode,
    pub shift: bool,
    pub input_method: &'static str,
    /// The method in use and how to type with it, in one line.
    pub hint: String,
    pub active_label: String,
    pub active_value: String,
}

/// "The printer is out of paper, so the ticket was not printed." for the
/// printed `what` (Vietnamese, English), in `l`.
pub(super) fn not_printed(l: Lang, kind: DeviceErrorKind, what: (&str, &str)) -> String {
    let (vi, en) = wording::not_printed(wording::device_kind(kind), what);
    l.pick(&vi, &en).to_owned()
}
