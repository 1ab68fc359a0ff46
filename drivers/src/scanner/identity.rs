//! One type for every identity document a scanner reads, and the errors
//! and warnings of parsing one.
//!
//! For parser authors: this file is the only one the parsers ([`super::cccd`],
//! [`super::mrz`]) import; which parser a line goes to is decided in
//! [`super::dispatch`].

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use crate::error::DeviceErrorKind;

/// Where the data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The QR code on the front of the chip ID card (CCCD / thẻ căn cước).
    CccdQr,
    /// The machine-readable zone on the back (ICAO 9303 TD1).
    MrzTd1,
}

/// Sex as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    /// MRZ `<`.
    Unspecified,
}

/// Something odd about a document that parsed: shown to staff, never silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdWarning {
    /// The century digit of the 12-digit number disagrees with the year of birth.
    CenturyDigitMismatch,
    /// The sex digit of the 12-digit number disagrees with the stated sex.
    SexDigitMismatch,
    /// Digits 5–6 of the 12-digit number are not the last two of the birth year.
    BirthYearMismatch,
    /// The MRZ document number is not the last 9 digits of the 12-digit number.
    DocumentNumberMismatch,
    /// The card has no expiry date (cards for people over 60): an MRZ
    /// expiry of `<<<<<<` or `991231`.
    ExpiryUnknown,
    /// Sex written without diacritics (`Nu` for `Nữ`): read as female, but
    /// the QR text did not come through as printed.
    SexWithoutDiacritics,
}

impl IdWarning {
    pub fn code(&self) -> &'static str {
        match self {
            IdWarning::CenturyDigitMismatch => "century_digit_mismatch",
            IdWarning::SexDigitMismatch => "sex_digit_mismatch",
            IdWarning::BirthYearMismatch => "birth_year_mismatch",
            IdWarning::DocumentNumberMismatch => "document_number_mismatch",
            IdWarning::ExpiryUnknown => "expiry_unknown",
            IdWarning::SexWithoutDiacritics => "sex_without_diacritics",
        }
    }
}

impl Serialize for IdWarning {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl fmt::Display for IdWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A citizen's identity document, from the QR code or the MRZ.
///
/// `Debug` masks the ID numbers, so a document logged by mistake does not
/// leak them; `Serialize` (the technician's `diag parse-id`) does not.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct IdentityDocument {
    pub kind: DocumentKind,
    /// The 12-digit personal identification number (số định danh cá
    /// nhân); for a foreign MRZ, the document number.
    pub id_number: String,
    /// The old 9-digit CMND number, when the card carries it.
    pub old_id_number: Option<String>,
    /// As printed (QR) or in MRZ capitals without diacritics.
    pub full_name: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    /// Place of residence (QR only).
    pub address: Option<String>,
    /// Date of issue (QR only).
    pub issued_on: Option<NaiveDate>,
    /// Date of expiry (MRZ only; `None` when the card has none).
    pub expires_on: Option<NaiveDate>,
    /// MRZ document number (the last 9 digits of the ID number on a CCCD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    /// MRZ nationality, e.g. `VNM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// QR fields after the seventh (2024 cards), kept as they came.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_fields: Vec<String>,
    pub warnings: Vec<IdWarning>,
}

impl fmt::Debug for IdentityDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityDocument")
            .field("kind", &self.kind)
            .field("id_number", &mask_id_number(&self.id_number))
            .field(
                "old_id_number",
                &self.old_id_number.as_deref().map(mask_id_number),
            )
            .field("date_of_birth", &self.date_of_birth)
            .field("sex", &self.sex)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl IdentityDocument {
    /// The ID number masked for display and logs: `001******345`.
    pub fn masked_id(&self) -> String {
        mask_id_number(&self.id_number)
    }
}

/// Masks an ID number for display and logs, keeping the first and last
/// three characters: `001090012345` → `001******345`. Short values are
/// masked entirely.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..3]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 6))
        .chain(chars[n - 3..].iter())
        .collect()
}

/// An MRZ field with a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzField {
    DocumentNumber,
    DateOfBirth,
    DateOfExpiry,
    /// The Vietnamese 12-digit number in the optional data.
    PersonalNumber,
    Composite,
}

impl fmt::Display for MrzField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MrzField::DocumentNumber => "document number",
            MrzField::DateOfBirth => "date of birth",
            MrzField::DateOfExpiry => "date of expiry",
            MrzField::PersonalNumber => "personal number",
            MrzField::Composite => "composite",
        })
    }
}

/// One wrong check digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDigitFailure {
    pub field: MrzField,
    pub expected: char,
    pub found: char,
}

impl fmt::Display for CheckDigitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (expected {}, found {})",
            self.field, self.expected, self.found
        )
    }
}

