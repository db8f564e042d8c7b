//! The one HTTP transport every provider's API module goes through: authentication, the
//! retry loop, error decoding, key redaction, and the exactly-once reconciliation of creating
//! requests. It knows no endpoint; the provider modules do.

use std::fs::File;
use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ApiError, StatusError};
use super::retry::{RetryPolicy, retryable_status, server_delay};
use super::types::Page;
use super::{ApiKey, Config};

/// Called with the bytes sent since the last call; negative when a failed try is taken back.
pub type UploadProgress = Arc<dyn Fn(i64) + Send + Sync>;

/// The metadata key that carries the client's id for a job request.
pub const REQUEST_ID_KEY: &str = "finetune_request_id";

/// How long connecting to the server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Follows redirects only within the origin (scheme, host, port) of the first request. Every
/// credential header goes with a followed request, and reqwest strips only `Authorization`
/// when the host changes: Azure's `api-key` would reach any server a redirect names. The
/// redirect answer itself is returned instead, and reported with where it pointed.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(Config::origin);
        if first.is_some_and(|first| first != Config::origin(attempt.url())) {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// How far the server's clock may be behind ours when matching what it made by time.
const CLOCK_SLACK_SECS: i64 = 5;

/// What a creating request ended with.
pub(super) struct Created<T> {
    pub(super) answer: Answer<T>,
    /// How many tries lost their answer.
    pub(super) lost_answers: u32,
}

/// The answer of a creating request, or what it made, found after its answer was lost.
pub(super) enum Answer<T> {
    Body(Vec<u8>),
    Found(T),
}

/// How far a request may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Retry {
    /// Reading, or changing in a way that is safe to repeat.
    Always,
    /// Creating something: only when the server surely did not act on it (connection refused,
    /// or an error status). A timeout or a cut connection comes back as an ambiguous error for
    /// the caller to reconcile.
    IfNotActedOn,
}

/// How a request says who sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Auth {
    /// `Authorization: Bearer KEY`, with the `OpenAI-Organization` and `OpenAI-Project`
    /// headers where `organization_headers` and configured.
    Bearer {
        /// Whether the organisation and project headers are sent.
        organization_headers: bool,
    },
    /// `api-key: KEY` (Azure), with `api-version` in the query where configured.
    ApiKeyHeader,
}

/// The HTTP transport for one API endpoint and key.
#[derive(Clone, Debug)]
pub(super) struct Transport {
    http: reqwest::Client,
    config: Config,
    auth: Auth,
}

/// A failed try, with what the retry loop needs to know.
struct Failure {
    error: ApiError,
    retryable: bool,
    /// Whether the server may have acted on the request.
    maybe_acted: bool,
    wait: Option<Duration>,
}

impl Transport {
    /// A transport for `config`, authenticating as `auth` says.
    pub(super) fn new(config: Config, auth: Auth) -> Result<Self, ApiError> {
        // Several clients in one process (tests) share the provider; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        config.check_transport_security().map_err(ApiError::Other)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("finetune/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(config.timeout)
            .redirect(same_origin_redirects())
            .build()
            .map_err(|error| {
                ApiError::Other(format!("could not start the HTTP client: {error}"))
            })?;
        Ok(Self { http, config, auth })
    }

