use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT001",
    name: "invalid-utf8",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the line is not valid UTF-8",
    help: "save the file as UTF-8; the bytes shown are not valid in that encoding",
    docs: r"## What it checks
Every line must be valid UTF-8. The first invalid byte sequence of the line is reported.

## Why it matters
JSON Lines files are UTF-8 by definition. The platform rejects the file at upload; files saved
as Latin-1 or Windows-1252 by a spreadsheet are the usual cause.

## Example
A line containing the byte `0xE9` (Latin-1 `é`) where UTF-8 expects `0xC3 0xA9`.
",
};

/// Reports the first invalid sequence of a line.
pub fn report(error: &std::str::Utf8Error, out: &mut Findings) {
    let start = error.valid_up_to();
    let length = error.error_len().unwrap_or(1);
    out.in_range(
        &RULE,
        (start, length),
        format!("invalid UTF-8 at byte {} of the line", start + 1),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::CheckOptions;
    use crate::lint::checker::lint_line;

    #[test]
    fn reports_the_first_invalid_byte() {
        let line = b"{\"messages\": \"caf\xe9\"}";
        let result = lint_line(line, false, &CheckOptions::default());
        let findings: Vec<_> = result.findings.iter().collect();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].rule.code, "FT001");
        assert_eq!(findings[0].range, Some((17, 1)));
    }

    #[test]
    fn valid_utf8_passes() {
        let result = lint_line(
            "{\"é\": \"日本\"}".as_bytes(),
            false,
            &CheckOptions::default(),
        );
        assert!(result.findings.iter().all(|f| f.rule.code != "FT001"));
    }
}
