use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Family, Rule};

/// The fewest examples the platform accepts for a training file.
pub const MIN_EXAMPLES: u64 = 10;

pub static RULE: Rule = Rule {
    code: "FT401",
    name: "too-few-examples",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "the file has fewer than 10 examples",
    help: "add examples: fine-tuning needs at least 10, and usually improves clearly with 50 to 100",
    docs: r"## What it checks
The number of examples (non-blank lines) in the file is at least 10.

## Why it matters
The platform refuses to start a fine-tuning job on a training file with fewer than 10 examples.
An empty file is reported here too.

## Example
A file with 9 lines.
",
};

/// The file-level diagnostic when `examples` is under the minimum.
pub fn diagnostic(examples: u64) -> Option<Diagnostic> {
    (examples < MIN_EXAMPLES).then(|| {
        RULE.diagnostic(
            None,
            format!("file has {examples} examples; at least {MIN_EXAMPLES} are needed"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        assert!(diagnostic(0).is_some());
        assert_eq!(
            diagnostic(9).unwrap().message,
            "file has 9 examples; at least 10 are needed"
        );
        assert!(diagnostic(10).is_none());
    }
}
