//! Fireworks AI's fine-tuning API (`/v1/accounts/{account}/datasets`,
//! `…/supervisedFineTuningJobs`, `…/dpoJobs`, chat at `/inference/v1/chat/completions`), read
//! into the same objects as OpenAI's so that commands never know which provider answered.
//!
//! Shapes are those of Fireworks' API reference and its official SDK (`fireworks-ai`), as
//! summarised in `../shared/fireworks-api/`. A dataset is what the other providers call a
//! file; finetune names each one it creates (`file-NAME-BYTES-RANDOM`), because Fireworks
//! keeps no file size, and reuse recognises an upload by name and size. Jobs are named by
//! finetune too (`ftjob-` and the request's client id), which makes creation exactly-once:
//! after a lost answer the job is looked up by that name.
//!
//! What Fireworks' API does not report is said plainly: it has no job events (the events
//! shown are read from the job's state and progress), no checkpoints, and no losses (the
//! Fireworks console and its Weights & Biases integration show them); it trains LoRA adapters
//! only, takes no seed, LoRA alpha, dropout or checkpoint count, and cannot pause a job.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Config;
use super::error::ApiError;
use super::fine_tuning::{ApiFuture, FineTuningApi, cancel_only, chat, events_page};
use super::transport::{
    Answer, Auth, Transport, UploadProgress, page_of, segment, whole_file_body,
};
use super::types::{
    ChatCompletion, ChatMessage, Checkpoint, Deleted, Event, FileObject, Hyper, Job, JobError,
    JobRequest, Page,
};
use super::{FIREWORKS_ACCOUNT_ENV, TrainingType};
use crate::time::parse_rfc3339;

/// The largest file `:upload` takes in one request; larger ones go through a signed URL.
pub const DIRECT_UPLOAD_LIMIT: u64 = 150 << 20;

/// How long a dataset may take to be validated before the upload is given up on.
const VALIDATION_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The first and the longest wait between looks at a dataset being validated.
const VALIDATION_POLL: (Duration, Duration) = (Duration::from_millis(20), Duration::from_secs(5));
/// Items asked for per page of a list.
const PAGE_SIZE: u32 = 200;
/// The longest name part of a dataset id finetune makes (ids hold at most 63 characters).
const DATASET_SLUG_LEN: usize = 24;

/// A Fireworks dataset (`Dataset`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Dataset {
    name: String,
    display_name: Option<String>,
    state: Option<String>,
    status: Option<RpcStatus>,
    create_time: Option<String>,
}

/// A status that "mimics google.rpc.Status".
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct RpcStatus {
    code: Option<String>,
    message: Option<String>,
}

impl Dataset {
    fn into_file(self) -> FileObject {
        let id = last_segment(&self.name).to_owned();
        FileObject {
            bytes: bytes_of(&id),
            created_at: self
                .create_time
                .as_deref()
                .and_then(parse_rfc3339)
                .unwrap_or_default(),
            filename: self.display_name.unwrap_or_else(|| id.clone()),
            purpose: "fine-tune".to_owned(),
            status: self.state.as_deref().map(|state| {
                match state {
                    "READY" => "processed",
                    "UPLOADING" => "uploaded",
                    _ => "pending",
                }
                .to_owned()
            }),
            expires_at: None,
            id,
        }
    }
}

/// The last segment of a resource name (`accounts/a/datasets/d` → `d`).
fn last_segment(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The size finetune wrote into a dataset id it made; 0 for another's dataset.
fn bytes_of(id: &str) -> u64 {
    let mut parts = id.rsplit('-');
    match (id.starts_with("file-"), parts.next(), parts.next()) {
        (true, Some(_random), Some(bytes)) => bytes.parse().unwrap_or_default(),
        _ => 0,
    }
}

/// A new dataset id for `filename` of `bytes` bytes: lowercase letters, digits and hyphens,
/// as Fireworks' ids are.
fn dataset_id(filename: &str, bytes: u64) -> String {
    let mut slug = String::new();
    for c in filename.to_ascii_lowercase().chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= DATASET_SLUG_LEN {
            break;
        }
    }
    let slug = slug.trim_matches('-');
    let random: String = std::iter::repeat_with(fastrand::lowercase)
        .take(6)
        .collect();
    if slug.is_empty() {
        format!("file-{bytes}-{random}")
    } else {
        format!("file-{slug}-{bytes}-{random}")
    }
}

