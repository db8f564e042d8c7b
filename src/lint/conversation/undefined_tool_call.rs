use serde_json::Value;

use super::calls;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT212",
    name: "undefined-tool-call",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "an assistant calls a function the example does not define",
    help: "add the function to the example's \"tools\", or fix the name in the call",
    docs: r#"## What it checks
The function named by every tool call and legacy function call is defined in the example's
`tools` (or legacy `functions`).

## Why it matters
The platform accepts it, but the model learns to call a function it was never shown; at
inference it will call it from memory, with whatever arguments it guesses.

## Example
```json
{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let calls = calls(*record);
    if calls.is_empty() {
        return;
    }
    let defined = record.defined_function_names();
    for call in calls {
        let Some(Value::String(name)) = call.function.get("name") else {
            continue;
        };
        if name.is_empty() || defined.contains(&name.as_str()) {
            continue;
        }
        let message = if defined.is_empty() {
            format!("call to {} but the example defines no tools", quote(name))
        } else {
            format!(
                "call to {} which the example's tools do not define",
                quote(name)
            )
        };
        out.at(&RULE, format!("{}/name", call.function_pointer()), message);
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
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "f"}}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": {"name": "g", "arguments": "{}"}}], "functions": [{"name": "g"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "g"}}]}"#,
            ],
        );
    }
}
