//! One classification for every device error.
//!
//! Each concrete error type in this crate ([`TransportError`],
//! [`PrinterError`], [`ScannerError`], [`IdError`]) keeps its details but
//! answers [`kind()`](DeviceErrorKind) with one of a few classes that
//! generic code — and the citizen-facing UI — can react to, as
//! `embedded-io`'s `ErrorKind` does for I/O drivers.
//!
//! [`TransportError`]: crate::serial::TransportError
//! [`PrinterError`]: crate::printer::PrinterError
//! [`ScannerError`]: crate::scanner::ScannerError
//! [`IdError`]: crate::scanner::IdError

use serde::{Deserialize, Serialize};

/// Why a device operation failed, in terms a person beside the kiosk can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceErrorKind {
    /// The device answered that it is offline (e.g. paper feed button, error state).
    Offline,
    /// The printer is out of paper.
    PaperOut,
    /// The printer's cover is open.
    CoverOpen,
    /// The device did not answer or accept data within the configured time.
    Timeout,
    /// The device is not there: unplugged, never plugged, or it went away mid-job.
    Disconnected,
    /// Another program holds the port.
    Busy,
    /// The device sent, or was asked to handle, data that makes no sense.
    BadData,
    /// Anything else (a printer-reported error, an I/O error we cannot classify).
    Other,
}

impl DeviceErrorKind {
    /// A stable snake_case name, as used in JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::PaperOut => "paper_out",
            Self::CoverOpen => "cover_open",
            Self::Timeout => "timeout",
            Self::Disconnected => "disconnected",
            Self::Busy => "busy",
            Self::BadData => "bad_data",
            Self::Other => "other",
        }
    }
}

impl std::fmt::Display for DeviceErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_json_name() {
        use DeviceErrorKind::*;
        for kind in [
            Offline,
            PaperOut,
            CoverOpen,
            Timeout,
            Disconnected,
            Busy,
            BadData,
            Other,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}
