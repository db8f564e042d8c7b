use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{SYSTEM_KEYS, all_turns, contents, objects_of};
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT151",
    name: "vertex-invalid-turn",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI turn is not an object with a non-empty `parts` list",
    help: "write each turn as {\"role\": \"user\" or \"model\", \"parts\": [{\"text\": ...}]}",
    docs: r#"## What it checks
Checked with `--provider vertex`: every turn of `contents`, the system instruction
(`systemInstruction` or `system_instruction`) and each preference `completion` is an object
whose `parts` is a non-empty list (`GoogleCloudAiplatformV1Content` in the Vertex AI discovery
document; https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data).

## Why it matters
A turn is its parts: one without any carries nothing to train on or to condition on, and
Vertex AI rejects the dataset.

## Example
```json
{"contents": [{"role": "user", "parts": []}, {"role": "model", "parts": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if let Some(turns) = contents(record) {
        objects_of(turns, "/contents", "turn", &RULE, out);
    }
    for key in SYSTEM_KEYS {
        if let Some(value) = record.line().get(*key)
            && !value.is_object()
        {
            out.at(
                &RULE,
                format!("/{key}"),
                format!("\"{key}\" is {}, not an object", type_name(value)),
            );
        }
    }
    for turn in all_turns(record) {
        let pointer = format!("{}/parts", turn.pointer);
        match turn.object.get("parts") {
            None => out.at(
                &RULE,
                turn.pointer.clone(),
                "turn has no \"parts\"".to_owned(),
            ),
            Some(Value::Array(parts)) if parts.is_empty() => {
                out.at(&RULE, pointer, "\"parts\" is empty".to_owned());
            }
            Some(Value::Array(_)) => {}
            Some(other) => out.at(
                &RULE,
                pointer,
                format!("\"parts\" is {}, not a list", type_name(other)),
            ),
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#,
                r#"{"system_instruction": {"parts": [{"text": "Be brief"}]}, "contents": []}"#,
            ],
            &[
                r#"{"contents": ["Hi"]}"#,
                r#"{"contents": [{"role": "user"}]}"#,
                r#"{"contents": [{"role": "user", "parts": []}]}"#,
                r#"{"contents": [{"role": "user", "parts": {"text": "Hi"}}]}"#,
                r#"{"systemInstruction": "Be brief", "contents": []}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_parts_of_the_turn() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": []}]}"#,
        );
        assert_eq!(found[0].0, "/contents/1/parts");
    }
}
