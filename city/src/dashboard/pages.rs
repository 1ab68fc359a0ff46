//! The dashboard's pages. Each reads the signed-in viewer, checks the
//! role, reads the figures (`kpi`, `rollup`) and renders HTML; with the
//! `X-Motcua-Fragment: main` header (the live script) only `<main>`.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use motcua_api::{ReleaseInUse, ReleaseSource, UnitKpis};
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use super::session::{internal, refused, require, Viewer};
use super::{esc, page, svg, Lang};
use crate::config::{CityRole, DashboardConfig};
use crate::kpi::{self, Scope};
use crate::live::LiveMessage;
use crate::City;

/// The page, or only its `<main>` for the live script.
fn reply(headers: &HeaderMap, lang: Lang, title: &str, v: &Viewer, main: &str) -> Response {
    if headers.contains_key("x-motcua-fragment") {
        return Html(format!("<main>{main}</main>")).into_response();
    }
    Html(page(lang, title, Some(v), main)).into_response()
}

/// Red, amber or green.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rag {
    Green,
    Amber,
    Red,
}

impl Rag {
    fn class(self) -> &'static str {
        match self {
            Rag::Green => "rag-green",
            Rag::Amber => "rag-amber",
            Rag::Red => "rag-red",
        }
    }

    fn text(self, lang: Lang) -> &'static str {
        match self {
            Rag::Green => lang.t("Tốt", "Good"),
            Rag::Amber => lang.t("Chú ý", "Watch"),
            Rag::Red => lang.t("Cần xử lý", "Act"),
        }
    }
}

/// A unit's status against the thresholds of `[dashboard]`; the reasons
/// in the viewer's language.
pub fn rag(k: &UnitKpis, th: &DashboardConfig, lang: Lang) -> (Rag, Vec<String>) {
    let mut worst = Rag::Green;
    let mut why = Vec::new();
    let mut note = |level: Rag, text: String| {
        worst = worst.max(level);
        why.push(text);
    };
    let oos = k.devices.kiosks_out_of_service;
    if oos >= th.kiosks_out_red && oos > 0 {
        note(
            Rag::Red,
            format!(
                "{oos} {}",
                lang.t("ki-ốt ngừng phục vụ", "kiosks out of service")
            ),
        );
    }
    if let Some(p90) = k.queue.wait_p90_seconds.map(|s| s / 60) {
        if p90 >= th.wait_p90_red_minutes {
            note(
                Rag::Red,
                format!("{} {p90} min", lang.t("chờ p90", "wait p90")),
            );
        } else if p90 >= th.wait_p90_amber_minutes {
            note(
                Rag::Amber,
                format!("{} {p90} min", lang.t("chờ p90", "wait p90")),
            );
        }
    }
    let mut share = |value: Option<f64>, red: f64, amber: f64, vi: &str, en: &str| {
        if let Some(s) = value {
            let text = format!("{} {}", lang.t(vi, en), pct(s));
            if s < red {
                note(Rag::Red, text);
            } else if s < amber {
                note(Rag::Amber, text);
            }
        }
    };
    share(
        k.dossiers.online_share,
        th.online_share_red,
        th.online_share_amber,
        "trực tuyến",
        "online",
    );
    share(
        k.satisfaction.satisfied_share,
        th.satisfied_share_red,
        th.satisfied_share_amber,
        "hài lòng",
        "satisfied",
    );
    (worst, why)
}

