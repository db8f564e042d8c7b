use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT175",
    name: "openai-format-for-bedrock",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a line in OpenAI's format, checked for Amazon Bedrock, which reads only its own conversation format",
    help: "convert the file with `finetune convert FILE -o OUT --to bedrock`, then check OUT with --provider bedrock",
    docs: r#"## What it checks
Checked with `--provider bedrock`: no line is in OpenAI's formats (`messages` whose content is
a string or typed parts, the preference `input`/`preferred_output`/`non_preferred_output`, or
the plain `text` and `prompt`/`completion` lines). Bedrock's Nova fine-tuning reads
`schemaVersion`, `system` and `messages` whose `content` is a list of `{"text": …}`,
`{"image": …}` or `{"video": …}` blocks
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).
A `messages` line is Bedrock's when it has `schemaVersion` or when every message's content is
a list of blocks without OpenAI's `type`. The line is still checked by OpenAI's rules, so what
a conversion would trip on is reported too.

Under every other provider a Bedrock line (one with `schemaVersion`) is FT176.

## Why it matters
Bedrock fails a job whose records it cannot read; `finetune convert --to bedrock` rewrites
OpenAI's chat lines, reporting every line it cannot carry over.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if !record.profile().reads_bedrock() {
        return;
    }
    let line = record.line();
    let (pointer, what) = ["messages", "input", "prompt", "text"]
        .into_iter()
        .find(|key| line.contains_key(*key))
        .map_or((String::new(), "OpenAI's keys".to_owned()), |key| {
            (format!("/{key}"), format!("{key:?}"))
        });
    out.at(
        &RULE,
        pointer,
        format!(
            "line is in OpenAI's {} format ({what}), not Bedrock's conversation format",
            record.format().as_str()
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_bedrock};

    #[test]
    fn pass_and_fail() {
        assert_rule_bedrock(
            &RULE,
            &[
                r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
                r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}, {"role": "assistant", "content": "Hello"}]}"#,
                r#"{"prompt": "a", "completion": "b"}"#,
            ],
        );
        // Under OpenAI's rules the same lines are fine.
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
            ],
            &[],
        );
    }
}
