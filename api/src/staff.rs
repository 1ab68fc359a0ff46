//! Officers signing in at counters: a staff code and PIN give a session,
//! whose secret the counter app then uses as its bearer token.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who is working at a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Officer {
    /// Staff code, e.g. `cb01`.
    pub code: String,
    pub name: String,
    /// The counter the session is bound to.
    pub counter: u32,
}

/// An officer named in an event: who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OfficerRef {
    pub code: String,
    pub name: String,
}

impl From<&Officer> for OfficerRef {
    fn from(o: &Officer) -> Self {
        Self {
            code: o.code.clone(),
            name: o.name.clone(),
        }
    }
}

/// `POST /api/v1/staff/sign-in` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub code: String,
    /// 4–12 digits.
    pub pin: String,
    pub counter: u32,
}

/// `POST /api/v1/staff/sign-in` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignedIn {
    /// The bearer token for this officer's counter requests.
    pub session: String,
    pub expires_at: String,
    pub officer: Officer,
}
