//! The HTTP client: one method per endpoint, every call through one retry loop.

use std::collections::BTreeMap;
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
use super::together::{TogetherFile, TogetherJob, create_body};
use super::types::{
    ChatCompletion, ChatMessage, ChatRequest, Checkpoint, CreateJob, CreateUpload, Deleted, Event,
    FileObject, Job, Page, Upload, UploadPart,
};
use super::{ApiKey, Config, Provider};

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
struct Created<T> {
    answer: Answer<T>,
    /// How many tries lost their answer.
    lost_answers: u32,
}

/// The answer of a creating request, or what it made, found after its answer was lost.
enum Answer<T> {
    Body(Vec<u8>),
    Found(T),
}

/// A multipart upload just created.
#[derive(Clone, Debug)]
pub struct NewUpload {
    /// The upload.
    pub upload: Upload,
    /// How many earlier tries lost their answer: each may have left an empty upload on the
    /// platform, which cannot be listed and expires on its own within the hour.
    pub lost_answers: u32,
}

/// How far a request may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// Reading, or changing in a way that is safe to repeat.
    Always,
    /// Creating something: only when the server surely did not act on it (connection refused,
    /// or an error status). A timeout or a cut connection comes back as an ambiguous error for
    /// the caller to reconcile.
    IfNotActedOn,
}

/// A client for one API endpoint and key.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    config: Config,
}

