//! The API's objects. Responses are read leniently: missing optional fields default, unknown
//! fields are ignored and statuses are kept as strings, so a new enum value never breaks a
//! command. Requests serialise to exactly the spec's shapes, leaving out what the user did not set.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A list page: `{"object": "list", "data": [...], "has_more": ...}`.
#[derive(Clone, Debug, Deserialize)]
pub struct Page<T> {
    /// The objects.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
    /// The last object's id, where the endpoint gives it.
    #[serde(default)]
    pub last_id: Option<String>,
}

/// Follows a list's `after` cursors, and stops where a server hands back a page it gave
/// before (a page whose last item was already a cursor): reading on would fetch it forever.
#[derive(Debug, Default)]
pub struct Cursor {
    after: Option<String>,
    used: HashSet<String>,
}

/// What to do with a page, and whether to read another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageStep {
    /// Keep the page and read the next one.
    Next,
    /// Keep the page; it is the last.
    Last,
    /// The server sent this page before: drop it and stop.
    Repeated,
}

impl Cursor {
    /// The cursor for the next request: the last item of the page before.
    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// Moves past a page whose last item has the id `last`.
    pub fn advance(&mut self, last: Option<&str>, has_more: bool) -> PageStep {
        match last {
            None => PageStep::Last,
            Some(last) if !self.used.insert(last.to_owned()) => PageStep::Repeated,
            Some(last) => {
                self.after = Some(last.to_owned());
                if has_more {
                    PageStep::Next
                } else {
                    PageStep::Last
                }
            }
        }
    }
}

/// An uploaded file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FileObject {
    /// `file-…`.
    pub id: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// The name it was uploaded under.
    pub filename: String,
    /// `fine-tune`, `fine-tune-results`, …
    pub purpose: String,
    /// `uploaded`, `processed`, `error` (deprecated by the platform, still shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Unix seconds, when the file expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

/// `DELETE /files/{id}`'s answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Deleted {
    /// The id.
    pub id: String,
    /// Whether it is gone.
    pub deleted: bool,
}

/// A multipart upload.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Upload {
    /// `upload_…`.
    pub id: String,
    /// `pending`, `completed`, `cancelled`, `expired`.
    pub status: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The file, once completed.
    pub file: Option<FileObject>,
}

/// One part of a multipart upload.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UploadPart {
    /// `part_…`.
    pub id: String,
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

/// A provider's own price estimate for a job (Together's `POST /fine-tunes/estimate-price`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct PriceEstimate {
    /// US dollars.
    pub estimated_total_price: Option<f64>,
    /// Whether the account's limit allows the job.
    pub allowed_to_proceed: Option<bool>,
    /// The account's spending limit, US dollars.
    pub user_limit: Option<f64>,
    /// Training tokens, over all epochs.
    pub estimated_train_token_count: Option<f64>,
    /// Evaluation tokens.
    pub estimated_eval_token_count: Option<f64>,
}

/// What a provider allows for one fine-tunable model (`FineTuneModelLimits`), kept as given.
pub type ModelLimits = Value;

/// `POST /uploads`.
#[derive(Clone, Debug, Serialize)]
pub struct CreateUpload<'a> {
    /// The file's name.
    pub filename: &'a str,
    /// Always `fine-tune` here.
    pub purpose: &'a str,
    /// The whole file's size.
    pub bytes: u64,
    /// `application/jsonl`.
    pub mime_type: &'a str,
}

/// A fine-tuning job.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Job {
    /// `ftjob-…`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Why it failed.
    pub error: Option<JobError>,
    /// The trained model's name, once it succeeded.
    pub fine_tuned_model: Option<String>,
    /// Unix seconds.
    pub finished_at: Option<i64>,
    /// As the platform resolved them.
    pub hyperparameters: Option<Value>,
    /// The base model.
    pub model: String,
    /// `validating_files`, `queued`, `running`, `paused`, `succeeded`, `failed`, `cancelled`.
    pub status: String,
    /// Tokens billed.
    pub trained_tokens: Option<u64>,
    /// The training file's id.
    pub training_file: String,
    /// The validation file's id.
    pub validation_file: Option<String>,
    /// Result files (a metrics CSV).
    pub result_files: Vec<String>,
    /// The seed.
    pub seed: Option<i64>,
    /// Unix seconds.
    pub estimated_finish: Option<i64>,
    /// The method with its hyperparameters.
    pub method: Option<Value>,
    /// Key-value pairs given at creation.
    pub metadata: Option<BTreeMap<String, String>>,
    /// The suffix given at creation.
    pub user_provided_suffix: Option<String>,
}

