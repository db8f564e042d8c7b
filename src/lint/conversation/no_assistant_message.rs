use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT201",
    name: "no-assistant-message",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "the example has no assistant message",
    help: "add the assistant's reply: it is what the model is trained to produce",
    docs: r#"## What it checks
At least one message has the role `assistant`.

## Why it matters
Supervised fine-tuning trains the model on assistant messages only. An example without one has
no target, and the platform rejects it.

## Example
```json
{"messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let Some(messages) = record.messages() else {
        return;
    };
    if !messages.is_empty() && !record.message_objects().any(|m| m.is("assistant")) {
        out.at(
            &RULE,
            record.pointer("/messages"),
            "example has no assistant message".to_owned(),
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
                r#"{"messages": []}"#,
            ],
            &[r#"{"messages": [{"role": "user", "content": "x"}]}"#],
        );
    }
}
