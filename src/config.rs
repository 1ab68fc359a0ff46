//! One TOML configuration file, typed and validated.
//!
//! With no file, [`Config::demo`] describes a working demo office: four
//! service areas, four counters, loopback only, and the documented demo
//! tokens. A real configuration must name its own tokens; validation errors
//! name the offending key so an installer can fix the file without reading
//! code.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration of one motcua installation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub office: Office,
    #[serde(default = "HubSection::file_default")]
    pub hub: HubSection,
    #[serde(default)]
    pub queue: QueueSection,
    pub services: Vec<ServiceConfig>,
    pub counters: Vec<CounterConfig>,
    /// Officers who sign in at counters (`[[staff]]`).
    #[serde(default)]
    pub staff: Vec<StaffConfig>,
    /// `motcua counter` on this machine.
    #[serde(default)]
    pub counter: CounterSection,
    /// `motcua display` on this machine.
    #[serde(default)]
    pub display: DisplaySection,
    /// Citizen satisfaction ratings.
    #[serde(default)]
    pub rating: RatingSection,
    #[serde(default)]
    pub tokens: Vec<TokenConfig>,
    #[serde(default)]
    pub kiosk: KioskSection,
    #[serde(default)]
    pub filing: FilingSection,
    /// Federation with the city service; absent, the office stands alone.
    #[serde(default)]
    pub city: Option<CitySection>,
    /// True for the built-in demo office (no file was given).
    #[serde(skip)]
    pub demo: bool,
}

/// The office itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    /// Name shown on screens and printed on tickets.
    pub name: String,
    /// Unit identifier per TT 10/2016/TT-BTTTT, prefix of dossier codes.
    pub unit_code: String,
    /// IANA time zone deciding business dates and due times.
    #[serde(default = "default_timezone")]
    pub timezone: String,
}

fn default_timezone() -> String {
    "Asia/Ho_Chi_Minh".to_owned()
}

/// Where and how the hub runs. Every key is optional in a file; a missing
/// one takes the value `packaging/motcua.toml` documents (an installed hub:
/// every address, `/var/lib/motcua`), not the demo's loopback and working
/// directory ([`HubSection::default`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    #[serde(default = "file_default_listen")]
    pub listen: SocketAddr,
    /// SQLite database; a relative path is relative to the working directory.
    #[serde(default = "file_default_database")]
    pub database: PathBuf,
    /// How many events the SSE stream can replay to a reconnecting client.
    #[serde(default = "default_event_replay")]
    pub event_replay: u32,
    /// How long an officer's sign-in at a counter lasts (minutes).
    #[serde(default = "default_staff_session_minutes")]
    pub staff_session_minutes: u32,
    /// Support bundles kept at the hub, all together (bytes) and in
    /// number; the oldest are removed to make room for a new one.
    #[serde(default = "default_bundle_bytes")]
    pub support_bundles_max_bytes: u64,
    #[serde(default = "default_bundle_count")]
    pub support_bundles_max_count: u32,
    /// A connection that has not sent a complete request head this long
    /// after it was accepted is closed (slowloris).
    #[serde(default = "default_header_timeout")]
    pub header_timeout_seconds: u64,
    /// A kept-alive connection without a new request this long after its
    /// last answer is closed.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_seconds: u64,
    /// Connections at once; one more is refused with `503 busy`. Lowered
    /// to the open-file limit (systemd units: `LimitNOFILE=65536`).
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// A connection whose answer the client has not read for this long
    /// (an event stream nobody reads) is closed.
    #[serde(default = "default_send_timeout")]
    pub send_timeout_seconds: u64,
    /// Event streams (`GET /api/v1/events`) open at once with one token;
    /// one more is refused with `503 busy`.
    #[serde(default = "default_event_streams_per_token")]
    pub event_streams_per_token: u32,
    /// Requests a minute per client address on the citizens' phone pages
    /// (`/t/…`, `/d/…`: no token, reachable from the office Wi-Fi); one
    /// more gets `429`. 0: no limit.
    #[serde(default = "default_phone_rate_per_minute")]
    pub phone_rate_per_minute: u32,
    /// HTTPS: the hub's certificate and key (`motcua tls init`). Without
    /// it the hub serves plain HTTP, which it does only on loopback.
    #[serde(default)]
    pub tls: Option<HubTls>,
    /// Serve plain HTTP on a non-loopback address anyway. For trials
    /// only: tokens, PINs and citizens' data then cross the LAN readable.
    #[serde(default)]
    pub allow_plain_http: bool,
}

/// `[hub.tls]`: the files `motcua tls init` writes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HubTls {
    /// The hub's certificate (PEM), e.g. `/etc/motcua/tls/hub.pem`.
    pub cert_file: PathBuf,
    /// Its private key (PEM), e.g. `/etc/motcua/tls/hub-key.pem`.
    pub key_file: PathBuf,
}

fn default_send_timeout() -> u64 {
    30
}

fn default_phone_rate_per_minute() -> u32 {
    60
}

fn default_event_streams_per_token() -> u32 {
    64
}

fn default_header_timeout() -> u64 {
    15
}

fn default_idle_timeout() -> u64 {
    60
}

fn default_max_connections() -> u32 {
    8192
}

fn default_bundle_bytes() -> u64 {
    256 * 1024 * 1024
}

fn default_bundle_count() -> u32 {
    100
}

impl HubSection {
    /// A file without `[hub]`: the documented values of an installed hub.
    fn file_default() -> Self {
        Self {
            listen: file_default_listen(),
            database: file_default_database(),
            ..Self::default()
        }
    }
}

fn file_default_listen() -> SocketAddr {
    "0.0.0.0:8686".parse().expect("static address")
}

fn file_default_database() -> PathBuf {
    PathBuf::from("/var/lib/motcua/motcua.db")
}

fn default_event_replay() -> u32 {
    10_000
}

fn default_staff_session_minutes() -> u32 {
    // A working day with its lunch break: officers sign in once a day.
    10 * 60
}

