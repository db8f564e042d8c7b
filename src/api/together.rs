//! Together AI's fine-tuning API (`/files/upload`, `/fine-tunes`, …), read into the same
//! objects as OpenAI's so that commands never know which provider answered.
//!
//! Shapes are those of Together's OpenAPI description. What has no counterpart is said
//! plainly: Together has no job metadata (a retried creation is reconciled by training file,
//! model and time instead), no pause or resume, and no multipart upload API.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use std::path::Path;

use super::Config;
use super::error::ApiError;
use super::fine_tuning::{
    ApiFuture, FineTuningApi, cancel_only, chat, delete_file, events_page, find_created_by_files,
    upload_once,
};
use super::transport::{Answer, Auth, Transport, UploadProgress, page_of, segment};
use super::types::{
    ChatCompletion, ChatMessage, Checkpoint, Deleted, Event, FileObject, Hyper, Job, JobError,
    JobRequest, ModelLimits, Page, PriceEstimate, TrainingType,
};
use crate::time::parse_rfc3339;

/// A Together file (`FileResponse`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TogetherFile {
    id: String,
    created_at: i64,
    filename: String,
    bytes: u64,
    purpose: String,
    #[serde(rename = "Processed")]
    processed: Option<bool>,
}

impl From<TogetherFile> for FileObject {
    fn from(file: TogetherFile) -> Self {
        FileObject {
            id: file.id,
            bytes: file.bytes,
            created_at: file.created_at,
            filename: file.filename,
            purpose: file.purpose,
            status: file
                .processed
                .map(|done| if done { "processed" } else { "uploaded" }.to_owned()),
            expires_at: None,
        }
    }
}

#[derive(Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
}

/// A Together fine-tuning job (`FinetuneResponse` and its truncated form).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TogetherJob {
    id: String,
    status: String,
    created_at: String,
    updated_at: Option<String>,
    training_file: String,
    validation_file: Option<String>,
    model: String,
    model_output_name: Option<String>,
    suffix: Option<String>,
    n_epochs: Option<u64>,
    n_checkpoints: Option<u64>,
    n_evals: Option<u64>,
    batch_size: Option<Value>,
    learning_rate: Option<f64>,
    training_type: Option<Value>,
    training_method: Option<Value>,
    random_seed: Option<i64>,
    token_count: Option<u64>,
    events: Option<Vec<TogetherEvent>>,
}

/// Together's job statuses, read as the common ones (`pending` and `queued` are queued;
/// compressing and uploading the result are still running; `error` is failed; `completed`
/// is succeeded). A status nobody knows yet is kept as it is.
pub(super) fn common_status(status: &str) -> &str {
    match status {
        "pending" | "queued" => "queued",
        "running" | "compressing" | "uploading" => "running",
        "cancel_requested" => "cancelling",
        "cancelled" => "cancelled",
        "error" => "failed",
        "completed" => "succeeded",
        other => other,
    }
}

impl TogetherJob {
    pub(super) fn into_job(self) -> Job {
        let status = common_status(&self.status).to_owned();
        let method = match self
            .training_method
            .as_ref()
            .and_then(|m| m.get("method"))
            .and_then(Value::as_str)
        {
            Some("dpo") => "dpo",
            _ => "supervised",
        };
        let mut hyperparameters = json!({
            "n_epochs": self.n_epochs, "batch_size": self.batch_size,
            "learning_rate": self.learning_rate, "n_checkpoints": self.n_checkpoints,
            "n_evals": self.n_evals,
        });
        if let Some(training_type) = &self.training_type {
            hyperparameters["training_type"] = training_type.clone();
        }
        if let Some(beta) = self
            .training_method
            .as_ref()
            .and_then(|m| m.get("dpo_beta"))
        {
            hyperparameters["beta"] = beta.clone();
        }
        let error = (status == "failed").then(|| JobError {
            code: None,
            message: self.events.as_ref().and_then(|events| {
                events
                    .iter()
                    .rev()
                    .find(|e| e.kind == "job_error" || e.level.as_deref() == Some("error"))
                    .map(|e| e.message.clone())
            }),
            param: None,
        });
        let finished = matches!(status.as_str(), "succeeded" | "failed" | "cancelled");
        Job {
            id: self.id,
            created_at: parse_rfc3339(&self.created_at).unwrap_or_default(),
            error,
            fine_tuned_model: self.model_output_name,
            finished_at: if finished {
                self.updated_at.as_deref().and_then(parse_rfc3339)
            } else {
                None
            },
            method: Some(json!({"type": method, method: {"hyperparameters": hyperparameters}})),
            hyperparameters: Some(hyperparameters),
            model: self.model,
            status,
            trained_tokens: self.token_count,
            training_file: self.training_file,
            validation_file: self.validation_file.filter(|v| !v.is_empty()),
            result_files: Vec::new(),
            seed: self.random_seed,
            estimated_finish: None,
            metadata: None,
            user_provided_suffix: self.suffix,
        }
    }
}

