//! Creating a fine-tuning job exactly once, across runs too.

use super::{LocalState, Reporter};
use crate::api::state::PendingJob;
use crate::api::types::{Job, JobRequest};
use crate::api::{ApiError, Client};

/// Creates the job `request` asks for at most once, across runs too. The creation is kept in
/// the local record before it is sent, with its request id; it stays there when its outcome
/// is unknown (the answer lost and the lookup failed). A later run of the same job (same
/// fingerprint) then reuses that request id and looks for the job before creating it. Runs of
/// the same job at the same time wait for each other.
pub async fn create_reconciled(
    client: &Client,
    mut request: JobRequest,
    (state, notes): (&LocalState, &mut dyn Reporter),
) -> Result<Job, ApiError> {
    let base_url = client.config().base_url.clone();
    let fingerprint = request.fingerprint();
    // A run of the same job at the same time could otherwise take this run's pending request
    // for a lost one and send it again.
    let _held = state
        .hold(
            &fingerprint,
            "another finetune run was creating the same job: waited for it to finish",
            notes,
        )
        .await?;
    let earlier = state
        .record()?
        .and_then(|r| r.pending_job(&base_url, &fingerprint).cloned());
    let forget = || state.update(|record| record.remove_pending_job(&base_url, &fingerprint));
    let started = match earlier {
        Some(pending) => {
            request.request_id.clone_from(&pending.request_id);
            if let Some(job) = client.find_created(&request, pending.started_at).await? {
                forget()?;
                notes.note(format!(
                    "job {} was created by an earlier run whose answer was lost: not creating another",
                    job.id
                ));
                return Ok(job);
            }
            pending.started_at
        }
        None => Client::matching_start(),
    };
    let pending = PendingJob {
        base_url: base_url.clone(),
        request_id: request.request_id.clone(),
        fingerprint: fingerprint.clone(),
        training_file: request.training_file.clone(),
        model: request.model.clone(),
        suffix: request.suffix.clone(),
        started_at: started,
    };
    state.update(|record| record.set_pending_job(pending))?;
    let created = client.create_job_since(&request, started).await;
    // Only an unknown outcome is kept: a job made, found, or surely not made is settled.
    if !matches!(created, Err(ApiError::Unconfirmed { .. })) {
        forget()?;
    }
    created
}