impl Default for HubSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8686".parse().expect("static address"),
            database: PathBuf::from("motcua.db"),
            event_replay: default_event_replay(),
            staff_session_minutes: default_staff_session_minutes(),
            support_bundles_max_bytes: default_bundle_bytes(),
            support_bundles_max_count: default_bundle_count(),
            header_timeout_seconds: default_header_timeout(),
            idle_timeout_seconds: default_idle_timeout(),
            max_connections: default_max_connections(),
            send_timeout_seconds: default_send_timeout(),
            event_streams_per_token: default_event_streams_per_token(),
            phone_rate_per_minute: default_phone_rate_per_minute(),
            tls: None,
            allow_plain_http: false,
        }
    }
}

/// Screen orientation of a kiosk.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    #[default]
    Portrait,
    Landscape,
}

/// `[kiosk]`: one citizen kiosk.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KioskSection {
    /// The hub on the office LAN, e.g. `http://10.0.0.2:8686`. Without it the
    /// kiosk starts a hub in-process on loopback (the embedded default).
    #[serde(default)]
    pub hub_url: Option<String>,
    /// The office's certificate authority (PEM, `ca.pem` of `motcua tls
    /// init`) that an `https://` hub's certificate is checked against.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The kiosk's bearer token; defaults to the first `kiosk` token of
    /// `[[tokens]]` (right for the embedded hub).
    #[serde(default)]
    pub token: Option<String>,
    /// Seconds without a touch before the kiosk wipes what the citizen
    /// entered and returns home.
    pub idle_timeout_seconds: u64,
    pub orientation: Orientation,
    pub fullscreen: bool,
    /// Public base URL for lookup links in QR codes (phones); without it
    /// QR codes carry a payload only the office's scanners read.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The receipt printer; without it the emulated printer is used and the
    /// kiosk shows the "CHẾ ĐỘ DEMO" banner.
    #[serde(default)]
    pub printer: Option<PrinterConfig>,
    /// The ID-card / QR scanner (USB-CDC serial mode); without it the
    /// emulated scanner is used.
    #[serde(default)]
    pub scanner: Option<ScannerConfig>,
    /// This kiosk's name in device events and support bundles, e.g.
    /// `kiosk-2` (the hub names a kiosk after its token otherwise).
    #[serde(default)]
    pub name: Option<String>,
    /// The technician PIN as an argon2id PHC string (`$argon2id$v=19$…`),
    /// made with `motcua hash-pin`. Without it the technician mode stays
    /// closed.
    #[serde(default)]
    pub technician_pin_hash: Option<String>,
    /// A bearer token with role `technician` for the technician mode's hub
    /// calls (outbox retry, hub diagnostics); default: the first
    /// technician token of `[[tokens]]`.
    #[serde(default)]
    pub technician_token: Option<String>,
}

impl Default for KioskSection {
    fn default() -> Self {
        Self {
            hub_url: None,
            ca_file: None,
            token: None,
            idle_timeout_seconds: 90,
            orientation: Orientation::Portrait,
            fullscreen: false,
            public_url: None,
            printer: None,
            scanner: None,
            name: None,
            technician_pin_hash: None,
            technician_token: None,
        }
    }
}

/// `[kiosk.printer]`: a receipt printer on a serial port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterConfig {
    /// How to reach it: `port = "/dev/motcua-printer"` or
    /// `port = { usb = "0416:5011" }`, baud, flow control, timeouts.
    #[serde(default)]
    pub serial: motcua_drivers::SerialSettings,
    /// Text mode, code page, paper width, QR (see `motcua diag print-probe`).
    #[serde(default)]
    pub profile: motcua_drivers::PrinterProfile,
}

/// Online filing: the portal, the catalogue and calendar files, office
/// hours, personal-data retention and the outbox's pace. Every key is
/// optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilingSection {
    /// Base URL of the public service portal, or the literal `"sandbox"`
    /// (a training office: the portal sandbox runs in-process and every
    /// dossier is marked as training). Required with a configuration file
    /// (`motcua hub` and a kiosk's embedded hub refuse to start without
    /// it); the demo office (no file) uses the sandbox.
    pub portal_url: Option<String>,
    /// Bearer token the portal expects, if any.
    pub portal_token: Option<String>,
    /// How long one portal request may take.
    pub portal_timeout_seconds: u64,
    /// A procedure catalogue file (TOML, the format of
    /// `data/procedures.toml`) replacing the shipped one.
    pub procedures: Option<PathBuf>,
    /// A folder of calendar files (`2026.toml`, …) replacing the shipped
    /// years with the same number.
    pub calendar: Option<PathBuf>,
    /// Office hours, `HH:MM` local time.
    pub opens: String,
    pub closes: String,
    /// Same-day procedures received after this are due the next working
    /// day (Luật Hộ tịch Điều 5 khoản 3: 15:00).
    pub same_day_cutoff: String,
    /// Where results are collected, printed on the receipt (default: the
    /// one-stop section of the office).
    pub collect_at: Option<String>,
    /// Days after the portal accepted a dossier before its personal fields
    /// are erased from the hub database.
    pub retention_days: u32,
    /// Dossiers delivered to the portal at the same time.
    pub outbox_concurrency: u32,
    /// First and longest wait between delivery attempts (exponential, with
    /// jitter).
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
    /// How often statuses of delivered dossiers are refreshed from the
    /// portal.
    pub status_poll_seconds: u64,
    /// The in-process sandbox moves a dossier one status every this many
    /// seconds (0: never by itself).
    pub sandbox_pace_seconds: u64,
}

impl Default for FilingSection {
    fn default() -> Self {
        Self {
            portal_url: None,
            portal_token: None,
            portal_timeout_seconds: 15,
            procedures: None,
            calendar: None,
            opens: "08:00".to_owned(),
            closes: "17:00".to_owned(),
            same_day_cutoff: "15:00".to_owned(),
            collect_at: None,
            retention_days: 30,
            outbox_concurrency: 16,
            retry_initial_ms: 1000,
            retry_max_ms: 60_000,
            status_poll_seconds: 300,
            sandbox_pace_seconds: 60,
        }
    }
}

impl FilingSection {
    /// Office hours (validated at load).
    pub fn office_hours(&self) -> crate::domain::calendar::OfficeHours {
        let default = crate::domain::calendar::OfficeHours::default();
        crate::domain::calendar::OfficeHours {
            opens: parse_hhmm(&self.opens).unwrap_or(default.opens),
            closes: parse_hhmm(&self.closes).unwrap_or(default.closes),
            same_day_cutoff: parse_hhmm(&self.same_day_cutoff).unwrap_or(default.same_day_cutoff),
        }
    }

