use crate::diagnostic::Severity;
use crate::lint::bedrock::{RESERVED_KEYWORDS, prompt_texts};
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT370",
    name: "bedrock-reserved-keyword",
    family: Family::Content,
    severity: Severity::Error,
    summary: "a user or system prompt of an Amazon Bedrock example holds a keyword Nova reserves",
    help: "replace the keyword with another word of the same meaning (\"Customer -\" for \"User:\", \"[end]\" for \"[EOS]\")",
    docs: r#"## What it checks
Checked with `--provider bedrock`: no text of a `user` message or of `system` holds one of
`User:`, `Bot:`, `Assistant:`, `System:`, `<image>`, `<video>` or `[EOS]`. "If a user prompt
or system prompt starts with any of these keywords or have these keywords anywhere in their
prompts, the training job will fail due to data issues"
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).
The match is exact, as the page lists the keywords: `user:` in lower case is not reported.

## Why it matters
One record with a reserved keyword fails the whole training job, after the data has been read.

## Example
```json
{"schemaVersion": "bedrock-conversation-2024", "messages": [{"role": "user", "content": [{"text": "User: what is 2 + 2?"}]}, {"role": "assistant", "content": [{"text": "4"}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for (pointer, text) in prompt_texts(record) {
        if let Some(keyword) = RESERVED_KEYWORDS
            .iter()
            .find(|keyword| text.contains(**keyword))
        {
            out.at(
                &RULE,
                pointer,
                format!("the prompt holds {keyword:?}, a keyword Nova reserves"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_bedrock;

    fn line(system: &str, user: &str, assistant: &str) -> String {
        format!(
            r#"{{"schemaVersion": "x", "system": [{{"text": "{system}"}}], "messages": [{{"role": "user", "content": [{{"text": "{user}"}}]}}, {{"role": "assistant", "content": [{{"text": "{assistant}"}}]}}]}}"#
        )
    }

    #[test]
    fn pass_and_fail() {
        let pass = [
            line("Be brief.", "What is 2 + 2?", "4"),
            // The reply is not a prompt.
            line("Be brief.", "Say it", "Assistant: 4"),
            line("Be brief.", "user: lower case", "4"),
        ];
        let fail = [
            line("System: be brief.", "What is 2 + 2?", "4"),
            line("Be brief.", "User: what is 2 + 2?", "4"),
            line("Be brief.", "Look at <image> here", "4"),
            line("Be brief.", "Stop at [EOS]", "4"),
        ];
        let pass: Vec<&str> = pass.iter().map(String::as_str).collect();
        let fail: Vec<&str> = fail.iter().map(String::as_str).collect();
        assert_rule_bedrock(&RULE, &pass, &fail);
    }
}
