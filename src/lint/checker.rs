//! The pipeline of `check`: read newline-aligned chunks, lint their lines in parallel, then run
//! the dataset-wide checks in line order and hand sorted diagnostics to a sink.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc;

use rayon::prelude::*;
use serde_json::Value;

use super::content::example_too_long;
use super::dataset::{
    duplicate_example, mixed_formats, mixed_modalities, no_reference_fields, too_few_examples,
    too_many_examples,
};
use super::syntax::{self, blank_line, byte_order_mark, invalid_utf8, not_an_object};
use super::{Finding, Findings, RECORD_CHECKS, Record, Rule, RuleFilter, RuleProfile};
use crate::dataset::method::CHAT_KEYS;
use crate::dataset::stream::read_value;
use crate::dataset::{Chunk, ChunkReader, Format, Line, Method, locate_all};
use crate::diagnostic::{Diagnostic, Severity, Snippet, Span};
use crate::tokens::{Bin, Distribution, ExampleTokens, TokenCounter, count_example, histogram};

/// Chunks linted in parallel before their results are merged, per thread.
const CHUNKS_PER_THREAD: usize = 4;
/// Bytes of context shown on each side of an underlined value.
const SNIPPET_CONTEXT: usize = 80;
/// Longest part of a value that is underlined; longer values are cut with `…`.
const SNIPPET_MAX_VALUE: usize = 160;
/// Diagnostics one line reports; past it, one more says how many of each rule were left out.
/// A line can hold millions of bad values, and a report of each helps nobody.
pub const MAX_DIAGNOSTICS_PER_LINE: usize = 100;
/// Longest line [`check_file`] holds in memory; a longer one is read from the file as its value
/// is built, so a line of hundreds of megabytes costs about its value rather than twice that.
pub const LONGEST_HELD_LINE: usize = 32 << 20;
/// Read buffer for a line left in the file.
const LEFT_LINE_BUFFER: usize = 1 << 16;

/// What `check` does with a stream, beyond running every rule.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Which rules run.
    pub filter: RuleFilter,
    /// Stop reading after this many errors.
    pub max_errors: Option<u64>,
    /// Count tokens, when set.
    pub tokens: Option<TokenSettings>,
    /// Check every line as this method; `None` decides per line and reports the majority.
    pub method: Option<Method>,
    /// The dataset rules of the platform that will train on the file.
    pub profile: RuleProfile,
    /// Check every line as this format, whatever its keys (it overrides `method`); `None`
    /// decides per line.
    pub format: Option<Format>,
}

/// How to count tokens.
#[derive(Clone, Copy, Debug)]
pub struct TokenSettings {
    /// The counter of the model's encoding.
    pub counter: TokenCounter,
    /// Tokens per example the model trains on; longer examples are reported and billed capped.
    pub example_token_limit: Option<u32>,
    /// Whether the counts are approximate (the model's tokenizer is not the counter's), which
    /// the report of a long example says.
    pub approximate: bool,
}

/// Token counts of a whole stream.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenSummary {
    /// What counted: an encoding's name, or `huggingface` for a tokenizer file.
    pub encoding: &'static str,
    /// The tokenizer file that counted, if one did.
    pub tokenizer: Option<&'static str>,
    /// Examples counted (those with a `messages` array).
    pub examples: u64,
    /// Every token of every example.
    pub total: u64,
    /// Tokens of trained assistant messages.
    pub trained: u64,
    /// Distribution of example lengths; `None` when no example was counted.
    pub per_example: Option<Distribution>,
    /// A histogram of example lengths.
    pub histogram: Vec<Bin>,
    /// Σ min(limit, tokens of the example).
    pub billed_tokens_per_epoch: u64,
    /// Examples over the limit.
    pub over_limit: u64,
    /// Image parts whose tokens are an estimate (size unknown).
    pub estimated_images: u64,
    /// For preference data: tokens of the inputs, the preferred and the non-preferred outputs.
    pub parts: Option<[u64; 3]>,
}

/// Receives diagnostics in file order as soon as they are final.
pub trait DiagnosticSink {
    /// Takes one diagnostic.
    fn emit(&mut self, diagnostic: Diagnostic) -> io::Result<()>;
}

impl DiagnosticSink for Vec<Diagnostic> {
    fn emit(&mut self, diagnostic: Diagnostic) -> io::Result<()> {
        self.push(diagnostic);
        Ok(())
    }
}

/// Why a stream could not be checked to the end.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Reading the input failed.
    #[error("could not read the input: {0}")]
    Read(#[source] io::Error),
    /// The sink could not take a diagnostic (for example a closed pipe).
    #[error("could not write the report: {0}")]
    Output(#[source] io::Error),
}

/// Counts for one checked stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileSummary {
    /// Non-blank lines.
    pub examples: u64,
    /// Examples with no error.
    pub valid_examples: u64,
    /// Error diagnostics emitted.
    pub errors: u64,
    /// Warning diagnostics emitted.
    pub warnings: u64,
    /// Whether `max_errors` stopped the check before the end of the stream.
    pub stopped_early: bool,
    /// The format of the file's lines: the majority's, among those of the method given.
    pub format: Format,
    /// Token counts, when they were asked for.
    pub tokens: Option<TokenSummary>,
}

impl FileSummary {
    /// The method the file was checked as: the one given, or the majority of its lines (the
    /// method of [`FileSummary::format`]).
    pub fn method(&self) -> Method {
        self.format.method()
    }
}

