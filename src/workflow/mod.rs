//! The training workflow as library functions: getting a local file onto the provider (reused
//! when it is already there, resumable multipart above the single-request limit), and
//! the training plan (model limits, the price the job is held to, `--max-cost`), and
//! creating a job exactly once across runs, and watching a job until it ends. They take the client and a [`Reporter`], and
//! never print: `commands/` implements the reporter and says what happened.

mod create;
pub mod export;
pub mod migrate;
pub mod plan;
mod state;
mod upload;
pub mod watch;

pub use create::create_reconciled;
pub use state::LocalState;
pub use upload::{UploadOptions, upload_or_reuse};

use crate::api::UploadProgress;

/// What a workflow tells its caller while it runs.
pub trait Reporter {
    /// Something worth telling the user, said once the step is over.
    fn note(&mut self, note: String);

    /// A transfer of `bytes` bytes named `label` starts; the answer is told every byte sent
    /// (negative when a failed try is taken back).
    fn transfer(&mut self, label: &str, bytes: u64) -> UploadProgress;

    /// The transfer started last ended.
    fn transfer_done(&mut self);
}

/// A reporter that keeps the notes and shows no transfer, for callers that have no terminal.
#[derive(Debug, Default)]
pub struct Notes(pub Vec<String>);

impl Reporter for Notes {
    fn note(&mut self, note: String) {
        self.0.push(note);
    }

    fn transfer(&mut self, _label: &str, _bytes: u64) -> UploadProgress {
        std::sync::Arc::new(|_| {})
    }

    fn transfer_done(&mut self) {}
}
