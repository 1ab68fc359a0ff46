//! Online filing at the hub: the procedure catalogue, filing a dossier in
//! one writer transaction, what the API shows of a dossier, status
//! refreshes from the portal and the personal-data retention.
//!
//! ## Filing is one transaction
//!
//! [`Filing::file`] runs inside a writer job (see [`crate::store`]): it
//! assigns the dossier code (the day's running count), computes the due
//! time and the fee, stores the dossier, its first timeline step and its
//! outbox row, and — when the procedure needs the citizen at a counter —
//! issues the queue ticket linked to it. The idempotency record of the
//! request is written in the same transaction by the API layer. So a
//! `201` means all of it is on disk, and a crash before the commit leaves
//! none of it: a kiosk retrying with the same key either gets the stored
//! answer or files afresh, never twice.
//!
//! ## Personal data
//!
//! Only the applicant fields and the form fields the procedure defines are
//! stored (validation refuses anything else), as JSON in two columns that
//! [`purge_personal_data`] erases once the portal has held the dossier for
//! the retention period. Events and logs carry the dossier code and the
//! masked ID number, never the person.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use motcua_drivers::mask_id_number;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ApiError;
use super::queue::{IssueRequest, Rules, TicketView};
use super::Hub;
use crate::config::Config;
use crate::domain::calendar::{due_at, Calendar, OfficeHours};
use crate::domain::dossier::{format_code, next_sequence, PortalStatus, Stage};
use crate::domain::fee::{self, format_dong, FeeInput, FeeLine};
use crate::domain::form::{self, Applicant, DossierInput, ValidDossier};
use crate::domain::procedure::{Catalogue, Document, Procedure};
use crate::domain::receipt::ReceiptData;
use crate::domain::time::{business_date, from_millis, to_local_rfc3339, to_millis};
use crate::portal::{Portal, PortalDossier};
use crate::store::dossiers::{self, DossierRow};
use crate::store::{tickets, StoreError, WriteCtx};

/// How the outbox worker paces deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxOptions {
    /// Deliveries at the same time.
    pub concurrency: usize,
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// How often statuses of delivered dossiers are refreshed.
    pub status_poll: Duration,
}

impl OutboxOptions {
    pub fn from_config(config: &Config) -> Self {
        let f = &config.filing;
        Self {
            concurrency: f.outbox_concurrency as usize,
            retry_initial: Duration::from_millis(f.retry_initial_ms),
            retry_max: Duration::from_millis(f.retry_max_ms),
            status_poll: Duration::from_secs(f.status_poll_seconds),
        }
    }
}

/// The catalogue in use and where it came from.
#[derive(Debug, Clone)]
pub struct CatalogueState {
    pub catalogue: Arc<Catalogue>,
    /// `local` (shipped or configured file) or `portal`.
    pub source: &'static str,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// Filing rules and state shared by the API, the outbox and housekeeping.
pub struct Filing {
    catalogue: RwLock<CatalogueState>,
    /// The local catalogue: fallback for office-specific bits a portal
    /// catalogue leaves out (the queue service).
    local: Arc<Catalogue>,
    pub calendar: Calendar,
    pub hours: OfficeHours,
    pub unit_code: String,
    pub unit_name: String,
    pub collect_at: String,
    /// How long personal fields are kept after the portal accepted.
    pub retention: chrono::Duration,
    pub portal: Arc<dyn Portal>,
    pub outbox: OutboxOptions,
    /// Wakes the outbox worker: a dossier was filed, or a delivery ended.
    pub wake: tokio::sync::Notify,
    /// Set by a technician's "retry now" (`POST /api/v1/outbox/retry`):
    /// the worker forgets every backoff and tries at once.
    pub retry_now: std::sync::atomic::AtomicBool,
}

/// Loads the catalogue (the configured file or the shipped one) and checks
/// its queue services against the office's.
pub fn load_catalogue(config: &Config) -> anyhow::Result<Catalogue> {
    match &config.filing.procedures {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read filing.procedures {}", path.display()))?;
            let catalogue = Catalogue::from_toml(&text)
                .with_context(|| format!("filing.procedures {}", path.display()))?;
            for p in &catalogue.procedures {
                if let Some(s) = &p.queue_service {
                    if config.service(s).is_none() {
                        anyhow::bail!(
                            "filing.procedures {}: procedure {} sends citizens to queue service {s:?}, \
                             which is not in [[services]]",
                            path.display(),
                            p.code
                        );
                    }
                }
            }
            Ok(catalogue)
        }
        None => {
            let builtin = Catalogue::builtin();
            Ok(with_office_services(builtin.clone(), &builtin, config))
        }
    }
}