fn pct(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

fn opt_pct(share: Option<f64>) -> String {
    share.map(pct).unwrap_or_else(|| "—".to_owned())
}

fn minutes(seconds: Option<i64>) -> String {
    seconds
        .map(|s| format!("{} min", (s + 30) / 60))
        .unwrap_or_else(|| "—".to_owned())
}

fn local(at: DateTime<Utc>, city: &City) -> String {
    at.with_timezone(&city.tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OverviewQuery {
    /// Part of a unit's name or code.
    q: String,
    /// A group, exactly.
    group: String,
    /// A column: see [`COLUMNS`].
    sort: String,
    /// `desc` for largest first.
    dir: String,
}

/// The overview's sortable columns: key, Vietnamese, English.
const COLUMNS: [(&str, &str, &str); 10] = [
    ("status", "Trạng thái", "Status"),
    ("name", "Đơn vị", "Unit"),
    ("tickets", "Số phiếu", "Tickets"),
    ("waiting", "Đang chờ", "Waiting"),
    ("wait_p90", "Chờ p90", "Wait p90"),
    ("dossiers", "Hồ sơ", "Dossiers"),
    ("online", "Trực tuyến", "Online"),
    ("on_time", "Đúng hạn", "On time"),
    ("satisfied", "Hài lòng", "Satisfied"),
    ("kiosks_out", "Ki-ốt hỏng", "Kiosks out"),
];

struct OverviewRow {
    code: String,
    name: String,
    group: Option<String>,
    last_seen: Option<DateTime<Utc>>,
    k: UnitKpis,
    rag: Rag,
    why: Vec<String>,
}

impl OverviewRow {
    /// The sort key of column `c` (numbers; `None` sorts last).
    fn key(&self, c: &str) -> Option<f64> {
        let k = &self.k;
        match c {
            "status" => Some(self.rag as u8 as f64),
            "tickets" => Some(k.queue.tickets_issued.into()),
            "waiting" => Some(k.queue.waiting.into()),
            "wait_p90" => k.queue.wait_p90_seconds.map(|s| s as f64),
            "dossiers" => Some(k.dossiers.filed.into()),
            "online" => k.dossiers.online_share,
            "on_time" => k.dossiers.on_time_share,
            "satisfied" => k.satisfaction.satisfied_share,
            "kiosks_out" => Some(k.devices.kiosks_out_of_service.into()),
            _ => None,
        }
    }
}

/// `GET /`: every unit the viewer may see, filtered and sorted, with its
/// status.
pub async fn overview(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if v.role == CityRole::Technician {
        return (StatusCode::SEE_OTHER, [(header::LOCATION, "/fleet")]).into_response();
    }
    let client = match city.pool.get().await {
        Ok(c) => c,
        Err(e) => return internal(e),
    };
    let today = city.today();
    let (units, figures) =
        match tokio::try_join!(kpi::units(&client), city.figures.today(&city, &client)) {
            Ok(x) => x,
            Err(e) => return internal(e),
        };
    let mut groups: Vec<String> = units.iter().filter_map(|u| u.group.clone()).collect();
    groups.sort();
    groups.dedup();
    let needle = q.q.trim().to_lowercase();
    let mut rows: Vec<OverviewRow> = units
        .into_iter()
        .filter(|u| v.may_see(&u.unit_code))
        .filter(|u| {
            needle.is_empty()
                || u.name.to_lowercase().contains(&needle)
                || u.unit_code.to_lowercase().contains(&needle)
        })
        .filter(|u| q.group.is_empty() || u.group.as_deref() == Some(q.group.as_str()))
        .map(|u| {
            let k = figures
                .get(&u.unit_id)
                .cloned()
                .unwrap_or_else(|| kpi::empty(today));
            let (rag, why) = rag(&k, &city.dashboard, lang);
            OverviewRow {
                code: u.unit_code,
                name: u.name,
                group: u.group,
                last_seen: u.last_seen,
                k,
                rag,
                why,
            }
        })
        .collect();
    let sort = COLUMNS
        .iter()
        .map(|c| c.0)
        .find(|c| *c == q.sort)
        .unwrap_or("status");
    let desc = if q.sort.is_empty() {
        true
    } else {
        q.dir == "desc"
    };
    rows.sort_by(|a, b| {
        let order = if sort == "name" {
            a.name.cmp(&b.name)
        } else {
            match (a.key(sort), b.key(sort)) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => return std::cmp::Ordering::Less,
                (None, Some(_)) => return std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        };
        let order = if desc { order.reverse() } else { order };
        order.then_with(|| a.code.cmp(&b.code))
    });

    let mut main = format!(
        "<h1>{}</h1><form class=\"filter\" method=\"get\" action=\"/\">\
         <label>{} <input name=\"q\" value=\"{}\"></label>\
         <label>{} <select name=\"group\"><option value=\"\">{}</option>",
        lang.t("Tổng quan các đơn vị", "Units overview"),
        lang.t("Tìm", "Find"),
        esc(&q.q),
        lang.t("Nhóm", "Group"),
        lang.t("Tất cả", "All"),
    );
    for g in &groups {
        let selected = if *g == q.group { " selected" } else { "" };
        main.push_str(&format!("<option{selected}>{}</option>", esc(g)));
    }
    main.push_str(&format!(
        "</select></label><input type=\"hidden\" name=\"sort\" value=\"{}\">\
         <button>{}</button></form><div class=\"scroll\"><table id=\"units\"><thead><tr>",
        esc(sort),
        lang.t("Lọc", "Filter")
    ));
    for (key, vi, en) in COLUMNS {
        let dir = if key == sort && desc { "asc" } else { "desc" };
        let arrow = if key == sort {
            if desc {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        };
        let href = format!(
            "/?q={}&group={}&sort={key}&dir={dir}",
            urlencode(&q.q),
            urlencode(&q.group)
        );
        main.push_str(&format!(
            "<th><a href=\"{}\">{}{arrow}</a></th>",
            esc(&href),
            lang.t(vi, en)
        ));
    }
    main.push_str("</tr></thead><tbody>");
    for r in &rows {
        let k = &r.k;
        main.push_str(&format!(
            "<tr id=\"unit-{code}\" data-status=\"{status}\">\
             <td><span class=\"rag {class}\" title=\"{why}\">{text}</span></td>\
             <td><a href=\"/units/{code}\">{name}</a><br><small>{code}{group} · {seen}</small></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            k.queue.tickets_issued,
            k.queue.waiting,
            minutes(k.queue.wait_p90_seconds),
            k.dossiers.filed,
            opt_pct(k.dossiers.online_share),
            opt_pct(k.dossiers.on_time_share),
            opt_pct(k.satisfaction.satisfied_share),
            k.devices.kiosks_out_of_service,
            code = esc(&r.code),
            status = match r.rag {
                Rag::Green => "green",
                Rag::Amber => "amber",
                Rag::Red => "red",
            },
            class = r.rag.class(),
            why = esc(&r.why.join("; ")),
            text = r.rag.text(lang),
            name = esc(&r.name),
            group = r
                .group
                .as_deref()
                .map(|g| format!(" · {}", esc(g)))
                .unwrap_or_default(),
            seen = r
                .last_seen
                .map(|t| local(t, &city))
                .unwrap_or_else(|| lang.t("chưa kết nối", "never heard from").to_owned()),
        ));
    }
    if rows.is_empty() {
        main.push_str(&format!(
            "<tr><td colspan=\"10\">{}</td></tr>",
            lang.t("Không có đơn vị nào.", "No unit.")
        ));
    }
    main.push_str("</tbody></table></div>");
    reply(&headers, lang, lang.t("Tổng quan", "Overview"), &v, &main)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn figure(label: &str, value: String) -> String {
    format!("<div>{}<b>{}</b></div>", esc(label), esc(&value))
}

fn device_text(s: Option<&motcua_api::DeviceStatus>, lang: Lang) -> String {
    match s {
        None => "—".to_owned(),
        Some(s) => {
            let state = serde_json::to_value(s.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let kind = s
                .kind
                .and_then(|k| serde_json::to_value(k).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .map(|k| format!(" ({k})"))
                .unwrap_or_default();
            let ok = state == "ok";
            let label = if ok {
                lang.t("tốt", "ok").to_owned()
            } else {
                format!("{state}{kind}")
            };
            let class = if ok { "" } else { " class=\"fault\"" };
            format!(
                "<span{class}>{}</span> <small>{} {}</small>",
                esc(&label),
                lang.t("từ", "since"),
                esc(&s.since)
            )
        }
    }
}

/// `GET /units/{unit_code}`: the unit's live queue, counters, kiosks,
/// today's figures and the last 30 days.
pub async fn unit(
    State(city): State<Arc<City>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let lang = Lang::from_headers(&headers);
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !v.may_see(&code) {
        return refused(StatusCode::FORBIDDEN, lang, Some(&v));
    }
    match unit_main(&city, &code, lang).await {
        Ok(Some((title, main))) => reply(&headers, lang, &title, &v, &main),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            Html(page(
                lang,
                "404",
                Some(&v),
                &format!(
                    "<h1>404</h1><p>{}</p>",
                    lang.t("Không có đơn vị này.", "No such unit.")
                ),
            )),
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

async fn unit_main(
    city: &City,
    code: &str,
    lang: Lang,
) -> Result<Option<(String, String)>, crate::db::DbError> {
    let client = city.pool.get().await?;
    let Some(u) = kpi::unit(&client, code).await? else {
        return Ok(None);
    };
    let today = city.today();
    let from = today - chrono::Duration::days(29);
    let (k, history) = tokio::try_join!(
        kpi::kpis(&client, Scope::Unit(u.unit_id), today, city.clockface()),
        crate::rollup::history(&client, u.unit_id, from, today - chrono::Duration::days(1)),
    )?;
    let (status, why) = rag(&k, &city.dashboard, lang);
    let mut main = format!(
        "<h1>{} <span class=\"rag {}\" id=\"status\" data-status=\"{}\" title=\"{}\">{}</span></h1>\
         <p>{}{} · {} {} · {} {}</p>",
        esc(&u.name),
        status.class(),
        match status {
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
        },
        esc(&why.join("; ")),
        status.text(lang),
        esc(&u.unit_code),
        u.group
            .as_deref()
            .map(|g| format!(" · {}", esc(g)))
            .unwrap_or_default(),
        lang.t("kết nối lần cuối", "last heard from"),
        u.last_seen
            .map(|t| local(t, city))
            .unwrap_or_else(|| "—".to_owned()),
        lang.t("phiên bản", "version"),
        esc(u.hub_version.as_deref().unwrap_or("—")),
    );

    // The live queue per service.
    let queue = client
        .query(
            "SELECT service, count(*) FILTER (WHERE state IN ('issued', 'transferred')), \
             count(*) FILTER (WHERE state IN ('called', 'serving')) \
             FROM tickets WHERE unit_id = $1 AND business_date = $2 \
             GROUP BY service ORDER BY service",
            &[&u.unit_id, &today],
        )
        .await?;
    main.push_str(&format!(
        "<h2>{}</h2><table id=\"queue\"><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>",
        lang.t("Hàng chờ theo dịch vụ", "Queue per service"),
        lang.t("Dịch vụ", "Service"),
        lang.t("Đang chờ", "Waiting"),
        lang.t("Đang phục vụ", "Being served"),
    ));
    for r in &queue {
        main.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(r.get::<_, &str>(0)),
            r.get::<_, i64>(1),
            r.get::<_, i64>(2)
        ));
    }
    main.push_str("</tbody></table>");

    // Counters and officers on duty.
    let counters = client
        .query(
            "SELECT counter, name, state, officer_name FROM counters WHERE unit_id = $1 ORDER BY counter",
            &[&u.unit_id],
        )
        .await?;
    main.push_str(&format!(
        "<h2>{}</h2><table id=\"counters\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Quầy và cán bộ trực", "Counters and officers on duty"),
        lang.t("Quầy", "Counter"),
        lang.t("Trạng thái", "State"),
        lang.t("Cán bộ", "Officer"),
    ));
    for r in &counters {
        let n: i32 = r.get(0);
        let name: Option<String> = r.get(1);
        let state: Option<String> = r.get(2);
        let officer: Option<String> = r.get(3);
        main.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&name.unwrap_or_else(|| n.to_string())),
            esc(state.as_deref().unwrap_or("—")),
            esc(officer.as_deref().unwrap_or("—")),
        ));
    }
    main.push_str("</tbody></table>");

    // Kiosks.
    main.push_str(&format!(
        "<h2>{}</h2><table id=\"kiosks\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Ki-ốt", "Kiosks"),
        lang.t("Ki-ốt", "Kiosk"),
        lang.t("Máy in", "Printer"),
        lang.t("Máy quét", "Scanner"),
    ));
    for kst in &k.devices.kiosk_states {
        main.push_str(&format!(
            "<tr data-kiosk=\"{}\" data-out=\"{}\"><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&kst.kiosk),
            kst.out_of_service,
            esc(&kst.kiosk),
            device_text(kst.printer.as_ref(), lang),
            device_text(kst.scanner.as_ref(), lang),
        ));
    }
    main.push_str("</tbody></table>");

    // Today's figures.
    let q = &k.queue;
    let d = &k.dossiers;
    main.push_str(&format!(
        "<h2>{}</h2><div class=\"figures\">",
        lang.t("Hôm nay", "Today")
    ));
    for (label, value) in [
        (
            lang.t("Phiếu đã cấp", "Tickets issued"),
            q.tickets_issued.to_string(),
        ),
        (lang.t("Đang chờ", "Waiting"), q.waiting.to_string()),
        (
            lang.t("Chờ p50 / p90", "Wait p50 / p90"),
            format!(
                "{} / {}",
                minutes(q.wait_p50_seconds),
                minutes(q.wait_p90_seconds)
            ),
        ),
        (
            lang.t("Phục vụ p50 / p90", "Service p50 / p90"),
            format!(
                "{} / {}",
                minutes(q.service_p50_seconds),
                minutes(q.service_p90_seconds)
            ),
        ),
        (lang.t("Vắng mặt", "No-shows"), opt_pct(q.no_show_share)),
        (
            lang.t("Hồ sơ (ki-ốt / quầy)", "Dossiers (kiosk / counter)"),
            format!(
                "{} ({} / {})",
                d.filed, d.filed_at_kiosk, d.filed_at_counter
            ),
        ),
        (
            lang.t("Tỷ lệ trực tuyến", "Online share"),
            opt_pct(d.online_share),
        ),
        (
            lang.t("Đã chuyển cổng DVC", "Delivered to the portal"),
            d.delivered.to_string(),
        ),
        (
            lang.t("Trả kết quả đúng hạn", "Results on time"),
            format!(
                "{} / {} ({})",
                d.results_on_time,
                d.results_on_time + d.results_late,
                opt_pct(d.on_time_share)
            ),
        ),
        (
            lang.t("Hài lòng", "Satisfied"),
            format!(
                "{} ({})",
                opt_pct(k.satisfaction.satisfied_share),
                k.satisfaction.ratings
            ),
        ),
        (
            lang.t("Ki-ốt sẵn sàng", "Kiosk availability"),
            opt_pct(k.devices.kiosk_availability),
        ),
        (
            lang.t("Hồ sơ chờ gửi cổng", "Outbox backlog"),
            format!(
                "{} ({})",
                d.outbox_backlog,
                minutes(d.outbox_oldest_seconds)
            ),
        ),
    ] {
        main.push_str(&figure(label, value));
    }
    main.push_str("</div>");

    // The last 30 days: closed days from the rollups, then today.
    let mut days: Vec<chrono::NaiveDate> =
        (0..30).map(|i| from + chrono::Duration::days(i)).collect();
    days.truncate(30);
    let by_day: std::collections::BTreeMap<_, _> = history.iter().map(|h| (h.date, h)).collect();
    let series = |f: &dyn Fn(&UnitKpis) -> Option<f64>| -> Vec<Option<f64>> {
        days.iter()
            .map(|d| {
                if *d == today {
                    f(&k)
                } else {
                    by_day.get(d).and_then(|h| f(h))
                }
            })
            .collect()
    };
    main.push_str(&format!(
        "<h2>{}</h2><div class=\"charts\">",
        lang.t("30 ngày qua", "The last 30 days")
    ));
    let charts: [Chart; 4] = [
        (
            lang.t("Phiếu đã cấp", "Tickets issued"),
            series(&|h| Some(h.queue.tickets_issued.into())),
            |v| format!("{v:.0}"),
        ),
        (
            lang.t("Chờ p90 (phút)", "Wait p90 (minutes)"),
            series(&|h| h.queue.wait_p90_seconds.map(|s| s as f64 / 60.0)),
            |v| format!("{v:.0} min"),
        ),
        (
            lang.t("Tỷ lệ trực tuyến", "Online share"),
            series(&|h| h.dossiers.online_share),
            pct,
        ),
        (
            lang.t("Hài lòng", "Satisfied"),
            series(&|h| h.satisfaction.satisfied_share),
            pct,
        ),
    ];
    for (label, values, format) in charts {
        main.push_str(&format!(
            "<figure><figcaption>{}</figcaption>{}</figure>",
            esc(label),
            svg::bars(label, &days, &values, format)
        ));
    }
    main.push_str("</div>");
    Ok(Some((u.name, main)))
}

/// A chart: its label, a value per day, how a value is written.
type Chart<'a> = (&'a str, Vec<Option<f64>>, fn(f64) -> String);

fn alert_text(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "kiosk_out" => lang.t(
            "Ki-ốt ngừng phục vụ > 10 phút",
            "Kiosk out of service > 10 min",
        ),
        "hub_silent" => lang.t(
            "Máy chủ văn phòng mất liên lạc > 5 phút",
            "Office hub silent > 5 min",
        ),
        "outbox_backlog" => lang.t("Hồ sơ chờ gửi cổng > 1 giờ", "Outbox backlog > 1 h"),
        "wait_p90" => lang.t("Thời gian chờ p90 > 60 phút", "Wait p90 > 60 min"),
        _ => lang.t("Cảnh báo", "Alert"),
    }
}

