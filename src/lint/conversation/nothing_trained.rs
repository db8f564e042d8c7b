use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT202",
    name: "nothing-trained",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "every assistant message has weight 0",
    help: "set \"weight\": 1 (or remove \"weight\") on at least one assistant message, or drop the example",
    docs: r#"## What it checks
At least one assistant message is trained on: its `weight` is absent or 1.

## Why it matters
An example whose assistant messages all have weight 0 teaches the model nothing, but its
tokens are still billed. It is a warning because the platform accepts it.

## Example
```json
{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let mut assistants = record
        .message_objects()
        .filter(|m| m.is("assistant"))
        .peekable();
    if assistants.peek().is_some() && assistants.all(|m| !m.is_trained()) {
        out.at(
            &RULE,
            record.pointer("/messages"),
            "every assistant message has weight 0; nothing in this example is trained".to_owned(),
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
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 0}, {"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]}"#,
                r#"{"messages": [{"role": "user", "content": "x"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 0}]}"#,
            ],
        );
    }
}
