//! Tokens of one example.
//!
//! For messages made of role, content and name strings, the count is the published cookbook
//! counting: 3 per message, the tokens of every string value (role included), 1 more per
//! `name`, and 3 for the reply priming. The extension for everything else:
//!
//! - content parts: the tokens of each text or refusal part; images by [`image_tokens`];
//! - a tool call or legacy function call: the tokens of its name and arguments, plus 1;
//! - tool and function definitions: the tokens of their compact JSON, once per example;
//! - `weight` is not text and counts nothing;
//! - an assistant's `reasoning` (or `reasoning_content`), where the platform takes it, is
//!   trained like its content.
//!
//! Trained tokens are the content and call tokens of assistant messages whose weight is not 0.
//! A plain-text example counts the tokens of its `text`, all trained; a prompt/completion
//! example those of its `prompt` and `completion`, the completion trained. No chat template
//! frames them, so nothing is added.
//!
//! A preference example counts its input as above, plus each output message (3 + role +
//! content); its trained tokens are the two outputs'.
//!
//! A Vertex AI example is counted the same way over its turns: 3 per turn, its role, each
//! part's text, a function call's or response's name and compact JSON (plus 1), a file or
//! inline data part at [`GEMINI_MEDIA_TOKENS`]; the system instruction's parts, the tools'
//! compact JSON and the reply priming once. Trained tokens are those of the `model` turns of
//! a supervised example, and of the two completions of a preference example. Gemini's
//! tokenizer is not tiktoken's, so these counts are approximate.
//!
//! An Amazon Bedrock example likewise: 3 per message, its role, each `text` block (and an
//! assistant's `reasoningContent` text), an image or video block as an image of unknown size
//! (estimated: Nova's media token counts are not published); the `system` blocks and the reply
//! priming once. Trained tokens are those of the assistant messages. Nova's tokenizer is not
//! tiktoken's either.

use serde_json::Value;

use super::{TokenCounter, image_tokens};
use crate::dataset::Method;
use crate::lint::{REASONING_KEYS, Record};

/// Tokens added for every message.
const TOKENS_PER_MESSAGE: u32 = 3;
/// Tokens added for a `name`.
const TOKENS_PER_NAME: u32 = 1;
/// Tokens that prime the reply, once per example.
const REPLY_PRIMING: u32 = 3;
/// Tokens added for each tool or function call.
const TOKENS_PER_CALL: u32 = 1;

/// The token counts of one example.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExampleTokens {
    /// Every token of the example.
    pub total: u32,
    /// Tokens of assistant messages that are trained on.
    pub trained: u32,
    /// Image parts whose size was unknown and whose tokens are estimated.
    pub estimated_images: u32,
    /// For a preference example: tokens of the input, the preferred and the non-preferred
    /// output.
    pub parts: Option<[u32; 3]>,
}

/// Tokens Gemini counts for an image of at most 384 pixels a side, which stands for every
/// file or inline data part, whose size is not known here
/// (https://ai.google.dev/gemini-api/docs/tokens: "258 tokens if both dimensions <= 384
/// pixels").
pub const GEMINI_MEDIA_TOKENS: u32 = 258;

/// The fields of the plain formats that are trained on.
const TRAINED_PLAIN_KEYS: &[&str] = &["text", "completion"];