/// A Together job event (`FineTuneEvent`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TogetherEvent {
    created_at: String,
    level: Option<String>,
    message: String,
    #[serde(rename = "type")]
    kind: String,
    step: Option<u64>,
    total_steps: Option<u64>,
    hash: Option<String>,
    checkpoint_path: Option<String>,
}

impl TogetherEvent {
    fn into_event(self, job: &str) -> Event {
        let created_at = parse_rfc3339(&self.created_at).unwrap_or_default();
        let id = match self.hash.as_deref().filter(|h| !h.is_empty()) {
            Some(hash) => hash.to_owned(),
            None => format!("{job}:{}:{}:{}", self.created_at, self.kind, self.message),
        };
        let level = match self.level.as_deref() {
            Some(level) if level.contains("error") => "error",
            Some(level) if level.contains("warn") => "warn",
            _ => "info",
        };
        let mut data = serde_json::Map::new();
        if let Some(step) = self.step.filter(|s| *s > 0) {
            data.insert("step".into(), json!(step));
        }
        if let Some(total) = self.total_steps.filter(|s| *s > 0) {
            data.insert("total_steps".into(), json!(total));
        }
        if let Some(path) = self.checkpoint_path.filter(|p| !p.is_empty()) {
            data.insert("checkpoint_path".into(), json!(path));
        }
        Event {
            id,
            created_at,
            level: level.to_owned(),
            message: self.message,
            kind: Some(self.kind),
            data: (!data.is_empty()).then_some(Value::Object(data)),
        }
    }
}

/// A Together checkpoint (`FineTuneCheckpoint`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct TogetherCheckpoint {
    step: u64,
    created_at: String,
    path: String,
    checkpoint_type: String,
}

/// The body of `POST /fine-tunes` (and, in part, of the price estimate) for `request`.
pub(super) fn create_body(request: &JobRequest) -> Value {
    let mut body = json!({
        "training_file": request.training_file,
        "model": request.model,
    });
    let hyper = request.method.hyperparameters();
    let options = request.tuning_options();
    let int = |value: Option<Hyper>| match value {
        Some(Hyper::Int(n)) => Some(n),
        _ => None,
    };
    if let Some(file) = &request.validation_file {
        body["validation_file"] = json!(file);
        body["n_evals"] = json!(options.n_evals.unwrap_or(10));
    }
    if let Some(epochs) = int(hyper.n_epochs) {
        body["n_epochs"] = json!(epochs);
    }
    if let Some(batch) = int(hyper.batch_size) {
        body["batch_size"] = json!(batch);
    }
    if let Some(rate) = options.learning_rate {
        body["learning_rate"] = json!(rate);
    }
    if let Some(n) = options.n_checkpoints {
        body["n_checkpoints"] = json!(n);
    }
    if let Some(suffix) = &request.suffix {
        body["suffix"] = json!(suffix);
    }
    if let Some(seed) = request.seed {
        body["random_seed"] = json!(seed);
    }
    body["training_method"] = if request.method.kind == "dpo" {
        let mut method = json!({"method": "dpo"});
        if let Some(Hyper::Number(beta)) = hyper.beta {
            method["dpo_beta"] = json!(beta);
        }
        method
    } else {
        // Chat data trains on the assistant's messages only: what `auto` means for it, said
        // as `false`, the spelling the published schema accepts (its `type: boolean` rules
        // out the string).
        json!({"method": "sft", "train_on_inputs": false})
    };
    body["training_type"] = match &options.training_type {
        None | Some(TrainingType::Lora { .. }) => {
            let (r, alpha, dropout) = match &options.training_type {
                Some(TrainingType::Lora { r, alpha, dropout }) => (*r, *alpha, *dropout),
                _ => (8, 16, None),
            };
            let mut lora = json!({"type": "Lora", "lora_r": r, "lora_alpha": alpha});
            if let Some(dropout) = dropout {
                lora["lora_dropout"] = json!(dropout);
            }
            lora
        }
        Some(TrainingType::Full) => json!({"type": "Full"}),
    };
    body
}

