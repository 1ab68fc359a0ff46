//! TLS between the devices of an office (issue 12, item 11): `motcua tls
//! init` makes the office's authority and the hub's certificate, the hub
//! serves HTTPS with `[hub.tls]`, a kiosk trusting the office CA issues
//! tickets over it, a client that does not is refused before anything is
//! sent, and plain HTTP beyond loopback needs an explicit escape hatch.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use motcua::apps::hub_client::{read_ca, HubClient, HubError};
use motcua::config::{Config, HubTls, SANDBOX_PORTAL};
use motcua::hub::{start, HubOptions};

use crate::util::{motcua, TestHub, KIOSK};

fn tls_init(dir: &Path, extra: &[&str]) -> std::process::Output {
    motcua()
        .args(["tls", "init", "--dir"])
        .arg(dir)
        .args(["--name", "hub.office.test", "--ip", "10.0.0.2"])
        .args(extra)
        .env_remove("MOTCUA_CONFIG")
        .output()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn tls_init_writes_the_office_ca_and_the_hub_certificate_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let made = tls_init(&tls, &[]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    for name in ["ca.pem", "ca-key.pem", "hub.pem", "hub-key.pem"] {
        let text = std::fs::read_to_string(tls.join(name)).unwrap();
        assert!(text.starts_with("-----BEGIN"), "{name}: {text}");
    }
    assert_eq!(mode(&tls.join("ca-key.pem")), 0o600);
    assert_eq!(mode(&tls.join("hub-key.pem")), 0o600);
    let said = String::from_utf8_lossy(&made.stdout);
    for name in ["localhost", "127.0.0.1", "hub.office.test", "10.0.0.2"] {
        assert!(said.contains(name), "{said}");
    }

    let ca = std::fs::read(tls.join("ca.pem")).unwrap();
    let again = tls_init(&tls, &[]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert_eq!(again.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read(tls.join("ca.pem")).unwrap(), ca, "kept");

    let forced = tls_init(&tls, &["--force"]);
    assert!(forced.status.success());
    assert_ne!(std::fs::read(tls.join("ca.pem")).unwrap(), ca, "made anew");
    assert_eq!(mode(&tls.join("hub-key.pem")), 0o600);
}

/// A hub serving HTTPS with the certificates `motcua tls init` made.
async fn https_hub(tls: &Path) -> TestHub {
    let made = tls_init(tls, &[]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut config = Config::demo();
    config.hub.tls = Some(HubTls {
        cert_file: tls.join("hub.pem"),
        key_file: tls.join("hub-key.pem"),
    });
    let hub = TestHub::with(config, None).await;
    assert!(hub.url.starts_with("https://127.0.0.1:"), "{}", hub.url);
    hub
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_issues_a_ticket_over_tls_and_an_untrusting_client_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hub = https_hub(&dir.path().join("tls")).await;
    let office_ca = read_ca(&dir.path().join("tls/ca.pem")).unwrap();

    // The kiosk's client, trusting the office CA (as `kiosk.ca_file`).
    let kiosk = HubClient::trusting(&hub.url, KIOSK, &office_ca);
    let ticket = kiosk.issue_ticket("hotich", None, "tls-1").await.unwrap();
    assert_eq!(ticket.number, "A001");

    // Without the office CA, or with another office's: refused in the
    // handshake, nothing issued.
    let other = dir.path().join("other");
    assert!(tls_init(&other, &[]).status.success());
    let other_ca = read_ca(&other.join("ca.pem")).unwrap();
    for client in [
        HubClient::new(&hub.url, KIOSK),
        HubClient::trusting(&hub.url, KIOSK, &other_ca),
    ] {
        let refused = client.issue_ticket("hotich", None, "tls-2").await;
        assert!(
            matches!(&refused, Err(HubError::Unreachable(_))),
            "{refused:?}"
        );
    }
    // Plain HTTP to the HTTPS port gets no answer either.
    let plain = HubClient::new(&hub.url.replace("https://", "http://"), KIOSK);
    assert!(plain.issue_ticket("hotich", None, "tls-3").await.is_err());

    let queue = kiosk.queue().await.unwrap();
    let waiting: u32 = queue.services.iter().map(|s| s.waiting).sum();
    assert_eq!(waiting, 1, "only the trusted kiosk's ticket: {queue:?}");
    hub.stop().await;
}

/// A real office (a configuration file) beyond loopback.
async fn lan_office(dir: &Path, allow_plain_http: bool) -> (Arc<Config>, HubOptions) {
    let mut config = Config::demo();
    config.demo = false;
    config.filing.portal_url = Some(SANDBOX_PORTAL.into());
    config.hub.allow_plain_http = allow_plain_http;
    let database = dir.join("hub.db");
    let portal = motcua::cmd::hub::portal_for(&config, &database, None)
        .await
        .unwrap();
    let options = HubOptions {
        listen: "0.0.0.0:0".parse().unwrap(),
        database,
        clock: None,
        portal,
    };
    (Arc::new(config), options)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_beyond_loopback_needs_the_trial_escape_hatch() {
    let dir = tempfile::tempdir().unwrap();
    let (config, options) = lan_office(dir.path(), false).await;
    let refused = match start(config, options).await {
        Ok(_) => panic!("a hub on 0.0.0.0 without [hub.tls] started"),
        Err(err) => format!("{err:#}"),
    };
    assert!(refused.contains("hub.tls"), "{refused}");
    assert!(refused.contains("allow_plain_http"), "{refused}");

    // Its own folder: the refused start above may still hold the first
    // database while its sandbox portal winds down.
    let second = dir.path().join("trial");
    std::fs::create_dir_all(&second).unwrap();
    let (config, options) = lan_office(&second, true).await;
    let running = start(config, options).await.unwrap();
    running.shutdown().await.unwrap();
}

/// `motcua hub` itself: exit status 2, naming the key.
#[test]
fn the_hub_command_refuses_plain_http_on_the_lan_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../packaging/motcua.toml");
    let start = text.find("[hub.tls]").expect("the example uses TLS");
    let end = start + text[start..].find("\n\n").unwrap();
    let path = dir.path().join("motcua.toml");
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = motcua()
        .arg("--config")
        .arg(&path)
        .args(["hub", "--listen", "0.0.0.0:0", "--db"])
        .arg(dir.path().join("hub.db"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("hub.tls"), "{stderr}");
}
