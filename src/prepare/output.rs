//! Writing the outputs of a command as one set: every output is complete and on disk before any
//! replaces its target, and a failure replaces none.
//!
//! Each output is written to a temporary file beside its target, named
//! `.NAME.finetune-tmp-XXXXXX` so that a later run can recognise what a killed run left. When
//! every output is written, the temporaries and their folders are flushed to disk (fsync), the
//! targets are replaced by renames, and the folders are flushed again.
//!
//! A reader never sees outputs of two runs side by side: before the renames, every existing
//! target but the first is removed, so while the renames run (or if the run is killed among
//! them) a reader sees the old first output alone, then the new one alone, then the new set.
//! For `split` and `prepare` the first output is the training file: a validation file is never
//! beside a training file of another run, which could share examples with it.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::PrepareError;
use crate::dataset::ChunkReader;

/// What follows `.NAME` in the name of an output's temporary file.
const TEMPORARY_MARK: &str = ".finetune-tmp-";

/// An environment variable naming an output (by file name) whose writing fails, so that tests
/// can see what a failed run leaves; only in debug builds.
#[cfg(debug_assertions)]
pub const FAIL_WRITING_VARIABLE: &str = "FINETUNE_TEST_FAIL_WRITING";

/// An environment variable naming an output (by file name) before whose rename the process
/// stops at once, as if killed; only in debug builds.
#[cfg(debug_assertions)]
pub const STOP_BEFORE_RENAMING_VARIABLE: &str = "FINETUNE_TEST_STOP_BEFORE_RENAMING";

/// The permissions a new output is created with, before the umask: those of any new file.
fn new_file_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o666)
}

/// How an output may treat its target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Write through a target that is a symbolic link, replacing the file it points to;
    /// otherwise such a target is refused.
    pub follow_symlinks: bool,
}

/// One output being written.
struct Output {
    /// The path the user named, for messages.
    shown: PathBuf,
    /// The file the temporary replaces: `shown`, or the file a symbolic link points to.
    target: PathBuf,
    /// The temporary file, removed on drop until it is renamed.
    temporary: tempfile::TempPath,
    writer: BufWriter<File>,
    /// Fails the first write, for tests.
    #[cfg(debug_assertions)]
    fail: bool,
}

/// The outputs of one command, written to temporary files and renamed into place together by
/// [`OutputSet::commit`]; dropped without a commit, it removes its temporaries and leaves
/// every target as it was.
pub struct OutputSet {
    outputs: Vec<Output>,
}

/// The folder of `path`: its parent, or `.` for a bare file name.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// What a file type is called in a refusal.
fn kind_of(file_type: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// The file `shown` lets an output replace, or why it may not.
fn resolve_target(
    input: Option<&Path>,
    shown: &Path,
    policy: TargetPolicy,
) -> Result<PathBuf, PrepareError> {
    let refuse = |reason: String| PrepareError::Target {
        path: shown.to_owned(),
        reason,
    };
    let mut target = shown.to_owned();
    match fs::symlink_metadata(shown) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(target),
        Err(source) => {
            return Err(PrepareError::Write {
                path: shown.to_owned(),
                source,
            });
        }
        Ok(metadata) if metadata.file_type().is_symlink() => {
            if !policy.follow_symlinks {
                let points_to = fs::read_link(shown)
                    .map(|p| format!(" to {}", p.display()))
                    .unwrap_or_default();
                return Err(refuse(format!(
                    "it is a symbolic link{points_to}; pass --follow-symlinks to replace the file it points to, or name another path"
                )));
            }
            target = if let Ok(path) = fs::canonicalize(shown) {
                path
            } else {
                // A dangling link: the file it names is created.
                let link = fs::read_link(shown).map_err(|source| PrepareError::Write {
                    path: shown.to_owned(),
                    source,
                })?;
                folder_of(shown).join(link)
            };
            if let Ok(metadata) = fs::metadata(&target)
                && !metadata.is_file()
            {
                return Err(refuse(format!(
                    "it links to {}, which is {}; outputs only replace regular files",
                    target.display(),
                    kind_of(metadata.file_type())
                )));
            }
        }
        Ok(metadata) if !metadata.is_file() => {
            return Err(refuse(format!(
                "it is {}; outputs only replace regular files, so name a file path",
                kind_of(metadata.file_type())
            )));
        }
        Ok(_) => {}
    }
    if let Some(input) = input
        && target.exists()
        && fs::canonicalize(input).ok() == fs::canonicalize(&target).ok()
    {
        return Err(refuse(
            "it is the input file, which is never modified; name another output".to_owned(),
        ));
    }
    Ok(target)
}