/// Checks one stream, handing each diagnostic to `sink` in line order; file-level diagnostics
/// come last. Every line is held in memory while it is checked; [`check_file`] holds none
/// longer than [`LONGEST_HELD_LINE`].
///
/// # Errors
///
/// When reading the stream or writing to the sink fails.
pub fn check_stream<R: Read>(
    input: R,
    options: &CheckOptions,
    sink: &mut dyn DiagnosticSink,
) -> Result<FileSummary, CheckError> {
    check_chunks(ChunkReader::new(input), None, options, sink)
}

/// Checks one file as [`check_stream`] does, except that in a regular file a line longer than
/// [`LONGEST_HELD_LINE`] is read again from the file bit by bit rather than held whole.
///
/// # Errors
///
/// When opening or reading the file, or writing to the sink, fails.
pub fn check_file(
    path: &Path,
    options: &CheckOptions,
    sink: &mut dyn DiagnosticSink,
) -> Result<FileSummary, CheckError> {
    check_file_holding(path, LONGEST_HELD_LINE, options, sink)
}

/// [`check_file`], holding lines of at most `longest_held` bytes.
fn check_file_holding(
    path: &Path,
    longest_held: usize,
    options: &CheckOptions,
    sink: &mut dyn DiagnosticSink,
) -> Result<FileSummary, CheckError> {
    let file = File::open(path).map_err(CheckError::Read)?;
    // Only a regular file can be read again where a line is; a pipe or a device is held.
    if file.metadata().map_err(CheckError::Read)?.is_file() {
        let reader = ChunkReader::new(file).leaving_lines_over(longest_held);
        check_chunks(reader, Some(path), options, sink)
    } else {
        check_chunks(ChunkReader::new(file), None, options, sink)
    }
}

fn check_chunks<R: Read>(
    mut reader: ChunkReader<R>,
    path: Option<&Path>,
    options: &CheckOptions,
    sink: &mut dyn DiagnosticSink,
) -> Result<FileSummary, CheckError> {
    let batch_size = rayon::current_num_threads() * CHUNKS_PER_THREAD;
    let mut merger = Merger::new(options, sink);
    // The next batch is read on this thread while the pool lints the one before it, so reading
    // and linting overlap; the reader need not be `Send` (standard input's lock is not).
    rayon::in_place_scope(|scope| {
        let mut in_flight: Option<mpsc::Receiver<io::Result<Vec<Vec<LineReport>>>>> = None;
        loop {
            let mut batch = Vec::with_capacity(batch_size);
            while batch.len() < batch_size {
                match reader.next_chunk().map_err(CheckError::Read)? {
                    Some(chunk) => batch.push(chunk),
                    None => break,
                }
            }
            if let Some(linted) = in_flight.take() {
                // The task always sends before it ends; a closed channel means it panicked.
                let reports = linted.recv().expect("the lint task sends its reports");
                for report in reports.map_err(CheckError::Read)?.into_iter().flatten() {
                    if !merger.take(report)? {
                        return Ok(merger.into_summary());
                    }
                }
            }
            if batch.is_empty() {
                return merger.finish();
            }
            let (sender, linted) = mpsc::sync_channel(1);
            scope.spawn(move |_| {
                let reports = batch
                    .par_iter()
                    .map(|chunk| match (chunk.left_in_stream, path) {
                        (Some(length), Some(path)) => {
                            lint_left_line(path, chunk, length, options).map(|report| vec![report])
                        }
                        _ => Ok(lint_chunk(chunk, options)),
                    })
                    .collect();
                // The receiver is gone only when the check stopped early.
                let _ = sender.send(reports);
            });
            in_flight = Some(linted);
        }
    })
}

/// Dataset-wide state, fed line reports in line order.
struct Merger<'a> {
    options: &'a CheckOptions,
    sink: &'a mut dyn DiagnosticSink,
    first_copies: HashMap<u128, u64>,
    lengths: Vec<u32>,
    tally: TokenTally,
    /// Lines of each format, in the order of [`Format::ALL`], and the first line of each.
    formats: [(u64, Option<u64>); Format::ALL.len()],
    reference_fields: bool,
    /// The first line holding each kind of media of [`crate::lint::bedrock::MEDIA_KEYS`],
    /// with the pointer of its first block of that kind.
    first_media: [Option<(u64, String)>; 2],
    summary: FileSummary,
}

fn format_index(format: Format) -> usize {
    Format::ALL
        .iter()
        .position(|f| *f == format)
        .unwrap_or_default()
}

/// Running token totals.
#[derive(Default)]
struct TokenTally {
    total: u64,
    trained: u64,
    billed_per_epoch: u64,
    over_limit: u64,
    estimated_images: u64,
    parts: Option<[u64; 3]>,
}

impl<'a> Merger<'a> {
    fn new(options: &'a CheckOptions, sink: &'a mut dyn DiagnosticSink) -> Self {
        Self {
            options,
            sink,
            first_copies: HashMap::new(),
            lengths: Vec::new(),
            tally: TokenTally::default(),
            formats: [(0, None); Format::ALL.len()],
            reference_fields: false,
            first_media: [None, None],
            summary: FileSummary::default(),
        }
    }

