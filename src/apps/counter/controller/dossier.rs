//! The dossier the citizen filed at the kiosk, loaded when their ticket
//! comes to the counter, as label/value lines in words for the officer
//! to check against the originals: every label from the catalogue's forms
//! (never a raw key), dates as dd/mm/yyyy, and pages and copies first, so
//! they are in view without scrolling.

use super::forms::{dossier_info, DossierInfo, Forms, Loaded};
use super::{Counter, CounterTicket, Effect};
use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use motcua_api::CatalogueView;

impl Counter {
    /// Replaces the current ticket; asks for its dossier when it has one.
    pub(super) fn set_current(&mut self, ticket: Option<CounterTicket>) -> Vec<Effect> {
        let old_code = self.current.as_ref().and_then(|c| c.dossier_code.clone());
        // Keep a dossier link already known for the same ticket.
        let ticket = ticket.map(|mut t| {
            if t.dossier_code.is_none() {
                if let Some(old) = &self.current {
                    if old.ticket.id == t.ticket.id {
                        t.dossier_code = old.dossier_code.clone();
                    }
                }
            }
            t
        });
        let new_code = ticket.as_ref().and_then(|c| c.dossier_code.clone());
        self.current = ticket;
        match new_code {
            Some(code) if Some(&code) != old_code.as_ref() || self.dossier.is_none() => {
                self.dossier = None;
                vec![Effect::LoadDossier(code)]
            }
            Some(_) => Vec::new(),
            None => {
                self.dossier = None;
                Vec::new()
            }
        }
    }

    /// The dossier of the current ticket arrived (JSON of
    /// `GET /api/v1/dossiers/{code}`).
    pub fn dossier_loaded(&mut self, code: &str, result: Result<serde_json::Value, HubError>) {
        let still_current = self
            .current
            .as_ref()
            .and_then(|c| c.dossier_code.as_deref())
            == Some(code);
        if !still_current {
            return;
        }
        let data = result.map_err(|err| {
            tracing::warn!(%err, dossier = code, "cannot load the dossier");
            (err.message(false), err.message(true))
        });
        self.dossier = Some(Loaded {
            code: code.to_owned(),
            data,
        });
    }

    /// The catalogue's forms arrived: dossiers are labelled from them.
    pub fn catalogue_loaded(&mut self, catalogue: &CatalogueView) {
        self.set_forms(Forms::from_catalogue(catalogue));
    }

    pub fn set_forms(&mut self, forms: Forms) {
        self.forms = forms;
    }

    /// Whether the forms are known (the runtime loads them once).
    pub fn has_forms(&self) -> bool {
        !self.forms.is_empty()
    }

    /// The loaded dossier in the officer's language.
    pub(super) fn dossier_view(&self, l: Lang) -> Option<DossierInfo> {
        let d = self.dossier.as_ref()?;
        Some(match &d.data {
            Ok(v) => dossier_info(&d.code, v, l, &self.forms),
            Err((vi, en)) => DossierInfo {
                code: d.code.clone(),
                title: format!("{} {}", l.pick("Hồ sơ", "Dossier"), d.code),
                lines: vec![(l.pick("Lỗi", "Error").to_owned(), l.pick(vi, en).to_owned())],
            },
        })
    }
}
