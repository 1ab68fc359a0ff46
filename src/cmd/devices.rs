//! `motcua diag ports|print-sample|print-probe|parse-id|printer-status` and
//! `motcua emulate printer|scanner`: thin command-line front ends over the
//! `motcua-drivers` crate. `motcua diag` alone and `motcua diag bundle` are
//! in [`super::diagnose`].
//!
//! Device errors are reported with their kind and the Vietnamese sentence
//! the kiosk would show, and exit with code 1; bad arguments exit with 2.

use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Context};
use motcua_drivers::discovery::list_ports;
use motcua_drivers::emulator::{
    CodePageMap, Fault, Faults, PrinterEmulator, PrinterEmulatorOptions, ScannerEmulator,
};
use motcua_drivers::printer::probe::{probe_job, DEFAULT_CANDIDATES};
use motcua_drivers::printer::samples;
use motcua_drivers::scanner::{DocumentAssembler, IdError, LineFramer};
use motcua_drivers::{
    Paper, PortSelector, Printed, Printer, PrinterError, PrinterProfile, SerialPrinter,
    SerialSettings, Terminator, TextMode,
};
use serde_json::json;

use crate::cli::{
    DiagArgs, DiagCommand, EmulateArgs, EmulateDevice, EmulatePrinterArgs, EmulateScannerArgs,
    PrinterPortArgs,
};
use crate::config::Config;

/// `motcua diag [SUBCOMMAND]`: without one, every check
/// ([`super::diagnose`]).
pub fn diag(
    config: &Config,
    config_path: Option<&std::path::Path>,
    args: DiagArgs,
) -> anyhow::Result<ExitCode> {
    let Some(command) = args.command else {
        return super::diagnose::run(config, config_path, &args.sources, args.json);
    };
    match command {
        DiagCommand::Bundle(b) => super::diagnose::bundle(config, config_path, &args.sources, &b),
        DiagCommand::Ports { json } => ports(json),
        DiagCommand::PrintSample(a) => {
            let mode: TextMode = a.text_mode.parse().map_err(|e: String| anyhow!(e))?;
            let receipt = match a.document.as_str() {
                "ticket" => samples::queue_ticket(),
                "receipt" => samples::dossier_receipt(),
                other => anyhow::bail!("unknown document {other:?}: use ticket or receipt"),
            };
            let profile = PrinterProfile {
                code_page: a.code_page,
                native_qr: !a.raster_qr,
                ..PrinterProfile::new(mode, paper(&a.printer)?)
            };
            let mut printer = open_printer(&a.printer, profile)?;
            report(printer.print(&receipt))
        }
        DiagCommand::PrintProbe(a) => {
            let paper = paper(&a)?;
            let mut printer = open_printer(&a, PrinterProfile::new(TextMode::Raster, paper))?;
            report(printer.print_bytes(&probe_job(paper, &DEFAULT_CANDIDATES)))
        }
        DiagCommand::ParseId => parse_id(io::stdin().lock(), &mut io::stdout().lock()),
        DiagCommand::Type(a) => super::typing::run(&a),
        DiagCommand::Announce(a) => super::voice::announce(config, &a),
        DiagCommand::PrinterStatus(a) => {
            let mut printer = open_printer(&a, PrinterProfile::new(TextMode::Raster, paper(&a)?))?;
            match printer.status() {
                Ok(status) => {
                    println!("{}", serde_json::to_string(&status)?);
                    Ok(ExitCode::SUCCESS)
                }
                Err(err) => Ok(device_error(&err)),
            }
        }
    }
}

fn paper(a: &PrinterPortArgs) -> anyhow::Result<Paper> {
    Paper::from_millimetres(a.paper).ok_or_else(|| anyhow!("paper must be 58 or 80 (mm)"))
}

fn open_printer(a: &PrinterPortArgs, profile: PrinterProfile) -> anyhow::Result<SerialPrinter> {
    let port: PortSelector = a
        .port
        .to_str()
        .ok_or_else(|| anyhow!("port path is not UTF-8"))?
        .parse()
        .map_err(|e: String| anyhow!(e))?;
    let settings = SerialSettings {
        baud: a.baud,
        read_timeout_ms: a.timeout_ms,
        ..SerialSettings::for_port(port)
    };
    SerialPrinter::open(settings, profile).context("serial settings")
}