/// What in `request` the model's `limits` (`FineTuneModelLimits`) do not allow, one sentence
/// each, so a job Together would refuse is refused before anything is spent.
pub(super) fn limit_violations(request: &JobRequest, limits: &ModelLimits) -> Vec<String> {
    let body = create_body(request);
    let model = &request.model;
    let mut found = Vec::new();
    let number = |value: &Value, key: &str| value.get(key).and_then(Value::as_f64);
    let given = |key: &str| body.get(key).and_then(Value::as_f64);
    if let (Some(epochs), Some(max)) = (given("n_epochs"), number(limits, "max_num_epochs"))
        && epochs > max
    {
        found.push(format!(
            "{epochs} epochs: {model} takes at most {max} on Together AI"
        ));
    }
    if let (Some(evals), Some(max)) = (given("n_evals"), number(limits, "max_num_evals"))
        && evals > max
    {
        found.push(format!("{evals} evaluations: {model} takes at most {max}"));
    }
    if let Some(rate) = given("learning_rate") {
        let low = number(limits, "min_learning_rate");
        let high = number(limits, "max_learning_rate");
        if low.is_some_and(|low| rate < low) || high.is_some_and(|high| rate > high) {
            found.push(format!(
                "learning rate {rate}: {model} takes {} to {}",
                low.map_or("-".to_owned(), |v| v.to_string()),
                high.map_or("-".to_owned(), |v| v.to_string())
            ));
        }
    }
    let full = body.pointer("/training_type/type").and_then(Value::as_str) == Some("Full");
    let (kind, section) = if full {
        ("full", "full_training")
    } else {
        ("LoRA", "lora_training")
    };
    let Some(training) = limits.get(section).filter(|v| v.is_object()) else {
        found.push(format!(
            "{model} cannot be {kind} fine-tuned on Together AI (try --training-type {})",
            if full { "lora" } else { "full" }
        ));
        return found;
    };
    if let Some(batch) = given("batch_size") {
        let dpo = request.method.kind == "dpo";
        let high = number(
            training,
            if dpo {
                "max_batch_size_dpo"
            } else {
                "max_batch_size"
            },
        );
        let low = number(training, "min_batch_size");
        if low.is_some_and(|low| batch < low) || high.is_some_and(|high| batch > high) {
            found.push(format!(
                "batch size {batch}: {kind} {}training of {model} takes {} to {}",
                if dpo { "DPO " } else { "" },
                low.map_or("-".to_owned(), |v| v.to_string()),
                high.map_or("-".to_owned(), |v| v.to_string())
            ));
        }
    }
    if let (Some(rank), Some(max)) = (
        body.pointer("/training_type/lora_r")
            .and_then(Value::as_f64),
        number(training, "max_rank"),
    ) && rank > max
    {
        found.push(format!("LoRA rank {rank}: {model} takes at most {max}"));
    }
    found
}

/// Together AI's fine-tuning API.
#[derive(Debug)]
pub(super) struct Together {
    transport: Transport,
}

impl Together {
    /// The API at `config`.
    pub(super) fn new(config: Config) -> Result<Self, ApiError> {
        let auth = Auth::Bearer {
            organization_headers: false,
        };
        Ok(Self {
            transport: Transport::new(config, auth)?,
        })
    }

