use crate::dataset::Format;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT156",
    name: "openai-format-for-vertex",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a line in OpenAI's format, checked for Vertex AI, which reads only its own format",
    help: "convert the file with `finetune convert FILE -o OUT --to vertex`, then check OUT with --provider vertex",
    docs: r#"## What it checks
Checked with `--provider vertex`: no line is in OpenAI's formats (`messages`, the preference
`input`/`preferred_output`/`non_preferred_output`, or the plain `text` and
`prompt`/`completion` lines). `finetune convert --to vertex` rewrites every one of them but the
plain `text` lines, which hold no prompt and no reply to make turns of. Vertex AI's Gemini tuning reads `contents` of `user` and `model`
turns made of `parts`, and `contents` with two scored `completions` for preference tuning
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data,
https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/preference-tuning/prepare-data).
The line is still checked by OpenAI's rules, so what a conversion would trip on is reported
too.

Under every other provider a Vertex AI line is a chat line without `messages` (FT101), whose
help names `finetune convert --from vertex`.

## Why it matters
Vertex AI rejects a dataset whose lines have no `contents`; `finetune convert --to vertex`
rewrites OpenAI's lines, reporting every line it cannot carry over.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if !record.profile().reads_vertex() {
        return;
    }
    let line = record.line();
    let (pointer, what) = if line.contains_key("messages") {
        ("/messages", "\"messages\"")
    } else if line.contains_key("input") {
        ("/input", "\"input\"")
    } else if line.contains_key("prompt") {
        ("/prompt", "\"prompt\"")
    } else if line.contains_key("text") {
        ("/text", "\"text\"")
    } else {
        ("", "OpenAI's keys")
    };
    let message = format!(
        "line is in OpenAI's {} format ({what}), not Vertex AI's \"contents\"",
        record.format().as_str()
    );
    if record.format() == Format::Text {
        // A plain text has no prompt and no reply: there is nothing to convert it to.
        out.at_with_help(
            &RULE,
            pointer,
            message,
            "Vertex AI tunes on conversations only: write the example as \"contents\" of a user turn and a model turn".to_owned(),
        );
    } else {
        out.at(&RULE, pointer, message);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_vertex};

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#],
            &[
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
                r#"{"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}"#,
                r#"{"prompt": "Hi", "completion": "Hello"}"#,
                r#"{"text": "Once upon a time"}"#,
            ],
        );
    }

    #[test]
    fn plain_lines_are_named_and_nothing_else_is_reported() {
        use crate::lint::testing::{vertex_codes, vertex_findings};
        for (line, pointer, format) in [
            (
                r#"{"prompt": "Hi", "completion": "Hello"}"#,
                "/prompt",
                "prompt-completion",
            ),
            (r#"{"text": "Once upon a time"}"#, "/text", "text"),
        ] {
            assert_eq!(vertex_codes(line), ["FT156"], "{line}");
            let found = vertex_findings(&RULE, line);
            assert_eq!(found[0].0, pointer);
            assert!(
                found[0].1.contains(&format!("OpenAI's {format} format")),
                "{found:?}"
            );
        }
    }

    #[test]
    fn only_under_vertex() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
            ],
            &[],
        );
    }
}
