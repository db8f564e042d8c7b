//! Reads a JSONL stream as newline-aligned chunks, so memory stays flat whatever the file size.

use std::io::{self, Read};

/// Target size of one chunk; a chunk grows past it only to finish a longer line.
pub const CHUNK_SIZE: usize = 1 << 20;

/// Block size for skipping over a line that is left in the stream.
const SKIP_BLOCK: usize = 1 << 20;

/// A run of whole lines from the stream.
#[derive(Debug)]
pub struct Chunk {
    /// 1-based number of the chunk's first line.
    pub first_line: u64,
    /// Byte offset of the chunk's first byte in the stream.
    pub offset: u64,
    /// The bytes, ending with `\n` except for the last chunk of a stream without a final newline.
    pub data: Vec<u8>,
    /// Set when the chunk stands for one line longer than the reader holds (see
    /// [`ChunkReader::leaving_lines_over`]): `data` is empty, and the line, this many bytes
    /// without its `\n`, is to be read again from where it is in the file.
    pub left_in_stream: Option<u64>,
}

impl Chunk {
    /// The chunk's lines without their `\n`, each with its 1-based number and stream offset.
    pub fn lines(&self) -> impl Iterator<Item = Line<'_>> {
        let mut start = 0;
        let mut number = self.first_line;
        std::iter::from_fn(move || {
            if start >= self.data.len() {
                return None;
            }
            let end =
                memchr::memchr(b'\n', &self.data[start..]).map_or(self.data.len(), |at| start + at);
            let line = Line {
                number,
                offset: self.offset + start as u64,
                bytes: &self.data[start..end],
            };
            start = end + 1;
            number += 1;
            Some(line)
        })
    }
}

/// One line of the stream.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// Byte offset of the line's first byte in the stream.
    pub offset: u64,
    /// The line's bytes without the `\n` (a `\r` before it is kept).
    pub bytes: &'a [u8],
}

/// Splits a byte stream into [`Chunk`]s of whole lines.
#[derive(Debug)]
pub struct ChunkReader<R> {
    inner: R,
    chunk_size: usize,
    carry: Vec<u8>,
    next_line: u64,
    offset: u64,
    done: bool,
    /// Lines longer than this are left in the stream rather than held.
    longest_held: Option<usize>,
}

impl<R: Read> ChunkReader<R> {
    /// Reads `inner` in chunks of about [`CHUNK_SIZE`] bytes.
    pub fn new(inner: R) -> Self {
        Self::with_chunk_size(inner, CHUNK_SIZE)
    }

    /// Reads `inner` in chunks of about `chunk_size` bytes.
    pub fn with_chunk_size(inner: R, chunk_size: usize) -> Self {
        Self {
            inner,
            chunk_size: chunk_size.max(1),
            carry: Vec::new(),
            next_line: 1,
            offset: 0,
            done: false,
            longest_held: None,
        }
    }

    /// Leaves in the stream, rather than reading into memory, every line longer than `limit`
    /// bytes: such a line comes as a chunk of its own with no bytes and
    /// [`Chunk::left_in_stream`] set, for a reader that can read it again from the file
    /// bit by bit. A line of hundreds of megabytes then never needs to be held whole.
    #[must_use]
    pub fn leaving_lines_over(mut self, limit: usize) -> Self {
        self.longest_held = Some(limit);
        self
    }

