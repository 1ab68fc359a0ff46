//! Forms with missing or malformed fields get a message per field, in
//! Vietnamese and English, and leave the database untouched.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::{applicant, birth_request, copy_request};
use crate::util::{count, open_db, TestHub, KIOSK};

/// Rows of every table filing writes, to prove a refusal wrote nothing.
fn snapshot(hub: &TestHub) -> Vec<i64> {
    let conn = open_db(&hub.db());
    [
        "dossiers",
        "dossier_timeline",
        "outbox",
        "tickets",
        "events",
        "idempotency",
    ]
    .iter()
    .map(|t| count(&conn, t))
    .collect()
}

fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("no per-field messages in {body}"))
        .iter()
        .map(|(k, v)| {
            assert!(!v["message_vi"].as_str().unwrap().is_empty(), "{k}");
            assert!(!v["message_en"].as_str().unwrap().is_empty(), "{k}");
            (k.clone(), v["code"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_forms_get_messages_per_field_and_write_nothing() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let before = snapshot(&hub);

    // Everything missing.
    let (status, body) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&json!({ "procedure": "2.000815" })),
            Some("bad-1"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "invalid_form");
    assert!(body["message_vi"]
        .as_str()
        .unwrap()
        .contains("bên cạnh từng ô"));
    let errors = field_errors(&body);
    for expected in [
        ("applicant.name", "required"),
        ("applicant.id_number", "required"),
        ("applicant.address", "required"),
        ("document_name", "required"),
        ("pages", "required"),
    ] {
        assert!(
            errors.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {errors:?}"
        );
    }

    // Malformed values.
    let mut bad = copy_request(5);
    bad["applicant"]["id_number"] = json!("00109001234X");
    bad["applicant"]["phone"] = json!("12345");
    bad["applicant"]["date_of_birth"] = json!("31/02/1990");
    bad["applicant"]["sex"] = json!("M");
    bad["pages"] = json!(0);
    let (status, body) = kiosk
        .post("/api/v1/dossiers", Some(&bad), Some("bad-2"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors = field_errors(&body);
    assert_eq!(
        errors,
        [
            ("applicant.date_of_birth".into(), "date_format".into()),
            ("applicant.id_number".into(), "id_number".into()),
            ("applicant.phone".into(), "phone".into()),
            ("applicant.sex".into(), "choice".into()),
            ("pages".into(), "number_range".into()),
        ]
    );
    assert_eq!(
        body["fields"]["applicant.id_number"]["message_vi"],
        "Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."
    );

    // A birth in the future, a pledge not given, a field the form lacks.
    let mut bad = birth_request("2099-01-01");
    bad["fields"]["pledge"] = json!(false);
    bad["fields"]["religion"] = json!("x");
    let (status, body) = kiosk
        .post("/api/v1/dossiers", Some(&bad), Some("bad-3"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let errors = field_errors(&body);
    assert!(errors.contains(&("child_birth_date".into(), "date_in_future".into())));
    assert!(errors.contains(&("pledge".into(), "pledge".into())));
    assert!(errors.contains(&("religion".into(), "unknown_field".into())));

    // No such procedure; no applicant object; not JSON.
    let (status, body) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&json!({ "procedure": "9.999999", "applicant": applicant() })),
            Some("bad-4"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "unknown_procedure");
    let (status, body) = kiosk
        .post(
            "/api/v1/dossiers",
            Some(&json!({ "procedure": "2.000815", "applicant": "Nguyễn Văn An" })),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "invalid_body");
    let (status, body) = kiosk
        .post_raw("/api/v1/dossiers", b"{\"procedure\": ".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "malformed_json");
    let (status, _) = kiosk.get("/api/v1/dossiers/not-a-code").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = kiosk
        .get("/api/v1/dossiers/000.25.31.H26-261126-0042")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "dossier_not_found");

    assert_eq!(snapshot(&hub), before, "a refused request wrote something");

    // The same key now works once the form is right.
    let (status, _) = kiosk
        .post("/api/v1/dossiers", Some(&copy_request(5)), Some("bad-2"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    hub.stop().await;
}
