//! The local record of uploads: which file ids hold which content, and multipart uploads that
//! can be resumed. One small JSON file in the state folder, rewritten atomically under a lock,
//! so that runs at the same time never lose each other's entries.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// The record's file name inside the state folder.
const FILE_NAME: &str = "uploads.json";

/// The lock beside the record, held while the record is read, changed and written back.
const LOCK_NAME: &str = "uploads.lock";

/// The folder of the state folder that holds one lock per content being uploaded.
const CONTENT_LOCKS: &str = "locks";

/// A file this machine uploaded.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct UploadedFile {
    /// The API it went to.
    pub base_url: String,
    /// `file-…`.
    pub file_id: String,
    /// The name it was uploaded under.
    pub filename: String,
    /// Its size.
    pub bytes: u64,
    /// XXH3-128 of its content, hex.
    pub hash: String,
}

/// A multipart upload that has not been completed.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PendingUpload {
    /// The API it goes to.
    pub base_url: String,
    /// `upload_…`.
    pub upload_id: String,
    /// XXH3-128 of the whole file, hex.
    pub hash: String,
    /// The file's size.
    pub bytes: u64,
    /// The size of every part but the last.
    pub part_size: u64,
    /// Unix seconds after which the server forgets it.
    pub expires_at: i64,
    /// The id of each part sent so far, by position.
    pub parts: Vec<Option<String>>,
}

/// A job creation sent whose outcome is not known: its answer was lost and the lookup that
/// should have found the job failed. Kept until a later run of the same job finds the job or
/// creates it, with the same request id.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct PendingJob {
    /// The API it went to.
    pub base_url: String,
    /// The client id sent in the job's metadata (`finetune_request_id`).
    pub request_id: String,
    /// [`crate::api::types::JobRequest::fingerprint`] of the request.
    pub fingerprint: String,
    /// The training file's id.
    pub training_file: String,
    /// The base model.
    pub model: String,
    /// The suffix asked for.
    pub suffix: Option<String>,
    /// Unix seconds from which the job is looked for by its creation time.
    pub started_at: i64,
}

/// The record, as read from disk.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UploadRecord {
    /// Files uploaded from here.
    #[serde(default)]
    pub files: Vec<UploadedFile>,
    /// Multipart uploads in progress.
    #[serde(default)]
    pub pending: Vec<PendingUpload>,
    /// Job creations whose outcome is not known yet.
    #[serde(default)]
    pub jobs: Vec<PendingJob>,
    #[serde(skip)]
    path: PathBuf,
}

impl UploadRecord {
    /// Reads the record in `dir`; an absent record is empty. A damaged one is an error: the
    /// user should see it rather than lose it silently.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let path = dir.join(FILE_NAME);
        let mut record: Self = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: not a record of uploads: {error}", path.display()),
                )
            })?,
            Err(error) if error.kind() == io::ErrorKind::NotFound => Self::default(),
            Err(error) => return Err(error),
        };
        record.path = path;
        Ok(record)
    }

    /// Reads the record in `dir`, lets `change` alter it and writes it back, holding the
    /// record's lock from the read to the rename, so that a run changing it at the same time
    /// waits instead of overwriting this change (or this one overwriting it). Reading alone
    /// needs no lock: the record is always replaced whole.
    pub fn update<T>(dir: &Path, change: impl FnOnce(&mut Self) -> T) -> io::Result<T> {
        std::fs::create_dir_all(dir)?;
        let lock = lock_file(&dir.join(LOCK_NAME))?;
        lock.lock()?;
        let mut record = Self::load(dir)?;
        let value = change(&mut record);
        record.save()?;
        drop(lock);
        Ok(value)
    }

    /// Writes the record: to a temporary file in the same folder, then renamed over the old one.
    /// Use [`UploadRecord::update`] to change it, so that no concurrent change is lost.
    pub fn save(&self) -> io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut file, self)?;
        file.write_all(b"\n")?;
        // On disk before the rename, and the rename on disk after it: a crash leaves the old
        // record or the new one, never an empty or half-written file under the record's name.
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|error| error.error)?;
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    }

    /// What this machine knows of a file id on this API.
    pub fn file(&self, base_url: &str, file_id: &str) -> Option<&UploadedFile> {
        self.files
            .iter()
            .find(|f| f.base_url == base_url && f.file_id == file_id)
    }

    /// Remembers an uploaded file.
    pub fn add_file(&mut self, file: UploadedFile) {
        self.files
            .retain(|f| !(f.base_url == file.base_url && f.file_id == file.file_id));
        self.files.push(file);
    }

    /// Forgets files deleted on the server.
    pub fn remove_file(&mut self, base_url: &str, file_id: &str) {
        self.files
            .retain(|f| !(f.base_url == base_url && f.file_id == file_id));
    }

    /// An unexpired multipart upload of this content to this API.
    pub fn pending(
        &self,
        base_url: &str,
        hash: &str,
        part_size: u64,
        now: i64,
    ) -> Option<&PendingUpload> {
        self.pending.iter().find(|p| {
            p.base_url == base_url
                && p.hash == hash
                && p.part_size == part_size
                && p.expires_at > now + 60
        })
    }

    /// Adds or replaces a pending upload.
    pub fn set_pending(&mut self, upload: PendingUpload) {
        self.pending.retain(|p| p.upload_id != upload.upload_id);
        self.pending.push(upload);
    }

    /// Forgets a pending upload.
    pub fn remove_pending(&mut self, upload_id: &str) {
        self.pending.retain(|p| p.upload_id != upload_id);
    }

    /// The unconfirmed creation of the job with this fingerprint on this API.
    pub fn pending_job(&self, base_url: &str, fingerprint: &str) -> Option<&PendingJob> {
        self.jobs
            .iter()
            .find(|j| j.base_url == base_url && j.fingerprint == fingerprint)
    }

    /// Adds or replaces the unconfirmed creation of a job.
    pub fn set_pending_job(&mut self, job: PendingJob) {
        self.remove_pending_job(&job.base_url, &job.fingerprint);
        self.jobs.push(job);
    }

    /// Forgets the creation of a job, once it is found or known not to have happened.
    pub fn remove_pending_job(&mut self, base_url: &str, fingerprint: &str) {
        self.jobs
            .retain(|j| !(j.base_url == base_url && j.fingerprint == fingerprint));
    }
}

