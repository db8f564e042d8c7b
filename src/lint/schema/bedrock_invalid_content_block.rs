use serde_json::{Map, Value};

use crate::diagnostic::Severity;
use crate::lint::bedrock::{
    BLOCK_KEYS, IMAGE_FORMATS, S3_SCHEME, UNSUPPORTED_BLOCK_KEYS, VIDEO_FORMATS, turns,
};
use crate::lint::vertex::objects_of;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT172",
    name: "bedrock-invalid-content-block",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an Amazon Bedrock content block does not hold exactly one `text`, `image` or `video` (or an assistant's `reasoningContent`) of the right shape",
    help: "write each block as {\"text\": \"...\"} or {\"image\": {\"format\": \"png\", \"source\": {\"s3Location\": {\"uri\": \"s3://bucket/key.png\"}}}}",
    docs: r#"## What it checks
Checked with `--provider bedrock`: every block of a message's `content` is an object holding
exactly one of `text` (a string), `image`, `video`, or, in an assistant message,
`reasoningContent` (`{"reasoningText": {"text": …}}`, Nova 2); an `image` or `video` has a
`format` (images: png, jpeg, gif, webp; videos: mkv, mov, mp4, webm, flv, mpeg, mpg, wmv,
three_gp, the Converse API's `ImageFormat` and `VideoFormat`) and a `source.s3Location.uri`
that is an `s3://` URI. Tool blocks (`toolUse`, `toolResult`) and the Converse API's other
blocks are reported: tool use "is not currently supported by Amazon Nova 2.0 SFT. Adding tool
sections might cause your job to fail". The line's `system`, when present, is a list of
`{"text": …}` blocks.
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html,
https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html)

## Why it matters
Bedrock validates the training file when the job starts and fails it on a block it cannot
read; media must be in S3, where Bedrock reads them.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}, {"image": {"format": "bmp", "source": {"s3Location": {"uri": "https://example.com/a.bmp"}}}}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    check_system(record, out);
    for turn in turns(record) {
        let Some(Value::Array(blocks)) = turn.object.get("content") else {
            continue;
        };
        let assistant = turn.role() == Some("assistant");
        let base = format!("{}/content", turn.pointer);
        for (index, pointer, block) in objects_of(blocks, &base, "content block", &RULE, out) {
            check_block(index, &pointer, block, assistant, out);
        }
    }
}

fn check_system(record: &Record<'_>, out: &mut Findings) {
    let blocks = match record.line().get("system") {
        None => return,
        Some(Value::Array(blocks)) => blocks,
        Some(other) => {
            return out.at_with_help(
                &RULE,
                "/system",
                format!(
                    "\"system\" is {}, not a list of text blocks",
                    type_name(other)
                ),
                "write the system prompt as \"system\": [{\"text\": ...}]".to_owned(),
            );
        }
    };
    for (index, pointer, block) in objects_of(blocks, "/system", "system block", &RULE, out) {
        match block.get("text") {
            Some(Value::String(_)) => {}
            Some(other) => out.at(
                &RULE,
                format!("{pointer}/text"),
                format!(
                    "the text of system block {index} is {}, not a string",
                    type_name(other)
                ),
            ),
            None => out.at(
                &RULE,
                pointer,
                format!("system block {index} has no \"text\""),
            ),
        }
    }
}

fn check_block(
    index: usize,
    pointer: &str,
    block: &Map<String, Value>,
    assistant: bool,
    out: &mut Findings,
) {
    if let Some(key) = block
        .keys()
        .find(|key| UNSUPPORTED_BLOCK_KEYS.contains(&key.as_str()))
    {
        return out.at_with_help(
            &RULE,
            format!("{pointer}/{key}"),
            format!("content block {index} is a {key:?} block, which Nova fine-tuning does not take"),
            "leave tool use and other blocks out: Nova fine-tuning trains on text, image and video blocks".to_owned(),
        );
    }
    let data: Vec<&str> = BLOCK_KEYS
        .iter()
        .copied()
        .filter(|key| block.contains_key(*key))
        .collect();
    if block.contains_key("type") {
        return out.at_with_help(
            &RULE,
            format!("{pointer}/type"),
            format!("content block {index} has OpenAI's \"type\": Bedrock's blocks are {{\"text\": ...}}, {{\"image\": ...}} or {{\"video\": ...}}"),
            "write the block as {\"text\": \"...\"}, without \"type\"".to_owned(),
        );
    }
    match data.as_slice() {
        [] => {
            return out.at(
                &RULE,
                pointer,
                format!("content block {index} has none of \"text\", \"image\", \"video\""),
            );
        }
        [_] => {}
        [first, second, ..] => {
            return out.at(
                &RULE,
                format!("{pointer}/{second}"),
                format!(
                    "content block {index} has both {first:?} and {second:?}: a block holds one"
                ),
            );
        }
    }
    let key = data[0];
    let value = &block[key];
    let at = format!("{pointer}/{key}");
    match key {
        "text" if !value.is_string() => out.at(
            &RULE,
            at,
            format!(
                "the text of content block {index} is {}, not a string",
                type_name(value)
            ),
        ),
        "reasoningContent" if !assistant => out.at(
            &RULE,
            at,
            format!("content block {index} holds reasoning content outside an assistant message"),
        ),
        "reasoningContent"
            if !value
                .pointer("/reasoningText/text")
                .is_some_and(Value::is_string) =>
        {
            out.at(
                &RULE,
                at,
                format!("the reasoning content of block {index} has no \"reasoningText\": {{\"text\": ...}}"),
            );
        }
        "image" => check_media(index, &at, value, "image", IMAGE_FORMATS, out),
        "video" => check_media(index, &at, value, "video", VIDEO_FORMATS, out),
        _ => {}
    }
}

