//! Online filing at the kiosk, as plain Rust: the procedure list and its
//! search, consent, the card pre-fill, the form with the on-screen keyboard,
//! review, submission and the receipt (the form model).
//!
//! [`Filing`] holds what the citizen entered; [`super::controller::filing`]
//! owns one and routes touches, keys, scans and hub answers to it. Like the
//! rest of the controller it performs no I/O: it returns what to do, and
//! renders its state into strings for the screen.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use motcua_drivers::scanner::{DocumentAssembler, DocumentKind, IdError, IdWarning, Sex};
use motcua_drivers::IdentityDocument;
use serde_json::Value;

use crate::apps::shell::Lang;
use crate::domain::form::{self, DossierInput, FieldErrors};
use crate::domain::procedure::{FieldKind, FieldSpec};
use crate::domain::vietnamese_input::{apply_action, Action, KeyboardMode};
use motcua_api::{CatalogueView, FileRequest, FiledDossier, ProcedureEntry};

/// Where typed keys go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Focus {
    Search,
    Field(String),
}

/// One form field as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldView {
    pub key: String,
    /// Set on the first field of a section.
    pub section: String,
    pub label: String,
    /// `text`, `numeric`, `choice` or `pledge`.
    pub kind: &'static str,
    pub value: String,
    pub error: String,
    pub help: String,
    pub required: bool,
    pub active: bool,
    /// (value, label)
    pub options: Vec<(String, String)>,
}

/// A procedure in the list: (code, name, group, detail).
pub type ProcedureRow = (String, String, String, String);

/// What the citizen is doing in the filing flow.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub catalogue: Option<Arc<CatalogueView>>,
    search: String,
    procedure: Option<String>,
    consent: bool,
    /// Form values by key: `applicant.name`, `child_name`, `pages`, …
    values: BTreeMap<String, String>,
    errors: FieldErrors,
    /// A sentence about the whole form (e.g. the card's warnings).
    notice: Option<(String, String)>,
    focus: Option<Focus>,
    shift: bool,
    /// Simple (the default), Telex or VNI.
    mode: KeyboardMode,
    scan_message: Option<(String, String, bool)>,
    /// The request being submitted: its idempotency key and body, the same
    /// for every retry.
    pub submission: Option<(String, FileRequest)>,
    pub filed: Option<FiledDossier>,
    /// Scanner lines of an MRZ being read (in memory only, never stored).
    assembler: DocumentAssembler,
}

impl Filing {
    pub fn procedure(&self) -> Option<&ProcedureEntry> {
        let code = self.procedure.as_deref()?;
        self.catalogue
            .as_ref()?
            .procedures
            .iter()
            .find(|p| p.code == code)
    }

    pub fn has_catalogue(&self) -> bool {
        self.catalogue.is_some()
    }

    pub fn consented(&self) -> bool {
        self.consent
    }

    pub fn mode(&self) -> KeyboardMode {
        self.mode
    }

    pub fn shift(&self) -> bool {
        self.shift
    }

    pub fn focus(&self) -> Option<&Focus> {
        self.focus.as_ref()
    }

    /// Forgets everything the citizen entered (the catalogue stays).
    pub fn reset(&mut self) {
        let catalogue = self.catalogue.take();
        *self = Filing {
            catalogue,
            ..Filing::default()
        };
    }

    /// The procedure list, with the keyboard closed: it opens when the
    /// search box is touched, never by itself over the list.
    pub fn start_search(&mut self) {
        self.reset();
    }

    /// The search box was touched: keys go to it.
    pub fn focus_search(&mut self) {
        self.focus = Some(Focus::Search);
        self.shift = false;
    }

    pub fn choose(&mut self, code: &str) -> bool {
        let known = self
            .catalogue
            .as_ref()
            .is_some_and(|c| c.procedures.iter().any(|p| p.code == code));
        if known {
            self.procedure = Some(code.to_owned());
            self.focus = None;
        }
        known
    }

