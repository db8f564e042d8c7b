//! The human renderer: each diagnostic with its line and the offending value underlined,
//! drawn by miette.

use std::fmt;
use std::io::{self, Write};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity, Snippet};

/// Renders diagnostics for people.
pub struct HumanRenderer {
    handler: GraphicalReportHandler,
}

impl HumanRenderer {
    /// A renderer drawing with colour or without, wrapping at `width` columns.
    pub fn new(color: bool, width: usize) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Self {
            handler: GraphicalReportHandler::new_themed(theme)
                .with_width(width)
                .with_links(false)
                .without_cause_chain(),
        }
    }

    /// Writes one diagnostic about the file `path`.
    pub fn render(
        &self,
        path: &str,
        diagnostic: &Diagnostic,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let report = Report {
            path,
            diagnostic,
            source: diagnostic.snippet.as_ref().map(|snippet| SnippetSource {
                path,
                line: diagnostic.line.unwrap_or(1),
                snippet,
            }),
        };
        let mut text = String::new();
        self.handler
            .render_report(&mut text, &report)
            .map_err(|_| io::Error::other("could not render a diagnostic"))?;
        out.write_all(text.as_bytes())?;
        writeln!(out)
    }
}

struct Report<'a> {
    path: &'a str,
    diagnostic: &'a Diagnostic,
    source: Option<SnippetSource<'a>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("code", &self.diagnostic.code)
            .finish()
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = super::one_line(&self.diagnostic.message);
        if self.source.is_some() {
            return f.write_str(&message);
        }
        match self.diagnostic.line {
            Some(line) => write!(f, "{}:{line}: {message}", self.path),
            None => write!(f, "{}: {message}", self.path),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{} {}",
            self.diagnostic.code, self.diagnostic.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.diagnostic.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.source.as_ref()?.snippet;
        let span = LabeledSpan::new_primary_with_span(None, (snippet.start, snippet.length.max(1)));
        Some(Box::new(std::iter::once(span)))
    }
}

/// The snippet of one line, told to miette with its real line and column numbers.
struct SnippetSource<'a> {
    path: &'a str,
    line: u64,
    snippet: &'a Snippet,
}

impl SourceCode for SnippetSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.snippet.text.as_str();
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        let before = text.get(..span.offset()).unwrap_or(text);
        let column = self.snippet.first_column + before.chars().count();
        let line = usize::try_from(self.line).unwrap_or(usize::MAX) - 1;
        Ok(Box::new(MietteSpanContents::new_named(
            self.path.to_owned(),
            inner.data(),
            *inner.span(),
            line + inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn diagnostic() -> Diagnostic {
        Diagnostic {
            code: "FT103",
            name: "unknown-role",
            severity: Severity::Error,
            line: Some(4),
            column: Some(27),
            pointer: Some("/messages/0/role".into()),
            span: Some(Span {
                offset: 300,
                length: 5,
            }),
            message: "unknown role \"bot\"".into(),
            help: "use \"assistant\"".into(),
            labels: Vec::new(),
            snippet: Some(Snippet {
                text: "…[{\"role\": \"bot\", \"content\": \"x\"}]}".into(),
                first_column: 14,
                start: 14,
                length: 5,
            }),
        }
    }

    #[test]
    fn shows_the_real_line_and_column_and_underlines_the_value() {
        let mut out = Vec::new();
        HumanRenderer::new(false, 100)
            .render("data.jsonl", &diagnostic(), &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("[data.jsonl:4:27]"), "{text}");
        assert!(text.contains("4 │ …[{\"role\": \"bot\""), "{text}");
        assert!(text.contains("─────"), "{text}");
        assert!(text.contains("help: use \"assistant\""), "{text}");
    }

    #[test]
    fn file_level_diagnostics_name_the_file() {
        let mut d = diagnostic();
        d.line = None;
        d.snippet = None;
        let mut out = Vec::new();
        HumanRenderer::new(false, 100)
            .render("data.jsonl", &d, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("data.jsonl: unknown role"), "{text}");
    }
}
