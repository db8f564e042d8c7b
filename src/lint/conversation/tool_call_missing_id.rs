use serde_json::Value;

use super::calls;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT206",
    name: "tool-call-missing-id",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a tool call has no string `id`",
    help: "give every tool call a unique string \"id\" and repeat it as the tool message's \"tool_call_id\"",
    docs: r#"## What it checks
Every entry of `tool_calls` has a non-empty string `id`.

## Why it matters
The id pairs the call with the tool message that answers it; the platform rejects a call
without one.

## Example
```json
{"messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for call in calls(*record) {
        let Some(tool_call) = call.tool else {
            continue;
        };
        match tool_call.get("id") {
            Some(Value::String(id)) if !id.is_empty() => {}
            Some(other) => out.at(
                &RULE,
                format!("{}/id", call.pointer),
                format!("tool call id {other} is not a non-empty string"),
            ),
            None => out.at(&RULE, call.pointer, "tool call has no id".to_owned()),
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
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": 4, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
            ],
        );
    }
}
