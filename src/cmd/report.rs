//! `motcua report --date YYYY-MM-DD [--format csv|table]`: the day's figures
//! per service and per counter, read straight from the hub's database (safe
//! while the hub runs: WAL readers never block the writer).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{ReportArgs, ReportFormat};
use crate::config::Config;
use crate::hub::stats::{day_stats, DayStats, Figures, RatingFigures};
use crate::store;

/// Runs the command.
pub fn run(config: &Config, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let date = match &args.date {
        Some(d) => d
            .parse()
            .with_context(|| format!("--date must be YYYY-MM-DD, not {d:?}"))?,
        None => crate::domain::time::business_date(chrono::Utc::now(), config.timezone()),
    };
    let path = args
        .db
        .clone()
        .unwrap_or_else(|| config.hub.database.clone());
    if !path.exists() {
        anyhow::bail!("no database at {} (use --db PATH)", path.display());
    }
    let conn = store::open_connection(&path, true)?;
    let stats = day_stats(&conn, config, date)?;
    let text = match args.format {
        ReportFormat::Table => table(&stats),
        ReportFormat::Csv => csv(&stats),
        ReportFormat::RatingsCsv => ratings_csv(&stats),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

fn opt(v: Option<i64>) -> String {
    v.map(|s| s.to_string()).unwrap_or_default()
}

fn minutes(v: Option<i64>) -> String {
    v.map(|s| format!("{}:{:02}", s / 60, s % 60))
        .unwrap_or_else(|| "–".to_owned())
}

const CSV_HEADER: &str = "scope,key,name,issued,served,no_shows,cancelled,wait_p50_s,wait_p90_s,service_p50_s,service_p90_s";

fn csv_row(out: &mut String, scope: &str, key: &str, name: &str, f: &Figures) {
    let quoted = name.replace('"', "\"\"");
    let _ = writeln!(
        out,
        "{scope},{key},\"{quoted}\",{},{},{},{},{},{},{},{}",
        f.issued,
        f.served,
        f.no_shows,
        f.cancelled,
        opt(f.wait_p50_seconds),
        opt(f.wait_p90_seconds),
        opt(f.service_p50_seconds),
        opt(f.service_p90_seconds)
    );
}

/// CSV with one row per service, per counter, and the total.
pub fn csv(stats: &DayStats) -> String {
    let mut out = format!("{CSV_HEADER}\n");
    for s in &stats.services {
        csv_row(&mut out, "service", &s.service, &s.name_vi, &s.figures);
    }
    for c in &stats.counters {
        csv_row(
            &mut out,
            "counter",
            &c.counter.to_string(),
            &format!("Quầy {}", c.counter),
            &c.figures,
        );
    }
    csv_row(&mut out, "total", "", "Tổng cộng", &stats.total);
    out
}

const RATINGS_CSV_HEADER: &str =
    "scope,key,name,very_satisfied,satisfied,unsatisfied,total,reasons";

fn rating_csv_row(out: &mut String, scope: &str, key: &str, name: &str, f: &RatingFigures) {
    let quoted = name.replace('"', "\"\"");
    let _ = writeln!(
        out,
        "{scope},{key},\"{quoted}\",{},{},{},{},\"{}\"",
        f.very_satisfied,
        f.satisfied,
        f.unsatisfied,
        f.total,
        reasons_text(f)
    );
}

/// Ratings as CSV: one row per counter, per rated officer, and the total
/// (`--format ratings-csv`).
pub fn ratings_csv(stats: &DayStats) -> String {
    let mut out = format!("{RATINGS_CSV_HEADER}\n");
    let r = &stats.ratings;
    for c in &r.counters {
        rating_csv_row(
            &mut out,
            "counter",
            &c.counter.to_string(),
            &format!("Quầy {}", c.counter),
            &c.figures,
        );
    }
    for o in &r.officers {
        rating_csv_row(&mut out, "officer", &o.officer, &o.name, &o.figures);
    }
    rating_csv_row(&mut out, "total", "", "Tổng cộng", &r.total);
    out
}

fn reasons_text(f: &RatingFigures) -> String {
    f.reasons
        .iter()
        .map(|(code, n)| format!("{code}={n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn rating_table_row(out: &mut String, name: &str, f: &RatingFigures) {
    let _ = writeln!(
        out,
        "{:<28} {:>8} {:>8} {:>8} {:>6}  {}",
        name.chars().take(28).collect::<String>(),
        f.very_satisfied,
        f.satisfied,
        f.unsatisfied,
        f.total,
        reasons_text(f)
    );
}

fn ratings_table(out: &mut String, stats: &DayStats) {
    let header = format!(
        "{:<28} {:>8} {:>8} {:>8} {:>6}  {}\n",
        "", "rất HL", "hài lòng", "không HL", "tổng", "lý do / reasons"
    );
    let r = &stats.ratings;
    out.push_str("\nĐánh giá theo quầy / ratings per counter\n");
    out.push_str(&header);
    for c in &r.counters {
        rating_table_row(out, &format!("Quầy {}", c.counter), &c.figures);
    }
    out.push_str("\nĐánh giá theo cán bộ / ratings per officer\n");
    out.push_str(&header);
    for o in &r.officers {
        rating_table_row(out, &format!("{} ({})", o.name, o.officer), &o.figures);
    }
    if r.officers.is_empty() {
        out.push_str("(chưa có / none)\n");
    }
    out.push('\n');
    rating_table_row(out, "Tổng cộng / total", &r.total);
}

fn table_row(out: &mut String, name: &str, f: &Figures) {
    let _ = writeln!(
        out,
        "{:<28} {:>6} {:>6} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}",
        name.chars().take(28).collect::<String>(),
        f.issued,
        f.served,
        f.no_shows,
        f.cancelled,
        minutes(f.wait_p50_seconds),
        minutes(f.wait_p90_seconds),
        minutes(f.service_p50_seconds),
        minutes(f.service_p90_seconds)
    );
}

/// A fixed-width table for a terminal, times as m:ss.
pub fn table(stats: &DayStats) -> String {
    let mut out = format!(
        "Báo cáo ngày {} / Report for {}\n\n",
        stats.date, stats.date
    );
    let header = format!(
        "{:<28} {:>6} {:>6} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9}\n",
        "", "cấp", "xong", "vắng", "huỷ", "chờ p50", "chờ p90", "p.vụ p50", "p.vụ p90"
    );
    out.push_str("Theo lĩnh vực / per service\n");
    out.push_str(&header);
    for s in &stats.services {
        table_row(
            &mut out,
            &format!("{} ({})", s.name_vi, s.service),
            &s.figures,
        );
    }
    out.push_str("\nTheo quầy / per counter\n");
    out.push_str(&header);
    for c in &stats.counters {
        table_row(&mut out, &format!("Quầy {}", c.counter), &c.figures);
    }
    out.push('\n');
    table_row(&mut out, "Tổng cộng / total", &stats.total);
    ratings_table(&mut out, stats);
    out
}
