//! What the hall loudspeaker says: Vietnamese number words and the call
//! sentence, as text for a speech synthesiser and as a list of clip names
//! for offices that play prerecorded words.
//!
//! ```text
//! "Mời công dân có số thứ tự A012 đến quầy số 3"
//!   spoken: "Mời công dân có số thứ tự A, không, một, hai, đến quầy số ba."
//!   clips:  moi-cong-dan, letter-a, khong, mot, hai, den-quay-so, ba
//! ```
//!
//! The ticket number is read sign by sign (letter, then each digit), the
//! counter as a number. Number words follow northern usage (DOMAIN.md §8):
//! *mười* for ten, *mươi* for the tens, *mốt* for a final one after the
//! twenties, *tư* for a final four after the twenties, *lăm* for a final five
//! after ten, *linh* for an empty tens place, and *nghìn* for a thousand.

use std::fmt;

/// One spoken word (or fixed phrase): how it is written and the name of its
/// prerecorded clip (`<clips_dir>/<clip>.wav`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Word {
    pub text: &'static str,
    pub clip: &'static str,
}

const fn w(text: &'static str, clip: &'static str) -> Word {
    Word { text, clip }
}

/// "Mời công dân có số thứ tự".
pub const INVITE: Word = w("Mời công dân có số thứ tự", "moi-cong-dan");
/// "đến quầy số".
pub const TO_COUNTER: Word = w("đến quầy số", "den-quay-so");

const DIGITS: [Word; 10] = [
    w("không", "khong"),
    w("một", "mot"),
    w("hai", "hai"),
    w("ba", "ba"),
    w("bốn", "bon"),
    w("năm", "nam"),
    w("sáu", "sau"),
    w("bảy", "bay"),
    w("tám", "tam"),
    w("chín", "chin"),
];
const TEN: Word = w("mười", "muoi");
const TENS: Word = w("mươi", "muoi-ngang");
const FINAL_ONE: Word = w("mốt", "mot-sac");
const FINAL_FOUR: Word = w("tư", "tu");
const FINAL_FIVE: Word = w("lăm", "lam");
const HUNDRED: Word = w("trăm", "tram");
const THOUSAND: Word = w("nghìn", "nghin");
const ZERO_TENS: Word = w("linh", "linh");

/// Vietnamese letter names, as a loudspeaker says them ("A", "Bê", "Xê"…).
const LETTERS: [(char, Word); 26] = [
    ('A', w("A", "letter-a")),
    ('B', w("Bê", "letter-b")),
    ('C', w("Xê", "letter-c")),
    ('D', w("Dê", "letter-d")),
    ('E', w("E", "letter-e")),
    ('F', w("Ép", "letter-f")),
    ('G', w("Giê", "letter-g")),
    ('H', w("Hát", "letter-h")),
    ('I', w("I", "letter-i")),
    ('J', w("Gi", "letter-j")),
    ('K', w("Ca", "letter-k")),
    ('L', w("E-lờ", "letter-l")),
    ('M', w("Em-mờ", "letter-m")),
    ('N', w("En-nờ", "letter-n")),
    ('O', w("O", "letter-o")),
    ('P', w("Pê", "letter-p")),
    ('Q', w("Quy", "letter-q")),
    ('R', w("E-rờ", "letter-r")),
    ('S', w("Ét-xì", "letter-s")),
    ('T', w("Tê", "letter-t")),
    ('U', w("U", "letter-u")),
    ('V', w("Vê", "letter-v")),
    ('W', w("Vê kép", "letter-w")),
    ('X', w("Ích-xì", "letter-x")),
    ('Y', w("I dài", "letter-y")),
    ('Z', w("Dét", "letter-z")),
];

/// Numbers above this have no words here: counters and ticket digits stay
/// far below it.
pub const MAX_NUMBER: u32 = 9999;

/// A number that cannot be said, or a ticket number with a sign that has no
/// spoken form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpeechError {
    #[error("{0} is above {MAX_NUMBER}: no words for it")]
    TooLarge(u32),
    #[error("ticket number {0:?} must be letters and digits")]
    BadTicketNumber(String),
}