/// Counts the tokens of an example whose `messages` is an array, or of a plain-format example;
/// `None` otherwise.
pub fn count_example(record: &Record<'_>, counter: &TokenCounter) -> Option<ExampleTokens> {
    if record.format().is_plain() {
        return Some(plain_tokens(record, counter));
    }
    if record.format().is_vertex() {
        return vertex_tokens(record, counter);
    }
    if record.format() == crate::dataset::Format::BedrockConversation {
        return bedrock_tokens(record, counter);
    }
    let messages = record.messages()?;
    let mut tokens = ExampleTokens {
        total: REPLY_PRIMING,
        ..ExampleTokens::default()
    };
    for key in ["tools", "functions"] {
        if let Some(definitions) = record.conversation().and_then(|c| c.get(key)) {
            tokens.total += counter.count(&definitions.to_string());
        }
    }
    for message in messages.iter().filter_map(Value::as_object) {
        tokens.total += TOKENS_PER_MESSAGE;
        let trained = message.get("role").and_then(Value::as_str) == Some("assistant")
            && message.get("weight").and_then(Value::as_f64) != Some(0.0);
        for (key, value) in message {
            let (count, is_reply) = match (key.as_str(), value) {
                ("content", content) => (content_tokens(content, counter, &mut tokens), true),
                ("tool_calls", Value::Array(calls)) => (
                    calls
                        .iter()
                        .filter_map(|call| call.get("function"))
                        .map(|function| call_tokens(function, counter))
                        .sum(),
                    true,
                ),
                ("function_call", function @ Value::Object(_)) => {
                    (call_tokens(function, counter), true)
                }
                ("name", Value::String(name)) => (counter.count(name) + TOKENS_PER_NAME, false),
                (key, Value::String(text)) if REASONING_KEYS.contains(&key) => {
                    (counter.count(text), true)
                }
                (_, Value::String(text)) => (counter.count(text), false),
                _ => (0, false),
            };
            tokens.total += count;
            if trained && is_reply {
                tokens.trained += count;
            }
        }
    }
    if record.method() == Method::Dpo {
        // Each output is one assistant message; both are trained against each other.
        let output = |key: &str| -> u32 {
            let mut scratch = ExampleTokens::default();
            record
                .line()
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|message| {
                    let role = message
                        .get("role")
                        .and_then(Value::as_str)
                        .map_or(0, |r| counter.count(r));
                    let content = message
                        .get("content")
                        .map_or(0, |c| content_tokens(c, counter, &mut scratch));
                    TOKENS_PER_MESSAGE + role + content
                })
                .sum()
        };
        let (preferred, non_preferred) =
            (output("preferred_output"), output("non_preferred_output"));
        tokens.parts = Some([tokens.total, preferred, non_preferred]);
        tokens.total += preferred + non_preferred;
        tokens.trained = preferred + non_preferred;
    }
    Some(tokens)
}

fn vertex_tokens(record: &Record<'_>, counter: &TokenCounter) -> Option<ExampleTokens> {
    let contents = record.line().get("contents")?.as_array()?;
    let mut tokens = ExampleTokens {
        total: REPLY_PRIMING,
        ..ExampleTokens::default()
    };
    if let Some(tools) = record.line().get("tools") {
        tokens.total += counter.count(&tools.to_string());
    }
    for key in crate::lint::vertex::SYSTEM_KEYS {
        if let Some(system) = record.line().get(*key) {
            tokens.total += vertex_parts_tokens(system, counter);
        }
    }
    let supervised = record.method() == Method::Supervised;
    for turn in contents {
        let count = vertex_turn_tokens(turn, counter);
        tokens.total += count;
        if supervised && turn.get("role").and_then(Value::as_str) == Some("model") {
            tokens.trained += count;
        }
    }
    if !supervised {
        let (mut preferred, mut other) = (0, 0);
        for item in record
            .line()
            .get("completions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let count = item
                .get("completion")
                .map_or(0, |turn| vertex_turn_tokens(turn, counter));
            if item.get("score").and_then(Value::as_f64) == Some(1.0) {
                preferred += count;
            } else {
                other += count;
            }
        }
        tokens.parts = Some([tokens.total, preferred, other]);
        tokens.total += preferred + other;
        tokens.trained = preferred + other;
    }
    Some(tokens)
}

/// A turn: 3, its role, and its parts.
fn vertex_turn_tokens(turn: &Value, counter: &TokenCounter) -> u32 {
    let role = turn
        .get("role")
        .and_then(Value::as_str)
        .map_or(0, |role| counter.count(role));
    TOKENS_PER_MESSAGE + role + vertex_parts_tokens(turn, counter)
}

/// The parts of a turn (or of a system instruction).
fn vertex_parts_tokens(turn: &Value, counter: &TokenCounter) -> u32 {
    let parts = turn.get("parts").and_then(Value::as_array);
    let mut count = 0;
    for part in parts.into_iter().flatten().filter_map(Value::as_object) {
        if let Some(text) = part.get("text").and_then(Value::as_str) {
            count += counter.count(text);
        }
        for (key, payload) in [("functionCall", "args"), ("functionResponse", "response")] {
            if let Some(call) = crate::lint::vertex::get(part, key) {
                let name = call
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or(0, |name| counter.count(name));
                let data = call
                    .get(payload)
                    .map_or(0, |value| counter.count(&value.to_string()));
                count += name + data + TOKENS_PER_CALL;
            }
        }
        for key in ["fileData", "inlineData"] {
            if crate::lint::vertex::get(part, key).is_some() {
                count += GEMINI_MEDIA_TOKENS;
            }
        }
    }
    count
}

