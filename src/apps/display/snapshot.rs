//! `motcua display --snapshot DIR`: every state of the hall board, in both
//! languages, rendered headlessly to PNG files. The states are reached by
//! feeding the real [`Board`] sample events.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use slint::ComponentHandle;

use super::controller::{Board, BoardRules};
use super::{clock_texts, render_view};
use crate::apps::events::SseMessage;
use crate::apps::headless::{Headless, HeadlessWindow};
use crate::apps::shell::Lang;
use crate::apps::ui::{DisplayAdapter, DisplayWindow};
use crate::config::Config;
use motcua_api::Calls;
use motcua_api::{QueueView, ServiceQueue};

/// The states rendered, in file-name order.
pub const STATES: [&str; 5] = ["connecting", "idle", "new-call", "recall", "disconnected"];

/// Renders every state into `dir`; returns the files written.
pub fn run(config: &Config, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (screen, window) = render_window(config)?;
    let mut written = Vec::new();
    for lang in [Lang::Vi, Lang::En] {
        for (state, board) in sample_boards(config, lang) {
            render_view(&window, &board.view());
            let (clock, date) = clock_texts(sample_now(), config.timezone(), lang);
            let adapter = window.global::<DisplayAdapter>();
            adapter.set_clock_text(clock.into());
            adapter.set_date_text(date.into());
            let path = dir.join(format!("display-{}-{state}.png", lang.code()));
            std::fs::write(&path, screen.render_png())
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The window and screen used by in-process rendering.
pub fn render_window(config: &Config) -> anyhow::Result<(HeadlessWindow, DisplayWindow)> {
    let screen = Headless::install(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    screen.set_size(1920, 1080);
    let window = DisplayWindow::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let adapter = window.global::<DisplayAdapter>();
    adapter.set_office_name(config.office.name.clone().into());
    adapter.set_notice(config.display.notice.clone().into());
    Ok((screen, window))
}

fn sample_now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T02:15:00Z".parse().expect("static time")
}

fn sample_queue(config: &Config) -> QueueView {
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
        counters: Vec::new(),
        last_event_id: 100,
    }
}

fn call(
    config: &Config,
    id: i64,
    kind: &str,
    ticket: i64,
    number: &str,
    counter: u32,
    recalls: u32,
) -> SseMessage {
    let s = &config.services[(ticket as usize) % config.services.len()];
    let data = serde_json::json!({
        "id": id,
        "at_ms": sample_now().timestamp_millis(),
        "data": {
            "ticket": {
                "id": ticket, "number": number, "service": s.code,
                "service_name_vi": s.name_vi, "service_name_en": s.name_en,
                "priority": null, "priority_name_vi": null, "state": "called",
                "business_date": "2026-11-26", "issued_at": "2026-11-26T08:00:00+07:00",
                "called_at": null, "started_at": null, "finished_at": null,
                "counter": counter, "recall_count": recalls, "transfer_count": 0,
                "people_ahead": 0, "estimated_wait_minutes": 0,
                "print_status": null, "print_error": null
            },
            "waiting": {}
        }
    });
    SseMessage {
        id: Some(id),
        event: kind.to_owned(),
        data: data.to_string(),
    }
}

/// Each state, reached through the controller.
fn sample_boards(config: &Config, lang: Lang) -> Vec<(&'static str, Board)> {
    let mut base = Board::new(BoardRules::default());
    base.set_lang(lang);
    let connecting = base.clone();
    base.loaded(
        &sample_queue(config),
        &Calls {
            last_event_id: 100,
            calls: Vec::new(),
        },
    );
    base.set_connected(true);
    let now = sample_now();
    let t = Duration::from_secs(1);
    let mut idle = base.clone();
    for (i, (number, counter)) in [
        ("A009", 1),
        ("B003", 3),
        ("A010", 2),
        ("D004", 4),
        ("C002", 4),
        ("A011", 1),
    ]
    .iter()
    .enumerate()
    {
        let id = 101 + i as i64;
        idle.event(
            &call(config, id, "ticket.called", id, number, *counter, 0),
            now,
            t,
        );
    }
    idle.tick(Duration::from_secs(60));
    let mut new_call = idle.clone();
    new_call.event(
        &call(config, 107, "ticket.called", 200, "A012", 3, 0),
        now,
        Duration::from_secs(61),
    );
    let mut recall = new_call.clone();
    recall.tick(Duration::from_secs(120));
    recall.event(
        &call(config, 108, "ticket.recalled", 103, "A010", 2, 1),
        now,
        Duration::from_secs(121),
    );
    let mut disconnected = idle.clone();
    disconnected.set_connected(false);
    vec![
        ("connecting", connecting),
        ("idle", idle),
        ("new-call", new_call),
        ("recall", recall),
        ("disconnected", disconnected),
    ]
}
