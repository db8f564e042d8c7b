//! OpenAI's dataset lines to Vertex AI's Gemini tuning lines and back, for `convert --to
//! vertex` and `convert --from vertex`.
//!
//! Supervised chat ↔ supervised `contents`, preference ↔ `contents` + scored `completions`;
//! a legacy prompt/completion line → a user turn and a model turn.
//! Roles: `assistant` ↔ `model`; the first `system` message ↔ `systemInstruction`; text
//! parts ↔ `text` parts; `image_url` with a `gs://` or `https://` URL ↔ `fileData` (the MIME
//! type from the extension), a `data:` URL ↔ `inlineData`; `tool_calls` ↔ `functionCall`
//! parts (arguments as a JSON string ↔ `args` as an object), `tool` messages ↔
//! `functionResponse` parts in a `user` turn (the function's name found from the call id);
//! `tools` ↔ `tools[{functionDeclarations}]`. Consecutive messages of one role become one
//! turn, since Vertex AI's turns alternate. Whatever has no equivalent (a `weight` of 0, a
//! second system message, a relative image path, …) refuses the line with the pointer of the
//! value, so nothing is dropped without a word.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::lint::content::parse_data_url;
use crate::lint::vertex::{
    DEFAULT_ROLE, camel_case, decode_bytes, field, get, spelled_twice, structural_objects,
};
use crate::lint::with_article;

/// Why a line cannot be converted, and the value that stops it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The JSON pointer of the value in the input line.
    pub pointer: String,
    /// What cannot be carried, and why.
    pub reason: String,
}

/// Refuses the line at `pointer` for `reason`.
pub(crate) fn refuse<T>(
    pointer: impl Into<String>,
    reason: impl Into<String>,
) -> Result<T, Refusal> {
    Err(Refusal {
        pointer: pointer.into(),
        reason: reason.into(),
    })
}

/// The MIME types of image files by extension, for an `image_url` that names a file.
const IMAGE_EXTENSIONS: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("png", "image/png"),
    ("webp", "image/webp"),
    ("gif", "image/gif"),
    ("heic", "image/heic"),
    ("heif", "image/heif"),
];

/// An OpenAI line (supervised chat or preference) as a Vertex AI line.
pub fn to_vertex(line: &Map<String, Value>) -> Result<Value, Refusal> {
    if line.contains_key("input") {
        return preference_to_vertex(line);
    }
    if !line.contains_key("messages") && line.contains_key("prompt") {
        return prompt_completion_to_vertex(line);
    }
    let Some(Value::Array(messages)) = line.get("messages") else {
        return refuse(
            "",
            "the line has no \"messages\" list: only OpenAI chat and preference lines convert to Vertex AI",
        );
    };
    for key in line.keys() {
        // `parallel_tool_calls` says whether a reply may make several calls at once; where
        // none does, leaving it out loses nothing.
        if key == "parallel_tool_calls" && !makes_parallel_calls(messages) {
            continue;
        }
        if !["messages", "tools"].contains(&key.as_str()) {
            return refuse(
                format!("/{key}"),
                format!("\"{key}\" has no equivalent in Vertex AI's format"),
            );
        }
    }
    let conversation = Conversation::from_messages(messages, "/messages")?;
    match conversation.turns.last() {
        None => {
            return refuse(
                "/messages",
                "the line has no user or assistant message: Vertex AI's \"contents\" cannot be empty (FT150)",
            );
        }
        Some(last) if last["role"] != "model" => {
            return refuse(
                format!("/messages/{}", messages.len() - 1),
                "the conversation does not end with an assistant message: Vertex AI's supervised examples end with a model turn (FT252)",
            );
        }
        Some(_) => {}
    }
    let mut out = Map::new();
    if let Some(system) = conversation.system {
        out.insert("systemInstruction".into(), system);
    }
    let tools = match line.get("tools") {
        Some(tools) => Some(tools_to_vertex(tools, "/tools")?),
        None => None,
    };
    refuse_undeclared_calls(messages, tools.as_ref())?;
    out.insert("contents".into(), Value::Array(conversation.turns));
    if let Some(tools) = tools {
        out.insert("tools".into(), tools);
    }
    Ok(Value::Object(out))
}

