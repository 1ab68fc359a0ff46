//! The queue flow: home → service → priority → the ticket, its printing,
//! and what the hub hears about the printer. Its screen is `QueueAdapter`.

use motcua_api::{ErrorCode, Priority, QueueView, TicketView};

use super::shared::{not_printed, Effect, Message, Nav, PrintState, TicketRequest};
use crate::apps::devices::{Preview, PrintOutcome};
use crate::apps::hub_client::HubError;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::Lang;
use crate::apps::ui::{KioskPage as Page, PrintStatus};

/// A service area as the kiosk shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChoice {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    pub waiting: u32,
    pub estimated_wait_minutes: u32,
    /// Counters serving it that are open now.
    pub open_counters: u32,
}

/// A counter as the kiosk names it to the citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterChoice {
    pub name: String,
    pub open: bool,
    pub services: Vec<String>,
}

/// What the queue pages show (`QueueAdapter`), in the current language.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueScreen {
    pub waiting_summary: Vec<String>,
    /// (code, prefix, name, detail, examples)
    pub services: Vec<(String, String, String, String, String)>,
    /// (code, name)
    pub priorities: Vec<(String, String)>,
    pub selected_service_name: String,
    pub ticket_number: String,
    pub ticket_service: String,
    pub ticket_priority: String,
    pub ticket_ahead: String,
    pub ticket_wait: String,
    pub ticket_issued_at: String,
    pub print_state: PrintStatus,
    pub print_message: String,
    pub preview: Option<Preview>,
}

/// The queue flow's state.
#[derive(Debug, Clone)]
pub struct QueueFlow {
    qr: QrPolicy,
    services: Vec<ServiceChoice>,
    priorities: Vec<Priority>,
    selected: Option<String>,
    /// The request in flight, or the one that failed (for "Thử lại").
    request: Option<TicketRequest>,
    in_flight: bool,
    ticket: Option<TicketView>,
    qr_payload: String,
    print: Option<PrintState>,
    preview: Option<Preview>,
    /// The last queue refresh failed.
    hub_down: bool,
    counters: Vec<CounterChoice>,
    /// Example procedures per service code (Vietnamese, English).
    examples: Vec<(String, Vec<String>, Vec<String>)>,
}

impl QueueFlow {
    pub fn new(qr: QrPolicy) -> Self {
        Self {
            qr,
            services: Vec::new(),
            examples: Vec::new(),
            priorities: Vec::new(),
            selected: None,
            request: None,
            in_flight: false,
            ticket: None,
            qr_payload: String::new(),
            print: None,
            preview: None,
            hub_down: false,
            counters: Vec::new(),
        }
    }

    pub fn ticket(&self) -> Option<&TicketView> {
        self.ticket.as_ref()
    }

    /// Where this kiosk's QR codes point.
    pub fn qr(&self) -> &QrPolicy {
        &self.qr
    }

    pub fn qr_payload(&self) -> &str {
        &self.qr_payload
    }

    /// Forgets the citizen's choices and ticket (services stay).
    pub fn reset(&mut self) {
        self.selected = None;
        self.request = None;
        self.in_flight = false;
        self.ticket = None;
        self.qr_payload.clear();
        self.print = None;
        self.preview = None;
    }

    pub fn set_priorities(&mut self, priorities: Vec<Priority>) {
        self.priorities = priorities;
    }

    pub fn failed(&mut self) {
        self.hub_down = true;
    }

    pub fn refreshed(&mut self, queue: &QueueView) {
        self.hub_down = false;
        self.services = queue
            .services
            .iter()
            .map(|s| ServiceChoice {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: s.waiting,
                estimated_wait_minutes: s.estimated_wait_minutes,
                open_counters: s.open_counters,
            })
            .collect();
        self.counters = queue
            .counters
            .iter()
            .map(|c| CounterChoice {
                name: c.name.clone(),
                open: c.state == motcua_api::CounterState::Open,
                services: c.services.clone(),
            })
            .collect();
    }

