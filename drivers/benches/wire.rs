//! Bytes on the wire: the sample queue ticket and a full dossier receipt,
//! in every text mode, side by side with python-escpos (its magic text
//! encoder + native QR, and the whole document as one image).
//!
//! Run: `cargo bench -p motcua-drivers --bench wire` (needs python3 for the
//! baseline; `benches/escpos_baseline/run.sh` installs python-escpos into a
//! virtualenv under `target/`). Writes a Markdown table to stdout and to
//! `target/bench-wire/results.md`. A benchmark measures; nothing here fails
//! on a number.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use motcua_drivers::emulator::escpos::{parse, Command as Cmd, Parsed};
use motcua_drivers::emulator::{CodePageMap, Output, PrinterMachine};
use motcua_drivers::printer::receipt::Block;
use motcua_drivers::printer::render::{reference_page, render, whole_image_job};
use motcua_drivers::printer::samples;
use motcua_drivers::{Align, Paper, PrinterProfile, Receipt, TextMode};
use serde_json::{json, Value};

const BAUDS: [u32; 2] = [9600, 115_200];

fn seconds(bytes: usize, baud: u32) -> f64 {
    // 8N1: 10 bits on the wire per byte.
    bytes as f64 * 10.0 / baud as f64
}

fn expected_transcript(receipt: &Receipt, profile: &PrinterProfile) -> String {
    let columns = profile.paper.columns();
    let mut lines = Vec::new();
    for block in receipt.blocks() {
        match block {
            Block::Text(line) => lines.extend(
                line.wrapped(columns / line.width as usize)
                    .iter()
                    .map(|l| l.trim_end().to_owned()),
            ),
            Block::Separator => lines.push("-".repeat(columns)),
            Block::Qr(p) => lines.push(format!("[QR] {p}")),
            Block::Feed(_) | Block::Cut => {}
        }
    }
    lines.join("\n")
}

fn emulate(job: &[u8], paper: Paper) -> Option<motcua_drivers::emulator::Page> {
    PrinterMachine::new(paper, CodePageMap::default())
        .push(job)
        .into_iter()
        .find_map(|o| match o {
            Output::Page(p) => Some(p),
            _ => None,
        })
}

fn code_pages_used(job: &[u8]) -> BTreeSet<u8> {
    let mut pages = BTreeSet::new();
    let mut rest = job;
    while let Parsed::Command(c, n) = parse(rest) {
        if let Cmd::CodePage(p) = c {
            pages.insert(p);
        }
        rest = &rest[n..];
    }
    pages
}

