//! The fine-tuning API every provider module implements: files, uploads, jobs, events,
//! checkpoints, metrics, chat, and the optional price estimate and model limits. What a
//! provider has no endpoint for answers [`ApiError::Unsupported`].

use std::fmt;
use std::future::Future;
use std::path::Path;

use futures_util::future::BoxFuture;

use super::config::Config;
use super::error::ApiError;
use super::transport::{Answer, Transport, UploadProgress, matching_start, page_of, segment};
use super::types::{
    ChatCompletion, ChatMessage, ChatRequest, Checkpoint, Deleted, Event, FileObject, Job,
    JobRequest, ModelLimits, NewUpload, Page, PriceEstimate, Upload, UploadPart,
};

/// What an API call returns: a future of its answer or error.
pub type ApiFuture<'a, T> = BoxFuture<'a, Result<T, ApiError>>;

/// A provider's fine-tuning API, read into the same objects whichever provider answers.
pub trait FineTuningApi: Send + Sync + fmt::Debug {
    /// Where the API is and how it is reached.
    fn config(&self) -> &Config;

    /// The error for something the provider has no endpoint for.
    fn unsupported(&self, what: String) -> ApiError {
        ApiError::Unsupported {
            provider: self.config().provider.label(),
            what,
        }
    }

    // Files.

    /// Every file, newest first; `purpose` filters.
    fn list_files<'a>(&'a self, purpose: Option<&'a str>) -> ApiFuture<'a, Vec<FileObject>>;

    /// One file.
    fn retrieve_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, FileObject>;

    /// Deletes a file.
    fn delete_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Deleted>;

    /// A file's content, with every trace of the key replaced by `[redacted]` like any other
    /// answer: what is downloaded is shown, checked or saved, and a file that holds the
    /// account's own key is itself a leak.
    fn file_content<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<u8>>;

