//! The technicians' routes: the hub's health (its summary without a
//! token, the rest with one), its
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
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use motcua_api::{
    BundleInfo, DatabaseHealth, ErrorCode, Health, HealthStatus, HubDiagnostics, HubEvent,
    OutboxRetry, PortalHealth, Problem, SupportBundleReceived,
};
use sha2::{Digest, Sha256};
use std::io::ErrorKind;

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
use crate::store::inspect::free_space;
use crate::web::extract::{IdempotencyKey, Path};

/// Largest support bundle accepted (logs and diagnostics are far smaller).
pub const BUNDLE_LIMIT: usize = 16 * 1024 * 1024;
/// The folder beside the database where bundles are kept.
pub const BUNDLE_DIR: &str = "support-bundles";
/// Uploads at once.
pub const MAX_UPLOADS: usize = 2;
/// A bundle being written, renamed into place when whole.
const PARTIAL_PREFIX: &str = ".upload-";

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
        .route(
            "/api/v1/support-bundles/{name}",
            get(get_bundle).delete(delete_bundle),
        )
}

/// `GET /api/v1/health`: without a token only whether the hub is well
/// (`status`, `version`, `now`: the lobby and the LAN learn nothing else);
/// with any device token also the database, the portal, free disk and each
/// kiosk's devices (best effort: the hub's own health first).
async fn health(
    State(hub): State<Arc<Hub>>,
    principal: Result<Principal, ApiError>,
) -> Result<Reply, ApiError> {
    let database_ok = hub
        .store
        .read(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(crate::store::StoreError::from)
        })
        .await
        .is_ok();
    let guard = hub.store.guard();
    let (code, status, database, problem) = if guard.check() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthStatus::Fail,
            DatabaseHealth::Replaced,
            Some(replaced_problem(guard.path(), guard.rescued())),
        )
    } else if guard.disk_full() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthStatus::Degraded,
            DatabaseHealth::DiskFull,
            Some(ApiError::disk_full().problem()),
        )
    } else if database_ok {
        (StatusCode::OK, HealthStatus::Ok, DatabaseHealth::Ok, None)
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            HealthStatus::Degraded,
            DatabaseHealth::Error,
            None,
        )
    };
    let mut health = Health {
        database: None,
        demo: None,
        free_bytes: None,
        kiosks: None,
        now: to_local_rfc3339(hub.now(), hub.rules.tz),
        office: None,
        portal: None,
        problem: None,
        status,
        uptime_seconds: None,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    if principal.is_ok() {
        let tz = hub.rules.tz;
        let kiosks = hub
            .store
            .read(move |conn| kiosks(conn, tz))
            .await
            .unwrap_or_else(|err: crate::store::StoreError| {
                tracing::warn!(%err, "cannot read device states for health");
                Vec::new()
            });
        health.database = Some(database);
        health.free_bytes = free_space(hub.store.path());
        health.problem = problem;
        health.demo = Some(hub.rules.config.demo);
        health.kiosks = Some(kiosks);
        health.office = Some(hub.rules.config.office.name.clone());
        health.portal = Some(hub.portal_kind);
        health.uptime_seconds = Some(hub.started.elapsed().as_secs());
    }
    Reply::json_sorted(code, &health)
}

