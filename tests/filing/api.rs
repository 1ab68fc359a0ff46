//! Filing as a kiosk and a counter use it: the catalogue, a dossier from
//! submission to the portal's result, idempotent retries, due times.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use motcua::domain::receipt::{receipt, ReceiptData};
use motcua::hub::PortalTarget;
use motcua::portal::sandbox::{self, SandboxOptions};
use reqwest::StatusCode;
use serde_json::json;

use super::{birth_request, copy_request, quick_office, wait_for_event};
use crate::util::{count, open_db, SseReader, TestHub, COUNTER, DISPLAY, KIOSK};

/// A clock stopped at `local` (office time, +07:00).
fn clock_at(local: &str) -> motcua::hub::Clock {
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(local).unwrap().into();
    Arc::new(move || at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_is_served_with_its_forms() {
    let hub = TestHub::start().await;
    let (status, body) = hub.client(KIOSK).get("/api/v1/procedures").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let procedures = body["procedures"].as_array().unwrap();
    assert_eq!(procedures.len(), 10);
    // The embedded sandbox answered at start: its catalogue is in use.
    assert_eq!(body["source"], "portal");
    let birth = procedures.iter().find(|p| p["code"] == "1.001193").unwrap();
    assert_eq!(birth["name_vi"], "Đăng ký khai sinh");
    assert_eq!(birth["field_vi"], "Hộ tịch");
    let form: Vec<&str> = birth["form"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(form.contains(&"child_birth_date") && form.contains(&"mother_name"));
    let copy = procedures.iter().find(|p| p["code"] == "2.000815").unwrap();
    assert_eq!(
        copy["fee_text_vi"],
        "2.000đ/trang cho trang 1–2, 1.000đ/trang từ trang 3, tối đa 200.000đ/bản"
    );
    assert_eq!(copy["presence_required"], true);
    assert_eq!(body["applicant_form"].as_array().unwrap().len(), 6);
    let (status, _) = hub.client(DISPLAY).get("/api/v1/procedures").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certified_copy_from_kiosk_to_portal() {
    // Thursday 26/11/2026, 09:30 in Hà Nội.
    let hub = TestHub::with(quick_office(), Some(clock_at("2026-11-26T09:30:00+07:00"))).await;
    let kiosk = hub.client(KIOSK);
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;

    let (status, filed) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&copy_request(5)),
            Some("kiosk-1-0001"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    assert_eq!(code, "000.25.31.H26-261126-0001");
    assert_eq!(filed["received_at"], "2026-11-26T09:30:00+07:00");
    assert_eq!(filed["due_at"], "2026-11-26T17:00:00+07:00");
    assert_eq!(filed["fee"], 7000);
    assert_eq!(filed["fee_text"], "7.000đ");
    assert_eq!(filed["portal_status"], "pending");
    assert_eq!(filed["masked_id"], "001******345");
    // The original must be shown at a counter: a ticket comes with it.
    assert_eq!(filed["ticket"]["number"], "B001");
    assert_eq!(filed["ticket"]["dossier_code"], code.as_str());

    // The receipt the kiosk prints.
    let data: ReceiptData = serde_json::from_value(filed["receipt"].clone()).unwrap();
    let printed = receipt(&data, &[], 48);
    let text: Vec<&str> = printed.lines.iter().map(|l| l.text.as_str()).collect();
    let text = text.join("\n");
    assert!(text.contains(&code), "{text}");
    assert!(
        text.contains("Nguyễn Văn An") && text.contains("001******345"),
        "{text}"
    );
    assert!(
        text.contains("17 giờ 00 phút, ngày 26 tháng 11 năm 2026"),
        "{text}"
    );
    assert!(text.contains("Lệ phí: 7.000đ"), "{text}");
    assert!(
        text.contains("tự động gửi"),
        "pending dossiers say so: {text}"
    );
    assert_eq!(printed.qr_payload, code);

    // The second dossier of the day.
    let (_, second) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&copy_request(300)),
            Some("kiosk-1-0002"),
        )
        .await;
    assert_eq!(second["code"], "000.25.31.H26-261126-0002");
    assert_eq!(second["fee"], 200_000);

    // The outbox delivers it; the lookup shows the timeline.
    let sent = wait_for_event(&mut events, "dossier.sent", &code).await;
    assert!(sent["portal_reference"]
        .as_str()
        .unwrap()
        .starts_with("SBX-"));
    let (status, seen) = kiosk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["portal_status"], "received");
    assert_eq!(seen["portal_reference"], sent["portal_reference"]);
    let stages: Vec<&str> = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["received", "sent"]);
    assert_eq!(seen["ticket"]["number"], "B001");
    assert!(
        seen.get("applicant").is_none(),
        "kiosks see no personal data"
    );
    // Codes are found however the citizen types them.
    let (status, _) = kiosk
        .get("/api/v1/dossiers/000.25.31.h26-261126-0001")
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, staff) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert_eq!(staff["applicant"]["name"], "Nguyễn Văn An");
    assert_eq!(staff["fields"]["document_name"], "Bằng tốt nghiệp đại học");
    assert_eq!(staff["receipt"]["code"], code.as_str());
    assert_eq!(staff["receipt"]["waiting_for_portal"], false);
    let (_, ticket) = hub
        .client(COUNTER)
        .get(&format!("/api/v1/tickets/{}", filed["ticket"]["id"]))
        .await;
    assert_eq!(ticket["dossier_code"], code.as_str());
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_statuses_reach_the_lookup_and_the_event_stream() {
    let hub = TestHub::with(quick_office(), None).await;
    let kiosk = hub.client(KIOSK);
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (_, filed) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&birth_request("2026-01-05")),
            Some("b-1"),
        )
        .await;
    let code = filed["code"].as_str().unwrap().to_owned();
    let sent = wait_for_event(&mut events, "dossier.sent", &code).await;
    let reference = sent["portal_reference"].as_str().unwrap();

    // The office finishes it at the portal.
    let sandbox = hub.running.as_ref().unwrap().sandbox().unwrap().base_url();
    let resp = reqwest::Client::new()
        .post(format!("{sandbox}/sandbox/dossiers/{reference}/status"))
        .json(&json!({ "status": "result_ready" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let (_, seen) = kiosk.get(&format!("/api/v1/dossiers/{code}")).await;
    assert_eq!(seen["portal_status"], "result_ready", "{seen}");
    assert_eq!(seen["status_vi"], "Đã có kết quả — mời đến nhận");
    assert_eq!(
        seen["timeline"].as_array().unwrap().last().unwrap()["stage"],
        "result_ready"
    );
    let changed = wait_for_event(&mut events, "dossier.status", &code).await;
    assert_eq!(changed["portal_status"], "result_ready");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_submission_files_one_dossier() {
    let hub = TestHub::with(quick_office(), None).await;
    let kiosk = hub.client(KIOSK);
    let body = birth_request("2026-01-05");
    let (s1, first) = kiosk
        .post("/api/v1/dossiers", Some(&body), Some("same-key"))
        .await;
    let (s2, again) = kiosk
        .post("/api/v1/dossiers", Some(&body), Some("same-key"))
        .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first, again, "the stored answer, verbatim");
    let (s3, other) = kiosk
        .post("/api/v1/dossiers", Some(&copy_request(2)), Some("same-key"))
        .await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other["code"], "idempotency_key_reused");
    let dir = hub.stop().await;
    let conn = open_db(&dir.path().join("hub.db"));
    assert_eq!(count(&conn, "dossiers"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_1500_a_same_day_dossier_is_due_the_next_working_day() {
    // Friday 27/11/2026 at 15:20: due Monday 30/11 at closing time.
    let hub = TestHub::with(quick_office(), Some(clock_at("2026-11-27T15:20:00+07:00"))).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&birth_request("2026-11-20")), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["due_at"], "2026-11-30T17:00:00+07:00");
    // Born a week ago: registered on time, free; nothing to do at a counter.
    assert_eq!(filed["fee"], 0);
    assert_eq!(filed["fee_text"], "Miễn lệ phí");
    assert!(filed["ticket"].is_null());
    assert_eq!(filed["code"], "000.25.31.H26-261127-0001");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_birth_registration_and_copies_are_charged() {
    let hub = TestHub::with(quick_office(), Some(clock_at("2026-11-26T10:00:00+07:00"))).await;
    let mut body = birth_request("2026-01-05");
    body["copies"] = json!(2);
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&body), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    // Late (more than 60 days): 5.000đ; two extract copies: 16.000đ.
    assert_eq!(filed["fee"], 21_000);
    assert_eq!(filed["fee_lines"].as_array().unwrap().len(), 2);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_10000th_dossier_of_a_day_is_refused_clearly() {
    let hub = TestHub::with(quick_office(), Some(clock_at("2026-11-26T10:00:00+07:00"))).await;
    // Pretend 9999 dossiers were filed today: only the count matters.
    let store = &hub.running.as_ref().unwrap().hub().store;
    store
        .write(|ctx| {
            ctx.conn().execute_batch(
                "INSERT INTO dossiers (code, business_date, sequence, procedure, received_at_ms, \
                 due_at_ms, fee, masked_id, summary, portal_key, filed_by, portal_status, \
                 portal_reference, accepted_at_ms) VALUES ('000.25.31.H26-261126-9999', \
                 '2026-11-26', 9999, '2.000815', 0, 0, 0, 'x', '{}', 'k', 't', 'received', 'r', 0)",
            )?;
            Ok::<_, motcua::store::StoreError>(())
        })
        .await
        .unwrap();
    let (status, body) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(1)), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "dossier_daily_limit");
    assert!(body["message_vi"].as_str().unwrap().contains("9999"));
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_catalogue_wins_when_it_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = SandboxOptions::new("127.0.0.1:0".parse().unwrap(), dir.path().join("p.db"));
    let mut catalogue = motcua::domain::procedure::Catalogue::builtin();
    catalogue.version = "portal-2027".into();
    catalogue.procedures.retain(|p| p.field_vi == "Chứng thực");
    for p in &mut catalogue.procedures {
        p.queue_service = None;
    }
    options.catalogue = catalogue;
    let portal = sandbox::start(options).await.unwrap();
    let hub =
        TestHub::with_portal(quick_office(), None, PortalTarget::Url(portal.base_url())).await;
    let (_, body) = hub.client(KIOSK).get("/api/v1/procedures").await;
    assert_eq!(body["source"], "portal");
    assert_eq!(body["version"], "portal-2027");
    let procedures = body["procedures"].as_array().unwrap();
    assert_eq!(procedures.len(), 2);
    // The office's queue service is kept for the portal's procedures.
    assert_eq!(procedures[0]["queue_service"], "chungthuc");
    let (status, body) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&birth_request("2026-01-05")), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "unknown_procedure");
    hub.stop().await;
    portal.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn displays_may_not_file_or_look_up() {
    let hub = TestHub::start().await;
    let display = hub.client(DISPLAY);
    let (status, _) = display
        .post("/api/v1/dossiers", Some(&copy_request(1)), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = display
        .get("/api/v1/dossiers/000.25.31.H26-261126-0001")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Counters may file (a citizen helped at the desk).
    let (status, _) = hub
        .client(COUNTER)
        .post("/api/v1/dossiers", Some(&copy_request(1)), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    hub.stop().await;
}

/// Regression (#12 item 13): a name with a right-to-left override, one of
/// nothing but zero-width spaces, and a letter under a pile of marks were
/// filed as they came; each is refused for its field, nothing is stored,
/// and a name with every Vietnamese letter in decomposed form is filed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_fields_refuse_invisible_tricks_and_keep_vietnamese() {
    let hub = TestHub::with(quick_office(), None).await;
    let kiosk = hub.client(KIOSK);
    for (name, code) in [
        ("Nguyễn \u{202E}nửaH", "bidi_control"),
        ("\u{200B}\u{200B}\u{200B}", "invisible"),
        ("Le\u{323}\u{302}\u{301}\u{300} Văn An", "too_many_marks"),
    ] {
        let mut body = copy_request(2);
        body["applicant"]["name"] = json!(name);
        let (status, err) = kiosk.post("/api/v1/dossiers", Some(&body), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {err}");
        assert_eq!(err["code"], "invalid_form");
        let field = &err["fields"]["applicant.name"];
        assert_eq!(field["code"], code, "{err}");
        assert!(
            field["message_vi"]
                .as_str()
                .unwrap()
                .starts_with("Họ, chữ đệm và tên"),
            "{field}"
        );
        assert!(field["message_en"]
            .as_str()
            .unwrap()
            .starts_with("Full name"));
    }
    let conn = open_db(&hub.db());
    assert_eq!(count(&conn, "dossiers"), 0);

    use unicode_normalization::UnicodeNormalization;
    let nfd: String = "Đặng Thị Ngọc Thịnh Ưng Ỷ Ữ".nfd().collect();
    let mut body = copy_request(2);
    body["applicant"]["name"] = json!(nfd);
    let (status, filed) = kiosk.post("/api/v1/dossiers", Some(&body), None).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dossier_is_found_by_the_short_code_on_its_receipt() {
    let hub = TestHub::with(quick_office(), Some(clock_at("2026-11-26T10:00:00+07:00"))).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(1)), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    let number = &code[code.len() - 4..];
    // The last 4 digits and the date printed on the receipt.
    let (status, found) = hub
        .client(KIOSK)
        .get(&format!("/api/v1/dossiers?number={number}&date=26%2F11"))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["code"], code.as_str());
    // The kiosk's client takes what the citizen types.
    let view = motcua::apps::hub_client::HubClient::new(&hub.url, KIOSK)
        .dossier(&format!("{number} 26/11"))
        .await
        .unwrap();
    assert_eq!(view.code, code);

    let (status, body) = hub
        .client(KIOSK)
        .get(&format!("/api/v1/dossiers?number={number}&date=27%2F11"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "dossier_not_found");
    let (status, body) = hub.client(KIOSK).get("/api/v1/dossiers?number=7").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // The same number on the same day a year earlier: the short code is
    // ambiguous, and the answer says to type the full code.
    let store = &hub.running.as_ref().unwrap().hub().store;
    let older = code.replace("-261126-", "-251126-");
    let inserted = older.clone();
    store
        .write(move |ctx| {
            ctx.conn().execute(
                "INSERT INTO dossiers (code, business_date, sequence, procedure, received_at_ms, \
                 due_at_ms, fee, masked_id, summary, portal_key, filed_by, portal_status, \
                 portal_reference, accepted_at_ms) SELECT ?1, '2025-11-26', sequence, procedure, \
                 received_at_ms, due_at_ms, fee, masked_id, summary, 'k-old', filed_by, \
                 portal_status, portal_reference, accepted_at_ms FROM dossiers LIMIT 1",
                [&inserted],
            )?;
            Ok::<_, motcua::store::StoreError>(())
        })
        .await
        .unwrap();
    let (status, body) = hub
        .client(KIOSK)
        .get(&format!("/api/v1/dossiers?number={number}&date=26%2F11"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "dossier_code_ambiguous");
    assert!(
        body["message_vi"]
            .as_str()
            .unwrap()
            .contains("mã hồ sơ đầy đủ"),
        "{body}"
    );
    // With the year it is one again.
    let (status, found) = hub
        .client(KIOSK)
        .get(&format!(
            "/api/v1/dossiers?number={number}&date=26%2F11%2F2025"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["code"], older.as_str());
    hub.stop().await;
}