/// Refuses a tool call of a function that `tools` (Vertex AI's, converted) does not declare:
/// Vertex AI rejects such a call (FT253), and no declaration can be made up for it.
fn refuse_undeclared_calls(messages: &[Value], tools: Option<&Value>) -> Result<(), Refusal> {
    let declared: Vec<&str> = tools
        .and_then(|tools| tools.pointer("/0/functionDeclarations"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|declaration| declaration["name"].as_str())
        .collect();
    for (index, message) in messages.iter().enumerate() {
        let calls = message.get("tool_calls").and_then(Value::as_array);
        for (at, call) in calls.into_iter().flatten().enumerate() {
            let name = call.pointer("/function/name").and_then(Value::as_str);
            if let Some(name) = name.filter(|name| !declared.contains(name)) {
                let reason = if tools.is_none() {
                    format!(
                        "a call of {name:?} in a line without \"tools\": Vertex AI needs every called function declared (FT253)"
                    )
                } else {
                    format!(
                        "a call of {name:?}, which \"tools\" does not declare: Vertex AI needs every called function declared (FT253)"
                    )
                };
                return refuse(
                    format!("/messages/{index}/tool_calls/{at}/function/name"),
                    reason,
                );
            }
        }
    }
    Ok(())
}

/// A legacy `{"prompt", "completion"}` line as a user turn and a model turn.
fn prompt_completion_to_vertex(line: &Map<String, Value>) -> Result<Value, Refusal> {
    if let Some(key) = line
        .keys()
        .find(|key| !["prompt", "completion"].contains(&key.as_str()))
    {
        return refuse(
            format!("/{key}"),
            format!("\"{key}\" has no equivalent in Vertex AI's format"),
        );
    }
    let mut turns = Vec::new();
    for (key, role) in [("prompt", "user"), ("completion", "model")] {
        match line.get(key) {
            Some(Value::String(text)) => {
                turns.push(json!({"role": role, "parts": [{ "text": text }]}));
            }
            _ => return refuse(format!("/{key}"), format!("\"{key}\" is not a string")),
        }
    }
    Ok(json!({ "contents": turns }))
}

/// Whether a message of `messages` makes more than one tool call.
fn makes_parallel_calls(messages: &[Value]) -> bool {
    messages.iter().any(|message| {
        message
            .get("tool_calls")
            .and_then(Value::as_array)
            .is_some_and(|calls| calls.len() > 1)
    })
}

fn preference_to_vertex(line: &Map<String, Value>) -> Result<Value, Refusal> {
    for key in line.keys() {
        if !["input", "preferred_output", "non_preferred_output"].contains(&key.as_str()) {
            return refuse(
                format!("/{key}"),
                format!("\"{key}\" has no equivalent in Vertex AI's preference format"),
            );
        }
    }
    let Some(Value::Object(input)) = line.get("input") else {
        return refuse("/input", "\"input\" is not an object");
    };
    for key in input.keys() {
        if key != "messages" {
            return refuse(
                format!("/input/{key}"),
                format!(
                    "\"{key}\" cannot be carried: Vertex AI's preference examples have no tools"
                ),
            );
        }
    }
    let Some(Value::Array(messages)) = input.get("messages") else {
        return refuse("/input/messages", "\"input\" has no \"messages\" list");
    };
    let conversation = Conversation::from_messages(messages, "/input/messages")?;
    let mut completions = Vec::new();
    for (key, score) in [("preferred_output", 1), ("non_preferred_output", 0)] {
        let pointer = format!("/{key}");
        let output = match line.get(key) {
            Some(Value::Array(output)) if output.len() == 1 => &output[0],
            _ => return refuse(pointer, format!("\"{key}\" is not a list of one message")),
        };
        let turn = Conversation::from_messages(std::slice::from_ref(output), &pointer)?;
        match turn.turns.as_slice() {
            [turn] if turn["role"] == "model" && turn_is_text(turn) => {
                completions.push(json!({"score": score, "completion": turn}));
            }
            [turn] if turn["role"] == "model" => {
                return refuse(
                    format!("{pointer}/0"),
                    "Vertex AI's preference completions are text only",
                );
            }
            _ => {
                return refuse(
                    format!("{pointer}/0"),
                    "the output is not an assistant message",
                );
            }
        }
    }
    if conversation
        .turns
        .last()
        .is_none_or(|turn| turn["role"] != "user")
    {
        return refuse(
            "/input/messages",
            "the prompt does not end with a user message: Vertex AI's preference prompts do (FT254)",
        );
    }
    for (index, turn) in conversation.turns.iter().enumerate() {
        if !turn_is_text(turn) {
            return refuse(
                format!("/input/messages/{index}"),
                "Vertex AI's preference examples take text only: no images and no function calls",
            );
        }
    }
    let mut out = Map::new();
    if let Some(system) = conversation.system {
        out.insert("systemInstruction".into(), system);
    }
    out.insert("contents".into(), Value::Array(conversation.turns));
    out.insert("completions".into(), Value::Array(completions));
    Ok(Value::Object(out))
}

/// Whether every part of a turn is text.
fn turn_is_text(turn: &Value) -> bool {
    turn["parts"]
        .as_array()
        .is_some_and(|parts| parts.iter().all(|part| part.get("text").is_some()))
}

/// OpenAI messages made Vertex AI turns.
struct Conversation {
    system: Option<Value>,
    turns: Vec<Value>,
}

impl Conversation {
    fn from_messages(messages: &[Value], base: &str) -> Result<Self, Refusal> {
        let mut conversation = Conversation {
            system: None,
            turns: Vec::new(),
        };
        // The names of the functions called so far, by call id, for the tool messages.
        let mut calls: Vec<(String, String)> = Vec::new();
        for (index, message) in messages.iter().enumerate() {
            let pointer = format!("{base}/{index}");
            let Value::Object(message) = message else {
                return refuse(pointer, "the message is not an object");
            };
            let role = message.get("role").and_then(Value::as_str).unwrap_or("");
            let known: &[&str] = match role {
                "assistant" => &["role", "content", "tool_calls", "weight"],
                "tool" => &["role", "content", "tool_call_id"],
                _ => &["role", "content"],
            };
            if let Some(key) = message.keys().find(|key| !known.contains(&key.as_str())) {
                return refuse(
                    format!("{pointer}/{key}"),
                    format!(
                        "\"{key}\" on {} message has no equivalent in Vertex AI's format",
                        with_article(role)
                    ),
                );
            }
            let (turn_role, parts) = match role {
                "system" if conversation.system.is_none() && conversation.turns.is_empty() => {
                    let parts =
                        content_parts(message.get("content"), &pointer, None, VERTEX_FORMAT)?;
                    conversation.system = Some(json!({ "parts": parts }));
                    continue;
                }
                "system" => {
                    return refuse(
                        pointer,
                        "a system message after the first message: Vertex AI has one system instruction, before the conversation",
                    );
                }
                "user" => (
                    "user",
                    content_parts(
                        message.get("content"),
                        &pointer,
                        Some(image_part),
                        VERTEX_FORMAT,
                    )?,
                ),
                "assistant" => {
                    if let Some(weight) = message.get("weight")
                        && weight.as_f64() != Some(1.0)
                    {
                        return refuse(
                            format!("{pointer}/weight"),
                            format!(
                                "an assistant message of weight {weight}: Vertex AI trains on every model turn"
                            ),
                        );
                    }
                    let mut parts = match message.get("content") {
                        None | Some(Value::Null) => Vec::new(),
                        content => content_parts(content, &pointer, None, VERTEX_FORMAT)?,
                    };
                    parts.extend(calls_to_parts(
                        message.get("tool_calls"),
                        &pointer,
                        &mut calls,
                    )?);
                    ("model", parts)
                }
                "tool" => ("user", vec![tool_response(message, &pointer, &calls)?]),
                other => {
                    return refuse(
                        format!("{pointer}/role"),
                        format!("the role {other:?} has no equivalent in Vertex AI's format"),
                    );
                }
            };
            if parts.is_empty() {
                return refuse(pointer, "the message has no content to carry");
            }
            match conversation.turns.last_mut() {
                // Vertex AI's turns alternate: a second message of one role joins the turn.
                Some(last) if last["role"] == turn_role => {
                    if let Some(existing) = last["parts"].as_array_mut() {
                        existing.extend(parts);
                    }
                }
                _ => conversation
                    .turns
                    .push(json!({"role": turn_role, "parts": parts})),
            }
        }
        Ok(conversation)
    }
}

/// How the target format names itself in a refusal.
const VERTEX_FORMAT: &str = "Vertex AI's format";

/// Converts an OpenAI `image_url` part (at the pointer given) into the target's image part.
pub(crate) type ImagePart = fn(&Value, &str) -> Result<Value, Refusal>;

/// A message's `content` as `{"text": …}` parts (Vertex AI's parts and Bedrock's blocks alike),
/// with `image` converting the images where they may be carried (user messages); `format`
/// names the target in refusals.
pub(crate) fn content_parts(
    content: Option<&Value>,
    pointer: &str,
    image: Option<ImagePart>,
    format: &str,
) -> Result<Vec<Value>, Refusal> {
    let pointer = format!("{pointer}/content");
    match content {
        Some(Value::String(text)) => Ok(vec![json!({ "text": text })]),
        Some(Value::Array(parts)) => parts
            .iter()
            .enumerate()
            .map(|(index, part)| {
                let pointer = format!("{pointer}/{index}");
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => match part.get("text") {
                        Some(Value::String(text)) => Ok(json!({ "text": text })),
                        _ => refuse(pointer, "a text part without a string \"text\""),
                    },
                    Some("image_url") if let Some(image) = image => image(part, &pointer),
                    Some(kind) => refuse(
                        pointer,
                        format!(
                            "{} part here has no equivalent in {format}",
                            with_article(kind)
                        ),
                    ),
                    None => refuse(pointer, "a content part without a \"type\""),
                }
            })
            .collect(),
        _ => refuse(
            pointer,
            "the content is neither a string nor a list of parts",
        ),
    }
}

