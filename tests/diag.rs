//! Technician diagnostics: `motcua diag` (the real binary) against a
//! healthy and a broken setup, the diagnostics controller against the
//! printer emulator in each fault, device events from a kiosk printer to
//! the hub, the outbox's "retry now", the technician PIN under paused time,
//! and a support bundle with no personal data from a planted dossier.

use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use motcua::apps::devices::TicketPrinter;
use motcua::apps::diagnostics::events::hub_sink;
use motcua::apps::diagnostics::pin::{PinGate, PinOutcome};
use motcua::apps::diagnostics::scanner::ScannerMonitor;
use motcua::apps::diagnostics::{
    bundle, Action, Check, Diagnostics, PrinterSource, ScannerSource, Sources, Status,
};
use motcua::apps::hub_client::HubClient;
use motcua::config::Config;
use motcua_drivers::emulator::{Fault, PrinterEmulator, PrinterEmulatorOptions, ScannerEmulator};
use motcua_drivers::{Paper, PrinterProfile, SerialPrinter, SerialSettings, Terminator};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::filing::{copy_request, quick_office, wait_for_event};
use crate::util::{dead_url, motcua, SseReader, TestHub, COUNTER, DISPLAY, KIOSK, TECHNICIAN};

/// A printer emulator on a pty, reachable at `dir/printer`.
fn printer_emulator(dir: &Path) -> PrinterEmulator {
    PrinterEmulator::start(PrinterEmulatorOptions {
        link: Some(dir.join("printer")),
        ..PrinterEmulatorOptions::default()
    })
    .unwrap()
}

