//! [`HttpPortal`]: the portal over HTTP JSON, as `docs/portal-openapi.json`
//! describes it.
//!
//! Every call has a connect timeout and a total timeout. A submission is
//! tried up to [`RetryPolicy::attempts`] times with exponential backoff and
//! jitter, always with the dossier's `Idempotency-Key`, so a retry after a
//! lost answer can never file the dossier twice. What is worth retrying:
//! connection errors, timeouts, 5xx, 408/429, and answers that are not the
//! JSON the contract promises (a proxy's error page). What is not: 400, 409
//! and 422 — the portal has read the dossier and refuses it.
//!
//! The outbox worker retries over a much longer horizon (across outages
//! and restarts); these few quick retries only smooth over a dropped
//! connection.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::{backoff_jittered, Acknowledgement, Portal, PortalDossier, PortalError, StatusReport};
use crate::domain::procedure::Catalogue;

/// Quick retries inside one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per submission (at least 1).
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            base: Duration::from_millis(200),
            max: Duration::from_secs(2),
        }
    }
}

/// A portal reached over HTTP.
#[derive(Debug, Clone)]
pub struct HttpPortal {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
    retry: RetryPolicy,
}

impl HttpPortal {
    /// A client for the portal at `base_url` (e.g. `https://dvc.example.vn`),
    /// with an optional bearer token and a per-request timeout.
    pub fn new(
        base_url: &str,
        token: Option<String>,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, PortalError> {
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PortalError::Unreachable(format!("HTTP client: {e}")))?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            token,
            client,
            retry: RetryPolicy {
                attempts: retry.attempts.max(1),
                ..retry
            },
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    async fn submit_once(
        &self,
        key: &str,
        dossier: &PortalDossier,
    ) -> Result<Acknowledgement, PortalError> {
        let resp = self
            .request(reqwest::Method::POST, "/api/v1/dossiers")
            .header("Idempotency-Key", key)
            .json(dossier)
            .send()
            .await
            .map_err(transport)?;
        read_json(resp).await
    }
}

fn transport(err: reqwest::Error) -> PortalError {
    if err.is_timeout() {
        PortalError::Timeout
    } else {
        PortalError::Unreachable(err.to_string())
    }
}

/// Reads a JSON answer, classifying HTTP errors.
async fn read_json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, PortalError> {
    let status = resp.status();
    let body = resp.text().await.map_err(transport)?;
    let excerpt = || body.chars().take(300).collect::<String>();
    match status {
        s if s.is_success() => serde_json::from_str(&body)
            .map_err(|e| PortalError::BadResponse(format!("{e}; body starts {:?}", excerpt()))),
        StatusCode::NOT_FOUND => Err(PortalError::NotFound),
        StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => {
            Err(PortalError::Refused {
                status: status.as_u16(),
                message: excerpt(),
            })
        }
        _ => Err(PortalError::Server {
            status: status.as_u16(),
            body: excerpt(),
        }),
    }
}

impl Portal for HttpPortal {
    fn submit<'a>(
        &'a self,
        key: &'a str,
        dossier: &'a PortalDossier,
    ) -> BoxFuture<'a, Result<Acknowledgement, PortalError>> {
        Box::pin(async move {
            let mut attempt = 1;
            loop {
                match self.submit_once(key, dossier).await {
                    // A 404 on submission is a wrong URL, not a refusal.
                    Err(PortalError::NotFound) if attempt < self.retry.attempts => {}
                    Err(err) if err.is_retryable() && attempt < self.retry.attempts => {
                        tracing::debug!(%err, attempt, "portal submission failed; retrying");
                    }
                    Err(PortalError::NotFound) => {
                        return Err(PortalError::Server {
                            status: 404,
                            body: "no dossier endpoint at this portal URL".into(),
                        })
                    }
                    other => return other,
                }
                tokio::time::sleep(backoff_jittered(attempt, self.retry.base, self.retry.max))
                    .await;
                attempt += 1;
            }
        })
    }

    fn status<'a>(
        &'a self,
        reference: &'a str,
    ) -> BoxFuture<'a, Result<StatusReport, PortalError>> {
        Box::pin(async move {
            let resp = self
                .request(
                    reqwest::Method::GET,
                    &format!("/api/v1/dossiers/{}", urlencode(reference)),
                )
                .send()
                .await
                .map_err(transport)?;
            read_json(resp).await
        })
    }

    fn catalogue(&self) -> BoxFuture<'_, Result<Catalogue, PortalError>> {
        Box::pin(async move {
            let resp = self
                .request(reqwest::Method::GET, "/api/v1/procedures")
                .send()
                .await
                .map_err(transport)?;
            let catalogue: Catalogue = read_json(resp).await?;
            catalogue
                .validate()
                .map_err(|e| PortalError::BadResponse(e.to_string()))?;
            Ok(catalogue)
        })
    }
}

/// Percent-encodes a path segment (references are opaque to us).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_encoded_as_one_segment() {
        assert_eq!(urlencode("SBX-00000001"), "SBX-00000001");
        assert_eq!(urlencode("a/b c"), "a%2Fb%20c");
    }
}
