//! The apps people touch: the kiosk (and later the counter and the hall
//! display). Each app is a plain-Rust controller, unit-tested without any
//! UI, plus a thin adapter that binds it to the Slint globals in `ui/`.

pub mod devices;
pub mod headless;
pub mod hub_client;
pub mod kiosk;
pub mod printing;

pub mod ui {
    //! The compiled Slint UI (`ui/app.slint`).
    #![allow(missing_docs, clippy::all)]
    slint::include_modules!();
}
