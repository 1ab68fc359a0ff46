//! ESC/POS receipt printers.
//!
//! For application code: build a [`Receipt`], describe the printer with a
//! [`PrinterProfile`], and call [`Printer::print`]. A job counts as printed
//! only when the printer's status *after* the job says so; otherwise the
//! error's [`kind()`](PrinterError::kind) says why (paper out, cover open,
//! offline, no answer, unplugged).
//!
//! Two implementations of [`Printer`]: [`SerialPrinter`] talks to a real
//! printer (or the pty emulator) over a [`Transport`]; the in-process
//! [`EmulatedPrinter`](crate::emulator::EmulatedPrinter) feeds the same
//! bytes straight into the emulator.
//!
//! Layout: [`receipt`] (the document), [`profile`] (the printer model),
//! [`encoding`] (TCVN-3, Windows-1258), [`mod@render`] (receipt → bytes),
//! [`status`] (`DLE EOT`), [`probe`] (the code-page probe page),
//! [`samples`] (the sample ticket and receipt).

pub mod encoding;
pub mod probe;
pub mod profile;
pub mod receipt;
pub mod render;
pub mod samples;
pub mod status;

use std::time::{Duration, Instant};

use serde::Serialize;

pub use profile::{Paper, PrinterProfile, TextMode};
pub use receipt::{Align, Block, Line, Receipt};
pub use render::{render, RenderError};
pub use status::PrinterStatus;

use crate::error::DeviceErrorKind;
use crate::serial::{SerialSettings, SerialTransport, Transport, TransportError};

/// A warning about a job that printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintWarning {
    /// The roll is nearly finished: change it soon.
    PaperNearEnd,
}

/// A job the printer confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Printed {
    /// Bytes sent for the job.
    pub bytes_sent: usize,
    /// Status read after the job.
    pub status: PrinterStatus,
    pub warnings: Vec<PrintWarning>,
}

/// Why a job did not print, or a status could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// The printer reported a problem. `during_job` is true when it was
    /// fine before the job and not after it: part of the receipt may have
    /// come out, so staff should reprint.
    #[error("printer reports {kind} ({})", if *during_job { "during the job" } else { "before the job" })]
    Reported {
        kind: DeviceErrorKind,
        during_job: bool,
        status: PrinterStatus,
    },
    #[error("printer did not answer DLE EOT {query} within {timeout:?}")]
    NoReply { query: u8, timeout: Duration },
    #[error("printer stopped accepting data (stalled) after {timeout:?}")]
    Stalled { timeout: Duration },
    #[error(transparent)]
    BadStatus(#[from] status::BadStatus),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Transport(TransportError),
}

impl PrinterError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            PrinterError::Reported { kind, .. } => *kind,
            PrinterError::NoReply { .. } | PrinterError::Stalled { .. } => DeviceErrorKind::Timeout,
            PrinterError::BadStatus(_) | PrinterError::Render(_) => DeviceErrorKind::BadData,
            PrinterError::Transport(t) => t.kind(),
        }
    }
}

impl From<TransportError> for PrinterError {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Timeout(timeout) => PrinterError::Stalled { timeout },
            other => PrinterError::Transport(other),
        }
    }
}

/// A receipt printer. `Send`, so the app can drive it from a worker thread.
pub trait Printer: Send {
    /// Prints a receipt; `Ok` only when the status after the job is good.
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError>;
    /// Reads the printer's real-time status.
    fn status(&mut self) -> Result<PrinterStatus, PrinterError>;
    /// Sends a prepared job (the code-page probe page, a technician's feed
    /// and cut) with the same status checks before and after as
    /// [`print`](Printer::print).
    fn print_bytes(&mut self, job: &[u8]) -> Result<Printed, PrinterError>;
}

/// Checks a status, before (`during_job == false`) or after a job.
pub fn check_status(
    status: PrinterStatus,
    during_job: bool,
) -> Result<Vec<PrintWarning>, PrinterError> {
    if let Some(kind) = status.problem() {
        return Err(PrinterError::Reported {
            kind,
            during_job,
            status,
        });
    }
    let mut warnings = Vec::new();
    if status.paper_near_end {
        warnings.push(PrintWarning::PaperNearEnd);
    }
    Ok(warnings)
}

/// An ESC/POS printer on a serial port (or anything else that is a [`Transport`]).
pub struct SerialPrinter<T: Transport = SerialTransport> {
    transport: T,
    profile: PrinterProfile,
    status_timeout: Duration,
}

impl SerialPrinter<SerialTransport> {
    /// A printer on this port; the port is opened on first use, so a kiosk
    /// starts even with its printer switched off.
    pub fn open(settings: SerialSettings, profile: PrinterProfile) -> Result<Self, PrinterError> {
        let timeout = settings.read_timeout();
        let transport = SerialTransport::new(settings)?;
        Ok(Self::with_transport(transport, profile, timeout))
    }
}

impl<T: Transport> SerialPrinter<T> {
    /// A printer over any transport; `status_timeout` bounds each status reply.
    pub fn with_transport(transport: T, profile: PrinterProfile, status_timeout: Duration) -> Self {
        Self {
            transport,
            profile,
            status_timeout,
        }
    }