    /// The applicant's fields, then the procedure's, in display order, each
    /// with its key.
    fn specs(&self) -> Vec<(String, FieldSpec)> {
        let Some(p) = self.procedure() else {
            return Vec::new();
        };
        let applicant = self
            .catalogue
            .as_ref()
            .map(|c| c.applicant_form.clone())
            .unwrap_or_else(form::applicant_form);
        applicant
            .into_iter()
            .map(|f| (format!("applicant.{}", f.name), f))
            .chain(p.form.iter().cloned().map(|f| (f.name.clone(), f)))
            .collect()
    }

    /// Sets up the form: defaults, and what earlier fields pre-fill.
    pub fn open_form(&mut self, consent: bool) {
        self.consent = consent;
        for (key, spec) in self.specs() {
            if let Some(default) = &spec.default {
                self.values.entry(key).or_insert_with(|| default.clone());
            }
        }
        self.apply_prefill();
    }

    fn apply_prefill(&mut self) {
        for (key, spec) in self.specs() {
            let Some(source) = &spec.prefill else {
                continue;
            };
            let empty = self.values.get(&key).is_none_or(|v| v.is_empty());
            if let Some(v) = self.values.get(source).filter(|v| !v.is_empty()).cloned() {
                if empty {
                    self.values.insert(key, v);
                }
            }
        }
    }

    /// Feeds a scanner line; a document (or an error) once complete.
    pub fn assemble(&mut self, line: &str) -> Option<Result<IdentityDocument, IdError>> {
        self.assembler.push(line)
    }

    /// A scanned line while the scan page shows: the card fills the form.
    /// `Err` is the sentence to show (Vietnamese, English).
    pub fn card_scanned(
        &mut self,
        parsed: Result<IdentityDocument, IdError>,
    ) -> Result<(), (String, String)> {
        let doc = match parsed {
            Ok(doc) => doc,
            Err(err) => {
                let message = scan_error_message(&err);
                self.scan_message = Some((message.0.clone(), message.1.clone(), true));
                return Err(message);
            }
        };
        let mut set = |k: &str, v: String| {
            self.values.insert(format!("applicant.{k}"), v);
        };
        // MRZ names have no diacritics: better than nothing, and editable.
        set("name", doc.full_name.clone());
        set("id_number", doc.id_number.clone());
        set(
            "date_of_birth",
            doc.date_of_birth.format("%d/%m/%Y").to_string(),
        );
        match doc.sex {
            Sex::Male => set("sex", "Nam".into()),
            Sex::Female => set("sex", "Nữ".into()),
            Sex::Unspecified => {}
        }
        if let Some(address) = &doc.address {
            set("address", address.clone());
        }
        let mismatch = doc.warnings.iter().any(|w| {
            matches!(
                w,
                IdWarning::CenturyDigitMismatch
                    | IdWarning::SexDigitMismatch
                    | IdWarning::BirthYearMismatch
            )
        });
        self.notice = match (mismatch, doc.kind) {
            (true, _) => Some((
                "Số định danh trên thẻ không khớp với ngày sinh hoặc giới tính. Hãy kiểm tra lại trước khi nộp; cán bộ sẽ đối chiếu bản gốc.".into(),
                "The ID number on the card does not match the date of birth or sex. Please check before submitting; staff will compare with the original.".into(),
            )),
            (false, DocumentKind::MrzTd1) => Some((
                "Họ tên đọc từ mặt sau thẻ không có dấu: hãy sửa lại cho đúng.".into(),
                "The name read from the back of the card has no diacritics: please correct it.".into(),
            )),
            _ => None,
        };
        self.scan_message = None;
        self.apply_prefill();
        Ok(())
    }

