//! Tokens of an image part, by the published tile formula.
//!
//! `detail: "low"` costs a flat 85 tokens. Otherwise the image is scaled to fit 2048×2048, then
//! so that its shorter side is at most 768 pixels, and costs 85 + 170 per 512-pixel tile. The
//! size is known for embedded (`data:`) images; an image behind a URL is not downloaded, and is
//! counted as a 1024×1024 image (765 tokens), which the report flags as an estimate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::lint::content::parse_data_url;

/// Base cost of any image.
const BASE_TOKENS: u32 = 85;
/// Cost of one 512×512 tile.
const TILE_TOKENS: u32 = 170;
/// Tokens assumed for an image whose size is unknown: a 1024×1024 image at high detail.
pub const ESTIMATED_IMAGE_TOKENS: u32 = BASE_TOKENS + 4 * TILE_TOKENS;

/// The tokens of an image part and whether the figure is an estimate (size unknown).
pub fn image_tokens(url: &str, detail: Option<&str>) -> (u32, bool) {
    if detail == Some("low") {
        return (BASE_TOKENS, false);
    }
    let size = parse_data_url(url)
        .filter(|data| data.base64)
        .and_then(|data| STANDARD.decode(data.payload.trim()).ok())
        .and_then(|bytes| dimensions(&bytes));
    match size {
        Some((width, height)) => (tile_tokens(width, height), false),
        None => (ESTIMATED_IMAGE_TOKENS, true),
    }
}

/// 85 + 170 per 512-pixel tile after the platform's scaling.
fn tile_tokens(width: u32, height: u32) -> u32 {
    let (mut w, mut h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let longest = w.max(h);
    if longest > 2048.0 {
        w *= 2048.0 / longest;
        h *= 2048.0 / longest;
    }
    let shortest = w.min(h);
    if shortest > 768.0 {
        w *= 768.0 / shortest;
        h *= 768.0 / shortest;
    }
    // Both sides are positive, so the casts lose nothing.
    #[allow(clippy::cast_sign_loss)]
    let tiles = (w / 512.0).ceil() as u32 * (h / 512.0).ceil() as u32;
    BASE_TOKENS + TILE_TOKENS * tiles
}

/// Width and height from a PNG, JPEG or WEBP header.
fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let be16 = |at: usize| {
        Some(u32::from(u16::from_be_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let le = |at: usize, len: usize| {
        let mut value = 0u32;
        for (i, byte) in bytes.get(at..at + len)?.iter().enumerate() {
            value |= u32::from(*byte) << (8 * i);
        }
        Some(value)
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some((width, height));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut at = 2;
        while at + 4 <= bytes.len() {
            if bytes[at] != 0xFF {
                return None;
            }
            let marker = bytes[at + 1];
            let length = be16(at + 2)? as usize;
            let is_frame = (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker);
            if is_frame {
                return Some((be16(at + 7)?, be16(at + 5)?));
            }
            at += 2 + length;
        }
        return None;
    }
    if bytes.len() >= 30 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return match &bytes[12..16] {
            b"VP8 " => Some((le(26, 2)? & 0x3FFF, le(28, 2)? & 0x3FFF)),
            b"VP8L" => {
                let bits = le(21, 4)?;
                Some((1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)))
            }
            b"VP8X" => Some((1 + le(24, 3)?, 1 + le(27, 3)?)),
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_formula() {
        assert_eq!(tile_tokens(512, 512), 85 + 170);
        assert_eq!(tile_tokens(1024, 1024), 765);
        // 2048×4096 → 1024×2048 → 768×1536: 2×3 tiles.
        assert_eq!(tile_tokens(2048, 4096), 85 + 170 * 6);
        assert_eq!(tile_tokens(100, 100), 85 + 170);
    }

    #[test]
    fn sizes_from_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1500u32.to_be_bytes());
        png.extend_from_slice(&700u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some((1500, 700)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01,
            0x2C, 0x02, 0x58,
        ];
        assert_eq!(dimensions(&jpeg), Some((600, 300)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x1F, 0x03, 0x00, 0x0F, 0x02, 0x00]);
        assert_eq!(dimensions(&webp), Some((800, 528)));
        assert_eq!(dimensions(b"GIF89a"), None);
    }

    #[test]
    fn low_detail_and_unknown_sizes() {
        assert_eq!(
            image_tokens("https://example.com/a.png", Some("low")),
            (85, false)
        );
        assert_eq!(image_tokens("https://example.com/a.png", None), (765, true));
        let png = STANDARD.encode(
            [
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(),
                &512u32.to_be_bytes(),
                &512u32.to_be_bytes(),
            ]
            .concat(),
        );
        assert_eq!(
            image_tokens(&format!("data:image/png;base64,{png}"), Some("high")),
            (255, false)
        );
    }
}
