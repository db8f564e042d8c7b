//! This machine's record of uploads and pending job creations, and the locks that keep two
//! runs from doing the same thing at once.

use std::path::{Path, PathBuf};

use crate::api::ApiError;
use crate::api::state::{ContentLock, UploadRecord};

/// The local state in one folder, or none (then nothing is recorded and nothing waits).
#[derive(Clone, Debug, Default)]
pub struct LocalState {
    dir: Option<PathBuf>,
}

impl LocalState {
    /// The state kept in `dir`; `None` keeps none.
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// The record as it is now (nothing when there is no state folder).
    pub fn record(&self) -> Result<Option<UploadRecord>, ApiError> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        UploadRecord::load(dir)
            .map(Some)
            .map_err(|source| ApiError::Io {
                path: dir.clone(),
                source,
            })
    }

    /// Changes the record under its lock (nothing when there is no state folder).
    pub fn update(&self, change: impl FnOnce(&mut UploadRecord)) -> Result<(), ApiError> {
        if let Some(dir) = &self.dir {
            UploadRecord::update(dir, change).map_err(|source| ApiError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Holds `hash` against other runs doing the same, waiting for them if need be; `waited`
    /// is the note for when it did.
    pub async fn hold(
        &self,
        hash: &str,
        waited: &str,
        notes: &mut dyn super::Reporter,
    ) -> Result<Option<ContentLock>, ApiError> {
        let Some(dir) = self.dir.clone() else {
            return Ok(None);
        };
        let io_error = |dir: &Path| {
            let path = dir.to_path_buf();
            move |source| ApiError::Io { path, source }
        };
        if let Some(held) = ContentLock::try_acquire(&dir, hash).map_err(io_error(&dir))? {
            return Ok(Some(held));
        }
        notes.note(waited.to_owned());
        let (waiting, hash) = (dir.clone(), hash.to_owned());
        tokio::task::spawn_blocking(move || ContentLock::acquire(&waiting, &hash))
            .await
            .map_err(|error| {
                ApiError::Other(format!("waiting for the upload lock failed: {error}"))
            })?
            .map(Some)
            .map_err(io_error(&dir))
    }
}
