//! The filing flow: procedure list → what to bring → consent → card scan →
//! form → review → submission → the filed dossier and its receipt. The
//! form itself (values, checks, the keyboard's editing) is the model in
//! [`crate::apps::kiosk::filing::Filing`]; this flow moves between its
//! pages. Its screen is `FilingAdapter`, with the keyboard's
//! `KeyboardAdapter`.

use std::sync::Arc;

use chrono::NaiveDate;
use motcua_api::{CatalogueView, FiledDossier, TicketView};

use super::shared::{not_printed, Effect, KeyboardScreen, Message, Nav, PrintState};
use crate::apps::devices::PrintOutcome;
use crate::apps::hub_client::HubError;
use crate::apps::kiosk::filing::{FieldView, Filing};
use crate::apps::shell::Lang;
use crate::apps::ui::{KeyboardMode, KioskPage as Page, PrintStatus};
use crate::domain::receipt::{pay_where_en, pay_where_vi, NextStep};
use crate::domain::vietnamese_input::KeyboardMode as TypingMode;

/// What the filing pages show (`FilingAdapter`), in the current language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilingScreen {
    /// (code, name, group, detail)
    pub procedures: Vec<(String, String, String, String)>,
    pub search_text: String,
    pub procedure_name: String,
    pub procedure_documents: Vec<String>,
    pub procedure_fee: String,
    pub procedure_time: String,
    pub procedure_presence: String,
    pub scan_message: String,
    pub scan_failed: bool,
    pub form_fields: Vec<FieldView>,
    pub form_summary: String,
    /// The first wrong field, which the form scrolls into view each time
    /// `form_scroll_request` changes (a failed check).
    pub form_scroll_field: String,
    pub form_scroll_request: i32,
    pub review_lines: Vec<String>,
    pub review_fee: String,
    pub filed_code: String,
    /// The short code for the lookup, as the receipt prints it.
    pub filed_short_code: String,
    pub filed_received: String,
    pub filed_due: String,
    pub filed_fee: String,
    pub filed_collect: String,
    pub filed_ticket: String,
    pub filed_note: String,
    pub print_state: PrintStatus,
    pub print_message: String,
}

/// The filing flow's state.
#[derive(Debug, Clone, Default)]
pub struct FilingFlow {
    form: Filing,
    in_flight: bool,
    /// The receipt's printing.
    print: Option<PrintState>,
    /// The queue ticket linked to a filed dossier (printed after the receipt).
    linked_ticket: Option<TicketView>,
    ticket_print: Option<PrintState>,
    /// Counts the checks that found errors: each one takes the citizen to
    /// the first wrong field.
    scroll_request: i32,
}

impl FilingFlow {
    /// Forgets everything the citizen entered (the catalogue stays).
    pub fn reset(&mut self) {
        self.form.reset();
        self.in_flight = false;
        self.print = None;
        self.linked_ticket = None;
        self.ticket_print = None;
    }

    pub fn catalogue_loaded(&mut self, catalogue: Result<CatalogueView, HubError>) {
        match catalogue {
            Ok(c) => self.form.catalogue = Some(Arc::new(c)),
            Err(err) => tracing::warn!(%err, "no procedure catalogue: filing hidden"),
        }
    }

    pub fn enabled(&self) -> bool {
        self.form.has_catalogue()
    }

    pub fn start(&mut self, nav: &mut Nav) -> Vec<Effect> {
        if nav.page != Page::Home {
            return Vec::new();
        }
        if !self.form.has_catalogue() {
            return vec![Effect::LoadCatalogue];
        }
        self.form.start_search();
        nav.page = Page::Procedures;
        Vec::new()
    }

    pub fn choose_procedure(&mut self, nav: &mut Nav, code: &str) -> Vec<Effect> {
        if nav.page == Page::Procedures && self.form.choose(code) {
            nav.page = Page::Procedure;
        }
        Vec::new()
    }

