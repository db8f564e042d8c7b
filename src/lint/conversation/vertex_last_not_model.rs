use crate::diagnostic::Severity;
use crate::lint::vertex::content_turns;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT252",
    name: "vertex-last-not-model",
    family: Family::Conversation,
    severity: Severity::Error,
    summary: "a Vertex AI supervised example does not end with a `model` turn",
    help: "end the conversation with the model's reply: the model turns are what is trained",
    docs: r#"## What it checks
Checked with `--provider vertex` on a supervised line: the last turn of `contents` has the role
`model`.

## Why it matters
Supervised tuning trains the model on its own turns; a conversation ending with the user
(often a reply lost in an export) teaches nothing past its last model turn, and one without any
model turn teaches nothing at all
(https://docs.cloud.google.com/gemini-enterprise-agent-platform/models/tuning/supervised-tuning/prepare-data).

## Example
```json
{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}, {"role": "user", "parts": [{"text": "Thanks"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let turns = content_turns(record);
    let Some(last) = turns.last() else {
        return;
    };
    // An unknown role is FT152's.
    if last.role() == Some("user") {
        out.at(
            &RULE,
            last.role_pointer(),
            "the conversation ends with a user turn, not a model turn".to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_vertex;

    #[test]
    fn pass_and_fail() {
        assert_rule_vertex(
            &RULE,
            &[
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}]}"#,
                // A preference prompt ends with the user.
                r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "completions": []}"#,
            ],
            &[r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}"#],
        );
    }
}
