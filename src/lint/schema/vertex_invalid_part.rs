use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{all_turns, data_keys, field, objects_of};
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
`text` (a string), `fileData` (rule FT154), `inlineData` (a `mimeType` string and `data` in
base64, as `GoogleCloudAiplatformV1Blob.data` is `format: byte`: standard or URL-safe, padded
or not, as protobuf's JSON mapping reads bytes), `functionCall` (a
string `name` and, optionally, an `args` object: a call without arguments) and
`functionResponse` (a string `name` and a `response` object). Each field may be spelt in
lowerCamelCase (`inlineData`, `mimeType`) or snake_case (`inline_data`, `mime_type`), as proto
JSON reads both. `GoogleCloudAiplatformV1Part` makes these a union: a
part holds one kind of data; function calling examples are on
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling.

## Why it matters
Vertex AI rejects a part with none or several of them, inline data it cannot decode, and a
call whose arguments are a JSON string (OpenAI's shape) rather than an object.

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
                [(camel, key)] => check_data(camel, key, &part[*key], &format!("{pointer}/{key}"), out),
                several => out.at(
                    &RULE,
                    pointer,
                    format!(
                        "part holds {}: a part holds one of them",
                        several.iter().map(|(_, key)| *key).collect::<Vec<_>>().join(" and ")
                    ),
                ),
            }
        }
    }
}

/// What a field of a part's data must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// A string, required.
    String,
    /// Base64 (`Blob.data` has `format: byte`), standard or URL-safe, padded or not; required.
    Base64,
    /// An object, required.
    Object,
    /// An object, or absent (`FunctionCall.args` is optional: no arguments).
    OptionalObject,
}

/// The fields the data of the part field `camel` must have.
fn fields(camel: &str) -> &'static [(&'static str, Wanted)] {
    match camel {
        "inlineData" => &[("mimeType", Wanted::String), ("data", Wanted::Base64)],
        "functionCall" => &[("name", Wanted::String), ("args", Wanted::OptionalObject)],
        "functionResponse" => &[("name", Wanted::String), ("response", Wanted::Object)],
        _ => &[],
    }
}

fn check_data(camel: &str, key: &str, value: &Value, pointer: &str, out: &mut Findings) {
    match (camel, value) {
        ("text", Value::String(_)) | ("fileData", _) => {}
        ("text", other) => out.at(
            &RULE,
            pointer,
            format!("\"{key}\" is {}, not a string", type_name(other)),
        ),
        (_, Value::Object(data)) => {
            for (name, wanted) in fields(camel) {
                let found = field(data, name);
                let at = |field: &str| format!("{pointer}/{field}");
                match (found, wanted) {
                    // A blob with no type or no bytes, or a call of no name, holds nothing.
                    (Some((field, Value::String(text))), Wanted::String | Wanted::Base64)
                        if text.trim().is_empty() =>
                    {
                        out.at(&RULE, at(field), format!("\"{key}\".\"{field}\" is empty"));
                    }
                    (None, Wanted::OptionalObject)
                    | (Some((_, Value::Object(_))), Wanted::Object | Wanted::OptionalObject)
                    | (Some((_, Value::String(_))), Wanted::String) => {}
                    (Some((field, Value::String(text))), Wanted::Base64) => {
                        if let Err(error) = super::super::vertex::decode_bytes(text) {
                            out.at(
                                &RULE,
                                at(field),
                                format!("\"{key}\".\"{field}\" is not valid base64: {error}"),
                            );
                        }
                    }
                    (None, _) => out.at(&RULE, pointer, format!("\"{key}\" has no \"{name}\"")),
                    (Some((field, Value::String(_))), Wanted::OptionalObject) => out.at_with_help(
                        &RULE,
                        at(field),
                        format!("\"{key}\".\"{field}\" is a string, not an object"),
                        "write the arguments as a JSON object, not as a string of JSON".to_owned(),
                    ),
                    (Some((field, other)), wanted) => {
                        let wanted = match wanted {
                            Wanted::String => "a string",
                            Wanted::Base64 => "a base64 string",
                            Wanted::Object | Wanted::OptionalObject => "an object",
                        };
                        out.at(
                            &RULE,
                            at(field),
                            format!(
                                "\"{key}\".\"{field}\" is {}, not {wanted}",
                                type_name(other)
                            ),
                        );
                    }
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
                // `FunctionCall.args` is optional: a call without arguments.
                r#"{"contents": [{"role": "model", "parts": [{"functionCall": {"name": "now"}}]}]}"#,
                // Protobuf's JSON mapping reads bytes unpadded and URL-safe too.
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBO-w0_Kgo="}}]}]}"#,
                // Proto JSON's snake_case spellings.
                r#"{"contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}]}, {"role": "model", "parts": [{"function_call": {"name": "f", "args": {}}}]}, {"role": "user", "parts": [{"function_response": {"name": "f", "response": {}}}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": ["Hi"]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": 3}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "a", "fileData": {}}]}]}"#,
                r#"{"contents": [{"role": "model", "parts": [{"functionCall": {"name": "f", "args": "{}"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"functionResponse": {"response": {}}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "not base64!"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "%%%"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "", "data": "iVBORw0KGgo="}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": ""}}]}]}"#,
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

    #[test]
    fn names_the_field_as_it_is_spelt() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": "a b"}}]}]}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "/contents/0/parts/0/inline_data/data");
        assert!(
            found[0]
                .1
                .starts_with("\"inline_data\".\"data\" is not valid base64"),
            "{found:?}"
        );
    }
}
