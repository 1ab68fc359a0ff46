//! The frame every phone page shares (head, style, header with the language
//! toggle, footer), HTML escaping, and the two refusals.

use serde_json::Value;

use crate::words::{words, Words};
use crate::Lang;

/// Large text, high contrast, one column that fits 360 px; no web fonts
/// (the phone's own sans-serif has the Vietnamese letters).
const STYLE: &str = include_str!("page.css");

/// Text for HTML content and attribute values (the city's dashboard uses
/// it too).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON value to embed in a `<script>`: no `<`, `>` or `&` (so no
/// `</script>` or `<!--` can end or change the script), and no U+2028/9,
/// which ES5 refuses inside a string literal. These only occur inside JSON
/// strings, where the `\u` escapes mean the same.
pub(crate) fn script_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `2026-11-26T09:05:00+07:00` → `09:05 26/11/2026` (the time as the
/// office wrote it, in its own offset); anything else as it is. The
/// script's `at()` does the same.
pub(crate) fn format_at(at: &str) -> String {
    let b = at.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() >= 16
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && digits(14..16)
        && b[10] == b'T'
    {
        format!(
            "{}:{} {}/{}/{}",
            &at[11..13],
            &at[14..16],
            &at[8..10],
            &at[5..7],
            &at[0..4]
        )
    } else {
        at.to_owned()
    }
}

/// What goes into the frame.
pub(crate) struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub unit_name: &'a str,
    pub lang_toggle: &'a str,
    pub main: &'a str,
    /// The page's script, without the tags; empty for none.
    pub script: &'a str,
    /// Refresh every 30 s when the browser runs no script.
    pub refresh: bool,
}

pub(crate) fn frame(f: &Frame<'_>) -> String {
    let w = words(f.lang);
    let mut out = String::with_capacity(8 * 1024 + f.main.len() + f.script.len());
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(f.lang.code());
    out.push_str("\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    out.push_str("<meta name=\"robots\" content=\"noindex,nofollow\">");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">");
    if f.refresh {
        // Inside <noscript>: a browser running the script never sees it,
        // so a live page does not reload every 30 s.
        out.push_str("<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>");
    }
    out.push_str("<title>");
    out.push_str(&escape(f.title));
    out.push_str("</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body><header>");
    // The toggle first: it floats right of the office's name.
    if !f.lang_toggle.is_empty() {
        out.push_str("<a class=\"lang\" href=\"");
        out.push_str(&escape(f.lang_toggle));
        out.push_str("\" lang=\"");
        out.push_str(f.lang.other().code());
        out.push_str("\">");
        out.push_str(w.toggle);
        out.push_str("</a>");
    }
    out.push_str("<p class=\"unit\">");
    out.push_str(&escape(f.unit_name));
    out.push_str("</p></header>\n<main id=\"main\">");
    out.push_str(f.main);
    out.push_str("</main>\n<footer><p>");
    out.push_str(w.live);
    out.push_str("</p></footer>");
    if !f.script.is_empty() {
        out.push_str("\n<script>");
        out.push_str(f.script);
        out.push_str("</script>");
    }
    out.push_str("</body></html>\n");
    out
}

/// The one answer (404) to an unknown ticket or dossier and to a wrong
/// token: the same bytes for both, so a guess learns nothing.
pub fn not_found_html(lang: Lang) -> String {
    refusal(
        words(lang),
        words(lang).not_found_title,
        words(lang).not_found,
    )
}

/// The answer (429) to a client over its request budget.
pub fn too_many_html(lang: Lang) -> String {
    refusal(
        words(lang),
        words(lang).too_many_title,
        words(lang).too_many,
    )
}

fn refusal(w: &Words, title: &str, text: &str) -> String {
    let main = format!(
        "<h1>{}</h1><p class=\"st\">{}</p>",
        escape(title),
        escape(text)
    );
    frame(&Frame {
        lang: w.lang,
        title,
        unit_name: "motcua",
        lang_toggle: "",
        main: &main,
        script: "",
        refresh: false,
    })
}
