use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, escape_pointer_token, type_name};

pub static RULE: Rule = Rule {
    code: "FT119",
    name: "invalid-plain-field",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a plain-text or prompt/completion example lacks its text, or holds it in the wrong type",
    help: "make the field a string of the example's text",
    docs: r#"## What it checks
Where the platform trains on the plain formats (Together AI:
[data preparation](https://docs.together.ai/docs/fine-tuning-data-preparation)), a plain-text
example has `text`, and a prompt/completion example has both `prompt` and `completion`, each a
string or a list of content parts (`{"type": "text", "text": …}`, or an `image_url` part with
its `url`), as the `together` SDK's `check_file` requires (`lib/utils/files.py`,
`_check_message_content`). OpenAI and Azure OpenAI take neither format: there, such a line is
a chat example without `messages` (FT101).

## Why it matters
The platform rejects the file at its check. A completion lost in conversion, or a number or
an object where the text should be, are the usual causes.

## Example
Checked for Together AI:
```json
{"prompt": "Translate to French: cheese", "answer": "fromage"}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let line = record.line();
    let keys = record.format().plain_keys();
    for key in keys {
        let pointer = format!("/{}", escape_pointer_token(key));
        match line.get(*key) {
            None => out.at_with_help(
                &RULE,
                "",
                format!("{} example has no {key:?}", record.format().as_str()),
                format!(
                    "add {key:?} with the example's text: the format takes {}",
                    quoted(keys)
                ),
            ),
            Some(Value::String(_)) => {}
            Some(Value::Array(parts)) => {
                if let Some(index) = parts.iter().position(|part| !is_part(part)) {
                    out.at_with_help(
                        &RULE,
                        format!("{pointer}/{index}"),
                        format!("{key:?} part {index} is not a text or image_url content part"),
                        "write each part as {\"type\": \"text\", \"text\": …} or {\"type\": \"image_url\", \"image_url\": {\"url\": …}}".to_owned(),
                    );
                }
            }
            Some(other) => out.at(
                &RULE,
                pointer,
                format!("{key:?} is {}, not a string", type_name(other)),
            ),
        }
    }
}

/// The keys, quoted and joined: `"prompt" and "completion"`.
fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| format!("{key:?}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Whether a value is a content part the plain formats take.
fn is_part(part: &Value) -> bool {
    match part.get("type").and_then(Value::as_str) {
        Some("text") => part.get("text").is_some_and(Value::is_string),
        Some("image_url") => part
            .get("image_url")
            .and_then(|image| image.get("url"))
            .is_some_and(Value::is_string),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::dataset::Format;
    use crate::lint::checker::lint_line;
    use crate::lint::{CheckOptions, RuleProfile};

    fn codes(line: &str) -> Vec<&'static str> {
        let options = CheckOptions {
            profile: RuleProfile {
                plain_formats: &[Format::Text, Format::PromptCompletion],
                ..RuleProfile::BASELINE
            },
            ..CheckOptions::default()
        };
        lint_line(line.as_bytes(), false, &options)
            .findings
            .iter()
            .map(|finding| finding.rule.code)
            .collect()
    }

    #[test]
    fn pass_and_fail() {
        for pass in [
            r#"{"text": "Once upon a time"}"#,
            r#"{"prompt": "Hi", "completion": "Hello"}"#,
            r#"{"prompt": [{"type": "text", "text": "Hi"}], "completion": "Hello"}"#,
        ] {
            assert_eq!(codes(pass), Vec::<&str>::new(), "{pass}");
        }
        for fail in [
            r#"{"text": 5}"#,
            r#"{"prompt": "Hi"}"#,
            r#"{"completion": "Hello"}"#,
            r#"{"prompt": "Hi", "completion": {"text": "Hello"}}"#,
            r#"{"prompt": ["Hi"], "completion": "Hello"}"#,
        ] {
            assert_eq!(codes(fail), [RULE.code], "{fail}");
        }
    }
}