/// Loads the shipped calendars and the configured folder's year files.
pub fn load_calendar(config: &Config) -> anyhow::Result<Calendar> {
    let mut calendar = Calendar::builtin();
    if let Some(dir) = &config.filing.calendar {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read filing.calendar {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            calendar.add_year(&path.display().to_string(), &text)?;
        }
    }
    Ok(calendar)
}

/// Points every procedure that needs a counter at one of the office's
/// queue services: its own if the office has it, else the local
/// catalogue's choice for the same code, else the service named like the
/// procedure's field ("Hộ tịch"), else the first service.
pub fn with_office_services(
    mut catalogue: Catalogue,
    local: &Catalogue,
    config: &Config,
) -> Catalogue {
    for p in &mut catalogue.procedures {
        let known =
            |s: &Option<String>| s.as_ref().filter(|s| config.service(s).is_some()).cloned();
        let chosen = known(&p.queue_service)
            .or_else(|| local.get(&p.code).and_then(|l| known(&l.queue_service)))
            .or_else(|| {
                config
                    .services
                    .iter()
                    .find(|s| s.name_vi.eq_ignore_ascii_case(&p.field_vi))
                    .map(|s| s.code.clone())
            })
            .or_else(|| config.services.first().map(|s| s.code.clone()));
        p.queue_service = chosen;
    }
    catalogue
}