/// The lines as printed, for python-escpos to send the same text.
fn spec(receipt: &Receipt, profile: &PrinterProfile, png: &str) -> Value {
    let columns = profile.paper.columns();
    let mut items = Vec::new();
    for block in receipt.blocks() {
        match block {
            Block::Text(line) => {
                for l in line.wrapped(columns / line.width as usize) {
                    items.push(json!({
                        "type": "line", "text": l, "bold": line.bold,
                        "width": line.width, "height": line.height,
                        "align": match line.align { Align::Left => "left", Align::Center => "center", Align::Right => "right" },
                    }));
                }
            }
            Block::Separator => items.push(json!({
                "type": "line", "text": "-".repeat(columns), "bold": false,
                "width": 1, "height": 1, "align": "left",
            })),
            Block::Qr(p) => {
                items.push(json!({"type": "qr", "payload": p, "module": profile.qr_module()}))
            }
            Block::Feed(n) => items.push(json!({"type": "feed", "lines": n})),
            Block::Cut => {}
        }
    }
    json!({"items": items, "image_png": png})
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

fn main() {
    let out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-wire");
    std::fs::create_dir_all(&out_dir).expect("target dir");
    let paper = Paper::Mm80;
    let docs = [
        ("queue ticket", "ticket", samples::queue_ticket()),
        (
            "dossier receipt (Mẫu số 01)",
            "receipt",
            samples::dossier_receipt(),
        ),
    ];

    // The python-escpos side, in the same run.
    let mut spec_docs = serde_json::Map::new();
    for (_, key, receipt) in &docs {
        let profile = PrinterProfile::new(TextMode::Raster, paper);
        let png = out_dir.join(format!("{key}-whole.png"));
        std::fs::write(&png, reference_page(receipt, &profile).to_png()).expect("write png");
        spec_docs.insert(
            (*key).to_owned(),
            spec(
                receipt,
                &PrinterProfile::new(TextMode::Tcvn3, paper),
                &png.to_string_lossy(),
            ),
        );
    }
    let spec_path = out_dir.join("spec.json");
    let result_path = out_dir.join("python-escpos.json");
    std::fs::write(&spec_path, json!({"documents": spec_docs}).to_string()).expect("write spec");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../benches/escpos_baseline/run.sh");
    let baseline: Option<Value> = match Command::new("bash")
        .arg(&script)
        .arg(&spec_path)
        .arg(&result_path)
        .stdout(std::process::Stdio::null())
        .status()
    {
        Ok(s) if s.success() => std::fs::read_to_string(&result_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok()),
        Ok(s) => {
            eprintln!(
                "python-escpos baseline failed ({s}); run {} by hand",
                script.display()
            );
            None
        }
        Err(e) => {
            eprintln!("python-escpos baseline unavailable: {e}");
            None
        }
    };

    let mut md = String::new();
    md.push_str(
        "| document | sender | bytes | 9600 baud | 115200 baud | prints right | render time |\n",
    );
    md.push_str("|---|---|---:|---:|---:|---|---:|\n");
    let mut row = |doc: &str, who: &str, bytes: usize, ok: &str, micros: Option<f64>| {
        md.push_str(&format!(
            "| {doc} | {who} | {bytes} | {:.2} s | {:.3} s | {ok} | {} |\n",
            seconds(bytes, BAUDS[0]),
            seconds(bytes, BAUDS[1]),
            micros
                .map(|m| format!("{m:.0} µs"))
                .unwrap_or_else(|| "–".into()),
        ));
    };
    for (title, key, receipt) in &docs {
        for mode in TextMode::ALL {
            let profile = PrinterProfile::new(mode, paper);
            let job = render(receipt, &profile).expect("render");
            let runs = 20;
            let t0 = Instant::now();
            for _ in 0..runs {
                std::hint::black_box(render(receipt, &profile).expect("render"));
            }
            let micros = t0.elapsed().as_secs_f64() * 1e6 / runs as f64;
            let page = emulate(&job, paper).expect("a page");
            let ok = if mode == TextMode::Raster {
                page.image == reference_page(receipt, &profile)
            } else {
                page.transcript == expected_transcript(receipt, &profile)
            };
            row(
                title,
                &format!("motcua `{mode}`"),
                job.len(),
                if ok { "yes" } else { "NO" },
                Some(micros),
            );
        }
        let whole = whole_image_job(receipt, &PrinterProfile::new(TextMode::Raster, paper));
        row(
            title,
            "motcua, whole document as one image",
            whole.len(),
            "yes",
            None,
        );
        if let Some(b) = baseline.as_ref().and_then(|b| b["documents"].get(*key)) {
            let text = hex_decode(b["text_hex"].as_str().unwrap_or(""));
            let pages = code_pages_used(&text);
            let modelled = pages.iter().all(|p| matches!(p, 0 | 30 | 31 | 52));
            let tcvn3 = PrinterProfile::new(TextMode::Tcvn3, paper);
            let same = emulate(&text, paper)
                .map(|p| p.transcript == expected_transcript(receipt, &tcvn3))
                .unwrap_or(false);
            let ok = match (same, modelled) {
                (true, _) => "yes".to_owned(),
                (false, true) => "NO".to_owned(),
                (false, false) => format!(
                    "uses ESC t {}",
                    pages
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join("/")
                ),
            };
            row(
                title,
                "python-escpos magic text + native QR",
                text.len(),
                &ok,
                None,
            );
            let image = b["image_bytes"].as_u64().unwrap_or(0) as usize;
            row(
                title,
                "python-escpos, whole document as one image",
                image,
                "yes",
                None,
            );
        }
    }
    if let Some(b) = &baseline {
        md.push_str(&format!(
            "\npython-escpos {}; its TCVN-3 capitals table holds {} at 0xA7, where TCVN-3 has Đ (U+0110).\n",
            b["python_escpos"].as_str().unwrap_or("?"),
            b["tcvn3_upper_0xA7"].as_str().unwrap_or("?"),
        ));
    }
    println!("{md}");
    std::fs::write(out_dir.join("results.md"), &md).expect("write results");
}
