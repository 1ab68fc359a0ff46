//! The procedure catalogue as a kiosk shows it: each procedure with its fee
//! rule and processing time in words, and the applicant's form
//! (`GET /api/v1/procedures`). The hub serves it; a kiosk's screenshots
//! build it from the shipped catalogue.

use motcua_api::{CatalogueSource, CatalogueView, OfficeHoursView, ProcedureEntry};

use super::calendar::OfficeHours;
use super::fee;
use super::form::applicant_form;
use super::procedure::{processing_text, Catalogue};

/// `catalogue` with its rules in words, under `hours`, from `source`
/// (fetched at `fetched_at`, RFC 3339, when it came from the portal).
pub fn catalogue_view(
    catalogue: &Catalogue,
    hours: &OfficeHours,
    source: CatalogueSource,
    fetched_at: Option<String>,
) -> CatalogueView {
    let cutoff = hours.same_day_cutoff;
    let hhmm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
    CatalogueView {
        source,
        version: catalogue.version.clone(),
        fetched_at,
        office_hours: OfficeHoursView {
            opens: hhmm(hours.opens),
            closes: hhmm(hours.closes),
            same_day_cutoff: hhmm(cutoff),
        },
        applicant_form: applicant_form(),
        procedures: catalogue
            .procedures
            .iter()
            .map(|p| {
                let (fee_text_vi, fee_text_en) = fee::describe(&p.fee);
                let (processing_text_vi, processing_text_en) = processing_text(p, cutoff);
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
