//! `finetune export`: the account's fine-tuning jobs and their files, into a folder.

use std::io::{self, IsTerminal};

use indicatif::{ProgressBar, ProgressStyle};

use crate::api::UploadProgress;
use crate::cli::{ExportArgs, Printer};
use crate::commands::ExitStatus;
use crate::commands::check::plural;
use crate::commands::remote::{TerminalReporter, block_on, client, failed};
use crate::workflow::Reporter;
use crate::workflow::export::{ExportError, ExportOptions, ExportReporter, MANIFEST_FILE, export};

/// The export's progress on a terminal: a bar of jobs, and one of bytes for each download.
struct ExportDisplay {
    files: TerminalReporter,
    jobs: ProgressBar,
}

impl Reporter for ExportDisplay {
    fn note(&mut self, note: String) {
        self.files.note(note);
    }

    fn transfer(&mut self, label: &str, bytes: u64) -> UploadProgress {
        self.files.transfer(label, bytes)
    }

    fn transfer_done(&mut self) {
        self.files.transfer_done();
    }
}

impl ExportReporter for ExportDisplay {
    fn job(&mut self, done: usize, total: usize, id: &str) {
        self.jobs.set_length(total as u64);
        self.jobs.set_position(done as u64);
        self.jobs.set_message(id.to_owned());
    }
}

/// `finetune export`.
pub fn run(args: &ExportArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    if let Err(source) = std::fs::create_dir_all(&args.output) {
        printer.error(&format!("{}: {source}", args.output.display()));
        return Ok(ExitStatus::Error);
    }
    let jobs = ProgressBar::new(0);
    jobs.set_style(
        ProgressStyle::with_template("exporting jobs [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    if !io::stderr().is_terminal() {
        jobs.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut display = ExportDisplay {
        files: TerminalReporter::default(),
        jobs,
    };
    let options = ExportOptions {
        jobs: args.jobs.clone(),
        all_statuses: args.all_statuses,
    };
    let exported = block_on(export(&client, &args.output, &options, &mut display))?;
    display.jobs.finish_and_clear();
    display.files.print_notes(printer);
    let summary = match exported {
        Ok(summary) => summary,
        Err(ExportError::Api(error)) => return Ok(failed(&error, printer)),
        Err(error) => {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
    };
    let (files, bytes) = summary.downloaded;
    let mut line = format!(
        "exported {} from {} into {}: downloaded {} ({})",
        plural(summary.exported as u64, "job"),
        client.provider().label(),
        args.output.join(MANIFEST_FILE).display(),
        plural(files as u64, "file"),
        plural(bytes, "byte"),
    );
    if summary.unchanged > 0 {
        line.push_str(&format!(
            "; {} already there with the same sha256, not downloaded again",
            plural(summary.unchanged as u64, "file")
        ));
    }
    printer.note(&line);
    if summary.kept > 0 {
        printer.note(&format!(
            "the manifest also keeps {} of earlier exports into the folder",
            plural(summary.kept as u64, "job")
        ));
    }
    if summary.left_out > 0 {
        printer.note(&format!(
            "left out {} that did not succeed (--all-statuses adds failed and cancelled ones; --job ID picks any)",
            plural(summary.left_out as u64, "job")
        ));
    }
    let missing = summary.missing();
    if missing.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for (id, why) in &missing {
        printer.error(&format!("{id} is missing from the export: {why}"));
    }
    printer.note(&format!(
        "the manifest records {} as missing (\"missing\" in place of \"path\")",
        plural(missing.len() as u64, "file")
    ));
    Ok(ExitStatus::Failure)
}
