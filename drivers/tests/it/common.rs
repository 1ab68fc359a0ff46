//! Shared set-up: an emulator on a pty with a stable link, and a driver on it.

use std::path::Path;
use std::time::Duration;

use motcua_drivers::emulator::{PrinterEmulator, PrinterEmulatorOptions};
use motcua_drivers::printer::receipt::Block;
use motcua_drivers::{Paper, PrinterProfile, Receipt, SerialPrinter, SerialSettings};

/// Generous bound for anything a test waits for; never a timing assertion.
pub const WAIT: Duration = Duration::from_secs(20);

pub fn emulator(dir: &Path, paper: Paper) -> PrinterEmulator {
    PrinterEmulator::start(PrinterEmulatorOptions {
        paper,
        out_dir: Some(dir.join("out")),
        link: Some(dir.join("printer")),
        ..PrinterEmulatorOptions::default()
    })
    .expect("emulator starts")
}

pub fn settings(emulator: &PrinterEmulator, read_timeout_ms: u64) -> SerialSettings {
    SerialSettings {
        read_timeout_ms,
        write_timeout_ms: 1000,
        reconnect_timeout_ms: 300,
        ..SerialSettings::for_port(emulator.path())
    }
}

pub fn printer(emulator: &PrinterEmulator, profile: PrinterProfile) -> SerialPrinter {
    SerialPrinter::open(settings(emulator, 5000), profile).expect("printer settings are valid")
}

/// What the emulator's transcript of `receipt` must say in a text mode.
pub fn expected_transcript(receipt: &Receipt, profile: &PrinterProfile) -> String {
    let columns = profile.paper.columns();
    let mut lines = Vec::new();
    for block in receipt.blocks() {
        match block {
            Block::Text(line) => {
                for l in line.wrapped(columns / line.width as usize) {
                    lines.push(l.trim_end().to_owned());
                }
            }
            Block::Separator => lines.push("-".repeat(columns)),
            Block::Qr(payload) => lines.push(format!("[QR] {payload}")),
            Block::Feed(_) | Block::Cut => {}
        }
    }
    lines.join("\n")
}
