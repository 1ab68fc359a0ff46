//! The emulated printer mechanism: commands in, printed pages out.
//!
//! [`PrinterMachine`] keeps a byte buffer, parses complete commands with
//! [`escpos::parse`](super::escpos::parse), and draws them on paper the
//! way an Epson-compatible printer would: font-A cells (12 × 24, drawn
//! with the embedded Noto Sans), user-defined characters, raster images,
//! native QR codes. Each cut yields a [`Page`]: the picture, and a UTF-8
//! transcript of the text (code pages decoded, downloaded glyphs
//! recognised by comparing their dots with the font's own renderings).

use std::collections::HashMap;
use std::sync::OnceLock;

use qrcode::{EcLevel, QrCode};
use unicode_normalization::UnicodeNormalization;

use super::escpos::{parse, Command, Parsed, QrFunction};
use crate::bitmap::Bitmap;
use crate::font::{cell_glyph, CELL_HEIGHT, CELL_WIDTH};
use crate::printer::encoding::{decode_cp1258_byte, decode_tcvn3};
use crate::printer::profile::{Paper, EPSON_CP1258, EPSON_TCVN3_LOWER, EPSON_TCVN3_UPPER};
use crate::printer::render::{qr_matrix_bitmap, LINE_SPACING};

/// Which `ESC t` numbers the emulated printer understands as what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePageMap {
    pub tcvn3_lower: u8,
    pub tcvn3_upper: u8,
    pub cp1258: u8,
}

impl Default for CodePageMap {
    fn default() -> Self {
        Self {
            tcvn3_lower: EPSON_TCVN3_LOWER,
            tcvn3_upper: EPSON_TCVN3_UPPER,
            cp1258: EPSON_CP1258,
        }
    }
}

/// Longest page the emulator keeps (2 m of paper at 203 dpi); what is fed
/// beyond it is not drawn.
pub const MAX_PAGE_DOTS: usize = 16_384;

/// Characters the emulator can recognise in downloaded glyphs.
pub const GLYPH_CANDIDATES: &str = "àảãáạăằẳẵắặâầẩẫấậđèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬĐÈẺẼÉẸÊỀỂỄẾỆÌỈĨÍỊÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢÙỦŨÚỤƯỪỬỮỨỰỲỶỸÝỴ–—‘’“”…•₫€°×·«»";

fn candidates() -> &'static [(char, Bitmap)] {
    static C: OnceLock<Vec<(char, Bitmap)>> = OnceLock::new();
    C.get_or_init(|| {
        GLYPH_CANDIDATES
            .chars()
            .map(|c| (c, cell_glyph(c, false)))
            .collect()
    })
}

/// The character a downloaded glyph shows: the candidate whose rendering
/// is nearest, if it is near enough (at most 1 dot in 12 differs).
pub fn recognise_glyph(glyph: &Bitmap) -> Option<char> {
    let limit = glyph.width() * glyph.height() / 12;
    candidates()
        .iter()
        .map(|(c, b)| (glyph.distance(b), *c))
        .min()
        .filter(|(d, _)| *d <= limit)
        .map(|(_, c)| c)
}

/// One received page (everything up to a cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub image: Bitmap,
    /// One line per printed text line; `[QR] payload` for native QR codes,
    /// `[raster WxH]` for images.
    pub transcript: String,
}

/// Something the host must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `ESC @`: a job starts.
    JobStart,
    /// `DLE EOT n`: answer now.
    StatusRequest(u8),
    /// A cut: the page is done.
    Page(Page),
}

#[derive(Debug, Clone)]
struct Cell {
    ch: char,
    glyph: Bitmap,
    scale: (usize, usize),
}

#[derive(Debug, Clone)]
struct UserGlyph {
    bitmap: Bitmap,
    ch: char,
}

