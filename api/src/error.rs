//! The error envelope: every refusal of the hub is a 4xx or 5xx status with
//! `{code, message_vi, message_en}` (and `fields` for a form), so a client
//! can act on the code and show the sentence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a request was refused, machine-readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    // Any route.
    /// 401: no bearer token, or an unknown one.
    Unauthorized,
    /// 403: the token's role may not do this.
    Forbidden,
    /// 400: the body is not JSON.
    MalformedJson,
    /// 422: the JSON has missing, unknown or wrongly typed fields.
    InvalidBody,
    /// 413.
    BodyTooLarge,
    /// 415: a body that is not JSON where JSON is expected.
    UnsupportedMediaType,
    /// 414: the request's URI is longer than the hub reads (64 KB).
    UriTooLong,
    /// 431: too many header fields (more than 100), or too large ones.
    HeadersTooLarge,
    /// 400: a query parameter or a header value is not what the route takes.
    BadQuery,
    /// 400: the `Idempotency-Key` header is empty, too long or not ASCII.
    BadIdempotencyKey,
    /// 422: an `Idempotency-Key` sent again with another request.
    IdempotencyKeyReused,
    /// 404: no such route.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 503: the database cannot write right now; retry.
    Unavailable,
    /// 500.
    Internal,
    /// 503: the database file was deleted or replaced under the running
    /// hub; nothing is written until a technician restores and restarts.
    DatabaseReplaced,
    /// 507: the disk holding the database (or the support bundles) is
    /// full; nothing was written. Retry once space is freed.
    DiskFull,
    /// 503: too many connections, uploads or event streams at once; retry.
    Busy,

    // Queue.
    UnknownService,
    UnknownPriority,
    UnknownCounter,
    TicketNotFound,
    DailyCapReached,
    CounterPaused,
    CounterBusy,
    NoCurrentTicket,
    SameService,
    IllegalTransition,

    // Staff.
    BadCredentials,
    TooManyAttempts,
    CounterNotAllowed,
    NotSignedIn,

    // Ratings.
    AlreadyRated,
    NotRateable,
    RatingClosed,
    RatingDisabled,

    // Filing.
    InvalidForm,
    UnknownProcedure,
    DossierNotFound,
    DossierDailyLimit,
    /// A short code (last 4 digits and date) matches more than one dossier.
    DossierCodeAmbiguous,

    // Technicians.
    BadSupportBundle,
    SupportBundleNotFound,

    // The portal sandbox (its own API, same envelope).
    IdempotencyKeyRequired,
    SandboxFault,

    // The city service (`/city/v1`).
    /// 422: an ingested event has a field outside its schema, or is not of
    /// its kind; the whole batch is refused.
    EventOutsideSchema,
    /// 409: the batch starts after an event the city does not have.
    IngestGap,
    /// 403: the body names another unit than the token's.
    WrongUnit,
    /// 404.
    UnitNotFound,
    /// 422: a catalogue or calendar release the hubs could not use.
    InvalidRelease,
    /// 404: nothing published yet.
    ReleaseNotFound,

    /// A code this version of the contract does not know (a newer hub).
    #[serde(other)]
    Other,
}

