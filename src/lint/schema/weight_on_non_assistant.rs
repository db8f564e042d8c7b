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
`weight` appears only on assistant messages, where the platform takes weights only there.

| provider | `weight` on other messages |
|---|---|
| OpenAI, Azure OpenAI | rejected |
| Together AI | accepted: 0 masks the message from the loss, 1 trains on it ([data preparation](https://docs.together.ai/docs/fine-tuning-data-preparation); `together` SDK `lib/utils/files.py` accepts it on any role, as the integer 0 or 1 (FT110)) |

## Why it matters
OpenAI trains only on assistant messages; a weight anywhere else is an unknown key and the
example is rejected.

## Example
```json
{"messages": [{"role": "user", "content": "Hi", "weight": 0}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let profile = record.profile();
    for message in record.message_objects() {
        let Some(role) = message
            .role
            .filter(|r| record.allows_role(r) && !profile.allows_weight_on(r))
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
    use crate::lint::testing::{WEIGHTS_ANYWHERE, assert_rule, assert_rule_under};

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

    #[test]
    fn any_message_takes_a_weight_where_the_platform_says_so() {
        assert_rule_under(
            WEIGHTS_ANYWHERE,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0}, {"role": "assistant", "content": "y"}]}"#,
            ],
            &[],
        );
    }
}
