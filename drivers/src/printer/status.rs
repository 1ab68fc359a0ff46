//! Real-time status: `DLE EOT n` and what the reply byte means.
//!
//! Every reply has the fixed pattern `0xx1xx10` (healthy: `0x12`). We ask
//! three questions — n=1 printer, n=2 offline cause, n=4 roll paper — and
//! fold the answers into one [`PrinterStatus`].

use serde::{Deserialize, Serialize};

use crate::error::DeviceErrorKind;

/// `DLE EOT n`.
pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

/// The questions asked before and after every job, in order.
pub const QUERIES: [u8; 3] = [1, 2, 4];

/// Whether `byte` has the fixed bits of a status reply.
pub fn is_status_byte(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// What the printer says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrinterStatus {
    /// n=1 bit 3 clear.
    pub online: bool,
    /// n=2 bit 2.
    pub cover_open: bool,
    /// n=2 bit 5 (stopped by paper end) or n=4 bits 5–6.
    pub paper_out: bool,
    /// n=4 bits 2–3: a warning, the job still prints.
    pub paper_near_end: bool,
    /// n=2 bit 6: a (recoverable or not) printer error.
    pub error: bool,
    /// n=2 bit 3: paper is being fed with the feed button.
    pub feeding: bool,
}

/// A reply that is not a status byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("printer sent {byte:#04x} in reply to DLE EOT {n}, which is not a status byte")]
pub struct BadStatus {
    pub n: u8,
    pub byte: u8,
}

impl BadStatus {
    pub fn kind(&self) -> DeviceErrorKind {
        DeviceErrorKind::BadData
    }
}

impl PrinterStatus {
    /// The status of a healthy printer.
    pub const READY: PrinterStatus = PrinterStatus {
        online: true,
        cover_open: false,
        paper_out: false,
        paper_near_end: false,
        error: false,
        feeding: false,
    };

    /// Folds the replies to `DLE EOT 1`, `2` and `4`.
    pub fn from_replies(printer: u8, offline_cause: u8, paper: u8) -> Result<Self, BadStatus> {
        for (n, byte) in [(1, printer), (2, offline_cause), (4, paper)] {
            if !is_status_byte(byte) {
                return Err(BadStatus { n, byte });
            }
        }
        let bit = |b: u8, i: u8| b & (1 << i) != 0;
        Ok(PrinterStatus {
            online: !bit(printer, 3),
            cover_open: bit(offline_cause, 2),
            feeding: bit(offline_cause, 3),
            paper_out: bit(offline_cause, 5) || paper & 0b0110_0000 != 0,
            paper_near_end: paper & 0b0000_1100 != 0,
            error: bit(offline_cause, 6),
        })
    }

    /// The replies a printer in this state sends (what the emulator answers).
    pub fn replies(&self) -> [u8; 3] {
        let mut printer = 0x12;
        if !self.online {
            printer |= 1 << 3;
        }
        let mut cause = 0x12;
        if self.cover_open {
            cause |= 1 << 2;
        }
        if self.feeding {
            cause |= 1 << 3;
        }
        if self.paper_out {
            cause |= 1 << 5;
        }
        if self.error {
            cause |= 1 << 6;
        }
        let mut paper = 0x12;
        if self.paper_near_end {
            paper |= 0b0000_1100;
        }
        if self.paper_out {
            paper |= 0b0110_0000;
        }
        [printer, cause, paper]
    }

    /// Why this printer cannot print, most specific reason first.
    pub fn problem(&self) -> Option<DeviceErrorKind> {
        if self.paper_out {
            Some(DeviceErrorKind::PaperOut)
        } else if self.cover_open {
            Some(DeviceErrorKind::CoverOpen)
        } else if self.error {
            Some(DeviceErrorKind::Other)
        } else if !self.online {
            Some(DeviceErrorKind::Offline)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy_printer_answers_0x12() {
        assert_eq!(
            PrinterStatus::from_replies(0x12, 0x12, 0x12).unwrap(),
            PrinterStatus::READY
        );
        assert_eq!(PrinterStatus::READY.problem(), None);
        assert_eq!(request(4), [0x10, 0x04, 0x04]);
    }

    #[test]
    fn golden_status_bytes() {
        // Paper out: offline (n=1 bit 3), stopped by paper end (n=2 bit 5),
        // paper end sensor (n=4 bits 5-6).
        let s = PrinterStatus::from_replies(0x1A, 0x32, 0x72).unwrap();
        assert!(s.paper_out && !s.online);
        assert_eq!(s.problem(), Some(DeviceErrorKind::PaperOut));
        // Cover open.
        let s = PrinterStatus::from_replies(0x1A, 0x16, 0x12).unwrap();
        assert!(s.cover_open);
        assert_eq!(s.problem(), Some(DeviceErrorKind::CoverOpen));
        // Paper near end only: still printing.
        let s = PrinterStatus::from_replies(0x12, 0x12, 0x1E).unwrap();
        assert!(s.paper_near_end && s.online);
        assert_eq!(s.problem(), None);
        // Offline without a stated cause.
        let s = PrinterStatus::from_replies(0x1A, 0x12, 0x12).unwrap();
        assert_eq!(s.problem(), Some(DeviceErrorKind::Offline));
        // Error bit.
        let s = PrinterStatus::from_replies(0x1A, 0x52, 0x12).unwrap();
        assert_eq!(s.problem(), Some(DeviceErrorKind::Other));
    }

    #[test]
    fn bytes_without_the_fixed_pattern_are_refused() {
        assert_eq!(
            PrinterStatus::from_replies(0x12, 0x00, 0x12),
            Err(BadStatus { n: 2, byte: 0 })
        );
        assert!(!is_status_byte(b'A'));
        assert!(!is_status_byte(0x92));
    }

    #[test]
    fn replies_round_trip() {
        for bits in 0u8..32 {
            let s = PrinterStatus {
                online: bits & 1 == 0,
                cover_open: bits & 2 != 0,
                paper_out: bits & 4 != 0,
                paper_near_end: bits & 8 != 0,
                error: bits & 16 != 0,
                feeding: false,
            };
            let [a, b, c] = s.replies();
            assert_eq!(PrinterStatus::from_replies(a, b, c).unwrap(), s);
        }
    }
}