    /// Back one step inside the flow.
    pub fn back(&mut self, nav: &mut Nav) {
        match nav.page {
            Page::Procedure => {
                self.form.start_search();
                nav.page = Page::Procedures;
            }
            Page::Scan => nav.page = Page::Consent,
            Page::Form => nav.page = Page::Procedure,
            _ => {}
        }
    }

    pub fn consent(&mut self, nav: &mut Nav, agree: bool) -> Vec<Effect> {
        if nav.page != Page::Consent {
            return Vec::new();
        }
        self.form.open_form(agree);
        nav.page = if agree { Page::Scan } else { Page::Form };
        Vec::new()
    }

    /// A scanner line on the scan page: an ID card, read only after consent.
    pub fn scanned(&mut self, nav: &mut Nav, raw: &str) {
        if !self.form.consented() {
            return;
        }
        // An MRZ comes as three lines; a QR code as one.
        if let Some(parsed) = self.form.assemble(raw) {
            if self.form.card_scanned(parsed).is_ok() {
                nav.page = Page::Form;
            }
        }
    }

    pub fn focus_search(&mut self, nav: &Nav) {
        if nav.page == Page::Procedures {
            self.form.focus_search();
        }
    }

    pub fn focus_field(&mut self, key: &str) {
        self.form.focus_field(key);
    }

    pub fn choose_option(&mut self, key: &str, value: &str) {
        self.form.choose_option(key, value);
    }

    pub fn key(&mut self, key: &str) {
        self.form.key(key);
    }

    pub fn review(&mut self, nav: &mut Nav, today: NaiveDate) {
        if nav.page != Page::Form {
            return;
        }
        if self.form.check(today) {
            nav.page = Page::Review;
        } else {
            self.scroll_request += 1;
        }
    }

    pub fn submit(&mut self, nav: &mut Nav) -> Vec<Effect> {
        if nav.page != Page::Review {
            return Vec::new();
        }
        let Some(body) = self.form.request_body() else {
            return Vec::new();
        };
        let key = uuid::Uuid::new_v4().to_string();
        self.form.submission = Some((key.clone(), body.clone()));
        nav.page = Page::Submitting;
        self.in_flight = true;
        vec![Effect::SubmitDossier { key, body }]
    }

    /// "Thử lại" after a failed submission: the same body, the same key.
    /// `None` when no submission failed (the queue flow's retry, then).
    pub fn retry(&mut self, nav: &mut Nav) -> Option<Vec<Effect>> {
        let (key, body) = self.form.submission.clone()?;
        if self.in_flight {
            return Some(Vec::new());
        }
        nav.page = Page::Submitting;
        nav.message = None;
        self.in_flight = true;
        Some(vec![Effect::SubmitDossier { key, body }])
    }

    /// `counters`: the open counters serving the linked ticket's service
    /// (for the printed receipt's next step).
    pub fn filed(
        &mut self,
        nav: &mut Nav,
        key: &str,
        result: Result<FiledDossier, HubError>,
        counters: Vec<String>,
    ) -> Vec<Effect> {
        if self.form.submission.as_ref().map(|(k, _)| k.as_str()) != Some(key) {
            return Vec::new();
        }
        self.in_flight = false;
        match result {
            Ok(filed) => {
                nav.page = Page::Filed;
                self.print = Some(PrintState::Printing);
                self.linked_ticket = filed.ticket.clone();
                self.ticket_print = filed.ticket.as_ref().map(|_| PrintState::Printing);
                self.form.filed = Some(filed.clone());
                vec![Effect::PrintFiled {
                    filed: Box::new(filed),
                    ticket_qr: None,
                    counters,
                }]
            }
            Err(HubError::Refused { fields, .. }) if !fields.is_empty() => {
                // The hub found what the local check did not (a newer
                // catalogue): back to the form with its messages.
                self.form.submission = None;
                self.form.set_errors(fields);
                self.scroll_request += 1;
                nav.page = Page::Form;
                Vec::new()
            }
            Err(err) => {
                let transient = err.is_transient();
                if !transient {
                    self.form.submission = None;
                }
                nav.show(Message {
                    title_vi: "Chưa nộp được hồ sơ".into(),
                    title_en: "The dossier was not filed yet".into(),
                    text_vi: format!(
                        "{} Hồ sơ bạn đã nhập vẫn còn trên máy: chạm \"Thử lại\".",
                        err.message(false)
                    ),
                    text_en: format!(
                        "{} What you entered is still here: touch \"Try again\".",
                        err.message(true)
                    ),
                    can_retry: transient,
                });
                Vec::new()
            }
        }
    }

