//! The lookup flow: a dossier's code typed on the keyboard or its receipt's
//! QR code read by the scanner → the dossier's status and timeline. Its
//! screen is `LookupAdapter`.

use motcua_api::{DossierView, ErrorCode};

use super::shared::{Effect, KeyboardScreen, Nav};
use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use crate::apps::ui::{KeyboardMode, KioskPage as Page};
use crate::domain::dossier::ShortCode;

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
            // A space between the 4 digits and the date reads better.
            "space" | " " => {
                if !self.input.is_empty() && !self.input.ends_with(' ') {
                    self.input.push(' ');
                }
            }
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
        // The code itself, or a dossier page's link (`…/d/{code}?k=…`).
        self.input = crate::domain::ticket_ref::dossier_code_from_scan(raw);
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
                let short = ShortCode::parse_typed(code);
                self.error = Some(if err.code() == Some(ErrorCode::DossierNotFound) {
                    match short {
                        Some(short) => (
                            format!(
                                "Không tìm thấy hồ sơ số {:04} nộp ngày {:02}/{:02}. Hãy kiểm tra lại 4 số cuối của mã và ngày nộp trên giấy biên nhận.",
                                short.sequence, short.day, short.month
                            ),
                            format!(
                                "No dossier number {:04} filed on {:02}/{:02}. Please check the code's last 4 digits and the date on your receipt.",
                                short.sequence, short.day, short.month
                            ),
                        ),
                        None => (
                            format!(
                                "Không tìm thấy hồ sơ {code}. Hãy kiểm tra lại mã trên giấy biên nhận."
                            ),
                            format!("No dossier {code}. Please check the code on your receipt."),
                        ),
                    }
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
                    "Gõ mã hồ sơ trên giấy biên nhận, hoặc 4 số cuối của mã rồi ngày nộp: 0007 26/11.",
                    "Type the dossier code on your receipt, or its last 4 digits then the filing date: 0007 26/11.",
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

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_api::ErrorCode;

    fn refused(status: u16, code: ErrorCode, vi: &str) -> HubError {
        HubError::Refused {
            status,
            code,
            message_vi: vi.to_owned(),
            message_en: String::new(),
            fields: Default::default(),
        }
    }

    fn lookup_page() -> (LookupFlow, Nav) {
        let mut nav = Nav {
            page: Page::Home,
            message: None,
        };
        let mut flow = LookupFlow::default();
        flow.start(&mut nav);
        (flow, nav)
    }

    #[test]
    fn the_short_code_on_the_receipt_is_typed_with_a_space_and_a_slash() {
        let (mut flow, mut nav) = lookup_page();
        assert!(flow.keyboard(Lang::Vi).hint.contains("0007 26/11"));
        for key in ["0", "0", "0", "7", " ", " ", "2", "6", "/", "1", "1"] {
            flow.key(key);
        }
        assert_eq!(flow.view(Lang::Vi, nav.page).input, "0007 26/11");
        assert_eq!(
            flow.lookup(&nav),
            vec![Effect::LookupDossier("0007 26/11".into())]
        );
        flow.answered(
            &mut nav,
            "0007 26/11",
            Err(refused(404, ErrorCode::DossierNotFound, "")),
        );
        let error = flow.view(Lang::Vi, nav.page).error;
        assert!(error.contains("số 0007 nộp ngày 26/11"), "{error}");

        // Two dossiers with that number and day in different years: the
        // hub's sentence says to type the full code.
        flow.key("backspace");
        flow.key("1");
        flow.lookup(&nav);
        flow.answered(
            &mut nav,
            "0007 26/11",
            Err(refused(
                409,
                ErrorCode::DossierCodeAmbiguous,
                "Có 2 hồ sơ cùng mã ngắn 0007 · 26/11. Xin gõ mã hồ sơ đầy đủ in trên giấy tiếp nhận, hoặc quét mã QR.",
            )),
        );
        assert_eq!(nav.page, Page::Lookup);
        assert!(flow
            .view(Lang::Vi, nav.page)
            .error
            .contains("gõ mã hồ sơ đầy đủ"));
    }
}
