//! The JSON API: roles, the exact fields of `/city/v1/units`, and the
//! figures of a unit computed by the formulas of docs/CITY.md.

use chrono::TimeZone;
use serde_json::{json, Value};

use crate::util::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_of_the_json_api() {
    let t = TestCity::start().await;
    let (status, all) = t.get("/city/v1/units", CITY_TOKEN).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["H26.01", "H26.02", "H26.03"]);
    // Exactly these names, no more, no fewer.
    let mut keys: Vec<&str> = all[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "dossiers_filed",
            "kiosks_out_of_service",
            "last_event_id",
            "last_seen",
            "name",
            "tickets_issued",
            "unit_code",
            "waiting"
        ]
    );
    assert_eq!(all[0]["name"], "Phường Tràng Tiền");
    assert_eq!(all[0]["last_seen"], Value::Null);

    // A unit viewer sees its unit, and only it.
    let (status, mine) = t.get("/city/v1/units", VIEWER_TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["unit_code"], "H26.01");
    assert_eq!(t.get("/city/v1/units/H26.01", VIEWER_TOKEN).await.0, 200);
    let (status, refused) = t.get("/city/v1/units/H26.02", VIEWER_TOKEN).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(t.get("/city/v1/kpis", VIEWER_TOKEN).await.0, 403);
    // A technician has the fleet, not the figures.
    assert_eq!(t.get("/city/v1/units", TECH_TOKEN).await.0, 403);
    // An office's token reads no figures; no token, no answer.
    assert_eq!(t.get("/city/v1/units", UNITS[0].2).await.0, 401);
    let r = t.http.get(t.url("/city/v1/units")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["message_vi"].as_str().unwrap().contains("mã truy cập"));
    // Only the city registers units.
    let r = t
        .http
        .put(t.url("/city/v1/units/H26.09"))
        .bearer_auth(VIEWER_TOKEN)
        .json(&json!({"name": "Phường mới", "token": "office-token-h26-09-abcdef"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = t
        .http
        .put(t.url("/city/v1/units/H26.09"))
        .bearer_auth(CITY_TOKEN)
        .json(&json!({"name": "Phường mới", "token": "office-token-h26-09-abcdef"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(t.get("/city/v1/units/H26.09", CITY_TOKEN).await.0, 200);
    let (status, missing) = t.get("/city/v1/units/H26.77", CITY_TOKEN).await;
    assert_eq!(
        (status, missing["code"].as_str()),
        (404, Some("unit_not_found"))
    );
    // The new unit pushes with its token at once, on this instance or any.
    let mut log = Log::default();
    log.served(1, at(8, 0, 0), at(8, 1, 0), at(8, 2, 0), at(8, 3, 0));
    let answer = ingest(
        &t.http,
        &t.base,
        "H26.09",
        "office-token-h26-09-abcdef",
        0,
        &log.events,
    )
    .await;
    assert_eq!(answer.stored, 4);
}

fn rating(ticket: i64, level: &str, reasons: &[&str], at_ms: i64) -> Value {
    let (vi, en) = match level {
        "very_satisfied" => ("Rất hài lòng", "Very satisfied"),
        "satisfied" => ("Hài lòng", "Satisfied"),
        _ => ("Không hài lòng", "Not satisfied"),
    };
    let at = chrono::DateTime::from_timestamp_millis(at_ms)
        .unwrap()
        .with_timezone(&TZ)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    json!({"rating": {"id": ticket, "ticket": ticket, "number": format!("A{ticket:03}"),
        "business_date": "2026-11-26", "dossier_code": null, "counter": 1, "officer": "cb01",
        "officer_name": "Nguyễn Thị Lan", "level": level, "level_vi": vi, "level_en": en,
        "reasons": reasons, "channel": "kiosk", "rated_at": at}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_units_figures_follow_the_formulas() {
    // Figures taken at 12:00 on the day.
    let noon = TZ.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let t = TestCity::start_with(config(), Some(fixed_clock(noon.to_utc()))).await;
    let (code, _, token) = UNITS[0];
    let mut log = Log::default();
    // Waits 600.5 s → 600, 1,500 s, 120 s; services 540 s and 240 s.
    log.served(
        1,
        at(8, 0, 0),
        at(8, 10, 0) + 500,
        at(8, 11, 0),
        at(8, 20, 0),
    );
    log.served(2, at(8, 5, 0), at(8, 30, 0), at(8, 31, 0), at(8, 35, 0));
    let mut absent = Ticket::new(3, at(9, 0, 0));
    log.push(absent.issued, "ticket.issued", absent.data());
    absent.called = Some(at(9, 2, 0));
    absent.state = "called";
    log.push(at(9, 2, 0), "ticket.called", absent.data());
    absent.finished = Some(at(9, 5, 0));
    absent.state = "no_show";
    log.push(at(9, 5, 0), "ticket.no_show", absent.data());
    let waiting = Ticket::new(4, at(11, 50, 0));
    log.push(waiting.issued, "ticket.issued", waiting.data());
    // Dossiers: on time at a kiosk, late at a counter, one still unsent.
    log.dossier(
        "H26-261126-0001",
        "kiosk",
        at(8, 0, 0),
        at(17, 0, 0),
        Some(at(10, 0, 0)),
    );
    log.dossier(
        "H26-261126-0002",
        "counter",
        at(8, 30, 0),
        at(11, 0, 0),
        Some(at(11, 30, 0)),
    );
    log.push(
        at(11, 0, 0),
        "dossier.received",
        json!({"code": "H26-261126-0003", "due_at": "2026-11-27T17:00:00+07:00",
               "portal_status": "pending", "procedure": "1.004873",
               "received_at": "2026-11-26T11:00:00+07:00", "ticket": null, "channel": "kiosk"}),
    );
    // Ratings.
    log.push(
        at(8, 21, 0),
        "ticket.rated",
        rating(1, "very_satisfied", &[], at(8, 21, 0)),
    );
    log.push(
        at(8, 36, 0),
        "ticket.rated",
        rating(2, "unsatisfied", &["wait_long"], at(8, 36, 0)),
    );
    // kiosk-1 out of paper 09:30–10:30; kiosk-2 out since 11:00.
    log.printer(at(9, 30, 0), "kiosk-1", true);
    log.printer(at(10, 30, 0), "kiosk-1", false);
    log.printer(at(11, 0, 0), "kiosk-2", true);
    log.events.sort_by_key(|e| e.at_ms);
    for (i, e) in log.events.iter_mut().enumerate() {
        e.id = i as i64 + 1;
    }
    let answer = ingest(&t.http, &t.base, code, token, 0, &log.events).await;
    assert_eq!(answer.stored as usize, log.events.len());

    let (status, unit) = t.get("/city/v1/units/H26.01", CITY_TOKEN).await;
    assert_eq!(status, 200, "{unit}");
    assert_eq!(unit["tickets_issued"], 4);
    assert_eq!(unit["waiting"], 1);
    assert_eq!(unit["dossiers_filed"], 3);
    assert_eq!(unit["kiosks_out_of_service"], 1);
    assert_eq!(unit["last_event_id"], log.events.len());
    assert!(unit["last_seen"].as_str().unwrap().ends_with("+07:00"));
    let k = &unit["kpis"];
    assert_eq!(k["date"], "2026-11-26");
    let q = &k["queue"];
    assert_eq!(q["tickets_issued"], 4);
    assert_eq!(q["served"], 2);
    assert_eq!(q["no_shows"], 1);
    assert_eq!(q["wait_p50_seconds"], 600);
    assert_eq!(q["wait_p90_seconds"], 1500);
    assert_eq!(q["service_p50_seconds"], 240);
    assert_eq!(q["service_p90_seconds"], 540);
    assert!((q["no_show_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let d = &k["dossiers"];
    assert_eq!(d["filed"], 3);
    assert_eq!(d["filed_at_kiosk"], 2);
    assert_eq!(d["filed_at_counter"], 1);
    assert!((d["online_share"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(d["delivered"], 2);
    assert_eq!(d["results_on_time"], 1);
    assert_eq!(d["results_late"], 1);
    assert_eq!(d["on_time_share"], 0.5);
    assert_eq!(d["outbox_backlog"], 1);
    assert_eq!(d["outbox_oldest_seconds"], 3600);
    let s = &k["satisfaction"];
    assert_eq!(s["ratings"], 2);
    assert_eq!(s["satisfied_share"], 0.5);
    assert_eq!(s["reasons"], json!({"wait_long": 1}));
    assert_eq!(s["levels"], json!({"very_satisfied": 1, "unsatisfied": 1}));
    let dev = &k["devices"];
    assert_eq!(dev["kiosks"], 2);
    assert_eq!(dev["kiosks_out_of_service"], 1);
    // 07:30–12:00 is 4.5 h a kiosk, 9 h for two; 2 h out of service.
    assert!(
        (dev["kiosk_availability"].as_f64().unwrap() - 7.0 / 9.0).abs() < 1e-9,
        "{dev}"
    );
    let states = dev["kiosk_states"].as_array().unwrap();
    assert_eq!(states[1]["kiosk"], "kiosk-2");
    assert_eq!(states[1]["out_of_service"], true);
    assert_eq!(states[1]["printer"]["kind"], "paper_out");
    assert_eq!(states[0]["out_of_service"], false);
    assert_eq!(unit["hub_version"], "test");

    // kiosk-2 gets paper: the unit is whole again.
    let mut more = Log {
        events: log.events.clone(),
    };
    more.printer(at(11, 40, 0), "kiosk-2", false);
    let next = log.events.len() as i64;
    ingest(
        &t.http,
        &t.base,
        code,
        token,
        next,
        &more.events[next as usize..],
    )
    .await;
    let (_, all) = t.get("/city/v1/units", CITY_TOKEN).await;
    assert_eq!(all[0]["kiosks_out_of_service"], 0);
    // The city-wide figures add up the units.
    let (status, city) = t.get("/city/v1/kpis?date=2026-11-26", CITY_TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(city["city"]["queue"]["tickets_issued"], 4);
    assert_eq!(city["units"].as_array().unwrap().len(), 3);
    // Every unit's figures at once are each unit's own.
    let (_, unit) = t.get("/city/v1/units/H26.01", CITY_TOKEN).await;
    assert_eq!(city["units"][0]["unit_code"], "H26.01");
    assert_eq!(city["units"][0]["kpis"], unit["kpis"]);
    assert_eq!(city["units"][1]["kpis"]["queue"]["tickets_issued"], 0);
    let (status, bad) = t.get("/city/v1/kpis?date=26-11-2026", CITY_TOKEN).await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("bad_query")));
}
