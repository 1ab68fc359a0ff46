//! The technicians' routes: the hub's health (no token needed), its
//! diagnostics (database and outbox), "retry now" for the outbox, and
//! support bundles uploaded by kiosks and `motcua diag bundle --upload`.
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
use axum::routing::{get, post};
use motcua_api::{
    BundleInfo, DatabaseHealth, Health, HealthStatus, HubDiagnostics, HubEvent, OutboxRetry,
    PortalHealth, SupportBundleReceived,
};
use sha2::{Digest, Sha256};

use super::reply::{change, Idempotency, Reply, Routes};
use crate::config::Role;
use crate::domain::time::{from_millis, to_local_rfc3339, to_millis};
use crate::hub::auth::Principal;
use crate::hub::devices::kiosks;
use crate::hub::error::ApiError;
use crate::hub::events::emit;
use crate::hub::state::Hub;
use crate::store::dossiers;
use crate::store::inspect;
use crate::web::extract::IdempotencyKey;

/// Largest support bundle accepted (logs and diagnostics are far smaller).
pub const BUNDLE_LIMIT: usize = 16 * 1024 * 1024;
/// The folder beside the database where bundles are kept.
pub const BUNDLE_DIR: &str = "support-bundles";

/// The technicians' routes (and the health everyone may read).
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/diagnostics", get(diagnostics))
        .route("/api/v1/outbox/retry", post(retry_outbox))
        .route(
            "/api/v1/support-bundles",
            get(list_bundles).post(upload_bundle),
        )
        .route("/api/v1/support-bundles/{name}", get(get_bundle))
}

/// `GET /api/v1/health`: the database answers, and each kiosk's devices
/// (best effort: the hub's own health first).
async fn health(State(hub): State<Arc<Hub>>) -> Result<Reply, ApiError> {
    let database_ok = hub
        .store
        .read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(crate::store::StoreError::from)
        })
        .await
        .is_ok();
    let tz = hub.rules.tz;
    let kiosks = hub
        .store
        .read(move |conn| kiosks(conn, tz))
        .await
        .unwrap_or_else(|err: crate::store::StoreError| {
            tracing::warn!(%err, "cannot read device states for health");
            Vec::new()
        });
    let (code, status, database) = if database_ok {
        (StatusCode::OK, HealthStatus::Ok, DatabaseHealth::Ok)
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthStatus::Degraded,
            DatabaseHealth::Error,
        )
    };
    Reply::json_sorted(
        code,
        &Health {
            database,
            demo: hub.rules.config.demo,
            kiosks,
            now: to_local_rfc3339(hub.now(), hub.rules.tz),
            office: hub.rules.config.office.name.clone(),
            status,
            uptime_seconds: hub.started.elapsed().as_secs(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
    )
}

/// `GET /api/v1/diagnostics` (technicians): integrity check, sizes, free
/// disk, the outbox at a glance.
async fn diagnostics(State(hub): State<Arc<Hub>>, principal: Principal) -> Result<Reply, ApiError> {
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
        PortalHealth::Failing
    } else {
        PortalHealth::Ok
    };
    Reply::json(
        StatusCode::OK,
        &HubDiagnostics {
            database,
            outbox,
            portal,
        },
    )
}

/// `POST /api/v1/outbox/retry` (technicians): wakes the outbox worker and
/// clears its backoff, so waiting dossiers are tried at once. Repeating it
/// is harmless.
async fn retry_outbox(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
) -> Result<Reply, ApiError> {
    principal.require(&[])?;
    hub.filing.retry_now.store(true, Ordering::SeqCst);
    hub.filing.wake.notify_one();
    tracing::info!(by = %principal.name, "outbox retry requested");
    let summary = hub.store.read(dossiers::outbox_summary).await?;
    Reply::json_sorted(
        StatusCode::ACCEPTED,
        &OutboxRetry {
            outbox: summary,
            retrying: true,
        },
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
async fn upload_bundle(
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
        emit(
            ctx,
            to_millis(now),
            HubEvent::SupportBundleReceived(SupportBundleReceived {
                from,
                name: name.clone(),
                size_bytes: size,
            }),
        )?;
        Reply::json(StatusCode::CREATED, &info)
    })
    .await
}

/// `GET /api/v1/support-bundles` (technicians): newest first.
async fn list_bundles(
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
async fn get_bundle(
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
