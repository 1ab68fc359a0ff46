//! The printer emulator hosts: on a pseudo-terminal ([`PrinterEmulator`])
//! and in-process ([`EmulatedPrinter`]).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use super::machine::{decode_qr_codes, CodePageMap, Output, Page, PrinterMachine};
use crate::bitmap::Bitmap;
use crate::printer::status::PrinterStatus;
use crate::printer::{
    check_status, render, Paper, PrintWarning, Printed, Printer, PrinterError, PrinterProfile,
    Receipt,
};

/// A fault the emulated printer can be switched into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    PaperOut,
    /// Paper still prints, but the status warns.
    PaperNearEnd,
    CoverOpen,
    Offline,
    /// Stops reading the port: the sender's writes stall, status requests go unanswered.
    Stall,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "paper-out" => Ok(Fault::PaperOut),
            "paper-near-end" | "near-end" => Ok(Fault::PaperNearEnd),
            "cover-open" => Ok(Fault::CoverOpen),
            "offline" => Ok(Fault::Offline),
            "stall" => Ok(Fault::Stall),
            _ => Err(format!(
                "unknown fault {s:?}: use paper-out, paper-near-end, cover-open, offline or stall"
            )),
        }
    }
}

/// The faults switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    pub paper_out: bool,
    pub paper_near_end: bool,
    pub cover_open: bool,
    pub offline: bool,
    pub stall: bool,
}

impl Faults {
    pub fn set(&mut self, fault: Fault, on: bool) {
        match fault {
            Fault::PaperOut => self.paper_out = on,
            Fault::PaperNearEnd => self.paper_near_end = on,
            Fault::CoverOpen => self.cover_open = on,
            Fault::Offline => self.offline = on,
            Fault::Stall => self.stall = on,
        }
    }

    /// The status a printer in these faults reports.
    pub fn status(&self) -> PrinterStatus {
        PrinterStatus {
            online: !(self.paper_out || self.cover_open || self.offline),
            cover_open: self.cover_open,
            paper_out: self.paper_out,
            paper_near_end: self.paper_near_end,
            error: false,
            feeding: false,
        }
    }

    /// Whether nothing comes out of the printer.
    pub fn blocks_printing(&self) -> bool {
        self.paper_out || self.cover_open || self.offline
    }
}

/// A receipt the emulator printed.
#[derive(Debug, Clone)]
pub struct EmulatedReceipt {
    /// 1, 2, … in the order printed.
    pub number: u32,
    pub image: Bitmap,
    pub transcript: String,
    pub png_path: Option<PathBuf>,
    pub transcript_path: Option<PathBuf>,
}

impl EmulatedReceipt {
    /// QR codes decoded from the picture (not from the bytes). Decoding
    /// scans the whole page, so it is done on demand, not per receipt.
    pub fn qr_payloads(&self) -> Vec<String> {
        decode_qr_codes(&self.image)
    }
}

/// Options of a [`PrinterEmulator`].
#[derive(Debug, Clone, Default)]
pub struct PrinterEmulatorOptions {
    pub paper: Paper,
    /// Where to write `receipt-NNNN.png` and `.txt`; `None` = only in memory.
    pub out_dir: Option<PathBuf>,
    pub code_pages: CodePageMap,
    /// A symlink kept pointing at the current pty (like a udev rule's
    /// `/dev/motcua-printer`), so that a replugged emulator is found at
    /// the same path.
    pub link: Option<PathBuf>,
    /// Faults on from the start.
    pub faults: Faults,
}

enum HostCommand {
    Unplug,
    Replug,
}

struct HostState {
    faults: Faults,
    /// (fault, bytes still to receive before it switches on).
    armed: Option<(Fault, usize)>,
    pty_path: PathBuf,
    plugged: bool,
    commands: Vec<HostCommand>,
    /// Bumped each time a command has been carried out.
    done: u64,
    shutdown: bool,
    bytes_received: u64,
}