/// `GET /alerts`: open alerts and those cleared in the last 7 days (a
/// unit viewer: its units only).
pub async fn alerts(State(city): State<Arc<City>>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let list = match city.pool.get().await {
        Ok(client) => super::alerts::recent(&client, city.now() - chrono::Duration::days(7)).await,
        Err(e) => return internal(e),
    };
    let list = match list {
        Ok(l) => l,
        Err(e) => return internal(e),
    };
    let mut main = format!(
        "<h1>{}</h1><div class=\"scroll\"><table id=\"alerts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Cảnh báo", "Alerts"),
        lang.t("Đơn vị", "Unit"),
        lang.t("Cảnh báo", "Alert"),
        lang.t("Chi tiết", "Detail"),
        lang.t("Bắt đầu", "Started"),
        lang.t("Kết thúc", "Cleared"),
    );
    let mut shown = 0;
    for a in list
        .iter()
        .filter(|a| v.role != CityRole::UnitViewer || v.may_see(&a.unit_code))
    {
        shown += 1;
        let detail = [a.subject.as_str(), a.detail.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · ");
        main.push_str(&format!(
            "<tr data-kind=\"{}\" data-open=\"{}\"><td>{}<br><small>{}</small></td><td{}>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.kind),
            a.cleared_at.is_none(),
            esc(&a.unit_name),
            esc(&a.unit_code),
            if a.cleared_at.is_none() { " class=\"fault\"" } else { "" },
            alert_text(&a.kind, lang),
            esc(&detail),
            local(a.started_at, &city),
            a.cleared_at
                .map(|t| local(t, &city))
                .unwrap_or_else(|| lang.t("đang diễn ra", "ongoing").to_owned()),
        ));
    }
    if shown == 0 {
        main.push_str(&format!(
            "<tr><td colspan=\"5\">{}</td></tr>",
            lang.t("Không có cảnh báo.", "No alerts.")
        ));
    }
    main.push_str("</tbody></table></div>");
    reply(&headers, lang, lang.t("Cảnh báo", "Alerts"), &v, &main)
}

