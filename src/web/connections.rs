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
//! - when every place is taken, the oldest connection that has not yet
//!   sent a complete request head (a client's pool opening connections
//!   ahead of need, or someone holding sockets open) is closed to admit the
//!   new one: idle sockets can never lock out `/api/v1/health` or a kiosk.
//!   Out of file descriptors on accept, the hub sheds one such connection
//!   and pauses a moment instead of spinning;
//! - a connection whose answer cannot be written for `send_timeout` (a
//!   client that stopped reading, e.g. an event stream nobody reads) is
//!   closed, and with it everything buffered for it; the kernel's send
//!   buffer per connection is fixed (256 KB) so that such a client holds
//!   little there too;
//! - with a TLS configuration, every connection is HTTPS (rustls): the
//!   handshake is part of the request head and must end within
//!   `header_timeout`, and every limit above applies alike.
//!
//! `axum::serve` offers none of these; this is its accept loop with them,
//! on hyper's HTTP/1 connection.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Limits on the connections of one server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long an answer may wait for the client to read before the
    /// connection is closed.
    pub send_timeout: Duration,
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

/// Connections that have not sent a complete request head yet, oldest
/// first: the ones closed to make room when every place is taken.
#[derive(Default)]
struct Unproven {
    next: AtomicU64,
    waiting: Mutex<BTreeMap<u64, Arc<Notify>>>,
}

impl Unproven {
    /// A new connection, with the signal that sheds it.
    fn enter(&self) -> (u64, Arc<Notify>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let shed = Arc::new(Notify::new());
        self.lock().insert(id, Arc::clone(&shed));
        (id, shed)
    }

