use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT108",
    name: "invalid-content-type",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message's `content` is missing or of the wrong type",
    help: "make \"content\" a string, or a non-empty array of content parts",
    docs: r#"## What it checks
`content` is a string or a non-empty array of content parts. System, user and tool messages
must have content; assistant messages may have `null` content when they call tools (FT109 checks
that they have one or the other); legacy function messages take a string or `null`.

## Why it matters
The platform rejects content of any other type. Numbers and objects usually come from a
conversion script that did not stringify a value.

## Example
```json
{"messages": [{"role": "user", "content": {"text": "Hi"}}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.known_role_messages() {
        let role = message.role.unwrap_or_default();
        let nullable = matches!(role, "assistant" | "function");
        match message.fields.get("content") {
            None if role == "assistant" => {}
            None => out.at_with_help(
                &RULE,
                message.pointer(),
                format!("{role} message {} has no content", message.index),
                "add \"content\" with the message's text".to_owned(),
            ),
            Some(Value::String(_)) => {}
            Some(Value::Null) if nullable => {}
            Some(Value::Array(parts)) if role != "function" => {
                if parts.is_empty() {
                    out.at(
                        &RULE,
                        message.pointer_to("content"),
                        format!("{role} content is an empty array"),
                    );
                }
            }
            Some(other) => out.at_with_help(
                &RULE,
                message.pointer_to("content"),
                format!("{role} content is {}", type_name(other)),
                if role == "function" {
                    "make \"content\" a string or null".to_owned()
                } else {
                    RULE.help.to_owned()
                },
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
                r#"{"messages": [{"role": "user", "content": "x"}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}"#,
                r#"{"messages": [{"role": "assistant", "content": null, "tool_calls": []}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": []}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user"}]}"#,
                r#"{"messages": [{"role": "user", "content": null}]}"#,
                r#"{"messages": [{"role": "user", "content": 5}]}"#,
                r#"{"messages": [{"role": "system", "content": {"text": "x"}}]}"#,
                r#"{"messages": [{"role": "assistant", "content": []}]}"#,
                r#"{"messages": [{"role": "function", "name": "f", "content": []}]}"#,
            ],
        );
    }
}
