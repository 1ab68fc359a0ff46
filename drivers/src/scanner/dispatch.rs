//! Which parser a scanned line goes to: the one place that knows both.
//!
//! A line with `|` is a CCCD QR code ([`cccd`]); 30-character lines of MRZ
//! characters are collected three at a time into a TD1 MRZ ([`mrz`]), and a
//! whole MRZ may also come as one line. The parsers know nothing of each
//! other or of this file: they take text and return an
//! [`IdentityDocument`] or an [`IdError`].

use super::framing::{decode_line, FrameError, MAX_LINE};
use super::identity::{IdError, IdentityDocument};
use super::{cccd, mrz};

/// Characters of a TD1 line.
const TD1_LINE: usize = 30;

/// The replacement character a scanner leaves where its code page lost a
/// letter.
const REPLACEMENT: char = '\u{FFFD}';

/// Parses one scanned line: a CCCD QR code, or a whole MRZ on one line
/// (90 characters, or three 30-character parts separated by spaces).
pub fn parse_line(line: &str) -> Result<IdentityDocument, IdError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.len() > MAX_LINE {
        return Err(IdError::TooLong { len: line.len() });
    }
    if line.trim().is_empty() {
        return Err(IdError::Empty);
    }
    if line.contains(REPLACEMENT) {
        return Err(IdError::WrongEncoding);
    }
    if line.contains('|') {
        return cccd::parse(line);
    }
    let compact: String = line.split_whitespace().collect();
    // MRZ text is ASCII; checking it first keeps the slicing on char
    // boundaries (a 90-byte line of other text is not an MRZ).
    if compact.len() == 3 * TD1_LINE
        && compact.is_ascii()
        && mrz::looks_like_mrz_line(&compact[..TD1_LINE])
    {
        return mrz::parse([
            &compact[..TD1_LINE],
            &compact[TD1_LINE..2 * TD1_LINE],
            &compact[2 * TD1_LINE..],
        ]);
    }
    Err(IdError::NotRecognised)
}

/// Parses raw scanner bytes (validating UTF-8 first).
pub fn parse_bytes(bytes: &[u8]) -> Result<IdentityDocument, IdError> {
    if bytes.len() > MAX_LINE + 2 {
        return Err(IdError::TooLong { len: bytes.len() });
    }
    let text = decode_line(bytes).map_err(|e| match e {
        FrameError::Oversize { len } => IdError::TooLong { len },
        _ => IdError::NotUtf8,
    })?;
    parse_line(&text)
}

/// Whether `line` is MRZ text of about a TD1 line's length: what an OCR
/// scanner sends when it dropped or added a character or two.
fn looks_like_damaged_mrz_line(line: &str) -> bool {
    let len = line.len();
    (TD1_LINE - 6..=TD1_LINE + 6).contains(&len)
        && len != TD1_LINE
        && line
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
}

/// Assembles documents from scanner lines as they come: a QR line gives a
/// document at once; MRZ lines are collected until the third.
#[derive(Debug, Default, Clone)]
pub struct DocumentAssembler {
    mrz: Vec<String>,
}

