//! The stand-in's world: files, uploads and jobs, and the clock that moves jobs along.

mod fireworks;
mod seed;
mod together;

pub(crate) use fireworks::FireworksContext;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use base64::Engine as _;
use serde_json::{Value, json};

use super::Options;
use super::routes::unix_now;
use crate::cost::{PriceTable, auto_epochs};
use crate::dataset::Method;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{CheckOptions, TokenSettings, check_stream};
use crate::provider::Provider;
use crate::tokens::TokenCounter;

/// Steps a simulated epoch takes at most, so big files still train in seconds.
const MAX_STEPS_PER_EPOCH: u64 = 40;
/// The single-request upload limit.
const MAX_FILE_BYTES: usize = 512 << 20;
/// A part of a multipart upload.
const MAX_PART_BYTES: usize = 64 << 20;

/// A multipart field.
pub(crate) struct Field {
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// A successful answer.
pub(crate) enum Answer {
    Json(Value),
    Raw(Vec<u8>),
}

/// An error answer, in the spec's error shape.
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
    pub param: Option<String>,
    pub code: Option<String>,
}

impl Refusal {
    pub(crate) fn bad(message: impl Into<String>, param: Option<&str>) -> Self {
        Self {
            status: 400,
            message: message.into(),
            param: param.map(str::to_owned),
            code: None,
        }
    }

    /// An error with `status` and no parameter or code.
    pub(crate) fn status(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            param: None,
            code: None,
        }
    }

    fn missing(what: &str, id: &str) -> Self {
        Self {
            status: 404,
            message: format!("No such {what}: {id}"),
            param: None,
            code: None,
        }
    }

    fn coded(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// The error body as `provider` answers it: Fireworks' gateway answers gRPC-style
    /// `{code, message, details}`, the others OpenAI's `{"error": {...}}`.
    pub(crate) fn body_for(&self, provider: Provider) -> Value {
        if provider == Provider::Fireworks {
            json!({"code": fireworks::grpc_code(self.status), "message": self.message, "details": []})
        } else {
            self.body()
        }
    }

    pub(crate) fn body(&self) -> Value {
        let kind = match self.status {
            429 => "requests",
            500..=599 => "server_error",
            _ => "invalid_request_error",
        };
        json!({"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}})
    }
}

type Outcome = Result<Answer, Refusal>;

struct StoredFile {
    id: String,
    filename: String,
    purpose: String,
    created_at: i64,
    content: Arc<Vec<u8>>,
}

impl StoredFile {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "file", "bytes": self.content.len(),
            "created_at": self.created_at, "filename": self.filename,
            "purpose": self.purpose, "status": "processed",
        })
    }
}

struct StoredUpload {
    id: String,
    filename: String,
    purpose: String,
    bytes: u64,
    created_at: i64,
    status: &'static str,
    parts: Vec<(String, Vec<u8>)>,
    file: Option<Value>,
}

impl StoredUpload {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "object": "upload", "bytes": self.bytes,
            "created_at": self.created_at, "expires_at": self.created_at + 3600,
            "filename": self.filename, "purpose": self.purpose, "status": self.status,
            "file": self.file,
        })
    }
}

/// The settings a training file is checked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StudyKey {
    /// Whose dataset rules the file is checked by.
    provider: Provider,
    method: Method,
    encoding: crate::tokens::Encoding,
    limit: Option<u32>,
}

/// A check of a training file to run before the request that needs it is answered.
pub(crate) struct StudyRequest {
    content: Arc<Vec<u8>>,
    key: StudyKey,
}

impl StudyRequest {
    /// Runs the check (slow for a big file: call it on a blocking thread, holding no lock).
    pub(crate) fn run(&self) -> Training {
        study(&self.content, self.key)
    }
}

/// What the stand-in learnt from the training file when the job was created.
pub(crate) struct Training {
    examples: u64,
    tokens_per_epoch: u64,
    /// The first error `check` found, which fails the job during validation.
    problem: Option<String>,
    /// The training file's content, to answer prompts after the file is gone.
    content: Arc<Vec<u8>>,
}

struct SimJob {
    id: String,
    created_at: i64,
    created: Instant,
    model: String,
    training_file: String,
    validation_file: Option<String>,
    suffix: Option<String>,
    seed: i64,
    method: String,
    hyperparameters: Value,
    metadata: Value,
    epochs: u64,
    steps_per_epoch: u64,
    training: Training,
    status: &'static str,
    error: Value,
    fine_tuned_model: Option<String>,
    finished_at: Option<i64>,
    result_files: Vec<String>,
    trained_tokens: Option<u64>,
    /// Ticks already played.
    played: u64,
    paused_ticks: u64,
    paused_at: Option<Instant>,
    events: Vec<Value>,
    checkpoints: Vec<Value>,
    /// What a Together request held beyond the common fields (training type, learning rate).
    extra: Value,
}

impl SimJob {
    fn total_steps(&self) -> u64 {
        self.epochs * self.steps_per_epoch
    }

