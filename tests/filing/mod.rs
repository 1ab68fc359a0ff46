//! Online filing through the hub API, the outbox and the portal sandbox.

mod api;
mod bad_input;
mod crash;
mod outage;
mod outbox;
mod portal_faults;
mod retention;
mod sandbox;

use std::collections::BTreeSet;

use motcua::config::Config;
use serde_json::{json, Value};

use crate::util::SseReader;

/// The demo office with a quick outbox: retries after tens of
/// milliseconds, so tests wait for signals, not for backoffs.
pub fn quick_office() -> Config {
    let mut config = Config::demo();
    config.filing.retry_initial_ms = 20;
    config.filing.retry_max_ms = 200;
    config
}

/// The applicant of DOMAIN.md's first QR vector.
pub fn applicant() -> Value {
    json!({
        "name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "date_of_birth": "15031990",
        "sex": "Nam",
        "address": "Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội",
        "phone": "0912345678"
    })
}

/// A certified copy of a 5-page document (7.000đ, needs the counter).
pub fn copy_request(pages: u32) -> Value {
    json!({
        "procedure": "2.000815",
        "applicant": applicant(),
        "fields": { "document_name": "Bằng tốt nghiệp đại học" },
        "pages": pages,
    })
}

/// A birth registration (free on time, same day, no counter needed).
pub fn birth_request(birth_date: &str) -> Value {
    json!({
        "procedure": "1.001193",
        "applicant": applicant(),
        "fields": {
            "requester_relation": "cha",
            "child_name": "Nguyễn Minh Khôi",
            "child_birth_date": birth_date,
            "child_sex": "Nam",
            "child_birth_place": "Bệnh viện Phụ sản Hà Nội, Phường Láng, Hà Nội",
            "mother_name": "Trần Thị Bình",
            "mother_birth_year": 1995,
            "mother_residence": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
            "father_name": "Nguyễn Văn An",
            "father_birth_year": 1990,
            "father_ethnicity": "Kinh",
            "father_nationality": "Việt Nam",
            "father_residence": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội",
            "pledge": true
        }
    })
}

/// Reads the event stream until `kind` has been seen for `n` distinct
/// dossier codes; returns the codes. The stream replays from the start, so
/// nothing is missed whenever the reader connects.
pub async fn wait_for_codes(events: &mut SseReader, kind: &str, n: usize) -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    while codes.len() < n {
        let event = events
            .next()
            .await
            .unwrap_or_else(|| panic!("event stream ended after {} {kind}", codes.len()));
        if event.kind == kind {
            codes.insert(event.data["data"]["code"].as_str().unwrap().to_owned());
        }
    }
    codes
}

/// Reads the event stream until an event of `kind` about `code`.
pub async fn wait_for_event(events: &mut SseReader, kind: &str, code: &str) -> Value {
    loop {
        let event = events
            .next()
            .await
            .unwrap_or_else(|| panic!("event stream ended before {kind} for {code}"));
        if event.kind == kind && event.data["data"]["code"] == code {
            return event.data["data"].clone();
        }
    }
}

/// What a portal sandbox holds: (count, codes in arrival order).
pub async fn portal_holdings(base: &str) -> (u64, Vec<String>) {
    let list: Value = reqwest::get(format!("{base}/api/v1/dossiers"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes = list["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    (list["count"].as_u64().unwrap(), codes)
}
