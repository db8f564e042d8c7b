use super::{accepted_media_type, parse_data_url, user_image_urls};
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule, quote};

/// File extensions of image formats the platform does not accept.
const UNSUPPORTED_EXTENSIONS: &[&str] = &[
    "gif", "bmp", "svg", "tif", "tiff", "heic", "heif", "avif", "ico",
];

pub static RULE: Rule = Rule {
    code: "FT305",
    name: "unsupported-image-format",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an image is not JPEG, PNG or WEBP",
    help: "convert the image to JPEG, PNG or WEBP",
    docs: r#"## What it checks
A data URL declares `image/jpeg`, `image/png` or `image/webp`, and an http(s) URL does not end in
the extension of another image format (`.gif`, `.bmp`, `.svg`, `.tiff`, `.heic`, `.avif`, …).

## Why it matters
The platform accepts only JPEG, PNG and WEBP images for fine-tuning and rejects the example.

## Example
```json
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.gif"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for image in user_image_urls(*record) {
        if let Some(data) = parse_data_url(image.url) {
            if accepted_media_type(data.media_type).is_none() {
                out.at(
                    &RULE,
                    image.pointer,
                    format!(
                        "image type {} is not JPEG, PNG or WEBP",
                        quote(data.media_type)
                    ),
                );
            }
            continue;
        }
        let path = image.url.split(['?', '#']).next().unwrap_or_default();
        let file = path.rsplit('/').next().unwrap_or_default();
        if let Some((_, extension)) = file.rsplit_once('.') {
            let extension = extension.to_ascii_lowercase();
            if UNSUPPORTED_EXTENSIONS.contains(&extension.as_str()) {
                out.at(
                    &RULE,
                    image.pointer,
                    format!(
                        "image {} is a .{extension} file, not JPEG, PNG or WEBP",
                        quote(file)
                    ),
                );
            }
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
            "https://example.com/a.png?x=y.gif",
            "https://example.com/a",
            "https://example.com/a.JPG",
            "data:image/jpg;base64,/9j/",
            "data:image/webp;base64,UklGRg==",
        ];
        let fail = [
            "https://example.com/a.gif",
            "https://example.com/a.SVG?v=1",
            "data:image/gif;base64,R0lGODlh",
            "data:text/plain;base64,aGk=",
        ];
        assert_rule_on_image_urls(&RULE, &pass, &fail);
    }
}
