use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

/// The UTF-8 encoding of U+FEFF.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub static RULE: Rule = Rule {
    code: "FT005",
    name: "byte-order-mark",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the file starts with a UTF-8 byte order mark",
    help: "save the file as UTF-8 without BOM (in Python: encoding=\"utf-8\", not \"utf-8-sig\")",
    docs: r#"## What it checks
The first three bytes of the file are `EF BB BF`, the UTF-8 byte order mark. The rest of the
first line is still checked as if the mark were absent.

## Why it matters
JSON forbids a byte order mark, so the first line does not parse on the platform and the file is
rejected. Windows editors and Excel add the mark when saving "UTF-8".

## Example
```text
\xEF\xBB\xBF{"messages": [...]}
```
"#,
};

/// Reports the byte order mark at the start of the first line.
pub fn report(out: &mut Findings) {
    out.in_range(
        &RULE,
        (0, BOM.len()),
        "file starts with a UTF-8 byte order mark".to_owned(),
    );
}

#[cfg(test)]
mod tests {
    use crate::lint::CheckOptions;
    use crate::lint::checker::lint_line;

    #[test]
    fn only_the_first_line_is_checked_and_the_rest_still_is() {
        let line = b"\xEF\xBB\xBF{\"messages\": 1}";
        let first: Vec<_> = lint_line(line, true, &CheckOptions::default())
            .findings
            .iter()
            .map(|f| f.rule.code)
            .collect();
        assert_eq!(first, ["FT005", "FT102"]);
        let later: Vec<_> = lint_line(line, false, &CheckOptions::default())
            .findings
            .iter()
            .map(|f| f.rule.code)
            .collect();
        assert_eq!(later, ["FT002"]);
    }
}
