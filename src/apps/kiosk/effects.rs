//! The kiosk's effects run: each [`Effect`] a controller returns becomes
//! a hub request on a tokio worker, a print job on a blocking thread, or a
//! device command; its result is posted back to the UI thread and fed to
//! the controller as a new input.

use std::sync::Arc;

use super::controller::Effect;
use super::{KioskApp, TechnicianTools};
use crate::apps::devices::SAMPLE_CARD;
use crate::apps::printing::QrPolicy;
use crate::apps::printing::{dossier_receipt, ticket_receipt};
use crate::apps::voice::{AudioSink, Clip};

impl KioskApp {
    /// Starts the work of one effect. UI thread.
    pub(super) fn run(&self, effect: Effect) {
        let ctx = Arc::clone(&self.ctx);
        match effect {
            Effect::RefreshQueue => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let (priorities, queue) = tokio::join!(ctx.hub.priorities(), ctx.hub.queue());
                    app.post(move |app| {
                        app.dispatch(|k| {
                            match priorities {
                                Ok(p) => k.set_priorities(p),
                                Err(err) => tracing::warn!(%err, "cannot load priority categories"),
                            }
                            match queue {
                                Ok(q) => k.queue_refreshed(&q),
                                Err(err) => {
                                    tracing::warn!(%err, "cannot load the queue");
                                    k.queue_failed();
                                }
                            }
                            Vec::new()
                        })
                    });
                });
            }
            Effect::IssueTicket(request) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx
                        .hub
                        .issue_ticket(&request.service, request.priority.as_deref(), &request.key)
                        .await;
                    if let Err(err) = &result {
                        tracing::warn!(%err, service = %request.service, "ticket not issued");
                    }
                    app.post(move |app| app.dispatch(|k| k.ticket_issued(&request.key, result)));
                });
            }
            Effect::PrintTicket { ticket, qr_payload } => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    let receipt = ticket_receipt(&ctx.office_name, &ticket, &qr_payload);
                    let outcome = ctx
                        .printer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .print(&receipt);
                    app.post(move |app| app.dispatch(|k| k.printed(ticket.id, outcome)));
                });
            }
            Effect::LoadCatalogue => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let catalogue = ctx.hub.procedures().await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.catalogue_loaded(catalogue);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::SubmitDossier { key, body } => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx.hub.file_dossier(&body, &key).await;
                    match &result {
                        Ok(d) => tracing::info!(code = %d.code, masked_id = %d.masked_id, "dossier filed"),
                        Err(err) => tracing::warn!(%err, "dossier not filed yet"),
                    }
                    app.post(move |app| app.dispatch(|k| k.dossier_filed(&key, result)));
                });
            }
            Effect::PrintFiled {
                filed,
                counters,
                ticket_qr,
            } => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    // One job after the other on the same printer: the
                    // receipt first, then the queue ticket to take along.
                    let mut printer = ctx.printer.lock().unwrap_or_else(|e| e.into_inner());
                    let columns = printer.columns();
                    let receipt =
                        printer.print(&dossier_receipt(&filed.receipt, &counters, columns));
                    let ticket = filed.ticket.as_ref().map(|t| {
                        let payload = ticket_qr
                            .clone()
                            .unwrap_or_else(|| QrPolicy::default().ticket_payload(t));
                        printer.print(&ticket_receipt(&ctx.office_name, t, &payload))
                    });
                    drop(printer);
                    app.post(move |app| app.dispatch(|k| k.filed_printed(receipt, ticket)));
                });
            }
            Effect::PrintedSound => {
                // Off the UI thread; no sound device is no failure.
                self.ctx.runtime.spawn_blocking(play_printed_sound);
            }
            Effect::LookupDossier(code) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let result = ctx.hub.dossier(&code).await;
                    app.post(move |app| app.dispatch(|k| k.lookup_answered(&code, result)));
                });
            }
            Effect::DemoScan => {
                if let Some(emulator) = &self.ctx.scanner_emulator {
                    let sent = emulator
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .send_line(SAMPLE_CARD);
                    if let Err(err) = sent {
                        tracing::warn!(%err, "the scanner emulator did not take the sample card");
                    }
                }
            }
            Effect::CheckPin(pin) => {
                let app = self.clone();
                self.ctx.runtime.spawn_blocking(move || {
                    let now = (ctx.clock)();
                    let outcome = match &ctx.technician {
                        Some(t) => t
                            .gate
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .attempt(&pin, now),
                        None => crate::apps::diagnostics::pin::PinOutcome::NotConfigured,
                    };
                    app.post(move |app| {
                        let now = (app.ctx.clock)();
                        app.dispatch(|k| k.pin_checked(outcome, now))
                    });
                });
            }
            Effect::RunDiagnostics => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let report = t.diagnostics.run_all().await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.diagnostics_done(report);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::TechAction(action) => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let result = t.diagnostics.act(action).await;
                    tracing::info!(
                        action = action.as_str(),
                        status = result.status.as_str(),
                        "technician action"
                    );
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.tech_action_done(result);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::ExportBundle { upload } => {
                let app = self.clone();
                self.ctx.runtime.spawn(async move {
                    let Some(t) = &ctx.technician else { return };
                    let result = export_bundle(t, upload).await;
                    app.post(move |app| {
                        app.dispatch(|k| {
                            k.tech_action_done(result);
                            Vec::new()
                        })
                    });
                });
            }
            Effect::CloseTech => {
                if let Some(t) = &self.ctx.technician {
                    t.gate.lock().unwrap_or_else(|e| e.into_inner()).close();
                }
            }
            Effect::ReportPrint {
                ticket,
                failure,
                key,
            } => {
                self.ctx.runtime.spawn(async move {
                    if let Err(err) = ctx.hub.report_print(ticket, failure.as_deref(), &key).await {
                        tracing::error!(%err, ticket, "could not tell the hub what the printer did");
                    }
                });
            }
        }
    }
}

