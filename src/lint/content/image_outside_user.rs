use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, with_article};

pub static RULE: Rule = Rule {
    code: "FT303",
    name: "image-outside-user",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an image part is in a message other than a user message",
    help: "move the image into a user message; only user messages may hold images",
    docs: r#"## What it checks
`image_url` content parts appear only in user messages.

## Why it matters
Vision fine-tuning conditions on images the user shows; the platform rejects images in system,
assistant or tool messages.

## Example
```json
{"messages": [{"role": "user", "content": "Draw a cat"}, {"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for message in record.message_objects() {
        let Some(role) = message
            .role
            .filter(|r| *r != "user" && record.allows_role(r))
        else {
            continue;
        };
        for (index, _) in message.image_parts() {
            out.at(
                &RULE,
                format!("{}/content/{index}", message.pointer()),
                format!("image in {} message", with_article(role)),
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
            &[
                r#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://a.b/c.png"}}]}]}"#,
            ],
            &[
                r#"{"messages": [{"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "https://a.b/c.png"}}]}]}"#,
                r#"{"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {"url": "https://a.b/c.png"}}]}]}"#,
            ],
        );
    }
}
