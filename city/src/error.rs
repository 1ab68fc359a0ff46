//! Errors answered by `/city/v1`: the hub's envelope
//! (`motcua_api::ErrorBody`, `{code, message_vi, message_en}`) with a 4xx
//! or 5xx status, so one client library reads both services.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use motcua_api::{ErrorBody, ErrorCode, IngestGap};

use crate::db::DbError;
use crate::ingest::IngestError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message_vi: String,
    pub message_en: String,
    /// With `ingest_gap`: where the hub should send from.
    pub last_event_id: Option<i64>,
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
            last_event_id: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "Thiếu mã truy cập hoặc mã không hợp lệ.",
            "Missing or unknown bearer token.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "Mã truy cập này không được phép xem hoặc làm việc này.",
            "This token may not see or do this.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "Không có địa chỉ này.",
            "No such route.",
        )
    }

    pub fn unit_not_found(code: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnitNotFound,
            format!("Không có đơn vị {code}."),
            format!("There is no unit {code}."),
        )
    }

    pub fn invalid_body(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("Nội dung yêu cầu không đúng: {detail}"),
            format!("The request body is not valid: {detail}"),
        )
    }

    pub fn bad_query(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadQuery,
            format!("Tham số không đúng: {detail}"),
            format!("Bad query: {detail}"),
        )
    }

    pub fn invalid_release(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRelease,
            format!("Bản phát hành không dùng được: {detail}"),
            format!("The release cannot be used: {detail}"),
        )
    }

    pub fn release_not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::ReleaseNotFound,
            format!("Thành phố chưa phát hành {}.", what_vi(what)),
            format!("The city has not published a {what} yet."),
        )
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Lỗi hệ thống; xin thử lại sau.",
            "Internal error; please try again later.",
        )
    }

    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(%detail, "database unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "Cơ sở dữ liệu tạm thời không sẵn sàng; xin thử lại.",
            "The database is unavailable right now; please retry.",
        )
    }
}

fn what_vi(what: &str) -> &'static str {
    match what {
        "calendar" => "lịch làm việc",
        _ => "danh mục thủ tục",
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            // A pool that cannot reach the server, or a connection lost
            // mid-request: the client retries.
            DbError::Pool(_) => ApiError::unavailable(e),
            DbError::Pg(ref pg) if pg.is_closed() || pg.as_db_error().is_none() => {
                ApiError::unavailable(e)
            }
            _ => ApiError::internal(e),
        }
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError::from(e).into()
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        DbError::from(e).into()
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        let text = e.to_string();
        match e {
            IngestError::OutsideSchema { id, .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::EventOutsideSchema,
                format!(
                    "Lô sự kiện bị từ chối, không lưu gì: sự kiện {id} có trường ngoài lược đồ \
                     (dữ liệu cá nhân không được rời văn phòng). Chi tiết: {text}"
                ),
                format!(
                    "Batch refused, nothing stored: event {id} has fields outside the schema \
                     (personal data never leaves an office). Details: {text}"
                ),
            ),
            IngestError::Malformed(detail) => Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedJson,
                format!("Nội dung không phải JSON hợp lệ: {detail}"),
                format!("The body is not valid JSON: {detail}"),
            ),
            IngestError::Invalid(_)
            | IngestError::Order { .. }
            | IngestError::MissingAfter
            | IngestError::TooMany(_) => ApiError::invalid_body(text),
            IngestError::Gap { last_event_id, .. } => {
                let mut err = Self::new(
                    StatusCode::CONFLICT,
                    ErrorCode::IngestGap,
                    format!(
                        "Lô sự kiện bắt đầu sau sự kiện thành phố chưa có; xin gửi lại từ sự kiện \
                         {last_event_id}."
                    ),
                    format!(
                        "The batch starts after an event the city does not have; send again \
                         from event {last_event_id}."
                    ),
                );
                err.last_event_id = Some(last_event_id);
                err
            }
            IngestError::Unauthorized => ApiError::unauthorized(),
            IngestError::WrongUnit { .. } => Self::new(
                StatusCode::FORBIDDEN,
                ErrorCode::WrongUnit,
                format!("Mã truy cập không thuộc đơn vị này: {text}"),
                format!("The token does not belong to this unit: {text}"),
            ),
            IngestError::Db(db) => db.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.last_event_id {
            Some(last_event_id) => (
                self.status,
                Json(IngestGap {
                    code: self.code,
                    message_vi: self.message_vi,
                    message_en: self.message_en,
                    last_event_id,
                }),
            )
                .into_response(),
            None => (
                self.status,
                Json(ErrorBody {
                    code: self.code,
                    message_vi: self.message_vi,
                    message_en: self.message_en,
                    fields: None,
                }),
            )
                .into_response(),
        }
    }
}
