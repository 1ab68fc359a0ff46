//! Vietnamese input for the on-screen keyboard: a simple mode with explicit
//! keys for the Vietnamese letters and tones (the default, for people who
//! do not know Telex), and the Telex and VNI input methods.
//!
//! The keyboard keeps the text of the field being edited and calls
//! [`KeyboardMode::apply_key`] for every key pressed (or [`apply_key`] with
//! a Telex/VNI [`InputMethod`]), and [`apply_action`] for the simple mode's
//! letter and tone keys; each returns the new text. Only the last word (the
//! trailing run of letters) can change; everything else is kept as typed.
//! The state is the text itself, so backspace is simply removing the last
//! character, and a field pre-filled from the ID card can be edited with
//! the same keys.
//!
//! ```
//! use motcua::domain::vietnamese_input::{
//!     apply_action, type_keys, Action, InputMethod, KeyboardMode, LetterKey, Tone,
//! };
//! assert_eq!(type_keys("Nguyeenx Vawn Anh", InputMethod::Telex), "Nguyễn Văn Anh");
//! assert_eq!(type_keys("Nguye6n4 Va8n Anh", InputMethod::Vni), "Nguyễn Văn Anh");
//! // Simple mode: plain letters, then the "ư" key and the "huyền" key.
//! let text = "truong".chars().fold(String::new(), |t, k| KeyboardMode::Simple.apply_key(&t, k));
//! let text = apply_action(&text, Action::letter(LetterKey::UHorn));
//! assert_eq!(apply_action(&text, Action::Tone(Tone::Grave)), "trường");
//! ```
//!
//! ## Keys
//!
//! | | Telex | VNI | simple (`motcua diag type`) |
//! |---|---|---|---|
//! | sắc, huyền, hỏi, ngã, nặng | `s` `f` `r` `x` `j` | `1` `2` `3` `4` `5` | `[sac]` `[huyen]` `[hoi]` `[nga]` `[nang]` |
//! | remove the tone | `z` | `0` | `[ngang]` |
//! | â ê ô | `aa` `ee` `oo` | `a6` `e6` `o6` | `[a^]` `[e^]` `[o^]` |
//! | ă | `aw` | `a8` | `[a(]` |
//! | ơ ư, ươ | `ow` `uw`, `uow` (`w` alone: ư) | `o7` `u7`, `uo7` | `[o+]` `[u+]` |
//! | đ | `dd` | `d9` | `[dd]` |
//!
//! Marks may be typed anywhere after the vowel, as most people do with
//! Unikey: `Nguyeenx` and `Nguyeexn` both give "Nguyễn", `tuaans` and
//! `tuaasn` both give "tuấn", `DDawks` and `DDawsk` both give "Đắk".
//!
//! ## Choices (documented behaviour)
//!
//! - **Tone placement follows the modern rule** (*kiểu mới*): on the vowel
//!   carrying a diacritic (ươ → on ơ: "người", "phường"); otherwise on the
//!   last vowel of a closed syllable ("toán", "hoàng"); in an open syllable
//!   on the middle of three vowels ("ngoài") and on the first of two
//!   ("mùa", "cái") — except `oa`, `oe`, `uy`, which take it on the second:
//!   **"hoà", "khoẻ", "thuỷ"** (not "hòa", "khỏe", "thủy"). `qu` and `gi`
//!   count as consonants ("quý", "già", "giữa"). The tone moves as letters
//!   are added ("hoà" + `n` → "hoàn"), unless the text already had it in
//!   another place (a name typed by the card's owner stays as written).
//! - **`ươ` is completed by the next letter**: `uo` + `w` anywhere in the
//!   syllable gives `ươ` (`truowngf`, `nguoiwf`), and so do `ưo` and `uơ`
//!   once another letter follows (`nguwoif` → "người", `dduwocj` →
//!   "được"). At the end of a word `uo` + `w` is `uơ`: `huow` → "huơ",
//!   `thuowr` → "thuở" (and `uow` → "uơ", where vi-rs gives "ươ").
//! - **Only real syllables take marks**: a vowel group Vietnamese has (or
//!   will have once its marks are typed), a Vietnamese initial and final
//!   (`k` included, for Đắk Lắk). A shape mark that would give a rhyme
//!   Vietnamese does not have is typed as a letter (`ach` + `a` → "acha",
//!   there is no "âch"), and so is a tone other than sắc or nặng after c,
//!   ch, p, t (`catr` stays "catr").
//! - **Repeating a key undoes it**, as Unikey and the common IMEs do: the
//!   mark is removed and the key is typed as a letter. `aa` → "â", `aaa` →
//!   "aa"; `as` → "á", `ass` → "as"; `dd` → "đ", `ddd` → "dd"; `w` → "ư",
//!   `ww` → "w" (so is `uww`: the text alone cannot tell how an ending "ư"
//!   was typed). In VNI, `a66` → "a6", `a11` → "a1". A different shape key
//!   changes the shape: `aaw` → "ă", `oow` → "ơ".
//! - `dd` also works after another consonant (`HDDND` → "HĐND").
//! - A mark key that cannot apply is typed as a letter (or digit):
//!   `Chris` stays "Chris" (`chr` is no Vietnamese initial), `bus` gives
//!   "bú" (as in any Telex IME), `12` stays "12" in VNI.
//! - Output is NFC (precomposed), the form the hub stores.
//!
//! ## Simple mode
//!
//! Letters are typed as they are; the keys ă â đ ê ô ơ ư and the five tones
//! are explicit ([`Action`]). A letter key shapes the last matching letter
//! of the word (`a` for ă and â, `o` for ô and ơ, `u` for ư, `d` for đ),
//! preferring one that gives a Vietnamese rhyme (`cuu` + ư → "cưu"); with
//! nothing to shape it types its letter. Pressed again it takes its mark
//! off. A tone key puts its tone where Telex would, replaces another tone,
//! and takes itself off when pressed again. The `ươ` completion and the
//! moving tone work as in Telex.

