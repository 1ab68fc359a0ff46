//! The kiosk's rendering: a controller's [`KioskView`] written into the
//! Slint globals, one function per flow's global (`KioskAdapter`,
//! `QueueAdapter`, `FilingAdapter`, `KeyboardAdapter`, `LookupAdapter`,
//! `TechAdapter`). Also used by the snapshots and the tests.

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use super::controller::KioskView;
use crate::apps::devices::Preview;
use crate::apps::ui::{
    ChoiceItem, FilingAdapter, FormField, KeyboardAdapter, KioskAdapter, KioskWindow,
    LookupAdapter, PriorityItem, ProcedureItem, QueueAdapter, ServiceItem, TechAdapter,
    TechCheckItem, Theme, TimelineItem,
};

/// Sets every flow's global from a view. Also used by snapshots.
pub fn render_view(window: &KioskWindow, view: &KioskView, qr: Option<slint::Image>) {
    render_shell(window, view);
    render_queue(&window.global::<QueueAdapter>(), view, qr.clone());
    render_filing(&window.global::<FilingAdapter>(), view, qr);
    render_keyboard(&window.global::<KeyboardAdapter>(), view);
    render_lookup(&window.global::<LookupAdapter>(), view);
    render_technician(&window.global::<TechAdapter>(), view);
}

/// `KioskAdapter`: the page, the language and text size, home, message.
fn render_shell(window: &KioskWindow, view: &KioskView) {
    let adapter = window.global::<KioskAdapter>();
    let language_changed = adapter.get_language().as_str() != view.language;
    adapter.set_page(view.page);
    adapter.set_language(view.language.into());
    if language_changed {
        let lang = if view.language == "vi" {
            ""
        } else {
            view.language
        };
        if let Err(err) = slint::select_bundled_translation(lang) {
            tracing::warn!(%err, "cannot switch the screen language");
        }
    }
    adapter.set_large_text(view.large_text);
    window
        .global::<Theme>()
        .set_scale(if view.large_text { 1.25 } else { 1.0 });
    set_strings(
        &adapter.get_waiting_summary(),
        &view.queue.waiting_summary,
        |m| adapter.set_waiting_summary(m),
    );
    adapter.set_home_notice(view.home_notice.as_str().into());
    adapter.set_filing_enabled(view.filing_enabled);
    adapter.set_lookup_enabled(view.filing_enabled);
    adapter.set_rating_enabled(view.rating_enabled);
    adapter.set_message_title(view.message_title.as_str().into());
    adapter.set_message_text(view.message_text.as_str().into());
    adapter.set_can_retry(view.can_retry);
}

/// `QueueAdapter`: services, priorities, the ticket and its printing.
fn render_queue(adapter: &QueueAdapter<'_>, view: &KioskView, qr: Option<slint::Image>) {
    let q = &view.queue;
    adapter.set_services(model(
        q.services
            .iter()
            .map(|(code, prefix, name, detail, examples)| ServiceItem {
                code: code.into(),
                prefix: prefix.into(),
                name: name.into(),
                detail: detail.into(),
                examples: examples.into(),
            })
            .collect(),
    ));
    adapter.set_priorities(model(
        q.priorities
            .iter()
            .map(|(code, name)| PriorityItem {
                code: code.into(),
                name: name.into(),
            })
            .collect(),
    ));
    adapter.set_selected_service_name(q.selected_service_name.as_str().into());
    adapter.set_ticket_number(q.ticket_number.as_str().into());
    adapter.set_ticket_service(q.ticket_service.as_str().into());
    adapter.set_ticket_priority(q.ticket_priority.as_str().into());
    adapter.set_ticket_ahead(q.ticket_ahead.as_str().into());
    adapter.set_ticket_wait(q.ticket_wait.as_str().into());
    adapter.set_ticket_issued_at(q.ticket_issued_at.as_str().into());
    adapter.set_ticket_qr(qr.unwrap_or_default());
    adapter.set_ticket_qr_is_link(crate::domain::ticket_ref::is_link(&view.qr_payload));
    adapter.set_print_state(q.print_state);
    adapter.set_print_message(q.print_message.as_str().into());
    match &q.preview {
        Some(p) => {
            adapter.set_print_preview(preview_image(p));
            adapter.set_has_preview(true);
        }
        None => adapter.set_has_preview(false),
    }
}

