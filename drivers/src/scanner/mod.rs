//! ID-card and QR scanners.
//!
//! For application code: a [`Scanner`] yields framed, validated, NFC lines
//! ([`Scanner::read_line`]) or whole parsed documents
//! ([`Scanner::read_document`]), each with a timeout. Two implementations:
//! [`SerialScanner`] over a serial port (or the pty emulator), and
//! [`MemoryScanner`], fed in-process through a [`ScanFeed`].
//!
//! Layout: [`framing`] (bytes → lines), [`identity`] (the document type,
//! errors, masking), the parsers [`cccd`] (the QR code) and [`mrz`] (ICAO
//! TD1), which depend on `identity` only, and [`dispatch`], the one place
//! that decides which parser a line goes to.

pub mod cccd;
pub mod dispatch;
pub mod framing;
pub mod identity;
pub mod mrz;

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use dispatch::{parse_bytes, parse_line, DocumentAssembler};
pub use framing::{FrameError, LineFramer};
pub use identity::{mask_id_number, DocumentKind, IdError, IdWarning, IdentityDocument, Sex};

use crate::error::DeviceErrorKind;
use crate::serial::{SerialSettings, SerialTransport, Transport, TransportError};

/// Line terminator a scanner sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    Cr,
    Lf,
    #[default]
    Crlf,
}

impl Terminator {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Terminator::Cr => b"\r",
            Terminator::Lf => b"\n",
            Terminator::Crlf => b"\r\n",
        }
    }
}

impl FromStr for Terminator {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "cr" => Ok(Terminator::Cr),
            "lf" => Ok(Terminator::Lf),
            "crlf" => Ok(Terminator::Crlf),
            _ => Err(format!("unknown terminator {s:?}: use cr, lf or crlf")),
        }
    }
}

impl fmt::Display for Terminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Terminator::Cr => "cr",
            Terminator::Lf => "lf",
            Terminator::Crlf => "crlf",
        })
    }
}

/// Scanner behaviour, embedded in the application's TOML next to its
/// [`SerialSettings`]. The framer accepts CR, LF and CRLF whatever is set
/// here; `terminator` is what the emulator sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScannerProfile {
    pub terminator: Terminator,
    /// A line with no new byte for this long is dropped as truncated.
    pub inter_byte_gap_ms: u64,
}

impl Default for ScannerProfile {
    fn default() -> Self {
        Self {
            terminator: Terminator::Crlf,
            inter_byte_gap_ms: 200,
        }
    }
}

/// Why no line or document came.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Id(#[from] IdError),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the scanner feed was closed")]
    Closed,
}

impl ScannerError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            ScannerError::Frame(_) | ScannerError::Id(_) => DeviceErrorKind::BadData,
            ScannerError::Transport(t) => t.kind(),
            ScannerError::Closed => DeviceErrorKind::Disconnected,
        }
    }
}

/// A scanner. `Send`, so the app can read it on a worker thread.
pub trait Scanner: Send {
    /// The next line, or `Ok(None)` if none arrived within `timeout`.
    fn read_line(&mut self, timeout: Duration) -> Result<Option<String>, ScannerError>;

    /// The next identity document: one QR line, or three MRZ lines read
    /// within `timeout` of each other. `Ok(None)` if nothing arrived.
    fn read_document(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<IdentityDocument>, ScannerError> {
        let mut assembler = DocumentAssembler::new();
        loop {
            match self.read_line(timeout)? {
                Some(line) => {
                    if let Some(result) = assembler.push(&line) {
                        return Ok(Some(result?));
                    }
                }
                None => {
                    return match assembler.finish() {
                        Some(err) => Err(err.into()),
                        None => Ok(None),
                    }
                }
            }
        }
    }
}

/// A scanner on a serial port (USB-CDC mode).
pub struct SerialScanner<T: Transport = SerialTransport> {
    transport: T,
    framer: LineFramer,
    gap: Duration,
    ready: VecDeque<Result<String, FrameError>>,
    last_byte: Instant,
}

impl SerialScanner<SerialTransport> {
    /// A scanner on this port; opened on first read.
    pub fn open(settings: SerialSettings, profile: &ScannerProfile) -> Result<Self, ScannerError> {
        let transport = SerialTransport::new(settings)?;
        Ok(Self::with_transport(
            transport,
            Duration::from_millis(profile.inter_byte_gap_ms),
        ))
    }
}

impl<T: Transport> SerialScanner<T> {
    pub fn with_transport(transport: T, gap: Duration) -> Self {
        Self {
            transport,
            framer: LineFramer::new(),
            gap,
            ready: VecDeque::new(),
            last_byte: Instant::now(),
        }
    }
}

impl<T: Transport> Scanner for SerialScanner<T> {
    fn read_line(&mut self, timeout: Duration) -> Result<Option<String>, ScannerError> {
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 512];
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Ok(Some(frame?));
            }
            let now = Instant::now();
            let gap_end = self.last_byte + self.gap;
            if self.framer.has_partial() && now >= gap_end {
                if let Some(err) = self.framer.gap_elapsed() {
                    return Err(err.into());
                }
            }
            if now >= deadline {
                // A partial line stays buffered for the next call.
                return Ok(None);
            }
            let mut wait = deadline - now;
            if self.framer.has_partial() {
                wait = wait.min(gap_end.saturating_duration_since(now));
            }
            let n = self.transport.read(&mut buf, wait)?;
            if n > 0 {
                self.last_byte = Instant::now();
                self.ready.extend(self.framer.push(&buf[..n]));
            }
        }
    }
}

