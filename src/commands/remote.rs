//! What every API command shares: the runtime, the client, error messages, tables, dates,
//! confirmation, and getting a local file onto the provider without surprises.

use std::future::Future;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::api::state::{ContentLock, PendingUpload, UploadRecord, UploadedFile, content_hash};
use crate::api::types::FileObject;
use crate::api::{ApiError, Client, UploadProgress};
use crate::cli::settings::{ModelSetting, api_config, state_dir};
use crate::cli::{ApiArgs, MethodArg, PreflightArgs, Printer};
use crate::commands::ExitStatus;
use crate::commands::check::{Preflight, plural, preflight};
use crate::cost::Epochs;
use crate::provider::Provider;

/// Runs an API command's future. The runtime is made on first use and kept for the process:
/// offline commands never start one, and the HTTP client's pooled connections, which live on
/// the runtime, stay valid from one call to the next.
pub(crate) fn block_on<F: Future>(future: F) -> io::Result<F::Output> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if RUNTIME.get().is_none() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let _ = RUNTIME.set(runtime);
    }
    Ok(RUNTIME.get().expect("set above").block_on(future))
}

/// The client for `args`, or a message saying what is missing.
pub(crate) fn client(args: &ApiArgs) -> Result<Client, String> {
    Client::new(api_config(args)?).map_err(|error| error.to_string())
}

/// Checks a local file before it is uploaded. `Ok(None)` means: do not upload (the reason is
/// printed); `--no-check` skips the check with a warning.
pub(crate) fn checked(
    path: &Path,
    model: &str,
    provider: Provider,
    epochs: Epochs,
    options: &PreflightArgs,
    printer: &mut Printer,
) -> io::Result<Result<Option<Preflight>, ExitStatus>> {
    if options.no_check {
        printer.note(&format!(
            "warning: uploading {} without checking it (--no-check): the platform may reject it after the upload, or train on broken examples",
            path.display()
        ));
        return Ok(Ok(None));
    }
    let method = match options.check_method {
        MethodArg::Auto => None,
        other => other.method(),
    };
    let tokenizer = options.tokenizer.as_deref();
    match preflight(path, method, model, provider, tokenizer, epochs, printer)? {
        Err(message) => {
            printer.error(&message);
            Ok(Err(ExitStatus::Error))
        }
        Ok(result) if result.summary.errors > 0 || result.summary.stopped_early => {
            printer.error(&format!(
                "not uploading {}: check found {} (fix them, or upload anyway with --no-check)",
                path.display(),
                plural(result.summary.errors, "error")
            ));
            Ok(Err(ExitStatus::Failure))
        }
        Ok(result) => Ok(Ok(Some(result))),
    }
}

/// The model to use: the one given, else the provider's default (said where the provider
/// lists models of its own).
pub(crate) fn model_for(provider: Provider, given: Option<&str>, printer: &mut Printer) -> String {
    let model = ModelSetting::resolve(given, provider);
    if let Some(note) = model.note(provider) {
        printer.note(&note);
    }
    model.name
}

/// Prints an API error with its hint; the exit status for it.
pub(crate) fn failed(error: &ApiError, printer: &mut Printer) -> ExitStatus {
    printer.error(&error.to_string());
    if let Some(hint) = error.hint() {
        printer.note(&format!("  hint: {hint}"));
    }
    ExitStatus::Error
}

