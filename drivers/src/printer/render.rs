//! Receipt → ESC/POS bytes, for one printer profile.
//!
//! The `escpos` crate builds the commands (init, justification, emphasis,
//! size, feeds, native QR, cut) over an in-memory driver; the Vietnamese
//! text, the user-defined glyphs and the raster bands are ours and go in
//! as custom commands. Every job starts with `ESC @` `FS .` (clones boot
//! in Chinese mode) and ends with a feed and a cut.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use escpos::printer::Printer as EscPos;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use qrcode::{EcLevel, QrCode};
use unicode_normalization::UnicodeNormalization;

use super::encoding::{encode_cp1258, Tcvn3Encoder};
use super::profile::{PrinterProfile, TextMode};
use super::receipt::{Align, Block, Line, Receipt};
use crate::bitmap::Bitmap;
use crate::font::{self, LineStyle, CELL_HEIGHT, CELL_WIDTH};

/// A receipt could not be turned into bytes.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot build ESC/POS commands: {0}")]
    EscPos(String),
    #[error("QR payload cannot be encoded: {0}")]
    Qr(String),
}

impl RenderError {
    /// Always [`DeviceErrorKind::BadData`](crate::DeviceErrorKind::BadData):
    /// the receipt, not the printer, is at fault.
    pub fn kind(&self) -> crate::error::DeviceErrorKind {
        crate::error::DeviceErrorKind::BadData
    }
}

impl From<escpos::errors::PrinterError> for RenderError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        RenderError::EscPos(e.to_string())
    }
}

/// Dots fed by one `ESC d 1` / LF at the default line spacing.
pub const LINE_SPACING: usize = 30;
/// Rows of the full-width rule printed for a separator in raster mode.
const RULE_ROWS: usize = 2;
/// Most rows one `GS v 0` band may carry.
pub const MAX_BAND_ROWS: usize = 255;

/// `escpos` driver that appends to a shared buffer.
#[derive(Clone, Default)]
struct MemoryDriver(Rc<RefCell<Vec<u8>>>);

impl escpos::driver::Driver for MemoryDriver {
    fn name(&self) -> String {
        "motcua-memory".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// The characters (font-A cells) one line of `line` may use.
fn columns_for(line: &Line, profile: &PrinterProfile) -> usize {
    (profile.paper.columns() / line.width.max(1) as usize).max(1)
}

fn style_of(line: &Line) -> LineStyle {
    LineStyle {
        bold: line.bold,
        width: line.width,
        height: line.height,
    }
}

/// Punctuation that code pages lack, replaced by what they have.
fn simplify(c: char, mode: TextMode) -> Option<&'static str> {
    Some(match c {
        '‘' | '’' => "'",
        '“' | '”' => "\"",
        '–' | '—' => "-",
        '…' => "...",
        '•' => "*",
        '₫' if mode == TextMode::Tcvn3 => "đ",
        _ => return None,
    })
}

fn simplified(text: &str, mode: TextMode) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        match simplify(c, mode) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// Renders a receipt to the bytes of one print job.
pub fn render(receipt: &Receipt, profile: &PrinterProfile) -> Result<Vec<u8>, RenderError> {
    let sink = MemoryDriver::default();
    let mut p = EscPos::new(sink.clone(), Protocol::default(), None);
    p.init()?;
    p.custom(&[0x1C, 0x2E])?; // FS . — leave Chinese (Kanji) mode on clones.
    let mut text = TextWriter::for_job(receipt, profile);
    text.prologue(&mut p)?;
    let mut style = Style::default();
    let blocks = receipt.blocks();
    for block in blocks {
        match block {
            Block::Text(line) => {
                style.set(&mut p, line.align, line.bold, line.width, line.height)?;
                if profile.text_mode == TextMode::Raster {
                    for image in raster_line_images(line, profile) {
                        raster_block(&mut p, &image)?;
                    }
                } else {
                    for l in line.wrapped(columns_for(line, profile)) {
                        let mut bytes = text.encode(&l);
                        bytes.push(b'\n');
                        p.custom(&bytes)?;
                    }
                }
            }
            Block::Separator => {
                style.set(&mut p, Align::Left, false, 1, 1)?;
                if profile.text_mode == TextMode::Raster {
                    raster_block(&mut p, &rule(profile))?;
                } else {
                    let mut bytes = vec![b'-'; profile.paper.columns()];
                    bytes.push(b'\n');
                    p.custom(&bytes)?;
                }
            }
            Block::Qr(payload) => {
                style.set(&mut p, Align::Center, false, 1, 1)?;
                if profile.native_qr {
                    let option = QRCodeOption::new(
                        QRCodeModel::Model2,
                        profile.qr_module(),
                        QRCodeCorrectionLevel::M,
                    );
                    p.qrcode_option(payload, option)?;
                } else {
                    let image = qr_bitmap(payload, profile.qr_module())?;
                    raster_image(&mut p, &image)?;
                }
            }
            Block::Feed(n) => {
                p.feeds(*n)?;
            }
            Block::Cut => {
                p.feeds(profile.feed_before_cut)?;
                p.cut()?;
            }
        }
    }
    if !matches!(blocks.last(), Some(Block::Cut)) {
        p.feeds(profile.feed_before_cut)?;
        p.cut()?;
    }
    p.print()?;
    let bytes = sink.0.borrow().clone();
    Ok(bytes)
}

/// The style in force on the printer, so that commands are sent only on change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    align: Align,
    bold: bool,
    size: (u8, u8),
}

