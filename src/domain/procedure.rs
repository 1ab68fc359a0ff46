//! The procedure catalogue (danh mục thủ tục hành chính) as data.
//!
//! Each [`Procedure`] carries what the kiosk shows and the hub needs: the
//! national code, names, the field (lĩnh vực) it is grouped under, the
//! competent office, the documents to bring, the legal processing time, the
//! fee rule, whether the citizen must come to a counter (and to which queue
//! service), and the form ([`FieldSpec`]s, validated by
//! [`crate::domain::form`]).
//!
//! The catalogue shipped with motcua is `data/procedures.toml`
//! ([`BUILTIN_CATALOGUE`]); an office may point `filing.procedures` at its
//! own file, and the portal's catalogue replaces either when the portal
//! answers. Fees and competent levels change by province and over time,
//! which is why none of this is code. [`Catalogue::validate`] refuses a
//! catalogue the hub could not use, naming the procedure and field at fault.

use std::collections::BTreeSet;

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::fee::FeeItem;

/// The catalogue shipped with motcua.
pub const BUILTIN_CATALOGUE: &str = include_str!("../../data/procedures.toml");

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Free text identifying this edition of the catalogue.
    #[serde(default)]
    pub version: String,
    pub procedures: Vec<Procedure>,
}

/// One administrative procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// National code (mã thủ tục), e.g. `1.001193`.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// The field (lĩnh vực) used to group procedures, e.g. "Hộ tịch".
    pub field_vi: String,
    pub field_en: String,
    /// The competent office (cơ quan thực hiện).
    pub office_vi: String,
    pub office_en: String,
    /// "toan_trinh" (entirely online) or "mot_phan" (partly), NĐ 42/2022.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_level: Option<String>,
    /// What the citizen brings or submits (thành phần hồ sơ).
    pub documents: Vec<Document>,
    pub processing: Processing,
    /// Fee items, summed; empty means free.
    #[serde(default)]
    pub fee: Vec<FeeItem>,
    /// The citizen (or both parties) must come to a counter: originals to
    /// compare, a signature in front of the officer, both spouses present.
    #[serde(default)]
    pub presence_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_reason_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_reason_en: Option<String>,
    /// The queue service (`services[].code` of the office configuration)
    /// whose ticket is issued when presence is required. Office-specific:
    /// a portal catalogue may leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_service: Option<String>,
    /// The form, in display order.
    pub form: Vec<FieldSpec>,
}

/// A document of the dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub name_vi: String,
    pub name_en: String,
    /// The original must be shown at the counter.
    #[serde(default)]
    pub original: bool,
    /// Optional documents are listed but not required.
    #[serde(default)]
    pub optional: bool,
}

/// The legal processing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Processing {
    /// 0 = the same working day (with the 15:00 rule).
    pub working_days: u32,
    /// Extra working days the law allows when facts must be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_extra_days: Option<u32>,
}

/// The kinds of form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text (names, addresses), NFC-normalised and trimmed.
    Text,
    /// A calendar date: `YYYY-MM-DD` or `DD/MM/YYYY` in, `YYYY-MM-DD` stored.
    Date,
    /// One of `options`.
    Choice,
    /// A 12-digit personal identification number (CCCD).
    IdNumber,
    /// A Vietnamese phone number `0xxxxxxxxx`.
    Phone,
    /// An integer between `min` and `max`.
    Number,
    /// A year between `min` and the current year (birth years).
    Year,
    /// Copies requested; given as the request's top-level `copies`.
    Copies,
    /// Pages of the original; given as the request's top-level `pages`.
    Pages,
    /// A pledge the citizen must confirm (`true`).
    Pledge,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::IdNumber => "id_number",
            FieldKind::Phone => "phone",
            FieldKind::Number => "number",
            FieldKind::Year => "year",
            FieldKind::Copies => "copies",
            FieldKind::Pages => "pages",
            FieldKind::Pledge => "pledge",
        }
    }
}

/// One choice of a `choice` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// What is sent and stored.
    pub value: String,
    pub label_vi: String,
    pub label_en: String,
}