    pub fn focus_field(&mut self, key: &str) {
        let spec = self.specs().into_iter().find(|(k, _)| k == key);
        if let Some((k, spec)) = spec {
            if matches!(spec.kind, FieldKind::Choice | FieldKind::Pledge) {
                return;
            }
            self.focus = Some(Focus::Field(k));
            self.shift = false;
        }
    }

    pub fn choose_option(&mut self, key: &str, value: &str) {
        if self.specs().iter().any(|(k, _)| k == key) {
            self.values.insert(key.to_owned(), value.to_owned());
            self.errors.remove(key);
            self.focus = None;
        }
    }

    fn focused_kind(&self) -> Option<FieldKind> {
        match &self.focus {
            Some(Focus::Field(key)) => self
                .specs()
                .into_iter()
                .find(|(k, _)| k == key)
                .map(|(_, s)| s.kind),
            _ => None,
        }
    }

    /// A key of the on-screen keyboard.
    pub fn key(&mut self, key: &str) {
        match key {
            "shift" => {
                self.shift = !self.shift;
                return;
            }
            "method" => {
                // Simple → Telex → VNI → Simple.
                self.mode = match self.mode {
                    KeyboardMode::Simple => KeyboardMode::Telex,
                    KeyboardMode::Telex => KeyboardMode::Vni,
                    KeyboardMode::Vni => KeyboardMode::Simple,
                };
                return;
            }
            "done" => {
                self.focus = None;
                return;
            }
            _ => {}
        }
        let kind = self.focused_kind();
        let mode = self.mode;
        let shift = std::mem::take(&mut self.shift);
        let (text, compose, capitalise, numeric) = match &self.focus {
            Some(Focus::Search) => (&mut self.search, true, false, false),
            Some(Focus::Field(k)) => {
                let numeric = !matches!(kind, Some(FieldKind::Text));
                // Only a person's name starts its words with capitals
                // (not "document_name": "bằng tốt nghiệp" stays as typed).
                let capitalise = k.ends_with("name") && !k.starts_with("document");
                let k = k.clone();
                self.errors.remove(&k);
                (
                    self.values.entry(k).or_default(),
                    !numeric,
                    capitalise,
                    numeric,
                )
            }
            None => return,
        };
        match key {
            "backspace" => {
                text.pop();
            }
            " " if !numeric => text.push(' '),
            // A key of its own for a Vietnamese letter or a tone: "[a^]",
            // "[sac]" (the names of `motcua diag type --method simple`).
            action if !numeric && action.starts_with('[') && action.ends_with(']') => {
                let Ok(action) = action[1..action.len() - 1].parse::<Action>() else {
                    return;
                };
                let at_word_start = text.is_empty() || text.ends_with(' ');
                let action = match action {
                    Action::Letter { key, .. } => Action::Letter {
                        key,
                        upper: shift || (capitalise && at_word_start),
                    },
                    tone => tone,
                };
                *text = apply_action(text, action);
            }
            _ => {
                let Some(c) = key.chars().next().filter(|_| key.chars().count() == 1) else {
                    return;
                };
                if numeric {
                    if c.is_ascii_digit() || c == '/' {
                        text.push(c);
                    }
                    return;
                }
                let at_word_start = text.is_empty() || text.ends_with(' ');
                let c = if shift || (capitalise && at_word_start) {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                };
                if compose && c.is_alphanumeric() {
                    *text = mode.apply_key(text, c);
                } else {
                    text.push(c);
                }
            }
        }
    }

    pub fn search_text(&self) -> &str {
        &self.search
    }