impl Default for Style {
    fn default() -> Self {
        Self {
            align: Align::Left,
            bold: false,
            size: (1, 1),
        }
    }
}

impl Style {
    fn set(
        &mut self,
        p: &mut EscPos<MemoryDriver>,
        align: Align,
        bold: bool,
        width: u8,
        height: u8,
    ) -> Result<(), RenderError> {
        if align != self.align {
            p.justify(match align {
                Align::Left => JustifyMode::LEFT,
                Align::Center => JustifyMode::CENTER,
                Align::Right => JustifyMode::RIGHT,
            })?;
            self.align = align;
        }
        if bold != self.bold {
            p.bold(bold)?;
            self.bold = bold;
        }
        if (width, height) != self.size {
            p.size(width, height)?;
            self.size = (width, height);
        }
        Ok(())
    }
}

/// Mode-specific text encoding for one job.
enum TextWriter {
    Tcvn3(Tcvn3Encoder),
    Cp1258 { page: u8 },
    Glyphs(GlyphPlan),
    Raster,
}

impl TextWriter {
    fn for_job(receipt: &Receipt, profile: &PrinterProfile) -> TextWriter {
        match profile.text_mode {
            TextMode::Tcvn3 => {
                let (lower, upper) = profile.tcvn3_pages();
                TextWriter::Tcvn3(Tcvn3Encoder::new(lower, upper))
            }
            TextMode::Cp1258 => TextWriter::Cp1258 {
                page: profile.cp1258_page(),
            },
            TextMode::Glyphs => TextWriter::Glyphs(GlyphPlan::for_receipt(receipt, profile)),
            TextMode::Raster => TextWriter::Raster,
        }
    }

    fn prologue(&mut self, p: &mut EscPos<MemoryDriver>) -> Result<(), RenderError> {
        match self {
            TextWriter::Cp1258 { page } => {
                p.custom(&[0x1B, 0x74, *page])?;
            }
            TextWriter::Glyphs(plan) => {
                p.custom(&plan.definitions())?;
            }
            TextWriter::Tcvn3(_) | TextWriter::Raster => {}
        }
        Ok(())
    }

    fn encode(&mut self, text: &str) -> Vec<u8> {
        match self {
            TextWriter::Tcvn3(enc) => {
                let mut out = Vec::new();
                enc.encode(&simplified(text, TextMode::Tcvn3), &mut out);
                out
            }
            TextWriter::Cp1258 { .. } => encode_cp1258(&simplified(text, TextMode::Cp1258)),
            TextWriter::Glyphs(plan) => plan.encode(text),
            TextWriter::Raster => Vec::new(),
        }
    }
}

/// The user-defined characters of one `glyphs` job: which code stands for
/// which letter, and which ASCII codes had to be given up.
#[derive(Debug, Clone)]
pub struct GlyphPlan {
    codes: BTreeMap<char, u8>,
    /// ASCII codes the job prints literally but that carry a glyph too
    /// (only when the job uses more accented letters than free codes);
    /// printing them needs the user-defined set switched off.
    shared: BTreeSet<u8>,
    user_set_on: bool,
}