    /// Takes one line's report; `false` once `max_errors` is reached.
    fn take(&mut self, mut report: LineReport) -> Result<bool, CheckError> {
        if let Some(example) = &report.example {
            self.summary.examples += 1;
            if let Some(format) = example.format {
                let (count, first) = &mut self.formats[format_index(format)];
                *count += 1;
                first.get_or_insert(report.number);
            }
            self.reference_fields |= example.has_reference_field;
            for (kind, pointer) in &example.media {
                let index = usize::from(*kind == "video");
                self.first_media[index].get_or_insert_with(|| (report.number, pointer.clone()));
            }
            if let (Some(tokens), Some(settings)) = (example.tokens, &self.options.tokens) {
                self.lengths.push(tokens.total);
                let tally = &mut self.tally;
                tally.total += u64::from(tokens.total);
                tally.trained += u64::from(tokens.trained);
                tally.estimated_images += u64::from(tokens.estimated_images);
                let limit = settings.example_token_limit.unwrap_or(u32::MAX);
                tally.billed_per_epoch += u64::from(tokens.total.min(limit));
                tally.over_limit += u64::from(tokens.total > limit);
                if let Some(parts) = tokens.parts {
                    let sums = tally.parts.get_or_insert([0; 3]);
                    for (sum, part) in sums.iter_mut().zip(parts) {
                        *sum += u64::from(part);
                    }
                }
            }
            if let Some(fingerprint) = example.fingerprint {
                match self.first_copies.get(&fingerprint) {
                    Some(&first) if self.options.filter.is_enabled(&duplicate_example::RULE) => {
                        report.diagnostics.push(duplicate_example::diagnostic(
                            report.number,
                            first,
                            example.span,
                        ));
                    }
                    Some(_) => {}
                    None => {
                        self.first_copies.insert(fingerprint, report.number);
                    }
                }
            }
            if !report.has_error && !report.diagnostics.iter().any(Diagnostic::is_error) {
                self.summary.valid_examples += 1;
            }
        }
        report
            .diagnostics
            .sort_by_key(|d| (d.span.map_or(0, |span| span.offset), d.code));
        for diagnostic in report.diagnostics.into_iter().chain(report.note) {
            if !self.emit(diagnostic)? {
                return Ok(false);
            }
        }
        // Counted once the line's shown diagnostics are out, so that `--max-errors` stops after
        // diagnostics a user sees, not inside a line's hidden rest.
        self.summary.errors += report.unshown.0;
        self.summary.warnings += report.unshown.1;
        Ok(true)
    }

    fn emit(&mut self, diagnostic: Diagnostic) -> Result<bool, CheckError> {
        match diagnostic.severity {
            Severity::Error => self.summary.errors += 1,
            Severity::Warning => self.summary.warnings += 1,
        }
        self.sink.emit(diagnostic).map_err(CheckError::Output)?;
        let reached = self
            .options
            .max_errors
            .is_some_and(|max| self.summary.errors >= max);
        self.summary.stopped_early = reached;
        Ok(!reached)
    }

    /// The format of the file: the one most lines have, among those of the method given; the
    /// first in [`Format::ALL`] on a tie.
    fn file_format(&self) -> Format {
        if let Some(format) = self.options.format {
            return format;
        }
        let forced = self.options.method;
        Format::ALL
            .into_iter()
            .filter(|format| forced.is_none_or(|method| format.method() == method))
            .max_by_key(|format| {
                (
                    self.formats[format_index(*format)].0,
                    std::cmp::Reverse(format_index(*format)),
                )
            })
            .unwrap_or_default()
    }

    fn finish(mut self) -> Result<FileSummary, CheckError> {
        let format = self.file_format();
        // With a method given, lines take only that method's formats, so only plain and chat
        // lines can be mixed.
        if self.options.filter.is_enabled(&mixed_formats::RULE) {
            let others = Format::ALL.into_iter().filter(|f| *f != format);
            let first = others
                .clone()
                .filter_map(|f| self.formats[format_index(f)].1.map(|line| (line, f)))
                .min();
            let count: u64 = others.map(|f| self.formats[format_index(f)].0).sum();
            if let Some(first) = first {
                self.emit(mixed_formats::diagnostic(format, first, count))?;
            }
        }
        if let [Some(image), Some(video)] = &self.first_media
            && self.options.filter.is_enabled(&mixed_modalities::RULE)
        {
            self.emit(mixed_modalities::diagnostic(image, video))?;
        }
        if format == Format::Reinforcement
            && !self.reference_fields
            && self.summary.examples > 0
            && self.options.filter.is_enabled(&no_reference_fields::RULE)
        {
            self.emit(no_reference_fields::diagnostic())?;
        }
        if self.options.filter.is_enabled(&too_few_examples::RULE)
            && let Some(diagnostic) = too_few_examples::diagnostic(
                self.summary.examples,
                self.options.profile.min_examples,
            )
        {
            self.emit(diagnostic)?;
        }
        if self.options.filter.is_enabled(&too_many_examples::RULE)
            && let Some(maximum) = self.options.profile.max_examples
            && let Some(diagnostic) = too_many_examples::diagnostic(self.summary.examples, maximum)
        {
            self.emit(diagnostic)?;
        }
        Ok(self.into_summary())
    }

    fn into_summary(mut self) -> FileSummary {
        let format = self.file_format();
        self.summary.format = format;
        if let Some(settings) = &self.options.tokens {
            let per_example = Distribution::of(&mut self.lengths);
            self.summary.tokens = Some(TokenSummary {
                encoding: settings.counter.name(),
                tokenizer: settings.counter.tokenizer_path(),
                examples: self.lengths.len() as u64,
                total: self.tally.total,
                trained: self.tally.trained,
                per_example,
                histogram: histogram(&self.lengths),
                billed_tokens_per_epoch: self.tally.billed_per_epoch,
                over_limit: self.tally.over_limit,
                estimated_images: self.tally.estimated_images,
                parts: self.tally.parts,
            });
        }
        self.summary
    }
}

/// The result of linting one line.
#[derive(Debug)]
struct LineReport {
    number: u64,
    diagnostics: Vec<Diagnostic>,
    /// Whether the line has an error, shown or not.
    has_error: bool,
    /// Errors and warnings of the line that no diagnostic shows (past the cap).
    unshown: (u64, u64),
    /// The diagnostic saying what the cap left out; it comes after the line's others.
    note: Option<Diagnostic>,
    example: Option<Example>,
}

