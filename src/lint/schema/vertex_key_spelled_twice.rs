use crate::diagnostic::Severity;
use crate::lint::vertex::{spelled_twice, structural_objects};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT160",
    name: "vertex-key-spelled-twice",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI example has one field in both spellings (`systemInstruction` and `system_instruction`)",
    help: "keep one of the two keys: proto JSON reads either spelling, but only one value can be the field's",
    docs: r#"## What it checks
Checked with `--provider vertex`: no object of a line (the line, a turn, a part, its data, a
tool, a declaration) holds a field under both its lowerCamelCase and its snake_case names,
such as `systemInstruction` and `system_instruction`, or `fileData` and `file_data`. Proto
JSON reads either spelling (the tuning docs' own examples use both).

## Why it matters
The two are one field: Vertex AI keeps one value and drops the other, or rejects the line, and
which of the two instructions the model was tuned with is not written down anywhere.
`finetune convert --from vertex` leaves such a line out rather than pick one.

## Example
```json
{"systemInstruction": {"parts": [{"text": "Be brief"}]}, "system_instruction": {"parts": [{"text": "Be thorough"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for (pointer, object) in structural_objects(record.line()) {
        for (camel, snake) in spelled_twice(object) {
            out.at(
                &RULE,
                format!("{pointer}/{snake}"),
                format!("\"{camel}\" and \"{snake}\" are the same field, given twice"),
            );
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
                r#"{"system_instruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
            ],
            &[
                r#"{"systemInstruction": {"parts": [{"text": "a"}]}, "system_instruction": {"parts": [{"text": "b"}]}, "contents": []}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "mime_type": "image/png", "fileUri": "gs://b/c.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "tools": [{"functionDeclarations": [], "function_declarations": []}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_second_spelling() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}, "inline_data": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]}]}"#,
        );
        assert_eq!(
            found,
            [(
                "/contents/0/parts/0/inline_data".to_owned(),
                "\"inlineData\" and \"inline_data\" are the same field, given twice".to_owned()
            )]
        );
    }
}