/// Why a scanned line is not an identity document. Messages never carry a
/// full ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("empty line")]
    Empty,
    #[error("line is not UTF-8")]
    NotUtf8,
    /// The text carries U+FFFD, the mark a scanner (or its USB keyboard
    /// emulation) leaves where it could not encode a letter: the scanner's
    /// character encoding is not UTF-8.
    #[error("the text contains U+FFFD, the replacement character, where letters were lost: set the scanner's character encoding (code page) to UTF-8, in its serial USB-CDC mode")]
    WrongEncoding,
    #[error("line is {len} bytes, more than the 4096 accepted")]
    TooLong { len: usize },
    #[error("neither a CCCD QR code nor an MRZ")]
    NotRecognised,
    #[error("CCCD QR has {found} fields, at least 7 are needed")]
    TooFewFields { found: usize },
    #[error("ID number must be 12 digits (got {len} characters)")]
    BadIdNumber { len: usize },
    #[error("old ID number must be 9 digits or empty (got {len} characters)")]
    BadOldIdNumber { len: usize },
    #[error("name is empty")]
    EmptyName,
    #[error("{field} {value:?} is not a date (ddmmyyyy)")]
    BadDate { field: &'static str, value: String },
    #[error("sex {value:?} is neither Nam nor Nữ")]
    BadSex { value: String },
    #[error("MRZ line {line} is {len} characters, expected 30")]
    MrzLength { line: usize, len: usize },
    #[error("MRZ line {line} has characters other than A-Z, 0-9 and <")]
    MrzCharacters { line: usize },
    #[error("MRZ has {found} of its 3 lines")]
    MrzIncomplete { found: usize },
    #[error("MRZ document code {code:?} is not an ID card (I, A or C)")]
    MrzDocumentCode { code: String },
    #[error("MRZ {field} {value:?} is not a date (YYMMDD)")]
    MrzDate { field: MrzField, value: String },
    #[error("MRZ sex {value:?} is not M, F or <")]
    MrzSex { value: char },
    #[error("wrong MRZ check digit: {}", .0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))]
    CheckDigits(Vec<CheckDigitFailure>),
}

impl IdError {
    pub fn kind(&self) -> DeviceErrorKind {
        DeviceErrorKind::BadData
    }

    /// A stable snake_case code for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "empty",
            IdError::NotUtf8 => "not_utf8",
            IdError::WrongEncoding => "wrong_encoding",
            IdError::TooLong { .. } => "too_long",
            IdError::NotRecognised => "not_recognised",
            IdError::TooFewFields { .. } => "too_few_fields",
            IdError::BadIdNumber { .. } => "bad_id_number",
            IdError::BadOldIdNumber { .. } => "bad_old_id_number",
            IdError::EmptyName => "empty_name",
            IdError::BadDate { .. } => "bad_date",
            IdError::BadSex { .. } => "bad_sex",
            IdError::MrzLength { .. } => "mrz_length",
            IdError::MrzCharacters { .. } => "mrz_characters",
            IdError::MrzIncomplete { .. } => "mrz_incomplete",
            IdError::MrzDocumentCode { .. } => "mrz_document_code",
            IdError::MrzDate { .. } => "mrz_date",
            IdError::MrzSex { .. } => "mrz_sex",
            IdError::CheckDigits(_) => "check_digits",
        }
    }
}

/// Cross-checks the century/sex digit and birth year digits of a 12-digit
/// number (`PPP G YY NNNNNN`) against the date of birth and sex.
pub(crate) fn cross_check(id: &str, dob: NaiveDate, sex: Sex) -> Vec<IdWarning> {
    let mut warnings = Vec::new();
    let digits: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 12 {
        return warnings;
    }
    let g = digits[3];
    let century = g / 2;
    let expected_century = (dob.year() / 100 - 19).max(0) as u32;
    if g > 5 || century != expected_century {
        warnings.push(IdWarning::CenturyDigitMismatch);
    }
    let female_digit = g % 2 == 1;
    match sex {
        Sex::Male if female_digit => warnings.push(IdWarning::SexDigitMismatch),
        Sex::Female if !female_digit => warnings.push(IdWarning::SexDigitMismatch),
        _ => {}
    }
    let yy = digits[4] * 10 + digits[5];
    if yy != dob.year().rem_euclid(100) as u32 {
        warnings.push(IdWarning::BirthYearMismatch);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_three_and_three() {
        assert_eq!(mask_id_number("001090012345"), "001******345");
        assert_eq!(mask_id_number("012345678"), "012***678");
        assert_eq!(mask_id_number("12345"), "*****");
        assert_eq!(mask_id_number("123456"), "******");
        assert_eq!(mask_id_number(""), "");
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn cross_check_reads_the_century_sex_and_year_digits() {
        assert!(cross_check("001090012345", date(1990, 3, 15), Sex::Male).is_empty());
        assert!(cross_check("079195001234", date(1995, 2, 1), Sex::Female).is_empty());
        assert_eq!(
            cross_check("001290012345", date(1990, 3, 15), Sex::Male),
            vec![IdWarning::CenturyDigitMismatch]
        );
        assert_eq!(
            cross_check("001190012345", date(1990, 3, 15), Sex::Male),
            vec![IdWarning::SexDigitMismatch]
        );
    }
}
