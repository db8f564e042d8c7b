use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT109",
    name: "assistant-without-content",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an assistant message has neither content nor tool calls",
    help: "give the assistant message its reply in \"content\", or the calls it makes in \"tool_calls\"",
    docs: r#"## What it checks
Every assistant message has non-null `content`, a `refusal`, or calls (`tool_calls` or the
legacy `function_call`).

## Why it matters
An assistant message is what the model learns to produce; with nothing in it the platform
rejects the example.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects().filter(|m| m.is("assistant")) {
        let has_content = message.fields.get("content").is_some_and(|c| !c.is_null());
        let has_refusal = message.fields.get("refusal").is_some_and(Value::is_string);
        if !has_content && !has_refusal && !message.has_calls() {
            out.at(
                &RULE,
                message.pointer(),
                format!(
                    "assistant message {} has no content and no tool calls",
                    message.index
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "assistant", "content": "x"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]}"#,
                r#"{"messages": [{"role": "assistant", "refusal": "I can't help with that"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": null}]}"#,
                r#"{"messages": [{"role": "assistant", "content": null, "tool_calls": []}]}"#,
            ],
        );
    }
}
