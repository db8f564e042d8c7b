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
}
