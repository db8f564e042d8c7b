//! `upload-dataset`, `list-files` and `delete-files-by-name`.

use std::io;

use crate::api::Client;
use crate::api::types::FileObject;
use crate::cli::{DeleteArgs, ListFilesArgs, ListFormat, Printer, UploadArgs};
use crate::commands::ExitStatus;
use crate::commands::remote::{
    block_on, checked, client, confirm, failed, local_state, model_for, put_file, table, timestamp,
};
use crate::cost::Epochs;

/// `finetune upload-dataset FILE`.
pub fn upload(args: &UploadArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let model = model_for(args.api.provider, args.model.as_deref(), printer);
    if let Err(status) = checked(
        &args.file,
        &model,
        args.api.provider,
        Epochs::Auto,
        &args.preflight,
        printer,
    )? {
        return Ok(status);
    }
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    let result = put_file(&client, &args.file, &args.preflight, printer)?;
    match result {
        Ok(file) => {
            match args.output_format {
                ListFormat::Json => {
                    serde_json::to_writer_pretty(printer.out(), &file)?;
                    writeln!(printer.out())?;
                }
                ListFormat::Human => {
                    printer.note(&format!(
                        "{} is on the platform as {} ({} bytes)",
                        args.file.display(),
                        file.id,
                        file.bytes
                    ));
                    writeln!(printer.out(), "{}", file.id)?;
                }
            }
            Ok(ExitStatus::Success)
        }
        Err(error) => Ok(failed(&error, printer)),
    }
}

fn file_rows(files: &[FileObject]) -> Vec<Vec<String>> {
    files
        .iter()
        .map(|f| {
            vec![
                f.id.clone(),
                f.filename.clone(),
                f.bytes.to_string(),
                timestamp(f.created_at),
                f.purpose.clone(),
                f.status.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

const FILE_HEADER: [&str; 6] = ["ID", "NAME", "BYTES", "CREATED (UTC)", "PURPOSE", "STATUS"];

/// `finetune list-files`.
pub fn list(args: &ListFilesArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    match block_on(client.list_files(args.purpose.as_deref()))? {
        Ok(files) => {
            match args.output_format {
                ListFormat::Json => {
                    serde_json::to_writer_pretty(printer.out(), &files)?;
                    writeln!(printer.out())?;
                }
                ListFormat::Human if files.is_empty() => printer.note("no files"),
                ListFormat::Human => table(printer.out(), &FILE_HEADER, &file_rows(&files))?,
            }
            Ok(ExitStatus::Success)
        }
        Err(error) => Ok(failed(&error, printer)),
    }
}

/// `finetune delete-files-by-name NAME`.
pub fn delete(args: &DeleteArgs, printer: &mut Printer) -> io::Result<ExitStatus> {
    let client = match client(&args.api) {
        Ok(client) => client,
        Err(message) => {
            printer.error(&message);
            return Ok(ExitStatus::Error);
        }
    };
    let found = block_on(async {
        let files: Vec<FileObject> = client
            .list_files(None)
            .await?
            .into_iter()
            .filter(|f| f.filename == args.name)
            .collect();
        let users = jobs_using(&client, &files).await?;
        Ok::<_, crate::api::ApiError>((files, users))
    })?;
    let (files, users) = match found {
        Ok(found) => found,
        Err(error) => return Ok(failed(&error, printer)),
    };
    if files.is_empty() {
        printer.note(&format!(
            "no file is named {:?}; nothing deleted",
            args.name
        ));
        return Ok(ExitStatus::Success);
    }
    table(printer.out(), &FILE_HEADER, &file_rows(&files))?;
    for (file, job, status) in &users {
        printer.note(&format!(
            "warning: {file} is used by job {job}, which is {status}; deleting it may make the job fail"
        ));
    }
    let question = format!(
        "Delete {} named {:?}?",
        crate::commands::check::plural(files.len() as u64, "file"),
        args.name
    );
    if !confirm(&question, args.yes, printer)? {
        printer.note("nothing deleted");
        return Ok(ExitStatus::Failure);
    }
    let mut status = ExitStatus::Success;
    for file in &files {
        match block_on(client.delete_file(&file.id))? {
            Ok(deleted) if deleted.deleted => {
                forget(&client, &file.id);
                writeln!(printer.out(), "deleted {}", file.id)?;
            }
            Ok(_) => {
                printer.error(&format!("{} was not deleted", file.id));
                status = ExitStatus::Error;
            }
            Err(error) => status = failed(&error, printer),
        }
    }
    Ok(status)
}

/// Jobs still running on any of these files: (file, job, status).
async fn jobs_using(
    client: &Client,
    files: &[FileObject],
) -> Result<Vec<(String, String, String)>, crate::api::ApiError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let page = client.list_jobs(100, None).await?;
    let mut users = Vec::new();
    for job in page.data.iter().filter(|job| job.is_active()) {
        for file in files {
            if job.training_file == file.id || job.validation_file.as_deref() == Some(&file.id) {
                users.push((file.id.clone(), job.id.clone(), job.status.clone()));
            }
        }
    }
    Ok(users)
}

/// Drops a deleted file from the local record of uploads (best effort: the record is only a
/// shortcut for finding duplicates).
fn forget(client: &Client, file_id: &str) {
    let base_url = &client.config().base_url;
    let _ = local_state().update(|record| record.remove_file(base_url, file_id));
}
