//! PostgreSQL: the connection pool, migrations and the monthly partitions.
//!
//! Every instance of the service opens its own pool on the same database;
//! nothing is cached across requests that another instance could change,
//! so two instances answer the same.

pub mod schema;

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::{Datelike, NaiveDate};
use deadpool_postgres::{ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

/// Advisory lock keys (any constant unique to this application).
const MIGRATION_LOCK: i64 = 0x6d6f_7463_7561_0001;
const PARTITION_LOCK: i64 = 0x6d6f_7463_7561_0002;

/// Tables partitioned by month of a date column, with their partitions'
/// storage. A ticket's row is rewritten by each of its five or so events:
/// room left in every page lets PostgreSQL update it in place (a HOT
/// update, no new index entries).
const PARTITIONED: [(&str, &str); 2] = [("events", ""), ("tickets", "WITH (fillfactor = 70)")];

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("PostgreSQL: {0}")]
    Pg(#[from] tokio_postgres::Error),
    #[error("PostgreSQL pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("PostgreSQL URL {url:?}: {message}")]
    Config { url: String, message: String },
    #[error(
        "the database is at schema version {found}, newer than this motcua-city ({known}); \
         upgrade motcua-city"
    )]
    TooNew { found: i32, known: i32 },
}

/// A pool of connections to `url` (`postgres://user@host:port/db`).
pub fn pool(url: &str, size: usize) -> Result<Pool, DbError> {
    let pg: tokio_postgres::Config =
        url.parse()
            .map_err(|e: tokio_postgres::Error| DbError::Config {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
    let manager = deadpool_postgres::Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            // A broken connection shows on its next query; checking each
            // one on every checkout would double the round trips.
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Config {
            url: url.to_owned(),
            message: e.to_string(),
        })
}

/// Applies the migrations this binary knows and the database lacks.
pub async fn migrate(pool: &Pool) -> Result<i32, DbError> {
    let mut client = pool.get().await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = apply(&mut client).await;
    // Released on every path: the session outlives this call in the pool.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    let version = result?;
    unlocked?;
    Ok(version)
}

async fn apply(client: &mut deadpool_postgres::Client) -> Result<i32, DbError> {
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        .await?;
    let found: Option<i32> = client
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
        .map(|row| row.get(0));
    let known = schema::MIGRATIONS.len() as i32;
    let mut version = found.unwrap_or(0);
    if version > known {
        return Err(DbError::TooNew {
            found: version,
            known,
        });
    }
    while version < known {
        let tx = client.transaction().await?;
        tx.batch_execute(schema::MIGRATIONS[version as usize])
            .await?;
        version += 1;
        if version == 1 && found.is_none() {
            tx.execute("INSERT INTO schema_version VALUES ($1)", &[&version])
                .await?;
        } else {
            tx.execute("UPDATE schema_version SET version = $1", &[&version])
                .await?;
        }
        tx.commit().await?;
        tracing::info!(version, "database migrated");
    }
    Ok(version)
}

/// The first day of `date`'s month.
pub fn month_of(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("day 1 exists")
}

fn next_month(month: NaiveDate) -> NaiveDate {
    if month.month() == 12 {
        NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
    }
    .expect("valid month")
}

/// The months whose partitions exist, as far as this instance knows: a
/// month is created once (under an advisory lock, `IF NOT EXISTS`) and
/// remembered, so the ingest path checks a set, not the catalogue.
#[derive(Debug, Default)]
pub struct Partitions {
    known: Mutex<BTreeSet<NaiveDate>>,
}

impl Partitions {
    /// Makes sure every month of `dates` has its partitions.
    pub async fn ensure(
        &self,
        pool: &Pool,
        dates: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<(), DbError> {
        let missing: BTreeSet<NaiveDate> = {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            dates
                .into_iter()
                .map(month_of)
                .filter(|m| !known.contains(m))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let mut client = pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
            .await?;
        for month in &missing {
            for (table, storage) in PARTITIONED {
                let sql = format!(
                    "CREATE TABLE IF NOT EXISTS {table}_{suffix} PARTITION OF {table} \
                     FOR VALUES FROM ('{from}') TO ('{to}') {storage}",
                    suffix = month.format("y%Ym%m"),
                    from = month,
                    to = next_month(*month),
                );
                tx.batch_execute(&sql).await?;
            }
        }
        tx.commit().await?;
        self.known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(missing);
        Ok(())
    }

    /// The months around `today`: the previous three and the next two.
    pub async fn ensure_around(&self, pool: &Pool, today: NaiveDate) -> Result<(), DbError> {
        let mut month = month_of(today);
        for _ in 0..3 {
            month = month_of(month - chrono::Duration::days(1));
        }
        let mut months = Vec::new();
        for _ in 0..6 {
            months.push(month);
            month = next_month(month);
        }
        self.ensure(pool, months).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_roll_over_the_year() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(month_of(d), NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(
            next_month(month_of(d)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}
