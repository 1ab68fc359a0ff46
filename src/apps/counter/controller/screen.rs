//! What the counter screen shows, as data: the page and every string and
//! flag the Slint side binds. A leaf file: the controller's flows build it
//! (`view.rs`), the app renders it.

use motcua_api::CounterState;

/// The two pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    Work,
}

/// Everything the counter screen needs, in the officer's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterScreen {
    /// Kiosks of the office out of service, in words (empty when none).
    pub kiosk_banner: String,
    pub page: Page,
    pub language: &'static str,
    pub counter_title: String,
    pub officer_name: String,
    pub counter_state: CounterState,
    pub counter_state_text: String,
    pub signing_in: bool,
    /// What to do when no citizen is at the counter: F1 when it can call,
    /// F7 when it is paused or closed (F1 is off then).
    pub idle_hint: String,
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