    /// The portal's base URL when `portal_url` names one (not `"sandbox"`).
    pub fn portal_http_url(&self) -> Option<String> {
        self.portal_url.clone().filter(|url| url != SANDBOX_PORTAL)
    }

    /// `portal_url = "sandbox"`: a training office.
    pub fn training(&self) -> bool {
        self.portal_url.as_deref() == Some(SANDBOX_PORTAL)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.portal_url {
            if url != SANDBOX_PORTAL && !(url.starts_with("http://") || url.starts_with("https://"))
            {
                return Err(invalid(
                    "filing.portal_url",
                    "must start with http:// or https://, or be \"sandbox\" (training)",
                ));
            }
        }
        let mut times = Vec::new();
        for (key, value) in [
            ("filing.opens", &self.opens),
            ("filing.same_day_cutoff", &self.same_day_cutoff),
            ("filing.closes", &self.closes),
        ] {
            times.push(
                parse_hhmm(value).ok_or_else(|| invalid(key, format!("{value:?} is not HH:MM")))?,
            );
        }
        if !(times[0] < times[1] && times[1] <= times[2]) {
            return Err(invalid(
                "filing.same_day_cutoff",
                "office hours must satisfy opens < same_day_cutoff <= closes",
            ));
        }
        if self.portal_timeout_seconds == 0 {
            return Err(invalid(
                "filing.portal_timeout_seconds",
                "must be at least 1",
            ));
        }
        if self.retention_days == 0 {
            return Err(invalid("filing.retention_days", "must be at least 1"));
        }
        if !(1..=256).contains(&self.outbox_concurrency) {
            return Err(invalid(
                "filing.outbox_concurrency",
                "must be between 1 and 256",
            ));
        }
        if self.retry_initial_ms < 10 {
            return Err(invalid("filing.retry_initial_ms", "must be at least 10"));
        }
        if self.retry_max_ms < self.retry_initial_ms {
            return Err(invalid(
                "filing.retry_max_ms",
                "must not be less than filing.retry_initial_ms",
            ));
        }
        if self.status_poll_seconds == 0 {
            return Err(invalid("filing.status_poll_seconds", "must be at least 1"));
        }
        Ok(())
    }
}

/// `filing.portal_url = "sandbox"`: dossiers go to the in-process portal
/// sandbox (training offices), never to the real portal.
pub const SANDBOX_PORTAL: &str = "sandbox";

/// `HH:MM` → a time of day.
fn parse_hhmm(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// `[kiosk.scanner]`: a 2D scanner in serial (USB-CDC) mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerConfig {
    #[serde(default)]
    pub serial: motcua_drivers::SerialSettings,
    /// Line terminator and the gap after which a partial line is dropped.
    #[serde(default)]
    pub profile: motcua_drivers::ScannerProfile,
}

/// `[[staff]]`: an officer who signs in at a counter with a code and PIN.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    /// What the officer types to sign in, e.g. `cb01` (letters, digits, _).
    pub code: String,
    /// Full name, shown on the counter screen and in reports.
    pub name: String,
    /// The PIN as an argon2id PHC string (`$argon2id$v=19$…`); make one with
    /// `motcua hash-pin`. The PIN itself is never stored.
    pub pin_hash: String,
    /// Counters the officer may sign in at; empty means every counter.
    #[serde(default)]
    pub counters: Vec<u32>,
}

impl StaffConfig {
    /// Whether the officer may work at `counter`.
    pub fn may_use(&self, counter: u32) -> bool {
        self.counters.is_empty() || self.counters.contains(&counter)
    }
}

/// The demo office's officers. PINs (documented in the README): `cb01` →
/// 1111 (counters 1 and 2), `cb02` → 2222 (counters 3 and 4), `cb03` → 3333
/// (any counter).
fn demo_staff() -> Vec<StaffConfig> {
    let staff = |code: &str, name: &str, pin_hash: &str, counters: &[u32]| StaffConfig {
        code: code.to_owned(),
        name: name.to_owned(),
        pin_hash: pin_hash.to_owned(),
        counters: counters.to_vec(),
    };
    vec![
        staff("cb01", "Nguyễn Thị Lan", DEMO_PIN_HASHES[0], &[1, 2]),
        staff("cb02", "Trần Văn Minh", DEMO_PIN_HASHES[1], &[3, 4]),
        staff("cb03", "Lê Thu Hà", DEMO_PIN_HASHES[2], &[]),
    ]
}

/// argon2id hashes of the demo PINs 1111, 2222 and 3333 (made with
/// `motcua hash-pin`; a unit test checks them).
const DEMO_PIN_HASHES: [&str; 3] = [
    "$argon2id$v=19$m=19456,t=2,p=1$ilqTzcEXgPW6/OibgITzVA$+H2+Pf/+IiTnJzGSOC7BDS9vDb2ELn9DsDhG1DETY7o",
    "$argon2id$v=19$m=19456,t=2,p=1$WFKLXVp/efmBPIYpYN3U0Q$kofxv0y+HXDQxLuOJMVIEFiRJZPLtxI5k4UtCQfMB7w",
    "$argon2id$v=19$m=19456,t=2,p=1$YTP8PAxCfqBseTXSW/qQ7w$qBT0lsKFDEYlLvbLMKQzAW74ONret7qCjpK4ugNzQUk",
];

/// `[counter]`: the officer's app on this machine (`motcua counter`).
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CounterSection {
    /// The office hub; default `http://` + `hub.listen` (loopback when the
    /// hub listens on every address) — right for the kiosk's embedded hub
    /// and for `motcua hub` on the same machine.
    #[serde(default)]
    pub hub_url: Option<String>,
    /// The office's certificate authority for an `https://` hub (as
    /// `kiosk.ca_file`).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// The counter app's bearer token (role counter); default: the first
    /// counter token of `[[tokens]]`. Officers then sign in with code + PIN.
    #[serde(default)]
    pub token: Option<String>,
    /// The counter this machine serves when `--counter` is not given.
    #[serde(default)]
    pub number: Option<u32>,
    #[serde(default)]
    pub fullscreen: bool,
    /// The counter's own receipt printer, for reprinting tickets the kiosk
    /// could not print. Without it there is no reprint button.
    #[serde(default)]
    pub printer: Option<PrinterConfig>,
}

