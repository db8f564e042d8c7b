use crate::diagnostic::Severity;
use crate::lint::bedrock::turns;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT371",
    name: "bedrock-too-many-videos",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an Amazon Bedrock example holds more than one video",
    help: "keep one video per example: split the example into one per video",
    docs: r#"## What it checks
Checked with `--provider bedrock`: an example holds at most one `video` block across its
messages. "A sample (single record in messages) can have only 1 video", while it "can have
multiple images"
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).

## Why it matters
Bedrock fails the training job on a record with two videos.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://bucket/a.mp4"}}}}, {"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://bucket/b.mp4"}}}}]}, {"role": "assistant", "content": [{"text": "Both show a cat"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let videos: Vec<String> = turns(record)
        .iter()
        .flat_map(|turn| turn.blocks().collect::<Vec<_>>())
        .filter(|(_, block)| block.contains_key("video"))
        .map(|(pointer, _)| format!("{pointer}/video"))
        .collect();
    if let Some(second) = videos.get(1) {
        out.at(
            &RULE,
            second,
            format!(
                "the example holds {} videos: a sample takes one",
                videos.len()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    #[test]
    fn pass_and_fail() {
        let video =
            r#"{"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/v.mp4"}}}}"#;
        let line = |user: &str| {
            format!(
                r#"{{"schemaVersion": "x", "messages": [{{"role": "user", "content": [{user}]}}, {{"role": "assistant", "content": [{{"text": "x"}}]}}]}}"#
            )
        };
        let one = line(video);
        let two = line(&format!("{video}, {video}"));
        assert_rule_bedrock(&RULE, &[&one], &[&two]);
    }
}
