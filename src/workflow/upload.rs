//! Getting a local file onto the provider without surprises: a file already there with the
//! same name and size (and, when this machine uploaded it, the same content) is reused;
//! otherwise it goes up in one request or, above the limit and where the provider has a
//! multipart API, in parts that a later run resumes after a failure.

use std::path::Path;
use std::sync::Arc;

use super::{LocalState, Reporter};
use crate::api::state::{PendingUpload, UploadRecord, UploadedFile, content_hash};
use crate::api::types::FileObject;
use crate::api::{ApiError, Client, UploadProgress};

/// Parts of a multipart upload sent at the same time.
const PARALLEL_PARTS: usize = 4;

/// How a file goes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadOptions {
    /// Upload again even when the same file is there.
    pub force: bool,
    /// Files above this many bytes go in parts, where the provider takes parts.
    pub multipart_above: u64,
    /// Bytes per part.
    pub part_size: u64,
}

/// Puts a local file on the provider: reuses a file already there with the same name and
/// size (and, when this machine uploaded it, the same content), else uploads it in one
/// request or, above the limit, as a resumable multipart upload.
pub async fn upload_or_reuse(
    client: &Client,
    path: &Path,
    options: &UploadOptions,
    (state, reporter): (&LocalState, &mut dyn Reporter),
) -> Result<FileObject, ApiError> {
    let io_error = |source| ApiError::Io {
        path: path.to_path_buf(),
        source,
    };
    let filename = path.file_name().map_or_else(
        || "data.jsonl".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let bytes = std::fs::metadata(path).map_err(io_error)?.len();
    let hash = content_hash(path).map_err(io_error)?;
    // Held until the upload is recorded: a twin run waits here, then reuses this upload.
    let _held = state
        .hold(
            &hash,
            "another finetune run was uploading the same content: waited for it, to reuse its upload",
            reporter,
        )
        .await?;
    let record = state.record()?;
    let base_url = client.config().base_url.clone();
    if !options.force {
        let same = client
            .list_files(Some("fine-tune"))
            .await?
            .into_iter()
            .filter(|f| f.filename == filename && f.bytes == bytes)
            .find(|f| {
                record
                    .as_ref()
                    .and_then(|r| r.file(&base_url, &f.id))
                    .is_none_or(|known| known.hash == hash)
            });
        if let Some(file) = same {
            let known = record
                .as_ref()
                .is_some_and(|r| r.file(&base_url, &file.id).is_some());
            reporter.note(format!(
                "{} is already uploaded as {} ({}, {} bytes{}); reusing it (--force uploads again)",
                path.display(),
                file.id,
                file.filename,
                file.bytes,
                if known { ", same content" } else { "" }
            ));
            return Ok(file);
        }
    }
    let progress = reporter.transfer(&filename, bytes);
    // Providers without a multipart API take every file in one request, up to their own limit.
    let file =
        if bytes > options.multipart_above && client.config().provider.has_multipart_uploads() {
            let file = Multipart {
                client,
                path,
                filename: &filename,
                bytes,
                hash: &hash,
                part_size: options.part_size,
                state,
            };
            file.send(record.as_ref(), &progress, reporter).await
        } else {
            client.upload_file(path, &filename, progress).await
        };
    reporter.transfer_done();
    let file = file?;
    state.update(|record| {
        record.add_file(UploadedFile {
            base_url,
            file_id: file.id.clone(),
            filename: file.filename.clone(),
            bytes,
            hash,
        });
    })?;
    Ok(file)
}

/// A multipart upload: parts sent four at a time, completed in order; each finished part is
/// recorded so that a run after a failure sends only the missing ones.
struct Multipart<'a> {
    client: &'a Client,
    path: &'a Path,
    filename: &'a str,
    bytes: u64,
    hash: &'a str,
    part_size: u64,
    state: &'a LocalState,
}

impl Multipart<'_> {
    async fn send(
        &self,
        record: Option<&UploadRecord>,
        progress: &UploadProgress,
        notes: &mut dyn Reporter,
    ) -> Result<FileObject, ApiError> {
        let Self {
            client,
            path,
            filename,
            bytes,
            hash,
            part_size,
            state,
        } = *self;
        let base_url = client.config().base_url.clone();
        let count = bytes.div_ceil(part_size) as usize;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let resumed = record
            .and_then(|r| r.pending(&base_url, hash, part_size, now))
            .filter(|p| p.bytes == bytes && p.parts.len() == count)
            .cloned();
        let mut pending = if let Some(pending) = resumed {
            let done = pending.parts.iter().filter(|p| p.is_some()).count();
            notes.note(format!(
                "resuming upload {} of {filename}: {done} of {count} parts already sent",
                pending.upload_id
            ));
            pending
        } else {
            let created = client.create_upload(filename, bytes).await?;
            if created.lost_answers > 0 {
                notes.note(format!(
                "the answer to starting an upload of {filename} was lost {}: each such upload is empty and expires on its own within an hour (the platform offers no way to list or cancel it)",
                if created.lost_answers == 1 { "once".to_owned() } else { format!("{} times", created.lost_answers) }
            ));
            }
            let upload = created.upload;
            PendingUpload {
                base_url: base_url.clone(),
                upload_id: upload.id,
                hash: hash.to_owned(),
                bytes,
                part_size,
                expires_at: upload.expires_at,
                parts: vec![None; count],
            }
        };
        for (index, part) in pending.parts.iter().enumerate() {
            if part.is_some() {
                progress(part_len(index, part_size, bytes) as i64);
            }
        }
        state.update(|record| record.set_pending(pending.clone()))?;
        let missing: Vec<usize> = (0..count).filter(|&i| pending.parts[i].is_none()).collect();
        let mut failure = None;
        for batch in missing.chunks(PARALLEL_PARTS) {
            let sends = batch.iter().map(|&index| {
                let offset = index as u64 * part_size;
                let len = part_len(index, part_size, bytes);
                let progress = Arc::clone(progress);
                let upload_id = pending.upload_id.clone();
                async move {
                    (
                        index,
                        client
                            .add_upload_part(&upload_id, path, offset, len, progress)
                            .await,
                    )
                }
            });
            for (index, result) in futures_util::future::join_all(sends).await {
                match result {
                    Ok(part) => pending.parts[index] = Some(part.id),
                    Err(error) => failure = failure.or(Some(error)),
                }
            }
            state.update(|record| record.set_pending(pending.clone()))?;
            if let Some(error) = failure {
                return Err(ApiError::Other(format!(
                    "{error}\n  the parts sent so far are recorded: run the same command again to resume upload {}",
                    pending.upload_id
                )));
            }
        }
        let part_ids: Vec<String> = pending.parts.iter().flatten().cloned().collect();
        let file = client
            .complete_upload(&pending.upload_id, &part_ids, filename, bytes)
            .await?;
        state.update(|record| record.remove_pending(&pending.upload_id))?;
        Ok(file)
    }
}

fn part_len(index: usize, part_size: u64, bytes: u64) -> u64 {
    let offset = index as u64 * part_size;
    part_size.min(bytes - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file() {
        assert_eq!(part_len(0, 4, 10), 4);
        assert_eq!(part_len(2, 4, 10), 2);
    }
}
