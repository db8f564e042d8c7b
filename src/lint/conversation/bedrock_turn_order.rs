use crate::diagnostic::Severity;
use crate::lint::bedrock::{ROLES, turns};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT270",
    name: "bedrock-turn-order",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "an Amazon Bedrock conversation does not start with `user`, end with `assistant` and alternate",
    help: "start with a user message, alternate user and assistant, and end with the assistant's reply",
    docs: r#"## What it checks
Checked with `--provider bedrock`: the first message is `user`, the last is `assistant`, and
the roles alternate. "The first turn in messages should always start with "role": "user". The
last turn is the bot's response, denoted by "role": "assistant""
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html);
the Nova 2 page's examples alternate the turns
(https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html), and the
Converse API rejects two consecutive messages of one role. Messages whose role is not `user`
or `assistant` are FT171's and are not looked at here.

## Why it matters
Bedrock validates the records when the job starts and fails the whole job on one that breaks
the order.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "assistant", "content": [{"text": "Hello"}]}, {"role": "assistant", "content": [{"text": "How can I help?"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let turns: Vec<_> = turns(record)
        .into_iter()
        .filter(|turn| turn.role().is_some_and(|role| ROLES.contains(&role)))
        .collect();
    let (Some(first), Some(last)) = (turns.first(), turns.last()) else {
        return;
    };
    if first.role() != Some("user") {
        out.at(
            &RULE,
            format!("{}/role", first.pointer),
            format!(
                "the conversation starts with message {} of role \"assistant\", not \"user\"",
                first.index
            ),
        );
    }
    for pair in turns.windows(2) {
        if pair[0].role() == pair[1].role() {
            out.at(
                &RULE,
                format!("{}/role", pair[1].pointer),
                format!(
                    "messages {} and {} are both {:?}: the roles alternate",
                    pair[0].index,
                    pair[1].index,
                    pair[1].role().unwrap_or_default()
                ),
            );
        }
    }
    if last.role() != Some("assistant") {
        out.at(
            &RULE,
            format!("{}/role", last.pointer),
            format!(
                "the conversation ends with message {} of role \"user\", not \"assistant\"",
                last.index
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    fn line(roles: &[&str]) -> String {
        let messages: Vec<String> = roles
            .iter()
            .map(|role| format!(r#"{{"role": "{role}", "content": [{{"text": "x"}}]}}"#))
            .collect();
        format!(
            r#"{{"schemaVersion": "x", "messages": [{}]}}"#,
            messages.join(", ")
        )
    }

    #[test]
    fn pass_and_fail() {
        let pass = [
            line(&["user", "assistant"]),
            line(&["user", "assistant", "user", "assistant"]),
        ];
        let fail = [
            line(&["assistant", "user", "assistant"]),
            line(&["user", "assistant", "user"]),
            line(&["user", "user", "assistant"]),
            line(&["user"]),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule_bedrock(&RULE, &pass, &fail);
    }
}
