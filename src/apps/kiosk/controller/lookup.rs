//! The lookup flow: a dossier's code typed on the keyboard or its receipt's
//! QR code read by the scanner → the dossier's status and timeline. Its
//! screen is `LookupAdapter`.

use motcua_api::{DossierView, ErrorCode};

use super::shared::{Effect, KeyboardScreen, Nav};
use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use crate::apps::ui::{KeyboardMode, KioskPage as Page};

/// What the lookup pages show (`LookupAdapter`), in the current language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupScreen {
    pub input: String,
    pub error: String,
    pub title: String,
    pub status: String,
    pub due: String,
    /// (at, label, note)
    pub timeline: Vec<(String, String, String)>,
}

/// The lookup flow's state.
#[derive(Debug, Clone, Default)]
pub struct LookupFlow {
    input: String,
    /// Why the last lookup found nothing (Vietnamese, English).
    error: Option<(String, String)>,
    result: Option<DossierView>,
    in_flight: bool,
}

impl LookupFlow {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Home (or a result) → the lookup page, empty.
    pub fn start(&mut self, nav: &mut Nav) -> Vec<Effect> {
        if !matches!(nav.page, Page::Home | Page::LookupResult) {
            return Vec::new();
        }
        self.reset();
        nav.message = None;
        nav.page = Page::Lookup;
        Vec::new()
    }

    /// A key of the keyboard: codes are upper-case letters, digits and
    /// punctuation, never composed into Vietnamese.
    pub fn key(&mut self, key: &str) {
        self.error = None;
        match key {
            "backspace" => {
                self.input.pop();
            }
            "shift" | "method" | "done" => {}
            _ => {
                let mut chars = key.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    if !c.is_whitespace() {
                        self.input.push(c.to_ascii_uppercase());
                    }
                }
            }
        }
    }

    /// A scanner line on the lookup pages: a receipt's QR code.
    pub fn scanned(&mut self, nav: &mut Nav, raw: &str) -> Vec<Effect> {
        nav.page = Page::Lookup;
        if crate::domain::ticket_ref::is_ticket_payload(raw) {
            self.error = Some((
                "Đây là mã QR của phiếu số thứ tự, không phải của giấy biên nhận hồ sơ.".into(),
                "That is a queue ticket's QR code, not a dossier receipt's.".into(),
            ));
            return Vec::new();
        }
        self.error = None;
        self.result = None;
        self.input = raw.trim().to_owned();
        self.lookup(nav)
    }

    /// Look up the typed (or scanned) code.
    pub fn lookup(&mut self, nav: &Nav) -> Vec<Effect> {
        let code = self.input.trim().to_owned();
        if nav.page != Page::Lookup || code.is_empty() || self.in_flight {
            return Vec::new();
        }
        self.in_flight = true;
        vec![Effect::LookupDossier(code)]
    }

    pub fn answered(
        &mut self,
        nav: &mut Nav,
        code: &str,
        result: Result<DossierView, HubError>,
    ) -> Vec<Effect> {
        self.in_flight = false;
        if nav.page != Page::Lookup || self.input.trim() != code {
            return Vec::new();
        }
        match result {
            Ok(view) => {
                self.result = Some(view);
                nav.page = Page::LookupResult;
            }
            Err(err) => {
                self.error = Some(if err.code() == Some(ErrorCode::DossierNotFound) {
                    (
                        format!(
                            "Không tìm thấy hồ sơ {code}. Hãy kiểm tra lại mã trên giấy biên nhận."
                        ),
                        format!("No dossier {code}. Please check the code on your receipt."),
                    )
                } else {
                    (err.message(false), err.message(true))
                });
            }
        }
        Vec::new()
    }

    /// The lookup page's keyboard: always the text keyboard.
    pub fn keyboard(&self, l: Lang) -> KeyboardScreen {
        KeyboardScreen {
            mode: KeyboardMode::Text,
            input_method: "",
            hint: l
                .pick(
                    "Gõ mã hồ sơ in trên giấy biên nhận (chữ và số).",
                    "Type the dossier code printed on your receipt (letters and digits).",
                )
                .to_owned(),
            active_value: self.input.clone(),
            ..KeyboardScreen::default()
        }
    }

    pub fn view(&self, l: Lang, page: Page) -> LookupScreen {
        let mut view = LookupScreen {
            input: self.input.clone(),
            error: self
                .error
                .as_ref()
                .map(|(vi, en)| l.pick(vi, en).to_owned())
                .unwrap_or_default(),
            ..LookupScreen::default()
        };
        let Some(d) = self.result.as_ref().filter(|_| page == Page::LookupResult) else {
            return view;
        };
        view.title = format!(
            "{} · {}",
            d.code,
            l.pick(&d.procedure_name_vi, &d.procedure_name_en)
        );
        view.status = l.pick(&d.status_vi, &d.status_en).to_owned();
        view.due = chrono::DateTime::parse_from_rfc3339(&d.due_at)
            .map(|t| {
                match l {
                    Lang::Vi => format!(
                        "Hẹn trả kết quả: {}",
                        crate::domain::receipt::format_vn_datetime(t)
                    ),
                    // No "giờ", "ngày" on an English screen.
                    Lang::En => format!("Result due: {}", t.format("%H:%M, %d/%m/%Y")),
                }
            })
            .unwrap_or_default();
        view.timeline = d
            .timeline
            .iter()
            .map(|t| {
                let at = chrono::DateTime::parse_from_rfc3339(&t.at)
                    .map(|x| x.format("%H:%M %d/%m/%Y").to_string())
                    .unwrap_or_else(|_| t.at.clone());
                (
                    at,
                    l.pick(&t.label_vi, &t.label_en).to_owned(),
                    t.note.clone().unwrap_or_default(),
                )
            })
            .collect();
        view
    }
}
