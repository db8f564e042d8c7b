use crate::diagnostic::Severity;
use crate::lint::vertex::{all_turns, field};
use crate::lint::{Family, Findings, Record, Rule, with_article};

/// The parts a preference example may not hold: files, inline data and function calling.
const NOT_TEXT: [&str; 4] = ["fileData", "inlineData", "functionCall", "functionResponse"];

pub static RULE: Rule = Rule {
    code: "FT350",
    name: "vertex-preference-not-text",
    family: Family::Content,
    severity: Severity::Error,
    summary: "a Vertex AI preference example holds a `fileData`, `inlineData`, `functionCall` or `functionResponse` part",
    help: "keep preference examples to text parts; tune on images, files or function calls with supervised tuning",
    docs: r#"## What it checks
Checked with `--provider vertex` on a preference line: no part of the prompt or of the
completions is `fileData`, `inlineData`, `functionCall` or `functionResponse` (in either
spelling). Preference tuning takes text only: its data page says the format doesn't support
multi-modal data, and its examples hold text parts alone
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/preference-tuning/prepare-data).

## Why it matters
Vertex AI rejects a preference dataset with images, audio, video or documents in it; function
calls and responses are not text either.

## Example
```json
{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}], "completions": []}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        for (pointer, part) in turn.parts() {
            for camel in NOT_TEXT {
                if let Some((key, _)) = field(part, camel) {
                    out.at(
                        &RULE,
                        format!("{pointer}/{key}"),
                        format!(
                            "{} part in a preference example, which takes text only",
                            with_article(key)
                        ),
                    );
                }
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
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": []}"#,
                // Supervised examples may hold files.
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}, {"role": "model", "parts": [{"text": "A cat"}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}], "completions": []}"#,
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"functionCall": {"name": "f"}}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "No"}]}}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"function_response": {"name": "f", "response": {}}}]}], "completions": []}"#,
            ],
        );
    }

    #[test]
    fn names_the_part_with_its_article() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": ""}}]}], "completions": []}"#,
        );
        assert_eq!(
            found[0].1,
            "an inlineData part in a preference example, which takes text only"
        );
    }
}
