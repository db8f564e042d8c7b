//! Writing selected lines of an input to new files, atomically.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::PrepareError;
use crate::dataset::ChunkReader;

/// An output being written: a temporary file in the target's folder, renamed over the target
/// by [`AtomicFile::commit`], so a failed run never leaves half a file.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path`; refuses when `path` is `input`, which is never modified.
    pub fn create(input: &Path, path: &Path) -> Result<Self, PrepareError> {
        let write_error = |source| PrepareError::Write {
            path: path.to_owned(),
            source,
        };
        if path.exists() && std::fs::canonicalize(input).ok() == std::fs::canonicalize(path).ok() {
            return Err(write_error(std::io::Error::other(
                "it is the input file, which is never modified",
            )));
        }
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temporary = tempfile::NamedTempFile::new_in(folder).map_err(write_error)?;
        Ok(Self {
            path: path.to_owned(),
            writer: BufWriter::new(temporary),
        })
    }

    /// Writes one line and its `\n`.
    pub fn write_line(&mut self, line: &[u8]) -> Result<(), PrepareError> {
        self.writer
            .write_all(line)
            .and_then(|()| self.writer.write_all(b"\n"))
            .map_err(|source| PrepareError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Renames the finished file over the target.
    pub fn commit(self) -> Result<(), PrepareError> {
        let path = self.path;
        let temporary = self
            .writer
            .into_inner()
            .map_err(|error| PrepareError::Write {
                path: path.clone(),
                source: error.into_error(),
            })?;
        temporary
            .persist(&path)
            .map_err(|error| PrepareError::Write {
                path: path.clone(),
                source: error.error,
            })?;
        Ok(())
    }
}

/// Writes, for each target, the input lines whose numbers it lists (sorted), each followed by
/// `\n`, without a byte order mark or `\r`. Each target is an [`AtomicFile`]; the input is only
/// read.
pub fn write_selected(input: &Path, targets: &[(PathBuf, &[u64])]) -> Result<(), PrepareError> {
    let mut outputs = Vec::with_capacity(targets.len());
    for (path, lines) in targets {
        outputs.push((AtomicFile::create(input, path)?, *lines, 0usize));
    }
    let read_error = |source| PrepareError::Read {
        path: input.to_owned(),
        source,
    };
    let file = std::fs::File::open(input).map_err(read_error)?;
    let mut reader = ChunkReader::new(file);
    while let Some(chunk) = reader.next_chunk().map_err(read_error)? {
        for line in chunk.lines() {
            let mut bytes = line.bytes.strip_suffix(b"\r").unwrap_or(line.bytes);
            if line.number == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            for (output, lines, next) in &mut outputs {
                if lines.get(*next) == Some(&line.number) {
                    *next += 1;
                    output.write_line(bytes)?;
                }
            }
        }
    }
    for (output, _, _) in outputs {
        output.commit()?;
    }
    Ok(())
}
