//! The rating flow's place in the kiosk. The rating itself (identify the
//! ticket, three levels, reasons, send) is its own controller,
//! [`crate::apps::rating::RatingFlow`], with its own Slint global
//! `RatingAdapter`, shared with the counter's citizen panel. The kiosk only
//! decides whether the home page offers it, and knows when its screen is
//! over the pages: the kiosk's own idle reset waits while it is open (the
//! rating screen has its own), and runs once it closes.

/// The kiosk's side of rating.
#[derive(Debug, Clone, Default)]
pub struct RatingEntry {
    enabled: bool,
    open: bool,
}

impl RatingEntry {
    pub fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn set_open(&mut self, open: bool) {
        self.open = open;
    }

    pub fn is_open(&self) -> bool {
        self.open
    }
}
