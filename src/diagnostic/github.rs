//! The GitHub renderer: workflow commands that annotate the pull request's files.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Diagnostic, Severity};

/// Writes one diagnostic as a `::error` or `::warning` workflow command.
pub fn render(path: &str, diagnostic: &Diagnostic, out: &mut dyn Write) -> io::Result<()> {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = format!("file={}", escape_property(path));
    if let Some(line) = diagnostic.line {
        let _ = write!(properties, ",line={line}");
        if let Some(column) = diagnostic.column {
            let _ = write!(properties, ",col={column}");
        }
        if let Some(end) = diagnostic.end_column() {
            let _ = write!(properties, ",endLine={line},endColumn={end}");
        }
    }
    let title = format!("{} {}", diagnostic.code, diagnostic.name);
    let _ = write!(properties, ",title={}", escape_property(&title));
    let message = format!("{} ({})", diagnostic.message, diagnostic.help);
    writeln!(out, "::{command} {properties}::{}", escape_data(&message))
}

/// Writes a `::notice` about the file `path`, such as its counts.
pub fn notice(path: &str, message: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "::notice file={},title=finetune check::{}",
        escape_property(path),
        escape_data(message)
    )
}

/// Escapes a command's message (`%`, `\r`, `\n`).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value: as data, plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Snippet, Span};

    #[test]
    fn escapes_data_and_properties() {
        let d = Diagnostic {
            code: "FT103",
            name: "unknown-role",
            severity: Severity::Warning,
            line: Some(2),
            column: Some(5),
            pointer: None,
            span: None,
            message: "100% bad\nrole".into(),
            help: "fix: it".into(),
            labels: Vec::new(),
            snippet: None,
        };
        let mut out = Vec::new();
        render("dir,a:b.jsonl", &d, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::warning file=dir%2Ca%3Ab.jsonl,line=2,col=5,title=FT103 unknown-role::100%25 bad%0Arole (fix: it)\n"
        );
    }

    #[test]
    fn a_value_on_one_line_has_its_end() {
        // `"bøt"` at column 5: five characters (six bytes), so the end is column 10.
        let d = Diagnostic {
            code: "FT103",
            name: "unknown-role",
            severity: Severity::Error,
            line: Some(2),
            column: Some(5),
            pointer: Some("/messages/0/role".into()),
            span: Some(Span {
                offset: 40,
                length: 6,
            }),
            message: "unknown role".into(),
            help: "fix it".into(),
            labels: Vec::new(),
            snippet: Some(Snippet {
                text: r#"{"x":"bøt"}"#.into(),
                first_column: 0,
                start: 5,
                length: 6,
            }),
        };
        let mut out = Vec::new();
        render("a.jsonl", &d, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=a.jsonl,line=2,col=5,endLine=2,endColumn=10,title=FT103 unknown-role::unknown role (fix it)\n"
        );
    }
}