/// The job id finetune gives the job `request` asks for: the same for every try and run of
/// one request, so a job whose answer was lost is found by it.
fn job_id(request: &JobRequest) -> String {
    let client_id: String = request
        .request_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("ftjob-{client_id}")
}

/// A Fireworks job: `SupervisedFineTuningJob` or `DpoJob` (whose training settings are in
/// `trainingConfig`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct FireworksJob {
    name: String,
    display_name: Option<String>,
    state: Option<String>,
    status: Option<RpcStatus>,
    create_time: Option<String>,
    update_time: Option<String>,
    completed_time: Option<String>,
    dataset: String,
    evaluation_dataset: Option<String>,
    #[serde(flatten)]
    config: TrainingConfig,
    training_config: Option<TrainingConfig>,
    loss_config: Option<Value>,
    job_progress: Option<JobProgress>,
}

/// What a job trains with: top level on a supervised job, `trainingConfig` on a DPO job.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct TrainingConfig {
    base_model: Option<String>,
    output_model: Option<String>,
    epochs: Option<u64>,
    learning_rate: Option<f64>,
    lora_rank: Option<u64>,
    max_context_length: Option<u64>,
    batch_size_samples: Option<u64>,
}

/// How far a job is (`jobProgress`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct JobProgress {
    percent: Option<f64>,
    epoch: Option<u64>,
}

/// Fireworks' job states (`gatewayJobState`), read as the common ones. A state nobody knows
/// yet is kept, lowercased.
fn common_status(state: &str) -> String {
    let state = state.strip_prefix("JOB_STATE_").unwrap_or(state);
    match state {
        "CREATING" | "VALIDATING" | "CREATING_INPUT_DATASET" | "UNSPECIFIED" => "validating_files",
        "PENDING" | "IDLE" => "queued",
        "RUNNING" | "WRITING_RESULTS" | "RE_QUEUEING" => "running",
        "COMPLETED" | "EARLY_STOPPED" => "succeeded",
        "FAILED" | "EXPIRED" => "failed",
        "CANCELLING" => "cancelling",
        // A deleted or archived job will not change again either.
        "CANCELLED" | "DELETING" | "DELETING_CLEANING_UP" | "DELETED" | "ARCHIVED" => "cancelled",
        "PAUSED" => "paused",
        other => return other.to_ascii_lowercase(),
    }
    .to_owned()
}

impl FireworksJob {
    fn into_job(self, account: &str) -> Job {
        let id = last_segment(&self.name).to_owned();
        let status = common_status(self.state.as_deref().unwrap_or_default());
        let dpo = self.training_config.is_some() || self.loss_config.is_some();
        let config = self.training_config.unwrap_or(self.config);
        let method = if dpo { "dpo" } else { "supervised" };
        let mut hyperparameters = json!({
            "n_epochs": config.epochs, "learning_rate": config.learning_rate,
            "lora_rank": config.lora_rank, "max_context_length": config.max_context_length,
            "batch_size": config.batch_size_samples,
        });
        if let Some(beta) = self.loss_config.as_ref().and_then(|l| l.get("klBeta")) {
            hyperparameters["beta"] = beta.clone();
        }
        let finished = matches!(status.as_str(), "succeeded" | "failed" | "cancelled");
        let output = config.output_model.clone().unwrap_or_else(|| id.clone());
        let output = if output.contains('/') {
            output
        } else {
            format!("accounts/{account}/models/{output}")
        };
        let time = |t: &Option<String>| t.as_deref().and_then(parse_rfc3339);
        Job {
            created_at: time(&self.create_time).unwrap_or_default(),
            error: (status == "failed").then(|| JobError {
                code: self.status.as_ref().and_then(|s| s.code.clone()),
                message: self.status.as_ref().and_then(|s| s.message.clone()),
                param: None,
            }),
            fine_tuned_model: (status == "succeeded").then_some(output),
            finished_at: if finished {
                time(&self.completed_time).or_else(|| time(&self.update_time))
            } else {
                None
            },
            method: Some(json!({"type": method, method: {"hyperparameters": hyperparameters}})),
            hyperparameters: Some(hyperparameters),
            model: config.base_model.unwrap_or_default(),
            status,
            trained_tokens: None,
            training_file: last_segment(&self.dataset).to_owned(),
            validation_file: self
                .evaluation_dataset
                .as_deref()
                .filter(|d| !d.is_empty())
                .map(|d| last_segment(d).to_owned()),
            result_files: Vec::new(),
            seed: None,
            estimated_finish: None,
            metadata: None,
            user_provided_suffix: self.display_name,
            id,
        }
    }

