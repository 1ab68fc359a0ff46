//! One type for every identity document a scanner reads, and the errors
//! and warnings of parsing one.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use super::{cccd, mrz};
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
    /// The card has no expiry date (cards for people over 60).
    ExpiryUnknown,
}

impl IdWarning {
    pub fn code(&self) -> &'static str {
        match self {
            IdWarning::CenturyDigitMismatch => "century_digit_mismatch",
            IdWarning::SexDigitMismatch => "sex_digit_mismatch",
            IdWarning::BirthYearMismatch => "birth_year_mismatch",
            IdWarning::DocumentNumberMismatch => "document_number_mismatch",
            IdWarning::ExpiryUnknown => "expiry_unknown",
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
    #[error("MRZ line {line} has {len} characters, 30 are needed")]
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

/// Parses one scanned line: a CCCD QR code, or a whole MRZ on one line
/// (90 characters, or three 30-character parts separated by spaces).
pub fn parse_line(line: &str) -> Result<IdentityDocument, IdError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.len() > super::framing::MAX_LINE {
        return Err(IdError::TooLong { len: line.len() });
    }
    if line.trim().is_empty() {
        return Err(IdError::Empty);
    }
    if line.contains('|') {
        return cccd::parse(line);
    }
    let compact: String = line.split_whitespace().collect();
    // MRZ text is ASCII; checking it first keeps the slicing on char
    // boundaries (a 90-byte line of other text is not an MRZ).
    if compact.len() == 90 && compact.is_ascii() && mrz::looks_like_mrz_line(&compact[..30]) {
        return mrz::parse([&compact[..30], &compact[30..60], &compact[60..]]);
    }
    Err(IdError::NotRecognised)
}

/// Parses raw scanner bytes (validating UTF-8 first).
pub fn parse_bytes(bytes: &[u8]) -> Result<IdentityDocument, IdError> {
    if bytes.len() > super::framing::MAX_LINE + 2 {
        return Err(IdError::TooLong { len: bytes.len() });
    }
    let text = super::framing::decode_line(bytes).map_err(|e| match e {
        super::framing::FrameError::Oversize { len } => IdError::TooLong { len },
        _ => IdError::NotUtf8,
    })?;
    parse_line(&text)
}

/// Assembles documents from scanner lines as they come: a QR line gives a
/// document at once; MRZ lines are collected until the third.
#[derive(Debug, Default, Clone)]
pub struct DocumentAssembler {
    mrz: Vec<String>,
}

impl DocumentAssembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one line; returns a result when a document is complete (or
    /// the line cannot start or continue one).
    pub fn push(&mut self, line: &str) -> Option<Result<IdentityDocument, IdError>> {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.len() == 30
            && !trimmed.contains('|')
            && (mrz::looks_like_mrz_line(trimmed) || !self.mrz.is_empty())
        {
            if self.mrz.is_empty() && !mrz::looks_like_first_line(trimmed) {
                return Some(Err(IdError::MrzIncomplete { found: 0 }));
            }
            self.mrz.push(trimmed.to_owned());
            if self.mrz.len() == 3 {
                let lines = std::mem::take(&mut self.mrz);
                return Some(mrz::parse([&lines[0], &lines[1], &lines[2]]));
            }
            return None;
        }
        if !self.mrz.is_empty() {
            // A line that is not MRZ ends an incomplete MRZ. A QR line
            // still gives its document (the half-read MRZ is dropped);
            // anything else reports the incomplete MRZ.
            let found = self.mrz.len();
            self.mrz.clear();
            return Some(parse_line(trimmed).map_err(|_| IdError::MrzIncomplete { found }));
        }
        Some(parse_line(trimmed))
    }

    /// Whether MRZ lines are waiting for the rest.
    pub fn has_partial(&self) -> bool {
        !self.mrz.is_empty()
    }

    /// Gives up on a partial MRZ (e.g. at end of input).
    pub fn finish(&mut self) -> Option<IdError> {
        if self.mrz.is_empty() {
            return None;
        }
        let found = self.mrz.len();
        self.mrz.clear();
        Some(IdError::MrzIncomplete { found })
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

    #[test]
    fn debug_masks_the_number() {
        let doc = parse_line(QR_1).unwrap();
        let dbg = format!("{doc:?}");
        assert!(dbg.contains("001******345"), "{dbg}");
        assert!(!dbg.contains("001090012345"), "{dbg}");
        assert!(!dbg.contains("012345678"), "{dbg}");
    }

    pub(crate) const QR_1: &str = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";

    #[test]
    fn assembler_handles_qr_and_three_mrz_lines() {
        let mut a = DocumentAssembler::new();
        assert!(a.push(QR_1).unwrap().is_ok());
        assert!(a.push("IDVNM0900123450001090012345<<1").is_none());
        assert!(a.push("9003152M3003150VNM<<<<<<<<<<<2").is_none());
        let doc = a.push("NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<").unwrap().unwrap();
        assert_eq!(doc.id_number, "001090012345");
        assert!(!a.has_partial());
        assert!(a.push("IDVNM0900123450001090012345<<1").is_none());
        assert_eq!(a.finish(), Some(IdError::MrzIncomplete { found: 1 }));
    }

    #[test]
    fn whole_mrz_on_one_line() {
        let doc = parse_line(
            "IDVNM0900123450001090012345<<1 9003152M3003150VNM<<<<<<<<<<<2 NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
        )
        .unwrap();
        assert_eq!(doc.kind, DocumentKind::MrzTd1);
    }

    #[test]
    fn regression_fuzz_90_bytes_of_non_ascii_is_not_sliced_mid_char() {
        // Found by `cargo fuzz run qr_parser`: slicing at byte 30 panicked.
        let line = format!("0{}\u{1aef}{}Ar~", " ".repeat(27), " ".repeat(55));
        assert_eq!(line.split_whitespace().collect::<String>().len(), 7);
        let line = format!("{}\u{1aef}{}", "A".repeat(28), "B".repeat(59));
        assert_eq!(line.len(), 90);
        assert_eq!(parse_line(&line), Err(IdError::NotRecognised));
    }

    #[test]
    fn garbage_is_not_recognised() {
        assert_eq!(parse_line("hello"), Err(IdError::NotRecognised));
        assert_eq!(parse_line("  "), Err(IdError::Empty));
        assert_eq!(parse_bytes(b"\xff\xfe|"), Err(IdError::NotUtf8));
        let long = "x".repeat(5000);
        assert_eq!(parse_line(&long), Err(IdError::TooLong { len: 5000 }));
    }
}
