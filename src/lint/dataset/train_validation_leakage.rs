use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::{Family, Rule};

pub static RULE: Rule = Rule {
    code: "FT405",
    name: "train-validation-leakage",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "a validation example is an exact or near copy of a training example",
    help: "remove the copy from one side, or split again with `finetune split`, which keeps duplicates on one side",
    docs: r"## What it checks
With `finetune check TRAIN --validation VALIDATION`, no validation example is an exact copy
(after normalising key order, spacing and Unicode) or a near copy of a training example: at
least 0.9 of the longer one's words are in the other, in the same order, so that every pair
differing in at most a tenth of its words counts, however short (the definition `dedupe` and
`split` use). The validation line is reported, naming the training line and the similarity.

## Why it matters
The validation loss is meant to show how the model does on examples it has not seen. A copy on
both sides makes it look better than it is, and hides overfitting. The platform does not check
this.

## Example
The same conversation at line 12 of the training file and line 3 of the validation file.
",
};

/// The diagnostic for validation `line` leaking training `train_line` of `train_path`;
/// `similarity` is `None` for an exact copy.
pub fn diagnostic(
    line: u64,
    train_path: &str,
    train_line: u64,
    similarity: Option<f64>,
) -> Diagnostic {
    let what = match similarity {
        None => "an exact copy".to_owned(),
        Some(similarity) => format!("a near copy (similarity {similarity:.2})"),
    };
    let mut diagnostic = RULE.diagnostic(
        Some(line),
        format!("validation example is {what} of {train_path}:{train_line}"),
    );
    diagnostic.labels.push(Label {
        line: train_line,
        message: format!("training example in {train_path}"),
    });
    diagnostic
}
