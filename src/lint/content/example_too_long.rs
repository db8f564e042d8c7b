use crate::diagnostic::Severity;
use crate::lint::{Family, Findings, Rule};

pub static RULE: Rule = Rule {
    code: "FT308",
    name: "example-too-long",
    family: Family::Content,
    severity: Severity::Warning,
    summary: "the example has more tokens than the model trains on",
    help: "shorten the conversation or split it into several examples; the tokens past the limit are cut off",
    docs: r"## What it checks
The example's token count (see the README's counting rules) is at most the per-example limit of
the model given with `--model`: 65,536 tokens for the gpt-4o and gpt-4.1 families, 16,385 for
gpt-3.5-turbo-0125; 131,072 input and output tokens for Gemini 2.5 Flash and Flash-Lite on
Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-supervised-tuning),
whose count is approximate (Gemini's tokenizer is not tiktoken's) and says so.

## Why it matters
The platform accepts longer examples but truncates them to the limit, so the end of the
conversation — usually the assistant reply being trained — is silently dropped. The estimate
bills only the first `limit` tokens of such an example.

## Example
A support transcript of 80,000 tokens checked with `--model gpt-4o-mini`.
",
};

/// Reports an example of `tokens` tokens over `limit`; `approximate` when the count is not
/// the model's own tokenizer's.
pub fn report(tokens: u32, limit: u32, approximate: bool, out: &mut Findings) {
    let about = if approximate { "about " } else { "" };
    let note = if approximate {
        " (counted approximately: the model's tokenizer is not tiktoken's)"
    } else {
        ""
    };
    out.at(
        &RULE,
        "",
        format!("example has {about}{tokens} tokens; only the first {limit} are trained on{note}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approximate_count_says_so() {
        let mut out = Findings::default();
        report(140_000, 131_072, true, &mut out);
        report(70_000, 65_536, false, &mut out);
        let messages: Vec<&str> = out.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "example has about 140000 tokens; only the first 131072 are trained on (counted approximately: the model's tokenizer is not tiktoken's)",
                "example has 70000 tokens; only the first 65536 are trained on",
            ]
        );
    }
}
