//! `finetune split FILE --validation 0.1 --seed 42`.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::{Printer, SplitArgs, TableFormat};
use crate::commands::{ExitStatus, prepare_failure};
use crate::prepare::output::{TargetPolicy, write_selected};
use crate::prepare::split::{SplitOptions, SplitReport, split};
use crate::prepare::{FileWords, PrepareError, sketch_file_stratified};

/// The JSON output: where each side went and its lines.
#[derive(Serialize)]
struct Output<'a> {
    train_file: &'a Path,
    validation_file: &'a Path,
    seed: u64,
    #[serde(flatten)]
    report: &'a SplitReport,
}

/// Splits a file into NAME.train.jsonl and NAME.validation.jsonl.
pub fn run(args: &SplitArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let sketches = match sketch_file_stratified(
        &args.file,
        args.split.seed,
        false,
        args.split.stratify_by.as_deref(),
    ) {
        Ok(sketches) => sketches,
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let options = SplitOptions {
        validation: args.split.validation,
        seed: args.split.seed,
        near: args.split.near.0,
        min_examples: args.provider.dataset_rules().min_examples,
        max_validation: args.provider.dataset_rules().max_validation_examples,
    };
    let report = match split(&sketches.examples, options, &FileWords(&args.file)) {
        Ok(report) => report,
        Err(PrepareError::Split(message)) => {
            printer.error(&format!("{}: {message}", args.file.display()));
            return Ok(ExitStatus::Error);
        }
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let (train_file, validation_file) = output_paths(&args.file, args.split.output_dir.as_deref());
    let targets = [
        (train_file.clone(), report.train.as_slice()),
        (validation_file.clone(), report.validation.as_slice()),
    ];
    let policy = TargetPolicy {
        follow_symlinks: args.split.follow_symlinks,
    };
    if let Err(error) = write_selected(&args.file, &targets, policy) {
        return Ok(prepare_failure(&error, printer));
    }
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        let output = Output {
            train_file: &train_file,
            validation_file: &validation_file,
            seed: args.split.seed,
            report: &report,
        };
        serde_json::to_writer_pretty(&mut *out, &output)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    writeln!(
        out,
        "{}: {} examples, seed {}",
        args.file.display(),
        sketches.examples.len(),
        args.split.seed
    )?;
    writeln!(
        out,
        "  train:      {} ({} examples)",
        train_file.display(),
        report.train.len()
    )?;
    writeln!(
        out,
        "  validation: {} ({} examples)",
        validation_file.display(),
        report.validation.len()
    )?;
    if let Some(asked) = report.validation_capped_from {
        writeln!(out, "{}", capped_note(asked, report.validation.len()))?;
    }
    if report.duplicate_groups > 0 {
        writeln!(
            out,
            "  {} groups of duplicates kept on one side, so no validation example leaks from training",
            report.duplicate_groups
        )?;
    }
    Ok(ExitStatus::Success)
}

/// The line that says the validation side was capped at the platform's maximum.
pub(crate) fn capped_note(asked: u64, kept: usize) -> String {
    format!(
        "  validation capped at {kept} examples, the platform's maximum, instead of the {asked} asked for; the rest train"
    )
}

/// `DIR/NAME.train.jsonl` and `DIR/NAME.validation.jsonl`, NAME being the input's stem.
pub(crate) fn output_paths(input: &Path, dir: Option<&Path>) -> (PathBuf, PathBuf) {
    let stem = input
        .file_stem()
        .map_or_else(|| "data".into(), |s| s.to_string_lossy().into_owned());
    let dir = dir.map_or_else(
        || input.parent().unwrap_or(Path::new("")).to_owned(),
        Path::to_owned,
    );
    (
        dir.join(format!("{stem}.train.jsonl")),
        dir.join(format!("{stem}.validation.jsonl")),
    )
}
