//! OpenAI's fine-tuning API (`/files`, `/uploads`, `/fine_tuning/jobs`, …), with Azure OpenAI
//! as its dialect: the same paths and shapes, the `api-key` header, `api-version` on the dated
//! surface, one-page file listings, no job metadata, and chat through deployments.

use std::collections::BTreeMap;
use std::path::Path;

use reqwest::Method;
use serde::Serialize;

use super::Config;
use super::error::ApiError;
use super::fine_tuning::{
    ApiFuture, FineTuningApi, chat, delete_file, find_created_by_files, find_uploaded, upload_once,
};
use super::transport::{
    Answer, Auth, REQUEST_ID_KEY, Transport, UploadProgress, matching_start, scrub_encoded, segment,
};
use super::types::{
    ChatCompletion, ChatMessage, Checkpoint, CreateUpload, Cursor, Deleted, Event, FileObject, Job,
    JobRequest, MethodSpec, NewUpload, Page, PageStep, Upload, UploadPart,
};

/// `POST /fine_tuning/jobs`'s body.
#[derive(Serialize)]
struct CreateJobBody<'a> {
    model: &'a str,
    training_file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation_file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suffix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u32>,
    method: &'a MethodSpec,
    /// Holds the client's request id, where the provider keeps metadata (Azure does not).
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<&'static str, &'a str>>,
}

impl<'a> CreateJobBody<'a> {
    /// The body for `request`, with the request id in `metadata` where the provider keeps it.
    fn of(request: &'a JobRequest, metadata: bool) -> Self {
        Self {
            model: &request.model,
            training_file: &request.training_file,
            validation_file: request.validation_file.as_deref(),
            suffix: request.suffix.as_deref(),
            seed: request.seed,
            method: &request.method,
            metadata: metadata
                .then(|| BTreeMap::from([(REQUEST_ID_KEY, request.request_id.as_str())])),
        }
    }
}

/// Which surface of the OpenAI API this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dialect {
    /// OpenAI's own.
    OpenAi,
    /// Azure OpenAI's.
    Azure,
    /// Another service's, with OpenAI's shapes and bearer authentication: an optional
    /// endpoint (uploads in parts, pause and resume, checkpoints) it answers 404 or 405 for
    /// is one it does not have.
    Compatible,
}

/// The OpenAI fine-tuning API, or Azure OpenAI's.
#[derive(Debug)]
pub(super) struct OpenAi {
    transport: Transport,
    dialect: Dialect,
}

impl OpenAi {
    /// The API at `config`, spoken as `dialect`.
    pub(super) fn new(config: Config, dialect: Dialect) -> Result<Self, ApiError> {
        let auth = match dialect {
            Dialect::OpenAi => Auth::Bearer {
                organization_headers: true,
            },
            Dialect::Azure => Auth::ApiKeyHeader,
            Dialect::Compatible => Auth::Bearer {
                organization_headers: false,
            },
        };
        Ok(Self {
            transport: Transport::new(config, auth)?,
            dialect,
        })
    }

    /// The job created with this client id, if any: asked with the metadata filter, and the
    /// answer checked again here in case the server ignores the filter.
    async fn find_job(&self, request_id: &str) -> Result<Option<Job>, ApiError> {
        let filter = format!("metadata[{REQUEST_ID_KEY}]");
        let query = [(filter.as_str(), request_id), ("limit", "100")];
        let page: Page<Job> = self
            .transport
            .json(Method::GET, "/fine_tuning/jobs", &|r| r.query(&query))
            .await?;
        Ok(page.data.into_iter().find(|job| {
            job.metadata
                .as_ref()
                .and_then(|m| m.get(REQUEST_ID_KEY))
                .is_some_and(|v| v == request_id)
        }))
    }

    /// Every file, newest first, following pagination (Azure: in one answer, which takes no
    /// paging parameters).
    async fn files(&self, purpose: Option<&str>) -> Result<Vec<FileObject>, ApiError> {
        let t = &self.transport;
        if self.dialect == Dialect::Azure {
            let query: Vec<(&str, &str)> = purpose.map(|p| ("purpose", p)).into_iter().collect();
            let page: Page<FileObject> = t
                .json(Method::GET, "/files", &|request| request.query(&query))
                .await?;
            let mut files = page.data;
            files.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
            return Ok(files);
        }
        let mut files = Vec::new();
        let mut cursor = Cursor::default();
        loop {
            let mut query = vec![("limit", "10000".to_owned()), ("order", "desc".to_owned())];
            if let Some(purpose) = purpose {
                query.push(("purpose", purpose.to_owned()));
            }
            if let Some(after) = cursor.after() {
                query.push(("after", after.to_owned()));
            }
            let page: Page<FileObject> = t
                .json(Method::GET, "/files", &|request| request.query(&query))
                .await?;
            let last = page
                .last_id
                .clone()
                .or_else(|| page.data.last().map(|f| f.id.clone()));
            match cursor.advance(last.as_deref(), page.has_more) {
                PageStep::Next => files.extend(page.data),
                PageStep::Last => {
                    files.extend(page.data);
                    return Ok(files);
                }
                PageStep::Repeated => return Ok(files),
            }
        }
    }

