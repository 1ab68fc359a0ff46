//! Form validation, with a message in Vietnamese (and English) for each
//! field at fault, to be shown beside the field.
//!
//! [`validate`] checks a filing request against a procedure: the applicant
//! (the person filing, from the ID card or typed), the procedure's form
//! fields, and the `pages`/`copies` the fee needs. It returns the values
//! normalised for storage — text trimmed and NFC, dates `YYYY-MM-DD`, phone
//! numbers `0xxxxxxxxx` — or every field error at once, keyed by the field
//! name (`applicant.id_number`, `child_birth_date`, `pages`).
//!
//! Only fields the form defines are accepted: anything else is an error
//! (`unknown_field`), so the hub never stores personal data the procedure
//! does not need.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock, PoisonError};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;

use super::procedure::{ChoiceOption, FieldKind, FieldSpec, Procedure};
use super::text::{self, TextFault, MAX_MARKS_PER_LETTER};

/// Longest text accepted when a field sets no `max_len`.
pub const DEFAULT_MAX_LEN: u32 = 200;

pub use motcua_api::{Applicant, FieldError, FieldErrorCode, FieldErrors};

/// A filing request as received (values not yet checked).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DossierInput {
    #[serde(default)]
    pub applicant: Map<String, Value>,
    #[serde(default)]
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub pages: Option<Value>,
    #[serde(default)]
    pub copies: Option<Value>,
}

/// A request that passed validation, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDossier {
    pub applicant: Applicant,
    /// The form's fields (without `pages`/`copies`), by name.
    pub fields: BTreeMap<String, Value>,
    pub pages: Option<u32>,
    pub copies: Option<u32>,
}

impl ValidDossier {
    /// The value of a date field, for fee rules.
    pub fn date_field(&self, name: &str) -> Option<NaiveDate> {
        self.fields
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
    }
}

/// The applicant's fields: the same for every procedure.
pub fn applicant_form() -> Vec<FieldSpec> {
    let section = |mut f: FieldSpec| {
        f.section_vi = Some("Người nộp hồ sơ".into());
        f.section_en = Some("Applicant".into());
        f
    };
    let mut name = FieldSpec::new("name", FieldKind::Text, "Họ, chữ đệm và tên", "Full name");
    name.required = true;
    name.min_len = Some(2);
    name.max_len = Some(100);
    let mut id = FieldSpec::new(
        "id_number",
        FieldKind::IdNumber,
        "Số định danh cá nhân (CCCD)",
        "Personal ID number (CCCD)",
    );
    id.required = true;
    let mut dob = FieldSpec::new(
        "date_of_birth",
        FieldKind::Date,
        "Ngày sinh",
        "Date of birth",
    );
    dob.not_future = true;
    dob.max_age_years = Some(130);
    let mut sex = FieldSpec::new("sex", FieldKind::Choice, "Giới tính", "Sex");
    sex.options = sex_options();
    let mut address = FieldSpec::new(
        "address",
        FieldKind::Text,
        "Nơi cư trú",
        "Place of residence",
    );
    address.required = true;
    address.min_len = Some(5);
    address.max_len = Some(300);
    let phone = FieldSpec::new("phone", FieldKind::Phone, "Số điện thoại", "Phone number");
    [name, id, dob, sex, address, phone]
        .into_iter()
        .map(section)
        .collect()
}

/// `Nam` / `Nữ`, as printed on the ID card.
pub fn sex_options() -> Vec<ChoiceOption> {
    vec![
        ChoiceOption {
            value: "Nam".into(),
            label_vi: "Nam".into(),
            label_en: "Male".into(),
        },
        ChoiceOption {
            value: "Nữ".into(),
            label_vi: "Nữ".into(),
            label_en: "Female".into(),
        },
    ]
}