    /// The receipt (and the linked ticket) came out of the printer, or not.
    pub fn printed(
        &mut self,
        nav: &Nav,
        receipt: PrintOutcome,
        ticket: Option<PrintOutcome>,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        if nav.page == Page::Filed {
            self.print = Some(PrintState::from_outcome(receipt.result));
        }
        if let (Some(t), Some(outcome)) = (&self.linked_ticket, ticket) {
            effects.push(Effect::ReportPrint {
                ticket: t.id,
                failure: outcome.result.err().map(|k| k.as_str().to_owned()),
                key: format!("print-{}-{}", t.id, uuid::Uuid::new_v4()),
            });
            self.ticket_print = Some(PrintState::from_outcome(outcome.result));
        }
        effects
    }

    /// The keyboard while the procedure list or the form shows.
    pub fn keyboard(&self, l: Lang) -> KeyboardScreen {
        let mode = match self.form.keyboard() {
            "text" => KeyboardMode::Text,
            "numeric" => KeyboardMode::Numeric,
            _ => KeyboardMode::None,
        };
        let mut keyboard = KeyboardScreen {
            mode,
            shift: self.form.shift(),
            input_method: self.form.mode().name(),
            hint: mode_hint(l, self.form.mode()),
            ..KeyboardScreen::default()
        };
        if let Some(active) = self.form.field_views(l).into_iter().find(|v| v.active) {
            keyboard.active_label = active.label;
            keyboard.active_value = active.value;
        }
        keyboard
    }

    /// The service of the queue ticket printed with the receipt, if any.
    pub fn linked_service(&self) -> Option<&str> {
        self.linked_ticket.as_ref().map(|t| t.service.as_str())
    }

    /// `counters`: the open counters serving the linked ticket's service.
    pub fn view(&self, l: Lang, page: Page, today: NaiveDate, counters: &[String]) -> FilingScreen {
        let f = &self.form;
        let mut view = FilingScreen::default();
        match page {
            Page::Procedures => {
                view.procedures = f.procedure_rows(l);
                view.search_text = f.search_text().to_owned();
            }
            Page::Procedure | Page::Consent | Page::Scan => {
                self.procedure_view(l, &mut view);
                let (message, failed) = f.scan_message(l);
                view.scan_message = message;
                view.scan_failed = failed;
            }
            Page::Form => {
                view.form_fields = f.field_views(l);
                view.form_summary = f.summary(l);
                view.form_scroll_field = f.first_error().unwrap_or_default();
                view.form_scroll_request = self.scroll_request;
            }
            Page::Review => {
                view.review_lines = f.review_lines(l);
                view.review_fee = f.fee_text(l, today);
            }
            Page::Filed => self.filed_view(l, counters, &mut view),
            _ => {}
        }
        view
    }

