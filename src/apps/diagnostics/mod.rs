//! Technician diagnostics: every check the kiosk's technician screens and
//! `motcua diag` show, as one library.
//!
//! ## For the UI and the CLI
//!
//! Build [`Sources`] (what to look at: the kiosk's own printer and scanner
//! monitor, or ports named on the command line; the hub; the portal; a
//! local database file; the configuration), wrap them in [`Diagnostics`],
//! then:
//!
//! - [`Diagnostics::run_all`] → a [`Report`] of every [`Check`];
//! - [`Diagnostics::run`] → one [`CheckResult`] (e.g. the printer's status
//!   bits, refreshed live by the UI);
//! - [`Diagnostics::act`] → a technician [`Action`]: test print, code-page
//!   probe page, paper feed and cut, outbox "retry now";
//! - [`Diagnostics::bundle`] → a support bundle (`.tar`, see [`bundle`]),
//!   written to a USB stick or [`Diagnostics::upload_bundle`]ed to the hub.
//!
//! Every check returns `{name, status: pass|warn|fail, summary_vi,
//! summary_en, details, duration_ms}`. Nothing here touches a widget; the
//! async functions run on the caller's tokio runtime (device I/O goes to
//! its blocking pool).
//!
//! ## Layout
//!
//! - `report`: [`Check`], [`CheckResult`], [`Status`], [`Report`],
//!   [`Action`] — what a check says.
//! - [`checks`]: pure — observations to results; unit-tested.
//! - [`privacy`]: masking of ID numbers, scanner frames, configuration
//!   secrets.
//! - [`log_ring`]: the last log lines, a `tracing` layer.
//! - [`scanner`]: the last scanner frame, masked.
//! - [`events`]: device faults and recoveries reported to the hub.
//! - [`pin`]: the technician PIN gate and argon2id hashes.
//! - [`bundle`]: the support bundle.

pub mod bundle;
pub mod checks;
pub mod events;
pub mod log_ring;
pub mod pin;
pub mod privacy;
mod report;
pub mod scanner;

pub use report::{Action, Check, CheckResult, Report, Status};

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use motcua_drivers::discovery::PortInfo;
use motcua_drivers::{Printer, Receipt, ScannerProfile, SerialSettings};

use self::checks::Reach;
use self::log_ring::LogRing;
use self::scanner::ScannerMonitor;
use crate::apps::hub_client::{HubClient, HubError};
use crate::config::Config;

/// A printer shared with the app that prints on it (the kiosk's
/// `TicketPrinter`, or one opened for the command line).
pub type SharedPrinter = Arc<Mutex<dyn Printer>>;

/// The printer to check.
#[derive(Clone)]
pub struct PrinterSource {
    pub printer: SharedPrinter,
    /// For people: the port and text mode, or "emulator /dev/pts/3".
    pub description: String,
    /// Paper width, for the probe page.
    pub paper: motcua_drivers::Paper,
}

/// The scanner to check.
#[derive(Clone)]
pub enum ScannerSource {
    /// The kiosk's own scanner, watched by its reading thread.
    Monitor {
        monitor: ScannerMonitor,
        description: String,
    },
    /// A port to open (the command line): a frame read within `wait` is
    /// shown, masked.
    Port {
        settings: SerialSettings,
        profile: ScannerProfile,
        wait: Duration,
    },
}

/// A hub to ask: its base URL and a token (technician for the outbox,
/// diagnostics and retry; any role for health).
#[derive(Clone, Debug)]
pub struct HubTarget {
    pub client: HubClient,
}

/// The public service portal: its base URL and token.
#[derive(Clone, Debug)]
pub struct PortalTarget {
    pub url: String,
    pub token: Option<String>,
}

/// What the checks look at. Missing parts are skipped (a pass that says
/// so), not failed: a hub machine has no printer.
#[derive(Clone)]
pub struct Sources {
    pub config: Arc<Config>,
    pub config_path: Option<PathBuf>,
    /// Lists serial ports (`discovery::list_ports`; tests fake it).
    pub ports: Arc<dyn Fn() -> Vec<PortInfo> + Send + Sync>,
    pub printer: Option<PrinterSource>,
    pub scanner: Option<ScannerSource>,
    pub hub: Option<HubTarget>,
    pub portal: Option<PortalTarget>,
    /// A database file on this machine (the hub's, or the kiosk's
    /// embedded hub's).
    pub database: Option<PathBuf>,
    pub log: LogRing,
    /// This machine's name in reports and bundles.
    pub machine: String,
}