/// An `image` or `video`: its `format` and its `source.s3Location.uri`.
fn check_media(
    index: usize,
    pointer: &str,
    media: &Value,
    kind: &str,
    formats: &[&str],
    out: &mut Findings,
) {
    let Value::Object(media) = media else {
        return out.at(
            &RULE,
            pointer,
            format!(
                "the {kind} of content block {index} is {}, not an object",
                type_name(media)
            ),
        );
    };
    match media.get("format") {
        Some(Value::String(format)) if formats.contains(&format.as_str()) => {}
        Some(Value::String(format)) => out.at(
            &RULE,
            format!("{pointer}/format"),
            format!(
                "the {kind} of content block {index} has format {format:?}: expected one of {}",
                formats.join(", ")
            ),
        ),
        Some(other) => out.at(
            &RULE,
            format!("{pointer}/format"),
            format!(
                "the {kind} format of content block {index} is {}, not a string",
                type_name(other)
            ),
        ),
        None => out.at(
            &RULE,
            pointer,
            format!("the {kind} of content block {index} has no \"format\""),
        ),
    }
    let uri_pointer = format!("{pointer}/source/s3Location/uri");
    match media.get("source").map(|source| source.pointer("/s3Location/uri")) {
        None => out.at(
            &RULE,
            pointer,
            format!("the {kind} of content block {index} has no \"source\""),
        ),
        Some(None) if media["source"].get("bytes").is_some() => out.at_with_help(
            &RULE,
            format!("{pointer}/source/bytes"),
            format!("the {kind} of content block {index} is inline bytes, not an S3 location"),
            format!("upload the {kind} to the dataset's S3 bucket and give \"source\": {{\"s3Location\": {{\"uri\": \"s3://...\"}}}}"),
        ),
        Some(None) => out.at(
            &RULE,
            format!("{pointer}/source"),
            format!("the {kind} of content block {index} has no \"s3Location\" with a \"uri\""),
        ),
        Some(Some(Value::String(uri))) if is_s3_uri(uri) => {}
        Some(Some(Value::String(uri))) => out.at_with_help(
            &RULE,
            uri_pointer,
            format!("the {kind} URI of content block {index} is {uri:?}, not an s3:// URI"),
            format!("upload the {kind} to the dataset's S3 bucket and give its s3://bucket/key URI"),
        ),
        Some(Some(other)) => out.at(
            &RULE,
            uri_pointer,
            format!("the {kind} URI of content block {index} is {}, not a string", type_name(other)),
        ),
    }
}

/// Whether `uri` is `s3://bucket/key` with a bucket and a key.
pub(crate) fn is_s3_uri(uri: &str) -> bool {
    uri.strip_prefix(S3_SCHEME)
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    fn line(user: &str, assistant: &str) -> String {
        format!(
            r#"{{"schemaVersion": "bedrock-conversation-2024", "messages": [{{"role": "user", "content": [{user}]}}, {{"role": "assistant", "content": [{assistant}]}}]}}"#
        )
    }

    #[test]
    fn pass_and_fail() {
        let text = r#"{"text": "Hi"}"#;
        let image = |format: &str, uri: &str| {
            format!(
                r#"{{"image": {{"format": "{format}", "source": {{"s3Location": {{"uri": "{uri}", "bucketOwner": "123456789012"}}}}}}}}"#
            )
        };
        let pass = [
            line(text, text),
            line(
                &format!("{text}, {}", image("png", "s3://bucket/a.png")),
                text,
            ),
            line(
                r#"{"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/v.mp4"}}}}"#,
                text,
            ),
            line(
                text,
                r#"{"reasoningContent": {"reasoningText": {"text": "Because"}}}, {"text": "Hi"}"#,
            ),
            format!(
                r#"{{"schemaVersion": "x", "system": [{{"text": "Be brief."}}], "messages": [{{"role": "user", "content": [{text}]}}, {{"role": "assistant", "content": [{text}]}}]}}"#
            ),
        ];
        let fail = [
            line(r#"{"type": "text", "text": "Hi"}"#, text),
            line("{}", text),
            line(r#""Hi""#, text),
            line(r#"{"text": "Hi", "image": {}}"#, text),
            line(r#"{"text": 3}"#, text),
            line(&image("bmp", "s3://bucket/a.bmp"), text),
            line(&image("png", "https://example.com/a.png"), text),
            line(&image("png", "s3://bucket"), text),
            line(r#"{"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}"#, text),
            line(r#"{"image": {"format": "png"}}"#, text),
            line(r#"{"reasoningContent": {"reasoningText": {"text": "x"}}}"#, text),
            line(text, r#"{"reasoningContent": {"text": "x"}}"#),
            line(text, r#"{"toolUse": {"toolUseId": "1", "name": "f", "input": {}}}"#),
            r#"{"schemaVersion": "x", "system": "Be brief.", "messages": [{"role": "user", "content": [{"text": "a"}]}, {"role": "assistant", "content": [{"text": "b"}]}]}"#.to_owned(),
            r#"{"schemaVersion": "x", "system": [{"content": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "a"}]}, {"role": "assistant", "content": [{"text": "b"}]}]}"#.to_owned(),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule_bedrock(&RULE, &pass, &fail);
    }
}
