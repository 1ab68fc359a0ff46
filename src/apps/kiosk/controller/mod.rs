//! The kiosk's behaviour as plain Rust: what each touch does, what the
//! citizen sees, and what work must happen (issue a ticket, print it, tell
//! the hub what the printer did).
//!
//! [`Kiosk`] is a router over one sub-controller per flow, each with its
//! own state, its own view and its own Slint global:
//!
//! | flow        | module          | view             | Slint global      |
//! |-------------|-----------------|------------------|-------------------|
//! | queue       | [`queue`]       | [`QueueScreen`]  | `QueueAdapter`    |
//! | filing      | [`filing`]      | [`FilingScreen`] | `FilingAdapter`   |
//! | lookup      | [`lookup`]      | [`LookupScreen`] | `LookupAdapter`   |
//! | rating      | [`rating`]      | (home entry)     | `RatingAdapter`   |
//! | technician  | [`technician`]  | [`TechScreen`]   | `TechAdapter`     |
//!
//! The router keeps what every flow shares (the page, the language, the
//! text size, the idle clock and the message page) in [`Nav`] and hands it
//! to the flow an input belongs to. Each input (a touch, a result from the
//! hub or the printer, a clock tick) changes the state and returns the
//! [`Effect`]s to run; the runtime runs them off the UI thread and feeds
//! the results back as new inputs. The clock is injected: every input takes
//! `now`, the time since start. Nothing here touches a widget, the network
//! or a device, so every rule is unit-tested directly.
//!
//! Pages and technician actions are the Slint enums [`Page`] (`KioskPage`)
//! and [`TechAction`]: the screens and the controller name a page the same
//! way, never by a string.

pub mod filing;
pub mod lookup;
pub mod queue;
pub mod rating;
mod shared;
pub mod technician;

use std::time::Duration;

use chrono::NaiveDate;

use crate::apps::devices::PrintOutcome;
use crate::apps::hub_client::HubError;
use crate::apps::printing::QrPolicy;
use crate::apps::shell::Lang;
use motcua_api::{CatalogueView, DossierView, FiledDossier};
use motcua_api::{Priority, QueueView, TicketView};

pub use self::filing::FilingScreen;
pub use self::lookup::LookupScreen;
pub use self::queue::{QueueScreen, ServiceChoice};
pub use self::shared::{
    page_name, Effect, KeyboardScreen, Message, Nav, PrintState, TicketRequest,
};
pub use self::technician::TechScreen;
pub use crate::apps::ui::{KeyboardMode, KioskPage as Page, PrintStatus, TechAction};

/// Everything the kiosk screen needs, in the current language: the
/// shell's part here, each flow's in its own view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KioskView {
    pub page: Page,
    pub language: &'static str,
    pub large_text: bool,
    /// A notice on the home page (the hub is unreachable).
    pub home_notice: String,
    pub filing_enabled: bool,
    pub rating_enabled: bool,
    pub message_title: String,
    pub message_text: String,
    pub can_retry: bool,
    /// The QR code the page shows (the ticket's or the receipt's).
    pub qr_payload: String,
    pub queue: QueueScreen,
    pub filing: FilingScreen,
    pub keyboard: KeyboardScreen,
    pub lookup: LookupScreen,
    pub tech: TechScreen,
}

/// The kiosk: a router over its flows.
#[derive(Debug, Clone)]
pub struct Kiosk {
    nav: Nav,
    lang: Lang,
    large_text: bool,
    last_activity: Duration,
    idle_timeout: Duration,
    today: Option<NaiveDate>,
    queue: queue::QueueFlow,
    filing: filing::FilingFlow,
    lookup: lookup::LookupFlow,
    rating: rating::RatingEntry,
    tech: technician::TechFlow,
}

impl Kiosk {
    /// A kiosk on its home page. `now` is the UI clock (time since start).
    pub fn new(idle_timeout: Duration, qr: QrPolicy, now: Duration) -> Self {
        Self {
            nav: Nav {
                page: Page::Home,
                message: None,
            },
            lang: Lang::Vi,
            large_text: false,
            last_activity: now,
            idle_timeout,
            today: None,
            queue: queue::QueueFlow::new(qr),
            filing: Default::default(),
            lookup: Default::default(),
            rating: Default::default(),
            tech: Default::default(),
        }
    }

