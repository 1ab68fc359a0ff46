//! A serial scanner on a pseudo-terminal.
//!
//! The slave side is what the kiosk opens (its path is [`path`]); every
//! [`send_line`] goes out at once with the configured terminator. Another
//! process can "scan" too: [`open_inbox`] opens a second pseudo-terminal
//! whose every byte is passed on to the scanner's, so that
//! `motcua emulate scanner --into INBOX` types into a running kiosk.
//!
//! [`path`]: ScannerEmulator::path
//! [`send_line`]: ScannerEmulator::send_line
//! [`open_inbox`]: ScannerEmulator::open_inbox

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use crate::scanner::Terminator;

/// A scanner that sends what it is told to.
pub struct ScannerEmulator {
    master: Mutex<TTYPort>,
    /// Kept open so the pty stays usable between the kiosk's opens.
    _slave: TTYPort,
    path: PathBuf,
    terminator: Terminator,
    /// The inbox, once opened: its path, and the flag that stops its
    /// forwarding thread when the emulator goes.
    inbox: Mutex<Option<PathBuf>>,
    stop: Arc<AtomicBool>,
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
            inbox: Mutex::new(None),
            stop: Arc::default(),
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

    /// The path of a second pseudo-terminal: whatever any process writes
    /// there (lines with their terminators) comes out of the scanner as if
    /// scanned, byte for byte. Opened once; later calls return the same
    /// path. Forwarding stops when the emulator is dropped.
    pub fn open_inbox(&self) -> io::Result<PathBuf> {
        let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(path) = inbox.as_ref() {
            return Ok(path.clone());
        }
        let (mut from, keep_open) = TTYPort::pair().map_err(io::Error::other)?;
        let path = PathBuf::from(
            keep_open
                .name()
                .ok_or_else(|| io::Error::other("pty has no name"))?,
        );
        from.set_timeout(Duration::from_millis(200))
            .map_err(io::Error::other)?;
        let mut to = self
            .master
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_clone_native()
            .map_err(io::Error::other)?;
        let stop = Arc::clone(&self.stop);
        std::thread::Builder::new()
            .name("scanner-inbox".into())
            .spawn(move || {
                // Our own slave descriptor keeps the master readable while
                // no writer has the inbox open.
                let _keep_open = keep_open;
                let mut buf = [0u8; 4096];
                while !stop.load(Ordering::Relaxed) {
                    match from.read(&mut buf) {
                        Ok(0) => {}
                        Ok(n) => {
                            if to.write_all(&buf[..n]).and_then(|()| to.flush()).is_err() {
                                return;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => std::thread::sleep(Duration::from_millis(200)),
                    }
                }
            })?;
        *inbox = Some(path.clone());
        Ok(path)
    }
}

impl Drop for ScannerEmulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