    /// The procedures matching the search, grouped by field.
    pub fn procedure_rows(&self, l: Lang) -> Vec<ProcedureRow> {
        let Some(catalogue) = &self.catalogue else {
            return Vec::new();
        };
        let wanted = fold(&self.search);
        let mut rows: Vec<(&ProcedureEntry, ProcedureRow)> = catalogue
            .procedures
            .iter()
            .filter(|p| {
                wanted.is_empty()
                    || fold(&p.name_vi).contains(&wanted)
                    || fold(&p.name_en).contains(&wanted)
            })
            .map(|p| {
                (
                    p,
                    (
                        p.code.clone(),
                        l.pick(&p.name_vi, &p.name_en).to_owned(),
                        l.pick(&p.field_vi, &p.field_en).to_owned(),
                        // The fee in short; the full rule and the time are
                        // on the next page.
                        l.pick(&p.fee_text_vi, &p.fee_text_en).to_owned(),
                    ),
                )
            })
            .collect();
        rows.sort_by(|a, b| a.1 .2.cmp(&b.1 .2).then(a.1 .1.cmp(&b.1 .1)));
        rows.into_iter().map(|(_, r)| r).collect()
    }

    /// The form as the screen shows it.
    pub fn field_views(&self, l: Lang) -> Vec<FieldView> {
        let mut last_section = String::new();
        self.specs()
            .into_iter()
            .map(|(key, spec)| {
                let section = match l {
                    Lang::Vi => spec.section_vi.clone(),
                    Lang::En => spec.section_en.clone(),
                }
                .unwrap_or_default();
                let heading = if section != last_section {
                    last_section = section.clone();
                    section
                } else {
                    String::new()
                };
                let kind = match spec.kind {
                    FieldKind::Text => "text",
                    FieldKind::Choice => "choice",
                    FieldKind::Pledge => "pledge",
                    _ => "numeric",
                };
                let help = match spec.kind {
                    FieldKind::Date => l
                        .pick(
                            "Ngày/tháng/năm, ví dụ 15/03/1990",
                            "Day/month/year, e.g. 15/03/1990",
                        )
                        .to_owned(),
                    _ => match l {
                        Lang::Vi => spec.help_vi.clone(),
                        Lang::En => spec.help_en.clone(),
                    }
                    .unwrap_or_default(),
                };
                FieldView {
                    active: self.focus == Some(Focus::Field(key.clone())),
                    value: self.values.get(&key).cloned().unwrap_or_default(),
                    error: self
                        .errors
                        .get(&key)
                        .map(|e| l.pick(&e.message_vi, &e.message_en).to_owned())
                        .unwrap_or_default(),
                    section: heading,
                    label: l.pick(&spec.label_vi, &spec.label_en).to_owned(),
                    kind,
                    help,
                    required: spec.required,
                    options: spec
                        .options
                        .iter()
                        .map(|o| (o.value.clone(), l.pick(&o.label_vi, &o.label_en).to_owned()))
                        .collect(),
                    key,
                }
            })
            .collect()
    }

