//! Scanner emulator → pty → serial scanner driver → parsed documents.

use std::time::Duration;

use motcua_drivers::emulator::ScannerEmulator;
use motcua_drivers::scanner::{FrameError, IdError, ScannerError};
use motcua_drivers::{
    DeviceErrorKind, Scanner, ScannerProfile, SerialScanner, SerialSettings, Terminator,
};
use unicode_normalization::UnicodeNormalization;

use crate::common::WAIT;

const QR_1: &str = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";
const MRZ: [&str; 3] = [
    "IDVNM0900123450001090012345<<1",
    "9003152M3003150VNM<<<<<<<<<<<2",
    "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
];

fn scanner(emu: &ScannerEmulator) -> SerialScanner {
    let settings = SerialSettings::for_port(emu.path());
    let profile = ScannerProfile {
        inter_byte_gap_ms: 100,
        ..ScannerProfile::default()
    };
    SerialScanner::open(settings, &profile).unwrap()
}

#[test]
fn qr_and_mrz_over_a_pty_with_every_terminator() {
    for terminator in [Terminator::Crlf, Terminator::Cr, Terminator::Lf] {
        let emu = ScannerEmulator::start(terminator).unwrap();
        let mut s = scanner(&emu);
        // Opening first, so nothing sent is lost before the port is open.
        assert!(s.read_line(Duration::ZERO).unwrap().is_none());
        emu.send_line(&QR_1.nfd().collect::<String>()).unwrap();
        let doc = s.read_document(WAIT).unwrap().unwrap();
        assert_eq!(doc.full_name, "Nguyễn Văn An", "{terminator}");
        assert_eq!(doc.masked_id(), "001******345");
        for line in MRZ {
            emu.send_line(line).unwrap();
        }
        let doc = s.read_document(WAIT).unwrap().unwrap();
        assert_eq!(doc.id_number, "001090012345");
    }
}

#[test]
fn broken_lines_are_typed_errors() {
    let emu = ScannerEmulator::start(Terminator::Crlf).unwrap();
    let mut s = scanner(&emu);
    assert!(s.read_line(Duration::ZERO).unwrap().is_none());
    emu.send_bytes(b"Nguy\xe1\xbb\n").unwrap();
    let err = s.read_line(WAIT).unwrap_err();
    assert!(
        matches!(err, ScannerError::Frame(FrameError::NotUtf8 { .. })),
        "{err}"
    );
    assert_eq!(err.kind(), DeviceErrorKind::BadData);

    emu.send_line(&"9".repeat(5000)).unwrap();
    let err = s.read_line(WAIT).unwrap_err();
    assert!(
        matches!(err, ScannerError::Frame(FrameError::Oversize { .. })),
        "{err}"
    );

    // A line that never ends is dropped after the inter-byte gap.
    emu.send_bytes(b"001090012345|0123").unwrap();
    let err = s.read_line(WAIT).unwrap_err();
    assert!(
        matches!(err, ScannerError::Frame(FrameError::Truncated { len: 17 })),
        "{err}"
    );

    emu.send_line("079195001234||Trần Thị Bình|31022000|Nữ|P|10072022")
        .unwrap();
    let err = s.read_document(WAIT).unwrap_err();
    assert!(
        matches!(err, ScannerError::Id(IdError::BadDate { .. })),
        "{err}"
    );

    // Still usable afterwards.
    emu.send_line(QR_1).unwrap();
    assert!(s.read_document(WAIT).unwrap().is_some());
}

#[test]
fn what_another_process_writes_into_the_inbox_comes_out_scanned() {
    let emu = ScannerEmulator::start(Terminator::Crlf).unwrap();
    let mut s = scanner(&emu);
    assert!(s.read_line(Duration::ZERO).unwrap().is_none());
    let inbox = emu.open_inbox().unwrap();
    assert_eq!(emu.open_inbox().unwrap(), inbox, "one inbox per scanner");
    assert_ne!(inbox, emu.path());
    // A writer opens the inbox as any serial port, writes, and closes it.
    for _ in 0..2 {
        let mut writer = serialport::new(inbox.to_string_lossy(), 9600)
            .open_native()
            .unwrap();
        std::io::Write::write_all(&mut writer, format!("{QR_1}\r\n").as_bytes()).unwrap();
        let doc = s.read_document(WAIT).unwrap().unwrap();
        assert_eq!(doc.full_name, "Nguyễn Văn An");
    }
}