fn report(result: Result<Printed, PrinterError>) -> anyhow::Result<ExitCode> {
    match result {
        Ok(printed) => {
            println!(
                "Đã in / printed: {} bytes{}",
                printed.bytes_sent,
                if printed.warnings.is_empty() {
                    String::new()
                } else {
                    format!(", warnings: {:?}", printed.warnings)
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => Ok(device_error(&err)),
    }
}

fn device_error(err: &PrinterError) -> ExitCode {
    let kind = err.kind();
    eprintln!(
        "motcua: {} ({kind}): {err}",
        crate::domain::wording::sentence(kind).0
    );
    ExitCode::from(1)
}

fn ports(as_json: bool) -> anyhow::Result<ExitCode> {
    let ports = list_ports();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&ports)?);
        return Ok(ExitCode::SUCCESS);
    }
    if ports.is_empty() {
        println!("Không tìm thấy cổng nối tiếp nào / no serial ports found");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<20} {:<10} {:<16} DESCRIPTION",
        "PATH", "USB ID", "SERIAL"
    );
    for p in ports {
        let usb = p.usb.map(|u| u.to_string()).unwrap_or_else(|| "-".into());
        let mut desc = p.description();
        if !p.aliases.is_empty() {
            desc.push_str(&format!(" ({})", p.aliases.join(", ")));
        }
        println!(
            "{:<20} {:<10} {:<16} {desc}",
            p.path,
            usb,
            p.serial_number.as_deref().unwrap_or("-")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads scanner lines and prints one JSON object per document or error.
/// The three lines of an MRZ make one document. Errors are data here: the
/// exit code is 0 whenever the input could be read.
pub fn parse_id(mut input: impl Read, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let mut framer = LineFramer::new();
    let mut assembler = DocumentAssembler::new();
    let mut buf = [0u8; 8192];
    let emit = |out: &mut dyn Write, value: serde_json::Value| -> io::Result<()> {
        writeln!(out, "{value}")
    };
    loop {
        let n = input.read(&mut buf).context("reading stdin")?;
        let mut frames = if n == 0 {
            // End of input ends the last line too.
            framer.push(b"\n")
        } else {
            framer.push(&buf[..n])
        };
        for frame in frames.drain(..) {
            let value = match frame {
                Ok(line) => match assembler.push(&line) {
                    None => continue,
                    Some(Ok(doc)) => serde_json::to_value(&doc)?,
                    Some(Err(err)) => id_error(&err),
                },
                Err(err) => {
                    json!({"error": {"code": frame_code(&err), "kind": "bad_data", "message": err.to_string()}})
                }
            };
            emit(out, value)?;
        }
        if n == 0 {
            if let Some(err) = assembler.finish() {
                emit(out, id_error(&err))?;
            }
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
    }
}

fn id_error(err: &IdError) -> serde_json::Value {
    let mut e = json!({"code": err.code(), "kind": err.kind(), "message": err.to_string()});
    if let IdError::CheckDigits(failures) = err {
        e["fields"] = serde_json::to_value(failures).unwrap_or_default();
    }
    json!({ "error": e })
}

fn frame_code(err: &motcua_drivers::scanner::FrameError) -> &'static str {
    use motcua_drivers::scanner::FrameError as F;
    match err {
        F::Oversize { .. } => "too_long",
        F::NotUtf8 { .. } => "not_utf8",
        F::Truncated { .. } => "truncated",
    }
}

/// `motcua emulate printer|scanner`.
pub fn emulate(args: EmulateArgs) -> anyhow::Result<ExitCode> {
    match args.device {
        EmulateDevice::Printer(a) => emulate_printer(a),
        EmulateDevice::Scanner(a) => emulate_scanner(a),
    }
}

fn emulate_printer(a: EmulatePrinterArgs) -> anyhow::Result<ExitCode> {
    let mut faults = Faults::default();
    if let Some(f) = &a.fault {
        faults.set(f.parse::<Fault>().map_err(|e| anyhow!(e))?, true);
    }
    let emulator = PrinterEmulator::start(PrinterEmulatorOptions {
        paper: Paper::from_millimetres(a.paper).ok_or_else(|| anyhow!("paper must be 58 or 80"))?,
        out_dir: Some(a.out.clone()),
        code_pages: CodePageMap {
            tcvn3_lower: a.tcvn3_page,
            tcvn3_upper: a.tcvn3_page.wrapping_add(1),
            cp1258: a.cp1258_page,
        },
        link: a.link.clone(),
        faults,
    })
    .context("starting the printer emulator")?;
    // The path first, alone on its line: scripts read it.
    println!("{}", emulator.path().display());
    io::stdout().flush()?;
    eprintln!(
        "Máy in giả lập / emulated printer on {} (pty {}); receipts go to {}. \
         Commands: paper-out|cover-open|offline|stall|near-end [off], clear, unplug, replug, quit",
        emulator.path().display(),
        emulator.pty_path().display(),
        a.out.display()
    );
    std::thread::scope(|scope| {
        scope.spawn(|| loop {
            if let Some(r) = emulator.recv_receipt(Duration::from_secs(3600)) {
                let png = r.png_path.as_ref().map(|p| p.display().to_string());
                println!("receipt {} {}", r.number, png.unwrap_or_default());
                let _ = io::stdout().flush();
            }
        });
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [] => {}
                ["quit"] | ["exit"] => std::process::exit(0),
                ["clear"] => emulator.clear_faults(),
                ["unplug"] => emulator.unplug(),
                ["replug"] => {
                    emulator.replug();
                    eprintln!("pty {}", emulator.pty_path().display());
                }
                [fault] | [fault, "on"] | [fault, "off"] => match fault.parse::<Fault>() {
                    Ok(f) => emulator.set_fault(f, words.get(1) != Some(&"off")),
                    Err(e) => {
                        eprintln!("{e}");
                        continue;
                    }
                },
                _ => {
                    eprintln!("unknown command {line:?}");
                    continue;
                }
            }
            // Acknowledge, so that a script knows the command took effect.
            println!("ok {line}");
            let _ = io::stdout().flush();
        }
        // Standard input closed (e.g. run in the background): keep serving.
        loop {
            std::thread::park();
        }
    })
}

