//! FT0xx: bytes and JSON syntax, checked on the raw line before anything else.

pub mod blank_line;
pub mod byte_order_mark;
pub mod invalid_json;
pub mod invalid_utf8;
pub mod not_an_object;
pub mod unreadable_input;