    /// Uploads a file for fine-tuning in one request. After an ambiguous failure it looks for
    /// the file on the server before trying again, so a retry never leaves two copies.
    fn upload_file<'a>(
        &'a self,
        path: &'a Path,
        filename: &'a str,
        progress: UploadProgress,
    ) -> ApiFuture<'a, FileObject>;

    // Multipart uploads, for large files.

    /// Starts a multipart upload.
    fn create_upload<'a>(&'a self, _filename: &'a str, _bytes: u64) -> ApiFuture<'a, NewUpload> {
        let error = self.unsupported(NO_MULTIPART.to_owned());
        Box::pin(async move { Err(error) })
    }

    /// Sends `len` bytes of `path` from `offset` as one part.
    fn add_upload_part<'a>(
        &'a self,
        _upload_id: &'a str,
        _path: &'a Path,
        _offset: u64,
        _len: u64,
        _progress: UploadProgress,
    ) -> ApiFuture<'a, UploadPart> {
        let error = self.unsupported(NO_MULTIPART.to_owned());
        Box::pin(async move { Err(error) })
    }

    /// Completes a multipart upload of `filename` (`bytes` bytes) with its parts in order:
    /// the file it makes.
    fn complete_upload<'a>(
        &'a self,
        _upload_id: &'a str,
        _part_ids: &'a [String],
        _filename: &'a str,
        _bytes: u64,
    ) -> ApiFuture<'a, FileObject> {
        let error = self.unsupported(NO_MULTIPART.to_owned());
        Box::pin(async move { Err(error) })
    }

    /// Cancels a multipart upload.
    fn cancel_upload<'a>(&'a self, _upload_id: &'a str) -> ApiFuture<'a, Upload> {
        let error = self.unsupported(NO_MULTIPART.to_owned());
        Box::pin(async move { Err(error) })
    }

    // Jobs.

    /// Creates a fine-tuning job exactly once, for a request first sent at `started` (Unix
    /// seconds). After an ambiguous failure the request is sent again only if
    /// [`FineTuningApi::find_created`] does not find the job.
    fn create_job_since<'a>(&'a self, request: &'a JobRequest, started: i64) -> ApiFuture<'a, Job>;

    /// The job `request` made since `started`, if any.
    fn find_created<'a>(
        &'a self,
        request: &'a JobRequest,
        started: i64,
    ) -> ApiFuture<'a, Option<Job>>;

    /// One page of jobs, newest first.
    fn list_jobs<'a>(&'a self, limit: u32, after: Option<&'a str>) -> ApiFuture<'a, Page<Job>>;

    /// One job.
    fn retrieve_job<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Job>;

    /// Cancels, pauses or resumes a job (`action` is `cancel`, `pause` or `resume`).
    fn job_action<'a>(&'a self, id: &'a str, action: &'a str) -> ApiFuture<'a, Job>;

    /// One page of a job's events, newest first.
    fn list_events<'a>(
        &'a self,
        id: &'a str,
        limit: u32,
        after: Option<&'a str>,
    ) -> ApiFuture<'a, Page<Event>>;

    /// Every event of a job, oldest first.
    fn all_events<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Event>>;

    /// Every checkpoint of a job, newest first.
    fn list_checkpoints<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Checkpoint>>;

    /// A job's metrics as CSV (possibly base64-encoded, as OpenAI's result files are) and where
    /// they came from; `None` while the provider has none.
    fn job_metrics<'a>(&'a self, job: &'a Job) -> ApiFuture<'a, Option<(String, Vec<u8>)>>;

    // Chat.

    /// A chat completion.
    fn chat<'a>(
        &'a self,
        model: &'a str,
        messages: Vec<ChatMessage>,
    ) -> ApiFuture<'a, ChatCompletion>;

    // What only some providers publish.

    /// The provider's own price for the job `request` describes.
    fn estimate_price<'a>(&'a self, _request: &'a JobRequest) -> ApiFuture<'a, PriceEstimate> {
        let error = self.unsupported("estimate a job's price".to_owned());
        Box::pin(async move { Err(error) })
    }

    /// What the provider allows for fine-tuning `model`; `None` when it does not fine-tune it.
    fn model_limits<'a>(&'a self, _model: &'a str) -> ApiFuture<'a, Option<ModelLimits>> {
        let error = self.unsupported("publish model limits".to_owned());
        Box::pin(async move { Err(error) })
    }

    /// What in `request` breaks the model's published `limits`, one sentence each (empty where
    /// the provider publishes none, or nothing breaks them).
    fn limit_violations(&self, request: &JobRequest, limits: &ModelLimits) -> Vec<String> {
        let _ = (request, limits);
        Vec::new()
    }

    /// The models the provider fine-tunes, with their limits.
    fn fine_tunable_models(&self) -> ApiFuture<'_, Vec<(String, ModelLimits)>> {
        let error = self.unsupported("list the models it fine-tunes".to_owned());
        Box::pin(async move { Err(error) })
    }
}

/// What a provider without a multipart upload API cannot do.
const NO_MULTIPART: &str = "take files in parts (it has no multipart upload API)";

