//! Exporting an account's fine-tuning history into a folder: a manifest of every job (model,
//! method and hyperparameters, files, checkpoints, metadata) and, byte for byte, the training
//! and validation files and each job's result files. It only reads the account.
//!
//! A second export into the same folder downloads only what is missing or whose `sha256` no
//! longer matches; a file the API no longer serves is recorded as missing, never dropped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Reporter;
use super::watch::Metrics;
use crate::api::types::{Cursor, Job, PageStep};
use crate::api::{ApiError, Client, Provider, format_rfc3339};
use crate::prepare::PrepareError;
use crate::prepare::output::OutputSet;

/// The manifest's name inside the export folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest format written; a reader refuses a later one.
pub const MANIFEST_VERSION: u32 = 1;
/// Jobs asked for per page of the job list (the most the providers give).
const JOBS_PER_PAGE: u32 = 100;
/// Where training and validation files go, each under its id.
const FILES_FOLDER: &str = "files";
/// Where each job's result files go, under the job's id.
const JOBS_FOLDER: &str = "jobs";

/// What an export writes into its folder: the account's jobs and where their files are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`].
    pub version: u32,
    /// The provider exported from.
    pub provider: Provider,
    /// When the export ran (RFC 3339, UTC).
    pub exported_at: String,
    /// The jobs, newest first.
    pub jobs: Vec<ExportedJob>,
}

impl Manifest {
    /// Reads the manifest of the export in `dir`; `Ok(None)` when there is none.
    pub fn load(dir: &Path) -> Result<Option<Self>, ExportError> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ExportError::Io { path, source }),
        };
        let manifest: Self =
            serde_json::from_slice(&bytes).map_err(|error| ExportError::Invalid {
                path: path.clone(),
                reason: format!("not a finetune export manifest: {error}"),
            })?;
        if manifest.version > MANIFEST_VERSION {
            return Err(ExportError::Invalid {
                path,
                reason: format!(
                    "a manifest of version {}, and this finetune reads up to version {MANIFEST_VERSION}",
                    manifest.version
                ),
            });
        }
        Ok(Some(manifest))
    }

    /// Every file of every job, in the manifest's order (a shared file once per job).
    pub fn files(&self) -> impl Iterator<Item = &ExportedFile> {
        self.jobs.iter().flat_map(|job| {
            job.training_file
                .iter()
                .chain(&job.validation_file)
                .chain(&job.result_files)
        })
    }

    /// Every file the manifest records, by id.
    fn files_by_id(&self) -> HashMap<&str, &ExportedFile> {
        self.files().map(|file| (file.id.as_str(), file)).collect()
    }
}

/// One exported job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedJob {
    /// The job's id.
    pub id: String,
    /// `succeeded`, `failed`, `cancelled`, …
    pub status: String,
    /// The base model.
    pub model: String,
    /// The trained model, where the job succeeded.
    pub fine_tuned_model: Option<String>,
    /// The method and its hyperparameters.
    pub method: ExportedMethod,
    /// The suffix given at creation.
    pub suffix: Option<String>,
    /// The seed.
    pub seed: Option<i64>,
    /// Tokens trained on.
    pub trained_tokens: Option<u64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub finished_at: Option<i64>,
    /// The training file.
    pub training_file: Option<ExportedFile>,
    /// The validation file, where the job had one.
    pub validation_file: Option<ExportedFile>,
    /// The result files (the metrics CSV, decoded).
    pub result_files: Vec<ExportedFile>,
    /// The checkpoints the provider still lists.
    pub checkpoints: Vec<ExportedCheckpoint>,
    /// The key-value pairs given at creation.
    pub metadata: BTreeMap<String, String>,
}

/// A job's method as the API reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedMethod {
    /// `supervised`, `dpo` or `reinforcement`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The hyperparameters as the API reports them.
    pub hyperparameters: Option<Value>,
    /// The grader, for reinforcement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grader: Option<Value>,
}

