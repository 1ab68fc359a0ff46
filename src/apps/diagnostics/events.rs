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

use crate::apps::hub_client::HubClient;
use crate::domain::wording::device_kind;
pub use motcua_api::{Device, DeviceEventRequest, DeviceKind, DeviceState};

/// Where a monitor sends its reports.
pub type ReportSink = Arc<dyn Fn(DeviceEventRequest) + Send + Sync>;

/// The printer's state after a job (`Ok(paper near end)`) or a failure.
pub fn print_state(result: &Result<bool, DeviceErrorKind>) -> (DeviceState, Option<DeviceKind>) {
    match result {
        Ok(false) => (DeviceState::Ok, None),
        Ok(true) => (DeviceState::Warning, Some(DeviceKind::PaperNearEnd)),
        Err(kind) => (DeviceState::Fault, Some(device_kind(*kind))),
    }
}

/// The printer's state from a status read.
pub fn status_state(
    result: &Result<PrinterStatus, PrinterError>,
) -> (DeviceState, Option<DeviceKind>) {
    match result {
        Ok(status) => match status.problem() {
            Some(kind) => (DeviceState::Fault, Some(device_kind(kind))),
            None if status.paper_near_end => (DeviceState::Warning, Some(DeviceKind::PaperNearEnd)),
            None => (DeviceState::Ok, None),
        },
        Err(err) => (DeviceState::Fault, Some(device_kind(err.kind()))),
    }
}

/// The printer's state after a job through the driver.
pub fn printed_state(result: &Result<Printed, PrinterError>) -> (DeviceState, Option<DeviceKind>) {
    print_state(
        &result
            .as_ref()
            .map(|p| !p.warnings.is_empty())
            .map_err(|e| e.kind()),
    )
}

struct Inner {
    last: Option<(DeviceState, Option<DeviceKind>)>,
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
            inner.last
        };
        if let Some((state, kind)) = pending {
            sink(DeviceEventRequest {
                device: self.device,
                state,
                kind,
                kiosk,
            });
        }
    }

    /// The latest state seen.
    pub fn state(&self) -> Option<(DeviceState, Option<DeviceKind>)> {
        self.lock().last
    }

    /// Records an outcome; reports it when the state or its kind changed.
    pub fn observe(&self, state: DeviceState, kind: Option<DeviceKind>) {
        let kind = if state == DeviceState::Ok { None } else { kind };
        let send = {
            let mut inner = self.lock();
            let now = Some((state, kind));
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
            sink(DeviceEventRequest {
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
    Arc::new(move |report: DeviceEventRequest| {
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
        monitor.observe(DeviceState::Fault, Some(DeviceKind::PaperOut));
        let sink_seen = Arc::clone(&seen);
        monitor.connect(
            Arc::new(move |r| sink_seen.lock().unwrap().push(r)),
            Some("kiosk-2".into()),
        );
        monitor.observe(DeviceState::Fault, Some(DeviceKind::PaperOut));
        monitor.observe(DeviceState::Fault, Some(DeviceKind::CoverOpen));
        monitor.observe(DeviceState::Ok, Some(DeviceKind::Other));
        monitor.observe(DeviceState::Ok, None);
        let seen = seen.lock().unwrap();
        let states: Vec<(&str, Option<&str>)> = seen
            .iter()
            .map(|r| (r.state.as_str(), r.kind.map(DeviceKind::as_str)))
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
            (DeviceState::Warning, Some(DeviceKind::PaperNearEnd))
        );
        assert_eq!(
            print_state(&Err(DeviceErrorKind::CoverOpen)),
            (DeviceState::Fault, Some(DeviceKind::CoverOpen))
        );
    }

    /// The wire names every kind the drivers classify by the same word: a
    /// new driver kind without its `DeviceKind` fails here (and the match
    /// below stops compiling).
    #[test]
    fn every_driver_kind_has_its_wire_name() {
        let all = [
            DeviceErrorKind::Offline,
            DeviceErrorKind::PaperOut,
            DeviceErrorKind::CoverOpen,
            DeviceErrorKind::Timeout,
            DeviceErrorKind::Disconnected,
            DeviceErrorKind::Busy,
            DeviceErrorKind::BadData,
            DeviceErrorKind::Other,
        ];
        for kind in all {
            // Exhaustive: a variant added to the drivers must be listed.
            match kind {
                DeviceErrorKind::Offline
                | DeviceErrorKind::PaperOut
                | DeviceErrorKind::CoverOpen
                | DeviceErrorKind::Timeout
                | DeviceErrorKind::Disconnected
                | DeviceErrorKind::Busy
                | DeviceErrorKind::BadData
                | DeviceErrorKind::Other => {}
            }
            let wire = device_kind(kind);
            assert_eq!(wire.as_str(), kind.as_str(), "{kind:?}");
            assert_eq!(
                serde_json::to_value(wire).unwrap(),
                serde_json::to_value(kind).unwrap()
            );
        }
    }
}
