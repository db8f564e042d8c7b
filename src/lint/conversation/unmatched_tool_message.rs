use std::collections::HashSet;

use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT210",
    name: "unmatched-tool-message",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a tool message does not answer an earlier tool call",
    help: "set \"tool_call_id\" to the \"id\" of the assistant tool call this message answers",
    docs: r#"## What it checks
The `tool_call_id` of every tool message is equal to the `id` of a tool call made by an earlier
assistant message of the same example.

## Why it matters
The platform pairs each tool result with its call and rejects a result that answers nothing.
Reordered messages and ids regenerated during conversion are the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": "Weather?"}, {"role": "tool", "tool_call_id": "call_1", "content": "12°C"}, {"role": "assistant", "content": "12°C"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let mut ids: HashSet<&str> = HashSet::new();
    for message in record.known_role_messages() {
        if message.is("assistant") {
            ids.extend(
                message
                    .tool_calls()
                    .iter()
                    .filter_map(|call| call.get("id")?.as_str()),
            );
        } else if message.is("tool") {
            // A missing or non-string id is a type problem, reported by FT114.
            if let Some(Value::String(id)) = message.fields.get("tool_call_id")
                && !ids.contains(id.as_str())
            {
                out.at(
                    &RULE,
                    message.pointer_to("tool_call_id"),
                    format!("tool_call_id {} matches no earlier tool call", quote(id)),
                );
            }
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
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "a", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x"}, {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "b", "content": "x"}]}"#,
            ],
        );
    }
}
