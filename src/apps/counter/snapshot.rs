//! `motcua counter --snapshot DIR`: every page and state of the counter
//! app (1366×768), in both languages, rendered headlessly to PNG files —
//! reached by driving the real controller and rating flow with sample data.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use slint::ComponentHandle;

use super::controller::{Answer, Command, Counter, CounterTicket};
use super::render_view;
use crate::apps::headless::{Headless, HeadlessWindow};
use crate::apps::hub_client::HubError;
use crate::apps::rating::{render_rating, RatingFlow};
use crate::apps::shell::Lang;
use crate::apps::ui::{CounterAdapter, CounterWindow, RatingAdapter};
use crate::config::Config;
use crate::domain::rating::RatingLevel;
use motcua_api::{CounterView, QueueView, ServiceQueue, TicketView};
use motcua_api::{Officer, SignedIn};
use motcua_api::{RatedTicket, RatingLookup};

/// Renders every page into `dir`, checks every text for being cut off and
/// writes what it found to `dir/overflow.json` (`[]` when nothing is);
/// returns the files written.
pub fn run(config: &Config, counter: u32, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (screen, window) = render_window(config)?;
    let mut written = Vec::new();
    let mut overflows = Vec::new();
    for lang in [Lang::Vi, Lang::En] {
        for (page, state, rating, panel) in sample_pages(config, counter, lang) {
            render_view(&window, &state.view(sample_now()));
            let adapter = window.global::<CounterAdapter>();
            adapter.set_clock_text("09:15 · 26/11/2026".into());
            render_rating(&window.global::<RatingAdapter>(), &rating.view());
            adapter.set_citizen_panel(panel);
            let name = format!("counter-{}-{page}", lang.code());
            let path = dir.join(format!("{name}.png"));
            std::fs::write(&path, screen.render_png())
                .with_context(|| format!("cannot write {}", path.display()))?;
            overflows.extend(crate::apps::overflow::find(&window, &name));
            written.push(path);
        }
    }
    let path = dir.join("overflow.json");
    let json = serde_json::to_string_pretty(&overflows).context("overflow report")?;
    std::fs::write(&path, json + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    written.push(path);
    Ok(written)
}

/// The window and screen used by in-process rendering.
pub fn render_window(config: &Config) -> anyhow::Result<(HeadlessWindow, CounterWindow)> {
    let screen = Headless::install(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    screen.set_size(1366, 768);
    let window = CounterWindow::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    window
        .global::<CounterAdapter>()
        .set_office_name(config.office.name.clone().into());
    Ok((screen, window))
}

/// The time every sample page is shown at.
pub fn sample_now() -> DateTime<Utc> {
    "2026-11-26T02:15:00Z".parse().expect("static time")
}

fn sample_queue(config: &Config, counter: u32) -> QueueView {
    let c = config.counters.iter().find(|c| c.number == counter);
    QueueView {
        business_date: "2026-11-26".parse().expect("static date"),
        services: config
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceQueue {
                code: s.code.clone(),
                prefix: s.prefix.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                waiting: [12, 3, 0, 5][i % 4],
                open_counters: 1,
                estimated_wait_minutes: 0,
            })
            .collect(),
        counters: vec![CounterView {
            number: counter,
            name: format!("Quầy {counter}"),
            state: motcua_api::CounterState::Open,
            services: c.map(|c| c.services.clone()).unwrap_or_default(),
            current: None,
        }],
        last_event_id: 100,
    }
}

/// A ticket of the counter's last service (in the demo office, counter 2's
/// certified copies, whose dossier has pages and copies).
fn sample_ticket(config: &Config, counter: u32, state: &str) -> TicketView {
    let code = config
        .counters
        .iter()
        .find(|c| c.number == counter)
        .and_then(|c| c.services.last().cloned())
        .unwrap_or_else(|| config.services[0].code.clone());
    let s = config.service(&code).unwrap_or(&config.services[0]);
    serde_json::from_value(serde_json::json!({
        "id": 42, "number": format!("{}013", s.prefix), "service": s.code,
        "service_name_vi": s.name_vi, "service_name_en": s.name_en,
        "priority": "elderly", "priority_name_vi": "Người cao tuổi", "state": state,
        "business_date": "2026-11-26", "issued_at": "2026-11-26T08:41:00+07:00",
        "called_at": "2026-11-26T09:07:00+07:00",
        "started_at": if state == "serving" { Some("2026-11-26T09:09:00+07:00") } else { None },
        "finished_at": null, "counter": counter, "recall_count": 0, "transfer_count": 0,
        "people_ahead": 0, "estimated_wait_minutes": 0, "print_status": null, "print_error": null
    }))
    .expect("a sample ticket")
}

/// A page's name, the counter in that state, the rating panel, and whether
/// the panel is turned to the citizen.
pub type SamplePage = (&'static str, Counter, RatingFlow, bool);

/// Each page, reached through the controller (layout tests render them too).
pub fn sample_pages(config: &Config, counter: u32, lang: Lang) -> Vec<SamplePage> {
    let mut rating = RatingFlow::new(
        Duration::from_secs(90),
        config.services.iter().map(|s| s.prefix.clone()).collect(),
    );
    rating.set_lang(lang);
    rating.set_options(config.rating.options());
    let closed = rating.clone();
    let mut sign_in = Counter::new(counter, true);
    if lang == Lang::En {
        sign_in.toggle_language();
    }
    let mut pages: Vec<SamplePage> = vec![("sign-in", sign_in.clone(), closed.clone(), false)];

    let mut wrong = sign_in.clone();
    wrong.sign_in("cb01", "0000");
    wrong.signed_in(Err(HubError::Refused {
        status: 401,
        code: motcua_api::ErrorCode::BadCredentials,
        message_vi: "Mã cán bộ hoặc mã PIN không đúng.".into(),
        message_en: "Wrong staff code or PIN.".into(),
        fields: Default::default(),
    }));
    pages.push(("sign-in-error", wrong, closed.clone(), false));

    let mut idle = sign_in.clone();
    // The catalogue's forms label the dossier's fields.
    idle.catalogue_loaded(&crate::domain::catalogue_view::catalogue_view(
        &crate::domain::procedure::Catalogue::builtin(),
        &config.filing.office_hours(),
        motcua_api::CatalogueSource::Local,
        None,
    ));
    idle.sign_in("cb01", "1111");
    idle.signed_in(Ok(SignedIn {
        session: "staff-sample".into(),
        expires_at: "2026-11-26T18:00:00+07:00".into(),
        officer: Officer {
            code: "cb01".into(),
            name: "Nguyễn Thị Lan".into(),
            counter,
        },
    }));
    let mut failed = sample_ticket(config, counter, "issued");
    failed.id = 51;
    failed.number = failed.number.replace("013", "021");
    failed.print_error = Some("paper_out".into());
    idle.loaded(&sample_queue(config, counter), vec![failed]);
    pages.push(("work-idle", idle.clone(), closed.clone(), false));

    let mut called = idle.clone();
    called.command(Command::CallNext);
    called.acted(
        &Command::CallNext,
        Ok(Answer::Ticket(CounterTicket {
            ticket: sample_ticket(config, counter, "called"),
            dossier_code: None,
        })),
    );
    pages.push(("work-called", called.clone(), closed.clone(), false));

    let mut serving = called.clone();
    serving.command(Command::Start);
    let code = format!("{}-261126-0007", config.office.unit_code);
    serving.acted(
        &Command::Start,
        Ok(Answer::Ticket(CounterTicket {
            ticket: sample_ticket(config, counter, "serving"),
            dossier_code: Some(code.clone()),
        })),
    );
    serving.dossier_loaded(
        &code,
        Ok(serde_json::json!({
            "procedure": "2.000815",
            "procedure_name_vi": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "procedure_name_en": "Certified copies from originals",
            "received_at": "2026-11-26T08:40:00+07:00",
            "due_at": "2026-11-26T17:00:00+07:00",
            "fee_text": "16.000đ",
            "pages": 5, "copies": 2,
            "status_vi": "Đã tiếp nhận", "status_en": "Received",
            "applicant": {"name": "Trần Thị Bình", "id_number": "079195001234", "date_of_birth": "1995-03-07", "address": "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", "phone": "0901234567"},
            "fields": {"document_name": "Bằng tốt nghiệp trung học phổ thông"}
        })),
    );
    pages.push((
        "work-serving-dossier",
        serving.clone(),
        closed.clone(),
        false,
    ));

    let mut transfer = called.clone();
    transfer.open_transfer();
    pages.push(("work-transfer", transfer, closed.clone(), false));

    let mut paused = idle.clone();
    paused.command(Command::Pause);
    paused.acted(
        &Command::Pause,
        Ok(Answer::Counter(CounterView {
            number: counter,
            name: format!("Quầy {counter}"),
            state: motcua_api::CounterState::Paused,
            services: Vec::new(),
            current: None,
        })),
    );
    pages.push(("work-paused", paused, closed.clone(), false));

    let mut finished = serving.clone();
    finished.command(Command::Finish);
    let mut done = sample_ticket(config, counter, "done");
    done.finished_at = Some("2026-11-26T09:14:00+07:00".into());
    finished.acted(
        &Command::Finish,
        Ok(Answer::Ticket(CounterTicket {
            ticket: done.clone(),
            dossier_code: None,
        })),
    );
    let mut choose = rating.clone();
    choose.start_for_ticket(done.id, &done.number, Duration::ZERO);
    choose.looked_up(Ok(RatingLookup {
        ticket: RatedTicket {
            id: done.id,
            number: done.number.clone(),
            service_name_vi: done.service_name_vi.clone(),
            service_name_en: done.service_name_en.clone(),
            state: crate::domain::ticket::TicketState::Done,
            counter: Some(counter),
            officer_name: Some("Nguyễn Thị Lan".into()),
            finished_at: None,
        },
        rateable: true,
        refusal: None,
        rating: None,
    }));
    pages.push(("work-finished", finished.clone(), closed.clone(), false));
    pages.push(("citizen-rating", finished.clone(), choose.clone(), true));
    let mut reasons = choose.clone();
    reasons.choose(RatingLevel::Unsatisfied, Duration::ZERO);
    reasons.toggle_reason("slow", Duration::ZERO);
    pages.push(("citizen-rating-reasons", finished.clone(), reasons, true));
    let mut identify = rating.clone();
    identify.start_identify(Duration::ZERO);
    identify.key(&config.services[0].prefix, Duration::ZERO);
    identify.key("1", Duration::ZERO);
    pages.push(("citizen-rating-typed", finished, identify, true));
    pages
}
