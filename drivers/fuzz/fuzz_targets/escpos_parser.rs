//! The emulator's ESC/POS parser and printer mechanism over arbitrary
//! bytes, fed in arbitrary chunks: never a panic, never a stall, and the
//! same result whatever the chunking; each page also goes through the
//! host's PNG writer and QR decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_drivers::emulator::escpos::{parse, Parsed};
use motcua_drivers::emulator::{decode_qr_codes, CodePageMap, Output, PrinterMachine};
use motcua_drivers::Paper;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Parsed::Command(_, used) = parse(rest) {
        assert!(used >= 1 && used <= rest.len());
        rest = &rest[used..];
    }
    let mut whole = PrinterMachine::new(Paper::Mm58, CodePageMap::default());
    let a = whole.push(data);
    let mut chunked = PrinterMachine::new(Paper::Mm58, CodePageMap::default());
    let mut b = Vec::new();
    for piece in data.chunks(7) {
        b.extend(chunked.push(piece));
    }
    assert_eq!(a, b);
    // What the emulator's host does with each page: PNG and QR decoding.
    for out in a {
        if let Output::Page(page) = out {
            let _ = page.image.to_png();
            let _ = decode_qr_codes(&page.image);
        }
    }
});