impl GlyphPlan {
    /// Plans the glyphs for every non-ASCII character of the receipt.
    pub fn for_receipt(receipt: &Receipt, profile: &PrinterProfile) -> GlyphPlan {
        let mut texts: Vec<String> = Vec::new();
        for line in receipt.text_lines() {
            texts.extend(line.wrapped(columns_for(line, profile)));
        }
        if receipt.blocks().contains(&Block::Separator) {
            texts.push("-".to_owned());
        }
        GlyphPlan::for_texts(texts.iter().map(String::as_str))
    }

    /// Plans the glyphs for these texts.
    pub fn for_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> GlyphPlan {
        let mut needed = BTreeSet::new();
        let mut ascii_use: HashMap<u8, usize> = HashMap::new();
        for t in texts {
            for c in t.nfc() {
                if c.is_ascii() {
                    *ascii_use.entry(c as u8).or_default() += 1;
                } else {
                    needed.insert(c);
                }
            }
        }
        // Free codes first (ascending, so definitions form long runs), then
        // the least used literal codes.
        let mut candidates: Vec<u8> = (0x21..=0x7E)
            .filter(|b| !ascii_use.contains_key(b))
            .collect();
        let mut used: Vec<u8> = (0x21..=0x7E)
            .filter(|b| ascii_use.contains_key(b))
            .collect();
        used.sort_by_key(|b| (ascii_use[b], *b));
        candidates.extend(used);
        let mut codes = BTreeMap::new();
        let mut shared = BTreeSet::new();
        for (c, code) in needed.into_iter().zip(candidates) {
            if ascii_use.contains_key(&code) {
                shared.insert(code);
            }
            codes.insert(c, code);
        }
        GlyphPlan {
            codes,
            shared,
            user_set_on: true,
        }
    }

    /// How many glyphs the job downloads.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// `ESC & 3 c1 c2 …` for each run of consecutive codes, then `ESC % 1`.
    pub fn definitions(&self) -> Vec<u8> {
        let mut by_code: Vec<(u8, char)> = self.codes.iter().map(|(c, b)| (*b, *c)).collect();
        by_code.sort();
        let mut out = Vec::new();
        let mut i = 0;
        while i < by_code.len() {
            let mut j = i;
            while j + 1 < by_code.len() && by_code[j + 1].0 == by_code[j].0 + 1 {
                j += 1;
            }
            out.extend_from_slice(&[
                0x1B,
                b'&',
                (CELL_HEIGHT / 8) as u8,
                by_code[i].0,
                by_code[j].0,
            ]);
            for &(_, c) in &by_code[i..=j] {
                out.push(CELL_WIDTH as u8);
                out.extend(font::cell_glyph(c, false).to_column_bytes());
            }
            i = j + 1;
        }
        out.extend_from_slice(&[0x1B, b'%', 1]);
        out
    }

    /// The bytes for `text`, switching the user-defined set off only for
    /// literal characters whose code also carries a glyph.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for c in text.nfc() {
            let (byte, needs_set) = if c.is_ascii() {
                let b = c as u8;
                (
                    b,
                    if self.shared.contains(&b) {
                        Some(false)
                    } else {
                        None
                    },
                )
            } else {
                match self.codes.get(&c) {
                    Some(&code) => (code, Some(true)),
                    None => (b'?', None),
                }
            };
            if let Some(on) = needs_set {
                if on != self.user_set_on {
                    out.extend_from_slice(&[0x1B, b'%', on as u8]);
                    self.user_set_on = on;
                }
            }
            out.push(byte);
        }
        out
    }
}

/// The images of one text line in raster mode, wrapped to the paper.
pub fn raster_line_images(line: &Line, profile: &PrinterProfile) -> Vec<Bitmap> {
    let style = style_of(line);
    let dots = profile.paper.dots();
    let mut columns = columns_for(line, profile);
    loop {
        let lines = line.wrapped(columns);
        let too_wide = lines.iter().any(|l| font::text_width(l, style) > dots);
        if !too_wide || columns <= 1 {
            return lines
                .iter()
                .map(|l| {
                    if line.right.is_some() && l.contains("  ") {
                        pair_image(l, style, dots)
                    } else {
                        let img = font::text_line(l, style);
                        img.crop(0, 0, img.width().min(dots), img.height())
                    }
                })
                .collect();
        }
        columns -= 1;
    }
}