fn release_text(r: Option<&ReleaseInUse>, lang: Lang) -> String {
    let Some(r) = r else { return "—".to_owned() };
    let source = match r.source {
        ReleaseSource::City => lang.t("thành phố", "city"),
        ReleaseSource::Portal => lang.t("cổng DVC", "portal"),
        ReleaseSource::Local => lang.t("tệp riêng", "local file"),
        ReleaseSource::Builtin => lang.t("mặc định", "built in"),
    };
    let mut text = esc(source);
    if let Some(version) = r.version {
        text.push_str(&format!(" v{version}"));
    }
    if let Some(label) = &r.label {
        text.push_str(&format!(" ({})", esc(label)));
    }
    if r.pinned {
        text.push_str(&format!(
            " <strong>{}</strong>",
            lang.t("— ghim tệp riêng", "— pinned local file")
        ));
    }
    if let Some(refused) = &r.refused {
        text.push_str(&format!(
            " <span class=\"fault\">{} v{}: {}</span>",
            lang.t("từ chối", "refused"),
            refused.version,
            esc(&refused.reason)
        ));
    }
    text
}

/// `GET /fleet`: every kiosk's version, last seen and device state, and
/// the catalogue and calendar in use (technicians and the city).
pub async fn fleet(State(city): State<Arc<City>>, headers: HeaderMap) -> Response {
    let lang = Lang::from_headers(&headers);
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if v.role == CityRole::UnitViewer {
        return refused(StatusCode::FORBIDDEN, lang, Some(&v));
    }
    let result = async {
        let client = city.pool.get().await?;
        let units = kpi::units(&client).await?;
        let devices = client
            .query(
                "SELECT unit_id, kiosk, device, state, kind, since_ms FROM device_states",
                &[],
            )
            .await?;
        Ok::<_, crate::db::DbError>((units, devices))
    }
    .await;
    let (units, devices) = match result {
        Ok(x) => x,
        Err(e) => return internal(e),
    };
    let mut main = format!(
        "<h1>{}</h1><div class=\"scroll\"><table id=\"fleet\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        lang.t("Thiết bị", "Fleet"),
        lang.t("Đơn vị", "Unit"),
        lang.t("Ki-ốt", "Kiosk"),
        lang.t("Phiên bản", "Version"),
        lang.t("Kết nối lần cuối", "Last seen"),
        lang.t("Thiết bị", "Devices"),
        lang.t("Danh mục thủ tục", "Catalogue"),
        lang.t("Lịch làm việc", "Calendar"),
    );
    for u in &units {
        let mut kiosks = u.kiosks.clone();
        for d in devices.iter().filter(|d| d.get::<_, i32>(0) == u.unit_id) {
            let k: String = d.get(1);
            if !kiosks.contains(&k) {
                kiosks.push(k);
            }
        }
        if kiosks.is_empty() {
            kiosks.push(String::new());
        }
        for kiosk in &kiosks {
            // The kiosk's own version and last call when its hub has heard
            // from it; else the hub's, marked as such.
            let own = u.kiosks_seen.iter().find(|k| k.kiosk == *kiosk);
            let hub_marker = format!(" <small>({})</small>", lang.t("máy chủ", "hub"));
            let version = match own.and_then(|k| k.version.as_deref()) {
                Some(v) => esc(v),
                None => format!(
                    "{}{hub_marker}",
                    esc(u.hub_version.as_deref().unwrap_or("—"))
                ),
            };
            let last_seen = match own {
                Some(k) => DateTime::parse_from_rfc3339(&k.last_seen)
                    .map(|t| local(t.with_timezone(&Utc), &city))
                    .unwrap_or_else(|_| esc(&k.last_seen)),
                None => format!(
                    "{}{hub_marker}",
                    u.last_seen
                        .map(|t| local(t, &city))
                        .unwrap_or_else(|| "—".to_owned())
                ),
            };
            let states: Vec<String> = devices
                .iter()
                .filter(|d| d.get::<_, i32>(0) == u.unit_id && d.get::<_, String>(1) == *kiosk)
                .map(|d| {
                    let state: String = d.get(3);
                    let kind: Option<String> = d.get(4);
                    let since: i64 = d.get(5);
                    let class = if state == "ok" {
                        ""
                    } else {
                        " class=\"fault\""
                    };
                    format!(
                        "<span{class}>{}: {}{}</span> <small>{}</small>",
                        esc(&d.get::<_, String>(2)),
                        esc(&state),
                        kind.map(|k| format!(" ({})", esc(&k))).unwrap_or_default(),
                        DateTime::from_timestamp_millis(since)
                            .map(|t| local(t, &city))
                            .unwrap_or_default()
                    )
                })
                .collect();
            main.push_str(&format!(
                "<tr data-unit=\"{}\"><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&u.unit_code),
                esc(&u.name),
                esc(&u.unit_code),
                esc(kiosk),
                version,
                last_seen,
                if states.is_empty() { "—".to_owned() } else { states.join("<br>") },
                release_text(u.catalogue.as_ref(), lang),
                release_text(u.calendar.as_ref(), lang),
            ));
        }
    }
    main.push_str("</tbody></table></div>");
    main.push_str(&format!(
        "<p><small>{}</small></p>",
        lang.t(
            "Phiên bản và lần kết nối cuối của ki-ốt là do máy chủ văn phòng báo; “(máy chủ)”: máy chủ chưa nghe ki-ốt này từ khi khởi động, nên hiển thị của máy chủ.",
            "A kiosk's version and last seen are reported by its office hub; “(hub)”: the hub has not heard from this kiosk since it started, so the hub's are shown."
        )
    ));
    reply(&headers, lang, lang.t("Thiết bị", "Fleet"), &v, &main)
}

