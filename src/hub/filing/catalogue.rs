//! The procedure catalogue in use: the one shipped with motcua or the
//! office's own file, replaced by the portal's when the portal answers
//! (with the office's queue services kept), and the working-day calendar.

use std::sync::{Arc, RwLock};

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use motcua_api::{CatalogueSource, CatalogueView};

use crate::config::Config;
use crate::domain::calendar::{Calendar, OfficeHours};
use crate::domain::catalogue_view::catalogue_view;
use crate::domain::procedure::Catalogue;
use crate::domain::time::to_local_rfc3339;

/// The catalogue in use and where it came from.
#[derive(Debug, Clone)]
pub struct CatalogueState {
    pub catalogue: Arc<Catalogue>,
    pub source: CatalogueSource,
    pub fetched_at: Option<DateTime<Utc>>,
}

/// The catalogue in use (swapped atomically when the portal's arrives) and
/// the office's own.
pub struct Catalogues {
    current: RwLock<CatalogueState>,
    /// The local catalogue: fallback for office-specific bits a portal
    /// catalogue leaves out (the queue service).
    local: Arc<Catalogue>,
}

impl Catalogues {
    /// The office's catalogue, in use until the portal's arrives.
    pub fn new(local: Catalogue) -> Self {
        let local = Arc::new(local);
        Self {
            current: RwLock::new(CatalogueState {
                catalogue: Arc::clone(&local),
                source: CatalogueSource::Local,
                fetched_at: None,
            }),
            local,
        }
    }

    /// The catalogue in use.
    pub fn current(&self) -> CatalogueState {
        match self.current.read() {
            Ok(state) => state.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Adopts `catalogue` from `source`: the portal's wins over the local
    /// one, the city's over both (a portal catalogue never replaces a city
    /// release).
    pub fn adopt(
        &self,
        catalogue: Catalogue,
        config: &Config,
        at: DateTime<Utc>,
        source: CatalogueSource,
    ) {
        let catalogue = with_office_services(catalogue, &self.local, config);
        let state = CatalogueState {
            catalogue: Arc::new(catalogue),
            source,
            fetched_at: Some(at),
        };
        let mut current = match self.current.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if source == CatalogueSource::Portal && current.source == CatalogueSource::City {
            return;
        }
        *current = state;
    }

    /// The catalogue in use with its rules in words and the applicant's
    /// form (`GET /api/v1/procedures`).
    pub fn view(&self, hours: &OfficeHours, tz: Tz) -> CatalogueView {
        let state = self.current();
        catalogue_view(
            &state.catalogue,
            hours,
            state.source,
            state.fetched_at.map(|t| to_local_rfc3339(t, tz)),
        )
    }
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
        use crate::portal::Portal;
        use serde_json::Value;
        use std::time::Duration;
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
        let filing = super::super::Filing::new(&config, portal).unwrap();
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
