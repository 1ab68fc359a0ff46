//! Vietnamese input methods for the on-screen keyboard: Telex and VNI.
//!
//! The keyboard keeps the text of the field being edited and calls
//! [`apply_key`] for every key pressed; the function returns the new text.
//! Only the last word (the trailing run of letters) can change; everything
//! else is kept as typed. The state is the text itself, so backspace is
//! simply removing the last character, and a field pre-filled from the ID
//! card can be edited with the same keys.
//!
//! ```
//! use motcua::domain::vietnamese_input::{type_keys, InputMethod};
//! assert_eq!(type_keys("Nguyeenx Vawn Anh", InputMethod::Telex), "Nguyễn Văn Anh");
//! assert_eq!(type_keys("Nguye6n4 Va8n Anh", InputMethod::Vni), "Nguyễn Văn Anh");
//! ```
//!
//! ## Keys
//!
//! | | Telex | VNI |
//! |---|---|---|
//! | sắc, huyền, hỏi, ngã, nặng | `s` `f` `r` `x` `j` | `1` `2` `3` `4` `5` |
//! | remove the tone | `z` | `0` |
//! | â ê ô | `aa` `ee` `oo` | `a6` `e6` `o6` |
//! | ă | `aw` | `a8` |
//! | ơ ư, ươ | `ow` `uw`, `uow` (`w` alone: ư) | `o7` `u7`, `uo7` |
//! | đ | `dd` | `d9` |
//!
//! Marks may be typed anywhere after the vowel, as most people do with
//! Unikey: `Nguyeenx` and `Nguyeexn` both give "Nguyễn", `tuaans` and
//! `tuaasn` both give "tuấn".
//!
//! ## Choices (documented behaviour)
//!
//! - **Tone placement follows the modern rule** (*kiểu mới*): on the vowel
//!   carrying a diacritic (ươ → on ơ: "người", "phường"); otherwise on the
//!   last vowel of a closed syllable ("toán", "hoàng"); in an open syllable
//!   on the middle of three vowels ("ngoài") and on the first of two
//!   ("mùa", "cái") — except `oa`, `oe`, `uy`, which take it on the second:
//!   **"hoà", "khoẻ", "thuỷ"** (not "hòa", "khỏe", "thủy"). `qu` and `gi`
//!   count as consonants ("quý", "già"). The tone moves as letters are
//!   added ("hoà" + `n` → "hoàn"), unless the text already had it in
//!   another place (a name typed by the card's owner stays as written).
//! - **Repeating a key undoes it**, as Unikey and the common IMEs do: the
//!   mark is removed and the key is typed as a letter. `aa` → "â", `aaa` →
//!   "aa"; `as` → "á", `ass` → "as"; `dd` → "đ", `ddd` → "dd"; `w` → "ư",
//!   `ww` → "w" (so is `uww`: the text alone cannot tell how an ending "ư"
//!   was typed). In VNI, `a66` → "a6", `a11` → "a1".
//! - A mark key that cannot apply is typed as a letter (or digit):
//!   `Chris` stays "Chris" (`chr` is no Vietnamese initial), `bus` gives
//!   "bú" (as in any Telex IME), `12` stays "12" in VNI.
//! - Output is NFC (precomposed), the form the hub stores.

/// The input method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMethod {
    Telex,
    Vni,
}

/// The six tones; `None` is *thanh ngang*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    fn index(self) -> usize {
        match self {
            Tone::None => 0,
            Tone::Acute => 1,
            Tone::Grave => 2,
            Tone::Hook => 3,
            Tone::Tilde => 4,
            Tone::Dot => 5,
        }
    }

    fn from_index(i: usize) -> Tone {
        [
            Tone::None,
            Tone::Acute,
            Tone::Grave,
            Tone::Hook,
            Tone::Tilde,
            Tone::Dot,
        ][i]
    }
}

/// The twelve vowel shapes with their six tones, lower case.
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

/// Initial consonants of Vietnamese syllables (`qu` and `gi` included).
const INITIALS: [&str; 28] = [
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];

/// Final consonants.
const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// Vowel groups (without tone) a syllable may have.
const NUCLEI: [&str; 49] = [
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ưu", "ươ", "yê", "iêu", "oai", "oay", "oeo", "uây", "uôi",
    "ươi",
];

