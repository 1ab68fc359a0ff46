//! Faults over a real pty: the right error kind, recovery, and no hang
//! beyond the configured timeouts (the tests finish; nothing is timed).

use motcua_drivers::emulator::Fault;
use motcua_drivers::printer::samples;
use motcua_drivers::{
    DeviceErrorKind, Paper, PrintWarning, Printer, PrinterError, PrinterProfile, Receipt,
    SerialPrinter, TextMode,
};

use crate::common::{emulator, printer, settings, WAIT};

fn ticket() -> Receipt {
    samples::queue_ticket()
}

#[test]
fn paper_out_before_a_job_then_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    emu.set_fault(Fault::PaperOut, true);
    let err = p.print(&ticket()).unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::PaperOut);
    assert!(
        matches!(
            err,
            PrinterError::Reported {
                during_job: false,
                ..
            }
        ),
        "{err}"
    );
    assert!(!p.status().unwrap().online);
    emu.set_fault(Fault::PaperOut, false);
    p.print(&ticket()).unwrap();
    // The failed job never reached the paper: the first receipt is this one.
    assert_eq!(emu.recv_receipt(WAIT).unwrap().number, 1);
}

#[test]
fn paper_near_end_is_only_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    emu.set_fault(Fault::PaperNearEnd, true);
    let printed = p.print(&ticket()).unwrap();
    assert_eq!(printed.warnings, vec![PrintWarning::PaperNearEnd]);
    assert!(emu.recv_receipt(WAIT).is_some());
}

#[test]
fn cover_opened_mid_job() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    // After the 9 bytes of the status check and some of the job.
    emu.arm_fault(Fault::CoverOpen, 60);
    let err = p.print(&ticket()).unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::CoverOpen);
    assert!(
        matches!(
            err,
            PrinterError::Reported {
                during_job: true,
                ..
            }
        ),
        "{err}"
    );
    emu.clear_faults();
    p.print(&ticket()).unwrap();
    let got = emu.recv_receipt(WAIT).unwrap();
    assert_eq!(
        got.number, 1,
        "the interrupted receipt must not count as printed"
    );
    assert!(got.transcript.contains("A012"));
}

#[test]
fn offline_printer() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    emu.set_fault(Fault::Offline, true);
    assert_eq!(
        p.print(&ticket()).unwrap_err().kind(),
        DeviceErrorKind::Offline
    );
}

#[test]
fn stalled_printer_times_out_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = SerialPrinter::open(settings(&emu, 200), PrinterProfile::default()).unwrap();
    emu.set_fault(Fault::Stall, true);
    let err = p.print(&ticket()).unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::Timeout);
    assert!(matches!(err, PrinterError::NoReply { .. }), "{err}");
    emu.set_fault(Fault::Stall, false);
    // Recovery with an unhurried printer: a loaded CI machine must not
    // turn the short timeout above into a flaky failure here.
    drop(p);
    let mut p = printer(&emu, PrinterProfile::default());
    p.print(&ticket()).unwrap();
    assert!(emu.recv_receipt(WAIT).is_some());
}

#[test]
fn printer_stalling_mid_job_stops_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    // A raster receipt is far larger than the pty's buffer (~17 KB).
    let profile = PrinterProfile::new(TextMode::Raster, Paper::Mm80);
    let mut p = SerialPrinter::open(settings(&emu, 200), profile).unwrap();
    emu.arm_fault(Fault::Stall, 100);
    let err = p.print(&samples::dossier_receipt()).unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::Timeout);
    assert!(matches!(err, PrinterError::Stalled { .. }), "{err}");
}

#[test]
fn unplugged_and_replugged() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    p.print(&ticket()).unwrap();
    assert!(emu.recv_receipt(WAIT).is_some());

    emu.unplug();
    let err = p.print(&ticket()).unwrap_err();
    assert_eq!(err.kind(), DeviceErrorKind::Disconnected, "{err}");
    // Still unplugged: the reconnect attempts give up after the configured time.
    assert_eq!(
        p.status().unwrap_err().kind(),
        DeviceErrorKind::Disconnected
    );

    emu.replug();
    p.print(&ticket()).expect("reopens the port after replug");
    assert!(emu.recv_receipt(WAIT).is_some());
    assert!(p.transport().is_open());
}

#[test]
fn second_program_cannot_share_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut first = printer(&emu, PrinterProfile::default());
    first.status().unwrap();
    let mut second = printer(&emu, PrinterProfile::default());
    assert_eq!(second.status().unwrap_err().kind(), DeviceErrorKind::Busy);
}
