//! FT3xx: text and image content.

pub mod bedrock_reserved_keyword;
pub mod bedrock_too_many_videos;
pub mod empty_content;
pub mod example_too_long;
pub mod identical_preference_outputs;
pub mod image_outside_user;
pub mod invalid_image_data;
pub mod invalid_image_url;
pub mod remote_image_url;
pub mod special_token;
pub mod too_many_images;
pub mod unsupported_image_format;
pub mod vertex_preference_not_text;

use serde_json::Value;

use crate::lint::Record;

/// Media types the platform accepts for images.
pub(crate) const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp"];

/// An image part of a user message.
pub(crate) struct ImageUrl<'a> {
    /// Pointer to the `url` string.
    pub pointer: String,
    /// The URL.
    pub url: &'a str,
}

/// The URL of every image part of every user message.
pub(crate) fn user_image_urls(record: Record<'_>) -> Vec<ImageUrl<'_>> {
    record
        .message_objects()
        .filter(|m| m.is("user"))
        .flat_map(|message| {
            message.image_parts().filter_map(move |(index, part)| {
                let url = part.get("image_url")?.get("url").and_then(Value::as_str)?;
                Some(ImageUrl {
                    pointer: format!("{}/content/{index}/image_url/url", message.pointer()),
                    url,
                })
            })
        })
        .collect()
}

/// A parsed `data:` URL.
pub struct DataUrl<'a> {
    /// The media type, lower-cased as written (`image/png`).
    pub media_type: &'a str,
    /// Whether the payload is base64.
    pub base64: bool,
    /// The payload after the comma.
    pub payload: &'a str,
}

/// Splits a `data:` URL into its parts; `None` when it is not one or has no comma.
pub fn parse_data_url(url: &str) -> Option<DataUrl<'_>> {
    let rest = url
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &url[5..])?;
    let (header, payload) = rest.split_once(',')?;
    let mut params = header.split(';');
    let media_type = params.next().unwrap_or_default().trim();
    let base64 = params.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    Some(DataUrl {
        media_type,
        base64,
        payload,
    })
}

/// The normalised media type of an accepted image (`image/jpg` is read as `image/jpeg`).
pub(crate) fn accepted_media_type(media_type: &str) -> Option<&'static str> {
    let lower = media_type.to_ascii_lowercase();
    let lower = if lower == "image/jpg" {
        "image/jpeg".to_owned()
    } else {
        lower
    };
    IMAGE_TYPES.iter().copied().find(|t| *t == lower)
}
