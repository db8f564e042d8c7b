//! Command-line arguments (clap) and the printer that owns standard output and error.

mod printer;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cost::Epochs;
use crate::dataset::Method;
use crate::prepare::split::ValidationSize;

pub use printer::{ColorChoice, Printer};

/// Check, prepare and train chat fine-tuning datasets.
#[derive(Debug, Parser)]
#[command(name = "finetune", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint JSONL fine-tuning datasets: structure, roles, tool calls, images, duplicates.
    Check(CheckArgs),
    /// Show the documentation of a rule, or list every rule.
    Rule(RuleArgs),
    /// List the fine-tunable models: encodings, limits, prices and shutdown dates.
    Models(ModelsArgs),
    /// Remove exact, same-prompt and near-duplicate examples, writing the rest to a new file.
    Dedupe(DedupeArgs),
    /// Split a file into training and validation files, keeping duplicates on one side.
    Split(SplitArgs),
    /// Check, dedupe and split in one step: from a raw file to a clean train/validation pair.
    Prepare(PrepareArgs),
    /// Convert prompt-completion, ShareGPT, Alpaca or CSV data to chat JSONL.
    Convert(ConvertArgs),
}

/// Arguments of `finetune convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The file to convert; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write the chat JSONL.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// The input's shape.
    #[arg(long, value_enum)]
    pub from: ConvertFrom,
    /// A system message to start every example with (unless it has one).
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// `human` for a summary, `json` for every unconverted row.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// The shapes `convert` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConvertFrom {
    /// JSONL of {"prompt": ..., "completion": ...}.
    PromptCompletion,
    /// JSONL of {"conversations": [{"from": "human", "value": ...}, ...]}.
    Sharegpt,
    /// JSONL of {"instruction": ..., "input": ..., "output": ...}.
    Alpaca,
    /// CSV with a header naming a prompt column and an answer column (and optionally system).
    Csv,
}

/// Arguments of `finetune prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Drop the lines with errors (and list them) instead of refusing the file.
    #[arg(long)]
    pub drop_invalid: bool,
    /// `prompt` also removes examples whose prompt repeats an earlier one's.
    #[arg(long, value_enum, default_value_t = DedupeBy::Example)]
    pub by: DedupeBy,
    /// How to split, and where the two files go.
    #[command(flatten)]
    pub split: SplitSettings,
    /// The model to count tokens, limits and cost for.
    #[arg(long, default_value = DEFAULT_MODEL, value_name = "MODEL")]
    pub model: String,
    /// Epochs to estimate the cost for: a number, or `auto`.
    #[arg(long, default_value = "auto", value_parser = parse_epochs, value_name = "N|auto")]
    pub epochs: Epochs,
    /// A price table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// `human` for a summary, `json` for every decision.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// Arguments of `finetune dedupe`.
#[derive(Debug, Args)]
pub struct DedupeArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write the kept examples.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Similarity (estimated Jaccard of word 3-shingles) from which examples are near duplicates, or `off`.
    #[arg(long, default_value = "0.8", value_parser = parse_near, value_name = "THRESHOLD|off")]
    pub near: Near,
    /// `prompt` also removes examples whose prompt (everything before the last assistant message) repeats an earlier one's.
    #[arg(long, value_enum, default_value_t = DedupeBy::Example)]
    pub by: DedupeBy,
    /// Seed of the MinHash functions.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// `human` for a summary, `json` for every decision.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// Arguments of `finetune split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The JSONL file; it is only read.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How to split, and where the two files go.
    #[command(flatten)]
    pub split: SplitSettings,
    /// `human` for a summary, `json` for every line's side.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
}

/// How `split` and `prepare` split, and where the two files go.
#[derive(Debug, Args)]
pub struct SplitSettings {
    /// The validation side: a share (`0.1`) or a number of examples (`50`).
    #[arg(long, default_value = "0.1", value_parser = parse_validation, value_name = "SHARE|N")]
    pub validation: ValidationSize,
    /// Seed of the shuffle and of the MinHash functions: the same seed and file give the same result.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Similarity (estimated Jaccard of word 3-shingles) from which examples are near duplicates, or `off`.
    #[arg(long, default_value = "0.8", value_parser = parse_near, value_name = "THRESHOLD|off")]
    pub near: Near,
    /// Keep each stratum's share on both sides: a top-level key, a dotted path (`metadata.source`), or `tools` for the functions an example calls.
    #[arg(long, value_name = "KEY")]
    pub stratify_by: Option<String>,
    /// Folder for NAME.train.jsonl and NAME.validation.jsonl (default: the input's folder).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// What `dedupe` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DedupeBy {
    /// Whole examples (exact and near duplicates).
    Example,
    /// Also the prompt alone: the same prompt with another answer is a duplicate.
    Prompt,
}