/// What the dataset pass needs to know of one example.
#[derive(Debug)]
struct Example {
    format: Option<Format>,
    has_reference_field: bool,
    fingerprint: Option<u128>,
    span: Span,
    tokens: Option<ExampleTokens>,
    media: Vec<(&'static str, String)>,
}

fn lint_chunk(chunk: &Chunk, options: &CheckOptions) -> Vec<LineReport> {
    chunk
        .lines()
        .map(|line| {
            let result = lint_line(line.bytes, line.number == 1, options);
            line_report(result, &line)
        })
        .collect()
}

/// The report of a line from what linting it found.
fn line_report(result: LineResult, line: &Line<'_>) -> LineReport {
    let (start, end) = result.content;
    let example = result.is_example.then(|| Example {
        format: result.format,
        has_reference_field: result.has_reference_field,
        fingerprint: result.fingerprint,
        tokens: result.tokens,
        media: result.media,
        span: Span {
            offset: line.offset + start as u64,
            length: (end - start) as u64,
        },
    });
    let placed = place_findings(result.findings.into_vec(), line, result.content);
    LineReport {
        number: line.number,
        diagnostics: placed.diagnostics,
        has_error: placed.has_error,
        unshown: placed.unshown,
        note: placed.note,
        example,
    }
}

/// Lints a line the reader left in the file, `length` bytes at the chunk's offset, without
/// holding it beside its value: the value is built as the line is read; the line is read
/// whole only to place findings, once the value is gone. A line that is not a JSON object
/// serde_json reads is checked as any other line, held whole, for the diagnostics that say why.
fn lint_left_line(
    path: &Path,
    chunk: &Chunk,
    length: u64,
    options: &CheckOptions,
) -> io::Result<LineReport> {
    let read = |skip: u64, len: u64| -> io::Result<io::Take<BufReader<File>>> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(chunk.offset + skip))?;
        Ok(BufReader::with_capacity(LEFT_LINE_BUFFER, file).take(len))
    };
    let read_whole = || -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        read(0, length)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    let mut head = Vec::new();
    read(0, byte_order_mark::BOM.len() as u64)?.read_to_end(&mut head)?;
    let mut tail = Vec::new();
    read(length.saturating_sub(1), 1)?.read_to_end(&mut tail)?;
    let mut findings = Findings::default();
    let start = if chunk.first_line == 1 && head.starts_with(byte_order_mark::BOM) {
        byte_order_mark::report(&mut findings);
        byte_order_mark::BOM.len()
    } else {
        0
    };
    let end = usize::try_from(length).unwrap_or(usize::MAX) - usize::from(tail == b"\r");
    let Some(Value::Object(root)) = read_value(read(start as u64, (end - start) as u64)?)? else {
        let bytes = read_whole()?;
        let line = Line {
            number: chunk.first_line,
            offset: chunk.offset,
            bytes: &bytes,
        };
        return Ok(line_report(
            lint_line(&bytes, line.number == 1, options),
            &line,
        ));
    };
    let mut content_findings = Findings::default();
    let object = lint_object(&root, options, &mut content_findings);
    drop(root);
    let result = line_result(
        findings,
        content_findings,
        Some(object),
        true,
        (start, end),
        options,
    );
    let bytes = if result.findings.is_empty() {
        Vec::new()
    } else {
        read_whole()?
    };
    let line = Line {
        number: chunk.first_line,
        offset: chunk.offset,
        bytes: &bytes,
    };
    Ok(line_report(result, &line))
}

/// One line's findings made diagnostics, at most [`MAX_DIAGNOSTICS_PER_LINE`] of them.
struct PlacedFindings {
    diagnostics: Vec<Diagnostic>,
    /// Whether any finding of the line, shown or not, is an error.
    has_error: bool,
    /// Errors and warnings found on the line but not shown, beyond the note saying so.
    unshown: (u64, u64),
    /// The diagnostic saying what the cap left out.
    note: Option<Diagnostic>,
}

/// Places a line's findings in the file. All their pointers are located in one pass over the
/// line and their columns counted in another, so the work does not grow with the number of
/// findings times the length of the line. Past [`MAX_DIAGNOSTICS_PER_LINE`], errors are kept
/// before warnings and the rest are summed up in one note.
fn place_findings(
    findings: Vec<Finding>,
    line: &Line<'_>,
    content: (usize, usize),
) -> PlacedFindings {
    let has_error = findings
        .iter()
        .any(|finding| finding.rule.severity == Severity::Error);
    let ranges = ranges_of(&findings, line, content);
    let mut placed: Vec<(Finding, Option<(usize, usize)>)> =
        findings.into_iter().zip(ranges).collect();
    let mut note = None;
    let mut unshown = (0, 0);
    if placed.len() > MAX_DIAGNOSTICS_PER_LINE {
        placed.sort_by_key(|(finding, range)| {
            (
                finding.rule.severity != Severity::Error,
                range.map_or(0, |(at, _)| at),
                finding.rule.code,
            )
        });
        let dropped = placed.split_off(MAX_DIAGNOSTICS_PER_LINE);
        let diagnostic = unshown_note(line.number, &dropped);
        let errors = dropped
            .iter()
            .filter(|(finding, _)| finding.rule.severity == Severity::Error)
            .count() as u64;
        let warnings = dropped.len() as u64 - errors;
        unshown = match diagnostic.severity {
            Severity::Error => (errors - 1, warnings),
            Severity::Warning => (errors, warnings - 1),
        };
        note = Some(diagnostic);
    }
    placed.sort_by_key(|(_, range)| range.map_or(0, |(at, _)| at));
    let mut columns = ColumnCounter::new(line.bytes, content.0);
    let diagnostics = placed
        .into_iter()
        .map(|(finding, range)| {
            let column = range.map(|(at, _)| columns.column_of(at));
            to_diagnostic(finding, line, content, range.zip(column))
        })
        .collect();
    PlacedFindings {
        diagnostics,
        has_error,
        unshown,
        note,
    }
}

