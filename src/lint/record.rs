//! A parsed line seen as a chat example, with the accessors every record rule needs.

use serde_json::{Map, Value};

use super::{RuleProfile, escape_pointer_token};
use crate::dataset::{Format, Method};

/// Roles a supervised or preference example may use.
pub const CHAT_ROLES: &[&str] = &["system", "user", "assistant", "tool", "function"];
/// Roles a reinforcement example may use.
pub const REINFORCEMENT_ROLES: &[&str] = &["developer", "user", "assistant", "tool"];

/// The roles `method` allows.
pub fn roles(method: Method) -> &'static [&'static str] {
    match method {
        Method::Reinforcement => REINFORCEMENT_ROLES,
        Method::Supervised | Method::Dpo => CHAT_ROLES,
    }
}

/// The keys that carry an assistant message's chain of thought, where the platform trains on it.
pub const REASONING_KEYS: &[&str] = &["reasoning", "reasoning_content"];

/// The keys a message of `role` may have, `weight` aside (it has a rule of its own).
pub fn message_keys(role: &str) -> &'static [&'static str] {
    match role {
        "assistant" => &[
            "role",
            "content",
            "name",
            "refusal",
            "tool_calls",
            "function_call",
        ],
        "tool" => &["role", "content", "tool_call_id"],
        _ => &["role", "content", "name"],
    }
}

/// The content part types a message of `role` may hold; `image_url` parts outside user
/// messages have a rule of their own.
pub fn part_types(role: &str) -> &'static [&'static str] {
    match role {
        "user" => &["text", "image_url"],
        "assistant" => &["text", "refusal"],
        _ => &["text"],
    }
}

/// One parsed line that is a JSON object, seen as an example of one format.
///
/// The conversation (`messages`, `tools`) is the line itself for supervised and reinforcement
/// examples, and the `input` object for preference examples; plain-format lines have none.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    line: &'a Map<String, Value>,
    conversation: Option<&'a Map<String, Value>>,
    prefix: &'static str,
    format: Format,
    profile: RuleProfile,
}

impl<'a> Record<'a> {
    /// A supervised example.
    pub fn new(line: &'a Map<String, Value>) -> Self {
        Self::with_method(line, Method::Supervised)
    }

    /// An example of `method`, in the method's chat format.
    pub fn with_method(line: &'a Map<String, Value>, method: Method) -> Self {
        Self::with_format(line, method.format())
    }

    /// An example of `format`.
    pub fn with_format(line: &'a Map<String, Value>, format: Format) -> Self {
        let (conversation, prefix) = match format {
            Format::Preference => (line.get("input").and_then(Value::as_object), "/input"),
            Format::Chat
            | Format::Reinforcement
            | Format::VertexSupervised
            | Format::VertexPreference
            | Format::BedrockConversation => (Some(line), ""),
            Format::Text | Format::PromptCompletion => (None, ""),
        };
        Self {
            line,
            conversation,
            prefix,
            format,
            profile: RuleProfile::BASELINE,
        }
    }

    /// The same example, checked by the rules of `profile`.
    #[must_use]
    pub fn under(self, profile: RuleProfile) -> Self {
        Self { profile, ..self }
    }

    /// The rules of the platform the example is checked for.
    pub fn profile(&self) -> &RuleProfile {
        &self.profile
    }

