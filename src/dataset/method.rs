//! The fine-tuning method a dataset line is written for.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A fine-tuning method, and so a dataset line format.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Supervised fine-tuning: `{"messages": [...]}` ending with the assistant's reply.
    #[default]
    Supervised,
    /// Direct preference optimisation: `{"input": {...}, "preferred_output": [...],
    /// "non_preferred_output": [...]}`.
    Dpo,
    /// Reinforcement fine-tuning: `{"messages": [...], ...reference fields}` ending with the
    /// user, graded by the job's graders.
    Reinforcement,
}

/// Top-level keys that only preference lines have.
const PREFERENCE_KEYS: &[&str] = &[
    "input",
    "preferred_output",
    "non_preferred_output",
    "preferred_completion",
    "non_preferred_completion",
];

/// Top-level keys of a supervised chat line.
pub const CHAT_KEYS: &[&str] = &["messages", "tools", "functions", "parallel_tool_calls"];

impl Method {
    /// The method's name, as in `--method` and the JSON report.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Supervised => "supervised",
            Method::Dpo => "dpo",
            Method::Reinforcement => "reinforcement",
        }
    }

    /// The format a parsed line looks like.
    ///
    /// A line with a preference key is DPO. A line with a developer message, or whose
    /// conversation ends with a user or developer message and that has a top-level key beyond
    /// the chat keys (a reference field for graders), is reinforcement. Anything else is
    /// supervised.
    pub fn detect(line: &Map<String, Value>) -> Self {
        fn role(message: &Value) -> Option<&str> {
            message.get("role").and_then(Value::as_str)
        }
        if PREFERENCE_KEYS.iter().any(|key| line.contains_key(*key)) {
            return Method::Dpo;
        }
        let Some(messages) = line.get("messages").and_then(Value::as_array) else {
            return Method::Supervised;
        };
        let ends_with_prompt = messages
            .last()
            .and_then(role)
            .is_some_and(|r| r == "user" || r == "developer");
        let has_developer = messages.iter().any(|m| role(m) == Some("developer"));
        let has_reference = line.keys().any(|key| !CHAT_KEYS.contains(&key.as_str()));
        if has_developer || (ends_with_prompt && has_reference) {
            Method::Reinforcement
        } else {
            Method::Supervised
        }
    }
}

/// The shape of a dataset line: one of the three chat formats, or one of the plain formats some
/// platforms also train on (supervised, without messages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// A supervised chat example: `{"messages": [...]}`.
    #[default]
    Chat,
    /// A preference example: `{"input": {...}, "preferred_output": [...], ...}`.
    Preference,
    /// A reinforcement example: `{"messages": [...], ...reference fields}`.
    Reinforcement,
    /// Plain text, every token trained: `{"text": "..."}`.
    Text,
    /// An instruction and its answer, the completion trained: `{"prompt": "...",
    /// "completion": "..."}`.
    PromptCompletion,
    /// A Vertex AI supervised example: `{"contents": [{"role": "user"|"model", "parts":
    /// [...]}], "systemInstruction": {...}, "tools": [...]}`, the `model` turns trained.
    VertexSupervised,
    /// A Vertex AI preference example: `{"contents": [...], "completions": [{"score": 1,
    /// "completion": {...}}, {"score": 0, "completion": {...}}]}`, the completions trained.
    VertexPreference,
    /// An Amazon Bedrock (Nova) conversation: `{"schemaVersion": "bedrock-conversation-2024",
    /// "system": [{"text": ...}], "messages": [{"role": "user"|"assistant", "content":
    /// [{"text": ...}, {"image": {...}}]}]}`, the assistant turns trained.
    BedrockConversation,
}

/// The top-level keys of each plain format.
const PLAIN_KEYS: [(Format, &[&str]); 2] = [
    (Format::Text, &["text"]),
    (Format::PromptCompletion, &["prompt", "completion"]),
];

impl Format {
    /// Every format, in the order reports list them.
    pub const ALL: [Format; 8] = [
        Format::Chat,
        Format::Preference,
        Format::Reinforcement,
        Format::Text,
        Format::PromptCompletion,
        Format::VertexSupervised,
        Format::VertexPreference,
        Format::BedrockConversation,
    ];

    /// The chat format of `method`: the format of its lines that have messages.
    pub const fn of_method(method: Method) -> Self {
        match method {
            Method::Supervised => Format::Chat,
            Method::Dpo => Format::Preference,
            Method::Reinforcement => Format::Reinforcement,
        }
    }

    /// The method a job trains lines of this format with.
    pub const fn method(self) -> Method {
        match self {
            Format::Chat
            | Format::Text
            | Format::PromptCompletion
            | Format::VertexSupervised
            | Format::BedrockConversation => Method::Supervised,
            Format::Preference | Format::VertexPreference => Method::Dpo,
            Format::Reinforcement => Method::Reinforcement,
        }
    }

