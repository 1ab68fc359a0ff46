//! Serving connections with limits, so that a lobby machine or a broken
//! client cannot take the hub's sockets:
//!
//! - a connection that has sent part of a request head but not all of it
//!   within `header_timeout` of being accepted is closed (slowloris); one
//!   that has sent nothing is idle (a client's pool opens connections
//!   ahead of need) and is closed after `idle_timeout`;
//! - a keep-alive connection with no new request head within
//!   `idle_timeout` of its last answer is closed (hyper's header-read
//!   timer, which starts when the connection waits for a head: it also
//!   bounds a head dribbled on a kept-alive connection);
//! - at most `max_connections` at once (never more than the process's
//!   open-file limit allows, less a reserve for the database and logs): one
//!   more is accepted, answered `503 busy` in the JSON envelope and closed
//!   at once — a clear refusal, not a stall in the listen queue.
//!
//! `axum::serve` offers none of these; this is its accept loop with them,
//! on hyper's HTTP/1 connection.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Limits on the connections of one server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// File descriptors kept for everything but client connections (the
/// database and its readers, logs, the portal client, bundles).
const FD_RESERVE: u64 = 64;

impl Limits {
    /// `max_connections`, lowered to what the open-file limit allows.
    pub fn within_fd_limit(mut self) -> Self {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only fills the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let current: u64 = limit.rlim_cur;
            let allowed = current.saturating_sub(FD_RESERVE).max(16);
            if (self.max_connections as u64) > allowed {
                tracing::warn!(
                    configured = self.max_connections,
                    allowed,
                    "hub.max_connections lowered to the open-file limit (raise LimitNOFILE)"
                );
                self.max_connections = allowed as usize;
            }
        }
        self
    }
}

/// The answer to a connection over the limit.
fn busy_response() -> Vec<u8> {
    let body = super::ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        motcua_api::ErrorCode::Busy,
        "Máy chủ đang có quá nhiều kết nối; xin thử lại sau ít giây.",
        "The hub has too many connections; please retry in a few seconds.",
    )
    .body();
    let json = serde_json::to_string(&body).unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{json}",
        json.len()
    )
    .into_bytes()
}

/// Serves `app` on `listener` until `stop` turns true, then lets in-flight
/// requests finish and returns once every connection has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusal: Arc<[u8]> = busy_response().into();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors or a connection reset before
                    // accept: wait a moment instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            let refusal = Arc::clone(&refusal);
            tokio::spawn(refuse(stream, refusal));
            continue;
        };
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            connection(stream, app, limits, stop).await;
            drop(permit);
        });
    }
    // Every connection holds a permit until it closes.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// Resolves once `stop` is true (the guard `wait_for` returns is not
/// `Send`: it must not live across the select).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn refuse(mut stream: TcpStream, answer: Arc<[u8]>) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(&answer).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// The client's socket, noting whether the client has sent anything yet:
/// a connection that sent nothing is idle (a client's pool may open one
/// ahead of need), one that sent part of a head is slow.
struct Watched {
    inner: TcpStream,
    got_bytes: Arc<AtomicBool>,
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.got_bytes.store(true, Ordering::SeqCst);
        }
        polled
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

async fn connection(
    stream: TcpStream,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let got_bytes = Arc::new(AtomicBool::new(false));
    let stream = Watched {
        inner: stream,
        got_bytes: Arc::clone(&got_bytes),
    };
    let seen = Arc::new(AtomicBool::new(false));
    let marked = Arc::clone(&seen);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        marked.store(true, Ordering::SeqCst);
        let app = app.clone();
        async move {
            Ok::<_, Infallible>(
                app.oneshot(req.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|e| match e {}),
            )
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .keep_alive(true);
    // hyper answers a too-long URI or too many headers itself, with an empty
    // body: `RefusingIo` puts those refusals into the JSON envelope.
    let conn = builder.serve_connection(
        TokioIo::new(crate::web::refusals::RefusingIo::new(stream)),
        service,
    );
    tokio::pin!(conn);
    let accepted = tokio::time::Instant::now();
    let first_head = tokio::time::sleep(limits.header_timeout);
    tokio::pin!(first_head);
    let mut stopping = false;
    let mut waiting_for_head = true;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            // No complete request head since the connection was accepted:
            // closed when it has sent part of one (slowloris); one that
            // sent nothing is idle and gets the idle timeout.
            _ = &mut first_head, if waiting_for_head => {
                if seen.load(Ordering::SeqCst) {
                    waiting_for_head = false;
                } else if got_bytes.load(Ordering::SeqCst)
                    || accepted.elapsed() >= limits.idle_timeout
                {
                    return;
                } else {
                    first_head.as_mut().reset(accepted + limits.idle_timeout);
                }
            }
            () = stopped(&mut stop), if !stopping => {
                // A connection that never sent a request has nothing to
                // finish: close it now (hyper would wait for its head).
                if !seen.load(Ordering::SeqCst) {
                    return;
                }
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
