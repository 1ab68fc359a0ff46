//! What a check says: its name ([`Check`]), verdict ([`Status`]) and
//! result ([`CheckResult`]), a [`Report`] of all of them, and the
//! [`Action`]s a technician can make happen. Plain data, shared by the
//! checks, the support bundle and the screens.

use serde::{Deserialize, Serialize};

/// A check's verdict. Warnings do not fail `motcua diag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check's stable name ([`Check::as_str`]) or an action's.
    pub name: String,
    pub status: Status,
    pub summary_vi: String,
    pub summary_en: String,
    /// Everything observed, for the detail page and the bundle (no
    /// personal data, no secrets).
    pub details: serde_json::Value,
    pub duration_ms: u64,
}

/// The checks, in the order they run and show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Version,
    Configuration,
    SerialPorts,
    Printer,
    Scanner,
    Hub,
    Portal,
    Outbox,
    Database,
    Log,
}

impl Check {
    pub const ALL: [Check; 10] = [
        Check::Version,
        Check::Configuration,
        Check::SerialPorts,
        Check::Printer,
        Check::Scanner,
        Check::Hub,
        Check::Portal,
        Check::Outbox,
        Check::Database,
        Check::Log,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Version => "version",
            Check::Configuration => "configuration",
            Check::SerialPorts => "serial_ports",
            Check::Printer => "printer",
            Check::Scanner => "scanner",
            Check::Hub => "hub",
            Check::Portal => "portal",
            Check::Outbox => "outbox",
            Check::Database => "database",
            Check::Log => "log",
        }
    }
}

/// What a technician can make happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The sample Vietnamese queue ticket with its QR code.
    TestPrint,
    /// The code-page probe page (one line per text mode and code page).
    ProbePrint,
    /// Feed a few lines and cut.
    FeedAndCut,
    /// Wake the hub's outbox and clear its backoff.
    RetryOutbox,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::TestPrint => "test_print",
            Action::ProbePrint => "probe_print",
            Action::FeedAndCut => "feed_and_cut",
            Action::RetryOutbox => "retry_outbox",
        }
    }
}

/// Every check, once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The worst status of all checks.
    pub status: Status,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// This machine: the kiosk's name or the host name.
    pub machine: String,
    pub version: String,
    pub checks: Vec<CheckResult>,
}

impl Report {
    /// From results, in order.
    pub fn new(machine: &str, checks: Vec<CheckResult>) -> Self {
        Self {
            status: checks
                .iter()
                .map(|c| c.status)
                .max()
                .unwrap_or(Status::Pass),
            created_at: chrono::Utc::now(),
            machine: machine.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            checks,
        }
    }

    /// The checks that failed.
    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.status == Status::Fail)
    }
}
