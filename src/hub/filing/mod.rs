//! Online filing at the hub, in four parts:
//!
//! - [`catalogue`]: the procedure catalogue in use (the office's, or the
//!   portal's when it answers) and the working-day calendar;
//! - [`transaction`]: filing a dossier in one writer transaction;
//! - [`views`]: what the API shows of a dossier;
//! - [`retention`]: erasing personal data after the retention period.
//!
//! [`Filing`] holds what they share. Delivery to the portal and status
//! refreshes are the outbox's (`hub::outbox`).
//!
//! ## Filing is one transaction
//!
//! [`Filing::file`](transaction) runs inside a writer job (see [`crate::store`]): it
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
//! [`retention::purge_personal_data`] erases once the portal has held the dossier for
//! the retention period. Events and logs carry the dossier code and the
//! masked ID number, never the person.

pub mod catalogue;
pub mod retention;
pub mod transaction;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use motcua_api::{CatalogueSource, CatalogueView};

use crate::config::Config;
use crate::domain::calendar::{Calendar, OfficeHours};
use crate::domain::procedure::Catalogue;
use crate::portal::Portal;
use catalogue::{load_calendar, load_catalogue, CatalogueState, Catalogues};

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

/// Filing rules and state shared by the API, the outbox and housekeeping.
pub struct Filing {
    /// The catalogue in use, and the office's own.
    catalogues: Catalogues,
    /// The working-day calendar, swapped whole when the city publishes a
    /// new one (a dossier keeps the due time it was filed with).
    calendar: std::sync::RwLock<Arc<Calendar>>,
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
    /// A training office (`filing.portal_url = "sandbox"`): its dossiers
    /// go to the portal sandbox, and receipts and lookups say so. Set by
    /// the hub's start from the portal it was given.
    pub training: bool,
}

impl Filing {
    /// The filing rules of `config`, delivering to `portal`.
    pub fn new(config: &Config, portal: Arc<dyn Portal>) -> anyhow::Result<Self> {
        let catalogues = Catalogues::new(load_catalogue(config)?);
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
            catalogues,
            calendar: std::sync::RwLock::new(Arc::new(calendar)),
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
            training: false,
        })
    }

    /// The catalogue in use.
    pub fn catalogue(&self) -> CatalogueState {
        self.catalogues.current()
    }

    /// Adopts the portal's catalogue (it wins over the local one, not over
    /// a city release).
    pub fn adopt_portal_catalogue(&self, catalogue: Catalogue, config: &Config, at: DateTime<Utc>) {
        self.catalogues
            .adopt(catalogue, config, at, CatalogueSource::Portal);
    }

    /// Adopts the city's release of the catalogue (it wins over the
    /// portal's and the local one).
    pub fn adopt_city_catalogue(&self, catalogue: Catalogue, config: &Config, at: DateTime<Utc>) {
        self.catalogues
            .adopt(catalogue, config, at, CatalogueSource::City);
    }

    /// The working-day calendar in use.
    pub fn calendar(&self) -> Arc<Calendar> {
        match self.calendar.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the calendar at once (a city release).
    pub fn set_calendar(&self, calendar: Calendar) {
        match self.calendar.write() {
            Ok(mut c) => *c = Arc::new(calendar),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(calendar),
        }
    }

    /// `GET /api/v1/procedures`: the catalogue in use, with its rules in
    /// words and the applicant's form.
    pub fn catalogue_view(&self, tz: Tz) -> CatalogueView {
        self.catalogues.view(&self.hours, tz)
    }
}