/// One field of a form. Attributes that do not apply to the kind are left
/// out; [`Catalogue::validate`] refuses the ones that make no sense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Key in the request's `fields` (snake_case).
    pub name: String,
    pub kind: FieldKind,
    pub label_vi: String,
    pub label_en: String,
    /// Heading the field is shown under ("Người được khai sinh").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Required when this other field has a value (the father's birth year
    /// once the father's name is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_with: Option<String>,
    /// Value shown pre-filled and used when the field is not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Where the kiosk may pre-fill from, e.g. `applicant.address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    /// Text: length bounds in characters (default at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Text: a regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Text: the message when `pattern` does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint_en: Option<String>,
    /// Date: not after today.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_future: bool,
    /// Date: at least / at most this many years before today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age_years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_years: Option<u32>,
    /// Choice: the options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Number, year, copies, pages: bounds (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl FieldSpec {
    /// A bare field of `kind`; the catalogue data sets the rest.
    pub fn new(name: &str, kind: FieldKind, label_vi: &str, label_en: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            label_vi: label_vi.to_owned(),
            label_en: label_en.to_owned(),
            section_vi: None,
            section_en: None,
            help_vi: None,
            help_en: None,
            required: false,
            required_with: None,
            default: None,
            prefill: None,
            min_len: None,
            max_len: None,
            pattern: None,
            pattern_hint_vi: None,
            pattern_hint_en: None,
            not_future: false,
            min_age_years: None,
            max_age_years: None,
            options: Vec::new(),
            min: None,
            max: None,
        }
    }
}

/// A catalogue that cannot be used, naming the procedure and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("procedure catalogue: {0}")]
    Parse(String),
    #[error("procedure catalogue: {at}: {message}")]
    Invalid { at: String, message: String },
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> CatalogueError {
    CatalogueError::Invalid {
        at: at.into(),
        message: message.into(),
    }
}

impl Catalogue {
    /// The catalogue shipped with motcua.
    pub fn builtin() -> Self {
        Self::from_toml(BUILTIN_CATALOGUE).expect("the shipped catalogue is valid (tested)")
    }

    /// Parses and validates a TOML catalogue (the format of
    /// `data/procedures.toml`).
    pub fn from_toml(text: &str) -> Result<Self, CatalogueError> {
        let catalogue: Catalogue =
            toml::from_str(text).map_err(|e| CatalogueError::Parse(e.to_string()))?;
        catalogue.validate()?;
        Ok(catalogue)
    }

    /// Parses and validates a JSON catalogue (what the portal serves).
    pub fn from_json(text: &str) -> Result<Self, CatalogueError> {
        let catalogue: Catalogue =
            serde_json::from_str(text).map_err(|e| CatalogueError::Parse(e.to_string()))?;
        catalogue.validate()?;
        Ok(catalogue)
    }

    /// The procedure with this national code.
    pub fn get(&self, code: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.code == code)
    }

    /// Checks everything serde cannot.
    pub fn validate(&self) -> Result<(), CatalogueError> {
        if self.procedures.is_empty() {
            return Err(invalid("procedures", "the catalogue is empty"));
        }
        let mut codes = BTreeSet::new();
        for p in &self.procedures {
            if p.code.trim().is_empty() || p.code.len() > 32 {
                return Err(invalid("procedures", "a procedure has no code"));
            }
            if !codes.insert(p.code.as_str()) {
                return Err(invalid(&p.code, "the code is used twice"));
            }
            p.validate()?;
        }
        Ok(())
    }
}