/// Uploads `path` as `filename` in one request to `route` with the form's other `fields`,
/// reading the answer as `T`; after a lost answer the file is looked for (by name, size and
/// time) before the upload is sent again.
pub(super) async fn upload_once<T>(
    api: &(impl FineTuningApi + ?Sized),
    transport: &Transport,
    route: &str,
    fields: &[(&'static str, String)],
    (path, filename, progress): (&Path, &str, UploadProgress),
) -> Result<FileObject, ApiError>
where
    T: serde::de::DeserializeOwned + Into<FileObject>,
{
    let started = matching_start();
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    let answer = transport
        .upload_file(route, (path, filename), fields, &progress, || {
            find_uploaded(api, filename, bytes, started)
        })
        .await?;
    match answer {
        Answer::Found(file) => Ok(file),
        Answer::Body(body) => Ok(transport
            .decode::<T>(&reqwest::Method::POST, route, &body)?
            .into()),
    }
}

/// Deletes a file: `DELETE /files/{id}`, the same on every provider so far.
pub(super) async fn delete_file(transport: &Transport, id: &str) -> Result<Deleted, ApiError> {
    transport
        .json(
            reqwest::Method::DELETE,
            &format!("/files/{}", segment(id)),
            &|r| r,
        )
        .await
}

/// A chat completion through `route`.
pub(super) async fn chat(
    transport: &Transport,
    route: &str,
    model: &str,
    messages: Vec<ChatMessage>,
) -> Result<ChatCompletion, ApiError> {
    let request = ChatRequest {
        model: model.to_owned(),
        messages,
    };
    transport.post(route, &request).await
}

/// The answer to `action` on a job for a provider that can only cancel jobs: `cancel` runs
/// the cancellation; pausing and resuming are unsupported.
pub(super) async fn cancel_only(
    api: &(impl FineTuningApi + ?Sized),
    action: &str,
    cancel: impl Future<Output = Result<Job, ApiError>>,
) -> Result<Job, ApiError> {
    if action == "cancel" {
        return cancel.await;
    }
    Err(api.unsupported(format!("{action} a job (only cancel it)")))
}

/// One page, newest first, of `events` (oldest first), for providers that answer all of a
/// job's events at once.
pub(super) fn events_page(mut events: Vec<Event>, limit: u32, after: Option<&str>) -> Page<Event> {
    events.reverse();
    page_of(events, limit, after, |event| &event.id)
}

/// The fine-tuning file named `filename` of `bytes` bytes created at or after `started`:
/// what an upload whose answer was lost made, if it made anything.
pub(super) async fn find_uploaded(
    api: &(impl FineTuningApi + ?Sized),
    filename: &str,
    bytes: u64,
    started: i64,
) -> Result<Option<FileObject>, ApiError> {
    Ok(api
        .list_files(Some("fine-tune"))
        .await?
        .into_iter()
        .find(|f| f.filename == filename && f.bytes == bytes && f.created_at >= started))
}

/// The job `request` made, found without metadata: same training file, same model (or its
/// snapshot), same suffix, created at or after `started`.
pub(super) async fn find_created_by_files(
    api: &(impl FineTuningApi + ?Sized),
    request: &JobRequest,
    started: i64,
) -> Result<Option<Job>, ApiError> {
    let jobs = api.list_jobs(100, None).await?.data;
    Ok(jobs.into_iter().find(|job| {
        job.training_file == request.training_file
            && job.created_at >= started
            && job.model.starts_with(&request.model)
            && (request.suffix.is_none()
                || job.user_provided_suffix.is_none()
                || job.user_provided_suffix == request.suffix)
    }))
}

#[cfg(test)]
mod tests {
    use crate::api::{ApiError, ApiKey, Client, Config};
    use crate::provider::Provider;

    /// A client for `provider` at an address nothing listens on: whatever it answers, it
    /// answered without the network.
    fn offline(provider: Provider) -> Client {
        let config = Config::for_provider(provider, "http://127.0.0.1:9/v1", ApiKey::new("sk-x"));
        Client::new(config).unwrap()
    }

    #[test]
    fn what_a_provider_lacks_is_a_typed_unsupported_error() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let together = offline(Provider::Together);
        let error = runtime
            .block_on(together.create_upload("data.jsonl", 1))
            .unwrap_err();
        assert!(
            matches!(
                &error,
                ApiError::Unsupported {
                    provider: "Together AI",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "Together AI cannot take files in parts (it has no multipart upload API)"
        );
        let paused = runtime
            .block_on(together.job_action("ft-1", "pause"))
            .unwrap_err();
        assert!(matches!(paused, ApiError::Unsupported { .. }), "{paused:?}");
        let openai = offline(Provider::OpenAi);
        for error in [
            runtime.block_on(openai.model_limits("gpt-4o")).unwrap_err(),
            runtime.block_on(openai.fine_tunable_models()).unwrap_err(),
        ] {
            assert!(
                matches!(
                    &error,
                    ApiError::Unsupported {
                        provider: "OpenAI",
                        ..
                    }
                ),
                "{error:?}"
            );
        }
        let azure = offline(Provider::Azure);
        let error = runtime
            .block_on(azure.create_upload("data.jsonl", 1))
            .unwrap_err();
        assert!(matches!(error, ApiError::Unsupported { .. }), "{error:?}");
    }
}
