//! A parsed line seen as a Vertex AI (Gemini tuning) example: its turns and parts, with their
//! JSON pointers, for the rules of that format (FT150–FT158, FT250–FT254, FT350).
//!
//! A supervised line is `{"systemInstruction": Content, "contents": [Content], "tools":
//! [Tool]}`; a preference line `{"contents": [Content], "completions": [{"score": 0|1,
//! "completion": Content}]}`, where a `Content` is `{"role": "user"|"model", "parts": [Part]}`
//! (`GoogleCloudAiplatformV1Content` in the Vertex AI discovery document).

use serde_json::{Map, Value};

use super::{Findings, Record, Rule, type_name};

/// The roles of a turn of `contents`.
pub const ROLES: &[&str] = &["user", "model"];

/// The keys of a part that carry its data; a part has exactly one of them.
pub const PART_DATA_KEYS: &[&str] = &[
    "text",
    "fileData",
    "inlineData",
    "functionCall",
    "functionResponse",
];

/// The keys a part may have besides its data (`GoogleCloudAiplatformV1Part`).
pub const PART_OTHER_KEYS: &[&str] = &["thought", "thoughtSignature", "videoMetadata"];

/// The two spellings of the system instruction: the docs' examples use both, and proto JSON
/// accepts both.
pub const SYSTEM_KEYS: &[&str] = &["systemInstruction", "system_instruction"];

/// The top-level keys of a supervised line.
pub const SUPERVISED_KEYS: &[&str] = &[
    "contents",
    "systemInstruction",
    "system_instruction",
    "tools",
    "toolConfig",
    "tool_config",
];

/// The top-level keys of a preference line.
pub const PREFERENCE_KEYS: &[&str] = &[
    "contents",
    "completions",
    "systemInstruction",
    "system_instruction",
];

/// The keys of a turn.
pub const TURN_KEYS: &[&str] = &["role", "parts"];

/// The keys of one of a preference line's `completions`.
pub const COMPLETION_KEYS: &[&str] = &["score", "completion"];

/// Where a turn sits in the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TurnPlace {
    /// The system instruction (its `role` is ignored).
    System,
    /// One of `contents`.
    Contents,
    /// The `completion` of one of `completions`.
    Completion,
}

/// One turn (`Content`) of a Vertex line that is a JSON object.
#[derive(Clone, Debug)]
pub struct Turn<'a> {
    /// Where it sits.
    pub place: TurnPlace,
    /// Its JSON pointer.
    pub pointer: String,
    /// The turn.
    pub object: &'a Map<String, Value>,
}

impl<'a> Turn<'a> {
    /// Its `role`, when a string.
    pub fn role(&self) -> Option<&'a str> {
        self.object.get("role").and_then(Value::as_str)
    }

    /// Its parts that are objects, with their pointers.
    pub fn parts(&self) -> impl Iterator<Item = (String, &'a Map<String, Value>)> + '_ {
        self.object
            .get("parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(index, part)| {
                part.as_object()
                    .map(|part| (format!("{}/parts/{index}", self.pointer), part))
            })
    }
}

/// The line's `contents` array, when it is one.
pub fn contents<'a>(record: &Record<'a>) -> Option<&'a [Value]> {
    record
        .line()
        .get("contents")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

/// The key of the system instruction and its value, where the line has one.
pub fn system_instruction<'a>(record: &Record<'a>) -> Option<(&'static str, &'a Value)> {
    SYSTEM_KEYS
        .iter()
        .find_map(|key| record.line().get(*key).map(|value| (*key, value)))
}

/// The turns of `contents` that are objects.
pub fn content_turns<'a>(record: &Record<'a>) -> Vec<Turn<'a>> {
    contents(record)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, turn)| {
            Some(Turn {
                place: TurnPlace::Contents,
                pointer: format!("/contents/{index}"),
                object: turn.as_object()?,
            })
        })
        .collect()
}

/// The `completion` turns of a preference line's `completions` that are objects.
pub fn completion_turns<'a>(record: &Record<'a>) -> Vec<Turn<'a>> {
    record
        .line()
        .get("completions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, item)| {
            Some(Turn {
                place: TurnPlace::Completion,
                pointer: format!("/completions/{index}/completion"),
                object: item.get("completion")?.as_object()?,
            })
        })
        .collect()
}

/// Every turn of the line that is an object: the system instruction, `contents`, and the
/// completions of a preference line.
pub fn all_turns<'a>(record: &Record<'a>) -> Vec<Turn<'a>> {
    let mut turns = Vec::new();
    if let Some((key, Value::Object(object))) = system_instruction(record) {
        turns.push(Turn {
            place: TurnPlace::System,
            pointer: format!("/{key}"),
            object,
        });
    }
    turns.extend(content_turns(record));
    turns.extend(completion_turns(record));
    turns
}

/// The data keys a part has, in [`PART_DATA_KEYS`]' order.
pub fn data_keys(part: &Map<String, Value>) -> Vec<&'static str> {
    PART_DATA_KEYS
        .iter()
        .copied()
        .filter(|key| part.contains_key(*key))
        .collect()
}

/// The names of the functions the line declares in `tools[].functionDeclarations[].name`.
pub fn declared_functions<'a>(record: &Record<'a>) -> Vec<&'a str> {
    record
        .line()
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations")?.as_array())
        .flatten()
        .filter_map(|declaration| declaration.get("name")?.as_str())
        .collect()
}

/// The objects among `items`, with their index and pointer (`{base}/{index}`); every item that
/// is not an object is reported for `rule` as "`noun` `index` is …, not an object".
pub fn objects_of<'a>(
    items: &'a [Value],
    base: &str,
    noun: &str,
    rule: &'static Rule,
    out: &mut Findings,
) -> Vec<(usize, String, &'a Map<String, Value>)> {
    let mut objects = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let pointer = format!("{base}/{index}");
        match item {
            Value::Object(object) => objects.push((index, pointer, object)),
            other => out.at(
                rule,
                pointer,
                format!("{noun} {index} is {}, not an object", type_name(other)),
            ),
        }
    }
    objects
}
