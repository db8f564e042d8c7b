//! Routing: authentication, faults, the journal, then the endpoint.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::jobs::{Answer, Field, FireworksContext, Refusal, StudyRequest, Training};
use super::{Exchange, Fault, FaultKind, MAX_QUEUED_FAULTS, StandIn, lock};
use crate::api::Provider;

/// The largest body accepted: above the platform's 512 MB single-request limit.
pub(crate) const BODY_LIMIT: usize = 600 << 20;
/// The largest body of `POST /_standin/faults`.
const FAULTS_BODY_LIMIT: usize = 1 << 20;
/// The longest text the journal keeps of a request or an answer; above it, only the size,
/// so a client fetching a big file again and again does not fill memory with copies.
const JOURNAL_TEXT_LIMIT: usize = 1 << 20;
/// The only `api-version` Azure's v1 surface takes (for preview features); any dated version
/// is refused there.
const AZURE_V1_VERSION: &str = "preview";

/// Exchanges kept in the journal.
const JOURNAL_LIMIT: usize = 10_000;

static REQUESTS: AtomicU64 = AtomicU64::new(1);

pub(crate) async fn handle(State(standin): State<Arc<StandIn>>, request: Request) -> Response {
    let idle = standin.options.idle_timeout;
    let request = request.map(|body| super::connection::stall_limited(body, idle));
    let method = request.method().as_str().to_owned();
    let uri = request.uri().clone();
    let path = uri.path().to_owned();
    if let Some(control) = path.strip_prefix("/_standin/") {
        return control_route(&standin, &method, control, request).await;
    }
    // Azure's v1 surface (`/openai/v1`) takes OpenAI's paths and no dated `api-version`;
    // the dated surface (`/openai`) needs one on every call.
    let (provider, route, azure_v1) = if let Some(route) = path.strip_prefix("/azure/openai/v1") {
        (Provider::Azure, route.to_owned(), true)
    } else if let Some(route) = path.strip_prefix("/azure/openai") {
        (Provider::Azure, route.to_owned(), false)
    } else if let Some(route) = path.strip_prefix("/together/v1") {
        (Provider::Together, route.to_owned(), false)
    } else if let Some(route) = path.strip_prefix("/fireworks") {
        (Provider::Fireworks, route.to_owned(), false)
    } else if let Some(route) = path.strip_prefix("/compatible/v1") {
        // OpenAI's paths without its optional endpoints, as many compatible services have.
        let optional = route.starts_with("/uploads")
            || route.ends_with("/pause")
            || route.ends_with("/resume")
            || route.ends_with("/checkpoints");
        if optional {
            return json_response(404, &not_found(&method, &path));
        }
        (Provider::OpenAiCompatible, route.to_owned(), false)
    } else if let Some(route) = path.strip_prefix("/v1") {
        (Provider::OpenAi, route.to_owned(), false)
    } else {
        return json_response(404, &not_found(&method, &path));
    };
    let query: Vec<(String, String)> = Query::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    let mut query: HashMap<String, String> = query.into_iter().collect();
    if let Some(refusal) = authenticate(&standin, &request, provider) {
        return json_response(refusal.status, &refusal.body_for(provider));
    }
    // Fireworks' signed URLs point back at this server, at the address the client used.
    let origin = format!(
        "http://{}",
        request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("127.0.0.1")
    );
    // Azure: every call names the API version; chat goes through a deployment, which the
    // stand-in names after the fine-tuned model it serves.
    let mut deployment = None;
    let route = if azure_v1 {
        match query.remove("api-version") {
            Some(version) if version != AZURE_V1_VERSION => {
                let refusal = Refusal::bad(
                    format!(
                        "API version {version} is not supported on /openai/v1: leave api-version out, or use preview."
                    ),
                    Some("api-version"),
                );
                return json_response(400, &refusal.body());
            }
            _ => route,
        }
    } else if provider == Provider::Azure {
        if query.remove("api-version").is_none_or(|v| v.is_empty()) {
            let refusal = Refusal::bad(
                "Missing required query parameter: api-version.",
                Some("api-version"),
            );
            return json_response(400, &refusal.body());
        }
        match route
            .strip_prefix("/deployments/")
            .and_then(|rest| rest.strip_suffix("/chat/completions"))
        {
            Some(name) => {
                deployment = Some(percent_decode(name));
                "/chat/completions".to_owned()
            }
            None => route,
        }
    } else {
        route
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // The size of a JSON body, so the journal keeps only the size of a big one.
    let mut request_bytes = 0;
    let (fields, request_json) = if content_type.starts_with("multipart/form-data") {
        match multipart_fields(request).await {
            Ok(fields) => {
                let shown = fields
                    .iter()
                    .map(|(name, field)| {
                        let value = if field.filename.is_some() {
                            Value::String(format!("<{} bytes>", field.data.len()))
                        } else {
                            journalled(&field.data)
                        };
                        (name.clone(), value)
                    })
                    .collect();
                (fields, Value::Object(shown))
            }
            Err(message) => {
                let refusal = Refusal::bad(message, None);
                return json_response(400, &refusal.body());
            }
        }
    } else if let Some(deployment) = deployment {
        let body = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .unwrap_or_default();
        request_bytes = body.len();
        let mut json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if let Some(object) = json.as_object_mut() {
            object.insert("model".to_owned(), Value::String(deployment));
        }
        (HashMap::new(), json)
    } else {
        let body = match axum::body::to_bytes(request.into_body(), BODY_LIMIT).await {
            Ok(body) => body,
            Err(error) => {
                let refusal = Refusal::bad(format!("could not read the body: {error}"), None);
                return json_response(400, &refusal.body());
            }
        };
        request_bytes = body.len();
        let json = if body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice(&body) {
                Ok(json) => json,
                Err(error) => {
                    let refusal = Refusal::bad(
                        format!("We could not parse the JSON body of your request: {error}"),
                        None,
                    );
                    return json_response(400, &refusal.body());
                }
            }
        };
        (HashMap::new(), json)
    };

    let fault = standin.take_fault(&method, &route);
    let outcome = match &fault {
        Some(fault) if fault.kind == FaultKind::Status => Err(injected(fault)),
        _ => {
            if let Some(Fault {
                kind: FaultKind::Slow,
                delay_ms,
                ..
            }) = &fault
            {
                tokio::time::sleep(Duration::from_millis(delay_ms.unwrap_or(1000))).await;
            }
            let index = Provider::ALL
                .iter()
                .position(|p| *p == provider)
                .expect("every provider has a world");
            let request =
                lock(&standin.worlds[index]).study_request(&method, &route, &request_json);
            let studied = match request {
                Some(request) => Some(checked(&standin, request).await),
                None => None,
            };
            let mut world = lock(&standin.worlds[index]);
            world.prepare(studied);
            let options = &standin.options;
            let outcome = match provider {
                Provider::Together => {
                    world.dispatch_together(options, &method, &route, &query, &request_json, fields)
                }
                Provider::Fireworks => {
                    let context = FireworksContext {
                        upload_limit: standin.fireworks_upload_limit.load(Ordering::Relaxed),
                        origin: &origin,
                    };
                    world.dispatch_fireworks(
                        options,
                        &context,
                        &method,
                        &route,
                        &query,
                        &request_json,
                        fields,
                    )
                }
                _ => world.dispatch(options, &method, &route, &query, &request_json, fields),
            };
            world.prepare(None);
            outcome
        }
    };
    // A file's content goes as bytes, as the providers send it, never labelled JSON: a JSON
    // Lines file is not one JSON value.
    let (status, body, shown, content_type) = match outcome {
        Ok(Answer::Json(value)) => (
            200,
            serde_json::to_vec(&value).expect("json"),
            value,
            "application/json",
        ),
        Ok(Answer::Raw(bytes)) => {
            let shown = journalled(&bytes);
            (200, bytes, shown, "application/octet-stream")
        }
        Err(refusal) => {
            let value = refusal.body_for(provider);
            (
                refusal.status,
                serde_json::to_vec(&value).expect("json"),
                value,
                "application/json",
            )
        }
    };
    {
        let mut journal = lock(&standin.journal);
        if journal.len() < JOURNAL_LIMIT {
            journal.push(Exchange {
                provider,
                method: method.clone(),
                path: route.clone(),
                query: uri.query().unwrap_or_default().to_owned(),
                request: if request_bytes > JOURNAL_TEXT_LIMIT {
                    Value::String(format!("<{request_bytes} bytes>"))
                } else {
                    request_json
                },
                status,
                response: shown,
            });
        }
    }
    let mut response = match fault.as_ref().map(|f| f.kind) {
        Some(FaultKind::DropAfter) => cut_body(Vec::new()),
        Some(FaultKind::Truncate) => {
            let half = body[..body.len() / 2].to_vec();
            cut_body(half)
        }
        _ => Response::new(Body::from(body)),
    };
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    add_request_id(headers);
    if let Some(fault) = fault.filter(|f| f.kind == FaultKind::Status) {
        if let Some(seconds) = fault
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s).ok())
        {
            headers.insert(header::RETRY_AFTER, seconds);
        }
        if let Some(ms) = fault.retry_after_ms {
            headers.insert("retry-after-ms", HeaderValue::from(ms));
        }
    }
    response
}

