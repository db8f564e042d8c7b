//! What every API command shares: the runtime, the client, error messages, tables, dates,
//! confirmation, and getting a local file onto the provider without surprises.

use std::future::Future;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::api::types::FileObject;
use crate::api::{ApiError, Client, UploadProgress};
use crate::cli::settings::{ModelSetting, api_config, state_dir};
use crate::cli::{ApiArgs, MethodArg, PreflightArgs, Printer};
use crate::commands::ExitStatus;
use crate::commands::check::{Preflight, plural, preflight};
use crate::cost::Epochs;
use crate::provider::Provider;
use crate::workflow::{LocalState, Reporter, UploadOptions, upload_or_reuse};

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
    match preflight(path, method, model, provider, options, epochs, printer)? {
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
    if let Some(hint) = error.hint(crate::cli::settings::today()) {
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

/// The workflows' reporter on the terminal: notes kept to be printed once the step is over,
/// transfers drawn as progress bars on standard error.
#[derive(Debug, Default)]
pub(crate) struct TerminalReporter {
    /// The notes, in order.
    pub(crate) notes: Vec<String>,
    bar: Option<ProgressBar>,
}

impl TerminalReporter {
    /// Prints the notes kept so far.
    pub(crate) fn print_notes(&mut self, printer: &mut Printer) {
        for note in self.notes.drain(..) {
            printer.note(&note);
        }
    }
}

impl Reporter for TerminalReporter {
    fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    fn transfer(&mut self, label: &str, bytes: u64) -> UploadProgress {
        let bar = progress_bar(bytes, label);
        let progress = progress_of(&bar);
        self.bar = Some(bar);
        progress
    }

    fn transfer_done(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The local record of uploads and job creations, in the state folder.
pub(crate) fn local_state() -> LocalState {
    LocalState::new(state_dir())
}

/// Puts a local file on the provider (see [`crate::workflow::upload_or_reuse`]), printing what
/// happened on the way.
pub(crate) fn put_file(
    client: &Client,
    path: &Path,
    options: &PreflightArgs,
    printer: &mut Printer,
) -> io::Result<Result<FileObject, ApiError>> {
    let mut reporter = TerminalReporter::default();
    let state = local_state();
    let uploaded = block_on(upload_or_reuse(
        client,
        path,
        &upload_options(options),
        (&state, &mut reporter),
    ))?;
    reporter.print_notes(printer);
    Ok(uploaded)
}

/// How `options` say a file goes up.
pub(crate) fn upload_options(options: &PreflightArgs) -> UploadOptions {
    UploadOptions {
        force: options.force,
        multipart_above: options.multipart_above,
        part_size: options.part_size,
    }
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
}