    /// The whole line.
    pub fn line(&self) -> &'a Map<String, Value> {
        self.line
    }

    /// The object holding `messages` and `tools`; `None` for a preference line without an
    /// `input` object.
    pub fn conversation(&self) -> Option<&'a Map<String, Value>> {
        self.conversation
    }

    /// The method the line is checked as.
    pub fn method(&self) -> Method {
        self.format.method()
    }

    /// The format the line is checked as.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The JSON pointer of `suffix` (such as `/messages`) within the conversation.
    pub fn pointer(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Whether `role` is a role this method allows.
    pub fn allows_role(&self, role: &str) -> bool {
        roles(self.method()).contains(&role)
    }

    /// The `messages` array, when there is one.
    pub fn messages(&self) -> Option<&'a [Value]> {
        self.conversation?
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
    }

    /// Every message that is a JSON object, with its index.
    pub fn message_objects(&self) -> impl Iterator<Item = Message<'a>> + 'a {
        let prefix = self.prefix;
        self.messages()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(move |(index, value)| {
                value.as_object().map(|fields| Message {
                    index,
                    fields,
                    role: fields.get("role").and_then(Value::as_str),
                    prefix,
                })
            })
    }

    /// Messages whose role is one the method allows, in order.
    pub fn known_role_messages(&self) -> impl Iterator<Item = Message<'a>> + 'a {
        let allowed = roles(self.method());
        self.message_objects()
            .filter(move |message| message.role.is_some_and(|role| allowed.contains(&role)))
    }

    /// The names of the functions the example defines in `tools` and legacy `functions`.
    pub fn defined_function_names(&self) -> Vec<&'a str> {
        let Some(conversation) = self.conversation else {
            return Vec::new();
        };
        let from_tools = conversation
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|tool| tool.get("function")?.get("name")?.as_str());
        let from_functions = conversation
            .get("functions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|function| function.get("name")?.as_str());
        from_tools.chain(from_functions).collect()
    }
}

/// One message of an example that is a JSON object.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// Position in `messages`.
    pub index: usize,
    /// The message's keys.
    pub fields: &'a Map<String, Value>,
    /// The role, when it is a string.
    pub role: Option<&'a str>,
    /// Pointer prefix of the conversation (`/input` in preference lines).
    pub prefix: &'static str,
}

impl<'a> Message<'a> {
    /// JSON pointer of the message itself.
    pub fn pointer(&self) -> String {
        format!("{}/messages/{}", self.prefix, self.index)
    }

    /// JSON pointer of one of the message's keys.
    pub fn pointer_to(&self, key: &str) -> String {
        format!("{}/{}", self.pointer(), escape_pointer_token(key))
    }

    /// Whether the message has this role.
    pub fn is(&self, role: &str) -> bool {
        self.role == Some(role)
    }

    /// Whether the assistant message is trained on: its weight is absent or not 0.
    pub fn is_trained(&self) -> bool {
        self.fields.get("weight").and_then(Value::as_f64) != Some(0.0)
    }

    /// The message's tool calls, when `tool_calls` is an array.
    pub fn tool_calls(&self) -> &'a [Value] {
        self.fields
            .get("tool_calls")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the message calls a tool or a legacy function.
    pub fn has_calls(&self) -> bool {
        !self.tool_calls().is_empty()
            || self
                .fields
                .get("function_call")
                .is_some_and(|call| !call.is_null())
    }

    /// Every text of the message: string content, and text and refusal parts.
    pub fn texts(self) -> impl Iterator<Item = Text<'a>> + 'a {
        let (whole, parts) = match self.fields.get("content") {
            Some(Value::String(text)) => (Some(text.as_str()), None),
            Some(Value::Array(parts)) => (None, Some(parts)),
            _ => (None, None),
        };
        let whole = whole.map(|text| Text {
            prefix: self.prefix,
            message: self.index,
            part: None,
            text,
        });
        let parts = parts
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(move |(i, part)| {
                let key = match part.get("type")?.as_str()? {
                    "text" => "text",
                    "refusal" => "refusal",
                    _ => return None,
                };
                Some(Text {
                    prefix: self.prefix,
                    message: self.index,
                    part: Some((i, key)),
                    text: part.get(key)?.as_str()?,
                })
            });
        whole.into_iter().chain(parts)
    }

    /// Every `image_url` content part with its index in `content`.
    pub fn image_parts(self) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> + 'a {
        self.fields
            .get("content")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, part)| {
                let part = part.as_object()?;
                (part.get("type")?.as_str()? == "image_url").then_some((i, part))
            })
    }
}

/// A text of a message: its string content or one text part.
#[derive(Clone, Copy, Debug)]
pub struct Text<'a> {
    prefix: &'static str,
    message: usize,
    part: Option<(usize, &'static str)>,
    /// The text.
    pub text: &'a str,
}

impl Text<'_> {
    /// JSON pointer of the text; built only when a rule reports it.
    pub fn pointer(&self) -> String {
        match self.part {
            None => format!("{}/messages/{}/content", self.prefix, self.message),
            Some((part, key)) => {
                format!(
                    "{}/messages/{}/content/{part}/{key}",
                    self.prefix, self.message
                )
            }
        }
    }
}