mod syllable;

use std::fmt;
use std::str::FromStr;

pub use syllable::Tone;
use syllable::{family, is_vowel, Letter, Word, INITIALS};

/// A typing method whose letter keys also carry marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMethod {
    Telex,
    Vni,
}

/// How the on-screen keyboard types Vietnamese. Simple is the default:
/// people who do not know Telex find the letters and tones on keys.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyboardMode {
    /// Letters as typed; ă â đ ê ô ơ ư and the tones are keys of their own
    /// ([`apply_action`]).
    #[default]
    Simple,
    Telex,
    Vni,
}

impl KeyboardMode {
    pub const ALL: [KeyboardMode; 3] =
        [KeyboardMode::Simple, KeyboardMode::Telex, KeyboardMode::Vni];

    /// The input method whose keys carry marks; `None` in simple mode.
    pub fn method(self) -> Option<InputMethod> {
        match self {
            KeyboardMode::Simple => None,
            KeyboardMode::Telex => Some(InputMethod::Telex),
            KeyboardMode::Vni => Some(InputMethod::Vni),
        }
    }

    /// The name used in configuration and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KeyboardMode::Simple => "simple",
            KeyboardMode::Telex => "telex",
            KeyboardMode::Vni => "vni",
        }
    }

    /// Applies one typed key (a character of the physical or on-screen
    /// keyboard) to the text being edited.
    pub fn apply_key(self, text: &str, key: char) -> String {
        match self.method() {
            Some(method) => apply_key(text, key, method),
            None => edit_last_word(text, |word| {
                let ruled = word.tone_is_ruled();
                word.push(key);
                finish(word, ruled);
            }),
        }
    }
}

impl fmt::Display for KeyboardMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyboardMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyboardMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown keyboard mode {s:?}: use simple, telex or vni"))
    }
}

/// A Vietnamese letter key of the simple mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LetterKey {
    /// ă
    ABreve,
    /// â
    ACircumflex,
    /// ê
    ECircumflex,
    /// ô
    OCircumflex,
    /// ơ
    OHorn,
    /// ư
    UHorn,
    /// đ
    DStroke,
}

