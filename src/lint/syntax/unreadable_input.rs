use std::io;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT006",
    name: "unreadable-input",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the input could not be read: it does not exist, is a directory, or is not readable",
    help: "give the path of a readable JSONL file, or `-` for standard input",
    docs: r#"## What it checks
An input named on the command line that cannot be read: the path does not exist, it names a
directory, the file's permissions forbid reading it, or reading stopped with an I/O error. The
diagnostic is about the whole file (it has no line) and names the path and the reason.

## Why it matters
A file that was not read was not checked: nothing in it is known to be valid. The diagnostic
keeps it in every report (the summary counts it, the JSON report lists the file, GitHub and
SARIF show it), so a CI step never reads "All checks passed" for data it never saw. Because
finetune could not do its job, the exit code is 2, not 1, whatever the other files hold; the
rule is reported even under `--select` and `--ignore`, since the exit code says there was a
problem and the report must say which.

## Example
```text
$ finetune check data/train.jsonl
data/train.jsonl: FT006 [error] could not read data/train.jsonl: not found
```
"#,
};

/// Why `error` kept a file from being read, in the words of the diagnostic.
pub fn reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "not found".to_owned(),
        io::ErrorKind::IsADirectory => "is a directory, not a JSONL file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// The file-level diagnostic of the input `path` that `error` kept from being read.
pub fn diagnostic(path: &str, error: &io::Error) -> Diagnostic {
    RULE.diagnostic(None, format!("could not read {path}: {}", reason(error)))
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};

    use super::*;

    #[test]
    fn names_the_path_and_the_reason() {
        let cases = [
            (ErrorKind::NotFound, "could not read a b.jsonl: not found"),
            (
                ErrorKind::IsADirectory,
                "could not read a b.jsonl: is a directory, not a JSONL file",
            ),
            (
                ErrorKind::PermissionDenied,
                "could not read a b.jsonl: permission denied",
            ),
        ];
        for (kind, message) in cases {
            let d = diagnostic("a b.jsonl", &Error::from(kind));
            assert_eq!(d.message, message);
            assert_eq!(
                (d.code, d.line, d.severity),
                ("FT006", None, Severity::Error)
            );
        }
        let other = diagnostic("x.jsonl", &Error::other("disk on fire"));
        assert_eq!(other.message, "could not read x.jsonl: disk on fire");
    }
}