    /// The counters serving `service` that are open now, by name ("Quầy 2,
    /// Quầy 3"); empty when none is.
    pub fn open_counters_for(&self, service: &str) -> Vec<String> {
        self.counters
            .iter()
            .filter(|c| c.open && c.services.iter().any(|s| s == service))
            .map(|c| c.name.clone())
            .collect()
    }

    /// Whether no counter serving `service` is open (as far as the kiosk
    /// knows: an unknown service counts as served).
    fn none_open(&self, service: &str) -> bool {
        self.services
            .iter()
            .find(|s| s.code == service)
            .is_some_and(|s| s.open_counters == 0)
    }

    pub fn take_number(&mut self, nav: &mut Nav) -> Vec<Effect> {
        if nav.page != Page::Home {
            return Vec::new();
        }
        nav.page = Page::Services;
        vec![Effect::RefreshQueue]
    }

    pub fn choose_service(&mut self, nav: &mut Nav, code: &str) -> Vec<Effect> {
        if nav.page != Page::Services || !self.services.iter().any(|s| s.code == code) {
            return Vec::new();
        }
        self.selected = Some(code.to_owned());
        if self.priorities.is_empty() {
            return self.request_ticket(nav, None);
        }
        nav.page = Page::Priority;
        Vec::new()
    }

    pub fn choose_priority(&mut self, nav: &mut Nav, priority: Option<&str>) -> Vec<Effect> {
        if nav.page != Page::Priority {
            // A second tap while the first is being issued lands here.
            return Vec::new();
        }
        if let Some(p) = priority {
            if !self.priorities.iter().any(|c| c.code == p) {
                return Vec::new();
            }
        }
        self.request_ticket(nav, priority.map(str::to_owned))
    }

    fn request_ticket(&mut self, nav: &mut Nav, priority: Option<String>) -> Vec<Effect> {
        let Some(service) = self.selected.clone() else {
            return Vec::new();
        };
        let request = TicketRequest {
            service,
            priority,
            key: uuid::Uuid::new_v4().to_string(),
        };
        nav.page = Page::Issuing;
        self.in_flight = true;
        self.request = Some(request.clone());
        vec![Effect::IssueTicket(request)]
    }

    /// "Thử lại": the same request, the same key.
    pub fn retry(&mut self, nav: &mut Nav) -> Vec<Effect> {
        if self.in_flight {
            return Vec::new();
        }
        let Some(request) = self.request.clone() else {
            return Vec::new();
        };
        nav.page = Page::Issuing;
        nav.message = None;
        self.in_flight = true;
        vec![Effect::IssueTicket(request)]
    }

    pub fn issued(
        &mut self,
        nav: &mut Nav,
        key: &str,
        result: Result<TicketView, HubError>,
    ) -> Vec<Effect> {
        if self.request.as_ref().map(|r| r.key.as_str()) != Some(key) {
            // The citizen left (idle reset) before the answer came.
            return Vec::new();
        }
        self.in_flight = false;
        match result {
            Ok(ticket) => {
                self.request = None;
                self.qr_payload = self.qr.ticket_payload(&ticket);
                nav.page = Page::Ticket;
                self.print = Some(PrintState::Printing);
                self.preview = None;
                let effect = Effect::PrintTicket {
                    ticket: Box::new(ticket.clone()),
                    qr_payload: self.qr_payload.clone(),
                };
                self.ticket = Some(ticket);
                vec![effect]
            }
            Err(err) => {
                let transient = err.is_transient();
                let (title_vi, title_en) = if err.code() == Some(ErrorCode::DailyCapReached) {
                    ("Đã hết số thứ tự hôm nay", "No more numbers today")
                } else {
                    ("Chưa lấy được số thứ tự", "No ticket yet")
                };
                if !transient {
                    self.request = None;
                }
                nav.show(Message {
                    title_vi: title_vi.to_owned(),
                    title_en: title_en.to_owned(),
                    text_vi: err.message(false),
                    text_en: err.message(true),
                    can_retry: transient,
                });
                Vec::new()
            }
        }
    }