fn bedrock_tokens(record: &Record<'_>, counter: &TokenCounter) -> Option<ExampleTokens> {
    let messages = record.line().get("messages")?.as_array()?;
    let mut tokens = ExampleTokens {
        total: REPLY_PRIMING,
        ..ExampleTokens::default()
    };
    if let Some(system) = record.line().get("system") {
        tokens.total += bedrock_blocks_tokens(system, counter, &mut tokens.estimated_images);
    }
    for message in messages {
        let role = message.get("role").and_then(Value::as_str);
        let content = message.get("content").map_or(0, |blocks| {
            bedrock_blocks_tokens(blocks, counter, &mut tokens.estimated_images)
        });
        let count = TOKENS_PER_MESSAGE + role.map_or(0, |role| counter.count(role)) + content;
        tokens.total += count;
        if role == Some("assistant") {
            tokens.trained += count;
        }
    }
    Some(tokens)
}

/// The content blocks of a Bedrock message (or its `system`): text, reasoning text, and media
/// blocks as images of unknown size, each counted in `estimated`.
fn bedrock_blocks_tokens(blocks: &Value, counter: &TokenCounter, estimated: &mut u32) -> u32 {
    let mut count = 0;
    for block in blocks.as_array().into_iter().flatten() {
        if let Some(text) = block.get("text").and_then(Value::as_str) {
            count += counter.count(text);
        }
        if let Some(text) = block
            .pointer("/reasoningContent/reasoningText/text")
            .and_then(Value::as_str)
        {
            count += counter.count(text);
        }
        for key in crate::lint::bedrock::MEDIA_KEYS {
            if block.get(*key).is_some() {
                count += image_tokens("", None).0;
                *estimated += 1;
            }
        }
    }
    count
}

fn plain_tokens(record: &Record<'_>, counter: &TokenCounter) -> ExampleTokens {
    let mut tokens = ExampleTokens::default();
    for key in record.format().plain_keys() {
        let Some(value) = record.line().get(*key) else {
            continue;
        };
        let count = content_tokens(value, counter, &mut tokens);
        tokens.total += count;
        if TRAINED_PLAIN_KEYS.contains(key) {
            tokens.trained += count;
        }
    }
    tokens
}

