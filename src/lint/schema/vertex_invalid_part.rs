use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{all_turns, data_keys, objects_of};
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT153",
    name: "vertex-invalid-part",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI part does not hold exactly one valid `text`, `fileData`, `inlineData`, `functionCall` or `functionResponse`",
    help: "give each part exactly one of {\"text\": ...}, {\"fileData\": {...}}, {\"inlineData\": {...}}, {\"functionCall\": {...}} or {\"functionResponse\": {...}}",
    docs: r#"## What it checks
Checked with `--provider vertex`: every part of every turn is an object with exactly one of
`text` (a string), `fileData` (rule FT154), `inlineData` (`mimeType` and base64 `data`
strings), `functionCall` (a string `name` and an `args` object) and `functionResponse` (a
string `name` and a `response` object). `GoogleCloudAiplatformV1Part` makes these a union: a
part holds one kind of data; function calling examples are on
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling.

## Why it matters
Vertex AI rejects a part with none or several of them, and a call whose arguments are a JSON
string (OpenAI's shape) rather than an object.

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi", "inlineData": {"mimeType": "image/png", "data": "iVBOR..."}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        let parts = turn.object.get("parts").and_then(Value::as_array);
        let base = format!("{}/parts", turn.pointer);
        for (_, pointer, part) in
            objects_of(parts.map_or(&[], Vec::as_slice), &base, "part", &RULE, out)
        {
            let keys = data_keys(part);
            match keys.as_slice() {
                [] => out.at(&RULE, pointer, "part has no data: none of text, fileData, inlineData, functionCall, functionResponse".to_owned()),
                [key] => check_data(key, &part[*key], &format!("{pointer}/{key}"), out),
                several => out.at(
                    &RULE,
                    pointer,
                    format!("part holds {}: a part holds one of them", several.join(" and ")),
                ),
            }
        }
    }
}

/// The fields `key`'s data must have, as (field, whether it is an object rather than a string).
fn fields(key: &str) -> &'static [(&'static str, bool)] {
    match key {
        "inlineData" => &[("mimeType", false), ("data", false)],
        "functionCall" => &[("name", false), ("args", true)],
        "functionResponse" => &[("name", false), ("response", true)],
        _ => &[],
    }
}

fn check_data(key: &str, value: &Value, pointer: &str, out: &mut Findings) {
    match (key, value) {
        ("text", Value::String(_)) | ("fileData", _) => {}
        ("text", other) => out.at(
            &RULE,
            pointer,
            format!("\"text\" is {}, not a string", type_name(other)),
        ),
        (_, Value::Object(data)) => {
            for (field, object) in fields(key) {
                let found = data.get(*field);
                let fits = found.is_some_and(|v| {
                    if *object {
                        v.is_object()
                    } else {
                        v.is_string()
                    }
                });
                if fits {
                    continue;
                }
                let wanted = if *object { "an object" } else { "a string" };
                let message = match found {
                    None => format!("\"{key}\" has no \"{field}\""),
                    Some(other) => format!(
                        "\"{key}\".\"{field}\" is {}, not {wanted}",
                        type_name(other)
                    ),
                };
                if *field == "args" && found.is_some_and(Value::is_string) {
                    out.at_with_help(
                        &RULE,
                        format!("{pointer}/{field}"),
                        message,
                        "write the arguments as a JSON object, not as a string of JSON".to_owned(),
                    );
                } else {
                    let at =
                        found.map_or_else(|| pointer.to_owned(), |_| format!("{pointer}/{field}"));
                    out.at(&RULE, at, message);
                }
            }
        }
        (_, other) => out.at(
            &RULE,
            pointer,
            format!("\"{key}\" is {}, not an object", type_name(other)),
        ),
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}, {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]}]}"#,
                r#"{"contents": [{"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"x": 1}}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"y": 2}}}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": ["Hi"]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": 3}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "a", "fileData": {}}]}]}"#,
                r#"{"contents": [{"role": "model", "parts": [{"functionCall": {"name": "f", "args": "{}"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"functionResponse": {"response": {}}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png"}}]}]}"#,
            ],
        );
    }

    #[test]
    fn points_into_the_call() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"functionCall": {"name": "f", "args": "{}"}}]}]}"#,
        );
        assert_eq!(found[0].0, "/contents/1/parts/0/functionCall/args");
    }
}