/// `[display]`: the hall board on this machine (`motcua display`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisplaySection {
    /// The office hub (default as for `[counter]`).
    pub hub_url: Option<String>,
    /// The office's certificate authority for an `https://` hub (as
    /// `kiosk.ca_file`).
    pub ca_file: Option<PathBuf>,
    /// The board's token (role display); default: the first display token.
    pub token: Option<String>,
    pub fullscreen: bool,
    /// A notice that scrolls along the bottom of the board.
    pub notice: String,
    /// Seconds the newest call stays large and highlighted.
    pub highlight_seconds: u64,
    /// A call older than this when the board hears of it (after a long
    /// disconnection) goes into the list without highlight or announcement.
    pub stale_after_seconds: u64,
    pub voice: VoiceConfig,
}

impl Default for DisplaySection {
    fn default() -> Self {
        Self {
            hub_url: None,
            ca_file: None,
            token: None,
            fullscreen: true,
            notice: "Công dân vui lòng chờ gọi số và đến đúng quầy. Mọi thủ tục tại bộ phận một cửa đều được niêm yết công khai.".to_owned(),
            highlight_seconds: 8,
            stale_after_seconds: 120,
            voice: VoiceConfig::default(),
        }
    }
}

/// How the hall announces a call.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VoiceBackend {
    /// A text-to-speech command (`espeak-ng -v vi` by default).
    #[default]
    Tts,
    /// Prerecorded clips, one WAV file per word, concatenated.
    Clips,
    /// The chime alone.
    Chime,
    /// Silence.
    Off,
}

/// `[display.voice]`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceConfig {
    pub backend: VoiceBackend,
    /// The text-to-speech program and its arguments; the sentence is added
    /// as the last argument and the program must write a WAV file to its
    /// standard output.
    pub tts_command: Vec<String>,
    /// Folder of clips (`moi-cong-dan.wav`, `khong.wav`, `letter-a.wav`…;
    /// `motcua diag announce --dry-run` lists the names a call needs).
    pub clips_dir: Option<PathBuf>,
    /// Play a chime before the sentence.
    pub chime: bool,
    /// How many times the sentence is said.
    pub repeat: u32,
    /// 0.0–2.0.
    pub volume: f32,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self {
            backend: VoiceBackend::Tts,
            tts_command: ["espeak-ng", "-v", "vi", "-s", "140", "--stdout"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            clips_dir: None,
            chime: true,
            repeat: 2,
            volume: 1.0,
        }
    }
}

/// `[rating]`: citizen satisfaction after a ticket is finished.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RatingSection {
    /// Offer rating at the kiosk (*Đánh giá*) and on the counter's
    /// citizen panel.
    pub enabled: bool,
    /// Reasons a citizen may tick with "Không hài lòng".
    pub reasons: Vec<ReasonConfig>,
    /// A ticket can be rated this many minutes after it was finished.
    pub window_minutes: u32,
    /// A ticket named by its typed number (no QR) only this many minutes
    /// after it was finished, the same day.
    pub typed_window_minutes: u32,
}

impl Default for RatingSection {
    fn default() -> Self {
        let r = |code: &str, vi: &str, en: &str| ReasonConfig {
            code: code.to_owned(),
            name_vi: vi.to_owned(),
            name_en: en.to_owned(),
        };
        Self {
            enabled: true,
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
            window_minutes: 24 * 60,
            typed_window_minutes: 30,
        }
    }
}

impl RatingSection {
    /// The scale and the reasons as rating screens get them
    /// (`GET /api/v1/ratings/options`).
    pub fn options(&self) -> motcua_api::RatingOptions {
        let reasons = self
            .reasons
            .iter()
            .map(|r| motcua_api::RatingReason {
                code: r.code.clone(),
                name_vi: r.name_vi.clone(),
                name_en: r.name_en.clone(),
            })
            .collect();
        motcua_api::RatingOptions::with_reasons(self.enabled, reasons)
    }
}

/// One reason for "Không hài lòng".
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReasonConfig {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// Queue policy. Every key is optional; a missing one takes its default
/// (the values `packaging/motcua.toml` documents).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueSection {
    /// First number of each service on each business date.
    pub start_number: u32,
    /// Tickets per service per business date (a service may override it).
    pub daily_cap: u32,
    /// At most this many priority calls in a row at one counter.
    pub max_priority_in_row: u32,
    /// A normal ticket that has waited this long goes next, priority or not.
    pub max_normal_wait_minutes: u32,
    /// Service time assumed before the day has history.
    pub default_service_minutes: u32,
    /// How many recent services the wait estimate averages.
    pub estimate_window: u32,
    pub priorities: Vec<PriorityConfig>,
}

impl Default for QueueSection {
    fn default() -> Self {
        let p = |code: &str, vi: &str, en: &str| PriorityConfig {
            code: code.to_owned(),
            name_vi: vi.to_owned(),
            name_en: en.to_owned(),
        };
        Self {
            start_number: 1,
            daily_cap: 999,
            max_priority_in_row: 2,
            max_normal_wait_minutes: 30,
            default_service_minutes: 8,
            estimate_window: 20,
            priorities: vec![
                p(
                    "elderly",
                    "Người cao tuổi (từ 60 tuổi)",
                    "Elderly person (60+)",
                ),
                p("disabled", "Người khuyết tật", "Person with a disability"),
                p("pregnant", "Phụ nữ mang thai", "Pregnant woman"),
                p("young_child", "Người đi cùng trẻ nhỏ", "With a young child"),
                p("merit", "Người có công với cách mạng", "Person of merit"),
            ],
        }
    }
}

/// A priority category citizens can choose at the kiosk.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PriorityConfig {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
}

/// A service area with its own letter prefix and numbering.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub code: String,
    pub prefix: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub daily_cap: Option<u32>,
    /// Two or three example procedures the kiosk lists under the service,
    /// so people pick the right queue (and their English names).
    #[serde(default)]
    pub examples_vi: Vec<String>,
    #[serde(default)]
    pub examples_en: Vec<String>,
}

/// A counter (quầy) and the services it serves.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CounterConfig {
    pub number: u32,
    #[serde(default)]
    pub name: Option<String>,
    pub services: Vec<String>,
}