/// A mounted USB stick (under `/media` or `/run/media`), or `fallback`.
pub fn usb_stick_dir(fallback: &std::path::Path) -> std::path::PathBuf {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|m| m.replace("\\040", " "))
        .filter(|m| m.starts_with("/media/") || m.starts_with("/run/media/"))
        .map(std::path::PathBuf::from)
        .find(|p| p.is_dir())
        .unwrap_or_else(|| fallback.to_owned())
}

/// Makes a support bundle (a fresh report, the configuration without
/// secrets, recent logs) and writes it to a USB stick or sends it to the
/// hub; the outcome as a check result for the technician screen.
async fn export_bundle(t: &TechnicianTools, upload: bool) -> crate::apps::diagnostics::CheckResult {
    use crate::apps::diagnostics::{bundle, CheckResult, Status};
    let started = std::time::Instant::now();
    let report = t.diagnostics.run_all().await;
    let outcome: Result<(String, String, serde_json::Value), String> =
        match t.diagnostics.bundle(&report) {
            Err(err) => Err(err.to_string()),
            Ok(bytes) if upload => t
                .diagnostics
                .upload_bundle(bytes)
                .await
                .map(|info| {
                    let details = serde_json::to_value(&info).unwrap_or_default();
                    (
                        "Đã gửi gói hỗ trợ lên máy chủ của phường.".to_owned(),
                        "The support bundle was sent to the office hub.".to_owned(),
                        details,
                    )
                })
                .map_err(|e| e.to_string()),
            Ok(bytes) => {
                let dir = usb_stick_dir(&t.fallback_dir);
                let name = bundle::file_name(&report.machine, report.created_at);
                bundle::write(&dir, &name, &bytes)
                    .map(|path| {
                        (
                            format!("Đã ghi gói hỗ trợ: {}", path.display()),
                            format!("Support bundle written: {}", path.display()),
                            serde_json::json!({ "path": path, "bytes": bytes.len() }),
                        )
                    })
                    .map_err(|e| e.to_string())
            }
        };
    let (status, summary_vi, summary_en, details) = match outcome {
        Ok((vi, en, details)) => (Status::Pass, vi, en, details),
        Err(err) => (
            Status::Fail,
            format!("Không tạo được gói hỗ trợ: {err}"),
            format!("The support bundle failed: {err}"),
            serde_json::Value::Null,
        ),
    };
    tracing::info!(upload, status = status.as_str(), "support bundle");
    CheckResult {
        name: if upload {
            "bundle_upload"
        } else {
            "bundle_usb"
        }
        .to_owned(),
        status,
        summary_vi,
        summary_en,
        details,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

/// The "printed" sound: one short bright tone (0.25 s, A5 with a quick
/// decay), distinct from the hall display's two-tone call chime.
pub fn printed_sound() -> Clip {
    const RATE: u32 = 22_050;
    let n = RATE as usize / 4;
    let samples = (0..n)
        .map(|i| {
            let t = i as f32 / RATE as f32;
            let envelope = (t / 0.005).min(1.0) * (-14.0 * t).exp();
            0.4 * envelope * (2.0 * std::f32::consts::PI * 880.0 * t).sin()
        })
        .collect();
    Clip {
        label: "printed".into(),
        channels: 1,
        sample_rate: RATE,
        samples: Arc::new(samples),
    }
}

/// Plays [`printed_sound`] on the sound card (rodio with the `audio`
/// feature, else `aplay`); without a device the log says so and the
/// kiosk carries on.
fn play_printed_sound() {
    let clip = [printed_sound()];
    #[cfg(feature = "audio")]
    let played = crate::apps::voice::RodioSink::open(1.0).and_then(|mut sink| sink.play(&clip));
    #[cfg(not(feature = "audio"))]
    let played = match crate::apps::voice::CommandSink::find(1.0) {
        Some(mut sink) => sink.play(&clip),
        None => Err(crate::apps::voice::AudioError::NoDevice(
            "aplay is not installed".into(),
        )),
    };
    if let Err(err) = played {
        tracing::info!(%err, "the printed-ticket sound did not play");
    }
}