    fn procedure_view(&self, l: Lang, view: &mut FilingScreen) {
        let Some(p) = self.form.procedure() else {
            return;
        };
        view.procedure_name = l.pick(&p.name_vi, &p.name_en).to_owned();
        view.procedure_documents = p
            .documents
            .iter()
            .map(|d| {
                let name = l.pick(&d.name_vi, &d.name_en);
                match (l, d.original, d.optional) {
                    (Lang::Vi, true, _) => format!("{name} (mang bản chính để đối chiếu)"),
                    (Lang::En, true, _) => format!("{name} (bring the original)"),
                    (Lang::Vi, false, true) => format!("{name} (nếu có)"),
                    (Lang::En, false, true) => format!("{name} (if any)"),
                    _ => name.to_owned(),
                }
            })
            .collect();
        view.procedure_fee = format!(
            "{}: {}",
            l.pick("Lệ phí", "Fee"),
            l.pick(&p.fee_text_vi, &p.fee_text_en)
        );
        view.procedure_time = format!(
            "{}: {}",
            l.pick("Thời hạn giải quyết", "Processing time"),
            l.pick(&p.processing_text_vi, &p.processing_text_en)
        );
        if p.presence_required {
            let reason = match l {
                Lang::Vi => p.presence_reason_vi.clone(),
                Lang::En => p.presence_reason_en.clone(),
            }
            .unwrap_or_default();
            view.procedure_presence = format!(
                "{} {reason}",
                l.pick(
                    "Sau khi nộp, bạn cần đến quầy: máy sẽ in kèm số thứ tự.",
                    "After filing you must come to a counter: a queue ticket is printed with the receipt."
                )
            );
        }
    }

    fn filed_view(&self, l: Lang, counters: &[String], view: &mut FilingScreen) {
        let Some(d) = &self.form.filed else {
            return;
        };
        // "08:30 26/11/2026" for English screens (no "giờ", "ngày").
        let at_en = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.format("%H:%M, %d/%m/%Y").to_string())
                .unwrap_or_default()
        };
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(crate::domain::receipt::format_vn_datetime)
                .unwrap_or_default()
        };
        view.filed_code = d.code.clone();
        view.filed_short_code = crate::domain::dossier::ShortCode::of_code(&d.code)
            .map(|c| {
                format!(
                    "{}: {}",
                    l.pick("Mã tra cứu nhanh", "Lookup code"),
                    c.typed()
                )
            })
            .unwrap_or_default();
        view.filed_received = match l {
            Lang::Vi => format!("Nhận lúc: {}", at(&d.received_at)),
            Lang::En => format!("Received at: {}", at_en(&d.received_at)),
        };
        view.filed_due = match l {
            Lang::Vi => format!("Hẹn trả kết quả: {}", at(&d.due_at)),
            Lang::En => format!("Result due: {}", at_en(&d.due_at)),
        };
        view.filed_fee = fee_text(l, d);
        view.filed_collect = format!(
            "{}: {}",
            l.pick("Nhận kết quả tại", "Collect at"),
            d.collect_at
        );
        // One next step: to a counter (and why), or nothing more to do —
        // worded where the printed receipt's is (domain::receipt).
        let due = match l {
            Lang::Vi => at(&d.due_at),
            Lang::En => at_en(&d.due_at),
        };
        let reason = match l {
            Lang::Vi => d.presence_reason_vi.as_deref(),
            Lang::En => d.presence_reason_en.as_deref(),
        };
        let step = NextStep {
            ticket: self.linked_ticket.as_ref().map(|t| t.number.as_str()),
            reason,
            counters,
            due: &due,
            collect_at: &d.collect_at,
            portal_pending: d.portal_status == crate::domain::dossier::PortalStatus::Pending,
        };
        let sentence = match l {
            Lang::Vi => step.vi(),
            Lang::En => step.en(),
        };
        (view.filed_ticket, view.filed_note) = match (&self.linked_ticket, &d.ticket_error) {
            (Some(_), _) => (sentence, String::new()),
            (None, Some(p)) => (
                l.pick(&p.message_vi, &p.message_en).to_owned(),
                String::new(),
            ),
            (None, None) => (String::new(), sentence),
        };
        if let Some(print) = &self.print {
            let (state, message) = receipt_print_message(l, print);
            view.print_state = state;
            view.print_message = message;
        }
    }
}