    fn json(&self) -> Value {
        let method = json!({"type": self.method, self.method.clone(): {"hyperparameters": self.hyperparameters}});
        json!({
            "object": "fine_tuning.job", "id": self.id, "created_at": self.created_at,
            "error": self.error, "fine_tuned_model": self.fine_tuned_model,
            "finished_at": self.finished_at, "hyperparameters": {
                "n_epochs": self.hyperparameters["n_epochs"],
                "batch_size": self.hyperparameters["batch_size"],
                "learning_rate_multiplier": self.hyperparameters["learning_rate_multiplier"],
            },
            "model": self.model, "organization_id": "org-standin",
            "result_files": self.result_files, "status": self.status,
            "trained_tokens": self.trained_tokens, "training_file": self.training_file,
            "validation_file": self.validation_file, "integrations": [], "seed": self.seed,
            "estimated_finish": null, "method": method, "metadata": self.metadata,
            "user_provided_suffix": self.suffix,
        })
    }
}

/// Every object the stand-in holds for one provider.
pub(crate) struct World {
    provider: Provider,
    next_id: u64,
    files: Vec<StoredFile>,
    uploads: Vec<StoredUpload>,
    jobs: Vec<SimJob>,
    /// The check of a training file run for the request being answered, with no lock held.
    prepared: Option<(StudyKey, Training)>,
    /// Fireworks' dataset records (their content, once uploaded, is a file of the same id).
    datasets: Vec<fireworks::StoredDataset>,
}