    /// What the job's state and progress say, as events oldest first: Fireworks' API has no
    /// job events of its own.
    fn events(&self) -> Vec<Event> {
        let id = last_segment(&self.name);
        let time = |t: &Option<String>| t.as_deref().and_then(parse_rfc3339).unwrap_or_default();
        let event =
            |kind: &str, at: i64, level: &str, message: String, data: Option<Value>| Event {
                id: format!("{id}:{kind}"),
                created_at: at,
                level: level.to_owned(),
                message,
                kind: Some("message".to_owned()),
                data,
            };
        let mut events = vec![event(
            "created",
            time(&self.create_time),
            "info",
            format!("Created fine-tuning job: {id}"),
            None,
        )];
        let status = common_status(self.state.as_deref().unwrap_or_default());
        if let Some(progress) = &self.job_progress
            && let Some(percent) = progress.percent.filter(|p| *p > 0.0)
        {
            let epoch = progress
                .epoch
                .map(|e| format!(", epoch {e}"))
                .unwrap_or_default();
            let mut found = event(
                &format!("progress-{percent}"),
                time(&self.update_time),
                "info",
                format!("Training: {percent}% done{epoch}"),
                Some(match progress.epoch {
                    Some(epoch) => json!({"epoch": epoch, "percent": percent}),
                    None => json!({"percent": percent}),
                }),
            );
            found.kind = Some("progress".to_owned());
            events.push(found);
        }
        let ended = time(&self.completed_time).max(time(&self.update_time));
        match status.as_str() {
            "succeeded" => events.push(event(
                "completed",
                ended,
                "info",
                "The job has successfully completed".to_owned(),
                None,
            )),
            "failed" => events.push(event(
                "failed",
                ended,
                "error",
                format!(
                    "The job failed: {}",
                    self.status
                        .as_ref()
                        .and_then(|s| s.message.clone())
                        .unwrap_or_else(|| "no reason given".to_owned())
                ),
                None,
            )),
            "cancelled" => events.push(event(
                "cancelled",
                ended,
                "info",
                "The job was cancelled".to_owned(),
                None,
            )),
            _ => {}
        }
        events
    }
}

/// The two job collections: supervised and preference (DPO).
const COLLECTIONS: [&str; 2] = ["supervisedFineTuningJobs", "dpoJobs"];

/// Fireworks AI's fine-tuning API.
#[derive(Debug)]
pub(super) struct Fireworks {
    transport: Transport,
    account: String,
}

