//! The device-independent document: what a ticket or receipt says, not
//! which bytes print it.
//!
//! ```
//! use motcua_drivers::printer::{Line, Receipt};
//!
//! let ticket = Receipt::new()
//!     .title("UBND PHƯỜNG HOÀN KIẾM")
//!     .line(Line::new("SỐ THỨ TỰ").center())
//!     .line(Line::new("A012").bold().size(4, 4).center())
//!     .separator()
//!     .qr("https://dichvucong.gov.vn/tra-cuu?ma=A012")
//!     .feed(1)
//!     .cut();
//! assert_eq!(ticket.blocks().len(), 7);
//! ```

use serde::{Deserialize, Serialize};

/// Horizontal alignment of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// One line of text with its style. Longer lines wrap at word boundaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub text: String,
    /// Text set flush right on the same line (e.g. a fee after its label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<String>,
    pub bold: bool,
    /// Width multiplier, 1–8.
    pub width: u8,
    /// Height multiplier, 1–8.
    pub height: u8,
    pub align: Align,
}

impl Line {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            right: None,
            bold: false,
            width: 1,
            height: 1,
            align: Align::Left,
        }
    }

    /// Sets text flush right on the same line.
    pub fn with_right(mut self, right: impl Into<String>) -> Self {
        self.right = Some(right.into());
        self
    }

    /// The printed lines for `columns` character cells (see [`wrap`]).
    pub fn wrapped(&self, columns: usize) -> Vec<String> {
        wrap(&self.text, self.right.as_deref(), columns)
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    /// Character size multipliers, each clamped to 1–8.
    pub fn size(mut self, width: u8, height: u8) -> Self {
        self.width = width.clamp(1, 8);
        self.height = height.clamp(1, 8);
        self
    }

    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }

    pub fn center(self) -> Self {
        self.align(Align::Center)
    }

    pub fn right(self) -> Self {
        self.align(Align::Right)
    }
}

/// A piece of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    Text(Line),
    /// A full-width rule.
    Separator,
    /// A QR code (model 2, error correction M), centred.
    Qr(String),
    /// Blank lines.
    Feed(u8),
    /// Cut the paper (the driver adds one at the end of a job if missing).
    Cut,
}

/// A ticket or receipt, independent of printer and text mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    blocks: Vec<Block>,
}

impl Receipt {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    pub fn push(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// A centred bold heading.
    pub fn title(self, text: impl Into<String>) -> Self {
        self.line(Line::new(text).bold().center())
    }

    pub fn line(self, line: Line) -> Self {
        self.push(Block::Text(line))
    }

    /// A plain left-aligned line.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.line(Line::new(text))
    }

    /// `label` on the left and `value` on the right of one line (wraps to
    /// two lines when both do not fit).
    pub fn pair(self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.line(Line::new(label).with_right(value))
    }

    pub fn separator(self) -> Self {
        self.push(Block::Separator)
    }

    pub fn qr(self, payload: impl Into<String>) -> Self {
        self.push(Block::Qr(payload.into()))
    }

    pub fn feed(self, lines: u8) -> Self {
        self.push(Block::Feed(lines))
    }

    pub fn cut(self) -> Self {
        self.push(Block::Cut)
    }

    /// Every text line as written by the application, one per block.
    pub fn text_lines(&self) -> impl Iterator<Item = &Line> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Text(l) => Some(l),
            _ => None,
        })
    }
}

/// Lays a line out for `columns` character cells: splits at word
/// boundaries, sets `right` flush right (on the same line when both fit),
/// and returns the printed lines (never longer than `columns` characters).
pub fn wrap(text: &str, right: Option<&str>, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    if let Some(value) = right {
        let label = text;
        let (ll, vl) = (label.chars().count(), value.chars().count());
        if ll + vl < columns {
            let gap = columns - ll - vl;
            return vec![format!("{label}{}{value}", " ".repeat(gap))];
        }
        let mut lines = wrap(label, None, columns);
        lines.extend(
            wrap(value, None, columns)
                .into_iter()
                .map(|v| format!("{}{v}", " ".repeat(columns - v.chars().count()))),
        );
        return lines;
    }
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut current = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            let cur_len = current.chars().count();
            if cur_len > 0 && cur_len + 1 + word.len() <= columns {
                current.push(' ');
                current.extend(word.iter());
                continue;
            }
            if cur_len > 0 {
                lines.push(std::mem::take(&mut current));
            }
            while word.len() > columns {
                lines.push(word.drain(..columns).collect());
            }
            current.extend(word.iter());
        }
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_reads_like_the_ticket() {
        let r = Receipt::new()
            .title("UBND")
            .line(Line::new("A012").bold().size(9, 0).right())
            .separator()
            .qr("x")
            .feed(2)
            .cut();
        assert_eq!(r.blocks().len(), 6);
        match &r.blocks()[1] {
            Block::Text(l) => {
                assert_eq!(
                    (l.width, l.height, l.bold, l.align),
                    (8, 1, true, Align::Right)
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrap_breaks_at_words_and_splits_long_words() {
        assert_eq!(
            wrap("Số 1 Tràng Tiền, Hoàn Kiếm", None, 12),
            vec!["Số 1 Tràng", "Tiền, Hoàn", "Kiếm"]
        );
        assert_eq!(wrap("abcdefghij", None, 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", None, 10), vec![""]);
        assert_eq!(wrap("a\nb", None, 10), vec!["a", "b"]);
    }

    #[test]
    fn pairs_put_the_value_on_the_right() {
        assert_eq!(wrap("Phí:", Some("8.000đ"), 16), vec!["Phí:      8.000đ"]);
        assert_eq!(
            wrap("Lệ phí:", Some("8.000đ"), 10),
            vec!["Lệ phí:", "    8.000đ"]
        );
    }
}
