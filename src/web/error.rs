//! API errors: a stable machine code ([`ErrorCode`]) plus a sentence in
//! Vietnamese and in English, always as JSON ([`ErrorBody`]) with a 4xx or
//! 5xx status. The refusals any route can give are built here; each server
//! adds its own (`impl ApiError` in `hub::error`, in the sandbox).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_api::{ErrorBody, ErrorCode, FieldErrors, Role};

use crate::store::StoreError;

/// An error answered to an API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message_vi: String,
    pub message_en: String,
    /// Per-field messages for a form that failed validation.
    pub fields: Option<FieldErrors>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: ErrorCode,
        message_vi: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            message_vi: message_vi.into(),
            message_en: message_en.into(),
            fields: None,
        }
    }

    /// The refusal as it appears inside a successful answer (a filing
    /// without its ticket, a ticket that cannot be rated).
    pub fn problem(&self) -> motcua_api::Problem {
        motcua_api::Problem {
            code: self.code,
            message_vi: self.message_vi.clone(),
            message_en: self.message_en.clone(),
        }
    }

    /// The body on the wire.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code,
            message_vi: self.message_vi.clone(),
            message_en: self.message_en.clone(),
            fields: self.fields.clone(),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "Thiếu hoặc sai mã truy cập (Bearer token).",
            "Missing or invalid access token (Bearer).",
        )
    }

    pub fn forbidden(role: Role) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("Thiết bị có vai trò \"{role}\" không được phép làm việc này."),
            format!("A device with role \"{role}\" may not do this."),
        )
    }

    pub fn malformed_json(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            format!("Dữ liệu gửi lên không phải JSON hợp lệ: {detail}"),
            format!("The request body is not valid JSON: {detail}"),
        )
    }

    pub fn invalid_body(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("Dữ liệu gửi lên thiếu hoặc sai trường: {detail}"),
            format!("The request body has missing or wrong fields: {detail}"),
        )
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!("Dữ liệu gửi lên quá lớn (tối đa {} KB).", limit / 1024),
            format!(
                "The request body is too large (at most {} KB).",
                limit / 1024
            ),
        )
    }

    pub fn unsupported_media_type(given: &str, expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("Kiểu dữ liệu \"{given}\" không dùng được ở đây; cần {expected}."),
            format!("Content type \"{given}\" is not accepted here; send {expected}."),
        )
    }

    pub fn bad_idempotency_key() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadIdempotencyKey,
            "Idempotency-Key phải gồm 1–200 ký tự ASCII in được.",
            "Idempotency-Key must be 1–200 printable ASCII characters.",
        )
    }

    pub fn idempotency_key_reused() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::IdempotencyKeyReused,
            "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
            "This Idempotency-Key was already used for a different request.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "Không có địa chỉ này trong API.",
            "No such API route.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "Phương thức HTTP này không dùng được ở địa chỉ này.",
            "This HTTP method is not allowed on this route.",
        )
    }

    /// What hyper answers, with an empty body, for a URI longer than it
    /// reads; [`super::refusals`] puts this body in.
    pub fn uri_too_long() -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::UriTooLong,
            "Địa chỉ yêu cầu quá dài (tối đa 64 KB).",
            "The request URI is too long (at most 64 KB).",
        )
    }

    /// What hyper answers, with an empty body, for more than 100 header
    /// fields or a head larger than its buffer; see [`super::refusals`].
    pub fn headers_too_large() -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::HeadersTooLarge,
            "Phần đầu yêu cầu (header) quá lớn hoặc quá nhiều trường (tối đa 100).",
            "The request headers are too large or too many (at most 100 fields).",
        )
    }

    pub fn bad_query(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadQuery,
            format!("Tham số không hợp lệ: {detail}"),
            format!("Invalid query parameter: {detail}"),
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "Máy chủ tạm thời không ghi được dữ liệu; xin thử lại.",
            "The hub cannot write right now; please retry.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Lỗi nội bộ của máy chủ; kỹ thuật viên đã được ghi nhận.",
            "Internal hub error; it has been logged for technicians.",
        )
    }
}

impl ApiError {
    /// 503: the database file was deleted or replaced under the hub.
    pub fn database_replaced() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DatabaseReplaced,
            "Tệp cơ sở dữ liệu của máy chủ đã bị xoá hoặc thay thế; máy chủ ngừng ghi để không \
             mất dữ liệu. Xin báo kỹ thuật viên.",
            "The hub's database file was deleted or replaced; the hub stopped writing so that \
             nothing is lost. Please call a technician.",
        )
    }

    /// 507: the disk is full; nothing was written.
    pub fn disk_full() -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::DiskFull,
            "Ổ đĩa của máy chủ đã đầy; chưa ghi được gì. Xin thử lại sau khi kỹ thuật viên \
             giải phóng dung lượng.",
            "The hub's disk is full; nothing was written. Retry once a technician has freed \
             space.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            // Logged where they are found, once, with what to do.
            StoreError::Replaced { .. } => Self::database_replaced(),
            StoreError::DiskFull(_) => Self::disk_full(),
            StoreError::WriterGone | StoreError::NotCommitted => {
                tracing::error!(%err, "storage error");
                Self::unavailable()
            }
            _ => {
                tracing::error!(%err, "storage error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message_en
        )
    }
}

impl std::error::Error for ApiError {}
