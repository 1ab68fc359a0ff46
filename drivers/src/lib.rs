//! Device drivers for motcua: serial transport, ESC/POS receipt printers,
//! ID-card/QR scanners and their emulators.
//!
//! This crate knows nothing of the application: no hub, no UI, no
//! configuration file. It offers small traits for device capabilities and
//! concrete implementations over serial ports, plus emulators used by tests,
//! demos and technician training.
//!
//! # Layout
//!
//! - [`error`]: [`DeviceErrorKind`], the one classification every device
//!   error answers with `kind()`, with Vietnamese and English sentences.
//! - [`serial`]: [`SerialSettings`], the [`Transport`] trait and
//!   [`SerialTransport`] (exclusive open, timeouts, reconnect with backoff).
//! - [`discovery`]: serial ports with their USB ids, from sysfs (no libudev).
//! - [`printer`]: the [`Receipt`] document, [`PrinterProfile`], Vietnamese
//!   text modes, ESC/POS rendering, status, the [`Printer`] trait and
//!   [`SerialPrinter`].
//! - [`scanner`]: line framing, the CCCD QR and MRZ parsers returning one
//!   [`IdentityDocument`], the [`Scanner`] trait, [`SerialScanner`] and
//!   [`MemoryScanner`].
//! - [`emulator`]: a printer and a scanner on pseudo-terminals, and the
//!   in-process [`EmulatedPrinter`](emulator::EmulatedPrinter).
//! - [`font`] and [`bitmap`]: the embedded Noto Sans rasterised to printer dots.
//!
//! Every device trait is `Send` and has two implementations: the real
//! serial one and an in-process one.

pub mod bitmap;
pub mod discovery;
pub mod emulator;
pub mod error;
pub mod font;
pub mod printer;
pub mod scanner;
pub mod serial;

pub use error::DeviceErrorKind;
pub use printer::{
    Align, Line, Paper, PrintWarning, Printed, Printer, PrinterError, PrinterProfile,
    PrinterStatus, Receipt, SerialPrinter, TextMode,
};
pub use scanner::{
    mask_id_number, IdError, IdentityDocument, MemoryScanner, Scanner, ScannerError,
    ScannerProfile, SerialScanner, Terminator,
};
pub use serial::{PortSelector, SerialSettings, SerialTransport, Transport, TransportError};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}

    #[test]
    fn devices_can_move_to_a_worker_thread() {
        assert_send::<SerialPrinter>();
        assert_send::<emulator::EmulatedPrinter>();
        assert_send::<Box<dyn Printer>>();
        assert_send::<SerialScanner>();
        assert_send::<MemoryScanner>();
        assert_send::<Box<dyn Scanner>>();
        assert_send::<SerialTransport>();
        assert_send::<emulator::PrinterEmulator>();
        assert_send::<emulator::ScannerEmulator>();
    }
}
