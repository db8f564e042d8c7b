use serde_json::Value;

use super::repeated_roles;
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Message, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT204",
    name: "repeated-role",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "two messages in a row have the same role",
    help: "merge the two messages into one, or add the missing turn between them",
    docs: r#"## What it checks
No two consecutive messages have the same role, except tool messages (one per parallel tool
call is expected) and two user messages of which one only adds images: OpenAI's own vision
fine-tuning example sends the question and the image as two user messages
([vision fine-tuning](https://platform.openai.com/docs/guides/vision-fine-tuning)).

Where the platform rejects the repeat, FT215 reports it as an error instead: Together AI
rejects every repeat, Azure OpenAI two assistant messages in a row.

## Why it matters
The platform accepts it, but a conversation with two user turns in a row usually means a turn
was lost in conversion, and two assistant turns in a row train the model to answer itself.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hello?"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let profile = record.profile();
    for (previous, message) in repeated_roles(record) {
        let role = message.role.unwrap_or_default();
        let expected = match role {
            "tool" => true,
            "user" => only_images(previous) || only_images(message),
            _ => false,
        };
        if expected || profile.rejects_repeated(role) {
            continue;
        }
        out.at(
            &RULE,
            message.pointer_to("role"),
            format!(
                "{role} message {} follows another {role} message",
                message.index
            ),
        );
    }
}

/// Whether the message's content is a list of image parts and nothing else.
fn only_images(message: Message<'_>) -> bool {
    match message.fields.get("content") {
        Some(Value::Array(parts)) => {
            !parts.is_empty()
                && parts
                    .iter()
                    .all(|part| part.get("type").and_then(Value::as_str) == Some("image_url"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, assert_rule_under};
    use crate::lint::{RepeatedRoles, RuleProfile};

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x"}, {"role": "tool", "tool_call_id": "b", "content": "x"}]}"#,
                r#"{"messages": [{"role": "user", "content": "What is this cheese?"}, {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/danbo.jpg"}}]}, {"role": "assistant", "content": "Danbo"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": [{"type": "text", "text": "y"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]}"#,
            ],
        );
    }

    #[test]
    fn a_rejected_repeat_is_not_also_a_warning() {
        let assistant_rejected = RuleProfile {
            repeated_roles: RepeatedRoles::AssistantRejected,
            ..RuleProfile::BASELINE
        };
        assert_rule_under(
            assistant_rejected,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}, {"role": "assistant", "content": "z"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}, {"role": "assistant", "content": "z"}]}"#,
            ],
        );
    }
}