struct Shared {
    state: Mutex<HostState>,
    cond: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An ESC/POS printer on a pseudo-terminal.
pub struct PrinterEmulator {
    shared: Arc<Shared>,
    receipts: Mutex<Receiver<EmulatedReceipt>>,
    link: Option<PathBuf>,
    thread: Option<JoinHandle<()>>,
}

/// Receipts kept for [`PrinterEmulator::recv_receipt`]; beyond that the
/// newest are dropped from memory (their files are still written), so an
/// emulator nobody reads from does not grow without bound.
const RECEIPT_QUEUE: usize = 64;

/// How often the host thread looks for commands while reading.
const POLL: Duration = Duration::from_millis(20);

fn open_pty(link: Option<&Path>) -> io::Result<(TTYPort, TTYPort, PathBuf)> {
    let (mut master, slave) = TTYPort::pair().map_err(io::Error::other)?;
    master.set_timeout(POLL).map_err(io::Error::other)?;
    let path = PathBuf::from(
        slave
            .name()
            .ok_or_else(|| io::Error::other("pty has no name"))?,
    );
    if let Some(link) = link {
        let _ = std::fs::remove_file(link);
        std::os::unix::fs::symlink(&path, link)?;
    }
    Ok((master, slave, path))
}

impl PrinterEmulator {
    /// Opens a pty and starts answering on it.
    pub fn start(options: PrinterEmulatorOptions) -> io::Result<Self> {
        if let Some(dir) = &options.out_dir {
            std::fs::create_dir_all(dir)?;
        }
        let (master, slave, pty_path) = open_pty(options.link.as_deref())?;
        let shared = Arc::new(Shared {
            state: Mutex::new(HostState {
                faults: options.faults,
                armed: None,
                pty_path,
                plugged: true,
                commands: Vec::new(),
                done: 0,
                shutdown: false,
                bytes_received: 0,
            }),
            cond: Condvar::new(),
        });
        let (tx, rx) = mpsc::sync_channel(RECEIPT_QUEUE);
        let host = Host {
            shared: shared.clone(),
            machine: PrinterMachine::new(options.paper, options.code_pages),
            out_dir: options.out_dir.clone(),
            link: options.link.clone(),
            receipts: tx,
            number: 0,
            job_blocked: false,
        };
        let thread = std::thread::Builder::new()
            .name("printer-emulator".into())
            .spawn(move || host.run(Some((master, slave))))?;
        Ok(Self {
            shared,
            receipts: Mutex::new(rx),
            link: options.link,
            thread: Some(thread),
        })
    }

    /// The path to open: the link if one was asked for, else the pty.
    pub fn path(&self) -> PathBuf {
        self.link.clone().unwrap_or_else(|| self.pty_path())
    }

    /// The current pty slave (changes after a replug).
    pub fn pty_path(&self) -> PathBuf {
        self.shared.lock().pty_path.clone()
    }

    /// Switches a fault on or off.
    pub fn set_fault(&self, fault: Fault, on: bool) {
        self.shared.lock().faults.set(fault, on);
        self.shared.cond.notify_all();
    }

    /// Switches every fault off.
    pub fn clear_faults(&self) {
        let mut s = self.shared.lock();
        s.faults = Faults::default();
        s.armed = None;
        drop(s);
        self.shared.cond.notify_all();
    }

    /// The faults switched on.
    pub fn faults(&self) -> Faults {
        self.shared.lock().faults
    }

    /// Switches `fault` on once `after_bytes` more bytes have arrived —
    /// e.g. the cover opened in the middle of a job.
    pub fn arm_fault(&self, fault: Fault, after_bytes: usize) {
        self.shared.lock().armed = Some((fault, after_bytes));
    }

    /// Bytes received so far.
    pub fn bytes_received(&self) -> u64 {
        self.shared.lock().bytes_received
    }