    async fn files(&self, purpose: Option<&str>) -> Result<Vec<FileObject>, ApiError> {
        let list: List<TogetherFile> = self.transport.get("/files").await?;
        let mut files: Vec<FileObject> = list
            .data
            .into_iter()
            .map(FileObject::from)
            .filter(|f| purpose.is_none_or(|p| f.purpose == p))
            .collect();
        files.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(files)
    }

    async fn file(&self, id: &str) -> Result<FileObject, ApiError> {
        let file: TogetherFile = self
            .transport
            .get(&format!("/files/{}", segment(id)))
            .await?;
        Ok(file.into())
    }

    async fn jobs(&self) -> Result<Vec<Job>, ApiError> {
        let list: List<TogetherJob> = self.transport.get("/fine-tunes").await?;
        let mut jobs: Vec<Job> = list.data.into_iter().map(TogetherJob::into_job).collect();
        jobs.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        Ok(jobs)
    }

    async fn job(&self, id: &str) -> Result<Job, ApiError> {
        let job: TogetherJob = self
            .transport
            .get(&format!("/fine-tunes/{}", segment(id)))
            .await?;
        let mut job = job;
        if common_status(&job.status) == "failed" && job.events.as_ref().is_none_or(Vec::is_empty) {
            job.events = Some(self.raw_events(id).await?);
        }
        Ok(job.into_job())
    }

    async fn cancel(&self, id: &str) -> Result<Job, ApiError> {
        let job: TogetherJob = self
            .transport
            .json(
                Method::POST,
                &format!("/fine-tunes/{}/cancel", segment(id)),
                &|r| r,
            )
            .await?;
        Ok(job.into_job())
    }

    async fn raw_events(&self, id: &str) -> Result<Vec<TogetherEvent>, ApiError> {
        let list: List<TogetherEvent> = self
            .transport
            .get(&format!("/fine-tunes/{}/events", segment(id)))
            .await?;
        Ok(list.data)
    }

    /// Every event, oldest first.
    async fn events(&self, id: &str) -> Result<Vec<Event>, ApiError> {
        let mut events: Vec<Event> = self
            .raw_events(id)
            .await?
            .into_iter()
            .map(|e| e.into_event(id))
            .collect();
        events.sort_by_key(|e| e.created_at);
        Ok(events)
    }

    async fn checkpoints(&self, id: &str) -> Result<Vec<Checkpoint>, ApiError> {
        let list: List<TogetherCheckpoint> = self
            .transport
            .get(&format!("/fine-tunes/{}/checkpoints", segment(id)))
            .await?;
        let mut checkpoints: Vec<Checkpoint> = list
            .data
            .into_iter()
            .map(|c| Checkpoint {
                id: format!("{id}:{}", c.step),
                created_at: parse_rfc3339(&c.created_at).unwrap_or_default(),
                fine_tuned_model_checkpoint: c.path,
                step_number: c.step,
                metrics: BTreeMap::from([("type".to_owned(), json!(c.checkpoint_type))]),
            })
            .collect();
        checkpoints.sort_by_key(|c| std::cmp::Reverse(c.step_number));
        Ok(checkpoints)
    }

    /// The job's metrics as CSV: `step`, `train_loss`, `valid_loss`, then every other metric
    /// (`train/learning_rate` becomes `train_learning_rate`).
    async fn metrics(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        #[derive(Deserialize)]
        struct Metrics {
            #[serde(default)]
            metrics: Vec<BTreeMap<String, Value>>,
        }
        let metrics: Metrics = self
            .transport
            .get(&format!("/fine-tunes/{}/metrics", segment(id)))
            .await?;
        Ok(metrics_csv(&metrics.metrics).into_bytes())
    }

    /// Together's own price for the job `request` describes.
    async fn price(&self, request: &JobRequest) -> Result<PriceEstimate, ApiError> {
        let full = create_body(request);
        let mut body = json!({});
        for key in [
            "training_file",
            "validation_file",
            "model",
            "n_epochs",
            "n_evals",
            "training_method",
            "training_type",
        ] {
            if let Some(value) = full.get(key) {
                body[key] = value.clone();
            }
        }
        self.transport
            .post("/fine-tunes/estimate-price", &body)
            .await
    }

