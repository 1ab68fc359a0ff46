//! The city service's configuration: one TOML file, typed and validated.
//!
//! Everything in it is optional: `motcua-city serve --pg URL` with no file
//! serves on loopback with no API tokens (units can still be registered
//! from the file or by a city-role token). Several instances on one
//! database read the same file; nothing here is state (that lives in
//! PostgreSQL), so instances stay interchangeable.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CityConfig {
    /// Address to listen on (`--listen` wins).
    #[serde(default)]
    pub listen: Option<SocketAddr>,
    /// PostgreSQL URL (`--pg` wins).
    #[serde(default)]
    pub pg: Option<String>,
    /// Connections each instance keeps to PostgreSQL.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// IANA time zone deciding business dates (the offices').
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Office hours, for kiosk availability and "not heard from" alerts.
    #[serde(default)]
    pub office_hours: OfficeHours,
    /// HTTPS: certificate chain and key (PEM). Without it the service
    /// speaks plain HTTP (loopback, or behind a TLS proxy).
    #[serde(default)]
    pub tls: Option<TlsFiles>,
    /// Bearer tokens of people and tools reading the city (`[[tokens]]`).
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    /// Units registered at start (`[[units]]`); more can be registered with
    /// `PUT /city/v1/units/{unit_code}`.
    #[serde(default)]
    pub units: Vec<UnitConfig>,
    /// People who sign in to the dashboard (`[[users]]`).
    #[serde(default)]
    pub users: Vec<UserConfig>,
    /// The dashboard's thresholds and timings (`[dashboard]`).
    #[serde(default)]
    pub dashboard: DashboardConfig,
    /// The citizen's phone pages (`[phone]`).
    #[serde(default)]
    pub phone: PhoneConfig,
}

/// `[phone]`: the citizen's ticket and dossier pages (`/t/{unit}/{id}`,
/// `/d/{unit}/{code}`), opened from the QR codes on paper.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PhoneConfig {
    /// Requests a minute one address may make to the phone pages (a
    /// token bucket per address; more get `429`).
    pub rate_per_minute: u32,
    /// Live page streams open at once on this instance; more get `429`.
    pub max_streams: usize,
    /// A live stream ends after this many minutes (the page reconnects).
    pub stream_minutes: u64,
    /// A stream whose reader has not taken an update within this many
    /// seconds is ended.
    pub send_timeout_seconds: u64,
    /// A finished ticket can be rated on the page this many minutes after
    /// it was finished (the hubs' `rating.window_minutes`).
    pub rating_window_minutes: u32,
    /// Reasons offered with "Không hài lòng" (the hubs' defaults; a hub
    /// keeps only the codes its own configuration knows).
    pub reasons: Vec<PhoneReason>,
}

/// A reason offered with "Không hài lòng".
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneReason {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

impl Default for PhoneConfig {
    fn default() -> Self {
        let r = |code: &str, vi: &str, en: &str| PhoneReason {
            code: code.to_owned(),
            name_vi: vi.to_owned(),
            name_en: en.to_owned(),
        };
        Self {
            rate_per_minute: 60,
            max_streams: 2000,
            stream_minutes: 60,
            send_timeout_seconds: 15,
            rating_window_minutes: 24 * 60,
            reasons: vec![
                r("slow", "Phải chờ lâu", "Waited too long"),
                r("attitude", "Thái độ chưa tốt", "Unfriendly attitude"),
                r("unclear", "Hướng dẫn chưa rõ", "Unclear guidance"),
                r(
                    "extra_papers",
                    "Yêu cầu thêm giấy tờ",
                    "Asked for extra papers",
                ),
                r("facilities", "Cơ sở vật chất chưa tốt", "Poor facilities"),
            ],
        }
    }
}

/// `[dashboard]`: red/amber/green thresholds of the city overview, and how
/// often alerts are checked.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// Wait p90 (minutes) at or above which a unit is amber / red.
    pub wait_p90_amber_minutes: i64,
    pub wait_p90_red_minutes: i64,
    /// Online share (kiosk filings / all) below which a unit is amber /
    /// red (the city's target is > 70 %).
    pub online_share_amber: f64,
    pub online_share_red: f64,
    /// Satisfied share below which a unit is amber / red.
    pub satisfied_share_amber: f64,
    pub satisfied_share_red: f64,
    /// Kiosks out of service at or above which a unit is red.
    pub kiosks_out_red: u32,
    /// Seconds between two alert checks (each instance checks; the
    /// database keeps one row per alert).
    pub alert_check_seconds: u64,
    /// Hours a sign-in lasts.
    pub session_hours: i64,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            wait_p90_amber_minutes: 30,
            wait_p90_red_minutes: 60,
            online_share_amber: 0.7,
            online_share_red: 0.5,
            satisfied_share_amber: 0.8,
            satisfied_share_red: 0.6,
            kiosks_out_red: 1,
            alert_check_seconds: 15,
            session_hours: 12,
        }
    }
}

