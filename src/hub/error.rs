//! The hub's own refusals, beside the ones every route shares
//! ([`crate::web::ApiError`]): each has its [`ErrorCode`], its status and
//! its sentence in Vietnamese and English.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use motcua_api::{ErrorCode, FieldError, FieldErrorCode, FieldErrors};

use crate::domain::queue::NumberingError;
use crate::domain::rating::RatingError;
use crate::domain::ticket::{IllegalTransition, TicketAction};
pub use crate::web::ApiError;

impl ApiError {
    pub fn invalid_form(fields: FieldErrors) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidForm,
            "Hồ sơ còn thiếu hoặc sai thông tin; xin xem thông báo bên cạnh từng ô.",
            "Some fields are missing or wrong; see the message beside each field.",
        );
        err.fields = Some(fields);
        err
    }

    pub fn unknown_procedure(code: &str) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownProcedure,
            format!("Không có thủ tục \"{code}\" trong danh mục."),
            format!("There is no procedure \"{code}\" in the catalogue."),
        );
        err.fields = Some(BTreeMap::from([(
            "procedure".to_owned(),
            FieldError {
                code: FieldErrorCode::Choice,
                message_vi: "Vui lòng chọn một thủ tục trong danh mục.".into(),
                message_en: "Please choose a procedure from the catalogue.".into(),
            },
        )]));
        err
    }

    pub fn dossier_not_found(code: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::DossierNotFound,
            format!("Không tìm thấy hồ sơ {code}. Xin kiểm tra lại mã hồ sơ trên giấy tiếp nhận."),
            format!("Dossier {code} was not found. Please check the code on the receipt."),
        )
    }

    /// A short code that fits more than one dossier (filed on the same
    /// day and month of different years).
    pub fn dossier_code_ambiguous(short: &str, count: usize) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::DossierCodeAmbiguous,
            format!("Có {count} hồ sơ cùng mã ngắn {short}. Xin gõ mã hồ sơ đầy đủ in trên giấy tiếp nhận, hoặc quét mã QR."),
            format!("{count} dossiers share the short code {short}. Please type the full dossier code printed on the receipt, or scan its QR code."),
        )
    }

    pub fn dossier_daily_limit() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::DossierDailyLimit,
            "Hôm nay đơn vị đã tiếp nhận đủ 9999 hồ sơ, mức tối đa của mã hồ sơ. Xin mời nộp vào ngày làm việc tiếp theo.",
            "The office has received 9999 dossiers today, the most a dossier code allows. Please file on the next working day.",
        )
    }

    pub fn fee_input(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidForm,
            format!("Chưa tính được lệ phí: {detail}"),
            format!("The fee cannot be computed: {detail}"),
        )
    }

    pub fn unknown_service(code: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownService,
            format!("Không có lĩnh vực \"{code}\"."),
            format!("There is no service \"{code}\"."),
        )
    }

    pub fn unknown_priority(code: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownPriority,
            format!("Không có đối tượng ưu tiên \"{code}\"."),
            format!("There is no priority category \"{code}\"."),
        )
    }

    pub fn unknown_counter(counter: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::UnknownCounter,
            format!("Không có quầy số {counter}."),
            format!("There is no counter {counter}."),
        )
    }

    pub fn ticket_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::TicketNotFound,
            format!("Không tìm thấy phiếu {id}."),
            format!("Ticket {id} was not found."),
        )
    }

    /// A kiosk token reported a device of another kiosk.
    pub fn other_kiosk(own: &str, named: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("Máy \"{own}\" chỉ báo được tình trạng thiết bị của chính mình, không phải của \"{named}\"."),
            format!("Kiosk \"{own}\" may report only its own devices, not those of \"{named}\"."),
        )
    }

    /// A kiosk asked to cancel a ticket another device issued.
    pub fn not_issued_here(number: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            format!("Máy này chỉ huỷ được phiếu do chính máy này cấp; phiếu {number} thì không."),
            format!("This kiosk may cancel only the tickets it issued itself; not {number}."),
        )
    }

    pub fn daily_cap_reached(service_vi: &str, service_en: &str, cap: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::DailyCapReached,
            format!("Hôm nay đã hết số thứ tự cho \"{service_vi}\" ({cap} số). Xin mời quay lại vào ngày làm việc tiếp theo."),
            format!("All {cap} numbers for \"{service_en}\" have been issued today. Please come back on the next working day."),
        )
    }

    pub fn counter_paused(counter: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::CounterPaused,
            format!("Quầy số {counter} đang tạm dừng; hãy mở quầy trước khi gọi số."),
            format!("Counter {counter} is paused; open it before calling."),
        )
    }

    pub fn counter_busy(counter: u32, number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::CounterBusy,
            format!("Quầy số {counter} đang gọi số {number}: hãy bắt đầu phục vụ, hoàn thành hoặc báo vắng mặt trước."),
            format!("Counter {counter} has called {number}: start, finish or mark it a no-show first."),
        )
    }

    pub fn no_current_ticket(counter: u32) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::NoCurrentTicket,
            format!("Quầy số {counter} chưa gọi số nào."),
            format!("Counter {counter} has no current ticket."),
        )
    }

    pub fn same_service() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::SameService,
            "Phiếu đã thuộc lĩnh vực này; hãy chọn lĩnh vực khác để chuyển.",
            "The ticket is already in this service; choose another one.",
        )
    }

    pub fn illegal_transition(err: IllegalTransition, number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::IllegalTransition,
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

    pub fn numbering(err: NumberingError, service: &crate::config::ServiceConfig) -> Self {
        match err {
            NumberingError::DailyCapReached { cap } => {
                Self::daily_cap_reached(&service.name_vi, &service.name_en, cap)
            }
        }
    }

    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadCredentials,
            "Mã cán bộ hoặc mã PIN không đúng.",
            "Wrong staff code or PIN.",
        )
    }

    pub fn too_many_attempts(minutes: i64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyAttempts,
            format!(
                "Nhập sai quá nhiều lần ở máy này. Xin thử lại sau {minutes} phút, đăng nhập ở quầy khác hoặc báo kỹ thuật viên."
            ),
            format!(
                "Too many failed attempts at this machine. Try again in {minutes} minutes, sign in at another counter, or call a technician."
            ),
        )
    }

    pub fn counter_not_allowed(code: &str, counter: u32) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CounterNotAllowed,
            format!("Cán bộ {code} không làm việc tại quầy số {counter}."),
            format!("Officer {code} does not work at counter {counter}."),
        )
    }

    pub fn not_signed_in() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::NotSignedIn,
            "Yêu cầu này cần phiên đăng nhập của cán bộ.",
            "This request needs an officer's session.",
        )
    }

    pub fn already_rated(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadyRated,
            format!("Phiếu {number} đã được đánh giá. Mỗi lượt phục vụ chỉ đánh giá một lần; cảm ơn bạn!"),
            format!("Ticket {number} has already been rated. Each visit is rated once; thank you!"),
        )
    }

    pub fn not_rateable(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::NotRateable,
            format!("Phiếu {number} chưa được phục vụ xong nên chưa đánh giá được."),
            format!("Ticket {number} has not been served to the end, so it cannot be rated yet."),
        )
    }

    pub fn rating_closed(number: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::RatingClosed,
            format!("Đã quá thời gian đánh giá phiếu {number}."),
            format!("The time to rate ticket {number} is over."),
        )
    }

    pub fn rating_disabled() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            ErrorCode::RatingDisabled,
            "Bộ phận một cửa hiện không nhận đánh giá.",
            "This office does not take ratings at the moment.",
        )
    }

    pub fn bad_rating(err: &RatingError) -> Self {
        Self::invalid_body(&err.to_string())
    }

    pub fn bad_device_event(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            format!("Báo cáo thiết bị không hợp lệ: {detail}"),
            format!("Invalid device report: {detail}"),
        )
    }

    pub fn bad_support_bundle(detail: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadSupportBundle,
            format!("Gói hỗ trợ không hợp lệ: {detail}"),
            format!("Not a support bundle: {detail}"),
        )
    }

    pub fn support_bundle_not_found(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::SupportBundleNotFound,
            format!("Không có gói hỗ trợ \"{name}\"."),
            format!("There is no support bundle \"{name}\"."),
        )
    }

    /// 503: too many at once (uploads, connections, event streams).
    pub fn busy(what_vi: &str, what_en: &str) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Busy,
            format!("Máy chủ đang bận ({what_vi}); xin thử lại sau ít phút."),
            format!("The hub is busy ({what_en}); please retry in a moment."),
        )
    }

    /// 507: a support bundle larger than the office's whole quota.
    pub fn bundle_over_quota(size: u64, quota: u64) -> Self {
        Self::new(
            StatusCode::INSUFFICIENT_STORAGE,
            ErrorCode::DiskFull,
            format!(
                "Gói hỗ trợ ({} KB) lớn hơn hạn mức lưu của văn phòng ({} KB).",
                size / 1024,
                quota / 1024
            ),
            format!(
                "The support bundle ({} KB) is larger than the office's quota ({} KB).",
                size / 1024,
                quota / 1024
            ),
        )
    }
}

fn action_vi(action: TicketAction) -> &'static str {
    use TicketAction as A;
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
