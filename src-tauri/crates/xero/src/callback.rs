//! The loopback half of the sign-in: `http://localhost:<port>/callback`, bound
//! to 127.0.0.1 only. It serves until ONE matching request arrives (right
//! path, Host `localhost:<port>` or `127.0.0.1:<port>`, this flow's state),
//! which goes to the same handler as the deep link ([`SignIn::complete`]).
//! Anything else gets a plain error page and the wait goes on, until the timeout.
//!
//! One port, one waiting sign-in: a newer sign-in on the same port
//! ([`LoopbackListener::take_over`]) ends the older wait as
//! [`XeroError::SignInReplaced`] and gets the port at once.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::error::{Result, XeroError};
use crate::oauth::{CallbackQuery, SignIn, TokenSet};

/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 16 * 1024;
/// How long a take-over waits for the older listener to close its port.
const TAKE_OVER_WAIT: Duration = Duration::from_secs(5);

/// This process's loopback listeners, by port: how to cancel each one, and
/// how to know that it has closed.
static HOLDERS: LazyLock<Mutex<HashMap<u16, Holder>>> = LazyLock::new(Mutex::default);

struct Holder {
    cancel: watch::Sender<bool>,
    /// Ends (its sender is dropped) when the listener and its socket are gone.
    closed: watch::Receiver<()>,
}

/// A bound loopback listener, waiting for one flow's callback.
#[derive(Debug)]
pub struct LoopbackListener {
    // Declared first so that the socket is closed before `closed` reports it.
    listener: TcpListener,
    port: u16,
    cancelled: watch::Receiver<bool>,
    closed: watch::Sender<()>,
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        let mut holders = HOLDERS.lock();
        if holders
            .get(&self.port)
            .is_some_and(|h| h.closed.same_channel(&self.closed.subscribe()))
        {
            holders.remove(&self.port);
        }
    }
}

impl LoopbackListener {
    /// Like [`bind`](Self::bind), but first ends the wait of this process's
    /// older listener on the same port, if any (its flow ends as
    /// [`XeroError::SignInReplaced`]), and waits for it to free the port.
    pub async fn take_over(port: u16) -> Result<Self> {
        let older = if port == 0 {
            None
        } else {
            HOLDERS.lock().remove(&port)
        };
        if let Some(older) = older {
            older.cancel.send_replace(true);
            let mut closed = older.closed;
            // `changed` fails once the older listener is dropped.
            let _ = tokio::time::timeout(TAKE_OVER_WAIT, async {
                while closed.changed().await.is_ok() {}
            })
            .await;
        }
        Self::bind(port).await
    }

    /// Binds `127.0.0.1:<port>` (0 picks a free port, for tests).
    pub async fn bind(port: u16) -> Result<Self> {
        let listener =
            TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| XeroError::Listen {
                    port,
                    reason: e.to_string(),
                })?;
        let port = listener
            .local_addr()
            .map_err(|e| XeroError::Listen {
                port,
                reason: e.to_string(),
            })?
            .port();
        let (cancel, cancelled) = watch::channel(false);
        let (closed, closed_rx) = watch::channel(());
        HOLDERS.lock().insert(
            port,
            Holder {
                cancel,
                closed: closed_rx,
            },
        );
        Ok(LoopbackListener {
            listener,
            port,
            cancelled,
            closed,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits for the callback of the flow whose state is `state`, then
    /// completes it through [`SignIn::complete`]. On timeout the flow is
    /// dropped from the pending store and the listener closes.
    pub async fn wait(
        self,
        sign_in: Arc<SignIn>,
        state: &str,
        timeout: Duration,
    ) -> Result<TokenSet> {
        let (tx, mut rx) = mpsc::channel::<Result<TokenSet>>(1);
        let port = self.port;
        let expected = state.to_owned();
        let accept = async {
            loop {
                let Ok((stream, _peer)) = self.listener.accept().await else {
                    // Out of file descriptors or the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let tx = tx.clone();
                let sign_in = Arc::clone(&sign_in);
                let expected = expected.clone();
                tokio::spawn(async move {
                    if let Some(result) = serve_one(stream, port, &sign_in, &expected).await {
                        let _ = tx.send(result).await;
                    }
                });
            }
        };
        let mut cancelled = self.cancelled.clone();
        let outcome = tokio::select! {
            result = rx.recv() => result.unwrap_or(Err(XeroError::CallbackTimeout(timeout.as_secs()))),
            () = accept => Err(XeroError::CallbackTimeout(timeout.as_secs())),
            () = tokio::time::sleep(timeout) => Err(XeroError::CallbackTimeout(timeout.as_secs())),
            Ok(_) = cancelled.wait_for(|c| *c) => Err(XeroError::SignInReplaced),
        };
        if matches!(
            outcome,
            Err(XeroError::CallbackTimeout(_) | XeroError::SignInReplaced)
        ) {
            sign_in.cancel(state);
        }
        outcome
    }
}

/// Answers one connection. `Some` when it was the flow's callback.
async fn serve_one(
    mut stream: TcpStream,
    port: u16,
    sign_in: &SignIn,
    expected_state: &str,
) -> Option<Result<TokenSet>> {
    let request = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(r)) => r,
        _ => {
            let _ = respond(
                &mut stream,
                400,
                "Bad request",
                "This is not a request Ledgerkeep expects.",
            )
            .await;
            return None;
        }
    };
    let host_ok = request.host.as_deref().is_some_and(|h| {
        h.eq_ignore_ascii_case(&format!("localhost:{port}")) || h == format!("127.0.0.1:{port}")
    });
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    if request.method != "GET" || path != "/callback" || !host_ok {
        let _ = respond(
            &mut stream,
            404,
            "Not found",
            "This address only receives Ledgerkeep's sign-in answer from Xero.",
        )
        .await;
        return None;
    }
    let state_ok = CallbackQuery::parse(query)
        .state
        .is_some_and(|s| s == expected_state && sign_in.pending().contains(&s));
    if !state_ok {
        let _ = respond(&mut stream, 400, "Unknown sign-in", "This sign-in answer is not the one Ledgerkeep is waiting for. Close this tab and use the sign-in you started in Ledgerkeep.").await;
        return None;
    }
    let result = sign_in.complete(query).await;
    let _ = match &result {
        Ok(_) => {
            respond(
                &mut stream,
                200,
                "Connected to Xero",
                "Ledgerkeep is connected. You can close this tab and go back to Ledgerkeep.",
            )
            .await
        }
        Err(e) => respond(&mut stream, 400, "Sign-in failed", &e.to_string()).await,
    };
    Some(result)
}

/// The first line and the Host header of an HTTP request.
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
}

