//! The loopback half of the sign-in: `http://localhost:<port>/callback`, bound
//! to 127.0.0.1 only. It serves until ONE matching request arrives (right
//! path, Host `localhost:<port>` or `127.0.0.1:<port>`, this flow's state),
//! which goes to the same handler as the deep link ([`SignIn::complete`]).
//! Anything else gets a plain error page and the wait goes on, until the timeout.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::error::{Result, XeroError};
use crate::oauth::{CallbackQuery, SignIn, TokenSet};

/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_REQUEST: usize = 16 * 1024;

/// A bound loopback listener, waiting for one flow's callback.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

impl LoopbackListener {
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
        Ok(LoopbackListener { listener, port })
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
        let outcome = tokio::select! {
            result = rx.recv() => result.unwrap_or(Err(XeroError::CallbackTimeout(timeout.as_secs()))),
            () = accept => Err(XeroError::CallbackTimeout(timeout.as_secs())),
            () = tokio::time::sleep(timeout) => Err(XeroError::CallbackTimeout(timeout.as_secs())),
        };
        if matches!(outcome, Err(XeroError::CallbackTimeout(_))) {
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
#[derive(Debug)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
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
