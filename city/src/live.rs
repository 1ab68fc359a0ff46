//! The live update channel: PostgreSQL `LISTEN/NOTIFY`.
//!
//! Each ingest transaction commits a notification on
//! [`crate::ingest::store::LIVE_CHANNEL`] with the unit, its new watermark
//! and how many events it stored ([`LiveUpdate`]). Every instance of the
//! service listens on its own connection and republishes what it hears on
//! a broadcast channel, so a dashboard connected to any instance hears of
//! a push received by any other, and never of one that rolled back.
//!
//! [`Live::subscribe`] is what the dashboard (and `GET /city/v1/live`)
//! reads. After the listening connection is lost and re-established,
//! notifications sent meanwhile are gone: subscribers get
//! [`LiveMessage::Reconnected`] and should reload what they show.

use std::time::Duration;

use futures_util::StreamExt;
use motcua_api::LiveUpdate;
use tokio::sync::{broadcast, watch};
use tokio_postgres::{AsyncMessage, NoTls};

use crate::ingest::store::LIVE_CHANNEL;

/// What subscribers hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveMessage {
    /// A unit's events were stored, or its hub was heard from.
    Update(LiveUpdate),
    /// The listener reconnected: updates may have been missed.
    Reconnected,
}

/// The broadcast side of the channel, shared by the server's handlers.
#[derive(Debug, Clone)]
pub struct Live {
    tx: broadcast::Sender<LiveMessage>,
}

impl Live {
    /// Hears every message from now on. A subscriber that falls more than
    /// 4096 messages behind gets `RecvError::Lagged` and should reload.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveMessage> {
        self.tx.subscribe()
    }

    /// Starts listening on its own connection to `url`; runs until
    /// `shutdown` turns true. Returns once the first `LISTEN` is in place,
    /// so a test that pushes right after start hears its own push.
    pub async fn start(
        url: &str,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(Self, tokio::task::JoinHandle<()>), crate::db::DbError> {
        let config: tokio_postgres::Config =
            url.parse()
                .map_err(|e: tokio_postgres::Error| crate::db::DbError::Config {
                    url: url.to_owned(),
                    message: e.to_string(),
                })?;
        let (tx, _) = broadcast::channel(4096);
        let live = Self { tx: tx.clone() };
        let first = listen(&config).await?;
        let task = tokio::spawn(run(config, tx, first, shutdown));
        Ok((live, task))
    }
}

type Listening = (
    tokio_postgres::Client,
    std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<AsyncMessage, tokio_postgres::Error>> + Send>,
    >,
);

/// A connection with `LISTEN` issued, and the stream of its messages.
async fn listen(config: &tokio_postgres::Config) -> Result<Listening, crate::db::DbError> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let mut messages: std::pin::Pin<Box<dyn futures_util::Stream<Item = _> + Send>> =
        Box::pin(futures_util::stream::poll_fn(move |cx| {
            connection.poll_message(cx)
        }));
    // The connection only makes progress while its stream is polled: run
    // LISTEN while driving it.
    let sql = format!("LISTEN {LIVE_CHANNEL}");
    {
        let listen = client.batch_execute(&sql);
        tokio::pin!(listen);
        loop {
            tokio::select! {
                done = &mut listen => { done?; break; }
                msg = messages.next() => match msg {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e.into()),
                    None => return Err(crate::db::DbError::Config {
                        url: String::new(),
                        message: "the listening connection closed".into(),
                    }),
                }
            }
        }
    }
    Ok((client, messages))
}

async fn run(
    config: tokio_postgres::Config,
    tx: broadcast::Sender<LiveMessage>,
    first: Listening,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut current = Some(first);
    let mut delay = Duration::from_millis(200);
    loop {
        let (_client, mut messages) = match current.take() {
            Some(listening) => listening,
            None => {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.wait_for(|s| *s) => return,
                }
                match listen(&config).await {
                    Ok(listening) => {
                        tracing::info!("live channel listening again");
                        let _ = tx.send(LiveMessage::Reconnected);
                        delay = Duration::from_millis(200);
                        listening
                    }
                    Err(err) => {
                        tracing::warn!(%err, "live channel: cannot listen; retrying");
                        delay = (delay * 2).min(Duration::from_secs(10));
                        continue;
                    }
                }
            }
        };
        loop {
            tokio::select! {
                msg = messages.next() => match msg {
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        match serde_json::from_str::<LiveUpdate>(n.payload()) {
                            Ok(update) => { let _ = tx.send(LiveMessage::Update(update)); }
                            Err(err) => tracing::warn!(%err, "live channel: unreadable notification"),
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(err)) => {
                        tracing::warn!(%err, "live channel lost");
                        break;
                    }
                    None => {
                        tracing::warn!("live channel closed");
                        break;
                    }
                },
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    }
}