impl Fireworks {
    /// The API at `config`, for the account `config.organization` names.
    pub(super) fn new(config: Config) -> Result<Self, ApiError> {
        let account = config
            .organization
            .clone()
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                ApiError::Other(format!(
                    "{FIREWORKS_ACCOUNT_ENV} is not set: export the Fireworks account id there (or pass --organization ACCOUNT)"
                ))
            })?;
        // The SDK takes the server root; a base URL copied from the inference or REST paths
        // would double them (`/v1/v1/accounts/…`) and every request answer 404.
        let root = config.base_url.trim_end_matches('/');
        if let Some(path) = ["/inference/v1", "/v1"]
            .into_iter()
            .find(|path| root.ends_with(path))
        {
            return Err(ApiError::Other(format!(
                "Fireworks AI's base URL is the server root ({}), without {path}: finetune adds the API's paths itself",
                &root[..root.len() - path.len()]
            )));
        }
        let auth = Auth::Bearer {
            organization_headers: false,
        };
        Ok(Self {
            transport: Transport::new(config, auth)?,
            account: account.trim().to_owned(),
        })
    }

    fn route(&self, rest: &str) -> String {
        format!("/v1/accounts/{}/{rest}", segment(&self.account))
    }

    fn dataset_route(&self, id: &str) -> String {
        self.route(&format!("datasets/{}", segment(id)))
    }

    fn dataset_name(&self, id: &str) -> String {
        format!("accounts/{}/datasets/{id}", self.account)
    }

    /// A dataset, or `None` where there is no such dataset.
    async fn dataset(&self, id: &str) -> Result<Option<Dataset>, ApiError> {
        match self.transport.get::<Dataset>(&self.dataset_route(id)).await {
            Ok(dataset) => Ok(Some(dataset)),
            Err(ApiError::Status(error)) if error.status == 404 => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every item of a list, following `nextPageToken`, under `key`.
    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        route: &str,
        key: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        let mut used = std::collections::HashSet::new();
        loop {
            let page: Value = self
                .transport
                .json(Method::GET, route, &|r| {
                    let r = r.query(&[
                        ("pageSize", PAGE_SIZE.to_string()),
                        ("orderBy", "createTime desc".to_owned()),
                    ]);
                    match &token {
                        Some(token) => r.query(&[("pageToken", token)]),
                        None => r,
                    }
                })
                .await?;
            if let Some(list) = page.get(key).cloned() {
                let list: Vec<T> = self.transport.decode(
                    &Method::GET,
                    route,
                    &serde_json::to_vec(&list).unwrap_or_default(),
                )?;
                items.extend(list);
            }
            // A server that hands back a token it gave before would be read forever.
            match page.get("nextPageToken").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && used.insert(next.to_owned()) => {
                    token = Some(next.to_owned());
                }
                _ => return Ok(items),
            }
        }
    }

    async fn files(&self) -> Result<Vec<FileObject>, ApiError> {
        let datasets: Vec<Dataset> = self.all(&self.route("datasets"), "datasets").await?;
        let mut files: Vec<FileObject> = datasets.into_iter().map(Dataset::into_file).collect();
        // Stable: within a second the server's newest-first order stands.
        files.sort_by_key(|f| std::cmp::Reverse(f.created_at));
        Ok(files)
    }

    async fn file(&self, id: &str) -> Result<FileObject, ApiError> {
        let dataset: Dataset = self.transport.get(&self.dataset_route(id)).await?;
        Ok(dataset.into_file())
    }

    async fn delete(&self, id: &str) -> Result<Deleted, ApiError> {
        let _: Value = self
            .transport
            .json(Method::DELETE, &self.dataset_route(id), &|r| r)
            .await?;
        Ok(Deleted {
            id: id.to_owned(),
            deleted: true,
        })
    }

    /// A dataset's content, through the signed URLs of `:getDownloadEndpoint`.
    async fn content(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let route = format!("{}:getDownloadEndpoint", self.dataset_route(id));
        let answer: Value = self.transport.get(&route).await?;
        let mut content = Vec::new();
        let urls = answer
            .get("filenameToSignedUrls")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for url in urls.values().filter_map(Value::as_str) {
            content.extend(self.transport.signed(Method::GET, url, &|| None).await?);
        }
        Ok(content)
    }

    /// Creates the dataset record, uploads `path` into it (directly, or through a signed URL
    /// above the direct-upload limit or when the direct upload is refused as too large), and
    /// waits until Fireworks has validated it.
    async fn upload(
        &self,
        path: &Path,
        filename: &str,
        progress: UploadProgress,
    ) -> Result<FileObject, ApiError> {
        let bytes = std::fs::metadata(path)
            .map(|m| m.len())
            .map_err(|source| ApiError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let id = dataset_id(filename, bytes);
        let body =
            json!({"datasetId": id, "dataset": {"displayName": filename, "userUploaded": {}}});
        self.transport
            .create_once::<Dataset, _>(
                &self.route("datasets"),
                &|r| r.json(&body),
                ("dataset", Some("finetune list-files")),
                || self.dataset(&id),
            )
            .await?;
        let direct = if needs_signed_url(bytes) {
            None
        } else {
            let route = format!("{}:upload", self.dataset_route(&id));
            let sent = self
                .transport
                .upload_file::<Dataset, _>(&route, (path, filename), &[], &progress, || async {
                    // After a lost answer: the upload went through if the dataset left
                    // `UPLOADING`.
                    Ok(self
                        .dataset(&id)
                        .await?
                        .filter(|d| d.state.as_deref().is_some_and(|s| s != "UPLOADING")))
                })
                .await;
            Some(sent)
        };
        match direct {
            Some(Ok(_)) => {}
            // Refused as too large (the limit may have changed): the signed URL takes it.
            Some(Err(ApiError::Status(error))) if error.status == 413 => {
                self.upload_signed(&id, path, filename, bytes, &progress)
                    .await?;
            }
            Some(Err(error)) => return Err(error),
            None => {
                self.upload_signed(&id, path, filename, bytes, &progress)
                    .await?;
            }
        }
        let mut file = self.validated(&id, filename).await?;
        file.bytes = bytes;
        Ok(file)
    }

    /// Puts the file to the signed URL `:getUploadEndpoint` hands out, then asks Fireworks to
    /// validate it.
    async fn upload_signed(
        &self,
        id: &str,
        path: &Path,
        filename: &str,
        bytes: u64,
        progress: &UploadProgress,
    ) -> Result<(), ApiError> {
        let route = format!("{}:getUploadEndpoint", self.dataset_route(id));
        let answer: Value = self
            .transport
            .post(
                &route,
                &json!({"filenameToSize": {filename: bytes.to_string()}}),
            )
            .await?;
        let url = answer
            .pointer("/filenameToSignedUrls")
            .and_then(|urls| urls.get(filename))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::Decode {
                method: "POST".to_owned(),
                path: route.clone(),
                message: format!("no signed URL for {filename} in the answer"),
            })?
            .to_owned();
        let sent = Arc::new(AtomicI64::new(0));
        self.transport
            .signed(Method::PUT, &url, &|| {
                Some(whole_file_body(path, bytes, progress, &sent))
            })
            .await?;
        let _: Value = self
            .transport
            .post(
                &format!("{}:validateUpload", self.dataset_route(id)),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    /// Waits until the dataset is `READY`: the file it names, or why Fireworks refused it.
    async fn validated(&self, id: &str, filename: &str) -> Result<FileObject, ApiError> {
        let started = tokio::time::Instant::now();
        let mut wait = VALIDATION_POLL.0;
        loop {
            let dataset: Dataset = self.transport.get(&self.dataset_route(id)).await?;
            let refused = dataset.status.as_ref().filter(|s| {
                s.code
                    .as_deref()
                    .is_some_and(|c| c != "OK" && !c.is_empty())
            });
            if let Some(status) = refused {
                return Err(ApiError::Other(format!(
                    "Fireworks AI did not accept {filename} (dataset {id}): {}",
                    status.message.as_deref().unwrap_or("no reason given")
                )));
            }
            if dataset.state.as_deref() == Some("READY") {
                return Ok(dataset.into_file());
            }
            if started.elapsed() > VALIDATION_TIMEOUT {
                return Err(ApiError::Other(format!(
                    "Fireworks AI has not validated {filename} (dataset {id}) after {} minutes: `finetune list-files` shows when it is ready",
                    VALIDATION_TIMEOUT.as_secs() / 60
                )));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(VALIDATION_POLL.1);
        }
    }

    /// The body of a job request, and the collection it is created in.
    fn create_body(&self, request: &JobRequest) -> Result<(&'static str, Value), ApiError> {
        let options = request.tuning_options();
        let refuse = |what: &str| Err(self.unsupported(what.to_owned()));
        let rank = match options.training_type {
            Some(TrainingType::Full) => {
                return refuse("train every weight (it trains LoRA adapters only)");
            }
            Some(TrainingType::Lora {
                dropout: Some(_), ..
            }) => return refuse("take a LoRA dropout (only the rank: --lora-r)"),
            // An alpha other than the default (twice the rank) was asked for: it has no field.
            Some(TrainingType::Lora { r, alpha, .. }) if alpha != 2 * r => {
                return refuse("take a LoRA alpha (only the rank: --lora-r)");
            }
            Some(TrainingType::Lora { r, .. }) => Some(r),
            None => None,
        };
        if options.n_checkpoints.is_some() {
            return refuse("take a number of checkpoints");
        }
        if request.seed.is_some() && !self.transport.config().provider.facts().job_seed {
            return refuse("take a seed");
        }
        let hyper = request.method.hyperparameters();
        let mut config = json!({"baseModel": request.model});
        if let Some(Hyper::Int(epochs)) = hyper.n_epochs {
            config["epochs"] = json!(epochs);
        }
        if let Some(Hyper::Int(batch)) = hyper.batch_size {
            config["batchSizeSamples"] = json!(batch);
        }
        if let Some(tokens) = options.max_context_length {
            config["maxContextLength"] = json!(tokens);
        }
        if let Some(rate) = options.learning_rate {
            config["learningRate"] = json!(rate);
        }
        if let Some(rank) = rank {
            config["loraRank"] = json!(rank);
        }
        if let Some(suffix) = &request.suffix {
            // The suffix names the model: unique within the account with the job's id.
            let tail: String = job_id(request)
                .chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let slug: String = suffix
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            config["outputModel"] = json!(format!("{}-{tail}", slug.trim_matches('-')));
        }
        let dataset = self.dataset_name(&request.training_file);
        let mut body = if request.method.kind == "dpo" {
            if request.validation_file.is_some() {
                return refuse("take an evaluation dataset for preference (DPO) jobs");
            }
            let mut loss = json!({"method": "DPO"});
            if let Some(Hyper::Number(beta)) = hyper.beta {
                loss["klBeta"] = json!(beta);
            }
            json!({"dataset": dataset, "trainingConfig": config, "lossConfig": loss})
        } else {
            let mut body = config;
            body["dataset"] = json!(dataset);
            if let Some(validation) = &request.validation_file {
                body["evaluationDataset"] = json!(self.dataset_name(validation));
            }
            body
        };
        if let Some(suffix) = &request.suffix {
            body["displayName"] = json!(suffix);
        }
        let collection = if request.method.kind == "dpo" {
            COLLECTIONS[1]
        } else {
            COLLECTIONS[0]
        };
        Ok((collection, body))
    }

    /// The query parameter that names a new job in `collection`.
    fn id_parameter(collection: &str) -> &'static str {
        if collection == COLLECTIONS[1] {
            "dpoJobId"
        } else {
            "supervisedFineTuningJobId"
        }
    }

    async fn create(&self, request: &JobRequest) -> Result<Job, ApiError> {
        let (collection, body) = self.create_body(request)?;
        let id = job_id(request);
        let route = self.route(collection);
        let parameter = Self::id_parameter(collection);
        let created = self
            .transport
            .create_once(
                &route,
                &|r| r.query(&[(parameter, id.as_str())]).json(&body),
                ("job", Some("finetune list-jobs")),
                || self.find(&id),
            )
            .await?;
        match created.answer {
            Answer::Found(job) => Ok(job),
            Answer::Body(answer) => Ok(self
                .transport
                .decode::<FireworksJob>(&Method::POST, &route, &answer)?
                .into_job(&self.account)),
        }
    }

    /// The job named `id` in either collection, or `None`.
    async fn find(&self, id: &str) -> Result<Option<Job>, ApiError> {
        Ok(self
            .raw_job(id)
            .await?
            .map(|(_, job)| job.into_job(&self.account)))
    }

    /// The job named `id` and its collection, or `None`.
    async fn raw_job(&self, id: &str) -> Result<Option<(&'static str, FireworksJob)>, ApiError> {
        for collection in COLLECTIONS {
            let route = self.route(&format!("{collection}/{}", segment(id)));
            match self.transport.get::<FireworksJob>(&route).await {
                Ok(job) => return Ok(Some((collection, job))),
                Err(ApiError::Status(error)) if error.status == 404 => {}
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    async fn job(&self, id: &str) -> Result<(&'static str, FireworksJob), ApiError> {
        self.raw_job(id).await?.ok_or_else(|| {
            ApiError::Other(format!(
                "Fireworks AI has no fine-tuning job {id} in account {} (`finetune list-jobs` lists them)",
                self.account
            ))
        })
    }

    async fn jobs(&self) -> Result<Vec<Job>, ApiError> {
        let mut jobs = Vec::new();
        for collection in COLLECTIONS {
            let found: Vec<FireworksJob> = self.all(&self.route(collection), collection).await?;
            jobs.extend(found.into_iter().map(|j| j.into_job(&self.account)));
        }
        // Stable: within a second the server's newest-first order stands.
        jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at));
        Ok(jobs)
    }

    async fn cancel(&self, id: &str) -> Result<Job, ApiError> {
        let (collection, _) = self.job(id).await?;
        let route = self.route(&format!("{collection}/{}:cancel", segment(id)));
        let _: Value = self.transport.post(&route, &json!({})).await?;
        Ok(self.job(id).await?.1.into_job(&self.account))
    }
}

/// Whether a file of `bytes` bytes goes through a signed URL rather than `:upload`.
fn needs_signed_url(bytes: u64) -> bool {
    bytes > DIRECT_UPLOAD_LIMIT
}

impl FineTuningApi for Fireworks {
    fn config(&self) -> &Config {
        self.transport.config()
    }

    fn list_files<'a>(&'a self, _purpose: Option<&'a str>) -> ApiFuture<'a, Vec<FileObject>> {
        // Every dataset is for fine-tuning.
        Box::pin(self.files())
    }

    fn retrieve_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, FileObject> {
        Box::pin(self.file(id))
    }

    fn delete_file<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Deleted> {
        Box::pin(self.delete(id))
    }

    fn file_content<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<u8>> {
        Box::pin(self.content(id))
    }

    fn upload_file<'a>(
        &'a self,
        path: &'a Path,
        filename: &'a str,
        progress: UploadProgress,
    ) -> ApiFuture<'a, FileObject> {
        Box::pin(self.upload(path, filename, progress))
    }

    fn create_job_since<'a>(
        &'a self,
        request: &'a JobRequest,
        _started: i64,
    ) -> ApiFuture<'a, Job> {
        Box::pin(self.create(request))
    }

    fn find_created<'a>(
        &'a self,
        request: &'a JobRequest,
        _started: i64,
    ) -> ApiFuture<'a, Option<Job>> {
        Box::pin(async move { self.find(&job_id(request)).await })
    }

    fn list_jobs<'a>(&'a self, limit: u32, after: Option<&'a str>) -> ApiFuture<'a, Page<Job>> {
        Box::pin(async move {
            let jobs = self.jobs().await?;
            Ok(page_of(jobs, limit, after, |job| &job.id))
        })
    }

    fn retrieve_job<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Job> {
        Box::pin(async move { Ok(self.job(id).await?.1.into_job(&self.account)) })
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
        Box::pin(async move { Ok(events_page(self.job(id).await?.1.events(), limit, after)) })
    }

    fn all_events<'a>(&'a self, id: &'a str) -> ApiFuture<'a, Vec<Event>> {
        Box::pin(async move { Ok(self.job(id).await?.1.events()) })
    }

    fn list_checkpoints<'a>(&'a self, _id: &'a str) -> ApiFuture<'a, Vec<Checkpoint>> {
        let error =
            self.unsupported("list a job's checkpoints (its API publishes none)".to_owned());
        Box::pin(async move { Err(error) })
    }

    fn job_metrics<'a>(&'a self, _job: &'a Job) -> ApiFuture<'a, Option<(String, Vec<u8>)>> {
        let error = self.unsupported(
            "report a job's losses through its API (the Fireworks console and its Weights & Biases integration show them)"
                .to_owned(),
        );
        Box::pin(async move { Err(error) })
    }

    fn chat<'a>(
        &'a self,
        model: &'a str,
        messages: Vec<ChatMessage>,
    ) -> ApiFuture<'a, ChatCompletion> {
        Box::pin(chat(
            &self.transport,
            "/inference/v1/chat/completions",
            model,
            messages,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TuningOptions;
    use crate::api::types::{Hyperparameters, MethodSpec, ProviderOptions};

    fn fireworks() -> Fireworks {
        let mut config = Config::for_provider(
            crate::provider::Provider::Fireworks,
            "http://127.0.0.1:9",
            crate::api::ApiKey::new("fw-x"),
        );
        config.organization = Some("acme".to_owned());
        Fireworks::new(config).unwrap()
    }

    fn request() -> JobRequest {
        JobRequest {
            model: "accounts/fireworks/models/llama-v3p1-8b-instruct".into(),
            training_file: "file-train-100-abcdef".into(),
            validation_file: Some("file-valid-50-ghijkl".into()),
            suffix: Some("Sarcasm".into()),
            seed: None,
            method: MethodSpec::supervised(Hyperparameters {
                n_epochs: Some(Hyper::Int(2)),
                ..Hyperparameters::default()
            }),
            request_id: "AbC123xyz".into(),
            options: ProviderOptions::Tuning(TuningOptions {
                training_type: Some(TrainingType::Lora {
                    r: 16,
                    alpha: 32,
                    dropout: None,
                }),
                learning_rate: Some(1e-4),
                n_checkpoints: None,
                n_evals: None,
                max_context_length: Some(4096),
            }),
        }
    }

    #[test]
    fn a_job_request_speaks_fireworks_shape() {
        let (collection, body) = fireworks().create_body(&request()).unwrap();
        assert_eq!(collection, "supervisedFineTuningJobs");
        assert_eq!(
            body,
            json!({
                "baseModel": "accounts/fireworks/models/llama-v3p1-8b-instruct",
                "dataset": "accounts/acme/datasets/file-train-100-abcdef",
                "evaluationDataset": "accounts/acme/datasets/file-valid-50-ghijkl",
                "epochs": 2, "learningRate": 1e-4, "loraRank": 16, "maxContextLength": 4096,
                "outputModel": "sarcasm-123xyz", "displayName": "Sarcasm",
            })
        );
        let mut dpo = request();
        dpo.validation_file = None;
        dpo.method = MethodSpec::dpo(Hyperparameters {
            beta: Some(Hyper::Number(0.1)),
            ..Hyperparameters::default()
        });
        let (collection, body) = fireworks().create_body(&dpo).unwrap();
        assert_eq!(collection, "dpoJobs");
        assert_eq!(body["lossConfig"], json!({"method": "DPO", "klBeta": 0.1}));
        assert_eq!(body["trainingConfig"]["loraRank"], json!(16));
    }

    #[test]
    fn what_fireworks_does_not_take_is_refused_not_dropped() {
        let mut full = request();
        full.options = ProviderOptions::Tuning(TuningOptions {
            training_type: Some(TrainingType::Full),
            ..TuningOptions::default()
        });
        let error = fireworks().create_body(&full).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Fireworks AI cannot train every weight (it trains LoRA adapters only)"
        );
        let mut seeded = request();
        seeded.seed = Some(7);
        assert!(matches!(
            fireworks().create_body(&seeded),
            Err(ApiError::Unsupported { .. })
        ));
        // An alpha asked for (not the default twice the rank) has nowhere to go.
        let mut alpha = request();
        alpha.options = ProviderOptions::Tuning(TuningOptions {
            training_type: Some(TrainingType::Lora {
                r: 16,
                alpha: 64,
                dropout: None,
            }),
            ..TuningOptions::default()
        });
        let error = fireworks().create_body(&alpha).unwrap_err();
        assert!(error.to_string().contains("LoRA alpha"), "{error}");
    }

    #[test]
    fn job_ids_come_from_the_request_and_datasets_carry_their_size() {
        assert_eq!(job_id(&request()), "ftjob-abc123xyz");
        let id = dataset_id("My Data.v2.jsonl", 4512);
        assert!(id.starts_with("file-my-data-v2-jsonl-4512-"), "{id}");
        assert!(id.len() <= 63);
        assert_eq!(bytes_of(&id), 4512);
        assert_eq!(bytes_of("someone-elses-dataset"), 0);
        assert!(needs_signed_url(DIRECT_UPLOAD_LIMIT + 1));
        assert!(!needs_signed_url(DIRECT_UPLOAD_LIMIT));
    }

    #[test]
    fn states_read_as_the_common_ones() {
        for (state, common) in [
            ("JOB_STATE_VALIDATING", "validating_files"),
            ("JOB_STATE_PENDING", "queued"),
            ("JOB_STATE_RUNNING", "running"),
            ("JOB_STATE_COMPLETED", "succeeded"),
            ("JOB_STATE_EARLY_STOPPED", "succeeded"),
            ("JOB_STATE_FAILED", "failed"),
            ("JOB_STATE_CANCELLED", "cancelled"),
            ("JOB_STATE_SOMETHING_NEW", "something_new"),
        ] {
            assert_eq!(common_status(state), common);
        }
        let job: FireworksJob = serde_json::from_value(json!({
            "name": "accounts/acme/supervisedFineTuningJobs/ftjob-1",
            "state": "JOB_STATE_COMPLETED", "createTime": "2026-11-07T05:31:56Z",
            "completedTime": "2026-11-07T06:00:00.5Z",
            "dataset": "accounts/acme/datasets/file-a-10-xxxxxx", "baseModel": "m",
            "outputModel": "sarcasm-abc", "jobProgress": {"percent": 100, "epoch": 2},
            "brandNewField": true,
        }))
        .unwrap();
        let events = job.events();
        let job = job.into_job("acme");
        assert_eq!(job.status, "succeeded");
        assert_eq!(job.training_file, "file-a-10-xxxxxx");
        assert_eq!(
            job.fine_tuned_model.as_deref(),
            Some("accounts/acme/models/sarcasm-abc")
        );
        assert_eq!(events.len(), 3);
        assert!(events[0].message.starts_with("Created fine-tuning job"));
        assert!(events[2].message.contains("successfully completed"));
    }
}