/// A label … value line as one full-width image with the value flush right.
fn pair_image(laid_out: &str, style: LineStyle, dots: usize) -> Bitmap {
    let trimmed = laid_out.trim_end();
    let split = trimmed.find("  ").unwrap_or(trimmed.len());
    let (label, value) = (trimmed[..split].trim_end(), trimmed[split..].trim_start());
    let left = font::text_line(label, style);
    let right = font::text_line(value, style);
    let mut out = Bitmap::new(dots, left.height().max(right.height()));
    out.draw(&left, 0, 0);
    out.draw(&right, dots.saturating_sub(right.width()), 0);
    out
}

/// The full-width rule of a separator in raster mode, with its spacing.
fn rule(profile: &PrinterProfile) -> Bitmap {
    let mut img = Bitmap::new(profile.paper.dots(), LINE_SPACING);
    let y0 = (LINE_SPACING - RULE_ROWS) / 2;
    for y in y0..y0 + RULE_ROWS {
        for x in 0..profile.paper.dots() {
            img.set(x, y, true);
        }
    }
    img
}

/// A QR symbol (model 2, ECC M) with `module` dots per module, no quiet zone.
pub fn qr_bitmap(payload: &str, module: u8) -> Result<Bitmap, RenderError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    Ok(qr_matrix_bitmap(&code, module as usize))
}

pub(crate) fn qr_matrix_bitmap(code: &QrCode, module: usize) -> Bitmap {
    let w = code.width();
    let mut img = Bitmap::new(w * module, w * module);
    for y in 0..w {
        for x in 0..w {
            if code[(x, y)] == qrcode::Color::Dark {
                for dy in 0..module {
                    for dx in 0..module {
                        img.set(x * module + dx, y * module + dy, true);
                    }
                }
            }
        }
    }
    img
}

/// Sends an image with its blank top and bottom rows as paper feed
/// (`ESC J`), which costs 3 bytes instead of a row of dots each.
fn raster_block(p: &mut EscPos<MemoryDriver>, image: &Bitmap) -> Result<(), RenderError> {
    let Some((_, top, _, h)) = image.bounding_box() else {
        feed_dots(p, image.height())?;
        return Ok(());
    };
    feed_dots(p, top)?;
    raster_image(p, &image.rows(top, h))?;
    feed_dots(p, image.height() - top - h)
}

fn feed_dots(p: &mut EscPos<MemoryDriver>, mut dots: usize) -> Result<(), RenderError> {
    while dots > 0 {
        let n = dots.min(255);
        p.custom(&[0x1B, b'J', n as u8])?;
        dots -= n;
    }
    Ok(())
}

/// `GS v 0` in bands of at most 255 rows.
fn raster_image(p: &mut EscPos<MemoryDriver>, image: &Bitmap) -> Result<(), RenderError> {
    p.custom(&raster_bytes(image))?;
    Ok(())
}

/// The `GS v 0` bands of an image.
pub fn raster_bytes(image: &Bitmap) -> Vec<u8> {
    let mut out = Vec::new();
    let wb = image.width_bytes();
    let mut y = 0;
    while y < image.height() {
        let band = image.rows(y, MAX_BAND_ROWS);
        let h = band.height();
        out.extend_from_slice(&[
            0x1D,
            b'v',
            b'0',
            0,
            (wb & 0xFF) as u8,
            (wb >> 8) as u8,
            (h & 0xFF) as u8,
            (h >> 8) as u8,
        ]);
        out.extend(band.to_raster_bytes());
        y += h;
    }
    out
}

