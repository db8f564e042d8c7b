//! A parsed line seen as a Vertex AI (Gemini tuning) example: its turns and parts, with their
//! JSON pointers, for the rules of that format (FT150–FT160, FT250–FT254, FT350).
//!
//! A supervised line is `{"systemInstruction": Content, "contents": [Content], "tools":
//! [Tool]}`; a preference line `{"contents": [Content], "completions": [{"score": 0|1,
//! "completion": Content}]}`, where a `Content` is `{"role": "user"|"model", "parts": [Part]}`
//! (`GoogleCloudAiplatformV1Content` in the Vertex AI discovery document).

use serde_json::{Map, Value};

use super::{Findings, Record, Rule, type_name};

/// The roles of a turn of `contents`.
pub const ROLES: &[&str] = &["user", "model"];

/// The role of a turn of `contents` that has none (`GoogleCloudAiplatformV1Content.role`:
/// "If not set, the service will default to 'user'").
pub const DEFAULT_ROLE: &str = "user";

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

/// Every field of the format whose name has two words, as (lowerCamelCase, snake_case): proto
/// JSON reads both spellings of a field, so the rules and `convert --from vertex` accept both.
pub const SPELLINGS: &[(&str, &str)] = &[
    ("systemInstruction", "system_instruction"),
    ("toolConfig", "tool_config"),
    ("fileData", "file_data"),
    ("inlineData", "inline_data"),
    ("functionCall", "function_call"),
    ("functionResponse", "function_response"),
    ("thoughtSignature", "thought_signature"),
    ("videoMetadata", "video_metadata"),
    ("mimeType", "mime_type"),
    ("fileUri", "file_uri"),
    ("displayName", "display_name"),
    ("functionDeclarations", "function_declarations"),
    ("parametersJsonSchema", "parameters_json_schema"),
    ("responseJsonSchema", "response_json_schema"),
];

/// The bytes of a `bytes` field (`Blob.data`, `format: byte`) as protobuf's JSON mapping reads
/// them: standard or URL-safe base64, padded or not.
pub fn decode_bytes(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    GeneralPurpose::new(&STANDARD, config)
        .decode(text)
        .or_else(|_| GeneralPurpose::new(&URL_SAFE, config).decode(text))
}

/// The lowerCamelCase spelling of `key`: itself, unless it is the snake_case one of
/// [`SPELLINGS`].
pub fn camel_case(key: &str) -> &str {
    SPELLINGS
        .iter()
        .find(|(_, snake)| *snake == key)
        .map_or(key, |(camel, _)| camel)
}

/// The field `camel` of `object` under either of its spellings, with the key it is written
/// with (the lowerCamelCase one first).
pub fn field<'a>(object: &'a Map<String, Value>, camel: &str) -> Option<(&'a str, &'a Value)> {
    if let Some((key, value)) = object.get_key_value(camel) {
        return Some((key.as_str(), value));
    }
    let (_, snake) = SPELLINGS.iter().find(|(name, _)| *name == camel)?;
    object
        .get_key_value(*snake)
        .map(|(key, value)| (key.as_str(), value))
}

/// The value of the field `camel` of `object`, under either spelling.
pub fn get<'a>(object: &'a Map<String, Value>, camel: &str) -> Option<&'a Value> {
    field(object, camel).map(|(_, value)| value)
}

/// The fields of `object` written in both spellings, as (lowerCamelCase, snake_case).
pub fn spelled_twice(
    object: &Map<String, Value>,
) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    SPELLINGS
        .iter()
        .copied()
        .filter(|(camel, snake)| object.contains_key(*camel) && object.contains_key(*snake))
}

/// Every object of a Vertex AI line where proto JSON reads a field of two words (the line,
/// turns, parts and their data, tools and their declarations), with its pointer; for the
/// fields spelled both ways.
pub fn structural_objects(line: &Map<String, Value>) -> Vec<(String, &Map<String, Value>)> {
    let mut objects = vec![(String::new(), line)];
    let mut turns = Vec::new();
    if let Some((key, Value::Object(system))) = field(line, "systemInstruction") {
        turns.push((format!("/{key}"), system));
    }
    let list = |key: &str| {
        line.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    };
    for (index, turn) in list("contents").enumerate() {
        if let Value::Object(turn) = turn {
            turns.push((format!("/contents/{index}"), turn));
        }
    }
    for (index, item) in list("completions").enumerate() {
        if let Some(Value::Object(turn)) = item.get("completion") {
            turns.push((format!("/completions/{index}/completion"), turn));
        }
    }
    for (pointer, turn) in turns {
        objects.push((pointer.clone(), turn));
        let parts = turn
            .get("parts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for (index, part) in parts.enumerate() {
            let Value::Object(part) = part else { continue };
            let pointer = format!("{pointer}/parts/{index}");
            for (key, value) in part {
                if let Value::Object(data) = value
                    && PART_DATA_KEYS.contains(&camel_case(key))
                {
                    objects.push((format!("{pointer}/{key}"), data));
                }
            }
            objects.push((pointer, part));
        }
    }
    for (index, tool) in list("tools").enumerate() {
        let Value::Object(tool) = tool else { continue };
        let pointer = format!("/tools/{index}");
        if let Some((key, Value::Array(declarations))) = field(tool, "functionDeclarations") {
            for (at, declaration) in declarations.iter().enumerate() {
                if let Value::Object(declaration) = declaration {
                    objects.push((format!("{pointer}/{key}/{at}"), declaration));
                }
            }
        }
        objects.push((pointer, tool));
    }
    objects
}

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
    /// Its `role`, when a string; a turn of `contents` without one is a `user` turn, as
    /// `GoogleCloudAiplatformV1Content` defaults it.
    pub fn role(&self) -> Option<&'a str> {
        match self.object.get("role") {
            None if self.place == TurnPlace::Contents => Some(DEFAULT_ROLE),
            role => role.and_then(Value::as_str),
        }
    }

    /// The pointer of its `role`, or of the turn when it has none.
    pub fn role_pointer(&self) -> String {
        if self.object.contains_key("role") {
            format!("{}/role", self.pointer)
        } else {
            self.pointer.clone()
        }
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
pub fn system_instruction<'a>(record: &Record<'a>) -> Option<(&'a str, &'a Value)> {
    field(record.line(), "systemInstruction")
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

/// The data fields a part has, in [`PART_DATA_KEYS`]' order, each as (its lowerCamelCase
/// name, the key it is written with).
pub fn data_keys(part: &Map<String, Value>) -> Vec<(&'static str, &str)> {
    PART_DATA_KEYS
        .iter()
        .filter_map(|camel| field(part, camel).map(|(key, _)| (*camel, key)))
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
        .filter_map(|tool| get(tool.as_object()?, "functionDeclarations")?.as_array())
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