/// The training loss at `step` of `total`: a falling curve with a deterministic wobble.
fn loss(step: u64, total: u64) -> f64 {
    let x = step as f64 / total.max(1) as f64;
    let wobble = ((step.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0 - 0.5) * 0.08;
    0.25 + 1.9 * (-3.0 * x).exp() + wobble
}

impl World {
    /// An empty world that answers as `provider` does.
    pub(crate) fn new(provider: Provider) -> Self {
        Self {
            provider,
            next_id: 0,
            files: Vec::new(),
            uploads: Vec::new(),
            jobs: Vec::new(),
            prepared: None,
            datasets: Vec::new(),
        }
    }

    /// The check of a training file that answering this request needs (creating a job, or
    /// Together's price estimate), to be run with [`StudyRequest::run`] without the world's
    /// lock, so one big or broken file does not stall every other client.
    pub(crate) fn study_request(
        &self,
        method: &str,
        route: &str,
        body: &Value,
    ) -> Option<StudyRequest> {
        let together = self.provider == Provider::Together;
        if self.provider == Provider::Fireworks {
            return self.fireworks_study_request(method, route, body);
        }
        let kind = match (method, route.trim_matches('/')) {
            ("POST", "fine_tuning/jobs") if !together => body
                .pointer("/method/type")
                .and_then(Value::as_str)
                .unwrap_or("supervised"),
            ("POST", "fine-tunes" | "fine-tunes/estimate-price") if together => body
                .pointer("/training_method/method")
                .and_then(Value::as_str)
                .unwrap_or("sft"),
            _ => return None,
        };
        let method = match kind {
            "supervised" | "sft" => Method::Supervised,
            "dpo" => Method::Dpo,
            _ => return None,
        };
        let file = body.get("training_file").and_then(Value::as_str)?;
        let model = body.get("model").and_then(Value::as_str)?;
        self.study_of(file, model, method)
    }

    /// The check of training file `file` for a job of `method` on `model`, by this provider's
    /// rules and the model's encoding and limit; `None` for an unknown file or model (the
    /// request is refused for that without a check).
    fn study_of(&self, file: &str, model: &str, method: Method) -> Option<StudyRequest> {
        let file = self.file(file).ok()?;
        let entry = PriceTable::embedded().find(model).ok()?.clone();
        Some(StudyRequest {
            content: Arc::clone(&file.content),
            key: StudyKey {
                provider: self.provider,
                method,
                encoding: entry.encoding,
                limit: entry.example_token_limit,
            },
        })
    }

    /// Hands the result of a [`StudyRequest`] to the next [`World::dispatch`]; `None` clears it.
    pub(crate) fn prepare(&mut self, studied: Option<(StudyRequest, Training)>) {
        self.prepared = studied.map(|(request, training)| (request.key, training));
    }

    /// What `check` says of `content`: the prepared result when it is for this file and these
    /// settings, else the check run here (a request the preparation did not foresee).
    fn study(&mut self, content: &Arc<Vec<u8>>, key: StudyKey) -> Training {
        match self.prepared.take() {
            Some((prepared, training))
                if prepared == key && Arc::ptr_eq(&training.content, content) =>
            {
                training
            }
            _ => study(content, key),
        }
    }

    /// The name of the model a job trains, as the provider spells it.
    fn model_name(&self, job: &SimJob) -> String {
        let short = &job.id[job.id.find('-').map_or(0, |i| i + 1)..];
        match self.provider {
            // The stand-in never routes to a provider whose API is not driven; OpenAI's shape.
            Provider::OpenAi
            | Provider::OpenAiCompatible
            | Provider::Vertex
            | Provider::Bedrock => format!(
                "ft:{}:standin:{}:{short}",
                job.model,
                job.suffix.as_deref().unwrap_or("")
            ),
            Provider::Azure => format!("{}.ft-{short}", job.model),
            Provider::Fireworks => job.extra["output_model"].as_str().map_or_else(
                || format!("accounts/standin/models/{}", job.id),
                str::to_owned,
            ),
            Provider::Together => {
                let base = job.model.rsplit('/').next().unwrap_or(&job.model);
                match job.suffix.as_deref() {
                    Some(suffix) => format!("standin/{base}-{suffix}-{short}"),
                    None => format!("standin/{base}-{short}"),
                }
            }
        }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:06x}standin", self.next_id)
    }

    /// Answers one request to `route` (the path below the API's base).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dispatch(
        &mut self,
        options: &Options,
        method: &str,
        route: &str,
        query: &HashMap<String, String>,
        body: &Value,
        fields: HashMap<String, Field>,
    ) -> Outcome {
        self.advance(options);
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["files"]) => Ok(self.list_files(query)),
            ("POST", ["files"]) => self.create_file(fields),
            ("GET", ["files", id]) => self.file(id).map(|f| Answer::Json(f.json())),
            ("DELETE", ["files", id]) => self.delete_file(id),
            ("GET", ["files", id, "content"]) => {
                self.file(id).map(|f| Answer::Raw(f.content.to_vec()))
            }
            ("POST", ["uploads"]) => self.create_upload(body),
            ("POST", ["uploads", id, "parts"]) => self.add_part(id, fields),
            ("POST", ["uploads", id, "complete"]) => self.complete_upload(id, body),
            ("POST", ["uploads", id, "cancel"]) => self.cancel_upload(id),
            ("POST", ["fine_tuning", "jobs"]) => self.create_job(options, body),
            ("GET", ["fine_tuning", "jobs"]) => Ok(self.list_jobs(query)),
            ("GET", ["fine_tuning", "jobs", id]) => self.job(id).map(|j| Answer::Json(j.json())),
            (
                "POST",
                [
                    "fine_tuning",
                    "jobs",
                    id,
                    action @ ("cancel" | "pause" | "resume"),
                ],
            ) => self.job_action(options, id, action),
            ("GET", ["fine_tuning", "jobs", id, "events"]) => self.events(id, query),
            ("GET", ["fine_tuning", "jobs", id, "checkpoints"]) => self.checkpoints(id, query),
            ("POST", ["chat", "completions"]) => self.chat(body),
            _ => Err(Refusal {
                status: 404,
                message: format!("Invalid URL ({method} /v1{route})"),
                param: None,
                code: None,
            }),
        }
    }

    // Files.

    fn file(&self, id: &str) -> Result<&StoredFile, Refusal> {
        self.files
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| Refusal::missing("file", id))
    }

    fn list_files(&self, query: &HashMap<String, String>) -> Answer {
        let mut files: Vec<&StoredFile> = self
            .files
            .iter()
            .filter(|f| query.get("purpose").is_none_or(|p| *p == f.purpose))
            .collect();
        if query.get("order").is_none_or(|o| o == "desc") {
            files.reverse();
        }
        let files: Vec<(String, Value)> = files.iter().map(|f| (f.id.clone(), f.json())).collect();
        Answer::Json(page(&files, query, 10_000, true))
    }

    fn store_file(&mut self, filename: String, purpose: &str, content: Vec<u8>) -> Value {
        let id = self.id("file-");
        let file = StoredFile {
            id,
            filename,
            purpose: purpose.to_owned(),
            created_at: unix_now(),
            content: Arc::new(content),
        };
        let json = file.json();
        self.files.push(file);
        json
    }

    fn create_file(&mut self, mut fields: HashMap<String, Field>) -> Outcome {
        let purpose = fields
            .remove("purpose")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .ok_or_else(|| {
                Refusal::bad("Missing required parameter: 'purpose'.", Some("purpose"))
            })?;
        if ![
            "fine-tune",
            "batch",
            "assistants",
            "vision",
            "user_data",
            "evals",
        ]
        .contains(&purpose.as_str())
        {
            return Err(Refusal::bad(
                format!("'{purpose}' is not one of the supported purposes."),
                Some("purpose"),
            ));
        }
        let file = fields
            .remove("file")
            .ok_or_else(|| Refusal::bad("Missing required parameter: 'file'.", Some("file")))?;
        if file.data.len() > MAX_FILE_BYTES {
            return Err(Refusal::bad(
                "File is larger than 512 MB; use the Uploads API.",
                Some("file"),
            ));
        }
        let filename = file.filename.unwrap_or_else(|| "file".to_owned());
        if purpose == "fine-tune" && std::str::from_utf8(&file.data).is_err() {
            return Err(Refusal::bad(
                "Invalid file format: the file is not UTF-8 JSONL.",
                Some("file"),
            ));
        }
        Ok(Answer::Json(self.store_file(filename, &purpose, file.data)))
    }

    fn delete_file(&mut self, id: &str) -> Outcome {
        let index = self
            .files
            .iter()
            .position(|f| f.id == id)
            .ok_or_else(|| Refusal::missing("file", id))?;
        self.files.remove(index);
        Ok(Answer::Json(
            json!({"id": id, "object": "file", "deleted": true}),
        ))
    }

    // Uploads.

    fn upload(&mut self, id: &str) -> Result<&mut StoredUpload, Refusal> {
        self.uploads
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| Refusal::missing("upload", id))
    }

    fn create_upload(&mut self, body: &Value) -> Outcome {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let filename = text("filename").ok_or_else(|| {
            Refusal::bad("Missing required parameter: 'filename'.", Some("filename"))
        })?;
        let purpose = text("purpose").ok_or_else(|| {
            Refusal::bad("Missing required parameter: 'purpose'.", Some("purpose"))
        })?;
        text("mime_type").ok_or_else(|| {
            Refusal::bad(
                "Missing required parameter: 'mime_type'.",
                Some("mime_type"),
            )
        })?;
        let bytes = body
            .get("bytes")
            .and_then(Value::as_u64)
            .ok_or_else(|| Refusal::bad("Missing required parameter: 'bytes'.", Some("bytes")))?;
        if bytes > 8 << 30 {
            return Err(Refusal::bad("An upload holds at most 8 GB.", Some("bytes")));
        }
        let id = self.id("upload_");
        let upload = StoredUpload {
            id,
            filename,
            purpose,
            bytes,
            created_at: unix_now(),
            status: "pending",
            parts: Vec::new(),
            file: None,
        };
        let json = upload.json();
        self.uploads.push(upload);
        Ok(Answer::Json(json))
    }

    fn add_part(&mut self, id: &str, mut fields: HashMap<String, Field>) -> Outcome {
        let part_id = self.id("part_");
        let upload = self.upload(id)?;
        if upload.status != "pending" {
            return Err(Refusal::bad(
                format!("Upload {id} is {}.", upload.status),
                None,
            ));
        }
        let data = fields
            .remove("data")
            .ok_or_else(|| Refusal::bad("Missing required parameter: 'data'.", Some("data")))?
            .data;
        if data.len() > MAX_PART_BYTES {
            return Err(Refusal::bad("A part holds at most 64 MB.", Some("data")));
        }
        let held: u64 = upload.parts.iter().map(|(_, part)| part.len() as u64).sum();
        if held + data.len() as u64 > upload.bytes {
            return Err(Refusal::bad(
                format!(
                    "The parts would hold {} bytes; the upload was created for {}.",
                    held + data.len() as u64,
                    upload.bytes
                ),
                Some("data"),
            ));
        }
        upload.parts.push((part_id.clone(), data));
        Ok(Answer::Json(json!({
            "id": part_id, "object": "upload.part", "created_at": unix_now(), "upload_id": id,
        })))
    }

    fn complete_upload(&mut self, id: &str, body: &Value) -> Outcome {
        let order: Vec<String> = body
            .get("part_ids")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Refusal::bad("Missing required parameter: 'part_ids'.", Some("part_ids"))
            })?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let upload = self.upload(id)?;
        if upload.status != "pending" {
            return Err(Refusal::bad(
                format!("Upload {id} is {}.", upload.status),
                None,
            ));
        }
        // The size is added up from the parts that arrived, each named once, before anything
        // is allocated: the declared size is the client's word, not memory to reserve.
        let mut parts: Vec<&[u8]> = Vec::with_capacity(upload.parts.len());
        let mut named = std::collections::HashSet::new();
        for part_id in &order {
            if !named.insert(part_id.as_str()) {
                return Err(Refusal::bad(
                    format!("Part {part_id} is listed more than once."),
                    Some("part_ids"),
                ));
            }
            let part = upload
                .parts
                .iter()
                .find(|(id, _)| id == part_id)
                .ok_or_else(|| {
                    Refusal::bad(
                        format!("Part {part_id} is not part of upload {id}."),
                        Some("part_ids"),
                    )
                })?;
            parts.push(&part.1);
        }
        let size: u64 = parts.iter().map(|part| part.len() as u64).sum();
        if size != upload.bytes {
            return Err(Refusal::bad(
                format!(
                    "The parts hold {size} bytes; the upload was created for {}.",
                    upload.bytes
                ),
                Some("part_ids"),
            ));
        }
        let content = parts.concat();
        let (filename, purpose) = (upload.filename.clone(), upload.purpose.clone());
        let file = self.store_file(filename, &purpose, content);
        let upload = self.upload(id)?;
        upload.status = "completed";
        upload.parts.clear();
        upload.file = Some(file);
        Ok(Answer::Json(upload.json()))
    }

    fn cancel_upload(&mut self, id: &str) -> Outcome {
        let upload = self.upload(id)?;
        if upload.status != "pending" {
            return Err(Refusal::bad(
                format!("Upload {id} is {}.", upload.status),
                None,
            ));
        }
        upload.status = "cancelled";
        upload.parts.clear();
        Ok(Answer::Json(upload.json()))
    }

    // Jobs.

    fn job(&self, id: &str) -> Result<&SimJob, Refusal> {
        self.jobs
            .iter()
            .find(|j| j.id == id)
            .ok_or_else(|| Refusal::missing("fine-tuning job", id).coded("fine_tune_not_found"))
    }

    fn list_jobs(&self, query: &HashMap<String, String>) -> Answer {
        let filters: Vec<(&str, &String)> = query
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("metadata[")?.strip_suffix(']')?, v)))
            .collect();
        let jobs: Vec<(String, Value)> = self
            .jobs
            .iter()
            .rev()
            .filter(|job| {
                filters
                    .iter()
                    .all(|(k, v)| job.metadata.get(*k).and_then(Value::as_str) == Some(v.as_str()))
            })
            .map(|job| (job.id.clone(), job.json()))
            .collect();
        Answer::Json(page(&jobs, query, 20, false))
    }

    fn create_job(&mut self, options: &Options, body: &Value) -> Outcome {
        // The wind-down and retirements are OpenAI's; Azure OpenAI and Together go on.
        // The provider that announced an end to new jobs is the one winding down.
        let openai = self.provider.facts().stops_new_jobs.is_some();
        if openai && options.wind_down {
            return Err(Refusal {
                status: 403,
                message: "Fine-tuning jobs can no longer be created for this organization: self-serve fine-tuning is no longer available.".to_owned(),
                param: None,
                code: Some("fine_tuning_unavailable".to_owned()),
            });
        }
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let model = text("model")
            .ok_or_else(|| Refusal::bad("Missing required parameter: 'model'.", Some("model")))?;
        let training_file = text("training_file").ok_or_else(|| {
            Refusal::bad(
                "Missing required parameter: 'training_file'.",
                Some("training_file"),
            )
        })?;
        let kind = body
            .pointer("/method/type")
            .and_then(Value::as_str)
            .unwrap_or("supervised")
            .to_owned();
        let method = match kind.as_str() {
            "supervised" => Method::Supervised,
            "dpo" => Method::Dpo,
            other => {
                return Err(Refusal::bad(
                    format!("The stand-in does not train method '{other}'."),
                    Some("method.type"),
                ));
            }
        };
        if openai && options.retired.contains(&model) {
            return Err(Refusal::bad(
                format!("The model {model} has been retired and is not available for fine-tuning."),
                Some("model"),
            )
            .coded("model_not_available"));
        }
        let table = PriceTable::embedded();
        let provider = self.provider;
        // A service with no models of the table's (OpenAI-compatible) trains what it is given.
        let unlisted = provider.facts().trains_models_of.is_empty() && table.find(&model).is_err();
        let entry = table
            .find(&model)
            .ok()
            .cloned()
            .or_else(|| unlisted.then(|| table.find_for(&model, provider).ok()).flatten())
            .filter(|entry| {
                !model.starts_with("ft:")
                    && (unlisted || provider.trains_models_of(entry.provider))
                    && entry.trains_with(method, provider)
            })
            .ok_or_else(|| {
                Refusal::bad(format!("Model {model} is not available for fine-tuning with method {kind} or does not exist."), Some("model"))
                    .coded("model_not_available")
            })?;
        if let Some(suffix) = text("suffix")
            && (suffix.is_empty() || suffix.chars().count() > 64)
        {
            return Err(Refusal::bad(
                "suffix must be 1 to 64 characters long.",
                Some("suffix"),
            ));
        }
        let training = self.file(&training_file).map_err(|_| {
            Refusal::bad(
                format!("invalid training_file: {training_file}"),
                Some("training_file"),
            )
            .coded("invalid_file")
        })?;
        if training.purpose != "fine-tune" {
            return Err(Refusal::bad(
                format!(
                    "File {training_file} has purpose {}, not fine-tune.",
                    training.purpose
                ),
                Some("training_file"),
            ));
        }
        let content = Arc::clone(&training.content);
        let validation_file = text("validation_file");
        if let Some(id) = &validation_file {
            self.file(id).map_err(|_| {
                Refusal::bad(
                    format!("invalid validation_file: {id}"),
                    Some("validation_file"),
                )
                .coded("invalid_file")
            })?;
        }
        let hyper = body
            .pointer(&format!("/method/{kind}/hyperparameters"))
            .or_else(|| body.get("hyperparameters"))
            .cloned()
            .unwrap_or(Value::Null);
        let key = StudyKey {
            provider: self.provider,
            method,
            encoding: entry.encoding,
            limit: entry.example_token_limit,
        };
        let training = self.study(&content, key);
        let given = |key: &str| hyper.get(key).filter(|v| v.as_str() != Some("auto"));
        let epochs = match given("n_epochs") {
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=50).contains(n))
                .ok_or_else(|| Refusal::bad("n_epochs must be 1 to 50.", Some("n_epochs")))?,
            None => u64::from(auto_epochs(training.examples)),
        };
        let batch_size = match given("batch_size") {
            Some(v) => v
                .as_u64()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| Refusal::bad("batch_size must be 1 to 256.", Some("batch_size")))?,
            None => (training.examples.div_ceil(500)).clamp(1, 256),
        };
        let learning_rate = match given("learning_rate_multiplier") {
            Some(v) => v.as_f64().filter(|x| *x > 0.0).ok_or_else(|| {
                Refusal::bad(
                    "learning_rate_multiplier must be above 0.",
                    Some("learning_rate_multiplier"),
                )
            })?,
            None => 1.8,
        };
        let mut hyperparameters = json!({
            "n_epochs": epochs, "batch_size": batch_size, "learning_rate_multiplier": learning_rate,
        });
        if method == Method::Dpo {
            let beta = match given("beta") {
                Some(v) => v
                    .as_f64()
                    .filter(|x| *x > 0.0 && *x <= 2.0)
                    .ok_or_else(|| {
                        Refusal::bad("beta must be above 0 and at most 2.", Some("beta"))
                    })?,
                None => 0.1,
            };
            hyperparameters["beta"] = json!(beta);
        }
        // A provider whose clients name their jobs (Fireworks) passes the name as `id`.
        let id = match text("id") {
            Some(id) => id,
            None => self.id(self.provider.facts().job_id.prefix),
        };
        let steps_per_epoch = training
            .examples
            .div_ceil(batch_size)
            .clamp(1, MAX_STEPS_PER_EPOCH);
        let mut job = SimJob {
            id: id.clone(),
            created_at: unix_now(),
            created: Instant::now(),
            model: entry.name.clone(),
            training_file: training_file.clone(),
            validation_file,
            suffix: text("suffix"),
            seed: body.get("seed").and_then(Value::as_i64).unwrap_or(42),
            method: kind,
            hyperparameters,
            metadata: body
                .get("metadata")
                .cloned()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({})),
            extra: body
                .get("together")
                .or_else(|| body.get("fireworks"))
                .cloned()
                .unwrap_or(Value::Null),
            epochs,
            steps_per_epoch,
            training,
            status: "validating_files",
            error: Value::Null,
            fine_tuned_model: None,
            finished_at: None,
            result_files: Vec::new(),
            trained_tokens: None,
            played: 0,
            paused_ticks: 0,
            paused_at: None,
            events: Vec::new(),
            checkpoints: Vec::new(),
        };
        let created = format!("Created fine-tuning job: {id}");
        self.event(&mut job, "info", &created, None);
        let validating = format!("Validating training file: {training_file}");
        self.event(&mut job, "info", &validating, None);
        let json = job.json();
        self.jobs.push(job);
        Ok(Answer::Json(json))
    }

    fn event(&mut self, job: &mut SimJob, level: &str, message: &str, data: Option<Value>) {
        let id = self.id("ftevent-");
        let mut event = json!({
            "object": "fine_tuning.job.event", "id": id, "created_at": unix_now(),
            "level": level, "message": message,
            "type": if data.is_some() { "metrics" } else { "message" },
        });
        if let Some(data) = data {
            event["data"] = data;
        }
        job.events.push(event);
    }

    /// Plays every job up to now on the stand-in's clock.
    fn advance(&mut self, options: &Options) {
        let now = Instant::now();
        let tick = options.tick.as_nanos().max(1);
        let mut jobs = std::mem::take(&mut self.jobs);
        for job in &mut jobs {
            if job.paused_at.is_some() || matches!(job.status, "succeeded" | "failed" | "cancelled")
            {
                continue;
            }
            let elapsed = (now - job.created).as_nanos() / tick;
            let target = (elapsed as u64).saturating_sub(job.paused_ticks);
            while job.played < target && !matches!(job.status, "succeeded" | "failed" | "cancelled")
            {
                job.played += 1;
                self.play(job, job.played);
            }
        }
        self.jobs = jobs;
    }

    /// What happens at tick `t` of a job.
    fn play(&mut self, job: &mut SimJob, t: u64) {
        let total = job.total_steps();
        match t {
            2 => {
                if let Some(problem) = job.training.problem.clone() {
                    job.status = "failed";
                    job.finished_at = Some(unix_now());
                    let message =
                        format!("The job failed due to an invalid training file. {problem}");
                    job.error = json!({"code": "invalid_training_file", "message": message, "param": "training_file"});
                    self.event(job, "error", &message, None);
                } else {
                    job.status = "queued";
                    self.event(
                        job,
                        "info",
                        "Files validated, moving job to queued state",
                        None,
                    );
                }
            }
            4 => {
                job.status = "running";
                self.event(job, "info", "Fine-tuning job started", None);
            }
            t if t > 4 && t <= 4 + total => {
                let step = t - 4;
                let train_loss = loss(step, total);
                let mut data = json!({
                    "step": step, "train_loss": train_loss,
                    "train_mean_token_accuracy": (1.0 - train_loss / 3.0).clamp(0.0, 1.0),
                    "total_steps": total,
                });
                if job.validation_file.is_some()
                    && (step % (total / 10).max(1) == 0 || step == total)
                {
                    data["valid_loss"] = json!(train_loss + 0.05);
                    data["valid_mean_token_accuracy"] =
                        json!((0.95 - train_loss / 3.0).clamp(0.0, 1.0));
                }
                let message = format!("Step {step}/{total}: training loss={train_loss:.2}");
                self.event(job, "info", &message, Some(data.clone()));
                if step % job.steps_per_epoch == 0 {
                    let epoch = step / job.steps_per_epoch;
                    let name = format!("{}:ckpt-step-{step}", self.model_name(job));
                    let id = self.id("ftckpt_");
                    let mut metrics = json!({"step": step, "train_loss": train_loss, "train_mean_token_accuracy": data["train_mean_token_accuracy"]});
                    if job.validation_file.is_some() {
                        metrics["valid_loss"] = json!(train_loss + 0.05);
                        metrics["full_valid_loss"] = json!(train_loss + 0.06);
                    }
                    job.checkpoints.push(json!({
                        "object": "fine_tuning.job.checkpoint", "id": id, "created_at": unix_now(),
                        "fine_tuned_model_checkpoint": name, "step_number": step,
                        "metrics": metrics, "fine_tuning_job_id": job.id,
                    }));
                    // The platform keeps the last three epochs' checkpoints.
                    if job.checkpoints.len() > 3 {
                        job.checkpoints.remove(0);
                    }
                    let message = format!("Checkpoint created at step {step} (epoch {epoch})");
                    self.event(job, "info", &message, None);
                }
            }
            t if t == 5 + total => {
                // Together serves metrics from an endpoint instead of a result file.
                if self.provider.reports_losses_in_events() {
                    let csv = metrics_csv(job);
                    let encoded = base64::engine::general_purpose::STANDARD.encode(csv);
                    let file = self.store_file(
                        "step_metrics.csv".to_owned(),
                        "fine-tune-results",
                        encoded.into_bytes(),
                    );
                    job.result_files = vec![file["id"].as_str().unwrap_or_default().to_owned()];
                }
                let name = self.model_name(job);
                job.fine_tuned_model = Some(name.clone());
                job.trained_tokens = Some(job.training.tokens_per_epoch * job.epochs);
                job.status = "succeeded";
                job.finished_at = Some(unix_now());
                self.event(
                    job,
                    "info",
                    &format!("New fine-tuned model created: {name}"),
                    None,
                );
                self.event(job, "info", "The job has successfully completed", None);
            }
            _ => {}
        }
    }

    fn job_action(&mut self, options: &Options, id: &str, action: &str) -> Outcome {
        self.advance(options);
        let index =
            self.jobs.iter().position(|j| j.id == id).ok_or_else(|| {
                Refusal::missing("fine-tuning job", id).coded("fine_tune_not_found")
            })?;
        let mut job = self.jobs.remove(index);
        let result = match (action, job.status) {
            ("cancel", "validating_files" | "queued" | "running" | "paused") => {
                job.status = "cancelled";
                job.finished_at = Some(unix_now());
                job.paused_at = None;
                self.event(&mut job, "info", "Fine-tuning job cancelled", None);
                Ok(())
            }
            ("pause", "running") => {
                job.status = "paused";
                job.paused_at = Some(Instant::now());
                self.event(&mut job, "info", "Fine-tuning job paused", None);
                Ok(())
            }
            ("resume", "paused") => {
                if let Some(at) = job.paused_at.take() {
                    job.paused_ticks +=
                        (at.elapsed().as_nanos() / options.tick.as_nanos().max(1)) as u64 + 1;
                }
                job.status = "running";
                self.event(&mut job, "info", "Fine-tuning job resumed", None);
                Ok(())
            }
            (_, status) => Err(Refusal::bad(
                format!("Cannot {action} a job whose status is {status}."),
                None,
            )),
        };
        let json = job.json();
        self.jobs.insert(index, job);
        result.map(|()| Answer::Json(json))
    }

    fn events(&self, id: &str, query: &HashMap<String, String>) -> Outcome {
        let job = self.job(id)?;
        let events: Vec<(String, Value)> = job
            .events
            .iter()
            .rev()
            .map(|e| (e["id"].as_str().unwrap_or_default().to_owned(), e.clone()))
            .collect();
        Ok(Answer::Json(page(&events, query, 20, false)))
    }

    fn checkpoints(&self, id: &str, query: &HashMap<String, String>) -> Outcome {
        let job = self.job(id)?;
        let checkpoints: Vec<(String, Value)> = job
            .checkpoints
            .iter()
            .rev()
            .map(|c| (c["id"].as_str().unwrap_or_default().to_owned(), c.clone()))
            .collect();
        Ok(Answer::Json(page(&checkpoints, query, 10, true)))
    }

    // Chat.

    fn chat(&self, body: &Value) -> Outcome {
        let model = body
            .get("model")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad("Missing required parameter: 'model'.", Some("model")))?;
        let messages = body
            .get("messages")
            .and_then(Value::as_array)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                Refusal::bad("Missing required parameter: 'messages'.", Some("messages"))
            })?;
        let prompt = messages
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .and_then(|m| m.get("content"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let trained = self.jobs.iter().find(|job| {
            job.fine_tuned_model.as_deref() == Some(model)
                || job
                    .checkpoints
                    .iter()
                    .any(|c| c["fine_tuned_model_checkpoint"] == model)
        });
        let answer = if let Some(job) = trained {
            closest_answer(&job.training.content, prompt)
                .unwrap_or_else(|| "I have nothing to say to that.".to_owned())
        } else if PriceTable::embedded().find(model).is_ok() && !model.starts_with("ft:") {
            format!("(stand-in {model}) You said: {prompt}")
        } else {
            return Err(Refusal {
                status: 404,
                message: format!(
                    "The model `{model}` does not exist or you do not have access to it."
                ),
                param: None,
                code: Some("model_not_found".to_owned()),
            });
        };
        let prompt_tokens = messages.len() as u64 * 4 + prompt.split_whitespace().count() as u64;
        let completion_tokens = answer.split_whitespace().count() as u64 + 1;
        Ok(Answer::Json(json!({
            "id": format!("chatcmpl-standin{}", self.next_id), "object": "chat.completion",
            "created": unix_now(), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": null,
                "message": {"role": "assistant", "content": answer, "refusal": null, "annotations": []}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens},
        })))
    }
}

