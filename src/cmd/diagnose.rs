//! `motcua diag` (every check, as a table or `--json`) and `motcua diag
//! bundle`: the command-line face of
//! [`apps::diagnostics`](crate::apps::diagnostics), usable over SSH and by
//! monitoring.
//!
//! Exit status: 0 when no check fails (warnings allowed), 1 when one does —
//! the failing checks are named on stderr.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Context};
use motcua_drivers::{PortSelector, SerialPrinter, SerialSettings};

use crate::apps::diagnostics::{
    bundle, Diagnostics, HubTarget, PortalTarget, PrinterSource, Report, ScannerSource, Sources,
    Status,
};
use crate::apps::hub_client::HubClient;
use crate::cli::{BundleArgs, DiagSources};
use crate::config::Config;

fn port(spec: &str) -> anyhow::Result<PortSelector> {
    spec.parse().map_err(|e: String| anyhow!("{spec:?}: {e}"))
}

/// A device to check: the configured one, or with `--printer`/`--scanner`
/// that port (with the configured or default settings and profile).
fn device<P: Default>(
    spec: Option<&str>,
    configured: Option<(SerialSettings, P)>,
) -> anyhow::Result<Option<(SerialSettings, P)>> {
    let Some(spec) = spec else {
        return Ok(configured);
    };
    let (mut settings, profile) = configured.unwrap_or_default();
    settings.port = port(spec)?;
    Ok(Some((settings, profile)))
}

/// What to check, from the flags and the configuration.
pub fn sources(
    config: &Config,
    config_path: Option<&Path>,
    args: &DiagSources,
) -> anyhow::Result<Sources> {
    let config = Arc::new(config.clone());
    let mut s = Sources::new(Arc::clone(&config), config_path.map(Path::to_owned));
    let url = args
        .hub
        .clone()
        .unwrap_or_else(|| config.local_hub_url(config.kiosk.hub_url.as_deref()));
    let token = args
        .token
        .clone()
        .or_else(|| config.technician_token())
        .or_else(|| config.kiosk_token())
        .unwrap_or_default();
    s.hub = Some(HubTarget {
        client: HubClient::new(&url, &token),
    });
    // This machine's database: named, or the configured one when this
    // machine runs the hub (no `kiosk.hub_url`, no `--hub`).
    s.database = args.db.clone().or_else(|| {
        (args.hub.is_none() && config.kiosk.hub_url.is_none()).then(|| config.hub.database.clone())
    });
    s.portal = args
        .portal
        .clone()
        .or_else(|| config.filing.portal_http_url())
        .map(|url| PortalTarget {
            url,
            token: config.filing.portal_token.clone(),
        });
    let printer = device(
        args.printer.as_deref(),
        config
            .kiosk
            .printer
            .as_ref()
            .map(|c| (c.serial.clone(), c.profile.clone())),
    )?;
    if let Some((settings, profile)) = printer {
        let description = format!("{} ({})", settings.port, profile.text_mode);
        let paper = profile.paper;
        let printer = SerialPrinter::open(settings, profile).context("printer settings")?;
        s.printer = Some(PrinterSource {
            printer: Arc::new(Mutex::new(printer)),
            description,
            paper,
        });
    }
    let scanner = device(
        args.scanner.as_deref(),
        config
            .kiosk
            .scanner
            .as_ref()
            .map(|c| (c.serial.clone(), c.profile.clone())),
    )?;
    if let Some((settings, profile)) = scanner {
        s.scanner = Some(ScannerSource::Port {
            settings,
            profile,
            wait: Duration::from_secs_f64(args.scan_wait.clamp(0.2, 600.0)),
        });
    }
    Ok(s)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("motcua-diag")
        .build()?)
}

/// Prints the report as a table: one line per check, Vietnamese summary
/// then the English one beneath.
pub fn print_table(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<14} {:<6} {:>7}  TÓM TẮT / SUMMARY",
        "KIỂM TRA/CHECK", "KQ", "MS"
    )?;
    for c in &report.checks {
        writeln!(
            out,
            "{:<14} {:<6} {:>7}  {}",
            c.name,
            c.status.as_str().to_uppercase(),
            c.duration_ms,
            c.summary_vi
        )?;
        // Under the Vietnamese summary: name, status and time take 31.
        writeln!(out, "{:<31}{}", "", c.summary_en)?;
    }
    writeln!(
        out,
        "Kết quả chung / overall: {} — {} ({})",
        report.status.as_str().to_uppercase(),
        report.machine,
        report.version
    )
}

