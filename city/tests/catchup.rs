//! An office offline for three days catches up exactly once: the city then
//! holds exactly the office's events, and its figures for each day equal
//! the office's own, computed here from the office's log the way the hub
//! keeps its tickets (an independent replay, not the city's SQL).

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone};
use motcua_api::{IngestEvent, UnitKpis};
use motcua_city::simulate::office::{Office, Profile};
use motcua_city::simulate::{Pusher, SimUnit};

use crate::util::*;

#[derive(Debug, Default, PartialEq)]
struct HubDay {
    issued: u32,
    served: u32,
    no_shows: u32,
    waits: Vec<i64>,
    services: Vec<i64>,
    filed: u32,
    at_kiosk: u32,
    on_time: u32,
    late: u32,
    ratings: BTreeMap<String, u32>,
}

#[derive(Default)]
struct HubTicket {
    date: Option<NaiveDate>,
    state: String,
    issued: i64,
    called: Option<i64>,
    started: Option<i64>,
    finished: Option<i64>,
}

fn nearest_rank(values: &[i64], p: usize) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    let rank = (p * v.len()).div_ceil(100).max(1);
    Some(v[rank - 1])
}

/// The office's figures per day, replayed from its log.
fn office_figures(log: &[IngestEvent]) -> BTreeMap<NaiveDate, HubDay> {
    let mut tickets: BTreeMap<i64, HubTicket> = BTreeMap::new();
    let mut days: BTreeMap<NaiveDate, HubDay> = BTreeMap::new();
    let mut due: BTreeMap<String, i64> = BTreeMap::new();
    let date_of = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .with_timezone(&TZ)
            .date_naive()
    };
    for e in log {
        let d = &e.data;
        if e.event.starts_with("ticket.") && e.event != "ticket.rated" {
            let view = &d["ticket"];
            let t = tickets.entry(view["id"].as_i64().unwrap()).or_default();
            t.date = view["business_date"].as_str().map(|s| s.parse().unwrap());
            t.state = view["state"].as_str().unwrap().to_owned();
            match e.event.as_str() {
                "ticket.issued" => t.issued = e.at_ms,
                "ticket.called" => t.called = Some(e.at_ms),
                "ticket.started" => t.started = Some(e.at_ms),
                "ticket.finished" | "ticket.no_show" | "ticket.cancelled" => {
                    t.finished = Some(e.at_ms)
                }
                "ticket.transferred" => {
                    t.called = None;
                    t.started = None;
                }
                _ => {}
            }
        }
        match e.event.as_str() {
            "ticket.rated" => {
                let r = &d["rating"];
                let date: NaiveDate = r["business_date"].as_str().unwrap().parse().unwrap();
                *days
                    .entry(date)
                    .or_default()
                    .ratings
                    .entry(r["level"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
            "dossier.received" => {
                let received: chrono::DateTime<chrono::FixedOffset> =
                    d["received_at"].as_str().unwrap().parse().unwrap();
                let day = days.entry(received.date_naive()).or_default();
                day.filed += 1;
                if d["channel"] == "kiosk" {
                    day.at_kiosk += 1;
                }
                let due_at: chrono::DateTime<chrono::FixedOffset> =
                    d["due_at"].as_str().unwrap().parse().unwrap();
                due.insert(
                    d["code"].as_str().unwrap().to_owned(),
                    due_at.timestamp_millis(),
                );
            }
            "dossier.status" if d["portal_status"] == "result_ready" => {
                let due = due[d["code"].as_str().unwrap()];
                let day = days.entry(date_of(e.at_ms)).or_default();
                if e.at_ms <= due {
                    day.on_time += 1;
                } else {
                    day.late += 1;
                }
            }
            _ => {}
        }
    }
    for t in tickets.values() {
        let day = days.entry(t.date.unwrap()).or_default();
        day.issued += 1;
        match t.state.as_str() {
            "done" => day.served += 1,
            "no_show" => day.no_shows += 1,
            _ => {}
        }
        if let Some(called) = t.called {
            day.waits.push((called - t.issued) / 1000);
        }
        if let ("done", Some(finished)) = (t.state.as_str(), t.finished) {
            if let Some(from) = t.started.or(t.called) {
                day.services.push((finished - from) / 1000);
            }
        }
    }
    days
}

fn assert_same_day(date: NaiveDate, office: &HubDay, city: &UnitKpis) {
    let q = &city.queue;
    assert_eq!(q.tickets_issued, office.issued, "{date} issued");
    assert_eq!(q.served, office.served, "{date} served");
    assert_eq!(q.no_shows, office.no_shows, "{date} no-shows");
    assert_eq!(
        q.wait_p50_seconds,
        nearest_rank(&office.waits, 50),
        "{date} wait p50"
    );
    assert_eq!(
        q.wait_p90_seconds,
        nearest_rank(&office.waits, 90),
        "{date} wait p90"
    );
    assert_eq!(
        q.service_p50_seconds,
        nearest_rank(&office.services, 50),
        "{date} service p50"
    );
    assert_eq!(
        q.service_p90_seconds,
        nearest_rank(&office.services, 90),
        "{date} service p90"
    );
    let d = &city.dossiers;
    assert_eq!(d.filed, office.filed, "{date} filed");
    assert_eq!(d.filed_at_kiosk, office.at_kiosk, "{date} at kiosk");
    assert_eq!(d.results_on_time, office.on_time, "{date} on time");
    assert_eq!(d.results_late, office.late, "{date} late");
    let levels: BTreeMap<String, u32> = city
        .satisfaction
        .levels
        .iter()
        .map(|(l, n)| (l.as_str().to_owned(), *n))
        .collect();
    assert_eq!(levels, office.ratings, "{date} ratings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_office_offline_for_three_days_catches_up_exactly_once() {
    let now = TZ
        .with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
        .unwrap()
        .to_utc();
    let t = TestCity::start_with(config(), Some(fixed_clock(now))).await;
    let (code, _, token) = UNITS[0];
    let office = Office::new(code, 0, 42, Profile::default(), TZ);
    let mut unit = SimUnit::new(office, token.to_owned());
    let pusher = Pusher {
        client: t.http.clone(),
        city: t.base.clone(),
        batch: 500,
    };
    pusher.heartbeat(&mut unit).await.unwrap();
    assert_eq!(unit.acked, 0);
    // Monday to Wednesday with the WAN down: the office logs, pushes nothing.
    let days: Vec<NaiveDate> = (23..=25)
        .map(|d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap())
        .collect();
    for day in &days {
        unit.begin_day(*day);
        unit.commit_until(now.timestamp_millis());
    }
    let total = unit.log.len();
    assert!(total > 4000, "{total}");

    // Back online. The first answer is lost: the hub sends that batch again.
    let first = pusher.send(&unit, Some(0), &unit.log[..500]).await.unwrap();
    assert_eq!((first.last_event_id, first.stored), (500, 500));
    let again = pusher.send(&unit, Some(0), &unit.log[..500]).await.unwrap();
    assert_eq!((again.last_event_id, again.stored), (500, 0));
    unit.acked = again.last_event_id;
    // Then everything else, and a stale retry of an old batch at the end.
    let stored = pusher.push(&mut unit).await.unwrap();
    assert_eq!(stored as usize, total - 500);
    let old = pusher
        .send(&unit, Some(500), &unit.log[500..1000])
        .await
        .unwrap();
    assert_eq!((old.last_event_id, old.stored), (total as i64, 0));

    // The city holds exactly the office's events…
    assert_eq!(t.count("SELECT count(*) FROM events").await, total as i64);
    let (_, units) = t.get("/city/v1/units", CITY_TOKEN).await;
    assert_eq!(units[0]["last_event_id"], total);
    // …and the same figures, day by day.
    let office = office_figures(&unit.log);
    for day in &days {
        let (status, detail) = t
            .get(&format!("/city/v1/units/{code}?date={day}"), CITY_TOKEN)
            .await;
        assert_eq!(status, 200);
        let kpis: UnitKpis = serde_json::from_value(detail["kpis"].clone()).unwrap();
        assert_same_day(*day, &office[day], &kpis);
        assert!(kpis.queue.tickets_issued > 150, "{day}: a real day");
    }

    // The closed days are rolled up once, with the same figures.
    motcua_city::rollup::once(t.city.city()).await.unwrap();
    let client = t.city.city().pool.get().await.unwrap();
    let unit_id: i32 = client
        .query_one("SELECT unit_id FROM units WHERE unit_code = $1", &[&code])
        .await
        .unwrap()
        .get(0);
    let history = motcua_city::rollup::history(&client, unit_id, days[0], days[2])
        .await
        .unwrap();
    assert_eq!(history.len(), 3);
    for kpis in &history {
        assert_same_day(kpis.date, &office[&kpis.date], kpis);
    }
    let city_rows =
        motcua_city::rollup::history(&client, motcua_city::rollup::CITY_ROW, days[0], days[2])
            .await
            .unwrap();
    assert_eq!(city_rows.len(), 3);
    assert_eq!(
        city_rows[0].queue.tickets_issued,
        history[0].queue.tickets_issued
    );
    assert_eq!(t.count("SELECT count(*) FROM stale_days").await, 0);
}