impl Sources {
    /// Nothing but the configuration and the process's log ring.
    pub fn new(config: Arc<Config>, config_path: Option<PathBuf>) -> Self {
        let machine = config.kiosk.name.clone().unwrap_or_else(host_name);
        Self {
            config,
            config_path,
            ports: Arc::new(motcua_drivers::discovery::list_ports),
            printer: None,
            scanner: None,
            hub: None,
            portal: None,
            database: None,
            log: LogRing::global().clone(),
            machine,
        }
    }
}

impl Sources {
    /// What the kiosk's technician screens check: the kiosk's own printer
    /// (shared with ticket printing) and scanner monitor, its hub (with the
    /// technician token when configured), the local database of an
    /// embedded hub, and the portal (`filing.portal_url`, or the embedded
    /// hub's sandbox URL).
    pub fn kiosk(
        config: Arc<Config>,
        config_path: Option<PathBuf>,
        printer: &Arc<Mutex<crate::apps::devices::TicketPrinter>>,
        scanner: Option<(ScannerMonitor, String)>,
        hub_url: &str,
        database: Option<PathBuf>,
        portal_url: Option<String>,
    ) -> Self {
        let mut s = Self::new(Arc::clone(&config), config_path);
        let (description, columns) = {
            let p = lock(printer);
            (p.description().to_owned(), p.columns())
        };
        let shared: SharedPrinter = printer.clone();
        s.printer = Some(PrinterSource {
            printer: shared,
            description,
            paper: if columns <= 32 {
                motcua_drivers::Paper::Mm58
            } else {
                motcua_drivers::Paper::Mm80
            },
        });
        s.scanner = scanner.map(|(monitor, description)| ScannerSource::Monitor {
            monitor,
            description,
        });
        let token = config
            .technician_token()
            .or_else(|| config.kiosk_token())
            .unwrap_or_default();
        s.hub = Some(HubTarget {
            client: HubClient::new(hub_url, &token),
        });
        s.database = database;
        s.portal = portal_url
            .or_else(|| config.filing.portal_http_url())
            .map(|url| PortalTarget {
                url,
                token: config.filing.portal_token.clone(),
            });
        s
    }
}

/// The machine's host name (`/etc/hostname`), or `motcua`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "motcua".to_owned())
}

/// Log lines a report carries.
pub const LOG_LINES: usize = 200;
/// How long a reachability probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs checks and actions over [`Sources`]. Cheap to clone.
#[derive(Clone)]
pub struct Diagnostics {
    sources: Arc<Sources>,
    http: reqwest::Client,
}

impl Diagnostics {
    pub fn new(sources: Sources) -> Self {
        // The hub's probes trust the office CA, like the apps.
        let http = crate::apps::hub_client::http_builder(&[])
            .connect_timeout(Duration::from_secs(3))
            .timeout(PROBE_TIMEOUT)
            .build()
            .expect("a plain HTTP client always builds");
        Self {
            sources: Arc::new(sources),
            http,
        }
    }

    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Every check, concurrently; results in [`Check::ALL`] order.
    pub async fn run_all(&self) -> Report {
        let runs = Check::ALL.map(|c| self.run(c));
        let checks = futures_util::future::join_all(runs).await;
        Report::new(&self.sources.machine, checks)
    }

    /// One check, timed.
    pub async fn run(&self, check: Check) -> CheckResult {
        let started = Instant::now();
        let mut result = self.evaluate(check).await;
        result.duration_ms = started.elapsed().as_millis() as u64;
        result
    }

