//! Writing the hub's events: a typed [`HubEvent`] goes into the writer's
//! transaction as its kind and its payload, and is published on the
//! stream only after the commit ([`crate::store`]).

use motcua_api::HubEvent;

use crate::store::{StoreError, WriteCtx};

/// Appends `event` to the log in the job's transaction; returns its id.
pub fn emit(ctx: &mut WriteCtx<'_>, at_ms: i64, event: HubEvent) -> Result<i64, StoreError> {
    debug_assert!(
        !matches!(event, HubEvent::Resync(_)),
        "resync is a stream message, never stored"
    );
    let (kind, data) = event.into_parts();
    ctx.emit(at_ms, kind, data)
}