    pub fn profile(&self) -> &PrinterProfile {
        &self.profile
    }

    pub fn transport(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Sends a prepared job (e.g. the probe page) with the same status
    /// checks as [`Printer::print`].
    pub fn print_bytes(&mut self, job: &[u8]) -> Result<Printed, PrinterError> {
        let before = self.read_status()?;
        check_status(before, false)?;
        self.transport.write_all(job)?;
        let after = self.read_status()?;
        let warnings = check_status(after, true)?;
        tracing::info!(bytes = job.len(), "print job confirmed by printer status");
        Ok(Printed {
            bytes_sent: job.len(),
            status: after,
            warnings,
        })
    }

    fn read_status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let mut replies = [0u8; 3];
        for (reply, n) in replies.iter_mut().zip(status::QUERIES) {
            // Stale bytes (an old reply, line noise) must not pass for the answer.
            self.transport.clear_input()?;
            self.transport.write_all(&status::request(n))?;
            *reply = self.read_reply(n)?;
        }
        Ok(PrinterStatus::from_replies(
            replies[0], replies[1], replies[2],
        )?)
    }

    fn read_reply(&mut self, n: u8) -> Result<u8, PrinterError> {
        let deadline = Instant::now() + self.status_timeout;
        let mut byte = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PrinterError::NoReply {
                    query: n,
                    timeout: self.status_timeout,
                });
            }
            if self.transport.read(&mut byte, left)? == 1 {
                return Ok(byte[0]);
            }
        }
    }
}

impl<T: Transport> Printer for SerialPrinter<T> {
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError> {
        let job = render(receipt, &self.profile)?;
        self.print_bytes(&job)
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        self.read_status()
    }

    fn print_bytes(&mut self, job: &[u8]) -> Result<Printed, PrinterError> {
        SerialPrinter::print_bytes(self, job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A transport that answers status requests from a script.
    struct Scripted {
        replies: VecDeque<u8>,
        written: Vec<u8>,
        pending: VecDeque<u8>,
    }

    impl Transport for Scripted {
        fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
            self.written.extend_from_slice(bytes);
            if bytes.len() == 3 && bytes[..2] == [0x10, 0x04] {
                if let Some(r) = self.replies.pop_front() {
                    self.pending.push_back(r);
                }
            }
            Ok(())
        }

        fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
            match self.pending.pop_front() {
                Some(b) => {
                    buf[0] = b;
                    Ok(1)
                }
                None => Ok(0),
            }
        }

        fn clear_input(&mut self) -> Result<(), TransportError> {
            self.pending.clear();
            Ok(())
        }
    }

    fn printer(replies: &[u8]) -> SerialPrinter<Scripted> {
        SerialPrinter::with_transport(
            Scripted {
                replies: replies.iter().copied().collect(),
                written: Vec::new(),
                pending: VecDeque::new(),
            },
            PrinterProfile::default(),
            Duration::from_millis(10),
        )
    }

    #[test]
    fn healthy_job_is_printed_with_status_before_and_after() {
        let mut p = printer(&[0x12; 6]);
        let printed = p.print(&Receipt::new().text("Xin chào")).unwrap();
        assert!(printed.warnings.is_empty());
        let w = &p.transport().written;
        assert_eq!(&w[..9], &[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4]);
        assert_eq!(&w[9..11], &[0x1B, 0x40]);
        assert_eq!(&w[w.len() - 9..], &[0x10, 4, 1, 0x10, 4, 2, 0x10, 4, 4]);
        assert_eq!(printed.bytes_sent, w.len() - 18);
    }

    #[test]
    fn paper_out_before_the_job_sends_nothing() {
        let mut p = printer(&[0x1A, 0x32, 0x72]);
        let err = p.print(&Receipt::new().text("x")).unwrap_err();
        assert_eq!(err.kind(), DeviceErrorKind::PaperOut);
        assert!(matches!(
            err,
            PrinterError::Reported {
                during_job: false,
                ..
            }
        ));
        assert_eq!(p.transport().written.len(), 9);
    }

    #[test]
    fn paper_near_end_is_a_warning() {
        let mut p = printer(&[0x12, 0x12, 0x1E, 0x12, 0x12, 0x1E]);
        let printed = p.print(&Receipt::new().text("x")).unwrap();
        assert_eq!(printed.warnings, vec![PrintWarning::PaperNearEnd]);
    }

    #[test]
    fn cover_opened_during_the_job() {
        let mut p = printer(&[0x12, 0x12, 0x12, 0x1A, 0x16, 0x12]);
        let err = p.print(&Receipt::new().text("x")).unwrap_err();
        assert_eq!(err.kind(), DeviceErrorKind::CoverOpen);
        assert!(matches!(
            err,
            PrinterError::Reported {
                during_job: true,
                ..
            }
        ));
    }

    #[test]
    fn silence_is_a_timeout() {
        let mut p = printer(&[]);
        let err = p.status().unwrap_err();
        assert_eq!(err.kind(), DeviceErrorKind::Timeout);
    }

    #[test]
    fn garbage_reply_is_bad_data() {
        let mut p = printer(&[b'A', 0x12, 0x12]);
        assert_eq!(p.status().unwrap_err().kind(), DeviceErrorKind::BadData);
    }
}
