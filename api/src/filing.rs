//! Online filing (*nộp hồ sơ trực tuyến*): the procedure catalogue with its
//! forms and fees, filing a dossier, and what the API shows of a dossier —
//! its status at the portal, its timeline, its receipt.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::Problem;
use crate::queue::{TicketState, TicketView};

/// Where a dossier stands with the public service portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalStatus {
    /// Committed at the hub, waiting in the outbox to be sent.
    Pending,
    /// The portal acknowledged it (it has a portal reference).
    Received,
    Processing,
    /// The office asks for more documents.
    SupplementRequested,
    ResultReady,
    /// The portal refused the submission itself (not retried; staff act).
    Refused,
}

impl PortalStatus {
    pub const ALL: [PortalStatus; 6] = [
        PortalStatus::Pending,
        PortalStatus::Received,
        PortalStatus::Processing,
        PortalStatus::SupplementRequested,
        PortalStatus::ResultReady,
        PortalStatus::Refused,
    ];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PortalStatus::Pending => "pending",
            PortalStatus::Received => "received",
            PortalStatus::Processing => "processing",
            PortalStatus::SupplementRequested => "supplement_requested",
            PortalStatus::ResultReady => "result_ready",
            PortalStatus::Refused => "refused",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Nothing more will change without a person acting.
    pub fn is_final(self) -> bool {
        matches!(self, PortalStatus::ResultReady | PortalStatus::Refused)
    }

    /// The status in words, for the lookup screen: (Vietnamese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            PortalStatus::Pending => (
                "Đang chờ gửi lên Cổng dịch vụ công (hệ thống tự động gửi)",
                "Waiting to be sent to the public service portal (automatic)",
            ),
            PortalStatus::Received => (
                "Cổng dịch vụ công đã tiếp nhận",
                "Received by the public service portal",
            ),
            PortalStatus::Processing => ("Đang giải quyết", "Being processed"),
            PortalStatus::SupplementRequested => (
                "Cần bổ sung hồ sơ — vui lòng liên hệ bộ phận một cửa",
                "More documents needed — please contact the one-stop office",
            ),
            PortalStatus::ResultReady => (
                "Đã có kết quả — mời đến nhận",
                "The result is ready to collect",
            ),
            PortalStatus::Refused => (
                "Cổng dịch vụ công không tiếp nhận — cán bộ sẽ liên hệ",
                "Refused by the portal — staff will contact you",
            ),
        }
    }
}

/// A step of a dossier's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Committed at the hub; code and due time assigned.
    Received,
    /// Delivered to the portal, which answered with its reference.
    Sent,
    Processing,
    SupplementRequested,
    ResultReady,
    Refused,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Received,
        Stage::Sent,
        Stage::Processing,
        Stage::SupplementRequested,
        Stage::ResultReady,
        Stage::Refused,
    ];

    /// The storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Sent => "sent",
            Stage::Processing => "processing",
            Stage::SupplementRequested => "supplement_requested",
            Stage::ResultReady => "result_ready",
            Stage::Refused => "refused",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The stage a portal status adds to the timeline (none for the states
    /// the hub records itself).
    pub fn from_portal(status: PortalStatus) -> Option<Self> {
        match status {
            PortalStatus::Pending | PortalStatus::Received => None,
            PortalStatus::Processing => Some(Stage::Processing),
            PortalStatus::SupplementRequested => Some(Stage::SupplementRequested),
            PortalStatus::ResultReady => Some(Stage::ResultReady),
            PortalStatus::Refused => Some(Stage::Refused),
        }
    }

    /// The stage in words: (Vietnamese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Stage::Received => (
                "Đã tiếp nhận hồ sơ tại bộ phận một cửa",
                "Received at the one-stop office",
            ),
            Stage::Sent => (
                "Đã gửi lên Cổng dịch vụ công",
                "Sent to the public service portal",
            ),
            Stage::Processing => ("Đang giải quyết", "Being processed"),
            Stage::SupplementRequested => ("Yêu cầu bổ sung hồ sơ", "More documents requested"),
            Stage::ResultReady => ("Đã có kết quả", "Result ready"),
            Stage::Refused => ("Không được tiếp nhận", "Refused"),
        }
    }
}

