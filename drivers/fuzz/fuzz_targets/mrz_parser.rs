//! Three MRZ lines built from arbitrary bytes (split at newlines, or cut
//! into 30-byte pieces), and the line-by-line assembler.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_drivers::scanner::{mrz, DocumentAssembler};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() >= 3 {
        let _ = mrz::parse([lines[0], lines[1], lines[2]]);
    }
    if text.len() >= 90 && text.is_char_boundary(30) && text.is_char_boundary(60) && text.is_char_boundary(90) {
        let _ = mrz::parse([&text[..30], &text[30..60], &text[60..90]]);
    }
    let mut assembler = DocumentAssembler::new();
    for line in &lines {
        let _ = assembler.push(line);
    }
    let _ = assembler.finish();
});
