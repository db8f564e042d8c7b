//! A parsed line seen as an Amazon Bedrock (Nova) conversation: its messages and content
//! blocks, with their JSON pointers, for the rules of that format (FT170–FT176, FT270, FT271,
//! FT370, FT371).
//!
//! A line is `{"schemaVersion": "…", "system": [{"text": …}], "messages": [{"role":
//! "user"|"assistant", "content": [ContentBlock]}]}`, where a content block holds one of
//! `text`, `image`, `video` (and `reasoningContent` in an assistant turn), in the shapes of the
//! Converse API (`Message`, `ContentBlock`, `ImageBlock`, `VideoBlock`, `S3Location` in
//! bedrock-runtime's service model)
//! (https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html).

use serde_json::{Map, Value};

use super::Record;

/// The roles of a message.
pub const ROLES: &[&str] = &["user", "assistant"];

/// The top-level keys of a line.
pub const LINE_KEYS: &[&str] = &["schemaVersion", "system", "messages"];

/// The keys of a message.
pub const MESSAGE_KEYS: &[&str] = &["role", "content"];

/// The keys of a content block that carry its data; a block has exactly one of them.
pub const BLOCK_KEYS: &[&str] = &["text", "image", "video", "reasoningContent"];

/// The keys of a block that hold media.
pub const MEDIA_KEYS: &[&str] = &["image", "video"];

/// Blocks of the Converse API that Nova fine-tuning does not take: tool use is "not currently
/// supported" (https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html).
pub const UNSUPPORTED_BLOCK_KEYS: &[&str] = &[
    "toolUse",
    "toolResult",
    "document",
    "audio",
    "guardContent",
    "cachePoint",
    "citationsContent",
    "searchResult",
];

/// The image formats of the Converse API's `ImageFormat`.
pub const IMAGE_FORMATS: &[&str] = &["png", "jpeg", "gif", "webp"];

/// The video formats of the Converse API's `VideoFormat`.
pub const VIDEO_FORMATS: &[&str] = &[
    "mkv", "mov", "mp4", "webm", "flv", "mpeg", "mpg", "wmv", "three_gp",
];

/// The keys of an image or video block, of its `source` and of its `s3Location`.
pub const MEDIA_BLOCK_KEYS: &[&str] = &["format", "source"];
/// The keys of a media block's `source` that finetune checks (`s3Location`; inline `bytes`
/// have no place in a JSONL training file).
pub const SOURCE_KEYS: &[&str] = &["s3Location"];
/// The keys of an `S3Location`.
pub const S3_LOCATION_KEYS: &[&str] = &["uri", "bucketOwner"];

/// The scheme of a media URI.
pub const S3_SCHEME: &str = "s3://";

/// Terms Nova reserves: a user or system prompt that holds one fails the training job.
pub const RESERVED_KEYWORDS: &[&str] = &[
    "User:",
    "Bot:",
    "Assistant:",
    "System:",
    "<image>",
    "<video>",
    "[EOS]",
];

/// One message of `messages` that is a JSON object.
#[derive(Clone, Debug)]
pub struct Turn<'a> {
    /// Its index in `messages`.
    pub index: usize,
    /// Its JSON pointer.
    pub pointer: String,
    /// The message.
    pub object: &'a Map<String, Value>,
}

impl<'a> Turn<'a> {
    /// Its `role`, when a string.
    pub fn role(&self) -> Option<&'a str> {
        self.object.get("role").and_then(Value::as_str)
    }

    /// Its content blocks that are objects, with their pointers.
    pub fn blocks(&self) -> impl Iterator<Item = (String, &'a Map<String, Value>)> + '_ {
        blocks_of(
            self.object.get("content"),
            format!("{}/content", self.pointer),
        )
    }
}

/// The objects of a list of blocks, with their pointers below `base`.
pub fn blocks_of(
    list: Option<&Value>,
    base: String,
) -> impl Iterator<Item = (String, &Map<String, Value>)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(move |(index, block)| {
            block
                .as_object()
                .map(|block| (format!("{base}/{index}"), block))
        })
}

/// The messages of the line that are objects.
pub fn turns<'a>(record: &Record<'a>) -> Vec<Turn<'a>> {
    record
        .line()
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, message)| {
            Some(Turn {
                index,
                pointer: format!("/messages/{index}"),
                object: message.as_object()?,
            })
        })
        .collect()
}

/// The `system` blocks that are objects, with their pointers.
pub fn system_blocks<'a>(
    record: &Record<'a>,
) -> impl Iterator<Item = (String, &'a Map<String, Value>)> + 'a {
    blocks_of(record.line().get("system"), "/system".to_owned())
}

/// Every text a prompt is made of (the `system` blocks' and the user turns'), with its
/// pointer.
pub fn prompt_texts<'a>(record: &Record<'a>) -> Vec<(String, &'a str)> {
    let mut texts: Vec<(String, &'a str)> = system_blocks(record)
        .filter_map(|(pointer, block)| {
            Some((format!("{pointer}/text"), block.get("text")?.as_str()?))
        })
        .collect();
    for turn in turns(record) {
        if turn.role() != Some("user") {
            continue;
        }
        for (pointer, block) in turn.blocks() {
            if let Some(text) = block.get("text").and_then(Value::as_str) {
                texts.push((format!("{pointer}/text"), text));
            }
        }
    }
    texts
}

/// The media kinds (`image`, `video`) a line holds, each with the pointer of its first block.
pub fn media(record: &Record<'_>) -> Vec<(&'static str, String)> {
    let mut found: Vec<(&'static str, String)> = Vec::new();
    for turn in turns(record) {
        for (pointer, block) in turn.blocks() {
            for key in MEDIA_KEYS {
                if block.contains_key(*key) && !found.iter().any(|(kind, _)| kind == key) {
                    found.push((key, format!("{pointer}/{key}")));
                }
            }
        }
    }
    found
}
