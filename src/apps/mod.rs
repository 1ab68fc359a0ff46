//! The apps people touch: the kiosk, the officer's counter app and the hall
//! display. Each app is a plain-Rust controller, unit-tested without any
//! UI, plus a thin adapter that binds it to the Slint globals in `ui/`.
//!
//! Shared pieces: [`shell`] (the UI thread's mailbox, clocks, language,
//! window start-up), [`hub_client`] (HTTP), [`events`] (the hub's live event
//! stream, reconnecting), [`voice`] (hall announcements), [`rating`] (the
//! citizen rating flow of the kiosk and the counter's citizen panel),
//! [`devices`] and [`printing`] (printers and paper documents),
//! [`headless`] (the software renderer without a display).
//! [`diagnostics`] is the technician's library, shared by the kiosk's
//! technician screens and `motcua diag`.

pub mod counter;
pub mod devices;
pub mod diagnostics;
pub mod display;
pub mod events;
pub mod headless;
pub mod hub_client;
pub mod kiosk;
pub mod overflow;
pub mod printing;
pub mod rating;
pub mod shell;
pub mod voice;
pub mod watchdog;

pub mod ui {
    //! The compiled Slint UI (`ui/app.slint`).
    #![allow(missing_docs, clippy::all)]
    slint::include_modules!();
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn slint_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                slint_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "slint") {
                out.push(path);
            }
        }
    }

    /// Every `@tr("…")` of the screens has an English entry, and the
    /// translation file has nothing stale.
    #[test]
    fn every_screen_string_has_an_english_translation() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        slint_files(&root.join("ui"), &mut files);
        let mut used = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for part in text.split("@tr(\"").skip(1) {
                used.insert(part.split('"').next().unwrap().to_owned());
            }
        }
        let po =
            std::fs::read_to_string(root.join("ui/translations/en/LC_MESSAGES/motcua.po")).unwrap();
        let mut translated = BTreeSet::new();
        let mut lines = po.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(id) = line
                .strip_prefix("msgid \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                let msgstr = lines.next().unwrap_or_default();
                if !id.is_empty() {
                    assert!(msgstr.len() > "msgstr \"\"".len(), "{id:?} has no English");
                    translated.insert(id.to_owned());
                }
            }
        }
        let missing: Vec<_> = used.difference(&translated).collect();
        let stale: Vec<_> = translated.difference(&used).collect();
        assert!(missing.is_empty(), "no English for {missing:?}");
        assert!(stale.is_empty(), "translations no screen uses: {stale:?}");
    }
}