/// The byte range of each finding within the line: its own, or where its pointer points.
fn ranges_of(
    findings: &[Finding],
    line: &Line<'_>,
    content: (usize, usize),
) -> Vec<Option<(usize, usize)>> {
    let (content_start, content_end) = content;
    let pointers: Vec<&str> = findings
        .iter()
        .filter(|finding| finding.range.is_none())
        .filter_map(|finding| finding.pointer.as_deref())
        .collect();
    // A line without findings may come without its bytes (see `lint_left_line`).
    let text = line
        .bytes
        .get(content_start..content_end)
        .map(std::str::from_utf8);
    let mut located = match text {
        Some(Ok(text)) if !pointers.is_empty() => locate_all(text, &pointers),
        _ => vec![None; pointers.len()],
    }
    .into_iter();
    findings
        .iter()
        .map(|finding| match (finding.range, &finding.pointer) {
            (Some(range), _) => Some(range),
            (None, Some(_)) => located
                .next()
                .flatten()
                .map(|(at, len)| (at + content_start, len)),
            (None, None) => None,
        })
        .collect()
}

/// The diagnostic that stands for the findings of a line past the cap: it has the code of the
/// most frequent of them, and says how many of each were left out.
fn unshown_note(number: u64, dropped: &[(Finding, Option<(usize, usize)>)]) -> Diagnostic {
    let mut by_rule: Vec<(&'static Rule, u64)> = Vec::new();
    for (finding, _) in dropped {
        match by_rule
            .iter_mut()
            .find(|(rule, _)| rule.code == finding.rule.code)
        {
            Some((_, count)) => *count += 1,
            None => by_rule.push((finding.rule, 1)),
        }
    }
    by_rule.sort_by_key(|(rule, count)| (std::cmp::Reverse(*count), rule.code));
    let (top, _) = by_rule[0];
    let counts: Vec<String> = by_rule
        .iter()
        .map(|(rule, count)| format!("{count} {} {}", rule.code, rule.name))
        .collect();
    let mut diagnostic = top.diagnostic(
        Some(number),
        format!(
            "{} more findings on this line are not shown (at most {MAX_DIAGNOSTICS_PER_LINE} a line): {}",
            dropped.len(),
            counts.join(", ")
        ),
    );
    if by_rule
        .iter()
        .any(|(rule, _)| rule.severity == Severity::Error)
    {
        diagnostic.severity = Severity::Error;
    }
    "fix the findings shown and check again: the ones not shown are of the same rules"
        .clone_into(&mut diagnostic.help);
    diagnostic
}

/// Character columns of byte offsets in one line, asked for in increasing order: each call
/// counts only the bytes since the previous one.
struct ColumnCounter<'a> {
    bytes: &'a [u8],
    floor: usize,
    at: usize,
    chars: usize,
}

impl<'a> ColumnCounter<'a> {
    fn new(bytes: &'a [u8], floor: usize) -> Self {
        Self {
            bytes,
            floor,
            at: floor,
            chars: 0,
        }
    }