    pub fn page(&self) -> Page {
        self.nav.page
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn large_text(&self) -> bool {
        self.large_text
    }

    pub fn ticket(&self) -> Option<&TicketView> {
        self.queue.ticket()
    }

    /// Any touch: the citizen is still there.
    pub fn touched(&mut self, now: Duration) {
        self.last_activity = now;
    }

    pub fn toggle_language(&mut self, now: Duration) {
        self.touched(now);
        self.lang = match self.lang {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        };
    }

    pub fn toggle_large_text(&mut self, now: Duration) {
        self.touched(now);
        self.large_text = !self.large_text;
    }

    /// The office-local date (the runtime sets it every tick).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
    }

    /// The date fees are computed for: the office's today.
    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_default()
    }

    /// Back one step.
    pub fn back(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        match self.nav.page {
            Page::Services | Page::Procedures | Page::Lookup => self.reset(),
            Page::Priority => self.nav.page = Page::Services,
            _ => self.filing.back(&mut self.nav),
        }
        Vec::new()
    }

    /// "Về trang chủ".
    pub fn go_home(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if matches!(self.nav.page, Page::Issuing | Page::Submitting) {
            return Vec::new();
        }
        self.reset();
        vec![Effect::RefreshQueue]
    }

    /// "Thử lại" on the message page: the flow whose request failed sends
    /// the same request again, with the same key.
    pub fn retry(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.nav.page != Page::Message {
            return Vec::new();
        }
        if let Some(effects) = self.filing.retry(&mut self.nav) {
            return effects;
        }
        self.queue.retry(&mut self.nav)
    }

    /// Clock tick: after the idle timeout everything the citizen entered is
    /// wiped and the kiosk returns home. Returns whether anything changed.
    pub fn tick(&mut self, now: Duration) -> bool {
        self.tick_effects(now).0
    }

    /// [`Kiosk::tick`], with the effects to run (closing technician mode).
    pub fn tick_effects(&mut self, now: Duration) -> (bool, Vec<Effect>) {
        if self.tech.held_long_enough(now) {
            self.reset();
            self.nav.page = Page::TechPin;
            self.touched(now);
            return (true, Vec::new());
        }
        let idle = now.saturating_sub(self.last_activity);
        if matches!(self.nav.page, Page::TechPin | Page::Tech) {
            if idle >= technician::IDLE {
                self.reset();
                return (true, vec![Effect::CloseTech]);
            }
            return (false, Vec::new());
        }
        (self.tick_citizen(idle), Vec::new())
    }

    /// The citizen's idle rule. On the home page too: a citizen who turned
    /// on English or larger text (and perhaps rated over the home page)
    /// and walked away must not leave them on for the next person.
    fn tick_citizen(&mut self, idle: Duration) -> bool {
        if matches!(self.nav.page, Page::Issuing | Page::Submitting)
            || idle < self.idle_timeout
            || self.rating.is_open()
        {
            return false;
        }
        let changed = self.nav.page != Page::Home || self.lang != Lang::Vi || self.large_text;
        if changed {
            self.reset();
            self.lang = Lang::Vi;
            self.large_text = false;
        }
        changed
    }

    fn reset(&mut self) {
        self.tech.reset();
        self.nav = Nav {
            page: Page::Home,
            message: None,
        };
        self.queue.reset();
        self.filing.reset();
        self.lookup.reset();
    }

    // ----- Queue ------------------------------------------------------------

    /// The priority categories to offer (from the hub, at start).
    pub fn set_priorities(&mut self, priorities: Vec<Priority>) {
        self.queue.set_priorities(priorities);
    }

    /// The hub did not answer a refresh: the home page says so, so a
    /// citizen is not left touching buttons that cannot work.
    pub fn queue_failed(&mut self) {
        self.queue.failed();
    }

    /// Fresh waiting counts from the hub.
    pub fn queue_refreshed(&mut self, queue: &QueueView) {
        self.queue.refreshed(queue);
    }

    /// Home → choose a service.
    pub fn take_number(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.queue.take_number(&mut self.nav)
    }

    /// A service was chosen: offer the priority categories (or issue at
    /// once when none are configured).
    pub fn choose_service(&mut self, code: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.queue.choose_service(&mut self.nav, code)
    }

    /// Normal (`None`) or a priority category: ask the hub for the ticket.
    pub fn choose_priority(&mut self, priority: Option<&str>, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.queue.choose_priority(&mut self.nav, priority)
    }

    /// The hub answered a ticket request.
    pub fn ticket_issued(
        &mut self,
        key: &str,
        result: Result<TicketView, HubError>,
    ) -> Vec<Effect> {
        self.queue.issued(&mut self.nav, key, result)
    }

    /// The printer finished (or failed) the ticket.
    pub fn printed(&mut self, ticket: i64, outcome: PrintOutcome) -> Vec<Effect> {
        self.queue.printed(ticket, outcome)
    }

    // ----- Filing -----------------------------------------------------------

    /// The catalogue arrived (or not): filing and lookup show on the home
    /// page only when the hub serves procedures.
    pub fn catalogue_loaded(&mut self, catalogue: Result<CatalogueView, HubError>) {
        self.filing.catalogue_loaded(catalogue);
    }

    pub fn filing_enabled(&self) -> bool {
        self.filing.enabled()
    }

    /// Home → the procedure list.
    pub fn start_filing(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.filing.start(&mut self.nav)
    }

    pub fn choose_procedure(&mut self, code: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.filing.choose_procedure(&mut self.nav, code)
    }

    /// What to bring → consent.
    pub fn continue_filing(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.nav.step(Page::Procedure, Page::Consent);
        Vec::new()
    }

    /// The citizen agrees to the card being read, or types instead.
    pub fn consent(&mut self, agree: bool, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.filing.consent(&mut self.nav, agree)
    }

    /// From the scan page: type everything instead.
    pub fn manual_entry(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.nav.step(Page::Scan, Page::Form);
        Vec::new()
    }

    /// Demo mode: read the sample card through the emulated scanner.
    pub fn demo_scan(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.nav.page == Page::Scan {
            vec![Effect::DemoScan]
        } else {
            Vec::new()
        }
    }

    /// A line from the scanner. On the scan page (after consent) it is an ID
    /// card; on the lookup page a receipt's QR code; anywhere else it is
    /// dropped — nothing read from a card is kept without consent.
    pub fn scanned(&mut self, raw: &str, now: Duration) -> Vec<Effect> {
        match self.nav.page {
            Page::Scan => {
                self.touched(now);
                self.filing.scanned(&mut self.nav, raw);
                Vec::new()
            }
            Page::Lookup | Page::LookupResult => {
                self.touched(now);
                self.lookup.scanned(&mut self.nav, raw)
            }
            _ => Vec::new(),
        }
    }

    /// The procedure search box was touched: the keyboard opens.
    pub fn focus_search(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.filing.focus_search(&self.nav);
        Vec::new()
    }

    pub fn focus_field(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.nav.page == Page::Form {
            self.filing.focus_field(key);
        }
        Vec::new()
    }

    pub fn choose_option(&mut self, key: &str, value: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if self.nav.page == Page::Form {
            self.filing.choose_option(key, value);
        }
        Vec::new()
    }

    /// A key of the on-screen keyboard: to the flow whose page shows it.
    pub fn key(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        match self.nav.page {
            Page::Procedures | Page::Form => self.filing.key(key),
            Page::Lookup => self.lookup.key(key),
            _ => {}
        }
        Vec::new()
    }

    /// Form → review, when the form is complete and valid.
    pub fn review(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        let today = self.today();
        self.filing.review(&mut self.nav, today);
        Vec::new()
    }

    /// Review → form.
    pub fn edit(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.nav.step(Page::Review, Page::Form);
        Vec::new()
    }

    /// Review → submit, with one idempotency key for every retry.
    pub fn submit(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.filing.submit(&mut self.nav)
    }

    /// The hub answered the submission.
    pub fn dossier_filed(
        &mut self,
        key: &str,
        result: Result<FiledDossier, HubError>,
    ) -> Vec<Effect> {
        let counters = result
            .as_ref()
            .ok()
            .and_then(|d| d.ticket.as_ref())
            .map(|t| self.queue.open_counters_for(&t.service))
            .unwrap_or_default();
        // The receipt's QR and the linked ticket's point where this
        // kiosk's links do (a phone page), like its own tickets.
        let qr = self.queue.qr().clone();
        let result = result.map(|mut filed| {
            filed.receipt.qr_payload = qr.receipt_payload(&filed);
            filed
        });
        let mut effects = self.filing.filed(&mut self.nav, key, result, counters);
        for effect in &mut effects {
            if let Effect::PrintFiled {
                filed, ticket_qr, ..
            } = effect
            {
                *ticket_qr = filed.ticket.as_ref().map(|t| qr.ticket_payload(t));
            }
        }
        effects
    }

    /// The receipt (and the linked ticket) came out of the printer, or not.
    pub fn filed_printed(
        &mut self,
        receipt: PrintOutcome,
        ticket: Option<PrintOutcome>,
    ) -> Vec<Effect> {
        self.filing.printed(&self.nav, receipt, ticket)
    }

    // ----- Lookup -----------------------------------------------------------

    /// Home → lookup.
    pub fn start_lookup(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.lookup.start(&mut self.nav)
    }

    /// Look up the typed (or scanned) code.
    pub fn lookup(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.lookup.lookup(&self.nav)
    }

    pub fn lookup_answered(
        &mut self,
        code: &str,
        result: Result<DossierView, HubError>,
    ) -> Vec<Effect> {
        self.lookup.answered(&mut self.nav, code, result)
    }

    // ----- Rating -----------------------------------------------------------

    /// The example procedures listed under each service area.
    pub fn set_service_examples(&mut self, services: &[crate::config::ServiceConfig]) {
        self.queue.set_examples(
            services
                .iter()
                .map(|s| (s.code.clone(), s.examples_vi.clone(), s.examples_en.clone()))
                .collect(),
        );
    }

    /// Whether the home page offers "Đánh giá" (`rating.enabled`).
    pub fn set_rating_enabled(&mut self, enabled: bool) {
        self.rating.set_enabled(enabled);
    }

    /// Whether the rating screen is over the pages (the runtime reports it
    /// every tick); opening or closing counts as activity.
    pub fn rating_open(&mut self, open: bool, now: Duration) {
        if open != self.rating.is_open() {
            self.touched(now);
            self.rating.set_open(open);
        }
    }

    // ----- Technician mode --------------------------------------------------

    /// The hidden corner is pressed or released.
    pub fn corner(&mut self, pressed: bool, now: Duration) {
        self.tech.corner(pressed, now);
    }

    /// A key of the PIN pad.
    pub fn tech_key(&mut self, key: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.tech.key(&self.nav, key)
    }

    /// The PIN gate answered: granted opens the diagnostics.
    pub fn pin_checked(
        &mut self,
        outcome: crate::apps::diagnostics::pin::PinOutcome,
        now: Duration,
    ) -> Vec<Effect> {
        if self.nav.page != Page::TechPin {
            return Vec::new();
        }
        self.touched(now);
        self.tech.pin_checked(&mut self.nav, outcome)
    }

    pub fn diagnostics_done(&mut self, report: crate::apps::diagnostics::Report) {
        self.tech.diagnostics_done(&self.nav, report);
    }

    pub fn tech_select(&mut self, name: &str, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.tech.select(&self.nav, name);
        Vec::new()
    }

    /// A button of the diagnostics screen.
    pub fn tech_action(&mut self, action: TechAction, now: Duration) -> Vec<Effect> {
        self.touched(now);
        self.tech.action(&self.nav, action)
    }

    pub fn tech_action_done(&mut self, result: crate::apps::diagnostics::CheckResult) {
        self.tech.action_done(&self.nav, result);
    }

    /// "Thoát": back to the citizen's home page.
    pub fn tech_exit(&mut self, now: Duration) -> Vec<Effect> {
        self.touched(now);
        if !matches!(self.nav.page, Page::TechPin | Page::Tech) {
            return Vec::new();
        }
        self.reset();
        vec![Effect::CloseTech, Effect::RefreshQueue]
    }

    // ----- The view -----------------------------------------------------------

    /// What the screen shows now.
    pub fn view(&self) -> KioskView {
        let l = self.lang;
        let page = self.nav.page;
        let mut view = KioskView {
            page,
            language: l.code(),
            large_text: self.large_text,
            home_notice: self.queue.home_notice(l),
            filing_enabled: self.filing.enabled(),
            rating_enabled: self.rating.enabled(),
            queue: self.queue.view(l),
            filing: self.filing.view(
                l,
                page,
                self.today(),
                &self
                    .filing
                    .linked_service()
                    .map(|s| self.queue.open_counters_for(s))
                    .unwrap_or_default(),
            ),
            keyboard: match page {
                Page::Procedures | Page::Form => self.filing.keyboard(l),
                Page::Lookup => self.lookup.keyboard(l),
                _ => KeyboardScreen::default(),
            },
            lookup: self.lookup.view(l, page),
            tech: self.tech.view(l, page),
            ..KioskView::default()
        };
        view.qr_payload = match page {
            Page::Filed => view.filing.filed_code.clone(),
            _ => self.queue.qr_payload().to_owned(),
        };
        if let Some(m) = &self.nav.message {
            view.message_title = l.pick(&m.title_vi, &m.title_en).to_owned();
            view.message_text = l.pick(&m.text_vi, &m.text_en).to_owned();
            view.can_retry = m.can_retry;
        }
        view
    }
}