    /// What Together allows for fine-tuning `model`; `None` when it does not fine-tune it.
    async fn limits(&self, model: &str) -> Result<Option<ModelLimits>, ApiError> {
        let answer = self
            .transport
            .json(Method::GET, "/fine-tunes/models/limits", &|r| {
                r.query(&[("model_name", model)])
            })
            .await;
        match answer {
            Ok(limits) => Ok(Some(limits)),
            Err(ApiError::Status(error)) if error.status == 404 => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The models Together fine-tunes, with their limits.
    async fn models(&self) -> Result<Vec<(String, ModelLimits)>, ApiError> {
        #[derive(Deserialize)]
        struct Supported {
            #[serde(default)]
            models: Vec<String>,
        }
        let supported: Supported = self.transport.get("/fine-tunes/models/supported").await?;
        let mut models = Vec::new();
        for name in supported.models {
            let limits: Value = self
                .transport
                .json(Method::GET, "/fine-tunes/models/limits", &|r| {
                    r.query(&[("model_name", name.as_str())])
                })
                .await?;
            models.push((name, limits));
        }
        Ok(models)
    }
}

impl FineTuningApi for Together {
    fn config(&self) -> &Config {
        self.transport.config()
    }

    fn list_files<'a>(&'a self, purpose: Option<&'a str>) -> ApiFuture<'a, Vec<FileObject>> {
        Box::pin(self.files(purpose))
    }

    fn retrieve_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, FileObject> {
        Box::pin(self.file(id))
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
        let fields = [
            ("purpose", "fine-tune".to_owned()),
            ("file_name", filename.to_owned()),
            ("file_type", "jsonl".to_owned()),
        ];
        Box::pin(async move {
            let file = (path, filename, progress);
            upload_once::<TogetherFile>(self, &self.transport, "/files/upload", &fields, file).await
        })
    }

    fn create_job_since<'a>(&'a self, request: &'a JobRequest, started: i64) -> ApiFuture<'a, Job> {
        Box::pin(async move {
            let route = "/fine-tunes";
            let body = create_body(request);
            let created = self
                .transport
                .create_once(
                    route,
                    &|r| r.json(&body),
                    ("job", Some("finetune list-jobs")),
                    || find_created_by_files(self, request, started),
                )
                .await?;
            match created.answer {
                Answer::Found(job) => Ok(job),
                Answer::Body(answer) => Ok(self
                    .transport
                    .decode::<TogetherJob>(&Method::POST, route, &answer)?
                    .into_job()),
            }
        })
    }

    fn find_created<'a>(
        &'a self,
        request: &'a JobRequest,
        started: i64,
    ) -> ApiFuture<'a, Option<Job>> {
        Box::pin(find_created_by_files(self, request, started))
    }

    fn list_jobs<'a>(&'a self, limit: u32, after: Option<&'a str>) -> ApiFuture<'a, Page<Job>> {
        Box::pin(async move {
            let jobs = self.jobs().await?;
            Ok(page_of(jobs, limit, after, |job| &job.id))
        })
    }

    fn retrieve_job<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Job> {
        Box::pin(self.job(id))
    }

