//! `finetune check FILE...`: lint datasets and report in the chosen format.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::settings::ModelSetting;
use crate::cli::{CheckArgs, OutputFormat, Printer};
use crate::commands::{ExitStatus, price_table};
use crate::cost::{EpochSource, Epochs, Estimate, ModelEntry};
use crate::dataset::{Format, Method};
use crate::diagnostic::json::{FileReport, Report, Tokens};
use crate::diagnostic::{Diagnostic, concise, github, human::HumanRenderer, sarif};
use crate::lint::content::example_too_long;
use crate::lint::dataset::{too_many_examples, train_validation_leakage};
use crate::lint::syntax::unreadable_input;
use crate::lint::{
    CheckError, CheckOptions, DiagnosticSink, FileSummary, RuleFilter, TokenSettings, TokenSummary,
    check_file, check_stream,
};
use crate::prepare::fix::{Fix, fix_file};
use crate::prepare::leakage::leaks;
use crate::prepare::output::TargetPolicy;
use crate::prepare::{FileWords, PrepareError, near, sketch_file};
use crate::provider::{Pricing, Provider};
use crate::tokens::{ESTIMATED_IMAGE_TOKENS, TokenCounter};

/// Sketch seed for the leakage check, the same as `dedupe`'s and `split`'s default; the
/// similarity is theirs too ([`near::DEFAULT_THRESHOLD`]).
const LEAKAGE_SEED: u64 = 42;

/// The path that means standard input.
const STDIN_PATH: &str = "-";

