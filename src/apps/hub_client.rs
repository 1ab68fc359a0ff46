//! The apps' HTTP client for the hub's `/api/v1`.
//!
//! Every app reaches the hub only through this client, whether the hub runs
//! in-process (the kiosk's embedded default) or on the office LAN: one code
//! path. Changes carry an `Idempotency-Key` chosen by the caller, and
//! [`HubClient::post_retrying`] repeats a request with the same key until the
//! hub answers, so a retry after a lost answer never makes a second ticket.

use std::time::Duration;

use motcua_api::{
    BundleInfo, Calls, CallsQuery, CatalogueView, CounterState, CounterView, DeviceEventRequest,
    DeviceReport, DossierView, ErrorBody, ErrorCode, FieldErrors, FileRequest, FiledDossier,
    Health, HubDiagnostics, IssueRequest, OutboxRetry, PrintStatus, PrintStatusRequest, Priority,
    QueueView, RateRequest, RatingLookup, RatingOptions, RatingView, SignInRequest, SignedIn,
    TicketSelector, TicketView, TransferRequest,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What went wrong talking to the hub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// The hub could not be reached (network, timeout, hub restarting).
    #[error("cannot reach the hub: {0}")]
    Unreachable(String),
    /// The hub refused the request with its JSON error.
    #[error("{status} {code}: {message_en}")]
    Refused {
        status: u16,
        code: ErrorCode,
        message_vi: String,
        message_en: String,
        /// Per-field messages of a refused form (`422 invalid_form`).
        fields: FieldErrors,
    },
    /// The hub answered something this client does not understand.
    #[error("unexpected answer from the hub: {0}")]
    BadAnswer(String),
}

impl HubError {
    /// A sentence for the citizen, in Vietnamese or English.
    pub fn message(&self, english: bool) -> String {
        match (self, english) {
            (HubError::Refused { message_vi, .. }, false) => message_vi.clone(),
            (HubError::Refused { message_en, .. }, true) => message_en.clone(),
            (HubError::Unreachable(_), false) => {
                "Máy chưa kết nối được với hệ thống của bộ phận một cửa. Xin thử lại, hoặc hỏi cán bộ tại quầy.".to_owned()
            }
            (HubError::Unreachable(_), true) => {
                "The kiosk cannot reach the office system. Please try again, or ask at a counter.".to_owned()
            }
            (HubError::BadAnswer(_), false) => "Hệ thống trả lời không đúng. Xin hỏi cán bộ tại quầy.".to_owned(),
            (HubError::BadAnswer(_), true) => "The office system gave an unexpected answer. Please ask at a counter.".to_owned(),
        }
    }

    /// Worth retrying with the same idempotency key.
    pub fn is_transient(&self) -> bool {
        match self {
            HubError::Unreachable(_) => true,
            HubError::Refused { status, .. } => *status >= 500,
            HubError::BadAnswer(_) => false,
        }
    }

    /// The hub's error code, when it refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            HubError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// The office's certificate authorities this process trusts for an
/// `https://` hub (`kiosk.ca_file`, `counter.ca_file`, `display.ca_file`),
/// set once at start-up by [`trust_office_ca`].
static OFFICE_CA: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();

/// Reads the office CA files (PEM) every hub client of this process trusts
/// from now on, besides the usual public roots. Call it once, before any
/// client is made; later calls change nothing.
pub fn trust_office_ca(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut roots = Vec::new();
    for file in files {
        roots.extend(read_ca(file)?);
    }
    let _ = OFFICE_CA.set(roots);
    Ok(())
}

/// The certificates of a PEM file (an office CA).
pub fn read_ca(file: &std::path::Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    use anyhow::Context;
    let pem = std::fs::read(file).with_context(|| format!("ca_file {}", file.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("ca_file {}: not PEM certificates", file.display()))?;
    if certs.is_empty() {
        anyhow::bail!("ca_file {}: no certificate in the file", file.display());
    }
    Ok(certs)
}

/// A builder of HTTP clients for the hub: rustls, trusting the office CA
/// ([`trust_office_ca`]) and `extra`.
pub fn http_builder(extra: &[reqwest::Certificate]) -> reqwest::ClientBuilder {
    // The hub tells the city which version each kiosk runs by this.
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")));
    for cert in OFFICE_CA.get().into_iter().flatten().chain(extra) {
        builder = builder.add_root_certificate(cert.clone());
    }
    builder
}

/// A client bound to one hub and one token.
#[derive(Clone)]
pub struct HubClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl HubClient {
    /// `base` is `http://host:port` or `https://host:port`; an HTTPS hub's
    /// certificate is checked against the office CA ([`trust_office_ca`]).
    pub fn new(base: &str, token: &str) -> Self {
        Self::trusting(base, token, &[])
    }

    /// A client that also trusts `roots` (an office CA, [`read_ca`]).
    pub fn trusting(base: &str, token: &str, roots: &[reqwest::Certificate]) -> Self {
        let http = http_builder(roots)
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client with parsed certificates always builds");
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The bearer token this client sends.
    pub fn token(&self) -> &str {
        &self.token
    }

    async fn answer<T: DeserializeOwned>(
        resp: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<Option<T>, HubError> {
        let resp = resp.map_err(|e| HubError::Unreachable(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| HubError::Unreachable(e.to_string()))?;
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| HubError::BadAnswer(e.to_string()));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) => Err(HubError::Refused {
                status: status.as_u16(),
                code: e.code,
                message_vi: e.message_vi,
                message_en: e.message_en,
                fields: e.fields.unwrap_or_default(),
            }),
            Err(_) if status.is_server_error() => {
                Err(HubError::Unreachable(format!("HTTP {status}")))
            }
            Err(_) => Err(HubError::BadAnswer(format!("HTTP {status}"))),
        }
    }

    /// `GET path`, decoded.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, HubError> {
        self.fetch(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// `GET path?query` (`query`, a struct, as a query string), decoded.
    pub async fn get_with<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T, HubError> {
        self.fetch(self.http.get(format!("{}{path}", self.base)).query(query))
            .await
    }

    async fn fetch<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, HubError> {
        let resp = req.bearer_auth(&self.token).send().await;
        Self::answer(resp)
            .await?
            .ok_or_else(|| HubError::BadAnswer("empty answer".to_owned()))
    }

    /// `POST path` once; `None` for `204 No Content`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
        key: &str,
    ) -> Result<Option<T>, HubError> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key);
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::answer(req.send().await).await
    }