/// Three-letter groups not in [`NUCLEI`] (kept apart to keep the table short).
const NUCLEI_MORE: [&str; 5] = ["uya", "uyê", "uyu", "ươu", "yêu"];

/// One letter of the word: its shape (lower case, no tone) and its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    base: char,
    upper: bool,
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
                Tone::from_index(i),
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

fn is_vowel(base: char) -> bool {
    VOWELS.iter().any(|row| row[0] == base)
}

/// A word as letters and at most one tone.
#[derive(Debug, Clone)]
struct Word {
    letters: Vec<Letter>,
    /// The tone and the index of the letter carrying it.
    tone: Option<(Tone, usize)>,
}

impl Word {
    fn parse(text: &str) -> Self {
        let mut letters = Vec::new();
        let mut tone = None;
        for (i, c) in text.chars().enumerate() {
            let (letter, t) = decompose(c);
            if t != Tone::None && tone.is_none() {
                tone = Some((t, i));
            }
            letters.push(letter);
        }
        Self { letters, tone }
    }

    fn render(&self) -> String {
        self.letters
            .iter()
            .enumerate()
            .map(|(i, &l)| match self.tone {
                Some((t, at)) if at == i => compose(l, t),
                _ => compose(l, Tone::None),
            })
            .collect()
    }

    fn bases(&self, range: std::ops::Range<usize>) -> String {
        self.letters[range].iter().map(|l| l.base).collect()
    }