impl Filing {
    /// The filing rules of `config`, delivering to `portal`.
    pub fn new(config: &Config, portal: Arc<dyn Portal>) -> anyhow::Result<Self> {
        let local = Arc::new(load_catalogue(config)?);
        let calendar = load_calendar(config)?;
        let today = Utc::now().with_timezone(&config.timezone());
        for year in [
            chrono::Datelike::year(&today),
            chrono::Datelike::year(&today) + 1,
        ] {
            if !calendar.covers(year) {
                tracing::warn!(
                    year,
                    "no working-day calendar for {year}: only weekends count as days off; \
                     add {year}.toml to filing.calendar"
                );
            }
        }
        Ok(Self {
            catalogue: RwLock::new(CatalogueState {
                catalogue: Arc::clone(&local),
                source: "local",
                fetched_at: None,
            }),
            local,
            calendar,
            hours: config.filing.office_hours(),
            unit_code: config.office.unit_code.clone(),
            unit_name: config.office.name.clone(),
            collect_at: config
                .filing
                .collect_at
                .clone()
                .unwrap_or_else(|| format!("Bộ phận Một cửa, {}", config.office.name)),
            retention: chrono::Duration::days(i64::from(config.filing.retention_days)),
            portal,
            outbox: OutboxOptions::from_config(config),
            wake: tokio::sync::Notify::new(),
            retry_now: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// The catalogue in use.
    pub fn catalogue(&self) -> CatalogueState {
        match self.catalogue.read() {
            Ok(state) => state.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Adopts the portal's catalogue (it wins over the local one).
    pub fn adopt_portal_catalogue(&self, catalogue: Catalogue, config: &Config, at: DateTime<Utc>) {
        let catalogue = with_office_services(catalogue, &self.local, config);
        let state = CatalogueState {
            catalogue: Arc::new(catalogue),
            source: "portal",
            fetched_at: Some(at),
        };
        match self.catalogue.write() {
            Ok(mut s) => *s = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    /// `GET /api/v1/procedures`: the catalogue in use, with its rules in
    /// words and the applicant's form.
    pub fn catalogue_view(&self, tz: Tz) -> CatalogueView {
        let state = self.catalogue();
        let cutoff = self.hours.same_day_cutoff;
        let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        CatalogueView {
            source: state.source.to_owned(),
            version: state.catalogue.version.clone(),
            fetched_at: state.fetched_at.map(|t| to_local_rfc3339(t, tz)),
            office_hours: OfficeHoursView {
                opens: hhmm(self.hours.opens),
                closes: hhmm(self.hours.closes),
                same_day_cutoff: hhmm(cutoff),
            },
            applicant_form: form::applicant_form(),
            procedures: state
                .catalogue
                .procedures
                .iter()
                .map(|p| {
                    let (fee_text_vi, fee_text_en) = fee::describe(&p.fee);
                    let (processing_text_vi, processing_text_en) =
                        crate::domain::procedure::processing_text(p, cutoff);
                    ProcedureEntry {
                        procedure: p.clone(),
                        fee_text_vi,
                        fee_text_en,
                        processing_text_vi,
                        processing_text_en,
                    }
                })
                .collect(),
        }
    }

    /// Checks a filing request outside the writer: the procedure exists,
    /// the form is complete and well-formed, the fee can be computed.
    pub fn prepare(
        &self,
        req: FileRequest,
        today: chrono::NaiveDate,
    ) -> Result<Prepared, ApiError> {
        let catalogue = self.catalogue().catalogue;
        let procedure = catalogue
            .get(&req.procedure)
            .cloned()
            .ok_or_else(|| ApiError::unknown_procedure(&req.procedure))?;
        let input = DossierInput {
            applicant: req.applicant,
            fields: req.fields,
            pages: req.pages,
            copies: req.copies,
        };
        let valid = form::validate(&procedure, &input, today).map_err(ApiError::invalid_form)?;
        let prepared = Prepared { procedure, valid };
        prepared.fee(today)?;
        Ok(prepared)
    }

    /// Files a prepared dossier: one writer job (see the module doc).
    pub fn file(
        &self,
        rules: &Rules,
        ctx: &mut WriteCtx<'_>,
        prepared: &Prepared,
        filed_by: &str,
        now: DateTime<Utc>,
    ) -> Result<FiledDossier, ApiError> {
        let tz = rules.tz;
        let today = business_date(now, tz);
        let conn = ctx.conn();
        let last = dossiers::last_sequence(conn, today)?;
        let sequence = next_sequence((last > 0).then_some((today, last)), today)
            .map_err(|_| ApiError::dossier_daily_limit())?;
        let code = format_code(&self.unit_code, today, sequence);
        let received_local = now.with_timezone(&tz).naive_local();
        let due = to_utc(
            due_at(
                &self.calendar,
                &self.hours,
                received_local,
                prepared.procedure.processing.working_days,
            ),
            tz,
        );
        let fee = prepared.fee(today)?;
        let p = &prepared.procedure;
        let summary = Summary::new(self, p, &fee.lines);
        let v = &prepared.valid;
        let row = DossierRow {
            code: code.clone(),
            business_date: today,
            sequence,
            procedure: p.code.clone(),
            received_at_ms: to_millis(now),
            due_at_ms: to_millis(due),
            fee: fee.total,
            pages: v.pages,
            copies: v.copies,
            applicant: Some(to_json(&v.applicant)?),
            fields: Some(to_json(&v.fields)?),
            masked_id: mask_id_number(&v.applicant.id_number),
            summary: to_json(&summary)?,
            portal_key: portal_key(),
            filed_by: filed_by.to_owned(),
            ticket_id: None,
            portal_status: PortalStatus::Pending,
            portal_reference: None,
            accepted_at_ms: None,
            portal_checked_at_ms: None,
            purged_at_ms: None,
        };
        dossiers::insert(conn, &row)?;
        dossiers::add_timeline(conn, &code, row.received_at_ms, Stage::Received, None)?;
        dossiers::enqueue(conn, &code, row.received_at_ms)?;

        let (ticket, ticket_error) = match (&p.queue_service, p.presence_required) {
            (Some(service), true) => {
                match issue_ticket(rules, ctx, service, &code, filed_by, now) {
                    Ok(t) => (Some(t), None),
                    Err(e) => {
                        tracing::warn!(code = %code, error = %e, "dossier filed without a queue ticket");
                        (None, Some(Problem::from(&e)))
                    }
                }
            }
            _ => (None, None),
        };
        ctx.emit(
            row.received_at_ms,
            "dossier.received",
            serde_json::json!({
                "code": code,
                "procedure": p.code,
                "received_at": to_local_rfc3339(now, tz),
                "due_at": to_local_rfc3339(due, tz),
                "portal_status": PortalStatus::Pending,
                "ticket": ticket.as_ref().map(|t| t.number.clone()),
            }),
        )?;
        tracing::info!(code = %code, procedure = %p.code, id = %row.masked_id, "dossier filed");
        let receipt = receipt_data(self, &row, &summary, &v.applicant, ticket.as_ref(), tz);
        Ok(FiledDossier {
            code,
            procedure: p.code.clone(),
            procedure_name_vi: p.name_vi.clone(),
            procedure_name_en: p.name_en.clone(),
            received_at: to_local_rfc3339(now, tz),
            due_at: to_local_rfc3339(due, tz),
            fee: fee.total,
            fee_text: fee_text(fee.total),
            fee_lines: fee.lines,
            portal_status: PortalStatus::Pending,
            portal_reference: None,
            masked_id: row.masked_id.clone(),
            processing_text_vi: summary.processing_text_vi.clone(),
            processing_text_en: summary.processing_text_en.clone(),
            documents: p.documents.clone(),
            collect_at: self.collect_at.clone(),
            presence_required: p.presence_required,
            presence_reason_vi: p.presence_reason_vi.clone(),
            presence_reason_en: p.presence_reason_en.clone(),
            ticket,
            ticket_error,
            receipt,
        })
    }
}

/// Issues the queue ticket of a dossier, inside the filing transaction but
/// in its own savepoint: if the service's numbers are exhausted, the
/// dossier is still filed (and says so).
fn issue_ticket(
    rules: &Rules,
    ctx: &mut WriteCtx<'_>,
    service: &str,
    code: &str,
    filed_by: &str,
    now: DateTime<Utc>,
) -> Result<TicketView, ApiError> {
    ctx.conn()
        .execute_batch("SAVEPOINT dossier_ticket")
        .map_err(StoreError::from)?;
    let issued = rules
        .issue(
            ctx,
            &IssueRequest {
                service: service.to_owned(),
                priority: None,
            },
            filed_by,
            now,
        )
        .and_then(|mut view| {
            tickets::set_dossier_code(ctx.conn(), view.id, code)?;
            dossiers::set_ticket(ctx.conn(), code, view.id)?;
            view.dossier_code = Some(code.to_owned());
            Ok(view)
        });
    let end = if issued.is_ok() {
        "RELEASE dossier_ticket"
    } else {
        "ROLLBACK TO dossier_ticket; RELEASE dossier_ticket"
    };
    ctx.conn().execute_batch(end).map_err(StoreError::from)?;
    issued
}

fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

fn to_json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A fresh idempotency key for the portal: 128 random bits.
fn portal_key() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

fn fee_text(total: u64) -> String {
    if total == 0 {
        "Miễn lệ phí".to_owned()
    } else {
        format_dong(total)
    }
}

/// `GET /api/v1/procedures`. The kiosk deserialises it as is; a
/// [`ProcedureEntry`] derefs to the [`Procedure`] the domain functions take
/// (fees, form validation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueView {
    /// `local` or `portal`.
    pub source: String,
    pub version: String,
    pub fetched_at: Option<String>,
    pub office_hours: OfficeHoursView,
    /// The fields of the request's `applicant` object.
    pub applicant_form: Vec<crate::domain::procedure::FieldSpec>,
    pub procedures: Vec<ProcedureEntry>,
}

/// Office hours as `HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHoursView {
    pub opens: String,
    pub closes: String,
    pub same_day_cutoff: String,
}

/// A procedure with its fee rule and processing time in words (flattened
/// in JSON: the procedure's own keys plus four texts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// `POST /api/v1/dossiers` body.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileRequest {
    /// The procedure's national code.
    pub procedure: String,
    /// The person filing: name, id_number, date_of_birth, sex, address,
    /// phone.
    #[serde(default)]
    pub applicant: Map<String, Value>,
    /// The procedure's form fields (without pages and copies).
    #[serde(default)]
    pub fields: Map<String, Value>,
    /// Pages of the original, where the fee counts pages.
    #[serde(default)]
    pub pages: Option<Value>,
    /// Copies requested, where the fee counts copies.
    #[serde(default)]
    pub copies: Option<Value>,
}

/// A request that passed validation.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub procedure: Procedure,
    pub valid: ValidDossier,
}

impl Prepared {
    fn fee(&self, today: chrono::NaiveDate) -> Result<fee::Fee, ApiError> {
        let valid = &self.valid;
        let lookup = |name: &str| valid.date_field(name);
        fee::compute(
            &self.procedure.fee,
            &FeeInput {
                pages: valid.pages,
                copies: valid.copies,
                received_on: today,
                date_field: &lookup,
            },
        )
        .map_err(|e| ApiError::fee_input(&e.to_string()))
    }
}

/// What stays of a dossier after the purge: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub unit_name: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub documents: Vec<Document>,
    pub processing_text_vi: String,
    pub processing_text_en: String,
    pub collect_at: String,
    pub fee_lines: Vec<FeeLine>,
    #[serde(default)]
    pub presence_reason_vi: Option<String>,
}

impl Summary {
    fn new(filing: &Filing, p: &Procedure, fee_lines: &[FeeLine]) -> Self {
        let (processing_text_vi, processing_text_en) =
            crate::domain::procedure::processing_text(p, filing.hours.same_day_cutoff);
        Self {
            unit_name: filing.unit_name.clone(),
            procedure_name_vi: p.name_vi.clone(),
            procedure_name_en: p.name_en.clone(),
            documents: p.documents.clone(),
            processing_text_vi,
            processing_text_en,
            collect_at: filing.collect_at.clone(),
            fee_lines: fee_lines.to_vec(),
            presence_reason_vi: p
                .presence_required
                .then(|| p.presence_reason_vi.clone())
                .flatten(),
        }
    }
}

/// An error that did not stop the request (e.g. no queue ticket left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    pub message_vi: String,
    pub message_en: String,
}

impl From<&ApiError> for Problem {
    fn from(e: &ApiError) -> Self {
        Self {
            code: e.code.to_owned(),
            message_vi: e.message_vi.clone(),
            message_en: e.message_en.clone(),
        }
    }
}

/// `201` answer of `POST /api/v1/dossiers`: everything the kiosk shows and
/// prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Input of [`crate::domain::receipt::receipt`].
    pub receipt: ReceiptData,
}