    /// The configuration.
    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }

    fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        let organization_headers = match self.auth {
            Auth::ApiKeyHeader => {
                let request = request.header("api-key", self.config.key.expose());
                return match &self.config.api_version {
                    Some(version) => request.query(&[("api-version", version.as_str())]),
                    None => request,
                };
            }
            Auth::Bearer {
                organization_headers,
            } => organization_headers,
        };
        let mut request = request.bearer_auth(self.config.key.expose());
        if !organization_headers {
            return request;
        }
        if let Some(organization) = &self.config.organization {
            request = request.header("OpenAI-Organization", organization);
        }
        if let Some(project) = &self.config.project {
            request = request.header("OpenAI-Project", project);
        }
        request
    }

    /// One try: the body of a success, or a classified failure.
    async fn try_once(
        &self,
        method: &Method,
        path: &str,
        build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Send + Sync),
    ) -> Result<Vec<u8>, Failure> {
        let request = build(self.authorize(self.http.request(method.clone(), self.url(path))));
        let transport = |error: &reqwest::Error, maybe_acted: bool| Failure {
            error: self.transport_error(method, path, error, maybe_acted),
            retryable: true,
            maybe_acted,
            wait: None,
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Err(transport(&error, !error.is_connect())),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            // A cut-off body: the server did act when the status says success.
            Err(error) => return Err(transport(&error, true)),
        };
        if (200..300).contains(&status) {
            // Every answer passes here before it is decoded: a key echoed in an id, a name, a
            // message or a reply is gone from whatever is made of it.
            return Ok(self.config.key.scrub_body(body));
        }
        let mut error = self.status_error(method, path, status, &headers, &body);
        let retryable = retryable_status(status, error.code.as_deref());
        let wait = server_delay(&headers);
        if retryable && RetryPolicy::too_long(wait) {
            error.refused_wait = asked_wait(&headers);
        }
        let error = ApiError::Status(Box::new(error));
        Err(Failure {
            maybe_acted: error.maybe_acted(),
            error,
            retryable,
            wait,
        })
    }

    fn status_error(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> StatusError {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: Body,
        }
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default)]
            message: Option<String>,
            #[serde(default, rename = "type")]
            kind: Option<String>,
            #[serde(default)]
            code: Option<serde_json::Value>,
            #[serde(default)]
            param: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Gateway {
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            code: Option<serde_json::Value>,
        }
        // The key is scrubbed from every field where the error leaves `call`.
        let (message, kind, code, param) =
            if let Ok(Envelope { error }) = serde_json::from_slice::<Envelope>(body) {
                (
                    error.message.unwrap_or_default(),
                    error.kind,
                    error.code.and_then(|code| match code {
                        serde_json::Value::String(code) => Some(code),
                        serde_json::Value::Null => None,
                        other => Some(other.to_string()),
                    }),
                    error.param,
                )
            } else if let Ok(Gateway {
                message: Some(message),
                code,
            }) = serde_json::from_slice::<Gateway>(body)
            {
                // Google-style gateways (Fireworks) answer `{code, message, details}`.
                (message, None, code.map(|c| c.to_string()), None)
            } else {
                let text = String::from_utf8_lossy(body);
                let text: String = text.trim().chars().take(300).collect();
                (text, None, None, None)
            };
        let header = |name: &str| {
            headers
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        };
        StatusError {
            provider: self.config.provider,
            method: method.to_string(),
            path: path.to_owned(),
            status,
            message,
            kind,
            code,
            param,
            request_id: header("x-request-id"),
            location: if (300..400).contains(&status) {
                header("location")
            } else {
                None
            },
            refused_wait: None,
            retries: 0,
        }
    }

    /// Sends a request, trying again as `retry` allows. An ambiguous failure of a creating
    /// request comes back as the error with `maybe_acted` set. Every error leaves here with
    /// the key scrubbed out of all its text.
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        retry: Retry,
        build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Send + Sync),
    ) -> Result<Vec<u8>, (ApiError, bool)> {
        let policy: RetryPolicy = self.config.retry;
        let mut tries = 0;
        loop {
            match self.try_once(&method, path, build).await {
                Ok(body) => return Ok(body),
                Err(failure) => {
                    let allowed = failure.retryable
                        && tries < policy.max_retries
                        && !RetryPolicy::too_long(failure.wait)
                        && (retry == Retry::Always || !failure.maybe_acted);
                    if !allowed {
                        let mut error = failure.error;
                        match &mut error {
                            ApiError::Status(status) => status.retries = tries,
                            ApiError::Transport { retries, .. } => *retries = tries,
                            _ => {}
                        }
                        return Err((error.scrubbed(&self.config.key), failure.maybe_acted));
                    }
                    tokio::time::sleep(policy.delay(tries, failure.wait)).await;
                    tries += 1;
                }
            }
        }
    }

    pub(super) async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Send + Sync),
    ) -> Result<T, ApiError> {
        let body = self
            .call(method.clone(), path, Retry::Always, build)
            .await
            .map_err(|(error, _)| error)?;
        self.decode(&method, path, &body)
    }

    /// Reads an answer; the error names the route and holds no trace of the key (serde quotes
    /// the value it could not read, which may be anything the server sent).
    pub(super) fn decode<T: DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<T, ApiError> {
        serde_json::from_slice(body).map_err(|error| {
            ApiError::Decode {
                method: method.to_string(),
                path: path.to_owned(),
                message: error.to_string(),
            }
            .scrubbed(&self.config.key)
        })
    }

    pub(super) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.json(Method::GET, path, &|request| request).await
    }

    pub(super) async fn post<T: DeserializeOwned, B: Serialize + Sync>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.json(Method::POST, path, &|request| request.json(body))
            .await
    }

    /// A file's content, with every trace of the key replaced by `[redacted]` like any other
    /// answer: what is downloaded is shown, checked or saved, and a file that holds the
    /// account's own key is itself a leak. A file that really held the key comes back changed.
    pub(super) async fn file_content(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        self.call(
            Method::GET,
            &format!("/files/{}/content", segment(id)),
            Retry::Always,
            &|r| r,
        )
        .await
        .map_err(|(error, _)| error)
    }

    /// Sends a creating request so that, in effect, it is carried out once. After an ambiguous
    /// failure (timeout, cut connection, gateway error) `find` looks for what it made before
    /// the request is sent again. When the lookup fails, or nothing is found and the retries
    /// are spent, the error says that the `what` may exist anyway and that `check` shows it.
    pub(super) async fn create_once<T, F>(
        &self,
        route: &str,
        build: &(dyn Fn(RequestBuilder) -> RequestBuilder + Send + Sync),
        (what, check): (&'static str, Option<&'static str>),
        find: impl Fn() -> F,
    ) -> Result<Created<T>, ApiError>
    where
        F: Future<Output = Result<Option<T>, ApiError>>,
    {
        let mut tries = 0;
        loop {
            match self
                .call(Method::POST, route, Retry::IfNotActedOn, build)
                .await
            {
                Ok(body) => {
                    return Ok(Created {
                        answer: Answer::Body(body),
                        lost_answers: tries,
                    });
                }
                Err((error, false)) => return Err(error),
                Err((error, true)) => {
                    let unconfirmed = |lookup: Option<ApiError>| ApiError::Unconfirmed {
                        what,
                        error: Box::new(error),
                        lookup: lookup.map(Box::new),
                        check,
                    };
                    match find().await {
                        Ok(Some(found)) => {
                            return Ok(Created {
                                answer: Answer::Found(found),
                                lost_answers: tries + 1,
                            });
                        }
                        Err(lookup) => return Err(unconfirmed(Some(lookup))),
                        Ok(None) if tries >= self.config.retry.max_retries => {
                            return Err(unconfirmed(None));
                        }
                        Ok(None) => {}
                    }
                    tokio::time::sleep(self.config.retry.delay(tries, None)).await;
                    tries += 1;
                }
            }
        }
    }

    /// Uploads the file at `path` as `filename` in one multipart request to `route`, with
    /// the form's other `fields`. After an ambiguous failure `find` looks for the file on the
    /// server before trying again, so a retry never leaves two copies; the answer is the
    /// server's body, or what `find` found.
    pub(super) async fn upload_file<T, F>(
        &self,
        route: &str,
        (path, filename): (&Path, &str),
        fields: &[(&'static str, String)],
        progress: &UploadProgress,
        find: impl Fn() -> F,
    ) -> Result<Answer<T>, ApiError>
    where
        F: Future<Output = Result<Option<T>, ApiError>>,
    {
        let bytes = file_len(path)?;
        let sent = Arc::new(AtomicI64::new(0));
        let build = |request: RequestBuilder| {
            // Each try starts from zero: take back what a failed try reported.
            progress(-sent.swap(0, Ordering::Relaxed));
            let body = file_body(path.to_path_buf(), 0, bytes, progress, &sent);
            let part = Part::stream_with_length(body, bytes)
                .file_name(filename.to_owned())
                .mime_str("application/jsonl")
                .expect("a valid mime type");
            let form = fields.iter().fold(Form::new(), |form, (name, value)| {
                form.text(*name, value.clone())
            });
            request.multipart(form.part("file", part))
        };
        let created = self
            .create_once(route, &build, ("file", Some("finetune list-files")), find)
            .await;
        progress(-sent.swap(0, Ordering::Relaxed));
        let answer = created?.answer;
        progress(bytes as i64);
        Ok(answer)
    }

    /// Sends `len` bytes of `path` from `offset` as the `data` part of a multipart request to
    /// `route`. Parts are independent, so a failed one is simply sent again.
    pub(super) async fn send_part<T: DeserializeOwned>(
        &self,
        route: &str,
        (path, offset, len): (&Path, u64, u64),
        progress: &UploadProgress,
    ) -> Result<T, ApiError> {
        let sent = Arc::new(AtomicI64::new(0));
        let build = |request: RequestBuilder| {
            // Each try starts from zero: take back what a failed try reported.
            progress(-sent.swap(0, Ordering::Relaxed));
            let body = file_body(path.to_path_buf(), offset, len, progress, &sent);
            let part = Part::stream_with_length(body, len)
                .file_name("part")
                .mime_str("application/octet-stream")
                .expect("a valid mime type");
            request.multipart(Form::new().part("data", part))
        };
        let result = self.json(Method::POST, route, &build).await;
        progress(-sent.swap(0, Ordering::Relaxed));
        if result.is_ok() {
            progress(len as i64);
        }
        result
    }
}

impl Transport {
    /// Sends a request to a signed URL the API handed out (a storage address, not the API):
    /// without the key, which the URL itself stands in for, trying again as reading requests
    /// are (putting the same bytes twice leaves one object). `body` makes each try's body.
    pub(super) async fn signed(
        &self,
        method: Method,
        url: &str,
        body: &(dyn Fn() -> Option<reqwest::Body> + Send + Sync),
    ) -> Result<Vec<u8>, ApiError> {
        let policy: RetryPolicy = self.config.retry;
        // What is reported of the URL: its path only, as the query holds the signature.
        let shown = reqwest::Url::parse(url)
            .map_or_else(|_| "a signed URL".to_owned(), |u| u.path().to_owned());
        let mut tries = 0;
        loop {
            let mut request = self.http.request(method.clone(), url);
            if let Some(body) = body() {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(body);
            }
            let (error, retryable) = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    match response.bytes().await {
                        Ok(bytes) if (200..300).contains(&status) => {
                            return Ok(self.config.key.scrub_body(bytes.to_vec()));
                        }
                        Ok(bytes) => {
                            let error =
                                self.status_error(&method, &shown, status, &headers, &bytes);
                            (
                                ApiError::Status(Box::new(error)),
                                retryable_status(status, None),
                            )
                        }
                        Err(error) => (self.transport_error(&method, &shown, &error, true), true),
                    }
                }
                Err(error) => {
                    let acted = !error.is_connect();
                    (self.transport_error(&method, &shown, &error, acted), true)
                }
            };
            if !retryable || tries >= policy.max_retries {
                let mut error = error;
                // The storage host was called, not the API's.
                if let (ApiError::Transport { host, .. }, Ok(url)) =
                    (&mut error, reqwest::Url::parse(url))
                {
                    url.host_str().unwrap_or_default().clone_into(host);
                }
                return Err(error.scrubbed(&self.config.key));
            }
            tokio::time::sleep(policy.delay(tries, None)).await;
            tries += 1;
        }
    }

    fn transport_error(
        &self,
        method: &Method,
        path: &str,
        error: &reqwest::Error,
        maybe_acted: bool,
    ) -> ApiError {
        ApiError::Transport {
            method: method.to_string(),
            path: path.to_owned(),
            host: self.config.host().to_owned(),
            message: error_chain(error),
            unsent: !maybe_acted,
            retries: 0,
        }
    }
}

