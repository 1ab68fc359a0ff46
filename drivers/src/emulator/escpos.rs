//! An incremental ESC/POS parser: bytes in, commands out.
//!
//! For emulator authors: [`parse`] looks at the start of a buffer and
//! returns one complete command with the number of bytes it used, or
//! [`Parsed::Incomplete`] when the buffer ends mid-command (keep the bytes
//! and call again when more arrive). It never panics and never loses
//! sync on unknown commands: it knows the parameter count of every common
//! Epson command and skips what it does not act on.

/// Largest raster image accepted (bytes of dot data); larger headers are skipped.
pub const MAX_IMAGE_BYTES: usize = 4 << 20;

/// A QR function of `GS ( k` (cn = 49).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrFunction<'a> {
    Model(u8),
    ModuleSize(u8),
    ErrorCorrection(u8),
    Store(&'a [u8]),
    Print,
    Other,
}

/// One ESC/POS command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// Printable bytes (0x20 and up), to be decoded in the current code page.
    Text(&'a [u8]),
    LineFeed,
    CarriageReturn,
    Tab,
    /// `ESC @`.
    Init,
    /// `FS .` (leave Kanji mode).
    KanjiOff,
    /// `FS &`.
    KanjiOn,
    /// `ESC t n`.
    CodePage(u8),
    /// `ESC E n`.
    Bold(bool),
    /// `ESC a n`.
    Justify(u8),
    /// `GS ! n`: width multiplier in the high nibble, height in the low.
    CharSize(u8),
    /// `ESC ! n`.
    PrintMode(u8),
    /// `ESC 3 n`.
    LineSpacing(u8),
    /// `ESC 2`.
    DefaultLineSpacing,
    /// `ESC d n`.
    FeedLines(u8),
    /// `ESC J n`.
    FeedDots(u8),
    /// `ESC & y c1 c2 [x d1..d(y*x)]...`.
    DefineChars {
        height_bytes: u8,
        first: u8,
        chars: Vec<(u8, &'a [u8])>,
    },
    /// `ESC % n`.
    UserChars(bool),
    /// `ESC ? n`.
    CancelUserChar(u8),
    /// `GS v 0 m xL xH yL yH d...`.
    Raster {
        mode: u8,
        width_bytes: usize,
        height: usize,
        data: &'a [u8],
    },
    /// `GS ( k` with cn = 49.
    Qr(QrFunction<'a>),
    /// `GS V`.
    Cut,
    /// `DLE EOT n`: answer at once.
    StatusRequest(u8),
    /// A command recognised and skipped.
    Ignored(&'a [u8]),
    /// A byte that starts no known command, skipped.
    Unknown(u8),
}

/// What [`parse`] found at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A command and how many bytes it used (always at least 1).
    Command(Command<'a>, usize),
    /// The buffer ends inside a command (or is empty).
    Incomplete,
}

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
const FS: u8 = 0x1C;
const DLE: u8 = 0x10;

fn need(buf: &[u8], n: usize) -> Option<&[u8]> {
    buf.get(..n)
}

/// Parses one command at the start of `buf`.
pub fn parse(buf: &[u8]) -> Parsed<'_> {
    match parse_inner(buf) {
        Some((cmd, used)) => Parsed::Command(cmd, used),
        None => Parsed::Incomplete,
    }
}

fn cmd(c: Command<'_>, used: usize) -> Option<(Command<'_>, usize)> {
    Some((c, used))
}

fn parse_inner(buf: &[u8]) -> Option<(Command<'_>, usize)> {
    let first = *buf.first()?;
    match first {
        0x20.. => {
            let end = buf.iter().position(|&b| b < 0x20).unwrap_or(buf.len());
            cmd(Command::Text(&buf[..end]), end)
        }
        b'\n' => cmd(Command::LineFeed, 1),
        b'\r' => cmd(Command::CarriageReturn, 1),
        b'\t' => cmd(Command::Tab, 1),
        ESC => parse_esc(buf),
        GS => parse_gs(buf),
        FS => {
            let b = *buf.get(1)?;
            match b {
                b'.' => cmd(Command::KanjiOff, 2),
                b'&' => cmd(Command::KanjiOn, 2),
                b'!' | b'-' | b'C' | b'S' | b'W' => Some((Command::Ignored(need(buf, 3)?), 3)),
                b'p' => Some((Command::Ignored(need(buf, 4)?), 4)),
                _ => cmd(Command::Ignored(&buf[..2]), 2),
            }
        }
        DLE => {
            let b = *buf.get(1)?;
            match b {
                0x04 => cmd(Command::StatusRequest(*buf.get(2)?), 3),
                0x05 => Some((Command::Ignored(need(buf, 3)?), 3)),
                0x14 => Some((Command::Ignored(need(buf, 5)?), 5)),
                _ => cmd(Command::Unknown(DLE), 1),
            }
        }
        other => cmd(Command::Unknown(other), 1),
    }
}

fn parse_esc(buf: &[u8]) -> Option<(Command<'_>, usize)> {
    let b = *buf.get(1)?;
    let arg = || buf.get(2).copied();
    match b {
        b'@' => cmd(Command::Init, 2),
        b'2' => cmd(Command::DefaultLineSpacing, 2),
        b't' => cmd(Command::CodePage(arg()?), 3),
        b'E' => cmd(Command::Bold(arg()? & 1 == 1), 3),
        b'a' => cmd(Command::Justify(arg()? % 48), 3),
        b'!' => cmd(Command::PrintMode(arg()?), 3),
        b'3' => cmd(Command::LineSpacing(arg()?), 3),
        b'd' => cmd(Command::FeedLines(arg()?), 3),
        b'J' => cmd(Command::FeedDots(arg()?), 3),
        b'%' => cmd(Command::UserChars(arg()? & 1 == 1), 3),
        b'?' => cmd(Command::CancelUserChar(arg()?), 3),
        b'&' => parse_define_chars(buf),
        b'-' | b' ' | b'G' | b'R' | b'{' | b'V' | b'r' | b'=' | b'M' | b'T' | b'U' | b'e' => {
            Some((Command::Ignored(need(buf, 3)?), 3))
        }
        b'c' => Some((Command::Ignored(need(buf, 4)?), 4)),
        b'p' => Some((Command::Ignored(need(buf, 5)?), 5)),
        b'$' | b'\\' => Some((Command::Ignored(need(buf, 4)?), 4)),
        b'W' => Some((Command::Ignored(need(buf, 10)?), 10)),
        b'D' => {
            // Tab positions, ended by NUL (at most 32).
            let end = buf[2..].iter().take(33).position(|&x| x == 0);
            match end {
                Some(i) => cmd(Command::Ignored(&buf[..3 + i]), 3 + i),
                None if buf.len() >= 35 => cmd(Command::Ignored(&buf[..2]), 2),
                None => None,
            }
        }
        b'*' => {
            let h = need(buf, 5)?;
            let n = h[3] as usize | (h[4] as usize) << 8;
            let per_column = if h[2] >= 32 { 3 } else { 1 };
            let len = 5 + n * per_column;
            Some((Command::Ignored(need(buf, len)?), len))
        }
        _ => cmd(Command::Ignored(&buf[..2]), 2),
    }
}

fn parse_define_chars(buf: &[u8]) -> Option<(Command<'_>, usize)> {
    let h = need(buf, 5)?;
    let (y, c1, c2) = (h[2], h[3], h[4]);
    if y == 0 || y > 3 || c1 < 0x20 || c2 > 0x7E || c1 > c2 {
        return cmd(Command::Ignored(&buf[..5]), 5);
    }
    let mut pos = 5;
    let mut chars = Vec::new();
    for _ in c1..=c2 {
        let x = *buf.get(pos)? as usize;
        let len = y as usize * x;
        let data = buf.get(pos + 1..pos + 1 + len)?;
        chars.push((x as u8, data));
        pos += 1 + len;
    }
    cmd(
        Command::DefineChars {
            height_bytes: y,
            first: c1,
            chars,
        },
        pos,
    )
}

fn parse_gs(buf: &[u8]) -> Option<(Command<'_>, usize)> {
    let b = *buf.get(1)?;
    match b {
        b'!' => cmd(Command::CharSize(*buf.get(2)?), 3),
        b'V' => {
            let m = *buf.get(2)?;
            let len = if matches!(m, 65 | 66 | 97 | 98 | 103 | 104) {
                4
            } else {
                3
            };
            need(buf, len)?;
            cmd(Command::Cut, len)
        }
        b'v' => {
            let h = need(buf, 8)?;
            if h[2] != b'0' {
                return cmd(Command::Ignored(&buf[..3]), 3);
            }
            let width_bytes = h[4] as usize | (h[5] as usize) << 8;
            let height = h[6] as usize | (h[7] as usize) << 8;
            let len = width_bytes * height;
            if len > MAX_IMAGE_BYTES {
                return cmd(Command::Ignored(&buf[..8]), 8);
            }
            let data = buf.get(8..8 + len)?;
            cmd(
                Command::Raster {
                    mode: h[3] % 48,
                    width_bytes,
                    height,
                    data,
                },
                8 + len,
            )
        }
        b'(' => {
            let h = need(buf, 5)?;
            let n = h[3] as usize | (h[4] as usize) << 8;
            let all = need(buf, 5 + n)?;
            let body = &all[5..];
            if h[2] != b'k' || body.len() < 2 || body[0] != 49 {
                return cmd(Command::Ignored(all), 5 + n);
            }
            let arg = body.get(2).copied().unwrap_or(0);
            let f = match body[1] {
                65 => QrFunction::Model(arg),
                67 => QrFunction::ModuleSize(arg),
                69 => QrFunction::ErrorCorrection(arg),
                80 if body.len() >= 3 => QrFunction::Store(&body[3..]),
                81 => QrFunction::Print,
                _ => QrFunction::Other,
            };
            cmd(Command::Qr(f), 5 + n)
        }
        b'k' => {
            let m = *buf.get(2)?;
            if m <= 6 {
                let end = buf[3..].iter().take(256).position(|&x| x == 0);
                match end {
                    Some(i) => cmd(Command::Ignored(&buf[..4 + i]), 4 + i),
                    None if buf.len() >= 259 => cmd(Command::Ignored(&buf[..3]), 3),
                    None => None,
                }
            } else {
                let n = *buf.get(3)? as usize;
                Some((Command::Ignored(need(buf, 4 + n)?), 4 + n))
            }
        }
        b'*' => {
            let h = need(buf, 4)?;
            let len = 4 + h[2] as usize * h[3] as usize * 8;
            Some((Command::Ignored(need(buf, len)?), len))
        }
        b'8' => {
            // GS 8 L p1 p2 p3 p4 m fn ...: 32-bit length.
            let h = need(buf, 7)?;
            let n = u32::from_le_bytes([h[3], h[4], h[5], h[6]]) as usize;
            if n > MAX_IMAGE_BYTES {
                return cmd(Command::Ignored(&buf[..7]), 7);
            }
            Some((Command::Ignored(need(buf, 7 + n)?), 7 + n))
        }
        b'B' | b'b' | b'H' | b'h' | b'w' | b'f' | b'a' | b'r' | b'I' | b'/' => {
            Some((Command::Ignored(need(buf, 3)?), 3))
        }
        b'L' | b'W' | b'P' | b'$' | b'\\' => Some((Command::Ignored(need(buf, 4)?), 4)),
        _ => cmd(Command::Ignored(&buf[..2]), 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(mut buf: &[u8]) -> Vec<Command<'_>> {
        let mut out = Vec::new();
        while let Parsed::Command(c, n) = parse(buf) {
            out.push(c);
            buf = &buf[n..];
        }
        assert!(buf.is_empty(), "left over: {buf:02X?}");
        out
    }

    #[test]
    fn parses_a_job() {
        let job = b"\x1b@\x1c.\x1bt\x1eS\x1bt\x1f\xe8 A\n\x1dV\x41\x00\x10\x04\x01";
        assert_eq!(
            all(job),
            vec![
                Command::Init,
                Command::KanjiOff,
                Command::CodePage(30),
                Command::Text(b"S"),
                Command::CodePage(31),
                Command::Text(b"\xe8 A"),
                Command::LineFeed,
                Command::Cut,
                Command::StatusRequest(1),
            ]
        );
    }

    #[test]
    fn incomplete_commands_wait_for_more() {
        assert_eq!(parse(b""), Parsed::Incomplete);
        assert_eq!(parse(b"\x1b"), Parsed::Incomplete);
        assert_eq!(parse(b"\x1dv0\x00\x01\x00\x02\x00\xff"), Parsed::Incomplete);
        assert_eq!(parse(b"\x1b&\x03\x21\x21\x0c"), Parsed::Incomplete);
        assert_eq!(parse(b"\x1d(k\x07\x001P0A0"), Parsed::Incomplete);
    }

    #[test]
    fn qr_functions_and_raster() {
        let qr = b"\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1\x1d(k\x07\x001P0A012\x1d(k\x03\x001Q0";
        assert_eq!(
            all(qr),
            vec![
                Command::Qr(QrFunction::Model(50)),
                Command::Qr(QrFunction::ModuleSize(6)),
                Command::Qr(QrFunction::ErrorCorrection(49)),
                Command::Qr(QrFunction::Store(b"A012")),
                Command::Qr(QrFunction::Print),
            ]
        );
        let raster = b"\x1dv0\x00\x01\x00\x02\x00\x80\x01";
        assert_eq!(
            all(raster),
            vec![Command::Raster {
                mode: 0,
                width_bytes: 1,
                height: 2,
                data: b"\x80\x01"
            }]
        );
    }

    #[test]
    fn user_defined_characters() {
        let mut def = vec![0x1B, b'&', 3, 0x21, 0x22];
        def.push(12);
        def.extend([0xAA; 36]);
        def.push(2);
        def.extend([0x55; 6]);
        let cmds = all(&def);
        let Command::DefineChars {
            height_bytes,
            first,
            chars,
        } = &cmds[0]
        else {
            panic!("{cmds:?}")
        };
        assert_eq!((*height_bytes, *first, chars.len()), (3, 0x21, 2));
        assert_eq!(chars[1], (2, &[0x55u8; 6][..]));
    }

    #[test]
    fn unknown_bytes_never_stall_the_parser() {
        for b in 0u8..=255 {
            for tail in [&[][..], &[0u8; 40][..]] {
                let mut buf = vec![b];
                buf.extend_from_slice(tail);
                if let Parsed::Command(_, n) = parse(&buf) {
                    assert!(n >= 1 && n <= buf.len());
                }
            }
        }
    }
}
