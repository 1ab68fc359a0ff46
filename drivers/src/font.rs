//! The embedded Noto Sans, rasterised to printer dots.
//!
//! Two shapes come out of here:
//! - [`cell_glyph`]: one character in a 12 × 24-dot cell, the size of an
//!   ESC/POS printer's font A. The `glyphs` text mode downloads these as
//!   user-defined characters, and the emulator draws every character of a
//!   text page with them (and recognises downloaded glyphs by comparing
//!   them against these renderings).
//! - [`text_line`]: a whole line set proportionally, for the `raster`
//!   text mode and the whole-page images.
//!
//! The font files are shared with the UI (`ui/fonts/`, SIL OFL 1.1).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use fontdue::{Font, FontSettings};

use crate::bitmap::Bitmap;

static REGULAR_TTF: &[u8] = include_bytes!("../../ui/fonts/NotoSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../ui/fonts/NotoSans-Bold.ttf");

/// Width of a font-A character cell, in dots.
pub const CELL_WIDTH: usize = 12;
/// Height of a font-A character cell, in dots.
pub const CELL_HEIGHT: usize = 24;

/// Pixel size and baseline that fit every Vietnamese letter, stacked tone
/// marks and descenders included, into a 24-dot cell (checked by a test).
const CELL_PX: f32 = 18.0;
const CELL_BASELINE: i32 = 19;
/// Glyphs wider than this are squeezed; one column stays blank between letters.
const CELL_INK_WIDTH: usize = CELL_WIDTH - 1;

/// Pixel size of raster text at size 1 (comparable to font A on paper).
pub const LINE_PX: f32 = 22.0;

/// Coverage (0–255) from which a dot is printed black.
const THRESHOLD: u8 = 100;
/// Of the 4 high-resolution dots pooled into one cell dot, how many must be black.
const POOL_MIN: usize = 1;

fn fonts() -> &'static [Font; 2] {
    static FONTS: OnceLock<[Font; 2]> = OnceLock::new();
    FONTS.get_or_init(|| {
        let load = |bytes: &[u8]| {
            Font::from_bytes(bytes, FontSettings::default()).expect("embedded Noto Sans parses")
        };
        [load(REGULAR_TTF), load(BOLD_TTF)]
    })
}

fn font(bold: bool) -> &'static Font {
    &fonts()[bold as usize]
}

/// One character in a 12 × 24 cell, as the emulated printer's font A draws it.
pub fn cell_glyph(c: char, bold: bool) -> Bitmap {
    static CACHE: OnceLock<Mutex<HashMap<(char, bool), Bitmap>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(b) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(c, bold))
    {
        return b.clone();
    }
    let glyph = render_cell(c, bold);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert((c, bold), glyph.clone());
    glyph
}

fn render_cell(c: char, bold: bool) -> Bitmap {
    let mut cell = Bitmap::new(CELL_WIDTH, CELL_HEIGHT);
    if c.is_whitespace() || c.is_control() {
        return cell;
    }
    // Rasterise at twice the size and pool 2 × 2 blocks: thin strokes —
    // the tone marks — survive instead of vanishing below the threshold.
    let (m, coverage) = font(bold).rasterize(c, CELL_PX * 2.0);
    if m.width == 0 || m.height == 0 {
        return cell;
    }
    let hi = |x: usize, y: usize| x < m.width && y < m.height && coverage[y * m.width + x] >= 128;
    let (w, h) = (m.width.div_ceil(2), m.height.div_ceil(2));
    let mut small = Bitmap::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let n = [(0, 0), (1, 0), (0, 1), (1, 1)]
                .iter()
                .filter(|(dx, dy)| hi(2 * x + dx, 2 * y + dy))
                .count();
            small.set(x, y, n >= POOL_MIN);
        }
    }
    // Squeeze wide letters (m, w, M, W) into the cell.
    let out_w = w.min(CELL_INK_WIDTH);
    let x0 = (CELL_WIDTH - out_w) / 2;
    let top = CELL_BASELINE
        - (m.ymin + m.height as i32).div_euclid(2)
        - ((m.ymin + m.height as i32) % 2).abs();
    for y in 0..h {
        let cy = top + y as i32;
        if !(0..CELL_HEIGHT as i32).contains(&cy) {
            continue;
        }
        for ox in 0..out_w {
            let from = ox * w / out_w;
            let to = ((ox + 1) * w).div_ceil(out_w).max(from + 1);
            if (from..to).any(|sx| small.get(sx, y)) {
                cell.set(x0 + ox, cy as usize, true);
            }
        }
    }
    cell
}

