//! Driver → pty → emulator → PNG + transcript, in every text mode.

use motcua_drivers::bitmap::Bitmap;
use motcua_drivers::emulator::decode_qr_codes;
use motcua_drivers::printer::render::reference_page;
use motcua_drivers::printer::samples;
use motcua_drivers::{Paper, Printer, PrinterProfile, TextMode};

use crate::common::{emulator, expected_transcript, printer, WAIT};

fn round_trip(mode: TextMode, paper: Paper) {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), paper);
    let profile = PrinterProfile::new(mode, paper);
    let mut p = printer(&emu, profile.clone());
    for (receipt, qr) in [
        (samples::queue_ticket(), samples::TICKET_QR),
        (samples::dossier_receipt(), samples::RECEIPT_QR),
    ] {
        let printed = p.print(&receipt).expect("prints");
        assert!(printed.warnings.is_empty());
        let got = emu
            .recv_receipt(WAIT)
            .expect("the emulator printed a receipt");
        // The QR read back from the PNG on disk, as a phone would.
        let png = std::fs::read(got.png_path.as_ref().unwrap()).unwrap();
        let image = Bitmap::from_png(&png).unwrap();
        assert_eq!(decode_qr_codes(&image), vec![qr.to_owned()], "{mode}");
        let transcript = std::fs::read_to_string(got.transcript_path.as_ref().unwrap()).unwrap();
        if mode == TextMode::Raster {
            assert_eq!(image, reference_page(&receipt, &profile), "{mode}");
        } else {
            assert_eq!(
                transcript.trim_end(),
                expected_transcript(&receipt, &profile),
                "{mode}"
            );
        }
    }
}

#[test]
fn tcvn3_round_trip_80mm() {
    round_trip(TextMode::Tcvn3, Paper::Mm80);
}

#[test]
fn cp1258_round_trip_58mm() {
    round_trip(TextMode::Cp1258, Paper::Mm58);
}

#[test]
fn glyphs_round_trip_80mm() {
    round_trip(TextMode::Glyphs, Paper::Mm80);
}

#[test]
fn raster_round_trip_matches_the_reference_rendering() {
    round_trip(TextMode::Raster, Paper::Mm80);
}

#[test]
fn raster_ticket_matches_the_golden_png() {
    // Pins the rendering itself (font, sizes, layout) against regressions.
    // Regenerate with MOTCUA_BLESS=1 after an intended change, and look at it.
    let profile = PrinterProfile::new(TextMode::Raster, Paper::Mm58);
    let page = reference_page(&samples::queue_ticket(), &profile);
    let golden = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/ticket-raster-58.png"
    );
    if std::env::var_os("MOTCUA_BLESS").is_some() {
        std::fs::write(golden, page.to_png()).unwrap();
    }
    let expected = Bitmap::from_png(&std::fs::read(golden).unwrap()).unwrap();
    assert_eq!(page, expected);
}

#[test]
fn qr_raster_fallback_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm58);
    let profile = PrinterProfile {
        native_qr: false,
        ..PrinterProfile::new(TextMode::Tcvn3, Paper::Mm58)
    };
    let mut p = printer(&emu, profile);
    p.print(&samples::queue_ticket()).unwrap();
    let got = emu.recv_receipt(WAIT).unwrap();
    assert_eq!(got.qr_payloads(), vec![samples::TICKET_QR.to_owned()]);
}

#[test]
fn custom_code_page_numbers_reach_the_printer() {
    use motcua_drivers::emulator::{CodePageMap, PrinterEmulator, PrinterEmulatorOptions};
    let dir = tempfile::tempdir().unwrap();
    let emu = PrinterEmulator::start(PrinterEmulatorOptions {
        code_pages: CodePageMap {
            tcvn3_lower: 27,
            tcvn3_upper: 28,
            cp1258: 94,
        },
        ..PrinterEmulatorOptions::default()
    })
    .unwrap();
    for mode in [TextMode::Tcvn3, TextMode::Cp1258] {
        let profile = PrinterProfile {
            code_page: Some(if mode == TextMode::Tcvn3 { 27 } else { 94 }),
            ..PrinterProfile::new(mode, Paper::Mm80)
        };
        let mut p = printer(&emu, profile);
        let receipt = motcua_drivers::Receipt::new().text("Đăng ký KHAI SINH cho bé Hữu Phước");
        p.print(&receipt).unwrap();
        let got = emu.recv_receipt(WAIT).unwrap();
        assert_eq!(
            got.transcript, "Đăng ký KHAI SINH cho bé Hữu Phước",
            "{mode}"
        );
        drop(p);
    }
    drop(dir);
}

#[test]
fn probe_page_prints_and_labels_each_page() {
    use motcua_drivers::printer::probe::{probe_job, DEFAULT_CANDIDATES};
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    p.print_bytes(&probe_job(Paper::Mm80, &DEFAULT_CANDIDATES))
        .unwrap();
    let got = emu.recv_receipt(WAIT).unwrap();
    // Epson's numbers read right on an Epson-numbered printer.
    assert!(
        got.transcript
            .contains("n=30  tcvn3: số thứ tự, đường, huyện, quận"),
        "{}",
        got.transcript
    );
    assert!(
        got.transcript
            .contains("n=31  tcvn3 CAPS: SỐ THỨ TỰ, ĐƯỜNG, HUYỆN, QUẬN"),
        "{}",
        got.transcript
    );
    assert!(
        got.transcript
            .contains("n=52  cp1258: số thứ tự, đường, huyện, quận"),
        "{}",
        got.transcript
    );
    assert!(
        got.transcript
            .contains("glyphs: số thứ tự, đường, huyện, quận"),
        "{}",
        got.transcript
    );
}

#[test]
fn status_reads_over_the_pty() {
    let dir = tempfile::tempdir().unwrap();
    let emu = emulator(dir.path(), Paper::Mm80);
    let mut p = printer(&emu, PrinterProfile::default());
    let s = p.status().unwrap();
    assert!(s.online && !s.paper_out && !s.cover_open);
}