impl ErrorCode {
    /// The wire spelling (`ticket_not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::UriTooLong => "uri_too_long",
            ErrorCode::HeadersTooLarge => "headers_too_large",
            ErrorCode::BadQuery => "bad_query",
            ErrorCode::BadIdempotencyKey => "bad_idempotency_key",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::DatabaseReplaced => "database_replaced",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::Busy => "busy",
            ErrorCode::UnknownService => "unknown_service",
            ErrorCode::UnknownPriority => "unknown_priority",
            ErrorCode::UnknownCounter => "unknown_counter",
            ErrorCode::TicketNotFound => "ticket_not_found",
            ErrorCode::DailyCapReached => "daily_cap_reached",
            ErrorCode::CounterPaused => "counter_paused",
            ErrorCode::CounterBusy => "counter_busy",
            ErrorCode::NoCurrentTicket => "no_current_ticket",
            ErrorCode::SameService => "same_service",
            ErrorCode::IllegalTransition => "illegal_transition",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::CounterNotAllowed => "counter_not_allowed",
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::AlreadyRated => "already_rated",
            ErrorCode::NotRateable => "not_rateable",
            ErrorCode::RatingClosed => "rating_closed",
            ErrorCode::RatingDisabled => "rating_disabled",
            ErrorCode::InvalidForm => "invalid_form",
            ErrorCode::UnknownProcedure => "unknown_procedure",
            ErrorCode::DossierNotFound => "dossier_not_found",
            ErrorCode::DossierDailyLimit => "dossier_daily_limit",
            ErrorCode::DossierCodeAmbiguous => "dossier_code_ambiguous",
            ErrorCode::BadSupportBundle => "bad_support_bundle",
            ErrorCode::SupportBundleNotFound => "support_bundle_not_found",
            ErrorCode::IdempotencyKeyRequired => "idempotency_key_required",
            ErrorCode::SandboxFault => "sandbox_fault",
            ErrorCode::EventOutsideSchema => "event_outside_schema",
            ErrorCode::IngestGap => "ingest_gap",
            ErrorCode::WrongUnit => "wrong_unit",
            ErrorCode::UnitNotFound => "unit_not_found",
            ErrorCode::InvalidRelease => "invalid_release",
            ErrorCode::ReleaseNotFound => "release_not_found",
            ErrorCode::Other => "other",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every 4xx and 5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message_vi: String,
    pub message_en: String,
    /// Per-field messages for a form that failed validation, keyed by the
    /// field (`applicant.id_number`, `child_birth_date`, `pages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, FieldError>>,
}

/// A refusal inside a successful answer: a filing whose queue ticket could
/// not be issued, a ticket that cannot be rated now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    pub code: ErrorCode,
    pub message_vi: String,
    pub message_en: String,
}

impl From<&ErrorBody> for Problem {
    fn from(e: &ErrorBody) -> Self {
        Self {
            code: e.code,
            message_vi: e.message_vi.clone(),
            message_en: e.message_en.clone(),
        }
    }
}

/// Why one form field was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub code: FieldErrorCode,
    pub message_vi: String,
    pub message_en: String,
}

/// Errors by field name.
pub type FieldErrors = BTreeMap<String, FieldError>;

/// What is wrong with a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorCode {
    Required,
    TooShort,
    TooLong,
    /// The text does not match the field's pattern.
    Pattern,
    DateFormat,
    DateInFuture,
    TooYoung,
    TooOld,
    /// Not one of the field's options (or not a procedure of the
    /// catalogue).
    Choice,
    IdNumber,
    Phone,
    NumberRange,
    /// The pledge was not confirmed.
    Pledge,
    /// A value of the wrong JSON type.
    Type,
    /// A field the form does not define.
    UnknownField,
    /// Text with a bidirectional control character (U+202A–U+202E,
    /// U+2066–U+2069), which can make a name read differently on screen and
    /// on paper.
    BidiControl,
    /// Text of nothing but zero-width characters (and spaces).
    Invisible,
    /// More than 3 combining marks on one letter.
    TooManyMarks,
}

impl FieldErrorCode {
    /// The wire spelling (`date_in_future`).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldErrorCode::Required => "required",
            FieldErrorCode::TooShort => "too_short",
            FieldErrorCode::TooLong => "too_long",
            FieldErrorCode::Pattern => "pattern",
            FieldErrorCode::DateFormat => "date_format",
            FieldErrorCode::DateInFuture => "date_in_future",
            FieldErrorCode::TooYoung => "too_young",
            FieldErrorCode::TooOld => "too_old",
            FieldErrorCode::Choice => "choice",
            FieldErrorCode::IdNumber => "id_number",
            FieldErrorCode::Phone => "phone",
            FieldErrorCode::NumberRange => "number_range",
            FieldErrorCode::Pledge => "pledge",
            FieldErrorCode::Type => "type",
            FieldErrorCode::UnknownField => "unknown_field",
            FieldErrorCode::BidiControl => "bidi_control",
            FieldErrorCode::Invisible => "invisible",
            FieldErrorCode::TooManyMarks => "too_many_marks",
        }
    }
}