impl LetterKey {
    pub const ALL: [LetterKey; 7] = [
        LetterKey::ABreve,
        LetterKey::ACircumflex,
        LetterKey::ECircumflex,
        LetterKey::OCircumflex,
        LetterKey::OHorn,
        LetterKey::UHorn,
        LetterKey::DStroke,
    ];

    /// The letter on the key, lower case.
    pub fn letter(self) -> char {
        match self {
            LetterKey::ABreve => 'ă',
            LetterKey::ACircumflex => 'â',
            LetterKey::ECircumflex => 'ê',
            LetterKey::OCircumflex => 'ô',
            LetterKey::OHorn => 'ơ',
            LetterKey::UHorn => 'ư',
            LetterKey::DStroke => 'đ',
        }
    }
}

/// An explicit key of the simple mode: a tone, or a Vietnamese letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Puts this tone on the word; [`Tone::None`] takes the tone off.
    Tone(Tone),
    /// Shapes the last matching letter, or types the letter (upper case
    /// when `upper`, e.g. with the keyboard's shift).
    Letter { key: LetterKey, upper: bool },
}

impl Action {
    /// The lower-case letter key.
    pub const fn letter(key: LetterKey) -> Action {
        Action::Letter { key, upper: false }
    }

    /// Every action with its name in key sequences (`motcua diag type`):
    /// `[sac]`, `[a^]`, … Upper-case letter names (`[A^]`, `[DD]`) type
    /// upper-case letters.
    pub const TOKENS: [(&'static str, Action); 13] = [
        ("sac", Action::Tone(Tone::Acute)),
        ("huyen", Action::Tone(Tone::Grave)),
        ("hoi", Action::Tone(Tone::Hook)),
        ("nga", Action::Tone(Tone::Tilde)),
        ("nang", Action::Tone(Tone::Dot)),
        ("ngang", Action::Tone(Tone::None)),
        ("a(", Action::letter(LetterKey::ABreve)),
        ("a^", Action::letter(LetterKey::ACircumflex)),
        ("e^", Action::letter(LetterKey::ECircumflex)),
        ("o^", Action::letter(LetterKey::OCircumflex)),
        ("o+", Action::letter(LetterKey::OHorn)),
        ("u+", Action::letter(LetterKey::UHorn)),
        ("dd", Action::letter(LetterKey::DStroke)),
    ];
}

/// Why a simple-mode key sequence cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySequenceError {
    #[error("unknown key [{0}]")]
    UnknownKey(String),
    #[error("\"[\" without \"]\" in {0:?}")]
    Unclosed(String),
}

impl KeySequenceError {
    /// The same in Vietnamese, for the technician.
    pub fn message_vi(&self) -> String {
        match self {
            KeySequenceError::UnknownKey(name) => format!("không có phím [{name}]"),
            KeySequenceError::Unclosed(rest) => format!("thiếu \"]\" sau \"[\" trong {rest:?}"),
        }
    }
}

impl FromStr for Action {
    type Err = KeySequenceError;

    /// A name of [`Action::TOKENS`], without the brackets.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_lowercase();
        let (_, action) = Action::TOKENS
            .iter()
            .find(|(name, _)| *name == lower)
            .ok_or_else(|| KeySequenceError::UnknownKey(s.to_owned()))?;
        Ok(match *action {
            Action::Letter { key, .. } => Action::Letter {
                key,
                upper: s != lower,
            },
            tone => tone,
        })
    }
}

/// One key of a simple-mode key sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleKey {
    Char(char),
    Action(Action),
}

/// Reads a simple-mode key sequence: characters are typed as they are,
/// `[name]` is an [`Action`] (`tru[u+]ong[huyen]` → "trường").
pub fn parse_simple_keys(sequence: &str) -> Result<Vec<SimpleKey>, KeySequenceError> {
    let mut keys = Vec::new();
    let mut rest = sequence;
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let end = rest
                .find(']')
                .ok_or_else(|| KeySequenceError::Unclosed(rest.to_owned()))?;
            keys.push(SimpleKey::Action(rest[1..end].parse()?));
            rest = &rest[end + 1..];
        } else {
            keys.push(SimpleKey::Char(c));
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(keys)
}

