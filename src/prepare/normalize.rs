//! The text of an example that near-duplicate detection compares.

use serde_json::{Map, Value};

pub use crate::dataset::fingerprint::{exact_fingerprint, prompt_fingerprint};

/// The example's text for near-duplicate detection: every message's role and text, in order;
/// for the plain formats, the `text`, or the `prompt` and the `completion`; for a Vertex AI
/// example, the system instruction's text, each turn's role and text, and the completions';
/// for an Amazon Bedrock example, its `system` blocks' text and then its messages'.
pub fn text_of(example: &Map<String, Value>) -> String {
    let mut text = String::new();
    for key in ["systemInstruction", "system_instruction"] {
        push_turn(example.get(key), false, &mut text);
    }
    for turn in example
        .get("contents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push_turn(Some(turn), true, &mut text);
    }
    for item in example
        .get("completions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push_turn(item.get("completion"), false, &mut text);
    }
    // A Bedrock line's `system` is a list of text blocks, read as content parts are.
    for key in ["text", "prompt", "completion", "system"] {
        push_content(example.get(key), &mut text);
    }
    let messages = example
        .get("messages")
        .or_else(|| example.get("input")?.get("messages"))
        .and_then(Value::as_array);
    for message in messages.into_iter().flatten() {
        if let Some(role) = message.get("role").and_then(Value::as_str) {
            text.push_str(role);
            text.push(' ');
        }
        push_content(message.get("content"), &mut text);
    }
    for key in ["preferred_output", "non_preferred_output"] {
        for message in example
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push_content(message.get("content"), &mut text);
        }
    }
    text
}

/// A Vertex AI turn: its role (when `with_role`) and the text of its parts.
fn push_turn(turn: Option<&Value>, with_role: bool, text: &mut String) {
    let Some(turn) = turn else {
        return;
    };
    if with_role && let Some(role) = turn.get("role").and_then(Value::as_str) {
        text.push_str(role);
        text.push(' ');
    }
    push_content(turn.get("parts"), text);
}

fn push_content(content: Option<&Value>, text: &mut String) {
    match content {
        Some(Value::String(s)) => {
            text.push_str(s);
            text.push('\n');
        }
        Some(Value::Array(parts)) => {
            for part in parts {
                if let Some(s) = part.get("text").and_then(Value::as_str) {
                    text.push_str(s);
                    text.push('\n');
                }
            }
        }
        _ => {}
    }
}