/// The emulated printer: parser, modes and the paper being printed.
pub struct PrinterMachine {
    width: usize,
    pages: CodePageMap,
    buf: Vec<u8>,
    // Modes.
    code_page: u8,
    bold: bool,
    justify: u8,
    size: (usize, usize),
    line_spacing: usize,
    user_on: bool,
    user: HashMap<u8, UserGlyph>,
    qr_module: u8,
    qr_ecc: u8,
    qr_data: Vec<u8>,
    // Paper.
    items: Vec<(usize, usize, Bitmap)>,
    y: usize,
    line: Vec<Cell>,
    transcript: Vec<String>,
}

impl PrinterMachine {
    pub fn new(paper: Paper, pages: CodePageMap) -> Self {
        Self {
            width: paper.dots(),
            pages,
            buf: Vec::new(),
            code_page: 0,
            bold: false,
            justify: 0,
            size: (1, 1),
            line_spacing: LINE_SPACING,
            user_on: false,
            user: HashMap::new(),
            qr_module: 3,
            qr_ecc: 49,
            qr_data: Vec::new(),
            items: Vec::new(),
            y: 0,
            line: Vec::new(),
            transcript: Vec::new(),
        }
    }

    /// Feeds received bytes; returns what the host must do, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Output> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut pos = 0;
        let buf = std::mem::take(&mut self.buf);
        while let Parsed::Command(cmd, used) = parse(&buf[pos..]) {
            pos += used;
            self.execute(cmd, &mut out);
        }
        self.buf = buf;
        self.buf.drain(..pos);
        out
    }

    /// Bytes received but not yet a complete command.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    fn reset_modes(&mut self) {
        self.code_page = 0;
        self.bold = false;
        self.justify = 0;
        self.size = (1, 1);
        self.line_spacing = LINE_SPACING;
        self.user_on = false;
        self.user.clear();
    }

    fn execute(&mut self, cmd: Command<'_>, out: &mut Vec<Output>) {
        match cmd {
            Command::Text(bytes) => {
                for &b in bytes {
                    self.put_byte(b);
                }
            }
            Command::LineFeed => self.print_line(true),
            Command::CarriageReturn | Command::KanjiOff | Command::KanjiOn => {}
            Command::Tab => self.put_char(' ', cell_glyph(' ', false)),
            Command::Init => {
                self.line.clear();
                self.reset_modes();
                out.push(Output::JobStart);
            }
            Command::CodePage(n) => self.code_page = n,
            Command::Bold(on) => self.bold = on,
            Command::Justify(n) => self.justify = n.min(2),
            Command::CharSize(n) => {
                self.size = (((n >> 4) & 7) as usize + 1, (n & 7) as usize + 1);
            }
            Command::PrintMode(n) => {
                self.bold = n & 0x08 != 0;
                self.size = (1 + (n >> 5 & 1) as usize, 1 + (n >> 4 & 1) as usize);
            }
            Command::LineSpacing(n) => self.line_spacing = n as usize,
            Command::DefaultLineSpacing => self.line_spacing = LINE_SPACING,
            Command::FeedLines(n) => {
                if !self.line.is_empty() {
                    self.print_line(true);
                }
                self.y += n as usize * self.line_spacing;
            }
            Command::FeedDots(n) => {
                if !self.line.is_empty() {
                    self.print_line(false);
                }
                self.y += n as usize;
            }
            Command::DefineChars {
                height_bytes,
                first,
                chars,
            } => {
                for (i, (x, data)) in chars.into_iter().enumerate() {
                    let bitmap = Bitmap::from_column_bytes(x as usize, height_bytes as usize, data);
                    let mut cell = Bitmap::new(CELL_WIDTH, CELL_HEIGHT);
                    cell.draw(&bitmap, 0, 0);
                    let ch = recognise_glyph(&cell).unwrap_or('\u{FFFD}');
                    self.user.insert(first + i as u8, UserGlyph { bitmap, ch });
                }
            }
            Command::UserChars(on) => self.user_on = on,
            Command::CancelUserChar(c) => {
                self.user.remove(&c);
            }
            Command::Raster {
                mode,
                width_bytes,
                height,
                data,
            } => {
                if !self.line.is_empty() {
                    self.print_line(true);
                }
                let (sx, sy) = (1 + (mode & 1) as usize, 1 + (mode >> 1 & 1) as usize);
                let image = Bitmap::from_raster_bytes(width_bytes, height, data).scaled(sx, sy);
                self.transcript
                    .push(format!("[raster {}x{}]", image.width(), image.height()));
                let x = self.justified_x(image.width());
                self.y += image.height();
                self.items.push((x, self.y - image.height(), image));
            }
            Command::Qr(f) => match f {
                QrFunction::ModuleSize(n) => self.qr_module = n.clamp(1, 16),
                QrFunction::ErrorCorrection(n) => self.qr_ecc = n,
                QrFunction::Store(data) => self.qr_data = data.to_vec(),
                QrFunction::Print => self.print_qr(),
                QrFunction::Model(_) | QrFunction::Other => {}
            },
            Command::Cut => {
                if !self.line.is_empty() {
                    self.print_line(true);
                }
                out.push(Output::Page(self.take_page()));
            }
            Command::StatusRequest(n) => out.push(Output::StatusRequest(n)),
            Command::Ignored(_) | Command::Unknown(_) => {}
        }
    }

    fn put_byte(&mut self, b: u8) {
        if self.user_on {
            if let Some(g) = self.user.get(&b) {
                let mut glyph = Bitmap::new(g.bitmap.width().max(1), CELL_HEIGHT);
                glyph.draw(&g.bitmap, 0, 0);
                if self.bold {
                    glyph = embolden(&glyph);
                }
                let ch = g.ch;
                self.put_char(ch, glyph);
                return;
            }
        }
        let ch = if b < 0x80 {
            b as char
        } else if self.code_page == self.pages.tcvn3_lower {
            decode_tcvn3(b, false)
        } else if self.code_page == self.pages.tcvn3_upper {
            decode_tcvn3(b, true)
        } else if self.code_page == self.pages.cp1258 {
            decode_cp1258_byte(b)
        } else {
            '\u{FFFD}'
        };
        if is_combining(ch) {
            // Windows-1258 tone byte: a good printer puts it on the previous letter.
            if let Some(prev) = self.line.last_mut() {
                let composed: String = [prev.ch, ch].iter().collect::<String>().nfc().collect();
                let mut chars = composed.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    prev.ch = c;
                    prev.glyph = cell_glyph(c, self.bold);
                    return;
                }
            }
        }
        self.put_char(ch, cell_glyph(ch, self.bold));
    }

    fn put_char(&mut self, ch: char, glyph: Bitmap) {
        let line_width: usize = self.line.iter().map(|c| c.glyph.width() * c.scale.0).sum();
        if line_width + glyph.width() * self.size.0 > self.width {
            self.print_line(true); // the printer wraps a full line
        }
        self.line.push(Cell {
            ch,
            glyph,
            scale: self.size,
        });
    }

    fn justified_x(&self, width: usize) -> usize {
        match self.justify {
            1 => self.width.saturating_sub(width) / 2,
            2 => self.width.saturating_sub(width),
            _ => 0,
        }
    }

    fn print_line(&mut self, advance: bool) {
        let cells = std::mem::take(&mut self.line);
        let text: String = cells.iter().map(|c| c.ch).collect();
        self.transcript.push(text.trim_end().to_owned());
        let width: usize = cells.iter().map(|c| c.glyph.width() * c.scale.0).sum();
        let height = cells
            .iter()
            .map(|c| c.glyph.height() * c.scale.1)
            .max()
            .unwrap_or(CELL_HEIGHT);
        let mut x = self.justified_x(width);
        for c in cells {
            let img = c.glyph.scaled(c.scale.0, c.scale.1);
            let w = img.width();
            self.items.push((x, self.y + height - img.height(), img));
            x += w;
        }
        if advance {
            self.y += self.line_spacing.max(height);
        }
    }

    fn print_qr(&mut self) {
        let ecc = match self.qr_ecc {
            48 => EcLevel::L,
            50 => EcLevel::Q,
            51 => EcLevel::H,
            _ => EcLevel::M,
        };
        let Ok(code) = QrCode::with_error_correction_level(&self.qr_data, ecc) else {
            return;
        };
        let image = qr_matrix_bitmap(&code, self.qr_module as usize);
        self.transcript
            .push(format!("[QR] {}", String::from_utf8_lossy(&self.qr_data)));
        let x = self.justified_x(image.width());
        self.items.push((x, self.y, image.clone()));
        self.y += image.height();
    }

    fn take_page(&mut self) -> Page {
        let mut image = Bitmap::new(self.width, self.y.clamp(1, MAX_PAGE_DOTS));
        for (x, y, item) in self.items.drain(..) {
            image.draw(&item, x, y);
        }
        self.y = 0;
        Page {
            image,
            transcript: std::mem::take(&mut self.transcript).join("\n"),
        }
    }
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn embolden(b: &Bitmap) -> Bitmap {
    let mut out = b.clone();
    for y in 0..b.height() {
        for x in 1..b.width() {
            if b.get(x - 1, y) {
                out.set(x, y, true);
            }
        }
    }
    out
}