/// Types a whole key sequence into an empty field: Telex/VNI keys, or in
/// simple mode characters and `[name]` actions.
pub fn type_sequence(sequence: &str, mode: KeyboardMode) -> Result<String, KeySequenceError> {
    if mode != KeyboardMode::Simple {
        return Ok(sequence
            .chars()
            .fold(String::new(), |text, key| mode.apply_key(&text, key)));
    }
    Ok(parse_simple_keys(sequence)?
        .into_iter()
        .fold(String::new(), |text, key| match key {
            SimpleKey::Char(c) => mode.apply_key(&text, c),
            SimpleKey::Action(a) => apply_action(&text, a),
        }))
}

/// What a Telex or VNI key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Tone(Tone),
    RemoveTone,
    /// â ê ô; the plain vowels the key may act on.
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

fn mark(key: char, method: InputMethod) -> Option<Mark> {
    let k = key.to_ascii_lowercase();
    match method {
        InputMethod::Telex => Some(match k {
            's' => Mark::Tone(Tone::Acute),
            'f' => Mark::Tone(Tone::Grave),
            'r' => Mark::Tone(Tone::Hook),
            'x' => Mark::Tone(Tone::Tilde),
            'j' => Mark::Tone(Tone::Dot),
            'z' => Mark::RemoveTone,
            'a' => Mark::Circumflex(&['a']),
            'e' => Mark::Circumflex(&['e']),
            'o' => Mark::Circumflex(&['o']),
            'w' => Mark::Hook {
                a: true,
                ou: true,
                alone: true,
            },
            'd' => Mark::Stroke,
            _ => return None,
        }),
        InputMethod::Vni => Some(match k {
            '1' => Mark::Tone(Tone::Acute),
            '2' => Mark::Tone(Tone::Grave),
            '3' => Mark::Tone(Tone::Hook),
            '4' => Mark::Tone(Tone::Tilde),
            '5' => Mark::Tone(Tone::Dot),
            '0' => Mark::RemoveTone,
            '6' => Mark::Circumflex(&['a', 'e', 'o']),
            '7' => Mark::Hook {
                a: false,
                ou: true,
                alone: false,
            },
            '8' => Mark::Hook {
                a: true,
                ou: false,
                alone: false,
            },
            '9' => Mark::Stroke,
            _ => return None,
        }),
    }
}

/// The result of a mark on a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The mark was applied.
    Applied,
    /// The mark was already there: removed.
    Undone,
    /// The mark cannot apply.
    Refused,
}

/// Runs `edit` on the last word of `text` (its trailing letters) and puts
/// the text back together.
fn edit_last_word(text: &str, edit: impl FnOnce(&mut Word)) -> String {
    let split = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let (head, word_text) = text.split_at(split);
    let mut word = Word::parse(word_text);
    edit(&mut word);
    format!("{head}{}", word.render())
}

/// After a change: `ươ` completed, and the tone where the rule puts it if
/// it followed the rule before.
fn finish(word: &mut Word, tone_follows_rule: bool) {
    word.complete_horns();
    if tone_follows_rule {
        word.replace_tone();
    }
}

