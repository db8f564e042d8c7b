//! Seeding a world with jobs that have already ended (`POST /_standin/seed`), so tests can
//! read an account's history (many pages of it, any method, any outcome) without training
//! each job on the clock.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::{Refusal, SimJob, Training, World};
use crate::standin::routes::unix_now;

/// The most jobs one seed request makes.
pub(crate) const MAX_SEEDED_JOBS: u64 = 1_000;
/// Steps of each epoch of a seeded job.
const SEEDED_STEPS_PER_EPOCH: u64 = 2;

impl World {
    /// Makes the jobs a seed body asks for: `{"jobs": [{"training_file", "model", "method"?,
    /// "status"?, "validation_file"?, "suffix"?, "metadata"?, "count"?}]}`, each played to its
    /// end (`succeeded` by default, `failed` or `cancelled`); the ids made, oldest first.
    pub(crate) fn seed(&mut self, body: &Value) -> Result<Value, Refusal> {
        let specs = body
            .get("jobs")
            .and_then(Value::as_array)
            .ok_or_else(|| Refusal::bad("expected {\"jobs\": [...]}", Some("jobs")))?;
        let mut ids = Vec::new();
        for spec in specs {
            let count = spec.get("count").and_then(Value::as_u64).unwrap_or(1);
            if !(1..=MAX_SEEDED_JOBS).contains(&count) || ids.len() as u64 + count > MAX_SEEDED_JOBS
            {
                return Err(Refusal::bad(
                    format!("count {count}: at most {MAX_SEEDED_JOBS} jobs in all"),
                    Some("count"),
                ));
            }
            for _ in 0..count {
                ids.push(self.seed_one(spec)?);
            }
        }
        Ok(json!({ "jobs": ids }))
    }

    fn seed_one(&mut self, spec: &Value) -> Result<String, Refusal> {
        let text = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_owned);
        let training_file = text("training_file")
            .ok_or_else(|| Refusal::bad("training_file is required", Some("training_file")))?;
        let content = Arc::clone(&self.file(&training_file)?.content);
        let method = text("method").unwrap_or_else(|| "supervised".to_owned());
        let status = text("status").unwrap_or_else(|| "succeeded".to_owned());
        if !matches!(status.as_str(), "succeeded" | "failed" | "cancelled") {
            return Err(Refusal::bad(
                format!("status {status:?} is not succeeded, failed or cancelled"),
                Some("status"),
            ));
        }
        let epochs = spec.get("n_epochs").and_then(Value::as_u64).unwrap_or(1);
        let mut hyperparameters =
            json!({"n_epochs": epochs, "batch_size": 1, "learning_rate_multiplier": 1.8});
        if method == "dpo" {
            hyperparameters["beta"] = json!(0.1);
        }
        let examples = content
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count() as u64;
        let id = self.id(self.provider.facts().job_id.prefix);
        let mut job = SimJob {
            id: id.clone(),
            created_at: unix_now(),
            created: Instant::now(),
            model: text("model").unwrap_or_else(|| self.provider.default_model().to_owned()),
            training_file,
            validation_file: text("validation_file"),
            suffix: text("suffix"),
            seed: 42,
            method,
            hyperparameters,
            metadata: spec.get("metadata").cloned().unwrap_or_else(|| json!({})),
            epochs,
            steps_per_epoch: SEEDED_STEPS_PER_EPOCH,
            training: Training {
                examples,
                tokens_per_epoch: examples * 100,
                problem: (status == "failed").then(|| "Line 1: seeded failure.".to_owned()),
                content,
            },
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
            extra: Value::Null,
        };
        // Played tick by tick as the clock would, stopping early for a cancelled job.
        let end = match status.as_str() {
            "cancelled" => 4,
            _ => 5 + job.total_steps(),
        };
        for tick in 1..=end {
            job.played = tick;
            self.play(&mut job, tick);
            if job.status == "failed" {
                break;
            }
        }
        if status == "cancelled" {
            job.status = "cancelled";
            job.finished_at = Some(unix_now());
            self.event(&mut job, "info", "Fine-tuning job cancelled", None);
        }
        self.jobs.push(job);
        Ok(id)
    }
}
