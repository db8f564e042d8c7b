use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{accepted_media_type, parse_data_url, user_image_urls};
use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Record, Rule};

pub static RULE: Rule = Rule {
    code: "FT307",
    name: "invalid-image-data",
    family: Family::Content,
    severity: Severity::Error,
    summary: "an embedded image does not decode, or its bytes are not the declared format",
    help: "re-encode the image: data:image/png;base64, followed by the standard base64 of the file's bytes",
    docs: r#"## What it checks
A `data:` image URL of an accepted type is base64, its payload decodes as standard base64, and
the decoded bytes start with the signature of the declared format (JPEG `FF D8 FF`, PNG
`89 50 4E 47`, WEBP `RIFF....WEBP`).

## Why it matters
The platform decodes every image and rejects the example when it cannot. URL-safe base64,
truncated payloads and a JPEG labelled `image/png` are the usual causes.

## Example
```json
{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,not base64!"}}]}]}
```
"#,
};

pub fn check(record: &Record<'_>, out: &mut Findings) {
    for image in user_image_urls(*record) {
        let Some(data) = parse_data_url(image.url) else {
            continue;
        };
        let Some(declared) = accepted_media_type(data.media_type) else {
            continue;
        };
        if !data.base64 {
            out.at(
                &RULE,
                image.pointer,
                "image data URL is not base64".to_owned(),
            );
            continue;
        }
        let bytes = match STANDARD.decode(data.payload.trim()) {
            Ok(bytes) => bytes,
            Err(error) => {
                out.at(
                    &RULE,
                    image.pointer,
                    format!("image data is not valid base64: {error}"),
                );
                continue;
            }
        };
        match sniff(&bytes) {
            Some(actual) if actual == declared => {}
            Some(actual) => out.at(
                &RULE,
                image.pointer,
                format!("image is declared {declared} but its bytes are {actual}"),
            ),
            None => out.at(
                &RULE,
                image.pointer,
                format!("image bytes are not {declared} (no {declared} signature)"),
            ),
        }
    }
}

/// The media type whose signature starts `bytes`.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule_on_image_urls;

    #[test]
    fn pass_and_fail() {
        // PNG signature; JPEG SOI marker; RIFF....WEBP; GIF89a.
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
        let jpeg = "data:image/jpeg;base64,/9j/4AAQSkZJRg==";
        let webp = "data:image/webp;base64,UklGRiQAAABXRUJQVlA4IA==";
        let pass = [png, jpeg, webp, "https://example.com/a.png"];
        let fail = [
            "data:image/png;base64,/9j/4AAQSkZJRg==",
            "data:image/png;base64,not base64!",
            "data:image/png,rawbytes",
            "data:image/jpeg;base64,R0lGODlhAQABAA==",
            "data:image/png;base64,AAAAAAAA",
        ];
        assert_rule_on_image_urls(&RULE, &pass, &fail);
    }
}
