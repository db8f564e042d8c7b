use serde_json::Value;

use super::calls;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT208",
    name: "tool-call-arguments-not-string",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a call's `arguments` is missing or not a string",
    help: "serialise the arguments to a JSON string: \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"",
    docs: r#"## What it checks
The `arguments` of every tool call and legacy function call is a string (holding JSON).

## Why it matters
The model produces arguments as text, so training data holds them as a JSON-encoded string; the
platform rejects an object or a missing value. Conversion scripts that forget `json.dumps` are
the usual cause.

## Example
```json
{"messages": [{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": {"city": "Paris"}}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for call in calls(*record) {
        match call.function.get("arguments") {
            Some(Value::String(_)) => {}
            Some(other) => out.at(
                &RULE,
                format!("{}/arguments", call.function_pointer()),
                format!(
                    "arguments is {}, not a JSON-encoded string",
                    type_name(other)
                ),
            ),
            None => out.at(
                &RULE,
                call.function_pointer(),
                "function call has no arguments".to_owned(),
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
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": {}}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": null}}]}"#,
            ],
        );
    }
}