/// QR payloads found in a page image.
pub fn decode_qr_codes(image: &Bitmap) -> Vec<String> {
    // rqrr needs a quiet zone: draw the page on a white margin.
    let margin = 16;
    let (w, h) = (image.width() + 2 * margin, image.height() + 2 * margin);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        if x >= margin && y >= margin && image.get(x - margin, y - margin) {
            0
        } else {
            255
        }
    });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::render::render;
    use crate::printer::{Line, PrinterProfile, Receipt, TextMode};

    fn print(receipt: &Receipt, profile: &PrinterProfile) -> Page {
        let mut m = PrinterMachine::new(profile.paper, CodePageMap::default());
        let out = m.push(&render(receipt, profile).unwrap());
        let mut pages: Vec<Page> = out
            .into_iter()
            .filter_map(|o| match o {
                Output::Page(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(pages.len(), 1);
        pages.remove(0)
    }

    #[test]
    fn text_modes_transcribe_vietnamese() {
        let receipt = Receipt::new()
            .line(Line::new("SỐ THỨ TỰ").bold())
            .line(Line::new("Phường Bến Nghé, Quận 1").center())
            .line(Line::new("Đăng ký khai sinh").size(2, 2));
        for mode in [TextMode::Tcvn3, TextMode::Cp1258, TextMode::Glyphs] {
            let page = print(&receipt, &PrinterProfile::new(mode, Paper::Mm80));
            assert_eq!(
                page.transcript, "SỐ THỨ TỰ\nPhường Bến Nghé, Quận 1\nĐăng ký khai sinh",
                "{mode}"
            );
        }
    }

    #[test]
    fn status_requests_are_reported_in_order() {
        let mut m = PrinterMachine::new(Paper::Mm58, CodePageMap::default());
        let out = m.push(b"\x10\x04\x01\x1b@\x10\x04");
        assert_eq!(out, vec![Output::StatusRequest(1), Output::JobStart]);
        assert_eq!(m.pending(), 2);
        assert_eq!(m.push(b"\x04"), vec![Output::StatusRequest(4)]);
    }

    #[test]
    fn native_qr_is_drawn_and_decodes() {
        let receipt = Receipt::new().qr("https://dichvucong.gov.vn/?ma=A012");
        let page = print(&receipt, &PrinterProfile::default());
        assert_eq!(
            decode_qr_codes(&page.image),
            vec!["https://dichvucong.gov.vn/?ma=A012"]
        );
        assert!(page.transcript.starts_with("[QR] https://"));
    }

    #[test]
    fn glyph_recognition_finds_every_candidate() {
        for (c, b) in candidates() {
            assert_eq!(recognise_glyph(b), Some(*c));
        }
        let mut black = Bitmap::new(12, 24);
        for y in 0..24 {
            for x in 0..12 {
                black.set(x, y, true);
            }
        }
        assert_eq!(recognise_glyph(&black), None);
    }
}
