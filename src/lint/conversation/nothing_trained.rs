use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, WeightScope};

pub static RULE: Rule = Rule {
    code: "FT202",
    name: "nothing-trained",
    family: Family::Conversation,
    severity: Severity::Warning,
    summary: "every assistant message has weight 0",
    help: "set \"weight\": 1 (or remove \"weight\") on at least one assistant message, or drop the example",
    docs: r#"## What it checks
At least one assistant message is trained on: its `weight` is absent or 1.

Where the platform takes weights on any message (Together AI), an example trains on its other
messages too once any message has a weight: there, the example trains nothing only when every
message has weight 0 ([data preparation](https://docs.together.ai/docs/fine-tuning-data-preparation):
"if any message in the conversation has a weight field, the train-on-inputs setting will be
automatically set to true").

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
    let others_trained = record.profile().weights == WeightScope::AnyMessage
        && record.message_objects().any(|m| m.is_trained());
    if assistants.peek().is_some() && assistants.all(|m| !m.is_trained()) && !others_trained {
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
    use crate::lint::testing::{WEIGHTS_ANYWHERE, assert_rule, assert_rule_under};

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

    #[test]
    fn other_messages_train_where_any_message_takes_a_weight() {
        assert_rule_under(
            WEIGHTS_ANYWHERE,
            &RULE,
            &[
                r#"{"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y", "weight": 0}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x", "weight": 0}, {"role": "assistant", "content": "y", "weight": 0}]}"#,
            ],
        );
    }
}