/// The query string of a callback holds the code and the state: Debug prints
/// the path, and only whether a query came.
impl std::fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (path, query) = match self.target.split_once('?') {
            Some((path, _)) => (path, Some("<redacted>")),
            None => (self.target.as_str(), None),
        };
        f.debug_struct("RequestHead")
            .field("method", &self.method)
            .field("path", &path)
            .field("query", &query)
            .field("host", &self.host)
            .finish()
    }
}

async fn read_head(stream: &mut TcpStream) -> Option<RequestHead> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    parse_request_head(&buf)
}

/// Reads a request head (up to its blank line). `None` for anything that is
/// not UTF-8 with a method and a target.
pub fn parse_request_head(buf: &[u8]) -> Option<RequestHead> {
    let text = std::str::from_utf8(buf).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next().filter(|m| !m.is_empty())?.to_owned();
    let target = first.next().filter(|t| !t.is_empty())?.to_owned();
    let host = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.trim().to_owned());
    Some(RequestHead {
        method,
        target,
        host,
    })
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    title: &str,
    message: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Ledgerkeep: {title}</title></head>\
         <body><h1>{title}</h1><p>{}</p></body></html>",
        html_escape(message)
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_request_heads_debug_prints_no_query_string() {
        let head = parse_request_head(
            b"GET /callback?code=c0de-secret-1&state=st4te-secret-2 HTTP/1.1\r\nHost: localhost:53682\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            head.target,
            "/callback?code=c0de-secret-1&state=st4te-secret-2"
        );
        let printed = format!("{head:?}");
        assert!(!printed.contains("c0de-secret-1"), "{printed}");
        assert!(!printed.contains("st4te-secret-2"), "{printed}");
        assert!(!printed.contains("code="), "{printed}");
        assert!(printed.contains("/callback"), "{printed}");
        assert!(printed.contains("localhost:53682"), "{printed}");
        let plain = parse_request_head(b"GET /favicon.ico HTTP/1.1\r\n\r\n").unwrap();
        assert!(format!("{plain:?}").contains("query: None"));
    }

    fn sign_in(port: u16) -> Arc<SignIn> {
        let endpoints = crate::XeroEndpoints {
            client_id: Some("test-client".to_owned()),
            oauth_port: port,
            ..crate::XeroEndpoints::default()
        };
        Arc::new(
            SignIn::new(
                endpoints,
                vec!["offline_access".to_owned()],
                crate::Timekeeping::real(),
            )
            .unwrap(),
        )
    }

    /// A free port: bound once by the OS, then released.
    fn free_port() -> u16 {
        std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn a_newer_sign_in_takes_the_port_over_and_the_older_ends_as_replaced() {
        let port = free_port();
        let sign_in = sign_in(port);
        let first_flow = sign_in.start(&crate::RedirectTarget::Loopback).unwrap();
        let first = LoopbackListener::take_over(port).await.unwrap();
        let waiting = tokio::spawn({
            let sign_in = Arc::clone(&sign_in);
            let state = first_flow.state.clone();
            async move { first.wait(sign_in, &state, Duration::from_secs(300)).await }
        });
        tokio::task::yield_now().await;
        // A plain second bind cannot have the port while the first waits.
        assert!(matches!(
            LoopbackListener::bind(port).await,
            Err(XeroError::Listen { .. })
        ));

        let started = std::time::Instant::now();
        let second = LoopbackListener::take_over(port).await.unwrap();
        assert_eq!(second.port(), port);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
        let outcome = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(outcome, Err(XeroError::SignInReplaced)),
            "{outcome:?}"
        );
        // The older flow is forgotten: its callback would now be refused.
        assert!(!sign_in.pending().contains(&first_flow.state));
    }

    #[tokio::test]
    async fn a_dropped_listener_frees_its_port_for_a_take_over_at_once() {
        let port = free_port();
        let first = LoopbackListener::take_over(port).await.unwrap();
        drop(first);
        let started = std::time::Instant::now();
        let second = LoopbackListener::take_over(port).await.unwrap();
        assert_eq!(second.port(), port);
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
