//! Vietnamese text to printer bytes: Windows-1258 and TCVN-3 (TCVN 5712:1993 VN3).
//!
//! Both encoders take any Unicode text, normalise it to NFC first (scanners
//! and some keyboards send NFD), and print `?` for what the code page
//! cannot show. The decoders are what the emulator uses to turn received
//! bytes back into a UTF-8 transcript.

use unicode_normalization::UnicodeNormalization;

/// Every precomposed Vietnamese letter, lower and upper case.
pub const VIETNAMESE_LETTERS: &str = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵAÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬBCDĐEÈẺẼÉẸÊỀỂỄẾỆGHIÌỈĨÍỊKLMNOÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢPQRSTUÙỦŨÚỤƯỪỬỮỨỰVXYỲỶỸÝỴ";

/// Printed for a character the code page cannot show.
pub const REPLACEMENT: u8 = b'?';

/// Windows-1258, bytes 0x80–0xFF. `'\0'` marks an undefined byte. Checked
/// against CPython's `cp1258` codec by `cp1258_table_matches_python`.
const CP1258_HIGH: [char; 128] = [
    '\u{20AC}', '\0', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\0', '\u{2039}', '\u{0152}', '\0', '\0', '\0', //
    '\0', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\0', '\u{203A}', '\u{0153}', '\0', '\0', '\u{0178}', //
    '\u{00A0}', '\u{00A1}', '\u{00A2}', '\u{00A3}', '\u{00A4}', '\u{00A5}', '\u{00A6}', '\u{00A7}',
    '\u{00A8}', '\u{00A9}', '\u{00AA}', '\u{00AB}', '\u{00AC}', '\u{00AD}', '\u{00AE}', '\u{00AF}',
    '\u{00B0}', '\u{00B1}', '\u{00B2}', '\u{00B3}', '\u{00B4}', '\u{00B5}', '\u{00B6}', '\u{00B7}',
    '\u{00B8}', '\u{00B9}', '\u{00BA}', '\u{00BB}', '\u{00BC}', '\u{00BD}', '\u{00BE}', '\u{00BF}',
    '\u{00C0}', '\u{00C1}', '\u{00C2}', '\u{0102}', '\u{00C4}', '\u{00C5}', '\u{00C6}', '\u{00C7}',
    '\u{00C8}', '\u{00C9}', '\u{00CA}', '\u{00CB}', '\u{0300}', '\u{00CD}', '\u{00CE}', '\u{00CF}',
    '\u{0110}', '\u{00D1}', '\u{0309}', '\u{00D3}', '\u{00D4}', '\u{01A0}', '\u{00D6}', '\u{00D7}',
    '\u{00D8}', '\u{00D9}', '\u{00DA}', '\u{00DB}', '\u{00DC}', '\u{01AF}', '\u{0303}', '\u{00DF}',
    '\u{00E0}', '\u{00E1}', '\u{00E2}', '\u{0103}', '\u{00E4}', '\u{00E5}', '\u{00E6}', '\u{00E7}',
    '\u{00E8}', '\u{00E9}', '\u{00EA}', '\u{00EB}', '\u{0301}', '\u{00ED}', '\u{00EE}', '\u{00EF}',
    '\u{0111}', '\u{00F1}', '\u{0323}', '\u{00F3}', '\u{00F4}', '\u{01A1}', '\u{00F6}', '\u{00F7}',
    '\u{00F8}', '\u{00F9}', '\u{00FA}', '\u{00FB}', '\u{00FC}', '\u{01B0}', '\u{20AB}', '\u{00FF}',
];

/// The five Vietnamese tone marks as combining characters.
const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}'];

fn cp1258_byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return Some(c as u8);
    }
    CP1258_HIGH
        .iter()
        .position(|&t| t == c && t != '\0')
        .map(|i| 0x80 + i as u8)
}

