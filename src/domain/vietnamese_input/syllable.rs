//! The last word of the text as the keyboard sees it: letters without
//! tone, one tone on one letter, and the Vietnamese syllable rules the input
//! methods need — which vowel groups and final consonants exist, where the
//! tone goes, and when `ưo` / `uơ` is really `ươ`.
//!
//! For readers of [`super`]: nothing here knows about keys. The input
//! methods decide what a key means; this module says whether the result is
//! still Vietnamese and renders it.

use std::ops::Range;

/// The six tones; `None` is *thanh ngang* (no mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    None,
    /// sắc
    Acute,
    /// huyền
    Grave,
    /// hỏi
    Hook,
    /// ngã
    Tilde,
    /// nặng
    Dot,
}

impl Tone {
    const ALL: [Tone; 6] = [
        Tone::None,
        Tone::Acute,
        Tone::Grave,
        Tone::Hook,
        Tone::Tilde,
        Tone::Dot,
    ];

    fn index(self) -> usize {
        Tone::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }
}

/// The twelve vowel shapes with their six tones, lower case, in the order
/// of [`Tone::ALL`].
const VOWELS: [[char; 6]; 12] = [
    ['a', 'á', 'à', 'ả', 'ã', 'ạ'],
    ['ă', 'ắ', 'ằ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ấ', 'ầ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'é', 'è', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ế', 'ề', 'ể', 'ễ', 'ệ'],
    ['i', 'í', 'ì', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ó', 'ò', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ố', 'ồ', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ớ', 'ờ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ú', 'ù', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ứ', 'ừ', 'ử', 'ữ', 'ự'],
    ['y', 'ý', 'ỳ', 'ỷ', 'ỹ', 'ỵ'],
];

/// Initial consonants (`qu` and `gi` included; `w` is no initial).
pub(super) const INITIALS: [&str; 28] = [
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];

