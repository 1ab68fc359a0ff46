//! The HTTPS client of the link to the city: rustls, trusting
//! `city.ca_file` (the city's own certificate authority), with the
//! office's bearer token. The pusher and the release poller share it.

use std::path::Path;
use std::time::Duration;

use motcua_api::{
    IngestGap, IngestRequest, IngestResponse, PendingRatings, RatingsAck, RatingsAcked,
};

use crate::config::CitySection;

/// Why talking to the city failed; the workers back off and try again.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("the city is unreachable: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the city refused ({status}): {body}")]
    Refused { status: u16, body: String },
    #[error("reading the event log: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// The client side of the link: HTTPS to the city with the office's token.
#[derive(Clone)]
pub struct CityClient {
    http: reqwest::Client,
    base: String,
    token: String,
    unit_code: String,
}

impl CityClient {
    /// An HTTPS client for `[city]`: rustls, trusting `ca_file` when given
    /// (the city's own certificate authority) besides the usual roots.
    pub fn new(section: &CitySection, unit_code: &str) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60));
        if let Some(path) = &section.ca_file {
            builder = builder.add_root_certificate(read_ca(path)?);
        }
        Ok(Self {
            http: builder.build()?,
            base: section.url.trim_end_matches('/').to_owned(),
            token: section.token.clone(),
            unit_code: unit_code.to_owned(),
        })
    }

    /// One push (`POST /city/v1/ingest`); a `409` gap is an answer like
    /// any other: the city's watermark.
    pub async fn push(&self, request: &IngestRequest) -> Result<IngestResponse, FederationError> {
        let response = self
            .http
            .post(format!("{}/city/v1/ingest", self.base))
            .bearer_auth(&self.token)
            .json(request)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let body = response.text().await.unwrap_or_default();
        if status.as_u16() == 409 {
            if let Ok(gap) = serde_json::from_str::<IngestGap>(&body) {
                return Ok(IngestResponse {
                    last_event_id: gap.last_event_id,
                    stored: 0,
                });
            }
        }
        Err(FederationError::Refused {
            status: status.as_u16(),
            body,
        })
    }

    /// `GET /city/v1/{what}` with `If-None-Match`: `None` when unchanged
    /// (304) or nothing is published yet (404); else the body and its
    /// ETag.
    pub async fn release(
        &self,
        what: &str,
        etag: Option<&str>,
    ) -> Result<Option<(String, Option<String>)>, FederationError> {
        let mut request = self
            .http
            .get(format!("{}/city/v1/{what}", self.base))
            .bearer_auth(&self.token);
        if let Some(tag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let response = request.send().await?;
        match response.status().as_u16() {
            304 | 404 => Ok(None),
            200 => {
                let tag = response
                    .headers()
                    .get(reqwest::header::ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                Ok(Some((response.text().await?, tag)))
            }
            status => Err(FederationError::Refused {
                status,
                body: response.text().await.unwrap_or_default(),
            }),
        }
    }

    /// `GET /city/v1/ratings/pending`: ratings given on the city's phone
    /// page that this office does not hold yet.
    pub async fn pending_ratings(&self) -> Result<PendingRatings, FederationError> {
        let response = self
            .http
            .get(format!("{}/city/v1/ratings/pending", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        Err(FederationError::Refused {
            status: status.as_u16(),
            body: response.text().await.unwrap_or_default(),
        })
    }

    /// `POST /city/v1/ratings/ack`: this office holds these tickets'
    /// ratings now.
    pub async fn ack_ratings(&self, tickets: Vec<i64>) -> Result<RatingsAcked, FederationError> {
        let response = self
            .http
            .post(format!("{}/city/v1/ratings/ack", self.base))
            .bearer_auth(&self.token)
            .json(&RatingsAck { tickets })
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        Err(FederationError::Refused {
            status: status.as_u16(),
            body: response.text().await.unwrap_or_default(),
        })
    }

    pub fn unit_code(&self) -> &str {
        &self.unit_code
    }
}

/// The city's CA certificate (PEM).
pub fn read_ca(path: &Path) -> anyhow::Result<reqwest::Certificate> {
    let pem =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("city.ca_file {}: {e}", path.display()))?;
    reqwest::Certificate::from_pem(&pem).map_err(|e| {
        anyhow::anyhow!(
            "city.ca_file {}: not a PEM certificate: {e}",
            path.display()
        )
    })
}
