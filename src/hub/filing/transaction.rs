//! Filing a dossier: checked outside the writer ([`Filing::prepare`]),
//! then committed in one writer transaction ([`Filing::file`]) with its
//! code, due time, fee, first timeline step, outbox row and — when the
//! citizen must come to a counter — its queue ticket.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use motcua_api::{
    Applicant, DossierReceived, FeeLine, FileRequest, FiledDossier, HubEvent, IssueRequest,
    Procedure, ReceiptData, Role, TicketView,
};
use motcua_drivers::mask_id_number;
use serde::{Deserialize, Serialize};

use super::Filing;
use crate::domain::calendar::due_at;
use crate::domain::dossier::{format_code, next_sequence, PortalStatus, Stage};
use crate::domain::fee::{self, format_dong, FeeInput};
use crate::domain::form::{self, DossierInput, ValidDossier};
use crate::domain::procedure::{processing_text, Document};
use crate::domain::time::{business_date, from_millis, to_local_rfc3339, to_millis};
use crate::hub::error::ApiError;
use crate::hub::events::emit;
use crate::hub::queue::Rules;
use crate::store::dossiers::{self, DossierRow};
use crate::store::{tickets, StoreError, WriteCtx};

impl Filing {
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
        channel: Role,
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
                &self.calendar(),
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
        // Longer than a ticket's: a dossier's page lives for days.
        let lookup_token = crate::hub::queue::new_lookup_token(12);
        dossiers::set_lookup_token(conn, &code, &lookup_token)?;
        dossiers::add_timeline(conn, &code, row.received_at_ms, Stage::Received, None)?;
        dossiers::enqueue(conn, &code, row.received_at_ms)?;

        let (ticket, ticket_error) = match (&p.queue_service, p.presence_required) {
            (Some(service), true) => {
                match issue_ticket(rules, ctx, service, &code, filed_by, now) {
                    Ok(t) => (Some(t), None),
                    Err(e) => {
                        tracing::warn!(code = %code, error = %e, "dossier filed without a queue ticket");
                        (None, Some(e.problem()))
                    }
                }
            }
            _ => (None, None),
        };
        emit(
            ctx,
            row.received_at_ms,
            HubEvent::DossierReceived(DossierReceived {
                code: code.clone(),
                due_at: to_local_rfc3339(due, tz),
                portal_status: PortalStatus::Pending,
                procedure: p.code.clone(),
                received_at: to_local_rfc3339(now, tz),
                ticket: ticket.as_ref().map(|t| t.number.clone()),
                // The city's online share: a kiosk is the citizen filing.
                channel: Some(channel),
                lookup_hash: Some(motcua_api::phone::lookup_hash(&lookup_token)),
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
            training: self.training,
            lookup_token: Some(lookup_token),
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

pub(super) fn fee_text(total: u64) -> String {
    if total == 0 {
        "Miễn lệ phí".to_owned()
    } else {
        format_dong(total)
    }
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
            processing_text(p, filing.hours.same_day_cutoff);
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

pub(super) fn receipt_data(
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
        training: filing.training,
    }
}