/// Sample hub answers for the flows' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::domain::ticket::TicketState;

    pub fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    pub fn ticket(id: i64, number: &str) -> TicketView {
        TicketView {
            id,
            number: number.to_owned(),
            service: "hotich".into(),
            service_name_vi: "Hộ tịch".into(),
            service_name_en: "Civil status".into(),
            priority: None,
            priority_name_vi: None,
            state: TicketState::Issued,
            business_date: "2026-11-26".parse().unwrap(),
            issued_at: "2026-11-26T08:30:00+07:00".into(),
            called_at: None,
            started_at: None,
            finished_at: None,
            counter: None,
            recall_count: 0,
            transfer_count: 0,
            people_ahead: 3,
            estimated_wait_minutes: 24,
            print_status: None,
            print_error: None,
            dossier_code: None,
            lookup_token: Some("ABCD2345".into()),
        }
    }

    pub fn queue() -> QueueView {
        serde_json::from_value(serde_json::json!({
            "business_date": "2026-11-26",
            "services": [
                {"code": "hotich", "prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil status", "waiting": 3, "open_counters": 1, "estimated_wait_minutes": 24},
                {"code": "chungthuc", "prefix": "B", "name_vi": "Chứng thực", "name_en": "Certification", "waiting": 0, "open_counters": 1, "estimated_wait_minutes": 0}
            ],
            "counters": [],
            "last_event_id": 0
        }))
        .unwrap()
    }

    pub fn kiosk() -> Kiosk {
        let mut k = Kiosk::new(secs(90), QrPolicy::default(), secs(0));
        k.queue_refreshed(&queue());
        k.set_priorities(vec![Priority {
            code: "elderly".into(),
            name_vi: "Người cao tuổi".into(),
            name_en: "Elderly".into(),
        }]);
        k
    }

    /// Home → the first service → no priority: the request sent.
    pub fn take_a_number(k: &mut Kiosk) -> TicketRequest {
        k.take_number(secs(1));
        k.choose_service("hotich", secs(2));
        issue_request(&k.choose_priority(None, secs(3)))
    }

    pub fn issue_request(effects: &[Effect]) -> TicketRequest {
        match effects {
            [Effect::IssueTicket(r)] => r.clone(),
            other => panic!("expected one IssueTicket, got {other:?}"),
        }
    }
}