/// The URL of an OpenAI `image_url` part at `pointer`, with its pointer; a `detail` other than
/// the default is refused, since `parts` (the target's image parts, for the message) have no
/// per-image detail.
pub(crate) fn image_url<'a>(
    part: &'a Value,
    pointer: &str,
    parts: &str,
) -> Result<(&'a str, String), Refusal> {
    if let Some(detail) = part.pointer("/image_url/detail")
        && detail != "auto"
    {
        return refuse(
            format!("{pointer}/image_url/detail"),
            format!("an image \"detail\" of {detail}: {parts} have no detail setting"),
        );
    }
    let pointer = format!("{pointer}/image_url/url");
    match part.pointer("/image_url/url").and_then(Value::as_str) {
        Some(url) => Ok((url, pointer)),
        None => refuse(pointer, "an image part without a URL"),
    }
}

/// An `image_url` part as a `fileData` or `inlineData` part.
fn image_part(part: &Value, pointer: &str) -> Result<Value, Refusal> {
    let (url, pointer) = image_url(part, pointer, "Vertex AI's file and inline parts")?;
    if let Some(data) = parse_data_url(url) {
        if !data.base64 {
            return refuse(pointer, "a data URL that is not base64");
        }
        return Ok(json!({"inlineData": {"mimeType": data.media_type, "data": data.payload}}));
    }
    let lower = url.to_ascii_lowercase();
    // The schemes FT154 accepts: Cloud Storage or a public HTTP(S) URL.
    if !["gs://", "https://", "http://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
    {
        return refuse(
            pointer,
            format!("image URL {url:?} is neither gs:// nor http(s)://, which Vertex AI fetches"),
        );
    }
    let path = lower.split(['?', '#']).next().unwrap_or_default();
    let extension = path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    let Some((_, mime)) = IMAGE_EXTENSIONS.iter().find(|(e, _)| *e == extension) else {
        return refuse(
            pointer,
            format!("image URL {url:?} has no image file extension to take its MIME type from"),
        );
    };
    Ok(json!({"fileData": {"mimeType": mime, "fileUri": url}}))
}

/// An assistant's `tool_calls` as `functionCall` parts, remembering each call's name by id.
fn calls_to_parts(
    tool_calls: Option<&Value>,
    pointer: &str,
    calls: &mut Vec<(String, String)>,
) -> Result<Vec<Value>, Refusal> {
    let Some(tool_calls) = tool_calls else {
        return Ok(Vec::new());
    };
    let pointer = format!("{pointer}/tool_calls");
    let Value::Array(tool_calls) = tool_calls else {
        return refuse(pointer, "\"tool_calls\" is not a list");
    };
    let mut parts = Vec::new();
    for (index, call) in tool_calls.iter().enumerate() {
        let pointer = format!("{pointer}/{index}");
        let name = call.pointer("/function/name").and_then(Value::as_str);
        let arguments = call.pointer("/function/arguments").and_then(Value::as_str);
        let (Some(name), Some(arguments)) = (name, arguments) else {
            return refuse(
                pointer,
                "a tool call without a function name and string arguments",
            );
        };
        let Ok(args @ Value::Object(_)) = serde_json::from_str::<Value>(arguments) else {
            return refuse(
                format!("{pointer}/function/arguments"),
                "the arguments are not a JSON object, which Vertex AI's \"args\" must be",
            );
        };
        if let Some(number) = inexact_number(arguments) {
            return refuse(
                format!("{pointer}/function/arguments"),
                format!(
                    "the arguments hold the number {number}, which a double cannot hold exactly: written as an object it would change"
                ),
            );
        }
        if let Some(id) = call.get("id").and_then(Value::as_str) {
            calls.push((id.to_owned(), name.to_owned()));
        }
        parts.push(json!({"functionCall": {"name": name, "args": args}}));
    }
    Ok(parts)
}

/// The most significant digits a double carries exactly.
const DOUBLE_DIGITS: usize = 17;

/// The first number of the JSON `text` that a double (what `args` is read into) cannot hold
/// exactly: an integer beyond 64 bits, or a decimal of more than [`DOUBLE_DIGITS`] significant
/// digits.
pub(crate) fn inexact_number(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let (mut at, mut in_string, mut escaped) = (0, false, false);
    while at < bytes.len() {
        let byte = bytes[at];
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            at += 1;
            continue;
        }
        if byte == b'"' {
            in_string = true;
            at += 1;
            continue;
        }
        if byte != b'-' && !byte.is_ascii_digit() {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len()
            && matches!(bytes[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        {
            at += 1;
        }
        let literal = &text[start..at];
        let exact = if literal.contains(['.', 'e', 'E']) {
            let mantissa = literal.split(['e', 'E']).next().unwrap_or_default();
            let digits = mantissa.trim_start_matches('-').replace('.', "");
            digits.trim_start_matches('0').trim_end_matches('0').len() <= DOUBLE_DIGITS
        } else {
            literal.parse::<i64>().is_ok() || literal.parse::<u64>().is_ok()
        };
        if !exact {
            return Some(literal);
        }
    }
    None
}

/// A `tool` message as a `functionResponse` part: the response is the content when it is a
/// JSON object, else `{"content": …}`.
fn tool_response(
    message: &Map<String, Value>,
    pointer: &str,
    calls: &[(String, String)],
) -> Result<Value, Refusal> {
    let id = message.get("tool_call_id").and_then(Value::as_str);
    let Some((_, name)) = calls.iter().find(|(call, _)| Some(call.as_str()) == id) else {
        return refuse(
            format!("{pointer}/tool_call_id"),
            "the tool message answers no earlier tool call, so its function's name is unknown",
        );
    };
    let text = match message.get("content") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) if parts.iter().all(|p| p["type"] == "text") => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<String>(),
        _ => return refuse(format!("{pointer}/content"), "the tool result is not text"),
    };
    let response = match serde_json::from_str::<Value>(&text) {
        Ok(object @ Value::Object(_)) => object,
        _ => json!({ "content": text }),
    };
    Ok(json!({"functionResponse": {"name": name, "response": response}}))
}

/// OpenAI's `tools` as Vertex AI's one tool of function declarations.
fn tools_to_vertex(tools: &Value, pointer: &str) -> Result<Value, Refusal> {
    let Value::Array(tools) = tools else {
        return refuse(pointer, "\"tools\" is not a list");
    };
    let mut declarations = Vec::new();
    for (index, tool) in tools.iter().enumerate() {
        let pointer = format!("{pointer}/{index}");
        let Some(Value::Object(function)) = tool.get("function") else {
            return refuse(
                pointer,
                "a tool that is not a function has no equivalent in Vertex AI's format",
            );
        };
        let mut declaration = Map::new();
        for (key, value) in function {
            match key.as_str() {
                "name" | "description" => {
                    declaration.insert(key.clone(), value.clone());
                }
                // `parametersJsonSchema` takes JSON Schema as it is, where `parameters` (Vertex
                // AI's `Schema`) cannot say `"type": ["integer", "null"]` and more.
                "parameters" => {
                    declaration.insert("parametersJsonSchema".into(), value.clone());
                }
                // Vertex AI has no strict mode; a schema followed loosely trains the same.
                "strict" => {}
                other => {
                    return refuse(
                        format!("{pointer}/function/{other}"),
                        format!(
                            "\"{other}\" has no equivalent in a Vertex AI function declaration"
                        ),
                    );
                }
            }
        }
        declarations.push(Value::Object(declaration));
    }
    Ok(json!([{ "functionDeclarations": declarations }]))
}

/// A Vertex AI line (supervised or preference) as an OpenAI line.
pub fn from_vertex(line: &Map<String, Value>) -> Result<Value, Refusal> {
    for (pointer, object) in structural_objects(line) {
        if let Some((camel, snake)) = spelled_twice(object).next() {
            return refuse(
                format!("{pointer}/{snake}"),
                format!(
                    "\"{camel}\" and \"{snake}\" are the same field, given twice: which one Vertex AI reads is not known"
                ),
            );
        }
    }
    let preference = line.contains_key("completions");
    let known: &[&str] = if preference {
        &["contents", "completions", "systemInstruction"]
    } else {
        &["contents", "systemInstruction", "tools"]
    };
    if let Some(key) = line.keys().find(|key| !known.contains(&camel_case(key))) {
        let reason = if ["messages", "input"].contains(&key.as_str()) {
            format!("\"{key}\" is OpenAI's format already: the line is not Vertex AI's")
        } else {
            format!("\"{key}\" has no equivalent in OpenAI's format")
        };
        return refuse(format!("/{key}"), reason);
    }
    let Some(Value::Array(contents)) = line.get("contents") else {
        return refuse("/contents", "the line has no \"contents\" list");
    };
    let mut messages = Vec::new();
    if let Some((key, system)) = field(line, "systemInstruction") {
        let pointer = format!("/{key}");
        let content = text_content(system, &pointer)?;
        messages.push(json!({"role": "system", "content": content}));
    }
    let mut calls = Calls::default();
    for (index, turn) in contents.iter().enumerate() {
        messages.extend(turn_to_messages(
            turn,
            &format!("/contents/{index}"),
            &mut calls,
        )?);
    }
    if !preference {
        let mut out = Map::new();
        out.insert("messages".into(), Value::Array(messages));
        if let Some(tools) = line.get("tools") {
            out.insert("tools".into(), tools_from_vertex(tools)?);
        }
        return Ok(Value::Object(out));
    }
    let Some(Value::Array(completions)) = line.get("completions") else {
        return refuse("/completions", "\"completions\" is not a list");
    };
    let mut outputs = [None, None];
    for (index, item) in completions.iter().enumerate() {
        let pointer = format!("/completions/{index}");
        let slot = match item.get("score").and_then(Value::as_f64) {
            Some(score) if (score - 1.0).abs() < f64::EPSILON => 0,
            Some(score) if score.abs() < f64::EPSILON => 1,
            _ => {
                return refuse(
                    format!("{pointer}/score"),
                    "a score that is neither 1 nor 0",
                );
            }
        };
        let Some(turn) = item.get("completion") else {
            return refuse(pointer, "a completion without its \"completion\" turn");
        };
        let mut message = turn_to_messages(turn, &format!("{pointer}/completion"), &mut calls)?;
        match (message.pop(), message.is_empty()) {
            (Some(reply), true) if reply["role"] == "assistant" && outputs[slot].is_none() => {
                outputs[slot] = Some(reply);
            }
            _ => return refuse(pointer, "not one model completion of its score"),
        }
    }
    let [Some(preferred), Some(non_preferred)] = outputs else {
        return refuse(
            "/completions",
            "the completions are not one scored 1 and one scored 0",
        );
    };
    Ok(json!({
        "input": {"messages": messages},
        "preferred_output": [preferred],
        "non_preferred_output": [non_preferred],
    }))
}

/// The ids given to the calls of a Vertex AI line, so that each response answers its call.
#[derive(Default)]
struct Calls {
    /// Calls not yet answered: (id, function name).
    pending: Vec<(String, String)>,
    made: usize,
}

impl Calls {
    fn call(&mut self, name: &str, id: Option<&str>) -> String {
        self.made += 1;
        let id = id.map_or_else(|| format!("call_{}", self.made), str::to_owned);
        self.pending.push((id.clone(), name.to_owned()));
        id
    }

    /// The id of the first call of `name` not yet answered (or `id` itself, when it is one).
    fn answer(&mut self, name: &str, id: Option<&str>) -> Option<String> {
        let at = self
            .pending
            .iter()
            .position(|(call, called)| id.map_or(called == name, |id| call == id))?;
        Some(self.pending.remove(at).0)
    }
}

/// Whether a part is the model's thinking (`"thought": true`); `"thought": false` is an
/// ordinary part.
fn is_thought(part: &Value) -> bool {
    part.get("thought").and_then(Value::as_bool) == Some(true)
}

/// A turn's parts that are all text, as a message's content: a string for one part, text
/// parts for several.
fn text_content(turn: &Value, pointer: &str) -> Result<Value, Refusal> {
    let parts = turn.get("parts").and_then(Value::as_array);
    let mut texts = Vec::new();
    for (index, part) in parts.into_iter().flatten().enumerate() {
        match part.get("text").and_then(Value::as_str) {
            Some(text) if !is_thought(part) => texts.push(text),
            _ => {
                return refuse(
                    format!("{pointer}/parts/{index}"),
                    "only text parts can be carried here",
                );
            }
        }
    }
    if texts.is_empty() {
        return refuse(pointer, "the turn has no text");
    }
    Ok(openai_content(&texts))
}

/// Texts as an OpenAI message's content: a string for one, text parts for several.
pub(crate) fn openai_content(texts: &[impl AsRef<str>]) -> Value {
    match texts {
        [text] => json!(text.as_ref()),
        several => Value::Array(
            several
                .iter()
                .map(|text| json!({"type": "text", "text": text.as_ref()}))
                .collect(),
        ),
    }
}

/// One Vertex AI turn as OpenAI messages: a model turn is one assistant message (its calls
/// as `tool_calls`); a user turn is its function responses as tool messages, then its other
/// parts as one user message.
fn turn_to_messages(turn: &Value, pointer: &str, calls: &mut Calls) -> Result<Vec<Value>, Refusal> {
    let Some(parts) = turn.get("parts").and_then(Value::as_array) else {
        return refuse(pointer, "the turn has no \"parts\" list");
    };
    // A turn without a role is a user turn (`Content.role` defaults to "user").
    let role = match turn.get("role") {
        None => Some(DEFAULT_ROLE),
        role => role.and_then(Value::as_str),
    };
    let mut messages = Vec::new();
    let mut content = Vec::new();
    let mut tool_calls = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let at = format!("{pointer}/parts/{index}");
        let Value::Object(part) = part else {
            return refuse(at, "the part is not an object");
        };
        if is_thought(&Value::Object(part.clone())) {
            return refuse(at, "a thought part has no equivalent in OpenAI's format");
        }
        let data =
            |camel: &str| field(part, camel).map(|(key, value)| (format!("{at}/{key}"), value));
        match (role, part) {
            (_, part) if part.get("text").is_some() => match part["text"].as_str() {
                Some(text) => content.push(json!({"type": "text", "text": text})),
                None => return refuse(format!("{at}/text"), "\"text\" is not a string"),
            },
            (Some("user"), _) if data("fileData").is_some() => {
                let (at, value) = data("fileData").unwrap_or_default();
                content.push(file_to_image(value, &at)?);
            }
            (Some("user"), _) if data("inlineData").is_some() => {
                let (at, value) = data("inlineData").unwrap_or_default();
                content.push(inline_to_image(value, &at)?);
            }
            (Some("user"), _) if data("functionResponse").is_some() => {
                let (at, response) = data("functionResponse").unwrap_or_default();
                let name = response["name"].as_str().unwrap_or_default();
                let Some(id) = calls.answer(name, response["id"].as_str()) else {
                    return refuse(
                        at,
                        format!("a response of {name:?} that answers no earlier call"),
                    );
                };
                let result = match response.get("response") {
                    Some(Value::Object(object))
                        if object.len() == 1
                            && object.get("content").is_some_and(Value::is_string) =>
                    {
                        object["content"].clone()
                    }
                    Some(value @ Value::Object(_)) => json!(value.to_string()),
                    _ => {
                        return refuse(format!("{at}/response"), "the response is not an object");
                    }
                };
                messages.push(json!({"role": "tool", "tool_call_id": id, "content": result}));
            }
            (Some("model"), _) if data("functionCall").is_some() => {
                let (at, call) = data("functionCall").unwrap_or_default();
                // `FunctionCall.args` is optional: a call without it takes no arguments.
                let no_args = json!({});
                let (Some(name), args @ Value::Object(_)) =
                    (call["name"].as_str(), call.get("args").unwrap_or(&no_args))
                else {
                    return refuse(at, "a call without a name and an \"args\" object");
                };
                let id = calls.call(name, call["id"].as_str());
                tool_calls.push(json!({
                    "id": id,
                    "type": "function",
                    "function": {"name": name, "arguments": args.to_string()},
                }));
            }
            _ => {
                return refuse(
                    at,
                    format!(
                        "this part of a {} turn has no equivalent in OpenAI's format",
                        role.unwrap_or("role-less")
                    ),
                );
            }
        }
    }
    // One text part is written as a string, as OpenAI's own examples are.
    let content = match content.as_slice() {
        [single] if single["type"] == "text" => single["text"].clone(),
        _ => Value::Array(content),
    };
    let empty = content.as_array().is_some_and(Vec::is_empty);
    match role {
        Some("model") => {
            let mut message = Map::new();
            message.insert("role".into(), json!("assistant"));
            if !empty {
                message.insert("content".into(), content);
            }
            if !tool_calls.is_empty() {
                message.insert("tool_calls".into(), Value::Array(tool_calls));
            }
            messages.push(Value::Object(message));
        }
        Some("user") => {
            if !empty {
                messages.push(json!({"role": "user", "content": content}));
            }
        }
        _ => {
            return refuse(
                format!("{pointer}/role"),
                "the role is neither user nor model",
            );
        }
    }
    Ok(messages)
}

