//! OpenAI's chat lines to Amazon Bedrock's Nova conversation lines and back, for `convert --to
//! bedrock` and `convert --from bedrock`.
//!
//! The first `system` message ↔ `system` (a list of text blocks); text content and text parts
//! ↔ `text` blocks; an `image_url` with an `s3://` URL ↔ an `image` block (its format from the
//! file extension); `schemaVersion` is written as `bedrock-conversation-2024` and read as a
//! marker only. Consecutive messages of one role become one message, since Bedrock's turns
//! alternate. What has no equivalent in Nova fine-tuning refuses the line with the pointer of
//! the value, so nothing is dropped without a word: tool calls, tool messages and `tools`
//! (tool use is "not currently supported"), an image at an `https` or `data:` URL (Bedrock
//! reads media from S3 only), an assistant `weight` other than 1 (every assistant turn is
//! trained), and, the other way, videos, reasoning content and S3 images, which OpenAI's chat
//! format does not take.

use serde_json::{Map, Value, json};

use super::vertex::{ImagePart, Refusal, content_parts, image_url, openai_content, refuse};
use crate::lint::bedrock::S3_SCHEME;
use crate::lint::with_article;

/// The `schemaVersion` written on every converted line, as the Nova docs' examples have it.
pub const SCHEMA_VERSION: &str = "bedrock-conversation-2024";

/// Image formats by file extension: the Converse API's `ImageFormat` values.
const IMAGE_EXTENSIONS: &[(&str, &str)] = &[
    ("png", "png"),
    ("jpg", "jpeg"),
    ("jpeg", "jpeg"),
    ("gif", "gif"),
    ("webp", "webp"),
];

/// An OpenAI supervised chat line as an Amazon Bedrock conversation line.
pub fn to_bedrock(line: &Map<String, Value>) -> Result<Value, Refusal> {
    if line.contains_key("input") {
        return refuse(
            "/input",
            "a preference line: Bedrock's Nova conversation format has supervised examples only",
        );
    }
    let Some(Value::Array(messages)) = line.get("messages") else {
        return refuse(
            "",
            "the line has no \"messages\" list: only OpenAI chat lines convert to Amazon Bedrock",
        );
    };
    if let Some(key) = line.keys().find(|key| *key != "messages") {
        let why = if key == "tools" || key == "parallel_tool_calls" {
            "Nova fine-tuning does not take tool use"
        } else {
            "it has no equivalent in Bedrock's format"
        };
        return refuse(format!("/{key}"), format!("\"{key}\" is left out: {why}"));
    }
    let mut system: Option<Vec<Value>> = None;
    let mut turns: Vec<Value> = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let pointer = format!("/messages/{index}");
        let Value::Object(message) = message else {
            return refuse(pointer, "the message is not an object");
        };
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        if role == "assistant"
            && let Some(calls) = message.get("tool_calls")
            && calls.as_array().is_none_or(|calls| !calls.is_empty())
        {
            return refuse(
                format!("{pointer}/tool_calls"),
                "tool calls are left out: Nova fine-tuning does not take tool use",
            );
        }
        if role == "tool" {
            return refuse(
                pointer,
                "a tool message is left out: Nova fine-tuning does not take tool use",
            );
        }
        let known: &[&str] = match role {
            "assistant" => &["role", "content", "weight", "tool_calls"],
            _ => &["role", "content"],
        };
        if let Some(key) = message.keys().find(|key| !known.contains(&key.as_str())) {
            return refuse(
                format!("{pointer}/{key}"),
                format!(
                    "\"{key}\" on {} message has no equivalent in Bedrock's format",
                    with_article(role)
                ),
            );
        }
        let content = message.get("content");
        let blocks = match role {
            "system" if system.is_none() && turns.is_empty() => {
                system = Some(blocks_of(content, &pointer, false)?);
                continue;
            }
            "system" => {
                return refuse(
                    pointer,
                    "a system message after the first message: Bedrock has one system prompt, before the conversation",
                );
            }
            "user" => blocks_of(content, &pointer, true)?,
            "assistant" => {
                if let Some(weight) = message.get("weight")
                    && weight.as_f64() != Some(1.0)
                {
                    return refuse(
                        format!("{pointer}/weight"),
                        format!(
                            "an assistant message of weight {weight}: Bedrock trains on every assistant turn"
                        ),
                    );
                }
                blocks_of(content, &pointer, false)?
            }
            other => {
                return refuse(
                    format!("{pointer}/role"),
                    format!("the role {other:?} has no equivalent in Bedrock's format"),
                );
            }
        };
        match turns.last_mut() {
            // Bedrock's turns alternate: a second message of one role joins the turn.
            Some(last) if last["role"] == role => {
                if let Some(existing) = last["content"].as_array_mut() {
                    existing.extend(blocks);
                }
            }
            _ => turns.push(json!({"role": role, "content": blocks})),
        }
    }
    let mut out = Map::new();
    out.insert("schemaVersion".into(), json!(SCHEMA_VERSION));
    if let Some(system) = system {
        out.insert("system".into(), Value::Array(system));
    }
    out.insert("messages".into(), Value::Array(turns));
    Ok(Value::Object(out))
}

