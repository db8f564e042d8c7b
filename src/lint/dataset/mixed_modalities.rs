use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::lint::{Family, Rule, with_article};

pub static RULE: Rule = Rule {
    code: "FT407",
    name: "mixed-modalities",
    family: Family::Dataset,
    severity: Severity::Error,
    summary: "an Amazon Bedrock dataset holds both images and videos",
    help: "keep one kind of media per dataset: text with images, or text with videos, in separate files and jobs",
    docs: r#"## What it checks
Checked with `--provider bedrock`: the examples of one file hold images or videos, not both.
"The dataset can't contain different media modalities. That is, the dataset can either be text
with images or text with videos"
(https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html);
"You cannot mix images and videos within the same dataset or across different turns"
(https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html). The first
block of the kind that appears second is reported, with a label on the first of the other
kind. Text-only examples mix with either.

The page also requires the media to be in the same S3 bucket as the dataset; where the
dataset will be uploaded is not known to a local check, so that is not checked.

## Why it matters
Bedrock fails the job on a dataset that mixes media; the file has to be split by kind.

## Example
A file whose line 2 holds an image and line 7 a video.
"#,
};

/// The diagnostic for a file whose first image is at `image` and first video at `video`
/// (line, pointer): on whichever comes second.
pub fn diagnostic(image: &(u64, String), video: &(u64, String)) -> Diagnostic {
    let ((line, pointer, kind), (other_line, other)) = if video.0 >= image.0 {
        ((video.0, &video.1, "video"), (image.0, "image"))
    } else {
        ((image.0, &image.1, "image"), (video.0, "video"))
    };
    let mut diagnostic = RULE.diagnostic(
        Some(line),
        format!(
            "line holds {}, but line {other_line} holds {}: a dataset takes images or videos, not both",
            with_article(kind),
            with_article(other)
        ),
    );
    diagnostic.pointer = Some(pointer.clone());
    diagnostic.labels.push(Label {
        line: other_line,
        message: format!("first {other}"),
    });
    diagnostic
}

#[cfg(test)]
mod tests {
    use super::diagnostic;

    #[test]
    fn the_later_kind_is_reported_with_the_first_of_the_other() {
        let found = diagnostic(&(2, "/a".to_owned()), &(5, "/v".to_owned()));
        assert_eq!(found.line, Some(5));
        assert_eq!(found.pointer.as_deref(), Some("/v"));
        assert_eq!(
            found.message,
            "line holds a video, but line 2 holds an image: a dataset takes images or videos, not both"
        );
        let found = diagnostic(&(4, "/a".to_owned()), &(1, "/v".to_owned()));
        assert_eq!(found.line, Some(4));
        assert!(
            found
                .message
                .starts_with("line holds an image, but line 1 holds a video")
        );
    }
}
