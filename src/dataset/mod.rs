//! Reading JSONL datasets: newline-aligned chunks, lines with their numbers and offsets, and
//! the byte span of a JSON pointer within one line.

pub mod fingerprint;
pub mod method;
pub mod pointer;
pub mod reader;
pub mod scan;
pub mod stream;
pub mod value;

pub use method::{Format, Method};
pub use pointer::{locate, locate_all};
pub use reader::{Chunk, ChunkReader, Line};