    async fn create_job(&self, request: &JobRequest, started: i64) -> Result<Job, ApiError> {
        let metadata = self.config().provider.has_job_metadata();
        if metadata && request.request_id.is_empty() {
            return Err(ApiError::Other(format!(
                "a job request needs a {REQUEST_ID_KEY}"
            )));
        }
        let route = "/fine_tuning/jobs";
        let body = CreateJobBody::of(request, metadata);
        let created = self
            .transport
            .create_once(
                route,
                &|r| r.json(&body),
                ("job", Some("finetune list-jobs")),
                || self.find_created(request, started),
            )
            .await?;
        match created.answer {
            Answer::Found(job) => Ok(job),
            Answer::Body(answer) => self.transport.decode(&Method::POST, route, &answer),
        }
    }

    async fn events_page(
        &self,
        id: &str,
        limit: u32,
        after: Option<&str>,
    ) -> Result<Page<Event>, ApiError> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        self.transport
            .json(
                Method::GET,
                &format!("/fine_tuning/jobs/{}/events", segment(id)),
                &|r| r.query(&query),
            )
            .await
    }

    async fn events(&self, id: &str) -> Result<Vec<Event>, ApiError> {
        let mut events = Vec::new();
        let mut cursor = Cursor::default();
        loop {
            let page = self.events_page(id, 100, cursor.after()).await?;
            let last = page.data.last().map(|event| event.id.clone());
            match cursor.advance(last.as_deref(), page.has_more) {
                PageStep::Next => events.extend(page.data),
                PageStep::Last => {
                    events.extend(page.data);
                    break;
                }
                PageStep::Repeated => break,
            }
        }
        events.reverse();
        Ok(events)
    }

    async fn checkpoints(&self, id: &str) -> Result<Vec<Checkpoint>, ApiError> {
        let route = format!("/fine_tuning/jobs/{}/checkpoints", segment(id));
        let mut checkpoints = Vec::new();
        let mut cursor = Cursor::default();
        loop {
            let mut query = vec![("limit", "100".to_owned())];
            if let Some(after) = cursor.after() {
                query.push(("after", after.to_owned()));
            }
            let page: Page<Checkpoint> = self
                .transport
                .json(Method::GET, &route, &|r| r.query(&query))
                .await?;
            let last = page.data.last().map(|c| c.id.clone());
            match cursor.advance(last.as_deref(), page.has_more) {
                PageStep::Next => checkpoints.extend(page.data),
                PageStep::Last => {
                    checkpoints.extend(page.data);
                    return Ok(checkpoints);
                }
                PageStep::Repeated => return Ok(checkpoints),
            }
        }
    }

    /// Starts a multipart upload. The Uploads API can neither list nor look up uploads, so
    /// one whose answer was lost cannot be found, cancelled or reused: it is created again,
    /// and the count of lost answers says how many empty uploads may be left behind (each
    /// expires on its own an hour after it was made).
    async fn new_upload(&self, filename: &str, bytes: u64) -> Result<NewUpload, ApiError> {
        let request = CreateUpload {
            filename,
            purpose: "fine-tune",
            bytes,
            mime_type: "application/jsonl",
        };
        let route = "/uploads";
        let created = self
            .transport
            .create_once(route, &|r| r.json(&request), ("upload", None), || async {
                Ok(None::<Upload>)
            })
            .await?;
        let upload = match created.answer {
            Answer::Found(upload) => upload,
            Answer::Body(body) => self.transport.decode(&Method::POST, route, &body)?,
        };
        Ok(NewUpload {
            upload,
            lost_answers: created.lost_answers,
        })
    }

    /// Completes a multipart upload. An upload completes only once, so after a lost answer
    /// the file is looked for (by name, size and time, as a lost single upload is) instead of
    /// asking to complete it again, which the platform refuses as already completed.
    async fn complete(
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
        let started = matching_start();
        let route = format!("/uploads/{}/complete", segment(upload_id));
        let body = Complete { part_ids };
        let created = self
            .transport
            .create_once(
                &route,
                &|r| r.json(&body),
                ("file", Some("finetune list-files")),
                || find_uploaded(self, filename, bytes, started),
            )
            .await?;
        match created.answer {
            Answer::Found(file) => Ok(file),
            Answer::Body(body) => self
                .transport
                .decode::<Upload>(&Method::POST, &route, &body)?
                .file
                .ok_or_else(|| {
                    ApiError::Other(format!("upload {upload_id} completed without a file"))
                }),
        }
    }

    /// `result` of an optional endpoint, with a 404 or 405 from a compatible service read as
    /// its saying it does not have the endpoint: what it cannot do, and what it answered.
    fn discovered<T>(&self, result: Result<T, ApiError>, what: &str) -> Result<T, ApiError> {
        match result {
            Err(ApiError::Status(error))
                if self.dialect == Dialect::Compatible && matches!(error.status, 404 | 405) =>
            {
                Err(self.unsupported(format!(
                    "{what}: the service does not support it (it answered {} to {} {})",
                    error.status, error.method, error.path
                )))
            }
            other => other,
        }
    }

    /// Whether files go in parts here: OpenAI's Uploads API, which Azure does not have.
    fn multipart(&self) -> Result<(), ApiError> {
        if self.config().provider.has_multipart_uploads() {
            Ok(())
        } else {
            Err(self.unsupported("take files in parts (it has no multipart upload API)".to_owned()))
        }
    }
}