impl Procedure {
    fn validate(&self) -> Result<(), CatalogueError> {
        let at = |field: &str| format!("{} {field}", self.code);
        if self.name_vi.trim().is_empty() {
            return Err(invalid(at("name_vi"), "must not be empty"));
        }
        if let Some(level) = &self.online_level {
            if level != "toan_trinh" && level != "mot_phan" {
                return Err(invalid(
                    at("online_level"),
                    "must be \"toan_trinh\" or \"mot_phan\"",
                ));
            }
        }
        let mut names = BTreeSet::new();
        for f in &self.form {
            if !is_field_name(&f.name) {
                return Err(invalid(
                    at(&format!("form.{}", f.name)),
                    "field names are lower-case letters, digits and _",
                ));
            }
            if !names.insert(f.name.as_str()) {
                return Err(invalid(at(&format!("form.{}", f.name)), "defined twice"));
            }
            f.validate()
                .map_err(|m| invalid(at(&format!("form.{}", f.name)), m))?;
        }
        for f in &self.form {
            if let Some(other) = &f.required_with {
                if !names.contains(other.as_str()) {
                    return Err(invalid(
                        at(&format!("form.{}", f.name)),
                        format!("required_with names no field {other:?}"),
                    ));
                }
            }
        }
        for item in &self.fee {
            match item {
                FeeItem::PerPage { .. } if !self.has_field(FieldKind::Pages) => {
                    return Err(invalid(
                        at("fee"),
                        "a per_page fee needs a `pages` field in the form",
                    ))
                }
                FeeItem::Late { field, .. }
                    if !self
                        .form
                        .iter()
                        .any(|f| &f.name == field && f.kind == FieldKind::Date) =>
                {
                    return Err(invalid(
                        at("fee"),
                        format!("a late fee needs the date field {field:?} in the form"),
                    ))
                }
                _ => {}
            }
        }
        if self.presence_required && self.presence_reason_vi.is_none() {
            return Err(invalid(
                at("presence_reason_vi"),
                "say why the citizen must come to the counter",
            ));
        }
        Ok(())
    }

    fn has_field(&self, kind: FieldKind) -> bool {
        self.form.iter().any(|f| f.kind == kind)
    }

    /// The legal processing time in words: (Vietnamese, English).
    pub fn processing_text(&self, same_day_cutoff: NaiveTime) -> (String, String) {
        let cutoff = same_day_cutoff.format("%H:%M").to_string();
        let cutoff_vi = if same_day_cutoff.format("%M").to_string() == "00" {
            format!("{} giờ", same_day_cutoff.format("%-H"))
        } else {
            same_day_cutoff.format("%-H giờ %M").to_string()
        };
        let p = self.processing;
        let (mut vi, mut en) = if p.working_days == 0 {
            (
                format!(
                    "Trong ngày làm việc (nhận sau {cutoff_vi} thì trả vào ngày làm việc tiếp theo)"
                ),
                format!("The same working day (received after {cutoff}: the next working day)"),
            )
        } else {
            (
                format!("{} ngày làm việc", p.working_days),
                format!("{} working days", p.working_days),
            )
        };
        if let Some(extra) = p.verification_extra_days {
            if p.working_days == 0 {
                vi += &format!("; trường hợp cần xác minh: không quá {extra} ngày làm việc");
                en += &format!("; if facts must be verified: at most {extra} working days");
            } else {
                vi += &format!("; trường hợp cần xác minh: thêm không quá {extra} ngày làm việc");
                en += &format!("; if facts must be verified: up to {extra} more working days");
            }
        }
        (vi, en)
    }
}

