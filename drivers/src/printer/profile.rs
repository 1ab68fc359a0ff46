//! What the driver must know about one printer model: its Vietnamese text
//! mode, code page numbers, paper width and QR support. Embedded in the
//! application's TOML as `[printer.profile]` (or wherever the app puts it).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How Vietnamese text reaches the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextMode {
    /// TCVN-3 code pages (Epson `ESC t 30` lower case, `31` capitals).
    #[default]
    Tcvn3,
    /// Windows-1258 (Epson `ESC t 52`): vowel shapes precomposed, tones as combining bytes.
    Cp1258,
    /// Text drawn with the embedded Noto Sans and sent as `GS v 0` images.
    Raster,
    /// The accented letters a job uses are downloaded once as user-defined
    /// characters (`ESC &`, `ESC %`); the rest is plain ASCII.
    Glyphs,
}

impl TextMode {
    pub const ALL: [TextMode; 4] = [
        TextMode::Tcvn3,
        TextMode::Cp1258,
        TextMode::Raster,
        TextMode::Glyphs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TextMode::Tcvn3 => "tcvn3",
            TextMode::Cp1258 => "cp1258",
            TextMode::Raster => "raster",
            TextMode::Glyphs => "glyphs",
        }
    }
}

impl fmt::Display for TextMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TextMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TextMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown text mode {s:?}: use tcvn3, cp1258, raster or glyphs"))
    }
}

/// Paper roll width. Serialised as the number of millimetres, 58 or 80.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Paper {
    /// 58 mm, 384 dots at 203 dpi.
    Mm58,
    /// 80 mm, 576 dots at 203 dpi.
    #[default]
    Mm80,
}

impl Paper {
    /// Printable width in dots.
    pub fn dots(self) -> usize {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// Font-A characters (12 dots) per line.
    pub fn columns(self) -> usize {
        self.dots() / crate::font::CELL_WIDTH
    }

    pub fn millimetres(self) -> u32 {
        match self {
            Paper::Mm58 => 58,
            Paper::Mm80 => 80,
        }
    }

    pub fn from_millimetres(mm: u32) -> Option<Paper> {
        match mm {
            58 => Some(Paper::Mm58),
            80 => Some(Paper::Mm80),
            _ => None,
        }
    }
}

impl Serialize for Paper {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.millimetres())
    }
}

impl<'de> Deserialize<'de> for Paper {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mm = u32::deserialize(d)?;
        Paper::from_millimetres(mm)
            .ok_or_else(|| serde::de::Error::custom("paper must be 58 or 80 (mm)"))
    }
}

/// Everything the driver needs to know about one printer model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrinterProfile {
    pub text_mode: TextMode,
    /// `ESC t` number: the TCVN-3 lower-case page (Epson 30) in `tcvn3`,
    /// the Windows-1258 page (Epson 52) in `cp1258`. Vendors differ; find
    /// yours with `motcua diag print-probe`. `None` = Epson's number.
    pub code_page: Option<u8>,
    /// `ESC t` number of the TCVN-3 capitals page. `None` = `code_page + 1`.
    pub upper_code_page: Option<u8>,
    pub paper: Paper,
    /// Use the printer's own QR command (`GS ( k`); otherwise send the QR as an image.
    pub native_qr: bool,
    /// QR module size in dots, 1–16.
    pub qr_module_size: u8,
    /// Lines fed before the cut, so the last line clears the cutter.
    pub feed_before_cut: u8,
}

impl Default for PrinterProfile {
    fn default() -> Self {
        Self {
            text_mode: TextMode::default(),
            code_page: None,
            upper_code_page: None,
            paper: Paper::default(),
            native_qr: true,
            qr_module_size: 6,
            feed_before_cut: 3,
        }
    }
}

/// Epson's TCVN-3 lower-case page.
pub const EPSON_TCVN3_LOWER: u8 = 30;
/// Epson's TCVN-3 capitals page.
pub const EPSON_TCVN3_UPPER: u8 = 31;
/// Epson's Windows-1258 page.
pub const EPSON_CP1258: u8 = 52;

impl PrinterProfile {
    /// A profile with this text mode and every other field at its default.
    pub fn new(text_mode: TextMode, paper: Paper) -> Self {
        Self {
            text_mode,
            paper,
            ..Self::default()
        }
    }

    /// The TCVN-3 (lower, capitals) page numbers in force.
    pub fn tcvn3_pages(&self) -> (u8, u8) {
        let lower = self.code_page.unwrap_or(EPSON_TCVN3_LOWER);
        let upper = self.upper_code_page.unwrap_or(lower.wrapping_add(1));
        (lower, upper)
    }

    /// The Windows-1258 page number in force.
    pub fn cp1258_page(&self) -> u8 {
        self.code_page.unwrap_or(EPSON_CP1258)
    }

    /// QR module size clamped to what printers accept.
    pub fn qr_module(&self) -> u8 {
        self.qr_module_size.clamp(1, 16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_deserialises_with_defaults_and_lowercase_modes() {
        let p: PrinterProfile =
            serde_json::from_str(r#"{"text_mode": "cp1258", "paper": 58, "code_page": 94}"#)
                .unwrap();
        assert_eq!(p.text_mode, TextMode::Cp1258);
        assert_eq!(p.paper, Paper::Mm58);
        assert_eq!(p.cp1258_page(), 94);
        assert!(p.native_qr);
        assert!(serde_json::from_str::<PrinterProfile>(r#"{"paper": 57}"#).is_err());
        assert!(serde_json::from_str::<PrinterProfile>(r#"{"text_mode": "Raster"}"#).is_err());
        let json = serde_json::to_string(&PrinterProfile::default()).unwrap();
        assert!(json.contains(r#""text_mode":"tcvn3""#), "{json}");
        assert!(json.contains(r#""paper":80"#), "{json}");
    }

    #[test]
    fn tcvn3_capitals_page_defaults_to_the_next_number() {
        let mut p = PrinterProfile::default();
        assert_eq!(p.tcvn3_pages(), (30, 31));
        p.code_page = Some(27);
        assert_eq!(p.tcvn3_pages(), (27, 28));
        p.upper_code_page = Some(40);
        assert_eq!(p.tcvn3_pages(), (27, 40));
    }

    #[test]
    fn paper_widths() {
        assert_eq!(Paper::Mm58.dots(), 384);
        assert_eq!(Paper::Mm80.dots(), 576);
        assert_eq!(Paper::Mm80.columns(), 48);
        assert_eq!(Paper::Mm58.columns(), 32);
        assert_eq!("GLYPHS".parse::<TextMode>().unwrap(), TextMode::Glyphs);
    }
}