impl Job {
    /// Whether the job has ended and will not change again.
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "succeeded" | "failed" | "cancelled")
    }

    /// Whether the job still reads its files.
    pub fn is_active(&self) -> bool {
        matches!(
            self.status.as_str(),
            "validating_files" | "queued" | "running" | "paused" | "cancelling"
        )
    }

    /// The method's name: `supervised` unless the job says otherwise.
    pub fn method_name(&self) -> &str {
        self.method
            .as_ref()
            .and_then(|method| method.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("supervised")
    }

    /// The hyperparameters the job runs with: the method's, else the top-level ones.
    pub fn effective_hyperparameters(&self) -> Option<&Value> {
        let method = self.method_name();
        self.method
            .as_ref()
            .and_then(|m| m.get(method))
            .and_then(|m| m.get("hyperparameters"))
            .or(self.hyperparameters.as_ref())
    }
}

/// Why a job failed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct JobError {
    /// A machine-readable code.
    pub code: Option<String>,
    /// What happened.
    pub message: Option<String>,
    /// The request parameter at fault.
    pub param: Option<String>,
}

/// A job event.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Event {
    /// `ftevent-…`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// `info`, `warn`, `error`.
    pub level: String,
    /// What happened.
    pub message: String,
    /// `message` or `metrics`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// For metrics events: step, total_steps, train_loss, valid_loss, …
    pub data: Option<Value>,
}

impl Event {
    /// A number from the event's data.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.data.as_ref()?.get(name)?.as_f64()
    }
}

/// A checkpoint saved during training.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Checkpoint {
    /// `ftckpt_…`.
    pub id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The model name to prompt the checkpoint with.
    pub fine_tuned_model_checkpoint: String,
    /// The step it was saved at.
    pub step_number: u64,
    /// Losses and accuracies at that step.
    pub metrics: BTreeMap<String, Value>,
}

/// A value for a hyperparameter: `"auto"` or a number.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Hyper {
    /// Let the platform choose.
    #[serde(serialize_with = "auto")]
    Auto,
    /// An integer (epochs, batch size).
    Int(u32),
    /// A number (learning-rate multiplier, beta).
    Number(f64),
}

fn auto<S: serde::Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("auto")
}

/// Hyperparameters of a method; unset ones are left to the platform.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Hyperparameters {
    /// Epochs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_epochs: Option<Hyper>,
    /// Batch size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<Hyper>,
    /// Learning-rate multiplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate_multiplier: Option<Hyper>,
    /// DPO's beta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beta: Option<Hyper>,
}

/// `{"hyperparameters": {...}}`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MethodSettings {
    /// The method's hyperparameters.
    pub hyperparameters: Hyperparameters,
}

/// The `method` object of a job request.
#[derive(Clone, Debug, Serialize)]
pub struct MethodSpec {
    /// `supervised` or `dpo`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Set when `kind` is `supervised`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervised: Option<MethodSettings>,
    /// Set when `kind` is `dpo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dpo: Option<MethodSettings>,
}

impl MethodSpec {
    /// The hyperparameters of whichever method this is.
    pub fn hyperparameters(&self) -> Hyperparameters {
        self.supervised
            .as_ref()
            .or(self.dpo.as_ref())
            .map(|m| m.hyperparameters.clone())
            .unwrap_or_default()
    }

    /// Supervised fine-tuning with these hyperparameters.
    pub fn supervised(hyperparameters: Hyperparameters) -> Self {
        Self {
            kind: "supervised",
            supervised: Some(MethodSettings { hyperparameters }),
            dpo: None,
        }
    }

    /// Direct preference optimisation with these hyperparameters.
    pub fn dpo(hyperparameters: Hyperparameters) -> Self {
        Self {
            kind: "dpo",
            supervised: None,
            dpo: Some(MethodSettings { hyperparameters }),
        }
    }
}

/// A fine-tuning job request, the same for every provider: the method, the model, the files
/// and the hyperparameters, plus what only one provider takes in [`JobRequest::options`]. Each
/// provider module turns it into its own request body.
#[derive(Clone, Debug, Serialize)]
pub struct JobRequest {
    /// The base model.
    pub model: String,
    /// The training file's id.
    pub training_file: String,
    /// The validation file's id.
    pub validation_file: Option<String>,
    /// Up to 64 characters added to the model name.
    pub suffix: Option<String>,
    /// For reproducible training.
    pub seed: Option<u32>,
    /// The method and its hyperparameters.
    pub method: MethodSpec,
    /// The client's id for this request, sent where the provider keeps job metadata (which
    /// makes creation safe to retry), and matched against the jobs it lists.
    #[serde(skip)]
    pub request_id: String,
    /// What only one provider takes.
    pub options: ProviderOptions,
}

