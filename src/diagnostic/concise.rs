//! The concise renderer: one line per diagnostic, `path:line:col: CODE message`.

use std::io::{self, Write};

use super::{Diagnostic, one_line};

/// Writes one diagnostic as a single line.
pub fn render(path: &str, diagnostic: &Diagnostic, out: &mut dyn Write) -> io::Result<()> {
    let message = one_line(&diagnostic.message);
    let code = diagnostic.code;
    let severity = diagnostic.severity.as_str();
    match (diagnostic.line, diagnostic.column) {
        (Some(line), Some(column)) => {
            writeln!(out, "{path}:{line}:{column}: {code} [{severity}] {message}")
        }
        (Some(line), None) => writeln!(out, "{path}:{line}: {code} [{severity}] {message}"),
        (None, _) => writeln!(out, "{path}: {code} [{severity}] {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn one_line_per_diagnostic() {
        let mut d = Diagnostic {
            code: "FT004",
            name: "blank-line",
            severity: Severity::Error,
            line: Some(3),
            column: Some(1),
            pointer: None,
            span: None,
            message: "blank\nline".into(),
            help: String::new(),
            labels: Vec::new(),
            snippet: None,
        };
        let mut out = Vec::new();
        render("a.jsonl", &d, &mut out).unwrap();
        d.line = None;
        render("a.jsonl", &d, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a.jsonl:3:1: FT004 [error] blank\\nline\na.jsonl: FT004 [error] blank\\nline\n"
        );
    }
}
