//! `filing.portal_url` (issue 12, item 1): a configuration file must name
//! the portal, or say `"sandbox"` for a training office — and a training
//! office says so in `/health`, on receipts, in lookups, on the kiosk and
//! in `motcua diag`. The demo office (no file) is unchanged.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use motcua::config::{Config, SANDBOX_PORTAL};
use reqwest::StatusCode;
use serde_json::Value;

use crate::filing::copy_request;
use crate::util::{dead_url, motcua, TestHub, DISPLAY, KIOSK, TECHNICIAN};

/// The shipped example with its `portal_url` line replaced by `line`.
fn example_with(dir: &Path, line: &str) -> PathBuf {
    let text = include_str!("../../packaging/motcua.toml")
        .replace("portal_url = \"https://dichvucong.example.gov.vn\"", line);
    assert!(text.contains(line) || line.is_empty());
    let path = dir.join("motcua.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    path
}

#[test]
fn a_configuration_file_without_the_portal_is_refused_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_with(dir.path(), "");
    let db = dir.path().join("hub.db");
    let hub = motcua()
        .arg("--config")
        .arg(&config)
        .args(["hub", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&hub.stderr);
    assert_eq!(hub.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("filing.portal_url"), "{stderr}");
    assert!(stderr.contains("sandbox"), "{stderr}");
    assert!(!db.exists(), "nothing was opened");

    // A kiosk running its hub in-process (no kiosk.hub_url) refuses too,
    // before any window or database.
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "\nhub_url = \"https://127.0.0.1:8686\"\n",
        "\n",
        1,
    );
    assert!(Config::from_toml(&text).unwrap().kiosk.hub_url.is_none());
    std::fs::write(&config, text).unwrap();
    let kiosk = motcua()
        .arg("--config")
        .arg(&config)
        .arg("kiosk")
        .arg("--screen-file")
        .arg(dir.path().join("screen.png"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&kiosk.stderr);
    assert_eq!(kiosk.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("filing.portal_url"), "{stderr}");
}

/// The demo office's data with a real configuration's flag: a training
/// office.
fn training_office() -> Config {
    let mut config = Config::demo();
    config.demo = false;
    config.filing.portal_url = Some(SANDBOX_PORTAL.into());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_office_says_so_in_health_receipts_and_lookups() {
    let hub = TestHub::with(training_office(), None).await;
    let (status, health) = hub.client(DISPLAY).get("/api/v1/health").await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["portal"], "sandbox", "{health}");
    assert_eq!(health["demo"], false, "{health}");

    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(5)), Some("t-1"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["training"], true, "{filed}");
    assert_eq!(filed["receipt"]["training"], true, "{filed}");
    let code = filed["code"].as_str().unwrap();

    // The printed paper says it at the top and the bottom.
    let receipt: motcua_api::ReceiptData =
        serde_json::from_value(filed["receipt"].clone()).unwrap();
    let paper = motcua::domain::receipt::receipt(&receipt, &[], 48);
    let printed: Vec<&str> = paper
        .lines
        .iter()
        .chain(&paper.footer)
        .map(|l| l.text.as_str())
        .collect();
    let marks = printed
        .iter()
        .filter(|l| l.contains("HỒ SƠ ĐÀO TẠO"))
        .count();
    assert_eq!(marks, 2, "{printed:#?}");

    // A citizen's lookup (kiosk) and the staff's both say it.
    for token in [KIOSK, TECHNICIAN] {
        let (status, view) = hub
            .client(token)
            .get(&format!("/api/v1/dossiers/{code}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["training"], true, "{view}");
        let words = view["status_vi"].as_str().unwrap();
        assert!(words.contains("đào tạo"), "{words}");
        assert!(view["status_en"].as_str().unwrap().contains("Training"));
    }
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_office_files_as_before() {
    let hub = TestHub::start().await;
    let (_, health) = hub.client(DISPLAY).get("/api/v1/health").await;
    assert_eq!(health["portal"], "sandbox", "{health}");
    assert_eq!(health["demo"], true, "{health}");
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(5)), Some("d-1"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert!(filed.get("training").is_none(), "{filed}");
    assert!(filed["receipt"].get("training").is_none(), "{filed}");
    let code = filed["code"].as_str().unwrap();
    let (_, view) = hub
        .client(KIOSK)
        .get(&format!("/api/v1/dossiers/{code}"))
        .await;
    assert!(view.get("training").is_none(), "{view}");
    assert!(!view["status_vi"].as_str().unwrap().contains("đào tạo"));
    hub.stop().await;
}

fn portal_check(config: &Path, dir: &Path) -> Value {
    let out = motcua()
        .arg("--config")
        .arg(config)
        .args(["diag", "--json", "--hub", &dead_url(), "--db"])
        .arg(dir.join("none.db"))
        .env("MOTCUA_LOG", "error")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "portal")
        .cloned()
        .unwrap()
}

#[test]
fn diag_warns_of_a_training_portal() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_with(dir.path(), "portal_url = \"sandbox\"");
    let check = portal_check(&config, dir.path());
    assert_eq!(check["status"], "warn", "{check}");
    assert!(
        check["summary_en"].as_str().unwrap().contains("sandbox"),
        "{check}"
    );
}