    /// The next chunk, or `None` at the end of the stream.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        let mut data = std::mem::take(&mut self.carry);
        let mut searched = 0;
        let mut cut = None;
        loop {
            if let Some(at) = memchr::memrchr(b'\n', &data[searched..]) {
                cut = Some(searched + at + 1);
            }
            searched = data.len();
            if let Some(cut) = cut.filter(|_| data.len() >= self.chunk_size) {
                self.carry = data.split_off(cut);
                return Ok(Some(self.emit(data)));
            }
            let unfinished = data.len() - cut.unwrap_or(0);
            if self.longest_held.is_some_and(|limit| unfinished > limit) {
                if let Some(cut) = cut {
                    // The lines before the long one go first, as a chunk of their own.
                    self.carry = data.split_off(cut);
                    return Ok(Some(self.emit(data)));
                }
                return self.skip_line(data.len()).map(Some);
            }
            let mut wanted = self.chunk_size.max(data.len() / 2);
            if let Some(limit) = self.longest_held {
                // Never more than one byte past the limit of an unfinished line.
                wanted = wanted.min(limit + 1 - unfinished);
            }
            let read = (&mut self.inner)
                .take(wanted as u64)
                .read_to_end(&mut data)?;
            if read == 0 {
                self.done = true;
                if data.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.emit(data)));
            }
        }
    }

    /// Reads past the rest of the line of which `held` bytes were read (and dropped), keeping
    /// only what follows its `\n`.
    fn skip_line(&mut self, held: usize) -> io::Result<Chunk> {
        let mut length = held as u64;
        let mut block = vec![
            0;
            SKIP_BLOCK
                .min(self.longest_held.unwrap_or(SKIP_BLOCK))
                .max(1)
        ];
        let ended = loop {
            let read = match self.inner.read(&mut block) {
                Ok(read) => read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if read == 0 {
                self.done = true;
                break false;
            }
            if let Some(at) = memchr::memchr(b'\n', &block[..read]) {
                length += at as u64;
                self.carry = block[at + 1..read].to_vec();
                break true;
            }
            length += read as u64;
        };
        let chunk = Chunk {
            first_line: self.next_line,
            offset: self.offset,
            data: Vec::new(),
            left_in_stream: Some(length),
        };
        self.next_line += 1;
        self.offset += length + u64::from(ended);
        Ok(chunk)
    }

    fn emit(&mut self, data: Vec<u8>) -> Chunk {
        let lines =
            memchr::memchr_iter(b'\n', &data).count() as u64 + u64::from(!data.ends_with(b"\n"));
        let chunk = Chunk {
            first_line: self.next_line,
            offset: self.offset,
            data,
            left_in_stream: None,
        };
        self.next_line += lines;
        self.offset += chunk.data.len() as u64;
        chunk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(input: &[u8], chunk_size: usize) -> Vec<(u64, u64, Vec<u8>)> {
        let mut reader = ChunkReader::with_chunk_size(input, chunk_size);
        let mut out = Vec::new();
        while let Some(chunk) = reader.next_chunk().unwrap() {
            assert!(chunk.data.ends_with(b"\n") || !input.ends_with(b"\n"));
            for line in chunk.lines() {
                out.push((line.number, line.offset, line.bytes.to_vec()));
            }
        }
        out
    }

    #[test]
    fn lines_numbers_and_offsets_match_for_every_chunk_size() {
        let input = b"a\nbb\n\nccc\r\nlong line here\nz";
        let expected = all_lines(input, 1 << 20);
        assert_eq!(expected.len(), 6);
        assert_eq!(expected[3], (4, 6, b"ccc\r".to_vec()));
        assert_eq!(expected[5], (6, 26, b"z".to_vec()));
        for size in 1..input.len() + 2 {
            assert_eq!(all_lines(input, size), expected, "chunk size {size}");
        }
    }

    #[test]
    fn final_newline_makes_no_extra_line() {
        assert_eq!(all_lines(b"a\nb\n", 3).len(), 2);
        assert!(all_lines(b"", 3).is_empty());
        assert_eq!(all_lines(b"\n", 3), vec![(1, 0, Vec::new())]);
    }

    #[test]
    fn a_line_longer_than_the_chunk_stays_whole() {
        let mut input = vec![b'x'; 10_000];
        input.push(b'\n');
        input.extend_from_slice(b"y\n");
        let lines = all_lines(&input, 64);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].2.len(), 10_000);
        assert_eq!(lines[1], (2, 10_001, b"y".to_vec()));
    }

    #[test]
    fn lines_over_the_limit_are_left_in_the_stream_with_their_place() {
        let long = "x".repeat(5_000);
        for ending in ["\n", ""] {
            let input = format!("a\nbb\n{long}\r\nccc\n{long}{ending}");
            for chunk_size in [1, 3, 64, 1 << 20] {
                let mut reader = ChunkReader::with_chunk_size(input.as_bytes(), chunk_size)
                    .leaving_lines_over(1_000);
                let mut seen = Vec::new();
                while let Some(chunk) = reader.next_chunk().unwrap() {
                    if let Some(length) = chunk.left_in_stream {
                        assert!(chunk.data.is_empty());
                        seen.push((chunk.first_line, chunk.offset, format!("<{length}>")));
                    }
                    for line in chunk.lines() {
                        let text = String::from_utf8(line.bytes.to_vec()).unwrap();
                        seen.push((line.number, line.offset, text));
                    }
                }
                let expected = vec![
                    (1, 0, "a".to_owned()),
                    (2, 2, "bb".to_owned()),
                    (3, 5, "<5001>".to_owned()),
                    (4, 5_007, "ccc".to_owned()),
                    (5, 5_011, "<5000>".to_owned()),
                ];
                assert_eq!(seen, expected, "chunk size {chunk_size}, ending {ending:?}");
            }
        }
    }
}