/// "Lệ phí: 7.000đ (5 trang × 1 bản: 7.000đ). Nộp tại quầy …": the fee,
/// its breakdown, and how and where to pay.
fn fee_text(l: Lang, d: &FiledDossier) -> String {
    if d.fee == 0 {
        return l.pick("Lệ phí: miễn lệ phí.", "Fee: none.").to_owned();
    }
    let lines = crate::domain::receipt::fee_breakdown(&d.fee_lines, l == Lang::En);
    let breakdown = if lines.is_empty() {
        String::new()
    } else {
        format!(" ({})", lines.join("; "))
    };
    match l {
        Lang::Vi => format!(
            "Lệ phí: {}{breakdown}. {}",
            d.fee_text,
            pay_where_vi(&d.collect_at)
        ),
        Lang::En => format!(
            "Fee: {}{breakdown}. {}",
            d.fee_text,
            pay_where_en(&d.collect_at)
        ),
    }
}

/// The keyboard's one-line hint: the method in use and how to type with it.
pub fn mode_hint(l: Lang, mode: TypingMode) -> String {
    match mode {
        TypingMode::Simple => l.pick(
            "Kiểu gõ đơn giản: gõ chữ, rồi chạm ă â đ ê ô ơ ư hoặc dấu á à ả ã ạ. Phím \"Đơn giản\" đổi sang Telex, VNI.",
            "Simple typing: type the letters, then touch ă â đ ê ô ơ ư or a tone key á à ả ã ạ. The \"Simple\" key switches to Telex or VNI.",
        ),
        TypingMode::Telex => l.pick(
            "Kiểu gõ Telex: aa → â, ow → ơ, dd → đ; s f r x j → sắc huyền hỏi ngã nặng.",
            "Telex typing: aa → â, ow → ơ, dd → đ; s f r x j give the five tones.",
        ),
        TypingMode::Vni => l.pick(
            "Kiểu gõ VNI: a6 → â, o7 → ơ, d9 → đ; 1 2 3 4 5 → sắc huyền hỏi ngã nặng.",
            "VNI typing: a6 → â, o7 → ơ, d9 → đ; 1 2 3 4 5 give the five tones.",
        ),
    }
    .to_owned()
}

