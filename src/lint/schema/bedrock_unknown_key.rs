use serde_json::{Map, Value};

use crate::diagnostic::Severity;
use crate::lint::bedrock::{
    BLOCK_KEYS, LINE_KEYS, MEDIA_BLOCK_KEYS, MEDIA_KEYS, MESSAGE_KEYS, S3_LOCATION_KEYS,
    SOURCE_KEYS, UNSUPPORTED_BLOCK_KEYS, system_blocks, turns,
};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT173",
    name: "bedrock-unknown-key",
    family: Family::Schema,
    severity: Severity::Warning,
    summary: "an Amazon Bedrock example has a key its format does not define",
    help: "remove the key, or fix its spelling",
    docs: r#"## What it checks
Checked with `--provider bedrock`: the line has only `schemaVersion`, `system` and
`messages`; a message only `role` and `content`; a block only its one data key; an image or
video only `format` and `source`; a source only `s3Location`; an S3 location only `uri` and
`bucketOwner` (the Converse API's `Message`, `ContentBlock`, `ImageBlock`, `VideoBlock` and
`S3Location`,
https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).

## Why it matters
A misspelt key (`Messages`, `contents`, `s3location`) is data Bedrock does not read: the
value it should have carried is silently missing from training.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "system_prompt": "Be brief.", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    report(record.line(), "", "the line", LINE_KEYS, out);
    for (pointer, block) in system_blocks(record) {
        report(block, &pointer, "a system block", &["text"], out);
    }
    for turn in turns(record) {
        report(turn.object, &turn.pointer, "a message", MESSAGE_KEYS, out);
        for (pointer, block) in turn.blocks() {
            // A block of another kind is FT172's; its keys are not looked at here.
            if block
                .keys()
                .any(|key| UNSUPPORTED_BLOCK_KEYS.contains(&key.as_str()) || key == "type")
            {
                continue;
            }
            report(block, &pointer, "a content block", BLOCK_KEYS, out);
            for kind in MEDIA_KEYS {
                let Some(Value::Object(media)) = block.get(*kind) else {
                    continue;
                };
                let at = format!("{pointer}/{kind}");
                report(media, &at, "a media block", MEDIA_BLOCK_KEYS, out);
                if let Some(Value::Object(source)) = media.get("source") {
                    // Inline bytes are FT172's.
                    let known: &[&str] = if source.contains_key("bytes") {
                        &["s3Location", "bytes"]
                    } else {
                        SOURCE_KEYS
                    };
                    report(
                        source,
                        &format!("{at}/source"),
                        "a media source",
                        known,
                        out,
                    );
                    if let Some(Value::Object(location)) = source.get("s3Location") {
                        let at = format!("{at}/source/s3Location");
                        report(location, &at, "an S3 location", S3_LOCATION_KEYS, out);
                    }
                }
            }
        }
    }
}

fn report(
    object: &Map<String, Value>,
    pointer: &str,
    what: &str,
    known: &[&str],
    out: &mut Findings,
) {
    for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
        out.at(
            &RULE,
            format!("{pointer}/{}", crate::lint::escape_pointer_token(key)),
            format!("{what} has the key {key:?}, which Bedrock's format does not define"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    #[test]
    fn pass_and_fail() {
        assert_rule_bedrock(
            &RULE,
            &[
                r#"{"schemaVersion": "x", "system": [{"text": "s"}], "messages": [{"role": "user", "content": [{"text": "Hi"}, {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k.png", "bucketOwner": "1"}}}}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
            ],
            &[
                r#"{"schemaVersion": "x", "system_prompt": "s", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
                r#"{"schemaVersion": "x", "messages": [{"role": "user", "name": "a", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
                r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"text": "Hi", "lang": "en"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
                r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"image": {"format": "png", "source": {"s3location": {"uri": "s3://b/k.png"}}}}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
            ],
        );
    }
}
