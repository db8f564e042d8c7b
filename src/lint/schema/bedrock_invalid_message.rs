use serde_json::Value;

use crate::diagnostic::Severity;
use crate::lint::bedrock::ROLES;
use crate::lint::vertex::objects_of;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT171",
    name: "bedrock-invalid-message",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an Amazon Bedrock example's `messages` is not a non-empty list of `user` and `assistant` messages with content blocks",
    help: "write \"messages\": [{\"role\": \"user\", \"content\": [{\"text\": ...}]}, {\"role\": \"assistant\", \"content\": [{\"text\": ...}]}]",
    docs: r#"## What it checks
Checked with `--provider bedrock`: `messages` is a non-empty list; each message is an object
with a `role` of `user` or `assistant` and a `content` that is a non-empty list of content
blocks. The supported roles are `user` and `assistant`; a system prompt goes in the line's
`system` list, not in a message
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html;
`Message` requires `role` and `content` in the Converse API's shapes).

## Why it matters
Bedrock rejects a training file whose records it cannot read as conversations, and only after
the job has started.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "system", "content": [{"text": "Be brief."}]}, {"role": "user", "content": "Hi"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let messages = match record.line().get("messages") {
        None => return out.at(&RULE, "", "example has no \"messages\"".to_owned()),
        Some(Value::Array(messages)) if messages.is_empty() => {
            return out.at(&RULE, "/messages", "\"messages\" is empty".to_owned());
        }
        Some(Value::Array(messages)) => messages,
        Some(other) => {
            return out.at(
                &RULE,
                "/messages",
                format!("\"messages\" is {}, not a list", type_name(other)),
            );
        }
    };
    for (index, pointer, message) in objects_of(messages, "/messages", "message", &RULE, out) {
        match message.get("role") {
            None => out.at(&RULE, &pointer, format!("message {index} has no \"role\"")),
            Some(Value::String(role)) if ROLES.contains(&role.as_str()) => {}
            Some(Value::String(role)) if role == "system" => out.at_with_help(
                &RULE,
                format!("{pointer}/role"),
                format!(
                    "message {index} has role \"system\", which Bedrock's messages do not take"
                ),
                "move the system prompt to the line's \"system\": [{\"text\": ...}]".to_owned(),
            ),
            Some(Value::String(role)) => out.at(
                &RULE,
                format!("{pointer}/role"),
                format!("message {index} has role {role:?}: expected \"user\" or \"assistant\""),
            ),
            Some(other) => out.at(
                &RULE,
                format!("{pointer}/role"),
                format!(
                    "the role of message {index} is {}, not a string",
                    type_name(other)
                ),
            ),
        }
        match message.get("content") {
            None => out.at(
                &RULE,
                &pointer,
                format!("message {index} has no \"content\""),
            ),
            Some(Value::Array(blocks)) if blocks.is_empty() => out.at(
                &RULE,
                format!("{pointer}/content"),
                format!("the content of message {index} is empty"),
            ),
            Some(Value::Array(_)) => {}
            Some(other) => out.at_with_help(
                &RULE,
                format!("{pointer}/content"),
                format!(
                    "the content of message {index} is {}, not a list of content blocks",
                    type_name(other)
                ),
                "write the content as a list of blocks: \"content\": [{\"text\": ...}]".to_owned(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    #[test]
    fn pass_and_fail() {
        let line = |messages: &str| {
            format!(r#"{{"schemaVersion": "bedrock-conversation-2024", "messages": {messages}}}"#)
        };
        assert_rule_bedrock(
            &RULE,
            &[&line(
                r#"[{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]"#,
            )],
            &[
                r#"{"schemaVersion": "bedrock-conversation-2024"}"#,
                &line("[]"),
                &line("{}"),
                &line(r#"["Hi"]"#),
                &line(r#"[{"content": [{"text": "Hi"}]}]"#),
                &line(r#"[{"role": "system", "content": [{"text": "Hi"}]}]"#),
                &line(r#"[{"role": "model", "content": [{"text": "Hi"}]}]"#),
                &line(r#"[{"role": "user"}]"#),
                &line(r#"[{"role": "user", "content": []}]"#),
                &line(r#"[{"role": "user", "content": "Hi"}]"#),
            ],
        );
    }
}
