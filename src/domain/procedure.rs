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

/// The catalogue's data types are the wire's: the hub serves procedures
/// as they are (`GET /api/v1/procedures`).
pub use motcua_api::{
    ChoiceOption, Document, FeeItem, FieldKind, FieldSpec, Procedure, Processing,
};

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
            validate_procedure(p)?;
        }
        Ok(())
    }
}

/// Checks one procedure: its names, form and fee rule fit together.
fn validate_procedure(p: &Procedure) -> Result<(), CatalogueError> {
    let at = |field: &str| format!("{} {field}", p.code);
    if p.name_vi.trim().is_empty() {
        return Err(invalid(at("name_vi"), "must not be empty"));
    }
    if let Some(level) = &p.online_level {
        if level != "toan_trinh" && level != "mot_phan" {
            return Err(invalid(
                at("online_level"),
                "must be \"toan_trinh\" or \"mot_phan\"",
            ));
        }
    }
    let mut names = BTreeSet::new();
    for f in &p.form {
        if !is_field_name(&f.name) {
            return Err(invalid(
                at(&format!("form.{}", f.name)),
                "field names are lower-case letters, digits and _",
            ));
        }
        if !names.insert(f.name.as_str()) {
            return Err(invalid(at(&format!("form.{}", f.name)), "defined twice"));
        }
        validate_field(f).map_err(|m| invalid(at(&format!("form.{}", f.name)), m))?;
    }
    for f in &p.form {
        if let Some(other) = &f.required_with {
            if !names.contains(other.as_str()) {
                return Err(invalid(
                    at(&format!("form.{}", f.name)),
                    format!("required_with names no field {other:?}"),
                ));
            }
        }
    }
    for item in &p.fee {
        match item {
            FeeItem::PerPage { .. } if !p.form.iter().any(|f| f.kind == FieldKind::Pages) => {
                return Err(invalid(
                    at("fee"),
                    "a per_page fee needs a `pages` field in the form",
                ))
            }
            FeeItem::Late { field, .. }
                if !p
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
    if p.presence_required && p.presence_reason_vi.is_none() {
        return Err(invalid(
            at("presence_reason_vi"),
            "say why the citizen must come to the counter",
        ));
    }
    Ok(())
}

/// The legal processing time of `p` in words: (Vietnamese, English).
pub fn processing_text(p: &Procedure, same_day_cutoff: NaiveTime) -> (String, String) {
    let cutoff = same_day_cutoff.format("%H:%M").to_string();
    let cutoff_vi = if same_day_cutoff.format("%M").to_string() == "00" {
        format!("{} giờ", same_day_cutoff.format("%-H"))
    } else {
        same_day_cutoff.format("%-H giờ %M").to_string()
    };
    let p = p.processing;
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

fn is_field_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks one form field: its attributes fit its kind.
fn validate_field(field: &FieldSpec) -> Result<(), String> {
    use FieldKind as K;
    let text_only = field.min_len.is_some()
        || field.max_len.is_some()
        || field.pattern.is_some()
        || field.pattern_hint_vi.is_some();
    if text_only && field.kind != K::Text {
        return Err("min_len, max_len and pattern apply to text fields only".into());
    }
    let date_only =
        field.not_future || field.min_age_years.is_some() || field.max_age_years.is_some();
    if date_only && field.kind != K::Date {
        return Err("not_future and age bounds apply to date fields only".into());
    }
    if !field.options.is_empty() && field.kind != K::Choice {
        return Err("options apply to choice fields only".into());
    }
    let bounded = matches!(field.kind, K::Number | K::Year | K::Copies | K::Pages);
    if (field.min.is_some() || field.max.is_some()) && !bounded {
        return Err("min and max apply to number, year, copies and pages only".into());
    }
    match field.kind {
        K::Choice if field.options.is_empty() => return Err("a choice field needs options".into()),
        K::Copies if field.name != "copies" => {
            return Err("the copies field must be named \"copies\"".into())
        }
        K::Pages if field.name != "pages" => {
            return Err("the pages field must be named \"pages\"".into())
        }
        K::Number if field.min.is_none() || field.max.is_none() => {
            return Err("a number field needs min and max".into())
        }
        _ => {}
    }
    if let (Some(min), Some(max)) = (field.min, field.max) {
        if min > max {
            return Err("min is greater than max".into());
        }
    }
    if let (Some(min), Some(max)) = (field.min_len, field.max_len) {
        if min > max {
            return Err("min_len is greater than max_len".into());
        }
    }
    if let Some(pattern) = &field.pattern {
        regex::Regex::new(pattern).map_err(|e| format!("pattern does not compile: {e}"))?;
    }
    if let Some(default) = &field.default {
        if field.kind == K::Choice && !field.options.iter().any(|o| &o.value == default) {
            return Err(format!("default {default:?} is not one of the options"));
        }
    }
    Ok(())
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
        let (vi, _) = processing_text(c.get("1.000894").unwrap(), cutoff);
        assert_eq!(
            vi,
            "Trong ngày làm việc (nhận sau 15 giờ thì trả vào ngày làm việc tiếp theo); \
             trường hợp cần xác minh: không quá 5 ngày làm việc"
        );
        let (vi, en) = processing_text(c.get("1.001022").unwrap(), cutoff);
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