impl ExportedMethod {
    fn of(job: &Job) -> Self {
        let kind = job.method_name().to_owned();
        let grader = job
            .method
            .as_ref()
            .and_then(|method| method.get(&kind))
            .and_then(|settings| settings.get("grader"))
            .cloned();
        Self {
            hyperparameters: job.effective_hyperparameters().cloned(),
            grader,
            kind,
        }
    }
}

/// A file of a job, and where its copy is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedFile {
    /// The file's id on the provider.
    pub id: String,
    /// The name it was uploaded under.
    pub filename: Option<String>,
    /// Its size in bytes.
    pub bytes: Option<u64>,
    /// The SHA-256 of the copy, in hex.
    pub sha256: Option<String>,
    /// Where the copy is, relative to the export folder; `None` when it is missing.
    pub path: Option<String>,
    /// Why there is no copy: the API no longer serves the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}

impl ExportedFile {
    /// Where the copy is, under the export folder `dir`; `None` when there is none. A path
    /// that would lead out of the folder (absolute, or through `..`) is refused: a manifest
    /// edited by hand must not make a command read a file elsewhere.
    pub fn local_path(&self, dir: &Path) -> Option<Result<PathBuf, String>> {
        let path = Path::new(self.path.as_deref()?);
        let inside = path
            .components()
            .all(|part| matches!(part, std::path::Component::Normal(_)));
        Some(if inside {
            Ok(dir.join(path))
        } else {
            Err(format!(
                "the path {} of {} leads out of the export folder",
                path.display(),
                self.id
            ))
        })
    }
}

/// A checkpoint of a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedCheckpoint {
    /// The model name to prompt the checkpoint with.
    pub name: String,
    /// The step it was saved at.
    pub step: u64,
    /// Losses and accuracies at that step.
    pub metrics: BTreeMap<String, Value>,
}

/// Which jobs to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// These jobs, whatever their status; every job of the account when empty.
    pub jobs: Vec<String>,
    /// Failed and cancelled jobs too, not only those that succeeded.
    pub all_statuses: bool,
}

/// What an export did.
#[derive(Clone, Debug)]
pub struct ExportSummary {
    /// The manifest written.
    pub manifest: Manifest,
    /// Jobs this run exported.
    pub exported: usize,
    /// Jobs of an earlier export into the folder that the manifest keeps, not read again.
    pub kept: usize,
    /// Files downloaded by this run, and their bytes.
    pub downloaded: (usize, u64),
    /// Files already in the folder with the recorded `sha256`: not downloaded again.
    pub unchanged: usize,
    /// Jobs of the account left out for their status (still running, failed, cancelled).
    pub left_out: usize,
}

impl ExportSummary {
    /// The files the API no longer serves: (id, why).
    pub fn missing(&self) -> Vec<(&str, &str)> {
        let mut seen = HashSet::new();
        self.manifest
            .files()
            .filter_map(|file| Some((file.id.as_str(), file.missing.as_deref()?)))
            .filter(|(id, _)| seen.insert(*id))
            .collect()
    }
}

/// Why an export (or a migration of an export) stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The API failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A file could not be written.
    #[error(transparent)]
    Output(#[from] PrepareError),
    /// A file or folder could not be read or made.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file of the folder is not what it should be.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The folder holds an export of another provider.
    #[error("{} holds an export from {found}, not {asked}: export into another folder", dir.display())]
    OtherProvider {
        /// The folder.
        dir: PathBuf,
        /// The provider of the export there.
        found: Provider,
        /// The provider exported from now.
        asked: Provider,
    },
    /// A file is where a download goes, and no export wrote it.
    #[error("{} is in the way: no export wrote it, and it differs from the download; move it away, or export into another folder", path.display())]
    InTheWay {
        /// The file.
        path: PathBuf,
    },
}

/// What an export tells its caller while it runs, beyond a [`Reporter`]'s notes and transfers.
pub trait ExportReporter: Reporter {
    /// The export is at job `done` of `total` (`id`).
    fn job(&mut self, done: usize, total: usize, id: &str);
}

impl ExportReporter for super::Notes {
    fn job(&mut self, _done: usize, _total: usize, _id: &str) {}
}

