//! The queue: services, priority categories, tickets, counters, the queue
//! overview and the latest calls.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a ticket is in its life (the state machine is the hub's:
/// `domain::ticket`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Issued,
    Called,
    Serving,
    Done,
    NoShow,
    Cancelled,
    /// Sent to another service: waiting again there, with its number and
    /// its place by original issue time.
    Transferred,
}

impl TicketState {
    pub const ALL: [TicketState; 7] = [
        TicketState::Issued,
        TicketState::Called,
        TicketState::Serving,
        TicketState::Done,
        TicketState::NoShow,
        TicketState::Cancelled,
        TicketState::Transferred,
    ];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Issued => "issued",
            TicketState::Called => "called",
            TicketState::Serving => "serving",
            TicketState::Done => "done",
            TicketState::NoShow => "no_show",
            TicketState::Cancelled => "cancelled",
            TicketState::Transferred => "transferred",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Waiting to be called (fresh or after a transfer).
    pub fn is_waiting(self) -> bool {
        matches!(self, TicketState::Issued | TicketState::Transferred)
    }

    /// At a counter right now.
    pub fn is_at_counter(self) -> bool {
        matches!(self, TicketState::Called | TicketState::Serving)
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TicketState::Done | TicketState::NoShow | TicketState::Cancelled
        )
    }

    /// Vietnamese label for screens.
    pub fn label_vi(self) -> &'static str {
        match self {
            TicketState::Issued => "Đang chờ",
            TicketState::Called => "Đã gọi",
            TicketState::Serving => "Đang phục vụ",
            TicketState::Done => "Đã xong",
            TicketState::NoShow => "Vắng mặt",
            TicketState::Cancelled => "Đã huỷ",
            TicketState::Transferred => "Đã chuyển",
        }
    }
}

impl fmt::Display for TicketState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a counter takes citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CounterState {
    Open,
    /// Staffed but not calling (a break); calling is refused until it opens.
    Paused,
    Closed,
}

impl CounterState {
    pub const ALL: [CounterState; 3] = [
        CounterState::Open,
        CounterState::Paused,
        CounterState::Closed,
    ];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CounterState::Open => "open",
            CounterState::Paused => "paused",
            CounterState::Closed => "closed",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// What the kiosk's printer did with a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrintStatus {
    Printed,
    PrintFailed,
}

impl PrintStatus {
    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PrintStatus::Printed => "printed",
            PrintStatus::PrintFailed => "print_failed",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [PrintStatus::Printed, PrintStatus::PrintFailed]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// `GET /api/v1/services`: one service area (lĩnh vực) with its letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceInfo {
    pub code: String,
    /// The letter of its numbers (`A` of `A012`).
    pub prefix: String,
    /// The Vietnamese name (kept for older clients; same as `name_vi`).
    pub name: String,
    pub name_vi: String,
    pub name_en: String,
}

/// `GET /api/v1/priorities`: a priority category citizens can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Priority {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// `POST /api/v1/tickets` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// A service code of `GET /api/v1/services`.
    pub service: String,
    /// A priority category code of `GET /api/v1/priorities`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
}

/// `POST /api/v1/counters/{counter}/transfer` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The service to send the current ticket to.
    pub service: String,
}

/// `POST /api/v1/tickets/{id}/print-status` body: what the kiosk's printer
/// did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintStatusRequest {
    pub status: PrintStatus,
    /// Why printing failed (device error kind and message), for staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A ticket as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    /// Display form, e.g. `A012`.
    pub number: String,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub priority: Option<String>,
    pub priority_name_vi: Option<String>,
    pub state: TicketState,
    pub business_date: NaiveDate,
    pub issued_at: String,
    pub called_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub counter: Option<u32>,
    pub recall_count: u32,
    pub transfer_count: u32,
    /// Waiting tickets of the same service ahead of this one (0 once called).
    pub people_ahead: u32,
    pub estimated_wait_minutes: u32,
    pub print_status: Option<PrintStatus>,
    pub print_error: Option<String>,
    /// The dossier the ticket was issued for (filing that needs the citizen
    /// at a counter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier_code: Option<String>,
    /// Short secret for the ticket's QR code (rating, lookup). Given once:
    /// in the answer that issues the ticket (for its paper and QR), and to
    /// counters in `GET /api/v1/tickets/print-failed` (to reprint that
    /// paper); never in `GET /api/v1/tickets/{id}`, counter views or events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_token: Option<String>,
}

/// A counter as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CounterView {
    pub number: u32,
    pub name: String,
    pub state: CounterState,
    /// The service codes it serves.
    pub services: Vec<String>,
    /// The ticket called or being served there.
    pub current: Option<TicketView>,
}

/// One service in the queue overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ServiceQueue {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
    pub open_counters: u32,
    /// Estimated wait of a ticket issued now.
    pub estimated_wait_minutes: u32,
}

/// `GET /api/v1/queue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueView {
    pub business_date: NaiveDate,
    pub services: Vec<ServiceQueue>,
    pub counters: Vec<CounterView>,
    /// The newest event id: a client opens the event stream from here.
    pub last_event_id: i64,
}

/// One call (or recall) of a ticket to a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallView {
    /// The `ticket.called` / `ticket.recalled` event.
    pub event_id: i64,
    pub at: String,
    pub ticket_id: i64,
    pub number: String,
    pub counter: u32,
    pub service: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub recall: bool,
    /// How many times the ticket had been recalled with this call.
    pub recall_count: u32,
}

/// `GET /api/v1/calls`: the latest calls of the day, what a hall board
/// reloads after a `resync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Calls {
    /// The newest event id when the list was read.
    pub last_event_id: i64,
    /// Newest first.
    pub calls: Vec<CallView>,
}

/// Most calls `GET /api/v1/calls` returns.
pub const MAX_CALLS: u32 = 50;

/// `GET /api/v1/calls` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallsQuery {
    /// How many calls, 1–50 (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
