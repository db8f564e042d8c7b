use memchr::memmem;

use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

/// Special tokens of the o200k and cl100k encodings and of the chat templates built on them.
pub const SPECIAL_TOKENS: &[&str] = &[
    "<|endoftext|>",
    "<|endofprompt|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|im_sep|>",
];

pub static RULE: Rule = Rule {
    code: "FT302",
    name: "special-token",
    family: Family::Content,
    severity: Severity::Error,
    summary: "text contains a reserved special token such as <|endoftext|>",
    help: "remove the token, or break it up (for example \"<| endoftext |>\") if the text must mention it",
    docs: r#"## What it checks
Message text and text parts do not contain the literal text of a reserved special token:
`<|endoftext|>`, `<|endofprompt|>`, `<|fim_prefix|>`, `<|fim_middle|>`, `<|fim_suffix|>`,
`<|im_start|>`, `<|im_end|>`, `<|im_sep|>`.

## Why it matters
These strings mark document and turn boundaries inside the model. The platform refuses text
containing them rather than guess whether they are text or control tokens; data scraped from
other models' transcripts or chat templates carries them.

## Example
```json
{"messages": [{"role": "user", "content": "Hi<|im_end|>"}, {"role": "assistant", "content": "Hello"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.known_role_messages() {
        for text in message.texts() {
            if memmem::find(text.text.as_bytes(), b"<|").is_none() {
                continue;
            }
            if let Some(token) = SPECIAL_TOKENS
                .iter()
                .find(|token| text.text.contains(**token))
            {
                out.at(
                    &RULE,
                    text.pointer(),
                    format!("text contains the special token {}", quote(token)),
                );
            }
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
            &[
                r#"{"messages": [{"role": "user", "content": "a <| b |> c"}]}"#,
                r#"{"messages": [{"role": "user", "content": "<|endoftext"}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "user", "content": "x<|endoftext|>"}]}"#,
                r#"{"messages": [{"role": "assistant", "content": "<|im_start|>assistant"}]}"#,
                r#"{"messages": [{"role": "system", "content": [{"type": "text", "text": "<|fim_suffix|>"}]}]}"#,
            ],
        );
    }
}