/// The sentence about the filing receipt's printing.
fn receipt_print_message(l: Lang, print: &PrintState) -> (PrintStatus, String) {
    match print {
        PrintState::Printing => (
            PrintStatus::Printing,
            l.pick("Đang in giấy biên nhận…", "Printing your receipt…").to_owned(),
        ),
        PrintState::Printed { .. } => (
            PrintStatus::Printed,
            l.pick(
                "Giấy biên nhận đã in xong: giữ lại để nhận kết quả và tra cứu.",
                "Your receipt has been printed: keep it to collect the result and to look the dossier up.",
            )
            .to_owned(),
        ),
        PrintState::Failed { kind } => {
            let why = not_printed(l, *kind, ("giấy biên nhận", "receipt"));
            let keep = l.pick(
                "Hồ sơ của bạn đã được tiếp nhận: hãy chụp ảnh mã hồ sơ trên màn hình; cán bộ tại quầy có thể in lại giấy biên nhận.",
                "Your dossier has been received: take a photo of the code on screen; staff at a counter can reprint the receipt.",
            );
            (PrintStatus::Failed, format!("{why} {keep}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::kiosk::controller::fixtures::ticket;
    use crate::apps::kiosk::snapshot::sample_filed;
    use motcua_api::FeeLine;

    fn filed(flow: &mut FilingFlow, dossier: FiledDossier) -> Nav {
        let mut nav = Nav {
            page: Page::Submitting,
            message: None,
        };
        flow.form.submission = Some(("key".into(), Default::default()));
        flow.filed(&mut nav, "key", Ok(dossier), Vec::new());
        nav
    }

    #[test]
    fn nothing_more_to_do_says_when_and_where_to_collect_and_how_to_pay() {
        let mut d = sample_filed(&crate::config::Config::demo());
        d.fee = 7000;
        d.fee_text = "7.000đ".into();
        d.fee_lines = vec![FeeLine {
            label_vi: "5 trang × 1 bản".into(),
            label_en: "5 pages × 1 copy".into(),
            amount: 7000,
        }];
        let mut flow = FilingFlow::default();
        let nav = filed(&mut flow, d);
        assert_eq!(nav.page, Page::Filed);
        let v = flow.view(Lang::Vi, Page::Filed, NaiveDate::default(), &[]);
        assert_eq!(v.filed_ticket, "", "one next step only");
        assert!(
            v.filed_note.starts_with("Bạn không cần làm gì thêm.")
                && v.filed_note
                    .contains("quay lại nhận kết quả lúc 08 giờ 30 phút, ngày 01 tháng 12 năm 2026 tại Bộ phận một cửa, tầng 1"),
            "{}",
            v.filed_note
        );
        assert_eq!(
            v.filed_fee,
            "Lệ phí: 7.000đ (5 trang × 1 bản: 7.000đ). Nộp lệ phí tại Bộ phận một cửa, tầng 1 khi nhận kết quả."
        );
        let en = flow.view(Lang::En, Page::Filed, NaiveDate::default(), &[]);
        assert!(
            en.filed_due.ends_with("08:30, 01/12/2026"),
            "{}",
            en.filed_due
        );
        assert!(!en.filed_due.contains("giờ"));
        assert!(
            en.filed_fee.contains("5 pages × 1 copy: 7.000đ"),
            "{}",
            en.filed_fee
        );
    }

    #[test]
    fn the_receipt_page_shows_the_short_code_for_the_lookup_in_each_language() {
        let d = sample_filed(&crate::config::Config::demo());
        let short = crate::domain::dossier::ShortCode::of_code(&d.code)
            .unwrap()
            .typed();
        let mut flow = FilingFlow::default();
        filed(&mut flow, d);
        let v = flow.view(Lang::Vi, Page::Filed, NaiveDate::default(), &[]);
        assert_eq!(v.filed_short_code, format!("Mã tra cứu nhanh: {short}"));
        let en = flow.view(Lang::En, Page::Filed, NaiveDate::default(), &[]);
        assert_eq!(en.filed_short_code, format!("Lookup code: {short}"));
    }

    #[test]
    fn a_counter_visit_says_why_with_the_number_and_the_counters() {
        let mut d = sample_filed(&crate::config::Config::demo());
        d.presence_required = true;
        d.presence_reason_vi = Some("Mang bản chính để cán bộ đối chiếu.".into());
        d.presence_reason_en = Some("Bring the original to be compared.".into());
        d.ticket = Some(ticket(3, "A001"));
        let mut flow = FilingFlow::default();
        filed(&mut flow, d);
        let v = flow.view(
            Lang::Vi,
            Page::Filed,
            NaiveDate::default(),
            &["Quầy 1".into(), "Quầy 3".into()],
        );
        assert_eq!(
            v.filed_ticket,
            "Bước tiếp theo: mời bạn đến quầy với số thứ tự A001 (đã in kèm). Mang bản chính để cán bộ đối chiếu. Quầy phục vụ: Quầy 1, Quầy 3. Hồ sơ sẽ được tự động gửi lên Cổng dịch vụ công."
        );
        assert_eq!(v.filed_note, "", "never \"nothing more to do\" as well");
        let none_open = flow.view(Lang::Vi, Page::Filed, NaiveDate::default(), &[]);
        assert!(none_open
            .filed_ticket
            .contains("Hiện chưa có quầy mở cho lĩnh vực này."));
    }
}
