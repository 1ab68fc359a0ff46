//! `motcua diag …` and `motcua emulate …` as a technician runs them: the
//! real binary, real pseudo-terminals, no hardware.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use motcua_drivers::emulator::ScannerEmulator;
use motcua_drivers::{Scanner, ScannerProfile, SerialScanner, SerialSettings, Terminator};

const BIN: &str = env!("CARGO_BIN_EXE_motcua");

const DOMAIN_VECTORS: &str = "\
001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội|20042021
079195001234||Trần Thị Bình|01021995|Nữ|Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh|10072022
I<UTOD231458907<<<<<<<<<<<<<<<
7408122F1204159UTO<<<<<<<<<<<6
ERIKSSON<<ANNA<MARIA<<<<<<<<<<

IDVNM0900123450001090012345<<1
9003152M3003150VNM<<<<<<<<<<<2
NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<
001090012345|012345678|Nguyễn Văn An|31022000|Nam|Hà Nội|20042021
";

fn parse_id(input: &[u8]) -> Vec<serde_json::Value> {
    let mut child = Command::new(BIN)
        .args(["diag", "parse-id"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn parse_id_reads_the_domain_vectors_and_reports_bad_lines() {
    let docs = parse_id(DOMAIN_VECTORS.as_bytes());
    assert_eq!(docs.len(), 5, "{docs:#?}");

    let a = &docs[0];
    assert_eq!(a["kind"], "cccd_qr");
    assert_eq!(a["id_number"], "001090012345");
    assert_eq!(a["old_id_number"], "012345678");
    assert_eq!(a["full_name"], "Nguyễn Văn An");
    assert_eq!(a["date_of_birth"], "1990-03-15");
    assert_eq!(a["sex"], "male");
    assert_eq!(
        a["address"],
        "Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội"
    );
    assert_eq!(a["issued_on"], "2021-04-20");
    assert_eq!(a["expires_on"], serde_json::Value::Null);
    assert_eq!(a["warnings"], serde_json::json!([]));

    let b = &docs[1];
    assert_eq!(b["old_id_number"], serde_json::Value::Null);
    assert_eq!(b["sex"], "female");
    assert_eq!(b["full_name"], "Trần Thị Bình");

    let specimen = &docs[2];
    assert_eq!(specimen["kind"], "mrz_td1");
    assert_eq!(specimen["full_name"], "ERIKSSON ANNA MARIA");
    assert_eq!(specimen["date_of_birth"], "1974-08-12");
    assert_eq!(specimen["expires_on"], "2012-04-15");

    let vn = &docs[3];
    assert_eq!(vn["id_number"], "001090012345");
    assert_eq!(vn["full_name"], "NGUYEN VAN AN");
    assert_eq!(vn["expires_on"], "2030-03-15");

    assert_eq!(docs[4]["error"]["code"], "bad_date");
    assert_eq!(docs[4]["error"]["kind"], "bad_data");
}

#[test]
fn parse_id_handles_crlf_nfd_and_broken_bytes() {
    let docs = parse_id(
        "079195001234||Tra\u{0302}\u{0300}n Thi\u{0323} Bi\u{0300}nh|01021995|Nu\u{031B}\u{0303}|P|10072022\r\n"
            .as_bytes(),
    );
    assert_eq!(docs[0]["full_name"], "Trần Thị Bình");
    assert_eq!(docs[0]["sex"], "female");

    let mut bad = b"\xff\xfe|x\n".to_vec();
    bad.extend(vec![b'1'; 5000]);
    bad.extend_from_slice(b"\nIDVNM0900123450001090012345<<7\n9003152M3003150VNM<<<<<<<<<<<2\nNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<\n");
    let docs = parse_id(&bad);
    assert_eq!(docs[0]["error"]["code"], "not_utf8");
    assert_eq!(docs[1]["error"]["code"], "too_long");
    assert_eq!(docs[2]["error"]["code"], "check_digits");
    assert_eq!(docs[2]["error"]["fields"][0]["field"], "personal_number");
}

/// `motcua emulate printer` in the background, talking on stdin/stdout.
struct EmulatedPrinter {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl EmulatedPrinter {
    fn start(dir: &Path) -> (Self, String) {
        let mut child = Command::new(BIN)
            .args(["emulate", "printer", "--paper", "58", "--out"])
            .arg(dir.join("out"))
            .arg("--link")
            .arg(dir.join("printer"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut path = String::new();
        stdout.read_line(&mut path).unwrap();
        (
            Self {
                child,
                stdin,
                stdout,
            },
            path.trim().to_owned(),
        )
    }

    /// Reads the emulator's output up to the next line starting with `prefix`.
    fn wait_for(&mut self, prefix: &str) -> String {
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "emulator exited"
            );
            if line.starts_with(prefix) {
                return line.trim().to_owned();
            }
        }
    }

    fn command(&mut self, cmd: &str) {
        writeln!(self.stdin, "{cmd}").unwrap();
        self.wait_for(&format!("ok {cmd}"));
    }
}

impl Drop for EmulatedPrinter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `motcua diag …`, with a status timeout that a loaded CI machine meets
/// (the emulator answers in milliseconds when it gets the CPU).
fn diag(args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("diag").args(args);
    if args
        .first()
        .is_some_and(|c| ["print-sample", "print-probe", "printer-status"].contains(c))
    {
        cmd.args(["--timeout-ms", "5000"]);
    }
    cmd.output().unwrap()
}

#[test]
fn print_sample_and_status_against_the_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let (mut emu, path) = EmulatedPrinter::start(dir.path());
    assert_eq!(path, dir.path().join("printer").display().to_string());

    let status = diag(&["printer-status", "--port", &path]);
    assert!(status.status.success());
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["online"], true);

    for (i, mode) in ["tcvn3", "cp1258", "glyphs", "raster"].iter().enumerate() {
        let out = diag(&[
            "print-sample",
            "--port",
            &path,
            "--text-mode",
            mode,
            "--paper",
            "58",
        ]);
        assert!(
            out.status.success(),
            "{mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = emu.wait_for("receipt ");
        assert!(line.starts_with(&format!("receipt {} ", i + 1)), "{line}");
        let png = line.rsplit(' ').next().unwrap();
        assert!(Path::new(png).exists());
        let transcript = std::fs::read_to_string(png.replace(".png", ".txt")).unwrap();
        if *mode != "raster" {
            assert!(transcript.contains("SỐ THỨ TỰ"), "{mode}: {transcript}");
            assert!(
                transcript.contains("Lĩnh vực: Hộ tịch"),
                "{mode}: {transcript}"
            );
        }
    }

    emu.command("paper-out");
    let out = diag(&[
        "print-sample",
        "--port",
        &path,
        "--text-mode",
        "tcvn3",
        "--paper",
        "58",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("paper_out"));
    let status = diag(&["printer-status", "--port", &path]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["paper_out"], true);

    emu.command("clear");
    let out = diag(&["print-probe", "--port", &path, "--paper", "58"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    emu.wait_for("receipt 5 ");

    let bad = diag(&["print-sample", "--port", &path, "--text-mode", "utf8"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn scanner_emulator_sends_stdin_lines_to_a_pty() {
    let mut child = Command::new(BIN)
        .args(["emulate", "scanner", "--terminator", "cr"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut path = String::new();
    stdout.read_line(&mut path).unwrap();
    let mut scanner = SerialScanner::open(
        SerialSettings::for_port(Path::new(path.trim())),
        &ScannerProfile::default(),
    )
    .unwrap();
    assert!(scanner.read_line(Duration::ZERO).unwrap().is_none());
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", DOMAIN_VECTORS.lines().nth(1).unwrap()).unwrap();
    stdin.flush().unwrap();
    let doc = scanner
        .read_document(Duration::from_secs(20))
        .unwrap()
        .unwrap();
    assert_eq!(doc.full_name, "Trần Thị Bình");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn emulate_scanner_into_types_stdin_lines_into_a_port() {
    // The demo kiosk's emulated scanner: a pty read by the serial driver,
    // with an inbox other processes write into.
    let emu = ScannerEmulator::start(Terminator::Crlf).unwrap();
    let inbox = emu.open_inbox().unwrap();
    let mut settings = SerialSettings::for_port(emu.path());
    settings.exclusive = false;
    let mut scanner = SerialScanner::open(settings, &ScannerProfile::default()).unwrap();
    assert!(scanner.read_line(Duration::ZERO).unwrap().is_none());
    let mut child = Command::new(BIN)
        .args(["emulate", "scanner", "--into"])
        .arg(&inbox)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", DOMAIN_VECTORS.lines().nth(1).unwrap()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = scanner
        .read_document(Duration::from_secs(20))
        .unwrap()
        .unwrap();
    assert_eq!(doc.full_name, "Trần Thị Bình");

    // The kiosk takes any port.
    let help = Command::new(BIN)
        .args(["kiosk", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--scanner <PORT>"));
}