/// A near-duplicate threshold, or none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near(pub Option<f64>);

fn parse_near(value: &str) -> Result<Near, String> {
    if value == "off" {
        return Ok(Near(None));
    }
    match value.parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 1.0 => Ok(Near(Some(t))),
        _ => Err(format!(
            "expected a similarity above 0 and at most 1, or `off`, not {value:?}"
        )),
    }
}

fn parse_validation(value: &str) -> Result<ValidationSize, String> {
    if let Ok(count) = value.parse::<u64>() {
        return Ok(ValidationSize::Count(count));
    }
    match value.parse::<f64>() {
        Ok(share) if share > 0.0 && share < 1.0 => Ok(ValidationSize::Fraction(share)),
        _ => Err(format!(
            "expected a share between 0 and 1 (0.1) or a number of examples (50), not {value:?}"
        )),
    }
}

/// Arguments of `finetune check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// JSONL files to check; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The dataset format; `auto` decides from the lines.
    #[arg(long, value_enum, default_value_t = MethodArg::Auto)]
    pub method: MethodArg,
    /// The model to count tokens, limits and cost for (`finetune models` lists them).
    #[arg(long, default_value = DEFAULT_MODEL, value_name = "MODEL")]
    pub model: String,
    /// Epochs to estimate the cost for: a number, or `auto` for the platform's heuristic.
    #[arg(long, default_value = "auto", value_parser = parse_epochs, value_name = "N|auto")]
    pub epochs: Epochs,
    /// A price table to use instead of the built-in one (same JSON format as `finetune models --output-format json`).
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    /// How to print the diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub output_format: OutputFormat,
    /// Exit with 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Run only these rules: codes (FT103), prefixes (FT1) or names (unknown-role), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Skip these rules: codes, prefixes or names, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Stop checking a file after this many errors.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_errors: Option<u64>,
    /// Print diagnostics only: no summary, and nothing at all for clean files.
    #[arg(long, short)]
    pub quiet: bool,
    /// Also check this validation file, and report its examples that copy (exactly or nearly) an example of FILE.
    #[arg(long, value_name = "FILE")]
    pub validation: Option<PathBuf>,
    /// Write a repaired copy of FILE to --output (byte order mark, CRLF, blank lines, spaces around keys, legacy functions), then check the copy.
    #[arg(long, requires = "output")]
    pub fix: bool,
    /// Where --fix writes the repaired file.
    #[arg(short, long, value_name = "OUT", requires = "fix")]
    pub output: Option<PathBuf>,
}

/// Arguments of `finetune rule`.
#[derive(Debug, Args)]
#[command(arg_required_else_help = true)]
pub struct RuleArgs {
    /// The rule's code (FT103) or name (unknown-role).
    #[arg(conflicts_with = "all")]
    pub rule: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub all: bool,
}

/// Arguments of `finetune models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// `human` for a table, `json` for the price table itself.
    #[arg(long, value_enum, default_value_t = TableFormat::Human)]
    pub output_format: TableFormat,
    /// A price table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
}

/// Output formats of listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// A table for people.
    Human,
    /// JSON.
    Json,
}

/// The model `check` assumes when `--model` is not given.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini-2024-07-18";

fn parse_epochs(value: &str) -> Result<Epochs, String> {
    if value == "auto" {
        return Ok(Epochs::Auto);
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=50).contains(&n) => Ok(Epochs::Fixed(n)),
        _ => Err(format!(
            "expected `auto` or a whole number of epochs from 1 to 50, not {value:?}"
        )),
    }
}

/// The dataset format `check` applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Decide from each line; the file's method is the majority's.
    Auto,
    /// Supervised chat examples: `{"messages": [...]}` ending with the assistant.
    Supervised,
    /// Preference examples: `{"input": {...}, "preferred_output": [...], "non_preferred_output": [...]}`.
    Dpo,
    /// Reinforcement examples: `{"messages": [...], ...reference fields}` ending with the user.
    Reinforcement,
}

impl MethodArg {
    /// The method to check every line as; `None` for `auto`.
    pub fn method(self) -> Option<Method> {
        match self {
            MethodArg::Auto => None,
            MethodArg::Supervised => Some(Method::Supervised),
            MethodArg::Dpo => Some(Method::Dpo),
            MethodArg::Reinforcement => Some(Method::Reinforcement),
        }
    }
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Each problem with its line and the value underlined, then a summary.
    Human,
    /// One line per problem: `path:line:col: CODE [severity] message`.
    Concise,
    /// One JSON document (the report contract in the README).
    Json,
    /// GitHub Actions workflow commands, which annotate pull requests.
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}