/// Runs the check of a training file on a blocking thread, with no lock held, counted in
/// `GET /_standin/checks` and waiting while checks are held.
async fn checked(standin: &Arc<StandIn>, request: StudyRequest) -> (StudyRequest, Training) {
    let standin = Arc::clone(standin);
    tokio::task::spawn_blocking(move || {
        let _running = standin.checks.start();
        let training = request.run();
        (request, training)
    })
    .await
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
}

fn add_request_id(headers: &mut axum::http::HeaderMap) {
    let id = format!("req_standin{:08}", REQUESTS.fetch_add(1, Ordering::Relaxed));
    headers.insert("x-request-id", HeaderValue::from_str(&id).expect("ascii"));
}

/// Text as the journal keeps it: as is up to [`JOURNAL_TEXT_LIMIT`], else its size.
fn journalled(bytes: &[u8]) -> Value {
    if bytes.len() > JOURNAL_TEXT_LIMIT {
        Value::String(format!("<{} bytes>", bytes.len()))
    } else {
        Value::String(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// An answer whose body stops after `prefix` with a broken connection.
fn cut_body(prefix: Vec<u8>) -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from(prefix)),
        Err(std::io::Error::other("connection cut by the stand-in")),
    ];
    Response::new(Body::from_stream(futures_util::stream::iter(chunks)))
}