    fn job_action<'a>(&'a self, id: &'a str, action: &'a str) -> ApiFuture<'a, Job> {
        Box::pin(cancel_only(self, action, self.cancel(id)))
    }

    fn list_events<'a>(
        &'a self,
        id: &'a str,
        limit: u32,
        after: Option<&'a str>,
    ) -> ApiFuture<'a, Page<Event>> {
        Box::pin(async move { Ok(events_page(self.events(id).await?, limit, after)) })
    }

    fn all_events<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Event>> {
        Box::pin(self.events(id))
    }

    fn list_checkpoints<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Checkpoint>> {
        Box::pin(self.checkpoints(id))
    }

    fn job_metrics<'a>(&'a self, job: &'a Job) -> ApiFuture<'a, Option<(String, Vec<u8>)>> {
        Box::pin(async move {
            let csv = self.metrics(&job.id).await?;
            let has_rows = csv
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .nth(1)
                .is_some();
            Ok(has_rows.then(|| (format!("{} metrics", job.id), csv)))
        })
    }

    fn chat<'a>(
        &'a self,
        model: &'a str,
        messages: Vec<ChatMessage>,
    ) -> ApiFuture<'a, ChatCompletion> {
        Box::pin(chat(&self.transport, "/chat/completions", model, messages))
    }

    fn estimate_price<'a>(&'a self, request: &'a JobRequest) -> ApiFuture<'a, PriceEstimate> {
        Box::pin(self.price(request))
    }

    fn limit_violations(&self, request: &JobRequest, limits: &ModelLimits) -> Vec<String> {
        limit_violations(request, limits)
    }

    fn model_limits<'a>(&'a self, model: &'a str) -> ApiFuture<'a, Option<ModelLimits>> {
        Box::pin(self.limits(model))
    }

    fn fine_tunable_models(&self) -> ApiFuture<'_, Vec<(String, ModelLimits)>> {
        Box::pin(self.models())
    }
}

