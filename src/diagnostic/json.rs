//! The JSON report: one document for the whole run, the contract CI scripts read.

use serde::Serialize;

use super::Diagnostic;
use crate::cost::Estimate;
use crate::lint::TokenSummary;
use crate::tokens::Distribution;

/// Version of the report's shape; bumped on any incompatible change.
pub const REPORT_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The provider whose dataset rules were applied (`--provider`: `openai`, `azure`,
    /// `together`).
    pub provider: &'static str,
    /// Totals over every file.
    pub summary: Summary,
    /// One entry per checked file, in the order given.
    pub files: Vec<FileReport>,
}

/// Totals over every file.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Files checked.
    pub files: u64,
    /// Examples in all files.
    pub examples: u64,
    /// Error diagnostics.
    pub errors: u64,
    /// Warning diagnostics.
    pub warnings: u64,
}

/// The report of one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The path as given (`-` for standard input).
    pub path: String,
    /// The dataset format the file was checked as.
    pub method: &'static str,
    /// The format of the file's lines where it is not OpenAI's chat format of the method: a
    /// plain one (`text`, `prompt-completion`) or Vertex AI's (`vertex`, `vertex-preference`);
    /// absent for OpenAI's chat formats, which `method` names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// Non-blank lines read.
    pub examples: u64,
    /// Examples without an error.
    pub valid_examples: u64,
    /// Whether `--max-errors` stopped the check before the end of the file.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stopped_early: bool,
    /// Errors found, those past a line's cap of diagnostics included.
    pub errors: u64,
    /// Warnings found, those past a line's cap of diagnostics included.
    pub warnings: u64,
    /// Every diagnostic, in line order; file-level ones last.
    pub diagnostics: Vec<Diagnostic>,
    /// Token counts; absent when no example could be counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    /// The cost estimate; absent when no example could be counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
}

/// The `tokens` object of a file's report.
#[derive(Debug, Serialize)]
pub struct Tokens {
    /// What counted: the encoding (`o200k_base`), or `huggingface` for a tokenizer file.
    pub encoding: &'static str,
    /// The tokenizer file (`--tokenizer`) that counted, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<&'static str>,
    /// Whether the counts are approximate: the model has a tokenizer of its own and the
    /// encoding is the closest tiktoken one. Absent when the counts are exact.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// Every token of every example.
    pub total: u64,
    /// Tokens of trained assistant messages (weight not 0).
    pub assistant: u64,
    /// Distribution of example lengths.
    pub per_example: Distribution,
    /// Image parts behind URLs, counted at a fixed estimate; absent when there are none.
    #[serde(skip_serializing_if = "is_zero")]
    pub estimated_image_parts: u64,
    /// Preference data only: tokens of the inputs and of each side's outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Parts>,
}

/// Tokens of a preference dataset's parts.
#[derive(Debug, Serialize)]
pub struct Parts {
    /// The inputs (prompts).
    pub input: u64,
    /// The preferred outputs.
    pub preferred_output: u64,
    /// The non-preferred outputs.
    pub non_preferred_output: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Tokens {
    /// The report's view of a stream's token summary; `None` when nothing was counted.
    pub fn from_summary(summary: &TokenSummary) -> Option<Self> {
        Some(Self {
            encoding: summary.encoding,
            tokenizer: summary.tokenizer,
            approximate: false,
            total: summary.total,
            assistant: summary.trained,
            per_example: summary.per_example?,
            estimated_image_parts: summary.estimated_images,
            parts: summary
                .parts
                .map(|[input, preferred_output, non_preferred_output]| Parts {
                    input,
                    preferred_output,
                    non_preferred_output,
                }),
        })
    }
}

impl Report {
    /// A report of `files` checked by the dataset rules of `provider`, with totals computed
    /// from them.
    pub fn new(provider: &'static str, files: Vec<FileReport>) -> Self {
        let mut summary = Summary::default();
        for file in &files {
            summary.files += 1;
            summary.examples += file.examples;
            summary.errors += file.errors;
            summary.warnings += file.warnings;
        }
        Self {
            version: REPORT_VERSION,
            provider,
            summary,
            files,
        }
    }
}