/// The router's own rules: idle, A+, rating, lookup and technician routing.
#[cfg(test)]
mod tests {
    use super::fixtures::{kiosk, secs};
    use super::*;

    #[test]
    fn idle_on_the_home_page_resets_language_and_larger_text() {
        let mut k = kiosk();
        k.toggle_large_text(secs(1));
        k.toggle_language(secs(1));
        assert!(!k.tick(secs(60)), "still within the timeout");
        assert!(k.tick(secs(91)), "the next citizen gets the defaults");
        assert!(!k.large_text());
        assert_eq!(k.lang(), Lang::Vi);
        assert!(!k.tick(secs(200)), "nothing left to reset");
    }

    #[test]
    fn the_rating_screen_holds_the_idle_reset_until_it_closes() {
        let mut k = kiosk();
        k.set_rating_enabled(true);
        assert!(k.view().rating_enabled);
        k.toggle_large_text(secs(1));
        k.rating_open(true, secs(2));
        assert!(!k.tick(secs(150)), "the rating screen has its own timeout");
        k.rating_open(false, secs(150));
        assert!(!k.tick(secs(200)), "closing counts as activity");
        assert!(k.tick(secs(241)));
        assert!(!k.large_text(), "A+ is reset after the rating page");
    }

    #[test]
    fn lookup_keys_go_to_the_lookup_flow_in_capitals() {
        let mut k = kiosk();
        k.start_lookup(secs(1));
        assert_eq!(k.page(), Page::Lookup);
        for key in ["h", "2", "6", "shift", "method", "backspace", "6"] {
            k.key(key, secs(2));
        }
        assert_eq!(k.view().lookup.input, "H26");
        assert_eq!(k.view().keyboard.mode, KeyboardMode::Text);
        assert_eq!(k.lookup(secs(3)), vec![Effect::LookupDossier("H26".into())]);
        assert!(k.lookup(secs(3)).is_empty(), "one request at a time");
        k.lookup_answered(
            "H26",
            Err(HubError::Refused {
                status: 404,
                code: motcua_api::ErrorCode::DossierNotFound,
                message_vi: String::new(),
                message_en: String::new(),
                fields: Default::default(),
            }),
        );
        assert_eq!(k.page(), Page::Lookup);
        assert!(k.view().lookup.error.contains("Không tìm thấy hồ sơ H26"));
        k.key("x", secs(4));
        assert_eq!(k.view().lookup.error, "", "typing clears the error");
    }

