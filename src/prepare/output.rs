//! Writing selected lines of an input to new files, atomically.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::PrepareError;
use crate::dataset::ChunkReader;

/// Writes, for each target, the input lines whose numbers it lists (sorted), each followed by
/// `\n`, without a byte order mark or `\r`. Each target is written to a temporary file in its
/// folder and renamed over the target only when complete; the input is only read.
pub fn write_selected(input: &Path, targets: &[(PathBuf, &[u64])]) -> Result<(), PrepareError> {
    let input_identity = std::fs::canonicalize(input).ok();
    let mut outputs = Vec::with_capacity(targets.len());
    for (path, lines) in targets {
        let write_error = |source| PrepareError::Write {
            path: path.clone(),
            source,
        };
        if input_identity.is_some() && std::fs::canonicalize(path).ok() == input_identity {
            return Err(write_error(std::io::Error::other(
                "it is the input file, which is never modified",
            )));
        }
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temporary = tempfile::NamedTempFile::new_in(folder).map_err(write_error)?;
        outputs.push((path, *lines, 0usize, BufWriter::new(temporary)));
    }
    let file = std::fs::File::open(input).map_err(|source| PrepareError::Read {
        path: input.to_owned(),
        source,
    })?;
    let mut reader = ChunkReader::new(file);
    while let Some(chunk) = reader.next_chunk().map_err(|source| PrepareError::Read {
        path: input.to_owned(),
        source,
    })? {
        for line in chunk.lines() {
            let mut bytes = line.bytes.strip_suffix(b"\r").unwrap_or(line.bytes);
            if line.number == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            for (path, lines, next, writer) in &mut outputs {
                if lines.get(*next) == Some(&line.number) {
                    *next += 1;
                    writer
                        .write_all(bytes)
                        .and_then(|()| writer.write_all(b"\n"))
                        .map_err(|source| PrepareError::Write {
                            path: (*path).clone(),
                            source,
                        })?;
                }
            }
        }
    }
    for (path, _, _, writer) in outputs {
        let temporary = writer.into_inner().map_err(|error| PrepareError::Write {
            path: path.clone(),
            source: error.into_error(),
        })?;
        temporary
            .persist(path)
            .map_err(|error| PrepareError::Write {
                path: path.clone(),
                source: error.error,
            })?;
    }
    Ok(())
}
