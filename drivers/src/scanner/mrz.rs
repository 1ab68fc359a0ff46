//! The machine-readable zone on the back of the card (ICAO 9303 TD1, 3 × 30).
//!
//! Line 1: document code, issuing state, document number + check digit,
//! optional data (on a CCCD: the 12-digit number, `<<`, its own check
//! digit). Line 2: birth date + cd, sex, expiry + cd, nationality,
//! optional data, composite cd. Line 3: `SURNAME<<GIVEN<NAMES`. Every
//! wrong check digit is reported, by field, in one error.
//!
//! Two-digit years are placed in a century by window: a birth date in the
//! latest century that does not put it in the future (or the century digit
//! of a Vietnamese 12-digit number), an expiry date within 50 years after
//! or before today — a card read today may have expired long ago (the
//! ICAO specimen `…9507122…` expired on 12 July 1995). `991231` is the
//! expiry of a card that does not expire (Vietnamese cards for people
//! over 60), as is `<<<<<<`.

use chrono::{Datelike, NaiveDate};

use super::identity::{
    cross_check, CheckDigitFailure, DocumentKind, IdError, IdWarning, IdentityDocument, MrzField,
    Sex,
};

/// ICAO 9303 check digit: weights 7, 3, 1; `0-9` → 0–9, `A-Z` → 10–35, `<` → 0.
pub fn check_digit(data: &str) -> char {
    let sum: u32 = data
        .bytes()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(b, w)| {
            let v = match b {
                b'0'..=b'9' => (b - b'0') as u32,
                b'A'..=b'Z' => (b - b'A') as u32 + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    char::from_digit(sum % 10, 10).expect("digit")
}

fn is_mrz_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<'
}

/// Whether `line` is 30 MRZ characters.
pub fn looks_like_mrz_line(line: &str) -> bool {
    line.len() == 30 && line.bytes().all(is_mrz_char)
}

/// Whether `line` can start a TD1 MRZ (an ID-card document code).
pub fn looks_like_first_line(line: &str) -> bool {
    looks_like_mrz_line(line) && starts_like_first_line(line)
}

/// Whether `line`, whatever its length, begins as a TD1 first line does:
/// an ID-card document code, and `<` fillers somewhere.
pub fn starts_like_first_line(line: &str) -> bool {
    matches!(line.as_bytes().first(), Some(b'I' | b'A' | b'C')) && line.contains('<')
}

/// How far ahead an expiry date may lie: more than this and it is read in
/// the century before.
const EXPIRY_YEARS_AHEAD: i32 = 50;

/// The expiry of a card that never expires.
const NO_EXPIRY: &str = "991231";

fn parse_yymmdd(field: MrzField, value: &str, century: i32) -> Result<NaiveDate, IdError> {
    let bad = || IdError::MrzDate {
        field,
        value: value.to_owned(),
    };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| value[r].parse::<u32>().map_err(|_| bad());
    NaiveDate::from_ymd_opt(century + n(0..2)? as i32, n(2..4)?, n(4..6)?).ok_or_else(bad)
}

/// The latest century (1900 or 2000) in which the year `YY` at the start
/// of `yymmdd` is at most `ahead` years after `this_year`.
fn century_before(yymmdd: &str, this_year: i32, ahead: i32) -> i32 {
    let yy: i32 = yymmdd.get(0..2).and_then(|s| s.parse().ok()).unwrap_or(0);
    if 2000 + yy > this_year + ahead {
        1900
    } else {
        2000
    }
}

/// Parses the three lines of a TD1 MRZ, placing two-digit years around
/// today's date.
pub fn parse(lines: [&str; 3]) -> Result<IdentityDocument, IdError> {
    parse_on(lines, chrono::Local::now().date_naive())
}

/// [`parse`] as it would be on `today` (the century windows depend on it).
pub fn parse_on(lines: [&str; 3], today: NaiveDate) -> Result<IdentityDocument, IdError> {
    let mut l = [""; 3];
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_end_matches(['\r', '\n', ' ']);
        if t.len() != 30 {
            return Err(IdError::MrzLength {
                line: i + 1,
                len: t.chars().count(),
            });
        }
        if !t.bytes().all(is_mrz_char) {
            return Err(IdError::MrzCharacters { line: i + 1 });
        }
        l[i] = t;
    }
    let [l1, l2, l3] = l;
    let code = &l1[0..2];
    if !matches!(code.as_bytes()[0], b'I' | b'A' | b'C') {
        return Err(IdError::MrzDocumentCode {
            code: code.to_owned(),
        });
    }
    let issuing_state = &l1[2..5];
    let optional1 = &l1[15..30];
    let mut failures = Vec::new();
    let mut check = |field, data: &str, found: char| {
        let expected = check_digit(data);
        if expected != found {
            failures.push(CheckDigitFailure {
                field,
                expected,
                found,
            });
        }
    };

    // Document number; when longer than 9 characters it continues in the
    // optional data, ended by its check digit (`<` in position 15). ICAO
    // computes that digit on the number alone; some states (Belgium) on
    // the number with the `<` of position 15: either is accepted.
    let (document_number, rest_optional) =
        if &l1[14..15] == "<" && optional1.starts_with(|c: char| c != '<') {
            let end = optional1.find('<').unwrap_or(optional1.len());
            let ext = &optional1[..end];
            let (digits, cd) = ext.split_at(ext.len().saturating_sub(1));
            let number = format!("{}{}", &l1[5..14], digits);
            let found = cd.chars().next().unwrap_or('<');
            let with_filler = format!("{}{}", &l1[5..15], digits);
            if check_digit(&with_filler) != found {
                check(MrzField::DocumentNumber, &number, found);
            }
            (number, &optional1[end..])
        } else {
            check(
                MrzField::DocumentNumber,
                &l1[5..14],
                l1.as_bytes()[14] as char,
            );
            (l1[5..14].trim_end_matches('<').to_owned(), optional1)
        };

    // Vietnam: the 12-digit number in the optional data, check digit in position 30.
    let personal_number = if issuing_state == "VNM"
        && rest_optional.len() == 15
        && rest_optional[..12].bytes().all(|b| b.is_ascii_digit())
    {
        check(
            MrzField::PersonalNumber,
            &rest_optional[..12],
            l1.as_bytes()[29] as char,
        );
        Some(rest_optional[..12].to_owned())
    } else {
        None
    };

    let dob_raw = &l2[0..6];
    check(MrzField::DateOfBirth, dob_raw, l2.as_bytes()[6] as char);
    let expiry_raw = &l2[8..14];
    let expiry_cd = l2.as_bytes()[14] as char;
    let unknown_expiry = expiry_raw == "<<<<<<";
    if !unknown_expiry {
        check(MrzField::DateOfExpiry, expiry_raw, expiry_cd);
    }
    let composite = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    check(MrzField::Composite, &composite, l2.as_bytes()[29] as char);
    if !failures.is_empty() {
        return Err(IdError::CheckDigits(failures));
    }

    let sex = match l2.as_bytes()[7] {
        b'M' => Sex::Male,
        b'F' => Sex::Female,
        b'<' => Sex::Unspecified,
        other => {
            return Err(IdError::MrzSex {
                value: other as char,
            })
        }
    };
    // Century of birth: from the 12-digit number when there is one,
    // otherwise the latest century that does not put the birth in the future.
    let century = match &personal_number {
        Some(p) => 1900 + (p.as_bytes()[3] - b'0') as i32 / 2 * 100,
        None => century_before(dob_raw, today.year(), 0),
    };
    let date_of_birth = parse_yymmdd(MrzField::DateOfBirth, dob_raw, century)?;
    let mut warnings = Vec::new();
    let expires_on = if unknown_expiry || expiry_raw == NO_EXPIRY {
        warnings.push(IdWarning::ExpiryUnknown);
        None
    } else {
        let century = century_before(expiry_raw, today.year(), EXPIRY_YEARS_AHEAD);
        Some(parse_yymmdd(MrzField::DateOfExpiry, expiry_raw, century)?)
    };

    let name = l3.trim_end_matches('<');
    let (surname, given) = name.split_once("<<").unwrap_or((name, ""));
    let full_name = [surname, given]
        .iter()
        .map(|p| {
            p.split('<')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");

    let id_number = match &personal_number {
        Some(p) => {
            warnings.extend(cross_check(p, date_of_birth, sex));
            if !p.ends_with(&document_number) {
                warnings.push(IdWarning::DocumentNumberMismatch);
            }
            p.clone()
        }
        None => document_number.clone(),
    };

    Ok(IdentityDocument {
        kind: DocumentKind::MrzTd1,
        id_number,
        old_id_number: None,
        full_name,
        date_of_birth,
        sex,
        address: None,
        issued_on: None,
        expires_on,
        document_number: Some(document_number),
        nationality: Some(l2[15..18].trim_end_matches('<').to_owned()),
        extra_fields: Vec::new(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECIMEN: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    const VN: [&str; 3] = [
        "IDVNM0900123450001090012345<<1",
        "9003152M3003150VNM<<<<<<<<<<<2",
        "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
    ];

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn check_digits_of_the_icao_specimen() {
        assert_eq!(check_digit("D23145890"), '7');
        assert_eq!(check_digit("740812"), '2');
        assert_eq!(check_digit("120415"), '9');
    }

    #[test]
    fn icao_specimen() {
        let doc = parse(SPECIMEN).unwrap();
        assert_eq!(doc.kind, DocumentKind::MrzTd1);
        assert_eq!(doc.document_number.as_deref(), Some("D23145890"));
        assert_eq!(doc.id_number, "D23145890");
        assert_eq!(doc.full_name, "ERIKSSON ANNA MARIA");
        assert_eq!(doc.date_of_birth, date(1974, 8, 12));
        assert_eq!(doc.expires_on, Some(date(2012, 4, 15)));
        assert_eq!(doc.sex, Sex::Female);
        assert_eq!(doc.nationality.as_deref(), Some("UTO"));
        assert!(doc.warnings.is_empty());
    }

    #[test]
    fn vietnamese_card() {
        let doc = parse(VN).unwrap();
        assert_eq!(doc.id_number, "001090012345");
        assert_eq!(doc.document_number.as_deref(), Some("090012345"));
        assert_eq!(doc.full_name, "NGUYEN VAN AN");
        assert_eq!(doc.date_of_birth, date(1990, 3, 15));
        assert_eq!(doc.expires_on, Some(date(2030, 3, 15)));
        assert_eq!(doc.sex, Sex::Male);
        assert_eq!(doc.nationality.as_deref(), Some("VNM"));
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn each_wrong_check_digit_is_reported_by_field() {
        let l1 = VN[0].replacen("0900123450", "0900123451", 1); // document number cd
        let l2 = VN[1].replacen("9003152M", "9003153M", 1); // birth date cd
        let err = parse([&l1, &l2, VN[2]]).unwrap_err();
        let IdError::CheckDigits(failures) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<MrzField> = failures.iter().map(|f| f.field).collect();
        // Both digits also enter the composite; here their changes cancel out.
        assert_eq!(fields, [MrzField::DocumentNumber, MrzField::DateOfBirth]);
        assert_eq!((failures[0].expected, failures[0].found), ('0', '1'));
        assert_eq!((failures[1].expected, failures[1].found), ('2', '3'));
    }

    #[test]
    fn wrong_composite_alone() {
        let l2 = VN[1].replacen("<<2", "<<5", 1);
        let err = parse([VN[0], &l2, VN[2]]).unwrap_err();
        assert_eq!(
            err,
            IdError::CheckDigits(vec![CheckDigitFailure {
                field: MrzField::Composite,
                expected: '2',
                found: '5'
            }])
        );
        assert!(
            err.to_string().contains("composite (expected 2, found 5)"),
            "{err}"
        );
    }

    #[test]
    fn wrong_personal_number_check_digit() {
        let l1 = VN[0].replacen("<<1", "<<7", 1);
        let err = parse([&l1, VN[1], VN[2]]).unwrap_err();
        let IdError::CheckDigits(failures) = err else {
            panic!("{err:?}")
        };
        assert_eq!(failures[0].field, MrzField::PersonalNumber);
        assert_eq!(failures[0].expected, '1');
    }

    #[test]
    fn regression_an_old_specimen_expired_in_1995_not_2095() {
        // ICAO 9303 part 11, appendix D: born 1934, expired 1995.
        let old = [
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
        ];
        let doc = parse_on(old, date(2026, 5, 1)).unwrap();
        assert_eq!(doc.expires_on, Some(date(1995, 7, 12)));
        assert_eq!(doc.date_of_birth, date(1934, 7, 12));
        // Fifty years ahead is the limit of the window.
        assert_eq!(century_before("760101", 2026, 50), 2000);
        assert_eq!(century_before("770101", 2026, 50), 1900);
        let later = parse_on(old, date(2044, 1, 1)).unwrap();
        assert_eq!(later.expires_on, Some(date(1995, 7, 12)));
    }

    #[test]
    fn expiry_991231_is_no_expiry_with_a_warning() {
        let l2 = with_composite("9003152M9912315VNM<<<<<<<<<<<");
        let doc = parse_on([VN[0], &l2, VN[2]], date(2026, 5, 1)).unwrap();
        assert_eq!(doc.expires_on, None);
        assert_eq!(doc.warnings, vec![IdWarning::ExpiryUnknown]);
        // Its check digit is still checked.
        let l2 = with_composite("9003152M9912314VNM<<<<<<<<<<<");
        let err = parse([VN[0], &l2, VN[2]]).unwrap_err();
        assert!(
            matches!(err, IdError::CheckDigits(ref f) if f[0].field == MrzField::DateOfExpiry),
            "{err:?}"
        );
    }

    /// Line 2 of the Vietnamese vector with `body` (29 characters) and the
    /// composite check digit that goes with it.
    fn with_composite(body: &str) -> String {
        let composite = check_digit(&format!(
            "{}{}{}{}",
            &VN[0][5..30],
            &body[0..7],
            &body[8..15],
            &body[18..29]
        ));
        format!("{body}{composite}")
    }

    #[test]
    fn a_long_document_number_may_count_its_filler_in_the_check_digit() {
        // PRADO BEL-BO-03003: the digit 3 is that of "000590240<601".
        let doc = parse([
            "IDBEL000590240<6013<<<<<<<<<<<",
            "8512017F1311048BEL851201002007",
            "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
        ])
        .unwrap();
        assert_eq!(doc.document_number.as_deref(), Some("000590240601"));
        // ICAO's own example counts the number alone.
        let doc = parse([
            "I<UTOD23145890<7349<<<<<<<<<<<",
            "3407127M9507122UTO<<<<<<<<<<<2",
            "STEVENSON<<PETER<JOHN<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(doc.document_number.as_deref(), Some("D23145890734"));
        // A digit that fits neither is wrong.
        let err = parse([
            "IDBEL000590240<6016<<<<<<<<<<<",
            "8512017F1311048BEL851201002007",
            "REINARTZ<<ULRIKE<KATIA<E<<<<<<",
        ])
        .unwrap_err();
        assert!(
            matches!(err, IdError::CheckDigits(ref f) if f[0].field == MrzField::DocumentNumber),
            "{err:?}"
        );
    }

    #[test]
    fn no_expiry_is_accepted_as_unknown() {
        let l2 = with_composite("9003152M<<<<<<<VNM<<<<<<<<<<<");
        let doc = parse([VN[0], &l2, VN[2]]).unwrap();
        assert_eq!(doc.expires_on, None);
        assert_eq!(doc.warnings, vec![IdWarning::ExpiryUnknown]);
    }

    #[test]
    fn truncated_and_bad_lines() {
        assert_eq!(
            parse([&VN[0][..29], VN[1], VN[2]]),
            Err(IdError::MrzLength { line: 1, len: 29 })
        );
        assert_eq!(
            parse([VN[0], &VN[1].replace('M', "m"), VN[2]]),
            Err(IdError::MrzCharacters { line: 2 })
        );
    }
}
