use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT004",
    name: "blank-line",
    family: Family::Syntax,
    severity: Severity::Error,
    summary: "the line is empty or holds only white space",
    help: "delete the blank line; every line of a JSON Lines file must be one example",
    docs: r#"## What it checks
A line that is empty or holds only spaces, tabs or a carriage return. The final newline at the
end of the file does not make a blank line.

## Why it matters
Every line of a fine-tuning file is read as one example, and an empty line is not a JSON value:
the upload is rejected. Blank lines usually come from joining files with `cat` or from editors
adding an extra newline.

## Example
```text
{"messages": [...]}

{"messages": [...]}
```
"#,
};

/// Reports a blank line.
pub fn report(line: &[u8], out: &mut Findings) {
    out.in_range(&RULE, (0, line.len()), "blank line".to_owned());
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::assert_rule;

    #[test]
    fn pass_and_fail() {
        assert_rule(&RULE, &[r#"{"messages": []}"#], &["", "   ", "\t", " \r"]);
    }
}
