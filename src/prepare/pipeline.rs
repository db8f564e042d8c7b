//! `prepare`: check, then dedupe, then split, then check both outputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::dedupe::{DedupeOptions, DedupeReport, dedupe};
use super::output::{TargetPolicy, write_selected};
use super::split::{SplitOptions, split};
use super::{FileWords, PrepareError, Sketch, sketch_file_stratified};
use crate::diagnostic::Diagnostic;
use crate::lint::{self, CheckError, CheckOptions, FileSummary};

/// What `prepare` does beyond its steps' own options.
#[derive(Clone, Debug)]
pub struct PrepareOptions {
    /// How the input and the outputs are checked (rules, tokens).
    pub check: CheckOptions,
    /// What counts as a duplicate.
    pub dedupe: DedupeOptions,
    /// How to split.
    pub split: SplitOptions,
    /// The key whose strata keep their share on both sides.
    pub stratify_by: Option<String>,
    /// Drop the lines with errors instead of refusing the file.
    pub drop_invalid: bool,
    /// Where the training file goes.
    pub train_path: PathBuf,
    /// Where the validation file goes.
    pub validation_path: PathBuf,
    /// How the outputs treat their targets.
    pub targets: TargetPolicy,
}

/// One output of `prepare`.
#[derive(Debug, Serialize)]
pub struct Side {
    /// The file written.
    pub path: PathBuf,
    /// Its input lines, in order.
    pub lines: Vec<u64>,
    /// The check of the written file.
    #[serde(skip)]
    pub summary: FileSummary,
    /// Errors the written file still has (none unless a file-level rule fails).
    pub errors: Vec<Diagnostic>,
}

/// Everything `prepare` decided; every input line is kept (on one side), invalid, blank or a
/// removed duplicate.
#[derive(Debug, Serialize)]
pub struct PrepareReport {
    /// The input.
    pub input: PathBuf,
    /// Its lines.
    pub lines_in: u64,
    /// Lines dropped for errors (with `drop_invalid`), with their errors.
    pub invalid: Vec<Diagnostic>,
    /// Duplicate removal.
    pub duplicates: DedupeReport,
    /// The training file.
    pub train: Side,
    /// The validation file.
    pub validation: Side,
    /// The validation size asked for, where it was over the platform's maximum and the side
    /// was capped at that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation_capped_from: Option<u64>,
}

/// Why `prepare` refused the input: the file has errors (and `drop_invalid` is off), or
/// errors about the whole file, such as too few examples.
#[derive(Debug)]
pub struct Refusal {
    /// The errors.
    pub errors: Vec<Diagnostic>,
}

/// The outcome of `prepare` on a readable file.
#[derive(Debug)]
pub enum Prepared {
    /// Both files were written.
    Written(Box<PrepareReport>),
    /// Nothing was written.
    Refused(Refusal),
}

fn check_file(
    path: &Path,
    options: &CheckOptions,
) -> Result<(FileSummary, Vec<Diagnostic>), PrepareError> {
    let read_error = |source| PrepareError::Read {
        path: path.to_owned(),
        source,
    };
    let mut diagnostics = Vec::new();
    let summary =
        lint::check_file(path, options, &mut diagnostics).map_err(|error| match error {
            CheckError::Read(source) | CheckError::Output(source) => read_error(source),
        })?;
    Ok((summary, diagnostics))
}

/// Runs the steps; writes nothing unless every step succeeds.
pub fn prepare(input: &Path, options: &PrepareOptions) -> Result<Prepared, PrepareError> {
    let (_, diagnostics) = check_file(input, &options.check)?;
    let errors: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    let file_level = errors.iter().any(|d| d.line.is_none());
    if file_level || (!errors.is_empty() && !options.drop_invalid) {
        return Ok(Prepared::Refused(Refusal { errors }));
    }
    let invalid_lines: BTreeSet<u64> = errors.iter().filter_map(|d| d.line).collect();
    let sketches = sketch_file_stratified(
        input,
        options.split.seed,
        true,
        options.stratify_by.as_deref(),
    )?;
    let valid: Vec<Sketch> = sketches
        .examples
        .into_iter()
        .filter(|sketch| !invalid_lines.contains(&sketch.line))
        .collect();
    let blank: Vec<u64> = sketches
        .blank_lines
        .into_iter()
        .filter(|line| !invalid_lines.contains(line))
        .collect();
    let duplicates = dedupe(&valid, &blank, options.dedupe, &FileWords(input))?;
    let kept: BTreeSet<u64> = duplicates.kept.iter().copied().collect();
    let survivors: Vec<Sketch> = valid
        .into_iter()
        .filter(|sketch| kept.contains(&sketch.line))
        .collect();
    let sides = split(&survivors, options.split, &FileWords(input))?;
    write_selected(
        input,
        &[
            (options.train_path.clone(), sides.train.as_slice()),
            (options.validation_path.clone(), sides.validation.as_slice()),
        ],
        options.targets,
    )?;
    let side = |path: &PathBuf, lines: Vec<u64>| -> Result<Side, PrepareError> {
        let (summary, diagnostics) = check_file(path, &options.check)?;
        let errors = diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect();
        Ok(Side {
            path: path.clone(),
            lines,
            summary,
            errors,
        })
    };
    let validation_capped_from = sides.validation_capped_from;
    let train = side(&options.train_path, sides.train)?;
    let validation = side(&options.validation_path, sides.validation)?;
    let lines_in = duplicates.lines_in + invalid_lines.len() as u64;
    Ok(Prepared::Written(Box::new(PrepareReport {
        input: input.to_owned(),
        lines_in,
        invalid: errors,
        duplicates,
        train,
        validation,
        validation_capped_from,
    })))
}
