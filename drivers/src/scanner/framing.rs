//! Scanner line framing: bytes in, lines out.
//!
//! A 2D scanner in serial (USB-CDC) mode sends each code as one line ended
//! by CR, LF or CRLF. Lines are capped at 4 KB (a CCCD QR is ~150 bytes);
//! a line that stops arriving mid-way (the scanner was unplugged, or a
//! keyboard-wedge scanner was misconfigured) is reported as truncated once
//! the inter-byte gap passes. Complete lines are validated as UTF-8 and
//! normalised to NFC, because some scanners send decomposed Vietnamese.

use unicode_normalization::UnicodeNormalization;

/// Longest line accepted, in bytes (terminator excluded).
pub const MAX_LINE: usize = 4096;

/// A line that could not be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("scanner line longer than {MAX_LINE} bytes ({len} bytes received)")]
    Oversize { len: usize },
    #[error("scanner line is not UTF-8 (invalid byte at offset {offset}); is the scanner in keyboard mode or a legacy code page?")]
    NotUtf8 { offset: usize },
    #[error("scanner line stopped after {len} bytes without a line end")]
    Truncated { len: usize },
}

impl FrameError {
    /// Always [`DeviceErrorKind::BadData`](crate::DeviceErrorKind::BadData).
    pub fn kind(&self) -> crate::error::DeviceErrorKind {
        crate::error::DeviceErrorKind::BadData
    }
}

/// Splits a byte stream into lines.
#[derive(Debug, Default, Clone)]
pub struct LineFramer {
    buf: Vec<u8>,
    /// Bytes dropped since the line went over the cap.
    overflow: usize,
    /// The previous byte was CR: a following LF belongs to the same terminator.
    after_cr: bool,
}

impl LineFramer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns every line they complete, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            match b {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    if let Some(frame) = self.finish() {
                        out.push(frame);
                    }
                }
                _ if self.overflow > 0 || self.buf.len() >= MAX_LINE => {
                    self.overflow += 1;
                }
                _ => self.buf.push(b),
            }
        }
        out
    }

    /// Whether part of a line is waiting for its terminator.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.overflow > 0
    }

    /// Call when no byte arrived for the inter-byte gap: drops a partial
    /// line and reports it.
    pub fn gap_elapsed(&mut self) -> Option<FrameError> {
        if !self.has_partial() {
            return None;
        }
        let len = self.buf.len() + self.overflow;
        self.buf.clear();
        self.overflow = 0;
        Some(FrameError::Truncated { len })
    }

    fn finish(&mut self) -> Option<Result<String, FrameError>> {
        let overflow = std::mem::take(&mut self.overflow);
        let line = std::mem::take(&mut self.buf);
        if overflow > 0 {
            return Some(Err(FrameError::Oversize {
                len: line.len() + overflow,
            }));
        }
        if line.is_empty() {
            return None; // the LF of an LF-CR pair, or a blank line
        }
        Some(decode_line(&line))
    }
}

/// Validates one line as UTF-8 and normalises it to NFC.
pub fn decode_line(line: &[u8]) -> Result<String, FrameError> {
    if line.len() > MAX_LINE {
        return Err(FrameError::Oversize { len: line.len() });
    }
    match std::str::from_utf8(line) {
        Ok(s) => Ok(s.trim_start_matches('\u{FEFF}').nfc().collect()),
        Err(e) => Err(FrameError::NotUtf8 {
            offset: e.valid_up_to(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<Result<String, FrameError>> {
        LineFramer::new().push(input)
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        assert_eq!(
            lines(b"a\rb\nc\r\nd\n\n"),
            vec![
                Ok("a".into()),
                Ok("b".into()),
                Ok("c".into()),
                Ok("d".into())
            ]
        );
    }

    #[test]
    fn crlf_split_across_reads_is_one_terminator() {
        let mut f = LineFramer::new();
        assert_eq!(f.push(b"abc\r"), vec![Ok("abc".into())]);
        assert_eq!(f.push(b"\ndef\r\n"), vec![Ok("def".into())]);
        assert!(!f.has_partial());
    }

    #[test]
    fn nfd_input_comes_out_nfc() {
        let nfd = "Nguye\u{0302}\u{0303}n Va\u{0306}n An\r\n";
        assert_eq!(lines(nfd.as_bytes()), vec![Ok("Nguyễn Văn An".into())]);
    }

    #[test]
    fn oversize_line_is_reported_and_the_next_line_survives() {
        let mut input = vec![b'x'; MAX_LINE + 10];
        input.extend_from_slice(b"\nok\n");
        assert_eq!(
            lines(&input),
            vec![
                Err(FrameError::Oversize { len: MAX_LINE + 10 }),
                Ok("ok".into())
            ]
        );
        let mut exact = vec![b'y'; MAX_LINE];
        exact.push(b'\n');
        assert!(lines(&exact)[0].is_ok());
    }

    #[test]
    fn non_utf8_is_a_typed_error() {
        assert_eq!(
            lines(b"Vi\xeat\n"),
            vec![Err(FrameError::NotUtf8 { offset: 2 })]
        );
    }

    #[test]
    fn truncated_line_is_reported_after_the_gap() {
        let mut f = LineFramer::new();
        assert!(f.push(b"001090012345|0123").is_empty());
        assert!(f.has_partial());
        assert_eq!(f.gap_elapsed(), Some(FrameError::Truncated { len: 17 }));
        assert_eq!(f.gap_elapsed(), None);
        assert_eq!(f.push(b"ok\n"), vec![Ok("ok".into())]);
    }
}