/// Exports the account's jobs that `options` pick into `dir`: their files byte for byte and a
/// manifest. Files already there with the recorded `sha256` are not downloaded again.
pub async fn export(
    client: &Client,
    dir: &Path,
    options: &ExportOptions,
    reporter: &mut dyn ExportReporter,
) -> Result<ExportSummary, ExportError> {
    let provider = client.provider();
    let earlier = Manifest::load(dir)?;
    if let Some(found) = earlier.as_ref().map(|m| m.provider)
        && found != provider
    {
        return Err(ExportError::OtherProvider {
            dir: dir.to_owned(),
            found,
            asked: provider,
        });
    }
    let (jobs, left_out) = chosen_jobs(client, options).await?;
    let earlier_jobs = earlier.as_ref().map(|m| m.jobs.clone()).unwrap_or_default();
    let mut files = Files {
        client,
        dir,
        earlier: earlier
            .as_ref()
            .map(Manifest::files_by_id)
            .unwrap_or_default(),
        done: HashMap::new(),
        downloaded: (0, 0),
        unchanged: 0,
    };
    let mut exported = Vec::with_capacity(jobs.len());
    let mut saved = 0;
    for (index, job) in jobs.iter().enumerate() {
        reporter.job(index, jobs.len(), &job.id);
        exported.push(files.job(job, reporter).await?);
        // Saved as it goes whenever a job brought new files: a run stopped part way keeps
        // what it downloaded, and the next one does not download it again.
        if files.downloaded.0 > saved {
            save(dir, &merged(provider, &exported, &earlier_jobs))?;
            saved = files.downloaded.0;
        }
    }
    reporter.job(jobs.len(), jobs.len(), "");
    let manifest = merged(provider, &exported, &earlier_jobs);
    save(dir, &manifest)?;
    Ok(ExportSummary {
        exported: exported.len(),
        kept: manifest.jobs.len() - exported.len(),
        manifest,
        downloaded: files.downloaded,
        unchanged: files.unchanged,
        left_out,
    })
}

/// The manifest of the jobs this run exported and the jobs of the earlier export it did not
/// read again (an export of one `--job` keeps the others), newest first.
fn merged(provider: Provider, exported: &[ExportedJob], earlier: &[ExportedJob]) -> Manifest {
    let ids: HashSet<&str> = exported.iter().map(|job| job.id.as_str()).collect();
    let mut jobs: Vec<ExportedJob> = exported
        .iter()
        .chain(earlier.iter().filter(|job| !ids.contains(job.id.as_str())))
        .cloned()
        .collect();
    jobs.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    Manifest {
        version: MANIFEST_VERSION,
        provider,
        exported_at: format_rfc3339(unix_now()),
        jobs,
    }
}

/// Writes `manifest` into `dir`.
fn save(dir: &Path, manifest: &Manifest) -> Result<(), ExportError> {
    let mut text = serde_json::to_vec_pretty(manifest).expect("a manifest serialises");
    text.push(b'\n');
    Ok(OutputSet::write_file(&dir.join(MANIFEST_FILE), &text)?)
}

/// The jobs to export, and how many of the account's were left out for their status.
async fn chosen_jobs(
    client: &Client,
    options: &ExportOptions,
) -> Result<(Vec<Job>, usize), ApiError> {
    if !options.jobs.is_empty() {
        let mut jobs = Vec::with_capacity(options.jobs.len());
        let mut seen = HashSet::new();
        for id in options.jobs.iter().filter(|id| seen.insert(id.as_str())) {
            jobs.push(client.retrieve_job(id).await?);
        }
        return Ok((jobs, 0));
    }
    let mut all = Vec::new();
    let mut cursor = Cursor::default();
    loop {
        let page = client.list_jobs(JOBS_PER_PAGE, cursor.after()).await?;
        let last = page.data.last().map(|job| job.id.clone());
        let step = cursor.advance(last.as_deref(), page.has_more);
        if step == PageStep::Repeated {
            break;
        }
        all.extend(page.data);
        if step == PageStep::Last {
            break;
        }
    }
    let total = all.len();
    let wanted = |job: &Job| match job.status.as_str() {
        "succeeded" => true,
        "failed" | "cancelled" => options.all_statuses,
        _ => false,
    };
    all.retain(wanted);
    let left_out = total - all.len();
    Ok((all, left_out))
}

