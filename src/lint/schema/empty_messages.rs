use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT104",
    name: "empty-messages",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "`messages` is an empty list",
    help: "add the conversation's messages, or remove the line",
    docs: r#"## What it checks
`messages` holds at least one message.

## Why it matters
An example without messages has nothing to train on; the platform rejects it.

## Example
```json
{"messages": []}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if record.messages().is_some_and(<[_]>::is_empty) {
        out.at(
            &RULE,
            record.pointer("/messages"),
            "\"messages\" is empty".to_owned(),
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
            &[r#"{"messages": [{"role": "user", "content": "x"}]}"#, "{}"],
            &[r#"{"messages": []}"#],
        );
    }
}
