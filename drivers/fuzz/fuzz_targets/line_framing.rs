//! The framer over arbitrary bytes in arbitrary chunks: every frame is at
//! most 4 KB, valid NFC UTF-8 or a typed error, and nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_drivers::scanner::framing::{LineFramer, MAX_LINE};

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let chunk = chunk as usize % 64 + 1;
    let mut framer = LineFramer::new();
    for piece in rest.chunks(chunk) {
        for frame in framer.push(piece) {
            if let Ok(line) = frame {
                assert!(line.len() <= MAX_LINE * 3);
                assert!(!line.contains(['\r', '\n']));
            }
        }
        if piece.first() == Some(&0) {
            let _ = framer.gap_elapsed();
        }
    }
});