    /// `POST` with the same key until the hub answers (at most `attempts`
    /// times, backing off), or refuses for good.
    pub async fn post_retrying<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: Option<&B>,
        key: &str,
        attempts: u32,
    ) -> Result<Option<T>, HubError> {
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            match self.post(path, body, key).await {
                Err(err) if err.is_transient() && attempt < attempts => {
                    tracing::warn!(%err, attempt, path, "hub request failed; retrying with the same key");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(3));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    pub async fn queue(&self) -> Result<QueueView, HubError> {
        self.get("/api/v1/queue").await
    }

    pub async fn priorities(&self) -> Result<Vec<Priority>, HubError> {
        self.get("/api/v1/priorities").await
    }

    /// The hub's health, with each kiosk's devices.
    pub async fn health(&self) -> Result<Health, HubError> {
        self.get("/api/v1/health").await
    }

    /// The latest `limit` calls of the day (1–50).
    pub async fn calls(&self, limit: u32) -> Result<Calls, HubError> {
        let query = CallsQuery { limit: Some(limit) };
        self.get_with("/api/v1/calls", &query).await
    }

    /// Today's tickets the kiosk could not print, for a reprint.
    pub async fn print_failed(&self) -> Result<Vec<TicketView>, HubError> {
        self.get("/api/v1/tickets/print-failed").await
    }

    /// Issues a ticket; retried with `key` on transient failures.
    pub async fn issue_ticket(
        &self,
        service: &str,
        priority: Option<&str>,
        key: &str,
    ) -> Result<TicketView, HubError> {
        let body = IssueRequest {
            service: service.to_owned(),
            priority: priority.map(str::to_owned),
        };
        self.post_retrying("/api/v1/tickets", Some(&body), key, 4)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no ticket in the answer".to_owned()))
    }

    /// The procedure catalogue with each form.
    pub async fn procedures(&self) -> Result<CatalogueView, HubError> {
        self.get("/api/v1/procedures").await
    }

    /// Files a dossier, retried with `key` until the hub answers.
    pub async fn file_dossier(
        &self,
        body: &FileRequest,
        key: &str,
    ) -> Result<FiledDossier, HubError> {
        self.post_retrying("/api/v1/dossiers", Some(body), key, 8)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no dossier in the answer".to_owned()))
    }

    /// A dossier's status and timeline, by its full code or by the short
    /// code on its receipt (last 4 digits and the date, `0007 26/11`).
    pub async fn dossier(&self, code: &str) -> Result<DossierView, HubError> {
        // The short code on the receipt: `0007 26/11`.
        if let Some(short) = crate::domain::dossier::ShortCode::parse_typed(code) {
            let year = short.year.map(|y| format!("%2F{y}")).unwrap_or_default();
            return self
                .get(&format!(
                    "/api/v1/dossiers?number={:04}&date={:02}%2F{:02}{year}",
                    short.sequence, short.day, short.month
                ))
                .await;
        }
        let encoded: String = code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            .collect();
        self.get(&format!("/api/v1/dossiers/{encoded}")).await
    }

    /// Tells the hub what the printer did with a ticket (`failure`: the
    /// device error kind).
    pub async fn report_print(
        &self,
        ticket: i64,
        failure: Option<&str>,
        key: &str,
    ) -> Result<TicketView, HubError> {
        let body = PrintStatusRequest {
            status: match failure {
                None => PrintStatus::Printed,
                Some(_) => PrintStatus::PrintFailed,
            },
            reason: failure.map(str::to_owned),
        };
        self.post_retrying(
            &format!("/api/v1/tickets/{ticket}/print-status"),
            Some(&body),
            key,
            4,
        )
        .await?
        .ok_or_else(|| HubError::BadAnswer("no ticket in the answer".to_owned()))
    }

    /// Signs an officer in at a counter (the counter device's token).
    pub async fn sign_in(&self, body: &SignInRequest, key: &str) -> Result<SignedIn, HubError> {
        self.post("/api/v1/staff/sign-in", Some(body), key)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no session".to_owned()))
    }

    /// Ends the caller's officer session.
    pub async fn sign_out(&self, key: &str) -> Result<(), HubError> {
        self.post::<(), serde_json::Value>("/api/v1/staff/sign-out", None, key)
            .await
            .map(|_| ())
    }

    /// A counter action on `counter`'s current ticket (`call-next`,
    /// `recall`, `start`, `finish`, `no-show`, `transfer` with its body);
    /// `None` when `call-next` finds nobody waiting.
    pub async fn counter_action(
        &self,
        counter: u32,
        action: &str,
        transfer: Option<&TransferRequest>,
        key: &str,
    ) -> Result<Option<TicketView>, HubError> {
        self.post_retrying(
            &format!("/api/v1/counters/{counter}/{action}"),
            transfer,
            key,
            3,
        )
        .await
    }

    /// Opens, pauses or closes `counter`.
    pub async fn set_counter_state(
        &self,
        counter: u32,
        state: CounterState,
        key: &str,
    ) -> Result<CounterView, HubError> {
        let action = match state {
            CounterState::Open => "open",
            CounterState::Paused => "pause",
            CounterState::Closed => "close",
        };
        self.post_retrying::<(), CounterView>(
            &format!("/api/v1/counters/{counter}/{action}"),
            None,
            key,
            3,
        )
        .await?
        .ok_or_else(|| HubError::BadAnswer("no counter in the answer".to_owned()))
    }

    /// The rating scale and the office's reasons.
    pub async fn rating_options(&self) -> Result<RatingOptions, HubError> {
        self.get("/api/v1/ratings/options").await
    }

    /// The ticket a citizen names, whether it can be rated, and its rating.
    pub async fn rating_lookup(&self, sel: &TicketSelector) -> Result<RatingLookup, HubError> {
        self.get_with("/api/v1/ratings/lookup", sel).await
    }

    /// Rates a ticket, retried with `key` on transient failures.
    pub async fn rate(&self, body: &RateRequest, key: &str) -> Result<RatingView, HubError> {
        self.post_retrying("/api/v1/ratings", Some(body), key, 4)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no rating".to_owned()))
    }

    /// Reports a device's state (`POST /api/v1/devices/events`), retried
    /// with `key` on transient failures.
    pub async fn report_device(
        &self,
        report: &DeviceEventRequest,
        key: &str,
    ) -> Result<DeviceReport, HubError> {
        self.post_retrying("/api/v1/devices/events", Some(report), key, 4)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no device state in the answer".to_owned()))
    }

    /// Wakes the hub's outbox and clears its backoff (technician token).
    pub async fn retry_outbox(&self, key: &str) -> Result<OutboxRetry, HubError> {
        self.post::<(), OutboxRetry>("/api/v1/outbox/retry", None, key)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no outbox in the answer".to_owned()))
    }

    /// The hub's own diagnostics (technician token).
    pub async fn diagnostics(&self) -> Result<HubDiagnostics, HubError> {
        self.get("/api/v1/diagnostics").await
    }

    /// Uploads a support bundle (`POST /api/v1/support-bundles`, a tar);
    /// its digest is the idempotency key, so a retry stores it once.
    pub async fn upload_bundle(&self, bytes: Vec<u8>) -> Result<BundleInfo, HubError> {
        use sha2::Digest;
        let key = format!("bundle-{}", hex::encode(sha2::Sha256::digest(&bytes)));
        let resp = self
            .http
            .post(format!("{}/api/v1/support-bundles", self.base))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .header(reqwest::header::CONTENT_TYPE, "application/x-tar")
            .timeout(Duration::from_secs(60))
            .body(bytes)
            .send()
            .await;
        Self::answer(resp)
            .await?
            .ok_or_else(|| HubError::BadAnswer("no bundle in the answer".to_owned()))
    }
}