/// A `fileData` part as an `image_url` part: only images at an https:// URL, which OpenAI
/// downloads (it cannot read Cloud Storage).
fn file_to_image(data: &Value, pointer: &str) -> Result<Value, Refusal> {
    let text = |camel: &str| {
        let found = data.as_object().and_then(|data| field(data, camel));
        let key = found.map_or(camel, |(key, _)| key);
        let value = found
            .and_then(|(_, value)| value.as_str())
            .unwrap_or_default();
        (format!("{pointer}/{key}"), value)
    };
    let (uri_at, uri) = text("fileUri");
    let (mime_at, mime) = text("mimeType");
    if !mime.starts_with("image/") {
        return refuse(mime_at, {
            // The article goes by the type's sound: "an \"application/pdf\" file".
            let article = with_article(mime);
            let article = article.split(' ').next().unwrap_or("a");
            format!("{article} {mime:?} file: OpenAI's fine-tuning takes images only")
        });
    }
    if !uri.to_ascii_lowercase().starts_with("https://") {
        return refuse(
            uri_at,
            format!("the file URI {uri:?} is not https://, which OpenAI can download"),
        );
    }
    Ok(json!({"type": "image_url", "image_url": {"url": uri}}))
}

/// An `inlineData` image as a `data:` URL.
fn inline_to_image(data: &Value, pointer: &str) -> Result<Value, Refusal> {
    let mime = data
        .as_object()
        .and_then(|data| get(data, "mimeType"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (true, Some(payload)) = (mime.starts_with("image/"), data["data"].as_str()) else {
        return refuse(
            pointer,
            "only inline images, with their data, can be carried",
        );
    };
    // Vertex AI reads bytes URL-safe or unpadded too; a data URL takes standard base64.
    let Ok(bytes) = decode_bytes(payload) else {
        return refuse(format!("{pointer}/data"), "the data is not base64");
    };
    let payload = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(json!({"type": "image_url", "image_url": {"url": format!("data:{mime};base64,{payload}")}}))
}

/// The JSON types a schema's `type` may name, which Vertex AI's `Schema` writes upper-case
/// (`OBJECT`, an enum of the discovery document) and JSON Schema lower-case.
const SCHEMA_TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// The fields of Vertex AI's `Schema` that are int64, which proto JSON writes as strings and
/// JSON Schema takes as integers.
const SCHEMA_COUNTS: &[&str] = &[
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
];

/// The fields of Vertex AI's `Schema` that JSON Schema spells and reads the same way.
const SCHEMA_AS_IS: &[&str] = &[
    "description",
    "title",
    "default",
    "enum",
    "required",
    "minimum",
    "maximum",
    "pattern",
    "format",
];

/// `key` in lowerCamelCase (`min_items` → `minItems`): proto JSON takes both spellings of a
/// `Schema` field.
fn schema_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Vertex AI's `Schema` (a declaration's `parameters`) as the JSON Schema an OpenAI function
/// takes, field by field; what JSON Schema cannot say refuses the line at its value.
fn json_schema(schema: &Value, pointer: &str) -> Result<Value, Refusal> {
    let Value::Object(map) = schema else {
        return refuse(pointer, "the schema is not an object");
    };
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in map {
        let at = format!("{pointer}/{}", crate::lint::escape_pointer_token(key));
        let name = schema_key(key);
        match (name.as_str(), value) {
            ("type", Value::String(kind)) => {
                let lower = kind.to_ascii_lowercase();
                if !SCHEMA_TYPES.contains(&lower.as_str()) {
                    return refuse(
                        at,
                        format!("the type {kind:?} has no equivalent in JSON Schema"),
                    );
                }
                out.insert(name, Value::String(lower));
            }
            ("nullable", Value::Bool(flag)) => nullable = *flag,
            (count, _) if SCHEMA_COUNTS.contains(&count) => {
                let number = match value {
                    Value::Number(n) => n.as_u64(),
                    Value::String(text) => text.parse::<u64>().ok(),
                    _ => None,
                };
                let Some(number) = number else {
                    return refuse(at, format!("{key:?} is not a count"));
                };
                out.insert(name, json!(number));
            }
            ("ref", Value::String(target)) => {
                let target = target
                    .strip_prefix("#/defs/")
                    .map_or_else(|| target.clone(), |rest| format!("#/$defs/{rest}"));
                out.insert("$ref".into(), Value::String(target));
            }
            ("defs" | "properties", Value::Object(schemas)) => {
                let mut translated = Map::new();
                for (each, schema) in schemas {
                    let inner = format!("{at}/{}", crate::lint::escape_pointer_token(each));
                    translated.insert(each.clone(), json_schema(schema, &inner)?);
                }
                let name = if name == "defs" {
                    "$defs".to_owned()
                } else {
                    name
                };
                out.insert(name, Value::Object(translated));
            }
            ("items", _) | ("additionalProperties", Value::Object(_)) => {
                out.insert(name, json_schema(value, &at)?);
            }
            ("additionalProperties", Value::Bool(_)) => {
                out.insert(name, value.clone());
            }
            ("anyOf", Value::Array(schemas)) => {
                let translated = schemas
                    .iter()
                    .enumerate()
                    .map(|(index, schema)| json_schema(schema, &format!("{at}/{index}")))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(name, Value::Array(translated));
            }
            // Vertex AI marks a string enum with `format: "enum"`; JSON Schema has `enum` alone.
            ("format", Value::String(format)) if format == "enum" => {}
            ("example", _) => {
                out.insert("examples".into(), json!([value]));
            }
            (as_is, _) if SCHEMA_AS_IS.contains(&as_is) => {
                out.insert(name, value.clone());
            }
            _ => {
                return refuse(
                    at,
                    format!("the schema field {key:?} has no equivalent in JSON Schema"),
                );
            }
        }
    }
    if nullable {
        match out.get_mut("type") {
            Some(kind @ Value::String(_)) => *kind = json!([kind.clone(), "null"]),
            _ => {
                if let Some(Value::Array(any_of)) = out.get_mut("anyOf") {
                    any_of.push(json!({"type": "null"}));
                }
            }
        }
    }
    Ok(Value::Object(out))
}

/// Vertex AI's `tools` as OpenAI's function tools.
fn tools_from_vertex(tools: &Value) -> Result<Value, Refusal> {
    let Value::Array(tools) = tools else {
        return refuse("/tools", "\"tools\" is not a list");
    };
    let mut out = Vec::new();
    for (index, tool) in tools.iter().enumerate() {
        let pointer = format!("/tools/{index}");
        let Some(Value::Object(tool)) = Some(tool) else {
            return refuse(pointer, "the tool is not an object");
        };
        if let Some(key) = tool
            .keys()
            .find(|key| camel_case(key) != "functionDeclarations")
        {
            return refuse(
                format!("{pointer}/{key}"),
                format!("the tool {key:?} has no equivalent in OpenAI's format"),
            );
        }
        let (key, declarations) = field(tool, "functionDeclarations").unwrap_or_default();
        for (at, declaration) in declarations.as_array().into_iter().flatten().enumerate() {
            let pointer = format!("{pointer}/{key}/{at}");
            let Value::Object(declaration) = declaration else {
                return refuse(pointer, "the declaration is not an object");
            };
            let mut function = Map::new();
            for (key, value) in declaration {
                match camel_case(key) {
                    "name" | "description" => {
                        function.insert(key.clone(), value.clone());
                    }
                    "parameters" => {
                        function.insert(
                            "parameters".into(),
                            json_schema(value, &format!("{pointer}/{key}"))?,
                        );
                    }
                    "parametersJsonSchema" => {
                        function.insert("parameters".into(), value.clone());
                    }
                    _ => {
                        return refuse(
                            format!("{pointer}/{key}"),
                            format!("{key:?} has no equivalent in an OpenAI function definition"),
                        );
                    }
                }
            }
            out.push(json!({"type": "function", "function": function}));
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(line: &str) -> Map<String, Value> {
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn a_chat_with_tools_goes_to_vertex_and_back() {
        let chat = object(
            r#"{"messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Weather in Oslo?"}, {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Oslo\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "{\"c\": 3}"}, {"role": "assistant", "content": "3 degrees"}], "tools": [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]}"#,
        );
        let vertex = to_vertex(&chat).unwrap();
        assert_eq!(
            vertex,
            json!({
                "systemInstruction": {"parts": [{"text": "Be brief"}]},
                "contents": [
                    {"role": "user", "parts": [{"text": "Weather in Oslo?"}]},
                    {"role": "model", "parts": [{"functionCall": {"name": "weather", "args": {"city": "Oslo"}}}]},
                    {"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {"c": 3}}}]},
                    {"role": "model", "parts": [{"text": "3 degrees"}]},
                ],
                "tools": [{"functionDeclarations": [{"name": "weather", "parametersJsonSchema": {"type": "object"}}]}],
            })
        );
        let back = from_vertex(vertex.as_object().unwrap()).unwrap();
        assert_eq!(
            back["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"city\":\"Oslo\"}"
        );
        assert_eq!(
            back["messages"][3],
            json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"c\":3}"})
        );
        assert_eq!(back["tools"], chat["tools"]);
        assert_eq!(back["messages"][4], chat["messages"][4]);
    }

    #[test]
    fn images_become_file_or_inline_data() {
        let chat = object(
            r#"{"messages": [{"role": "user", "content": [{"type": "text", "text": "Which?"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.PNG?x=1"}}, {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4A=="}}]}, {"role": "assistant", "content": "The first"}]}"#,
        );
        let vertex = to_vertex(&chat).unwrap();
        assert_eq!(
            vertex["contents"][0]["parts"][1],
            json!({"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a.PNG?x=1"}})
        );
        assert_eq!(
            vertex["contents"][0]["parts"][2],
            json!({"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4A=="}})
        );
        let back = from_vertex(vertex.as_object().unwrap()).unwrap();
        assert_eq!(back["messages"][0], chat["messages"][0]);
    }

    #[test]
    fn what_cannot_be_carried_refuses_the_line_at_its_value() {
        for (line, pointer) in [
            (
                r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0}]}"#,
                "/messages/1/weight",
            ),
            (
                r#"{"messages": [{"role": "system", "content": "a"}, {"role": "user", "content": "b"}, {"role": "system", "content": "c"}]}"#,
                "/messages/2",
            ),
            (
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "images/cat.png"}}]}]}"#,
                "/messages/0/content/0/image_url/url",
            ),
            (
                r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}, {"id": "2", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}], "parallel_tool_calls": true}"#,
                "/parallel_tool_calls",
            ),
            (r#"{"messages": []}"#, "/messages"),
            (
                r#"{"messages": [{"role": "system", "content": "a"}]}"#,
                "/messages",
            ),
            (
                r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]}"#,
                "/messages/2",
            ),
            (
                r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [{"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "1", "content": "x"}, {"role": "assistant", "content": "b"}]}"#,
                "/messages/1/tool_calls/0/function/name",
            ),
            (
                r#"{"input": {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}, "preferred_output": [{"role": "assistant", "content": "c"}], "non_preferred_output": [{"role": "assistant", "content": "d"}]}"#,
                "/input/messages",
            ),
        ] {
            assert_eq!(
                to_vertex(&object(line)).unwrap_err().pointer,
                pointer,
                "{line}"
            );
        }
        let vertex = object(
            r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}, {"role": "model", "parts": [{"text": "A cat"}]}]}"#,
        );
        assert_eq!(
            from_vertex(&vertex).unwrap_err().pointer,
            "/contents/0/parts/0/fileData/fileUri"
        );
    }

    #[test]
    fn preference_lines_go_both_ways() {
        let openai = object(
            r#"{"input": {"messages": [{"role": "user", "content": "Hi"}]}, "preferred_output": [{"role": "assistant", "content": "Hello!"}], "non_preferred_output": [{"role": "assistant", "content": "What?"}]}"#,
        );
        let vertex = to_vertex(&openai).unwrap();
        assert_eq!(
            vertex,
            json!({
                "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
                "completions": [
                    {"score": 1, "completion": {"role": "model", "parts": [{"text": "Hello!"}]}},
                    {"score": 0, "completion": {"role": "model", "parts": [{"text": "What?"}]}},
                ],
            })
        );
        assert_eq!(
            from_vertex(vertex.as_object().unwrap()).unwrap(),
            Value::Object(openai)
        );
    }

    #[test]
    fn a_call_without_args_and_a_turn_without_a_role_convert() {
        let vertex = object(
            r#"{"contents": [{"parts": [{"text": "Time?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "now"}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "now", "response": {"t": "12:00"}}}]}, {"role": "model", "parts": [{"text": "Noon"}]}], "tools": [{"functionDeclarations": [{"name": "now"}]}]}"#,
        );
        let openai = from_vertex(&vertex).unwrap();
        assert_eq!(
            openai["messages"][0],
            json!({"role": "user", "content": "Time?"})
        );
        assert_eq!(
            openai["messages"][1]["tool_calls"][0]["function"],
            json!({"name": "now", "arguments": "{}"})
        );
    }

    #[test]
    fn snake_case_fields_convert_as_their_camel_case_twins() {
        let snake = object(
            r#"{"system_instruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Which?"}, {"file_data": {"mime_type": "image/png", "file_uri": "https://example.com/a.png"}}, {"inline_data": {"mime_type": "image/jpeg", "data": "/9j/4A=="}}]}, {"role": "model", "parts": [{"function_call": {"name": "pick", "args": {"n": 1}}}]}, {"role": "user", "parts": [{"function_response": {"name": "pick", "response": {"ok": true}}}]}, {"role": "model", "parts": [{"text": "The first"}]}], "tools": [{"function_declarations": [{"name": "pick", "parameters_json_schema": {"type": "object"}}]}]}"#,
        );
        let camel = object(
            r#"{"systemInstruction": {"parts": [{"text": "Be brief"}]}, "contents": [{"role": "user", "parts": [{"text": "Which?"}, {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/a.png"}}, {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/4A=="}}]}, {"role": "model", "parts": [{"functionCall": {"name": "pick", "args": {"n": 1}}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "pick", "response": {"ok": true}}}]}, {"role": "model", "parts": [{"text": "The first"}]}], "tools": [{"functionDeclarations": [{"name": "pick", "parametersJsonSchema": {"type": "object"}}]}]}"#,
        );
        let converted = from_vertex(&snake).unwrap();
        assert_eq!(converted, from_vertex(&camel).unwrap());
        assert_eq!(
            converted["tools"][0]["function"]["parameters"],
            json!({"type": "object"})
        );
    }

    #[test]
    fn a_field_given_in_both_spellings_is_refused_at_the_second() {
        for (line, pointer) in [
            (
                r#"{"systemInstruction": {"parts": [{"text": "a"}]}, "system_instruction": {"parts": [{"text": "b"}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                "/system_instruction",
            ),
            (
                r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "file_uri": "https://e.com/a.png", "fileUri": "https://e.com/b.png"}}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                "/contents/0/parts/0/fileData/file_uri",
            ),
        ] {
            assert_eq!(
                from_vertex(&object(line)).unwrap_err().pointer,
                pointer,
                "{line}"
            );
        }
    }

    #[test]
    fn a_nullable_parameter_goes_to_vertex_as_json_schema_unchanged() {
        let parameters = json!({"type": "object", "properties": {"n": {"type": ["integer", "null"]}}, "required": ["n"]});
        let chat = object(&format!(
            r#"{{"messages": [{{"role": "user", "content": "Count"}}, {{"role": "assistant", "tool_calls": [{{"id": "c", "type": "function", "function": {{"name": "count", "arguments": "{{\"n\": null}}"}}}}]}}, {{"role": "tool", "tool_call_id": "c", "content": "3"}}, {{"role": "assistant", "content": "3"}}], "tools": [{{"type": "function", "function": {{"name": "count", "parameters": {parameters}}}}}]}}"#
        ));
        let vertex = to_vertex(&chat).unwrap();
        assert_eq!(
            vertex["tools"],
            json!([{"functionDeclarations": [{"name": "count", "parametersJsonSchema": parameters}]}])
        );
        let back = from_vertex(vertex.as_object().unwrap()).unwrap();
        assert_eq!(back["tools"], chat["tools"]);
    }

    #[test]
    fn parallel_tool_calls_without_parallel_calls_is_left_behind() {
        let chat = object(
            r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], "parallel_tool_calls": false}"#,
        );
        assert_eq!(
            to_vertex(&chat).unwrap(),
            json!({"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]}]})
        );
    }

    #[test]
    fn a_prompt_and_completion_become_a_user_and_a_model_turn() {
        assert_eq!(
            to_vertex(&object(r#"{"prompt": "Hi", "completion": "Hello"}"#)).unwrap(),
            json!({"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]})
        );
        assert_eq!(
            to_vertex(&object(r#"{"prompt": "Hi"}"#))
                .unwrap_err()
                .pointer,
            "/completion"
        );
    }

    #[test]
    fn what_would_change_on_the_way_is_refused() {
        for (line, pointer) in [
            (
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://e.com/a.png", "detail": "low"}}]}, {"role": "assistant", "content": "A cat"}]}"#,
                "/messages/0/content/0/image_url/detail",
            ),
            (
                r#"{"messages": [{"role": "user", "content": "n?"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{\"n\": 12345678901234567890123}"}}]}, {"role": "tool", "tool_call_id": "c", "content": "ok"}, {"role": "assistant", "content": "done"}], "tools": [{"type": "function", "function": {"name": "f"}}]}"#,
                "/messages/1/tool_calls/0/function/arguments",
            ),
        ] {
            assert_eq!(
                to_vertex(&object(line)).unwrap_err().pointer,
                pointer,
                "{line}"
            );
        }
        let http = object(
            r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://e.com/a.png", "detail": "auto"}}]}, {"role": "assistant", "content": "A cat"}]}"#,
        );
        assert_eq!(
            to_vertex(&http).unwrap()["contents"][0]["parts"][0],
            json!({"fileData": {"mimeType": "image/png", "fileUri": "http://e.com/a.png"}})
        );
    }

    #[test]
    fn numbers_a_double_holds_exactly_are_kept() {
        assert_eq!(
            inexact_number(
                r#"{"a": 1, "b": -9223372036854775808, "c": 18446744073709551615, "d": 0.1, "e": 1e300, "s": "123456789012345678901234567890"}"#
            ),
            None
        );
        assert_eq!(
            inexact_number(r#"{"a": 12345678901234567890123}"#),
            Some("12345678901234567890123")
        );
        assert_eq!(
            inexact_number(r#"{"a": 3.14159265358979323846}"#),
            Some("3.14159265358979323846")
        );
        assert_eq!(
            inexact_number(r#"{"a": "\"", "b": 99999999999999999999}"#),
            Some("99999999999999999999")
        );
    }

    #[test]
    fn refusals_read_as_english() {
        let audio = object(
            r#"{"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}]}, {"role": "assistant", "content": "Hi"}]}"#,
        );
        assert_eq!(
            to_vertex(&audio).unwrap_err().reason,
            "an input_audio part here has no equivalent in Vertex AI's format"
        );
        let name = object(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "name": "bot"}]}"#,
        );
        assert_eq!(
            to_vertex(&name).unwrap_err().reason,
            "\"name\" on an assistant message has no equivalent in Vertex AI's format"
        );
        let openai = object(r#"{"messages": [{"role": "user", "content": "Hi"}]}"#);
        assert_eq!(
            from_vertex(&openai).unwrap_err().reason,
            "\"messages\" is OpenAI's format already: the line is not Vertex AI's"
        );
    }

    /// A Vertex AI line whose one declared function has `parameters`.
    fn with_parameters(parameters: &Value) -> String {
        format!(
            r#"{{"contents": [{{"role": "user", "parts": [{{"text": "Book it"}}]}}, {{"role": "model", "parts": [{{"functionCall": {{"name": "book", "args": {{}}}}}}]}}, {{"role": "user", "parts": [{{"functionResponse": {{"name": "book", "response": {{"ok": true}}}}}}]}}, {{"role": "model", "parts": [{{"text": "Booked"}}]}}], "tools": [{{"functionDeclarations": [{{"name": "book", "parameters": {parameters}}}]}}]}}"#
        )
    }

    #[test]
    fn a_vertex_schema_becomes_the_json_schema_it_means() {
        let parameters = json!({
            "type": "OBJECT",
            "properties": {
                "nights": {"type": "INTEGER", "nullable": true, "example": 2},
                "guests": {"type": "ARRAY", "items": {"ref": "#/defs/Guest"}, "min_items": "1", "maxItems": "4"},
                "room": {"type": "STRING", "format": "enum", "enum": ["single", "double"]},
            },
            "required": ["guests"],
            "defs": {"Guest": {"type": "OBJECT", "properties": {"name": {"type": "STRING", "maxLength": "80"}}}},
        });
        let converted = from_vertex(&object(&with_parameters(&parameters))).unwrap();
        assert_eq!(
            converted["tools"][0]["function"]["parameters"],
            json!({
                "type": "object",
                "properties": {
                    "nights": {"type": ["integer", "null"], "examples": [2]},
                    "guests": {"type": "array", "items": {"$ref": "#/$defs/Guest"}, "minItems": 1, "maxItems": 4},
                    "room": {"type": "string", "enum": ["single", "double"]},
                },
                "required": ["guests"],
                "$defs": {"Guest": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 80}}}},
            })
        );
    }

    #[test]
    fn schema_fields_json_schema_cannot_say_refuse_the_line_at_their_value() {
        for (parameters, pointer) in [
            (
                json!({"type": "OBJECT", "properties": {"a": {"type": "TYPE_UNSPECIFIED"}}}),
                "/tools/0/functionDeclarations/0/parameters/properties/a/type",
            ),
            (
                json!({"type": "OBJECT", "propertyOrdering": ["a"], "properties": {"a": {"type": "STRING"}}}),
                "/tools/0/functionDeclarations/0/parameters/propertyOrdering",
            ),
            (
                json!({"type": "OBJECT", "properties": {"a": {"type": "STRING", "maxLength": "many"}}}),
                "/tools/0/functionDeclarations/0/parameters/properties/a/maxLength",
            ),
        ] {
            let refusal = from_vertex(&object(&with_parameters(&parameters))).unwrap_err();
            assert_eq!(refusal.pointer, pointer, "{refusal:?}");
        }
    }

    #[test]
    fn a_part_marked_not_a_thought_converts_and_inline_bytes_are_respelt() {
        let converted = from_vertex(&object(
            r#"{"contents": [{"role": "user", "parts": [{"text": "What is it?"}, {"inlineData": {"mimeType": "image/png", "data": "iVBO-w0_Kgo"}}]}, {"role": "model", "parts": [{"text": "A key", "thought": false}]}]}"#,
        ))
        .unwrap();
        assert_eq!(converted["messages"][1]["content"], "A key");
        assert_eq!(
            converted["messages"][0]["content"][1]["image_url"]["url"],
            "data:image/png;base64,iVBO+w0/Kgo="
        );
    }
}