    /// The 1-based column of byte `at` (a byte before `floor` is in column 1).
    fn column_of(&mut self, at: usize) -> usize {
        let at = at.max(self.floor).min(self.bytes.len());
        if at < self.at {
            self.at = self.floor;
            self.chars = 0;
        }
        // Lines with a finding past their start are valid UTF-8 up to it: counting the bytes
        // that start a character counts the characters.
        self.chars += self.bytes[self.at..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        self.at = at;
        self.chars + 1
    }
}

/// The result of the per-line and per-record passes on one line.
#[derive(Debug)]
pub(crate) struct LineResult {
    /// What the enabled rules found; ranges are relative to the raw line.
    pub findings: Findings,
    /// Whether the line counts as an example (it is not blank).
    pub is_example: bool,
    /// Identity of the example for duplicate detection, when it parsed.
    pub fingerprint: Option<u128>,
    /// Token counts, when asked for and the example has a `messages` array.
    pub tokens: Option<ExampleTokens>,
    /// The format the line was checked as, when it parsed as an object.
    pub format: Option<Format>,
    /// Whether a reinforcement line has a top-level key besides the chat keys.
    pub has_reference_field: bool,
    /// The kinds of media a Bedrock line holds, each with the pointer of its first block.
    pub media: Vec<(&'static str, String)>,
    /// Byte range of the line's content, without a byte order mark or a final `\r`.
    pub content: (usize, usize),
}

/// Runs the per-line and per-record rules on one raw line (without its `\n`).
pub(crate) fn lint_line(bytes: &[u8], is_first_line: bool, options: &CheckOptions) -> LineResult {
    let mut findings = Findings::default();
    let start = if is_first_line && bytes.starts_with(byte_order_mark::BOM) {
        byte_order_mark::report(&mut findings);
        byte_order_mark::BOM.len()
    } else {
        0
    };
    let end = if bytes[start..].ends_with(b"\r") {
        bytes.len() - 1
    } else {
        bytes.len()
    };
    let content = &bytes[start..end];
    let mut line_findings = Findings::default();
    let mut object = None;
    let is_example = !content.iter().all(u8::is_ascii_whitespace);
    if is_example {
        match simdutf8::basic::from_utf8(content).or_else(|_| std::str::from_utf8(content)) {
            Err(error) => invalid_utf8::report(&error, &mut line_findings),
            Ok(text) => match syntax::parse_line(text, &mut line_findings) {
                None => {}
                Some(Value::Object(root)) => {
                    object = Some(lint_object(&root, options, &mut line_findings));
                }
                Some(other) => not_an_object::report(&other, &mut line_findings),
            },
        }
    } else {
        blank_line::report(content, &mut line_findings);
    }
    line_result(
        findings,
        line_findings,
        object,
        is_example,
        (start, end),
        options,
    )
}

/// What the record checks found of one example, besides its findings.
struct ObjectResult {
    format: Format,
    has_reference_field: bool,
    fingerprint: u128,
    tokens: Option<ExampleTokens>,
    media: Vec<(&'static str, String)>,
}

/// Runs the checks of one example's record, and counts its tokens.
fn lint_object(
    root: &serde_json::Map<String, Value>,
    options: &CheckOptions,
    findings: &mut Findings,
) -> ObjectResult {
    let format = options.format.unwrap_or_else(|| {
        if options.profile.reads_vertex() {
            Format::detect_vertex(root, options.method)
        } else if options.profile.reads_bedrock() {
            Format::detect_bedrock(root, options.method)
        } else if root.contains_key("schemaVersion") {
            // A Bedrock line is checked as what it is, as an OpenAI line is under Bedrock's
            // rules: read by OpenAI's, each of its content blocks would be a wrong OpenAI part.
            // FT176 says it is not OpenAI's.
            Format::BedrockConversation
        } else {
            Format::detect(root, options.method, options.profile.plain_formats)
        }
    });
    let has_reference_field = format == Format::Reinforcement
        && root.keys().any(|key| !CHAT_KEYS.contains(&key.as_str()));
    let record = Record::with_format(root, format).under(options.profile);
    for (check, formats) in RECORD_CHECKS {
        if formats.contains(&format) {
            check(&record, findings);
        }
    }
    let mut tokens = None;
    if let Some(settings) = &options.tokens {
        tokens = count_example(&record, &settings.counter);
        if let (Some(counted), Some(limit)) = (tokens, settings.example_token_limit)
            && counted.total > limit
        {
            example_too_long::report(counted.total, limit, settings.approximate, findings);
        }
    }
    // A Bedrock dataset takes one kind of media (FT407), told once the file is read.
    let media = if format == Format::BedrockConversation {
        crate::lint::bedrock::media(&record)
    } else {
        Vec::new()
    };
    ObjectResult {
        format,
        has_reference_field,
        fingerprint: duplicate_example::fingerprint(root),
        tokens,
        media,
    }
}

/// One line's result: `findings` of the whole line, then those of its content (from
/// `content.0` on), of which only the enabled rules' are kept.
fn line_result(
    mut findings: Findings,
    content_findings: Findings,
    object: Option<ObjectResult>,
    is_example: bool,
    content: (usize, usize),
    options: &CheckOptions,
) -> LineResult {
    for mut finding in content_findings.into_vec() {
        finding.range = finding.range.map(|(at, len)| (at + content.0, len));
        findings.push(finding);
    }
    findings.retain(|finding| options.filter.is_enabled(finding.rule));
    LineResult {
        findings,
        is_example,
        fingerprint: object.as_ref().map(|object| object.fingerprint),
        tokens: object.as_ref().and_then(|object| object.tokens),
        format: object.as_ref().map(|object| object.format),
        has_reference_field: object
            .as_ref()
            .is_some_and(|object| object.has_reference_field),
        media: object.map(|object| object.media).unwrap_or_default(),
        content,
    }
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        self.items.push(finding);
    }

