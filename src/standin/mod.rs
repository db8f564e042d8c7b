//! The stand-in: a local server that behaves like the fine-tuning APIs of OpenAI (`/v1`),
//! Azure OpenAI (`/azure/openai`, `api-key` header, `api-version`; its v1 surface at
//! `/azure/openai/v1`, without `api-version`), Together AI
//! (`/together/v1`), Fireworks AI (`/fireworks`, its server root) and a service that speaks
//! OpenAI's shapes without its optional endpoints (`/compatible/v1`) for the endpoints `finetune` uses, in the spirit of stripe-mock. It keeps files, uploads and jobs in memory,
//! runs jobs on a fast clock (validating → queued → running with metrics and checkpoints →
//! succeeded with a result file, or failed when the training file does not pass `check`),
//! answers chat completions for the models it trained, and injects faults on request.
//!
//! Answers follow the shapes of the OpenAPI description; every exchange is kept in a journal
//! (`GET /_standin/journal`) so tests can validate requests and responses against it. Faults
//! are queued with `POST /_standin/faults`.

mod connection;
mod jobs;
mod routes;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::Deserialize;

use crate::api::Provider;
use serde_json::Value;

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Real time per simulated step of a job; validating and queueing take two ticks each.
    pub tick: Duration,
    /// The only key accepted; any non-empty bearer token when `None`.
    pub api_key: Option<String>,
    /// Refuse every new job the way the platform does after the 2027-01-06 cut-off.
    pub wind_down: bool,
    /// Base models to refuse as retired.
    pub retired: Vec<String>,
    /// How long a client has to send a request's head before its connection is closed; it
    /// also bounds how long an idle kept-alive connection stays open.
    pub header_timeout: Duration,
    /// How long a request's body may stall, or an answer go unread, before the connection
    /// is closed; answering itself may take longer.
    pub idle_timeout: Duration,
}

/// Default of [`Options::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`Options::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for Options {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(100),
            api_key: None,
            wind_down: false,
            retired: Vec::new(),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}

/// A fault to inject into the next matching requests.
#[derive(Clone, Debug, Deserialize)]
pub struct Fault {
    /// Only requests with this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests whose path below the provider's base starts with this.
    pub path: String,
    /// Only requests whose path is `path` itself, not below it.
    #[serde(default)]
    pub exact: bool,
    /// What to do.
    pub kind: FaultKind,
    /// For `status`: the status to answer.
    #[serde(default)]
    pub status: Option<u16>,
    /// For `status`: `error.code`.
    #[serde(default)]
    pub code: Option<String>,
    /// For `status`: a `Retry-After` header, in seconds.
    #[serde(default)]
    pub retry_after: Option<String>,
    /// For `status`: a `retry-after-ms` header.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    /// For `slow`: the delay before answering.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many requests it applies to (1 when absent).
    #[serde(default)]
    pub times: Option<u32>,
}

/// The most requests one fault applies to.
pub const MAX_FAULT_TIMES: u32 = 10_000;
/// The longest delay a `slow` fault may ask for.
pub const MAX_FAULT_DELAY_MS: u64 = 30_000;
/// The longest `retry-after-ms` a `status` fault may announce: one day.
pub const MAX_FAULT_RETRY_AFTER_MS: u64 = 86_400_000;
/// The most faults queued at once.
pub const MAX_QUEUED_FAULTS: usize = 1_000;
/// The longest text field (path, code, `retry_after`) of a fault.
const MAX_FAULT_TEXT: usize = 1_024;
/// The methods a fault may be restricted to.
const FAULT_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

impl Fault {
    /// Checks every field against its bounds, so a fault cannot wedge or crash the server:
    /// the problem with the offending value when one is out of bounds.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(method) = &self.method
            && !FAULT_METHODS.iter().any(|m| m.eq_ignore_ascii_case(method))
        {
            return Err(format!(
                "method {method:?} is not one of {}",
                FAULT_METHODS.join(", ")
            ));
        }
        if !self.path.starts_with('/') || self.path.len() > MAX_FAULT_TEXT {
            return Err(format!(
                "path {:?} must start with / and hold at most {MAX_FAULT_TEXT} bytes",
                truncated(&self.path)
            ));
        }
        if let Some(times) = self.times
            && !(1..=MAX_FAULT_TIMES).contains(&times)
        {
            return Err(format!("times {times} must be 1 to {MAX_FAULT_TIMES}"));
        }
        if let Some(status) = self.status {
            if self.kind != FaultKind::Status {
                return Err("status applies only to faults of kind status".to_owned());
            }
            if !(400..=599).contains(&status) {
                return Err(format!(
                    "status {status} must be an error status, 400 to 599"
                ));
            }
        }
        if let Some(delay) = self.delay_ms {
            if self.kind != FaultKind::Slow {
                return Err("delay_ms applies only to faults of kind slow".to_owned());
            }
            if delay > MAX_FAULT_DELAY_MS {
                return Err(format!(
                    "delay_ms {delay} must be at most {MAX_FAULT_DELAY_MS}"
                ));
            }
        }
        if let Some(ms) = self.retry_after_ms
            && ms > MAX_FAULT_RETRY_AFTER_MS
        {
            return Err(format!(
                "retry_after_ms {ms} must be at most {MAX_FAULT_RETRY_AFTER_MS}"
            ));
        }
        if let Some(after) = &self.retry_after
            && (after.len() > MAX_FAULT_TEXT || axum::http::HeaderValue::from_str(after).is_err())
        {
            return Err(format!(
                "retry_after {:?} is not a short header value",
                truncated(after)
            ));
        }
        if let Some(code) = &self.code
            && code.len() > MAX_FAULT_TEXT
        {
            return Err(format!(
                "code {:?} holds more than {MAX_FAULT_TEXT} bytes",
                truncated(code)
            ));
        }
        Ok(())
    }
}

