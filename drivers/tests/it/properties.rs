//! Property: any Vietnamese text survives encode → emulate → decode in
//! every text mode that keeps text as text.

use motcua_drivers::emulator::{CodePageMap, Output, PrinterMachine};
use motcua_drivers::printer::encoding::VIETNAMESE_LETTERS;
use motcua_drivers::printer::render::render;
use motcua_drivers::{Line, Paper, PrinterProfile, Receipt, TextMode};
use proptest::prelude::*;

fn vietnamese_text() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = VIETNAMESE_LETTERS
        .chars()
        .chain(" 0123456789,.:;-/()!?'\"".chars())
        .collect();
    prop::collection::vec(prop::sample::select(alphabet), 1..120)
        .prop_map(|chars| chars.into_iter().collect())
}

fn transcript(text: &str, mode: TextMode, paper: Paper) -> (String, String) {
    let profile = PrinterProfile::new(mode, paper);
    let line = Line::new(text);
    let receipt = Receipt::new().line(line.clone());
    let mut machine = PrinterMachine::new(paper, CodePageMap::default());
    let got = machine
        .push(&render(&receipt, &profile).unwrap())
        .into_iter()
        .find_map(|o| match o {
            Output::Page(p) => Some(p.transcript),
            _ => None,
        })
        .unwrap();
    let expected = line
        .wrapped(paper.columns())
        .iter()
        .map(|l| l.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    (got, expected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tcvn3_keeps_any_vietnamese_text(text in vietnamese_text()) {
        let (got, expected) = transcript(&text, TextMode::Tcvn3, Paper::Mm80);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn cp1258_keeps_any_vietnamese_text(text in vietnamese_text()) {
        let (got, expected) = transcript(&text, TextMode::Cp1258, Paper::Mm58);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn glyphs_keep_any_vietnamese_text(text in vietnamese_text()) {
        let (got, expected) = transcript(&text, TextMode::Glyphs, Paper::Mm80);
        prop_assert_eq!(got, expected);
    }
}
