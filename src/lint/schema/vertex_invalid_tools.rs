use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::objects_of;
use crate::lint::{Family, Findings, Record, Rule, quote, type_name};

pub static RULE: Rule = Rule {
    code: "FT158",
    name: "vertex-invalid-tools",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI example's `tools` is not a list of tools whose function declarations each have a valid `name`",
    help: "write \"tools\": [{\"functionDeclarations\": [{\"name\": \"get_weather\", \"description\": ..., \"parameters\": {...}}]}]",
    docs: r#"## What it checks
Checked with `--provider vertex`: `tools` is a list of objects (`GoogleCloudAiplatformV1Tool`);
a tool's `functionDeclarations` is a list of objects, each with a `name` that starts with a
letter or an underscore, holds only letters, digits, underscores, dots, colons and dashes, and
is at most 128 characters (`GoogleCloudAiplatformV1FunctionDeclaration.name` in the Vertex AI
discovery document), and `parameters`, where given, is an object. Function-calling examples:
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling.

## Why it matters
The model learns which functions it may call from the declarations; a malformed one is
rejected, and OpenAI's shape (`{"type": "function", "function": {...}}`) is not read at all.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"text": "Where?"}]}], "tools": [{"type": "function", "function": {"name": "weather"}}]}
```
"#,
};

/// The longest function name Vertex AI takes.
const MAX_NAME_CHARS: usize = 128;

fn valid_name(name: &str) -> bool {
    name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
}

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let Some(tools) = record.line().get("tools") else {
        return;
    };
    let Value::Array(tools) = tools else {
        out.at(
            &RULE,
            "/tools",
            format!("\"tools\" is {}, not a list", type_name(tools)),
        );
        return;
    };
    for (_, pointer, tool) in objects_of(tools, "/tools", "tool", &RULE, out) {
        if tool.contains_key("function") || tool.contains_key("type") {
            out.at_with_help(
                &RULE,
                pointer,
                "the tool is in OpenAI's shape ({\"type\": \"function\", \"function\": ...})".to_owned(),
                "declare functions as {\"functionDeclarations\": [{\"name\": ..., \"parameters\": {...}}]}, or convert the file with `finetune convert --to vertex`".to_owned(),
            );
            continue;
        }
        let Some(declarations) = tool.get("functionDeclarations") else {
            continue;
        };
        let Value::Array(declarations) = declarations else {
            out.at(
                &RULE,
                format!("{pointer}/functionDeclarations"),
                format!(
                    "\"functionDeclarations\" is {}, not a list",
                    type_name(declarations)
                ),
            );
            continue;
        };
        let base = format!("{pointer}/functionDeclarations");
        for (_, pointer, declaration) in objects_of(declarations, &base, "declaration", &RULE, out)
        {
            match declaration.get("name") {
                Some(Value::String(name)) if valid_name(name) => {}
                Some(Value::String(name)) => out.at(
                    &RULE,
                    format!("{pointer}/name"),
                    format!(
                        "function name {} is not a valid Vertex AI function name",
                        quote(name)
                    ),
                ),
                Some(other) => out.at(
                    &RULE,
                    format!("{pointer}/name"),
                    format!("\"name\" is {}, not a string", type_name(other)),
                ),
                None => out.at(
                    &RULE,
                    pointer.clone(),
                    "the declaration has no \"name\"".to_owned(),
                ),
            }
            if let Some(parameters) = declaration.get("parameters")
                && !parameters.is_object()
            {
                out.at(
                    &RULE,
                    format!("{pointer}/parameters"),
                    format!(
                        "\"parameters\" is {}, not a schema object",
                        type_name(parameters)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule_vertex, vertex_findings};

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT"}}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "_ns.tool:v-2"}]}, {"googleSearch": {}}]}"#,
            ],
            &[
                r#"{"contents": [], "tools": {"functionDeclarations": []}}"#,
                r#"{"contents": [], "tools": ["weather"]}"#,
                r#"{"contents": [], "tools": [{"type": "function", "function": {"name": "weather"}}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": {"name": "weather"}}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"description": "no name"}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "get weather"}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "weather", "parameters": "{}"}]}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_name() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "ok"}, {"name": "9lives"}]}]}"#,
        );
        assert_eq!(found[0].0, "/tools/0/functionDeclarations/1/name");
    }
}