/// Applies one key to the text being edited and returns the new text.
///
/// Keys that are not marks of `method` are appended as typed; mark keys act
/// on the last word (see the module documentation).
pub fn apply_key(text: &str, key: char, method: InputMethod) -> String {
    edit_last_word(text, |word| {
        let ruled = word.tone_is_ruled();
        let outcome = match mark(key, method) {
            None => Outcome::Refused,
            Some(Mark::Tone(tone)) => set_tone(word, tone),
            Some(Mark::RemoveTone) if word.is_syllable() && word.tone.take().is_some() => {
                Outcome::Applied
            }
            Some(Mark::RemoveTone) => Outcome::Refused,
            Some(Mark::Circumflex(plain)) if word.is_syllable() => circumflex(word, plain),
            Some(Mark::Circumflex(_)) => Outcome::Refused,
            Some(Mark::Hook { a, ou, alone }) => {
                if alone && INITIALS.contains(&word.all_bases().as_str()) {
                    // Telex: `w` after an initial (or nothing) is `ư`:
                    // "tw" → "tư", "giw" → "giư".
                    word.letters.push(Letter {
                        base: 'ư',
                        upper: key.is_uppercase(),
                    });
                    Outcome::Applied
                } else if word.is_syllable() {
                    hook(word, a, ou)
                } else {
                    Outcome::Refused
                }
            }
            Some(Mark::Stroke) => stroke(word),
        };
        match outcome {
            Outcome::Applied => finish(word, true),
            // The key goes in as a letter: after an undo the word changed
            // shape, so the tone follows the rule again.
            Outcome::Undone => {
                word.push(key);
                finish(word, true);
            }
            Outcome::Refused => {
                word.push(key);
                finish(word, ruled);
            }
        }
    })
}

/// Applies an explicit simple-mode key (a tone or a Vietnamese letter) to
/// the text being edited and returns the new text. Works in every mode.
pub fn apply_action(text: &str, action: Action) -> String {
    edit_last_word(text, |word| match action {
        Action::Tone(tone) => {
            if !word.has_vowel() {
                return;
            }
            if tone == Tone::None || word.tone.is_some_and(|(t, _)| t == tone) {
                word.tone = None;
            } else {
                let at = word
                    .tone_position()
                    .or_else(|| word.letters.iter().rposition(|l| is_vowel(l.base)))
                    .unwrap_or(0);
                word.tone = Some((tone, at));
            }
            finish(word, true);
        }
        Action::Letter { key, upper } => {
            let ruled = word.tone_is_ruled();
            if shape_for_key(word, key) == Outcome::Refused {
                word.letters.push(Letter {
                    base: key.letter(),
                    upper,
                });
                finish(word, ruled);
            } else {
                finish(word, true);
            }
        }
    })
}

/// A simple-mode letter key on the word: the last letter of its family
/// that gives a Vietnamese rhyme (else the last of its family) takes the
/// shape, or loses it if it had it.
fn shape_for_key(word: &mut Word, key: LetterKey) -> Outcome {
    let shaped = key.letter();
    if key == LetterKey::DStroke {
        return stroke(word);
    }
    let plain = family(shaped);
    let candidates: Vec<usize> = (word.syllable().nucleus)
        .rev()
        .filter(|&i| family(word.base(i)) == plain)
        .collect();
    if let Some(&i) = candidates.iter().find(|&&i| word.base(i) == shaped) {
        word.set_base(i, plain);
        return Outcome::Undone;
    }
    for &i in &candidates {
        let before = word.base(i);
        word.set_base(i, shaped);
        if word.rhyme_is_valid() {
            return Outcome::Applied;
        }
        word.set_base(i, before);
    }
    match candidates.first() {
        Some(&i) => {
            word.set_base(i, shaped);
            Outcome::Applied
        }
        None => Outcome::Refused,
    }
}

fn set_tone(word: &mut Word, tone: Tone) -> Outcome {
    if !word.is_syllable() || !word.takes_tone(tone) {
        return Outcome::Refused;
    }
    if word.tone.is_some_and(|(t, _)| t == tone) {
        word.tone = None;
        return Outcome::Undone;
    }
    let at = word.tone_position().unwrap_or(0);
    word.tone = Some((tone, at));
    Outcome::Applied
}

