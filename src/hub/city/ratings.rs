//! Ratings given on the city's phone page (`/t/{unit}/{id}` at the city),
//! relayed to this office exactly once.
//!
//! The city keeps each one pending until the office holds it. On its push
//! loop the worker asks for the pending ones (`GET
//! /city/v1/ratings/pending`), records each through the hub's own rating
//! code ([`store_relayed_rating`]: idempotent — a ticket rated already is
//! delivered, never rated twice), and then acknowledges them (`POST
//! /city/v1/ratings/ack`). The city also marks a rating delivered when
//! the hub's `ticket.rated` for that ticket reaches it through the normal
//! federation. A restart of either side, or an acknowledgement lost on the
//! way, only means the same rating is offered again: the second recording
//! finds the rating stored and acknowledges it. So each rating is stored
//! once at the office, and reaches `motcua report`, `/api/v1/stats` and
//! the city's figures through the ordinary `ticket.rated` event.

use chrono::{DateTime, Utc};

use super::client::{CityClient, FederationError};
use crate::hub::rating::{store_relayed_rating, Relayed};
use crate::hub::state::Hub;

/// Records the city's pending ratings and acknowledges them; how many
/// were stored now.
pub async fn relay(hub: &Hub, client: &CityClient) -> Result<usize, FederationError> {
    let pending = client.pending_ratings().await?;
    if pending.ratings.is_empty() {
        return Ok(0);
    }
    let mut delivered = Vec::with_capacity(pending.ratings.len());
    let mut stored = 0;
    for r in pending.ratings {
        let rated_at = DateTime::parse_from_rfc3339(&r.rated_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| hub.now());
        let rules = hub.rules.clone();
        let now = hub.now();
        let (ticket, level, reasons) = (r.ticket, r.level, r.reasons);
        let outcome = hub
            .store
            .write(move |ctx| {
                store_relayed_rating(&rules, ctx, ticket, level, &reasons, rated_at, now)
            })
            .await;
        match outcome {
            Ok(Relayed::Stored(_)) => {
                stored += 1;
                delivered.push(ticket);
            }
            Ok(Relayed::AlreadyRated) => delivered.push(ticket),
            Ok(Relayed::Refused(why)) => {
                tracing::warn!(ticket, reason = %why.message_en, "a rating from the city's phone page is not taken");
                delivered.push(ticket);
            }
            Err(err) => {
                // Not written (the store is busy or failing): acknowledge
                // what was, and offer the rest again next time.
                tracing::warn!(ticket, %err, "cannot record a rating from the city; retrying later");
                break;
            }
        }
    }
    if !delivered.is_empty() {
        client.ack_ratings(delivered).await?;
    }
    Ok(stored)
}