/// Checks `input` against `procedure`'s form; `today` is the office-local
/// date (for "not in the future" and ages).
pub fn validate(
    procedure: &Procedure,
    input: &DossierInput,
    today: NaiveDate,
) -> Result<ValidDossier, FieldErrors> {
    let mut errors = FieldErrors::new();
    let applicant_values = check_fields(
        &applicant_form(),
        &input.applicant,
        today,
        "applicant.",
        &mut errors,
    );

    // `pages` and `copies` travel at the top level of the request; the rest
    // of the form sits in `fields`.
    let (top_level, form): (Vec<&FieldSpec>, Vec<&FieldSpec>) = procedure
        .form
        .iter()
        .partition(|f| matches!(f.kind, FieldKind::Pages | FieldKind::Copies));
    let mut top = Map::new();
    for (name, value) in [("pages", &input.pages), ("copies", &input.copies)] {
        if let Some(v) = value {
            top.insert(name.to_owned(), v.clone());
        }
    }
    for name in ["pages", "copies"] {
        if top.contains_key(name) && !top_level.iter().any(|f| f.name == name) {
            errors.insert(name.to_owned(), unknown_field());
        }
        if input.fields.contains_key(name) {
            errors.insert(
                format!("fields.{name}"),
                error(
                    FieldErrorCode::UnknownField,
                    format!(
                        "Gửi \"{name}\" ở cấp ngoài cùng của yêu cầu, không nằm trong \"fields\"."
                    ),
                    format!(
                        "Send \"{name}\" at the top level of the request, not inside \"fields\"."
                    ),
                ),
            );
        }
    }
    let form_specs: Vec<FieldSpec> = form.into_iter().cloned().collect();
    let top_specs: Vec<FieldSpec> = top_level.into_iter().cloned().collect();
    let fields = check_fields(&form_specs, &input.fields, today, "", &mut errors);
    let top_values = check_fields(&top_specs, &top, today, "", &mut errors);

    if !errors.is_empty() {
        return Err(errors);
    }
    let text = |name: &str| {
        applicant_values
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let count = |name: &str| {
        top_values
            .get(name)
            .and_then(Value::as_u64)
            .map(|n| n as u32)
    };
    Ok(ValidDossier {
        applicant: Applicant {
            name: text("name").unwrap_or_default(),
            id_number: text("id_number").unwrap_or_default(),
            date_of_birth: text("date_of_birth").and_then(|d| d.parse().ok()),
            sex: text("sex"),
            address: text("address").unwrap_or_default(),
            phone: text("phone"),
        },
        fields,
        pages: count("pages"),
        copies: count("copies"),
    })
}

/// Checks `values` against `specs`; errors go into `errors` keyed by
/// `prefix` + name; returns the normalised values.
fn check_fields(
    specs: &[FieldSpec],
    values: &Map<String, Value>,
    today: NaiveDate,
    prefix: &str,
    errors: &mut FieldErrors,
) -> BTreeMap<String, Value> {
    for name in values.keys() {
        if !specs.iter().any(|s| &s.name == name) {
            errors.insert(format!("{prefix}{name}"), unknown_field());
        }
    }
    let mut out = BTreeMap::new();
    for spec in specs {
        let given = values.get(&spec.name).filter(|v| !is_blank(v)).cloned();
        let value = given.or_else(|| spec.default.as_ref().map(|d| default_value(spec, d)));
        match value {
            Some(v) => match check_value(spec, &v, today) {
                Ok(normalised) => {
                    out.insert(spec.name.clone(), normalised);
                }
                Err(e) => {
                    errors.insert(format!("{prefix}{}", spec.name), e);
                }
            },
            None => {
                if spec.required {
                    errors.insert(format!("{prefix}{}", spec.name), required(spec));
                }
            }
        }
    }
    for spec in specs {
        if let Some(other) = &spec.required_with {
            if out.contains_key(other) && !out.contains_key(&spec.name) {
                let key = format!("{prefix}{}", spec.name);
                errors.entry(key).or_insert_with(|| required(spec));
            }
        }
    }
    out
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn default_value(spec: &FieldSpec, default: &str) -> Value {
    match spec.kind {
        FieldKind::Number | FieldKind::Year | FieldKind::Copies | FieldKind::Pages => default
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(default.to_owned())),
        FieldKind::Pledge => Value::Bool(default == "true"),
        _ => Value::String(default.to_owned()),
    }
}

fn error(code: FieldErrorCode, vi: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError {
        code,
        message_vi: vi.into(),
        message_en: en.into(),
    }
}

fn unknown_field() -> FieldError {
    error(
        FieldErrorCode::UnknownField,
        "Trường này không có trong mẫu đơn của thủ tục.",
        "This field is not part of the procedure's form.",
    )
}

/// Lower-cases the first letter of a label for use mid-sentence, unless
/// the label starts with an acronym ("CCCD").
fn mid_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_uppercase() => {
            label.to_owned()
        }
        (Some(first), _) => first.to_lowercase().chain(label.chars().skip(1)).collect(),
        (None, _) => String::new(),
    }
}

