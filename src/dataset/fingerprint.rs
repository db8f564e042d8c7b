//! What "the same example" means: the same keys and values whatever the key order, the white
//! space between JSON tokens, and the Unicode normal form of the text. `check` reports such
//! copies, `dedupe` removes them, and `split` keeps them on one side.

use serde_json::{Map, Value};
use unicode_normalization::{UnicodeNormalization, is_nfc_quick};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

/// A 128-bit identity of an example, equal for examples that differ only in key order,
/// formatting, or Unicode normalisation (NFC).
pub fn exact_fingerprint(example: &Map<String, Value>) -> u128 {
    let mut hasher = Xxh3::new();
    hash_object(example, &mut hasher);
    hasher.digest128()
}

/// The identity of the prompt: every message before the last assistant message, and the tools;
/// a prompt/completion example's `prompt`; for a Vertex AI example, the turns of `contents`
/// before the last `model` turn (all of them in a preference example, whose answers are its
/// `completions`), the system instruction and the tools; for an Amazon Bedrock example, the
/// messages before the last assistant message and its `system` list. `None` when the example has no
/// assistant message, no `prompt` and no `contents`.
pub fn prompt_fingerprint(example: &Map<String, Value>) -> Option<u128> {
    if let (Some(Value::Array(contents)), None) = (example.get("contents"), example.get("messages"))
    {
        let end = if example.contains_key("completions") {
            contents.len()
        } else {
            contents
                .iter()
                .rposition(|turn| turn.get("role").and_then(Value::as_str) == Some("model"))?
        };
        let mut hasher = Xxh3::new();
        hasher.update(b"contents");
        hash_value(&Value::Array(contents[..end].to_vec()), &mut hasher);
        for key in ["systemInstruction", "system_instruction", "tools"] {
            if let Some(value) = example.get(key) {
                // Both spellings of the system instruction are one field.
                hasher.update(if key == "tools" { b"tools" } else { b"system" });
                hash_value(value, &mut hasher);
            }
        }
        return Some(hasher.digest128());
    }
    if let (Some(prompt @ Value::String(_)), None) =
        (example.get("prompt"), example.get("messages"))
    {
        let mut hasher = Xxh3::new();
        hasher.update(b"prompt");
        hash_value(prompt, &mut hasher);
        return Some(hasher.digest128());
    }
    let messages = example.get("messages")?.as_array()?;
    let last_reply = messages
        .iter()
        .rposition(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))?;
    let mut hasher = Xxh3::new();
    hash_value(&Value::Array(messages[..last_reply].to_vec()), &mut hasher);
    // `system` is a Bedrock line's system prompt, a list of its own beside the messages.
    for key in ["tools", "functions", "system"] {
        if let Some(value) = example.get(key) {
            hasher.update(key.as_bytes());
            hash_value(value, &mut hasher);
        }
    }
    Some(hasher.digest128())
}

fn hash_text(text: &str, hasher: &mut Xxh3) {
    hasher.update(b"s");
    // ASCII text is in NFC; the check of every character is the slow part of fingerprinting.
    if text.is_ascii()
        || matches!(
            is_nfc_quick(text.chars()),
            unicode_normalization::IsNormalized::Yes
        )
    {
        hasher.update(&(text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    } else {
        // Normalised on the fly, twice (the length goes first), rather than into a copy: one
        // text can be hundreds of megabytes.
        let length: usize = text.nfc().map(char::len_utf8).sum();
        hasher.update(&(length as u64).to_le_bytes());
        let mut buffer = String::with_capacity(NFC_BUFFER + 4);
        for c in text.nfc() {
            buffer.push(c);
            if buffer.len() >= NFC_BUFFER {
                hasher.update(buffer.as_bytes());
                buffer.clear();
            }
        }
        hasher.update(buffer.as_bytes());
    }
}

/// Bytes of normalised text hashed at a time.
const NFC_BUFFER: usize = 4096;

fn hash_value(value: &Value, hasher: &mut Xxh3) {
    match value {
        Value::Null => hasher.update(b"n"),
        Value::Bool(b) => hasher.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            hasher.update(b"#");
            hasher.update(n.to_string().as_bytes());
            hasher.update(b";");
        }
        Value::String(s) => hash_text(s, hasher),
        Value::Array(items) => {
            hasher.update(b"[");
            hasher.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                hash_value(item, hasher);
            }
        }
        Value::Object(map) => hash_object(map, hasher),
    }
}

/// Hashes each member on its own and adds the results, so key order does not matter.
fn hash_object(map: &Map<String, Value>, hasher: &mut Xxh3) {
    let mut sum: u128 = 0;
    for (key, value) in map {
        let mut member = Xxh3::new();
        hash_text(key, &mut member);
        hash_value(value, &mut member);
        sum = sum.wrapping_add(xxh3_128(&member.digest128().to_le_bytes()));
    }
    hasher.update(b"{");
    hasher.update(&(map.len() as u64).to_le_bytes());
    hasher.update(&sum.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(line: &str) -> Map<String, Value> {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn exact_ignores_order_spacing_and_normal_form() {
        let composed = object(r#"{"messages": [{"role": "user", "content": "café"}], "a": 1}"#);
        let decomposed =
            object("{\"a\":1,\"messages\":[{\"content\":\"cafe\u{301}\",\"role\":\"user\"}]}");
        assert_eq!(exact_fingerprint(&composed), exact_fingerprint(&decomposed));
        let other = object(r#"{"messages": [{"role": "user", "content": "cafe"}], "a": 1}"#);
        assert_ne!(exact_fingerprint(&composed), exact_fingerprint(&other));
    }

    #[test]
    fn prompt_is_everything_before_the_last_reply() {
        let a = object(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
        );
        let b = object(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hey"}]}"#,
        );
        let c = object(
            r#"{"messages": [{"role": "user", "content": "Yo"}, {"role": "assistant", "content": "Hello"}]}"#,
        );
        assert_eq!(prompt_fingerprint(&a), prompt_fingerprint(&b));
        assert_ne!(prompt_fingerprint(&a), prompt_fingerprint(&c));
        assert_eq!(prompt_fingerprint(&object(r#"{"messages": []}"#)), None);
    }

    #[test]
    fn a_vertex_prompt_is_the_turns_before_the_last_model_turn() {
        let a = object(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
        );
        let b = object(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hey"}]}]}"#,
        );
        let c = object(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Yo"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
        );
        assert_eq!(prompt_fingerprint(&a), prompt_fingerprint(&b));
        assert_ne!(prompt_fingerprint(&a), prompt_fingerprint(&c));
        assert!(prompt_fingerprint(&a).is_some());
        let preference = object(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": []}"#,
        );
        assert!(prompt_fingerprint(&preference).is_some());
    }

    #[test]
    fn a_bedrock_prompt_holds_its_system_blocks() {
        let line = |system: &str, reply: &str| {
            object(&format!(
                r#"{{"schemaVersion": "x", "system": [{{"text": "{system}"}}], "messages": [{{"role": "user", "content": [{{"text": "Hi"}}]}}, {{"role": "assistant", "content": [{{"text": "{reply}"}}]}}]}}"#
            ))
        };
        let (a, b, c) = (
            line("Be brief", "Hello"),
            line("Be brief", "Hey"),
            line("Be kind", "Hello"),
        );
        assert_eq!(prompt_fingerprint(&a), prompt_fingerprint(&b));
        assert_ne!(prompt_fingerprint(&a), prompt_fingerprint(&c));
    }
}
