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

/// The screens the board is drawn for: (name prefix, width, height). The
/// 1080p files keep their plain names (`display-vi-idle.png`).
pub const SCREENS: [(&str, u32, u32); 2] = [("display", 1920, 1080), ("display-720p", 1280, 720)];

/// Renders every state into `dir` at 1080p and 720p, checks every text and
/// every sentence of the ticker for being cut off, and writes what it
/// found to `dir/overflow.json` (`[]` when nothing is); returns the files
/// written.
pub fn run(config: &Config, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (screen, window) = render_window(config)?;
    let sentences = super::notice_sentences(&config.display.notice);
    let mut written = Vec::new();
    let mut overflows = Vec::new();
    for (prefix, w, h) in SCREENS {
        screen.set_size(w, h);
        super::fit_to_window(&window);
        for lang in [Lang::Vi, Lang::En] {
            for (state, board) in sample_boards(config, lang) {
                render_view(&window, &board.view());
                let (clock, date) = clock_texts(sample_now(), config.timezone(), lang);
                let adapter = window.global::<DisplayAdapter>();
                adapter.set_clock_text(clock.into());
                adapter.set_date_text(date.into());
                adapter.set_notice(super::ticker_sentence(&sentences, Duration::ZERO).into());
                let name = format!("{prefix}-{}-{state}", lang.code());
                let path = dir.join(format!("{name}.png"));
                std::fs::write(&path, screen.render_png())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                overflows.extend(crate::apps::overflow::find(&window, &name));
                written.push(path);
                if state == "idle" {
                    // Every sentence the ticker will show, each whole.
                    for (i, sentence) in sentences.iter().enumerate() {
                        adapter.set_notice(sentence.as_str().into());
                        let name = format!("{prefix}-{}-ticker-{}", lang.code(), i + 1);
                        overflows.extend(crate::apps::overflow::find(&window, &name));
                    }
                }
            }
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
pub fn render_window(config: &Config) -> anyhow::Result<(HeadlessWindow, DisplayWindow)> {
    let screen = Headless::install(None).map_err(|e| anyhow::anyhow!("{e}"))?;
    screen.set_size(1920, 1080);
    let window = DisplayWindow::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let adapter = window.global::<DisplayAdapter>();
    adapter.set_office_name(config.office.name.clone().into());
    let sentences = super::notice_sentences(&config.display.notice);
    adapter.set_notice(super::ticker_sentence(&sentences, Duration::ZERO).into());
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

/// The `seq`th number of a service (by its index in the configuration),
/// with the `nth` counter that serves it: the board's samples agree with
/// the office they are drawn for.
fn sample_number(config: &Config, service: usize, seq: u32, nth: usize) -> (String, u32) {
    let s = &config.services[service % config.services.len()];
    let counters: Vec<u32> = config
        .counters
        .iter()
        .filter(|c| c.services.contains(&s.code))
        .map(|c| c.number)
        .collect();
    let counter = counters
        .get(nth % counters.len().max(1))
        .copied()
        .unwrap_or(1);
    (format!("{}{seq:03}", s.prefix), counter)
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
    // The service whose letter the number carries.
    let s = config
        .services
        .iter()
        .find(|s| number.starts_with(&s.prefix))
        .unwrap_or(&config.services[0]);
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
pub fn sample_boards(config: &Config, lang: Lang) -> Vec<(&'static str, Board)> {
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
    // (service index, number, which of its counters)
    let calls = [
        (0, 9, 0),
        (1, 3, 1),
        (0, 10, 1),
        (3, 4, 1),
        (2, 2, 0),
        (0, 11, 0),
    ];
    let mut numbers = Vec::new();
    for (i, (service, seq, nth)) in calls.iter().enumerate() {
        let id = 101 + i as i64;
        let (number, counter) = sample_number(config, *service, *seq, *nth);
        idle.event(
            &call(config, id, "ticket.called", id, &number, counter, 0),
            now,
            t,
        );
        numbers.push((id, number, counter));
    }
    // Later than the stale window: no one is being called now.
    idle.tick(Duration::from_secs(60));
    idle.tick(Duration::from_secs(200));
    let mut new_call = idle.clone();
    let (number, counter) = sample_number(config, 0, 12, 1);
    new_call.event(
        &call(config, 107, "ticket.called", 200, &number, counter, 0),
        now,
        Duration::from_secs(201),
    );
    let mut recall = new_call.clone();
    recall.tick(Duration::from_secs(215));
    let (id, number, counter) = &numbers[2];
    recall.event(
        &call(config, 108, "ticket.recalled", *id, number, *counter, 1),
        now,
        Duration::from_secs(216),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// #14 item 16: on every sample board, each number's letter is its
    /// service's and each call goes to a counter that serves that service,
    /// in the demo office's configuration.
    #[test]
    fn sample_calls_agree_with_the_demo_configuration() {
        let config = Config::demo();
        for lang in [Lang::Vi, Lang::En] {
            for (state, board) in sample_boards(&config, lang) {
                for c in board.calls() {
                    let service = config
                        .services
                        .iter()
                        .find(|s| s.name_vi == c.service_name_vi)
                        .unwrap_or_else(|| panic!("{state}: no service {}", c.service_name_vi));
                    assert!(
                        c.number.starts_with(&service.prefix),
                        "{state}: {} is not a {} number",
                        c.number,
                        service.name_vi
                    );
                    let counter = config.counters.iter().find(|k| k.number == c.counter);
                    assert!(
                        counter.is_some_and(|k| k.services.contains(&service.code)),
                        "{state}: counter {} does not serve {}",
                        c.counter,
                        service.name_vi
                    );
                }
            }
        }
    }
}
