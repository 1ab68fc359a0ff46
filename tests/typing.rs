//! The on-screen keyboard's typing engine from outside: `motcua diag type`
//! as a technician runs it (the real binary), the peer suites of vi-rs and
//! bamboo-core (vendored in `tests/vectors/ime/`, with their licences), and
//! every Vietnamese syllable of the hunspell `vi` dictionary typed in its
//! canonical key order.
//!
//! The dictionary is read where Debian's `hunspell-vi` installs it (GPL:
//! used, not vendored); `.ci/run` installs the package. Without it the
//! dictionary tests say so and pass, except under CI, where they fail.
//! Each suite prints `suite: N passed, N failed, N skipped`; the figures
//! are in `docs/CONFORMANCE.md`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use motcua::domain::vietnamese_input::{apply_key, type_keys, InputMethod};
use unicode_normalization::UnicodeNormalization;

const BIN: &str = env!("CARGO_BIN_EXE_motcua");

const DICTIONARY: &str = "/usr/share/hunspell/vi_VN.dic";

fn diag_type(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(["diag", "type"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn lines_of(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn diag_type_types_issue_14_item_24_in_each_method() {
    let cases: [(&str, &[(&str, &str)]); 3] = [
        (
            "telex",
            &[
                ("nguwoif", "người"),
                ("truwowngf", "trường"),
                ("truwongf", "trường"),
                ("dduwowcj", "được"),
                ("dduwocj", "được"),
                ("Phuwowngf", "Phường"),
                ("Phuwongf", "Phường"),
                ("DDawks Lawks", "Đắk Lắk"),
                ("Bawcs", "Bắc"),
                ("ddepj", "đẹp"),
                ("giwax", "giữa"),
                ("huow", "huơ"),
                ("thuowr", "thuở"),
            ],
        ),
        (
            "vni",
            &[
                ("D9a8k1 La8k1", "Đắk Lắk"),
                ("ngu7o7i2", "người"),
                ("tru7o7ng2", "trường"),
                ("d9u7o7c5", "được"),
                ("huo7", "huơ"),
            ],
        ),
        (
            "simple",
            &[
                ("ngu[u+]oi[huyen]", "người"),
                ("tru[u+]o[huyen]ng", "trường"),
                ("[DD]a[a(]k[sac] L[a(]k[sac]", "Đắk Lắk"),
                ("B[a(]c[sac]", "Bắc"),
                ("[dd]ep[nang]", "đẹp"),
                ("gi[u+]a[nga]", "giữa"),
                ("hu[o+]", "huơ"),
                ("thu[o+][hoi]", "thuở"),
                ("Nguy[e^]n[nga] V[a(]n An", "Nguyễn Văn An"),
            ],
        ),
    ];
    for (method, vectors) in cases {
        let input: String = vectors
            .iter()
            .map(|(keys, _)| format!("{keys}\n"))
            .collect();
        let out = diag_type(&["--method", method], &input);
        assert!(
            out.status.success(),
            "{method}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want: Vec<&str> = vectors.iter().map(|(_, text)| *text).collect();
        assert_eq!(lines_of(&out), want, "{method}");
        // NFC: precomposed letters only.
        for line in lines_of(&out) {
            assert_eq!(line, line.nfc().collect::<String>());
        }
    }
}

#[test]
fn diag_type_defaults_to_simple_and_refuses_unknown_keys_line_by_line() {
    // NFD input, CRLF line ends, an empty line, a bad key.
    let nfd: String = "Vi[e^]t[nang]".nfd().collect();
    let out = diag_type(&[], &format!("{nfd}\r\n\nx[acute]\ntruwowngf\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines_of(&out), ["Việt", "", "", "truwowngf"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dòng 3: không có phím [acute]"), "{err}");
    assert!(err.contains("line 3: unknown key [acute]"), "{err}");

    let out = diag_type(&["--method", "unikey"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("simple, telex or vni"));
}

#[test]
fn diag_type_help_lists_the_simple_keys() {
    let out = Command::new(BIN)
        .args(["diag", "type", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for key in [
        "[sac]", "[huyen]", "[hoi]", "[nga]", "[nang]", "[ngang]", "[a(]", "[a^]", "[e^]", "[o^]",
        "[o+]", "[u+]", "[dd]",
    ] {
        assert!(help.contains(key), "{key} missing from:\n{help}");
    }
    assert!(help.contains("telex"), "{help}");
}

// ---------------------------------------------------------------------
// The Vietnamese syllable, as this test reads the dictionary: written
// here, apart from the engine, so that the engine is judged by something
// it did not define.

/// Initials, longest first.
const INITIALS: [&str; 28] = [
    "ngh", "ng", "gh", "gi", "qu", "ch", "kh", "nh", "ph", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];
const FINALS: [&str; 9] = ["ch", "ng", "nh", "c", "m", "n", "p", "t", ""];
const VOWELS: &str = "aăâeêioôơuưy";
const TONE_MARKS: [char; 5] = ['\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];

/// A letter without its tone, and the tone (0 none, 1–5 sắc huyền hỏi ngã
/// nặng).
fn split_tone(c: char) -> (char, usize) {
    let mut tone = 0;
    let base: String = c
        .to_string()
        .nfd()
        .filter(|m| match TONE_MARKS.iter().position(|t| t == m) {
            Some(i) => {
                tone = i + 1;
                false
            }
            None => true,
        })
        .collect();
    (base.nfc().next().unwrap_or(c), tone)
}

/// The rhyme (vowels and final, no tone) of a written Vietnamese syllable,
/// or `None` if the word is not one: a Vietnamese initial, vowels, a
/// Vietnamese final; only letters of the Vietnamese alphabet (no f, j, w,
/// z); lower case or capitalised (abbreviations are not syllables).
fn rhyme(word: &str) -> Option<String> {
    let mut chars = word.chars();
    let first = chars.next()?;
    let rest_is_lower = chars.all(|c| c.is_lowercase());
    if !rest_is_lower || !first.is_alphabetic() {
        return None;
    }
    let bases: String = word
        .to_lowercase()
        .chars()
        .map(|c| split_tone(c).0)
        .collect();
    if bases
        .chars()
        .any(|c| "fjwz".contains(c) || !c.is_alphabetic())
    {
        return None;
    }
    INITIALS.iter().find_map(|initial| {
        let rest = bases.strip_prefix(initial)?;
        let vowels: String = rest.chars().take_while(|c| VOWELS.contains(*c)).collect();
        let last = &rest[vowels.len()..];
        (!vowels.is_empty() && FINALS.contains(&last)).then(|| rest.to_owned())
    })
}

/// The hunspell `vi` dictionary's words, or `None` (with a note) when the
/// package is not installed outside CI.
fn dictionary() -> Option<Vec<String>> {
    match std::fs::read_to_string(DICTIONARY) {
        Ok(text) => Some(
            text.lines()
                .skip(1)
                .map(|l| l.split('/').next().unwrap_or("").trim().to_owned())
                .filter(|w| !w.is_empty())
                .collect(),
        ),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("{DICTIONARY}: {e}; install hunspell-vi (.ci/run does)")
        }
        Err(e) => {
            eprintln!("skipped: {DICTIONARY}: {e} (apt install hunspell-vi)");
            None
        }
    }
}

/// A syllable's keys in the canonical order: each letter followed by its
/// shape key (Telex â `aa`, ê `ee`, ô `oo`, ă `aw`, ơ `ow`, ư `uw`, đ `dd`;
/// VNI `a6` `e6` `o6` `a8` `o7` `u7` `d9`), the tone key last (Telex `s f
/// r x j`, VNI `1`–`5`). A doubled plain vowel (the `oo` of "xoong") is
/// typed as Telex requires: three times, the third undoing the circumflex.
fn canonical_keys(syllable: &str, method: InputMethod) -> String {
    let telex = method == InputMethod::Telex;
    let mut keys = String::new();
    let mut tone = 0;
    let mut previous = None;
    for c in syllable.chars() {
        let (base, t) = split_tone(c);
        tone = tone.max(t);
        let lower = base.to_lowercase().next().unwrap_or(base);
        let case = |s: &str| {
            if base.is_uppercase() {
                s.to_uppercase()
            } else {
                s.to_owned()
            }
        };
        let typed = match (lower, telex) {
            ('â', true) => case("aa"),
            ('ê', true) => case("ee"),
            ('ô', true) => case("oo"),
            ('đ', true) => case("dd"),
            ('ă', true) => case("a") + "w",
            ('ơ', true) => case("o") + "w",
            ('ư', true) => case("u") + "w",
            ('â', false) => case("a") + "6",
            ('ê', false) => case("e") + "6",
            ('ô', false) => case("o") + "6",
            ('ă', false) => case("a") + "8",
            ('ơ', false) => case("o") + "7",
            ('ư', false) => case("u") + "7",
            ('đ', false) => case("d") + "9",
            ('a' | 'e' | 'o', true) if previous == Some(lower) => format!("{base}{base}"),
            _ => base.to_string(),
        };
        keys.push_str(&typed);
        previous = Some(lower);
    }
    if tone > 0 {
        let marks = if telex { "sfrxj" } else { "12345" };
        keys.push(marks.chars().nth(tone - 1).unwrap());
    }
    keys
}

/// The Telex keys with the tone typed right after the vowels, before the
/// final consonant ("toasn"), the other order people use.
fn tone_before_final(syllable: &str) -> String {
    let keys = canonical_keys(syllable, InputMethod::Telex);
    let toned = syllable.chars().any(|c| split_tone(c).1 > 0);
    let final_len = syllable
        .chars()
        .rev()
        .take_while(|&c| !VOWELS.contains(split_tone(c.to_lowercase().next().unwrap()).0))
        .count();
    if !toned || final_len == 0 {
        return keys;
    }
    let (body, tone) = keys.split_at(keys.len() - 1);
    let cut = body.len() - final_len;
    format!("{}{tone}{}", &body[..cut], &body[cut..])
}

/// A way of typing: its name, the keys of a syllable, the method, and
/// whether the syllable is typed in capitals.
type KeyOrder = (&'static str, fn(&str) -> String, InputMethod, bool);

#[test]
fn every_vietnamese_syllable_of_the_dictionary_types_in_canonical_order() {
    let Some(words) = dictionary() else { return };
    let (syllables, others): (Vec<&String>, Vec<&String>) =
        words.iter().partition(|w| rhyme(w).is_some());
    assert!(syllables.len() > 6000, "{} syllables", syllables.len());
    let orders: [KeyOrder; 4] = [
        (
            "Telex, canonical",
            |s| canonical_keys(s, InputMethod::Telex),
            InputMethod::Telex,
            false,
        ),
        (
            "VNI, canonical",
            |s| canonical_keys(s, InputMethod::Vni),
            InputMethod::Vni,
            false,
        ),
        (
            "Telex, tone before the final",
            tone_before_final,
            InputMethod::Telex,
            false,
        ),
        (
            "Telex, upper case",
            |s| canonical_keys(s, InputMethod::Telex),
            InputMethod::Telex,
            true,
        ),
    ];
    let mut failures = Vec::new();
    for (name, keys_of, method, upper) in orders {
        let mut passed = 0;
        for syllable in &syllables {
            let want = if upper {
                syllable.to_uppercase()
            } else {
                syllable.to_string()
            };
            let keys = keys_of(&want);
            let got = type_keys(&keys, method);
            if got == want {
                passed += 1;
            } else {
                failures.push(format!("{name}: {keys} → {got}, not {want}"));
            }
        }
        println!(
            "hunspell vi, {name}: {passed} of {} syllables ({:.1} %)",
            syllables.len(),
            100.0 * passed as f64 / syllables.len() as f64
        );
    }
    println!(
        "not Vietnamese syllables, not counted ({}): {others:?}",
        others.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn canonical_keys_are_what_the_issue_writes() {
    assert_eq!(canonical_keys("người", InputMethod::Telex), "nguwowif");
    assert_eq!(canonical_keys("Đắk", InputMethod::Telex), "DDawks");
    assert_eq!(canonical_keys("Đắk", InputMethod::Vni), "D9a8k1");
    assert_eq!(canonical_keys("thuở", InputMethod::Telex), "thuowr");
    assert_eq!(canonical_keys("xoong", InputMethod::Telex), "xooong");
    assert_eq!(tone_before_final("toán"), "toasn");
    assert_eq!(rhyme("giữa").as_deref(), Some("ưa"));
    assert_eq!(rhyme("gìn").as_deref(), Some("in"));
    assert_eq!(rhyme("HĐND"), None);
    assert_eq!(rhyme("Telex"), None);
}

// ---------------------------------------------------------------------
// Peer suites.

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/ime")
}

#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: Vec<String>,
    failed: Vec<String>,
}

impl Tally {
    fn report(&self, suite: &str) {
        println!(
            "{suite}: {} passed, {} failed, {} skipped",
            self.passed,
            self.failed.len(),
            self.skipped.len()
        );
        for s in self.skipped.iter().take(40) {
            println!("  skipped {s}");
        }
        if self.skipped.len() > 40 {
            println!("  … and {} more skipped", self.skipped.len() - 40);
        }
        assert!(self.passed > 0, "{suite}: nothing ran");
        assert!(
            self.failed.is_empty(),
            "{suite}:\n{}",
            self.failed.join("\n")
        );
    }
}

/// A vi-rs snapshot's text: what follows the `---` header.
fn snapshot_body(text: &str) -> Vec<&str> {
    let mut parts = text.splitn(3, "---\n");
    parts.next();
    parts.next();
    parts.next().unwrap_or("").lines().collect()
}

#[test]
fn vi_rs_testdata() {
    let Some(words) = dictionary() else { return };
    // A rhyme that no word of the dictionary has is no Vietnamese rhyme:
    // vi-rs's snapshots also record its output for generated key
    // sequences that make none ("bưạc", "boư"), which are not followed.
    let rhymes: BTreeSet<String> = words.iter().filter_map(|w| rhyme(w)).collect();
    let is_syllable = |w: &str| rhyme(w).is_some_and(|r| rhymes.contains(&r));
    let dir = vectors_dir().join("vi-rs/testdata");
    for (input, snapshot, method) in [
        ("simple_telex", "telex__simple_telex", InputMethod::Telex),
        (
            "non_vietnamese_telex",
            "telex__non_vietnamese_telex",
            InputMethod::Telex,
        ),
        (
            "all_telex",
            "telex__all_vietnamese_telex",
            InputMethod::Telex,
        ),
        ("simple_vni", "vni__simple_vni", InputMethod::Vni),
        (
            "non_vietnamese_vni",
            "vni__non_vietnamese_vni",
            InputMethod::Vni,
        ),
        ("all_vni", "vni__all_vietnamese_vni", InputMethod::Vni),
    ] {
        let keys = std::fs::read_to_string(dir.join(format!("input/{input}.txt"))).unwrap();
        let snap = std::fs::read_to_string(dir.join(format!("output/{snapshot}.snap"))).unwrap();
        let expected = snapshot_body(&snap);
        let keys: Vec<&str> = keys.lines().collect();
        assert!(expected.len() >= keys.len(), "{input}");
        assert!(expected[keys.len()..].iter().all(|l| l.trim().is_empty()));
        let mut tally = Tally::default();
        for (line, want) in keys.iter().zip(&expected) {
            // vi-rs types each word of a line on its own.
            let got: Vec<String> = line
                .split_whitespace()
                .map(|w| type_keys(w, method))
                .collect();
            let got = got.join(" ");
            if got == *want {
                tally.passed += 1;
            } else if let Some(word) = want.split_whitespace().find(|w| !is_syllable(w)) {
                tally.skipped.push(format!(
                    "{line:?}: vi-rs gives {want:?}, and {word:?} is no Vietnamese syllable (motcua: {got:?})"
                ));
            } else {
                tally
                    .failed
                    .push(format!("{line:?}: expected {want:?}, got {got:?}"));
            }
        }
        tally.report(&format!("vi-rs {input}"));
    }
}

#[test]
fn bamboo_core_tests() {
    let text = std::fs::read_to_string(vectors_dir().join("bamboo-core/vectors.tsv")).unwrap();
    let mut tally = Tally::default();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [method, keys, want, test, rest @ ..] = cols.as_slice() else {
            panic!("bad line {line:?}")
        };
        if let Some(reason) = rest.first().and_then(|r| r.strip_prefix("skip: ")) {
            tally.skipped.push(format!("{test} {keys:?}: {reason}"));
            continue;
        }
        let method = match *method {
            "telex" => InputMethod::Telex,
            "vni" => InputMethod::Vni,
            other => panic!("method {other:?}"),
        };
        // `<BS>` is backspace: the keyboard removes the last character.
        let mut text = String::new();
        for (i, part) in keys.split("<BS>").enumerate() {
            if i > 0 {
                text.pop();
            }
            text = part.chars().fold(text, |t, k| apply_key(&t, k, method));
        }
        // bamboo's engine returns the last word.
        let got = text.split_whitespace().last().unwrap_or("");
        if got == *want {
            tally.passed += 1;
        } else {
            tally
                .failed
                .push(format!("{test} {keys:?}: expected {want:?}, got {text:?}"));
        }
    }
    tally.report("bamboo-core");
}