fn required(spec: &FieldSpec) -> FieldError {
    let (vi, en) = (mid_sentence(&spec.label_vi), mid_sentence(&spec.label_en));
    match spec.kind {
        FieldKind::Choice => error(
            FieldErrorCode::Required,
            format!("Vui lòng chọn {vi}."),
            format!("Please choose the {en}."),
        ),
        FieldKind::Pledge => error(
            FieldErrorCode::Pledge,
            "Vui lòng xác nhận lời cam đoan.",
            "Please confirm the pledge.",
        ),
        _ => error(
            FieldErrorCode::Required,
            format!("Vui lòng nhập {vi}."),
            format!("Please enter the {en}."),
        ),
    }
}

fn wrong_type() -> FieldError {
    error(
        FieldErrorCode::Type,
        "Giá trị không hợp lệ.",
        "Invalid value.",
    )
}

/// Checks one present value; returns it normalised.
fn check_value(spec: &FieldSpec, value: &Value, today: NaiveDate) -> Result<Value, FieldError> {
    match spec.kind {
        FieldKind::Text => check_text(spec, value),
        FieldKind::Date => check_date(spec, value, today),
        FieldKind::Choice => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            let s: String = s.trim().nfc().collect();
            if spec.options.iter().any(|o| o.value == s) {
                Ok(Value::String(s))
            } else {
                Err(error(
                    FieldErrorCode::Choice,
                    "Vui lòng chọn một trong các lựa chọn có sẵn.",
                    "Please pick one of the options offered.",
                ))
            }
        }
        FieldKind::IdNumber => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(Value::String(digits))
            } else {
                Err(error(
                    FieldErrorCode::IdNumber,
                    "Số định danh cá nhân (CCCD) gồm đúng 12 chữ số.",
                    "The personal ID number (CCCD) has exactly 12 digits.",
                ))
            }
        }
        FieldKind::Phone => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            normalise_phone(s).map(Value::String).ok_or_else(|| {
                error(
                    FieldErrorCode::Phone,
                    "Số điện thoại gồm 10 chữ số, bắt đầu bằng số 0 (ví dụ 0912345678).",
                    "A phone number has 10 digits and starts with 0 (e.g. 0912345678).",
                )
            })
        }
        FieldKind::Number | FieldKind::Year | FieldKind::Copies | FieldKind::Pages => {
            let n = as_integer(value).ok_or_else(|| {
                error(
                    FieldErrorCode::Type,
                    "Vui lòng nhập một số nguyên.",
                    "Please enter a whole number.",
                )
            })?;
            let (min, max) = bounds(spec, today);
            if n < min || n > max {
                return Err(error(
                    FieldErrorCode::NumberRange,
                    format!("Vui lòng nhập một số từ {min} đến {max}."),
                    format!("Please enter a number from {min} to {max}."),
                ));
            }
            Ok(Value::from(n))
        }
        FieldKind::Pledge => match value {
            Value::Bool(true) => Ok(Value::Bool(true)),
            Value::Bool(false) => Err(required(spec)),
            _ => Err(wrong_type()),
        },
    }
}

fn bounds(spec: &FieldSpec, today: NaiveDate) -> (i64, i64) {
    match spec.kind {
        FieldKind::Year => (
            spec.min.unwrap_or(1900),
            spec.max.unwrap_or_else(|| i64::from(today.year())),
        ),
        FieldKind::Copies => (spec.min.unwrap_or(0), spec.max.unwrap_or(20)),
        FieldKind::Pages => (spec.min.unwrap_or(1), spec.max.unwrap_or(10_000)),
        _ => (spec.min.unwrap_or(i64::MIN), spec.max.unwrap_or(i64::MAX)),
    }
}

fn as_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