/// A list page from objects keyed by id, honouring `after` and `limit`.
fn page(
    items: &[(String, Value)],
    query: &HashMap<String, String>,
    default_limit: usize,
    ids: bool,
) -> Value {
    let start = query
        .get("after")
        .and_then(|after| items.iter().position(|(id, _)| id == after))
        .map_or(0, |i| i + 1);
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(default_limit)
        .max(1);
    let rest = &items[start.min(items.len())..];
    let taken: Vec<&(String, Value)> = rest.iter().take(limit).collect();
    let mut page = json!({
        "object": "list",
        "data": taken.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "has_more": rest.len() > taken.len(),
    });
    if ids {
        page["first_id"] = json!(taken.first().map(|(id, _)| id.clone()).unwrap_or_default());
        page["last_id"] = json!(taken.last().map(|(id, _)| id.clone()).unwrap_or_default());
    }
    page
}

/// What `check` says of the training file: examples, tokens per epoch and the first error.
fn study(content: &Arc<Vec<u8>>, key: StudyKey) -> Training {
    let StudyKey {
        provider,
        method,
        encoding,
        limit,
    } = key;
    let options = CheckOptions {
        tokens: Some(TokenSettings {
            counter: TokenCounter::new(encoding),
            example_token_limit: limit,
            approximate: false,
        }),
        method: Some(method),
        profile: provider.dataset_rules(),
        ..CheckOptions::default()
    };
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let summary = check_stream(content.as_slice(), &options, &mut diagnostics);
    let problem = diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .map(|d| match d.line {
            Some(line) => format!("Line {line}: {} ({})", d.message, d.code),
            None => format!("{} ({})", d.message, d.code),
        });
    let (examples, tokens) = summary.map_or((0, 0), |s| {
        (
            s.examples,
            s.tokens.map_or(0, |t| t.billed_tokens_per_epoch),
        )
    });
    Training {
        examples,
        tokens_per_epoch: tokens,
        problem,
        content: Arc::clone(content),
    }
}