/// A request body of the `len` bytes of the file at `path`, reporting what is sent to
/// `progress` and adding it to `sent`; what an earlier try reported is taken back first, so
/// each try starts from zero.
pub(super) fn whole_file_body(
    path: &Path,
    len: u64,
    progress: &UploadProgress,
    sent: &Arc<AtomicI64>,
) -> reqwest::Body {
    progress(-sent.swap(0, Ordering::Relaxed));
    file_body(path.to_path_buf(), 0, len, progress, sent)
}

/// Unix seconds from which something a request sent now made is looked for by its creation
/// time: now, less what the server's clock may be behind.
pub(super) fn matching_start() -> i64 {
    unix_now() - CLOCK_SLACK_SECS
}

/// A new client id for a job request: what makes its creation safe to retry.
pub(super) fn new_request_id() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(24)
        .collect()
}

/// A result file with the key scrubbed from under its base64 coat too: OpenAI's result files
/// are base64-encoded CSV, where an echoed key is not spelled as it is.
pub(super) fn scrub_encoded(key: &ApiKey, content: Vec<u8>) -> Vec<u8> {
    let engine = base64::engine::general_purpose::STANDARD;
    let Ok(decoded) = engine.decode(content.trim_ascii()) else {
        return content;
    };
    let scrubbed = key.scrub_body(decoded.clone());
    if scrubbed == decoded {
        return content;
    }
    engine.encode(scrubbed).into_bytes()
}

