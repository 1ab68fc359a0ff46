//! The ticket page: the number and its service, the people ahead and the
//! estimated wait, the counters of the service; when called, "Mời bạn đến
//! Quầy số N" in very large type; after the service, the rating form.
//!
//! The markup of each live region is written here and, identically, by the
//! script (`ticket.js`), which renders every `event: ticket` of the stream.

use motcua_api::phone::{PhoneRating, TicketPage};
use motcua_api::{RatingLevel, TicketState};
use serde_json::json;

use crate::page::{escape, frame, script_json, Frame};
use crate::words::{words, Words};
use crate::{Lang, PageUrls};

/// The script after its data (`P` the view, `W` the words, `U` the URLs).
const SCRIPT: &str = include_str!("ticket.js");

/// The whole ticket page.
pub fn ticket_html(page: &TicketPage, lang: Lang, urls: &PageUrls) -> String {
    let w = words(lang);
    let mut main = String::with_capacity(4096);
    main.push_str("<h1>");
    main.push_str(&escape(w.your_number));
    main.push_str("<span class=\"num\" id=\"num\">");
    main.push_str(&escape(&page.number));
    main.push_str("</span></h1><p class=\"svc\" id=\"svc\">");
    main.push_str(&escape(
        w.pick(&page.service_name_vi, &page.service_name_en),
    ));
    main.push_str("</p><div id=\"call\" class=\"call\" role=\"alert\" aria-live=\"assertive\">");
    main.push_str(&escape(&call_text(page, w)));
    main.push_str("</div><div id=\"live\" aria-live=\"polite\">");
    main.push_str(&status_html(page, w));
    main.push_str("</div><div id=\"rate\">");
    main.push_str(&rating_html(page, w, &urls.rate));
    main.push_str("</div><section aria-labelledby=\"ch\"><h2 id=\"ch\">");
    main.push_str(&escape(w.counters));
    main.push_str("</h2><ul id=\"ctr\">");
    main.push_str(&counters_html(page, w));
    main.push_str("</ul></section>");

    let script = format!(
        "var P={},W={},U={};\n{}",
        script_json(&json!(page)),
        script_json(&w.json()),
        script_json(&json!({ "events": urls.events, "rate": urls.rate })),
        SCRIPT
    );
    frame(&Frame {
        lang,
        title: &title(page, w),
        unit_name: &page.unit_name,
        lang_toggle: &urls.lang_toggle,
        main: &main,
        script: &script,
        refresh: true,
    })
}

/// The tab's title: the call when called, so a background tab shows it.
fn title(page: &TicketPage, w: &Words) -> String {
    match (page.state, page.called_counter) {
        (TicketState::Called, Some(c)) => format!("{}{c} · {}", w.title_call, page.number),
        _ => format!("{} · {}", page.number, w.ticket_title),
    }
}

/// "Mời bạn đến Quầy số N" while called; empty otherwise.
fn call_text(page: &TicketPage, w: &Words) -> String {
    match (page.state, page.called_counter) {
        (TicketState::Called, Some(c)) => format!("{}{c}", w.call),
        _ => String::new(),
    }
}

/// The polite live region: the place in line while waiting, else the
/// state in one sentence.
fn status_html(page: &TicketPage, w: &Words) -> String {
    match page.state {
        TicketState::Issued | TicketState::Transferred => format!(
            "<p class=\"fig\">{}<b>{}</b></p><p class=\"fig\">{}<b>{} {}</b></p><p>{}</p>",
            escape(w.ahead),
            page.people_ahead,
            escape(w.wait),
            page.estimated_wait_minutes,
            escape(w.minutes),
            escape(w.waiting)
        ),
        TicketState::Serving => format!(
            "<p class=\"st\">{}{}</p>",
            escape(w.serving),
            page.called_counter
                .map(|c| c.to_string())
                .unwrap_or_default()
        ),
        TicketState::Called => String::new(),
        other => w
            .state_sentence(other)
            .map(|s| format!("<p class=\"st\">{}</p>", escape(s)))
            .unwrap_or_default(),
    }
}

fn counters_html(page: &TicketPage, w: &Words) -> String {
    let mut out = String::new();
    for c in &page.counters {
        let me = page.called_counter == Some(c.number)
            && matches!(page.state, TicketState::Called | TicketState::Serving);
        out.push_str(if me { "<li class=\"me\">" } else { "<li>" });
        out.push_str(&escape(&c.name));
        out.push_str(" · ");
        if c.open {
            out.push_str("<span class=\"on\">");
            out.push_str(&escape(w.open));
        } else {
            out.push_str("<span class=\"off\">");
            out.push_str(&escape(w.closed));
        }
        out.push_str("</span></li>");
    }
    out
}

/// The level's button class: green, blue, red.
fn level_class(level: RatingLevel) -> &'static str {
    match level {
        RatingLevel::VerySatisfied => "l0",
        RatingLevel::Satisfied => "l1",
        RatingLevel::Unsatisfied => "l2",
    }
}

/// The rating: a real form (it posts without script) while open; the
/// thanks once rated.
fn rating_html(page: &TicketPage, w: &Words, rate_url: &str) -> String {
    match &page.rating {
        PhoneRating::Open { options } if options.enabled => {
            let mut out = String::new();
            out.push_str("<form id=\"rf\" method=\"post\" action=\"");
            out.push_str(&escape(rate_url));
            out.push_str("\"><h2>");
            out.push_str(&escape(w.rate_question));
            out.push_str("</h2>");
            let button = |out: &mut String, level: RatingLevel| {
                if let Some(info) = options.levels.iter().find(|l| l.code == level) {
                    out.push_str("<button type=\"submit\" name=\"level\" value=\"");
                    out.push_str(level.as_str());
                    out.push_str("\" class=\"");
                    out.push_str(level_class(level));
                    out.push_str("\">");
                    out.push_str(&escape(w.pick(&info.name_vi, &info.name_en)));
                    out.push_str("</button>");
                }
            };
            button(&mut out, RatingLevel::VerySatisfied);
            button(&mut out, RatingLevel::Satisfied);
            if !options.reasons.is_empty() {
                out.push_str("<fieldset><legend>");
                out.push_str(&escape(w.reasons));
                out.push_str("</legend>");
                for r in &options.reasons {
                    out.push_str("<label><input type=\"checkbox\" name=\"reasons\" value=\"");
                    out.push_str(&escape(&r.code));
                    out.push_str("\">");
                    out.push_str(&escape(w.pick(&r.name_vi, &r.name_en)));
                    out.push_str("</label>");
                }
                out.push_str("</fieldset>");
            }
            button(&mut out, RatingLevel::Unsatisfied);
            out.push_str("<p id=\"rmsg\" role=\"status\"></p></form>");
            out
        }
        PhoneRating::Done { level } => format!(
            "<p class=\"st\">{}{}</p>",
            escape(w.rated),
            escape(w.level(*level))
        ),
        _ => String::new(),
    }
}
