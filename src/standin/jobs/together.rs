//! Together AI's dialect of the stand-in: `/files/upload`, `/fine-tunes`, the price estimate,
//! metrics and model limits, in the shapes of Together's OpenAPI description, over the same
//! simulated jobs as the OpenAI dialect.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Answer, Field, Outcome, Refusal, SimJob, StudyKey, World};
use crate::api::{Provider, format_rfc3339};
use crate::cost::PriceTable;
use crate::dataset::Method;

use super::super::Options;
use super::super::routes::unix_now;

/// The stand-in's own training prices, US dollars per million tokens (not Together's).
const LORA_USD_PER_MILLION: f64 = 0.5;
const FULL_USD_PER_MILLION: f64 = 0.6;
/// The most epochs a Together job trains.
const MAX_EPOCHS: u64 = 20;
/// The spending limit every stand-in account has.
const USER_LIMIT_USD: f64 = 100.0;

impl World {
    /// Answers one request to `route` (the path below Together's `/v1`).
    pub(crate) fn dispatch_together(
        &mut self,
        options: &Options,
        method: &str,
        route: &str,
        query: &HashMap<String, String>,
        body: &Value,
        mut fields: HashMap<String, Field>,
    ) -> Outcome {
        self.advance(options);
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        let none: HashMap<String, String> = HashMap::new();
        match (method, segments.as_slice()) {
            ("POST", ["files", "upload"]) => {
                if let Some(name) = fields.remove("file_name")
                    && let Some(file) = fields.get_mut("file")
                {
                    file.filename = Some(String::from_utf8_lossy(&name.data).into_owned());
                } else {
                    return Err(Refusal::bad(
                        "Missing required parameter: 'file_name'.",
                        Some("file_name"),
                    ));
                }
                fields.remove("file_type");
                let created =
                    self.dispatch(options, "POST", "/files", &none, &Value::Null, fields)?;
                Ok(Answer::Json(file_json(&created)))
            }
            ("GET", ["files"]) => {
                let query = HashMap::from([("limit".to_owned(), "10000".to_owned())]);
                let listed = self.dispatch(
                    options,
                    "GET",
                    "/files",
                    &query,
                    &Value::Null,
                    HashMap::new(),
                )?;
                let Answer::Json(page) = listed else {
                    unreachable!("a list is JSON")
                };
                let data: Vec<Value> = page["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| file_json(&Answer::Json(f.clone())))
                    .collect();
                Ok(Answer::Json(json!({"data": data})))
            }
            ("GET", ["files", _]) => {
                let file =
                    self.dispatch(options, method, route, &none, &Value::Null, HashMap::new())?;
                Ok(Answer::Json(file_json(&file)))
            }
            ("DELETE", ["files", id]) => {
                self.dispatch(options, method, route, &none, &Value::Null, HashMap::new())?;
                Ok(Answer::Json(json!({"id": id, "deleted": true})))
            }
            ("GET", ["files", _, "content"]) => {
                self.dispatch(options, method, route, &none, &Value::Null, HashMap::new())
            }
            ("POST", ["fine-tunes"]) => {
                let common = common_request(body)?;
                let created = self.dispatch(
                    options,
                    "POST",
                    "/fine_tuning/jobs",
                    &none,
                    &common,
                    HashMap::new(),
                )?;
                let Answer::Json(created) = created else {
                    unreachable!("a job is JSON")
                };
                let id = created["id"].as_str().unwrap_or_default();
                Ok(Answer::Json(self.job_json(self.job(id)?)))
            }
            ("GET", ["fine-tunes"]) => {
                let data: Vec<Value> = self.jobs.iter().rev().map(|j| self.job_json(j)).collect();
                Ok(Answer::Json(json!({"data": data})))
            }
            ("POST", ["fine-tunes", "estimate-price"]) => self.estimate_price(body),
            ("GET", ["fine-tunes", "models", "supported"]) => {
                let models: Vec<String> = together_models().map(|(name, _)| name).collect();
                Ok(Answer::Json(json!({"models": models})))
            }
            ("GET", ["fine-tunes", "models", "limits"]) => {
                let name = query.get("model_name").cloned().unwrap_or_default();
                together_models()
                    .find(|(model, _)| *model == name)
                    .map(|(model, _)| Answer::Json(limits(&model)))
                    .ok_or_else(|| Refusal::missing("model", &name))
            }
            ("GET", ["fine-tunes", id]) => Ok(Answer::Json(self.job_json(self.job(id)?))),
            ("POST", ["fine-tunes", id, "cancel"]) => {
                self.job_action(options, id, "cancel")?;
                Ok(Answer::Json(self.job_json(self.job(id)?)))
            }
            ("GET", ["fine-tunes", id, "events"]) => {
                let job = self.job(id)?;
                Ok(Answer::Json(json!({"data": self.events_json(job)})))
            }
            ("GET", ["fine-tunes", id, "checkpoints"]) => {
                let job = self.job(id)?;
                let total = job.total_steps();
                let data: Vec<Value> = job
                    .checkpoints
                    .iter()
                    .rev()
                    .map(|c| {
                        let step = c["step_number"].as_u64().unwrap_or_default();
                        json!({
                            "step": step,
                            "path": c["fine_tuned_model_checkpoint"],
                            "created_at": format_rfc3339(c["created_at"].as_i64().unwrap_or_default()),
                            "checkpoint_type": if step == total { "Final" } else { "Intermediate" },
                        })
                    })
                    .collect();
                Ok(Answer::Json(json!({"data": data})))
            }
            ("GET", ["fine-tunes", id, "metrics"]) => {
                let job = self.job(id)?;
                let mut metrics = Vec::new();
                for event in &job.events {
                    let Some(data) = event.get("data") else {
                        continue;
                    };
                    metrics.push(json!({
                        "train/loss": data["train_loss"], "train/global_step": data["step"],
                    }));
                    if let Some(valid) = data.get("valid_loss") {
                        metrics.push(json!({"eval/loss": valid, "eval/global_step": data["step"]}));
                    }
                }
                Ok(Answer::Json(json!({"metrics": metrics})))
            }
            ("POST", ["chat", "completions"]) => {
                // OpenAI's answer in Together's shape: the prompt echoed (empty unless
                // asked for), no OpenAI-only message fields.
                let mut answer =
                    self.dispatch(options, method, route, &none, body, HashMap::new())?;
                if let Answer::Json(value) = &mut answer {
                    value["prompt"] = json!([]);
                    for choice in value["choices"].as_array_mut().into_iter().flatten() {
                        if let Some(choice) = choice.as_object_mut() {
                            choice.remove("logprobs");
                        }
                        if let Some(message) = choice["message"].as_object_mut() {
                            message.retain(|key, _| matches!(key.as_str(), "role" | "content"));
                        }
                    }
                }
                Ok(answer)
            }
            _ => Err(Refusal {
                status: 404,
                message: format!("Invalid URL ({method} /v1{route})"),
                param: None,
                code: None,
            }),
        }
    }

    /// A job as Together shows it (`FinetuneResponse`).
    fn job_json(&self, job: &SimJob) -> Value {
        let status = match job.status {
            "validating_files" => "pending",
            "queued" => "queued",
            "succeeded" => "completed",
            "failed" => "error",
            "cancelled" => "cancelled",
            _ => "running",
        };
        let extra = &job.extra;
        let training_method = if job.method == "dpo" {
            json!({"method": "dpo", "dpo_beta": job.hyperparameters["beta"]})
        } else {
            json!({"method": "sft", "train_on_inputs": false})
        };
        let mut value = json!({
            "id": job.id, "status": status,
            "created_at": format_rfc3339(job.created_at),
            "updated_at": format_rfc3339(job.finished_at.unwrap_or_else(unix_now)),
            "training_file": job.training_file, "model": job.model,
            "model_output_name": self.model_name(job),
            "n_epochs": job.epochs, "n_checkpoints": extra.get("n_checkpoints").cloned().unwrap_or(json!(1)),
            "n_evals": extra.get("n_evals").cloned().unwrap_or(json!(0)),
            "batch_size": job.hyperparameters["batch_size"],
            "learning_rate": extra.get("learning_rate").cloned().unwrap_or(json!(0.00001)),
            "training_method": training_method,
            "training_type": extra.get("training_type").cloned().unwrap_or(json!({"type": "Lora", "lora_r": 8, "lora_alpha": 16})),
            "token_count": job.trained_tokens.unwrap_or(job.training.tokens_per_epoch * job.epochs),
            "epochs_completed": (job.played.saturating_sub(4) / job.steps_per_epoch.max(1)).min(job.epochs),
        });
        if let Some(file) = &job.validation_file {
            value["validation_file"] = json!(file);
        }
        if let Some(suffix) = &job.suffix {
            value["suffix"] = json!(suffix);
        }
        value["random_seed"] = json!(job.seed);
        value
    }

    /// A job's events as Together shows them (`FineTuneEvent`), oldest first. Step metrics
    /// are Together's `/metrics`, not events; an epoch's end is.
    fn events_json(&self, job: &SimJob) -> Vec<Value> {
        let total = job.total_steps();
        job.events
            .iter()
            .filter_map(|event| {
                let message = event["message"].as_str().unwrap_or_default();
                let data = event.get("data");
                let step = data
                    .and_then(|d| d["step"].as_u64())
                    .unwrap_or_default();
                let kind = match message {
                    _ if data.is_some() => {
                        if step % job.steps_per_epoch.max(1) != 0 {
                            return None;
                        }
                        "epoch_complete"
                    }
                    m if m.starts_with("Created") => "job_pending",
                    m if m.starts_with("Validating") => "training_data_downloading",
                    m if m.starts_with("Files validated") => "training_data_download_complete",
                    m if m.contains("started") || m.contains("resumed") => "training_start",
                    m if m.starts_with("Checkpoint") => "checkpoint_save",
                    m if m.starts_with("New fine-tuned model") => "model_upload_complete",
                    m if m.contains("successfully completed") => "job_complete",
                    m if m.contains("cancelled") => "job_stopped",
                    _ if event["level"] == "error" => "job_error",
                    _ => "warning",
                };
                let message = if kind == "epoch_complete" {
                    format!(
                        "Epoch completed, at step {step} (training loss {:.2})",
                        data.and_then(|d| d["train_loss"].as_f64()).unwrap_or_default()
                    )
                } else {
                    message.to_owned()
                };
                let level = match event["level"].as_str() {
                    Some("error") => "error",
                    Some("warn") => "warning",
                    _ => "info",
                };
                Some(json!({
                    "object": "fine-tune-event",
                    "created_at": format_rfc3339(event["created_at"].as_i64().unwrap_or_default()),
                    "level": level, "message": message, "type": kind,
                    "param_count": 0, "token_count": 0, "total_steps": total,
                    "wandb_url": "", "step": step, "checkpoint_path": "",
                    "model_path": if kind == "model_upload_complete" { self.model_name(job) } else { String::new() },
                    "training_offset": 0, "hash": event["id"],
                }))
            })
            .collect()
    }

    fn estimate_price(&mut self, body: &Value) -> Outcome {
        let training_file = body
            .get("training_file")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Refusal::bad(
                    "Missing required parameter: 'training_file'.",
                    Some("training_file"),
                )
            })?;
        let file = self.file(training_file).map_err(|_| {
            Refusal::bad(
                format!("invalid training_file: {training_file}"),
                Some("training_file"),
            )
        })?;
        let dpo = body
            .pointer("/training_method/method")
            .and_then(Value::as_str)
            == Some("dpo");
        let method = if dpo { Method::Dpo } else { Method::Supervised };
        let model = body
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let table = PriceTable::embedded();
        let entry = table
            .find(model)
            .ok()
            .filter(|e| e.provider == Provider::Together)
            .ok_or_else(|| {
                Refusal::bad(
                    format!("Model {model} is not supported for fine-tuning."),
                    Some("model"),
                )
            })?;
        let content = std::sync::Arc::clone(&file.content);
        let key = StudyKey {
            provider: self.provider,
            method,
            encoding: entry.encoding,
            limit: entry.example_token_limit,
        };
        let epochs = epochs(body)?;
        let training = self.study(&content, key);
        let tokens = training.tokens_per_epoch.saturating_mul(epochs);
        let full = body.pointer("/training_type/type").and_then(Value::as_str) == Some("Full");
        let rate = if full {
            FULL_USD_PER_MILLION
        } else {
            LORA_USD_PER_MILLION
        } * if dpo { 2.0 } else { 1.0 };
        let price = tokens as f64 * rate / 1e6;
        Ok(Answer::Json(json!({
            "estimated_total_price": price, "allowed_to_proceed": price <= USER_LIMIT_USD,
            "user_limit": USER_LIMIT_USD, "estimated_train_token_count": tokens,
            "estimated_eval_token_count": 0,
        })))
    }
}