/// A message's `content` as content blocks, with images where they may be carried (user
/// messages).
fn blocks_of(content: Option<&Value>, pointer: &str, images: bool) -> Result<Vec<Value>, Refusal> {
    content_parts(
        content,
        pointer,
        images.then_some(image_block as ImagePart),
        "Bedrock's format",
    )
}

/// An `image_url` part with an `s3://` URL as an `image` block.
fn image_block(part: &Value, pointer: &str) -> Result<Value, Refusal> {
    let (url, pointer) = image_url(part, pointer, "Bedrock's image blocks")?;
    if !url.starts_with(S3_SCHEME) {
        let what = if url.starts_with("data:") {
            "an inline data URL"
        } else {
            "not an s3:// URL"
        };
        return refuse(
            pointer,
            format!(
                "the image is left out: {what}, and Bedrock reads training images from S3 only (upload it to the dataset's bucket and give its s3:// URL)"
            ),
        );
    }
    let lower = url.to_ascii_lowercase();
    let extension = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    let Some((_, format)) = IMAGE_EXTENSIONS.iter().find(|(e, _)| *e == extension) else {
        return refuse(
            pointer,
            format!(
                "image URL {url:?} has no png, jpeg, gif or webp extension to take its format from"
            ),
        );
    };
    Ok(json!({"image": {"format": format, "source": {"s3Location": {"uri": url}}}}))
}

/// An Amazon Bedrock conversation line as an OpenAI supervised chat line.
pub fn from_bedrock(line: &Map<String, Value>) -> Result<Value, Refusal> {
    if let Some(key) = line
        .keys()
        .find(|key| !["schemaVersion", "system", "messages"].contains(&key.as_str()))
    {
        return refuse(
            format!("/{key}"),
            format!("\"{key}\" has no equivalent in OpenAI's chat format"),
        );
    }
    let Some(Value::Array(turns)) = line.get("messages") else {
        return refuse(
            "",
            "the line has no \"messages\" list: only Bedrock conversation lines convert from Amazon Bedrock",
        );
    };
    let mut messages = Vec::new();
    if let Some(system) = line.get("system") {
        let Value::Array(blocks) = system else {
            return refuse("/system", "\"system\" is not a list of text blocks");
        };
        if !blocks.is_empty() {
            let content = content_of(blocks, "/system")?;
            messages.push(json!({"role": "system", "content": content}));
        }
    }
    for (index, turn) in turns.iter().enumerate() {
        let pointer = format!("/messages/{index}");
        let role = turn.get("role").and_then(Value::as_str).unwrap_or("");
        if !["user", "assistant"].contains(&role) {
            return refuse(
                format!("{pointer}/role"),
                format!("the role {role:?} is not one of Bedrock's, user and assistant"),
            );
        }
        if let Some(key) = turn.as_object().and_then(|turn| {
            turn.keys()
                .find(|key| !["role", "content"].contains(&key.as_str()))
        }) {
            return refuse(
                format!("{pointer}/{key}"),
                format!("\"{key}\" has no equivalent in OpenAI's chat format"),
            );
        }
        let Some(Value::Array(blocks)) = turn.get("content") else {
            return refuse(
                format!("{pointer}/content"),
                "the content is not a list of blocks",
            );
        };
        let content = content_of(blocks, &format!("{pointer}/content"))?;
        messages.push(json!({"role": role, "content": content}));
    }
    Ok(json!({ "messages": messages }))
}

