use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

/// Most images one example may hold.
pub const MAX_IMAGES: usize = 10;

pub static RULE: Rule = Rule {
    code: "FT306",
    name: "too-many-images",
    family: Family::Content,
    severity: Severity::Error,
    summary: "the example holds more than 10 images",
    help: "split the conversation into several examples of at most 10 images each",
    docs: r"## What it checks
An example holds at most 10 image parts across all its messages. The 11th image is reported.

## Why it matters
The platform rejects examples with more than 10 images.

## Example
A user message whose `content` holds 11 `image_url` parts.
",
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    let mut images = record.message_objects().flat_map(|message| {
        message
            .image_parts()
            .map(move |(index, _)| (message, index))
    });
    let Some((message, index)) = images.nth(MAX_IMAGES) else {
        return;
    };
    let total = MAX_IMAGES + 1 + images.count();
    out.at(
        &RULE,
        format!("{}/content/{index}", message.pointer()),
        format!("example holds {total} images; at most {MAX_IMAGES} are allowed"),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule, messages};

    fn line(images: usize) -> String {
        let part = r#"{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}"#;
        let parts = vec![part; images].join(", ");
        format!(
            r#"{{"messages": [{{"role": "user", "content": [{parts}]}}, {{"role": "assistant", "content": "x"}}]}}"#
        )
    }

    #[test]
    fn pass_and_fail() {
        assert_rule(&RULE, &[&line(10), &line(1)], &[&line(11), &line(30)]);
        assert_eq!(
            messages(&RULE, &line(12)),
            ["example holds 12 images; at most 10 are allowed"]
        );
    }
}
