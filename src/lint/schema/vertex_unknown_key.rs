use serde_json::{Map, Value};

use crate::dataset::Format;
use crate::diagnostic::Severity;
use crate::lint::vertex::{
    COMPLETION_KEYS, PART_DATA_KEYS, PART_OTHER_KEYS, PREFERENCE_KEYS, SUPERVISED_KEYS, TURN_KEYS,
    all_turns, camel_case,
};
use crate::lint::{Family, Findings, Record, Rule, escape_pointer_token, quote};

pub static RULE: Rule = Rule {
    code: "FT155",
    name: "vertex-unknown-key",
    family: Family::Schema,
    severity: Severity::Warning,
    summary: "a Vertex AI example, turn or part has a key Vertex AI does not read",
    help: "remove the key, or fix its spelling (Vertex AI's keys are lowerCamelCase: fileData, fileUri, mimeType, functionCall)",
    docs: r#"## What it checks
Checked with `--provider vertex`: the keys of a supervised line are among `contents`,
`systemInstruction` (or `system_instruction`), `tools` and `toolConfig`; those of a
preference line among `contents`, `completions` and the system instruction; a turn has `role`
and `parts`; a part has one of `text`, `fileData`, `inlineData`, `functionCall`,
`functionResponse`, and optionally `thought`, `thoughtSignature`, `videoMetadata`
(`GoogleCloudAiplatformV1Part`); a completion has `score` and `completion`. A key of two words
may be spelt in lowerCamelCase or snake_case (`fileData` or `file_data`), as proto JSON reads
both; FT160 reports a field spelt both ways. A part marked `"thought": true` is reported too:
`GoogleCloudAiplatformV1Part` has the field, for the thoughts a thinking model returns, but the
tuning docs list only text, file, inline data and function parts for a dataset, and `finetune
convert --from vertex` leaves such a line out.

## Why it matters
A key Vertex AI does not read is dropped without a word: a misspelt `fileDate` or an OpenAI
`content` key means the data you meant to train on is not there.

## Example
```json
{"contents": [{"role": "user", "content": "Hi", "parts": [{"text": "Hi"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let top = if record.format() == Format::VertexPreference {
        PREFERENCE_KEYS
    } else {
        SUPERVISED_KEYS
    };
    report(record.line(), "", top, out);
    for turn in all_turns(record) {
        report(turn.object, &turn.pointer, TURN_KEYS, out);
        for (pointer, part) in turn.parts() {
            if part.get("thought") == Some(&Value::Bool(true)) {
                out.at_with_help(
                    &RULE,
                    format!("{pointer}/thought"),
                    "a thought part (\"thought\": true): Vertex AI's tuning data describes no model thoughts".to_owned(),
                    "remove the part, or write its text into the model's reply if the model is to learn it".to_owned(),
                );
            }
            for key in part.keys() {
                let camel = camel_case(key);
                if !PART_DATA_KEYS.contains(&camel) && !PART_OTHER_KEYS.contains(&camel) {
                    unknown(key, &pointer, out);
                }
            }
        }
    }
    if let Some(completions) = record.line().get("completions").and_then(Value::as_array) {
        for (index, item) in completions.iter().enumerate() {
            if let Some(item) = item.as_object() {
                report(item, &format!("/completions/{index}"), COMPLETION_KEYS, out);
            }
        }
    }
}

fn report(object: &Map<String, Value>, pointer: &str, known: &[&str], out: &mut Findings) {
    for key in object.keys() {
        if !known.contains(&camel_case(key)) {
            unknown(key, pointer, out);
        }
    }
}

fn unknown(key: &str, pointer: &str, out: &mut Findings) {
    out.at(
        &RULE,
        format!("{pointer}/{}", escape_pointer_token(key)),
        format!("unknown key {}", quote(key)),
    );
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
                r#"{"systemInstruction": {"role": "system", "parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "tools": []}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello"}]}}]}"#,
                r#"{"system_instruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"file_data": {"mime_type": "image/png", "file_uri": "gs://b/c.png"}}, {"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}]}, {"role": "model", "parts": [{"function_call": {"name": "f"}, "thought_signature": "x"}]}, {"role": "user", "parts": [{"function_response": {"name": "f", "response": {}}}]}], "tools": [{"function_declarations": [{"name": "f"}]}], "tool_config": {}}"#,
            ],
            &[
                r#"{"contents": [], "id": 7}"#,
                r#"{"contents": [{"role": "model", "parts": [{"text": "Let me think", "thought": true}, {"text": "Hi"}]}]}"#,
                r#"{"contents": [{"role": "user", "content": "Hi", "parts": [{"text": "Hi"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileDate": {}}]}]}"#,
                r#"{"contents": [], "completions": [{"score": 1, "reason": "x", "completion": {}}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_key() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi", "lang": "en"}]}]}"#,
        );
        assert_eq!(
            found,
            [(
                "/contents/0/parts/0/lang".to_owned(),
                "unknown key \"lang\"".to_owned()
            )]
        );
    }
}
