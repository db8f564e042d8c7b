//! `finetune check FILE...`: lint datasets and report in the chosen format.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use crate::cli::{CheckArgs, OutputFormat, Printer};
use crate::commands::ExitStatus;
use crate::diagnostic::json::{FileReport, Report};
use crate::diagnostic::{Diagnostic, concise, github, human::HumanRenderer, sarif};
use crate::lint::{
    CheckError, CheckOptions, DiagnosticSink, FileSummary, RuleFilter, check_stream,
};

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
    let options = CheckOptions {
        filter,
        max_errors: args.max_errors,
    };
    let renderer = HumanRenderer::new(printer.color(), printer.width());
    let mut reports = Vec::new();
    let mut failed = false;
    for path in &args.files {
        let display = path.display().to_string();
        let input = match open(path) {
            Ok(input) => input,
            Err(message) => {
                printer.error(&message);
                failed = true;
                continue;
            }
        };
        let mut sink = Sink {
            format: args.output_format,
            path: &display,
            renderer: &renderer,
            out: printer.out(),
            collected: Vec::new(),
        };
        match check_stream(input, &options, &mut sink) {
            Ok(summary) => {
                let diagnostics = sink.collected;
                reports.push((summary, file_report(display, summary, diagnostics)));
            }
            Err(CheckError::Output(error)) => return Err(error),
            Err(CheckError::Read(error)) => {
                printer.error(&format!("could not read {display}: {error}"));
                failed = true;
            }
        }
    }
    let totals = Totals::of(reports.iter().map(|(summary, _)| summary));
    match args.output_format {
        OutputFormat::Json => {
            let report = Report::new(reports.into_iter().map(|(_, report)| report).collect());
            serde_json::to_writer_pretty(&mut *printer.out(), &report)?;
            writeln!(printer.out())?;
        }
        OutputFormat::Sarif => {
            let report = Report::new(reports.into_iter().map(|(_, report)| report).collect());
            serde_json::to_writer_pretty(&mut *printer.out(), &sarif::to_sarif(&report))?;
            writeln!(printer.out())?;
        }
        OutputFormat::Human | OutputFormat::Concise if !args.quiet => {
            write_summary(printer.out(), &reports, &totals, args.output_format)?;
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

/// Opens a file for reading, or standard input for `-`; the error names the path.
fn open(path: &Path) -> Result<Box<dyn Read>, String> {
    if path.as_os_str() == STDIN_PATH {
        return Ok(Box::new(io::stdin().lock()));
    }
    let display = path.display();
    match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_dir() => {
            return Err(format!("{display} is a directory, not a JSONL file"));
        }
        Ok(_) => {}
        Err(error) => return Err(format!("could not read {display}: {error}")),
    }
    File::open(path)
        .map(|file| Box::new(file) as Box<dyn Read>)
        .map_err(|error| format!("could not read {display}: {error}"))
}

/// Prints streaming formats as diagnostics arrive; collects them for whole-document formats.
struct Sink<'a> {
    format: OutputFormat,
    path: &'a str,
    renderer: &'a HumanRenderer,
    out: &'a mut dyn Write,
    collected: Vec<Diagnostic>,
}

impl DiagnosticSink for Sink<'_> {
    fn emit(&mut self, diagnostic: Diagnostic) -> io::Result<()> {
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

fn file_report(path: String, summary: FileSummary, diagnostics: Vec<Diagnostic>) -> FileReport {
    FileReport {
        path,
        method: "supervised",
        examples: summary.examples,
        valid_examples: summary.valid_examples,
        stopped_early: summary.stopped_early,
        diagnostics,
    }
}

#[derive(Default)]
struct Totals {
    files: u64,
    examples: u64,
    errors: u64,
    warnings: u64,
}

impl Totals {
    fn of<'a>(summaries: impl Iterator<Item = &'a FileSummary>) -> Self {
        let mut totals = Totals::default();
        for summary in summaries {
            totals.files += 1;
            totals.examples += summary.examples;
            totals.errors += summary.errors;
            totals.warnings += summary.warnings;
        }
        totals
    }
}

fn write_summary(
    out: &mut dyn Write,
    reports: &[(FileSummary, FileReport)],
    totals: &Totals,
    format: OutputFormat,
) -> io::Result<()> {
    if format == OutputFormat::Human {
        for (summary, report) in reports {
            writeln!(
                out,
                "{}: {} examples, {} valid, {}, {}",
                report.path,
                summary.examples,
                summary.valid_examples,
                plural(summary.errors, "error"),
                plural(summary.warnings, "warning"),
            )?;
            if summary.stopped_early {
                writeln!(
                    out,
                    "{}: stopped after {}; the rest of the file was not checked",
                    report.path,
                    plural(summary.errors, "error")
                )?;
            }
        }
    }
    let files = plural(totals.files, "file");
    if totals.errors == 0 && totals.warnings == 0 {
        writeln!(
            out,
            "All checks passed: {} in {files}",
            plural(totals.examples, "example")
        )
    } else {
        writeln!(
            out,
            "Found {} and {} in {files}",
            plural(totals.errors, "error"),
            plural(totals.warnings, "warning"),
        )
    }
}

fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