/// What happened to a replaced database file, and what to do.
fn replaced_problem(path: &std::path::Path, rescued: Option<PathBuf>) -> Problem {
    let path = path.display();
    let (saved_vi, saved_en) = match rescued.filter(|r| !r.as_os_str().is_empty()) {
        Some(r) => (
            format!(" Dữ liệu máy chủ đang giữ đã được lưu tại {}.", r.display()),
            format!(" The data the hub held was saved to {}.", r.display()),
        ),
        None => (String::new(), String::new()),
    };
    Problem {
        code: ErrorCode::DatabaseReplaced,
        message_vi: format!(
            "Tệp cơ sở dữ liệu {path} đã bị xoá hoặc thay thế khi máy chủ đang chạy; máy chủ \
             không ghi thêm gì.{saved_vi} Dừng máy chủ, đặt lại đúng cơ sở dữ liệu \
             (motcua restore), chuyển các tệp .rescued-* đi chỗ khác, rồi khởi động lại."
        ),
        message_en: format!(
            "The database file {path} was deleted or replaced while the hub was running; the \
             hub writes nothing more.{saved_en} Stop the hub, put the right database back \
             (motcua restore), move the .rescued-* copies away, then start the hub again."
        ),
    }
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
    let _permit = hub.bundle_uploads.try_acquire().map_err(|_| {
        ApiError::busy(
            "đang nhận 2 gói hỗ trợ",
            "two support bundles are uploading",
        )
    })?;
    let path = req.uri().path().to_owned();
    let too_large = || ApiError::body_too_large(BUNDLE_LIMIT);
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), BUNDLE_LIMIT)
        .await
        .map_err(|_| too_large())?;
    check_bundle(&bytes)?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let name = format!("motcua-support-{}.tar", &sha256[..16]);
    let dir = bundle_dir(&hub);
    let size = bytes.len() as u64;
    let quota = Quota {
        bytes: hub.rules.config.hub.support_bundles_max_bytes,
        count: hub.rules.config.hub.support_bundles_max_count as usize,
    };
    if size > quota.bytes {
        return Err(ApiError::bundle_over_quota(size, quota.bytes));
    }
    let written = {
        let (dir, name) = (dir.clone(), name.clone());
        tokio::task::spawn_blocking(move || store_bundle(&dir, &name, &bytes, quota))
            .await
            .map_err(|_| ApiError::internal())?
    };
    if let Err(err) = written {
        return Err(if is_disk_full(&err) {
            tracing::error!(dir = %dir.display(), %err, "disk full: cannot store a support bundle");
            ApiError::disk_full()
        } else {
            tracing::error!(dir = %dir.display(), %err, "cannot store a support bundle");
            ApiError::internal()
        });
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

/// The office's limits on stored bundles.
#[derive(Debug, Clone, Copy)]
struct Quota {
    bytes: u64,
    count: usize,
}

fn is_disk_full(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded
    ) || err.raw_os_error() == Some(libc::EFBIG)
}

/// Writes `bytes` as `dir/name` through a partial file (removed when the
/// write fails), after removing the oldest bundles until the new one fits
/// the quota.
fn store_bundle(
    dir: &std::path::Path,
    name: &str,
    bytes: &[u8],
    quota: Quota,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    // Oldest first; the same bundle again replaces itself.
    let mut kept: Vec<(std::time::SystemTime, u64, PathBuf)> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            is_bundle_name(&n) && n != name
        })
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    kept.sort();
    let mut total: u64 = kept.iter().map(|k| k.1).sum();
    let size = bytes.len() as u64;
    let mut oldest = kept.iter();
    let mut count = kept.len();
    while total + size > quota.bytes || count + 1 > quota.count {
        let Some((_, len, path)) = oldest.next() else {
            break;
        };
        std::fs::remove_file(path)?;
        tracing::info!(removed = %path.display(), "support bundle quota: removed the oldest bundle");
        total -= len;
        count -= 1;
    }
    let tmp = dir.join(format!("{PARTIAL_PREFIX}{}", uuid::Uuid::new_v4()));
    let written = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Removes partial uploads left by a hub that stopped mid-upload.
pub fn remove_partial_uploads(hub: &Hub) {
    let dir = bundle_dir(hub);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(PARTIAL_PREFIX)
        {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(file = %entry.path().display(), "removed a partial support bundle upload")
                }
                Err(err) => {
                    tracing::warn!(%err, file = %entry.path().display(), "cannot remove a partial upload")
                }
            }
        }
    }
}

/// `DELETE /api/v1/support-bundles/{name}` (technicians).
async fn delete_bundle(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    principal.require(&[])?;
    if !is_bundle_name(&name) {
        return Err(ApiError::support_bundle_not_found(&name));
    }
    let path = bundle_dir(&hub).join(&name);
    match tokio::fs::remove_file(&path).await {
        Ok(()) => {
            tracing::info!(by = %principal.name, %name, "support bundle deleted");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(err) if err.kind() == ErrorKind::NotFound => {
            Err(ApiError::support_bundle_not_found(&name))
        }
        Err(err) => {
            tracing::error!(%err, %name, "cannot delete a support bundle");
            Err(ApiError::internal())
        }
    }
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