/// The start of a long text, for a message.
fn truncated(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The kinds of fault.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer an error status without acting on the request.
    Status,
    /// Act on the request, then cut the connection before the answer's body.
    DropAfter,
    /// Act on the request, then send half of the answer's body and cut the connection.
    Truncate,
    /// Wait `delay_ms`, then act and answer normally.
    Slow,
}

/// One request and its answer, for the contract tests.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exchange {
    /// Which provider's API was called: `openai`, `azure`, `together`, `fireworks` or
    /// `openai-compatible`.
    pub provider: Provider,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the provider's base (`/v1`, `/azure/openai`, `/azure/openai/v1`,
    /// `/together/v1`, `/fireworks`, `/compatible/v1`); Azure's
    /// deployment chat route is journalled as `/chat/completions`.
    pub path: String,
    /// The query string.
    pub query: String,
    /// The request body: JSON as is, multipart fields as an object (files as their size).
    pub request: Value,
    /// The answer's status.
    pub status: u16,
    /// The answer's body (JSON, or a string for file content).
    pub response: Value,
}

/// The server's state.
pub(crate) struct StandIn {
    options: Options,
    /// One world per provider: files and jobs of one are not seen by another.
    worlds: [Mutex<jobs::World>; Provider::ALL.len()],
    /// The largest file Fireworks' `:upload` takes (`POST /_standin/fireworks` sets it).
    fireworks_upload_limit: std::sync::atomic::AtomicU64,
    faults: Mutex<Vec<(Fault, u32)>>,
    journal: Mutex<Vec<Exchange>>,
    checks: CheckGate,
}

/// The checks of training files in progress, and a switch that holds new ones back, so a
/// test can watch the server answer others while a check runs (`/_standin/checks`).
#[derive(Default)]
struct CheckGate {
    running: AtomicUsize,
    held: Mutex<bool>,
    released: Condvar,
}

/// One check counted as running until dropped.
struct RunningCheck<'a>(&'a CheckGate);

impl Drop for RunningCheck<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl CheckGate {
    /// Counts a check as running, then waits while checks are held (on a blocking thread).
    fn start(&self) -> RunningCheck<'_> {
        self.running.fetch_add(1, Ordering::SeqCst);
        let running = RunningCheck(self);
        let mut held = lock(&self.held);
        while *held {
            held = self
                .released
                .wait(held)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        running
    }

    fn hold(&self, hold: bool) {
        *lock(&self.held) = hold;
        self.released.notify_all();
    }

    fn json(&self) -> Value {
        serde_json::json!({
            "running": self.running.load(Ordering::SeqCst),
            "held": *lock(&self.held),
        })
    }
}

impl StandIn {
    fn new(options: Options) -> Self {
        Self {
            options,
            worlds: Provider::ALL.map(|provider| Mutex::new(jobs::World::new(provider))),
            fireworks_upload_limit: std::sync::atomic::AtomicU64::new(
                crate::api::FIREWORKS_DIRECT_UPLOAD_LIMIT,
            ),
            faults: Mutex::new(Vec::new()),
            journal: Mutex::new(Vec::new()),
            checks: CheckGate::default(),
        }
    }

    /// Takes the first queued fault matching a request.
    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults.iter().position(|(fault, _)| {
            fault
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && if fault.exact {
                    path == fault.path
                } else {
                    path.starts_with(&fault.path)
                }
        })?;
        let (fault, left) = &mut faults[index];
        let fault = fault.clone();
        *left -= 1;
        if *left == 0 {
            faults.remove(index);
        }
        Some(fault)
    }
}

/// Locks `mutex` even when a handler panicked while holding it: one bad request must not
/// take every later one down with it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Serves the stand-in on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, options: Options) -> std::io::Result<()> {
    let (header_timeout, idle_timeout) = (options.header_timeout, options.idle_timeout);
    let state = Arc::new(StandIn::new(options));
    let app = axum::Router::new()
        .fallback(routes::handle)
        // Parts are up to 64 MB and single uploads up to 512 MB; the routes enforce those.
        .layer(axum::extract::DefaultBodyLimit::max(routes::BODY_LIMIT))
        .with_state(state);
    connection::serve(listener, app, header_timeout, idle_timeout).await
}

/// Binds 127.0.0.1 on `port` (0 for a free one).
pub async fn bind(port: u16) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
