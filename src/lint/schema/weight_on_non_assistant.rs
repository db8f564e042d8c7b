use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, with_article};

pub static RULE: Rule = Rule {
    code: "FT111",
    name: "weight-on-non-assistant",
    family: Family::Schema,
    severity: Severity::Error,
    summary: "a message other than an assistant message has a `weight`",
    help: "remove \"weight\": only assistant messages are trained on, so only they take a weight",
    docs: r#"## What it checks
`weight` appears only on assistant messages.

## Why it matters
The platform trains only on assistant messages; a weight anywhere else is an unknown key and the
example is rejected.

## Example
```json
{"messages": [{"role": "user", "content": "Hi", "weight": 0}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects() {
        let Some(role) = message
            .role
            .filter(|r| record.allows_role(r) && *r != "assistant")
        else {
            continue;
        };
        if message.fields.contains_key("weight") {
            out.at(
                &RULE,
                message.pointer_to("weight"),
                format!("weight on {} message", with_article(role)),
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
            &[r#"{"messages": [{"role": "assistant", "content": "x", "weight": 0}]}"#],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0}]}"#,
                r#"{"messages": [{"role": "system", "content": "x", "weight": 1}]}"#,
            ],
        );
    }
}
