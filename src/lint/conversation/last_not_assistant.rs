use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT205",
    name: "last-not-assistant",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "the conversation does not end with an assistant message",
    help: "end the example with the assistant's reply, or remove the messages after it",
    docs: r#"## What it checks
The last message of the conversation is an assistant message.

## Why it matters
Only assistant messages are trained on, so messages after the last one are billed and ignored.
The platform accepts the example; a trailing user turn usually means the reply was lost.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Thanks"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let has_assistant = record.message_objects().any(|m| m.is("assistant"));
    let Some(last) = record.known_role_messages().last() else {
        return;
    };
    if has_assistant && !last.is("assistant") {
        out.at(
            &RULE,
            last.pointer_to("role"),
            format!(
                "conversation ends with a {} message",
                last.role.unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
                r#"{"messages": [{"role": "user", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}, {"role": "user", "content": "z"}]}"#,
            ],
        );
    }
}