/// Together's metric snapshots as the CSV the `metrics` command reads.
fn metrics_csv(rows: &[BTreeMap<String, Value>]) -> String {
    let rename = |key: &str| -> String {
        match key {
            "train/global_step" | "eval/global_step" | "global_step" | "step" => "step".into(),
            "train/loss" | "loss" => "train_loss".into(),
            "eval/loss" | "valid/loss" => "valid_loss".into(),
            other => other.replace(['/', ' '], "_"),
        }
    };
    let mut columns = vec![
        "step".to_owned(),
        "train_loss".to_owned(),
        "valid_loss".to_owned(),
    ];
    for row in rows {
        for key in row.keys() {
            let name = rename(key);
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
    }
    let mut csv = columns.join(",");
    csv.push('\n');
    // Train and eval snapshots of one step become one row.
    let mut by_step: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let step = row
            .iter()
            .find(|(k, _)| rename(k) == "step")
            .and_then(|(_, v)| v.as_f64())
            .map_or(index as u64 + 1, |s| s as u64);
        let cells = by_step.entry(step).or_default();
        for (key, value) in row {
            let name = rename(key);
            if name != "step"
                && let Some(x) = value.as_f64()
            {
                cells.insert(name, format!("{x}"));
            }
        }
    }
    for (step, cells) in by_step {
        let row: Vec<String> = columns
            .iter()
            .map(|c| {
                if c == "step" {
                    step.to_string()
                } else {
                    cells.get(c).cloned().unwrap_or_default()
                }
            })
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::{Hyperparameters, MethodSpec, ProviderOptions, TuningOptions};

    fn request() -> JobRequest {
        JobRequest {
            model: "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference".into(),
            training_file: "file-1".into(),
            validation_file: Some("file-2".into()),
            suffix: Some("sarcasm".into()),
            seed: Some(7),
            method: MethodSpec::dpo(Hyperparameters {
                n_epochs: Some(Hyper::Int(3)),
                beta: Some(Hyper::Number(0.2)),
                ..Hyperparameters::default()
            }),
            request_id: String::new(),
            options: ProviderOptions::Tuning(TuningOptions {
                training_type: None,
                learning_rate: Some(1e-5),
                n_checkpoints: Some(2),
                n_evals: None,
                max_context_length: None,
            }),
        }
    }

    /// The request's Together options, to change.
    fn options(request: &mut JobRequest) -> &mut TuningOptions {
        match &mut request.options {
            ProviderOptions::Tuning(options) => options,
            ProviderOptions::None => unreachable!("the test request has Together options"),
        }
    }

    fn limits() -> Value {
        json!({
            "model_name": "m", "max_num_epochs": 20, "max_num_evals": 100,
            "max_learning_rate": 1.0, "min_learning_rate": 1e-8,
            "lora_training": {"max_batch_size": 64, "max_batch_size_dpo": 32, "min_batch_size": 8,
                "max_rank": 64, "target_modules": []},
        })
    }

    #[test]
    fn a_request_within_the_limits_passes() {
        assert_eq!(
            limit_violations(&request(), &limits()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn each_limit_is_named_when_exceeded() {
        let mut request = request();
        request.method = MethodSpec::dpo(Hyperparameters {
            n_epochs: Some(Hyper::Int(25)),
            batch_size: Some(Hyper::Int(48)),
            ..Hyperparameters::default()
        });
        options(&mut request).learning_rate = Some(2.0);
        options(&mut request).n_evals = Some(500);
        options(&mut request).training_type = Some(TrainingType::Lora {
            r: 128,
            alpha: 16,
            dropout: None,
        });
        let found = limit_violations(&request, &limits());
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found[0].starts_with("25 epochs") && found[0].contains("at most 20"));
        assert!(found[1].starts_with("500 evaluations"));
        assert!(found[2].starts_with("learning rate 2"));
        assert!(
            found[3].contains("DPO") && found[3].contains("8 to 32"),
            "{}",
            found[3]
        );
        assert!(found[4].starts_with("LoRA rank 128"));
    }

    #[test]
    fn a_training_type_the_model_lacks_is_refused() {
        let mut full = request();
        options(&mut full).training_type = Some(TrainingType::Full);
        let found = limit_violations(&full, &limits());
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("cannot be full fine-tuned"), "{found:?}");
    }

    #[test]
    fn a_job_request_speaks_togethers_shape() {
        assert_eq!(
            create_body(&request()),
            json!({
                "training_file": "file-1", "model": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference",
                "validation_file": "file-2", "n_evals": 10, "n_epochs": 3, "learning_rate": 1e-5,
                "n_checkpoints": 2, "suffix": "sarcasm", "random_seed": 7,
                "training_method": {"method": "dpo", "dpo_beta": 0.2},
                "training_type": {"type": "Lora", "lora_r": 8, "lora_alpha": 16},
            })
        );
        let mut full = request();
        options(&mut full).training_type = Some(TrainingType::Full);
        full.method = MethodSpec::supervised(Hyperparameters::default());
        let body = create_body(&full);
        assert_eq!(body["training_type"], json!({"type": "Full"}));
        assert_eq!(
            body["training_method"],
            json!({"method": "sft", "train_on_inputs": false})
        );
    }

    #[test]
    fn statuses_read_as_the_common_ones() {
        let job: TogetherJob = serde_json::from_value(json!({
            "id": "ft-1", "status": "error", "created_at": "2024-05-17T17:35:45.123Z",
            "updated_at": "2024-05-17T18:00:00Z", "model": "m", "training_file": "file-1",
            "events": [{"object": "fine-tune-event", "created_at": "2024-05-17T18:00:00Z",
                "message": "Training failed: out of memory", "type": "job_error", "level": "error"}],
            "something_new": true
        }))
        .unwrap();
        let job = job.into_job();
        assert_eq!(job.status, "failed");
        assert!(job.is_finished());
        assert_eq!(
            job.error.and_then(|e| e.message).as_deref(),
            Some("Training failed: out of memory")
        );
        assert_eq!(job.created_at, 1_715_967_345);
        for (given, common) in [
            ("pending", "queued"),
            ("compressing", "running"),
            ("completed", "succeeded"),
            ("cancel_requested", "cancelling"),
            ("brand_new", "brand_new"),
        ] {
            assert_eq!(common_status(given), common);
        }
    }

    #[test]
    fn metrics_become_one_row_per_step() {
        let rows: Vec<BTreeMap<String, Value>> = serde_json::from_value(json!([
            {"train/loss": 0.5, "train/learning_rate": 0.0001, "train/global_step": 7},
            {"eval/loss": 0.6, "eval/global_step": 7},
            {"train/loss": 0.45, "train/global_step": 14},
        ]))
        .unwrap();
        assert_eq!(
            metrics_csv(&rows),
            "step,train_loss,valid_loss,train_learning_rate\n7,0.5,0.6,0.0001\n14,0.45,,\n"
        );
    }
}
