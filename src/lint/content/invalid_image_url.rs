use super::{parse_data_url, user_image_urls};
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT304",
    name: "invalid-image-url",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an image URL is neither an http(s) URL nor a data URL",
    help: "use an https:// URL the platform can download, or embed the image as a data:image/png;base64 URL",
    docs: r#"## What it checks
Every image `url` starts with `http://` or `https://` followed by a host, or is a `data:` URL
with a comma before its payload.

## Why it matters
The platform downloads or decodes every image before training and rejects the example when it
cannot. Local file paths (`/home/me/cat.png`, `file://`) and bare base64 without the `data:`
prefix are the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "images/cat.png"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for image in user_image_urls(*record) {
        let lower = image.url.get(..8).unwrap_or(image.url).to_ascii_lowercase();
        let remote = ["https://", "http://"]
            .iter()
            .find(|scheme| lower.starts_with(**scheme))
            .map(|scheme| &image.url[scheme.len()..]);
        let valid = match remote {
            Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
            None => parse_data_url(image.url).is_some(),
        };
        if !valid {
            out.at(
                &RULE,
                image.pointer,
                format!(
                    "image URL {} is not an http(s) or data URL",
                    quote(image.url)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_on_image_urls;

    #[test]
    fn pass_and_fail() {
        let pass = [
            "https://example.com/a.png",
            "HTTP://example.com/a",
            "data:image/png;base64,iVBORw0KGgo=",
        ];
        let fail = [
            "images/cat.png",
            "file:///tmp/a.png",
            "https://",
            "iVBORw0KGgo=",
            "data:image/png;base64",
        ];
        assert_rule_on_image_urls(&RULE, &pass, &fail);
    }
}
