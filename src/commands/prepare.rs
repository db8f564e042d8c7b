//! `finetune prepare FILE`: check, dedupe, split, and check both outputs.

use std::io;

use serde::Serialize;

use crate::cli::settings::ModelSetting;
use crate::cli::{DedupeBy, PrepareArgs, Printer, TableFormat};
use crate::commands::check::{dollars, plural, thousands};
use crate::commands::split::output_paths;
use crate::commands::{ExitStatus, prepare_failure, price_table};
use crate::cost::EpochSource;
use crate::cost::Estimate;
use crate::diagnostic::concise;
use crate::lint::{CheckOptions, TokenSettings};
use crate::prepare::dedupe::DedupeOptions;
use crate::prepare::output::TargetPolicy;
use crate::prepare::pipeline::{PrepareOptions, PrepareReport, Prepared, prepare};
use crate::prepare::split::SplitOptions;
use crate::tokens::TokenCounter;

/// Errors listed when a file is refused.
const SHOWN_ERRORS: usize = 20;

/// The JSON output.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a PrepareReport,
    train_tokens: Option<u64>,
    validation_tokens: Option<u64>,
    estimate: Option<Estimate>,
}

/// Prepares a file and prints one report.
pub fn run(args: &PrepareArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let name = ModelSetting::resolve(args.model.as_deref(), args.provider).name;
    let model = match price_table(args.pricing.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|table| table.find_for(&name, args.provider))
    {
        Ok(model) => model,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    let (train_path, validation_path) = output_paths(&args.file, args.split.output_dir.as_deref());
    let options = PrepareOptions {
        check: CheckOptions {
            tokens: Some(TokenSettings {
                counter: TokenCounter::new(model.encoding),
                example_token_limit: model.example_token_limit,
                approximate: model.approximate_tokens(),
            }),
            profile: args.provider.dataset_rules(),
            ..CheckOptions::default()
        },
        dedupe: DedupeOptions {
            near: args.split.near.0,
            by_prompt: args.by == DedupeBy::Prompt,
        },
        split: SplitOptions {
            validation: args.split.validation,
            seed: args.split.seed,
            near: args.split.near.0,
            min_examples: args.provider.dataset_rules().min_examples,
            max_validation: args.provider.dataset_rules().max_validation_examples,
        },
        stratify_by: args.split.stratify_by.clone(),
        drop_invalid: args.drop_invalid,
        train_path,
        validation_path,
        targets: TargetPolicy {
            follow_symlinks: args.split.follow_symlinks,
        },
    };
    let report = match prepare(&args.file, &options) {
        Ok(Prepared::Written(report)) => report,
        Ok(Prepared::Refused(refusal)) => {
            let path = args.file.display().to_string();
            let out = printer.out();
            for diagnostic in refusal.errors.iter().take(SHOWN_ERRORS) {
                concise::render(&path, diagnostic, out)?;
            }
            if refusal.errors.len() > SHOWN_ERRORS {
                writeln!(
                    out,
                    "… and {} more (finetune check lists all)",
                    refusal.errors.len() - SHOWN_ERRORS
                )?;
            }
            let why = if refusal.errors.iter().any(|d| d.line.is_none()) {
                "the file as a whole has errors"
            } else {
                "rerun with --drop-invalid to drop these lines"
            };
            printer.error(&format!(
                "{path} has {}; nothing was written ({why})",
                plural(refusal.errors.len() as u64, "error")
            ));
            return Ok(ExitStatus::Failure);
        }
        Err(error) => return Ok(prepare_failure(&error, printer)),
    };
    let train_tokens = report.train.summary.tokens.as_ref();
    let estimate = train_tokens.map(|tokens| {
        Estimate::new(
            &model,
            report.train.summary.method(),
            tokens.examples,
            tokens.billed_tokens_per_epoch,
            args.epochs,
        )
    });
    let out = printer.out();
    if args.output_format == TableFormat::Json {
        let output = Output {
            report: &report,
            train_tokens: train_tokens.map(|t| t.total),
            validation_tokens: report.validation.summary.tokens.as_ref().map(|t| t.total),
            estimate,
        };
        serde_json::to_writer_pretty(&mut *out, &output)?;
        writeln!(out)?;
        return Ok(ExitStatus::Success);
    }
    let duplicates = &report.duplicates;
    writeln!(
        out,
        "{}: {} lines",
        report.input.display(),
        thousands(report.lines_in)
    )?;
    let invalid_lines: std::collections::BTreeSet<u64> =
        report.invalid.iter().filter_map(|d| d.line).collect();
    if !invalid_lines.is_empty() {
        let listed: Vec<String> = invalid_lines
            .iter()
            .take(SHOWN_ERRORS)
            .map(ToString::to_string)
            .collect();
        writeln!(
            out,
            "  invalid: {} dropped (lines {})",
            plural(invalid_lines.len() as u64, "line"),
            listed.join(", ")
        )?;
    }
    writeln!(
        out,
        "  duplicates removed: {} exact, {} same prompt, {} near",
        duplicates.exact.len(),
        duplicates.same_prompt.len(),
        duplicates.near_removed()
    )?;
    if !duplicates.blank.is_empty() {
        writeln!(out, "  blank lines dropped: {}", duplicates.blank.len())?;
    }
    for (name, side) in [("train", &report.train), ("validation", &report.validation)] {
        let tokens = side.summary.tokens.as_ref().map_or(0, |t| t.total);
        writeln!(
            out,
            "  {name}: {} ({}, {} tokens)",
            side.path.display(),
            plural(side.lines.len() as u64, "example"),
            thousands(tokens)
        )?;
    }
    if let Some(asked) = report.validation_capped_from {
        writeln!(
            out,
            "{}",
            super::split::capped_note(asked, report.validation.lines.len())
        )?;
    }
    if let Some(estimate) = &estimate {
        let cost = estimate.cost_usd.map_or_else(
            || "cost unknown (no per-token price for this method)".to_owned(),
            dollars,
        );
        if estimate.epochs_source == EpochSource::Unpublished {
            writeln!(
                out,
                "  estimate for {} on the train file: {} billed tokens per epoch (the provider picks the epochs), {cost}",
                estimate.model,
                thousands(estimate.billed_tokens_per_epoch),
            )?;
        } else {
            writeln!(
                out,
                "  estimate for {} on the train file: {} epochs × {} billed tokens = {} tokens, {cost}",
                estimate.model,
                estimate.epochs,
                thousands(estimate.billed_tokens_per_epoch),
                thousands(estimate.billed_tokens),
            )?;
        }
    }
    let remaining = report.train.errors.len() + report.validation.errors.len();
    if remaining > 0 {
        writeln!(
            out,
            "  the outputs still have {}: run finetune check on them",
            plural(remaining as u64, "error")
        )?;
        return Ok(ExitStatus::Failure);
    }
    Ok(ExitStatus::Success)
}