/// `motcua diag ARGS`, run off the async runtime (the hub keeps serving).
async fn diag(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        motcua()
            .arg("diag")
            .args(&args)
            .env("MOTCUA_LOG", "warn")
            .env_remove("MOTCUA_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diag_json_passes_when_healthy_and_names_the_failures_when_broken() {
    let hub = TestHub::start().await;
    let sandbox = hub.running.as_ref().unwrap().sandbox().unwrap().base_url();
    let dir = tempfile::tempdir().unwrap();
    let emulator = printer_emulator(dir.path());
    let args = |portal: &str| -> Vec<String> {
        vec![
            "--json".into(),
            "--hub".into(),
            hub.url.clone(),
            "--token".into(),
            TECHNICIAN.into(),
            "--db".into(),
            hub.db().display().to_string(),
            "--portal".into(),
            portal.to_owned(),
            "--printer".into(),
            dir.path().join("printer").display().to_string(),
        ]
    };

    let out = diag(args(&sandbox)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(out.status.code(), Some(0), "{report:#}\n{stderr}");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        Check::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()
    );
    for name in ["printer", "hub", "portal", "outbox", "database", "version"] {
        assert_eq!(check(&report, name)["status"], "pass", "{name}: {report:#}");
    }
    for c in report["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "fail", "{c:#}");
        assert!(c["summary_vi"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(c["summary_en"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(c["duration_ms"].is_u64());
    }
    assert_eq!(
        check(&report, "database")["details"]["database"]["ok"],
        true
    );
    assert_eq!(
        check(&report, "printer")["details"]["status"]["online"],
        true
    );

    // The printer runs out of paper and the portal goes away.
    emulator.set_fault(Fault::PaperOut, true);
    let out = diag(args(&dead_url())).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(out.status.code(), Some(1), "{report:#}\n{stderr}");
    let failed: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["printer", "portal"], "{report:#}");
    assert_eq!(report["status"], "fail");
    assert_eq!(check(&report, "printer")["details"]["kind"], "paper_out");
    assert!(check(&report, "printer")["summary_vi"]
        .as_str()
        .unwrap()
        .contains("hết giấy"));
    assert!(
        stderr.contains("failed checks: printer, portal"),
        "the failing checks are named on stderr: {stderr}"
    );
    assert_eq!(check(&report, "hub")["status"], "pass");

    // The table for people over SSH, with the same exit status.
    let mut table_args = args(&dead_url());
    table_args.remove(0);
    let out = diag(table_args).await;
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        table.contains("printer") && table.contains("FAIL"),
        "{table}"
    );
    assert!(table.contains("Máy in đã hết giấy"), "{table}");
    hub.stop().await;
}

/// The controller over the real serial driver and the pty emulator.
fn pty_printer(emulator: &PrinterEmulator) -> PrinterSource {
    let mut settings = SerialSettings::for_port(emulator.path());
    // Long enough for a loaded CI machine; the stalled printer below costs
    // this twice.
    settings.read_timeout_ms = 2000;
    let printer = SerialPrinter::open(settings, PrinterProfile::default()).unwrap();
    PrinterSource {
        printer: Arc::new(Mutex::new(printer)),
        description: format!("emulator {}", emulator.path().display()),
        paper: Paper::Mm80,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controller_sees_every_printer_fault_and_the_actions_print() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = printer_emulator(dir.path());
    let scanner = ScannerEmulator::start(Terminator::Crlf).unwrap();
    let mut sources = Sources::new(Arc::new(Config::demo()), None);
    sources.printer = Some(pty_printer(&emulator));
    let mut scan_settings = SerialSettings::for_port(scanner.path());
    scan_settings.exclusive = false;
    sources.scanner = Some(ScannerSource::Port {
        settings: scan_settings,
        profile: Default::default(),
        wait: Duration::from_secs(10),
    });
    sources.ports = Arc::new(Vec::new);
    let d = Diagnostics::new(sources);

    let r = d.run(Check::Printer).await;
    assert_eq!(r.status, Status::Pass, "{r:?}");
    for action in [Action::TestPrint, Action::ProbePrint, Action::FeedAndCut] {
        let r = d.act(action).await;
        assert_eq!(r.status, Status::Pass, "{action:?}: {r:?}");
        assert_eq!(r.name, action.as_str());
        let receipt = emulator
            .recv_receipt(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{action:?} printed nothing"));
        if action == Action::TestPrint {
            assert!(
                receipt.transcript.contains("SỐ THỨ TỰ"),
                "{}",
                receipt.transcript
            );
        }
        if action == Action::ProbePrint {
            assert!(
                receipt.transcript.contains("CODE PAGE PROBE"),
                "{}",
                receipt.transcript
            );
        }
    }

    for (fault, status, kind) in [
        (Fault::PaperOut, Status::Fail, Some("paper_out")),
        (Fault::CoverOpen, Status::Fail, Some("cover_open")),
        (Fault::Offline, Status::Fail, Some("offline")),
        (Fault::Stall, Status::Fail, Some("timeout")),
        (Fault::PaperNearEnd, Status::Warn, None),
    ] {
        emulator.clear_faults();
        emulator.set_fault(fault, true);
        let r = d.run(Check::Printer).await;
        assert_eq!(r.status, status, "{fault:?}: {r:?}");
        assert_eq!(r.details["kind"].as_str(), kind, "{fault:?}: {r:?}");
        if status == Status::Fail {
            let r = d.act(Action::TestPrint).await;
            assert_eq!(r.status, Status::Fail, "{fault:?}: {r:?}");
            assert_eq!(r.details["kind"].as_str(), kind, "{fault:?}: {r:?}");
        }
    }
    emulator.clear_faults();
    // The stalled printer's late replies are behind us.
    assert_eq!(d.run(Check::Printer).await.status, Status::Pass);

    // Unplugged: the port is gone (noticed on the write, or as silence
    // while the old descriptor hangs up, depending on the race).
    emulator.unplug();
    let r = d.run(Check::Printer).await;
    assert_eq!(r.status, Status::Fail, "{r:?}");
    assert!(
        ["disconnected", "timeout"].contains(&r.details["kind"].as_str().unwrap()),
        "{r:?}"
    );
    emulator.replug();

    // The scanner: a card scanned, read by the check, shown masked.
    scanner
        .send_line("001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021")
        .unwrap();
    let r = d.run(Check::Scanner).await;
    assert_eq!(r.status, Status::Pass, "{r:?}");
    let frame = r.details["frame"].as_str().unwrap();
    assert!(frame.starts_with("001******345|"), "{frame}");
    assert!(
        !frame.contains("Nguyễn") && !frame.contains("Hà Nội"),
        "{frame}"
    );

    // No hub, no portal, no database here: skipped, not failed.
    for c in [Check::Hub, Check::Portal, Check::Outbox, Check::Database] {
        let r = d.run(c).await;
        assert_eq!(r.status, Status::Pass, "{c:?}: {r:?}");
        assert_eq!(r.details["skipped"], true);
    }
    let r = d.run(Check::SerialPorts).await;
    assert_eq!(r.status, Status::Warn, "no ports: {r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_printer_fault_and_recovery_reach_the_hub() {
    let hub = TestHub::start().await;
    let mut events = SseReader::connect(&hub.url, DISPLAY, Some(0)).await;
    let printer = TicketPrinter::emulated(PrinterProfile::default()).unwrap();
    let emulator_path = printer.emulator().unwrap().path();
    printer.health().connect(
        hub_sink(
            tokio::runtime::Handle::current(),
            HubClient::new(&hub.url, KIOSK),
        ),
        // The demo kiosk token speaks for the kiosk it names, and only for it.
        Some("demo-kiosk".into()),
    );
    let printer = Arc::new(Mutex::new(printer));
    let mut sources = Sources::kiosk(
        Arc::new(Config::demo()),
        None,
        &printer,
        Some((ScannerMonitor::new(), "emulator".into())),
        &hub.url,
        Some(hub.db()),
        None,
    );
    sources.ports = Arc::new(Vec::new);
    let d = Diagnostics::new(sources);

    // A ticket fails to print: paper out.
    printer
        .lock()
        .unwrap()
        .emulator()
        .unwrap()
        .set_fault(Fault::PaperOut, true);
    let outcome = tokio::task::block_in_place(|| {
        printer
            .lock()
            .unwrap()
            .print(&motcua_drivers::printer::samples::queue_ticket())
    });
    assert!(outcome.result.is_err());
    let fault = loop {
        let e = events.next().await.unwrap();
        if e.kind.starts_with("device.") {
            break e;
        }
    };
    assert_eq!(fault.kind, "device.fault");
    assert_eq!(fault.data["data"]["kiosk"], "demo-kiosk");
    assert_eq!(fault.data["data"]["kind"], "paper_out");
    assert_eq!(fault.data["data"]["out_of_service"], true);
    let (_, health) = hub.client(DISPLAY).get("/api/v1/health").await;
    assert_eq!(health["status"], "ok", "existing fields stay: {health}");
    assert_eq!(health["kiosks"][0]["kiosk"], "demo-kiosk");
    assert_eq!(health["kiosks"][0]["out_of_service"], true);
    assert_eq!(health["kiosks"][0]["devices"][0]["kind"], "paper_out");
    assert!(health["kiosks"][0]["devices"][0]["message_vi"]
        .as_str()
        .unwrap()
        .contains("máy in hết giấy"));
    // The hub check warns about the kiosk out of service.
    let r = d.run(Check::Hub).await;
    assert_eq!(r.status, Status::Warn, "{r:?}");
    assert!(r.summary_vi.contains("demo-kiosk"), "{r:?}");

    // The technician loads paper and checks the printer: recovered.
    printer.lock().unwrap().emulator().unwrap().clear_faults();
    let r = d.run(Check::Printer).await;
    assert_eq!(
        r.status,
        Status::Pass,
        "{r:?} ({})",
        emulator_path.display()
    );
    let recovered = loop {
        let e = events.next().await.unwrap();
        if e.kind.starts_with("device.") {
            break e;
        }
    };
    assert_eq!(recovered.kind, "device.recovered");
    assert_eq!(recovered.data["data"]["previous_kind"], "paper_out");
    let (status, list) = hub.client(COUNTER).get("/api/v1/devices").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["kiosks"][0]["out_of_service"], false);
    assert_eq!(list["kiosks"][0]["devices"][0]["state"], "ok");
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_events_are_idempotent_and_checked() {
    let hub = TestHub::start().await;
    let kiosk = hub.client(KIOSK);
    let report = json!({"device": "printer", "state": "fault", "kind": "cover_open"});
    let (status, first) = kiosk
        .post("/api/v1/devices/events", Some(&report), Some("k-1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["changed"], true);
    assert_eq!(first["kiosk"], "demo-kiosk", "named after the token");
    let (_, replay) = kiosk
        .post("/api/v1/devices/events", Some(&report), Some("k-1"))
        .await;
    assert_eq!(replay, first, "a retry gets the same answer");
    let (_, again) = kiosk
        .post("/api/v1/devices/events", Some(&report), Some("k-2"))
        .await;
    assert_eq!(again["changed"], false, "the same state is no news");
    assert_eq!(again["since"], first["since"]);
    let mut events = SseReader::connect(&hub.url, DISPLAY, Some(0)).await;
    kiosk
        .post(
            "/api/v1/devices/events",
            Some(&json!({"device": "printer", "state": "ok"})),
            Some("k-3"),
        )
        .await;
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let e = events.next().await.unwrap();
        if e.kind.starts_with("device.") {
            kinds.push(e.kind);
        }
    }
    assert_eq!(
        kinds,
        ["device.fault", "device.recovered"],
        "one event per change"
    );

    for (body, what) in [
        (json!({"device": "toaster", "state": "ok"}), "device"),
        (json!({"device": "printer", "state": "broken"}), "state"),
        (json!({"device": "printer", "state": "fault"}), "kind"),
        (
            json!({"device": "printer", "state": "ok", "kiosk": "a b"}),
            "kiosk",
        ),
    ] {
        let (status, err) = kiosk
            .post("/api/v1/devices/events", Some(&body), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {err}");
        assert!(err["message_vi"].is_string() && err["message_en"].is_string());
    }
    let (status, _) = hub
        .client(DISPLAY)
        .post("/api/v1/devices/events", Some(&report), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in ["/api/v1/diagnostics", "/api/v1/support-bundles"] {
        let (status, _) = kiosk.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path} is for technicians");
    }
    let (status, _) = kiosk.post("/api/v1/outbox/retry", None, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_now_delivers_a_dossier_without_waiting_out_the_backoff() {
    let mut config = quick_office();
    // Ten minutes between attempts: only "retry now" delivers in time.
    config.filing.retry_initial_ms = 600_000;
    config.filing.retry_max_ms = 600_000;
    let hub = TestHub::with(config, None).await;
    let sandbox = hub.running.as_ref().unwrap().sandbox().unwrap();
    sandbox.set_fault(motcua::portal::sandbox::Fault {
        mode: motcua::portal::sandbox::FaultMode::Error,
        delay: Duration::ZERO,
    });
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&copy_request(2)), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    wait_for_event(&mut events, "dossier.delivery_failed", &code).await;
    let tech = hub.client(TECHNICIAN);
    let (_, diagnostics) = tech.get("/api/v1/diagnostics").await;
    assert_eq!(diagnostics["outbox"]["pending"], 1, "{diagnostics}");
    assert_eq!(diagnostics["outbox"]["oldest_code"], code.as_str());
    assert!(diagnostics["outbox"]["last_error"].is_string());
    assert_eq!(diagnostics["database"]["ok"], true);

    sandbox.set_fault(motcua::portal::sandbox::Fault::NONE);
    let (status, answer) = tech.post("/api/v1/outbox/retry", None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["retrying"], true);
    // A guard against a hang, not a timing assertion: the backoff is 10 min.
    tokio::time::timeout(
        Duration::from_secs(60),
        wait_for_event(&mut events, "dossier.sent", &code),
    )
    .await
    .expect("retry now delivers the dossier");
    let (_, diagnostics) = tech.get("/api/v1/diagnostics").await;
    assert_eq!(diagnostics["outbox"]["pending"], 0);
    hub.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_technician_pin_locks_for_five_minutes_in_paused_time() {
    let start = tokio::time::Instant::now();
    let now = || start.elapsed();
    let hash = motcua::apps::diagnostics::pin::hash_pin("2468").unwrap();
    let mut gate = PinGate::new(Some(hash));
    for left in (1..=4).rev() {
        assert_eq!(
            gate.attempt("1357", now()),
            PinOutcome::Wrong {
                attempts_left: left
            }
        );
    }
    assert!(matches!(
        gate.attempt("1357", now()),
        PinOutcome::LockedOut { .. }
    ));
    tokio::time::advance(Duration::from_secs(299)).await;
    assert!(
        matches!(gate.attempt("2468", now()), PinOutcome::LockedOut { retry_in } if retry_in == Duration::from_secs(1)),
        "the right PIN is refused while locked"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(gate.attempt("2468", now()), PinOutcome::Granted);
    assert!(gate.is_open(now()));
    tokio::time::advance(Duration::from_secs(120)).await;
    assert!(
        !gate.is_open(now()),
        "two idle minutes close the technician mode"
    );
}

#[test]
fn hash_pin_reads_the_pin_from_stdin() {
    use std::io::Write;
    let mut child = motcua()
        .arg("hash-pin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"246810\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hash = String::from_utf8(out.stdout).unwrap();
    let hash = hash.trim();
    assert!(motcua::apps::diagnostics::pin::verify_pin(hash, "246810"));
    assert!(!motcua::apps::diagnostics::pin::verify_pin(hash, "246811"));
    // And the configuration takes it.
    let mut config = Config::demo();
    config.kiosk.technician_pin_hash = Some(hash.to_owned());
    config.validate().unwrap();
    config.kiosk.technician_pin_hash = Some("2468".into());
    let err = config.validate().unwrap_err().to_string();
    assert!(err.contains("kiosk.technician_pin_hash"), "{err}");
}

#[test]
fn a_world_readable_configuration_with_secrets_is_named_in_the_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("motcua.toml");
    std::fs::write(&path, include_str!("../packaging/motcua.toml")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = || {
        motcua()
            .arg("--config")
            .arg(&path)
            .args(["diag", "--json", "--hub", &dead_url(), "--db"])
            .arg(dir.path().join("none.db"))
            .env("MOTCUA_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains(&path.display().to_string()), "{log}");
    assert!(log.contains("chmod 640"), "{log}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check(&report, "configuration")["status"], "warn");
    let masked = check(&report, "configuration")["details"]["masked"]
        .as_str()
        .unwrap();
    assert!(!masked.contains("CHANGE-ME-kiosk-0123456789"), "{masked}");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = run();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("chmod 640"), "{log}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check(&report, "configuration")["status"], "pass");
}

/// A citizen whose data must never leave the hub in a bundle.
const PLANTED_ID: &str = "079301004567";
const PLANTED_NAME: &str = "Phạm Thị Hồng Nhung";
const PLANTED_ADDRESS: &str = "Số 27 Ngõ Văn Chương, Phường Văn Miếu, Hà Nội";
const PLANTED_PHONE: &str = "0987654321";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_bundle_carries_no_personal_data_of_a_planted_dossier() {
    // The portal is down: the dossier stays in the outbox with an error.
    let portal = dead_url();
    let hub = TestHub::with_portal(
        quick_office(),
        None,
        motcua::hub::PortalTarget::Url(portal.clone()),
    )
    .await;
    let mut events = SseReader::connect(&hub.url, COUNTER, Some(0)).await;
    let mut request = copy_request(3);
    request["applicant"] = json!({
        "name": PLANTED_NAME,
        "id_number": PLANTED_ID,
        "address": PLANTED_ADDRESS,
        "phone": PLANTED_PHONE,
    });
    let (status, filed) = hub
        .client(KIOSK)
        .post("/api/v1/dossiers", Some(&request), Some("plant-1"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let code = filed["code"].as_str().unwrap().to_owned();
    wait_for_event(&mut events, "dossier.delivery_failed", &code).await;

    let dir = tempfile::tempdir().unwrap();
    let usb = dir.path().join("usb/");
    let out = tokio::task::spawn_blocking({
        let (url, db, usb) = (hub.url.clone(), hub.db(), usb.clone());
        move || {
            motcua()
                .args(["diag", "bundle", "--upload", "--to"])
                .arg(&usb)
                .args([
                    "--hub", &url, "--token", TECHNICIAN, "--portal", &portal, "--db",
                ])
                .arg(&db)
                .env("MOTCUA_LOG", "debug")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The portal is down: the checks fail, the bundle is made anyway.
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let mut lines = stdout.lines();
    let written = lines.next().unwrap().to_owned();
    let uploaded = lines.next().unwrap().to_owned();
    assert!(written.starts_with(&usb.display().to_string()), "{written}");
    let bytes = std::fs::read(&written).unwrap();

    let files = bundle::read(&bytes).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "manifest.json",
        "diagnostics.json",
        "config.toml",
        "log.txt",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let text = String::from_utf8_lossy(&bytes);
    for personal in [
        PLANTED_ID,
        PLANTED_NAME,
        PLANTED_ADDRESS,
        PLANTED_PHONE,
        "Hồng Nhung",
        "Văn Chương",
    ] {
        assert!(
            !text.contains(personal),
            "{personal:?} is in the support bundle"
        );
    }
    assert!(!text.contains(TECHNICIAN), "a token is in the bundle");
    // What a technician needs is there: the dossier waits, the portal fails.
    let diagnostics: Value = serde_json::from_slice(&files[1].1).unwrap();
    assert_eq!(
        check(&diagnostics, "outbox")["details"]["outbox"]["pending"],
        1
    );
    assert_eq!(
        check(&diagnostics, "outbox")["details"]["outbox"]["oldest_code"],
        code.as_str()
    );
    assert_eq!(check(&diagnostics, "portal")["status"], "fail");

    // The hub keeps the uploaded copy for the technicians.
    let tech = hub.client(TECHNICIAN);
    let (status, list) = tech.get("/api/v1/support-bundles").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["name"], uploaded.as_str(), "{list}");
    let stored = tech
        .http
        .get(format!("{}/api/v1/support-bundles/{uploaded}", hub.url))
        .bearer_auth(TECHNICIAN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bundle::read(&stored).unwrap()[0].0, "manifest.json");
    let stored_text = String::from_utf8_lossy(&stored);
    for personal in [PLANTED_ID, PLANTED_NAME, PLANTED_ADDRESS] {
        assert!(!stored_text.contains(personal));
    }
    // Not a bundle: refused.
    let resp = tech
        .http
        .post(format!("{}/api/v1/support-bundles", hub.url))
        .bearer_auth(TECHNICIAN)
        .body("not a tar")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = tech
        .get("/api/v1/support-bundles/motcua-support-0000000000000000.tar")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    hub.stop().await;
}

/// A raw key, as the technician screen must never show one: `status.paper_out`,
/// `paper_out`, `true`/`false`. Paths and addresses (with `/`) are what they
/// are.
fn raw_keys(text: &str) -> Vec<String> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    text.split_whitespace()
        .filter(|t| !t.contains('/'))
        .flat_map(|t| t.split(move |c: char| !is_word(c)))
        .map(|t| t.trim_matches('.'))
        .filter(|t| {
            let lower_word =
                |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            let dotted = t.split('.').count() > 1 && t.split('.').all(lower_word);
            let snake = t.split('_').collect::<Vec<_>>().windows(2).any(|w| {
                w[0].ends_with(|c: char| c.is_ascii_lowercase())
                    && w[1].starts_with(|c: char| c.is_ascii_lowercase())
            });
            dotted || snake || *t == "true" || *t == "false"
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_technician_screen_names_every_check_and_state_in_words() {
    use motcua::apps::diagnostics::checks;
    use motcua::apps::diagnostics::Report;
    use motcua::apps::kiosk::controller::Kiosk;
    use motcua::apps::kiosk::technician::HOLD;
    use motcua::apps::kiosk::{overflow, render_view};
    use motcua::apps::printing::QrPolicy;

    assert_eq!(
        raw_keys("status.paper_out: true · /dev/serial/by-id/usb-a_b · x86_64 · Máy in: có"),
        ["status.paper_out", "true"]
    );
    // Every check with the details it really carries, a printer out of
    // paper and a scanner that read a card among them.
    let frames = ScannerMonitor::new();
    frames.record("001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021");
    let status = motcua_drivers::PrinterStatus {
        online: true,
        paper_out: true,
        paper_near_end: true,
        ..Default::default()
    };
    let reach = |url: &str, ms: u64| checks::Reach {
        url: url.to_owned(),
        latency: Duration::from_millis(ms),
        outcome: Ok(200),
        body: json!({"kiosks": [{"kiosk": "kiosk-1", "out_of_service": false, "devices": [{
            "kiosk": "kiosk-1", "device": "printer", "state": "fault", "kind": "paper_out",
            "since": "2026-11-26T01:30:00Z", "updated_at": "2026-11-26T01:30:00Z",
            "message_vi": "Kiosk kiosk-1: máy in hết giấy.", "message_en": "Kiosk kiosk-1: printer out of paper."}]}]}),
    };
    let report = Report::new(
        "kiosk-1",
        vec![
            checks::version(),
            checks::configuration(
                Some(Path::new("/etc/motcua/motcua.toml")),
                false,
                "[filing]\nportal_url = \"sandbox\"\n",
                None,
            ),
            checks::serial_ports(&[motcua_drivers::discovery::PortInfo {
                path: "/dev/ttyUSB0".into(),
                kind: "usb".into(),
                usb: None,
                serial_number: Some("A1".into()),
                manufacturer: Some("Prolific".into()),
                product: None,
                aliases: vec!["/dev/serial/by-id/usb-Prolific_1".into()],
            }]),
            checks::printer("/dev/ttyUSB0 (raster)", &Ok(status)),
            checks::scanner("/dev/ttyACM0", &frames.snapshot()),
            checks::hub(&reach("http://127.0.0.1:8686", 3)),
            checks::portal(&reach("http://127.0.0.1:8687", 1200)),
            checks::outbox(
                &motcua_api::OutboxSummary {
                    pending: 2,
                    oldest_code: Some("000.25.31.H26-261126-0007".into()),
                    oldest_created_at_ms: Some(1_764_120_600_000),
                    last_attempt_at_ms: Some(1_764_120_900_000),
                    last_error: Some("portal answered 503".into()),
                    max_attempts: 3,
                },
                chrono::Utc::now(),
                "hub",
            ),
            checks::database(
                &motcua_api::DatabaseReport {
                    path: "/var/lib/motcua/motcua.db".into(),
                    ok: true,
                    integrity: vec!["ok".into()],
                    schema_version: 7,
                    size_bytes: 2_000_000,
                    wal_bytes: 100_000,
                    free_bytes: Some(20_000_000_000),
                },
                "hub",
            ),
            checks::log(&[
                "2026-11-26T01:30:00Z  WARN motcua::apps::kiosk: print failed kind=paper_out"
                    .into(),
            ]),
        ],
    );
    let config = Config::demo();
    let (screen, window) = motcua::apps::kiosk::snapshot::render_window(&config).unwrap();
    screen.set_size(1080, 1920);
    for english in [false, true] {
        let mut k = Kiosk::new(Duration::from_secs(90), QrPolicy::default(), Duration::ZERO);
        if english {
            k.toggle_language(Duration::ZERO);
        }
        k.corner(true, Duration::ZERO);
        k.tick(HOLD);
        k.tech_key("1", HOLD);
        k.tech_key("done", HOLD);
        k.pin_checked(PinOutcome::Granted, HOLD);
        k.diagnostics_done(report.clone());
        assert_eq!(motcua::apps::kiosk::controller::page_name(k.page()), "tech");
        let mut seen = Vec::new();
        for check in &report.checks {
            k.tech_select(&check.name, HOLD);
            render_view(&window, &k.view(), None);
            let texts: Vec<String> = overflow::texts(&window, "tech")
                .into_iter()
                .map(|t| t.text)
                .collect();
            let raw: Vec<(String, Vec<String>)> = texts
                .iter()
                .map(|t| (t.clone(), raw_keys(t)))
                .filter(|(_, r)| !r.is_empty())
                .collect();
            assert!(
                raw.is_empty(),
                "raw keys on the {} technician screen ({}): {raw:#?}",
                if english { "English" } else { "Vietnamese" },
                check.name
            );
            seen.extend(texts);
        }
        let all = seen.join("\n");
        if english {
            assert!(all.contains("Out of paper: yes"), "{all}");
        } else {
            for words in ["Máy in", "Đầu đọc thẻ", "Hết giấy: có", "Cơ sở dữ liệu"]
            {
                assert!(all.contains(words), "{words:?} missing: {all}");
            }
        }
    }
}