/// Text blocks as OpenAI content: a string for one block, text parts for several.
fn content_of(blocks: &[Value], pointer: &str) -> Result<Value, Refusal> {
    let mut texts = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let at = format!("{pointer}/{index}");
        let Some(block) = block.as_object() else {
            return refuse(at, "the block is not an object");
        };
        match block.get("text") {
            Some(Value::String(text)) if block.len() == 1 => texts.push(text.clone()),
            _ => {
                let kind = block.keys().next().map_or("empty", String::as_str);
                let why = match kind {
                    "image" => "OpenAI's chat format takes images at https or data URLs, not in S3",
                    "video" => "OpenAI's chat format has no videos",
                    "reasoningContent" => "OpenAI's chat format has no reasoning content to train",
                    _ => "it has no equivalent in OpenAI's chat format",
                };
                return refuse(
                    format!("{at}/{kind}"),
                    format!(
                        "{} block is left out: {why}",
                        with_article(&format!("{kind:?}"))
                    ),
                );
            }
        }
    }
    Ok(openai_content(&texts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(line: &str) -> Map<String, Value> {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn a_chat_line_and_its_s3_image_convert_both_ways() {
        let openai = object(
            r#"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "s3://bucket/cat.JPG"}}]}, {"role": "assistant", "content": "A cat.", "weight": 1}]}"#,
        );
        let bedrock = to_bedrock(&openai).unwrap();
        assert_eq!(
            bedrock,
            json!({"schemaVersion": SCHEMA_VERSION, "system": [{"text": "Be brief."}], "messages": [
                {"role": "user", "content": [{"text": "What is this?"}, {"image": {"format": "jpeg", "source": {"s3Location": {"uri": "s3://bucket/cat.JPG"}}}}]},
                {"role": "assistant", "content": [{"text": "A cat."}]}]})
        );
        let text_only = object(
            r#"{"schemaVersion": "x", "system": [{"text": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "Hi"}, {"text": "there"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
        );
        assert_eq!(
            from_bedrock(&text_only).unwrap(),
            json!({"messages": [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "there"}]},
                {"role": "assistant", "content": "Hello"}]})
        );
    }

    #[test]
    fn what_nova_does_not_take_is_refused_at_its_pointer() {
        let refused = |line: &str| to_bedrock(&object(line)).unwrap_err().pointer;
        assert_eq!(
            refused(
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}, {"role": "assistant", "content": "x"}]}"#
            ),
            "/messages/0/content/0/image_url/url"
        );
        assert_eq!(
            refused(
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x", "weight": 0}]}"#
            ),
            "/messages/1/weight"
        );
        assert_eq!(
            refused(
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#
            ),
            "/messages/1/tool_calls"
        );
        assert_eq!(
            refused(
                r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "1", "content": "x"}]}"#
            ),
            "/messages/1"
        );
        assert_eq!(refused(r#"{"messages": [], "tools": []}"#), "/tools");
        let from = |line: &str| from_bedrock(&object(line)).unwrap_err().pointer;
        assert_eq!(
            from(
                r#"{"schemaVersion": "x", "messages": [{"role": "user", "content": [{"video": {"format": "mp4", "source": {"s3Location": {"uri": "s3://b/v.mp4"}}}}]}]}"#
            ),
            "/messages/0/content/0/video"
        );
    }
}