    async fn evaluate(&self, check: Check) -> CheckResult {
        let s = &self.sources;
        match check {
            Check::Version => checks::version(),
            Check::Configuration => {
                let permission = s
                    .config_path
                    .as_deref()
                    .and_then(|p| crate::config::permission_warning(p, &s.config));
                checks::configuration(
                    s.config_path.as_deref(),
                    s.config.demo,
                    &privacy::mask_config(&s.config),
                    permission.as_ref(),
                )
            }
            Check::SerialPorts => {
                let ports = Arc::clone(&s.ports);
                match tokio::task::spawn_blocking(move || ports()).await {
                    Ok(list) => checks::serial_ports(&list),
                    Err(_) => checks::serial_ports(&[]),
                }
            }
            Check::Printer => match &s.printer {
                None => checks::skipped(
                    check,
                    "không có máy in được cấu hình",
                    "no printer configured",
                ),
                Some(p) => {
                    let printer = Arc::clone(&p.printer);
                    let status = blocking(move || lock(&printer).status()).await;
                    match status {
                        Some(status) => checks::printer(&p.description, &status),
                        None => checks::skipped(check, "lỗi nội bộ", "internal error"),
                    }
                }
            },
            Check::Scanner => match &s.scanner {
                None => checks::skipped(
                    check,
                    "không có đầu đọc được cấu hình",
                    "no scanner configured",
                ),
                Some(ScannerSource::Monitor {
                    monitor,
                    description,
                }) => checks::scanner(description, &monitor.snapshot()),
                Some(ScannerSource::Port {
                    settings,
                    profile,
                    wait,
                }) => {
                    let (settings, profile, wait) = (settings.clone(), profile.clone(), *wait);
                    let description = settings.port.to_string();
                    let opened = blocking(move || {
                        use motcua_drivers::Scanner;
                        let mut scanner = motcua_drivers::SerialScanner::open(settings, &profile)?;
                        scanner.read_line(wait)
                    })
                    .await;
                    match opened {
                        Some(opened) => checks::scanner_port(&description, &opened),
                        None => checks::skipped(check, "lỗi nội bộ", "internal error"),
                    }
                }
            },
            Check::Hub => match &s.hub {
                None => checks::skipped(check, "không có máy chủ", "no hub"),
                Some(hub) => {
                    let url = format!("{}/api/v1/health", hub.client.base_url());
                    checks::hub(&self.reach(&url, Some(hub.client.token())).await)
                }
            },
            Check::Portal if s.config.filing.training() => checks::portal_sandbox(),
            Check::Portal => match &s.portal {
                None => checks::skipped(
                    check,
                    "không cấu hình cổng dịch vụ công (máy chủ dùng cổng thử nghiệm nội bộ)",
                    "no portal configured (the hub uses its in-process sandbox)",
                ),
                Some(p) => {
                    let url = format!("{}/api/v1/health", p.url.trim_end_matches('/'));
                    checks::portal(&self.reach(&url, p.token.as_deref()).await)
                }
            },
            Check::Outbox => self.outbox().await,
            Check::Database => self.database().await,
            Check::Log => checks::log(&s.log.last(LOG_LINES)),
        }
    }

