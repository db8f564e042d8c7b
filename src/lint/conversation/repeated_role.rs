use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT204",
    name: "repeated-role",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "two messages in a row have the same role",
    help: "merge the two messages into one, or add the missing turn between them",
    docs: r#"## What it checks
No two consecutive messages have the same role, except tool messages (one per parallel tool
call is expected).

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
    let mut previous: Option<&str> = None;
    for message in record.known_role_messages() {
        let role = message.role.unwrap_or_default();
        if previous == Some(role) && role != "tool" {
            out.at(
                &RULE,
                message.pointer_to("role"),
                format!(
                    "{role} message {} follows another {role} message",
                    message.index
                ),
            );
        }
        previous = Some(role);
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
                r#"{"messages": [{"role": "tool", "tool_call_id": "a", "content": "x"}, {"role": "tool", "tool_call_id": "b", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
            ],
        );
    }
}