/// Checks every file and prints the report.
pub fn run(args: &CheckArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let filter = match RuleFilter::new(&args.select, &args.ignore) {
        Ok(filter) => filter,
        Err(error) => {
            printer.error(&error.to_string());
            return Ok(ExitStatus::Error);
        }
    };
    let rules = args.provider.dataset_rules();
    if let Some(method) = args.method.method()
        && !rules.tunes(method)
    {
        let others: Vec<&str> = [Method::Supervised, Method::Dpo, Method::Reinforcement]
            .into_iter()
            .filter(|other| rules.tunes(*other))
            .map(Method::as_str)
            .collect();
        printer.error(&format!(
            "--method {}: {} has no {} tuning; use --method {} or auto",
            method.as_str(),
            args.provider.label(),
            method.as_str(),
            others.join(", ")
        ));
        return Ok(ExitStatus::Error);
    }
    let name = ModelSetting::resolve(args.model.as_deref(), args.provider).name;
    let model = match price_table(args.pricing.as_deref())
        .map_err(|error| error.to_string())
        .and_then(|table| table.find_for(&name, args.provider))
    {
        Ok(model) => model,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    model_warnings(&model, args.provider, printer);
    // Tokens are counted unless asked not to, or only rules that need no count are selected.
    let count_tokens =
        !args.no_tokens && (args.select.is_empty() || filter.is_enabled(&example_too_long::RULE));
    let counter = match &args.tokenizer {
        _ if !count_tokens => None,
        Some(path) => match TokenCounter::from_file(path) {
            Ok(counter) => Some(counter),
            Err(error) => {
                printer.error(&error.to_string());
                return Ok(ExitStatus::Error);
            }
        },
        None => Some(TokenCounter::new(model.encoding)),
    };
    let options = CheckOptions {
        filter,
        max_errors: args.max_errors,
        tokens: counter.map(|counter| TokenSettings {
            counter,
            example_token_limit: model.example_token_limit,
            approximate: model.approximate_tokens() && args.tokenizer.is_none(),
        }),
        method: args.method.method(),
        profile: args.provider.dataset_rules(),
        format: None,
    };
    let fixed;
    let files: &[std::path::PathBuf] = match (&args.output, args.files.as_slice()) {
        (Some(output), [input]) if args.fix && input.as_os_str() != STDIN_PATH => {
            let policy = TargetPolicy {
                follow_symlinks: args.follow_symlinks,
            };
            match fix_file(input, output, policy) {
                Ok(repairs) => report_fixes(input, output, &repairs, args.output_format, printer)?,
                Err(error) => {
                    printer.error(&error.to_string());
                    return Ok(ExitStatus::Error);
                }
            }
            fixed = [output.clone()];
            &fixed
        }
        (Some(_), _) => {
            printer.error(
                "--fix takes one file (not standard input): finetune check FILE --fix -o OUT",
            );
            return Ok(ExitStatus::Error);
        }
        (None, files) => files,
    };
    if args.validation.is_some()
        && (files.len() != 1
            || files
                .iter()
                .chain(&args.validation)
                .any(|path| path.as_os_str() == STDIN_PATH))
    {
        printer.error(
            "--validation takes one training file, and neither file can be standard input (both are read twice): finetune check TRAIN --validation VALIDATION",
        );
        return Ok(ExitStatus::Error);
    }
    let renderer = HumanRenderer::new(printer.color(), printer.width());
    let mut reports = Vec::new();
    // Problems with the run that no file's diagnostic tells; any of them makes the exit code 2.
    let mut problems = Vec::new();
    let mut failed = false;
    for path in files.iter().chain(&args.validation) {
        let display = path.display().to_string();
        let mut sink = Sink::new(args.output_format, &display, &renderer, printer.out());
        let mut note = None;
        let checked = check_input(path, &options, &mut sink);
        let (summary, readable) = match checked {
            Ok(summary) => (summary, true),
            Err(CheckError::Output(error)) => return Err(error),
            Err(CheckError::Read(error)) => {
                // Reported even under --select/--ignore: it is why the exit code is 2.
                let diagnostic = unreadable_input::diagnostic(&display, &error);
                let message = diagnostic.message.clone();
                sink.emit(diagnostic)?;
                if !matches!(
                    args.output_format,
                    OutputFormat::Human | OutputFormat::Concise
                ) {
                    // Standard output is for a program: tell the person too.
                    note = Some(message);
                }
                failed = true;
                let summary = FileSummary {
                    errors: sink.errors,
                    warnings: sink.warnings,
                    format: Format::of_method(options.method.unwrap_or_default()),
                    ..FileSummary::default()
                };
                (summary, false)
            }
        };
        let diagnostics = sink.collected;
        if let Some(message) = note {
            printer.error(&message);
        }
        let report = file_report(display, &summary, diagnostics, &model, args.epochs);
        reports.push((summary, report, readable));
    }
    if let (Some(validation), [train]) = (&args.validation, files)
        && reports.len() == 2
        && !failed
    {
        let mut found = match leakage_diagnostics(train, validation, &options) {
            Ok(leaks) => leaks,
            Err(error) => {
                let message = format!("train/validation leakage not checked: {error}");
                printer.error(&message);
                problems.push(message);
                failed = true;
                Vec::new()
            }
        };
        let (summary, report, _) = &mut reports[1];
        if let Some(maximum) = options.profile.max_validation_examples
            && options.filter.is_enabled(&too_many_examples::RULE)
        {
            found.extend(too_many_examples::validation_diagnostic(
                summary.examples,
                maximum,
            ));
        }
        for diagnostic in found {
            if diagnostic.is_error() {
                summary.errors += 1;
                report.errors += 1;
            } else {
                summary.warnings += 1;
                report.warnings += 1;
            }
            let mut sink = Sink::new(args.output_format, &report.path, &renderer, printer.out());
            sink.emit(diagnostic)?;
            report.diagnostics.extend(sink.collected);
        }
    }
    let totals = Totals::of(&reports);
    match args.output_format {
        OutputFormat::Json => {
            let report = Report::new(
                args.provider.id(),
                reports.into_iter().map(|(_, report, _)| report).collect(),
            );
            serde_json::to_writer_pretty(&mut *printer.out(), &report)?;
            writeln!(printer.out())?;
        }
        OutputFormat::Sarif => {
            let report = Report::new(
                args.provider.id(),
                reports.into_iter().map(|(_, report, _)| report).collect(),
            );
            let log = sarif::to_sarif(&report, &problems);
            serde_json::to_writer_pretty(&mut *printer.out(), &log)?;
            writeln!(printer.out())?;
        }
        OutputFormat::Human | OutputFormat::Concise if !args.quiet => {
            write_summary(
                printer.out(),
                &reports,
                &totals,
                args.output_format,
                &model,
                args.provider,
            )?;
        }
        OutputFormat::Github if !args.quiet => {
            for (summary, report, readable) in &reports {
                let counts = if *readable {
                    file_line(summary)
                } else {
                    UNREAD.to_owned()
                };
                github::notice(&report.path, &counts, printer.out())?;
            }
        }
        _ => {}
    }
    Ok(if failed {
        ExitStatus::Error
    } else if totals.errors > 0 || (args.deny_warnings && totals.warnings > 0) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// What checking a file before it goes to the provider found.
pub(crate) struct Preflight {
    /// The counts.
    pub summary: FileSummary,
    /// The cost estimate, when tokens could be counted.
    pub estimate: Option<Estimate>,
}

/// Warns on standard error about what makes the model's figures less certain or its days
/// numbered: a model the price table does not list, and shutdown dates past or near. Said
/// once per run, however many files are checked for the model.
fn model_warnings(model: &ModelEntry, provider: Provider, printer: &mut Printer) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if SAID.swap(true, std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    if model.checked.is_empty() {
        let price = match provider.facts().pricing {
            crate::provider::Pricing::EstimatesEachJob => {
                format!("{} prices the job itself", provider.label())
            }
            _ => "no price is known".to_owned(),
        };
        printer.note(&format!(
            "warning: {} is not in the price table: tokens are counted with {} (approximate), no context limit is checked, and {price}",
            model.name,
            model.encoding.as_str(),
        ));
    }
    // The price table's deadlines are those of the model's own provider: they say nothing of
    // another provider that trains the same model (Azure OpenAI's own schedule is its own).
    if provider != model.provider {
        return;
    }
    let warnings = model.deadline_warnings(crate::cli::settings::today());
    for warning in &warnings {
        printer.note(&format!("warning: {warning}"));
    }
    if !warnings.is_empty() {
        let others: Vec<String> = provider
            .alternatives()
            .into_iter()
            .map(|other| {
                let facts = other.facts();
                format!(
                    "{} (--provider {}, {})",
                    facts.label, facts.id, facts.models_plural
                )
            })
            .collect();
        printer.note(&format!(
            "  the same dataset trains on {}; see `finetune models`",
            others.join(" or ")
        ));
    }
}

/// Checks one file as `check` would, before an upload: diagnostics and a summary go to
/// standard error, so standard output stays for the command's result. `Err` carries a message
/// for a file that could not be read or a model the price table does not know.
pub(crate) fn preflight(
    path: &Path,
    method: Option<Method>,
    model: &str,
    provider: Provider,
    options: &crate::cli::PreflightArgs,
    epochs: Epochs,
    printer: &mut Printer,
) -> io::Result<Result<Preflight, String>> {
    let (tokenizer, context_limit) = (options.tokenizer.as_deref(), options.max_context_length);
    let model = match crate::cost::PriceTable::embedded().find_for(model, provider) {
        Ok(model) => model,
        Err(message) => return Ok(Err(message)),
    };
    model_warnings(&model, provider, printer);
    let counter = match tokenizer.map(TokenCounter::from_file) {
        Some(Ok(counter)) => counter,
        Some(Err(error)) => return Ok(Err(error.to_string())),
        None => TokenCounter::new(model.encoding),
    };
    let check = CheckOptions {
        filter: RuleFilter::default(),
        max_errors: Some(50),
        tokens: Some(TokenSettings {
            counter,
            // A context asked for below the model's is the one the job trains on.
            example_token_limit: match (model.example_token_limit, context_limit) {
                (Some(model), Some(asked)) => Some(model.min(asked)),
                (model, asked) => asked.or(model),
            },
            approximate: model.approximate_tokens() && tokenizer.is_none(),
        }),
        method,
        profile: provider.dataset_rules(),
        format: None,
    };
    let display = path.display().to_string();
    let renderer = HumanRenderer::new(printer.color(), printer.width());
    printer.flush()?;
    let mut stderr = io::stderr().lock();
    let mut sink = Sink::new(OutputFormat::Human, &display, &renderer, &mut stderr);
    let summary = match check_input(path, &check, &mut sink) {
        Ok(summary) => summary,
        Err(CheckError::Output(error)) => return Err(error),
        Err(CheckError::Read(error)) => {
            return Ok(Err(unreadable_input::diagnostic(&display, &error).message));
        }
    };
    let report = file_report(display.clone(), &summary, Vec::new(), &model, epochs);
    let mut line = format!("check: {}", file_line(&summary));
    if let Some(estimate) = &report.estimate {
        line.push_str(&format!(
            "; {} billed tokens per epoch",
            thousands(estimate.billed_tokens_per_epoch)
        ));
        if report.tokens.as_ref().is_some_and(|t| t.approximate) {
            line.push_str(" (approximate: --tokenizer tokenizer.json counts exactly)");
        }
        match estimate.cost_usd {
            Some(cost) => line.push_str(&format!(
                "; estimated cost {} ({} on {})",
                dollars(cost),
                plural(u64::from(estimate.epochs), "epoch"),
                estimate.model
            )),
            None if model.provider.facts().pricing == Pricing::EstimatesEachJob => line.push_str(
                &format!("; {} prices the job itself", model.provider.label()),
            ),
            None if !model.trains_with(summary.method(), model.provider) => {
                let listed: Vec<&str> = model.methods().iter().map(|m| m.as_str()).collect();
                line.push_str(&format!(
                    "; the price table does not list {} for {} training (it lists {}), so no cost estimate",
                    estimate.model,
                    summary.method().as_str(),
                    if listed.is_empty() { "none".to_owned() } else { listed.join(", ") }
                ));
            }
            None => line.push_str(&format!(
                "; no published price for {} {} training, so no cost estimate",
                estimate.model,
                summary.method().as_str()
            )),
        }
    }
    writeln!(stderr, "{line}")?;
    Ok(Ok(Preflight {
        summary,
        estimate: report.estimate,
    }))
}

/// Says what `--fix` changed: on standard output for people, on standard error when standard
/// output carries a machine-readable report.
fn report_fixes(
    input: &Path,
    output: &Path,
    fixes: &[Fix],
    format: OutputFormat,
    printer: &mut Printer,
) -> io::Result<()> {
    let mut lines = Vec::new();
    for fix in fixes.iter().take(SHOWN_FIXES) {
        lines.push(format!(
            "{}:{}: fixed: {}",
            input.display(),
            fix.line,
            fix.change
        ));
    }
    if fixes.len() > SHOWN_FIXES {
        lines.push(format!("… and {} more fixes", fixes.len() - SHOWN_FIXES));
    }
    lines.push(format!(
        "{}: {} {} made, written to {}; checking the repaired file",
        input.display(),
        thousands(fixes.len() as u64),
        if fixes.len() == 1 { "fix" } else { "fixes" },
        output.display()
    ));
    if matches!(format, OutputFormat::Human | OutputFormat::Concise) {
        for line in lines {
            writeln!(printer.out(), "{line}")?;
        }
    } else {
        for line in lines {
            printer.note(&line);
        }
    }
    Ok(())
}

/// Fixes listed before "and N more".
const SHOWN_FIXES: usize = 20;

/// FT405 diagnostics for the validation examples that copy a training example.
fn leakage_diagnostics(
    train: &Path,
    validation: &Path,
    options: &CheckOptions,
) -> Result<Vec<Diagnostic>, PrepareError> {
    if !options.filter.is_enabled(&train_validation_leakage::RULE) {
        return Ok(Vec::new());
    }
    let train_sketches = sketch_file(train, LEAKAGE_SEED, true)?;
    let validation_sketches = sketch_file(validation, LEAKAGE_SEED, true)?;
    let train_path = train.display().to_string();
    Ok(leaks(
        (&FileWords(train), &train_sketches.examples),
        (&FileWords(validation), &validation_sketches.examples),
        Some(near::DEFAULT_THRESHOLD),
    )?
    .into_iter()
    .map(|leak| {
        train_validation_leakage::diagnostic(
            leak.validation_line,
            &train_path,
            leak.train_line,
            leak.similarity,
        )
    })
    .collect())
}

/// Opens a file for reading, or standard input for `-`.
/// Checks standard input or one file (a regular file's longest lines left in it, not held).
fn check_input(
    path: &Path,
    options: &CheckOptions,
    sink: &mut dyn DiagnosticSink,
) -> Result<FileSummary, CheckError> {
    if path.as_os_str() == STDIN_PATH {
        return check_stream(io::stdin().lock(), options, sink);
    }
    // Opening a directory succeeds on Unix; say what it is rather than fail at the first read.
    if std::fs::metadata(path).map_err(CheckError::Read)?.is_dir() {
        return Err(CheckError::Read(io::ErrorKind::IsADirectory.into()));
    }
    check_file(path, options, sink)
}

/// Prints streaming formats as diagnostics arrive; collects them for whole-document formats.
struct Sink<'a> {
    format: OutputFormat,
    path: &'a str,
    renderer: &'a HumanRenderer,
    out: &'a mut dyn Write,
    collected: Vec<Diagnostic>,
    /// Errors and warnings emitted, for a file whose check stopped before its summary.
    errors: u64,
    warnings: u64,
}

impl<'a> Sink<'a> {
    fn new(
        format: OutputFormat,
        path: &'a str,
        renderer: &'a HumanRenderer,
        out: &'a mut dyn Write,
    ) -> Self {
        Self {
            format,
            path,
            renderer,
            out,
            collected: Vec::new(),
            errors: 0,
            warnings: 0,
        }
    }
}

impl DiagnosticSink for Sink<'_> {
    fn emit(&mut self, diagnostic: Diagnostic) -> io::Result<()> {
        if diagnostic.is_error() {
            self.errors += 1;
        } else {
            self.warnings += 1;
        }
        match self.format {
            OutputFormat::Human => self.renderer.render(self.path, &diagnostic, self.out),
            OutputFormat::Concise => concise::render(self.path, &diagnostic, self.out),
            OutputFormat::Github => github::render(self.path, &diagnostic, self.out),
            OutputFormat::Json | OutputFormat::Sarif => {
                self.collected.push(diagnostic);
                Ok(())
            }
        }
    }
}

fn file_report(
    path: String,
    summary: &FileSummary,
    diagnostics: Vec<Diagnostic>,
    model: &ModelEntry,
    epochs: Epochs,
) -> FileReport {
    let tokens = summary
        .tokens
        .as_ref()
        .and_then(Tokens::from_summary)
        .map(|tokens| Tokens {
            approximate: model.approximate_tokens() && tokens.tokenizer.is_none(),
            ..tokens
        });
    let estimate = summary
        .tokens
        .as_ref()
        .filter(|_| tokens.is_some())
        .map(|counted| {
            Estimate::new(
                model,
                summary.method(),
                counted.examples,
                counted.billed_tokens_per_epoch,
                epochs,
            )
        });
    FileReport {
        path,
        method: summary.method().as_str(),
        format: (summary.format != Format::of_method(summary.method()))
            .then(|| summary.format.as_str()),
        examples: summary.examples,
        valid_examples: summary.valid_examples,
        stopped_early: summary.stopped_early,
        errors: summary.errors,
        warnings: summary.warnings,
        diagnostics,
        tokens,
        estimate,
    }
}

/// A checked file: its counts, its report, and whether it could be read to the end.
type Checked = (FileSummary, FileReport, bool);

/// What the summary says of a file that could not be read, in place of its counts.
const UNREAD: &str = "could not be read, so nothing in it was checked";

#[derive(Default)]
struct Totals {
    files: u64,
    unread: u64,
    examples: u64,
    errors: u64,
    warnings: u64,
}

impl Totals {
    fn of(reports: &[Checked]) -> Self {
        let mut totals = Totals::default();
        for (summary, _, readable) in reports {
            totals.files += 1;
            totals.unread += u64::from(!readable);
            totals.examples += summary.examples;
            totals.errors += summary.errors;
            totals.warnings += summary.warnings;
        }
        totals
    }
}

fn write_summary(
    out: &mut dyn Write,
    reports: &[Checked],
    totals: &Totals,
    format: OutputFormat,
    model: &ModelEntry,
    provider: Provider,
) -> io::Result<()> {
    for (summary, report, readable) in reports {
        if !readable {
            writeln!(out, "{}: {UNREAD}", report.path)?;
            continue;
        }
        writeln!(out, "{}: {}", report.path, file_line(summary))?;
        if format == OutputFormat::Human
            && let (Some(counted), Some(tokens), Some(estimate)) =
                (&summary.tokens, &report.tokens, &report.estimate)
        {
            write_tokens(out, counted, tokens, estimate, model, summary.method())?;
        } else if format == OutputFormat::Human && summary.tokens.is_none() {
            writeln!(
                out,
                "  tokens and cost not computed (--no-tokens, or no selected rule needs them)"
            )?;
        }
        if summary.stopped_early {
            writeln!(
                out,
                "{}: stopped after {}; the rest of the file was not checked",
                report.path,
                plural(summary.errors, "error")
            )?;
        }
    }
    writeln!(
        out,
        "Checked by the dataset rules of {} (--provider {provider})",
        provider.label()
    )?;
    let files = plural(totals.files, "file");
    if totals.errors == 0 && totals.warnings == 0 && totals.unread == 0 {
        writeln!(
            out,
            "All checks passed: {} in {files}",
            plural(totals.examples, "example")
        )
    } else {
        let unread = match totals.unread {
            0 => String::new(),
            n => format!(" ({n} could not be read)"),
        };
        writeln!(
            out,
            "Found {} and {} in {files}{unread}",
            plural(totals.errors, "error"),
            plural(totals.warnings, "warning"),
        )
    }
}

/// One file's counts: `35 supervised examples, 35 valid, 0 errors, 0 warnings`, or
/// `35 supervised text examples, …` for a plain format.
fn file_line(summary: &FileSummary) -> String {
    let format = if summary.format == Format::of_method(summary.method()) {
        summary.method().as_str().to_owned()
    } else {
        format!("{} {}", summary.method().as_str(), summary.format.as_str())
    };
    format!(
        "{} {format} examples, {} valid, {}, {}",
        thousands(summary.examples),
        thousands(summary.valid_examples),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
    )
}

/// Bar width of the length histogram, in characters.
const HISTOGRAM_WIDTH: u64 = 40;

fn write_tokens(
    out: &mut dyn Write,
    counted: &TokenSummary,
    tokens: &Tokens,
    estimate: &Estimate,
    model: &ModelEntry,
    method: Method,
) -> io::Result<()> {
    let d = &tokens.per_example;
    if tokens.approximate {
        writeln!(
            out,
            "  tokens are approximate: {} has a tokenizer of its own; they are counted with {}, the closest tiktoken encoding (--tokenizer tokenizer.json counts exactly)",
            model.name, tokens.encoding
        )?;
    }
    if let Some(path) = tokens.tokenizer {
        writeln!(out, "  tokens counted with the tokenizer {path}")?;
    }
    writeln!(
        out,
        "  tokens ({}{}): {} in all, {} trained; per example min {}, p5 {}, median {}, mean {:.1}, p95 {}, max {}",
        tokens.encoding,
        if tokens.approximate {
            ", approximate"
        } else {
            ""
        },
        thousands(tokens.total),
        thousands(tokens.assistant),
        thousands(d.min.into()),
        thousands(d.p5.into()),
        thousands(d.median.into()),
        d.mean,
        thousands(d.p95.into()),
        thousands(d.max.into()),
    )?;
    let tallest = counted
        .histogram
        .iter()
        .map(|bin| bin.examples)
        .max()
        .unwrap_or(1)
        .max(1);
    let label_width = thousands(d.max.into()).len();
    for bin in &counted.histogram {
        let bar = (bin.examples * HISTOGRAM_WIDTH).div_ceil(tallest) as usize;
        writeln!(
            out,
            "  {:>w$} – {:>w$} tokens │{:<bar_w$} {}",
            thousands(bin.from.into()),
            thousands(bin.to.into()),
            "█".repeat(bar),
            thousands(bin.examples),
            w = label_width,
            bar_w = HISTOGRAM_WIDTH as usize,
        )?;
    }
    if counted.over_limit > 0 {
        writeln!(
            out,
            "  {} over the {}-token limit of {}: truncated, and billed at the limit",
            plural(counted.over_limit, "example"),
            thousands(model.example_token_limit.unwrap_or_default().into()),
            model.name,
        )?;
    }
    if counted.estimated_images > 0 {
        writeln!(
            out,
            "  {} behind URLs counted at {ESTIMATED_IMAGE_TOKENS} tokens each (size unknown until downloaded)",
            plural(counted.estimated_images, "image part"),
        )?;
    }
    let source = match estimate.epochs_source {
        EpochSource::Auto => Some("auto"),
        EpochSource::User => Some("--epochs"),
        EpochSource::Unpublished => None,
    };
    let method = method.as_str();
    let price = match (
        estimate.price_per_million_usd,
        estimate.cost_usd,
        estimate.price_per_hour_usd,
    ) {
        (Some(price), Some(cost), _) => format!(" × ${price:.2} per 1M = {}", dollars(cost)),
        (_, _, Some(hourly)) => format!(
            "; {method} training is billed by the hour (${hourly:.2} per hour), so the cost depends on training time"
        ),
        _ if model.provider.facts().pricing == Pricing::EstimatesEachJob => format!(
            "; {} prices each job itself: `finetune train-model --provider {}` shows its price before creating the job",
            model.provider.label(),
            model.provider.id()
        ),
        _ => format!(
            "; the price table has no per-token {method} training price for {}, so the cost is unknown",
            estimate.model
        ),
    };
    if let Some([input, preferred, non_preferred]) = counted.parts {
        writeln!(
            out,
            "  tokens by part: input {}, preferred output {}, non-preferred output {}",
            thousands(input),
            thousands(preferred),
            thousands(non_preferred),
        )?;
    }
    match source {
        Some(source) => writeln!(
            out,
            "  estimate for {}: {} ({source}) × {} billed tokens per epoch = {} tokens{price}",
            estimate.model,
            plural(estimate.epochs.into(), "epoch"),
            thousands(estimate.billed_tokens_per_epoch),
            thousands(estimate.billed_tokens),
        ),
        None => writeln!(
            out,
            "  estimate for {}: {} billed tokens per epoch; {} picks the number of epochs by a rule it does not publish (--epochs N counts them){price}",
            estimate.model,
            thousands(estimate.billed_tokens_per_epoch),
            model.provider.label(),
        ),
    }
}

pub(crate) fn dollars(amount: f64) -> String {
    if amount > 0.0 && amount < 0.01 {
        format!("${amount:.4}")
    } else {
        format!("${amount:.2}")
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub(crate) fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formatting() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(dollars(0.0296), "$0.03");
        assert_eq!(dollars(0.004_21), "$0.0042");
        assert_eq!(dollars(12.5), "$12.50");
        assert_eq!(plural(1, "epoch"), "1 epoch");
        assert_eq!(plural(3_000, "example"), "3,000 examples");
    }
}