    /// The format's name in messages and reports: the method's for the chat formats (as
    /// `--method` spells them), `text` and `prompt-completion` for the plain ones, `vertex`
    /// and `vertex-preference` for Vertex AI's, `bedrock` for Amazon Bedrock's.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::PromptCompletion => "prompt-completion",
            Format::VertexSupervised => "vertex",
            Format::VertexPreference => "vertex-preference",
            Format::BedrockConversation => "bedrock",
            other => other.method().as_str(),
        }
    }

    /// Whether the format is one of the plain ones, without messages.
    pub const fn is_plain(self) -> bool {
        matches!(self, Format::Text | Format::PromptCompletion)
    }

    /// Whether the format is one of Vertex AI's (`contents`/`parts`).
    pub const fn is_vertex(self) -> bool {
        matches!(self, Format::VertexSupervised | Format::VertexPreference)
    }

    /// The top-level keys of a plain format; empty for the chat formats.
    pub fn plain_keys(self) -> &'static [&'static str] {
        PLAIN_KEYS
            .iter()
            .find(|(format, _)| *format == self)
            .map_or(&[], |(_, keys)| keys)
    }

    /// The format of a parsed line, as an example of `method` (decided from the line when
    /// `None`, as [`Method::detect`] does). A supervised line without `messages` that has the
    /// keys of one of the `plain` formats the platform takes is of that format.
    pub fn detect(line: &Map<String, Value>, method: Option<Method>, plain: &[Format]) -> Self {
        match method.unwrap_or_else(|| Method::detect(line)) {
            Method::Dpo => Format::Preference,
            Method::Reinforcement => Format::Reinforcement,
            Method::Supervised if line.contains_key("messages") => Format::Chat,
            Method::Supervised => PLAIN_KEYS
                .iter()
                .find(|(format, keys)| {
                    plain.contains(format) && keys.iter().any(|key| line.contains_key(*key))
                })
                .map_or(Format::Chat, |(format, _)| *format),
        }
    }
}

impl Format {
    /// The format of a parsed line for a platform that reads Vertex AI's format: a line with
    /// OpenAI's keys (`messages`, `input`, `text`, `prompt`, …) and no `contents` is of OpenAI's format (which
    /// such a platform rejects); any other is a Vertex line, of preference when `method` says
    /// so or the line has `completions`.
    pub fn detect_vertex(line: &Map<String, Value>, method: Option<Method>) -> Self {
        let plain = [Format::Text, Format::PromptCompletion];
        let openai = !line.contains_key("contents")
            && (line.contains_key("messages")
                || PREFERENCE_KEYS.iter().any(|key| line.contains_key(*key))
                || plain
                    .iter()
                    .flat_map(|format| format.plain_keys())
                    .any(|key| line.contains_key(*key)));
        match method {
            // OpenAI's plain lines are told apart too, so that FT156 can name their format.
            _ if openai => Self::detect(line, method, &plain),
            // Vertex AI has no reinforcement format.
            Some(Method::Reinforcement) => Format::Reinforcement,
            Some(Method::Dpo) => Format::VertexPreference,
            None if line.contains_key("completions") => Format::VertexPreference,
            Some(Method::Supervised) | None => Format::VertexSupervised,
        }
    }
}

impl Format {
    /// Whether a parsed line is in Amazon Bedrock's conversation format: it has
    /// `schemaVersion`, or `messages` whose every `content` is a list of blocks without the
    /// `type` of OpenAI's content parts (`{"text": ...}`, `{"image": ...}`).
    pub fn is_bedrock_line(line: &Map<String, Value>) -> bool {
        if line.contains_key("schemaVersion") {
            return true;
        }
        let Some(Value::Array(messages)) = line.get("messages") else {
            return false;
        };
        let blocks = |message: &Value| match message.get("content") {
            Some(Value::Array(blocks)) => {
                !blocks.is_empty()
                    && blocks
                        .iter()
                        .all(|block| block.as_object().is_some_and(|b| !b.contains_key("type")))
            }
            _ => false,
        };
        !messages.is_empty() && messages.iter().all(blocks)
    }

    /// The format of a parsed line for a platform that reads Amazon Bedrock's format: a
    /// Bedrock line ([`Format::is_bedrock_line`]) unless it is in one of OpenAI's formats
    /// (which such a platform rejects), or a preference or reinforcement line where `method`
    /// asks for one (Bedrock's format has neither).
    pub fn detect_bedrock(line: &Map<String, Value>, method: Option<Method>) -> Self {
        let openai = !Self::is_bedrock_line(line)
            && (line.contains_key("messages")
                || PREFERENCE_KEYS.iter().any(|key| line.contains_key(*key))
                || PLAIN_KEYS
                    .iter()
                    .any(|(_, keys)| keys.iter().any(|key| line.contains_key(*key))));
        match method {
            _ if openai => Self::detect(line, method, &[Format::Text, Format::PromptCompletion]),
            Some(Method::Dpo | Method::Reinforcement) => Self::detect(line, method, &[]),
            Some(Method::Supervised) | None => Format::BedrockConversation,
        }
    }
}

