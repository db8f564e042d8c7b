use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::vertex::{all_turns, field};
use crate::lint::{Family, Findings, Record, Rule, quote, type_name};

pub static RULE: Rule = Rule {
    code: "FT154",
    name: "vertex-invalid-file-data",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a Vertex AI `fileData` part lacks `fileUri` or `mimeType`, or its URI is neither gs:// nor http(s)://",
    help: "write {\"fileData\": {\"mimeType\": \"image/jpeg\", \"fileUri\": \"gs://BUCKET/PATH\"}} (or a public https:// URL)",
    docs: r#"## What it checks
Checked with `--provider vertex`: a `fileData` (or `file_data`) part is an object with
non-empty string `fileUri` and `mimeType` (`GoogleCloudAiplatformV1FileData`; `file_uri` and
`mime_type` in snake_case), and `fileUri` is a Cloud Storage URI naming its bucket
(`gs://BUCKET/…`) or a publicly available HTTP(S) URL naming its host, the two the tuning docs accept
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/function-calling,
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data).

## Why it matters
Vertex AI fetches the file when it tunes; a relative path, a local file or a missing MIME type
fails the job.

## Example
```json
{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "images/cat.png"}}]}]}
```
"#,
};

/// The schemes a `fileUri` may have.
const SCHEMES: &[&str] = &["gs://", "https://", "http://"];

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in all_turns(record) {
        for (pointer, part) in turn.parts() {
            let Some((key, value)) = field(part, "fileData") else {
                continue;
            };
            let pointer = format!("{pointer}/{key}");
            let Value::Object(data) = value else {
                out.at(
                    &RULE,
                    pointer,
                    format!("\"{key}\" is {}, not an object", type_name(value)),
                );
                continue;
            };
            for name in ["fileUri", "mimeType"] {
                match field(data, name) {
                    Some((field, Value::String(text))) if text.trim().is_empty() => out.at(
                        &RULE,
                        format!("{pointer}/{field}"),
                        format!("\"{field}\" is empty"),
                    ),
                    Some((_, Value::String(_))) => {}
                    None => out.at(
                        &RULE,
                        pointer.clone(),
                        format!("\"{key}\" has no \"{name}\""),
                    ),
                    Some((field, other)) => out.at(
                        &RULE,
                        format!("{pointer}/{field}"),
                        format!("\"{field}\" is {}, not a string", type_name(other)),
                    ),
                }
            }
            if let Some((field, Value::String(uri))) = field(data, "fileUri")
                && !uri.trim().is_empty()
            {
                let at = format!("{pointer}/{field}");
                match SCHEMES.iter().find(|scheme| uri.starts_with(**scheme)) {
                    None => out.at(
                        &RULE,
                        at,
                        format!("file URI {} is neither gs:// nor http(s)://", quote(uri)),
                    ),
                    Some(scheme)
                        if uri[scheme.len()..]
                            .split('/')
                            .next()
                            .is_none_or(str::is_empty) =>
                    {
                        let whose = if *scheme == "gs://" { "bucket" } else { "host" };
                        out.at(
                            &RULE,
                            at,
                            format!("file URI {} names no {whose}", quote(uri)),
                        );
                    }
                    Some(_) => {}
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
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://bucket/cat.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "application/pdf", "fileUri": "https://example.com/a.pdf"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"file_data": {"mime_type": "image/png", "file_uri": "gs://bucket/cat.png"}}]}]}"#,
            ],
            &[
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"fileUri": "gs://bucket/cat.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "cat.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": "gs://bucket/cat.png"}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"file_data": {"mime_type": "image/png", "file_uri": "cat.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "", "fileUri": "gs://bucket/cat.png"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://"}}]}]}"#,
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs:///cat.png"}}]}]}"#,
            ],
        );
    }

    #[test]
    fn points_at_the_uri() {
        let found = vertex_findings(
            &RULE,
            r#"{"contents": [{"role": "user", "parts": [{"text": "What is it?"}, {"fileData": {"mimeType": "image/png", "fileUri": "file:///tmp/cat.png"}}]}]}"#,
        );
        assert_eq!(found[0].0, "/contents/0/parts/1/fileData/fileUri");
    }
}