/// The files of one export run: each downloaded once, whatever the jobs that share it.
struct Files<'a> {
    client: &'a Client,
    dir: &'a Path,
    /// What the folder's earlier manifest records, by file id.
    earlier: HashMap<&'a str, &'a ExportedFile>,
    /// The files this run has handled, by id.
    done: HashMap<String, ExportedFile>,
    downloaded: (usize, u64),
    unchanged: usize,
}

/// What a downloaded file is: data kept as it is, or a result file whose metrics are decoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Result,
}

impl Files<'_> {
    async fn job(
        &mut self,
        job: &Job,
        reporter: &mut dyn Reporter,
    ) -> Result<ExportedJob, ExportError> {
        let training_file = if job.training_file.is_empty() {
            None
        } else {
            let folder = format!("{FILES_FOLDER}/{}", safe_name(&job.training_file));
            Some(
                self.file(&job.training_file, &folder, Kind::Data, reporter)
                    .await?,
            )
        };
        let validation_file = match job.validation_file.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => {
                let folder = format!("{FILES_FOLDER}/{}", safe_name(id));
                Some(self.file(id, &folder, Kind::Data, reporter).await?)
            }
            None => None,
        };
        let mut result_files = Vec::with_capacity(job.result_files.len());
        for id in &job.result_files {
            let folder = format!("{JOBS_FOLDER}/{}/{}", safe_name(&job.id), safe_name(id));
            result_files.push(self.file(id, &folder, Kind::Result, reporter).await?);
        }
        Ok(ExportedJob {
            id: job.id.clone(),
            status: job.status.clone(),
            model: job.model.clone(),
            fine_tuned_model: job.fine_tuned_model.clone(),
            method: ExportedMethod::of(job),
            suffix: job.user_provided_suffix.clone(),
            seed: job.seed,
            trained_tokens: job.trained_tokens,
            created_at: job.created_at,
            finished_at: job.finished_at,
            training_file,
            validation_file,
            result_files,
            checkpoints: checkpoints(self.client, &job.id).await?,
            metadata: job.metadata.clone().unwrap_or_default(),
        })
    }

    /// The file `id`, copied into `folder` of the export unless the copy there is intact.
    async fn file(
        &mut self,
        id: &str,
        folder: &str,
        kind: Kind,
        reporter: &mut dyn Reporter,
    ) -> Result<ExportedFile, ExportError> {
        if let Some(file) = self.done.get(id) {
            return Ok(file.clone());
        }
        let earlier = self.earlier.get(id).copied();
        if let Some(file) = earlier.filter(|file| self.intact(file)) {
            self.unchanged += 1;
            self.done.insert(id.to_owned(), file.clone());
            return Ok(file.clone());
        }
        if let Some(path) = earlier.and_then(|file| file.path.as_deref()) {
            reporter.note(format!(
                "{path} is gone or no longer matches its sha256: downloading {id} again"
            ));
        }
        let file = self.download(id, folder, kind, reporter).await?;
        self.done.insert(id.to_owned(), file.clone());
        Ok(file)
    }

    /// Whether the copy an earlier export recorded is there with its `sha256`.
    fn intact(&self, file: &ExportedFile) -> bool {
        let (Some(path), Some(sha256)) = (&file.path, &file.sha256) else {
            return false;
        };
        std::fs::read(self.dir.join(path)).is_ok_and(|bytes| &sha256_hex(&bytes) == sha256)
    }

    async fn download(
        &mut self,
        id: &str,
        folder: &str,
        kind: Kind,
        reporter: &mut dyn Reporter,
    ) -> Result<ExportedFile, ExportError> {
        let mut exported = ExportedFile {
            id: id.to_owned(),
            filename: None,
            bytes: None,
            sha256: None,
            path: None,
            missing: None,
        };
        let object = match self.client.retrieve_file(id).await {
            Ok(object) => object,
            Err(error) if is_gone(&error) => {
                exported.missing = Some(format!("the API no longer serves it: {error}"));
                return Ok(exported);
            }
            Err(error) => return Err(error.into()),
        };
        exported.filename = Some(object.filename.clone());
        exported.bytes = Some(object.bytes);
        let progress = reporter.transfer(&object.filename, object.bytes);
        let content = self.client.file_content(id).await;
        reporter.transfer_done();
        let mut content = match content {
            Ok(content) => content,
            Err(error) if is_gone(&error) => {
                exported.missing = Some(format!("the API no longer serves its content: {error}"));
                return Ok(exported);
            }
            Err(error) => return Err(error.into()),
        };
        progress(i64::try_from(content.len()).unwrap_or(i64::MAX));
        let mut filename = safe_name(&object.filename);
        if kind == Kind::Result
            && let Ok(metrics) = Metrics::parse(&content)
        {
            content = metrics.csv;
            if !Path::new(&filename)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            {
                filename.push_str(".csv");
            }
        }
        let relative = format!("{folder}/{filename}");
        let path = self.dir.join(&relative);
        let sha256 = sha256_hex(&content);
        let ours = self
            .earlier
            .values()
            .any(|file| file.path.as_deref() == Some(relative.as_str()));
        match std::fs::read(&path) {
            Ok(there) if sha256_hex(&there) == sha256 => {}
            Ok(_) if !ours => return Err(ExportError::InTheWay { path }),
            _ => {
                let parent = path.parent().unwrap_or(self.dir);
                std::fs::create_dir_all(parent).map_err(|source| ExportError::Io {
                    path: parent.to_owned(),
                    source,
                })?;
                OutputSet::write_file(&path, &content)?;
            }
        }
        self.downloaded.0 += 1;
        self.downloaded.1 += content.len() as u64;
        exported.sha256 = Some(sha256);
        exported.path = Some(relative);
        Ok(exported)
    }
}