fn is_field_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl FieldSpec {
    fn validate(&self) -> Result<(), String> {
        use FieldKind as K;
        let text_only = self.min_len.is_some()
            || self.max_len.is_some()
            || self.pattern.is_some()
            || self.pattern_hint_vi.is_some();
        if text_only && self.kind != K::Text {
            return Err("min_len, max_len and pattern apply to text fields only".into());
        }
        let date_only =
            self.not_future || self.min_age_years.is_some() || self.max_age_years.is_some();
        if date_only && self.kind != K::Date {
            return Err("not_future and age bounds apply to date fields only".into());
        }
        if !self.options.is_empty() && self.kind != K::Choice {
            return Err("options apply to choice fields only".into());
        }
        let bounded = matches!(self.kind, K::Number | K::Year | K::Copies | K::Pages);
        if (self.min.is_some() || self.max.is_some()) && !bounded {
            return Err("min and max apply to number, year, copies and pages only".into());
        }
        match self.kind {
            K::Choice if self.options.is_empty() => {
                return Err("a choice field needs options".into())
            }
            K::Copies if self.name != "copies" => {
                return Err("the copies field must be named \"copies\"".into())
            }
            K::Pages if self.name != "pages" => {
                return Err("the pages field must be named \"pages\"".into())
            }
            K::Number if self.min.is_none() || self.max.is_none() => {
                return Err("a number field needs min and max".into())
            }
            _ => {}
        }
        if let (Some(min), Some(max)) = (self.min, self.max) {
            if min > max {
                return Err("min is greater than max".into());
            }
        }
        if let (Some(min), Some(max)) = (self.min_len, self.max_len) {
            if min > max {
                return Err("min_len is greater than max_len".into());
            }
        }
        if let Some(pattern) = &self.pattern {
            regex::Regex::new(pattern).map_err(|e| format!("pattern does not compile: {e}"))?;
        }
        if let Some(default) = &self.default {
            if self.kind == K::Choice && !self.options.iter().any(|o| &o.value == default) {
                return Err(format!("default {default:?} is not one of the options"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_the_ten_ward_procedures() {
        let c = Catalogue::builtin();
        let codes: Vec<&str> = c.procedures.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "1.001193", "1.000894", "1.000656", "1.004873", "1.004837", "1.001022", "1.004859",
                "2.000635", "2.000815", "2.000884"
            ]
        );
        for p in &c.procedures {
            assert!(!p.documents.is_empty(), "{}", p.code);
            assert!(!p.form.is_empty(), "{}", p.code);
            assert!(!p.name_en.is_empty(), "{}", p.code);
            if p.presence_required {
                assert!(p.queue_service.is_some(), "{}", p.code);
            }
        }
        let fields: BTreeSet<&str> = c.procedures.iter().map(|p| p.field_vi.as_str()).collect();
        assert_eq!(
            fields.into_iter().collect::<Vec<_>>(),
            ["Chứng thực", "Hộ tịch"]
        );
    }

    #[test]
    fn birth_registration_has_the_realistic_form() {
        let c = Catalogue::builtin();
        let birth = c.get("1.001193").unwrap();
        let names: Vec<&str> = birth.form.iter().map(|f| f.name.as_str()).collect();
        for expected in [
            "requester_relation",
            "child_name",
            "child_birth_date",
            "child_sex",
            "child_ethnicity",
            "child_nationality",
            "child_birth_place",
            "child_home_town",
            "mother_name",
            "mother_birth_year",
            "mother_ethnicity",
            "mother_nationality",
            "mother_residence",
            "father_name",
            "father_birth_year",
            "father_ethnicity",
            "father_nationality",
            "father_residence",
            "copies",
            "pledge",
        ] {
            assert!(names.contains(&expected), "missing {expected}");
        }
        assert_eq!(birth.processing.working_days, 0);
    }

    #[test]
    fn processing_times_read_as_the_law_says() {
        let c = Catalogue::builtin();
        let cutoff = NaiveTime::from_hms_opt(15, 0, 0).unwrap();
        let (vi, _) = c.get("1.000894").unwrap().processing_text(cutoff);
        assert_eq!(
            vi,
            "Trong ngày làm việc (nhận sau 15 giờ thì trả vào ngày làm việc tiếp theo); \
             trường hợp cần xác minh: không quá 5 ngày làm việc"
        );
        let (vi, en) = c.get("1.001022").unwrap().processing_text(cutoff);
        assert_eq!(
            vi,
            "3 ngày làm việc; trường hợp cần xác minh: thêm không quá 5 ngày làm việc"
        );
        assert!(en.starts_with("3 working days"));
    }

    #[test]
    fn a_catalogue_with_mistakes_is_refused_naming_the_place() {
        let base = Catalogue::builtin();
        let mut c = base.clone();
        c.procedures[1].code = c.procedures[0].code.clone();
        assert!(c.validate().unwrap_err().to_string().contains("twice"));

        let mut c = base.clone();
        let copy = c
            .procedures
            .iter_mut()
            .find(|p| p.code == "2.000815")
            .unwrap();
        copy.form.retain(|f| f.kind != FieldKind::Pages);
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("2.000815 fee"), "{err}");

        let mut c = base.clone();
        let name = c.procedures[0]
            .form
            .iter_mut()
            .find(|f| f.name == "child_name")
            .unwrap();
        name.pattern = Some("([".into());
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("pattern"), "{err}");

        let mut c = base;
        let mut choice = FieldSpec::new("x", FieldKind::Choice, "X", "X");
        choice.options.clear();
        c.procedures[0].form.push(choice);
        let err = c.validate().unwrap_err().to_string();
        assert!(err.contains("1.001193 form.x"), "{err}");
    }

    #[test]
    fn the_catalogue_round_trips_through_json() {
        let c = Catalogue::builtin();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(Catalogue::from_json(&json).unwrap(), c);
    }
}
