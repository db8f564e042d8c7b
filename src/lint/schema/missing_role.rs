use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT107",
    name: "missing-role",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message has no `role`, or its role is not a string",
    help: "give the message a \"role\": one of system, user, assistant, tool",
    docs: r#"## What it checks
Every message has a `role` key whose value is a string.

## Why it matters
The role decides what the platform does with a message (train on it or condition on it); a
message without one is rejected.

## Example
```json
{"messages": [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects() {
        match message.fields.get("role") {
            None => out.at(
                &RULE,
                message.pointer(),
                format!("message {} has no role", message.index),
            ),
            Some(role) if !role.is_string() => out.at(
                &RULE,
                message.pointer_to("role"),
                format!("role is {}, not a string", type_name(role)),
            ),
            Some(_) => {}
        }
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
            &[r#"{"messages": [{"role": "user", "content": "x"}]}"#],
            &[
                r#"{"messages": [{"content": "x"}]}"#,
                r#"{"messages": [{"role": 1, "content": "x"}]}"#,
                r#"{"messages": [{"role": null, "content": "x"}]}"#,
            ],
        );
    }
}