/// Encodes text in Windows-1258: precomposed where the code page has the
/// letter, otherwise base letter + combining tone byte (`ệ` → `ê` `F2`).
pub fn encode_cp1258(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.nfc() {
        if let Some(b) = cp1258_byte(c) {
            out.push(b);
            continue;
        }
        // Split off the tone mark, recompose the rest (the vowel shape).
        let decomposed: Vec<char> = std::iter::once(c).nfd().collect();
        let tone = decomposed.iter().rposition(|d| TONES.contains(d));
        let encoded = tone.and_then(|t| {
            let base: String = decomposed
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != t)
                .map(|(_, d)| *d)
                .collect::<String>()
                .nfc()
                .collect();
            let mut chars = base.chars();
            let base_char = chars.next()?;
            if chars.next().is_some() {
                return None;
            }
            Some([cp1258_byte(base_char)?, cp1258_byte(decomposed[t])?])
        });
        match encoded {
            Some(pair) => out.extend_from_slice(&pair),
            None => out.push(REPLACEMENT),
        }
    }
    out
}

/// Decodes Windows-1258 bytes into NFC text (undefined bytes become U+FFFD).
pub fn decode_cp1258(bytes: &[u8]) -> String {
    let raw: String = bytes.iter().map(|&b| decode_cp1258_byte(b)).collect();
    raw.nfc().collect()
}

/// The character of one Windows-1258 byte (U+FFFD when undefined); a tone
/// byte is its combining mark. Each is already NFC on its own.
pub(crate) fn decode_cp1258_byte(b: u8) -> char {
    if b < 0x80 {
        return b as char;
    }
    match CP1258_HIGH[(b - 0x80) as usize] {
        '\0' => '\u{FFFD}',
        c => c,
    }
}

/// TCVN-3 (VN3) bytes 0xA1–0xFE of the lower-case page; `'\0'` = unused.
/// The capitals page uses the same bytes for the capital letters.
const TCVN3_HIGH: [(u8, char); 74] = [
    (0xA1, 'Ă'),
    (0xA2, 'Â'),
    (0xA3, 'Ê'),
    (0xA4, 'Ô'),
    (0xA5, 'Ơ'),
    (0xA6, 'Ư'),
    (0xA7, 'Đ'),
    (0xA8, 'ă'),
    (0xA9, 'â'),
    (0xAA, 'ê'),
    (0xAB, 'ô'),
    (0xAC, 'ơ'),
    (0xAD, 'ư'),
    (0xAE, 'đ'),
    (0xB5, 'à'),
    (0xB6, 'ả'),
    (0xB7, 'ã'),
    (0xB8, 'á'),
    (0xB9, 'ạ'),
    (0xBB, 'ằ'),
    (0xBC, 'ẳ'),
    (0xBD, 'ẵ'),
    (0xBE, 'ắ'),
    (0xC6, 'ặ'),
    (0xC7, 'ầ'),
    (0xC8, 'ẩ'),
    (0xC9, 'ẫ'),
    (0xCA, 'ấ'),
    (0xCB, 'ậ'),
    (0xCC, 'è'),
    (0xCE, 'ẻ'),
    (0xCF, 'ẽ'),
    (0xD0, 'é'),
    (0xD1, 'ẹ'),
    (0xD2, 'ề'),
    (0xD3, 'ể'),
    (0xD4, 'ễ'),
    (0xD5, 'ế'),
    (0xD6, 'ệ'),
    (0xD7, 'ì'),
    (0xD8, 'ỉ'),
    (0xDC, 'ĩ'),
    (0xDD, 'í'),
    (0xDE, 'ị'),
    (0xDF, 'ò'),
    (0xE1, 'ỏ'),
    (0xE2, 'õ'),
    (0xE3, 'ó'),
    (0xE4, 'ọ'),
    (0xE5, 'ồ'),
    (0xE6, 'ổ'),
    (0xE7, 'ỗ'),
    (0xE8, 'ố'),
    (0xE9, 'ộ'),
    (0xEA, 'ờ'),
    (0xEB, 'ở'),
    (0xEC, 'ỡ'),
    (0xED, 'ớ'),
    (0xEE, 'ợ'),
    (0xEF, 'ù'),
    (0xF1, 'ủ'),
    (0xF2, 'ũ'),
    (0xF3, 'ú'),
    (0xF4, 'ụ'),
    (0xF5, 'ừ'),
    (0xF6, 'ử'),
    (0xF7, 'ữ'),
    (0xF8, 'ứ'),
    (0xF9, 'ự'),
    (0xFA, 'ỳ'),
    (0xFB, 'ỷ'),
    (0xFC, 'ỹ'),
    (0xFD, 'ý'),
    (0xFE, 'ỵ'),
];

