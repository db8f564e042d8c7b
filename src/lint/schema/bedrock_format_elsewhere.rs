use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT176",
    name: "bedrock-format-elsewhere",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a line in Amazon Bedrock's conversation format (`schemaVersion`), checked for a platform that reads OpenAI's",
    help: "convert the file with `finetune convert FILE -o OUT --from bedrock`, or check it for Amazon Bedrock with --provider bedrock",
    docs: r#"## What it checks
Checked under every provider that reads OpenAI's chat format: no line has `schemaVersion`,
the mark of Amazon Bedrock's conversation format for Nova
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).
Its `messages` look like OpenAI's, but its content blocks (`{"text": …}` without `type`,
`{"image": {"source": {"s3Location": …}}}`) and its `system` list are not, so the other rules
report the blocks too. `check --provider bedrock` checks such lines by Bedrock's rules.

## Why it matters
OpenAI and the platforms that read its format reject `schemaVersion` and blocks without
`type`; `finetune convert --from bedrock` rewrites the lines in OpenAI's chat format.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if record.profile().reads_bedrock()
        || record.profile().reads_vertex()
        || !record.line().contains_key("schemaVersion")
    {
        return;
    }
    out.at(
        &RULE,
        "/schemaVersion",
        "line has \"schemaVersion\": it is in Amazon Bedrock's conversation format, not OpenAI's"
            .to_owned(),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_bedrock};

    const BEDROCK: &str = r#"{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
            ],
            &[BEDROCK],
        );
        assert_rule_bedrock(&RULE, &[BEDROCK], &[]);
    }
}