/// The person filing, as stored (personal data: purged after retention).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Applicant {
    pub name: String,
    /// The 12-digit personal identification number.
    pub id_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// One part of a procedure's fee rule, in đồng; the parts are summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeItem {
    /// One amount per dossier.
    Flat {
        amount: u64,
        /// What the amount is for; "Lệ phí" when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label_vi: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label_en: Option<String>,
    },
    /// An amount per copy requested; the first `free_copies` are free.
    PerCopy {
        amount: u64,
        #[serde(default)]
        free_copies: u32,
    },
    /// Per page of the original, capped per copy, times the copies.
    PerPage {
        first_pages: u32,
        first_page_rate: u64,
        next_page_rate: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_per_copy: Option<u64>,
    },
    /// Charged when the date in form field `field` is more than
    /// `within_days` days before the day of receipt.
    Late {
        field: String,
        within_days: u32,
        amount: u64,
    },
}

/// One line of a computed fee, for the review page and the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FeeLine {
    pub label_vi: String,
    pub label_en: String,
    pub amount: u64,
}

/// A document of the dossier (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub name_vi: String,
    pub name_en: String,
    /// The original must be shown at the counter.
    #[serde(default)]
    pub original: bool,
    /// Optional documents are listed but not required.
    #[serde(default)]
    pub optional: bool,
}

/// The legal processing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Processing {
    /// 0 = the same working day (with the 15:00 rule).
    pub working_days: u32,
    /// Extra working days the law allows when facts must be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_extra_days: Option<u32>,
}

/// The kinds of form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text (names, addresses), NFC-normalised and trimmed.
    Text,
    /// A calendar date: `YYYY-MM-DD` or `DD/MM/YYYY` in, `YYYY-MM-DD` stored.
    Date,
    /// One of `options`.
    Choice,
    /// A 12-digit personal identification number (CCCD).
    IdNumber,
    /// A Vietnamese phone number `0xxxxxxxxx`.
    Phone,
    /// An integer between `min` and `max`.
    Number,
    /// A year between `min` and the current year (birth years).
    Year,
    /// Copies requested; given as the request's top-level `copies`.
    Copies,
    /// Pages of the original; given as the request's top-level `pages`.
    Pages,
    /// A pledge the citizen must confirm (`true`).
    Pledge,
}

impl FieldKind {
    /// The catalogue and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Choice => "choice",
            FieldKind::IdNumber => "id_number",
            FieldKind::Phone => "phone",
            FieldKind::Number => "number",
            FieldKind::Year => "year",
            FieldKind::Copies => "copies",
            FieldKind::Pages => "pages",
            FieldKind::Pledge => "pledge",
        }
    }
}

/// One choice of a `choice` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// What is sent and stored.
    pub value: String,
    pub label_vi: String,
    pub label_en: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One field of a form. Attributes that do not apply to the kind are left
/// out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Key in the request's `fields` (snake_case).
    pub name: String,
    pub kind: FieldKind,
    pub label_vi: String,
    pub label_en: String,
    /// Heading the field is shown under ("Người được khai sinh").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_en: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Required when this other field has a value (the father's birth year
    /// once the father's name is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_with: Option<String>,
    /// Value shown pre-filled and used when the field is not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Where the kiosk may pre-fill from, e.g. `applicant.address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    /// Text: length bounds in characters (default at most 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Text: a regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Text: the message when `pattern` does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_hint_en: Option<String>,
    /// Date: not after today.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_future: bool,
    /// Date: at least / at most this many years before today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age_years: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_years: Option<u32>,
    /// Choice: the options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// Number, year, copies, pages: bounds (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

