//! A serial scanner on a pseudo-terminal.
//!
//! The slave side is what the kiosk opens (its path is [`path`]); every
//! [`send_line`] goes out at once with the configured terminator.
//!
//! [`path`]: ScannerEmulator::path
//! [`send_line`]: ScannerEmulator::send_line

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use serialport::{SerialPort, TTYPort};

use crate::scanner::Terminator;

/// A scanner that sends what it is told to.
pub struct ScannerEmulator {
    master: Mutex<TTYPort>,
    /// Kept open so the pty stays usable between the kiosk's opens.
    _slave: TTYPort,
    path: PathBuf,
    terminator: Terminator,
}

impl ScannerEmulator {
    /// Opens a pseudo-terminal pair.
    pub fn start(terminator: Terminator) -> io::Result<Self> {
        let (master, slave) = TTYPort::pair().map_err(io::Error::other)?;
        let path = PathBuf::from(
            slave
                .name()
                .ok_or_else(|| io::Error::other("pty has no name"))?,
        );
        Ok(Self {
            master: Mutex::new(master),
            _slave: slave,
            path,
            terminator,
        })
    }

    /// The device path to open as the scanner.
    pub fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Sends one line followed by the terminator.
    pub fn send_line(&self, line: &str) -> io::Result<()> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(self.terminator.bytes());
        self.send_bytes(&bytes)
    }

    /// Sends raw bytes (for tests of broken scanners).
    pub fn send_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        let mut master = self.master.lock().unwrap_or_else(|e| e.into_inner());
        master.write_all(bytes)?;
        master.flush()
    }
}