/// Which TCVN-3 page a character needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tcvn3Page {
    /// ASCII: the same byte on both pages.
    Either,
    Lower,
    Upper,
}

fn tcvn3_lookup(c: char) -> Option<(u8, Tcvn3Page)> {
    if c.is_ascii() {
        return Some((c as u8, Tcvn3Page::Either));
    }
    if let Some(&(b, _)) = TCVN3_HIGH.iter().find(|(_, t)| *t == c) {
        // Even the untoned capitals Ă Â Ê Ô Ơ Ư Đ (0xA1–0xA7) belong to the
        // lower-case page: capitals pages disagree about those positions
        // (escpos-printer-db puts Ê Ô Ơ Ư at 0xAA–0xAD on page 31).
        return Some((b, Tcvn3Page::Lower));
    }
    // A toned capital: the lower-case letter's byte on the capitals page.
    let mut lower = c.to_lowercase();
    let l = lower.next()?;
    if lower.next().is_some() || l == c {
        return None;
    }
    TCVN3_HIGH
        .iter()
        .find(|(b, t)| *t == l && *b > 0xA7)
        .map(|&(b, _)| (b, Tcvn3Page::Upper))
}

/// Encodes text in TCVN-3, switching `ESC t` between the lower-case and
/// the capitals page only where the case changes. Keeps the current page
/// across calls, so one encoder serves a whole job.
#[derive(Debug, Clone)]
pub struct Tcvn3Encoder {
    lower_page: u8,
    upper_page: u8,
    current: Option<u8>,
}

impl Tcvn3Encoder {
    /// An encoder for these `ESC t` numbers (Epson: 30 and 31). The page in
    /// force is unknown until the first text selects one.
    pub fn new(lower_page: u8, upper_page: u8) -> Self {
        Self {
            lower_page,
            upper_page,
            current: None,
        }
    }

    /// Appends the bytes for `text` to `out`.
    pub fn encode(&mut self, text: &str, out: &mut Vec<u8>) {
        for c in text.nfc() {
            let (byte, page) = tcvn3_lookup(c).unwrap_or((REPLACEMENT, Tcvn3Page::Either));
            let wanted = match (page, self.current) {
                (Tcvn3Page::Lower, _) => self.lower_page,
                (Tcvn3Page::Upper, _) => self.upper_page,
                (Tcvn3Page::Either, Some(p)) => p,
                (Tcvn3Page::Either, None) => self.lower_page,
            };
            if self.current != Some(wanted) {
                out.extend_from_slice(&[0x1B, 0x74, wanted]);
                self.current = Some(wanted);
            }
            out.push(byte);
        }
    }
}

