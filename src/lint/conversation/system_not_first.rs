use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT203",
    name: "system-not-first",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "a system message comes after the first message",
    help: "move the system message to the start of the conversation",
    docs: r#"## What it checks
A system message, if any, is the first message of the conversation.

## Why it matters
The platform accepts a system message anywhere, but at inference time the system prompt comes
first; training on another layout teaches the model a conversation it will not see.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "system", "content": "Be brief"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record
        .message_objects()
        .filter(|m| (m.is("system") || m.is("developer")) && m.index > 0)
    {
        out.at(
            &RULE,
            message.pointer_to("role"),
            format!(
                "{} message at position {} instead of first",
                message.role.unwrap_or_default(),
                message.index
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
                r#"{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "system", "content": "s"}]}"#,
            ],
        );
    }
}
