use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT150",
    name: "vertex-missing-contents",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI example has no `contents`, or it is not a non-empty list",
    help: "write the conversation as \"contents\": [{\"role\": \"user\", \"parts\": [{\"text\": ...}]}, {\"role\": \"model\", \"parts\": [...]}]",
    docs: r#"## What it checks
Checked with `--provider vertex`: every example has `contents`, a non-empty list of turns
(`GoogleCloudAiplatformV1Content`: `role` and `parts`). `contents` is the one required field of
a supervised line and the prompt of a preference line
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data).

## Why it matters
Vertex AI rejects a tuning dataset whose lines have no conversation; a line without
`contents` usually holds another platform's format or a misspelt key.

## Example
```json
{"systemInstruction": {"parts": [{"text": "Be brief."}]}, "content": []}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    match record.line().get("contents") {
        None => out.at(&RULE, "", "example has no \"contents\"".to_owned()),
        Some(Value::Array(turns)) if turns.is_empty() => {
            out.at(&RULE, "/contents", "\"contents\" is empty".to_owned());
        }
        Some(Value::Array(_)) => {}
        Some(other) => out.at(
            &RULE,
            "/contents",
            format!("\"contents\" is {}, not a list of turns", type_name(other)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_vertex;

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#],
            &[
                r#"{"content": []}"#,
                r#"{"contents": []}"#,
                r#"{"contents": {"role": "user"}}"#,
            ],
        );
    }
}