/// A file as Together shows it (`FileResponse`).
fn file_json(answer: &Answer) -> Value {
    let Answer::Json(file) = answer else {
        return Value::Null;
    };
    json!({
        "id": file["id"], "object": "file", "created_at": file["created_at"],
        "filename": file["filename"], "bytes": file["bytes"], "purpose": file["purpose"],
        "FileType": "jsonl", "Processed": true,
    })
}

/// The epochs a Together request asks for (1 when absent), within Together's bounds.
fn epochs(body: &Value) -> Result<u64, Refusal> {
    match body.get("n_epochs") {
        None | Some(Value::Null) => Ok(1),
        Some(value) => value
            .as_u64()
            .filter(|n| (1..=MAX_EPOCHS).contains(n))
            .ok_or_else(|| {
                Refusal::bad(
                    format!("n_epochs must be 1 to {MAX_EPOCHS}, not {value}."),
                    Some("n_epochs"),
                )
            }),
    }
}

/// A Together job request in the common shape the simulation reads, with what only Together
/// has kept under `together`.
fn common_request(body: &Value) -> Result<Value, Refusal> {
    let method = match body
        .pointer("/training_method/method")
        .and_then(Value::as_str)
    {
        None | Some("sft") => "supervised",
        Some("dpo") => "dpo",
        Some(other) => {
            return Err(Refusal::bad(
                format!("Unknown training method '{other}'."),
                Some("training_method"),
            ));
        }
    };
    let epochs = epochs(body)?;
    if let Some(kind) = body.pointer("/training_type/type").and_then(Value::as_str)
        && !matches!(kind, "Lora" | "Full")
    {
        return Err(Refusal::bad(
            format!("Unknown training type '{kind}'."),
            Some("training_type"),
        ));
    }
    let mut hyperparameters = json!({"n_epochs": epochs});
    if let Some(batch) = body.get("batch_size").filter(|b| b.is_u64()) {
        hyperparameters["batch_size"] = batch.clone();
    }
    if let Some(beta) = body.pointer("/training_method/dpo_beta") {
        hyperparameters["beta"] = beta.clone();
    }
    let mut common = json!({
        "model": body.get("model"), "training_file": body.get("training_file"),
        "method": {"type": method, method: {"hyperparameters": hyperparameters}},
        "together": {
            "training_type": body.get("training_type"), "learning_rate": body.get("learning_rate"),
            "n_checkpoints": body.get("n_checkpoints"), "n_evals": body.get("n_evals"),
        },
    });
    for (from, to) in [
        ("validation_file", "validation_file"),
        ("suffix", "suffix"),
        ("random_seed", "seed"),
    ] {
        if let Some(value) = body.get(from).filter(|v| !v.is_null()) {
            common[to] = value.clone();
        }
    }
    // Absent Together settings stay absent rather than null.
    if let Some(extra) = common["together"].as_object_mut() {
        extra.retain(|_, v| !v.is_null());
    }
    Ok(common)
}

/// The models the stand-in fine-tunes as Together: those of the price table.
fn together_models() -> impl Iterator<Item = (String, u32)> {
    PriceTable::embedded()
        .models
        .into_iter()
        .filter(|m| m.provider == Provider::Together)
        .map(|m| (m.name, m.example_token_limit.unwrap_or_default()))
}

/// A model's limits (`FineTuneModelLimits`), the stand-in's own figures.
fn limits(model: &str) -> Value {
    json!({
        "model_name": model,
        "full_training": {"max_batch_size": 32, "max_batch_size_dpo": 16, "min_batch_size": 8},
        "lora_training": {"max_batch_size": 64, "max_batch_size_dpo": 32, "min_batch_size": 8,
            "max_rank": 64, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]},
        "max_num_epochs": 20, "max_num_evals": 100, "max_learning_rate": 1.0,
        "min_learning_rate": 0.000_000_01, "supports_vision": false, "supports_tools": true,
        "supports_reasoning": false, "merge_output_lora": false,
    })
}
