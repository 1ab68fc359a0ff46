//! The refusals hyper makes itself, in the JSON error envelope.
//!
//! hyper reads a request's head before any route sees it. A URI longer than
//! it reads (64 KB) gets `414`, more than 100 header fields or a head larger
//! than its buffer gets `431` — with an empty body, and the connection is
//! closed. Every other refusal of both servers is `{code, message_vi,
//! message_en}`; these two would be the only ones a client cannot show or
//! act on. hyper has no hook for the body of these answers, so
//! [`JsonRefusals`] wraps the listener, and each connection's writer
//! recognises exactly that answer — a `414` or `431` status line whose head
//! announces `content-length: 0` and that nothing follows — and sends it
//! with the envelope instead. A route's own `414` or `431` always has a
//! body and passes through untouched.
//!
//! The rewrite relies on hyper handing the whole head to one write: a
//! flattened answer (a writer that is not vectored), or the first buffer of
//! a vectored write (hyper queues the head as one buffer and the body's
//! chunks after it; the hub's connections do, see `connections`).

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::ApiError;

/// A listener whose connections answer hyper's own `414`/`431` in JSON.
#[derive(Debug)]
pub struct JsonRefusals<L>(pub L);

impl<L: Listener> Listener for JsonRefusals<L> {
    type Io = RefusingIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (inner, addr) = self.0.accept().await;
        (RefusingIo::new(inner), addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// One connection: reads pass through; writes pass through unless they are
/// hyper's empty `414`/`431`, which are replaced (see the module doc).
#[derive(Debug)]
pub struct RefusingIo<T> {
    inner: T,
    /// The replacement answer, still to be written...
    pending: Vec<u8>,
    /// ...from this offset.
    sent: usize,
}

impl<T> RefusingIo<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            sent: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> RefusingIo<T> {
    /// Writes what is left of the replacement answer.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.pending.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.pending.clear();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for RefusingIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for RefusingIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        let Some(answer) = with_envelope(buf) else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        // hyper's bytes are taken whole; ours go out now or on the flush
        // that hyper always makes after an answer.
        this.pending = answer;
        match this.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(buf.len())),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper's head is always the first buffer; its own refusals have
        // nothing after it.
        let first = bufs.iter().find(|b| !b.is_empty());
        if first.is_some_and(|head| with_envelope(head).is_some()) || !self.pending.is_empty() {
            let first = first.map(|b| &**b).unwrap_or_default();
            return self.poll_write(cx, first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// hyper's empty `414`/`431` answer in `written`, as the same head with the
/// JSON envelope for a body; `None` for anything else.
fn with_envelope(written: &[u8]) -> Option<Vec<u8>> {
    let status = written.get(9..13)?;
    if !(written.starts_with(b"HTTP/1.1 ") || written.starts_with(b"HTTP/1.0 ")) {
        return None;
    }
    let error = match status {
        b"414 " => ApiError::uri_too_long(),
        b"431 " => ApiError::headers_too_large(),
        _ => return None,
    };
    // The whole answer is its head: nothing after the blank line.
    let head = written.strip_suffix(b"\r\n\r\n")?;
    let head = std::str::from_utf8(head).ok()?;
    if head.contains("\r\n\r\n") {
        return None;
    }
    let mut lines: Vec<&str> = head.split("\r\n").collect();
    let before = lines.len();
    lines.retain(|l| !l.eq_ignore_ascii_case("content-length: 0"));
    if lines.len() != before - 1 {
        return None;
    }
    let body = serde_json::to_string(&error.body()).ok()?;
    let mut answer = lines.join("\r\n");
    answer.push_str(&format!(
        "\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    ));
    Some(answer.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_empty_refusals_get_the_envelope() {
        let hyper = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Thu, 03 Dec 2026 10:10:25 GMT\r\n\r\n";
        let answer = String::from_utf8(with_envelope(hyper).unwrap()).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
        assert!(head.contains("\r\ndate: Thu"), "{head}");
        assert!(head.ends_with(&format!("content-length: {}", body.len())));
        let body: motcua_api::ErrorBody = serde_json::from_str(body).unwrap();
        assert_eq!(body.code, motcua_api::ErrorCode::HeadersTooLarge);
        let uri = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(String::from_utf8(with_envelope(uri).unwrap())
            .unwrap()
            .contains("\"code\":\"uri_too_long\""));
    }

    #[test]
    fn every_other_write_passes_through() {
        for written in [
            // A route's own 431, with its body.
            &b"HTTP/1.1 431 X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n",
            b"{\"data\": \"HTTP/1.1 414 \"}",
            b"",
        ] {
            assert_eq!(with_envelope(written), None, "{written:?}");
        }
    }
}