/// A failed try, with what the retry loop needs to know.
struct Failure {
    error: ApiError,
    retryable: bool,
    /// Whether the server may have acted on the request.
    maybe_acted: bool,
    wait: Option<Duration>,
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Self, ApiError> {
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
        Ok(Self { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }

    /// The provider this client talks to.
    pub fn provider(&self) -> Provider {
        self.config.provider
    }

    /// The error for something `provider` cannot do.
    fn unsupported(&self, what: &str) -> ApiError {
        ApiError::Other(format!("{} cannot {what}", self.provider().label()))
    }

    fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        if self.provider() == Provider::Azure {
            let request = request.header("api-key", self.config.key.expose());
            return match &self.config.api_version {
                Some(version) => request.query(&[("api-version", version.as_str())]),
                None => request,
            };
        }
        let mut request = request.bearer_auth(self.config.key.expose());
        if self.provider() != Provider::OpenAi {
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
            error: ApiError::Transport {
                method: method.to_string(),
                path: path.to_owned(),
                host: self.config.host().to_owned(),
                message: error_chain(error),
                unsent: !maybe_acted,
                retries: 0,
            },
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
            provider: self.provider(),
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
    async fn call(
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

    // Files.

    /// Every file, newest first, following pagination; `purpose` filters.
    pub async fn list_files(&self, purpose: Option<&str>) -> Result<Vec<FileObject>, ApiError> {
        match self.provider() {
            Provider::Together => return self.together_list_files(purpose).await,
            Provider::Azure => {
                // Azure lists every file in one answer and takes no paging parameters.
                let query: Vec<(&str, &str)> =
                    purpose.map(|p| ("purpose", p)).into_iter().collect();
                let page: Page<FileObject> = self
                    .json(Method::GET, "/files", &|request| request.query(&query))
                    .await?;
                let mut files = page.data;
                files.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
                return Ok(files);
            }
            Provider::OpenAi => {}
        }
        let mut files = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("limit", "10000".to_owned()), ("order", "desc".to_owned())];
            if let Some(purpose) = purpose {
                query.push(("purpose", purpose.to_owned()));
            }
            if let Some(after) = &after {
                query.push(("after", after.clone()));
            }
            let page: Page<FileObject> = self
                .json(Method::GET, "/files", &|request| request.query(&query))
                .await?;
            let last = page
                .last_id
                .clone()
                .or_else(|| page.data.last().map(|f| f.id.clone()));
            let more = page.has_more && !page.data.is_empty();
            files.extend(page.data);
            match last {
                Some(last) if more => after = Some(last),
                _ => return Ok(files),
            }
        }
    }

    /// One file.
    pub async fn retrieve_file(&self, id: &str) -> Result<FileObject, ApiError> {
        if self.provider() == Provider::Together {
            return self.together_retrieve_file(id).await;
        }
        self.get(&format!("/files/{}", segment(id))).await
    }

    /// Deletes a file.
    pub async fn delete_file(&self, id: &str) -> Result<Deleted, ApiError> {
        self.json(Method::DELETE, &format!("/files/{}", segment(id)), &|r| r)
            .await
    }

    /// A file's content, with every trace of the key replaced by `[redacted]` like any other
    /// answer: what is downloaded is shown, checked or saved, and a file that holds the
    /// account's own key is itself a leak. A file that really held the key comes back changed.
    pub async fn file_content(&self, id: &str) -> Result<Vec<u8>, ApiError> {
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
    async fn create_once<T, F>(
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

    /// The fine-tuning file named `filename` of `bytes` bytes created at or after `started`:
    /// what a request whose answer was lost made, if it made anything.
    async fn find_uploaded(
        &self,
        filename: &str,
        bytes: u64,
        started: i64,
    ) -> Result<Option<FileObject>, ApiError> {
        Ok(self
            .list_files(Some("fine-tune"))
            .await?
            .into_iter()
            .find(|f| f.filename == filename && f.bytes == bytes && f.created_at >= started))
    }

    /// Uploads a file for fine-tuning in one request. After an ambiguous failure it looks for
    /// the file on the server before trying again, so a retry never leaves two copies.
    pub async fn upload_file(
        &self,
        path: &Path,
        filename: &str,
        progress: UploadProgress,
    ) -> Result<FileObject, ApiError> {
        let bytes = file_len(path)?;
        let started = Self::matching_start();
        let together = self.provider() == Provider::Together;
        let route = if together { "/files/upload" } else { "/files" };
        let sent = Arc::new(AtomicI64::new(0));
        let build = |request: RequestBuilder| {
            // Each try starts from zero: take back what a failed try reported.
            progress(-sent.swap(0, Ordering::Relaxed));
            let body = file_body(path.to_path_buf(), 0, bytes, &progress, &sent);
            let part = Part::stream_with_length(body, bytes)
                .file_name(filename.to_owned())
                .mime_str("application/jsonl")
                .expect("a valid mime type");
            let form = Form::new().text("purpose", "fine-tune");
            let form = if together {
                form.text("file_name", filename.to_owned())
                    .text("file_type", "jsonl")
            } else {
                form
            };
            request.multipart(form.part("file", part))
        };
        let created = self
            .create_once(route, &build, ("file", Some("finetune list-files")), || {
                self.find_uploaded(filename, bytes, started)
            })
            .await;
        progress(-sent.swap(0, Ordering::Relaxed));
        let file = match created?.answer {
            Answer::Found(file) => file,
            Answer::Body(body) if together => self
                .decode::<TogetherFile>(&Method::POST, route, &body)?
                .into(),
            Answer::Body(body) => self.decode(&Method::POST, route, &body)?,
        };
        progress(bytes as i64);
        Ok(file)
    }

    // Uploads (multipart, for large files).

    /// Starts a multipart upload. The Uploads API can neither list nor look up uploads, so
    /// one whose answer was lost cannot be found, cancelled or reused: it is created again,
    /// and the count of lost answers says how many empty uploads may be left behind (each
    /// expires on its own an hour after it was made).
    pub async fn create_upload(&self, filename: &str, bytes: u64) -> Result<NewUpload, ApiError> {
        if !self.provider().has_multipart_uploads() {
            return Err(self.unsupported("take files in parts (it has no multipart upload API)"));
        }
        let request = CreateUpload {
            filename,
            purpose: "fine-tune",
            bytes,
            mime_type: "application/jsonl",
        };
        let route = "/uploads";
        let created = self
            .create_once(route, &|r| r.json(&request), ("upload", None), || async {
                Ok(None::<Upload>)
            })
            .await?;
        let upload = match created.answer {
            Answer::Found(upload) => upload,
            Answer::Body(body) => self.decode(&Method::POST, route, &body)?,
        };
        Ok(NewUpload {
            upload,
            lost_answers: created.lost_answers,
        })
    }

    /// Sends `len` bytes of `path` from `offset` as one part. Parts are independent, so a
    /// failed one is simply sent again.
    pub async fn add_upload_part(
        &self,
        upload_id: &str,
        path: &Path,
        offset: u64,
        len: u64,
        progress: UploadProgress,
    ) -> Result<UploadPart, ApiError> {
        let sent = Arc::new(AtomicI64::new(0));
        let route = format!("/uploads/{}/parts", segment(upload_id));
        let build = |request: RequestBuilder| {
            // Each try starts from zero: take back what a failed try reported.
            progress(-sent.swap(0, Ordering::Relaxed));
            let body = file_body(path.to_path_buf(), offset, len, &progress, &sent);
            let part = Part::stream_with_length(body, len)
                .file_name("part")
                .mime_str("application/octet-stream")
                .expect("a valid mime type");
            request.multipart(Form::new().part("data", part))
        };
        let result = self.json(Method::POST, &route, &build).await;
        progress(-sent.swap(0, Ordering::Relaxed));
        if result.is_ok() {
            progress(len as i64);
        }
        result
    }

    /// Completes a multipart upload of `filename` (`bytes` bytes) with its parts in order:
    /// the file it makes. An upload completes only once, so after a lost answer the file is
    /// looked for (by name, size and time, as a lost single upload is) instead of asking to
    /// complete it again, which the platform refuses as already completed.
    pub async fn complete_upload(
        &self,
        upload_id: &str,
        part_ids: &[String],
        filename: &str,
        bytes: u64,
    ) -> Result<FileObject, ApiError> {
        #[derive(Serialize)]
        struct Complete<'a> {
            part_ids: &'a [String],
        }
        let started = Self::matching_start();
        let route = format!("/uploads/{}/complete", segment(upload_id));
        let body = Complete { part_ids };
        let created = self
            .create_once(
                &route,
                &|r| r.json(&body),
                ("file", Some("finetune list-files")),
                || self.find_uploaded(filename, bytes, started),
            )
            .await?;
        match created.answer {
            Answer::Found(file) => Ok(file),
            Answer::Body(body) => self
                .decode::<Upload>(&Method::POST, &route, &body)?
                .file
                .ok_or_else(|| {
                    ApiError::Other(format!("upload {upload_id} completed without a file"))
                }),
        }
    }

    /// Cancels a multipart upload.
    pub async fn cancel_upload(&self, upload_id: &str) -> Result<Upload, ApiError> {
        self.json(
            Method::POST,
            &format!("/uploads/{}/cancel", segment(upload_id)),
            &|r| r,
        )
        .await
    }

    // Jobs.

    /// Creates a fine-tuning job exactly once. After an ambiguous failure (timeout, cut
    /// connection, gateway error) the request is sent again only if the job is not found:
    /// through the client id in its metadata where the provider keeps metadata, else as the job
    /// on the same training file and model created since this call began.
    pub async fn create_job(&self, request: &CreateJob) -> Result<Job, ApiError> {
        self.create_job_since(request, Self::matching_start()).await
    }

    /// [`Client::create_job`] for a request first sent at `started` (Unix seconds): a job the
    /// provider can only be matched to by time is looked for from then on.
    pub async fn create_job_since(
        &self,
        request: &CreateJob,
        started: i64,
    ) -> Result<Job, ApiError> {
        let provider = self.provider();
        let request_id = request.metadata.get(REQUEST_ID_KEY).cloned();
        if provider.has_job_metadata() && request_id.is_none() {
            return Err(ApiError::Other(format!(
                "a job request needs a {REQUEST_ID_KEY}"
            )));
        }
        let (route, body) = match provider {
            Provider::Together => ("/fine-tunes", create_body(request)),
            Provider::Azure => {
                let mut body = serde_json::to_value(request).unwrap_or_default();
                if let Some(body) = body.as_object_mut() {
                    body.remove("metadata");
                }
                ("/fine_tuning/jobs", body)
            }
            Provider::OpenAi => (
                "/fine_tuning/jobs",
                serde_json::to_value(request).unwrap_or_default(),
            ),
        };
        let created = self
            .create_once(
                route,
                &|r| r.json(&body),
                ("job", Some("finetune list-jobs")),
                || self.find_created(request, started),
            )
            .await?;
        match created.answer {
            Answer::Found(job) => Ok(job),
            Answer::Body(answer) if provider == Provider::Together => Ok(self
                .decode::<TogetherJob>(&Method::POST, route, &answer)?
                .into_job()),
            Answer::Body(answer) => self.decode(&Method::POST, route, &answer),
        }
    }

    /// The job `request` made since `started`, if any: through the client id in its metadata
    /// where the provider keeps metadata, else by its file, model and suffix.
    pub async fn find_created(
        &self,
        request: &CreateJob,
        started: i64,
    ) -> Result<Option<Job>, ApiError> {
        match request.metadata.get(REQUEST_ID_KEY) {
            Some(id) if self.provider().has_job_metadata() => self.find_job(id).await,
            _ => self.find_created_job(request, started).await,
        }
    }

    /// The job `request` made, found without metadata: same training file, same model (or its
    /// snapshot), same suffix, created at or after `started`.
    async fn find_created_job(
        &self,
        request: &CreateJob,
        started: i64,
    ) -> Result<Option<Job>, ApiError> {
        let jobs = self.list_jobs(100, None).await?.data;
        Ok(jobs.into_iter().find(|job| {
            job.training_file == request.training_file
                && job.created_at >= started
                && job.model.starts_with(&request.model)
                && (request.suffix.is_none()
                    || job.user_provided_suffix.is_none()
                    || job.user_provided_suffix == request.suffix)
        }))
    }

    /// The job created with this client id, if any: asked with the metadata filter, and the
    /// answer checked again here in case the server ignores the filter.
    pub async fn find_job(&self, request_id: &str) -> Result<Option<Job>, ApiError> {
        let filter = format!("metadata[{REQUEST_ID_KEY}]");
        let query = [(filter.as_str(), request_id), ("limit", "100")];
        let page: Page<Job> = self
            .json(Method::GET, "/fine_tuning/jobs", &|r| r.query(&query))
            .await?;
        Ok(page.data.into_iter().find(|job| {
            job.metadata
                .as_ref()
                .and_then(|m| m.get(REQUEST_ID_KEY))
                .is_some_and(|v| v == request_id)
        }))
    }

    /// One page of jobs, newest first.
    pub async fn list_jobs(&self, limit: u32, after: Option<&str>) -> Result<Page<Job>, ApiError> {
        if self.provider() == Provider::Together {
            let jobs = self.together_list_jobs().await?;
            return Ok(page_of(jobs, limit, after, |job| &job.id));
        }
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        self.json(Method::GET, "/fine_tuning/jobs", &|r| r.query(&query))
            .await
    }

    /// One job.
    pub async fn retrieve_job(&self, id: &str) -> Result<Job, ApiError> {
        if self.provider() == Provider::Together {
            return self.together_retrieve_job(id).await;
        }
        self.get(&format!("/fine_tuning/jobs/{}", segment(id)))
            .await
    }

    /// Cancels, pauses or resumes a job (`action` is `cancel`, `pause` or `resume`).
    pub async fn job_action(&self, id: &str, action: &str) -> Result<Job, ApiError> {
        match (self.provider(), action) {
            (Provider::Together, "cancel") => return self.together_cancel(id).await,
            (provider, _) if !provider.can_pause() => {
                return Err(self.unsupported(&format!("{action} a job (only cancel it)")));
            }
            _ => {}
        }
        self.json(
            Method::POST,
            &format!("/fine_tuning/jobs/{}/{action}", segment(id)),
            &|r| r,
        )
        .await
    }

    /// One page of a job's events, newest first.
    pub async fn list_events(
        &self,
        id: &str,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Page<Event>, ApiError> {
        if self.provider() == Provider::Together {
            let mut events = self.together_events(id).await?;
            events.reverse();
            return Ok(page_of(events, limit, after, |event| &event.id));
        }
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        self.json(
            Method::GET,
            &format!("/fine_tuning/jobs/{}/events", segment(id)),
            &|r| r.query(&query),
        )
        .await
    }

    /// Every event of a job, oldest first.
    pub async fn all_events(&self, id: &str) -> Result<Vec<Event>, ApiError> {
        if self.provider() == Provider::Together {
            return self.together_events(id).await;
        }
        let mut events = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.list_events(id, 100, after.as_deref()).await?;
            let more = page.has_more && !page.data.is_empty();
            after = page.data.last().map(|event| event.id.clone());
            events.extend(page.data);
            if !more {
                break;
            }
        }
        events.reverse();
        Ok(events)
    }

    /// Every checkpoint of a job, newest first.
    pub async fn list_checkpoints(&self, id: &str) -> Result<Vec<Checkpoint>, ApiError> {
        if self.provider() == Provider::Together {
            return self.together_checkpoints(id).await;
        }
        let route = format!("/fine_tuning/jobs/{}/checkpoints", segment(id));
        let mut checkpoints = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut query = vec![("limit", "100".to_owned())];
            if let Some(after) = &after {
                query.push(("after", after.clone()));
            }
            let page: Page<Checkpoint> =
                self.json(Method::GET, &route, &|r| r.query(&query)).await?;
            let more = page.has_more && !page.data.is_empty();
            after = page.data.last().map(|c| c.id.clone());
            checkpoints.extend(page.data);
            if !more {
                return Ok(checkpoints);
            }
        }
    }

    // Chat.

    /// A chat completion.
    pub async fn chat(
        &self,
        model: &str,
        messages: Vec<ChatMessage>,
    ) -> Result<ChatCompletion, ApiError> {
        let request = ChatRequest {
            model: model.to_owned(),
            messages,
        };
        // Azure's dated surface answers through a deployment of the model, named by whoever
        // deployed it; its v1 surface takes the deployment's name as the model, as OpenAI does.
        let route = match self.provider() {
            Provider::Azure if self.config.api_version.is_some() => {
                format!("/deployments/{}/chat/completions", segment(model))
            }
            _ => "/chat/completions".to_owned(),
        };
        self.post(&route, &request).await
    }

    // Metrics.

    /// A job's metrics as CSV (possibly base64-encoded, as OpenAI's result files are) and where
    /// they came from; `None` while the provider has none.
    pub async fn job_metrics(&self, job: &Job) -> Result<Option<(String, Vec<u8>)>, ApiError> {
        if self.provider() == Provider::Together {
            let csv = self.together_metrics(&job.id).await?;
            let has_rows = csv
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .nth(1)
                .is_some();
            return Ok(has_rows.then(|| (format!("{} metrics", job.id), csv)));
        }
        let Some(file_id) = job.result_files.first() else {
            return Ok(None);
        };
        let content = self.file_content(file_id).await?;
        Ok(Some((
            file_id.clone(),
            scrub_encoded(&self.config.key, content),
        )))
    }

    /// Unix seconds from which something a request sent now made is looked for by its
    /// creation time: now, less what the server's clock may be behind.
    pub fn matching_start() -> i64 {
        unix_now() - CLOCK_SLACK_SECS
    }

    /// Request metadata for a new job: the client id that makes creation safe to retry.
    pub fn new_request_metadata() -> BTreeMap<String, String> {
        let id: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(24)
            .collect();
        BTreeMap::from([(REQUEST_ID_KEY.to_owned(), id)])
    }
}

/// A result file with the key scrubbed from under its base64 coat too: OpenAI's result files
/// are base64-encoded CSV, where an echoed key is not spelled as it is.
fn scrub_encoded(key: &ApiKey, content: Vec<u8>) -> Vec<u8> {
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
fn page_of<T>(
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