/// Decodes one TCVN-3 byte on the lower-case (`upper == false`) or capitals page.
pub fn decode_tcvn3(byte: u8, upper: bool) -> char {
    if byte < 0x80 {
        return byte as char;
    }
    match TCVN3_HIGH.iter().find(|(b, _)| *b == byte) {
        Some(&(_, c)) if upper => c.to_uppercase().next().unwrap_or(c),
        Some(&(_, c)) => c,
        None => '\u{FFFD}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_decodes_as_the_string_decoder_does() {
        for b in 0..=u8::MAX {
            assert_eq!(
                decode_cp1258_byte(b).to_string(),
                decode_cp1258(&[b]),
                "{b:#04x}"
            );
        }
    }

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn cp1258_domain_vectors() {
        assert_eq!(
            hex(&encode_cp1258("Việt Nam")),
            "56 69 EA F2 74 20 4E 61 6D"
        );
        assert_eq!(
            hex(&encode_cp1258("Số thứ tự")),
            "53 F4 EC 20 74 68 FD EC 20 74 FD F2"
        );
    }

    #[test]
    fn cp1258_accepts_nfd_input() {
        let nfd: String = "Việt Nam".nfd().collect();
        assert_ne!(nfd, "Việt Nam");
        assert_eq!(hex(&encode_cp1258(&nfd)), "56 69 EA F2 74 20 4E 61 6D");
    }

    #[test]
    fn cp1258_table_matches_python() {
        let golden = include_str!("../../tests/golden/cp1258_python.txt");
        let mut checked = 0;
        for line in golden.lines().filter(|l| !l.starts_with('#')) {
            let (b, c) = line.split_once(' ').unwrap();
            let b = u8::from_str_radix(b, 16).unwrap();
            let ours = CP1258_HIGH[(b - 0x80) as usize];
            if c == "-" {
                assert_eq!(ours, '\0', "byte {b:02X} is undefined in Python");
            } else {
                let cp = u32::from_str_radix(c.trim_start_matches("U+"), 16).unwrap();
                assert_eq!(ours as u32, cp, "byte {b:02X}");
            }
            checked += 1;
        }
        assert_eq!(checked, 128);
    }

    #[test]
    fn cp1258_round_trips_every_vietnamese_letter() {
        for c in VIETNAMESE_LETTERS.chars() {
            let s = c.to_string();
            assert_eq!(decode_cp1258(&encode_cp1258(&s)), s, "{c}");
        }
        assert_eq!(encode_cp1258("漢"), b"?");
    }

    #[test]
    fn tcvn3_domain_vector_switches_at_case_changes() {
        let mut e = Tcvn3Encoder::new(30, 31);
        let mut out = Vec::new();
        e.encode("SỐ THỨ TỰ", &mut out);
        assert_eq!(hex(&out), "1B 74 1E 53 1B 74 1F E8 20 54 48 F8 20 54 F9");
    }

    #[test]
    fn tcvn3_maps_d_with_stroke_not_latin_eth() {
        let mut e = Tcvn3Encoder::new(30, 31);
        let mut out = Vec::new();
        e.encode("Đđ", &mut out);
        assert_eq!(hex(&out), "1B 74 1E A7 AE");
        let mut out = Vec::new();
        Tcvn3Encoder::new(30, 31).encode("Ð", &mut out); // U+00D0, Icelandic eth
        assert_eq!(out, b"\x1bt\x1e?");
        assert_eq!(decode_tcvn3(0xA7, false), 'Đ');
        assert_eq!(decode_tcvn3(0xAE, true), 'Đ');
    }

    #[test]
    fn tcvn3_round_trips_every_vietnamese_letter() {
        for c in VIETNAMESE_LETTERS.chars() {
            let mut out = Vec::new();
            Tcvn3Encoder::new(30, 31).encode(&c.to_string(), &mut out);
            assert_eq!(out.len(), 4, "{c}: {out:02X?}");
            let upper = out[2] == 31;
            assert_eq!(decode_tcvn3(out[3], upper), c, "{c}");
        }
    }

    #[test]
    fn tcvn3_encoder_keeps_the_page_across_calls() {
        let mut e = Tcvn3Encoder::new(30, 31);
        let mut out = Vec::new();
        e.encode("Hà", &mut out);
        e.encode(" Nội", &mut out);
        assert_eq!(hex(&out), "1B 74 1E 48 B5 20 4E E9 69");
    }
}
