//! Fireworks AI's dialect of the stand-in: datasets (create, `:upload`, a signed upload URL
//! with `:getUploadEndpoint` and `:validateUpload`, download), supervised and DPO jobs named
//! by their clients, and chat at `/inference/v1/chat/completions`, in the shapes of Fireworks'
//! API reference, over the same simulated jobs as the OpenAI dialect.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Answer, Field, Outcome, Refusal, SimJob, StudyRequest, World};
use crate::api::format_rfc3339;
use crate::dataset::Method;

use super::super::Options;
use super::super::routes::unix_now;

/// Items per page of a list when the client asks for no size, and the most it may ask for.
const PAGE_SIZES: (usize, usize) = (50, 200);

/// A dataset record; its content, once uploaded, is the world's file of the same id.
pub(crate) struct StoredDataset {
    id: String,
    display_name: String,
    created_at: i64,
    /// When validation ends; `None` until content arrived.
    ready_at: Option<Instant>,
    /// Content put to the signed URL, waiting for `:validateUpload`.
    signed: Option<Vec<u8>>,
}

/// What a request to the Fireworks dialect needs beyond the world.
pub(crate) struct FireworksContext<'a> {
    /// The largest body `:upload` takes.
    pub upload_limit: u64,
    /// Where signed URLs point: the stand-in's own origin.
    pub origin: &'a str,
}

/// The gRPC code names Fireworks' gateway answers with, by HTTP status.
pub(crate) fn grpc_code(status: u16) -> u32 {
    match status {
        400 | 413 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        429 => 8,
        503 => 14,
        _ => 13,
    }
}

impl World {
    /// The check of a training file that creating a Fireworks job needs.
    pub(crate) fn fireworks_study_request(
        &self,
        method: &str,
        route: &str,
        body: &Value,
    ) -> Option<StudyRequest> {
        let collection = route.trim_matches('/').rsplit('/').next()?;
        let method = match (method, collection) {
            ("POST", "supervisedFineTuningJobs") => Method::Supervised,
            ("POST", "dpoJobs") => Method::Dpo,
            _ => return None,
        };
        let dataset = body.get("dataset").and_then(Value::as_str)?;
        let model = body
            .get("baseModel")
            .or_else(|| body.pointer("/trainingConfig/baseModel"))
            .and_then(Value::as_str)?;
        self.study_of(last(dataset), model, method)
    }