    /// Initial consonant, vowel group and final consonant, as index ranges.
    fn syllable(&self) -> Syllable {
        let n = self.letters.len();
        let b = |i: usize| self.letters[i].base;
        let mut start = 0;
        while start < n && !is_vowel(b(start)) {
            start += 1;
        }
        // `qu` and `gi` (before another vowel) are consonants.
        let qu = start == 1 && b(0) == 'q' && start < n && b(start) == 'u';
        let gi =
            start == 1 && b(0) == 'g' && start + 1 < n && b(start) == 'i' && is_vowel(b(start + 1));
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

    /// Whether marks may be applied: a Vietnamese-looking syllable.
    fn is_syllable(&self) -> bool {
        let s = self.syllable();
        !s.nucleus.is_empty()
            && INITIALS.contains(&self.bases(s.initial.clone()).as_str())
            && FINALS.contains(&self.bases(s.coda.clone()).as_str())
    }

    /// Where the modern rule puts the tone, if the word is a syllable.
    fn tone_position(&self) -> Option<usize> {
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
        let pair = self.bases(s.nucleus.clone());
        if matches!(pair.as_str(), "oa" | "oe" | "uy") {
            Some(at(1))
        } else {
            Some(at(0))
        }
    }

    fn nucleus_is_valid(&self) -> bool {
        let s = self.syllable();
        let n = self.bases(s.nucleus);
        NUCLEI.contains(&n.as_str()) || NUCLEI_MORE.contains(&n.as_str())
    }

    fn push(&mut self, c: char) {
        let (letter, tone) = decompose(c);
        self.letters.push(letter);
        if tone != Tone::None && self.tone.is_none() {
            self.tone = Some((tone, self.letters.len() - 1));
        }
    }

    /// Puts the current tone (if any) where the rule says.
    fn replace_tone(&mut self) {
        if let Some((tone, at)) = self.tone {
            self.tone = Some((tone, self.tone_position().unwrap_or(at)));
        }
    }
}

struct Syllable {
    initial: std::ops::Range<usize>,
    nucleus: std::ops::Range<usize>,
    coda: std::ops::Range<usize>,
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Tone(Tone),
    RemoveTone,
    /// â ê ô; the bases the key may act on.
    Circumflex(&'static [char]),
    /// ă ơ ư (Telex `w`, VNI `7`/`8`): which of a→ă, o→ơ, u→ư apply.
    Hook {
        a: bool,
        ou: bool,
        alone: bool,
    },
    /// d → đ.
    Stroke,
}

fn action(key: char, method: InputMethod) -> Option<Action> {
    let k = key.to_ascii_lowercase();
    match method {
        InputMethod::Telex => Some(match k {
            's' => Action::Tone(Tone::Acute),
            'f' => Action::Tone(Tone::Grave),
            'r' => Action::Tone(Tone::Hook),
            'x' => Action::Tone(Tone::Tilde),
            'j' => Action::Tone(Tone::Dot),
            'z' => Action::RemoveTone,
            'a' => Action::Circumflex(&['a']),
            'e' => Action::Circumflex(&['e']),
            'o' => Action::Circumflex(&['o']),
            'w' => Action::Hook {
                a: true,
                ou: true,
                alone: true,
            },
            'd' => Action::Stroke,
            _ => return None,
        }),
        InputMethod::Vni => Some(match k {
            '1' => Action::Tone(Tone::Acute),
            '2' => Action::Tone(Tone::Grave),
            '3' => Action::Tone(Tone::Hook),
            '4' => Action::Tone(Tone::Tilde),
            '5' => Action::Tone(Tone::Dot),
            '0' => Action::RemoveTone,
            '6' => Action::Circumflex(&['a', 'e', 'o']),
            '7' => Action::Hook {
                a: false,
                ou: true,
                alone: false,
            },
            '8' => Action::Hook {
                a: true,
                ou: false,
                alone: false,
            },
            '9' => Action::Stroke,
            _ => return None,
        }),
    }
}

/// The result of a mark key on a word.
enum Outcome {
    /// The mark was applied.
    Applied,
    /// The mark was already there: removed; the key goes in as a letter.
    Undone,
    /// The mark cannot apply: the key goes in as a letter.
    Literal,
}

fn circumflex_of(base: char) -> Option<char> {
    Some(match base {
        'a' | 'ă' => 'â',
        'e' => 'ê',
        'o' | 'ơ' => 'ô',
        _ => return None,
    })
}

fn family(base: char) -> char {
    match base {
        'ă' | 'â' => 'a',
        'ê' => 'e',
        'ô' | 'ơ' => 'o',
        'ư' => 'u',
        other => other,
    }
}

fn apply_circumflex(word: &mut Word, keys: &[char]) -> Outcome {
    let s = word.syllable();
    for i in s.nucleus.clone().rev() {
        let base = word.letters[i].base;
        if !keys.contains(&family(base)) || !matches!(family(base), 'a' | 'e' | 'o') {
            continue;
        }
        if matches!(base, 'â' | 'ê' | 'ô') {
            word.letters[i].base = family(base);
            return Outcome::Undone;
        }
        let Some(shaped) = circumflex_of(base) else {
            continue;
        };
        let before = word.letters[i].base;
        word.letters[i].base = shaped;
        if word.nucleus_is_valid() {
            return Outcome::Applied;
        }
        word.letters[i].base = before;
    }
    Outcome::Literal
}

fn apply_hook(word: &mut Word, a: bool, ou: bool) -> Outcome {
    let s = word.syllable();
    let n = s.nucleus.clone();
    // `uo` (in any state) becomes `ươ` together; `ươ` again undoes both.
    if ou {
        for i in n.start..n.end.saturating_sub(1) {
            let (x, y) = (word.letters[i].base, word.letters[i + 1].base);
            if matches!(x, 'u' | 'ư') && matches!(y, 'o' | 'ơ') {
                if x == 'ư' && y == 'ơ' {
                    word.letters[i].base = 'u';
                    word.letters[i + 1].base = 'o';
                    return Outcome::Undone;
                }
                word.letters[i].base = 'ư';
                word.letters[i + 1].base = 'ơ';
                return Outcome::Applied;
            }
        }
    }
    let targets = |base: char| match base {
        'a' | 'ă' if a => Some(('a', 'ă')),
        'o' | 'ơ' if ou => Some(('o', 'ơ')),
        'u' | 'ư' if ou => Some(('u', 'ư')),
        _ => None,
    };
    // A hook already there is undone.
    for i in n.clone().rev() {
        if let Some((plain, hooked)) = targets(word.letters[i].base) {
            if word.letters[i].base == hooked {
                if a && ou && hooked == 'ư' && n.len() == 1 && i + 1 == word.letters.len() {
                    // Telex `w` alone made this `ư`: `ww` is a plain `w`.
                    word.letters[i].base = 'w';
                    return Outcome::Applied;
                }
                word.letters[i].base = plain;
                return Outcome::Undone;
            }
        }
    }
    for i in n.rev() {
        if let Some((_, hooked)) = targets(word.letters[i].base) {
            let before = word.letters[i].base;
            word.letters[i].base = hooked;
            if word.nucleus_is_valid() {
                return Outcome::Applied;
            }
            word.letters[i].base = before;
        }
    }
    Outcome::Literal
}

fn apply_stroke(word: &mut Word) -> Outcome {
    match word.letters.first().map(|l| l.base) {
        Some('d') => {
            word.letters[0].base = 'đ';
            Outcome::Applied
        }
        Some('đ') => {
            word.letters[0].base = 'd';
            Outcome::Undone
        }
        _ => Outcome::Literal,
    }
}

/// Applies one key to the text being edited and returns the new text.
///
/// Keys that are not marks of `method` are appended as typed; mark keys act
/// on the last word (see the module documentation).
pub fn apply_key(text: &str, key: char, method: InputMethod) -> String {
    let split = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let (head, word_text) = text.split_at(split);
    let mut word = Word::parse(word_text);
    let Some(action) = action(key, method) else {
        append_letter(&mut word, key);
        return format!("{head}{}", word.render());
    };
    let outcome = match action {
        Action::Tone(tone) => {
            if !word.is_syllable() {
                Outcome::Literal
            } else if matches!(word.tone, Some((t, _)) if t == tone) {
                word.tone = None;
                Outcome::Undone
            } else {
                let at = word.tone_position().unwrap_or(0);
                word.tone = Some((tone, at));
                Outcome::Applied
            }
        }
        Action::RemoveTone => {
            if word.tone.take().is_some() {
                Outcome::Applied
            } else {
                Outcome::Literal
            }
        }
        Action::Circumflex(keys) if word.is_syllable() => apply_circumflex(&mut word, keys),
        Action::Hook { a, ou, alone } => {
            if word.is_syllable() {
                apply_hook(&mut word, a, ou)
            } else if alone
                && word.syllable().nucleus.is_empty()
                && INITIALS.contains(&word.bases(0..word.letters.len()).as_str())
            {
                // Telex: `w` with no vowel yet is `ư` ("tw" → "tư").
                word.letters.push(Letter {
                    base: 'ư',
                    upper: key.is_uppercase(),
                });
                Outcome::Applied
            } else {
                Outcome::Literal
            }
        }
        Action::Stroke => apply_stroke(&mut word),
        Action::Circumflex(_) => Outcome::Literal,
    };
    match outcome {
        Outcome::Applied => word.replace_tone(),
        Outcome::Undone => {
            word.push(key);
            word.replace_tone();
        }
        Outcome::Literal => append_letter(&mut word, key),
    }
    format!("{head}{}", word.render())
}

/// Appends a plain key; the tone follows the rule if it was where the rule
/// put it.
fn append_letter(word: &mut Word, key: char) {
    let ruled = word.tone.map(|(_, at)| Some(at) == word.tone_position());
    word.push(key);
    if ruled == Some(true) {
        word.replace_tone();
    }
}

/// Types every key of `keys` into an empty field: `type_keys("tieengs
/// Vieetj", Telex)` → "tiếng Việt".
pub fn type_keys(keys: &str, method: InputMethod) -> String {
    keys.chars()
        .fold(String::new(), |text, key| apply_key(&text, key, method))
}

#[cfg(test)]
mod tests {
    use super::*;
    use InputMethod::{Telex, Vni};