fn content_tokens(content: &Value, counter: &TokenCounter, tokens: &mut ExampleTokens) -> u32 {
    match content {
        Value::String(text) => counter.count(text),
        Value::Array(parts) => parts
            .iter()
            .map(|part| match part.get("type").and_then(Value::as_str) {
                Some(kind @ ("text" | "refusal")) => part
                    .get(kind)
                    .and_then(Value::as_str)
                    .map_or(0, |text| counter.count(text)),
                Some("image_url") => {
                    let image = part.get("image_url");
                    let url = image
                        .and_then(|i| i.get("url"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let detail = image.and_then(|i| i.get("detail")).and_then(Value::as_str);
                    let (count, estimated) = image_tokens(url, detail);
                    tokens.estimated_images += u32::from(estimated);
                    count
                }
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

fn call_tokens(function: &Value, counter: &TokenCounter) -> u32 {
    let text = |key: &str| {
        function
            .get(key)
            .and_then(Value::as_str)
            .map_or(0, |s| counter.count(s))
    };
    text("name") + text("arguments") + TOKENS_PER_CALL
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Encoding;

    fn count(line: &str) -> ExampleTokens {
        let value: Value = serde_json::from_str(line).unwrap();
        let counter = TokenCounter::new(Encoding::O200kBase);
        count_example(&Record::new(value.as_object().unwrap()), &counter).unwrap()
    }

    #[test]
    fn weight_zero_assistant_messages_are_not_trained() {
        let trained = count(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there"}]}"#,
        );
        let untrained = count(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello there", "weight": 0}]}"#,
        );
        assert_eq!(trained.total, untrained.total);
        assert_eq!(trained.trained, 2);
        assert_eq!(untrained.trained, 0);
    }

    #[test]
    fn tool_definitions_and_calls_are_counted() {
        let plain = count(
            r#"{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}"#,
        );
        let counter = TokenCounter::new(Encoding::O200kBase);
        // 3 priming + 3 per message + "assistant" + call ("f" + "{}" + 1).
        assert_eq!(
            plain.total,
            3 + 3 + counter.count("assistant") + counter.count("f") + counter.count("{}") + 1
        );
        assert_eq!(plain.trained, counter.count("f") + counter.count("{}") + 1);
        let with_tools = count(
            r#"{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}], "tools": [{"type": "function", "function": {"name": "f"}}]}"#,
        );
        assert_eq!(
            with_tools.total - plain.total,
            counter.count(r#"[{"function":{"name":"f"},"type":"function"}]"#)
        );
    }

    #[test]
    fn images_by_url_are_estimated() {
        let line = r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]}"#;
        let tokens = count(line);
        assert_eq!(tokens.estimated_images, 1);
        assert!(tokens.total > 765);
    }

    /// The tokens of `line` as an example of `format`.
    fn counted(
        line: &str,
        format: crate::dataset::Format,
        counter: &TokenCounter,
    ) -> ExampleTokens {
        let value: Value = serde_json::from_str(line).unwrap();
        count_example(
            &Record::with_format(value.as_object().unwrap(), format),
            counter,
        )
        .unwrap()
    }

    #[test]
    fn bedrock_examples_train_the_assistant_turns() {
        let counter = TokenCounter::new(crate::tokens::Encoding::O200kBase);
        let line: serde_json::Map<String, Value> = serde_json::from_str(
            r#"{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "Hi"}, {"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k.png"}}}}]}, {"role": "assistant", "content": [{"text": "Hello there"}]}]}"#,
        )
        .unwrap();
        let record = Record::with_format(&line, crate::dataset::Format::BedrockConversation);
        let tokens = count_example(&record, &counter).unwrap();
        let assistant =
            TOKENS_PER_MESSAGE + counter.count("assistant") + counter.count("Hello there");
        assert_eq!(tokens.trained, assistant);
        assert_eq!(tokens.estimated_images, 1);
        assert!(tokens.total > tokens.trained + counter.count("Be brief."));
    }

    #[test]
    fn vertex_examples_train_the_model_turns_or_the_completions() {
        let counter = TokenCounter::new(Encoding::O200kBase);
        let tokens = |line: &str, format| counted(line, format, &counter);
        let turn =
            |role: &str, text: &str| TOKENS_PER_MESSAGE + counter.count(role) + counter.count(text);
        let sft = tokens(
            r#"{"systemInstruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello there"}]}]}"#,
            crate::dataset::Format::VertexSupervised,
        );
        assert_eq!(sft.trained, turn("model", "Hello there"));
        assert_eq!(
            sft.total,
            REPLY_PRIMING
                + counter.count("Be brief")
                + turn("user", "Hi")
                + turn("model", "Hello there")
        );
        let preference = tokens(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": [{"score": 0, "completion": {"role": "model", "parts": [{"text": "What?"}]}}, {"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}}]}"#,
            crate::dataset::Format::VertexPreference,
        );
        let (good, bad) = (turn("model", "Hello!"), turn("model", "What?"));
        assert_eq!(preference.trained, good + bad);
        assert_eq!(
            preference.parts,
            Some([REPLY_PRIMING + turn("user", "Hi"), good, bad])
        );
    }

    #[test]
    fn plain_formats_count_their_text_and_train_the_completion() {
        let counter = TokenCounter::new(Encoding::O200kBase);
        let tokens = |line: &str, format| counted(line, format, &counter);
        let text = tokens(
            r#"{"text": "Once upon a time"}"#,
            crate::dataset::Format::Text,
        );
        let words = counter.count("Once upon a time");
        assert_eq!((text.total, text.trained), (words, words));
        let pair = tokens(
            r#"{"prompt": "Once upon", "completion": "a time"}"#,
            crate::dataset::Format::PromptCompletion,
        );
        assert_eq!(
            (pair.total, pair.trained),
            (
                counter.count("Once upon") + counter.count("a time"),
                counter.count("a time")
            )
        );
    }
}
