use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Family, Rule};

/// The fewest examples the platform accepts for a training file, where its rules say no other
/// number ([`RuleProfile::min_examples`](crate::lint::RuleProfile::min_examples)).
pub const MIN_EXAMPLES: u64 = 10;

pub static RULE: Rule = Rule {
    code: "FT401",
    name: "too-few-examples",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "the file has fewer examples than the platform's minimum",
    help: "add examples: fine-tuning needs the platform's minimum, and usually improves clearly with 50 to 100",
    docs: r"## What it checks
The number of examples (non-blank lines) in the file is at least the platform's minimum: 10
for OpenAI and Azure OpenAI, 1 for Together AI (`MIN_SAMPLES` in the `together` SDK's
`lib/constants.py`, checked by its `check_file`), 1 for Vertex AI, whose docs recommend
starting with about 100 examples but state no minimum
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data),
and 1 for Amazon Bedrock, whose Nova page recommends at least 100 samples per task but
states no minimum
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html),
so only an empty file is refused there.

## Why it matters
The platform refuses to start a fine-tuning job on a training file with fewer examples. An empty
file is reported here too.

## Example
A file with 9 lines, checked for OpenAI.
",
};

/// The file-level diagnostic when `examples` is under `minimum`.
pub fn diagnostic(examples: u64, minimum: u64) -> Option<Diagnostic> {
    (examples < minimum).then(|| {
        let needed = if minimum == 1 {
            "at least 1 is needed".to_owned()
        } else {
            format!("at least {minimum} are needed")
        };
        let mut diagnostic = RULE.diagnostic(None, format!("file has {examples} examples; {needed}"));
        diagnostic.help = format!(
            "add examples: fine-tuning needs at least {minimum}, and usually improves clearly with 50 to 100"
        );
        diagnostic
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        assert!(diagnostic(0, MIN_EXAMPLES).is_some());
        assert_eq!(
            diagnostic(9, MIN_EXAMPLES).unwrap().message,
            "file has 9 examples; at least 10 are needed"
        );
        assert!(diagnostic(10, MIN_EXAMPLES).is_none());
        assert!(diagnostic(1, 1).is_none());
        assert_eq!(
            diagnostic(0, 1).unwrap().message,
            "file has 0 examples; at least 1 is needed"
        );
    }
}