/// The words of `n` (0–9999), northern usage.
pub fn number_words(n: u32) -> Result<Vec<Word>, SpeechError> {
    if n > MAX_NUMBER {
        return Err(SpeechError::TooLarge(n));
    }
    if n == 0 {
        return Ok(vec![DIGITS[0]]);
    }
    let (thousands, hundreds, tens, ones) = (n / 1000, n / 100 % 10, n / 10 % 10, n % 10);
    let mut out = Vec::new();
    if thousands > 0 {
        out.extend([DIGITS[thousands as usize], THOUSAND]);
    }
    // After a thousand, an empty hundreds place is still said ("một nghìn
    // không trăm linh năm") unless nothing follows ("một nghìn").
    if hundreds > 0 || (thousands > 0 && (tens > 0 || ones > 0)) {
        out.extend([DIGITS[hundreds as usize], HUNDRED]);
    }
    let has_higher = !out.is_empty();
    match tens {
        0 if ones == 0 => {}
        0 if has_higher => out.extend([ZERO_TENS, ones_after_linh(ones)]),
        0 => out.push(DIGITS[ones as usize]),
        1 => {
            out.push(TEN);
            if ones > 0 {
                out.push(if ones == 5 {
                    FINAL_FIVE
                } else {
                    DIGITS[ones as usize]
                });
            }
        }
        t => {
            out.extend([DIGITS[t as usize], TENS]);
            if ones > 0 {
                out.push(match ones {
                    1 => FINAL_ONE,
                    4 => FINAL_FOUR,
                    5 => FINAL_FIVE,
                    o => DIGITS[o as usize],
                });
            }
        }
    }
    Ok(out)
}

/// The last digit after *linh*: "linh tư" in the north, otherwise the digit
/// itself ("một trăm linh một", "một trăm linh năm").
fn ones_after_linh(ones: u32) -> Word {
    if ones == 4 {
        FINAL_FOUR
    } else {
        DIGITS[ones as usize]
    }
}

/// A ticket number sign by sign: `A012` → A, không, một, hai.
pub fn ticket_words(number: &str) -> Result<Vec<Word>, SpeechError> {
    let bad = || SpeechError::BadTicketNumber(number.to_owned());
    if number.is_empty() || number.chars().count() > 12 {
        return Err(bad());
    }
    number
        .chars()
        .map(|c| match c {
            '0'..='9' => Ok(DIGITS[c as usize - '0' as usize]),
            c => LETTERS
                .iter()
                .find(|(l, _)| *l == c.to_ascii_uppercase())
                .map(|(_, word)| *word)
                .ok_or_else(bad),
        })
        .collect()
}

fn join(words: &[Word], sep: &str) -> String {
    words.iter().map(|w| w.text).collect::<Vec<_>>().join(sep)
}

/// One call, ready to be said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The ticket number as shown, e.g. `A012`.
    pub number: String,
    pub counter: u32,
    /// The sentence as written on screens and logs:
    /// "Mời công dân có số thứ tự A012 đến quầy số 3".
    pub sentence: String,
    /// What a speech synthesiser reads:
    /// "Mời công dân có số thứ tự A, không, một, hai, đến quầy số ba."
    pub spoken: String,
    /// The same as prerecorded clips, in order.
    pub words: Vec<Word>,
}

impl Announcement {
    /// The call of ticket `number` to counter `counter`.
    pub fn call(number: &str, counter: u32) -> Result<Self, SpeechError> {
        let ticket = ticket_words(number)?;
        let counter_words = number_words(counter)?;
        let sentence = format!("{} {number} {} {counter}", INVITE.text, TO_COUNTER.text);
        let spoken = format!(
            "{} {}, {} {}.",
            INVITE.text,
            join(&ticket, ", "),
            TO_COUNTER.text,
            join(&counter_words, " ")
        );
        let mut words = vec![INVITE];
        words.extend(ticket);
        words.push(TO_COUNTER);
        words.extend(counter_words);
        Ok(Self {
            number: number.to_owned(),
            counter,
            sentence,
            spoken,
            words,
        })
    }

    /// The clip names, in order.
    pub fn clips(&self) -> Vec<&'static str> {
        self.words.iter().map(|w| w.clip).collect()
    }
}