    pub fn printed(&mut self, ticket: i64, outcome: PrintOutcome) -> Vec<Effect> {
        let report = Effect::ReportPrint {
            ticket,
            failure: outcome.result.err().map(|k| k.as_str().to_owned()),
            key: format!("print-{ticket}-{}", uuid::Uuid::new_v4()),
        };
        let printed = outcome.result.is_ok();
        let mut effects = Vec::new();
        if self.ticket.as_ref().map(|t| t.id) == Some(ticket) {
            self.print = Some(PrintState::from_outcome(outcome.result));
            self.preview = outcome.preview;
            // The citizen still at the kiosk hears that it printed.
            if printed {
                effects.push(Effect::PrintedSound);
            }
        }
        // The hub hears about it even if the citizen has already left.
        effects.push(report);
        effects
    }

    /// The home page's notice when the hub does not answer.
    pub fn home_notice(&self, l: Lang) -> String {
        if !self.hub_down {
            return String::new();
        }
        l.pick(
            "Máy đang mất kết nối với hệ thống của bộ phận một cửa. Xin hỏi cán bộ tại quầy.",
            "The kiosk has lost its connection to the office system. Please ask at a counter.",
        )
        .to_owned()
    }

    /// The example procedures listed under each service (from the
    /// configuration's `services[].examples_vi` / `examples_en`).
    pub fn set_examples(&mut self, examples: Vec<(String, Vec<String>, Vec<String>)>) {
        self.examples = examples;
    }

    /// "Ví dụ: Khai sinh, Kết hôn, Khai tử" (the English names when there
    /// are as many).
    fn examples_line(&self, l: Lang, code: &str) -> String {
        let Some((_, vi, en)) = self.examples.iter().find(|(c, _, _)| c == code) else {
            return String::new();
        };
        let names = if l == Lang::En && en.len() == vi.len() {
            en
        } else {
            vi
        };
        if names.is_empty() {
            return String::new();
        }
        format!("{} {}", l.pick("Ví dụ:", "For example:"), names.join(", "))
    }

    pub fn view(&self, l: Lang) -> QueueScreen {
        let service_name = |code: &str| {
            self.services
                .iter()
                .find(|s| s.code == code)
                .map(|s| l.pick(&s.name_vi, &s.name_en).to_owned())
                .unwrap_or_default()
        };
        let mut view = QueueScreen {
            waiting_summary: self
                .services
                .iter()
                .map(|s| {
                    format!(
                        "{} · {}: {}",
                        s.prefix,
                        l.pick(&s.name_vi, &s.name_en),
                        l.people_waiting(s.waiting)
                    )
                })
                .collect(),
            services: self
                .services
                .iter()
                .map(|s| {
                    (
                        s.code.clone(),
                        s.prefix.clone(),
                        l.pick(&s.name_vi, &s.name_en).to_owned(),
                        if s.open_counters == 0 {
                            no_counter_open(l).to_owned()
                        } else {
                            waiting_detail(l, s.waiting, s.estimated_wait_minutes)
                        },
                        self.examples_line(l, &s.code),
                    )
                })
                .collect(),
            priorities: self
                .priorities
                .iter()
                .map(|p| (p.code.clone(), l.pick(&p.name_vi, &p.name_en).to_owned()))
                .collect(),
            selected_service_name: self
                .selected
                .as_deref()
                .map(service_name)
                .unwrap_or_default(),
            preview: self.preview.clone(),
            ..QueueScreen::default()
        };
        if let Some(t) = &self.ticket {
            view.ticket_number = t.number.clone();
            view.ticket_service = l.pick(&t.service_name_vi, &t.service_name_en).to_owned();
            // The category's name in the screen's language (the ticket
            // carries only the Vietnamese one).
            let priority = t.priority.as_ref().map(|code| {
                self.priorities
                    .iter()
                    .find(|p| &p.code == code)
                    .map(|p| l.pick(&p.name_vi, &p.name_en).to_owned())
                    .or_else(|| t.priority_name_vi.clone().filter(|_| l == Lang::Vi))
                    .unwrap_or_default()
            });
            view.ticket_priority = match (l, priority) {
                (Lang::Vi, Some(p)) if !p.is_empty() => format!("Ưu tiên: {p}"),
                (Lang::En, Some(p)) if !p.is_empty() => format!("Priority: {p}"),
                (Lang::En, Some(_)) => "Priority ticket".to_owned(),
                _ => String::new(),
            };
            view.ticket_ahead = match (l, t.people_ahead) {
                (Lang::Vi, 0) => "Không có ai chờ trước bạn.".to_owned(),
                (Lang::Vi, n) => format!("Có {n} người đang chờ trước bạn."),
                (Lang::En, 0) => "Nobody is waiting ahead of you.".to_owned(),
                (Lang::En, 1) => "1 person is waiting ahead of you.".to_owned(),
                (Lang::En, n) => format!("{n} people are waiting ahead of you."),
            };
            view.ticket_wait = match (l, t.estimated_wait_minutes) {
                _ if self.none_open(&t.service) => no_counter_open(l).to_owned(),
                (Lang::Vi, 0) => "Bạn sắp được gọi.".to_owned(),
                (Lang::Vi, m) => format!("Thời gian chờ dự kiến: khoảng {m} phút."),
                (Lang::En, 0) => "You will be called shortly.".to_owned(),
                (Lang::En, m) => format!("Estimated wait: about {m} minutes."),
            };
            view.ticket_issued_at = issued_at_text(l, &t.issued_at);
        }
        if let Some(print) = &self.print {
            let (state, message) = print_message(l, print);
            view.print_state = state;
            view.print_message = message;
        }
        view
    }
}