/// Removes the temporaries a killed run left for `target`: files named
/// `.NAME.finetune-tmp-*` beside it, last modified before `started`. Nothing else is touched,
/// and a leftover that cannot be removed is left.
fn remove_leftovers(target: &Path, started: SystemTime) {
    let Some(name) = target.file_name() else {
        return;
    };
    let prefix = format!(".{}{TEMPORARY_MARK}", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(folder_of(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let leftover = entry.file_name().to_string_lossy().starts_with(&prefix)
            && entry.file_type().is_ok_and(|t| t.is_file())
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < started);
        if leftover {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Flushes a folder's entries (new names, renames) to disk.
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

impl OutputSet {
    /// Starts writing `targets`, in order; refuses a target that is the input (which is never
    /// modified), that exists and is not a regular file, or that is a symbolic link unless
    /// `policy` follows links. Leftovers of a killed earlier run for these targets are removed
    /// first.
    pub fn create(
        input: &Path,
        targets: &[&Path],
        policy: TargetPolicy,
    ) -> Result<Self, PrepareError> {
        Self::open(Some(input), targets, policy)
    }

    /// Starts writing `targets` of a command that reads no local file (a download): the same
    /// refusals as [`OutputSet::create`] but the input's.
    pub fn create_without_input(
        targets: &[&Path],
        policy: TargetPolicy,
    ) -> Result<Self, PrepareError> {
        Self::open(None, targets, policy)
    }

    fn open(
        input: Option<&Path>,
        targets: &[&Path],
        policy: TargetPolicy,
    ) -> Result<Self, PrepareError> {
        let started = SystemTime::now();
        let resolved = targets
            .iter()
            .map(|shown| resolve_target(input, shown, policy))
            .collect::<Result<Vec<_>, _>>()?;
        let mut outputs = Vec::with_capacity(targets.len());
        for (shown, target) in targets.iter().zip(resolved) {
            remove_leftovers(&target, started);
            let name = target
                .file_name()
                .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
            let write_error = |source| PrepareError::Write {
                path: shown.to_path_buf(),
                source,
            };
            // A new file gets the permissions any new file gets (0666 less the umask), a
            // replaced one keeps its own; temporary files are otherwise created 0600.
            let temporary = tempfile::Builder::new()
                .prefix(&format!(".{name}{TEMPORARY_MARK}"))
                .permissions(new_file_permissions())
                .tempfile_in(folder_of(&target))
                .map_err(write_error)?;
            if let Ok(existing) = fs::metadata(&target) {
                fs::set_permissions(temporary.path(), existing.permissions())
                    .map_err(write_error)?;
            }
            let (file, temporary) = temporary.into_parts();
            outputs.push(Output {
                shown: shown.to_path_buf(),
                #[cfg(debug_assertions)]
                fail: std::env::var_os(FAIL_WRITING_VARIABLE).as_deref() == Some(name.as_ref()),
                target,
                temporary,
                writer: BufWriter::new(file),
            });
        }
        Ok(Self { outputs })
    }

    /// Writes `bytes` as they are to output `index` (in the order of the targets).
    pub fn write_all(&mut self, index: usize, bytes: &[u8]) -> Result<(), PrepareError> {
        let output = &mut self.outputs[index];
        output
            .writer
            .write_all(bytes)
            .map_err(|source| PrepareError::Write {
                path: output.shown.clone(),
                source,
            })
    }

    /// Writes one line and its `\n` to output `index` (in the order of the targets).
    pub fn write_line(&mut self, index: usize, line: &[u8]) -> Result<(), PrepareError> {
        let output = &mut self.outputs[index];
        #[cfg(debug_assertions)]
        if output.fail {
            return Err(PrepareError::Write {
                path: output.shown.clone(),
                source: io::Error::other("a failure the test asked for"),
            });
        }
        output
            .writer
            .write_all(line)
            .and_then(|()| output.writer.write_all(b"\n"))
            .map_err(|source| PrepareError::Write {
                path: output.shown.clone(),
                source,
            })
    }

    /// Writes `bytes` to `path` of a command that reads no local file: a temporary file flushed
    /// to disk, then renamed; never over a device, a folder or a symbolic link.
    ///
    /// # Errors
    ///
    /// When the target is refused, or writing or renaming fails.
    pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PrepareError> {
        let mut output = Self::create_without_input(&[path], TargetPolicy::default())?;
        output.write_all(0, bytes)?;
        output.commit()
    }

    /// Flushes every output to disk, then replaces the targets (see the module's docs for the
    /// order); on an error before the renames, no target has changed.
    pub fn commit(self) -> Result<(), PrepareError> {
        let mut ready = Vec::with_capacity(self.outputs.len());
        for output in self.outputs {
            let write_error = |source| PrepareError::Write {
                path: output.shown.clone(),
                source,
            };
            let file = output
                .writer
                .into_inner()
                .map_err(|error| write_error(error.into_error()))?;
            file.sync_all().map_err(write_error)?;
            ready.push((output.shown, output.target, output.temporary));
        }
        let mut folders: Vec<PathBuf> = ready
            .iter()
            .map(|(_, t, _)| folder_of(t).to_owned())
            .collect();
        folders.sort_unstable();
        folders.dedup();
        let folder_error = |folder: &Path, source| PrepareError::Write {
            path: folder.to_owned(),
            source,
        };
        for folder in &folders {
            sync_folder(folder).map_err(|e| folder_error(folder, e))?;
        }
        // No output of this run may stand beside an old one: the old ones go first.
        for (shown, target, _) in ready.iter().skip(1) {
            match fs::remove_file(target) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => {
                    return Err(PrepareError::Write {
                        path: shown.clone(),
                        source: error,
                    });
                }
                _ => {}
            }
        }
        for (shown, target, temporary) in &ready {
            #[cfg(debug_assertions)]
            if std::env::var_os(STOP_BEFORE_RENAMING_VARIABLE).as_deref() == target.file_name() {
                std::process::abort();
            }
            fs::rename(temporary, target).map_err(|source| PrepareError::Write {
                path: shown.clone(),
                source,
            })?;
        }
        for (_, _, temporary) in ready {
            // Renamed: nothing is left to remove.
            let _ = temporary.keep();
        }
        for folder in &folders {
            sync_folder(folder).map_err(|e| folder_error(folder, e))?;
        }
        Ok(())
    }
}

/// Writes, for each target, the input lines whose numbers it lists (sorted), each followed by
/// `\n`, without a byte order mark or `\r`, as one [`OutputSet`]; the input is only read.
pub fn write_selected(
    input: &Path,
    targets: &[(PathBuf, &[u64])],
    policy: TargetPolicy,
) -> Result<(), PrepareError> {
    let paths: Vec<&Path> = targets.iter().map(|(path, _)| path.as_path()).collect();
    let mut outputs = OutputSet::create(input, &paths, policy)?;
    let mut next = vec![0usize; targets.len()];
    let read_error = |source| PrepareError::Read {
        path: input.to_owned(),
        source,
    };
    let file = File::open(input).map_err(read_error)?;
    let mut reader = ChunkReader::new(file);
    while let Some(chunk) = reader.next_chunk().map_err(read_error)? {
        for line in chunk.lines() {
            let bytes = super::line_bytes(line.number, line.bytes);
            for (index, (_, lines)) in targets.iter().enumerate() {
                if lines.get(next[index]) == Some(&line.number) {
                    next[index] += 1;
                    outputs.write_line(index, bytes)?;
                }
            }
        }
    }
    outputs.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, targets: &[&Path], lines: &[&[u8]]) -> Result<(), PrepareError> {
        let input = dir.join("input.jsonl");
        fs::write(&input, "{}\n").unwrap();
        let mut set = OutputSet::create(&input, targets, TargetPolicy::default())?;
        for (index, line) in lines.iter().enumerate() {
            set.write_line(index, line)?;
        }
        set.commit()
    }

    #[test]
    fn a_set_replaces_every_target_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        fs::write(&a, "old a\n").unwrap();
        fs::write(&b, "old b\n").unwrap();
        write(dir.path(), &[&a, &b], &[b"new a", b"new b"]).unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "new a\n");
        assert_eq!(fs::read_to_string(&b).unwrap(), "new b\n");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn a_set_dropped_before_commit_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        fs::write(&a, "old a\n").unwrap();
        let input = dir.path().join("input.jsonl");
        fs::write(&input, "{}\n").unwrap();
        let mut set = OutputSet::create(&input, &[&a], TargetPolicy::default()).unwrap();
        set.write_line(0, b"new a").unwrap();
        drop(set);
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn refuses_folders_devices_and_links_but_follows_links_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("folder");
        fs::create_dir(&folder).unwrap();
        let error = write(dir.path(), &[&folder], &[b"x"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("it is a folder"), "{error}");
        let error = write(dir.path(), &[Path::new("/dev/null")], &[b"x"])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("will not write /dev/null: it is a character device"),
            "{error}"
        );
        #[cfg(unix)]
        {
            let real = dir.path().join("real.jsonl");
            fs::write(&real, "old\n").unwrap();
            let link = dir.path().join("link.jsonl");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            let error = write(dir.path(), &[&link], &[b"x"])
                .unwrap_err()
                .to_string();
            assert!(error.contains("--follow-symlinks"), "{error}");
            assert_eq!(fs::read_to_string(&real).unwrap(), "old\n");
            let input = dir.path().join("input.jsonl");
            let policy = TargetPolicy {
                follow_symlinks: true,
            };
            let mut set = OutputSet::create(&input, &[&link], policy).unwrap();
            set.write_line(0, b"new").unwrap();
            set.commit().unwrap();
            assert!(
                fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
        }
    }

    #[test]
    fn leftovers_of_a_killed_run_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let leftover = dir.path().join(".a.jsonl.finetune-tmp-AbC123");
        let other = dir.path().join(".b.jsonl.finetune-tmp-AbC123");
        let unrelated = dir.path().join(".a.jsonl.backup");
        let before = SystemTime::now() - std::time::Duration::from_secs(60);
        for path in [&leftover, &other, &unrelated] {
            fs::write(path, "partial").unwrap();
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(before)
                .unwrap();
        }
        write(dir.path(), &[&a], &[b"new a"]).unwrap();
        assert!(!leftover.exists());
        assert!(other.exists() && unrelated.exists());
    }

    #[test]
    fn outputs_get_a_new_files_permissions_or_keep_the_replaced_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        // A new file: what the umask leaves of 0666, as `touch` would make it.
        let new = dir.path().join("new.jsonl");
        let touched = dir.path().join("touched");
        fs::File::create(&touched).unwrap();
        write(dir.path(), &[&new], &[b"x"]).unwrap();
        assert_eq!(mode(&new), mode(&touched));
        // A replaced file keeps its mode.
        let shared = dir.path().join("shared.jsonl");
        fs::write(&shared, "old").unwrap();
        fs::set_permissions(&shared, fs::Permissions::from_mode(0o664)).unwrap();
        write(dir.path(), &[&shared], &[b"x"]).unwrap();
        assert_eq!(mode(&shared), 0o664);
    }
}
