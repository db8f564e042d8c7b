//! `check --fix`: the mechanical repairs, written to a new file.
//!
//! Removes a byte order mark, CRLF line ends and blank lines; trims white space around keys;
//! rewrites legacy `functions` / `function_call` / `function` messages as `tools` /
//! `tool_calls` / `tool` messages. A line that does not parse is copied unchanged, for the
//! check to report. Lines with nothing to repair are copied byte for byte.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::PrepareError;
use super::output::{OutputSet, TargetPolicy};
use crate::dataset::ChunkReader;

/// One repair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The input line.
    pub line: u64,
    /// What was changed.
    pub change: String,
}

/// Repairs `input` into `output` (an [`OutputSet`] of one: a temporary file renamed into
/// place) and lists every repair.
pub fn fix_file(
    input: &Path,
    output: &Path,
    policy: TargetPolicy,
) -> Result<Vec<Fix>, PrepareError> {
    let read_error = |source| PrepareError::Read {
        path: input.to_owned(),
        source,
    };
    let mut writer = OutputSet::create(input, &[output], policy)?;
    let mut reader = ChunkReader::new(std::fs::File::open(input).map_err(read_error)?);
    let mut fixes = Vec::new();
    while let Some(chunk) = reader.next_chunk().map_err(read_error)? {
        for line in chunk.lines() {
            let mut bytes = line.bytes;
            let mut note = |change: &str| {
                fixes.push(Fix {
                    line: line.number,
                    change: change.to_owned(),
                });
            };
            if line.number == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
                bytes = &bytes[3..];
                note("removed the byte order mark");
            }
            if let Some(stripped) = bytes.strip_suffix(b"\r") {
                bytes = stripped;
                note("replaced the CRLF line end with LF");
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                note("removed a blank line");
                continue;
            }
            let repaired = std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .and_then(|value| match value {
                    Value::Object(mut object) => {
                        let changes = repair(&mut object);
                        (!changes.is_empty()).then_some((object, changes))
                    }
                    _ => None,
                });
            match repaired {
                Some((object, changes)) => {
                    for change in changes {
                        fixes.push(Fix {
                            line: line.number,
                            change,
                        });
                    }
                    writer.write_line(0, Value::Object(object).to_string().as_bytes())?;
                }
                None => writer.write_line(0, bytes)?,
            }
        }
    }
    writer.commit()?;
    Ok(fixes)
}

/// Applies the repairs to one example; returns what it changed.
fn repair(example: &mut Map<String, Value>) -> Vec<String> {
    let mut changes = Vec::new();
    trim_keys(example, "", &mut changes);
    upgrade_functions(example, &mut changes);
    changes
}

/// Trims white space around every key, unless the trimmed key is already there.
fn trim_keys(object: &mut Map<String, Value>, pointer: &str, changes: &mut Vec<String>) {
    let untrimmed: Vec<String> = object
        .keys()
        .filter(|k| k.trim() != k.as_str())
        .cloned()
        .collect();
    for key in untrimmed {
        let trimmed = key.trim().to_owned();
        if !object.contains_key(&trimmed)
            && let Some(value) = object.remove(&key)
        {
            changes.push(format!(
                "renamed the key {key:?} to {trimmed:?} at {pointer}/"
            ));
            object.insert(trimmed, value);
        }
    }
    for (key, value) in object.iter_mut() {
        let here = format!("{pointer}/{key}");
        match value {
            Value::Object(inner) => trim_keys(inner, &here, changes),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    if let Value::Object(inner) = item {
                        trim_keys(inner, &format!("{here}/{i}"), changes);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `functions` → `tools`; `function_call` → `tool_calls` with an id; the answering `function`
/// message → a `tool` message with that id.
fn upgrade_functions(example: &mut Map<String, Value>, changes: &mut Vec<String>) {
    if !example.contains_key("tools")
        && let Some(Value::Array(functions)) = example.remove("functions")
    {
        let tools: Vec<Value> = functions
            .into_iter()
            .map(|f| json!({"type": "function", "function": f}))
            .collect();
        example.insert("tools".to_owned(), Value::Array(tools));
        changes.push("rewrote legacy \"functions\" as \"tools\"".to_owned());
    }
    let Some(Value::Array(messages)) = example.get_mut("messages") else {
        return;
    };
    let mut open_calls: Vec<(String, String)> = Vec::new();
    let mut next_id = 1;
    for (index, message) in messages.iter_mut().enumerate() {
        let Some(message) = message.as_object_mut() else {
            continue;
        };
        let role = message
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if role == "assistant"
            && !message.contains_key("tool_calls")
            && let Some(call @ Value::Object(_)) = message.remove("function_call")
        {
            let id = format!("call_{next_id}");
            next_id += 1;
            let name = call
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            open_calls.push((name, id.clone()));
            message.insert(
                "tool_calls".to_owned(),
                json!([{"id": id, "type": "function", "function": call}]),
            );
            if message.get("content").is_none() {
                message.insert("content".to_owned(), Value::Null);
            }
            changes.push(format!(
                "rewrote the legacy function_call of message {index} as tool_calls"
            ));
        } else if role == "function" {
            let name = message
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(position) = open_calls.iter().position(|(called, _)| *called == name) {
                let (_, id) = open_calls.remove(position);
                message.remove("name");
                message.insert("role".to_owned(), json!("tool"));
                message.insert("tool_call_id".to_owned(), json!(id));
                changes.push(format!(
                    "rewrote the legacy function message {index} as a tool message"
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_functions_become_tools() {
        let mut example: Map<String, Value> = serde_json::from_str(
            r#"{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "function_call": {"name": "w", "arguments": "{}"}}, {"role": "function", "name": "w", "content": "12 C"}, {"role": "assistant", "content": "12 C."}], "functions": [{"name": "w"}]}"#,
        )
        .unwrap();
        let changes = repair(&mut example);
        assert_eq!(changes.len(), 3);
        assert_eq!(example["tools"][0]["function"]["name"], "w");
        assert_eq!(example["messages"][1]["tool_calls"][0]["id"], "call_1");
        assert_eq!(example["messages"][2]["role"], "tool");
        assert_eq!(example["messages"][2]["tool_call_id"], "call_1");
    }

    #[test]
    fn keys_are_trimmed_unless_that_would_clash() {
        let mut example: Map<String, Value> = serde_json::from_str(
            r#"{"messages ": [{"role ": "user", "content": "x", "content ": "y"}]}"#,
        )
        .unwrap();
        let changes = repair(&mut example);
        assert_eq!(changes.len(), 2);
        assert_eq!(example["messages"][0]["role"], "user");
        assert_eq!(example["messages"][0]["content "], "y");
    }
}
