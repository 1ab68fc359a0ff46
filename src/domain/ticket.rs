//! Ticket numbers and the ticket state machine.
//!
//! ```text
//!  issued ──call──▶ called ──start──▶ serving ──finish──▶ done
//!    │  ▲            │ ▲ │  └─finish──────────────────────▶ done
//!    │  │            │ └─┘recall
//!    │  │            ├──no-show──▶ no_show
//!    │  │            └──transfer─▶ transferred ──call──▶ called …
//!    │  └──────────────────────────────┘ (serving ─transfer─▶ transferred)
//!    └──cancel──▶ cancelled          (transferred ─cancel─▶ cancelled)
//! ```
//!
//! `transferred` is a waiting state: the ticket keeps its number and its
//! place by original issue time, in the queue of the service it was sent to.
//! `finish` from `called` is allowed because officers often serve a citizen
//! without pressing *start*; the service time then counts from the call.

/// The states are the wire's (`motcua_api::TicketState`); the moves
/// between them are this module's.
pub use motcua_api::TicketState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketAction {
    Call,
    Recall,
    Start,
    Finish,
    NoShow,
    Transfer,
    Cancel,
}

impl TicketAction {
    pub const ALL: [TicketAction; 7] = [
        TicketAction::Call,
        TicketAction::Recall,
        TicketAction::Start,
        TicketAction::Finish,
        TicketAction::NoShow,
        TicketAction::Transfer,
        TicketAction::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Call => "call",
            TicketAction::Recall => "recall",
            TicketAction::Start => "start",
            TicketAction::Finish => "finish",
            TicketAction::NoShow => "no-show",
            TicketAction::Transfer => "transfer",
            TicketAction::Cancel => "cancel",
        }
    }
}

/// An action that the ticket's state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a ticket that is {}", action.as_str(), from.as_str())]
pub struct IllegalTransition {
    pub from: TicketState,
    pub action: TicketAction,
}

/// The state after `action`, or why it is not allowed.
pub fn transition(
    from: TicketState,
    action: TicketAction,
) -> Result<TicketState, IllegalTransition> {
    use TicketAction as A;
    use TicketState as S;
    let to = match (from, action) {
        (S::Issued | S::Transferred, A::Call) => S::Called,
        (S::Called, A::Recall) => S::Called,
        (S::Called, A::Start) => S::Serving,
        (S::Called | S::Serving, A::Finish) => S::Done,
        (S::Called, A::NoShow) => S::NoShow,
        (S::Called | S::Serving, A::Transfer) => S::Transferred,
        (S::Issued | S::Transferred, A::Cancel) => S::Cancelled,
        _ => return Err(IllegalTransition { from, action }),
    };
    Ok(to)
}

/// The number printed and announced: prefix letter plus at least three
/// digits, e.g. `A012`, `B1000`.
pub fn display_number(prefix: &str, number: u32) -> String {
    format!("{prefix}{number:03}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use TicketAction as A;
    use TicketState as S;

    #[test]
    fn the_happy_path() {
        let mut s = S::Issued;
        for a in [A::Call, A::Recall, A::Start, A::Finish] {
            s = transition(s, a).unwrap();
        }
        assert_eq!(s, S::Done);
    }

    #[test]
    fn every_illegal_transition_is_an_error() {
        let legal: &[(S, A, S)] = &[
            (S::Issued, A::Call, S::Called),
            (S::Transferred, A::Call, S::Called),
            (S::Called, A::Recall, S::Called),
            (S::Called, A::Start, S::Serving),
            (S::Called, A::Finish, S::Done),
            (S::Serving, A::Finish, S::Done),
            (S::Called, A::NoShow, S::NoShow),
            (S::Called, A::Transfer, S::Transferred),
            (S::Serving, A::Transfer, S::Transferred),
            (S::Issued, A::Cancel, S::Cancelled),
            (S::Transferred, A::Cancel, S::Cancelled),
        ];
        let mut illegal = 0;
        for from in S::ALL {
            for action in A::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match (transition(from, action), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want, "{from} {action:?}"),
                    (Err(err), None) => {
                        illegal += 1;
                        assert_eq!(err, IllegalTransition { from, action });
                    }
                    (got, want) => panic!("{from} {action:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        // 7 states × 7 actions, 11 legal.
        assert_eq!(illegal, 38);
    }

    #[test]
    fn final_states_accept_nothing() {
        for from in [S::Done, S::NoShow, S::Cancelled] {
            assert!(from.is_final());
            for action in A::ALL {
                assert!(transition(from, action).is_err());
            }
        }
    }

    #[test]
    fn numbers_have_three_digits_at_least() {
        assert_eq!(display_number("A", 12), "A012");
        assert_eq!(display_number("B", 1), "B001");
        assert_eq!(display_number("C", 1000), "C1000");
    }

    #[test]
    fn state_spelling_round_trips() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("waiting"), None);
    }
}
