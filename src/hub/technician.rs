//! Technician endpoints: the hub's own diagnostics (database and outbox),
//! "retry now" for the outbox, and support bundles uploaded by kiosks and
//! `motcua diag bundle --upload`.
//!
//! Support bundles are `.tar` files (see `apps::diagnostics::bundle`)
//! stored beside the database in `support-bundles/`, named after their
//! SHA-256 (`motcua-support-<16 hex>.tar`): an upload retried after a lost
//! answer lands on the same file.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::api::{change, Idempotency, Reply};
use super::auth::Principal;
use super::error::ApiError;
use super::extract::IdempotencyKey;
use super::Hub;
use crate::config::Role;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::store::dossiers::{self, OutboxSummary};
use crate::store::inspect::{self, DatabaseReport};

/// Largest support bundle accepted (logs and diagnostics are far smaller).
pub const BUNDLE_LIMIT: usize = 16 * 1024 * 1024;
/// The folder beside the database where bundles are kept.
pub const BUNDLE_DIR: &str = "support-bundles";

/// `GET /api/v1/diagnostics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubDiagnostics {
    pub database: DatabaseReport,
    pub outbox: OutboxSummary,
    /// `ok`, or `failing` when a waiting dossier's last delivery attempt
    /// failed (the dossiers wait in the outbox for the portal).
    pub portal: String,
}

/// A stored support bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub name: String,
    pub size_bytes: u64,
    pub sha256: String,
    pub received_at: String,
}

impl ApiError {
    pub fn bad_support_bundle(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_support_bundle",
            format!("Gói hỗ trợ không hợp lệ: {detail}"),
            format!("Not a support bundle: {detail}"),
        )
    }

    pub fn support_bundle_not_found(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "support_bundle_not_found",
            format!("Không có gói hỗ trợ \"{name}\"."),
            format!("There is no support bundle \"{name}\"."),
        )
    }
}

/// `GET /api/v1/diagnostics` (technicians): integrity check, sizes, free
/// disk, the outbox at a glance.
pub async fn diagnostics(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[])?;
    let path = hub.store.path().to_owned();
    let (database, outbox) = hub
        .store
        .read(move |conn| {
            Ok::<_, crate::store::StoreError>((
                inspect::report(conn, &path)?,
                dossiers::outbox_summary(conn)?,
            ))
        })
        .await?;
    let portal = if outbox.last_error.is_some() {
        "failing"
    } else {
        "ok"
    };
    Reply::json(
        StatusCode::OK,
        &HubDiagnostics {
            database,
            outbox,
            portal: portal.to_owned(),
        },
    )
}

/// `POST /api/v1/outbox/retry` (technicians): wakes the outbox worker and
/// clears its backoff, so waiting dossiers are tried at once. Repeating it
/// is harmless.
pub async fn retry_outbox(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[])?;
    hub.filing.retry_now.store(true, Ordering::SeqCst);
    hub.filing.wake.notify_one();
    tracing::info!(by = %principal.name, "outbox retry requested");
    let summary = hub.store.read(dossiers::outbox_summary).await?;
    Reply::json(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "retrying": true, "outbox": summary }),
    )
}

fn bundle_dir(hub: &Hub) -> PathBuf {
    match hub.store.path().parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(BUNDLE_DIR),
        _ => PathBuf::from(BUNDLE_DIR),
    }
}

fn is_bundle_name(name: &str) -> bool {
    name.strip_prefix("motcua-support-")
        .and_then(|n| n.strip_suffix(".tar"))
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks that `bytes` is a tar with a `manifest.json`.
fn check_bundle(bytes: &[u8]) -> Result<(), ApiError> {
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|e| ApiError::bad_support_bundle(&e.to_string()))?;
    let mut manifest = false;
    for entry in entries {
        let entry = entry.map_err(|e| ApiError::bad_support_bundle(&e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| ApiError::bad_support_bundle(&e.to_string()))?;
        manifest |= path.as_os_str() == "manifest.json";
    }
    if manifest {
        Ok(())
    } else {
        Err(ApiError::bad_support_bundle("no manifest.json in the tar"))
    }
}

/// `POST /api/v1/support-bundles` (kiosks, technicians): stores a tar.
pub async fn upload_bundle(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    key: IdempotencyKey,
    req: Request,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Kiosk])?;
    let path = req.uri().path().to_owned();
    let too_large = || ApiError::body_too_large(BUNDLE_LIMIT);
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), BUNDLE_LIMIT)
        .await
        .map_err(|_| too_large())?;
    check_bundle(&bytes)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let name = format!("motcua-support-{}.tar", &sha256[..16]);
    let dir = bundle_dir(&hub);
    let target = dir.join(&name);
    let size = bytes.len() as u64;
    let written = {
        let (dir, target, bytes) = (dir.clone(), target.clone(), bytes.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".upload-{}", uuid::Uuid::new_v4()));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &target)
        })
        .await
    };
    if !matches!(written, Ok(Ok(()))) {
        tracing::error!(dir = %dir.display(), "cannot store a support bundle");
        return Err(ApiError::internal());
    }
    // The fingerprint covers the digest, not 16 MB of body.
    let idem = Idempotency::new(&principal, key, "POST", &path, sha256.as_bytes());
    let from = principal.name.clone();
    let tz = hub.rules.tz;
    change(&hub, idem, move |_, ctx, now| {
        let info = BundleInfo {
            name: name.clone(),
            size_bytes: size,
            sha256,
            received_at: to_local_rfc3339(now, tz),
        };
        ctx.emit(
            to_millis(now),
            "support_bundle.received",
            serde_json::json!({ "name": name, "size_bytes": size, "from": from }),
        )?;
        Reply::json(StatusCode::CREATED, &info)
    })
    .await
}

/// `GET /api/v1/support-bundles` (technicians): newest first.
pub async fn list_bundles(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[])?;
    let dir = bundle_dir(&hub);
    let tz = hub.rules.tz;
    let mut list: Vec<BundleInfo> = tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if !is_bundle_name(&name) {
                    return None;
                }
                let meta = e.metadata().ok()?;
                let modified = meta.modified().ok()?;
                let at: chrono::DateTime<chrono::Utc> = modified.into();
                let sha = std::fs::read(e.path())
                    .map(|b| hex::encode(Sha256::digest(&b)))
                    .unwrap_or_default();
                Some(BundleInfo {
                    name,
                    size_bytes: meta.len(),
                    sha256: sha,
                    received_at: to_local_rfc3339(from_millis(to_millis(at)), tz),
                })
            })
            .collect()
    })
    .await
    .map_err(|_| ApiError::internal())?;
    list.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(a.name.cmp(&b.name)));
    Reply::json(StatusCode::OK, &list)
}

/// `GET /api/v1/support-bundles/{name}` (technicians): the tar itself.
pub async fn get_bundle(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    principal.require(&[])?;
    if !is_bundle_name(&name) {
        return Err(ApiError::support_bundle_not_found(&name));
    }
    let path = bundle_dir(&hub).join(&name);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::support_bundle_not_found(&name))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-tar".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