    /// Answers one request to `route` (the path below the stand-in's `/fireworks`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dispatch_fireworks(
        &mut self,
        options: &Options,
        context: &FireworksContext<'_>,
        method: &str,
        route: &str,
        query: &HashMap<String, String>,
        body: &Value,
        mut fields: HashMap<String, Field>,
    ) -> Outcome {
        self.advance(options);
        let none = HashMap::new();
        if (method, route) == ("POST", "/inference/v1/chat/completions") {
            return self.dispatch(options, "POST", "/chat/completions", &none, body, fields);
        }
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        let (account, rest) = match segments.as_slice() {
            ["v1", "accounts", account, rest @ ..] => (*account, rest),
            _ => return Err(not_found(method, route)),
        };
        // A custom method is the last segment's `:verb`.
        let (rest, verb) = match rest.split_last() {
            Some((tail, head)) => match tail.split_once(':') {
                Some((id, verb)) => ([head, &[id]].concat(), Some(verb)),
                None => (rest.to_vec(), None),
            },
            None => (Vec::new(), None),
        };
        match (method, rest.as_slice(), verb) {
            ("POST", ["datasets"], None) => self.create_dataset(account, body),
            ("GET", ["datasets"], None) => {
                let items: Vec<Value> = self
                    .datasets
                    .iter()
                    .rev()
                    .map(|d| self.dataset_json(account, d))
                    .collect();
                Ok(Answer::Json(list("datasets", items, query)))
            }
            ("GET", ["datasets", id], None) => {
                let dataset = self.dataset(id)?;
                Ok(Answer::Json(self.dataset_json(account, dataset)))
            }
            ("DELETE", ["datasets", id], None) => {
                self.dataset(id)?;
                self.datasets.retain(|d| d.id != *id);
                self.files.retain(|f| f.id != *id);
                Ok(Answer::Json(json!({})))
            }
            ("POST", ["datasets", id], Some("upload")) => {
                let file = fields.remove("file").ok_or_else(|| {
                    Refusal::bad("the multipart field `file` is missing", Some("file"))
                })?;
                if file.data.len() as u64 > context.upload_limit {
                    return Err(Refusal::status(
                        413,
                        format!(
                            "the file holds {} bytes, above the {} bytes :upload takes: use :getUploadEndpoint",
                            file.data.len(),
                            context.upload_limit
                        ),
                    ));
                }
                let bytes = file.data.len();
                let name = self.receive(id, file.data, options.tick)?;
                Ok(Answer::Json(json!({
                    "id": id, "object": "file", "bytes": bytes, "created_at": unix_now(),
                    "filename": name, "purpose": "fine-tune",
                })))
            }
            ("POST", ["datasets", id], Some("getUploadEndpoint")) => {
                self.dataset(id)?;
                let sizes = body
                    .get("filenameToSize")
                    .and_then(Value::as_object)
                    .filter(|s| s.len() == 1)
                    .ok_or_else(|| {
                        Refusal::bad(
                            "filenameToSize must name exactly one file",
                            Some("filenameToSize"),
                        )
                    })?;
                let urls: serde_json::Map<String, Value> = sizes
                    .keys()
                    .map(|name| {
                        let url = format!(
                            "{}/_standin/storage/{id}?signature=standin{}",
                            context.origin,
                            unix_now()
                        );
                        (name.clone(), json!(url))
                    })
                    .collect();
                Ok(Answer::Json(json!({"filenameToSignedUrls": urls})))
            }
            ("POST", ["datasets", id], Some("validateUpload")) => {
                let signed = self
                    .datasets
                    .iter_mut()
                    .find(|d| d.id == *id)
                    .ok_or_else(|| missing("dataset", id))?
                    .signed
                    .take()
                    .ok_or_else(|| {
                        Refusal::bad(
                            format!("nothing was uploaded to the signed URL of dataset {id}"),
                            None,
                        )
                    })?;
                self.receive(id, signed, options.tick)?;
                Ok(Answer::Json(json!({})))
            }
            ("GET", ["datasets", id], Some("getDownloadEndpoint")) => {
                let dataset = self.dataset(id)?;
                let url = format!("{}/_standin/storage/{id}", context.origin);
                Ok(Answer::Json(
                    json!({"filenameToSignedUrls": {dataset.display_name.clone(): url}}),
                ))
            }
            ("POST", [collection @ ("supervisedFineTuningJobs" | "dpoJobs")], None) => {
                self.create_fireworks_job(options, account, collection, query, body)
            }
            ("GET", [collection @ ("supervisedFineTuningJobs" | "dpoJobs")], None) => {
                let items: Vec<Value> = self
                    .jobs
                    .iter()
                    .rev()
                    .filter(|job| collection_of(job) == *collection)
                    .map(|job| self.fireworks_job_json(account, job))
                    .collect();
                Ok(Answer::Json(list(collection, items, query)))
            }
            ("GET", [collection @ ("supervisedFineTuningJobs" | "dpoJobs"), id], None) => {
                let job = self.fireworks_job(collection, id)?;
                Ok(Answer::Json(self.fireworks_job_json(account, job)))
            }
            (
                "POST",
                [collection @ ("supervisedFineTuningJobs" | "dpoJobs"), id],
                Some("cancel"),
            ) => {
                self.fireworks_job(collection, id)?;
                self.job_action(options, id, "cancel")?;
                Ok(Answer::Json(json!({})))
            }
            _ => Err(not_found(method, route)),
        }
    }

    /// Content for the signed URL of dataset `id`: kept until `:validateUpload`.
    pub(crate) fn put_signed(&mut self, id: &str, content: Vec<u8>) -> Result<(), Refusal> {
        let dataset = self
            .datasets
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| missing("dataset", id))?;
        dataset.signed = Some(content);
        Ok(())
    }

    /// The content of dataset `id`, for its download URL.
    pub(crate) fn dataset_content(&self, id: &str) -> Result<Vec<u8>, Refusal> {
        self.file(id)
            .map(|f| f.content.to_vec())
            .map_err(|_| missing("dataset", id))
    }

    fn dataset(&self, id: &str) -> Result<&StoredDataset, Refusal> {
        self.datasets
            .iter()
            .find(|d| d.id == id)
            .ok_or_else(|| missing("dataset", id))
    }

    fn create_dataset(&mut self, account: &str, body: &Value) -> Outcome {
        let id = body
            .get("datasetId")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad("datasetId is required", Some("datasetId")))?;
        let valid = !id.is_empty()
            && id.len() <= 63
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(Refusal::bad(
                format!("datasetId {id:?} must be 1 to 63 lowercase letters, digits or hyphens"),
                Some("datasetId"),
            ));
        }
        if self.datasets.iter().any(|d| d.id == id) {
            return Err(Refusal::status(
                409,
                format!("dataset accounts/{account}/datasets/{id} already exists"),
            ));
        }
        let display_name = body
            .pointer("/dataset/displayName")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned();
        self.datasets.push(StoredDataset {
            id: id.to_owned(),
            display_name,
            created_at: unix_now(),
            ready_at: None,
            signed: None,
        });
        let dataset = self.datasets.last().expect("just pushed");
        Ok(Answer::Json(self.dataset_json(account, dataset)))
    }

    /// Takes `content` as dataset `id`'s, validated one tick later: its display name.
    fn receive(&mut self, id: &str, content: Vec<u8>, tick: Duration) -> Result<String, Refusal> {
        let dataset = self
            .datasets
            .iter_mut()
            .find(|d| d.id == id)
            .ok_or_else(|| missing("dataset", id))?;
        if dataset.ready_at.is_some() {
            return Err(Refusal::bad(
                format!("dataset {id} already holds its content"),
                None,
            ));
        }
        dataset.ready_at = Some(Instant::now() + tick);
        let name = dataset.display_name.clone();
        let created_at = dataset.created_at;
        self.files.push(super::StoredFile {
            id: id.to_owned(),
            filename: name.clone(),
            purpose: "fine-tune".to_owned(),
            created_at,
            content: Arc::new(content),
        });
        Ok(name)
    }

    /// A dataset as Fireworks shows it (`Dataset`).
    fn dataset_json(&self, account: &str, dataset: &StoredDataset) -> Value {
        let ready = dataset.ready_at.is_some_and(|at| Instant::now() >= at);
        let examples = self.file(&dataset.id).map_or(0, |f| {
            f.content
                .split(|b| *b == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .count()
        });
        json!({
            "name": format!("accounts/{account}/datasets/{}", dataset.id),
            "displayName": dataset.display_name,
            "createTime": format_rfc3339(dataset.created_at),
            "updateTime": format_rfc3339(dataset.created_at),
            "state": if ready { "READY" } else { "UPLOADING" },
            "status": {"code": "OK", "message": ""},
            "exampleCount": examples.to_string(),
            "userUploaded": {},
            "format": "CHAT",
        })
    }

    fn fireworks_job(&self, collection: &str, id: &str) -> Result<&SimJob, Refusal> {
        self.jobs
            .iter()
            .find(|j| j.id == id && collection_of(j) == collection)
            .ok_or_else(|| missing("job", id))
    }

    fn create_fireworks_job(
        &mut self,
        options: &Options,
        account: &str,
        collection: &str,
        query: &HashMap<String, String>,
        body: &Value,
    ) -> Outcome {
        let dpo = collection == "dpoJobs";
        let parameter = if dpo {
            "dpoJobId"
        } else {
            "supervisedFineTuningJobId"
        };
        let id = match query.get(parameter) {
            Some(id) => id.clone(),
            None => self.id("ftjob-"),
        };
        if self.jobs.iter().any(|j| j.id == id) {
            return Err(Refusal::status(
                409,
                format!("job accounts/{account}/{collection}/{id} already exists"),
            ));
        }
        let config = if dpo {
            body.get("trainingConfig").cloned().unwrap_or(Value::Null)
        } else {
            body.clone()
        };
        let dataset = body
            .get("dataset")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad("dataset is required", Some("dataset")))?;
        let model = config
            .get("baseModel")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad("baseModel is required", Some("baseModel")))?;
        let kind = if dpo { "dpo" } else { "supervised" };
        let mut hyperparameters =
            json!({"n_epochs": config.get("epochs").and_then(Value::as_u64).unwrap_or(1)});
        if let Some(batch) = config.get("batchSizeSamples").filter(|b| b.is_u64()) {
            hyperparameters["batch_size"] = batch.clone();
        }
        if let Some(beta) = body.pointer("/lossConfig/klBeta") {
            hyperparameters["beta"] = beta.clone();
        }
        let output = config
            .get("outputModel")
            .and_then(Value::as_str)
            .unwrap_or(&id);
        let mut common = json!({
            "id": id, "model": model, "training_file": last(dataset),
            "method": {"type": kind, kind: {"hyperparameters": hyperparameters}},
            "fireworks": {
                "output_model": format!("accounts/{account}/models/{output}"),
                "learning_rate": config.get("learningRate"), "lora_rank": config.get("loraRank"),
                "max_context_length": config.get("maxContextLength"),
                "collection": collection,
            },
        });
        if let Some(validation) = body.get("evaluationDataset").and_then(Value::as_str) {
            common["validation_file"] = json!(last(validation));
        }
        if let Some(name) = body.get("displayName").and_then(Value::as_str) {
            common["suffix"] = json!(name);
        }
        let none = HashMap::new();
        self.dispatch(
            options,
            "POST",
            "/fine_tuning/jobs",
            &none,
            &common,
            HashMap::new(),
        )?;
        let job = self.fireworks_job(collection, &id)?;
        Ok(Answer::Json(self.fireworks_job_json(account, job)))
    }

    /// A job as Fireworks shows it (`SupervisedFineTuningJob` or `DpoJob`).
    fn fireworks_job_json(&self, account: &str, job: &SimJob) -> Value {
        let state = match job.status {
            "validating_files" => "JOB_STATE_VALIDATING",
            "queued" => "JOB_STATE_PENDING",
            "succeeded" => "JOB_STATE_COMPLETED",
            "failed" => "JOB_STATE_FAILED",
            "cancelled" => "JOB_STATE_CANCELLED",
            _ => "JOB_STATE_RUNNING",
        };
        let status = if job.status == "failed" {
            json!({"code": "INVALID_ARGUMENT", "message": job.error["message"]})
        } else {
            json!({"code": "OK", "message": ""})
        };
        let total = job.total_steps().max(1);
        let steps = job.played.saturating_sub(4).min(total);
        let extra = &job.extra;
        let dataset = |id: &str| format!("accounts/{account}/datasets/{id}");
        let mut config = json!({
            "baseModel": job.model, "outputModel": self.model_name(job),
            "epochs": job.epochs,
            "learningRate": extra.get("learning_rate").filter(|v| !v.is_null()).cloned().unwrap_or(json!(0.0001)),
            "loraRank": extra.get("lora_rank").filter(|v| !v.is_null()).cloned().unwrap_or(json!(8)),
            "maxContextLength": extra.get("max_context_length").filter(|v| !v.is_null()).cloned().unwrap_or(json!(8192)),
            "batchSizeSamples": job.hyperparameters["batch_size"],
        });
        let collection = collection_of(job);
        let mut value = json!({
            "name": format!("accounts/{account}/{collection}/{}", job.id),
            "createTime": format_rfc3339(job.created_at),
            "updateTime": format_rfc3339(job.finished_at.unwrap_or_else(unix_now)),
            "state": state, "status": status, "createdBy": "standin@example.com",
            "dataset": dataset(&job.training_file),
            "jobProgress": {
                "percent": steps * 100 / total,
                "epoch": (steps / job.steps_per_epoch.max(1)).min(job.epochs),
            },
        });
        if let Some(finished) = job.finished_at {
            value["completedTime"] = json!(format_rfc3339(finished));
        }
        if let Some(suffix) = &job.suffix {
            value["displayName"] = json!(suffix);
        }
        if collection == "dpoJobs" {
            value["trainingConfig"] = config;
            value["lossConfig"] = json!({"method": "DPO", "klBeta": job.hyperparameters["beta"]});
        } else if let (Some(config), Some(object)) = (config.as_object_mut(), value.as_object_mut())
        {
            object.append(config);
            if let Some(file) = &job.validation_file {
                object.insert("evaluationDataset".to_owned(), json!(dataset(file)));
            }
        }
        value
    }
}

/// The collection a simulated job was created in.
fn collection_of(job: &SimJob) -> &str {
    job.extra["collection"]
        .as_str()
        .unwrap_or("supervisedFineTuningJobs")
}

/// The last segment of a resource name.
fn last(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// One page of `items` under `key`, from the offset `pageToken` holds.
fn list(key: &str, items: Vec<Value>, query: &HashMap<String, String>) -> Value {
    let start = query
        .get("pageToken")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let size = query
        .get("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(PAGE_SIZES.0)
        .clamp(1, PAGE_SIZES.1);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    let next = if start + page.len() < total {
        (start + page.len()).to_string()
    } else {
        String::new()
    };
    json!({key: page, "nextPageToken": next, "totalSize": total})
}

fn missing(what: &str, id: &str) -> Refusal {
    Refusal::status(404, format!("{what} {id} not found"))
}

fn not_found(method: &str, route: &str) -> Refusal {
    Refusal::status(404, format!("Not Found: {method} {route}"))
}
