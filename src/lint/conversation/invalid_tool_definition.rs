use serde_json::{Map, Value};

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote, type_name};

/// Longest function name the platform accepts.
const MAX_NAME_LEN: usize = 64;

pub static RULE: Rule = Rule {
    code: "FT211",
    name: "invalid-tool-definition",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a tool or legacy function definition is malformed",
    help: "define tools as {\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\", ...}}}",
    docs: r#"## What it checks
`tools` is an array of `{"type": "function", "function": {...}}` and legacy `functions` an
array of function objects. Each function has a `name` of 1 to 64 letters, digits, `_` or `-`;
an optional string `description`; and optional `parameters` that are a JSON Schema object with
`"type": "object"`.

## Why it matters
The platform validates tool definitions like the chat API does and rejects the example. Names
with spaces or dots and parameters given as a bare list of fields are the usual causes.

## Example
```json
{"messages": [...], "tools": [{"type": "function", "function": {"name": "get weather", "parameters": {"city": "string"}}}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for key in ["tools", "functions"] {
        let Some(value) = record.conversation().and_then(|c| c.get(key)) else {
            continue;
        };
        let Some(items) = value.as_array() else {
            out.at(
                &RULE,
                record.pointer(&format!("/{key}")),
                format!("\"{key}\" is {}, not an array", type_name(value)),
            );
            continue;
        };
        for (index, item) in items.iter().enumerate() {
            let pointer = record.pointer(&format!("/{key}/{index}"));
            let Some(item) = item.as_object() else {
                out.at(
                    &RULE,
                    pointer,
                    format!("{key} entry {index} is {}, not an object", type_name(item)),
                );
                continue;
            };
            if key == "functions" {
                check_function(item, &pointer, out);
                continue;
            }
            if item.get("type").and_then(Value::as_str) != Some("function") {
                out.at(
                    &RULE,
                    if item.contains_key("type") {
                        format!("{pointer}/type")
                    } else {
                        pointer.clone()
                    },
                    "tool type is not \"function\"".to_owned(),
                );
            }
            match item.get("function") {
                Some(Value::Object(function)) => {
                    check_function(function, &format!("{pointer}/function"), out);
                }
                _ => out.at(&RULE, pointer, "tool has no \"function\" object".to_owned()),
            }
        }
    }
}

fn check_function(function: &Map<String, Value>, pointer: &str, out: &mut Findings) {
    match function.get("name") {
        Some(Value::String(name)) if is_valid_name(name) => {}
        Some(Value::String(name)) => out.at_with_help(
            &RULE,
            format!("{pointer}/name"),
            format!(
                "function name {} is not 1 to {MAX_NAME_LEN} letters, digits, _ or -",
                quote(name)
            ),
            "rename the function, such as get_weather".to_owned(),
        ),
        Some(other) => out.at(
            &RULE,
            format!("{pointer}/name"),
            format!("function name is {}, not a string", type_name(other)),
        ),
        None => out.at(&RULE, pointer, "function has no name".to_owned()),
    }
    if let Some(description) = function.get("description")
        && !description.is_string()
    {
        out.at(
            &RULE,
            format!("{pointer}/description"),
            format!(
                "function description is {}, not a string",
                type_name(description)
            ),
        );
    }
    if let Some(parameters) = function.get("parameters") {
        let is_object_schema = parameters
            .as_object()
            .is_some_and(|schema| schema.get("type").and_then(Value::as_str) == Some("object"));
        if !is_object_schema {
            out.at_with_help(
                &RULE,
                format!("{pointer}/parameters"),
                "function parameters are not a JSON Schema with \"type\": \"object\"".to_owned(),
                "write parameters as {\"type\": \"object\", \"properties\": {...}, \"required\": [...]}".to_owned(),
            );
        }
    }
}

fn is_valid_name(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
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
                r#"{"messages": [], "tools": [{"type": "function", "function": {"name": "get_weather", "description": "d", "parameters": {"type": "object", "properties": {}}}}]}"#,
                r#"{"messages": [], "tools": [{"type": "function", "function": {"name": "ping"}}]}"#,
                r#"{"messages": [], "functions": [{"name": "f-1", "parameters": {"type": "object"}}]}"#,
            ],
            &[
                r#"{"messages": [], "tools": {"type": "function"}}"#,
                r#"{"messages": [], "tools": ["f"]}"#,
                r#"{"messages": [], "tools": [{"type": "tool", "function": {"name": "f"}}]}"#,
                r#"{"messages": [], "tools": [{"type": "function"}]}"#,
                r#"{"messages": [], "tools": [{"type": "function", "function": {"name": "get weather"}}]}"#,
                r#"{"messages": [], "tools": [{"type": "function", "function": {"description": "d"}}]}"#,
                r#"{"messages": [], "tools": [{"type": "function", "function": {"name": "f", "parameters": {"city": "string"}}}]}"#,
                r#"{"messages": [], "tools": [{"type": "function", "function": {"name": "f", "description": 1}}]}"#,
                r#"{"messages": [], "functions": [{"name": "a.b"}]}"#,
            ],
        );
    }

    #[test]
    fn name_length_limit() {
        assert!(super::is_valid_name(&"a".repeat(64)));
        assert!(!super::is_valid_name(&"a".repeat(65)));
        assert!(!super::is_valid_name(""));
    }
}