    fn telex(keys: &str) -> String {
        type_keys(keys, Telex)
    }

    fn vni(keys: &str) -> String {
        type_keys(keys, Vni)
    }

    #[test]
    fn the_issue_vectors() {
        assert_eq!(telex("Nguyeenx Vawn Anh"), "Nguyễn Văn Anh");
        assert_eq!(telex("phuwowngf"), "phường");
        assert_eq!(vni("Nguye6n4 Va8n Anh"), "Nguyễn Văn Anh");
        assert_eq!(vni("phu7o7ng2"), "phường");
        assert_eq!(vni("phuo7ng2"), "phường");
    }

    #[test]
    fn telex_words_of_the_office() {
        for (keys, want) in [
            ("tieengs Vieetj", "tiếng Việt"),
            ("Hoafn Kieems", "Hoàn Kiếm"),
            ("Trafng Tieefn", "Tràng Tiền"),
            ("Thanhf phoos Hoof Chis Minh", "Thành phố Hồ Chí Minh"),
            ("Ddaf Nawxng", "Đà Nẵng"),
            ("ddaw", "đă"),
            ("nguwowif", "người"),
            ("dduwowcj", "được"),
            ("ddieeuf", "điều"),
            ("ngoaif", "ngoài"),
            ("khuyeen", "khuyên"),
            ("quyeenf", "quyền"),
            ("quys", "quý"),
            ("giaf", "già"),
            ("gif", "gì"),
            ("giuwx", "giữ"),
            ("gieengs", "giếng"),
            ("muaf", "mùa"),
            ("cuwar", "cửa"),
            ("tuaans", "tuấn"),
            ("tuaasn", "tuấn"),
            ("Nguyeexn", "Nguyễn"),
            ("NGUYEENX", "NGUYỄN"),
            ("huees", "huế"),
            ("tw", "tư"),
            ("w", "ư"),
            ("Traanf Thij Binhf", "Trần Thị Bình"),
            ("khai sinh", "khai sinh"),
        ] {
            assert_eq!(telex(keys), want, "{keys}");
        }
    }