/// The wait a server asked for, as it said it, for messages.
fn asked_wait(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
    };
    header("retry-after-ms")
        .map(|ms| format!("{ms} ms"))
        .or_else(|| header("retry-after").map(|s| format!("{s} s")))
}

/// One page of `items` (newest first) after the item with id `after`, for providers that
/// answer a whole list at once.
pub(super) fn page_of<T>(
    items: Vec<T>,
    limit: u32,
    after: Option<&str>,
    id: impl Fn(&T) -> &String,
) -> Page<T> {
    let start = after
        .and_then(|after| items.iter().position(|item| id(item) == after))
        .map_or(0, |i| i + 1);
    let rest: Vec<T> = items.into_iter().skip(start).collect();
    let has_more = rest.len() > limit as usize;
    let data: Vec<T> = rest.into_iter().take(limit as usize).collect();
    Page {
        last_id: data.last().map(|item| id(item).clone()),
        data,
        has_more,
    }
}

/// Percent-encodes an id for use as one path segment.
pub(super) fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~:".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn file_len(path: &Path) -> Result<u64, ApiError> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|source| ApiError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// A request body streaming `len` bytes of a file from `offset` in 1 MiB chunks, reporting
/// each chunk to `progress` and adding it to `sent`.
fn file_body(
    path: PathBuf,
    offset: u64,
    len: u64,
    progress: &UploadProgress,
    sent: &Arc<AtomicI64>,
) -> reqwest::Body {
    const CHUNK: u64 = 1 << 20;
    let progress = Arc::clone(progress);
    let sent = Arc::clone(sent);
    let mut file: Option<File> = None;
    let mut left = len;
    let chunks = std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        if file.is_none() {
            match File::open(&path).and_then(|mut f| f.seek(SeekFrom::Start(offset)).map(|_| f)) {
                Ok(f) => file = Some(f),
                Err(error) => {
                    left = 0;
                    return Some(Err(error));
                }
            }
        }
        let mut buffer = vec![0; CHUNK.min(left) as usize];
        let result = file
            .as_mut()
            .expect("opened above")
            .read_exact(&mut buffer)
            .map(|()| {
                left -= buffer.len() as u64;
                sent.fetch_add(buffer.len() as i64, Ordering::Relaxed);
                progress(buffer.len() as i64);
                buffer
            });
        if result.is_err() {
            left = 0;
        }
        Some(result)
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_path_segment() {
        assert_eq!(segment("ftjob-abc_1"), "ftjob-abc_1");
        assert_eq!(segment("../files"), "..%2Ffiles");
        assert_eq!(segment("a b?"), "a%20b%3F");
    }

    #[test]
    fn a_base64_result_file_is_scrubbed_under_its_coat() {
        let engine = base64::engine::general_purpose::STANDARD;
        let key = ApiKey::new("sk-secret-123");
        let echoed = engine.encode("step,note\n1,sk-secret-123\n").into_bytes();
        let scrubbed = engine.decode(scrub_encoded(&key, echoed)).unwrap();
        assert_eq!(scrubbed, b"step,note\n1,[redacted]\n");
        let clean = engine.encode("step,note\n1,fine\n").into_bytes();
        assert_eq!(scrub_encoded(&key, clean.clone()), clean);
        let plain = b"step,note\n1,fine\n".to_vec();
        assert_eq!(scrub_encoded(&key, plain.clone()), plain);
    }
}