/// The sending end of a [`MemoryScanner`].
#[derive(Debug, Clone)]
pub struct ScanFeed {
    tx: mpsc::Sender<Vec<u8>>,
}

impl ScanFeed {
    /// Sends raw bytes, as a scanner would (terminator included).
    pub fn send_bytes(&self, bytes: &[u8]) -> bool {
        self.tx.send(bytes.to_vec()).is_ok()
    }

    /// Sends a line followed by CR LF.
    pub fn send_line(&self, line: &str) -> bool {
        let mut b = line.as_bytes().to_vec();
        b.extend_from_slice(b"\r\n");
        self.tx.send(b).is_ok()
    }
}

/// An in-process scanner for demos and tests: what a [`ScanFeed`] sends
/// goes through the same framing as a serial scanner.
pub struct MemoryScanner {
    rx: mpsc::Receiver<Vec<u8>>,
    framer: LineFramer,
    ready: VecDeque<Result<String, FrameError>>,
}

impl MemoryScanner {
    pub fn new() -> (MemoryScanner, ScanFeed) {
        let (tx, rx) = mpsc::channel();
        (
            MemoryScanner {
                rx,
                framer: LineFramer::new(),
                ready: VecDeque::new(),
            },
            ScanFeed { tx },
        )
    }
}

impl Scanner for MemoryScanner {
    fn read_line(&mut self, timeout: Duration) -> Result<Option<String>, ScannerError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(frame) = self.ready.pop_front() {
                return Ok(Some(frame?));
            }
            let wait = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(wait) {
                Ok(bytes) => self.ready.extend(self.framer.push(&bytes)),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return match self.framer.gap_elapsed() {
                        Some(err) => Err(err.into()),
                        None => Ok(None),
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    if let Some(err) = self.framer.gap_elapsed() {
                        return Err(err.into());
                    }
                    return Err(ScannerError::Closed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_scanner_frames_and_parses() {
        let (mut scanner, feed) = MemoryScanner::new();
        feed.send_bytes(b"079195001234||Tr\xe1\xba\xa7n Th\xe1\xbb\x8b B\xc3\xacnh|01021995|N\xe1\xbb\xaf|P|10072022\r");
        feed.send_bytes(b"\n");
        let doc = scanner
            .read_document(Duration::from_secs(5))
            .unwrap()
            .unwrap();
        assert_eq!(doc.full_name, "Trần Thị Bình");
        assert!(scanner.read_line(Duration::ZERO).unwrap().is_none());
    }

    #[test]
    fn memory_scanner_reports_bad_lines_as_bad_data() {
        let (mut scanner, feed) = MemoryScanner::new();
        feed.send_bytes(b"\xff\xfe\n");
        let err = scanner.read_line(Duration::from_secs(5)).unwrap_err();
        assert_eq!(err.kind(), DeviceErrorKind::BadData);
        feed.send_line("not an id");
        let err = scanner.read_document(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(err, ScannerError::Id(IdError::NotRecognised)));
        drop(feed);
        assert_eq!(
            scanner
                .read_line(Duration::from_secs(5))
                .unwrap_err()
                .kind(),
            DeviceErrorKind::Disconnected
        );
    }

    #[test]
    fn terminators_parse() {
        assert_eq!("CRLF".parse::<Terminator>().unwrap(), Terminator::Crlf);
        assert_eq!(Terminator::Cr.bytes(), b"\r");
        assert!("tab".parse::<Terminator>().is_err());
    }
}
