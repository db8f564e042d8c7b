use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, type_name};

pub static RULE: Rule = Rule {
    code: "FT105",
    name: "message-not-an-object",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "an entry of `messages` is not an object",
    help: "write each message as an object such as {\"role\": \"user\", \"content\": \"...\"}",
    docs: r#"## What it checks
Every entry of `messages` is a JSON object.

## Why it matters
Each message needs a role and content; a bare string or a nested list cannot carry them and the
platform rejects the example.

## Example
```json
{"messages": ["Hi", "Hello"]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for (index, message) in record.messages().unwrap_or_default().iter().enumerate() {
        if !message.is_object() {
            out.at(
                &RULE,
                record.pointer(&format!("/messages/{index}")),
                format!("message {index} is {}, not an object", type_name(message)),
            );
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
                r#"{"messages": ["Hi"]}"#,
                r#"{"messages": [{"role": "user", "content": "x"}, null]}"#,
            ],
        );
    }
}