impl FieldSpec {
    /// A bare field of `kind`; the catalogue data sets the rest.
    pub fn new(name: &str, kind: FieldKind, label_vi: &str, label_en: &str) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            label_vi: label_vi.to_owned(),
            label_en: label_en.to_owned(),
            section_vi: None,
            section_en: None,
            help_vi: None,
            help_en: None,
            required: false,
            required_with: None,
            default: None,
            prefill: None,
            min_len: None,
            max_len: None,
            pattern: None,
            pattern_hint_vi: None,
            pattern_hint_en: None,
            not_future: false,
            min_age_years: None,
            max_age_years: None,
            options: Vec::new(),
            min: None,
            max: None,
        }
    }
}

/// One administrative procedure of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Procedure {
    /// National code (mã thủ tục), e.g. `1.001193`.
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// The field (lĩnh vực) used to group procedures, e.g. "Hộ tịch".
    pub field_vi: String,
    pub field_en: String,
    /// The competent office (cơ quan thực hiện).
    pub office_vi: String,
    pub office_en: String,
    /// "toan_trinh" (entirely online) or "mot_phan" (partly), NĐ 42/2022.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_level: Option<String>,
    /// What the citizen brings or submits (thành phần hồ sơ).
    pub documents: Vec<Document>,
    pub processing: Processing,
    /// Fee items, summed; empty means free.
    #[serde(default)]
    pub fee: Vec<FeeItem>,
    /// The citizen (or both parties) must come to a counter: originals to
    /// compare, a signature in front of the officer, both spouses present.
    #[serde(default)]
    pub presence_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_reason_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_reason_en: Option<String>,
    /// The queue service (`services[].code` of the office configuration)
    /// whose ticket is issued when presence is required. Office-specific:
    /// a portal catalogue may leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_service: Option<String>,
    /// The form, in display order.
    pub form: Vec<FieldSpec>,
}

/// A procedure with its fee rule and processing time in words (flat in
/// JSON: the procedure's own keys plus four texts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProcedureEntry {
    #[serde(flatten)]
    pub procedure: Procedure,
    pub fee_text_vi: String,
    pub fee_text_en: String,
    pub processing_text_vi: String,
    pub processing_text_en: String,
}

impl std::ops::Deref for ProcedureEntry {
    type Target = Procedure;
    fn deref(&self) -> &Procedure {
        &self.procedure
    }
}

/// Office hours as `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficeHoursView {
    pub opens: String,
    pub closes: String,
    /// Dossiers received after this count from the next working day.
    pub same_day_cutoff: String,
}

/// Where the catalogue in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CatalogueSource {
    /// The catalogue shipped with motcua, or the office's own file.
    Local,
    /// The portal's, fetched at start and hourly.
    Portal,
    /// The city's release (`[city]`), which wins over the portal's.
    City,
}

/// `GET /api/v1/procedures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CatalogueView {
    pub source: CatalogueSource,
    pub version: String,
    pub fetched_at: Option<String>,
    pub office_hours: OfficeHoursView,
    /// The fields of the request's `applicant` object.
    pub applicant_form: Vec<FieldSpec>,
    pub procedures: Vec<ProcedureEntry>,
}

/// `POST /api/v1/dossiers` body. Values are checked by the hub field by
/// field against the procedure's form (`422 invalid_form` names each field
/// at fault), so they are taken loosely here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    /// The procedure's national code.
    pub procedure: String,
    /// The person filing: `name`, `id_number`, `date_of_birth`, `sex`,
    /// `address`, `phone` (the catalogue's `applicant_form`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub applicant: Map<String, Value>,
    /// The procedure's form fields (without `pages` and `copies`).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    /// Pages of the original, where the fee counts pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>)]
    pub pages: Option<Value>,
    /// Copies requested, where the fee counts copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>)]
    pub copies: Option<Value>,
}