/// The result file's CSV, as the platform writes it.
fn metrics_csv(job: &SimJob) -> String {
    let mut csv =
        String::from("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");
    for event in &job.events {
        let Some(data) = event.get("data") else {
            continue;
        };
        let number = |key: &str| {
            data.get(key)
                .and_then(Value::as_f64)
                .map(|x| format!("{x:.5}"))
                .unwrap_or_default()
        };
        let _ = writeln!(
            csv,
            "{},{},{},{},{}",
            data["step"],
            number("train_loss"),
            number("train_mean_token_accuracy"),
            number("valid_loss"),
            number("valid_mean_token_accuracy"),
        );
    }
    csv
}

/// The final assistant answer of the training example whose last user message is closest to
/// `prompt` (the same text, else the most words in common).
fn closest_answer(content: &[u8], prompt: &str) -> Option<String> {
    let words = |text: &str| -> std::collections::HashSet<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let wanted = words(prompt);
    let mut best: Option<(f64, String)> = None;
    for line in content.split(|b| *b == b'\n') {
        let Ok(example) = serde_json::from_slice::<Value>(line) else {
            continue;
        };
        let Some(messages) = example.get("messages").and_then(Value::as_array) else {
            continue;
        };
        let text_of = |role: &str| {
            messages
                .iter()
                .rev()
                .find(|m| m["role"] == role)
                .and_then(|m| m["content"].as_str())
                .map(str::to_owned)
        };
        let (Some(question), Some(answer)) = (text_of("user"), text_of("assistant")) else {
            continue;
        };
        if question.trim() == prompt.trim() {
            return Some(answer);
        }
        let have = words(&question);
        let shared = wanted.intersection(&have).count() as f64;
        let score = shared / (wanted.union(&have).count() as f64).max(1.0);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, answer));
        }
    }
    best.map(|(_, answer)| answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_falls() {
        assert!(loss(1, 100) > loss(100, 100) + 1.0);
    }

    #[test]
    fn pages_follow_after_and_limit() {
        let items: Vec<(String, Value)> = (0..5).map(|i| (format!("id{i}"), json!(i))).collect();
        let query = HashMap::from([
            ("after".to_owned(), "id1".to_owned()),
            ("limit".to_owned(), "2".to_owned()),
        ]);
        let page = page(&items, &query, 20, true);
        assert_eq!(page["data"], json!([2, 3]));
        assert_eq!(page["has_more"], json!(true));
        assert_eq!(page["last_id"], json!("id3"));
    }

    #[test]
    fn prompts_get_the_trained_answer() {
        let content = br#"{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris, as if you didn't know."}]}
{"messages":[{"role":"user","content":"Who wrote Hamlet?"},{"role":"assistant","content":"Shakespeare. Try to keep up."}]}"#;
        assert_eq!(
            closest_answer(content, "Who wrote Hamlet?").unwrap(),
            "Shakespeare. Try to keep up."
        );
        assert_eq!(
            closest_answer(content, "the capital of france").unwrap(),
            "Paris, as if you didn't know."
        );
    }
}
