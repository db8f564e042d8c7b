use crate::diagnostic::Severity;
use crate::lint::bedrock::{MEDIA_KEYS, turns};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT271",
    name: "bedrock-media-outside-user",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "an image or video block in an Amazon Bedrock assistant message",
    help: "move the image or video to the user message it belongs to: the assistant's reply is text",
    docs: r#"## What it checks
Checked with `--provider bedrock`: `image` and `video` blocks are only in `user` messages.
Nova fine-tuning takes "text, image, or video in user content blocks" and assistant content
that is "text-only responses and reasoning content"
(https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html).

## Why it matters
The assistant's turns are what the model learns to produce, and Nova's understanding models
produce text: a media block there fails the job.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "Draw a cat"}]}, {"role": "assistant", "content": [{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://bucket/cat.png"}}}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for turn in turns(record) {
        if turn.role() != Some("assistant") {
            continue;
        }
        for (pointer, block) in turn.blocks() {
            for kind in MEDIA_KEYS.iter().filter(|kind| block.contains_key(**kind)) {
                out.at(
                    &RULE,
                    format!("{pointer}/{kind}"),
                    format!(
                        "assistant message {} holds an {kind} block: only user messages take media",
                        turn.index
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    #[test]
    fn pass_and_fail() {
        let image =
            r#"{"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k.png"}}}}"#;
        let line = |user: &str, assistant: &str| {
            format!(
                r#"{{"schemaVersion": "x", "messages": [{{"role": "user", "content": [{user}]}}, {{"role": "assistant", "content": [{assistant}]}}]}}"#
            )
        };
        let text = r#"{"text": "x"}"#;
        let pass = line(image, text);
        let fail = line(text, image);
        assert_rule_bedrock(&RULE, &[&pass], &[&fail]);
    }
}