/// Style of a raster text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineStyle {
    pub bold: bool,
    /// Width multiplier, 1–8.
    pub width: u8,
    /// Height multiplier, 1–8.
    pub height: u8,
}

impl Default for LineStyle {
    fn default() -> Self {
        Self {
            bold: false,
            width: 1,
            height: 1,
        }
    }
}

fn line_px(style: LineStyle) -> f32 {
    LINE_PX * style.height.clamp(1, 8) as f32
}

/// The height in dots of a raster text line in this style.
pub fn line_height(style: LineStyle) -> usize {
    let px = line_px(style);
    let lm = font(style.bold)
        .horizontal_line_metrics(px)
        .expect("Noto Sans has horizontal metrics");
    (lm.ascent - lm.descent).ceil() as usize
}

fn stretch(style: LineStyle) -> f32 {
    style.width.clamp(1, 8) as f32 / style.height.clamp(1, 8) as f32
}

/// The width in dots `text` takes as a raster line in this style.
pub fn text_width(text: &str, style: LineStyle) -> usize {
    let px = line_px(style);
    let f = font(style.bold);
    let advance: f32 = text.chars().map(|c| f.metrics(c, px).advance_width).sum();
    (advance * stretch(style)).ceil() as usize
}

/// `text` set in Noto Sans as one line image, [`line_height`] rows high and
/// [`text_width`] dots wide.
pub fn text_line(text: &str, style: LineStyle) -> Bitmap {
    let px = line_px(style);
    let f = font(style.bold);
    let lm = f.horizontal_line_metrics(px).expect("horizontal metrics");
    let baseline = lm.ascent.round() as i32;
    let natural_width = {
        let w: f32 = text.chars().map(|c| f.metrics(c, px).advance_width).sum();
        w.ceil() as usize
    };
    let mut line = Bitmap::new(natural_width.max(1), line_height(style));
    let mut pen = 0.0f32;
    for c in text.chars() {
        let (m, coverage) = f.rasterize(c, px);
        let left = (pen + m.xmin as f32).round() as i32;
        let top = baseline - (m.ymin + m.height as i32);
        for y in 0..m.height {
            for x in 0..m.width {
                if coverage[y * m.width + x] >= THRESHOLD {
                    let (lx, ly) = (left + x as i32, top + y as i32);
                    if lx >= 0 && ly >= 0 {
                        line.set(lx as usize, ly as usize, true);
                    }
                }
            }
        }
        pen += m.advance_width;
    }
    let s = stretch(style);
    if (s - 1.0).abs() < f32::EPSILON {
        return line;
    }
    // Width ≠ height multiplier: stretch horizontally, nearest neighbour.
    let w = text_width(text, style).max(1);
    let mut out = Bitmap::new(w, line.height());
    for y in 0..line.height() {
        for x in 0..w {
            out.set(x, y, line.get((x as f32 / s) as usize, y));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::encoding::VIETNAMESE_LETTERS;

    #[test]
    fn every_vietnamese_letter_fits_its_cell_unclipped() {
        for c in VIETNAMESE_LETTERS.chars() {
            for bold in [false, true] {
                let (m, _) = font(bold).rasterize(c, CELL_PX);
                let top = CELL_BASELINE - (m.ymin + m.height as i32);
                let bottom = CELL_BASELINE - m.ymin;
                assert!(top >= 0, "{c} (bold {bold}) clipped at the top: {top}");
                assert!(
                    bottom <= CELL_HEIGHT as i32,
                    "{c} clipped at the bottom: {bottom}"
                );
                assert!(cell_glyph(c, bold).black_dots() > 0, "{c} is blank");
            }
        }
    }

    #[test]
    fn accented_letters_have_distinct_cells() {
        // The emulator tells downloaded glyphs apart by their dots: no two
        // letters may render alike.
        let letters: Vec<char> = VIETNAMESE_LETTERS
            .chars()
            .filter(|c| !c.is_ascii())
            .collect();
        for (i, a) in letters.iter().enumerate() {
            for b in &letters[i + 1..] {
                let d = cell_glyph(*a, false).distance(&cell_glyph(*b, false));
                assert!(d >= 4, "{a} and {b} differ by only {d} dots");
            }
        }
    }

    #[test]
    fn raster_lines_scale_with_size() {
        let one = text_line("Số thứ tự", LineStyle::default());
        let two = text_line(
            "Số thứ tự",
            LineStyle {
                bold: false,
                width: 2,
                height: 2,
            },
        );
        assert_eq!(one.height(), line_height(LineStyle::default()));
        assert!(two.height() >= 2 * one.height() - 2);
        assert!(two.width() >= 2 * one.width() - 4);
        assert_eq!(one.width(), text_width("Số thứ tự", LineStyle::default()));
    }
}