/// The page a `raster`-mode job prints, drawn directly: the reference the
/// emulator's picture of the same job must match dot for dot. With
/// `qr_as_image`, the QR is drawn too whatever the profile says — the
/// "whole ticket as one image" workaround.
pub fn reference_page(receipt: &Receipt, profile: &PrinterProfile) -> Bitmap {
    let dots = profile.paper.dots();
    let mut items: Vec<(usize, usize, Bitmap)> = Vec::new(); // (x, y, image)
    let mut y = 0usize;
    let place = |img: &Bitmap, align: Align| match align {
        Align::Left => 0,
        Align::Center => dots.saturating_sub(img.width()) / 2,
        Align::Right => dots.saturating_sub(img.width()),
    };
    let blocks = receipt.blocks();
    for block in blocks {
        match block {
            Block::Text(line) => {
                for img in raster_line_images(line, profile) {
                    // A `GS v 0` image is whole bytes wide; the printer
                    // justifies that width.
                    let padded = Bitmap::new(img.width_bytes() * 8, 1);
                    items.push((place(&padded, line.align), y, img.clone()));
                    y += img.height();
                }
            }
            Block::Separator => {
                let img = rule(profile);
                items.push((0, y, img.clone()));
                y += img.height();
            }
            Block::Qr(payload) => {
                if let Ok(img) = qr_bitmap(payload, profile.qr_module()) {
                    let x = if profile.native_qr {
                        place(&img, Align::Center)
                    } else {
                        place(&Bitmap::new(img.width_bytes() * 8, 1), Align::Center)
                    };
                    items.push((x, y, img.clone()));
                    y += img.height();
                }
            }
            Block::Feed(n) => y += *n as usize * LINE_SPACING,
            Block::Cut => y += profile.feed_before_cut as usize * LINE_SPACING,
        }
    }
    if !matches!(blocks.last(), Some(Block::Cut)) {
        y += profile.feed_before_cut as usize * LINE_SPACING;
    }
    let mut page = Bitmap::new(dots, y.max(1));
    for (x, iy, img) in items {
        page.draw(&img, x, iy);
    }
    page
}