fn json_response(status: u16, body: &Value) -> Response {
    let mut response = Response::new(Body::from(serde_json::to_vec(body).expect("json")));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_request_id(response.headers_mut());
    response
}

fn not_found(method: &str, path: &str) -> Value {
    Refusal {
        status: 404,
        message: format!("Invalid URL ({method} {path})"),
        param: None,
        code: None,
    }
    .body()
}

/// The error an injected `status` fault answers with.
fn injected(fault: &Fault) -> Refusal {
    let status = fault.status.unwrap_or(500);
    let message = match status {
        429 => "Rate limit reached for requests. Please try again shortly.",
        500 => "The server had an error while processing your request.",
        502 => "Bad gateway.",
        503 => "The engine is currently overloaded, please try again later.",
        _ => "Injected error.",
    };
    Refusal {
        status,
        message: message.to_owned(),
        param: None,
        code: fault.code.clone(),
    }
}

/// Checks the bearer token (Azure: the `api-key` header).
fn authenticate(standin: &StandIn, request: &Request, provider: Provider) -> Option<Refusal> {
    let headers = request.headers();
    let key = if provider == Provider::Azure {
        headers.get("api-key").and_then(|v| v.to_str().ok())
    } else {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
    }
    .map(str::trim)
    .filter(|key| !key.is_empty());
    match (key, &standin.options.api_key) {
        (None, _) if provider == Provider::Azure => Some(Refusal {
            status: 401,
            message: "Access denied due to missing subscription key. Make sure to include the subscription key in the api-key header when making requests to the API.".to_owned(),
            param: None,
            code: Some("401".to_owned()),
        }),
        (None, _) => Some(Refusal {
            status: 401,
            message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).".to_owned(),
            param: None,
            code: None,
        }),
        // The whole key is echoed on purpose: the client must scrub it before showing anything.
        (Some(given), Some(expected)) if given != expected => Some(Refusal {
            status: 401,
            message: format!("Incorrect API key provided: {given}."),
            param: None,
            code: Some("invalid_api_key".to_owned()),
        }),
        _ => None,
    }
}

/// `%XX` escapes of a path segment decoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn multipart_fields(request: Request) -> Result<HashMap<String, Field>, String> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|error| format!("not a multipart body: {error}"))?;
    let mut fields = HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| format!("bad multipart body: {error}"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let data = field
            .bytes()
            .await
            .map_err(|error| format!("bad multipart field {name}: {error}"))?;
        fields.insert(
            name,
            Field {
                filename,
                data: data.to_vec(),
            },
        );
    }
    Ok(fields)
}