/// Final consonants. `k` is not standard spelling but is how the Central
/// Highlands' names are written: Đắk Lắk, Đắk Nông, Krông Búk.
const FINALS: [&str; 10] = ["", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t"];

/// Finals after which only sắc and nặng exist (*vần trắc*): "cát", "cạt",
/// never "cảt".
const STOP_FINALS: [&str; 5] = ["c", "ch", "k", "p", "t"];

/// Every vowel group of Vietnamese, with the finals it takes. `"-"` means
/// none: the group ends the syllable ("mùa", "người" is `ươ` + `i`, listed
/// as `ươi`). Written from the rhyme table of Vietnamese orthography; `k`
/// goes wherever `c` does.
const NUCLEI: [(&str, &[&str]); 45] = [
    ("a", &["c", "ch", "k", "m", "n", "ng", "nh", "p", "t"]),
    ("ă", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("â", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("e", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("ê", &["ch", "m", "n", "nh", "p", "t"]),
    ("i", &["ch", "m", "n", "nh", "p", "t"]),
    ("o", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("ô", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("ơ", &["m", "n", "p", "t"]),
    ("u", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("ư", &["c", "k", "m", "n", "ng", "t"]),
    ("y", &[]),
    ("iê", &["c", "m", "n", "ng", "p", "t"]),
    ("yê", &["c", "m", "n", "ng", "p", "t"]),
    ("oa", &["c", "ch", "k", "m", "n", "ng", "nh", "p", "t"]),
    ("oă", &["c", "k", "m", "n", "ng", "p", "t"]),
    ("oe", &["c", "m", "n", "ng", "p", "t"]),
    ("oo", &["c", "ng"]),
    ("uâ", &["c", "n", "ng", "t"]),
    ("uê", &["ch", "n", "nh", "t"]),
    ("uô", &["c", "m", "n", "ng", "p", "t"]),
    ("ươ", &["c", "m", "n", "ng", "p", "t"]),
    ("uy", &["c", "ch", "n", "nh", "p", "t"]),
    ("uyê", &["n", "t"]),
    ("ai", &[]),
    ("ao", &[]),
    ("au", &[]),
    ("ay", &[]),
    ("âu", &[]),
    ("ây", &[]),
    ("eo", &[]),
    ("êu", &[]),
    ("ia", &[]),
    ("iu", &[]),
    ("oi", &[]),
    ("ôi", &[]),
    ("ơi", &[]),
    ("ua", &[]),
    ("ui", &[]),
    ("uơ", &[]),
    ("ưa", &[]),
    ("ưi", &[]),
    ("ưu", &[]),
    ("iêu", &[]),
    ("yêu", &[]),
];

/// Three-vowel groups that end the syllable (kept apart from [`NUCLEI`] to
/// keep that table readable). `oao` is the cat's "ngoao".
const OPEN_TRIPLES: [&str; 10] = [
    "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu",
];

/// One letter of the word: its shape (lower case, no tone) and its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Letter {
    pub(super) base: char,
    pub(super) upper: bool,
}

/// Splits a character into its toneless lower-case shape, case and tone.
fn decompose(c: char) -> (Letter, Tone) {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let upper = lower != c;
    for row in &VOWELS {
        if let Some(i) = row.iter().position(|&v| v == lower) {
            return (
                Letter {
                    base: row[0],
                    upper,
                },
                Tone::ALL[i],
            );
        }
    }
    (Letter { base: lower, upper }, Tone::None)
}

fn compose(letter: Letter, tone: Tone) -> char {
    let lower = VOWELS
        .iter()
        .find(|row| row[0] == letter.base)
        .map(|row| row[tone.index()])
        .unwrap_or(letter.base);
    if letter.upper {
        lower.to_uppercase().next().unwrap_or(lower)
    } else {
        lower
    }
}

pub(super) fn is_vowel(base: char) -> bool {
    VOWELS.iter().any(|row| row[0] == base)
}

/// The plain letter a shaped one is made from: ă, â → a; ê → e; ô, ơ → o;
/// ư → u; đ → d.
pub(super) fn family(base: char) -> char {
    match base {
        'ă' | 'â' => 'a',
        'ê' => 'e',
        'ô' | 'ơ' => 'o',
        'ư' => 'u',
        'đ' => 'd',
        other => other,
    }
}

fn families(s: &str) -> String {
    s.chars().map(family).collect()
}

/// Whether `nucleus` (exact shapes) ends a syllable or takes `coda`.
fn rhyme_exists(nucleus: &str, coda: &str) -> bool {
    if OPEN_TRIPLES.contains(&nucleus) {
        return coda.is_empty();
    }
    NUCLEI
        .iter()
        .find(|(n, _)| *n == nucleus)
        .is_some_and(|(_, finals)| coda.is_empty() || finals.contains(&coda))
}

/// Whether some vowel group has the letters of `nucleus` once its marks
/// are added: `uo` (on its way to `uô` or `ươ`), `ưo` and `uoi` are, `ueo`
/// is not.
fn nucleus_may_become_valid(nucleus: &str) -> bool {
    let plain = families(nucleus);
    NUCLEI
        .iter()
        .map(|(n, _)| *n)
        .chain(OPEN_TRIPLES)
        .any(|n| families(n) == plain)
}

/// Initial consonant, vowel group and final consonant, as index ranges.
pub(super) struct Syllable {
    pub(super) initial: Range<usize>,
    pub(super) nucleus: Range<usize>,
    pub(super) coda: Range<usize>,
}

/// A word as letters and at most one tone.
#[derive(Debug, Clone)]
pub(super) struct Word {
    pub(super) letters: Vec<Letter>,
    /// The tone and the index of the letter carrying it.
    pub(super) tone: Option<(Tone, usize)>,
}

impl Word {
    pub(super) fn parse(text: &str) -> Self {
        let mut word = Word {
            letters: Vec::new(),
            tone: None,
        };
        for c in text.chars() {
            word.push(c);
        }
        word
    }

    pub(super) fn render(&self) -> String {
        self.letters
            .iter()
            .enumerate()
            .map(|(i, &l)| match self.tone {
                Some((t, at)) if at == i => compose(l, t),
                _ => compose(l, Tone::None),
            })
            .collect()
    }

    /// Appends a character (a letter with its own tone keeps it if the word
    /// has none yet).
    pub(super) fn push(&mut self, c: char) {
        let (letter, tone) = decompose(c);
        self.letters.push(letter);
        if tone != Tone::None && self.tone.is_none() {
            self.tone = Some((tone, self.letters.len() - 1));
        }
    }

    pub(super) fn base(&self, i: usize) -> char {
        self.letters[i].base
    }

    pub(super) fn set_base(&mut self, i: usize, base: char) {
        self.letters[i].base = base;
    }

    pub(super) fn bases(&self, range: Range<usize>) -> String {
        self.letters[range].iter().map(|l| l.base).collect()
    }

    pub(super) fn all_bases(&self) -> String {
        self.bases(0..self.letters.len())
    }

    pub(super) fn has_vowel(&self) -> bool {
        self.letters.iter().any(|l| is_vowel(l.base))
    }

    /// Initial consonant, vowel group and final consonant.
    pub(super) fn syllable(&self) -> Syllable {
        let n = self.letters.len();
        let b = |i: usize| self.letters[i].base;
        let mut start = 0;
        while start < n && !is_vowel(b(start)) {
            start += 1;
        }
        // `qu` is a consonant; so is `gi` before another vowel ("già",
        // "giữa"), but not before a consonant ("gìn" is g + ìn).
        let after_one =
            |first: char, second: char| start == 1 && start < n && b(0) == first && b(1) == second;
        let qu = after_one('q', 'u');
        let gi = after_one('g', 'i') && start + 1 < n && is_vowel(b(2));
        if qu || gi {
            start += 1;
        }
        let mut end = start;
        while end < n && is_vowel(b(end)) {
            end += 1;
        }
        Syllable {
            initial: 0..start,
            nucleus: start..end,
            coda: end..n,
        }
    }

    /// Whether marks may be applied: a Vietnamese initial, a vowel group
    /// that is one (or will be once its marks are typed), a final.
    pub(super) fn is_syllable(&self) -> bool {
        let s = self.syllable();
        !s.nucleus.is_empty()
            && INITIALS.contains(&self.bases(s.initial).as_str())
            && FINALS.contains(&self.bases(s.coda).as_str())
            && nucleus_may_become_valid(&self.bases(s.nucleus))
    }

    /// Whether the vowel group, as shaped now, exists with this final.
    pub(super) fn rhyme_is_valid(&self) -> bool {
        let s = self.syllable();
        rhyme_exists(&self.bases(s.nucleus), &self.bases(s.coda))
    }

    /// Whether `tone` can stand on this syllable: after c, ch, p, t only
    /// sắc and nặng.
    pub(super) fn takes_tone(&self, tone: Tone) -> bool {
        let coda = self.bases(self.syllable().coda);
        !STOP_FINALS.contains(&coda.as_str()) || matches!(tone, Tone::Acute | Tone::Dot)
    }

    /// Where the modern rule puts the tone, if the word has a vowel group.
    pub(super) fn tone_position(&self) -> Option<usize> {
        let s = self.syllable();
        if s.nucleus.is_empty()
            || self.letters[s.coda.clone()]
                .iter()
                .any(|l| is_vowel(l.base))
        {
            return None;
        }
        let nucleus = &self.letters[s.nucleus.clone()];
        let at = |i: usize| s.nucleus.start + i;
        if let Some(i) = nucleus
            .iter()
            .rposition(|l| matches!(l.base, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư'))
        {
            return Some(at(i));
        }
        let k = nucleus.len();
        if k == 1 {
            return Some(at(0));
        }
        if !s.coda.is_empty() {
            return Some(at(k - 1));
        }
        if k >= 3 {
            return Some(at(1));
        }
        if matches!(self.bases(s.nucleus.clone()).as_str(), "oa" | "oe" | "uy") {
            Some(at(1))
        } else {
            Some(at(0))
        }
    }

    /// Whether the tone sits where the rule puts it (or there is none, or
    /// no rule applies yet: "qú" on its way to "quý"), so it may follow the
    /// rule as the word changes. A tone placed elsewhere (old-style text
    /// from an ID card) is left alone.
    pub(super) fn tone_is_ruled(&self) -> bool {
        let rule = self.tone_position();
        self.tone
            .is_none_or(|(_, at)| rule.is_none() || Some(at) == rule)
    }

    /// Puts the current tone (if any) where the rule says.
    pub(super) fn replace_tone(&mut self) {
        if let Some((tone, at)) = self.tone {
            self.tone = Some((tone, self.tone_position().unwrap_or(at)));
        }
    }

    /// `ưo` and `uơ` followed by another letter are `ươ`: "nguwoi" →
    /// "ngươi", "truowng" → "trương". At the end of the word they stay as
    /// typed, for "huơ", "thuở" and the next key.
    pub(super) fn complete_horns(&mut self) {
        let s = self.syllable();
        for i in s.nucleus.start..s.nucleus.end.saturating_sub(1) {
            let pair = (self.base(i), self.base(i + 1));
            if matches!(pair, ('ư', 'o') | ('u', 'ơ')) && i + 2 < self.letters.len() {
                self.set_base(i, 'ư');
                self.set_base(i + 1, 'ơ');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_group_may_become_valid_and_odd_ones_may_not() {
        for (n, _) in NUCLEI {
            assert!(nucleus_may_become_valid(n), "{n}");
        }
        assert!(nucleus_may_become_valid("uo"));
        assert!(nucleus_may_become_valid("ưo"));
        assert!(nucleus_may_become_valid("uoi"));
        assert!(!nucleus_may_become_valid("ueo"));
        assert!(!nucleus_may_become_valid("ae"));
    }

    #[test]
    fn rhymes() {
        assert!(rhyme_exists("a", "ch"));
        assert!(!rhyme_exists("â", "ch"));
        assert!(rhyme_exists("ê", "nh"));
        assert!(!rhyme_exists("ưa", "c"));
        assert!(rhyme_exists("ươi", ""));
        assert!(!rhyme_exists("ươi", "n"));
        assert!(rhyme_exists("ă", "k"));
    }

    #[test]
    fn syllable_split_treats_qu_and_gi_as_consonants() {
        let w = Word::parse("giữa");
        let s = w.syllable();
        assert_eq!((s.initial, s.nucleus, s.coda), (0..2, 2..4, 4..4));
        let w = Word::parse("gìn");
        assert_eq!(w.syllable().nucleus, 1..2);
        let w = Word::parse("quốc");
        assert_eq!(w.syllable().nucleus, 2..3);
    }
}