    fn command(&self, cmd: HostCommand) {
        let mut s = self.shared.lock();
        let target = s.done + 1;
        s.commands.push(cmd);
        self.shared.cond.notify_all();
        while s.done < target && !s.shutdown {
            s = self.shared.cond.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Closes the pty, as if the USB cable was pulled. Returns once done.
    pub fn unplug(&self) {
        self.command(HostCommand::Unplug);
    }

    /// Opens a new pty (and re-points the link). Returns once done.
    pub fn replug(&self) {
        self.command(HostCommand::Replug);
    }

    /// Waits for the next printed receipt, at most `timeout`.
    pub fn recv_receipt(&self, timeout: Duration) -> Option<EmulatedReceipt> {
        let rx = self.receipts.lock().unwrap_or_else(|e| e.into_inner());
        rx.recv_timeout(timeout).ok()
    }

    /// The next printed receipt, if one is waiting.
    pub fn try_recv_receipt(&self) -> Option<EmulatedReceipt> {
        self.receipts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .try_recv()
            .ok()
    }
}

impl Drop for PrinterEmulator {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.cond.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(link) = &self.link {
            let _ = std::fs::remove_file(link);
        }
    }
}

struct Host {
    shared: Arc<Shared>,
    machine: PrinterMachine,
    out_dir: Option<PathBuf>,
    link: Option<PathBuf>,
    receipts: SyncSender<EmulatedReceipt>,
    number: u32,
    /// A fault stopped the printer at some point of the current job.
    job_blocked: bool,
}

impl Host {
    fn run(mut self, mut pty: Option<(TTYPort, TTYPort)>) {
        let mut buf = [0u8; 4096];
        loop {
            // Carry out commands; wait (without polling) while unplugged or stalled.
            {
                let mut s = self.shared.lock();
                loop {
                    if s.shutdown {
                        return;
                    }
                    for cmd in std::mem::take(&mut s.commands) {
                        match cmd {
                            HostCommand::Unplug => {
                                pty = None;
                                if let Some(link) = &self.link {
                                    let _ = std::fs::remove_file(link);
                                }
                                s.plugged = false;
                            }
                            HostCommand::Replug => match open_pty(self.link.as_deref()) {
                                Ok((m, sl, path)) => {
                                    pty = Some((m, sl));
                                    s.pty_path = path;
                                    s.plugged = true;
                                }
                                Err(err) => tracing::error!(%err, "emulator cannot open a new pty"),
                            },
                        }
                        s.done += 1;
                        self.shared.cond.notify_all();
                    }
                    if s.plugged && !s.faults.stall && pty.is_some() {
                        break;
                    }
                    s = self.shared.cond.wait(s).unwrap_or_else(|e| e.into_inner());
                }
            }
            let Some((master, _)) = pty.as_mut() else {
                continue;
            };
            match master.read(&mut buf) {
                Ok(0) => {}
                Ok(n) => {
                    let replies = self.receive(&buf[..n]);
                    if !replies.is_empty() {
                        let _ = master.write_all(&replies);
                        let _ = master.flush();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    // No slave open right now (EIO): wait for the next open.
                    std::thread::park_timeout(POLL);
                }
            }
        }
    }

    /// Processes received bytes; returns the status replies to send.
    fn receive(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut replies = Vec::new();
        self.shared.lock().bytes_received += bytes.len() as u64;
        let mut rest = bytes;
        while !rest.is_empty() {
            let armed = self.shared.lock().armed;
            match armed {
                // Split the chunk where an armed fault switches on.
                Some((fault, left)) if left <= rest.len() => {
                    let (now, later) = rest.split_at(left);
                    self.process(now, &mut replies);
                    let mut s = self.shared.lock();
                    s.armed = None;
                    s.faults.set(fault, true);
                    if s.faults.blocks_printing() {
                        self.job_blocked = true;
                    }
                    rest = later;
                }
                Some((fault, left)) => {
                    self.shared.lock().armed = Some((fault, left - rest.len()));
                    self.process(rest, &mut replies);
                    rest = &[];
                }
                None => {
                    self.process(rest, &mut replies);
                    rest = &[];
                }
            }
        }
        replies
    }

    fn process(&mut self, bytes: &[u8], replies: &mut Vec<u8>) {
        for out in self.machine.push(bytes) {
            let faults = self.shared.lock().faults;
            if faults.blocks_printing() {
                self.job_blocked = true;
            }
            match out {
                Output::JobStart => self.job_blocked = faults.blocks_printing(),
                Output::StatusRequest(n) => {
                    let [a, b, c] = faults.status().replies();
                    replies.push(match n {
                        1 => a,
                        2 => b,
                        4 => c,
                        _ => 0x12,
                    });
                }
                Output::Page(page) => {
                    if self.job_blocked {
                        tracing::info!("emulated printer: page not printed (fault)");
                        continue;
                    }
                    self.number += 1;
                    match finish_receipt(self.number, page, self.out_dir.as_deref()) {
                        Ok(r) => match self.receipts.try_send(r) {
                            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
                            Err(TrySendError::Full(r)) => {
                                tracing::debug!(
                                    number = r.number,
                                    "receipt queue full; kept on disk only"
                                );
                            }
                        },
                        Err(err) => tracing::error!(%err, "emulated printer cannot write receipt"),
                    }
                }
            }
        }
    }
}

fn finish_receipt(number: u32, page: Page, out_dir: Option<&Path>) -> io::Result<EmulatedReceipt> {
    let (mut png_path, mut transcript_path) = (None, None);
    if let Some(dir) = out_dir {
        let png = dir.join(format!("receipt-{number:04}.png"));
        let txt = dir.join(format!("receipt-{number:04}.txt"));
        std::fs::write(&png, page.image.to_png())?;
        std::fs::write(&txt, format!("{}\n", page.transcript))?;
        png_path = Some(png);
        transcript_path = Some(txt);
    }
    Ok(EmulatedReceipt {
        number,
        image: page.image,
        transcript: page.transcript,
        png_path,
        transcript_path,
    })
}

/// The emulated printer in-process: a [`Printer`] whose jobs go straight
/// into the emulator's mechanism. For the kiosk's demo mode and for tests
/// of code that prints.
pub struct EmulatedPrinter {
    profile: PrinterProfile,
    machine: PrinterMachine,
    faults: Faults,
    printed: Vec<EmulatedReceipt>,
    number: u32,
}

impl EmulatedPrinter {
    pub fn new(profile: PrinterProfile) -> Self {
        Self {
            machine: PrinterMachine::new(profile.paper, CodePageMap::default()),
            profile,
            faults: Faults::default(),
            printed: Vec::new(),
            number: 0,
        }
    }