    /// The connection sent a complete head, or closed.
    fn leave(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the oldest connection without a complete head; false when
    /// there is none.
    fn shed_oldest(&self) -> bool {
        let oldest = self.lock().pop_first();
        match oldest {
            Some((_, shed)) => {
                // Stored when the connection is not waiting on it yet.
                shed.notify_one();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Notify>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How long a connection admitted by shedding another waits for the place
/// to come free before it is refused after all.
const SHED_WAIT: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `stop` turns true, then lets in-flight
/// requests finish and returns once every connection has closed. With
/// `tls`, every connection is HTTPS.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let unproven = Arc::new(Unproven::default());
    let tls = tls.map(TlsAcceptor::from);
    let refusal: Arc<[u8]> = busy_response().into();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => (stream, peer),
                Err(err) => {
                    // Out of file descriptors (or a connection reset before
                    // accept): free one held by a connection that has sent
                    // nothing useful, and wait a moment instead of spinning.
                    let out_of_files = matches!(err.raw_os_error(), Some(libc::EMFILE | libc::ENFILE));
                    if out_of_files {
                        unproven.shed_oldest();
                    }
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(if out_of_files { 5 } else { 20 })).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = stream;
        let context = Context {
            peer,
            app: app.clone(),
            limits,
            tls: tls.clone(),
            unproven: Arc::clone(&unproven),
            stop: stop.clone(),
        };
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                // Counted as waiting for its head from here, in the order
                // of acceptance (its task may start after a later one's).
                let entry = unproven.enter();
                tokio::spawn(async move {
                    connection(stream, context, entry).await;
                    drop(permit);
                });
            }
            // Full: make room by closing the oldest connection that has not
            // sent a request, and take its place once it is gone.
            Err(_) if unproven.shed_oldest() => {
                let (permits, refusal) = (Arc::clone(&permits), Arc::clone(&refusal));
                let entry = unproven.enter();
                let unproven = Arc::clone(&unproven);
                tokio::spawn(async move {
                    match tokio::time::timeout(SHED_WAIT, permits.acquire_owned()).await {
                        Ok(Ok(permit)) => {
                            connection(stream, context, entry).await;
                            drop(permit);
                        }
                        _ => {
                            unproven.leave(entry.0);
                            refuse(stream, refusal).await;
                        }
                    }
                });
            }
            Err(_) => {
                tokio::spawn(refuse(stream, Arc::clone(&refusal)));
            }
        }
    }
    // Every connection holds a permit until it closes.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// What each connection's task needs.
struct Context {
    /// The client's address, for the handlers that limit per address
    /// (`axum::extract::ConnectInfo`).
    peer: std::net::SocketAddr,
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    unproven: Arc<Unproven>,
    stop: watch::Receiver<bool>,
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

/// What a connection's socket has seen: whether the client has sent
/// anything yet (one that sent nothing is idle — a client's pool may open
/// one ahead of need — one that sent part of a head is slow), and since
/// when a write has been waiting for the client to read.
struct Watch {
    got_bytes: AtomicBool,
    /// Milliseconds after `origin` at which the current write stall began,
    /// plus one; 0 when writes are going through.
    stalled_at: AtomicU64,
    /// Signalled when a write stall begins.
    stall_began: Notify,
    origin: std::time::Instant,
}

impl Watch {
    fn new() -> Self {
        Self {
            got_bytes: AtomicBool::new(false),
            stalled_at: AtomicU64::new(0),
            stall_began: Notify::new(),
            origin: std::time::Instant::now(),
        }
    }

    fn wrote(&self, polled: &std::task::Poll<std::io::Result<usize>>) {
        match polled {
            std::task::Poll::Pending => {
                let at = self.origin.elapsed().as_millis() as u64 + 1;
                if self
                    .stalled_at
                    .compare_exchange(0, at, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    self.stall_began.notify_one();
                }
            }
            std::task::Poll::Ready(Ok(n)) if *n > 0 => self.stalled_at.store(0, Ordering::SeqCst),
            std::task::Poll::Ready(_) => {}
        }
    }

    /// When the current write stall began, if writes are stalled.
    fn stalled_since(&self) -> Option<tokio::time::Instant> {
        let at = self.stalled_at.load(Ordering::SeqCst);
        let began = self.origin + Duration::from_millis(at.checked_sub(1)?);
        Some(tokio::time::Instant::from_std(began))
    }
}

/// The client's socket, reporting to its [`Watch`].
struct Watched {
    inner: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.watch.got_bytes.store(true, Ordering::SeqCst);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch.wrote(&polled);
        polled
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch.wrote(&polled);
        polled
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

/// What hyper buffers per connection: the answer waiting for the socket
/// (besides its bound of 16 queued chunks — an event stream's chunk is one
/// event, ~1 KB), and the request head being read. Above hyper's 64 KB
/// URI limit, so that a longer URI still gets its `414`.
const WRITE_BUFFER: usize = 80 * 1024;

/// The kernel's send buffer per connection (Linux doubles it). Fixed
/// rather than grown by the kernel up to 4 MB: what a client that stops
/// reading can hold in the kernel is bounded too, and 256 KB is well
/// above what an office LAN needs in flight.
const SEND_BUFFER: libc::c_int = 128 * 1024;

fn limit_send_buffer(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let size = SEND_BUFFER;
    // SAFETY: setsockopt reads `size` (a c_int, its length given) on a
    // socket this stream owns.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// One connection: the TLS handshake when there is one, then HTTP/1.
async fn connection(stream: TcpStream, mut ctx: Context, (id, shed): (u64, Arc<Notify>)) {
    let _ = stream.set_nodelay(true);
    limit_send_buffer(&stream);
    let accepted = tokio::time::Instant::now();
    let watch = Arc::new(Watch::new());
    let io = Watched {
        inner: stream,
        watch: Arc::clone(&watch),
    };
    match ctx.tls.clone() {
        None => http(io, &mut ctx, id, &shed, &watch, accepted).await,
        Some(acceptor) => {
            // The handshake is part of the request head: it must end within
            // the head's time, and a connection still in it can be shed.
            let handshake = tokio::time::timeout(ctx.limits.header_timeout, acceptor.accept(io));
            let secured = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(secured)) => Some(secured),
                    Ok(Err(err)) => {
                        tracing::debug!(%err, "TLS handshake failed");
                        None
                    }
                    Err(_) => None,
                },
                () = shed.notified() => None,
                () = stopped(&mut ctx.stop) => None,
            };
            if let Some(secured) = secured {
                http(secured, &mut ctx, id, &shed, &watch, accepted).await;
            }
        }
    }
    ctx.unproven.leave(id);
}

/// Serves HTTP/1 on `io` until the client goes, a limit closes it or the
/// server stops.
async fn http<I>(
    io: I,
    ctx: &mut Context,
    id: u64,
    shed: &Notify,
    watch: &Watch,
    accepted: tokio::time::Instant,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = ctx.limits;
    let seen = Arc::new(AtomicBool::new(false));
    let marked = Arc::clone(&seen);
    let (app, unproven) = (ctx.app.clone(), Arc::clone(&ctx.unproven));
    let peer = axum::extract::ConnectInfo(ctx.peer);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(peer);
        if !marked.swap(true, Ordering::SeqCst) {
            // A complete head: no longer one to shed for a newcomer.
            unproven.leave(id);
        }
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
        .keep_alive(true)
        // Answers queue as the chunks they are (at most 16) rather than
        // being copied into one buffer, and at most WRITE_BUFFER bytes of
        // them (hyper's default is ~400 KB): an event stream nobody reads
        // holds little. The same bound caps a request head.
        .writev(true)
        .max_buf_size(WRITE_BUFFER);
    // hyper answers a too-long URI or too many headers itself, with an empty
    // body: `RefusingIo` puts those refusals into the JSON envelope.
    let conn = builder.serve_connection(
        TokioIo::new(crate::web::refusals::RefusingIo::new(io)),
        service,
    );
    tokio::pin!(conn);
    let first_head = tokio::time::sleep_until(accepted + limits.header_timeout);
    tokio::pin!(first_head);
    let stall = tokio::time::sleep(limits.send_timeout);
    tokio::pin!(stall);
    let mut stall_armed = false;
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
                } else if watch.got_bytes.load(Ordering::SeqCst)
                    || accepted.elapsed() >= limits.idle_timeout
                {
                    return;
                } else {
                    first_head.as_mut().reset(accepted + limits.idle_timeout);
                }
            }
            // Every place is taken and this is the oldest connection
            // without a request: make room.
            () = shed.notified(), if !seen.load(Ordering::SeqCst) => return,
            () = watch.stall_began.notified() => {
                if let Some(since) = watch.stalled_since() {
                    stall.as_mut().reset(since + limits.send_timeout);
                    stall_armed = true;
                }
            }
            // The client has not read what it was sent for `send_timeout`.
            _ = &mut stall, if stall_armed => match watch.stalled_since() {
                Some(since) if since.elapsed() >= limits.send_timeout => {
                    tracing::debug!("closing a connection whose client stopped reading");
                    return;
                }
                Some(since) => stall.as_mut().reset(since + limits.send_timeout),
                None => stall_armed = false,
            },
            () = stopped(&mut ctx.stop), if !stopping => {
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
