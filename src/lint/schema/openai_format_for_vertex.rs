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
`prompt`/`completion` lines). Vertex AI's Gemini tuning reads `contents` of `user` and `model`
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
    let (pointer, what) = if record.line().contains_key("messages") {
        ("/messages", "\"messages\"")
    } else if record.line().contains_key("input") {
        ("/input", "\"input\"")
    } else {
        ("", "OpenAI's keys")
    };
    out.at(
        &RULE,
        pointer,
        format!(
            "line is in OpenAI's {} format ({what}), not Vertex AI's \"contents\"",
            record.format().as_str()
        ),
    );
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
            ],
        );
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
