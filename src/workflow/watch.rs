//! Watching a job until it ends: new events, the job's status, and its losses (from its
//! events, or from its metrics where the provider keeps them there), told to a
//! [`JobWatcher`] each round.

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine as _;

use crate::api::types::{Cursor, Event, Job, PageStep};
use crate::api::{ApiError, Client};

/// What is told the state of a watched job, once a round.
pub trait JobWatcher {
    /// The job as it is now, with the latest metrics.
    fn update(&mut self, job: &Job, progress: &JobProgress);
}

/// The ids of the events already told.
#[derive(Clone, Debug, Default)]
pub struct SeenEvents(HashSet<String>);

/// Polls job `id` every `poll` until it has ended; the job as it ended and its last metrics.
pub async fn watch(
    client: &Client,
    id: &str,
    poll: Duration,
    watcher: &mut dyn JobWatcher,
) -> Result<(Job, JobProgress), ApiError> {
    let mut seen = SeenEvents::default();
    let mut progress = JobProgress::default();
    loop {
        let events = new_events(client, id, &mut seen).await?;
        let job = client.retrieve_job(id).await?;
        for event in &events {
            progress.take(event);
        }
        if !client.provider().reports_losses_in_events() && job.status != "queued" {
            progress.take_metrics(client, &job).await;
        }
        watcher.update(&job, &progress);
        if job.is_finished() {
            return Ok((job, progress));
        }
        tokio::time::sleep(poll).await;
    }
}

/// Events not seen before, oldest first: newest-first pages are read until a seen event.
pub async fn new_events(
    client: &Client,
    id: &str,
    seen: &mut SeenEvents,
) -> Result<Vec<Event>, ApiError> {
    let mut fresh = Vec::new();
    let mut cursor = Cursor::default();
    loop {
        let page = client.list_events(id, 100, cursor.after()).await?;
        let last = page.data.last().map(|e| e.id.clone());
        let step = cursor.advance(last.as_deref(), page.has_more);
        if step == PageStep::Repeated {
            break;
        }
        let mut reached_seen = false;
        for event in page.data {
            if seen.0.contains(&event.id) {
                reached_seen = true;
                break;
            }
            fresh.push(event);
        }
        if reached_seen || step == PageStep::Last {
            break;
        }
    }
    fresh.reverse();
    for event in &fresh {
        seen.0.insert(event.id.clone());
    }
    Ok(fresh)
}

/// The latest metrics a job reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobProgress {
    /// The step reached.
    pub step: Option<u64>,
    /// The steps in all.
    pub total: Option<u64>,
    /// The latest training loss.
    pub train_loss: Option<f64>,
    /// The latest validation loss.
    pub valid_loss: Option<f64>,
    /// How much of the job is done, in percent, where the provider says so instead of steps.
    pub percent: Option<f64>,
}

impl JobProgress {
    /// Takes what a metrics event says.
    pub fn take(&mut self, event: &Event) {
        if let Some(step) = event.metric("step") {
            self.step = Some(step as u64);
        }
        if let Some(total) = event.metric("total_steps") {
            self.total = Some(total as u64);
        }
        if let Some(percent) = event.metric("percent") {
            self.percent = Some(percent.clamp(0.0, 100.0));
        }
        if let Some(loss) = event.metric("train_loss") {
            self.train_loss = Some(loss);
        }
        if let Some(loss) = event
            .metric("valid_loss")
            .or_else(|| event.metric("full_valid_loss"))
        {
            self.valid_loss = Some(loss);
        }
    }

    /// The latest losses from the job's metrics, for providers whose events do not carry them.
    /// Metrics are a nicety here: when they cannot be read the display goes on without them.
    async fn take_metrics(&mut self, client: &Client, job: &Job) {
        let Ok(Some((_, content))) = client.job_metrics(job).await else {
            return;
        };
        let Ok(metrics) = Metrics::parse(&content) else {
            return;
        };
        if let Some(&(_, loss)) = metrics.series("train_loss").last() {
            self.train_loss = Some(loss);
        }
        if let Some(&(_, loss)) = metrics.series("valid_loss").last() {
            self.valid_loss = Some(loss);
        }
    }

    /// `status` with the step and the losses, for a one-line display.
    pub fn describe(&self, status: &str) -> String {
        let mut text = status.to_owned();
        if let Some(step) = self.step {
            text.push_str(&format!("  step {step}"));
            if let Some(total) = self.total {
                text.push_str(&format!("/{total}"));
            }
        }
        if let (None, Some(percent)) = (self.step, self.percent) {
            text.push_str(&format!("  {percent:.0}% done"));
        }
        if let Some(loss) = self.train_loss {
            text.push_str(&format!("  train loss {loss:.4}"));
        }
        if let Some(loss) = self.valid_loss {
            text.push_str(&format!("  valid loss {loss:.4}"));
        }
        text
    }
}

/// Metrics decoded from a result file.
#[derive(Clone, Debug)]
pub struct Metrics {
    /// The CSV's columns.
    pub header: Vec<String>,
    /// Its rows, one per step.
    pub rows: Vec<Vec<String>>,
    /// The CSV itself (decoded from base64 where it came so).
    pub csv: Vec<u8>,
}

impl Metrics {
    /// Reads a result file: CSV, or base64-encoded CSV as OpenAI's are.
    pub fn parse(content: &[u8]) -> Result<Self, String> {
        let trimmed = content.trim_ascii();
        let csv = if trimmed.starts_with(b"step") {
            trimmed.to_vec()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(trimmed)
                .map_err(|error| {
                    format!("the result file is neither CSV nor base64-encoded CSV: {error}")
                })?
        };
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        let header: Vec<String> = reader
            .headers()
            .map_err(|error| format!("the metrics CSV has no header: {error}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| format!("the metrics CSV is damaged: {error}"))?;
            rows.push(record.iter().map(str::to_owned).collect());
        }
        Ok(Self { header, rows, csv })
    }

    /// The (step, value) pairs of a column, skipping empty cells.
    pub fn series(&self, column: &str) -> Vec<(f64, f64)> {
        let Some(index) = self.header.iter().position(|h| h == column) else {
            return Vec::new();
        };
        let step = self.header.iter().position(|h| h == "step").unwrap_or(0);
        self.rows
            .iter()
            .filter_map(|row| {
                let x = row.get(step)?.parse::<f64>().ok()?;
                let y = row.get(index)?.parse::<f64>().ok()?;
                y.is_finite().then_some((x, y))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_decode_base64_or_plain_csv() {
        let csv = "step,train_loss,valid_loss\n1,2.0,\n2,1.0,1.5\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(csv);
        for content in [csv.as_bytes(), encoded.as_bytes()] {
            let metrics = Metrics::parse(content).unwrap();
            assert_eq!(metrics.series("train_loss"), vec![(1.0, 2.0), (2.0, 1.0)]);
            assert_eq!(metrics.series("valid_loss"), vec![(2.0, 1.5)]);
        }
        assert!(Metrics::parse(b"%%% not csv").is_err());
    }

    #[test]
    fn a_job_that_reports_a_percentage_shows_it() {
        let mut progress = JobProgress::default();
        progress.take(&Event {
            data: Some(serde_json::json!({"percent": 43.0, "epoch": 1})),
            ..Event::default()
        });
        assert_eq!(progress.percent, Some(43.0));
        assert_eq!(progress.describe("running"), "running  43% done");
    }
}
