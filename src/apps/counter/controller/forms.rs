//! The dossier the citizen filed, in words: the catalogue's forms (labels
//! and choices), the dossier as loaded from the hub, and the label/value
//! lines the officer checks against the originals — pure functions, with
//! no state of the counter, so the controller's files can all use them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};

use crate::apps::shell::Lang;
use motcua_api::{CatalogueView, FieldKind, FieldSpec};

/// The dossier's data, as label/value lines for the officer to check
/// against the originals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierInfo {
    pub code: String,
    pub title: String,
    pub lines: Vec<(String, String)>,
}

/// A dossier as the hub sent it (rendered in the officer's language at
/// each view, so switching language relabels it), or why it could not be
/// loaded, in both languages.
#[derive(Debug, Clone)]
pub(super) struct Loaded {
    pub(super) code: String,
    pub(super) data: Result<serde_json::Value, (String, String)>,
}

/// The forms of the catalogue (`GET /api/v1/procedures`): the labels and
/// choices of every field a dossier may carry.
#[derive(Debug, Clone, Default)]
pub struct Forms {
    pub(super) applicant: Vec<FieldSpec>,
    pub(super) procedures: HashMap<String, Vec<FieldSpec>>,
}

impl Forms {
    pub fn from_catalogue(catalogue: &CatalogueView) -> Self {
        Self {
            applicant: catalogue.applicant_form.clone(),
            procedures: catalogue
                .procedures
                .iter()
                .map(|p| (p.code.clone(), p.form.clone()))
                .collect(),
        }
    }

    /// The applicant's form and each procedure's (by its code).
    pub fn new(
        applicant: Vec<FieldSpec>,
        procedures: impl IntoIterator<Item = (String, Vec<FieldSpec>)>,
    ) -> Self {
        Self {
            applicant,
            procedures: procedures.into_iter().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.applicant.is_empty() && self.procedures.is_empty()
    }
}

/// Label of an applicant field the catalogue does not describe (an older
/// hub), in words.
fn field_label(l: Lang, key: &str) -> String {
    let known: &[(&str, &str, &str)] = &[
        ("name", "Họ và tên", "Full name"),
        ("id_number", "Số định danh cá nhân", "Personal ID number"),
        ("date_of_birth", "Ngày sinh", "Date of birth"),
        ("sex", "Giới tính", "Sex"),
        ("address", "Nơi cư trú", "Residence"),
        ("phone", "Số điện thoại", "Phone"),
    ];
    known
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, vi, en)| l.pick(vi, en).to_owned())
        .unwrap_or_else(|| match l {
            Lang::Vi => "Thông tin khác".to_owned(),
            Lang::En => "Other information".to_owned(),
        })
}

/// A value as people read it: times "08:40 26/11/2026", dates
/// "20/11/2026", yes/no in words.
fn value_text(v: &serde_json::Value, l: Lang) -> String {
    match v {
        serde_json::Value::String(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                t.format("%H:%M %d/%m/%Y").to_string()
            } else if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                d.format("%d/%m/%Y").to_string()
            } else {
                s.clone()
            }
        }
        serde_json::Value::Bool(b) => l
            .pick(
                if *b { "Có" } else { "Không" },
                if *b { "Yes" } else { "No" },
            )
            .to_owned(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A form field's value: a choice by its label, the rest by [`value_text`].
fn spec_value(spec: &FieldSpec, v: &serde_json::Value, l: Lang) -> String {
    if let Some(o) = spec
        .options
        .iter()
        .find(|o| v.as_str() == Some(o.value.as_str()))
    {
        return l.pick(&o.label_vi, &o.label_en).to_owned();
    }
    value_text(v, l)
}

/// The lines of a JSON object in its form's order, each labelled by the
/// form; keys the form does not know come last, labelled in words.
fn form_lines(
    object: &serde_json::Map<String, serde_json::Value>,
    form: &[FieldSpec],
    l: Lang,
    out: &mut Vec<(String, String)>,
) {
    for spec in form {
        if let Some(v) = object.get(&spec.name) {
            out.push((
                l.pick(&spec.label_vi, &spec.label_en).to_owned(),
                spec_value(spec, v, l),
            ));
        }
    }
    for (k, v) in object {
        if !form.iter().any(|s| &s.name == k) {
            out.push((field_label(l, k), value_text(v, l)));
        }
    }
}

/// The dossier as lines: code, pages and copies (the officer counts them
/// against the originals first), times, fee, status, then the applicant
/// and the form's fields (staff see them until the retention purge).
pub fn dossier_info(code: &str, v: &serde_json::Value, l: Lang, forms: &Forms) -> DossierInfo {
    let form: &[FieldSpec] = v["procedure"]
        .as_str()
        .and_then(|p| forms.procedures.get(p))
        .map_or(&[], Vec::as_slice);
    let mut lines = Vec::new();
    lines.push((
        l.pick("Mã hồ sơ", "Dossier code").to_owned(),
        code.to_owned(),
    ));
    for (kind, key, vi, en) in [
        (FieldKind::Pages, "pages", "Số trang", "Pages"),
        (FieldKind::Copies, "copies", "Số bản", "Copies"),
    ] {
        let label = form
            .iter()
            .find(|s| s.kind == kind)
            .map_or(l.pick(vi, en), |s| l.pick(&s.label_vi, &s.label_en));
        lines.push((label.to_owned(), value_text(&v[key], l)));
    }
    lines.push((
        l.pick("Tiếp nhận lúc", "Received at").to_owned(),
        value_text(&v["received_at"], l),
    ));
    lines.push((
        l.pick("Hẹn trả", "Due at").to_owned(),
        value_text(&v["due_at"], l),
    ));
    lines.push((
        l.pick("Lệ phí", "Fee").to_owned(),
        value_text(&v["fee_text"], l),
    ));
    lines.push((
        l.pick("Trạng thái", "Status").to_owned(),
        value_text(&v[l.pick("status_vi", "status_en")], l),
    ));
    if let Some(applicant) = v["applicant"].as_object() {
        form_lines(applicant, &forms.applicant, l, &mut lines);
    } else {
        lines.push((
            l.pick("Giấy tờ", "ID").to_owned(),
            value_text(&v["masked_id"], l),
        ));
    }
    if let Some(fields) = v["fields"].as_object() {
        form_lines(fields, form, l, &mut lines);
    }
    lines.retain(|(_, value)| !value.is_empty());
    let procedure = value_text(&v[l.pick("procedure_name_vi", "procedure_name_en")], l);
    DossierInfo {
        code: code.to_owned(),
        title: if procedure.is_empty() {
            format!("{} {code}", l.pick("Hồ sơ", "Dossier"))
        } else {
            procedure
        },
        lines,
    }
}