    fn retain(&mut self, keep: impl Fn(&Finding) -> bool) {
        self.items.retain(keep);
    }
}

/// A finding as a diagnostic: its `range` in the line and the column of the range's start
/// give its span and the snippet to underline.
fn to_diagnostic(
    finding: Finding,
    line: &Line<'_>,
    content: (usize, usize),
    range: Option<((usize, usize), usize)>,
) -> Diagnostic {
    let (content_start, content_end) = content;
    let (column, span, snippet) = match range {
        Some(((at, len), column)) => {
            let span = Span {
                offset: line.offset + at as u64,
                length: len as u64,
            };
            let visible_end = content_end.max(at + len).min(line.bytes.len());
            let snippet = snippet(
                &line.bytes[..visible_end],
                content_start.min(at),
                at,
                len,
                column - 1,
            );
            (Some(column as u64), Some(span), Some(snippet))
        }
        None => (None, None, None),
    };
    Diagnostic {
        code: finding.rule.code,
        name: finding.rule.name,
        severity: finding.rule.severity,
        line: Some(line.number),
        column,
        pointer: finding.pointer,
        span,
        message: finding.message,
        help: finding.help.unwrap_or_else(|| finding.rule.help.to_owned()),
        labels: Vec::new(),
        snippet: Some(snippet).flatten(),
    }
}

/// A window of `bytes` (from `floor` on) around the range `at..at + len`, cut at character
/// boundaries, with `…` where it was cut. `column` is the character column of `at`.
fn snippet(bytes: &[u8], floor: usize, at: usize, len: usize, column: usize) -> Snippet {
    let shown_len = len.min(SNIPPET_MAX_VALUE);
    let value_end = char_end(bytes, at + shown_len);
    let window_start = char_start(bytes, at.saturating_sub(SNIPPET_CONTEXT).max(floor));
    let window_end = char_end(bytes, (value_end + SNIPPET_CONTEXT).min(bytes.len()));
    let mut text = String::new();
    if window_start > floor {
        text.push('…');
    }
    text.push_str(&String::from_utf8_lossy(&bytes[window_start..at]));
    let prefix_chars = text.chars().count() - usize::from(window_start > floor);
    let start = text.len();
    text.push_str(&String::from_utf8_lossy(&bytes[at..value_end]));
    if value_end < at + len {
        text.push('…');
    }
    let length = text.len() - start;
    text.push_str(&String::from_utf8_lossy(&bytes[value_end..window_end]));
    if window_end < bytes.len() {
        text.push('…');
    }
    Snippet {
        text: text.replace('\t', " "),
        first_column: column.saturating_sub(prefix_chars + usize::from(window_start > floor)),
        start,
        length,
    }
}

/// Moves `at` back to the start of a UTF-8 character.
fn char_start(bytes: &[u8], mut at: usize) -> usize {
    while at > 0 && at < bytes.len() && (bytes[at] & 0xC0) == 0x80 {
        at -= 1;
    }
    at
}

/// Moves `at` forward to the end of a UTF-8 character.
fn char_end(bytes: &[u8], mut at: usize) -> usize {
    at = at.min(bytes.len());
    while at < bytes.len() && (bytes[at] & 0xC0) == 0x80 {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str) -> (FileSummary, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let summary =
            check_stream(input.as_bytes(), &CheckOptions::default(), &mut diagnostics).unwrap();
        (summary, diagnostics)
    }

    const GOOD: &str = r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#;

    proptest::proptest! {
        #[test]
        fn mutated_lines_left_in_the_file_are_checked_as_held(
            edits in proptest::collection::vec((0usize..200, 0usize..12), 0..6),
        ) {
            const BYTES: &[&str] = &["\"", "{", "}", "[", "]", ",", ":", "\\", "\\u", "\r", " ", "é"];
            let base = r#"{"messages": [{"role": "user", "content": "Hi \n"}, {"role": "assistant", "content": "Hello", "weight": 1}]}"#;
            // Byte edits, which may cut a character: invalid UTF-8 is checked too.
            let mut line = base.as_bytes().to_vec();
            for (at, byte) in edits {
                let at = at.min(line.len());
                line.splice(at..(at + 1).min(line.len()), BYTES[byte].bytes());
            }
            let mut text = format!("{GOOD}\n").into_bytes();
            for _ in 0..2 {
                text.extend_from_slice(&line);
                text.push(b'\n');
            }
            let mut held = Vec::new();
            let held_summary = check_stream(&text[..], &CheckOptions::default(), &mut held).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data.jsonl");
            std::fs::write(&path, &text).unwrap();
            let mut left = Vec::new();
            let summary = check_file_holding(&path, 20, &CheckOptions::default(), &mut left).unwrap();
            proptest::prop_assert_eq!(summary, held_summary);
            proptest::prop_assert_eq!(left, held);
        }
    }

    #[test]
    fn a_file_over_the_platform_s_maximum_is_reported_once() {
        let options = CheckOptions {
            profile: RuleProfile {
                min_examples: 1,
                max_examples: Some(2),
                ..RuleProfile::BASELINE
            },
            ..CheckOptions::default()
        };
        let count = |lines: usize| {
            let input = format!("{GOOD}\n").repeat(lines);
            let mut diagnostics = Vec::new();
            check_stream(input.as_bytes(), &options, &mut diagnostics).unwrap();
            diagnostics.iter().filter(|d| d.code == "FT406").count()
        };
        assert_eq!(count(2), 0);
        assert_eq!(count(3), 1);
        // No maximum where the platform states none.
        let mut diagnostics = Vec::new();
        let input = format!("{GOOD}\n").repeat(30);
        check_stream(input.as_bytes(), &CheckOptions::default(), &mut diagnostics).unwrap();
        assert!(diagnostics.iter().all(|d| d.code != "FT406"));
    }

    #[test]
    fn lines_left_in_the_file_are_checked_as_lines_held() {
        let many_bad_roles = format!(
            r#"{{"messages": [{}{{"role": "assistant", "content": "x"}}]}}"#,
            r#"{"role": "bot", "content": "é"}, "#.repeat(150)
        );
        let lines = [
            GOOD.to_owned(),
            format!("\u{feff}{GOOD}\r"),
            r#"{"messages": [{"role": "bot", "content": "a\n\"b\" \u00e9 \ud83d\ude00"}]}"#
                .to_owned(),
            r#"{"messages": [{"role": "user", "content": "\ud800"}]}"#.to_owned(),
            r#"{"messages": [{"role": "user", "content": 1e400}]}"#.to_owned(),
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            r#"{"messages": [{"role": "user", "content": "Hi"}"#.to_owned(),
            "[1, 2, 3]".to_owned(),
            format!("{GOOD}\r"),
            "{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]} \r".to_owned(),
            "   \t ".to_owned(),
            String::new(),
            "\"not an object\"".to_owned(),
            many_bad_roles,
            GOOD.to_owned(),
        ];
        let options = CheckOptions {
            tokens: Some(TokenSettings {
                counter: TokenCounter::new(crate::tokens::Encoding::O200kBase),
                example_token_limit: Some(40),
                approximate: false,
            }),
            ..CheckOptions::default()
        };
        for (first, ending) in [(0, "\n"), (1, ""), (2, "\n")] {
            let mut text = lines[first..].join("\n");
            text.push_str(ending);
            let mut held = Vec::new();
            let held_summary = check_stream(text.as_bytes(), &options, &mut held).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("data.jsonl");
            std::fs::write(&path, &text).unwrap();
            for longest_held in [0, 1, 30, 200] {
                let mut left = Vec::new();
                let summary = check_file_holding(&path, longest_held, &options, &mut left).unwrap();
                assert_eq!(summary, held_summary, "holding {longest_held}");
                assert_eq!(left, held, "holding {longest_held}");
            }
            assert!(held.len() > 100, "{}", held.len());
        }
    }

    #[test]
    fn positions_are_file_offsets_and_character_columns() {
        let bad = r#"{"messages": [{"role": "bot", "content": "é"}]}"#;
        let input = format!("{GOOD}\n{bad}\n");
        let (_, diagnostics) = check(&input);
        let role = diagnostics.iter().find(|d| d.code == "FT103").unwrap();
        assert_eq!(role.line, Some(2));
        assert_eq!(role.column, Some(24));
        let span = role.span.unwrap();
        let start = span.offset as usize;
        assert_eq!(&input[start..start + span.length as usize], "\"bot\"");
        let snippet = role.snippet.as_ref().unwrap();
        assert_eq!(
            &snippet.text[snippet.start..snippet.start + snippet.length],
            "\"bot\""
        );
        assert_eq!(snippet.first_column, 0);
    }

    #[test]
    fn summary_counts_examples_and_duplicates() {
        let lines: Vec<String> = (0..12)
            .map(|i| GOOD.replace("Hello", &format!("Hello {}", i % 11)))
            .collect();
        let (summary, diagnostics) = check(&(lines.join("\n") + "\n"));
        assert_eq!(summary.examples, 12);
        assert_eq!(summary.valid_examples, 12);
        assert_eq!(summary.errors, 0);
        let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(codes, [("FT402", Some(12))]);
        assert_eq!(diagnostics[0].labels[0].line, 1);
    }

    #[test]
    fn max_errors_stops_early() {
        let input = "x\n".repeat(50);
        let mut diagnostics = Vec::new();
        let options = CheckOptions {
            max_errors: Some(3),
            ..CheckOptions::default()
        };
        let summary = check_stream(input.as_bytes(), &options, &mut diagnostics).unwrap();
        assert_eq!(diagnostics.len(), 3);
        assert!(summary.stopped_early);
        assert_eq!(summary.errors, 3);
    }

    #[test]
    fn long_lines_are_shown_as_a_window() {
        let filler = "a".repeat(1_000_000);
        let line = format!(
            r#"{{"messages": [{{"role": "user", "content": "{filler}"}}, {{"role": "bot", "content": "x"}}]}}"#
        );
        let (_, diagnostics) = check(&line);
        let role = diagnostics.iter().find(|d| d.code == "FT103").unwrap();
        let snippet = role.snippet.as_ref().unwrap();
        assert!(snippet.text.len() < 400, "{}", snippet.text.len());
        assert!(snippet.text.starts_with('…'));
        assert_eq!(
            &snippet.text[snippet.start..snippet.start + snippet.length],
            "\"bot\""
        );
        assert_eq!(
            snippet.first_column + snippet.text[..snippet.start].chars().count(),
            role.column.unwrap() as usize - 1
        );
    }

    #[test]
    fn byte_order_mark_and_crlf_keep_offsets_right() {
        let input = format!("\u{feff}{}\r\n{}\r\n", GOOD.replace("user", "usr"), GOOD);
        let (_, diagnostics) = check(&input);
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["FT005", "FT103", "FT401"]);
        let role = &diagnostics[1];
        let span = role.span.unwrap();
        let start = span.offset as usize;
        assert_eq!(&input[start..start + span.length as usize], "\"usr\"");
    }

