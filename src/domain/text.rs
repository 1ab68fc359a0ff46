//! Characters no text field takes, whatever the field: what a citizen types
//! ends up on a receipt, on a counter screen and at the public service
//! portal, and must read the same everywhere.
//!
//! - Bidirectional controls (U+202A–U+202E, U+2066–U+2069) reorder what
//!   follows them on screen but not in the stored text: `Nguyễn` + RLO +
//!   `nửaH` shows as one name and is filed as another.
//! - A value of nothing but zero-width characters looks empty and is not:
//!   it passes "required" and fills the dossier with a blank.
//! - Combining marks stacked on one letter ("Zalgo" text) spill over the
//!   lines around them. Vietnamese needs at most two on a letter — a vowel
//!   mark and a tone, as in `ệ` = `e` + U+0323 + U+0302 — counted
//!   decomposed (NFD), so `ệ` carries the same two marks composed or not;
//!   more than [`MAX_MARKS_PER_LETTER`] is refused.
//!
//! The checks are on characters, not on languages: every Vietnamese
//! letter, with every tone, composed or not, passes (the tests try them
//! all), and so do names of other scripts.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The most combining marks one letter may carry.
pub const MAX_MARKS_PER_LETTER: usize = 3;

/// Why a text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFault {
    /// A bidirectional control character, the first one found.
    BidiControl(char),
    /// Nothing visible: only zero-width characters and spaces.
    Invisible,
    /// A letter with more than [`MAX_MARKS_PER_LETTER`] combining marks.
    TooManyMarks,
}

/// The embedding, override and isolate controls of Unicode's bidirectional
/// algorithm (the implicit marks LRM/RLM/ALM change no order and pass).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no room: zero-width space, joiners, word joiner,
/// invisible operators, byte-order mark, soft hyphen, Mongolian vowel
/// separator, combining grapheme joiner.
pub fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{034F}'
    )
}

/// The first fault of `text`, if it has one.
pub fn fault(text: &str) -> Option<TextFault> {
    if let Some(c) = text.chars().find(|c| is_bidi_control(*c)) {
        return Some(TextFault::BidiControl(c));
    }
    let blank = |c: char| c.is_whitespace() || is_zero_width(c);
    if !text.is_empty() && text.chars().all(blank) && text.chars().any(is_zero_width) {
        return Some(TextFault::Invisible);
    }
    // Counted decomposed: a letter carries the same marks whether they
    // came precomposed (`ệ`) or one by one.
    let mut run = 0;
    for c in text.nfd() {
        run = if is_combining_mark(c) { run + 1 } else { 0 };
        if run > MAX_MARKS_PER_LETTER {
            return Some(TextFault::TooManyMarks);
        }
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every Vietnamese letter: the consonants (with đ) and each of the 12
    /// vowels with each of the 6 tones, lower and upper case, composed
    /// (NFC) and decomposed (NFD) — 2 × 2 × (12 × 6 + 17) strings.
    pub(crate) fn every_vietnamese_letter() -> Vec<String> {
        const VOWELS: [&str; 12] = [
            "a", "a\u{306}", "a\u{302}", "e", "e\u{302}", "i", "o", "o\u{302}", "o\u{31B}", "u",
            "u\u{31B}", "y",
        ];
        // None, huyền, sắc, hỏi, ngã, nặng.
        const TONES: [&str; 6] = ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"];
        let mut letters: Vec<String> = "bcdđghklmnpqrstvx".chars().map(String::from).collect();
        for v in VOWELS {
            for t in TONES {
                letters.push(format!("{v}{t}"));
            }
        }
        let mut all = Vec::new();
        for l in letters {
            for cased in [l.clone(), l.to_uppercase()] {
                all.push(cased.nfc().collect());
                all.push(cased.nfd().collect());
            }
        }
        all
    }

    #[test]
    fn every_vietnamese_letter_passes_composed_or_not() {
        let letters = every_vietnamese_letter();
        assert_eq!(letters.len(), 2 * 2 * (12 * 6 + 17));
        assert!(letters.contains(&"Ệ".to_owned()));
        assert!(letters.contains(&"e\u{323}\u{302}".to_owned()), "ệ in NFD");
        for l in &letters {
            assert_eq!(fault(l), None, "{l:?}");
            assert_eq!(fault(&format!("Nguyễn {l}")), None, "{l:?}");
        }
        for other in ["Ørsted", "Zoë", "李小龍", "Đặng Thị Ngọc Thịnh", ""] {
            assert_eq!(fault(other), None, "{other}");
        }
    }

    #[test]
    fn bidi_controls_are_refused_wherever_they_are() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert_eq!(
                fault(&format!("Nguyễn{c}nửaH")),
                Some(TextFault::BidiControl(c))
            );
        }
        // The implicit marks reorder nothing.
        assert_eq!(fault("An\u{200E}"), None);
    }

    #[test]
    fn zero_width_only_values_are_refused_but_joiners_inside_words_pass() {
        for invisible in [
            "\u{200B}",
            "\u{200B} \u{FEFF}",
            "\u{2060}\u{200D}",
            "\u{AD}",
        ] {
            assert_eq!(
                fault(invisible),
                Some(TextFault::Invisible),
                "{invisible:?}"
            );
        }
        assert_eq!(fault("An\u{200B}"), None);
        assert_eq!(
            fault("   "),
            None,
            "blank is the caller's (required) business"
        );
    }

    #[test]
    fn more_than_three_marks_on_one_letter_are_refused() {
        assert_eq!(fault("e\u{323}\u{302}\u{301}"), None, "three pass");
        assert_eq!(
            fault("e\u{323}\u{302}\u{301}\u{300}"),
            Some(TextFault::TooManyMarks)
        );
        let zalgo: String = "An"
            .chars()
            .flat_map(|c| [c, '\u{336}', '\u{334}', '\u{337}', '\u{338}', '\u{335}'])
            .collect();
        assert_eq!(fault(&zalgo), Some(TextFault::TooManyMarks));
        // Counted decomposed: a composed letter's marks count too.
        assert_eq!(fault("ệ\u{301}\u{300}"), Some(TextFault::TooManyMarks));
        // Marks on different letters do not add up.
        assert_eq!(fault("e\u{302}\u{301}e\u{302}\u{301}"), None);
    }
}