/// Roles a bearer token can have (the wire's: a rating's channel is one).
pub use motcua_api::Role;

/// A bearer token and who holds it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    pub token: String,
    pub role: Role,
    /// A name for logs and events, e.g. "kiosk-1".
    #[serde(default)]
    pub name: Option<String>,
}

/// `[city]`: this office's link to the city service (`motcua-city`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CitySection {
    /// The city service's base URL: `https://…` (plain `http://` only to
    /// a loopback address).
    pub url: String,
    /// This office's bearer token at the city (it names the office's unit
    /// there).
    pub token: String,
    /// The city's certificate authority (PEM); default: the usual roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Keep the office's own procedure catalogue: the city's releases are
    /// not applied (and the city is told so).
    #[serde(default)]
    pub pin_catalogue: bool,
    /// Keep the office's own working-day calendar.
    #[serde(default)]
    pub pin_calendar: bool,
    /// Events per push (1–2000).
    #[serde(default = "default_city_batch")]
    pub batch: u32,
    /// An empty push at least this often says the office is alive.
    #[serde(default = "default_city_heartbeat")]
    pub heartbeat_seconds: u64,
    /// How often the city's catalogue and calendar are checked.
    #[serde(default = "default_city_poll")]
    pub poll_seconds: u64,
    /// The city service's address for citizens' phones, e.g.
    /// `https://motcua.hanoi.gov.vn`: tickets and receipts then carry
    /// `{public_url}/t/{unit_code}/{id}?k=…` (`/d/{unit_code}/{code}?k=…`)
    /// in their QR code, unless `kiosk.public_url` is set (it wins).
    #[serde(default)]
    pub public_url: Option<String>,
}

fn default_city_batch() -> u32 {
    500
}

fn default_city_heartbeat() -> u64 {
    60
}

fn default_city_poll() -> u64 {
    300
}

impl CitySection {
    fn validate(&self) -> Result<(), ConfigError> {
        let loopback = |rest: &str| {
            let host = rest.split(['/', '?']).next().unwrap_or_default();
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        };
        match (
            self.url.strip_prefix("https://"),
            self.url.strip_prefix("http://"),
        ) {
            (Some(rest), _) if !rest.is_empty() => {}
            (_, Some(rest)) if loopback(rest) => {}
            (_, Some(_)) => {
                return Err(invalid(
                    "city.url",
                    "use https:// (plain http:// only to a loopback address): the token and \
                     the office's log cross the WAN",
                ))
            }
            _ => return Err(invalid("city.url", "must start with https://")),
        }
        if self.token.len() < 16 {
            return Err(invalid("city.token", "must be at least 16 characters"));
        }
        if !(1..=2000).contains(&self.batch) {
            return Err(invalid("city.batch", "must be between 1 and 2000"));
        }
        if self.heartbeat_seconds == 0 || self.poll_seconds == 0 {
            return Err(invalid(
                "city.heartbeat_seconds",
                "heartbeat_seconds and poll_seconds must be at least 1",
            ));
        }
        Ok(())
    }
}

/// The documented demo tokens, valid only for the built-in demo office.
pub const DEMO_TOKENS: [(&str, Role); 4] = [
    ("demo-kiosk-token", Role::Kiosk),
    ("demo-counter-token", Role::Counter),
    ("demo-display-token", Role::Display),
    ("demo-technician-token", Role::Technician),
];

/// A configuration problem, naming the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl fmt::Display, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_string(),
        message: message.into(),
    }
}

impl Config {
    /// The built-in demo office used when no configuration file is given.
    pub fn demo() -> Self {
        let service =
            |code: &str, prefix: &str, (vi, en): (&str, &str), examples: &[(&str, &str)]| {
                ServiceConfig {
                    code: code.to_owned(),
                    prefix: prefix.to_owned(),
                    name_vi: vi.to_owned(),
                    name_en: en.to_owned(),
                    daily_cap: None,
                    examples_vi: examples.iter().map(|(vi, _)| (*vi).to_owned()).collect(),
                    examples_en: examples.iter().map(|(_, en)| (*en).to_owned()).collect(),
                }
            };
        let counter = |number: u32, services: &[&str]| CounterConfig {
            number,
            name: None,
            services: services.iter().map(|s| (*s).to_owned()).collect(),
        };
        Config {
            office: Office {
                name: "UBND Phường Hoàn Kiếm (demo)".to_owned(),
                unit_code: "000.25.31.H26".to_owned(),
                timezone: default_timezone(),
            },
            hub: HubSection::default(),
            queue: QueueSection::default(),
            services: vec![
                service(
                    "hotich",
                    "A",
                    ("Hộ tịch", "Civil status"),
                    &[
                        ("Khai sinh", "Birth registration"),
                        ("Kết hôn", "Marriage"),
                        ("Khai tử", "Death registration"),
                    ],
                ),
                service(
                    "chungthuc",
                    "B",
                    ("Chứng thực", "Certification"),
                    &[
                        ("Sao y bản chính", "Certified copies"),
                        ("Chứng thực chữ ký", "Signatures"),
                        ("Hợp đồng, giao dịch", "Contracts"),
                    ],
                ),
                service(
                    "datdai",
                    "C",
                    ("Đất đai – Xây dựng", "Land and construction"),
                    &[
                        ("Cấp sổ đỏ", "Land use certificates"),
                        ("Giấy phép xây dựng", "Building permits"),
                    ],
                ),
                service(
                    "khac",
                    "D",
                    ("Lĩnh vực khác", "Other matters"),
                    &[
                        ("Xác nhận cư trú", "Residence confirmation"),
                        ("Bảo trợ xã hội", "Social support"),
                    ],
                ),
            ],
            counters: vec![
                counter(1, &["hotich"]),
                counter(2, &["hotich", "chungthuc"]),
                counter(3, &["chungthuc", "khac"]),
                counter(4, &["datdai", "khac"]),
            ],
            staff: demo_staff(),
            counter: CounterSection::default(),
            display: DisplaySection::default(),
            rating: RatingSection::default(),
            kiosk: KioskSection::default(),
            tokens: DEMO_TOKENS
                .iter()
                .map(|(token, role)| TokenConfig {
                    token: (*token).to_owned(),
                    role: *role,
                    name: Some(format!("demo-{}", role.as_str())),
                })
                .collect(),
            filing: FilingSection::default(),
            city: None,
            demo: true,
        }
    }

