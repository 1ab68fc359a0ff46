//! The dossier page: the timeline (received, sent to the portal,
//! processing, result ready, collected), the due time, where to collect and
//! what to bring. The timeline and the due time are live: the script
//! (`dossier.js`) renders each `event: dossier` with the same markup.

use motcua_api::phone::DossierPage;
use serde_json::json;

use crate::page::{escape, format_at, frame, script_json, Frame};
use crate::words::{words, Words};
use crate::{Lang, PageUrls};

const SCRIPT: &str = include_str!("dossier.js");

/// The whole dossier page.
pub fn dossier_html(page: &DossierPage, lang: Lang, urls: &PageUrls) -> String {
    let w = words(lang);
    let mut main = String::with_capacity(4096);
    main.push_str("<h1>");
    main.push_str(&escape(w.code));
    main.push_str("<span class=\"code\">");
    main.push_str(&escape(&page.code));
    main.push_str("</span></h1><p class=\"svc\">");
    main.push_str(&escape(
        w.pick(&page.procedure_name_vi, &page.procedure_name_en),
    ));
    main.push_str("</p>");
    if page.training {
        main.push_str("<p class=\"train\">");
        main.push_str(&escape(w.training));
        main.push_str("</p>");
    }
    main.push_str("<div id=\"due\" aria-live=\"polite\">");
    main.push_str(&due_html(page, w));
    main.push_str("</div><section aria-labelledby=\"tlh\"><h2 id=\"tlh\">");
    main.push_str(&escape(w.progress));
    main.push_str("</h2><ol class=\"tl\" id=\"tl\" aria-live=\"polite\">");
    main.push_str(&steps_html(page, w));
    main.push_str("</ol></section>");
    let collect = w.pick(&page.collect_where_vi, &page.collect_where_en);
    if !collect.is_empty() {
        main.push_str("<h2>");
        main.push_str(&escape(w.collect));
        main.push_str("</h2><p>");
        main.push_str(&escape(collect));
        main.push_str("</p>");
    }
    let bring = if w.en() && !page.bring_en.is_empty() {
        &page.bring_en
    } else {
        &page.bring_vi
    };
    if !bring.is_empty() {
        main.push_str("<h2>");
        main.push_str(&escape(w.bring));
        main.push_str("</h2><ul>");
        for item in bring {
            main.push_str("<li>");
            main.push_str(&escape(item));
            main.push_str("</li>");
        }
        main.push_str("</ul>");
    }
    let script = format!(
        "var P={},W={},U={};\n{}",
        script_json(&json!(page)),
        script_json(&w.json()),
        script_json(&json!({ "events": urls.events })),
        SCRIPT
    );
    frame(&Frame {
        lang,
        title: &format!("{} {}", w.dossier_title, page.code),
        unit_name: &page.unit_name,
        lang_toggle: &urls.lang_toggle,
        main: &main,
        script: &script,
        refresh: true,
    })
}

fn due_html(page: &DossierPage, w: &Words) -> String {
    match &page.due_at {
        Some(at) => format!(
            "<p class=\"fig\">{}<b>{}</b></p>",
            escape(w.due),
            escape(&format_at(at))
        ),
        None => String::new(),
    }
}

fn steps_html(page: &DossierPage, w: &Words) -> String {
    let mut out = String::new();
    for step in &page.steps {
        out.push_str(if step.done {
            "<li class=\"done\">"
        } else {
            "<li>"
        });
        out.push_str(&escape(w.step(step.kind)));
        if let Some(at) = &step.at {
            out.push_str("<small>");
            out.push_str(&escape(&format_at(at)));
            out.push_str("</small>");
        }
        out.push_str("</li>");
    }
    out
}