    #[test]
    fn one_line_reports_at_most_the_cap_and_says_how_many_more() {
        let bad = vec![r#"{"role": "bot", "content": "x"}"#; 20_000];
        let line = format!(r#"{{"messages": [{}]}}"#, bad.join(", "));
        let (summary, diagnostics) = check(&format!("{line}\n{GOOD}\n"));
        let first: Vec<_> = diagnostics.iter().filter(|d| d.line == Some(1)).collect();
        assert_eq!(first.len(), MAX_DIAGNOSTICS_PER_LINE + 1);
        let shown = &first[..MAX_DIAGNOSTICS_PER_LINE];
        // The line's first values, in line order, each with its own span: the missing
        // assistant is about `messages`, then come the roles.
        assert_eq!(shown[0].code, "FT201");
        assert!(shown[1..].iter().all(|d| d.code == "FT103"));
        let offsets: Vec<u64> = shown.iter().map(|d| d.span.unwrap().offset).collect();
        assert!(offsets.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(shown[99].pointer.as_deref(), Some("/messages/98/role"));
        let note = first[MAX_DIAGNOSTICS_PER_LINE];
        assert_eq!(
            note.message,
            "19901 more findings on this line are not shown (at most 100 a line): 19901 FT103 unknown-role"
        );
        assert!(note.is_error() && note.span.is_none());
        // Every finding still counts, shown or not (and FT401: two examples are too few).
        assert_eq!(summary.errors, 20_002);
        assert_eq!(summary.valid_examples, 1);
    }

    #[test]
    fn long_lines_are_read_like_short_ones() {
        let line = |filler: &str| {
            format!(
                r#"{{"messages": [{{"role": "user", "content": "{filler}"}}, {{"role": "bot", "content": "x"}}], "n": [1, 1e400]}}"#
            )
        };
        let codes = |text: &str| -> Vec<(&str, Option<String>)> {
            check(text)
                .1
                .into_iter()
                .map(|d| (d.code, d.pointer))
                .collect()
        };
        let long = line(&r"a\n\u00e9".repeat(1 << 18));
        assert!(long.len() > crate::dataset::value::LONG_LINE);
        assert_eq!(codes(&long), codes(&line(r"a\n\u00e9")));
        assert_eq!(
            codes(&long.replace("1e400", "1")),
            codes(&line("a").replace("1e400", "1"))
        );
    }
}
