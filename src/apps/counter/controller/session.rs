//! Signing in and out: the officer's session at this counter, and what
//! happens when it ends under them (expired, or the hub restarted).

use super::{Counter, Effect, Page};
use crate::apps::hub_client::HubError;
use crate::apps::shell::Lang;
use motcua_api::SignedIn;

impl Counter {
    pub fn toggle_language(&mut self) {
        self.lang = match self.lang {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        };
    }

    /// The officer pressed "Đăng nhập".
    pub fn sign_in(&mut self, code: &str, pin: &str) -> Vec<Effect> {
        if self.page != Page::SignIn || self.signing_in {
            return Vec::new();
        }
        let code = code.trim().to_lowercase();
        if code.is_empty() || pin.is_empty() {
            self.say(
                "Hãy nhập mã cán bộ và mã PIN.",
                "Enter your staff code and PIN.",
                true,
            );
            return Vec::new();
        }
        self.signing_in = true;
        self.note = None;
        vec![Effect::SignIn {
            code,
            pin: pin.to_owned(),
        }]
    }

    /// The hub answered the sign-in.
    pub fn signed_in(&mut self, result: Result<SignedIn, HubError>) -> Vec<Effect> {
        self.signing_in = false;
        match result {
            Ok(s) => {
                self.say(
                    // What the keys do now is the idle hint's job: F1 is
                    // off while the counter is paused.
                    format!("Xin chào {}.", s.officer.name),
                    format!("Welcome, {}.", s.officer.name),
                    false,
                );
                self.officer = Some(s.officer);
                self.page = Page::Work;
                vec![Effect::Load]
            }
            Err(err) => {
                self.hub_error(&err);
                Vec::new()
            }
        }
    }

    /// "Đăng xuất".
    pub fn sign_out(&mut self) -> Vec<Effect> {
        if self.page != Page::Work {
            return Vec::new();
        }
        self.page = Page::SignIn;
        self.officer = None;
        self.transfer_open = false;
        self.busy = None;
        self.loaded = false;
        self.listening = false;
        self.say("Đã đăng xuất.", "Signed out.", false);
        vec![Effect::SignOut]
    }

    /// The session is no longer valid (expired, or the hub restarted with
    /// another configuration).
    pub(super) fn session_lost(&mut self) {
        self.page = Page::SignIn;
        self.loaded = false;
        self.listening = false;
        self.officer = None;
        self.busy = None;
        self.transfer_open = false;
        self.say(
            "Phiên đăng nhập đã hết hạn. Xin đăng nhập lại.",
            "Your session has expired. Please sign in again.",
            true,
        );
    }
}
