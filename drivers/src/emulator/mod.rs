//! Device emulators, for tests, demos and technician training.
//!
//! - [`PrinterEmulator`]: an ESC/POS printer on a pseudo-terminal. It
//!   answers `DLE EOT`, understands everything our driver sends, writes
//!   each receipt as a PNG and a UTF-8 transcript, and can be switched
//!   into faults (paper out, cover open, offline, stall) or unplugged and
//!   plugged back. Receipts are also delivered in-process through
//!   [`PrinterEmulator::recv_receipt`], which waits on a channel.
//! - [`ScannerEmulator`]: a scanner on a pseudo-terminal that sends lines.
//! - [`EmulatedPrinter`]: the same printer mechanism without a pty — an
//!   in-process [`Printer`](crate::printer::Printer) for the kiosk's demo mode.
//!
//! Layout: [`escpos`] (the parser, also fuzzed), [`machine`] (commands →
//! pages), [`printer`] and [`scanner`] (the pty hosts).

pub mod escpos;
pub mod machine;
pub mod printer;
pub mod scanner;

pub use machine::{decode_qr_codes, CodePageMap, Output, Page, PrinterMachine};
pub use printer::{
    EmulatedPrinter, EmulatedReceipt, Fault, Faults, PrinterEmulator, PrinterEmulatorOptions,
};
pub use scanner::ScannerEmulator;
