//! Unit tests of the input methods: the issue's vectors, the documented
//! choices and the simple mode. The peer suites (vi-rs, bamboo-core) and
//! the dictionary run from `tests/typing.rs` on the vendored copies.

use super::*;
use InputMethod::{Telex, Vni};

fn telex(keys: &str) -> String {
    type_keys(keys, Telex)
}

fn vni(keys: &str) -> String {
    type_keys(keys, Vni)
}

fn simple(sequence: &str) -> String {
    type_sequence(sequence, KeyboardMode::Simple).unwrap()
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
fn issue_14_item_24_telex() {
    for (keys, want) in [
        // `uo` + `w` anywhere, and `ưo` completed by the next key.
        ("nguwoif", "người"),
        ("truwowngf", "trường"),
        ("truwongf", "trường"),
        ("dduwowcj", "được"),
        ("dduwocj", "được"),
        ("Phuwowngf", "Phường"),
        ("Phuwongf", "Phường"),
        ("truowngf", "trường"),
        ("nguoiwf", "người"),
        // A tone after a final consonant lands on the vowel.
        ("DDawks Lawks", "Đắk Lắk"),
        ("Bawcs", "Bắc"),
        ("ddepj", "đẹp"),
        // `ee` is ê in every Telex: the issue's `ddeepj` types "đệp", which
        // the hunspell dictionary also lists (the syllable test needs it).
        ("ddeepj", "đệp"),
        ("giwax", "giữa"),
        ("huow", "huơ"),
        ("thuowr", "thuở"),
    ] {
        assert_eq!(telex(keys), want, "{keys}");
    }
}

#[test]
fn issue_14_item_24_vni() {
    for (keys, want) in [
        ("D9a8k1 La8k1", "Đắk Lắk"),
        ("ngu7o7i2", "người"),
        ("ngu7oi2", "người"),
        ("tru7o7ng2", "trường"),
        ("d9u7o7c5", "được"),
        ("d9u7oc5", "được"),
        ("Bac81", "Bắc"),
        ("d9ep5", "đẹp"),
        ("giu7a4", "giữa"),
        ("huo7", "huơ"),
        ("thuo73", "thuở"),
    ] {
        assert_eq!(vni(keys), want, "{keys}");
    }
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
        ("ddieeuf", "điều"),
        ("ngoaif", "ngoài"),
        ("khuyeen", "khuyên"),
        ("quyeenf", "quyền"),
        ("quys", "quý"),
        ("giaf", "già"),
        ("gif", "gì"),
        ("ginf", "gìn"),
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
        ("xooong", "xoong"),
        ("sooocs", "soóc"),
        ("HDDND", "HĐND"),
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
    assert_eq!(telex("gisa"), "giá");
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
    assert_eq!(telex("dddd"), "ddd");
    assert_eq!(telex("ww"), "w");
    assert_eq!(telex("aw"), "ă");
    assert_eq!(telex("aww"), "aw");
    assert_eq!(telex("uow"), "uơ");
    assert_eq!(telex("uwow"), "ươ");
    assert_eq!(telex("uwoww"), "uow");
    assert_eq!(telex("huoww"), "huow");
    assert_eq!(vni("a66"), "a6");
    assert_eq!(vni("a11"), "a1");
    assert_eq!(vni("d99"), "d9");
    // Another shape key changes the shape.
    assert_eq!(telex("aaw"), "ă");
    assert_eq!(telex("toowi"), "tơi");
    assert_eq!(vni("a68"), "ă");
    assert_eq!(telex("buwoo"), "buô");
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
    // No "âch" in Vietnamese; no hỏi after a stop final.
    assert_eq!(telex("acha"), "acha");
    assert_eq!(telex("catr"), "catr");
    assert_eq!(telex("bueof"), "bueof");
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
    assert_eq!(
        apply_action("Số 1, tra", Action::Tone(Tone::Grave)),
        "Số 1, trà"
    );
}

#[test]
fn output_is_precomposed() {
    use unicode_normalization::UnicodeNormalization;
    let s = telex("Nguyeenx Vawn Anh phuwowngf");
    assert_eq!(s, s.nfc().collect::<String>());
    let s = simple("Nguy[e^]n[nga] tru[u+]o[huyen]ng");
    assert_eq!(s, "Nguyễn trường");
    assert_eq!(s, s.nfc().collect::<String>());
}

#[test]
fn simple_mode_is_the_default() {
    assert_eq!(KeyboardMode::default(), KeyboardMode::Simple);
    assert_eq!(KeyboardMode::Simple.method(), None);
    assert_eq!("VNI".parse::<KeyboardMode>(), Ok(KeyboardMode::Vni));
    assert!("unikey".parse::<KeyboardMode>().is_err());
    // In simple mode Telex keys are plain letters.
    let typed = "tieengs"
        .chars()
        .fold(String::new(), |t, k| KeyboardMode::Simple.apply_key(&t, k));
    assert_eq!(typed, "tieengs");
}

#[test]
fn simple_mode_letter_keys_shape_the_last_matching_letter() {
    for (sequence, want) in [
        ("tr[a^]n", "trân"),
        ("tran[a^]", "trân"),
        ("ta[a(]", "tă"),
        ("t[a(]", "tă"),
        ("Nguyen[e^]", "Nguyên"),
        ("[dd]i", "đi"),
        ("di[dd]", "đi"),
        ("[DD]a[a(]k[sac] L[a(]k[sac]", "Đắk Lắk"),
        ("Vi[e^]t[nang] Nam", "Việt Nam"),
        ("cuu[u+][huyen]", "cừu"),
        ("tho[o+]", "thơ"),
        ("tho[o^]", "thô"),
        ("ngu[u+]oi[huyen]", "người"),
        ("nguo[o+]i[huyen]", "người"),
        ("ng[u+]oi[huyen]", "người"),
        ("tru[u+]ong[huyen]", "trường"),
        ("truong[o+][huyen]", "trường"),
        ("hu[o+]", "huơ"),
        ("thu[o+][hoi]", "thuở"),
        ("gi[u+][nga]a", "giữa"),
        ("[A^]u C[o+]", "Âu Cơ"),
        // A letter key with nothing to shape types its letter.
        ("[a(]n", "ăn"),
        ("[u+]", "ư"),
        ("[U+]", "Ư"),
        ("t[o+]i", "tơi"),
        // Pressed again it takes its mark off.
        ("ta[a^][a^]", "ta"),
        ("[dd]i[dd]", "di"),
        // A different shape replaces it.
        ("ta[a^][a(]", "tă"),
        ("tho[o^][o+]", "thơ"),
        // An explicit key applies even where Telex would not.
        ("anh[a^]", "ânh"),
    ] {
        assert_eq!(simple(sequence), want, "{sequence}");
    }
}

#[test]
fn simple_mode_tone_keys_follow_the_placement_rules() {
    for (sequence, want) in [
        ("hoa[huyen]", "hoà"),
        ("hoa[huyen]n", "hoàn"),
        ("toan[sac]", "toán"),
        ("qu[sac]y", "quý"),
        ("quy[sac]", "quý"),
        ("gia[huyen]", "già"),
        ("mua[huyen]", "mùa"),
        ("ngoai[huyen]", "ngoài"),
        ("khoe[hoi]", "khoẻ"),
        ("b[sac]", "b"),
        ("a[sac][huyen]", "à"),
        ("a[sac][sac]", "a"),
        ("a[nga][ngang]", "a"),
        ("Chris[sac]", "Chrís"),
    ] {
        assert_eq!(simple(sequence), want, "{sequence}");
    }
}

#[test]
fn simple_key_sequences_name_their_keys() {
    assert_eq!(
        parse_simple_keys("a[sac]").unwrap(),
        [
            SimpleKey::Char('a'),
            SimpleKey::Action(Action::Tone(Tone::Acute))
        ]
    );
    assert_eq!(
        "A(".parse::<Action>(),
        Ok(Action::Letter {
            key: LetterKey::ABreve,
            upper: true
        })
    );
    for (name, action) in Action::TOKENS {
        assert_eq!(name.parse::<Action>(), Ok(action), "{name}");
    }
    // Every tone and letter key has a name.
    for key in LetterKey::ALL {
        assert!(
            Action::TOKENS
                .iter()
                .any(|(_, a)| *a == Action::letter(key)),
            "{key:?}"
        );
    }
    let err = parse_simple_keys("a[acute]").unwrap_err();
    assert_eq!(err, KeySequenceError::UnknownKey("acute".into()));
    assert_eq!(err.to_string(), "unknown key [acute]");
    assert_eq!(err.message_vi(), "không có phím [acute]");
    assert!(matches!(
        parse_simple_keys("a[sac"),
        Err(KeySequenceError::Unclosed(_))
    ));
    // Telex and VNI sequences are keys as they are.
    assert_eq!(
        type_sequence("[sac]", KeyboardMode::Telex).unwrap(),
        "[sac]"
    );
}