    /// The keyboard to show: `text`, `numeric`, or none.
    pub fn keyboard(&self) -> &'static str {
        match &self.focus {
            Some(Focus::Field(_)) => match self.focused_kind() {
                Some(FieldKind::Text) => "text",
                Some(_) => "numeric",
                None => "",
            },
            Some(Focus::Search) => "text",
            None => "",
        }
    }

    /// The request as the hub takes it.
    pub fn input(&self) -> DossierInput {
        let mut input = DossierInput::default();
        for (key, spec) in self.specs() {
            let Some(raw) = self
                .values
                .get(&key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            let value = match spec.kind {
                FieldKind::Number | FieldKind::Year | FieldKind::Copies | FieldKind::Pages => raw
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::from(raw)),
                FieldKind::Pledge => Value::Bool(raw == "true"),
                _ => Value::from(raw),
            };
            match (key.strip_prefix("applicant."), spec.kind) {
                (Some(name), _) => {
                    input.applicant.insert(name.to_owned(), value);
                }
                (None, FieldKind::Pages) => input.pages = Some(value),
                (None, FieldKind::Copies) => input.copies = Some(value),
                (None, _) => {
                    input.fields.insert(key, value);
                }
            }
        }
        input
    }

    /// Checks the form as the hub will; on errors, focuses the first one.
    pub fn check(&mut self, today: NaiveDate) -> bool {
        let Some(p) = self.procedure().cloned() else {
            return false;
        };
        match form::validate(&p, &self.input(), today) {
            Ok(_) => {
                self.errors.clear();
                self.focus = None;
                true
            }
            Err(errors) => {
                self.set_errors(errors);
                false
            }
        }
    }

    /// Field errors (from the local check or the hub's `422`): the first
    /// wrong field takes the keyboard.
    pub fn set_errors(&mut self, errors: FieldErrors) {
        self.errors = errors;
        if let Some(k) = self.first_error() {
            self.focus_field(&k);
        }
    }

    /// The key of the first wrong field, in the form's order.
    pub fn first_error(&self) -> Option<String> {
        self.specs()
            .into_iter()
            .map(|(k, _)| k)
            .find(|k| self.errors.contains_key(k))
    }

    /// "3 ô cần sửa" above the form, or the card's warning.
    pub fn summary(&self, l: Lang) -> String {
        if !self.errors.is_empty() {
            return match l {
                Lang::Vi => format!("Có {} ô cần sửa (đánh dấu đỏ bên dưới).", self.errors.len()),
                Lang::En => format!(
                    "{} fields need correcting (marked in red below).",
                    self.errors.len()
                ),
            };
        }
        self.notice
            .as_ref()
            .map(|(vi, en)| l.pick(vi, en).to_owned())
            .unwrap_or_default()
    }

    /// "Label: value" lines of the review page.
    pub fn review_lines(&self, l: Lang) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(p) = self.procedure() {
            lines.push(format!(
                "{}: {}",
                l.pick("Thủ tục", "Procedure"),
                l.pick(&p.name_vi, &p.name_en)
            ));
        }
        for f in self.field_views(l) {
            if f.value.is_empty() {
                continue;
            }
            if f.kind == "pledge" {
                lines.push(format!("✓ {}", f.label));
                continue;
            }
            let value = match f.kind {
                "choice" => f
                    .options
                    .iter()
                    .find(|(v, _)| *v == f.value)
                    .map(|(_, label)| label.clone())
                    .unwrap_or(f.value.clone()),
                // The citizen's own ID number in full on their own screen
                // (masked only on paper and in logs), so they can check it.
                _ => f.value.clone(),
            };
            lines.push(format!("{}: {value}", f.label));
        }
        lines
    }

    /// The fee for the review page, computed as the hub will.
    pub fn fee_text(&self, l: Lang, today: NaiveDate) -> String {
        let Some(p) = self.procedure() else {
            return String::new();
        };
        let input = self.input();
        let count = |v: &Option<Value>| v.as_ref().and_then(Value::as_u64).map(|n| n as u32);
        let dates: BTreeMap<String, NaiveDate> = input
            .fields
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), form::parse_date(v.as_str()?)?)))
            .collect();
        let lookup = |name: &str| dates.get(name).copied();
        match crate::domain::fee::compute(
            &p.fee,
            &crate::domain::fee::FeeInput {
                pages: count(&input.pages),
                copies: count(&input.copies),
                received_on: today,
                date_field: &lookup,
            },
        ) {
            Ok(fee) if fee.total == 0 => l.pick("Lệ phí: miễn phí", "Fee: free").to_owned(),
            Ok(fee) => format!(
                "{}: {}",
                l.pick("Lệ phí", "Fee"),
                crate::domain::fee::format_dong(fee.total)
            ),
            Err(_) => l.pick(&p.fee_text_vi, &p.fee_text_en).to_owned(),
        }
    }

    /// The body of `POST /api/v1/dossiers`.
    pub fn request_body(&self) -> Option<FileRequest> {
        let p = self.procedure()?;
        let input = self.input();
        Some(FileRequest {
            procedure: p.code.clone(),
            applicant: input.applicant,
            fields: input.fields,
            pages: input.pages,
            copies: input.copies,
        })
    }

    pub fn scan_message(&self, l: Lang) -> (String, bool) {
        match &self.scan_message {
            Some((vi, en, failed)) => (l.pick(vi, en).to_owned(), *failed),
            None => (
                l.pick(
                    "Đang chờ đầu đọc… Mã QR nằm ở góc trên bên phải mặt trước thẻ.",
                    "Waiting for the scanner… The QR code is at the top right of the card's front.",
                )
                .to_owned(),
                false,
            ),
        }
    }
}

