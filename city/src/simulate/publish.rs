//! `motcua-city publish catalogue|calendar FILES… --city URL`: reads the
//! hub's own file formats — a catalogue TOML (`data/procedures.toml`) or
//! calendar year files (`data/calendar/2026.toml`, …) — and publishes them
//! as the city's next release (`POST /city/v1/catalogue` or `/calendar`).

use std::path::Path;

use anyhow::Context;
use motcua_api::{CalendarYear, PublishCalendar, PublishCatalogue};
use serde::Deserialize;

use crate::cli::{PublishArgs, PublishWhat};

/// A catalogue file: the hub's format.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default)]
    version: String,
    procedures: Vec<motcua_api::Procedure>,
}

/// Reads a catalogue TOML file into a release.
pub fn read_catalogue(text: &str) -> anyhow::Result<PublishCatalogue> {
    let file: CatalogueFile = toml::from_str(text)?;
    Ok(PublishCatalogue {
        label: file.version,
        procedures: file.procedures,
    })
}

/// Reads calendar year files into a release.
pub fn read_calendar<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> anyhow::Result<PublishCalendar> {
    let years = texts
        .into_iter()
        .map(toml::from_str::<CalendarYear>)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PublishCalendar { years })
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// `motcua-city publish`.
pub fn run(args: PublishArgs) -> anyhow::Result<std::process::ExitCode> {
    let (route, body) = match args.what {
        PublishWhat::Catalogue => {
            let [file] = args.files.as_slice() else {
                anyhow::bail!("a catalogue is one file");
            };
            let release = read_catalogue(&read(file)?)
                .with_context(|| format!("{} is not a catalogue", file.display()))?;
            ("catalogue", serde_json::to_value(release)?)
        }
        PublishWhat::Calendar => {
            let texts = args
                .files
                .iter()
                .map(|f| read(f))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let release = read_calendar(texts.iter().map(String::as_str))
                .context("not calendar year files")?;
            ("calendar", serde_json::to_value(release)?)
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let client = super::http_client(args.ca_file.as_deref())?;
        let response = client
            .post(format!(
                "{}/city/v1/{route}",
                args.city.trim_end_matches('/')
            ))
            .bearer_auth(&args.token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            anyhow::bail!("the city refused the {route} ({status}): {text}");
        }
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["version"].as_i64())
            .unwrap_or_default();
        println!("published {route} version {version}");
        Ok(std::process::ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hubs_own_files_read_as_releases() {
        let catalogue = read_catalogue(include_str!("../../../data/procedures.toml")).unwrap();
        assert_eq!(catalogue.procedures.len(), 10);
        crate::releases::check_catalogue(&catalogue).unwrap();
        let calendar = read_calendar([
            include_str!("../../../data/calendar/2025.toml"),
            include_str!("../../../data/calendar/2026.toml"),
        ])
        .unwrap();
        crate::releases::check_calendar(&calendar).unwrap();
        assert_eq!(calendar.years[1].year, 2026);
    }
}
