//! The roles a bearer token can have.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a bearer token may do. A technician may do everything.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Kiosk,
    Counter,
    Display,
    Technician,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Kiosk, Role::Counter, Role::Display, Role::Technician];

    /// The configuration and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Counter => "counter",
            Role::Display => "display",
            Role::Technician => "technician",
        }
    }

    /// Parses the configuration and wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