fn circumflex(word: &mut Word, plain: &[char]) -> Outcome {
    let nucleus = word.syllable().nucleus;
    for i in nucleus.clone().rev() {
        let base = word.base(i);
        let fam = family(base);
        if !plain.contains(&fam) || !matches!(fam, 'a' | 'e' | 'o') {
            continue;
        }
        if matches!(base, 'â' | 'ê' | 'ô') {
            word.set_base(i, fam);
            return Outcome::Undone;
        }
        let shaped = match fam {
            'a' => 'â',
            'e' => 'ê',
            _ => 'ô',
        };
        let before = word.clone();
        word.set_base(i, shaped);
        // "buwo" + `o` is "buô": the ư of an unfinished ươ goes back to u.
        if shaped == 'ô' && i > nucleus.start && word.base(i - 1) == 'ư' {
            word.set_base(i - 1, 'u');
        }
        if word.rhyme_is_valid() {
            return Outcome::Applied;
        }
        *word = before;
    }
    Outcome::Refused
}

fn hook(word: &mut Word, a: bool, ou: bool) -> Outcome {
    let s = word.syllable();
    let n = s.nucleus.clone();
    if ou {
        // `uo` takes its hooks together, whatever state it is in.
        let end_of_word = |i: usize| i + 2 == word.letters.len();
        for i in n.start..n.end.saturating_sub(1) {
            let pair = (word.base(i), word.base(i + 1));
            if !matches!(pair.0, 'u' | 'ư') || !matches!(pair.1, 'o' | 'ơ' | 'ô') {
                continue;
            }
            // "huơ", "thuở", "uở": at the end of the word `uo` + w is
            // `uơ`; the next letter makes it `ươ` (`Word::complete_horns`).
            let open_uo = end_of_word(i);
            return match pair {
                ('ư', 'ơ') => {
                    word.set_base(i, 'u');
                    word.set_base(i + 1, 'o');
                    Outcome::Undone
                }
                ('u', 'ơ') if open_uo => {
                    word.set_base(i + 1, 'o');
                    Outcome::Undone
                }
                ('u', _) if open_uo => {
                    word.set_base(i + 1, 'ơ');
                    Outcome::Applied
                }
                _ => {
                    word.set_base(i, 'ư');
                    word.set_base(i + 1, 'ơ');
                    Outcome::Applied
                }
            };
        }
    }
    let hooked = |base: char| match family(base) {
        'a' if a => Some('ă'),
        'o' | 'u' if ou => Some(if family(base) == 'o' { 'ơ' } else { 'ư' }),
        _ => None,
    };
    // A hook already there is undone.
    for i in n.clone().rev() {
        let base = word.base(i);
        if hooked(base) == Some(base) {
            if a && ou && base == 'ư' && n.len() == 1 && i + 1 == word.letters.len() {
                // Telex `w` alone made this `ư`: `ww` is a plain `w`.
                word.set_base(i, 'w');
                return Outcome::Applied;
            }
            word.set_base(i, family(base));
            return Outcome::Undone;
        }
    }
    for i in n.rev() {
        if let Some(shaped) = hooked(word.base(i)) {
            let before = word.base(i);
            word.set_base(i, shaped);
            if word.rhyme_is_valid() {
                return Outcome::Applied;
            }
            word.set_base(i, before);
        }
    }
    Outcome::Refused
}

/// `d` → `đ`: the initial of a syllable (or a lone `d`), else a `d` just
/// typed after another letter ("HĐND").
fn stroke(word: &mut Word) -> Outcome {
    let n = word.letters.len();
    let toggle = |word: &mut Word, i: usize| match word.base(i) {
        'd' => {
            word.set_base(i, 'đ');
            Outcome::Applied
        }
        _ => {
            word.set_base(i, 'd');
            Outcome::Undone
        }
    };
    let is_d = |c: char| family(c) == 'd';
    if n > 0 && is_d(word.base(0)) && (n == 1 || word.is_syllable()) {
        return toggle(word, 0);
    }
    if n >= 2 && is_d(word.base(n - 1)) && !is_d(word.base(n - 2)) {
        return toggle(word, n - 1);
    }
    Outcome::Refused
}

/// Types every key of `keys` into an empty field: `type_keys("tieengs
/// Vieetj", Telex)` → "tiếng Việt".
pub fn type_keys(keys: &str, method: InputMethod) -> String {
    keys.chars()
        .fold(String::new(), |text, key| apply_key(&text, key, method))
}

#[cfg(test)]
mod tests;
