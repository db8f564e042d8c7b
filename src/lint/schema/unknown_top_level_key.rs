use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, escape_pointer_token, quote};

/// Top-level keys of a supervised chat example.
pub const CHAT_KEYS: &[&str] = &["messages", "tools", "functions", "parallel_tool_calls"];

pub static RULE: Rule = Rule {
    code: "FT112",
    name: "unknown-top-level-key",
    family: Family::Schema,
    severity: Severity::Warning,
    summary: "the example has a top-level key the chat format does not define",
    help: "remove the key; keep bookkeeping such as ids in a separate file",
    docs: r#"## What it checks
The top-level keys are among `messages`, `tools`, `functions` and `parallel_tool_calls`.

## Why it matters
The platform ignores other top-level keys, so nothing fails, but the data you meant to send
(often `system`, `prompt` or `tools` misspelt) silently does not reach training. It is a warning
because ids and metadata kept alongside the example are harmless.

## Example
```json
{"messages": [...], "tool": [{"type": "function", "function": {"name": "f"}}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    // Without `messages` the line is not a chat example at all; FT101 says so once.
    if !record.root().contains_key("messages") {
        return;
    }
    for key in record.root().keys() {
        if !CHAT_KEYS.contains(&key.as_str()) {
            out.at(
                &RULE,
                format!("/{}", escape_pointer_token(key)),
                format!("unknown top-level key {}", quote(key)),
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
            &[r#"{"messages": [], "tools": [], "parallel_tool_calls": false}"#],
            &[
                r#"{"messages": [], "id": 7}"#,
                r#"{"messages": [], "tool": []}"#,
            ],
        );
    }
}
