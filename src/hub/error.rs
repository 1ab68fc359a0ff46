//! API errors: a stable machine code plus a sentence in Vietnamese and in
//! English, always as JSON with a 4xx or 5xx status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use std::collections::BTreeMap;

use crate::domain::form::FieldErrors;
use crate::domain::queue::NumberingError;
use crate::domain::ticket::IllegalTransition;
use crate::store::StoreError;

/// An error answered to an API client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub message_vi: String,
    pub message_en: String,
    /// Per-field messages for a form that failed validation, keyed by the
    /// field (`applicant.id_number`, `child_birth_date`, `pages`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
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

    pub fn invalid_form(fields: FieldErrors) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_form",
            "Hồ sơ còn thiếu hoặc sai thông tin; xin xem thông báo bên cạnh từng ô.",
            "Some fields are missing or wrong; see the message beside each field.",
        );
        err.fields = Some(fields);
        err
    }

    pub fn unknown_procedure(code: &str) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_procedure",
            format!("Không có thủ tục \"{code}\" trong danh mục."),
            format!("There is no procedure \"{code}\" in the catalogue."),
        );
        err.fields = Some(BTreeMap::from([(
            "procedure".to_owned(),
            crate::domain::form::FieldError {
                code: crate::domain::form::FieldErrorCode::Choice,
                message_vi: "Vui lòng chọn một thủ tục trong danh mục.".into(),
                message_en: "Please choose a procedure from the catalogue.".into(),
            },
        )]));
        err
    }

    pub fn dossier_not_found(code: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "dossier_not_found",
            format!("Không tìm thấy hồ sơ {code}. Xin kiểm tra lại mã hồ sơ trên giấy tiếp nhận."),
            format!("Dossier {code} was not found. Please check the code on the receipt."),
        )
    }

    pub fn dossier_daily_limit() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "dossier_daily_limit",
            "Hôm nay đơn vị đã tiếp nhận đủ 9999 hồ sơ, mức tối đa của mã hồ sơ. Xin mời nộp vào ngày làm việc tiếp theo.",
            "The office has received 9999 dossiers today, the most a dossier code allows. Please file on the next working day.",
        )
    }

    pub fn fee_input(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_form",
            format!("Chưa tính được lệ phí: {detail}"),
            format!("The fee cannot be computed: {detail}"),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Thiếu hoặc sai mã truy cập (Bearer token).",
            "Missing or invalid access token (Bearer).",
        )
    }

    pub fn forbidden(role: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Thiết bị có vai trò \"{role}\" không được phép làm việc này."),
            format!("A device with role \"{role}\" may not do this."),
        )
    }

    pub fn malformed_json(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("Dữ liệu gửi lên không phải JSON hợp lệ: {detail}"),
            format!("The request body is not valid JSON: {detail}"),
        )
    }

    pub fn invalid_body(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("Dữ liệu gửi lên thiếu hoặc sai trường: {detail}"),
            format!("The request body has missing or wrong fields: {detail}"),
        )
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("Dữ liệu gửi lên quá lớn (tối đa {} KB).", limit / 1024),
            format!(
                "The request body is too large (at most {} KB).",
                limit / 1024
            ),
        )
    }

    pub fn bad_idempotency_key() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_idempotency_key",
            "Idempotency-Key phải gồm 1–200 ký tự ASCII in được.",
            "Idempotency-Key must be 1–200 printable ASCII characters.",
        )
    }

    pub fn idempotency_key_reused() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
            "This Idempotency-Key was already used for a different request.",
        )
    }

    pub fn unknown_service(code: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_service",
            format!("Không có lĩnh vực \"{code}\"."),
            format!("There is no service \"{code}\"."),
        )
    }

    pub fn unknown_priority(code: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_priority",
            format!("Không có đối tượng ưu tiên \"{code}\"."),
            format!("There is no priority category \"{code}\"."),
        )
    }

    pub fn unknown_counter(counter: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_counter",
            format!("Không có quầy số {counter}."),
            format!("There is no counter {counter}."),
        )
    }

    pub fn ticket_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ticket_not_found",
            format!("Không tìm thấy phiếu {id}."),
            format!("Ticket {id} was not found."),
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Không có địa chỉ này trong API.",
            "No such API route.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Phương thức HTTP này không dùng được ở địa chỉ này.",
            "This HTTP method is not allowed on this route.",
        )
    }

    pub fn bad_query(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            format!("Tham số không hợp lệ: {detail}"),
            format!("Invalid query parameter: {detail}"),
        )
    }

    pub fn daily_cap_reached(service_vi: &str, service_en: &str, cap: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "daily_cap_reached",
            format!("Hôm nay đã hết số thứ tự cho \"{service_vi}\" ({cap} số). Xin mời quay lại vào ngày làm việc tiếp theo."),
            format!("All {cap} numbers for \"{service_en}\" have been issued today. Please come back on the next working day."),
        )
    }

    pub fn counter_paused(counter: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "counter_paused",
            format!("Quầy số {counter} đang tạm dừng; hãy mở quầy trước khi gọi số."),
            format!("Counter {counter} is paused; open it before calling."),
        )
    }

    pub fn counter_busy(counter: u32, number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "counter_busy",
            format!("Quầy số {counter} đang gọi số {number}: hãy bắt đầu phục vụ, hoàn thành hoặc báo vắng mặt trước."),
            format!("Counter {counter} has called {number}: start, finish or mark it a no-show first."),
        )
    }

    pub fn no_current_ticket(counter: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "no_current_ticket",
            format!("Quầy số {counter} chưa gọi số nào."),
            format!("Counter {counter} has no current ticket."),
        )
    }

    pub fn same_service() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "same_service",
            "Phiếu đã thuộc lĩnh vực này; hãy chọn lĩnh vực khác để chuyển.",
            "The ticket is already in this service; choose another one.",
        )
    }

    pub fn illegal_transition(err: IllegalTransition, number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "illegal_transition",
            format!(
                "Không thể {} phiếu {number} đang ở trạng thái \"{}\".",
                action_vi(err.action),
                err.from.label_vi()
            ),
            format!(
                "Cannot {} ticket {number}: it is {}.",
                err.action.as_str(),
                err.from.as_str()
            ),
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Máy chủ tạm thời không ghi được dữ liệu; xin thử lại.",
            "The hub cannot write right now; please retry.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi nội bộ của máy chủ; kỹ thuật viên đã được ghi nhận.",
            "Internal hub error; it has been logged for technicians.",
        )
    }

    pub fn numbering(err: NumberingError, service: &crate::config::ServiceConfig) -> Self {
        match err {
            NumberingError::DailyCapReached { cap } => {
                Self::daily_cap_reached(&service.name_vi, &service.name_en, cap)
            }
        }
    }
}

fn action_vi(action: crate::domain::ticket::TicketAction) -> &'static str {
    use crate::domain::ticket::TicketAction as A;
    match action {
        A::Call => "gọi",
        A::Recall => "gọi lại",
        A::Start => "bắt đầu phục vụ",
        A::Finish => "hoàn thành",
        A::NoShow => "báo vắng mặt",
        A::Transfer => "chuyển",
        A::Cancel => "huỷ",
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        tracing::error!(%err, "storage error");
        match err {
            StoreError::WriterGone | StoreError::NotCommitted => Self::unavailable(),
            _ => Self::internal(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(&self)).into_response()
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
