//! Device health as the hub hears it: a [`DeviceMonitor`] per device
//! watches every outcome (a print, a status read, a scanner read) and
//! reports to the hub only when the state changes — the printer ran out of
//! paper, its cover was closed again — as `POST /api/v1/devices/events`.
//!
//! The kiosk's printer ([`TicketPrinter`](crate::apps::devices::TicketPrinter))
//! and scanner ([`ScannerDevice`](crate::apps::devices::ScannerDevice))
//! each carry one; the kiosk runtime connects them to the hub with
//! [`hub_sink`]. The technician's checks and actions go through the same
//! printer, so a technician who loads paper and presses "test print" sends
//! the recovery.

use std::sync::{Arc, Mutex};

use motcua_drivers::{DeviceErrorKind, Printed, PrinterError, PrinterStatus};
use serde::{Deserialize, Serialize};

use crate::apps::hub_client::HubClient;

/// A device of a kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Printer,
    Scanner,
}

impl Device {
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Printer => "printer",
            Device::Scanner => "scanner",
        }
    }
}

/// How a device is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Ok,
    /// Works, but needs attention soon (paper nearly out).
    Warning,
    /// Does not work.
    Fault,
}

impl DeviceState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Ok => "ok",
            DeviceState::Warning => "warning",
            DeviceState::Fault => "fault",
        }
    }
}

/// The body of `POST /api/v1/devices/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceReport {
    pub device: Device,
    pub state: DeviceState,
    /// `paper_out`, `cover_open`, … (a [`DeviceErrorKind`]) or
    /// `paper_near_end`; `None` when ok.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The kiosk's name; the hub uses the token's name without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kiosk: Option<String>,
}

/// Where a monitor sends its reports.
pub type ReportSink = Arc<dyn Fn(DeviceReport) + Send + Sync>;

/// The printer's state after a job (`Ok(paper near end)`) or a failure.
pub fn print_state(result: &Result<bool, DeviceErrorKind>) -> (DeviceState, Option<String>) {
    match result {
        Ok(false) => (DeviceState::Ok, None),
        Ok(true) => (DeviceState::Warning, Some("paper_near_end".to_owned())),
        Err(kind) => (DeviceState::Fault, Some(kind.as_str().to_owned())),
    }
}

/// The printer's state from a status read.
pub fn status_state(result: &Result<PrinterStatus, PrinterError>) -> (DeviceState, Option<String>) {
    match result {
        Ok(status) => match status.problem() {
            Some(kind) => (DeviceState::Fault, Some(kind.as_str().to_owned())),
            None if status.paper_near_end => {
                (DeviceState::Warning, Some("paper_near_end".to_owned()))
            }
            None => (DeviceState::Ok, None),
        },
        Err(err) => (DeviceState::Fault, Some(err.kind().as_str().to_owned())),
    }
}

/// The printer's state after a job through the driver.
pub fn printed_state(result: &Result<Printed, PrinterError>) -> (DeviceState, Option<String>) {
    print_state(
        &result
            .as_ref()
            .map(|p| !p.warnings.is_empty())
            .map_err(|e| e.kind()),
    )
}

struct Inner {
    last: Option<(DeviceState, Option<String>)>,
    sink: Option<ReportSink>,
    kiosk: Option<String>,
}

/// Watches one device; reports changes. Cheap to clone (shared).
#[derive(Clone)]
pub struct DeviceMonitor {
    device: Device,
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for DeviceMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceMonitor")
            .field("device", &self.device)
            .field("last", &self.lock().last)
            .finish()
    }
}

impl DeviceMonitor {
    /// A monitor with no sink yet: it remembers, and reports once connected.
    pub fn new(device: Device) -> Self {
        Self {
            device,
            inner: Arc::new(Mutex::new(Inner {
                last: None,
                sink: None,
                kiosk: None,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends reports to `sink` from now on, starting with the state known
    /// so far. `kiosk` names the kiosk in reports (else the hub uses the
    /// token's name).
    pub fn connect(&self, sink: ReportSink, kiosk: Option<String>) {
        let pending = {
            let mut inner = self.lock();
            inner.sink = Some(Arc::clone(&sink));
            inner.kiosk = kiosk.clone();
            inner.last.clone()
        };
        if let Some((state, kind)) = pending {
            sink(DeviceReport {
                device: self.device,
                state,
                kind,
                kiosk,
            });
        }
    }

    /// The latest state seen.
    pub fn state(&self) -> Option<(DeviceState, Option<String>)> {
        self.lock().last.clone()
    }

    /// Records an outcome; reports it when the state or its kind changed.
    pub fn observe(&self, state: DeviceState, kind: Option<String>) {
        let kind = if state == DeviceState::Ok { None } else { kind };
        let send = {
            let mut inner = self.lock();
            let now = Some((state, kind.clone()));
            if inner.last == now {
                return;
            }
            inner.last = now;
            inner.sink.clone().map(|sink| (sink, inner.kiosk.clone()))
        };
        if state == DeviceState::Ok {
            tracing::info!(device = self.device.as_str(), "device ok");
        } else {
            tracing::warn!(device = self.device.as_str(), state = state.as_str(), kind = ?kind, "device problem");
        }
        if let Some((sink, kiosk)) = send {
            sink(DeviceReport {
                device: self.device,
                state,
                kind,
                kiosk,
            });
        }
    }
}

/// A sink that posts each report to the hub (retried with one idempotency
/// key per report) on `runtime`. A report lost for good (hub down for
/// minutes) is sent again with the next change.
pub fn hub_sink(runtime: tokio::runtime::Handle, hub: HubClient) -> ReportSink {
    Arc::new(move |report: DeviceReport| {
        let hub = hub.clone();
        runtime.spawn(async move {
            let key = format!("device-{}", uuid::Uuid::new_v4());
            if let Err(err) = hub.report_device(&report, &key).await {
                tracing::warn!(%err, device = report.device.as_str(), "could not tell the hub about a device");
            }
        });
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_are_reported() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let monitor = DeviceMonitor::new(Device::Printer);
        monitor.observe(DeviceState::Fault, Some("paper_out".into()));
        let sink_seen = Arc::clone(&seen);
        monitor.connect(
            Arc::new(move |r| sink_seen.lock().unwrap().push(r)),
            Some("kiosk-2".into()),
        );
        monitor.observe(DeviceState::Fault, Some("paper_out".into()));
        monitor.observe(DeviceState::Fault, Some("cover_open".into()));
        monitor.observe(DeviceState::Ok, Some("ignored".into()));
        monitor.observe(DeviceState::Ok, None);
        let seen = seen.lock().unwrap();
        let states: Vec<(&str, Option<&str>)> = seen
            .iter()
            .map(|r| (r.state.as_str(), r.kind.as_deref()))
            .collect();
        assert_eq!(
            states,
            [
                ("fault", Some("paper_out")),
                ("fault", Some("cover_open")),
                ("ok", None)
            ]
        );
        assert!(seen.iter().all(|r| r.kiosk.as_deref() == Some("kiosk-2")));
        let json = serde_json::to_value(&seen[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"device": "printer", "state": "fault", "kind": "paper_out", "kiosk": "kiosk-2"})
        );
    }

    #[test]
    fn print_outcomes_map_to_states() {
        assert_eq!(print_state(&Ok(false)), (DeviceState::Ok, None));
        assert_eq!(
            print_state(&Ok(true)),
            (DeviceState::Warning, Some("paper_near_end".into()))
        );
        assert_eq!(
            print_state(&Err(DeviceErrorKind::CoverOpen)),
            (DeviceState::Fault, Some("cover_open".into()))
        );
    }
}
