//! Kiosks' printers and scanners: faults and recoveries reported by the
//! kiosks, the latest state of each device, and whether a kiosk is out of
//! service.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The devices a kiosk reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Printer,
    Scanner,
}

impl Device {
    pub const ALL: [Device; 2] = [Device::Printer, Device::Scanner];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Printer => "printer",
            Device::Scanner => "scanner",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// How a device is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Ok,
    /// Still working, soon not (paper nearly out).
    Warning,
    /// Not working.
    Fault,
}

impl DeviceState {
    pub const ALL: [DeviceState; 3] = [DeviceState::Ok, DeviceState::Warning, DeviceState::Fault];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceState::Ok => "ok",
            DeviceState::Warning => "warning",
            DeviceState::Fault => "fault",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Why a device is not ok: the drivers' `DeviceErrorKind`, by the same
/// names, plus the printer's paper-near-end warning. (This crate does not
/// depend on the drivers; the app checks that every driver kind has its
/// name here.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// The device answered that it is offline.
    Offline,
    PaperOut,
    /// A warning, not a fault: a few tickets are left.
    PaperNearEnd,
    CoverOpen,
    /// It did not answer in time.
    Timeout,
    /// Unplugged, never plugged, or gone mid-job.
    Disconnected,
    /// Another program holds the port.
    Busy,
    /// It sent data that makes no sense.
    BadData,
    /// Anything else, and any kind this version does not know.
    #[serde(other)]
    Other,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 9] = [
        DeviceKind::Offline,
        DeviceKind::PaperOut,
        DeviceKind::PaperNearEnd,
        DeviceKind::CoverOpen,
        DeviceKind::Timeout,
        DeviceKind::Disconnected,
        DeviceKind::Busy,
        DeviceKind::BadData,
        DeviceKind::Other,
    ];

    /// The storage and wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Offline => "offline",
            DeviceKind::PaperOut => "paper_out",
            DeviceKind::PaperNearEnd => "paper_near_end",
            DeviceKind::CoverOpen => "cover_open",
            DeviceKind::Timeout => "timeout",
            DeviceKind::Disconnected => "disconnected",
            DeviceKind::Busy => "busy",
            DeviceKind::BadData => "bad_data",
            DeviceKind::Other => "other",
        }
    }

    /// Parses the storage spelling; an unknown word is [`DeviceKind::Other`].
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(DeviceKind::Other)
    }
}

/// `POST /api/v1/devices/events` body: what a kiosk's device is doing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceEventRequest {
    pub device: Device,
    pub state: DeviceState,
    /// Why, when not ok (required with `warning` and `fault`): one of the
    /// drivers' `DeviceErrorKind` names or `paper_near_end`. Unlike
    /// [`DeviceKind`] read elsewhere, an unknown word is refused (422), not
    /// taken as `other`: a report is a claim about a device and must say
    /// something the house knows.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "known_kind"
    )]
    pub kind: Option<DeviceKind>,
    /// The kiosk's name; default: the name of the caller's token. A kiosk
    /// token may name only its own kiosk (403 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk: Option<String>,
}

/// Every [`DeviceKind`] by its wire name, for refusals.
const KIND_NAMES: [&str; DeviceKind::ALL.len()] = {
    let mut names = [""; DeviceKind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = DeviceKind::ALL[i].as_str();
        i += 1;
    }
    names
};

/// A kind by its exact name; anything else is an error.
fn known_kind<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DeviceKind>, D::Error> {
    let Some(word) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    DeviceKind::ALL
        .into_iter()
        .find(|k| k.as_str() == word)
        .map(Some)
        .ok_or_else(|| serde::de::Error::unknown_variant(&word, &KIND_NAMES))
}

/// One device of one kiosk, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceStateView {
    pub kiosk: String,
    pub device: Device,
    pub state: DeviceState,
    pub kind: Option<DeviceKind>,
    /// Since when (office local time, RFC 3339) it has been in this state.
    pub since: String,
    pub updated_at: String,
    pub message_vi: String,
    pub message_en: String,
}

/// `POST /api/v1/devices/events` answer: the device's state after the
/// report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceReport {
    #[serde(flatten)]
    pub state: DeviceStateView,
    /// Whether the report changed the state (and an event was emitted).
    pub changed: bool,
}

/// A kiosk and its devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KioskDevices {
    pub kiosk: String,
    /// The printer is in fault: the kiosk cannot give tickets or receipts.
    pub out_of_service: bool,
    pub devices: Vec<DeviceStateView>,
}

/// `GET /api/v1/devices` (keys in alphabetical order on the wire:
/// [`crate::wire`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeviceList {
    pub kiosks: Vec<KioskDevices>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_names_a_known_kind_or_is_refused() {
        let read = |kind: &str| {
            serde_json::from_str::<DeviceEventRequest>(&format!(
                r#"{{"device":"printer","state":"fault","kind":{kind}}}"#
            ))
        };
        for k in DeviceKind::ALL {
            assert_eq!(
                read(&format!("\"{k}\"", k = k.as_str())).unwrap().kind,
                Some(k)
            );
        }
        assert_eq!(read("null").unwrap().kind, None);
        let err = read("\"on_fire\"").unwrap_err().to_string();
        assert!(
            err.contains("on_fire") && err.contains("paper_out"),
            "{err}"
        );
        // Read anywhere else (events, lists), an unknown word stays `other`.
        assert_eq!(
            serde_json::from_str::<DeviceKind>("\"on_fire\"").unwrap(),
            DeviceKind::Other
        );
    }
}