/// Lower case without diacritics, for search.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// What to tell a citizen whose card did not read.
pub fn scan_error_message(err: &IdError) -> (String, String) {
    match err {
        IdError::NotRecognised | IdError::TooFewFields { .. } => (
            "Mã vừa quét không phải mã QR trên căn cước. Hãy quét mã QR ở mặt trước thẻ.".into(),
            "That was not the QR code of an ID card. Please scan the QR code on the card's front.".into(),
        ),
        IdError::NotUtf8 | IdError::TooLong { .. } | IdError::Empty => (
            "Đầu đọc gửi dữ liệu hỏng. Hãy quét lại; nếu vẫn lỗi, chọn \"Tôi tự nhập\".".into(),
            "The scanner sent damaged data. Please scan again, or choose \"I will type it\".".into(),
        ),
        _ => (
            "Mã trên thẻ đọc chưa đúng (có thể do mờ hoặc lóa). Hãy quét lại, giữ thẻ yên; hoặc chọn \"Tôi tự nhập\".".into(),
            "The card's code did not read correctly (blur or glare). Please scan again holding the card still, or choose \"I will type it\".".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Arc<CatalogueView> {
        let filing = crate::domain::procedure::Catalogue::builtin();
        let view = serde_json::json!({
            "source": "local",
            "version": filing.version,
            "fetched_at": null,
            "office_hours": {"opens": "07:30", "closes": "17:00", "same_day_cutoff": "15:00"},
            "applicant_form": form::applicant_form(),
            "procedures": filing.procedures.iter().map(|p| {
                let mut v = serde_json::to_value(p).unwrap();
                v["fee_text_vi"] = "Miễn lệ phí".into();
                v["fee_text_en"] = "Free".into();
                v["processing_text_vi"] = "Trong ngày".into();
                v["processing_text_en"] = "Same day".into();
                v
            }).collect::<Vec<_>>(),
        });
        Arc::new(serde_json::from_value(view).unwrap())
    }

    fn filing() -> Filing {
        Filing {
            catalogue: Some(catalogue()),
            ..Filing::default()
        }
    }

    fn today() -> NaiveDate {
        "2026-11-26".parse().unwrap()
    }

    #[test]
    fn search_ignores_case_and_diacritics() {
        let mut f = filing();
        f.start_search();
        assert_eq!(
            f.keyboard(),
            "",
            "no keyboard until the search box is touched"
        );
        f.focus_search();
        for k in ["k", "h", "a", "i", " ", "s", "i", "n", "h"] {
            f.key(k);
        }
        assert_eq!(f.search_text(), "khai sinh");
        let rows = f.procedure_rows(Lang::Vi);
        assert!(rows.iter().any(|r| r.0 == "1.001193"), "{rows:?}");
        assert!(rows.iter().all(|r| fold(&r.1).contains("khai sinh")));
    }

    #[test]
    fn the_card_fills_the_applicant_and_prefills_the_form() {
        let mut f = filing();
        assert!(f.choose("1.001193"));
        f.open_form(true);
        let line = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021";
        f.card_scanned(motcua_drivers::scanner::parse_line(line))
            .unwrap();
        let fields = f.field_views(Lang::Vi);
        let value = |k: &str| {
            fields
                .iter()
                .find(|v| v.key == k)
                .map(|v| v.value.clone())
                .unwrap_or_default()
        };
        assert_eq!(value("applicant.name"), "Nguyễn Văn An");
        assert_eq!(value("applicant.id_number"), "001090012345");
        assert_eq!(value("applicant.date_of_birth"), "15/03/1990");
        assert_eq!(value("applicant.sex"), "Nam");
        // Review shows the citizen's own ID number in full (issue 14
        // item 5); the paper receipt masks it.
        assert!(f
            .review_lines(Lang::Vi)
            .iter()
            .any(|l| l.ends_with(": 001090012345")));
    }

    #[test]
    fn a_bad_scan_says_what_to_do_and_keeps_nothing() {
        let mut f = filing();
        f.choose("1.001193");
        f.open_form(true);
        let err = f
            .card_scanned(motcua_drivers::scanner::parse_line("hello world"))
            .unwrap_err();
        assert!(
            err.0.contains("không phải mã QR trên căn cước"),
            "{}",
            err.0
        );
        assert!(f
            .field_views(Lang::Vi)
            .iter()
            .all(|v| !v.key.starts_with("applicant.") || v.value.is_empty()));
    }

    #[test]
    fn telex_in_name_fields_capitalises_each_word() {
        let mut f = filing();
        f.choose("1.001193");
        f.open_form(false);
        f.focus_field("applicant.name");
        // Simple is the default; the method key chooses Telex.
        assert_eq!(f.mode(), KeyboardMode::Simple);
        f.key("method");
        assert_eq!(f.mode(), KeyboardMode::Telex);
        for k in "nguyeenx vawn anh".chars() {
            f.key(&k.to_string());
        }
        let name = f
            .field_views(Lang::Vi)
            .into_iter()
            .find(|v| v.key == "applicant.name")
            .unwrap()
            .value;
        assert_eq!(name, "Nguyễn Văn Anh");
    }

    #[test]
    fn simple_mode_keys_type_letters_and_tones_without_capitals_outside_names() {
        let mut f = filing();
        f.choose("1.004873");
        f.open_form(false);
        let typed = |f: &mut Filing, key: &str, keys: &[&str]| {
            f.focus_field(key);
            for k in keys {
                f.key(k);
            }
            f.field_views(Lang::Vi)
                .into_iter()
                .find(|v| v.key == key)
                .unwrap()
                .value
        };
        let name = typed(
            &mut f,
            "applicant.name",
            &[
                "[dd]", "o", "[nang]", " ", "v", "a", "n", " ", "b", "i", "n", "h",
            ],
        );
        assert_eq!(name, "Đọ Van Binh", "capitals start each word of a name");
        let purpose = typed(
            &mut f,
            "purpose",
            &["k", "e", "t", "[e^]", "[sac]", " ", "h", "o", "n", "[o^]"],
        );
        assert_eq!(purpose, "kết hôn", "no capital outside name fields");
    }

    #[test]
    fn numeric_fields_take_digits_and_slashes_only() {
        let mut f = filing();
        f.choose("1.001193");
        f.open_form(false);
        f.focus_field("applicant.date_of_birth");
        assert_eq!(f.keyboard(), "numeric");
        for k in ["1", "5", "/", "0", "3", "a", "/", "1", "9", "9", "0"] {
            f.key(k);
        }
        let v = f
            .field_views(Lang::Vi)
            .into_iter()
            .find(|v| v.key == "applicant.date_of_birth")
            .unwrap();
        assert_eq!(v.value, "15/03/1990");
    }

    #[test]
    fn missing_fields_are_marked_and_the_first_is_focused() {
        let mut f = filing();
        f.choose("1.001193");
        f.open_form(false);
        assert!(!f.check(today()));
        let views = f.field_views(Lang::Vi);
        let name = views.iter().find(|v| v.key == "applicant.name").unwrap();
        assert!(!name.error.is_empty());
        assert!(name.active, "the first wrong field takes the keyboard");
        assert!(
            f.summary(Lang::Vi).starts_with("Có "),
            "{}",
            f.summary(Lang::Vi)
        );
    }
}