/// Everything the filing receipt (Mẫu số 01) shows, as the hub sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReceiptData {
    /// The receiving unit (office name).
    pub unit_name: String,
    /// Mã hồ sơ.
    pub code: String,
    pub applicant_name: String,
    /// The ID number, masked (`001******345`).
    pub masked_id: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub procedure_code: String,
    pub procedure_name: String,
    /// Thành phần hồ sơ.
    pub documents: Vec<String>,
    /// The legal processing time in words.
    pub processing_text: String,
    pub received_at: DateTime<FixedOffset>,
    pub due_at: DateTime<FixedOffset>,
    /// Where to collect the result.
    pub collect_at: String,
    pub fee: u64,
    #[serde(default)]
    pub fee_lines: Vec<FeeLine>,
    /// What the lookup QR code holds: the dossier code.
    pub qr_payload: String,
    /// The dossier has not reached the portal yet.
    pub waiting_for_portal: bool,
    /// The queue ticket to take to the counter, when presence is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_note: Option<String>,
    /// A training office's dossier (`filing.portal_url = "sandbox"`): it
    /// went to the portal sandbox and has no legal effect.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub training: bool,
}

/// `201` answer of `POST /api/v1/dossiers`: everything the kiosk shows and
/// prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FiledDossier {
    /// `<unit>-YYMMDD-XXXX`.
    pub code: String,
    pub procedure: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// RFC 3339 in the office's offset.
    pub received_at: String,
    pub due_at: String,
    /// In đồng.
    pub fee: u64,
    /// `7.000đ`, or `Miễn lệ phí` when free.
    pub fee_text: String,
    pub fee_lines: Vec<FeeLine>,
    pub portal_status: PortalStatus,
    pub portal_reference: Option<String>,
    /// `001******345`.
    pub masked_id: String,
    pub processing_text_vi: String,
    pub processing_text_en: String,
    pub documents: Vec<Document>,
    pub collect_at: String,
    pub presence_required: bool,
    pub presence_reason_vi: Option<String>,
    pub presence_reason_en: Option<String>,
    /// The queue ticket to print too, when presence is required.
    pub ticket: Option<TicketView>,
    /// Why no ticket could be issued although presence is required.
    pub ticket_error: Option<Problem>,
    pub receipt: ReceiptData,
    /// A training office's dossier: sent to the portal sandbox only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub training: bool,
    /// The secret of the dossier's phone page (`/d/{code}?k=…`), for the
    /// receipt's QR code. Given once, here; never in
    /// `GET /api/v1/dossiers/{code}` or events (the city gets its
    /// `lookup_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_token: Option<String>,
}

/// One step of the timeline as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntry {
    pub stage: Stage,
    pub at: String,
    pub label_vi: String,
    pub label_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Delivery attempts of a dossier still waiting for the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Delivery {
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

/// The queue ticket linked to a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkedTicket {
    pub id: i64,
    pub number: String,
    pub state: TicketState,
    pub counter: Option<u32>,
}

/// `GET /api/v1/dossiers/{code}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DossierView {
    pub code: String,
    pub procedure: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub received_at: String,
    pub due_at: String,
    pub fee: u64,
    pub fee_text: String,
    /// Pages of the original, where the fee counts pages (the counter
    /// checks them against the original).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Copies requested, where the fee counts copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copies: Option<u32>,
    pub portal_status: PortalStatus,
    /// The status in words, for the lookup screen.
    pub status_vi: String,
    pub status_en: String,
    pub portal_reference: Option<String>,
    pub masked_id: String,
    pub processing_text_vi: String,
    pub processing_text_en: String,
    pub collect_at: String,
    pub ticket: Option<LinkedTicket>,
    pub timeline: Vec<TimelineEntry>,
    /// While the dossier waits for the portal.
    pub delivery: Option<Delivery>,
    pub portal_checked_at: Option<String>,
    pub personal_data_purged: bool,
    /// Staff only (counter, technician), until the purge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Applicant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, Value>>,
    /// Staff only, for reprints, until the purge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptData>,
    /// A training office's dossier: sent to the portal sandbox only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub training: bool,
}