    pub fn set_fault(&mut self, fault: Fault, on: bool) {
        self.faults.set(fault, on);
    }

    /// Receipts printed since the last call (at most the 64 newest),
    /// oldest first; taking them empties the tray.
    pub fn take_receipts(&mut self) -> Vec<EmulatedReceipt> {
        std::mem::take(&mut self.printed)
    }
}

impl Printer for EmulatedPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError> {
        let job = render(receipt, &self.profile)?;
        self.print_bytes(&job)
    }

    fn print_bytes(&mut self, job: &[u8]) -> Result<Printed, PrinterError> {
        if self.faults.stall {
            return Err(PrinterError::NoReply {
                query: 1,
                timeout: Duration::ZERO,
            });
        }
        check_status(self.faults.status(), false)?;
        for out in self.machine.push(job) {
            if let Output::Page(page) = out {
                self.number += 1;
                let r = finish_receipt(self.number, page, None).map_err(|e| {
                    PrinterError::Transport(crate::serial::TransportError::Disconnected(e))
                })?;
                if self.printed.len() == RECEIPT_QUEUE {
                    self.printed.remove(0);
                }
                self.printed.push(r);
            }
        }
        let mut warnings = check_status(self.faults.status(), true)?;
        warnings.dedup();
        debug_assert!(warnings.iter().all(|w| *w == PrintWarning::PaperNearEnd));
        Ok(Printed {
            bytes_sent: job.len(),
            status: self.faults.status(),
            warnings,
        })
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        if self.faults.stall {
            return Err(PrinterError::NoReply {
                query: 1,
                timeout: Duration::ZERO,
            });
        }
        Ok(self.faults.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DeviceErrorKind;
    use crate::printer::samples;

    #[test]
    fn in_process_printer_prints_and_faults() {
        let mut p = EmulatedPrinter::new(PrinterProfile::default());
        let printed = p.print(&samples::queue_ticket()).unwrap();
        assert!(printed.warnings.is_empty());
        let r = p.take_receipts();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].qr_payloads(), vec![samples::TICKET_QR]);
        assert!(r[0].transcript.contains("SỐ THỨ TỰ"), "{}", r[0].transcript);
        p.set_fault(Fault::PaperOut, true);
        assert_eq!(
            p.print(&samples::queue_ticket()).unwrap_err().kind(),
            DeviceErrorKind::PaperOut
        );
        assert!(p.take_receipts().is_empty());
        p.set_fault(Fault::PaperOut, false);
        p.set_fault(Fault::PaperNearEnd, true);
        assert_eq!(
            p.print(&samples::queue_ticket()).unwrap().warnings,
            vec![PrintWarning::PaperNearEnd]
        );
    }

    #[test]
    fn faults_parse_from_the_command_line() {
        assert_eq!("paper-out".parse::<Fault>().unwrap(), Fault::PaperOut);
        assert_eq!("cover_open".parse::<Fault>().unwrap(), Fault::CoverOpen);
        assert!("jam".parse::<Fault>().is_err());
    }
}