fn check_text(spec: &FieldSpec, value: &Value) -> Result<Value, FieldError> {
    let s = value.as_str().ok_or_else(wrong_type)?;
    // NFC, trimmed, inner runs of whitespace collapsed to one space, and no
    // control characters.
    let text = s
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().any(char::is_control) {
        return Err(wrong_type());
    }
    let (vi, en) = (&spec.label_vi, &spec.label_en);
    if let Some(fault) = text::fault(&text) {
        return Err(text_fault(fault, vi, en));
    }
    let len = text.chars().count() as u32;
    if let Some(min) = spec.min_len {
        if len < min {
            return Err(error(
                FieldErrorCode::TooShort,
                format!("{vi} phải có ít nhất {min} ký tự."),
                format!("{en} must have at least {min} characters."),
            ));
        }
    }
    let max = spec.max_len.unwrap_or(DEFAULT_MAX_LEN);
    if len > max {
        return Err(error(
            FieldErrorCode::TooLong,
            format!("{vi} chỉ được dài tối đa {max} ký tự."),
            format!("{en} can have at most {max} characters."),
        ));
    }
    if let Some(pattern) = &spec.pattern {
        // Validated at catalogue load; a pattern that stopped compiling is
        // treated as "no match" rather than letting anything through.
        let matches = anchored_regex(pattern).is_some_and(|re| re.is_match(&text));
        if !matches {
            return Err(error(
                FieldErrorCode::Pattern,
                spec.pattern_hint_vi
                    .clone()
                    .unwrap_or_else(|| format!("{vi} không đúng định dạng.")),
                spec.pattern_hint_en
                    .clone()
                    .unwrap_or_else(|| format!("{en} is not in the expected format.")),
            ));
        }
    }
    Ok(Value::String(text))
}

/// The refusal of a text with characters no field takes, for the field
/// labelled `vi` / `en`.
fn text_fault(fault: TextFault, vi: &str, en: &str) -> FieldError {
    match fault {
        TextFault::BidiControl(c) => error(
            FieldErrorCode::BidiControl,
            format!(
                "{vi} có ký tự điều khiển chiều viết (U+{:04X}) làm chữ hiển thị sai thứ tự; vui lòng nhập lại.",
                u32::from(c)
            ),
            format!(
                "{en} contains a text-direction control character (U+{:04X}) that reorders what is shown; please type it again.",
                u32::from(c)
            ),
        ),
        TextFault::Invisible => error(
            FieldErrorCode::Invisible,
            format!("{vi} chỉ có ký tự vô hình; vui lòng nhập nội dung."),
            format!("{en} has only invisible characters; please type a value."),
        ),
        TextFault::TooManyMarks => error(
            FieldErrorCode::TooManyMarks,
            format!(
                "{vi} có chữ mang quá {MAX_MARKS_PER_LETTER} dấu; vui lòng nhập lại."
            ),
            format!(
                "{en} has a letter with more than {MAX_MARKS_PER_LETTER} accent marks; please type it again."
            ),
        ),
    }
}

/// `pattern` anchored to the whole value, compiled once per pattern (`None`
/// when it does not compile). Catalogues hold a handful of patterns; the
/// cache is emptied should a long run of catalogue refreshes grow it.
fn anchored_regex(pattern: &str) -> Option<regex::Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<regex::Regex>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return re.clone();
    }
    if cache.len() >= 256 {
        cache.clear();
    }
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).ok();
    cache.insert(pattern.to_owned(), re.clone());
    re
}

fn check_date(spec: &FieldSpec, value: &Value, today: NaiveDate) -> Result<Value, FieldError> {
    let s = value.as_str().ok_or_else(wrong_type)?;
    let date = parse_date(s).ok_or_else(|| {
        error(
            FieldErrorCode::DateFormat,
            "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm, ví dụ 15/03/1990.",
            "Not a valid date; use day/month/year, e.g. 15/03/1990.",
        )
    })?;
    if spec.not_future && date > today {
        return Err(error(
            FieldErrorCode::DateInFuture,
            "Ngày này không được sau ngày hôm nay.",
            "This date cannot be after today.",
        ));
    }
    let age = age_years(date, today);
    if let Some(min) = spec.min_age_years {
        if age < i64::from(min) {
            return Err(error(
                FieldErrorCode::TooYoung,
                format!("Phải đủ {min} tuổi trở lên."),
                format!("Must be at least {min} years old."),
            ));
        }
    }
    if let Some(max) = spec.max_age_years {
        if age > i64::from(max) {
            return Err(error(
                FieldErrorCode::TooOld,
                format!("Ngày này cách đây quá {max} năm; vui lòng kiểm tra lại."),
                format!("This date is more than {max} years ago; please check it."),
            ));
        }
    }
    Ok(Value::String(date.format("%Y-%m-%d").to_string()))
}

