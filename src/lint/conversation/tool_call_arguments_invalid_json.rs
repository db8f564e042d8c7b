use serde_json::Value;

use super::calls;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT209",
    name: "tool-call-arguments-invalid-json",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a call's `arguments` string is not a JSON object",
    help: "make \"arguments\" the JSON encoding of an object, such as \"{\\\"city\\\": \\\"Paris\\\"}\"",
    docs: r#"## What it checks
The `arguments` string of every tool call and legacy function call parses as a JSON object.

## Why it matters
The platform rejects arguments that do not parse; and a model trained on broken arguments
produces calls your code cannot decode. Python `str(dict)` (single quotes) is the usual cause.

## Example
```json
{"messages": [{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{'city': 'Paris'}"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for call in calls(*record) {
        let Some(Value::String(arguments)) = call.function.get("arguments") else {
            continue;
        };
        let pointer = format!("{}/arguments", call.function_pointer());
        match serde_json::from_str::<Value>(arguments) {
            Ok(Value::Object(_)) => {}
            Ok(_) => out.at(
                &RULE,
                pointer,
                format!("arguments {} is JSON but not an object", quote(arguments)),
            ),
            Err(error) => out.at(
                &RULE,
                pointer,
                format!("arguments {} is not valid JSON: {error}", quote(arguments)),
            ),
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
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{\"city\": \"Paris\"}"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{'city': 'Paris'}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "[1]"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": ""}}]}"#,
            ],
        );
    }
}
