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
gpt-3.5-turbo-0125.

## Why it matters
The platform accepts longer examples but truncates them to the limit, so the end of the
conversation — usually the assistant reply being trained — is silently dropped. The estimate
bills only the first `limit` tokens of such an example.

## Example
A support transcript of 80,000 tokens checked with `--model gpt-4o-mini`.
",
};

/// Reports an example of `tokens` tokens over `limit`.
pub fn report(tokens: u32, limit: u32, out: &mut Findings) {
    out.at(
        &RULE,
        "",
        format!("example has {tokens} tokens; only the first {limit} are trained on"),
    );
}
