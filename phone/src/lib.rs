//! # motcua-phone
//!
//! The citizen's phone pages: what a phone shows after scanning the QR code
//! of a queue ticket (`/t/…`) or of a filing receipt (`/d/…`). The office
//! hub serves them on its Wi-Fi and the city service at its public address;
//! both call these functions, so the page is the same wherever it comes
//! from.
//!
//! ## Layout
//!
//! - [`ticket_html`] (module `ticket`): the place in line, the counters,
//!   the call ("Mời bạn đến Quầy số N") and, after the service, the rating
//!   form.
//! - [`dossier_html`] (module `dossier`): the dossier's timeline, due time,
//!   where to collect and what to bring.
//! - [`not_found_html`], [`too_many_html`]: the two refusals.
//! - [`RateLimiter`] (module `limiter`): requests per client address.
//! - `words`: every sentence, Vietnamese first, English beside it.
//! - `page`: the frame (head, style, header, footer) and HTML escaping.
//!
//! ## How a page stays live
//!
//! Each page is one HTML response with inline CSS and an ES5 script (old
//! Android browsers: `var`, `function`, no `fetch`). The server renders the
//! whole view, so the page reads without script. The script holds the view
//! as JSON and opens the page's Server-Sent Events stream (the `events` URL
//! of [`PageUrls`]); each `event: ticket` (or `dossier`) carries the whole
//! view again, and the script renders it with the same markup. A browser
//! without script refreshes every 30 s: the refresh is inside `<noscript>`,
//! so it never applies when the script runs.
//!
//! ## What a page never shows
//!
//! The views (`motcua_api::phone`) carry no personal data, and the pages
//! add none: no name, ID number, phone number or address.

mod dossier;
mod limiter;
mod page;
mod ticket;
mod words;

pub use dossier::dossier_html;
pub use limiter::RateLimiter;
pub use page::{escape, not_found_html, too_many_html};
pub use ticket::ticket_html;

/// The page's language: Vietnamese unless the query says `lang=en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// From the `lang` query parameter: `en` is English, anything else
    /// (or nothing) Vietnamese.
    pub fn from_query(lang: Option<&str>) -> Self {
        match lang {
            Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// The `lang` attribute and query value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language (the toggle's target).
    pub fn other(self) -> Self {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

/// The addresses a page links to, built by the server that renders it
/// (each includes the capability `k`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageUrls {
    /// The page's Server-Sent Events stream, e.g. `/t/12/events?k=…`.
    pub events: String,
    /// Where the rating form posts, e.g. `/t/12/rating?k=…` (with
    /// `&lang=en` for English). Unused by the dossier page.
    pub rate: String,
    /// The same page in the other language.
    pub lang_toggle: String,
}

#[cfg(test)]
mod tests;
