use serde_json::{Map, Value};

use crate::diagnostic::Severity;
use crate::lint::vertex::{field, objects_of};
use crate::lint::{Family, Findings, Record, Rule, escape_pointer_token, quote, type_name};

pub static RULE: Rule = Rule {
    code: "FT158",
    name: "vertex-invalid-tools",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI example's `tools` is not a list of tools whose function declarations each have a valid `name` and parameters Vertex AI reads",
    help: "write \"tools\": [{\"functionDeclarations\": [{\"name\": \"get_weather\", \"description\": ..., \"parameters\": {...}}]}]",
    docs: r#"## What it checks
Checked with `--provider vertex`: `tools` is a list of objects (`GoogleCloudAiplatformV1Tool`);
a tool's `functionDeclarations` is a list of objects, each with a `name` that starts with a
letter or an underscore, holds only letters, digits, underscores, dots, colons and dashes, and
is at most 128 characters (`GoogleCloudAiplatformV1FunctionDeclaration.name` in the Vertex AI
discovery document). A declaration's parameters are either
`parameters`, Vertex AI's `Schema` object, whose every `type` (also in `properties`, `items`,
`anyOf`, `defs`) is one of its enum `STRING`, `NUMBER`, `INTEGER`, `BOOLEAN`, `ARRAY`,
`OBJECT`, `NULL` (or lower-case, as JSON Schema writes them; a value that may be null is `"nullable": true`, never a list of
types), or `parametersJsonSchema`, a JSON Schema object taken as it is; not both. Function-calling examples:
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
        let Some((key, declarations)) = field(tool, "functionDeclarations") else {
            continue;
        };
        let Value::Array(declarations) = declarations else {
            out.at(
                &RULE,
                format!("{pointer}/{key}"),
                format!("\"{key}\" is {}, not a list", type_name(declarations)),
            );
            continue;
        };
        let base = format!("{pointer}/{key}");
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
            check_parameters(declaration, &pointer, out);
        }
    }
}

/// The `type` names of Vertex AI's `Schema` (`GoogleCloudAiplatformV1Schema.type`, an enum),
/// taken upper-case as the enum spells them or lower-case as JSON Schema does.
const SCHEMA_TYPES: &[&str] = &[
    "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL",
];

/// A declaration's `parameters` (Vertex AI's `Schema`) or `parametersJsonSchema` (JSON Schema
/// as it is): one of them, an object; every `type` of the `Schema` one of its enum.
fn check_parameters(declaration: &Map<String, Value>, pointer: &str, out: &mut Findings) {
    let schema = field(declaration, "parameters");
    let json_schema = field(declaration, "parametersJsonSchema");
    if let (Some(_), Some((key, _))) = (schema, json_schema) {
        out.at(
            &RULE,
            format!("{pointer}/{key}"),
            format!(
                "the declaration has both \"parameters\" and \"{key}\", which exclude each other"
            ),
        );
    }
    for (key, value) in schema.into_iter().chain(json_schema) {
        if !value.is_object() {
            out.at(
                &RULE,
                format!("{pointer}/{key}"),
                format!("\"{key}\" is {}, not a schema object", type_name(value)),
            );
        }
    }
    if let Some((key, value)) = schema {
        check_schema(value, &format!("{pointer}/{key}"), out);
    }
}

/// Every `type` of a `Schema` and of the schemas inside it.
fn check_schema(schema: &Value, pointer: &str, out: &mut Findings) {
    let Value::Object(schema) = schema else {
        return;
    };
    match schema.get("type") {
        None => {}
        Some(Value::String(name))
            if SCHEMA_TYPES.contains(&name.as_str())
                || SCHEMA_TYPES.contains(&name.to_ascii_uppercase().as_str())
                    && *name == name.to_ascii_lowercase() => {}
        Some(other) => {
            let shown = match other {
                Value::String(name) => quote(name),
                other => other.to_string(),
            };
            out.at_with_help(
                &RULE,
                format!("{pointer}/type"),
                format!("schema type {shown} is not one of Vertex AI's Schema types"),
                format!(
                    "use one of {} (with \"nullable\": true for a value that may be null), or give the JSON Schema as \"parametersJsonSchema\"",
                    SCHEMA_TYPES.join(", ")
                ),
            );
        }
    }
    for key in ["properties", "defs"] {
        if let Some(Value::Object(children)) = schema.get(key) {
            for (name, child) in children {
                check_schema(
                    child,
                    &format!("{pointer}/{key}/{}", escape_pointer_token(name)),
                    out,
                );
            }
        }
    }
    if let Some(items) = schema.get("items") {
        check_schema(items, &format!("{pointer}/items"), out);
    }
    if let Some(Value::Array(any_of)) = schema.get("anyOf") {
        for (index, child) in any_of.iter().enumerate() {
            check_schema(child, &format!("{pointer}/anyOf/{index}"), out);
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
                r#"{"contents": [], "tools": [{"function_declarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"n": {"type": "INTEGER", "nullable": true}}}}, {"name": "g", "parametersJsonSchema": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}}]}]}"#,
            ],
            &[
                r#"{"contents": [], "tools": {"functionDeclarations": []}}"#,
                r#"{"contents": [], "tools": ["weather"]}"#,
                r#"{"contents": [], "tools": [{"type": "function", "function": {"name": "weather"}}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": {"name": "weather"}}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"description": "no name"}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "get weather"}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "weather", "parameters": "{}"}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"n": {"type": "ARRAY", "items": {"type": "INT"}}}}}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT"}, "parametersJsonSchema": {"type": "object"}}]}]}"#,
                r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parametersJsonSchema": "{}"}]}]}"#,
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

    #[test]
    fn a_list_of_types_is_not_a_schema_type() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [], "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"n": {"type": ["INTEGER", "NULL"]}}}}]}]}"#,
        );
        assert_eq!(
            found,
            [(
                "/tools/0/functionDeclarations/0/parameters/properties/n/type".to_owned(),
                "schema type [\"INTEGER\",\"NULL\"] is not one of Vertex AI's Schema types"
                    .to_owned()
            )]
        );
    }
}