/// Writes rows under a header, each column as wide as its widest cell.
pub(crate) fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub(crate) fn timestamp(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let seconds = unix.rem_euclid(86_400);
    let (year, month, day) = crate::api::time::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Asks a yes/no question on the terminal. Without a terminal it refuses rather than guess:
/// `--yes` is how scripts and CI say yes.
pub(crate) fn confirm(question: &str, yes: bool, printer: &mut Printer) -> io::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !io::stdin().is_terminal() {
        printer.error(&format!(
            "{question} — not asked, as standard input is not a terminal: add --yes to go ahead"
        ));
        return Ok(false);
    }
    printer.flush()?;
    let mut stderr = io::stderr().lock();
    write!(stderr, "{question} [y/N] ")?;
    stderr.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// The local record as it is now (nothing when there is no state folder).
pub(crate) fn record() -> Result<Option<UploadRecord>, ApiError> {
    let Some(dir) = state_dir() else {
        return Ok(None);
    };
    UploadRecord::load(&dir)
        .map(Some)
        .map_err(|source| ApiError::Io { path: dir, source })
}

/// Changes the local record under its lock (nothing when there is no state folder).
pub(crate) fn update_record(change: impl FnOnce(&mut UploadRecord)) -> Result<(), ApiError> {
    if let Some(dir) = state_dir() {
        UploadRecord::update(&dir, change).map_err(|source| ApiError::Io { path: dir, source })?;
    }
    Ok(())
}

/// Holds `hash` against other runs doing the same, waiting for them if need be; `waited` is
/// the note for when it did.
pub(crate) async fn hold_content(
    hash: &str,
    waited: &str,
    notes: &mut Vec<String>,
) -> Result<Option<ContentLock>, ApiError> {
    let Some(dir) = state_dir() else {
        return Ok(None);
    };
    let io_error = |dir: &Path| {
        let path = dir.to_path_buf();
        move |source| ApiError::Io { path, source }
    };
    if let Some(held) = ContentLock::try_acquire(&dir, hash).map_err(io_error(&dir))? {
        return Ok(Some(held));
    }
    notes.push(waited.to_owned());
    let (waiting, hash) = (dir.clone(), hash.to_owned());
    tokio::task::spawn_blocking(move || ContentLock::acquire(&waiting, &hash))
        .await
        .map_err(|error| ApiError::Other(format!("waiting for the upload lock failed: {error}")))?
        .map(Some)
        .map_err(io_error(&dir))
}

/// A progress bar on standard error for `bytes` bytes (hidden when standard error is not a
/// terminal).
fn progress_bar(bytes: u64, label: &str) -> ProgressBar {
    let bar = ProgressBar::new(bytes);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_owned());
    if !io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

fn progress_of(bar: &ProgressBar) -> UploadProgress {
    let bar = bar.clone();
    Arc::new(move |delta: i64| {
        if delta >= 0 {
            bar.inc(delta.unsigned_abs());
        } else {
            bar.set_position(bar.position().saturating_sub(delta.unsigned_abs()));
        }
    })
}

/// Puts a local file on the provider: reuses a file already there with the same name and
/// size (and, when this machine uploaded it, the same content), else uploads it in one
/// request or, above the limit, as a resumable multipart upload.
pub(crate) async fn upload_or_reuse(
    client: &Client,
    path: &Path,
    options: &PreflightArgs,
    printer_notes: &mut Vec<String>,
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
    let _held = hold_content(
        &hash,
        "another finetune run was uploading the same content: waited for it, to reuse its upload",
        printer_notes,
    )
    .await?;
    let record = record()?;
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
            printer_notes.push(format!(
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
    let bar = progress_bar(bytes, &filename);
    // Providers without a multipart API take every file in one request, up to their own limit.
    let file =
        if bytes > options.multipart_above && client.config().provider.has_multipart_uploads() {
            multipart(
                client,
                path,
                &filename,
                bytes,
                &hash,
                options.part_size,
                record.as_ref(),
                &bar,
                printer_notes,
            )
            .await?
        } else {
            client
                .upload_file(path, &filename, progress_of(&bar))
                .await?
        };
    bar.finish_and_clear();
    update_record(|record| {
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
#[allow(clippy::too_many_arguments)]
async fn multipart(
    client: &Client,
    path: &Path,
    filename: &str,
    bytes: u64,
    hash: &str,
    part_size: u64,
    record: Option<&UploadRecord>,
    bar: &ProgressBar,
    notes: &mut Vec<String>,
) -> Result<FileObject, ApiError> {
    const PARALLEL: usize = 4;
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
        notes.push(format!(
            "resuming upload {} of {filename}: {done} of {count} parts already sent",
            pending.upload_id
        ));
        pending
    } else {
        let created = client.create_upload(filename, bytes).await?;
        if created.lost_answers > 0 {
            notes.push(format!(
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
            bar.inc(part_len(index, part_size, bytes));
        }
    }
    update_record(|record| record.set_pending(pending.clone()))?;
    let progress = progress_of(bar);
    let missing: Vec<usize> = (0..count).filter(|&i| pending.parts[i].is_none()).collect();
    let mut failure = None;
    for batch in missing.chunks(PARALLEL) {
        let sends = batch.iter().map(|&index| {
            let offset = index as u64 * part_size;
            let len = part_len(index, part_size, bytes);
            let progress = Arc::clone(&progress);
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
        update_record(|record| record.set_pending(pending.clone()))?;
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
    update_record(|record| record.remove_pending(&pending.upload_id))?;
    Ok(file)
}

fn part_len(index: usize, part_size: u64, bytes: u64) -> u64 {
    let offset = index as u64 * part_size;
    part_size.min(bytes - offset)
}

/// Seconds as a duration; a value no duration holds (the parsers bound every option, so
/// only a mistake gets here) is the longest poll interval rather than a panic.
pub(crate) fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value)
        .unwrap_or_else(|_| Duration::from_secs_f64(crate::cli::POLL_INTERVAL_RANGE.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_dates() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(1_721_764_800), "2024-07-23 20:00:00");
        assert_eq!(timestamp(1_803_859_200), "2027-03-01 00:00:00");
    }

    #[test]
    fn tables_align_their_columns() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["file-1".to_owned(), "a.jsonl".to_owned()],
            vec!["f".to_owned(), "b".to_owned()],
        ];
        table(&mut out, &["ID", "NAME"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID      NAME\nfile-1  a.jsonl\nf       b\n"
        );
    }

    #[test]
    fn parts_cover_the_file() {
        assert_eq!(part_len(0, 4, 10), 4);
        assert_eq!(part_len(2, 4, 10), 2);
    }
}