fn emulate_scanner(a: EmulateScannerArgs) -> anyhow::Result<ExitCode> {
    let terminator: Terminator = a.terminator.parse().map_err(|e: String| anyhow!(e))?;
    if let Some(into) = &a.into {
        return type_into(into, terminator, a.file.as_deref());
    }
    let emulator = ScannerEmulator::start(terminator).context("starting the scanner emulator")?;
    println!("{}", emulator.path().display());
    io::stdout().flush()?;
    let input: Box<dyn BufRead> = match &a.file {
        Some(path) => Box::new(io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
        )),
        None => Box::new(io::stdin().lock()),
    };
    for line in input.lines() {
        let line = line.context("reading lines")?;
        emulator.send_line(line.trim_end_matches('\r'))?;
    }
    // Keep the pty open so the reader can drain what was sent.
    loop {
        std::thread::park();
    }
}

/// `motcua emulate scanner --into PATH`: types lines into a port, as a
/// scanner would, then exits. The lines come from `file`, or standard input
/// when it is not a terminal; with no line at all, the sample card.
fn type_into(
    into: &std::path::Path,
    terminator: Terminator,
    file: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let lines: Vec<String> = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))?
            .lines()
            .map(str::to_owned)
            .collect(),
        None if io::stdin().is_terminal() => Vec::new(),
        None => io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("reading standard input")?,
    };
    let mut lines: Vec<String> = lines
        .into_iter()
        .map(|l| l.trim_end_matches('\r').to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        lines.push(crate::apps::devices::SAMPLE_CARD.to_owned());
    }
    // Shared: the emulator (or a kiosk) keeps its own descriptor open.
    let port: PortSelector = into
        .to_str()
        .ok_or_else(|| anyhow!("port path is not UTF-8"))?
        .parse()
        .map_err(|e: String| anyhow!(e))?;
    let mut settings = SerialSettings::for_port(port);
    settings.exclusive = false;
    let mut port = motcua_drivers::SerialTransport::new(settings).context("serial settings")?;
    for line in &lines {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(terminator.bytes());
        motcua_drivers::Transport::write_all(&mut port, &bytes)
            .with_context(|| format!("writing to {}", into.display()))?;
    }
    eprintln!(
        "Đã gửi {} dòng vào / sent {} line(s) to {}",
        lines.len(),
        lines.len(),
        into.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_id_prints_one_object_per_document() {
        let input = "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021\r\n\
                     IDVNM0900123450001090012345<<1\r\n9003152M3003150VNM<<<<<<<<<<<2\r\nNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<\r\n\
                     bad line\n";
        let mut out = Vec::new();
        parse_id(input.as_bytes(), &mut out).unwrap();
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["kind"], "cccd_qr");
        assert_eq!(lines[0]["date_of_birth"], "1990-03-15");
        assert_eq!(lines[1]["kind"], "mrz_td1");
        assert_eq!(lines[1]["expires_on"], "2030-03-15");
        assert_eq!(lines[2]["error"]["code"], "not_recognised");
    }
}
