//! Finds where the value a JSON pointer names sits in the raw text of one line.
//!
//! Only lines that have a diagnostic are scanned, so the fast path never pays for it.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// The byte range `(start, length)` of the value at `pointer` (RFC 6901) within `line`, or
/// `None` when the line does not parse or the pointer names nothing. The empty pointer names
/// the whole value, without surrounding white space.
pub fn locate(line: &str, pointer: &str) -> Option<(usize, usize)> {
    let mut current: &RawValue = serde_json::from_str(line).ok()?;
    if !pointer.is_empty() {
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            current = child(current, &token)?;
        }
    }
    let text = current.get();
    // The raw value borrows from `line`, so its address tells its offset.
    let start = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    Some((start, text.len()))
}

fn child<'a>(parent: &'a RawValue, token: &str) -> Option<&'a RawValue> {
    let text = parent.get();
    if text.starts_with('{') {
        // Duplicate keys: the last one wins, as when the line is parsed into values.
        let mut members: BTreeMap<String, &RawValue> = serde_json::from_str(text).ok()?;
        members.remove(token)
    } else if text.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
        items.get(token.parse::<usize>().ok()?).copied()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::locate;

    fn located<'a>(line: &'a str, pointer: &str) -> Option<&'a str> {
        locate(line, pointer).map(|(start, len)| &line[start..start + len])
    }

    #[test]
    fn finds_nested_values() {
        let line = r#" {"messages": [{"role": "bot", "content": "hi"}, {"role":"user"}], "a/b": {"~": 1}}"#;
        assert_eq!(located(line, "/messages/0/role"), Some(r#""bot""#));
        assert_eq!(located(line, "/messages/1"), Some(r#"{"role":"user"}"#));
        assert_eq!(located(line, "/a~1b/~0"), Some("1"));
        assert_eq!(located(line, ""), Some(line.trim()));
    }

    #[test]
    fn missing_targets_and_bad_lines_give_none() {
        let line = r#"{"messages": [1, 2]}"#;
        assert_eq!(located(line, "/messages/5"), None);
        assert_eq!(located(line, "/nope"), None);
        assert_eq!(located(line, "/messages/x"), None);
        assert_eq!(located("{", ""), None);
    }

    #[test]
    fn offsets_count_bytes_of_multibyte_text() {
        let line = r#"{"é": "日本", "k": true}"#;
        assert_eq!(locate(line, "/k"), Some((line.find("true").unwrap(), 4)));
    }

    #[test]
    fn duplicate_keys_resolve_to_the_last() {
        let line = r#"{"k": 1, "k": 22}"#;
        assert_eq!(located(line, "/k"), Some("22"));
    }
}