    /// Loads `path`, or the demo office when `path` is `None`.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::demo());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|err| match err {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates a configuration text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: PathBuf::new(),
            message: err.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks everything serde cannot: references, uniqueness, ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(city) = &self.city {
            city.validate()?;
        }
        if self.office.name.trim().is_empty() {
            return Err(invalid("office.name", "must not be empty"));
        }
        if self.office.unit_code.trim().is_empty() {
            return Err(invalid("office.unit_code", "must not be empty"));
        }
        if self.office.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid(
                "office.timezone",
                format!("unknown time zone {:?}", self.office.timezone),
            ));
        }
        let q = &self.queue;
        if q.daily_cap == 0 {
            return Err(invalid("queue.daily_cap", "must be at least 1"));
        }
        if q.start_number == 0 || q.start_number > 9999 {
            return Err(invalid("queue.start_number", "must be between 1 and 9999"));
        }
        if q.max_priority_in_row == 0 {
            return Err(invalid("queue.max_priority_in_row", "must be at least 1"));
        }
        if q.estimate_window == 0 {
            return Err(invalid("queue.estimate_window", "must be at least 1"));
        }
        let mut seen = BTreeSet::new();
        for (i, p) in q.priorities.iter().enumerate() {
            if !is_code(&p.code) {
                return Err(invalid(
                    format!("queue.priorities[{i}].code"),
                    "use lower-case letters, digits and _",
                ));
            }
            if !seen.insert(p.code.as_str()) {
                return Err(invalid(
                    format!("queue.priorities[{i}].code"),
                    format!("duplicate priority {:?}", p.code),
                ));
            }
        }
        if self.services.is_empty() {
            return Err(invalid("services", "at least one service is needed"));
        }
        let mut codes = BTreeSet::new();
        let mut prefixes = BTreeSet::new();
        for (i, s) in self.services.iter().enumerate() {
            if !is_code(&s.code) {
                return Err(invalid(
                    format!("services[{i}].code"),
                    "use lower-case letters, digits and _",
                ));
            }
            if !codes.insert(s.code.as_str()) {
                return Err(invalid(
                    format!("services[{i}].code"),
                    format!("duplicate service {:?}", s.code),
                ));
            }
            if s.prefix.len() != 1 || !s.prefix.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(invalid(
                    format!("services[{i}].prefix"),
                    "must be one upper-case letter A–Z",
                ));
            }
            if !prefixes.insert(s.prefix.as_str()) {
                return Err(invalid(
                    format!("services[{i}].prefix"),
                    format!("prefix {:?} is used twice", s.prefix),
                ));
            }
            if s.daily_cap == Some(0) {
                return Err(invalid(
                    format!("services[{i}].daily_cap"),
                    "must be at least 1",
                ));
            }
            if s.name_vi.trim().is_empty() {
                return Err(invalid(
                    format!("services[{i}].name_vi"),
                    "must not be empty",
                ));
            }
        }
        if self.counters.is_empty() {
            return Err(invalid("counters", "at least one counter is needed"));
        }
        let mut numbers = BTreeSet::new();
        for (i, c) in self.counters.iter().enumerate() {
            if c.number == 0 {
                return Err(invalid(
                    format!("counters[{i}].number"),
                    "must be at least 1",
                ));
            }
            if !numbers.insert(c.number) {
                return Err(invalid(
                    format!("counters[{i}].number"),
                    format!("counter {} is defined twice", c.number),
                ));
            }
            if c.services.is_empty() {
                return Err(invalid(
                    format!("counters[{i}].services"),
                    "a counter must serve at least one service",
                ));
            }
            for s in &c.services {
                if !codes.contains(s.as_str()) {
                    return Err(invalid(
                        format!("counters[{i}].services"),
                        format!("unknown service {s:?}"),
                    ));
                }
            }
        }
        self.validate_staff_and_apps()?;
        if self.kiosk.idle_timeout_seconds < 10 {
            return Err(invalid("kiosk.idle_timeout_seconds", "must be at least 10"));
        }
        if let Some(url) = &self.kiosk.hub_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "kiosk.hub_url",
                    "must start with http:// or https://",
                ));
            }
        }
        if let Some(hash) = &self.kiosk.technician_pin_hash {
            crate::pin::check_pin_hash(hash)
                .map_err(|m| invalid("kiosk.technician_pin_hash", m))?;
        }
        self.filing.validate()?;
        self.validate_tokens()
    }

    /// The token the kiosk's technician mode and `motcua diag` use for
    /// technician-only hub calls: `kiosk.technician_token`, or the first
    /// technician token.
    pub fn technician_token(&self) -> Option<String> {
        self.kiosk
            .technician_token
            .clone()
            .or_else(|| self.token_for(Role::Technician))
    }

    /// Whether the file holds secrets (tokens, PIN hashes) that must not
    /// be readable by every user of the machine.
    pub fn has_secrets(&self) -> bool {
        !self.tokens.is_empty()
            || !self.staff.is_empty()
            || self.kiosk.token.is_some()
            || self.kiosk.technician_token.is_some()
            || self.kiosk.technician_pin_hash.is_some()
            || self.counter.token.is_some()
            || self.display.token.is_some()
            || self.filing.portal_token.is_some()
    }

    /// The hub an app on this machine uses: `configured`, or the hub's own
    /// listen address (loopback when it listens on every address).
    pub fn local_hub_url(&self, configured: Option<&str>) -> String {
        if let Some(url) = configured {
            return url.trim_end_matches('/').to_owned();
        }
        let mut addr = self.hub.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let scheme = if self.hub.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{addr}")
    }

    /// The certificate authorities the apps on this machine trust for the
    /// hub (`kiosk.ca_file`, `counter.ca_file`, `display.ca_file`).
    pub fn hub_ca_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = [
            &self.kiosk.ca_file,
            &self.counter.ca_file,
            &self.display.ca_file,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        files.dedup();
        files
    }

    /// The priority categories as `GET /api/v1/priorities` lists them.
    pub fn priorities(&self) -> Vec<motcua_api::Priority> {
        self.queue
            .priorities
            .iter()
            .map(|p| motcua_api::Priority {
                code: p.code.clone(),
                name_vi: p.name_vi.clone(),
                name_en: p.name_en.clone(),
            })
            .collect()
    }

    /// The first token with `role`.
    pub fn token_for(&self, role: Role) -> Option<String> {
        self.tokens
            .iter()
            .find(|t| t.role == role)
            .map(|t| t.token.clone())
    }

    /// The officer with this code.
    pub fn staff_member(&self, code: &str) -> Option<&StaffConfig> {
        self.staff.iter().find(|s| s.code == code)
    }

    fn validate_staff_and_apps(&self) -> Result<(), ConfigError> {
        let mut codes = BTreeSet::new();
        for (i, s) in self.staff.iter().enumerate() {
            if !is_code(&s.code) {
                return Err(invalid(
                    format!("staff[{i}].code"),
                    "use lower-case letters, digits and _",
                ));
            }
            if !codes.insert(s.code.as_str()) {
                return Err(invalid(
                    format!("staff[{i}].code"),
                    format!("officer {:?} is defined twice", s.code),
                ));
            }
            if s.name.trim().is_empty() {
                return Err(invalid(format!("staff[{i}].name"), "must not be empty"));
            }
            if let Err(why) = crate::pin::check_pin_hash(&s.pin_hash) {
                return Err(invalid(format!("staff[{i}].pin_hash"), why));
            }
            for c in &s.counters {
                if !self.counters.iter().any(|k| k.number == *c) {
                    return Err(invalid(
                        format!("staff[{i}].counters"),
                        format!("there is no counter {c}"),
                    ));
                }
            }
        }
        if let Some(n) = self.counter.number {
            if !self.counters.iter().any(|k| k.number == n) {
                return Err(invalid(
                    "counter.number",
                    format!("there is no counter {n}"),
                ));
            }
        }
        for (key, url) in [
            ("counter.hub_url", &self.counter.hub_url),
            ("display.hub_url", &self.display.hub_url),
        ] {
            if let Some(url) = url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(invalid(key, "must start with http:// or https://"));
                }
            }
        }
        let d = &self.display;
        if !(1..=120).contains(&d.highlight_seconds) {
            return Err(invalid("display.highlight_seconds", "must be 1–120"));
        }
        if d.stale_after_seconds < d.highlight_seconds {
            return Err(invalid(
                "display.stale_after_seconds",
                "must be at least display.highlight_seconds",
            ));
        }
        let v = &d.voice;
        if !(1..=5).contains(&v.repeat) {
            return Err(invalid("display.voice.repeat", "must be 1–5"));
        }
        if !(0.0..=2.0).contains(&v.volume) {
            return Err(invalid(
                "display.voice.volume",
                "must be between 0.0 and 2.0",
            ));
        }
        if v.backend == VoiceBackend::Tts && v.tts_command.is_empty() {
            return Err(invalid(
                "display.voice.tts_command",
                "name a program, e.g. [\"espeak-ng\", \"-v\", \"vi\", \"--stdout\"]",
            ));
        }
        if v.backend == VoiceBackend::Clips && v.clips_dir.is_none() {
            return Err(invalid(
                "display.voice.clips_dir",
                "the clips backend needs a folder of clips",
            ));
        }
        let mut reasons = BTreeSet::new();
        for (i, r) in self.rating.reasons.iter().enumerate() {
            if !is_code(&r.code) {
                return Err(invalid(
                    format!("rating.reasons[{i}].code"),
                    "use lower-case letters, digits and _",
                ));
            }
            if !reasons.insert(r.code.as_str()) {
                return Err(invalid(
                    format!("rating.reasons[{i}].code"),
                    format!("reason {:?} is listed twice", r.code),
                ));
            }
        }
        if self.rating.window_minutes == 0 {
            return Err(invalid("rating.window_minutes", "must be at least 1"));
        }
        Ok(())
    }

    /// The token a kiosk uses: its own, or the first kiosk token.
    pub fn kiosk_token(&self) -> Option<String> {
        self.kiosk
            .token
            .clone()
            .or_else(|| self.token_for(Role::Kiosk))
    }

    fn validate_tokens(&self) -> Result<(), ConfigError> {
        if self.tokens.is_empty() {
            return Err(invalid(
                "tokens",
                "a configuration must name its own tokens (the demo tokens work only without a configuration file)",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, t) in self.tokens.iter().enumerate() {
            if !self.demo && DEMO_TOKENS.iter().any(|(demo, _)| *demo == t.token) {
                return Err(invalid(
                    format!("tokens[{i}].token"),
                    "the documented demo tokens are not allowed in a real configuration",
                ));
            }
            if !self.demo && t.token.len() < 16 {
                return Err(invalid(
                    format!("tokens[{i}].token"),
                    "a token must be at least 16 characters",
                ));
            }
            if !seen.insert(t.token.as_str()) {
                return Err(invalid(format!("tokens[{i}].token"), "token used twice"));
            }
        }
        Ok(())
    }

    /// The office time zone (validated at load).
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.office
            .timezone
            .parse()
            .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
    }

    /// The service with this code.
    pub fn service(&self, code: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.code == code)
    }

    /// The daily cap for a service, its own or the queue-wide one.
    pub fn daily_cap(&self, service: &ServiceConfig) -> u32 {
        service.daily_cap.unwrap_or(self.queue.daily_cap)
    }
}