/// An exclusive hold on one content (by its hash) in the state folder, released when dropped.
/// An upload holds it from "is this already uploaded?" until the file id is recorded, so a
/// second run with the same file waits, then finds the first one's upload and reuses it.
#[derive(Debug)]
pub struct ContentLock {
    _file: File,
}

impl ContentLock {
    /// The hold on `hash` if no other run has it, else `None`.
    pub fn try_acquire(dir: &Path, hash: &str) -> io::Result<Option<Self>> {
        let file = content_lock_file(dir, hash)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(error)) => Err(error),
        }
    }

    /// The hold on `hash`, waiting for another run to let go of it.
    pub fn acquire(dir: &Path, hash: &str) -> io::Result<Self> {
        let file = content_lock_file(dir, hash)?;
        file.lock()?;
        Ok(Self { _file: file })
    }
}

/// The lock file of one content. Lock files are left in place: removing one while another
/// run waits on it would let a third run lock a new file of the same name.
fn content_lock_file(dir: &Path, hash: &str) -> io::Result<File> {
    let locks = dir.join(CONTENT_LOCKS);
    std::fs::create_dir_all(&locks)?;
    lock_file(&locks.join(format!("{hash}.lock")))
}

fn lock_file(path: &Path) -> io::Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// XXH3-128 of a file's content, as 32 hex digits.
pub fn content_hash(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Xxh3::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(format!("{:032x}", hasher.digest128()));
        }
        hasher.update(&buffer[..read]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut record = UploadRecord::load(dir.path()).unwrap();
        assert!(record.files.is_empty());
        record.add_file(UploadedFile {
            base_url: "http://a".into(),
            file_id: "file-1".into(),
            filename: "x.jsonl".into(),
            bytes: 3,
            hash: "00".into(),
        });
        record.set_pending(PendingUpload {
            base_url: "http://a".into(),
            upload_id: "upload_1".into(),
            hash: "ff".into(),
            bytes: 10,
            part_size: 4,
            expires_at: 2_000_000_000,
            parts: vec![Some("part_1".into()), None, None],
        });
        record.save().unwrap();
        let again = UploadRecord::load(dir.path()).unwrap();
        assert_eq!(
            again.file("http://a", "file-1").unwrap().filename,
            "x.jsonl"
        );
        assert!(again.file("http://b", "file-1").is_none());
        assert!(again.pending("http://a", "ff", 4, 1_000).is_some());
        assert!(again.pending("http://a", "ff", 8, 1_000).is_none());
    }

    #[test]
    fn concurrent_updates_keep_every_entry() {
        let dir = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for thread in 0..8 {
                let dir = dir.path();
                scope.spawn(move || {
                    for n in 0..10 {
                        UploadRecord::update(dir, |record| {
                            record.add_file(UploadedFile {
                                base_url: "http://a".into(),
                                file_id: format!("file-{thread}-{n}"),
                                filename: "x.jsonl".into(),
                                bytes: 1,
                                hash: "00".into(),
                            });
                        })
                        .unwrap();
                    }
                });
            }
        });
        assert_eq!(UploadRecord::load(dir.path()).unwrap().files.len(), 80);
    }

    #[test]
    fn a_content_is_held_by_one_run_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let held = ContentLock::try_acquire(dir.path(), "ab").unwrap();
        assert!(held.is_some());
        assert!(
            ContentLock::try_acquire(dir.path(), "ab")
                .unwrap()
                .is_none()
        );
        assert!(
            ContentLock::try_acquire(dir.path(), "cd")
                .unwrap()
                .is_some()
        );
        drop(held);
        assert!(
            ContentLock::try_acquire(dir.path(), "ab")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{not json").unwrap();
        assert!(UploadRecord::load(dir.path()).is_err());
    }
}
