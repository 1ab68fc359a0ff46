//! The devices an app uses, built from configuration: a real printer on a
//! serial port, or — with none configured — the printer emulator on a
//! pseudo-terminal driven through the very same serial driver, so demo mode
//! exercises the production code path and can show what was printed.

use std::sync::Arc;
use std::time::Duration;

use motcua_drivers::emulator::{PrinterEmulator, PrinterEmulatorOptions};
use motcua_drivers::{
    DeviceErrorKind, Printed, Printer, PrinterError, PrinterProfile, PrinterStatus, Receipt,
    SerialPrinter, SerialSettings,
};

use crate::apps::diagnostics::events::{self, Device, DeviceMonitor};
use crate::apps::diagnostics::scanner::ScannerMonitor;
use crate::config::PrinterConfig;

/// A 1-bit picture of what the emulated printer printed, for the on-screen
/// preview in demo mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub width: usize,
    pub height: usize,
    /// Row-major, `true` = black dot.
    pub dots: Arc<Vec<bool>>,
}

/// The outcome of a print job, as the runtime reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintOutcome {
    pub result: Result<bool, DeviceErrorKind>,
    pub preview: Option<Preview>,
}

/// The printer a kiosk prints tickets and receipts on.
pub struct TicketPrinter {
    printer: Box<dyn Printer>,
    /// Characters per line in the normal font (48 on 80 mm, 32 on 58 mm).
    columns: usize,
    /// In demo mode: the emulator at the other end of the pty, whose
    /// rendering of each job becomes the on-screen preview.
    emulator: Option<PrinterEmulator>,
    description: String,
    /// Every outcome goes here; changes reach the hub as device events.
    health: DeviceMonitor,
}

impl std::fmt::Debug for TicketPrinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketPrinter")
            .field("description", &self.description)
            .field("emulated", &self.emulator.is_some())
            .finish()
    }
}

impl TicketPrinter {
    /// The configured printer, or the emulator when `config` is `None`.
    pub fn from_config(config: Option<&PrinterConfig>) -> std::io::Result<Self> {
        match config {
            Some(c) => {
                let printer = SerialPrinter::open(c.serial.clone(), c.profile.clone())
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                Ok(Self {
                    printer: Box::new(printer),
                    columns: c.profile.paper.columns(),
                    emulator: None,
                    description: format!("{} ({})", c.serial.port, c.profile.text_mode),
                    health: DeviceMonitor::new(Device::Printer),
                })
            }
            None => Self::emulated(PrinterProfile::default()),
        }
    }

    /// The printer emulator on a fresh pseudo-terminal.
    pub fn emulated(profile: PrinterProfile) -> std::io::Result<Self> {
        let emulator = PrinterEmulator::start(PrinterEmulatorOptions {
            paper: profile.paper,
            ..PrinterEmulatorOptions::default()
        })?;
        let mut settings = SerialSettings::for_port(emulator.path());
        settings.exclusive = false;
        let columns = profile.paper.columns();
        let printer = SerialPrinter::open(settings, profile)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let description = format!("emulator {}", emulator.path().display());
        Ok(Self {
            printer: Box::new(printer),
            columns,
            emulator: Some(emulator),
            description,
            health: DeviceMonitor::new(Device::Printer),
        })
    }

    /// The printer's health monitor: connect it to the hub
    /// ([`events::hub_sink`]) to report faults and recoveries.
    pub fn health(&self) -> &DeviceMonitor {
        &self.health
    }

    pub fn is_emulated(&self) -> bool {
        self.emulator.is_some()
    }

    /// The emulator, in demo mode (for technicians' fault switches).
    pub fn emulator(&self) -> Option<&PrinterEmulator> {
        self.emulator.as_ref()
    }

