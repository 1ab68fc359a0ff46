//! Any bytes a scanner may send, as a CCCD QR line: a typed error or a
//! document, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_drivers::scanner::{cccd, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = parse_bytes(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(doc) = cccd::parse(s) {
            assert_eq!(doc.id_number.len(), 12);
            assert_eq!(doc.masked_id().chars().count(), 12);
        }
    }
});