fn receipt_data(
    filing: &Filing,
    row: &DossierRow,
    summary: &Summary,
    applicant: &Applicant,
    ticket: Option<&TicketView>,
    tz: Tz,
) -> ReceiptData {
    let local = |ms| from_millis(ms).with_timezone(&tz).fixed_offset();
    ReceiptData {
        unit_name: summary.unit_name.clone(),
        code: row.code.clone(),
        applicant_name: applicant.name.clone(),
        masked_id: row.masked_id.clone(),
        address: applicant.address.clone(),
        phone: applicant.phone.clone(),
        procedure_code: row.procedure.clone(),
        procedure_name: summary.procedure_name_vi.clone(),
        documents: summary
            .documents
            .iter()
            .map(|d| {
                // "(nếu có)" marks optional documents, unless the name
                // already says when it applies ("(nếu đăng ký thay)").
                if d.optional && !d.name_vi.contains("(nếu") {
                    format!("{} (nếu có)", d.name_vi)
                } else {
                    d.name_vi.clone()
                }
            })
            .collect(),
        processing_text: summary.processing_text_vi.clone(),
        received_at: local(row.received_at_ms),
        due_at: local(row.due_at_ms),
        collect_at: filing.collect_at.clone(),
        fee: row.fee,
        fee_lines: summary.fee_lines.clone(),
        qr_payload: row.code.clone(),
        waiting_for_portal: row.portal_status == PortalStatus::Pending,
        ticket_number: ticket.map(|t| t.number.clone()),
        presence_note: summary.presence_reason_vi.clone(),
    }
}

