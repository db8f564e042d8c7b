use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT404",
    name: "no-reference-fields",
    family: Family::Dataset,
    severity: Severity::Warning,
    summary: "no reinforcement example has a reference field for the graders",
    help: "add the reference the graders compare against, such as \"correct_answer\": \"42\", to each example",
    docs: r#"## What it checks
At least one line of a reinforcement dataset has a top-level key besides `messages`, `tools`,
`functions` and `parallel_tool_calls`: a reference field, such as the expected answer, that the
job's graders read as `{{ item.correct_answer }}`.

## Why it matters
The platform accepts the file, but graders that compare the model's answer to a reference have
nothing to compare against, so every sample scores the same and the job learns nothing. Graders
that need no reference (a model grader judging style) are the exception, hence a warning.

## Example
```json
{"messages": [{"role": "user", "content": "2 + 2?"}]}
```
"#,
};

/// The file-level diagnostic.
pub fn diagnostic() -> Diagnostic {
    RULE.diagnostic(
        None,
        "no example has a reference field for the graders".to_owned(),
    )
}