/// The whole receipt as one full-width image in `GS v 0` bands: what
/// people do today when the printer has no Vietnamese code page.
pub fn whole_image_job(receipt: &Receipt, profile: &PrinterProfile) -> Vec<u8> {
    let page = reference_page(receipt, profile);
    let mut out = vec![0x1B, 0x40, 0x1C, 0x2E];
    out.extend(raster_bytes(&page));
    out.extend_from_slice(&[0x1D, b'V', b'A', 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::profile::Paper;

    fn hex(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn one_line(mode: TextMode, text: &str) -> Vec<u8> {
        let profile = PrinterProfile {
            feed_before_cut: 0,
            ..PrinterProfile::new(mode, Paper::Mm80)
        };
        render(&Receipt::new().text(text).cut(), &profile).unwrap()
    }

    #[test]
    fn every_job_starts_with_init_and_leaves_chinese_mode() {
        for mode in TextMode::ALL {
            let job = one_line(mode, "Việt Nam");
            assert_eq!(&job[..4], &[0x1B, 0x40, 0x1C, 0x2E], "{mode}");
            assert_eq!(&job[job.len() - 4..], &[0x1D, b'V', b'A', 0], "{mode}");
        }
    }

    #[test]
    fn golden_tcvn3_job() {
        assert_eq!(
            hex(&one_line(TextMode::Tcvn3, "SỐ THỨ TỰ")),
            "1B 40 1C 2E 1B 74 1E 53 1B 74 1F E8 20 54 48 F8 20 54 F9 0A 1B 64 00 1D 56 41 00"
        );
    }

    #[test]
    fn golden_cp1258_job() {
        assert_eq!(
            hex(&one_line(TextMode::Cp1258, "Việt Nam")),
            "1B 40 1C 2E 1B 74 34 56 69 EA F2 74 20 4E 61 6D 0A 1B 64 00 1D 56 41 00"
        );
    }

    #[test]
    fn cp1258_code_page_comes_from_the_profile() {
        let profile = PrinterProfile {
            code_page: Some(94),
            ..PrinterProfile::new(TextMode::Cp1258, Paper::Mm58)
        };
        let job = render(&Receipt::new().text("ệ"), &profile).unwrap();
        assert_eq!(&job[4..7], &[0x1B, 0x74, 94]);
    }

    #[test]
    fn golden_glyphs_job_downloads_each_letter_once() {
        let job = one_line(TextMode::Glyphs, "Việt Nam ệ");
        // One glyph (ệ) on the first free code, '!' (0x21).
        let mut expected = vec![0x1B, 0x40, 0x1C, 0x2E, 0x1B, b'&', 3, 0x21, 0x21, 12];
        expected.extend(font::cell_glyph('ệ', false).to_column_bytes());
        expected.extend_from_slice(&[0x1B, b'%', 1]);
        expected.extend_from_slice(b"Vi!t Nam !\n");
        expected.extend_from_slice(&[0x1B, b'd', 0, 0x1D, b'V', b'A', 0]);
        assert_eq!(hex(&job), hex(&expected));
    }

    #[test]
    fn glyphs_share_codes_only_when_free_ones_run_out() {
        // Use every printable ASCII code literally, so each glyph shares one.
        let ascii: String = (0x21u8..=0x7E).map(|b| b as char).collect();
        let mut plan = GlyphPlan::for_texts([ascii.as_str(), "ằ"]);
        assert_eq!(plan.len(), 1);
        let bytes = plan.encode("ằ!");
        // ằ takes the least used code ('!'); printing '!' itself needs the
        // user-defined set off.
        assert_eq!(bytes, vec![b'!', 0x1B, b'%', 0, b'!']);
    }

    #[test]
    fn golden_native_qr() {
        let profile = PrinterProfile {
            feed_before_cut: 0,
            qr_module_size: 4,
            ..PrinterProfile::default()
        };
        let job = render(&Receipt::new().qr("A012").cut(), &profile).unwrap();
        let expected = "1B 40 1C 2E 1B 61 01 \
            1D 28 6B 04 00 31 41 32 00 \
            1D 28 6B 03 00 31 43 04 \
            1D 28 6B 03 00 31 45 31 \
            1D 28 6B 07 00 31 50 30 41 30 31 32 \
            1D 28 6B 03 00 31 51 30 \
            1B 64 00 1D 56 41 00";
        assert_eq!(hex(&job), expected);
    }

    #[test]
    fn qr_falls_back_to_raster() {
        let profile = PrinterProfile {
            native_qr: false,
            ..PrinterProfile::default()
        };
        let job = render(&Receipt::new().qr("A012"), &profile).unwrap();
        assert!(!job.windows(3).any(|w| w == [0x1D, 0x28, 0x6B]));
        assert!(job.windows(3).any(|w| w == [0x1D, b'v', b'0']));
    }

    #[test]
    fn raster_bands_are_at_most_255_rows() {
        let img = Bitmap::new(16, 600);
        let bytes = raster_bytes(&img);
        // 255 + 255 + 90 rows, 2 bytes wide, 8-byte headers.
        assert_eq!(bytes.len(), 3 * 8 + 600 * 2);
        assert_eq!(&bytes[..8], &[0x1D, b'v', b'0', 0, 2, 0, 255, 0]);
        assert_eq!(
            &bytes[8 + 510..8 + 510 + 8],
            &[0x1D, b'v', b'0', 0, 2, 0, 255, 0]
        );
        assert_eq!(bytes[16 + 1020 + 6], 90);
    }

    #[test]
    fn golden_raster_job() {
        // Pins the raster bytes (font, threshold, band layout); regenerate
        // with MOTCUA_BLESS=1 after an intended change.
        let job = one_line(TextMode::Raster, "Việt Nam");
        let text: String = job.chunks(32).map(|c| format!("{}\n", hex(c))).collect();
        let golden = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/raster-viet-nam.hex"
        );
        if std::env::var_os("MOTCUA_BLESS").is_some() {
            std::fs::write(golden, &text).unwrap();
        }
        let expected = std::fs::read_to_string(golden).unwrap();
        assert_eq!(text, expected);
        // ESC @ FS . ESC J <blank rows> GS v 0 m xL xH yL yH …
        assert_eq!(&job[..7], &[0x1B, 0x40, 0x1C, 0x2E, 0x1B, b'J', job[6]]);
        assert_eq!(&job[7..10], &[0x1D, b'v', b'0']);
    }

    #[test]
    fn raster_text_is_images_not_text() {
        let job = one_line(TextMode::Raster, "Việt Nam");
        assert!(job.windows(3).any(|w| w == [0x1D, b'v', b'0']));
        assert!(!job.windows(3).any(|w| w == b"Nam"));
    }

    #[test]
    fn punctuation_is_simplified_for_code_pages() {
        let job = one_line(TextMode::Tcvn3, "A–B 8.000₫");
        assert!(job.windows(3).any(|w| w == b"A-B"));
        assert!(job.contains(&0xAE));
    }
}