/// One step of the timeline as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub stage: Stage,
    pub at: String,
    pub label_vi: String,
    pub label_en: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Delivery attempts of a dossier still waiting for the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

/// The queue ticket linked to a dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedTicket {
    pub id: i64,
    pub number: String,
    pub state: String,
    pub counter: Option<u32>,
}

/// `GET /api/v1/dossiers/{code}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: String,
    pub procedure: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    pub received_at: String,
    pub due_at: String,
    pub fee: u64,
    pub fee_text: String,
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
    pub fields: Option<BTreeMap<String, Value>>,
    /// Staff only, for reprints, until the purge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptData>,
}

/// Reads a dossier's view; `staff` includes the personal fields.
pub fn dossier_view(
    filing: &Filing,
    conn: &Connection,
    code: &str,
    staff: bool,
    tz: Tz,
) -> Result<DossierView, ApiError> {
    let row = dossiers::get(conn, code)?.ok_or_else(|| ApiError::dossier_not_found(code))?;
    let summary: Summary = serde_json::from_str(&row.summary)
        .map_err(|e| StoreError::Corrupt(format!("dossier {code} summary: {e}")))?;
    let local = |ms: i64| to_local_rfc3339(from_millis(ms), tz);
    let timeline = dossiers::timeline(conn, code)?
        .into_iter()
        .map(|t| {
            let (vi, en) = t.stage.label();
            TimelineEntry {
                stage: t.stage,
                at: local(t.at_ms),
                label_vi: vi.to_owned(),
                label_en: en.to_owned(),
                note: t.note,
            }
        })
        .collect();
    let delivery = dossiers::outbox_entry(conn, code)?.map(|o| Delivery {
        attempts: o.attempts,
        last_attempt_at: o.last_attempt_at_ms.map(local),
        next_attempt_at: o.next_attempt_at_ms.map(local),
        last_error: o.last_error,
    });
    let ticket = match row.ticket_id {
        Some(id) => tickets::get(conn, id)?.map(|t| LinkedTicket {
            id: t.id,
            number: t.display,
            state: t.state.as_str().to_owned(),
            counter: t.counter,
        }),
        None => None,
    };
    let applicant: Option<Applicant> = match (&row.applicant, staff) {
        (Some(json), true) => Some(
            serde_json::from_str(json)
                .map_err(|e| StoreError::Corrupt(format!("dossier {code} applicant: {e}")))?,
        ),
        _ => None,
    };
    let fields: Option<BTreeMap<String, Value>> = match (&row.fields, staff) {
        (Some(json), true) => Some(
            serde_json::from_str(json)
                .map_err(|e| StoreError::Corrupt(format!("dossier {code} fields: {e}")))?,
        ),
        _ => None,
    };
    let receipt = applicant.as_ref().map(|a| {
        let ticket_number = ticket.as_ref().map(|t| t.number.clone());
        let mut r = receipt_data(filing, &row, &summary, a, None, tz);
        r.ticket_number = ticket_number;
        r
    });
    let (status_vi, status_en) = row.portal_status.label();
    Ok(DossierView {
        code: row.code.clone(),
        procedure: row.procedure.clone(),
        procedure_name_vi: summary.procedure_name_vi,
        procedure_name_en: summary.procedure_name_en,
        received_at: local(row.received_at_ms),
        due_at: local(row.due_at_ms),
        fee: row.fee,
        fee_text: fee_text(row.fee),
        portal_status: row.portal_status,
        status_vi: status_vi.to_owned(),
        status_en: status_en.to_owned(),
        portal_reference: row.portal_reference.clone(),
        masked_id: row.masked_id.clone(),
        processing_text_vi: summary.processing_text_vi,
        processing_text_en: summary.processing_text_en,
        collect_at: summary.collect_at,
        ticket,
        timeline,
        delivery,
        portal_checked_at: row.portal_checked_at_ms.map(local),
        personal_data_purged: row.purged_at_ms.is_some(),
        applicant,
        fields,
        receipt,
    })
}