impl Default for CityConfig {
    fn default() -> Self {
        Self {
            listen: None,
            pg: None,
            pool_size: default_pool_size(),
            timezone: default_timezone(),
            office_hours: OfficeHours::default(),
            tls: None,
            tokens: Vec::new(),
            units: Vec::new(),
            users: Vec::new(),
            dashboard: DashboardConfig::default(),
            phone: PhoneConfig::default(),
        }
    }
}

fn default_pool_size() -> usize {
    16
}

fn default_timezone() -> String {
    "Asia/Ho_Chi_Minh".to_owned()
}

/// Opening and closing time of the offices (local).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeHours {
    #[serde(with = "hhmm")]
    pub opens: NaiveTime,
    #[serde(with = "hhmm")]
    pub closes: NaiveTime,
}

impl Default for OfficeHours {
    fn default() -> Self {
        Self {
            opens: NaiveTime::from_hms_opt(7, 30, 0).expect("valid time"),
            closes: NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
        }
    }
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not HH:MM")))
    }
}

/// Certificate chain and private key files (PEM).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What a reader's token may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CityRole {
    /// Everything: every unit, registering units, publishing releases.
    City,
    /// The units listed in its `units` only.
    UnitViewer,
    /// The fleet (devices, versions) and alerts.
    Technician,
}

impl CityRole {
    pub fn as_str(self) -> &'static str {
        match self {
            CityRole::City => "city",
            CityRole::UnitViewer => "unit_viewer",
            CityRole::Technician => "technician",
        }
    }
}

/// `[[tokens]]`: a bearer token for the JSON API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// For logs.
    pub name: String,
    pub role: CityRole,
    pub token: String,
    /// With `unit_viewer`: the unit codes it may see.
    #[serde(default)]
    pub units: Vec<String>,
}

/// `[[units]]`: an office and the token its hub pushes with.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnitConfig {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub group: Option<String>,
    pub token: String,
}

/// `[[users]]`: a person who signs in to the dashboard.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub login: String,
    #[serde(default)]
    pub name: Option<String>,
    pub role: CityRole,
    /// The password as an argon2id PHC string (`$argon2id$v=19$…`).
    pub password_hash: String,
    /// With `unit_viewer`: the unit codes they may see.
    #[serde(default)]
    pub units: Vec<String>,
}

/// The argon2id PHC string of `password`, with a fresh random salt and the
/// argon2 crate's default cost.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use rand::RngCore;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Shortest token accepted: a guessable token on the WAN would let anyone
/// write into a unit's figures.
pub const MIN_TOKEN_LEN: usize = 16;

/// A configuration that cannot be used, naming the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration: {key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

