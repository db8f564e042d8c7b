//! The stand-in: a local server that behaves like the fine-tuning APIs of OpenAI (`/v1`),
//! Azure OpenAI (`/azure/openai`, `api-key` header, `api-version`) and Together AI
//! (`/together/v1`) for the endpoints `finetune` uses, in the spirit of stripe-mock. It keeps files, uploads and jobs in memory,
//! runs jobs on a fast clock (validating → queued → running with metrics and checkpoints →
//! succeeded with a result file, or failed when the training file does not pass `check`),
//! answers chat completions for the models it trained, and injects faults on request.
//!
//! Answers follow the shapes of the OpenAPI description; every exchange is kept in a journal
//! (`GET /_standin/journal`) so tests can validate requests and responses against it. Faults
//! are queued with `POST /_standin/faults`.

mod jobs;
mod routes;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
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
}

impl Default for Options {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(100),
            api_key: None,
            wind_down: false,
            retired: Vec::new(),
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
    /// Which provider's API was called: `openai`, `azure` or `together`.
    pub provider: Provider,
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the provider's base (`/v1`, `/azure/openai`, `/together/v1`); Azure's
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
    worlds: [Mutex<jobs::World>; 3],
    faults: Mutex<Vec<(Fault, u32)>>,
    journal: Mutex<Vec<Exchange>>,
}

impl StandIn {
    fn new(options: Options) -> Self {
        Self {
            options,
            worlds: Provider::ALL.map(|provider| Mutex::new(jobs::World::new(provider))),
            faults: Mutex::new(Vec::new()),
            journal: Mutex::new(Vec::new()),
        }
    }

    /// Takes the first queued fault matching a request.
    fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().expect("fault queue");
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

/// Serves the stand-in on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, options: Options) -> std::io::Result<()> {
    let state = Arc::new(StandIn::new(options));
    let app = axum::Router::new()
        .fallback(routes::handle)
        // Parts are up to 64 MB and single uploads up to 512 MB; the routes enforce those.
        .layer(axum::extract::DefaultBodyLimit::max(routes::BODY_LIMIT))
        .with_state(state);
    axum::serve(listener, app).await
}

/// Binds 127.0.0.1 on `port` (0 for a free one).
pub async fn bind(port: u16) -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}