impl FineTuningApi for OpenAi {
    fn config(&self) -> &Config {
        self.transport.config()
    }

    fn list_files<'a>(&'a self, purpose: Option<&'a str>) -> ApiFuture<'a, Vec<FileObject>> {
        Box::pin(self.files(purpose))
    }

    fn retrieve_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, FileObject> {
        Box::pin(async move { self.transport.get(&format!("/files/{}", segment(id))).await })
    }

    fn delete_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Deleted> {
        Box::pin(delete_file(&self.transport, id))
    }

    fn file_content<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<u8>> {
        Box::pin(self.transport.file_content(id))
    }

    fn upload_file<'a>(
        &'a self,
        path: &'a Path,
        filename: &'a str,
        progress: UploadProgress,
    ) -> ApiFuture<'a, FileObject> {
        let fields = [("purpose", "fine-tune".to_owned())];
        Box::pin(async move {
            let file = (path, filename, progress);
            upload_once::<FileObject>(self, &self.transport, "/files", &fields, file).await
        })
    }

    fn create_upload<'a>(&'a self, filename: &'a str, bytes: u64) -> ApiFuture<'a, NewUpload> {
        Box::pin(async move {
            self.multipart()?;
            let created = self.new_upload(filename, bytes).await;
            self.discovered(created, "take files in parts (OpenAI's Uploads API)")
        })
    }

    fn add_upload_part<'a>(
        &'a self,
        upload_id: &'a str,
        path: &'a Path,
        offset: u64,
        len: u64,
        progress: UploadProgress,
    ) -> ApiFuture<'a, UploadPart> {
        Box::pin(async move {
            self.multipart()?;
            let route = format!("/uploads/{}/parts", segment(upload_id));
            self.transport
                .send_part(&route, (path, offset, len), &progress)
                .await
        })
    }

    fn complete_upload<'a>(
        &'a self,
        upload_id: &'a str,
        part_ids: &'a [String],
        filename: &'a str,
        bytes: u64,
    ) -> ApiFuture<'a, FileObject> {
        Box::pin(async move {
            self.multipart()?;
            self.complete(upload_id, part_ids, filename, bytes).await
        })
    }

    fn cancel_upload<'a>(&'a self, upload_id: &'a str) -> ApiFuture<'a, Upload> {
        Box::pin(async move {
            self.multipart()?;
            self.transport
                .json(
                    Method::POST,
                    &format!("/uploads/{}/cancel", segment(upload_id)),
                    &|r| r,
                )
                .await
        })
    }

    fn create_job_since<'a>(&'a self, request: &'a JobRequest, started: i64) -> ApiFuture<'a, Job> {
        Box::pin(self.create_job(request, started))
    }

    fn find_created<'a>(
        &'a self,
        request: &'a JobRequest,
        started: i64,
    ) -> ApiFuture<'a, Option<Job>> {
        Box::pin(async move {
            if self.config().provider.has_job_metadata() && !request.request_id.is_empty() {
                self.find_job(&request.request_id).await
            } else {
                find_created_by_files(self, request, started).await
            }
        })
    }

    fn list_jobs<'a>(&'a self, limit: u32, after: Option<&'a str>) -> ApiFuture<'a, Page<Job>> {
        Box::pin(async move {
            let mut query = vec![("limit", limit.to_string())];
            if let Some(after) = after {
                query.push(("after", after.to_owned()));
            }
            self.transport
                .json(Method::GET, "/fine_tuning/jobs", &|r| r.query(&query))
                .await
        })
    }

    fn retrieve_job<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Job> {
        Box::pin(async move {
            self.transport
                .get(&format!("/fine_tuning/jobs/{}", segment(id)))
                .await
        })
    }

    fn job_action<'a>(&'a self, id: &'a str, action: &'a str) -> ApiFuture<'a, Job> {
        Box::pin(async move {
            if action != "cancel" && !self.config().provider.can_pause() {
                return Err(self.unsupported(format!("{action} a job (only cancel it)")));
            }
            let answer = self
                .transport
                .json(
                    Method::POST,
                    &format!("/fine_tuning/jobs/{}/{action}", segment(id)),
                    &|r| r,
                )
                .await;
            if action == "cancel" {
                return answer;
            }
            self.discovered(answer, &format!("{action} a job"))
        })
    }

    fn list_events<'a>(
        &'a self,
        id: &'a str,
        limit: u32,
        after: Option<&'a str>,
    ) -> ApiFuture<'a, Page<Event>> {
        Box::pin(self.events_page(id, limit, after))
    }

    fn all_events<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Event>> {
        Box::pin(self.events(id))
    }

    fn list_checkpoints<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Checkpoint>> {
        Box::pin(async move {
            let found = self.checkpoints(id).await;
            self.discovered(found, "list a job's checkpoints")
        })
    }

    fn job_metrics<'a>(&'a self, job: &'a Job) -> ApiFuture<'a, Option<(String, Vec<u8>)>> {
        Box::pin(async move {
            let Some(file_id) = job.result_files.first() else {
                return Ok(None);
            };
            let content = self.transport.file_content(file_id).await?;
            Ok(Some((
                file_id.clone(),
                scrub_encoded(&self.config().key, content),
            )))
        })
    }

    fn chat<'a>(
        &'a self,
        model: &'a str,
        messages: Vec<ChatMessage>,
    ) -> ApiFuture<'a, ChatCompletion> {
        // Azure's dated surface answers through a deployment of the model, named by whoever
        // deployed it; its v1 surface takes the deployment's name as the model, as OpenAI does.
        let route = if self.dialect == Dialect::Azure && self.config().api_version.is_some() {
            format!("/deployments/{}/chat/completions", segment(model))
        } else {
            "/chat/completions".to_owned()
        };
        Box::pin(async move { chat(&self.transport, &route, model, messages).await })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::TuningOptions;
    use crate::api::types::{Hyper, Hyperparameters, ProviderOptions};

    #[test]
    fn a_job_request_sends_only_what_was_set() {
        let request = JobRequest {
            model: "gpt-4o-mini-2024-07-18".into(),
            training_file: "file-1".into(),
            validation_file: None,
            suffix: Some("sarcasm".into()),
            seed: None,
            method: MethodSpec::dpo(Hyperparameters {
                n_epochs: Some(Hyper::Int(2)),
                beta: Some(Hyper::Auto),
                learning_rate_multiplier: Some(Hyper::Number(0.5)),
                ..Hyperparameters::default()
            }),
            request_id: "abc".into(),
            // Another provider's options never reach OpenAI's body.
            options: ProviderOptions::Tuning(TuningOptions {
                learning_rate: Some(0.001),
                n_checkpoints: Some(3),
                ..TuningOptions::default()
            }),
        };
        let method = json!({"type": "dpo", "dpo": {"hyperparameters": {
            "n_epochs": 2, "learning_rate_multiplier": 0.5, "beta": "auto"}}});
        assert_eq!(
            serde_json::to_value(CreateJobBody::of(&request, true)).unwrap(),
            json!({
                "model": "gpt-4o-mini-2024-07-18", "training_file": "file-1", "suffix": "sarcasm",
                "method": method, "metadata": {"finetune_request_id": "abc"}
            })
        );
        // Azure keeps no metadata.
        assert_eq!(
            serde_json::to_value(CreateJobBody::of(&request, false)).unwrap(),
            json!({
                "model": "gpt-4o-mini-2024-07-18", "training_file": "file-1", "suffix": "sarcasm",
                "method": method
            })
        );
    }
}
