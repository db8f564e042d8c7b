//! Serving connections so that a hostile client cannot hold one open forever: the request
//! head must arrive within the header timeout (which also ends idle kept-alive connections),
//! a body must not stall for the idle timeout, and an answer the client does not read for the
//! idle timeout ends the connection. A slow answer (a big check, a `slow` fault) is never cut.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use futures_util::StreamExt as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};

/// How long to wait before accepting again after `accept` failed (too many open files).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Accepts connections on `listener` and serves each with `app` on its own task.
pub(crate) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    header_timeout: Duration,
    idle_timeout: Duration,
) -> io::Result<()> {
    loop {
        // Errors of one connection (reset before accept, out of descriptors) are not the
        // listener's: wait a little and go on.
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(ACCEPT_BACKOFF).await;
            continue;
        };
        // The router takes hyper's body as it is; its clone is the per-connection service.
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let io = TokioIo::new(StalledWrites::new(stream, idle_timeout));
            // A connection that fails (timed out, reset, malformed) only ends itself.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(io, service)
                .await;
        });
    }
}

/// A request body that fails when no data arrives for `timeout`, so a half-sent body does not
/// hold its connection and handler forever.
pub(crate) fn stall_limited(body: Body, timeout: Duration) -> Body {
    let frames = body.into_data_stream();
    Body::from_stream(futures_util::stream::unfold(
        Some(frames),
        move |frames| async move {
            let mut frames = frames?;
            match tokio::time::timeout(timeout, frames.next()).await {
                Ok(Some(frame)) => Some((frame.map_err(io::Error::other), Some(frames))),
                Ok(None) => None,
                Err(_) => Some((Err(timed_out()), None)),
            }
        },
    ))
}

/// A stream whose writes fail with `TimedOut` when they make no progress for `timeout`: a
/// client that stops reading its answer.
struct StalledWrites<S> {
    inner: S,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> StalledWrites<S> {
    fn new(inner: S, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
        }
    }

    fn moved(&mut self) {
        self.deadline.as_mut().reset(Instant::now() + self.timeout);
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the client sent or read nothing for too long",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for StalledWrites<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for StalledWrites<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(Ok(written)) => {
                if written > 0 {
                    this.moved();
                }
                Poll::Ready(Ok(written))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(timed_out())),
            Poll::Pending => Poll::Pending,
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
