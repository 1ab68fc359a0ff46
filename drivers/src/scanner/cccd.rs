//! The QR code on the chip ID card: seven `|`-separated fields by position.
//!
//! `số CCCD | CMND cũ (or empty) | họ tên | ngày sinh ddmmyyyy | Nam/Nữ |
//! nơi thường trú | ngày cấp ddmmyyyy`, and on 2024 cards possibly more
//! fields after those, which are kept but never required.
//!
//! Sex written without diacritics (`Nu`) is read with a warning; text with
//! U+FFFD (letters lost in a scanner's wrong code page) is refused.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::identity::{cross_check, DocumentKind, IdError, IdWarning, IdentityDocument, Sex};

/// Parses a `ddmmyyyy` date.
pub(crate) fn parse_ddmmyyyy(field: &'static str, value: &str) -> Result<NaiveDate, IdError> {
    let bad = || IdError::BadDate {
        field,
        value: value.chars().take(16).collect(),
    };
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |r: std::ops::Range<usize>| value[r].parse::<u32>().map_err(|_| bad());
    let (d, m, y) = (n(0..2)?, n(2..4)?, n(4..8)?);
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad)
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses one CCCD QR line (terminator already removed).
pub fn parse(line: &str) -> Result<IdentityDocument, IdError> {
    let line: String = line.trim_end_matches(['\r', '\n']).nfc().collect();
    // A wrong code page turns every Vietnamese letter into U+FFFD: the
    // fields would still split, and a name like "Nguy�n" be accepted.
    if line.contains('\u{FFFD}') {
        return Err(IdError::WrongEncoding);
    }
    let fields: Vec<&str> = line.split('|').collect();
    if fields.len() < 7 {
        return Err(IdError::TooFewFields {
            found: fields.len(),
        });
    }
    let id = fields[0].trim();
    if !all_digits(id, 12) {
        return Err(IdError::BadIdNumber {
            len: id.chars().count(),
        });
    }
    let old = fields[1].trim();
    let old_id_number = match old {
        "" => None,
        o if all_digits(o, 9) => Some(o.to_owned()),
        o => {
            return Err(IdError::BadOldIdNumber {
                len: o.chars().count(),
            })
        }
    };
    let full_name = fields[2].trim();
    if full_name.is_empty() {
        return Err(IdError::EmptyName);
    }
    let date_of_birth = parse_ddmmyyyy("date_of_birth", fields[3].trim())?;
    let mut warnings = Vec::new();
    let sex = match fields[4].trim().to_lowercase().as_str() {
        "nam" => Sex::Male,
        "nữ" => Sex::Female,
        "nu" => {
            warnings.push(IdWarning::SexWithoutDiacritics);
            Sex::Female
        }
        other => {
            return Err(IdError::BadSex {
                value: other.chars().take(16).collect(),
            })
        }
    };
    let address = Some(fields[5].trim())
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let issued_on = Some(parse_ddmmyyyy("issued_on", fields[6].trim())?);
    warnings.extend(cross_check(id, date_of_birth, sex));
    Ok(IdentityDocument {
        kind: DocumentKind::CccdQr,
        id_number: id.to_owned(),
        old_id_number,
        full_name: full_name.to_owned(),
        date_of_birth,
        sex,
        address,
        issued_on,
        expires_on: None,
        document_number: None,
        nationality: None,
        extra_fields: fields[7..].iter().map(|s| (*s).to_owned()).collect(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scanner::identity::IdWarning;

    const QR_1: &str = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";
    const QR_2: &str = "079195001234||Trần Thị Bình|01021995|Nữ|Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh|10072022";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn domain_vector_1() {
        let doc = parse(QR_1).unwrap();
        assert_eq!(doc.kind, DocumentKind::CccdQr);
        assert_eq!(doc.id_number, "001090012345");
        assert_eq!(doc.old_id_number.as_deref(), Some("012345678"));
        assert_eq!(doc.full_name, "Nguyễn Văn An");
        assert_eq!(doc.date_of_birth, date(1990, 3, 15));
        assert_eq!(doc.sex, Sex::Male);
        assert_eq!(
            doc.address.as_deref(),
            Some("Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội")
        );
        assert_eq!(doc.issued_on, Some(date(2021, 4, 20)));
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn domain_vector_2_with_empty_old_number() {
        let doc = parse(QR_2).unwrap();
        assert_eq!(doc.id_number, "079195001234");
        assert_eq!(doc.old_id_number, None);
        assert_eq!(doc.full_name, "Trần Thị Bình");
        assert_eq!(doc.sex, Sex::Female);
        assert_eq!(doc.date_of_birth, date(1995, 2, 1));
        assert_eq!(doc.issued_on, Some(date(2022, 7, 10)));
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn crlf_and_nfd_input() {
        let nfd: String = QR_1.nfd().collect();
        let doc = parse(&format!("{nfd}\r\n")).unwrap();
        assert_eq!(doc.full_name, "Nguyễn Văn An");
        assert_eq!(doc, parse(QR_1).unwrap());
    }

    #[test]
    fn extra_fields_are_kept() {
        let doc = parse(&format!("{QR_2}|01022030|x")).unwrap();
        assert_eq!(doc.extra_fields, vec!["01022030", "x"]);
    }

    #[test]
    fn rejects() {
        assert_eq!(
            parse("001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội"),
            Err(IdError::TooFewFields { found: 6 })
        );
        assert_eq!(
            parse(&QR_1.replacen("001090012345", "00109001234", 1)),
            Err(IdError::BadIdNumber { len: 11 })
        );
        assert!(matches!(
            parse(&QR_1.replacen("15031990", "31022000", 1)),
            Err(IdError::BadDate {
                field: "date_of_birth",
                ..
            })
        ));
        assert!(matches!(
            parse(&QR_1.replacen("|Nam|", "|X|", 1)),
            Err(IdError::BadSex { .. })
        ));
        assert_eq!(
            parse(&QR_1.replacen("012345678", "0123", 1)),
            Err(IdError::BadOldIdNumber { len: 4 })
        );
        assert_eq!(
            parse(&QR_1.replacen("Nguyễn Văn An", " ", 1)),
            Err(IdError::EmptyName)
        );
    }

    #[test]
    fn sex_without_diacritics_is_female_with_a_warning() {
        for nu in ["Nu", "NU", "nu"] {
            let doc = parse(&QR_2.replacen("|Nữ|", &format!("|{nu}|"), 1)).unwrap();
            assert_eq!(doc.sex, Sex::Female, "{nu}");
            assert_eq!(doc.warnings, vec![IdWarning::SexWithoutDiacritics]);
        }
        // The digit check still runs: 079 1 95 says female.
        let doc = parse(&QR_1.replacen("|Nam|", "|Nu|", 1)).unwrap();
        assert_eq!(
            doc.warnings,
            vec![IdWarning::SexWithoutDiacritics, IdWarning::SexDigitMismatch]
        );
    }

    #[test]
    fn replacement_characters_are_refused_naming_the_encoding() {
        let err = parse(&QR_2.replace("Trần Thị Bình", "Tr\u{FFFD}n Th\u{FFFD} B\u{FFFD}nh"))
            .unwrap_err();
        assert_eq!(err, IdError::WrongEncoding);
        assert!(
            err.to_string().contains("scanner's character encoding"),
            "{err}"
        );
    }

    #[test]
    fn century_and_sex_digit_disagreement_is_a_warning() {
        // Digit 3 = 1 says "born in the 1900s, female", but the card says Nam.
        let doc = parse(&QR_1.replacen("001090012345", "001190012345", 1)).unwrap();
        assert_eq!(doc.warnings, vec![IdWarning::SexDigitMismatch]);
        // Digit 3 = 2 says 2000s.
        let doc = parse(&QR_1.replacen("001090012345", "001290012345", 1)).unwrap();
        assert_eq!(doc.warnings, vec![IdWarning::CenturyDigitMismatch]);
        // Birth year digits 91 ≠ 90.
        let doc = parse(&QR_1.replacen("001090012345", "001091012345", 1)).unwrap();
        assert_eq!(doc.warnings, vec![IdWarning::BirthYearMismatch]);
    }
}