async fn control_route(standin: &StandIn, method: &str, route: &str, request: Request) -> Response {
    match (method, route) {
        ("POST", "faults") => match queue_faults(standin, request).await {
            Ok(queued) => json_response(200, &json!({"queued": queued})),
            Err(message) => json_response(400, &Refusal::bad(message, None).body()),
        },
        ("DELETE", "faults") => {
            lock(&standin.faults).clear();
            json_response(200, &json!({"queued": 0}))
        }
        ("GET", "checks") => json_response(200, &standin.checks.json()),
        ("POST", "checks") => {
            let body = axum::body::to_bytes(request.into_body(), FAULTS_BODY_LIMIT)
                .await
                .unwrap_or_default();
            match serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("hold").and_then(Value::as_bool))
            {
                Some(hold) => {
                    standin.checks.hold(hold);
                    json_response(200, &standin.checks.json())
                }
                None => json_response(
                    400,
                    &Refusal::bad("expected {\"hold\": true} or {\"hold\": false}", None).body(),
                ),
            }
        }
        ("POST", "fireworks") => {
            let body = axum::body::to_bytes(request.into_body(), FAULTS_BODY_LIMIT)
                .await
                .unwrap_or_default();
            match serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("upload_limit").and_then(Value::as_u64))
            {
                Some(limit) => {
                    standin
                        .fireworks_upload_limit
                        .store(limit, Ordering::Relaxed);
                    json_response(200, &json!({"upload_limit": limit}))
                }
                None => json_response(
                    400,
                    &Refusal::bad("expected {\"upload_limit\": BYTES}", None).body(),
                ),
            }
        }
        (_, storage) if storage.starts_with("storage/") => {
            signed_storage(standin, method, &storage["storage/".len()..], request).await
        }
        ("POST", "seed") => match seed(standin, request).await {
            Ok(seeded) => json_response(200, &seeded),
            Err(refusal) => json_response(400, &refusal.body()),
        },
        ("GET", "journal") => {
            let journal = lock(&standin.journal).clone();
            json_response(200, &serde_json::to_value(journal).expect("json"))
        }
        ("DELETE", "journal") => {
            lock(&standin.journal).clear();
            json_response(200, &json!({"cleared": true}))
        }
        _ => json_response(404, &not_found(method, route)),
    }
}

/// Fireworks' signed URLs (`/_standin/storage/DATASET`): `PUT` takes a dataset's content
/// until `:validateUpload`, `GET` gives it back. The signature in the query stands in for the
/// key, so no key is asked for; the content is not journalled, as it is not Fireworks' API.
async fn signed_storage(
    standin: &StandIn,
    method: &str,
    dataset: &str,
    request: Request,
) -> Response {
    let world = Provider::ALL
        .iter()
        .position(|p| *p == Provider::Fireworks)
        .expect("every provider has a world");
    let answer = match method {
        "PUT" => match axum::body::to_bytes(request.into_body(), BODY_LIMIT).await {
            Ok(body) => lock(&standin.worlds[world])
                .put_signed(dataset, body.to_vec())
                .map(|()| Vec::new()),
            Err(error) => Err(Refusal::bad(
                format!("could not read the body: {error}"),
                None,
            )),
        },
        "GET" => lock(&standin.worlds[world]).dataset_content(dataset),
        _ => Err(Refusal {
            status: 405,
            message: format!("{method} is not allowed on a signed URL"),
            param: None,
            code: None,
        }),
    };
    match answer {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            response
        }
        Err(refusal) => json_response(refusal.status, &refusal.body()),
    }
}

/// Seeds the world of the body's `provider` (OpenAI's when absent) with ended jobs.
async fn seed(standin: &StandIn, request: Request) -> Result<Value, Refusal> {
    let body = axum::body::to_bytes(request.into_body(), FAULTS_BODY_LIMIT)
        .await
        .map_err(|error| Refusal::bad(format!("could not read the seed: {error}"), None))?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|error| Refusal::bad(format!("the seed is not JSON: {error}"), None))?;
    let provider = match body.get("provider").and_then(Value::as_str) {
        Some(name) => name
            .parse::<Provider>()
            .map_err(|message| Refusal::bad(message, Some("provider")))?,
        None => Provider::default(),
    };
    let index = Provider::ALL
        .iter()
        .position(|p| *p == provider)
        .expect("every provider has a world");
    lock(&standin.worlds[index]).seed(&body)
}

/// Queues the faults of a `POST /_standin/faults` body, all or none: how many are queued.
async fn queue_faults(standin: &StandIn, request: Request) -> Result<usize, String> {
    let body = axum::body::to_bytes(request.into_body(), FAULTS_BODY_LIMIT)
        .await
        .map_err(|error| format!("could not read the list of faults: {error}"))?;
    let new: Vec<Fault> =
        serde_json::from_slice(&body).map_err(|error| format!("not a list of faults: {error}"))?;
    for (index, fault) in new.iter().enumerate() {
        fault
            .validate()
            .map_err(|problem| format!("fault {index}: {problem}"))?;
    }
    let mut faults = lock(&standin.faults);
    if faults.len() + new.len() > MAX_QUEUED_FAULTS {
        return Err(format!(
            "{} faults are queued and {} more would pass the limit of {MAX_QUEUED_FAULTS}",
            faults.len(),
            new.len()
        ));
    }
    for fault in new {
        let times = fault.times.unwrap_or(1);
        faults.push((fault, times));
    }
    Ok(faults.len())
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