/// The dossier as delivered to the portal (built from the stored row, so
/// every attempt sends the same bytes).
pub fn portal_dossier(
    filing: &Filing,
    row: &DossierRow,
    tz: Tz,
) -> Result<PortalDossier, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("dossier {} {what}: {e}", row.code))
    };
    let applicant = row
        .applicant
        .as_deref()
        .ok_or_else(|| StoreError::Corrupt(format!("dossier {} has no applicant", row.code)))?;
    let fields = row.fields.as_deref().unwrap_or("{}");
    Ok(PortalDossier {
        unit_code: filing.unit_code.clone(),
        code: row.code.clone(),
        procedure: row.procedure.clone(),
        received_at: to_local_rfc3339(from_millis(row.received_at_ms), tz),
        due_at: to_local_rfc3339(from_millis(row.due_at_ms), tz),
        fee: row.fee,
        pages: row.pages,
        copies: row.copies,
        applicant: serde_json::from_str(applicant).map_err(|e| corrupt("applicant", e))?,
        fields: serde_json::from_str(fields).map_err(|e| corrupt("fields", e))?,
    })
}

/// Records a status reported by the portal (writer job body). Returns
/// whether it changed.
pub fn record_status(
    ctx: &mut WriteCtx<'_>,
    code: &str,
    status: PortalStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let conn = ctx.conn();
    let Some(row) = dossiers::get(conn, code)? else {
        return Ok(false);
    };
    let at_ms = to_millis(now);
    dossiers::set_portal_status(conn, code, status, at_ms)?;
    if row.portal_status == status {
        return Ok(false);
    }
    if let Some(stage) = Stage::from_portal(status) {
        dossiers::add_timeline(conn, code, at_ms, stage, None)?;
    }
    ctx.emit(
        at_ms,
        "dossier.status",
        serde_json::json!({ "code": code, "portal_status": status, "previous": row.portal_status }),
    )?;
    Ok(true)
}