fn exit_for(report: &Report) -> ExitCode {
    let failed: Vec<&str> = report.failed().map(|c| c.name.as_str()).collect();
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "motcua: kiểm tra không đạt / failed checks: {}",
        failed.join(", ")
    );
    for c in report.failed() {
        eprintln!("motcua: {}: {} / {}", c.name, c.summary_vi, c.summary_en);
    }
    ExitCode::from(1)
}

/// `motcua diag [--json]`: every check.
pub fn run(
    config: &Config,
    config_path: Option<&Path>,
    args: &DiagSources,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let diagnostics = Diagnostics::new(sources(config, config_path, args)?);
    let report = runtime()?.block_on(diagnostics.run_all());
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        print_table(&report, &mut out)?;
    }
    out.flush()?;
    Ok(exit_for(&report))
}

/// The journal of motcua's services (best effort: absent off systemd).
fn journal() -> Option<String> {
    let out = std::process::Command::new("journalctl")
        .args([
            "-u",
            "motcua-kiosk",
            "-u",
            "motcua-hub",
            "-u",
            "motcua-display",
            "-n",
            "300",
            "--no-pager",
            "-o",
            "short-iso",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `motcua diag bundle --to PATH [--upload]`.
pub fn bundle(
    config: &Config,
    config_path: Option<&Path>,
    args: &DiagSources,
    b: &BundleArgs,
) -> anyhow::Result<ExitCode> {
    if b.to.is_none() && !b.upload {
        anyhow::bail!(
            "motcua diag bundle: give --to PATH (a file or a USB stick folder), --upload, or both"
        );
    }
    let diagnostics = Diagnostics::new(sources(config, config_path, args)?);
    let rt = runtime()?;
    let report = rt.block_on(diagnostics.run_all());
    let extra: Vec<(&str, String)> = journal().map(|j| ("journal.txt", j)).into_iter().collect();
    let sources = diagnostics.sources();
    let bytes = bundle::build(
        &sources.config,
        sources.config_path.as_deref(),
        &sources.log,
        &report,
        &extra,
    )?;
    if let Some(to) = &b.to {
        let name = bundle::file_name(&report.machine, report.created_at);
        let path = bundle::write(to, &name, &bytes)?;
        println!("{}", path.display());
        eprintln!(
            "Đã ghi gói hỗ trợ / support bundle written: {} ({} bytes)",
            path.display(),
            bytes.len()
        );
    }
    if b.upload {
        let info = rt
            .block_on(diagnostics.upload_bundle(bytes))
            .map_err(|e| anyhow!("uploading the support bundle: {e}"))?;
        println!("{}", info.name);
        eprintln!(
            "Đã gửi gói hỗ trợ lên máy chủ / support bundle sent to the hub: {}",
            info.name
        );
    }
    // The bundle is made whatever the checks say; the status tells them.
    Ok(if report.status == Status::Fail {
        exit_for(&report)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_come_from_the_configuration() {
        let mut config = Config::demo();
        config.hub.listen = "0.0.0.0:8686".parse().unwrap();
        let s = sources(&config, None, &DiagSources::default()).unwrap();
        assert_eq!(s.hub.unwrap().client.base_url(), "http://127.0.0.1:8686");
        assert_eq!(s.database.unwrap(), config.hub.database);
        assert!(s.printer.is_none() && s.scanner.is_none() && s.portal.is_none());
        config.kiosk.hub_url = Some("http://10.0.0.2:8686".into());
        config.filing.portal_url = Some("https://portal.example".into());
        let s = sources(&config, None, &DiagSources::default()).unwrap();
        assert_eq!(s.hub.unwrap().client.base_url(), "http://10.0.0.2:8686");
        assert!(s.database.is_none(), "the hub's database is not on a kiosk");
        assert_eq!(s.portal.unwrap().url, "https://portal.example");
    }
}
