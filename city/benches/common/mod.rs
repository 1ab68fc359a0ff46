//! Shared by the city benchmarks: arguments, realistic office days as
//! ready-to-send bytes, the machine's load, and a throwaway CA.

#![allow(dead_code)]

use std::path::PathBuf;

use chrono::NaiveDate;
use motcua_api::IngestEvent;
use motcua_city::simulate::office::{Office, Profile};

pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// `--name value` from the command line (cargo bench adds `--bench`,
/// which is ignored).
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether `--name` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// The 1-, 5- and 15-minute load averages.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The server settings the benchmarks run PostgreSQL with: what a city
/// server would have instead of the defaults (made for small machines).
/// fsync and synchronous commit stay on: every answer is on disk.
pub const PG_SETTINGS: [(&str, &str); 4] = [
    ("shared_buffers", "1GB"),
    // Checkpoints by time, not every 1 GB of WAL: fewer full-page writes.
    ("max_wal_size", "8GB"),
    ("checkpoint_timeout", "15min"),
    ("wal_compression", "on"),
];

/// A weekday to simulate.
pub fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("valid date")
}

/// `count` distinct simulated office days (~1,600 events each), as logs.
pub fn office_days(count: u32) -> Vec<Vec<IngestEvent>> {
    (0..count)
        .map(|i| {
            let mut office = Office::new(&format!("BENCH-{i:04}"), i, 2026, Profile::default(), TZ);
            office
                .day(day())
                .into_iter()
                .enumerate()
                .map(|(n, e)| {
                    let (kind, data) = e.event.into_parts();
                    IngestEvent {
                        id: n as i64 + 1,
                        at_ms: e.at_ms,
                        event: kind.to_owned(),
                        data,
                    }
                })
                .collect()
        })
        .collect()
}

/// A throwaway CA and a server certificate for 127.0.0.1 (PEM files).
pub struct Ca {
    pub _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Ca {
    pub fn new() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_key = KeyPair::generate().expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "motcua bench CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA");
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("params");
        let cert = params.signed_by(&key, &ca, &ca_key).expect("cert");
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write");
            path
        };
        Self {
            ca: write("ca.pem", ca.pem()),
            cert: write("server.pem", cert.pem()),
            key: write("server.key", key.serialize_pem()),
            _dir: dir,
        }
    }
}

/// Nearest-rank percentile of sorted `v`.
pub fn pct(v: &[f64], p: usize) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((p * v.len()).div_ceil(100)).max(1) - 1]
}

/// A dashboard user with the city role (sees everything).
pub fn city_user(login: &str, password: &str) -> motcua_city::config::UserConfig {
    motcua_city::config::UserConfig {
        login: login.into(),
        name: None,
        role: motcua_city::config::CityRole::City,
        password_hash: motcua_city::config::hash_password(password).expect("hash"),
        units: vec![],
    }
}

/// Signs in to the dashboard at `base` like a browser (the CSRF cookie
/// and field, then the form) with `http`, which must not follow
/// redirects; the session's `name=value` for a `cookie` header.
pub async fn sign_in(http: &reqwest::Client, base: &str, login: &str, password: &str) -> String {
    let form = http
        .get(format!("{base}/signin"))
        .send()
        .await
        .expect("sign-in form");
    let csrf = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("motcua_city_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("csrf cookie")
        .to_owned();
    let r = http
        .post(format!("{base}/signin"))
        .header("cookie", format!("motcua_city_csrf={csrf}"))
        .form(&[("login", login), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303, "signed in");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("motcua_city_session="))
        .and_then(|c| c.split(';').next())
        .expect("session")
        .to_owned()
}