    /// Characters per line of the paper, for wrapping receipts.
    pub fn columns(&self) -> usize {
        self.columns
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Prints, and says what happened in terms the kiosk understands.
    pub fn print(&mut self, receipt: &Receipt) -> PrintOutcome {
        let printed = self.printer.print(receipt);
        let (state, kind) = events::printed_state(&printed);
        self.health.observe(state, kind);
        match printed {
            Ok(printed) => {
                let near_end = !printed.warnings.is_empty();
                let preview = self
                    .emulator
                    .as_ref()
                    .and_then(|e| e.recv_receipt(Duration::from_secs(2)))
                    .map(|r| {
                        let (w, h) = (r.image.width(), r.image.height());
                        let dots = (0..h)
                            .flat_map(|y| (0..w).map(move |x| (x, y)))
                            .map(|(x, y)| r.image.get(x, y))
                            .collect();
                        Preview {
                            width: w,
                            height: h,
                            dots: Arc::new(dots),
                        }
                    });
                PrintOutcome {
                    result: Ok(near_end),
                    preview,
                }
            }
            Err(err) => {
                tracing::warn!(printer = %self.description, %err, kind = ?err.kind(), "print failed");
                PrintOutcome {
                    result: Err(err.kind()),
                    preview: None,
                }
            }
        }
    }
}

/// The technician's view of the kiosk printer: the driver's [`Printer`]
/// with every outcome also watched by the health monitor (status reads
/// and test prints report recoveries too).
impl Printer for TicketPrinter {
    fn print(&mut self, receipt: &Receipt) -> Result<Printed, PrinterError> {
        let printed = self.printer.print(receipt);
        let (state, kind) = events::printed_state(&printed);
        self.health.observe(state, kind);
        printed
    }

    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let status = self.printer.status();
        let (state, kind) = events::status_state(&status);
        self.health.observe(state, kind);
        status
    }

    fn print_bytes(&mut self, job: &[u8]) -> Result<Printed, PrinterError> {
        let printed = self.printer.print_bytes(job);
        let (state, kind) = events::printed_state(&printed);
        self.health.observe(state, kind);
        printed
    }
}

/// The kiosk's ID-card / QR scanner: a real one on a serial port, or — with
/// none configured — the scanner emulator on a pty read through the same
/// serial driver (its "sample card" button sends a test card through it).
pub struct ScannerDevice {
    pub scanner: Box<dyn motcua_drivers::Scanner>,
    pub emulator: Option<motcua_drivers::emulator::ScannerEmulator>,
    pub description: String,
    /// The last frame, masked, for the technician screen.
    pub frames: ScannerMonitor,
    /// Faults and recoveries, for the hub.
    pub health: DeviceMonitor,
}

impl ScannerDevice {
    /// The configured scanner, or the emulator when `config` is `None`.
    pub fn from_config(config: Option<&crate::config::ScannerConfig>) -> std::io::Result<Self> {
        use motcua_drivers::emulator::ScannerEmulator;
        use motcua_drivers::{SerialScanner, Terminator};
        match config {
            Some(c) => {
                let scanner = SerialScanner::open(c.serial.clone(), &c.profile)
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                Ok(Self {
                    scanner: Box::new(scanner),
                    emulator: None,
                    description: c.serial.port.to_string(),
                    frames: ScannerMonitor::new(),
                    health: DeviceMonitor::new(Device::Scanner),
                })
            }
            None => {
                let emulator = ScannerEmulator::start(Terminator::Crlf)?;
                let mut settings = SerialSettings::for_port(emulator.path());
                settings.exclusive = false;
                let scanner = SerialScanner::open(settings, &Default::default())
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                let description = format!("emulator {}", emulator.path().display());
                Ok(Self {
                    scanner: Box::new(scanner),
                    emulator: Some(emulator),
                    description,
                    frames: ScannerMonitor::new(),
                    health: DeviceMonitor::new(Device::Scanner),
                })
            }
        }
    }
}

/// The sample card the demo's "Quét thẻ mẫu" button sends (DOMAIN.md
/// vector; synthetic person).
pub const SAMPLE_CARD: &str = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";