impl CityConfig {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: CityConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.tz()?;
        if self.office_hours.opens >= self.office_hours.closes {
            return Err(invalid("office_hours", "opens must be before closes"));
        }
        let d = &self.dashboard;
        if d.alert_check_seconds == 0 || d.session_hours <= 0 {
            return Err(invalid(
                "dashboard",
                "alert_check_seconds and session_hours must be at least 1",
            ));
        }
        if self.pool_size == 0 {
            return Err(invalid("pool_size", "must be at least 1"));
        }
        let p = &self.phone;
        if p.rate_per_minute == 0
            || p.max_streams == 0
            || p.stream_minutes == 0
            || p.send_timeout_seconds == 0
            || p.rating_window_minutes == 0
        {
            return Err(invalid("phone", "every limit must be at least 1"));
        }
        let mut seen = BTreeSet::new();
        for (i, t) in self.tokens.iter().enumerate() {
            if t.token.len() < MIN_TOKEN_LEN {
                return Err(invalid(
                    format!("tokens[{i}].token"),
                    format!("at least {MIN_TOKEN_LEN} characters"),
                ));
            }
            if !seen.insert(t.token.as_str()) {
                return Err(invalid(format!("tokens[{i}].token"), "used twice"));
            }
            if t.role == CityRole::UnitViewer && t.units.is_empty() {
                return Err(invalid(
                    format!("tokens[{i}].units"),
                    "a unit_viewer token names its units",
                ));
            }
        }
        let mut logins = BTreeSet::new();
        for (i, u) in self.users.iter().enumerate() {
            if !logins.insert(u.login.as_str()) {
                return Err(invalid(format!("users[{i}].login"), "listed twice"));
            }
            if !u.password_hash.starts_with("$argon2id$") {
                return Err(invalid(
                    format!("users[{i}].password_hash"),
                    "an argon2id PHC string ($argon2id$v=19$…)",
                ));
            }
            if u.role == CityRole::UnitViewer && u.units.is_empty() {
                return Err(invalid(
                    format!("users[{i}].units"),
                    "a unit_viewer names their units",
                ));
            }
        }
        let mut codes = BTreeSet::new();
        for (i, u) in self.units.iter().enumerate() {
            check_unit_code(&u.code).map_err(|m| invalid(format!("units[{i}].code"), m))?;
            if !codes.insert(u.code.as_str()) {
                return Err(invalid(format!("units[{i}].code"), "listed twice"));
            }
            if u.token.len() < MIN_TOKEN_LEN {
                return Err(invalid(
                    format!("units[{i}].token"),
                    format!("at least {MIN_TOKEN_LEN} characters"),
                ));
            }
            if !seen.insert(u.token.as_str()) {
                return Err(invalid(format!("units[{i}].token"), "used twice"));
            }
        }
        Ok(())
    }

    /// The offices' time zone.
    pub fn tz(&self) -> Result<chrono_tz::Tz, ConfigError> {
        self.timezone
            .parse()
            .map_err(|_| invalid("timezone", format!("unknown time zone {:?}", self.timezone)))
    }
}

/// A unit code is what the offices call themselves (TT 10/2016 unit
/// identifiers such as `000.25.31.H26`): printable ASCII, no spaces or
/// slashes (it is a path segment of the API), at most 64 characters.
pub fn check_unit_code(code: &str) -> Result<(), String> {
    if code.is_empty() || code.len() > 64 {
        return Err("1–64 characters".into());
    }
    if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err("letters, digits, '.', '-' and '_' only".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_is_valid() {
        let text = include_str!("../packaging/motcua-city.toml");
        let config: CityConfig = toml::from_str(text).unwrap();
        config.validate().unwrap();
        assert_eq!(config.office_hours, OfficeHours::default());
    }

    #[test]
    fn the_phone_section_reads_and_refuses_zero_limits() {
        let config: CityConfig = toml::from_str(
            r#"
            [phone]
            rate_per_minute = 20
            reasons = [{ code = "slow", name_vi = "Phải chờ lâu", name_en = "Waited too long" }]
            "#,
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(config.phone.rate_per_minute, 20);
        assert_eq!(config.phone.max_streams, PhoneConfig::default().max_streams);
        assert_eq!(config.phone.reasons.len(), 1);
        let config: CityConfig = toml::from_str("[phone]\nmax_streams = 0\n").unwrap();
        assert!(config.validate().unwrap_err().to_string().contains("phone"));
    }

    #[test]
    fn errors_name_the_key() {
        let config: CityConfig = toml::from_str(
            r#"
            [[tokens]]
            name = "sở"
            role = "unit_viewer"
            token = "0123456789abcdef"
            "#,
        )
        .unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("tokens[0].units"), "{err}");

        let config: CityConfig = toml::from_str(
            r#"
            [[units]]
            code = "H26/01"
            name = "x"
            token = "0123456789abcdef"
            "#,
        )
        .unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("units[0].code"), "{err}");
        assert!(toml::from_str::<CityConfig>("colour = 1").is_err());
    }
}