impl Method {
    /// The chat format of the method's lines.
    pub const fn format(self) -> Format {
        match self {
            Method::Supervised => Format::Chat,
            Method::Dpo => Format::Preference,
            Method::Reinforcement => Format::Reinforcement,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(line: &str) -> Method {
        Method::detect(
            serde_json::from_str::<Value>(line)
                .unwrap()
                .as_object()
                .unwrap(),
        )
    }

    #[test]
    fn detects_each_format() {
        assert_eq!(
            detect(
                r#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}"#
            ),
            Method::Supervised
        );
        assert_eq!(
            detect(
                r#"{"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []}"#
            ),
            Method::Dpo
        );
        assert_eq!(detect(r#"{"preferred_completion": "x"}"#), Method::Dpo);
        assert_eq!(
            detect(r#"{"messages": [{"role": "user", "content": "2+2?"}], "answer": "4"}"#),
            Method::Reinforcement
        );
        assert_eq!(
            detect(
                r#"{"messages": [{"role": "developer", "content": "d"}, {"role": "user", "content": "q"}]}"#
            ),
            Method::Reinforcement
        );
        // A chat line missing its reply stays supervised, so the reply is reported missing.
        assert_eq!(
            detect(r#"{"messages": [{"role": "user", "content": "q"}]}"#),
            Method::Supervised
        );
    }

    #[test]
    fn plain_formats_only_where_the_platform_takes_them() {
        let object = |line: &str| serde_json::from_str::<Map<String, Value>>(line).unwrap();
        let plain = [Format::Text, Format::PromptCompletion];
        let text = object(r#"{"text": "Once upon a time"}"#);
        let pair = object(r#"{"prompt": "Hi", "completion": "Hello"}"#);
        assert_eq!(Format::detect(&text, None, &plain), Format::Text);
        assert_eq!(
            Format::detect(&pair, None, &plain),
            Format::PromptCompletion
        );
        assert_eq!(
            Format::detect(&pair, Some(Method::Supervised), &plain),
            Format::PromptCompletion
        );
        // Elsewhere they are chat lines missing their messages, as FT101 says.
        assert_eq!(Format::detect(&text, None, &[]), Format::Chat);
        assert_eq!(Format::detect(&pair, None, &[]), Format::Chat);
        let chat = object(r#"{"messages": [], "text": "x"}"#);
        assert_eq!(Format::detect(&chat, None, &plain), Format::Chat);
        assert_eq!(
            Format::detect(&text, Some(Method::Dpo), &plain),
            Format::Preference
        );
    }

    #[test]
    fn bedrock_lines_are_told_from_openai_lines() {
        let object = |line: &str| serde_json::from_str::<Map<String, Value>>(line).unwrap();
        let versioned = object(r#"{"schemaVersion": "bedrock-conversation-2024", "messages": []}"#);
        let blocks = object(
            r#"{"messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}"#,
        );
        let openai = object(
            r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]}]}"#,
        );
        assert_eq!(
            Format::detect_bedrock(&versioned, None),
            Format::BedrockConversation
        );
        assert_eq!(
            Format::detect_bedrock(&blocks, None),
            Format::BedrockConversation
        );
        assert_eq!(Format::detect_bedrock(&openai, None), Format::Chat);
        assert_eq!(
            Format::detect_bedrock(&object(r#"{"prompt": "a", "completion": "b"}"#), None),
            Format::PromptCompletion
        );
        assert_eq!(
            Format::detect_bedrock(&object("{}"), None),
            Format::BedrockConversation
        );
        assert!(Format::is_bedrock_line(&versioned));
        assert!(!Format::is_bedrock_line(&openai));
    }

    #[test]
    fn vertex_lines_are_told_from_openai_lines() {
        let object = |line: &str| serde_json::from_str::<Map<String, Value>>(line).unwrap();
        let sft = object(r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#);
        let preference = object(r#"{"contents": [], "completions": []}"#);
        let openai = object(r#"{"messages": []}"#);
        assert_eq!(Format::detect_vertex(&sft, None), Format::VertexSupervised);
        assert_eq!(
            Format::detect_vertex(&preference, None),
            Format::VertexPreference
        );
        assert_eq!(
            Format::detect_vertex(&sft, Some(Method::Dpo)),
            Format::VertexPreference
        );
        assert_eq!(Format::detect_vertex(&openai, None), Format::Chat);
        assert_eq!(
            Format::detect_vertex(&object("{}"), None),
            Format::VertexSupervised
        );
    }
}