/// Said instead of "you will be called shortly" when nobody can call.
pub fn no_counter_open(l: Lang) -> &'static str {
    use crate::domain::receipt::{NO_COUNTER_OPEN_EN, NO_COUNTER_OPEN_VI};
    l.pick(NO_COUNTER_OPEN_VI, NO_COUNTER_OPEN_EN)
}

fn waiting_detail(l: Lang, waiting: u32, minutes: u32) -> String {
    match (l, waiting) {
        (Lang::Vi, 0) => "Không có ai chờ".to_owned(),
        (Lang::En, 0) => "Nobody waiting".to_owned(),
        (Lang::Vi, n) => format!("{n} người đang chờ · khoảng {minutes} phút"),
        (Lang::En, n) => format!("{} · about {minutes} min", Lang::En.people_waiting(n)),
    }
}

/// "Lấy lúc 08:30 ngày 26/11/2026" from the hub's local RFC 3339 time.
fn issued_at_text(l: Lang, issued_at: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(issued_at) else {
        return String::new();
    };
    match l {
        Lang::Vi => format!("Lấy lúc {}", t.format("%H:%M ngày %d/%m/%Y")),
        Lang::En => format!("Issued at {}", t.format("%H:%M on %d/%m/%Y")),
    }
}

/// The sentence under the ticket about printing.
pub fn print_message(l: Lang, print: &PrintState) -> (PrintStatus, String) {
    match print {
        PrintState::Printing => (
            PrintStatus::Printing,
            l.pick("Đang in phiếu…", "Printing your ticket…").to_owned(),
        ),
        PrintState::Printed { paper_near_end: _ } => (
            PrintStatus::Printed,
            l.pick(
                "Phiếu đã in xong. Mời bạn nhận phiếu ở khe máy in.",
                "Your ticket has been printed. Please take it from the printer slot.",
            )
            .to_owned(),
        ),
        PrintState::Failed { kind } => {
            let why = not_printed(l, *kind, ("phiếu", "ticket"));
            let keep = l.pick(
                "Số của bạn vẫn giữ nguyên: hãy chụp ảnh màn hình này hoặc ghi lại số. Cán bộ tại quầy có thể in lại phiếu cho bạn.",
                "Your number is still valid: take a photo of this screen or write it down. Staff at a counter can reprint it for you.",
            );
            (PrintStatus::Failed, format!("{why} {keep}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{issue_request, kiosk, secs, take_a_number, ticket};
    use super::super::{Effect, Page, PrintStatus};
    use crate::apps::devices::PrintOutcome;
    use crate::apps::hub_client::HubError;
    use crate::apps::printing::QrPolicy;
    use crate::apps::shell::Lang;
    use motcua_api::ErrorCode;
    use motcua_drivers::DeviceErrorKind;

    #[test]
    fn the_queue_flow_issues_prints_and_reports() {
        let mut k = kiosk();
        assert_eq!(k.take_number(secs(1)), vec![Effect::RefreshQueue]);
        assert_eq!(k.page(), Page::Services);
        assert!(k.choose_service("hotich", secs(2)).is_empty());
        assert_eq!(k.page(), Page::Priority);
        assert_eq!(k.view().queue.selected_service_name, "Hộ tịch");
        let req = issue_request(&k.choose_priority(Some("elderly"), secs(3)));
        assert_eq!(req.priority.as_deref(), Some("elderly"));
        assert_eq!(k.page(), Page::Issuing);

        let effects = k.ticket_issued(&req.key, Ok(ticket(7, "A004")));
        assert_eq!(k.page(), Page::Ticket);
        match &effects[..] {
            [Effect::PrintTicket { ticket, qr_payload }] => {
                assert_eq!(ticket.number, "A004");
                assert_eq!(qr_payload, "MOTCUA:T:7:ABCD2345");
            }
            other => panic!("{other:?}"),
        }
        let v = k.view();
        assert_eq!(v.queue.ticket_number, "A004");
        assert_eq!(v.queue.ticket_ahead, "Có 3 người đang chờ trước bạn.");
        assert_eq!(
            v.queue.ticket_wait,
            "Thời gian chờ dự kiến: khoảng 24 phút."
        );
        assert_eq!(v.queue.ticket_issued_at, "Lấy lúc 08:30 ngày 26/11/2026");
        assert_eq!(v.queue.print_state, PrintStatus::Printing);

        let effects = k.printed(
            7,
            PrintOutcome {
                result: Ok(false),
                preview: None,
            },
        );
        // Issue 14 item 9: the sound that says it printed, with the
        // confirmation on the screen.
        assert!(matches!(
            &effects[..],
            [
                Effect::PrintedSound,
                Effect::ReportPrint {
                    ticket: 7,
                    failure: None,
                    ..
                }
            ]
        ));
        assert_eq!(k.view().queue.print_state, PrintStatus::Printed);
        assert_eq!(
            k.view().queue.print_message,
            "Phiếu đã in xong. Mời bạn nhận phiếu ở khe máy in."
        );
        // A ticket the citizen has left (another one now): no sound.
        let effects = k.printed(
            99,
            PrintOutcome {
                result: Ok(false),
                preview: None,
            },
        );
        assert!(matches!(&effects[..], [Effect::ReportPrint { .. }]));
    }

    #[test]
    fn a_double_tap_issues_one_ticket() {
        let mut k = kiosk();
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        let first = k.choose_priority(None, secs(3));
        assert_eq!(first.len(), 1);
        assert!(
            k.choose_priority(None, secs(3)).is_empty(),
            "second tap ignored"
        );
        assert!(k.choose_service("hotich", secs(3)).is_empty());
    }

    #[test]
    fn a_lost_answer_is_retried_with_the_same_key() {
        let mut k = kiosk();
        let req = take_a_number(&mut k);
        k.ticket_issued(
            &req.key,
            Err(HubError::Unreachable("connection refused".into())),
        );
        assert_eq!(k.page(), Page::Message);
        let v = k.view();
        assert!(v.can_retry);
        assert!(
            v.message_text.contains("chưa kết nối được"),
            "{}",
            v.message_text
        );
        let again = issue_request(&k.retry(secs(10)));
        assert_eq!(again, req, "same service, same key");
    }

    #[test]
    fn daily_cap_is_explained_without_retry() {
        let mut k = kiosk();
        let req = take_a_number(&mut k);
        k.ticket_issued(
            &req.key,
            Err(HubError::Refused {
                status: 409,
                code: ErrorCode::DailyCapReached,
                message_vi: "Hôm nay đã hết số thứ tự cho \"Hộ tịch\" (999 số).".into(),
                message_en: "All 999 numbers…".into(),
                fields: Default::default(),
            }),
        );
        let v = k.view();
        assert_eq!(v.message_title, "Đã hết số thứ tự hôm nay");
        assert!(!v.can_retry);
        assert!(k.retry(secs(4)).is_empty());
    }

    #[test]
    fn a_print_failure_keeps_the_number_and_says_why() {
        let mut k = kiosk();
        let req = take_a_number(&mut k);
        k.ticket_issued(&req.key, Ok(ticket(9, "A005")));
        let effects = k.printed(
            9,
            PrintOutcome {
                result: Err(DeviceErrorKind::PaperOut),
                preview: None,
            },
        );
        match &effects[..] {
            [Effect::ReportPrint { failure, .. }] => {
                assert_eq!(failure.as_deref(), Some("paper_out"))
            }
            other => panic!("{other:?}"),
        }
        let v = k.view();
        assert_eq!(v.page, Page::Ticket);
        assert_eq!(v.queue.ticket_number, "A005");
        assert_eq!(v.queue.print_state, PrintStatus::Failed);
        assert!(
            v.queue.print_message.starts_with("Máy in đã hết giấy"),
            "{}",
            v.queue.print_message
        );
        assert!(v.queue.print_message.contains("in lại phiếu"));
    }

    #[test]
    fn idle_timeout_wipes_everything_and_returns_home() {
        let mut k = kiosk();
        k.toggle_language(secs(1));
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        assert!(!k.tick(secs(91)), "89 s idle: nothing happens");
        assert!(k.tick(secs(92)));
        assert_eq!(k.page(), Page::Home);
        assert_eq!(k.lang(), Lang::Vi);
        let v = k.view();
        assert_eq!(v.queue.selected_service_name, "");
        assert_eq!(v.queue.ticket_number, "");
        // An answer for the wiped request is ignored.
        assert!(k.ticket_issued("old", Ok(ticket(1, "A001"))).is_empty());
        assert_eq!(k.page(), Page::Home);
    }

    #[test]
    fn touches_postpone_the_idle_timeout() {
        let mut k = kiosk();
        k.take_number(secs(0));
        k.touched(secs(80));
        assert!(!k.tick(secs(160)));
        assert!(k.tick(secs(171)));
    }

    #[test]
    fn english_view() {
        let mut k = kiosk();
        k.toggle_language(secs(0));
        let v = k.view();
        assert_eq!(v.language, "en");
        assert_eq!(v.queue.services[0].2, "Civil status");
        assert_eq!(v.queue.services[0].3, "3 waiting · about 24 min");
        assert_eq!(v.queue.waiting_summary[1], "B · Certification: 0 waiting");
    }

    #[test]
    fn no_open_counter_is_said_honestly() {
        let mut k = kiosk();
        let mut queue = super::super::fixtures::queue();
        queue.services[1].open_counters = 0;
        k.queue_refreshed(&queue);
        k.take_number(secs(1));
        let v = k.view();
        assert_eq!(
            v.queue.services[1].3,
            "Hiện chưa có quầy mở cho lĩnh vực này."
        );
        k.choose_service("chungthuc", secs(2));
        let req = issue_request(&k.choose_priority(None, secs(3)));
        let mut t = ticket(8, "B001");
        t.service = "chungthuc".into();
        t.estimated_wait_minutes = 0;
        t.people_ahead = 0;
        k.ticket_issued(&req.key, Ok(t));
        assert_eq!(
            k.view().queue.ticket_wait,
            "Hiện chưa có quầy mở cho lĩnh vực này.",
            "not \"Bạn sắp được gọi\""
        );
    }

    #[test]
    fn qr_links_when_a_public_url_is_configured() {
        let policy = QrPolicy {
            links: crate::domain::ticket_ref::PhoneLinks::choose(
                Some("https://motcua.example.vn/"),
                None,
                "000.25.31.H26",
            ),
        };
        assert_eq!(
            policy.ticket_payload(&ticket(12, "A001")),
            "https://motcua.example.vn/t/12?k=ABCD2345"
        );
    }
}