/// The checkpoints of job `id`; none where the provider keeps none.
async fn checkpoints(client: &Client, id: &str) -> Result<Vec<ExportedCheckpoint>, ApiError> {
    match client.list_checkpoints(id).await {
        Ok(checkpoints) => Ok(checkpoints
            .into_iter()
            .map(|c| ExportedCheckpoint {
                name: c.fine_tuned_model_checkpoint,
                step: c.step_number,
                metrics: c.metrics,
            })
            .collect()),
        Err(ApiError::Unsupported { .. }) => Ok(Vec::new()),
        Err(error) if is_gone(&error) => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

/// Whether the API says the thing asked for is not there (any more).
fn is_gone(error: &ApiError) -> bool {
    error
        .status()
        .is_some_and(|status| matches!(status.status, 404 | 410))
}

/// Seconds since the Unix epoch, by this machine's clock.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// A name from the API made safe as one path component: its last component, with only
/// letters, digits, `.`, `-` and `_` kept (a name is the server's, and must not climb out of
/// the export folder).
fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let safe: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches('.').is_empty() {
        "file".to_owned()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_server_stay_inside_the_folder() {
        assert_eq!(safe_name("train.jsonl"), "train.jsonl");
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("a b/c?d.jsonl"), "c_d.jsonl");
        assert_eq!(safe_name(".."), "file");
        assert_eq!(safe_name(""), "file");
    }

    #[test]
    fn a_manifest_path_never_leads_out_of_the_folder() {
        let file = |path: &str| ExportedFile {
            id: "file-1".to_owned(),
            filename: None,
            bytes: None,
            sha256: None,
            path: Some(path.to_owned()),
            missing: None,
        };
        let dir = Path::new("/export");
        assert_eq!(
            file("files/file-1/a.jsonl").local_path(dir),
            Some(Ok(PathBuf::from("/export/files/file-1/a.jsonl")))
        );
        for outside in ["../secret.jsonl", "/etc/passwd", "files/../../x"] {
            assert!(
                matches!(file(outside).local_path(dir), Some(Err(_))),
                "{outside}"
            );
        }
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
