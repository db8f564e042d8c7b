use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT170",
    name: "bedrock-invalid-schema-version",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an Amazon Bedrock example has no `schemaVersion`, or it is not a string",
    help: "start the line with \"schemaVersion\": \"bedrock-conversation-2024\"",
    docs: r#"## What it checks
Checked with `--provider bedrock`: every example has `schemaVersion`, a string. The Nova
fine-tuning page says it "can be any string value"; every example there has one, set to
`"bedrock-conversation-2024"`
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).

## Why it matters
`schemaVersion` is what marks a line as Bedrock's conversation format; a line without it is
easily another platform's `messages` line that Bedrock reads differently.

## Example
```json
{"schemaVersion": 2024, "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    match record.line().get("schemaVersion") {
        None => out.at(&RULE, "", "example has no \"schemaVersion\"".to_owned()),
        Some(Value::String(_)) => {}
        Some(other) => out.at(
            &RULE,
            "/schemaVersion",
            format!("\"schemaVersion\" is {}, not a string", type_name(other)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    #[test]
    fn pass_and_fail() {
        assert_rule_bedrock(
            &RULE,
            &[
                r#"{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
                r#"{"schemaVersion": "anything", "messages": []}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
                r#"{"schemaVersion": 2024, "messages": []}"#,
            ],
        );
    }
}
