use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT114",
    name: "invalid-field-type",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a field other than content has the wrong type",
    help: "give the field the type the chat format defines",
    docs: r#"## What it checks
The types of the fields around the content:

- `name` is a string; a legacy `function` message must have one;
- a tool message has a string `tool_call_id`;
- `refusal` is a string or null;
- `tool_calls` is an array of objects with `"type": "function"` and a `function` object;
- `function_call` is an object or null;
- top-level `parallel_tool_calls` is a boolean.

## Why it matters
The platform validates these types and rejects the example.

## Example
```json
{"messages": [{"role": "assistant", "tool_calls": {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if let Some(value) = record
        .conversation()
        .and_then(|c| c.get("parallel_tool_calls"))
        && !value.is_boolean()
    {
        out.at(
            &RULE,
            record.pointer("/parallel_tool_calls"),
            format!(
                "\"parallel_tool_calls\" is {}, not a boolean",
                type_name(value)
            ),
        );
    }
    for message in record.known_role_messages() {
        let mut expect = |key: &str, ok: fn(&Value) -> bool, wanted: &str| {
            if let Some(value) = message.fields.get(key)
                && !ok(value)
            {
                out.at(
                    &RULE,
                    message.pointer_to(key),
                    format!("\"{key}\" is {}, not {wanted}", type_name(value)),
                );
            }
        };
        expect("name", Value::is_string, "a string");
        match message.role.unwrap_or_default() {
            "tool" => expect("tool_call_id", Value::is_string, "a string"),
            "assistant" => {
                expect("refusal", |v| v.is_string() || v.is_null(), "a string");
                expect(
                    "function_call",
                    |v| v.is_object() || v.is_null(),
                    "an object",
                );
                expect("tool_calls", Value::is_array, "an array");
            }
            _ => {}
        }
        if message.is("tool") && !message.fields.contains_key("tool_call_id") {
            out.at_with_help(
                &RULE,
                message.pointer(),
                format!("tool message {} has no tool_call_id", message.index),
                "add the \"tool_call_id\" of the assistant tool call this message answers"
                    .to_owned(),
            );
        }
        if message.is("function") && !message.fields.contains_key("name") {
            out.at_with_help(
                &RULE,
                message.pointer(),
                format!("function message {} has no name", message.index),
                "add the \"name\" of the function whose result this is".to_owned(),
            );
        }
        for (index, call) in message.tool_calls().iter().enumerate() {
            let pointer = format!("{}/tool_calls/{index}", message.pointer());
            let Some(call) = call.as_object() else {
                out.at(
                    &RULE,
                    pointer,
                    format!("tool call {index} is {}, not an object", type_name(call)),
                );
                continue;
            };
            if call.get("type").and_then(Value::as_str) != Some("function") {
                let found = call
                    .get("type")
                    .map_or_else(|| "missing".to_owned(), ToString::to_string);
                out.at_with_help(
                    &RULE,
                    if call.contains_key("type") {
                        format!("{pointer}/type")
                    } else {
                        pointer.clone()
                    },
                    format!("tool call type is {found}, not \"function\""),
                    "add \"type\": \"function\" to the tool call".to_owned(),
                );
            }
            if !call.get("function").is_some_and(Value::is_object) {
                out.at_with_help(
                    &RULE,
                    if call.contains_key("function") { format!("{pointer}/function") } else { pointer },
                    "tool call has no \"function\" object".to_owned(),
                    "write the call as {\"id\": ..., \"type\": \"function\", \"function\": {\"name\": ..., \"arguments\": \"{...}\"}}".to_owned(),
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
                r#"{"messages": [{"role": "user", "content": "x", "name": "ann"}], "parallel_tool_calls": true}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "function", "name": "f", "content": null}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "name": 3}]}"#,
                r#"{"messages": [], "parallel_tool_calls": "yes"}"#,
                r#"{"messages": [{"role": "tool", "content": "x", "tool_call_id": 1}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": {"id": "a"}}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": ["f"]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
                r#"{"messages": [{"role": "assistant", "tool_calls": [{"id": "a", "type": "function"}]}]}"#,
                r#"{"messages": [{"role": "assistant", "function_call": "f"}]}"#,
                r#"{"messages": [{"role": "function", "content": "x"}]}"#,
                r#"{"messages": [{"role": "tool", "content": "x"}]}"#,
            ],
        );
    }
}