impl fmt::Display for Announcement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: u32) -> String {
        join(&number_words(n).unwrap(), " ")
    }

    /// Every word with a clip, as an office recording its own voice needs
    /// them.
    fn all_clips() -> Vec<Word> {
        let mut all = vec![INVITE, TO_COUNTER];
        all.extend(DIGITS);
        all.extend([
            TEN, TENS, FINAL_ONE, FINAL_FOUR, FINAL_FIVE, HUNDRED, THOUSAND, ZERO_TENS,
        ]);
        all.extend(LETTERS.iter().map(|(_, word)| *word));
        all
    }

    #[test]
    fn domain_vectors() {
        // DOMAIN.md §8, northern usage.
        for (n, want) in [
            (0, "không"),
            (10, "mười"),
            (11, "mười một"),
            (15, "mười lăm"),
            (20, "hai mươi"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (25, "hai mươi lăm"),
            (101, "một trăm linh một"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (1005, "một nghìn không trăm linh năm"),
        ] {
            assert_eq!(text(n), want, "{n}");
        }
    }

    #[test]
    fn more_numbers() {
        for (n, want) in [
            (1, "một"),
            (3, "ba"),
            (4, "bốn"),
            (5, "năm"),
            (9, "chín"),
            (14, "mười bốn"),
            (19, "mười chín"),
            (30, "ba mươi"),
            (31, "ba mươi mốt"),
            (44, "bốn mươi tư"),
            (55, "năm mươi lăm"),
            (99, "chín mươi chín"),
            (100, "một trăm"),
            (104, "một trăm linh tư"),
            (111, "một trăm mười một"),
            (115, "một trăm mười lăm"),
            (121, "một trăm hai mươi mốt"),
            (200, "hai trăm"),
            (999, "chín trăm chín mươi chín"),
            (1000, "một nghìn"),
            (1001, "một nghìn không trăm linh một"),
            (1010, "một nghìn không trăm mười"),
            (1024, "một nghìn không trăm hai mươi tư"),
            (1100, "một nghìn một trăm"),
            (1200, "một nghìn hai trăm"),
            (2021, "hai nghìn không trăm hai mươi mốt"),
            (2505, "hai nghìn năm trăm linh năm"),
            (9999, "chín nghìn chín trăm chín mươi chín"),
        ] {
            assert_eq!(text(n), want, "{n}");
        }
        assert_eq!(number_words(10_000), Err(SpeechError::TooLarge(10_000)));
    }

    /// Structural rules over the whole range 0–9999, so no number falls
    /// through a gap in the cases above.
    #[test]
    fn every_number_up_to_9999_follows_the_rules() {
        for n in 0..=MAX_NUMBER {
            let words: Vec<&str> = number_words(n).unwrap().iter().map(|w| w.text).collect();
            let s = words.join(" ");
            assert!(!words.is_empty(), "{n}");
            // "không" only for zero itself or an empty hundreds place.
            if n != 0 {
                for (i, w) in words.iter().enumerate() {
                    if *w == "không" {
                        assert_eq!(words.get(i + 1), Some(&"trăm"), "{n}: {s}");
                    }
                }
            }
            // "mốt" and "lăm" only at the end, "mươi" never last but for whole tens.
            for (i, w) in words.iter().enumerate() {
                if *w == "mốt" || *w == "lăm" {
                    assert_eq!(i, words.len() - 1, "{n}: {s}");
                    let allowed: &[&str] = if *w == "mốt" {
                        &["mươi"]
                    } else {
                        &["mươi", "mười"]
                    };
                    assert!(allowed.contains(&words[i - 1]), "{n}: {s}");
                }
            }
            assert_eq!(s.contains("nghìn"), n >= 1000, "{n}: {s}");
            assert_eq!(
                s.contains("linh"),
                n >= 100 && n % 100 > 0 && n % 100 < 10,
                "{n}: {s}"
            );
            // Each number has its own words.
            if n > 0 {
                assert_ne!(s, text(n - 1), "{n}");
            }
        }
    }

    #[test]
    fn ticket_numbers_are_read_sign_by_sign() {
        let words: Vec<&str> = ticket_words("A012")
            .unwrap()
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(words, ["A", "không", "một", "hai"]);
        let words: Vec<&str> = ticket_words("C100")
            .unwrap()
            .iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(words, ["Xê", "một", "không", "không"]);
        assert!(ticket_words("A-12").is_err());
        assert!(ticket_words("").is_err());
    }

    #[test]
    fn the_call_sentence() {
        let a = Announcement::call("A012", 3).unwrap();
        assert_eq!(a.sentence, "Mời công dân có số thứ tự A012 đến quầy số 3");
        assert_eq!(
            a.spoken,
            "Mời công dân có số thứ tự A, không, một, hai, đến quầy số ba."
        );
        assert_eq!(
            a.clips(),
            [
                "moi-cong-dan",
                "letter-a",
                "khong",
                "mot",
                "hai",
                "den-quay-so",
                "ba"
            ]
        );
        let a = Announcement::call("B105", 21).unwrap();
        assert_eq!(
            a.spoken,
            "Mời công dân có số thứ tự Bê, một, không, năm, đến quầy số hai mươi mốt."
        );
        assert_eq!(
            &a.clips()[5..],
            ["den-quay-so", "hai", "muoi-ngang", "mot-sac"]
        );
        let a = Announcement::call("D007", 15).unwrap();
        assert!(a.spoken.ends_with("đến quầy số mười lăm."), "{}", a.spoken);
    }

    #[test]
    fn every_clip_name_is_distinct_ascii() {
        let clips = all_clips();
        let mut names: Vec<&str> = clips.iter().map(|w| w.clip).collect();
        assert!(names.iter().all(|n| n
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')));
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two words share a clip");
        // Every word any announcement uses has a clip in the list.
        for n in 0..=MAX_NUMBER {
            for word in number_words(n).unwrap() {
                assert!(clips.contains(&word), "{n}: {word:?}");
            }
        }
    }
}
