use serde_json::Value;

use super::calls;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT207",
    name: "tool-call-missing-name",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a tool call or function call has no string function `name`",
    help: "name the function being called: \"function\": {\"name\": \"get_weather\", \"arguments\": \"{...}\"}",
    docs: r#"## What it checks
The `function` object of every tool call, and a legacy `function_call`, has a non-empty string
`name`.

## Why it matters
The name is what the model learns to call; the platform rejects a call without one.

## Example
```json
{"messages": [{"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"arguments": "{}"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for call in calls(*record) {
        match call.function.get("name") {
            Some(Value::String(name)) if !name.is_empty() => {}
            Some(other) => out.at(
                &RULE,
                format!("{}/name", call.function_pointer()),
                format!("function name {other} is not a non-empty string"),
            ),
            None => out.at(
                &RULE,
                call.function_pointer(),
                "function call has no name".to_owned(),
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
                r#"{"messages": [{"role": "assistant", "function_call": {"name": "f", "arguments": "{}"}}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": {"name": 1, "arguments": "{}"}}]}"#,
            ],
        );
    }
}
