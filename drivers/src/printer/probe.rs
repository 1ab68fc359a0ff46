//! The code-page probe page.
//!
//! Vendors number their Vietnamese code pages differently (Epson 30/31 and
//! 52; clones 27, 28, 35, 94, …). The probe prints, for every candidate
//! `ESC t n`, the same sample encoded in TCVN-3 (lower case, then capitals)
//! and in Windows-1258, each line labelled in plain ASCII; then the sample
//! as downloaded glyphs and as a raster image. The installer compares it
//! with the printer's self-test and writes the numbers that print
//! correctly into the profile.

use super::encoding::{encode_cp1258, Tcvn3Encoder};
use super::profile::Paper;
use super::render::{raster_bytes, GlyphPlan};
use crate::font::{self, LineStyle};

/// Sample text, lower case (every tone, đ and the vowel shapes).
pub const SAMPLE_LOWER: &str = "số thứ tự, đường, huyện, quận";
/// Sample text, capitals.
pub const SAMPLE_UPPER: &str = "SỐ THỨ TỰ, ĐƯỜNG, HUYỆN, QUẬN";

/// `ESC t` numbers seen for Vietnamese on printers sold in Vietnam.
pub const DEFAULT_CANDIDATES: [u8; 8] = [27, 28, 30, 31, 35, 52, 94, 255];

fn label(out: &mut Vec<u8>, text: &str) {
    // Labels are ASCII on page 0, so they read right whatever page follows.
    out.extend_from_slice(&[0x1B, 0x74, 0]);
    out.extend_from_slice(text.as_bytes());
}

/// The bytes of the probe page for these candidate page numbers.
pub fn probe_job(paper: Paper, candidates: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1B, 0x40, 0x1C, 0x2E];
    out.extend_from_slice(&[0x1B, b'E', 1]);
    out.extend_from_slice(b"MOTCUA - CODE PAGE PROBE\n");
    out.extend_from_slice(&[0x1B, b'E', 0]);
    out.extend_from_slice(b"Pick the n whose line reads right.\n");
    for &n in candidates {
        for (name, sample) in [("tcvn3", SAMPLE_LOWER), ("tcvn3 CAPS", SAMPLE_UPPER)] {
            label(&mut out, &format!("n={n:<3} {name}: "));
            out.extend_from_slice(&[0x1B, 0x74, n]);
            // Everything on page n: capitals use the lower-case bytes there.
            let mut enc = Tcvn3Encoder::new(n, n);
            let mut bytes = Vec::new();
            enc.encode(sample, &mut bytes);
            out.extend(bytes.into_iter().skip(3));
            out.push(b'\n');
        }
        label(&mut out, &format!("n={n:<3} cp1258: "));
        out.extend_from_slice(&[0x1B, 0x74, n]);
        out.extend(encode_cp1258(SAMPLE_LOWER));
        out.push(b'\n');
    }
    label(&mut out, "glyphs: ");
    let mut plan = GlyphPlan::for_texts([SAMPLE_LOWER, "glyphs: ", "raster:"]);
    out.extend(plan.definitions());
    out.extend(plan.encode(SAMPLE_LOWER));
    out.extend_from_slice(&[0x1B, b'%', 0, b'\n']);
    out.extend_from_slice(b"raster:\n");
    let image = font::text_line(SAMPLE_LOWER, LineStyle::default());
    let image = image.crop(0, 0, image.width().min(paper.dots()), image.height());
    out.extend(raster_bytes(&image));
    out.extend_from_slice(&[0x1B, b'd', 3, 0x1D, b'V', b'A', 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_labels_every_candidate() {
        let job = probe_job(Paper::Mm80, &DEFAULT_CANDIDATES);
        assert_eq!(&job[..4], &[0x1B, 0x40, 0x1C, 0x2E]);
        let text = String::from_utf8_lossy(&job);
        for n in DEFAULT_CANDIDATES {
            assert!(text.contains(&format!("n={n:<3} tcvn3: ")), "{n}");
            assert!(text.contains(&format!("n={n:<3} cp1258: ")), "{n}");
        }
        assert!(job.windows(2).any(|w| w == [0x1B, b'&']));
        assert!(job.windows(3).any(|w| w == [0x1D, b'v', b'0']));
    }
}
