//! The shared catalogue and calendar: published by the city, read by hubs
//! with their office token and an ETag, refused when hubs could not use
//! them.

use motcua_city::simulate::publish::{read_calendar, read_catalogue};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use serde_json::{json, Value};

use crate::util::*;

async fn publish(t: &TestCity, what: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = t
        .http
        .post(t.url(&format!("/city/v1/{what}")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubs_poll_releases_with_an_etag() {
    let t = TestCity::start().await;
    let office = UNITS[0].2;
    let (status, none) = t.get("/city/v1/catalogue", office).await;
    assert_eq!(
        (status, none["code"].as_str()),
        (404, Some("release_not_found"))
    );

    let catalogue =
        serde_json::to_value(read_catalogue(include_str!("../../data/procedures.toml")).unwrap())
            .unwrap();
    // Only the city publishes.
    assert_eq!(
        publish(&t, "catalogue", VIEWER_TOKEN, &catalogue).await.0,
        403
    );
    assert_eq!(publish(&t, "catalogue", office, &catalogue).await.0, 401);
    let (status, first) = publish(&t, "catalogue", CITY_TOKEN, &catalogue).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["label"], "motcua-builtin-2026.1");

    // A hub reads it with its own token and keeps the ETag.
    let r = t
        .http
        .get(t.url("/city/v1/catalogue"))
        .bearer_auth(office)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"catalogue-1\"");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["procedures"].as_array().unwrap().len(), 10);
    // Unchanged: 304, no body.
    let r = t
        .http
        .get(t.url("/city/v1/catalogue"))
        .bearer_auth(office)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());
    // A new edition: the old ETag no longer matches.
    let mut edition = catalogue.clone();
    edition["label"] = "HN-2026.2".into();
    edition["procedures"][0]["name_en"] = "Birth registration (2026)".into();
    let (status, second) = publish(&t, "catalogue", CITY_TOKEN, &edition).await;
    assert_eq!((status, second["version"].as_i64()), (201, Some(2)));
    let r = t
        .http
        .get(t.url("/city/v1/catalogue"))
        .bearer_auth(office)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[ETAG], "\"catalogue-2\"");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["label"], "HN-2026.2");
    // Strangers read nothing.
    let r = t
        .http
        .get(t.url("/city/v1/catalogue"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        t.get("/city/v1/catalogue", "who-is-this-0123456").await.0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_hubs_would_refuse_is_refused_at_publication() {
    let t = TestCity::start().await;
    let calendar = serde_json::to_value(
        read_calendar([include_str!("../../data/calendar/2026.toml")]).unwrap(),
    )
    .unwrap();
    // A make-up working day on a Friday: the hubs' rule says weekends only.
    let mut bad = calendar.clone();
    bad["years"][0]["working_days"]
        .as_array_mut()
        .unwrap()
        .push(json!({"date": "2026-11-20", "name_vi": "Làm bù", "name_en": ""}));
    let (status, refused) = publish(&t, "calendar", CITY_TOKEN, &bad).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("invalid_release"))
    );
    assert!(refused["message_en"]
        .as_str()
        .unwrap()
        .contains("2026-11-20"));
    // Unknown fields are refused too (the format is the hub's).
    let mut odd = calendar.clone();
    odd["years"][0]["colour"] = "red".into();
    assert_eq!(publish(&t, "calendar", CITY_TOKEN, &odd).await.0, 422);
    assert_eq!(t.get("/city/v1/calendar", UNITS[1].2).await.0, 404);

    // The Culture Day decided: 24/11 off.
    let mut culture = calendar.clone();
    culture["years"][0]["holidays"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"date": "2026-11-24", "name_vi": "Ngày Văn hóa Việt Nam",
                     "name_en": "Vietnamese Culture Day"}),
        );
    let (status, published) = publish(&t, "calendar", CITY_TOKEN, &culture).await;
    assert_eq!(status, 201, "{published}");
    let (status, read) = t.get("/city/v1/calendar", UNITS[1].2).await;
    assert_eq!(status, 200);
    assert_eq!(read["version"], 1);
    assert!(read["years"][0]["holidays"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["date"] == "2026-11-24"));
}
