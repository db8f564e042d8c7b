//! FT406: more examples than the platform takes in one file.

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT406",
    name: "too-many-examples",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "the file has more examples than the platform takes",
    help: "split the data into several training files, or sample it down to the platform's maximum",
    docs: r"## What it checks
The number of examples (non-blank lines) in the file is at most the platform's maximum, where
it states one: 3 million for Fireworks AI (https://docs.fireworks.ai/fine-tuning/fine-tuning-models:
'Maximum examples: 3 million per dataset'); 1 million for Vertex AI, its limit for text-only
examples (https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning;
300,000 when the examples are multimodal). OpenAI, Azure OpenAI and Together AI state a
size limit for the file instead, not a number of examples. With `check TRAIN --validation
VALIDATION`, the validation file is held to the platform's maximum for validation where it
states one: 5,000 examples for Vertex AI (the same limits page).

## Why it matters
The platform refuses the dataset after the upload, so the time and the transfer are lost.

## Example
A file of 3,000,001 examples, checked for Fireworks AI.
",
};

/// The file-level diagnostic when a validation file's `examples` are over the platform's
/// `maximum` for validation.
pub fn validation_diagnostic(examples: u64, maximum: u64) -> Option<Diagnostic> {
    (examples > maximum).then(|| Diagnostic {
        help: format!(
            "keep at most {maximum} examples for validation; `finetune split` and `prepare` cap the validation side at the platform's maximum"
        ),
        ..RULE.diagnostic(
            None,
            format!(
                "validation file has {examples} examples; the platform validates on at most {maximum}"
            ),
        )
    })
}

/// The file-level diagnostic when `examples` is over `maximum`.
pub fn diagnostic(examples: u64, maximum: u64) -> Option<Diagnostic> {
    (examples > maximum).then(|| {
        RULE.diagnostic(
            None,
            format!("file has {examples} examples; the platform takes at most {maximum}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_file_has_its_own_maximum() {
        assert!(validation_diagnostic(5_000, 5_000).is_none());
        assert_eq!(
            validation_diagnostic(5_001, 5_000).unwrap().message,
            "validation file has 5001 examples; the platform validates on at most 5000"
        );
    }

    #[test]
    fn edges() {
        assert!(diagnostic(3, 3).is_none());
        assert_eq!(
            diagnostic(4, 3).unwrap().message,
            "file has 4 examples; the platform takes at most 3"
        );
    }
}
