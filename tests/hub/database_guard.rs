//! The database under a running hub (issue 12, items 2 and 3): a file
//! deleted or replaced is noticed and nothing more is written into it, and
//! a full disk is called a full disk — then works again without a restart.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// A portal address nothing listens on and no hub of the test can be given
/// (port 9 is privileged; a freed ephemeral port could become the hub's
/// own, and the hub would then deliver to itself).
const NO_PORTAL: &str = "http://127.0.0.1:9";

use motcua::config::Config;
use motcua::hub::{start, HubOptions, PortalTarget};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{motcua, HubProcess, TestHub, DISPLAY, KIOSK};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_deleted_under_the_hub_is_noticed_and_no_number_is_handed_out_twice() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    for _ in 0..3 {
        kiosk.issue("hotich").await;
    }
    // A slip of `rm`.
    std::fs::remove_file(hub.db()).unwrap();

    let (status, refused) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({ "service": "hotich" })),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    assert_eq!(refused["code"], "database_replaced", "{refused}");
    assert!(refused["message_vi"]
        .as_str()
        .unwrap()
        .contains("cơ sở dữ liệu"));

    let (status, health) = hub.client(DISPLAY).get("/api/v1/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "fail", "{health}");
    assert_eq!(health["database"], "replaced", "{health}");
    let what = health["problem"]["message_en"].as_str().unwrap();
    assert!(what.contains("deleted or replaced"), "{what}");
    assert!(what.contains("motcua restore"), "{what}");
    let (_, open) = hub.client("").get("/api/v1/health").await;
    assert_eq!(open["status"], "fail", "{open}");

    // `motcua diag` says what happened and what to do.
    let out = motcua()
        .args(["diag", "--json", "--hub", &hub.url])
        .env("MOTCUA_LOG", "error")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "hub")
        .unwrap();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["summary_en"]
            .as_str()
            .unwrap()
            .contains("deleted or replaced"),
        "{check}"
    );

    // What the open file held is saved beside the path.
    let dir = hub.stop().await;
    let db = dir.path().join("hub.db");
    let rescued = motcua::store::guard::pending_rescues(&db);
    assert_eq!(rescued.len(), 1, "{rescued:?}");

    // Restarting on an empty file would hand out A001 again: refused
    // while the rescued copy waits.
    let config = Arc::new(Config::demo());
    let options = || HubOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: db.clone(),
        clock: None,
        portal: PortalTarget::Url(NO_PORTAL.to_owned()),
    };
    let err = match start(Arc::clone(&config), options()).await {
        Ok(_) => panic!("started beside a rescued copy"),
        Err(err) => format!("{err:#}"),
    };
    assert!(err.contains("rescued"), "{err}");

    // The technician puts the rescued copy back: numbering goes on.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::rename(&rescued[0], &db).unwrap();
    let running = start(config, options()).await.unwrap();
    let next = crate::util::Api::new(&running.base_url(), KIOSK)
        .issue("hotich")
        .await;
    assert_eq!(next["number"], "A004", "{next}");
    running.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_replaced_by_another_file_is_noticed() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    kiosk.issue("hotich").await;
    // A restore done by hand: another file now has the name.
    let other = hub.dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    std::fs::rename(&other, hub.db()).unwrap();
    let (status, refused) = kiosk
        .post(
            "/api/v1/tickets",
            Some(&json!({ "service": "hotich" })),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{refused}");
    assert_eq!(refused["code"], "database_replaced", "{refused}");
    hub.stop().await;
}

/// A small tmpfs at `dir` (the test runs as root in CI); `false` when this
/// machine cannot mount one.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Unmount<'a>(&'a Path);

impl Drop for Unmount<'_> {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0).status();
    }
}

/// Fills the filesystem of `dir` with one file; returns its path.
fn fill(dir: &Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // The last partial blocks.
    while f.write(&block[..512]).is_ok_and(|n| n > 0) {}
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_called_a_full_disk_and_writes_recover_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    if !mount_tmpfs(&mount, "4m") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and must mount a tmpfs"
        );
        eprintln!("skipped: cannot mount a tmpfs here (not root?); CI runs it");
        return;
    }
    let _unmount = Unmount(&mount);
    let db = mount.join("hub.db");
    let mut hub = HubProcess::start_with(&db, &["--portal", NO_PORTAL], Stdio::piped(), "warn");
    let kiosk = crate::util::Api::new(&hub.url, KIOSK);
    kiosk.issue("hotich").await;

    let filler = fill(&mount);
    let mut refused = None;
    for i in 0..500 {
        let (status, body) = kiosk
            .post(
                "/api/v1/tickets",
                Some(&json!({ "service": "hotich" })),
                Some(&format!("full-{i}")),
            )
            .await;
        match status {
            StatusCode::CREATED => continue,
            StatusCode::INSUFFICIENT_STORAGE => {
                refused = Some(body);
                break;
            }
            other => panic!("{other} {body}"),
        }
    }
    let refused = refused.expect("a write failed for the full disk");
    assert_eq!(refused["code"], "disk_full", "{refused}");
    assert!(refused["message_vi"].as_str().unwrap().contains("đầy"));
    assert!(refused["message_en"]
        .as_str()
        .unwrap()
        .contains("disk is full"));

    let (status, health) = crate::util::Api::new(&hub.url, DISPLAY)
        .get("/api/v1/health")
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{health}");
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["database"], "disk_full", "{health}");
    assert!(
        health["free_bytes"].as_u64().unwrap() < 64 * 1024,
        "{health}"
    );

    // Space is freed: the same hub writes again.
    std::fs::remove_file(filler).unwrap();
    let after = kiosk.issue("hotich").await;
    assert!(after["number"].as_str().unwrap().starts_with('A'));
    let (status, health) = crate::util::Api::new(&hub.url, DISPLAY)
        .get("/api/v1/health")
        .await;
    assert_eq!(status, StatusCode::OK, "{health}");
    assert_eq!(health["database"], "ok", "{health}");

    hub.terminate();
    let mut log = String::new();
    hub.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("disk full"), "{log}");
    assert!(!log.contains("corrupt"), "{log}");
}
