//! The [`Diagnostic`] type and its renderers.
//!
//! A diagnostic is our own serde type; renderers turn it into text: `human` (through miette),
//! `concise`, `json`, `github` workflow commands and `sarif`.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use serde::Serialize;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The platform trains on the data, but silently drops, truncates or trains badly on part of
    /// it.
    Warning,
    /// The platform rejects the data.
    Error,
}

impl Severity {
    /// The lowercase word, as in the JSON report.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A byte range in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Offset of the first byte from the start of the file.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
}

/// Another place a diagnostic refers to, such as the first copy of a duplicate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// 1-based line of the other place.
    pub line: u64,
    /// What that place is.
    pub message: String,
}

/// A window of the offending line, kept so the human renderer can underline the value without
/// holding whole lines (a line may be many megabytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The shown text: the line, or a window of it with `…` where it was cut.
    pub text: String,
    /// 0-based character column, in the whole line, of the first character of `text`.
    pub first_column: usize,
    /// Byte range of the offending value within `text`.
    pub start: usize,
    /// Length in bytes of the underlined part within `text`.
    pub length: usize,
}

/// One problem, ready to render.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable rule code, `FT103`.
    pub code: &'static str,
    /// Kebab-case rule name, `unknown-role`.
    pub name: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line, `None` for a diagnostic about the whole file.
    pub line: Option<u64>,
    /// 1-based column in characters of the offending value.
    pub column: Option<u64>,
    /// JSON pointer of the offending value within the line.
    pub pointer: Option<String>,
    /// Byte span of the offending value in the file.
    pub span: Option<Span>,
    /// What is wrong, quoting the value.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Other places this diagnostic refers to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// The text the human renderer shows; not part of the JSON report.
    #[serde(skip)]
    pub snippet: Option<Snippet>,
}

impl Diagnostic {
    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The 1-based character column just past the offending value (the value lies on its
    /// line), when its text is known: the end column of GitHub annotations and SARIF regions.
    pub fn end_column(&self) -> Option<u64> {
        let (column, span, snippet) = (self.column?, self.span?, self.snippet.as_ref()?);
        let shown = snippet
            .text
            .get(snippet.start..snippet.start + snippet.length)?;
        // A long value is shown cut (ending in `…`) and invalid UTF-8 replaced: the shown text
        // then is not the value, and its characters do not count its columns.
        if shown.len() as u64 != span.length || shown.ends_with('…') {
            return None;
        }
        Some(column + shown.chars().count() as u64)
    }
}

/// Escapes text for places where control characters would break the output's layout.
pub(crate) fn one_line(text: &str) -> String {
    text.replace('\r', "\\r").replace('\n', "\\n")
}
