//! What the API shows of a dossier (`GET /api/v1/dossiers/{code}`):
//! personal data to staff only, and only until the purge.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use motcua_api::{Applicant, Delivery, DossierView, LinkedTicket, TimelineEntry};
use rusqlite::Connection;
use serde_json::Value;

use super::transaction::{fee_text, receipt_data, Summary};
use super::Filing;
use crate::domain::time::{from_millis, to_local_rfc3339};
use crate::hub::error::ApiError;
use crate::store::dossiers;
use crate::store::{tickets, StoreError};

/// How a training office's dossier is named in lookups.
pub const TRAINING_VI: &str = "Hồ sơ đào tạo (cổng thử nghiệm, không có giá trị pháp lý)";
pub const TRAINING_EN: &str = "Training dossier (sandbox portal, no legal effect)";

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
            state: t.state,
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
    // A lookup screen shows the status words: a training dossier says so
    // there too, not only in the `training` flag.
    let (status_vi, status_en) = if filing.training {
        (
            format!("{TRAINING_VI}: {status_vi}"),
            format!("{TRAINING_EN}: {status_en}"),
        )
    } else {
        (status_vi.to_owned(), status_en.to_owned())
    };
    Ok(DossierView {
        code: row.code.clone(),
        procedure: row.procedure.clone(),
        procedure_name_vi: summary.procedure_name_vi,
        procedure_name_en: summary.procedure_name_en,
        received_at: local(row.received_at_ms),
        due_at: local(row.due_at_ms),
        fee: row.fee,
        fee_text: fee_text(row.fee),
        pages: row.pages,
        copies: row.copies,
        portal_status: row.portal_status,
        status_vi,
        status_en,
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
        training: filing.training,
    })
}