/// `YYYY-MM-DD`, `DD/MM/YYYY` (also with `-` or `.`, one-digit day and
/// month) or `DDMMYYYY` (as on the ID card's QR code). Impossible dates
/// (31/02) are refused.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        if s.len() == 10 {
            return Some(d);
        }
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let (d, m, y) = (&s[0..2], &s[2..4], &s[4..8]);
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts[..] {
        if (1..=2).contains(&d.len()) && (1..=2).contains(&m.len()) && y.len() == 4 {
            return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        }
    }
    None
}

/// Whole years from `birth` to `today`.
pub fn age_years(birth: NaiveDate, today: NaiveDate) -> i64 {
    let mut years = i64::from(today.year() - birth.year());
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// `0912 345 678`, `0912.345.678`, `+84 912 345 678` → `0912345678`.
pub fn normalise_phone(s: &str) -> Option<String> {
    let compact: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '(' | ')'))
        .collect();
    let national = match compact.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => compact,
    };
    (national.len() == 10
        && national.starts_with('0')
        && national.bytes().all(|b| b.is_ascii_digit()))
    .then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::Catalogue;
    use serde_json::json;

    fn today() -> NaiveDate {
        "2026-11-26".parse().unwrap()
    }

    fn applicant() -> Value {
        json!({
            "name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "date_of_birth": "15/03/1990",
            "sex": "Nam",
            "address": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
            "phone": "0912 345 678"
        })
    }

    fn input(procedure_fields: Value, pages: Option<Value>, copies: Option<Value>) -> DossierInput {
        DossierInput {
            applicant: applicant().as_object().unwrap().clone(),
            fields: procedure_fields.as_object().unwrap().clone(),
            pages,
            copies,
        }
    }

    fn copy_certification() -> Procedure {
        Catalogue::builtin().get("2.000815").unwrap().clone()
    }

    #[test]
    fn patterns_match_the_whole_value_and_bad_ones_match_nothing() {
        let re = anchored_regex("[0-9]+").unwrap();
        assert!(re.is_match("123"));
        assert!(!re.is_match("a123"));
        assert!(anchored_regex("([").is_none());
        // Cached: the second look-up gives the same answer.
        assert!(anchored_regex("[0-9]+").unwrap().is_match("42"));
        assert!(anchored_regex("([").is_none());
    }

    #[test]
    fn a_good_request_is_normalised() {
        let ok = validate(
            &copy_certification(),
            &input(
                json!({"document_name": "  Bằng tốt   nghiệp "}),
                Some(json!(5)),
                None,
            ),
            today(),
        )
        .unwrap();
        assert_eq!(ok.applicant.date_of_birth, "1990-03-15".parse().ok());
        assert_eq!(ok.applicant.phone.as_deref(), Some("0912345678"));
        assert_eq!(ok.fields["document_name"], "Bằng tốt nghiệp");
        assert_eq!(ok.pages, Some(5));
        assert_eq!(ok.copies, Some(1), "the form's default");
    }

    #[test]
    fn missing_and_malformed_fields_get_a_message_each() {
        let mut bad = input(json!({}), Some(json!("abc")), None);
        bad.applicant
            .insert("id_number".into(), json!("00109001234"));
        bad.applicant.insert("phone".into(), json!("912345678"));
        bad.applicant
            .insert("date_of_birth".into(), json!("31/02/1990"));
        bad.applicant.remove("name");
        let errors = validate(&copy_certification(), &bad, today()).unwrap_err();
        let codes: BTreeMap<&str, &str> = errors
            .iter()
            .map(|(k, v)| (k.as_str(), v.code.as_str()))
            .collect();
        assert_eq!(codes["applicant.name"], "required");
        assert_eq!(codes["applicant.id_number"], "id_number");
        assert_eq!(codes["applicant.phone"], "phone");
        assert_eq!(codes["applicant.date_of_birth"], "date_format");
        assert_eq!(codes["document_name"], "required");
        assert_eq!(codes["pages"], "type");
        assert_eq!(
            errors["applicant.id_number"].message_vi,
            "Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."
        );
        assert_eq!(
            errors["applicant.name"].message_vi,
            "Vui lòng nhập họ, chữ đệm và tên."
        );
        for e in errors.values() {
            assert!(!e.message_vi.is_empty() && !e.message_en.is_empty());
        }
    }

    #[test]
    fn unknown_fields_are_refused_so_nothing_extra_is_stored() {
        let errors = validate(
            &copy_certification(),
            &input(
                json!({"document_name": "Bằng", "religion": "x"}),
                Some(json!(2)),
                None,
            ),
            today(),
        )
        .unwrap_err();
        assert_eq!(errors["religion"].code.as_str(), "unknown_field");
        let mut extra = input(json!({"document_name": "Bằng"}), Some(json!(2)), None);
        extra.applicant.insert("ethnicity".into(), json!("Kinh"));
        let errors = validate(&copy_certification(), &extra, today()).unwrap_err();
        assert_eq!(errors["applicant.ethnicity"].code.as_str(), "unknown_field");
        // Pages on a procedure without pages.
        let signature = Catalogue::builtin().get("2.000884").unwrap().clone();
        let errors = validate(
            &signature,
            &input(
                json!({"document_name": "Giấy uỷ quyền"}),
                Some(json!(3)),
                None,
            ),
            today(),
        )
        .unwrap_err();
        assert_eq!(errors["pages"].code.as_str(), "unknown_field");
    }

    #[test]
    fn dates_must_be_real_and_not_in_the_future_where_it_matters() {
        let birth = Catalogue::builtin().get("1.001193").unwrap().clone();
        let fields = |date: &str| {
            json!({
                "requester_relation": "me",
                "child_name": "Nguyễn Minh Khôi",
                "child_birth_date": date,
                "child_sex": "Nam",
                "child_birth_place": "Bệnh viện Phụ sản Hà Nội",
                "mother_name": "Trần Thị Bình",
                "mother_birth_year": 1995,
                "mother_residence": "Phường Hoàn Kiếm, Hà Nội",
                "pledge": true
            })
        };
        let ok = validate(&birth, &input(fields("2026-11-20"), None, None), today()).unwrap();
        assert_eq!(ok.fields["child_birth_date"], "2026-11-20");
        assert_eq!(ok.fields["child_ethnicity"], "Kinh", "default applied");
        assert_eq!(ok.copies, Some(0));
        let errors =
            validate(&birth, &input(fields("2026-11-27"), None, None), today()).unwrap_err();
        assert_eq!(errors["child_birth_date"].code.as_str(), "date_in_future");
        let errors =
            validate(&birth, &input(fields("2026-02-30"), None, None), today()).unwrap_err();
        assert_eq!(errors["child_birth_date"].code.as_str(), "date_format");
    }

    #[test]
    fn choices_years_pledges_and_conditional_fields() {
        let birth = Catalogue::builtin().get("1.001193").unwrap().clone();
        let errors = validate(
            &birth,
            &input(
                json!({
                    "requester_relation": "hang_xom",
                    "child_name": "Nguyễn Minh Khôi",
                    "child_birth_date": "2026-11-20",
                    "child_sex": "Nam",
                    "child_birth_place": "Hà Nội",
                    "mother_name": "Trần Thị Bình",
                    "mother_birth_year": 2030,
                    "mother_residence": "Hà Nội, Việt Nam",
                    "father_name": "Nguyễn Văn An",
                    "pledge": false
                }),
                None,
                Some(json!(50)),
            ),
            today(),
        )
        .unwrap_err();
        assert_eq!(errors["requester_relation"].code.as_str(), "choice");
        assert_eq!(errors["mother_birth_year"].code.as_str(), "number_range");
        assert_eq!(errors["pledge"].code.as_str(), "pledge");
        assert_eq!(
            errors["father_birth_year"].code.as_str(),
            "required",
            "required with father_name"
        );
        assert_eq!(errors["copies"].code.as_str(), "number_range");
    }

    #[test]
    fn parses_the_date_forms_people_type() {
        let d = |s| parse_date(s);
        assert_eq!(d("2026-03-05"), "2026-03-05".parse().ok());
        assert_eq!(d("05/03/2026"), "2026-03-05".parse().ok());
        assert_eq!(d("5/3/2026"), "2026-03-05".parse().ok());
        assert_eq!(d("05-03-2026"), "2026-03-05".parse().ok());
        assert_eq!(d("05032026"), "2026-03-05".parse().ok());
        assert_eq!(d("31022000"), None);
        assert_eq!(d("2026-3-5x"), None);
        assert_eq!(d("hôm qua"), None);
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            normalise_phone("+84 912 345 678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            normalise_phone("0912.345.678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(normalise_phone("091234567"), None);
        assert_eq!(normalise_phone("1912345678"), None);
    }

    #[test]
    fn nfd_text_is_stored_as_nfc() {
        let nfd: String = "Nguyễn Văn An".nfd().collect();
        let mut i = input(json!({"document_name": "Bằng"}), Some(json!(1)), None);
        i.applicant.insert("name".into(), json!(nfd));
        let ok = validate(&copy_certification(), &i, today()).unwrap();
        assert_eq!(ok.applicant.name, "Nguyễn Văn An");
    }

    /// #12 item 13: every Vietnamese letter, upper and lower case, with
    /// every tone, NFC and NFD, still passes in a name; the three faults
    /// are refused, each with a message naming the field.
    #[test]
    fn names_take_every_vietnamese_letter_but_not_invisible_tricks() {
        let letters = crate::domain::text::tests::every_vietnamese_letter();
        // Names of a few letters each, within the name's 100 characters.
        for chunk in letters.chunks(20) {
            let name = format!("Nguyễn {}", chunk.join(" "));
            let mut i = input(json!({"document_name": "Bằng"}), Some(json!(1)), None);
            i.applicant.insert("name".into(), json!(name));
            let ok = validate(&copy_certification(), &i, today())
                .unwrap_or_else(|e| panic!("{name:?} refused: {e:?}"));
            let nfc: String = name.nfc().collect();
            assert_eq!(ok.applicant.name, nfc);
        }
        for (name, code, says) in [
            ("Nguyễn\u{202E}nửaH", FieldErrorCode::BidiControl, "U+202E"),
            ("An \u{2067}Bình", FieldErrorCode::BidiControl, "U+2067"),
            ("\u{200B}\u{200B}", FieldErrorCode::Invisible, "vô hình"),
            ("\u{FEFF} \u{200D}", FieldErrorCode::Invisible, "vô hình"),
            (
                "Ae\u{323}\u{302}\u{301}\u{300}n",
                FieldErrorCode::TooManyMarks,
                "quá 3 dấu",
            ),
        ] {
            let mut i = input(json!({"document_name": "Bằng"}), Some(json!(1)), None);
            i.applicant.insert("name".into(), json!(name));
            let errors = validate(&copy_certification(), &i, today()).unwrap_err();
            let e = &errors["applicant.name"];
            assert_eq!(e.code, code, "{name:?}");
            assert!(e.message_vi.starts_with("Họ, chữ đệm và tên"), "{e:?}");
            assert!(e.message_vi.contains(says), "{e:?}");
            assert!(e.message_en.starts_with("Full name"), "{e:?}");
        }
        // Any text field, not only names.
        let mut i = input(
            json!({"document_name": "B\u{202D}ằng"}),
            Some(json!(1)),
            None,
        );
        i.applicant.insert("name".into(), json!("Nguyễn Văn An"));
        let errors = validate(&copy_certification(), &i, today()).unwrap_err();
        assert_eq!(errors["document_name"].code, FieldErrorCode::BidiControl);
    }

    #[test]
    fn ages() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(age_years(d("2008-11-26"), d("2026-11-26")), 18);
        assert_eq!(age_years(d("2008-11-27"), d("2026-11-26")), 17);
    }
}