/// `TechAdapter`: the PIN pad and the diagnostics screen.
fn render_technician(adapter: &TechAdapter<'_>, view: &KioskView) {
    let t = &view.tech;
    adapter.set_pin_dots(t.pin_dots.as_str().into());
    adapter.set_message(t.message.as_str().into());
    adapter.set_headline(t.headline.as_str().into());
    adapter.set_checks(model(
        t.rows
            .iter()
            .map(|r| TechCheckItem {
                name: r.name.as_str().into(),
                status: super::controller::technician::check_status(r.status),
                summary: r.summary.as_str().into(),
                selected: r.selected,
            })
            .collect(),
    ));
    adapter.set_detail_title(t.detail_title.as_str().into());
    adapter.set_detail(strings(&t.detail));
    adapter.set_action_text(t.action_text.as_str().into());
    adapter.set_action_status(t.action_status);
    adapter.set_busy(t.busy);
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// Replaces the rows of `current` in place when their number is the same
/// (the rows on screen stay, with their scroll position and state), else
/// hands a new model to `set`.
fn update_rows<T: Clone + PartialEq + 'static>(
    current: ModelRc<T>,
    items: Vec<T>,
    set: impl FnOnce(ModelRc<T>),
) {
    if let Some(rows) = current.as_any().downcast_ref::<VecModel<T>>() {
        if rows.row_count() == items.len() {
            for (i, item) in items.into_iter().enumerate() {
                if rows.row_data(i).as_ref() != Some(&item) {
                    rows.set_row_data(i, item);
                }
            }
            return;
        }
    }
    set(model(items));
}

fn strings(items: &[String]) -> ModelRc<SharedString> {
    model(
        items
            .iter()
            .map(|s| SharedString::from(s.as_str()))
            .collect(),
    )
}

/// `FilingAdapter`: the procedure list, the form, review, the receipt.
fn render_filing(adapter: &FilingAdapter<'_>, view: &KioskView, qr: Option<slint::Image>) {
    let f = &view.filing;
    adapter.set_procedures(model(
        f.procedures
            .iter()
            .map(|(code, name, group, detail)| ProcedureItem {
                code: code.into(),
                name: name.into(),
                group: group.into(),
                detail: detail.into(),
            })
            .collect(),
    ));
    adapter.set_search_text(f.search_text.as_str().into());
    adapter.set_procedure_name(f.procedure_name.as_str().into());
    adapter.set_procedure_documents(strings(&f.procedure_documents));
    adapter.set_procedure_fee(f.procedure_fee.as_str().into());
    adapter.set_procedure_time(f.procedure_time.as_str().into());
    adapter.set_procedure_presence(f.procedure_presence.as_str().into());
    adapter.set_scan_message(f.scan_message.as_str().into());
    adapter.set_scan_failed(f.scan_failed);
    adapter.set_form_scroll_field(f.form_scroll_field.as_str().into());
    adapter.set_form_scroll_request(f.form_scroll_request);
    // In place: the form's rows (and the list's scroll position) stay
    // while the citizen types.
    update_rows(
        adapter.get_form_fields(),
        f.form_fields
            .iter()
            .map(|f| FormField {
                key: f.key.as_str().into(),
                section: f.section.as_str().into(),
                label: f.label.as_str().into(),
                kind: f.kind.into(),
                value: f.value.as_str().into(),
                error: f.error.as_str().into(),
                help: f.help.as_str().into(),
                required: f.required,
                active: f.active,
                options: model(
                    f.options
                        .iter()
                        .map(|(value, label)| ChoiceItem {
                            value: value.into(),
                            label: label.into(),
                        })
                        .collect(),
                ),
            })
            .collect(),
        |rows| adapter.set_form_fields(rows),
    );
    adapter.set_form_summary(f.form_summary.as_str().into());
    adapter.set_review_lines(strings(&f.review_lines));
    adapter.set_review_fee(f.review_fee.as_str().into());
    adapter.set_filed_code(f.filed_code.as_str().into());
    adapter.set_filed_short_code(f.filed_short_code.as_str().into());
    adapter.set_filed_received(f.filed_received.as_str().into());
    adapter.set_filed_due(f.filed_due.as_str().into());
    adapter.set_filed_fee(f.filed_fee.as_str().into());
    adapter.set_filed_collect(f.filed_collect.as_str().into());
    adapter.set_filed_ticket(f.filed_ticket.as_str().into());
    adapter.set_filed_note(f.filed_note.as_str().into());
    if view.page == super::controller::Page::Filed {
        adapter.set_filed_qr(qr.unwrap_or_default());
    }
    adapter.set_print_state(f.print_state);
    adapter.set_print_message(f.print_message.as_str().into());
}