impl DocumentAssembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one line; returns a result when a document is complete (or
    /// the line cannot start or continue one).
    pub fn push(&mut self, line: &str) -> Option<Result<IdentityDocument, IdError>> {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.len() == TD1_LINE
            && !trimmed.contains('|')
            && (mrz::looks_like_mrz_line(trimmed) || !self.mrz.is_empty())
        {
            if self.mrz.is_empty() && !mrz::looks_like_first_line(trimmed) {
                return Some(Err(IdError::MrzIncomplete { found: 0 }));
            }
            self.mrz.push(trimmed.to_owned());
            if self.mrz.len() == 3 {
                let lines = std::mem::take(&mut self.mrz);
                return Some(mrz::parse([&lines[0], &lines[1], &lines[2]]));
            }
            return None;
        }
        if !self.mrz.is_empty() {
            let found = self.mrz.len();
            self.mrz.clear();
            // A line OCR trimmed or padded is that line of the MRZ, too
            // short or too long — not the end of an incomplete MRZ.
            if looks_like_damaged_mrz_line(trimmed) {
                return Some(Err(IdError::MrzLength {
                    line: found + 1,
                    len: trimmed.len(),
                }));
            }
            // Another line ends an incomplete MRZ. A QR line still gives
            // its document (the half-read MRZ is dropped); anything else
            // reports the incomplete MRZ.
            return Some(parse_line(trimmed).map_err(|_| IdError::MrzIncomplete { found }));
        }
        if looks_like_damaged_mrz_line(trimmed) && mrz::starts_like_first_line(trimmed) {
            return Some(Err(IdError::MrzLength {
                line: 1,
                len: trimmed.len(),
            }));
        }
        Some(parse_line(trimmed))
    }

    /// Whether MRZ lines are waiting for the rest.
    pub fn has_partial(&self) -> bool {
        !self.mrz.is_empty()
    }

    /// Gives up on a partial MRZ (e.g. at end of input).
    pub fn finish(&mut self) -> Option<IdError> {
        if self.mrz.is_empty() {
            return None;
        }
        let found = self.mrz.len();
        self.mrz.clear();
        Some(IdError::MrzIncomplete { found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::identity::DocumentKind;

    const QR_1: &str = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";
    const MRZ: [&str; 3] = [
        "IDVNM0900123450001090012345<<1",
        "9003152M3003150VNM<<<<<<<<<<<2",
        "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
    ];

    #[test]
    fn debug_masks_the_number() {
        let doc = parse_line(QR_1).unwrap();
        let dbg = format!("{doc:?}");
        assert!(dbg.contains("001******345"), "{dbg}");
        assert!(!dbg.contains("001090012345"), "{dbg}");
        assert!(!dbg.contains("012345678"), "{dbg}");
    }

    #[test]
    fn assembler_handles_qr_and_three_mrz_lines() {
        let mut a = DocumentAssembler::new();
        assert!(a.push(QR_1).unwrap().is_ok());
        assert!(a.push(MRZ[0]).is_none());
        assert!(a.push(MRZ[1]).is_none());
        let doc = a.push(MRZ[2]).unwrap().unwrap();
        assert_eq!(doc.id_number, "001090012345");
        assert!(!a.has_partial());
        assert!(a.push(MRZ[0]).is_none());
        assert_eq!(a.finish(), Some(IdError::MrzIncomplete { found: 1 }));
    }

    #[test]
    fn regression_a_line_trimmed_by_ocr_is_named_with_its_length() {
        // Was "MRZ has 2 of its 3 lines".
        let mut a = DocumentAssembler::new();
        assert!(a.push(MRZ[0]).is_none());
        assert!(a.push(MRZ[1]).is_none());
        let err = a.push(&MRZ[2][..28]).unwrap().unwrap_err();
        assert_eq!(err, IdError::MrzLength { line: 3, len: 28 });
        assert_eq!(err.to_string(), "MRZ line 3 is 28 characters, expected 30");
        assert!(!a.has_partial());
        // A first line one character short.
        let err = a.push(&MRZ[0][..29]).unwrap().unwrap_err();
        assert_eq!(err, IdError::MrzLength { line: 1, len: 29 });
        // A second line with one character too many.
        assert!(a.push(MRZ[0]).is_none());
        let long = format!("{}<", MRZ[1]);
        assert_eq!(
            a.push(&long).unwrap().unwrap_err(),
            IdError::MrzLength { line: 2, len: 31 }
        );
        // A QR line after a half-read MRZ still gives its document, and
        // plain text still reports the incomplete MRZ.
        assert!(a.push(MRZ[0]).is_none());
        assert!(a.push(QR_1).unwrap().is_ok());
        assert!(a.push(MRZ[0]).is_none());
        assert_eq!(
            a.push("hello").unwrap().unwrap_err(),
            IdError::MrzIncomplete { found: 1 }
        );
    }

    #[test]
    fn whole_mrz_on_one_line() {
        let doc = parse_line(&MRZ.join(" ")).unwrap();
        assert_eq!(doc.kind, DocumentKind::MrzTd1);
    }

    #[test]
    fn regression_fuzz_90_bytes_of_non_ascii_is_not_sliced_mid_char() {
        // Found by `cargo fuzz run qr_parser`: slicing at byte 30 panicked.
        let line = format!("0{}\u{1aef}{}Ar~", " ".repeat(27), " ".repeat(55));
        assert_eq!(line.split_whitespace().collect::<String>().len(), 7);
        let line = format!("{}\u{1aef}{}", "A".repeat(28), "B".repeat(59));
        assert_eq!(line.len(), 90);
        assert_eq!(parse_line(&line), Err(IdError::NotRecognised));
    }

    #[test]
    fn garbage_is_not_recognised() {
        assert_eq!(parse_line("hello"), Err(IdError::NotRecognised));
        assert_eq!(parse_line("  "), Err(IdError::Empty));
        assert_eq!(parse_bytes(b"\xff\xfe|"), Err(IdError::NotUtf8));
        let long = "x".repeat(5000);
        assert_eq!(parse_line(&long), Err(IdError::TooLong { len: 5000 }));
    }

    #[test]
    fn mojibake_names_the_scanner_encoding() {
        let line = QR_1.replace("Nguyễn", "Nguy\u{FFFD}n");
        let err = parse_line(&line).unwrap_err();
        assert_eq!(err, IdError::WrongEncoding);
        assert!(err.to_string().contains("encoding"), "{err}");
        assert!(err.to_string().contains("UTF-8"), "{err}");
        // Also as the bytes a scanner sends (EF BF BD is U+FFFD in UTF-8).
        assert_eq!(parse_bytes(line.as_bytes()), Err(IdError::WrongEncoding));
        assert_eq!(parse_line("\u{FFFD}\u{FFFD}"), Err(IdError::WrongEncoding));
    }
}