    #[test]
    fn modern_tone_placement() {
        assert_eq!(telex("hoaf"), "hoà");
        assert_eq!(telex("khoer"), "khoẻ");
        assert_eq!(telex("thuyr"), "thuỷ");
        assert_eq!(telex("toans"), "toán");
        assert_eq!(telex("hoangf"), "hoàng");
        assert_eq!(telex("caays"), "cấy");
        // The tone moves as the syllable grows.
        assert_eq!(telex("hoafn"), "hoàn");
        assert_eq!(telex("thuyrr"), "thuyr");
    }

    #[test]
    fn a_tone_placed_elsewhere_is_kept() {
        // Old-style text (e.g. from an ID card) is not rewritten by typing.
        assert_eq!(apply_key("Hòa", ' ', Telex), "Hòa ");
        assert_eq!(apply_key("Hòa", 'n', Telex), "Hòan");
    }

    #[test]
    fn repeating_a_key_undoes_it() {
        assert_eq!(telex("aa"), "â");
        assert_eq!(telex("aaa"), "aa");
        assert_eq!(telex("as"), "á");
        assert_eq!(telex("ass"), "as");
        assert_eq!(telex("dd"), "đ");
        assert_eq!(telex("ddd"), "dd");
        assert_eq!(telex("ww"), "w");
        assert_eq!(telex("aw"), "ă");
        assert_eq!(telex("aww"), "aw");
        assert_eq!(telex("uow"), "ươ");
        assert_eq!(telex("uoww"), "uow");
        assert_eq!(vni("a66"), "a6");
        assert_eq!(vni("a11"), "a1");
        assert_eq!(vni("d99"), "d9");
    }

    #[test]
    fn tones_change_and_go() {
        assert_eq!(telex("asf"), "à");
        assert_eq!(telex("asz"), "a");
        assert_eq!(telex("az"), "az");
        assert_eq!(vni("a10"), "a");
        assert_eq!(vni("a0"), "a0");
    }

    #[test]
    fn keys_that_cannot_apply_are_letters() {
        assert_eq!(telex("Chris"), "Chris");
        assert_eq!(telex("John"), "John");
        assert_eq!(telex("s"), "s");
        assert_eq!(vni("12"), "12");
        assert_eq!(vni("So61 12"), "Số 12");
        assert_eq!(telex("Soos 1 Trafng Tieefn"), "Số 1 Tràng Tiền");
        assert_eq!(telex("xy"), "xy");
    }

    #[test]
    fn vni_marks() {
        assert_eq!(vni("Vie65t Nam"), "Việt Nam");
        assert_eq!(vni("d9u7o7c5"), "được");
        assert_eq!(vni("ngu7o7i2"), "người");
        assert_eq!(vni("hoa2"), "hoà");
        assert_eq!(vni("Tra62n Thi5 Bi2nh"), "Trần Thị Bình");
        assert_eq!(vni("Ha2 No65i"), "Hà Nội");
    }

    #[test]
    fn only_the_last_word_changes() {
        assert_eq!(apply_key("Nguyễn Van", 'w', Telex), "Nguyễn Văn");
        assert_eq!(apply_key("Số 1, Tra", 'f', Telex), "Số 1, Trà");
        assert_eq!(apply_key("", ' ', Telex), " ");
        assert_eq!(apply_key("abc", '-', Vni), "abc-");
    }

    #[test]
    fn output_is_precomposed() {
        use unicode_normalization::UnicodeNormalization;
        let s = telex("Nguyeenx Vawn Anh phuwowngf");
        assert_eq!(s, s.nfc().collect::<String>());
    }
}