/// The options of a job request that only one provider takes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub enum ProviderOptions {
    /// None: the method's hyperparameters say everything.
    #[default]
    None,
    /// A learning rate, LoRA or full training, checkpoints and evaluations, for providers
    /// that tune so. Its serialised name is kept, so a pending creation recorded before still
    /// matches ([`JobRequest::fingerprint`]).
    #[serde(rename = "Together")]
    Tuning(TuningOptions),
}

impl JobRequest {
    /// What makes two requests the same job, as 32 hex digits: everything but the request id
    /// (each run's own). A run asking for the job a failed run asked for finds that run's
    /// request by it.
    pub fn fingerprint(&self) -> String {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(serde_json::to_string(self).unwrap_or_default().as_bytes());
        format!("{:032x}", hasher.digest128())
    }

    /// The tuning options of the request (the defaults when it has none).
    pub fn tuning_options(&self) -> TuningOptions {
        match &self.options {
            ProviderOptions::Tuning(options) => options.clone(),
            ProviderOptions::None => TuningOptions::default(),
        }
    }
}

/// What a job request takes on a provider that tunes with an absolute learning rate and LoRA
/// ([`crate::provider::Tuning::LearningRateAndLora`]: Together AI, Fireworks AI).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TuningOptions {
    /// LoRA (the default there) or full training.
    pub training_type: Option<TrainingType>,
    /// The learning rate itself (OpenAI takes a multiplier).
    pub learning_rate: Option<f64>,
    /// Checkpoints to save.
    pub n_checkpoints: Option<u32>,
    /// Evaluations on the validation file.
    pub n_evals: Option<u32>,
    /// The longest example, in tokens, the job trains on, where the provider takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_context_length: Option<u32>,
}

/// How a job trains: LoRA adapters or all weights.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TrainingType {
    /// LoRA with rank `r`, scale `alpha` and dropout.
    Lora {
        /// Rank.
        r: u32,
        /// Alpha (twice the rank when not given).
        alpha: u32,
        /// Dropout.
        dropout: Option<f64>,
    },
    /// Every weight.
    Full,
}

/// `POST /chat/completions` (the part a prompt needs).
#[derive(Clone, Debug, Serialize)]
pub struct ChatRequest {
    /// The model.
    pub model: String,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
}

/// A message of a chat request.
#[derive(Clone, Debug, Serialize)]
pub struct ChatMessage {
    /// `system`, `user`, …
    pub role: &'static str,
    /// The text.
    pub content: String,
}

/// A chat completion.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatCompletion {
    /// The model that answered.
    pub model: String,
    /// The answers.
    pub choices: Vec<ChatChoice>,
    /// Tokens used.
    pub usage: Option<Value>,
}

/// One answer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatChoice {
    /// The message.
    pub message: ChatAnswer,
    /// `stop`, `length`, …
    pub finish_reason: Option<String>,
}

/// The assistant's message.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ChatAnswer {
    /// The text.
    pub content: Option<String>,
    /// A refusal, when the model refused.
    pub refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_fields_and_statuses_never_break_decoding() {
        let job: Job = serde_json::from_value(json!({
            "id": "ftjob-1", "status": "something_new", "brand_new_field": {"x": 1},
            "hyperparameters": {"n_epochs": 3}, "error": null
        }))
        .unwrap();
        assert_eq!(job.status, "something_new");
        assert!(!job.is_finished());
        assert_eq!(job.method_name(), "supervised");
    }

    #[test]
    fn a_cursor_stops_at_a_page_the_server_repeats() {
        let mut cursor = Cursor::default();
        assert_eq!(cursor.after(), None);
        assert_eq!(cursor.advance(Some("b"), true), PageStep::Next);
        assert_eq!(cursor.after(), Some("b"));
        assert_eq!(cursor.advance(Some("d"), true), PageStep::Next);
        assert_eq!(cursor.advance(Some("b"), true), PageStep::Repeated);
        assert_eq!(cursor.advance(None, true), PageStep::Last);
        assert_eq!(cursor.advance(Some("e"), false), PageStep::Last);
    }
}