/// Asks the portal for the status of one delivered dossier and records it.
/// Gives up quietly after `timeout` (the caller shows what the hub knows).
pub async fn refresh_status(hub: &Hub, code: &str, timeout: Duration) -> Result<(), ApiError> {
    let code_owned = code.to_owned();
    let row = hub
        .store
        .read(move |conn| dossiers::get(conn, &code_owned))
        .await?;
    let Some(row) = row else { return Ok(()) };
    let Some(reference) = row.portal_reference.clone() else {
        return Ok(());
    };
    if row.portal_status.is_final() {
        return Ok(());
    }
    let report = match tokio::time::timeout(timeout, hub.filing.portal.status(&reference)).await {
        Ok(Ok(report)) => report,
        Ok(Err(err)) => {
            tracing::debug!(code, %err, "portal status look-up failed");
            return Ok(());
        }
        Err(_) => {
            tracing::debug!(code, "portal status look-up timed out");
            return Ok(());
        }
    };
    let now = hub.now();
    let code = code.to_owned();
    hub.store
        .write(move |ctx| record_status(ctx, &code, report.status, now))
        .await?;
    Ok(())
}

/// Erases the personal fields of dossiers the portal accepted more than
/// `retention` ago (the idempotency records holding filing answers go in
/// the same housekeeping transaction, [`super::Hub::housekeeping_once`]).
/// Returns how many dossiers were purged.
pub fn purge_personal_data(
    conn: &Connection,
    retention: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    dossiers::purge_personal_data(conn, to_millis(now - retention), to_millis(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_fits_any_office() {
        let mut config = Config::demo();
        config.services.retain(|s| s.code == "khac");
        config.counters = vec![crate::config::CounterConfig {
            number: 1,
            name: None,
            services: vec!["khac".into()],
        }];
        let c = load_catalogue(&config).unwrap();
        for p in c.procedures.iter().filter(|p| p.presence_required) {
            assert_eq!(p.queue_service.as_deref(), Some("khac"), "{}", p.code);
        }
        let demo = load_catalogue(&Config::demo()).unwrap();
        assert_eq!(
            demo.get("2.000815").unwrap().queue_service.as_deref(),
            Some("chungthuc")
        );
    }

    #[test]
    fn the_catalogue_view_reads_back_for_the_kiosk() {
        let config = Config::demo();
        let portal: Arc<dyn Portal> = Arc::new(
            crate::portal::http::HttpPortal::new(
                "http://127.0.0.1:9",
                None,
                Duration::from_secs(1),
                Default::default(),
            )
            .unwrap(),
        );
        let filing = Filing::new(&config, portal).unwrap();
        let view = filing.catalogue_view(chrono_tz::Asia::Ho_Chi_Minh);
        let json = serde_json::to_string(&view).unwrap();
        let back: CatalogueView = serde_json::from_str(&json).unwrap();
        assert_eq!(back, view);
        let copy = back
            .procedures
            .iter()
            .find(|p| p.code == "2.000815")
            .unwrap();
        assert!(copy.fee_text_vi.starts_with("2.000đ/trang"));
        assert_eq!(copy.processing.working_days, 0);
        let raw: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(raw["procedures"][0]["code"], "1.001193", "flat JSON");
        assert_eq!(raw["office_hours"]["same_day_cutoff"], "15:00");
    }

    #[test]
    fn a_portal_catalogue_without_queue_services_gets_the_office_ones() {
        let config = Config::demo();
        let mut portal = Catalogue::builtin();
        for p in &mut portal.procedures {
            p.queue_service = None;
        }
        let adopted = with_office_services(portal, &Catalogue::builtin(), &config);
        assert_eq!(
            adopted.get("1.000894").unwrap().queue_service.as_deref(),
            Some("hotich")
        );
    }
}
