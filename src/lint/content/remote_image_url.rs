use super::{parse_data_url, user_image_urls};
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, ImageSources, Record, Rule, quote};

pub static RULE: Rule = Rule {
    code: "FT310",
    name: "remote-image-url",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an image is an http(s) URL where the platform takes only base64 data URLs",
    help: "download the image and embed it as a data:image/jpeg;base64,… (or png, webp) URL",
    docs: r#"## What it checks
Every image `url` is a `data:` URL, where the platform does not download images:

| provider | image URLs taken |
|---|---|
| Together AI | only `data:image/jpeg;base64,…`, `data:image/png;base64,…` and `data:image/webp;base64,…` (`together` SDK, `lib/utils/files.py`, `_check_message_content`) |
| OpenAI, Azure OpenAI | http(s) URLs too ([vision fine-tuning](https://platform.openai.com/docs/guides/vision-fine-tuning)) |

URLs that are neither are FT304's finding.

## Why it matters
The platform rejects the file at its check; the images are never fetched. Datasets written for
OpenAI's vision fine-tuning usually link their images.

## Example
Checked for Together AI:
```json
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}, {"role": "assistant", "content": "A cat"}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    if record.profile().image_sources != ImageSources::DataOnly {
        return;
    }
    for image in user_image_urls(*record) {
        let lower = image.url.get(..8).unwrap_or(image.url).to_ascii_lowercase();
        let remote = lower.starts_with("https://") || lower.starts_with("http://");
        if remote && parse_data_url(image.url).is_none() {
            out.at(
                &RULE,
                image.pointer,
                format!(
                    "image URL {} is not a data URL, and the platform does not download images",
                    quote(image.url)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{assert_rule_on_image_urls, assert_rule_under, image_line};
    use crate::lint::{ImageSources, RuleProfile};

    #[test]
    fn remote_images_pass_the_baseline() {
        assert_rule_on_image_urls(&RULE, &["https://example.com/a.png"], &[]);
    }

    #[test]
    fn only_data_urls_where_the_platform_downloads_nothing() {
        let data_only = RuleProfile {
            image_sources: ImageSources::DataOnly,
            ..RuleProfile::BASELINE
        };
        let (pass, fail) = (
            image_line("data:image/png;base64,iVBORw0KGgo="),
            [
                image_line("https://example.com/a.png"),
                image_line("HTTP://example.com/a"),
            ],
        );
        assert_rule_under(data_only, &RULE, &[&pass], &[&fail[0], &fail[1]]);
    }
}
