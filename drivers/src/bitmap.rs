//! One-bit images: what a thermal printer prints, pixel for pixel.
//!
//! The raster text mode, the glyph download, the QR fallback and the
//! emulator's pages all meet here, so that what the driver sends and what
//! the emulator draws are the same dots.

use std::io;

/// A black-and-white image; `true` is a black dot.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: usize,
    height: usize,
    dots: Vec<bool>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Bitmap {}x{}", self.width, self.height)?;
        for y in 0..self.height.min(64) {
            let row: String = (0..self.width.min(120))
                .map(|x| if self.get(x, y) { '#' } else { '.' })
                .collect();
            writeln!(f, "{row}")?;
        }
        Ok(())
    }
}

impl Bitmap {
    /// A white image.
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            dots: vec![false; width * height],
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// The dot at (x, y); outside the image is white.
    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.dots[y * self.width + x]
    }

    /// Sets a dot; outside the image is ignored.
    pub fn set(&mut self, x: usize, y: usize, black: bool) {
        if x < self.width && y < self.height {
            self.dots[y * self.width + x] = black;
        }
    }

    /// How many dots are black.
    pub fn black_dots(&self) -> usize {
        self.dots.iter().filter(|d| **d).count()
    }

    /// Draws `other`'s black dots onto this image at (x, y).
    pub fn draw(&mut self, other: &Bitmap, x: usize, y: usize) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                if other.get(ox, oy) {
                    self.set(x + ox, y + oy, true);
                }
            }
        }
    }

    /// Grows every dot into a `sx` × `sy` block (printer character sizes).
    pub fn scaled(&self, sx: usize, sy: usize) -> Bitmap {
        let (sx, sy) = (sx.max(1), sy.max(1));
        let mut out = Bitmap::new(self.width * sx, self.height * sy);
        for y in 0..out.height {
            for x in 0..out.width {
                out.dots[y * out.width + x] = self.get(x / sx, y / sy);
            }
        }
        out
    }

    /// The part of the image from row `y` with `height` rows.
    pub fn rows(&self, y: usize, height: usize) -> Bitmap {
        let height = height.min(self.height.saturating_sub(y));
        let mut out = Bitmap::new(self.width, height);
        out.dots
            .copy_from_slice(&self.dots[y * self.width..(y + height) * self.width]);
        out
    }

    /// Width of the image in bytes when packed 8 dots a byte.
    pub fn width_bytes(&self) -> usize {
        self.width.div_ceil(8)
    }

    /// Row-major, 8 dots a byte, most significant bit left: `GS v 0` data.
    pub fn to_raster_bytes(&self) -> Vec<u8> {
        let wb = self.width_bytes();
        let mut out = vec![0u8; wb * self.height];
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    out[y * wb + x / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        out
    }

    /// The inverse of [`to_raster_bytes`](Self::to_raster_bytes).
    pub fn from_raster_bytes(width_bytes: usize, height: usize, data: &[u8]) -> Bitmap {
        let mut out = Bitmap::new(width_bytes * 8, height);
        for y in 0..height {
            for x in 0..width_bytes * 8 {
                let byte = data.get(y * width_bytes + x / 8).copied().unwrap_or(0);
                out.dots[y * out.width + x] = byte & (0x80 >> (x % 8)) != 0;
            }
        }
        out
    }

    /// Column-major, `height / 8` bytes per column, most significant bit on
    /// top: the data of a user-defined character (`ESC &`).
    pub fn to_column_bytes(&self) -> Vec<u8> {
        let hb = self.height.div_ceil(8);
        let mut out = vec![0u8; hb * self.width];
        for x in 0..self.width {
            for y in 0..self.height {
                if self.get(x, y) {
                    out[x * hb + y / 8] |= 0x80 >> (y % 8);
                }
            }
        }
        out
    }

    /// The inverse of [`to_column_bytes`](Self::to_column_bytes).
    pub fn from_column_bytes(width: usize, height_bytes: usize, data: &[u8]) -> Bitmap {
        let mut out = Bitmap::new(width, height_bytes * 8);
        for x in 0..width {
            for y in 0..height_bytes * 8 {
                let byte = data.get(x * height_bytes + y / 8).copied().unwrap_or(0);
                out.dots[y * width + x] = byte & (0x80 >> (y % 8)) != 0;
            }
        }
        out
    }

    /// How many dots differ from `other` (images of different sizes are
    /// compared over the larger size, outside counting as white).
    pub fn distance(&self, other: &Bitmap) -> usize {
        let w = self.width.max(other.width);
        let h = self.height.max(other.height);
        let mut d = 0;
        for y in 0..h {
            for x in 0..w {
                if self.get(x, y) != other.get(x, y) {
                    d += 1;
                }
            }
        }
        d
    }

    /// The smallest rectangle holding every black dot, as (x, y, w, h).
    pub fn bounding_box(&self) -> Option<(usize, usize, usize, usize)> {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x);
                    y1 = y1.max(y);
                }
            }
        }
        (x0 != usize::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
    }

    /// A copy cropped to (x, y, w, h).
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Bitmap {
        let mut out = Bitmap::new(w, h);
        for oy in 0..h {
            for ox in 0..w {
                out.dots[oy * w + ox] = self.get(x + ox, y + oy);
            }
        }
        out
    }

    /// Encodes the image as a 1-bit grayscale PNG.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_png(&mut out).expect("writing to memory");
        out
    }

    /// Writes the image as a 1-bit grayscale PNG.
    pub fn write_png<W: io::Write>(&self, w: W) -> io::Result<()> {
        if self.width == 0 || self.height == 0 {
            // PNG has no empty images: write one white dot.
            return Bitmap::new(1, 1).write_png(w);
        }
        let mut encoder = png::Encoder::new(w, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(io::Error::other)?;
        // PNG: 1 is white. Invert the printer's sense.
        let data: Vec<u8> = self.to_raster_bytes().iter().map(|b| !b).collect();
        writer.write_image_data(&data).map_err(io::Error::other)?;
        writer.finish().map_err(io::Error::other)
    }

    /// Reads a PNG written by [`to_png`](Self::to_png) (or any grayscale or
    /// RGB PNG: dark pixels are black).
    pub fn from_png(bytes: &[u8]) -> io::Result<Bitmap> {
        let mut decoder = png::Decoder::new(io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().map_err(io::Error::other)?;
        let size = reader
            .output_buffer_size()
            .ok_or_else(|| io::Error::other("PNG too large"))?;
        let mut buf = vec![0; size];
        let info = reader.next_frame(&mut buf).map_err(io::Error::other)?;
        let (w, h) = (info.width as usize, info.height as usize);
        let channels = info.color_type.samples();
        let mut out = Bitmap::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let px = &buf[y * info.line_size + x * channels..];
                let luma = if channels >= 3 {
                    (px[0] as u32 + px[1] as u32 + px[2] as u32) / 3
                } else {
                    px[0] as u32
                };
                out.dots[y * w + x] = luma < 128;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bitmap {
        let mut b = Bitmap::new(10, 16);
        for i in 0..10 {
            b.set(i, i, true);
        }
        b.set(9, 15, true);
        b
    }

    #[test]
    fn raster_bytes_round_trip() {
        let b = sample();
        let bytes = b.to_raster_bytes();
        assert_eq!(bytes.len(), 2 * 16);
        assert_eq!(bytes[0], 0x80);
        let back = Bitmap::from_raster_bytes(2, 16, &bytes).crop(0, 0, 10, 16);
        assert_eq!(back, b);
    }

    #[test]
    fn column_bytes_round_trip() {
        let b = sample();
        let bytes = b.to_column_bytes();
        assert_eq!(bytes.len(), 10 * 2);
        assert_eq!(Bitmap::from_column_bytes(10, 2, &bytes), b);
    }

    #[test]
    fn png_round_trip() {
        let b = sample();
        let back = Bitmap::from_png(&b.to_png()).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn empty_images_still_make_a_png() {
        for (w, h) in [(0, 0), (0, 5), (5, 0)] {
            let png = Bitmap::new(w, h).to_png();
            assert_eq!(Bitmap::from_png(&png).unwrap(), Bitmap::new(1, 1));
        }
    }

    #[test]
    fn scaling_and_bounding_box() {
        let b = sample().scaled(2, 3);
        assert_eq!((b.width(), b.height()), (20, 48));
        assert_eq!(b.bounding_box(), Some((0, 0, 20, 48)));
        assert_eq!(Bitmap::new(3, 3).bounding_box(), None);
    }
}
