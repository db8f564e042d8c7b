use crate::diagnostic::Severity;
use crate::lint::vertex::all_turns;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT350",
    name: "vertex-preference-not-text",
    family: Family::Content,
    severity: Severity::Error,
    summary: "a Vertex AI preference example holds a `fileData` or `inlineData` part",
    help: "keep preference examples to text parts; tune on images or files with supervised tuning",
    docs: r#"## What it checks
Checked with `--provider vertex` on a preference line: no part of the prompt or of the
completions is `fileData` or `inlineData`. Preference tuning takes text only: "no multimodal
data"
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/preference-tuning/prepare-data).

## Why it matters
Vertex AI rejects a preference dataset with images, audio, video or documents in it.

## Example
```json
{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}], "completions": []}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        for (pointer, part) in turn.parts() {
            for key in ["fileData", "inlineData"] {
                if part.contains_key(key) {
                    out.at(
                        &RULE,
                        format!("{pointer}/{key}"),
                        format!("a {key} part in a preference example, which takes text only"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_vertex;

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
            ],
        );
    }
}