/// A configuration file with secrets that other users can read (or
/// change): what to log at start, naming the file and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionWarning {
    pub path: PathBuf,
    /// The file's permission bits, e.g. `0o644`.
    pub mode: u32,
    pub world_writable: bool,
}

impl PermissionWarning {
    /// The sentence for the log (Vietnamese, then English).
    pub fn message(&self) -> String {
        let p = self.path.display();
        format!(
            "tệp cấu hình {p} chứa mã truy cập/mã PIN nhưng ai trên máy cũng đọc được (quyền {:04o}); \
             sửa: sudo chown root:motcua {p} && sudo chmod 640 {p} / \
             configuration file {p} holds tokens or PIN hashes but is {} by every user (mode {:04o}); \
             fix: sudo chown root:motcua {p} && sudo chmod 640 {p}",
            self.mode,
            if self.world_writable { "readable and writable" } else { "readable" },
            self.mode,
        )
    }
}

/// Checks that a configuration file holding secrets is not world-readable.
/// `None` when it is fine (or holds no secret, or cannot be inspected).
pub fn permission_warning(path: &Path, config: &Config) -> Option<PermissionWarning> {
    use std::os::unix::fs::PermissionsExt;
    if !config.has_secrets() {
        return None;
    }
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o006 != 0).then(|| PermissionWarning {
        path: path.to_owned(),
        mode,
        world_writable: mode & 0o002 != 0,
    })
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_office_is_valid() {
        Config::demo().validate().unwrap();
    }

    #[test]
    fn example_file_in_packaging_is_valid() {
        let text = include_str!("../packaging/motcua.toml");
        let config = Config::from_toml(text).unwrap();
        assert!(!config.demo);
        assert_eq!(config.services.len(), 4);
    }

    #[test]
    fn errors_name_the_key() {
        let text = include_str!("../packaging/motcua.toml")
            .replace("services = [\"hotich\"]", "services = [\"nosuch\"]");
        let err = Config::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("counters[0].services"), "{err}");
        assert!(err.contains("nosuch"), "{err}");
    }

    /// #14 item 22: a file naming only the office, its services and
    /// counters, its tokens and the portal loads, and every other key has
    /// the value `packaging/motcua.toml` documents.
    #[test]
    fn a_minimal_file_gets_the_documented_defaults() {
        let minimal = r#"
[office]
name = "UBND Xã Thử nghiệm"
unit_code = "000.25.31.H99"

[[services]]
code = "hotich"
prefix = "A"
name_vi = "Hộ tịch"
name_en = "Civil status"

[[counters]]
number = 1
services = ["hotich"]

[[tokens]]
token = "kiosk-token-of-this-office-7f3a"
role = "kiosk"
name = "kiosk-1"

[[tokens]]
token = "technician-token-of-this-office-c41d"
role = "technician"
name = "technician"

[filing]
portal_url = "https://dichvucong.example.gov.vn/api"
"#;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("motcua.toml");
        std::fs::write(&path, minimal).unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.office.timezone, "Asia/Ho_Chi_Minh");
        let documented = Config::from_toml(include_str!("../packaging/motcua.toml")).unwrap();
        let json = |v: &dyn erased::Section| v.json();
        let mut hub = json(&config.hub);
        // The example serves HTTPS: certificates are the office's own.
        hub["tls"] = json(&documented.hub.tls);
        for (name, got, want) in [
            ("hub", hub, json(&documented.hub)),
            ("queue", json(&config.queue), json(&documented.queue)),
            ("rating", json(&config.rating), json(&documented.rating)),
            (
                "display.voice",
                json(&config.display.voice),
                json(&documented.display.voice),
            ),
        ] {
            assert_eq!(
                got, want,
                "[{name}] defaults differ from packaging/motcua.toml"
            );
        }
        assert_eq!(config.display.notice, documented.display.notice);
        assert_eq!(
            config.display.highlight_seconds,
            documented.display.highlight_seconds
        );
        assert_eq!(
            config.display.stale_after_seconds,
            documented.display.stale_after_seconds
        );
        let mut filing = json(&config.filing);
        let mut want = json(&documented.filing);
        for v in [&mut filing, &mut want] {
            // The office's own: where results are collected, the portal.
            v["collect_at"] = serde_json::Value::Null;
            v["portal_url"] = serde_json::Value::Null;
        }
        assert_eq!(
            filing, want,
            "[filing] defaults differ from packaging/motcua.toml"
        );
    }

    /// Any section as JSON, to compare sections field by field.
    mod erased {
        pub trait Section {
            fn json(&self) -> serde_json::Value;
        }
        impl<T: serde::Serialize> Section for T {
            fn json(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap()
            }
        }
    }

    #[test]
    fn real_configuration_refuses_demo_tokens() {
        let text = include_str!("../packaging/motcua.toml").replacen(
            "CHANGE-ME-kiosk-0123456789",
            "demo-kiosk-token",
            1,
        );
        let err = Config::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("tokens[0].token"), "{err}");
    }

    #[test]
    fn filing_defaults_and_checks() {
        let config = Config::demo();
        let hours = config.filing.office_hours();
        assert_eq!(hours.same_day_cutoff.to_string(), "15:00:00");
        let example = Config::from_toml(include_str!("../packaging/motcua.toml")).unwrap();
        assert_eq!(example.filing.retention_days, 30);
        assert_eq!(
            example.filing.portal_http_url().as_deref(),
            Some("https://dichvucong.example.gov.vn")
        );
        assert!(!example.filing.training());
        let mut training = Config::demo();
        training.filing.portal_url = Some(SANDBOX_PORTAL.into());
        training.validate().unwrap();
        assert!(training.filing.training());
        assert_eq!(training.filing.portal_http_url(), None);
        let mut bad = Config::demo();
        bad.filing.same_day_cutoff = "18:00".into();
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("filing.same_day_cutoff"), "{err}");
        let mut bad = Config::demo();
        bad.filing.portal_url = Some("ftp://x".into());
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("filing.portal_url"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = format!(
            "{}\n[extra]\nx = 1\n",
            include_str!("../packaging/motcua.toml")
        );
        let err = Config::from_toml(&text).unwrap_err().to_string();
        assert!(err.contains("extra"), "{err}");
    }
}

#[cfg(test)]
mod kiosk_tests {
    use super::*;

    #[test]
    fn a_printer_can_be_named_by_usb_id() {
        let text = include_str!("../packaging/motcua.toml").replace(
            "port = \"/dev/motcua-printer\"",
            "port = { usb = \"0416:5011\", serial = \"A1B2\" }",
        );
        let config = Config::from_toml(&text).unwrap();
        let printer = config.kiosk.printer.unwrap();
        assert_eq!(printer.serial.port.to_string(), "usb:0416:5011/A1B2");
        assert_eq!(printer.profile.text_mode.as_str(), "tcvn3");
    }

    #[test]
    fn the_demo_kiosk_uses_the_embedded_hub_and_the_demo_token() {
        let config = Config::demo();
        assert!(config.kiosk.hub_url.is_none());
        assert!(config.kiosk.printer.is_none());
        assert_eq!(config.kiosk_token().as_deref(), Some("demo-kiosk-token"));
    }
}