/// `GET /live`: the live channel for a signed-in page (`unit` events for
/// what the viewer may see; `reload` when updates may have been missed).
pub async fn live(State(city): State<Arc<City>>, headers: HeaderMap) -> Response {
    let v = match require(&city, &headers).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    Sse::new(live_stream(&city, v))
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn live_stream(city: &City, v: Viewer) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut shutdown = city.shutdown.subscribe();
    BroadcastStream::new(city.live.subscribe())
        .filter_map(move |m| {
            futures_util::future::ready(match m {
                Ok(LiveMessage::Update(u)) => (v.role == CityRole::Technician
                    || v.may_see(&u.unit_code))
                .then(|| Event::default().event("unit").data(u.unit_code)),
                Ok(LiveMessage::Reconnected) | Err(_) => {
                    Some(Event::default().event("reload").data("{}"))
                }
            })
        })
        .map(Ok::<_, Infallible>)
        .take_until(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
}

/// `GET /lang/{vi|en}`: remembers the language and goes back.
pub async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let lang = if lang == "en" { "en" } else { "vi" };
    // Back to the page it came from, on this site only.
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//") && !p.starts_with("/lang/"))
        .unwrap_or_else(|| "/".to_owned());
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, back),
            (
                header::SET_COOKIE,
                format!("lang={lang}; Path=/; Max-Age=31536000; Secure; SameSite=Strict"),
            ),
        ],
    )
        .into_response()
}