    #[test]
    fn a_ticket_qr_at_the_lookup_page_is_explained() {
        let mut k = kiosk();
        k.start_lookup(secs(1));
        assert!(k.scanned("MOTCUA:T:7:ABCD2345", secs(2)).is_empty());
        assert!(k.view().lookup.error.contains("phiếu số thứ tự"));
        assert_eq!(
            k.scanned(" 000.25.31.H26-261126-0007 ", secs(3)),
            vec![Effect::LookupDossier("000.25.31.H26-261126-0007".into())]
        );
    }

    #[test]
    fn technician_actions_are_enum_values_and_run_one_at_a_time() {
        use crate::apps::diagnostics::pin::PinOutcome;
        let mut k = kiosk();
        assert!(
            k.tech_action(TechAction::TestPrint, secs(1)).is_empty(),
            "not in technician mode"
        );
        k.corner(true, secs(1));
        assert!(k.tick(secs(6)));
        assert_eq!(k.page(), Page::TechPin);
        for key in ["1", "2", "3", "4"] {
            assert!(k.tech_key(key, secs(7)).is_empty());
        }
        assert_eq!(k.view().tech.pin_dots, "●●●●");
        assert_eq!(
            k.tech_key("done", secs(8)),
            vec![Effect::CheckPin("1234".into())]
        );
        assert_eq!(
            k.pin_checked(PinOutcome::Granted, secs(9)),
            vec![Effect::RunDiagnostics]
        );
        assert_eq!(k.page(), Page::Tech);
        assert!(
            k.tech_action(TechAction::BundleUsb, secs(10)).is_empty(),
            "the checks are still running"
        );
        k.diagnostics_done(crate::apps::diagnostics::Report::new("kiosk-1", Vec::new()));
        assert_eq!(
            k.tech_action(TechAction::BundleHub, secs(11)),
            vec![Effect::ExportBundle { upload: true }]
        );
        assert_eq!(
            k.tech_exit(secs(12)),
            vec![Effect::CloseTech, Effect::RefreshQueue]
        );
        assert_eq!(k.page(), Page::Home);
    }
}