    /// `GET url`, timed.
    async fn reach(&self, url: &str, token: Option<&str>) -> Reach {
        let started = Instant::now();
        let mut req = self.http.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let (outcome, body) = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let body = resp.json::<serde_json::Value>().await.unwrap_or_default();
                (Ok(status), body)
            }
            Err(err) => (Err(err.to_string()), serde_json::Value::Null),
        };
        Reach {
            url: url.to_owned(),
            latency: started.elapsed(),
            outcome,
            body,
        }
    }

    /// The hub's diagnostics (`GET /api/v1/diagnostics`, technician).
    async fn hub_diagnostics(&self) -> Option<Result<motcua_api::HubDiagnostics, HubError>> {
        let hub = self.sources.hub.as_ref()?;
        Some(hub.client.diagnostics().await)
    }

    async fn outbox(&self) -> CheckResult {
        let now = chrono::Utc::now();
        // The local database first: it answers even when the hub is down.
        if let Some(path) = self.local_database() {
            let read = blocking(move || {
                let conn = crate::store::open_connection(&path, true)?;
                crate::store::dossiers::outbox_summary(&conn)
            })
            .await;
            if let Some(Ok(summary)) = read {
                return checks::outbox(&summary, now, "database");
            }
        }
        match self.hub_diagnostics().await {
            None => checks::skipped(Check::Outbox, "không có máy chủ", "no hub"),
            Some(Ok(d)) => checks::outbox(&d.outbox, now, "hub"),
            Some(Err(err)) => hub_refused(Check::Outbox, &err),
        }
    }

    fn local_database(&self) -> Option<PathBuf> {
        self.sources.database.clone().filter(|p| p.exists())
    }

    async fn database(&self) -> CheckResult {
        if let Some(path) = self.local_database() {
            return match blocking(move || crate::store::inspect::report_file(&path)).await {
                Some(Ok(report)) => checks::database(&report, "file"),
                Some(Err(err)) => CheckResult {
                    name: Check::Database.as_str().to_owned(),
                    status: Status::Fail,
                    summary_vi: format!("Không mở được cơ sở dữ liệu: {err}"),
                    summary_en: format!("Cannot open the database: {err}"),
                    details: serde_json::json!({ "error": err.to_string() }),
                    duration_ms: 0,
                },
                None => checks::skipped(Check::Database, "lỗi nội bộ", "internal error"),
            };
        }
        if let Some(path) = &self.sources.database {
            if self.sources.hub.is_none() {
                return CheckResult {
                    name: Check::Database.as_str().to_owned(),
                    status: Status::Fail,
                    summary_vi: format!("Không có tệp cơ sở dữ liệu {}", path.display()),
                    summary_en: format!("Database file {} not found", path.display()),
                    details: serde_json::json!({ "path": path.display().to_string() }),
                    duration_ms: 0,
                };
            }
        }
        match self.hub_diagnostics().await {
            None => checks::skipped(
                Check::Database,
                "không có cơ sở dữ liệu trên máy này",
                "no database on this machine",
            ),
            Some(Ok(d)) => checks::database(&d.database, "hub"),
            Some(Err(err)) => hub_refused(Check::Database, &err),
        }
    }

    /// A technician action, timed; its result names the action.
    pub async fn act(&self, action: Action) -> CheckResult {
        let started = Instant::now();
        let mut result = self.perform(action).await;
        result.name = action.as_str().to_owned();
        result.duration_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            action = action.as_str(),
            status = result.status.as_str(),
            "technician action"
        );
        result
    }

    async fn perform(&self, action: Action) -> CheckResult {
        if action == Action::RetryOutbox {
            let Some(hub) = &self.sources.hub else {
                return checks::skipped(Check::Outbox, "không có máy chủ", "no hub");
            };
            let key = format!("retry-{}", uuid::Uuid::new_v4());
            return match hub.client.retry_outbox(&key).await {
                Ok(answer) => {
                    let pending = answer.outbox.pending;
                    CheckResult {
                        name: String::new(),
                        status: Status::Pass,
                        summary_vi: format!("Đã yêu cầu gửi lại ngay {pending} hồ sơ"),
                        summary_en: format!("Asked to retry {pending} dossiers now"),
                        details: serde_json::to_value(&answer).unwrap_or_default(),
                        duration_ms: 0,
                    }
                }
                Err(err) => hub_refused(Check::Outbox, &err),
            };
        }
        let Some(p) = &self.sources.printer else {
            return checks::skipped(
                Check::Printer,
                "không có máy in được cấu hình",
                "no printer configured",
            );
        };
        let printer = Arc::clone(&p.printer);
        let paper = p.paper;
        let (what_vi, what_en) = match action {
            Action::TestPrint => ("phiếu mẫu", "the sample ticket"),
            Action::ProbePrint => ("trang dò bảng mã", "the code-page probe page"),
            _ => ("lệnh đẩy giấy và cắt", "feed and cut"),
        };
        let outcome = blocking(move || {
            let mut printer = lock(&printer);
            match action {
                Action::TestPrint => {
                    printer.print(&motcua_drivers::printer::samples::queue_ticket())
                }
                Action::ProbePrint => {
                    printer.print_bytes(&motcua_drivers::printer::probe::probe_job(
                        paper,
                        &motcua_drivers::printer::probe::DEFAULT_CANDIDATES,
                    ))
                }
                _ => printer.print(&Receipt::new().feed(3).cut()),
            }
        })
        .await;
        match outcome {
            Some(outcome) => checks::print_action(action.as_str(), what_vi, what_en, &outcome),
            None => checks::skipped(Check::Printer, "lỗi nội bộ", "internal error"),
        }
    }

    /// A support bundle of `report` (see [`bundle`]).
    pub fn bundle(&self, report: &Report) -> Result<Vec<u8>, bundle::BundleError> {
        bundle::build(
            &self.sources.config,
            self.sources.config_path.as_deref(),
            &self.sources.log,
            report,
            &[],
        )
    }

    /// Uploads a bundle to the hub (`POST /api/v1/support-bundles`).
    pub async fn upload_bundle(&self, bytes: Vec<u8>) -> Result<motcua_api::BundleInfo, HubError> {
        let hub = self
            .sources
            .hub
            .as_ref()
            .ok_or_else(|| HubError::Unreachable("no hub configured".to_owned()))?;
        hub.client.upload_bundle(bytes).await
    }
}

fn hub_refused(check: Check, err: &HubError) -> CheckResult {
    let vi = match err {
        HubError::Unreachable(_) => "không kết nối được".to_owned(),
        HubError::Refused {
            status: 401 | 403, ..
        } => "cần mã truy cập kỹ thuật viên (--token, kiosk.technician_token)".to_owned(),
        HubError::Refused { message_vi, .. } => message_vi.clone(),
        HubError::BadAnswer(_) => "máy chủ trả lời không đúng".to_owned(),
    };
    let en = match err {
        HubError::Refused {
            status: 401 | 403, ..
        } => format!("{err} (a technician token is needed: --token, kiosk.technician_token)"),
        _ => err.to_string(),
    };
    CheckResult {
        name: check.as_str().to_owned(),
        status: Status::Fail,
        summary_vi: format!("Không hỏi được máy chủ: {vi}"),
        summary_en: format!("Cannot ask the hub: {}", privacy::redact(&en)),
        details: serde_json::json!({ "error": privacy::redact(&err.to_string()), "code": err.code() }),
        duration_ms: 0,
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs device I/O on the blocking pool; `None` if it panicked.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    tokio::task::spawn_blocking(f).await.ok()
}
