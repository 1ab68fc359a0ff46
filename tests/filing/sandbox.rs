//! `motcua portal-sandbox` as a process: the contract over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::util::motcua;

/// The sandbox as a child process; killed on drop.
struct SandboxProcess {
    child: std::process::Child,
    url: String,
}

impl SandboxProcess {
    fn start(db: &std::path::Path, pace: &str) -> Self {
        let mut child = motcua()
            .args([
                "portal-sandbox",
                "--listen",
                "127.0.0.1:0",
                "--pace",
                pace,
                "--db",
            ])
            .arg(db)
            .env("MOTCUA_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("motcua portal-sandbox listening on ")
            .unwrap_or_else(|| panic!("unexpected sandbox output {line:?}"))
            .to_owned();
        Self { child, url }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dossier(code: &str) -> Value {
    json!({
        "unit_code": "000.25.31.H26",
        "code": code,
        "procedure": "2.000815",
        "received_at": "2026-11-26T09:30:00+07:00",
        "due_at": "2026-11-26T17:00:00+07:00",
        "fee": 7000,
        "pages": 5,
        "copies": 1,
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "address": "Số 1 Tràng Tiền, Hà Nội"
        },
        "fields": { "document_name": "Bằng tốt nghiệp" }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_command_speaks_the_portal_contract() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("portal.db");
    let mut sandbox = SandboxProcess::start(&db, "0");
    let http = reqwest::Client::new();
    let submit = |key: &str, body: &Value| {
        http.post(format!("{}/api/v1/dossiers", sandbox.url))
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let first = submit("key-1", &dossier("000.25.31.H26-261126-0001"))
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["reference"], "SBX-00000001");
    assert_eq!(first["status"], "received");
    // The same key again: the same reference, nothing new.
    let again = submit("key-1", &dossier("000.25.31.H26-261126-0001"))
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<Value>().await.unwrap()["reference"],
        "SBX-00000001"
    );
    // The same key for another dossier: refused.
    let clash = submit("key-1", &dossier("000.25.31.H26-261126-0002"))
        .await
        .unwrap();
    assert_eq!(clash.status(), 409);
    // No key, unknown procedure: refused.
    let no_key = http
        .post(format!("{}/api/v1/dossiers", sandbox.url))
        .json(&dossier("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
    let mut unknown = dossier("000.25.31.H26-261126-0003");
    unknown["procedure"] = json!("9.999999");
    assert_eq!(submit("key-3", &unknown).await.unwrap().status(), 422);

    let list: Value = http
        .get(format!("{}/api/v1/dossiers", sandbox.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["count"], 1);
    assert_eq!(list["dossiers"][0]["code"], "000.25.31.H26-261126-0001");

    // Statuses move by the admin endpoint when there is no pace.
    let set = http
        .post(format!(
            "{}/sandbox/dossiers/SBX-00000001/status",
            sandbox.url
        ))
        .json(&json!({ "status": "supplement_requested" }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let status: Value = http
        .get(format!("{}/api/v1/dossiers/SBX-00000001", sandbox.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "supplement_requested");
    assert_eq!(status["history"].as_array().unwrap().len(), 2);
    let missing = http
        .get(format!("{}/api/v1/dossiers/SBX-00000099", sandbox.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // The fault switch over HTTP.
    let fault = http
        .post(format!("{}/sandbox/fault", sandbox.url))
        .json(&json!({ "mode": "error" }))
        .send()
        .await
        .unwrap();
    assert_eq!(fault.status(), 200);
    assert_eq!(
        submit("key-4", &dossier("000.25.31.H26-261126-0004"))
            .await
            .unwrap()
            .status(),
        500
    );

    // SIGTERM: a clean stop; the dossier is still there on restart.
    Command::new("kill")
        .args(["-TERM", &sandbox.child.id().to_string()])
        .status()
        .unwrap();
    assert!(sandbox.child.wait().unwrap().success());
    let sandbox = SandboxProcess::start(&db, "0");
    let list: Value = reqwest::get(format!("{}/api/v1/dossiers", sandbox.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["count"], 1);
    let catalogue: Value = reqwest::get(format!("{}/api/v1/procedures", sandbox.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(catalogue["procedures"].as_array().unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_contract_document_matches_the_sandbox() {
    let doc: Value = serde_json::from_str(include_str!("../../docs/portal-openapi.json")).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let portal = motcua::portal::sandbox::start(motcua::portal::sandbox::SandboxOptions::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("p.db"),
    ))
    .await
    .unwrap();
    let http = reqwest::Client::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            let url = format!(
                "{}{}",
                portal.base_url(),
                path.replace("{reference}", "SBX-00000001")
            );
            let req = match method.as_str() {
                "get" => http.get(&url),
                "post" => http.post(&url).header("Idempotency-Key", "doc").body("{}"),
                other => panic!("undocumented method {other}"),
            };
            let body: Value = req
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap_or(Value::Null);
            assert!(
                body["code"] != "not_found" && body["code"] != "method_not_allowed",
                "{method} {path} is documented but not routed"
            );
        }
    }
    // Every `.route(` call, one line or several: the path is the first
    // string after it.
    let source = include_str!("../../src/portal/sandbox.rs");
    let routed: Vec<&str> = source
        .split(".route(")
        .skip(1)
        .map(|call| call.split('"').nth(1).expect("a route path"))
        .collect();
    assert!(
        routed.len() >= 6,
        "the parser found only {} routes: {routed:?}",
        routed.len()
    );
    for path in routed {
        assert!(
            path.starts_with('/'),
            "{path:?} does not look like a route path"
        );
        assert!(
            paths.contains_key(path),
            "{path} is routed but not documented"
        );
    }
    portal.shutdown().await.unwrap();
}