/// `KeyboardAdapter`: which keyboard shows, and the field typed in.
fn render_keyboard(adapter: &KeyboardAdapter<'_>, view: &KioskView) {
    let k = &view.keyboard;
    adapter.set_mode(k.mode);
    adapter.set_shift(k.shift);
    adapter.set_input_method(k.input_method.into());
    adapter.set_hint(k.hint.as_str().into());
    adapter.set_active_label(k.active_label.as_str().into());
    adapter.set_active_value(k.active_value.as_str().into());
}

/// `LookupAdapter`: the code typed and the dossier found.
fn render_lookup(adapter: &LookupAdapter<'_>, view: &KioskView) {
    let l = &view.lookup;
    adapter.set_input(l.input.as_str().into());
    adapter.set_error(l.error.as_str().into());
    adapter.set_title(l.title.as_str().into());
    adapter.set_status(l.status.as_str().into());
    adapter.set_due(l.due.as_str().into());
    adapter.set_timeline(model(
        l.timeline
            .iter()
            .map(|(at, label, note)| TimelineItem {
                at: at.into(),
                label: label.into(),
                note: note.into(),
            })
            .collect(),
    ));
}

fn set_strings(
    current: &ModelRc<SharedString>,
    want: &[String],
    set: impl FnOnce(ModelRc<SharedString>),
) {
    let same =
        current.row_count() == want.len() && current.iter().zip(want).all(|(a, b)| a.as_str() == b);
    if !same {
        set(ModelRc::new(VecModel::from(
            want.iter()
                .map(|s| SharedString::from(s.as_str()))
                .collect::<Vec<_>>(),
        )));
    }
}

/// "08:30 · Thứ Năm, 26/11/2026".
pub fn clock_text(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    lang: crate::apps::shell::Lang,
) -> String {
    let (time, date) = crate::apps::shell::clock_texts(now, tz, lang);
    format!("{time} · {date}")
}

/// A QR code as an RGB picture with a quiet zone, 8 pixels per module.
pub fn qr_pixels(payload: &str) -> Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>> {
    let code =
        qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let side = (modules + 2 * QUIET) * SCALE;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side as u32, side as u32);
    let pixels = buf.make_mut_slice();
    for (i, px) in pixels.iter_mut().enumerate() {
        let (x, y) = (i % side / SCALE, i / side / SCALE);
        let dark = x >= QUIET
            && y >= QUIET
            && x < QUIET + modules
            && y < QUIET + modules
            && colors[(y - QUIET) * modules + (x - QUIET)] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(buf)
}

fn preview_image(p: &Preview) -> slint::Image {
    let mut buf =
        slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(p.width as u32, p.height as u32);
    for (px, black) in buf.make_mut_slice().iter_mut().zip(p.dots.iter()) {
        let v = if *black { 20 } else { 250 };
        *px = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    slint::Image::from_rgb8(buf)
}
