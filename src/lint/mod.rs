//! The rules and the checks that apply them.
//!
//! A rule is one small file in its family's folder: its [`Rule`] constant (code, name, default
//! severity, help and docs), its check, and its pass/fail tests. The checks run in three passes:
//! per line (bytes and JSON syntax), per record (schema, conversation shape, content; in
//! parallel), and per dataset (counts, duplicates). Rules never print: they push [`Finding`]s,
//! which [`checker`] turns into sorted [`Diagnostic`](crate::diagnostic::Diagnostic)s.

pub mod bedrock;
pub mod checker;
pub mod content;
pub mod conversation;
pub mod dataset;
mod filter;
pub mod profile;
mod record;
pub mod schema;
pub mod syntax;
pub mod vertex;

#[cfg(test)]
pub(crate) mod testing;

pub use checker::{
    CheckError, CheckOptions, DiagnosticSink, FileSummary, LONGEST_HELD_LINE, TokenSettings,
    TokenSummary, check_file, check_stream,
};
pub use filter::{RuleFilter, UnknownSelector};
pub use profile::{
    ContentForms, Conversations, ImageSources, RepeatedRoles, RuleProfile, WeightScope,
};
pub use record::{
    CHAT_ROLES, Message, REASONING_KEYS, REINFORCEMENT_ROLES, Record, Text, message_keys,
    part_types, roles,
};

use crate::dataset::Format;
use crate::diagnostic::{Diagnostic, Severity};

/// The family a rule belongs to; it decides the hundreds digit of the rule's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// FT0xx: bytes and JSON syntax.
    Syntax,
    /// FT1xx: keys, types and roles.
    Schema,
    /// FT2xx: role order and tool-call pairing.
    Conversation,
    /// FT3xx: text and image content.
    Content,
    /// FT4xx: the dataset as a whole.
    Dataset,
}

impl Family {
    /// The family's name as printed by `finetune rule --all`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::Syntax => "syntax",
            Family::Schema => "schema",
            Family::Conversation => "conversation",
            Family::Content => "content",
            Family::Dataset => "dataset",
        }
    }
}

/// A lint rule: its stable identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable code, `FT` and three digits; never reused.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    /// The family the rule belongs to.
    pub family: Family,
    /// Severity unless configured otherwise.
    pub severity: Severity,
    /// One line saying what the rule reports.
    pub summary: &'static str,
    /// The default help line: how to fix what the rule reports.
    pub help: &'static str,
    /// Markdown docs: what it checks, why it matters, an example.
    pub docs: &'static str,
}

impl Rule {
    /// A diagnostic of this rule about a whole line (`line`) or the whole file (`None`), with
    /// the rule's help; for the dataset rules, which have no value to point at.
    pub fn diagnostic(&self, line: Option<u64>, message: String) -> Diagnostic {
        Diagnostic {
            code: self.code,
            name: self.name,
            severity: self.severity,
            line,
            column: None,
            pointer: None,
            span: None,
            message,
            help: self.help.to_owned(),
            labels: Vec::new(),
            snippet: None,
        }
    }
}

/// One problem found by a rule on one line, before it gets its position in the file.
#[derive(Debug)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static Rule,
    /// JSON pointer of the offending value, if the finding is about one value.
    pub pointer: Option<String>,
    /// Byte range within the line, for findings that have no pointer (syntax errors).
    pub range: Option<(usize, usize)>,
    /// The message, quoting the concrete value.
    pub message: String,
    /// A help line more specific than the rule's default one.
    pub help: Option<String>,
}

/// The findings of one line; rules push into it.
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
}

impl Findings {
    /// Reports a problem about the value at `pointer`.
    pub fn at(&mut self, rule: &'static Rule, pointer: impl Into<String>, message: String) {
        self.items.push(Finding {
            rule,
            pointer: Some(pointer.into()),
            range: None,
            message,
            help: None,
        });
    }

    /// Reports a problem about the value at `pointer`, with a help line of its own.
    pub fn at_with_help(
        &mut self,
        rule: &'static Rule,
        pointer: impl Into<String>,
        message: String,
        help: String,
    ) {
        self.items.push(Finding {
            rule,
            pointer: Some(pointer.into()),
            range: None,
            message,
            help: Some(help),
        });
    }

    /// Reports a problem about a byte range of the raw line.
    pub fn in_range(&mut self, rule: &'static Rule, range: (usize, usize), message: String) {
        self.items.push(Finding {
            rule,
            pointer: None,
            range: Some(range),
            message,
            help: None,
        });
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The findings, in the order they were pushed.
    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }

    /// The findings so far.
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.items.iter()
    }
}

/// The check a record-level rule runs on every parsed line.
pub type RecordCheck = fn(&Record<'_>, &mut Findings);

/// Every rule, in code order. Codes are never reused: a retired rule keeps its place here.
pub static RULES: &[&Rule] = &[
    &syntax::invalid_utf8::RULE,
    &syntax::invalid_json::RULE,
    &syntax::not_an_object::RULE,
    &syntax::blank_line::RULE,
    &syntax::byte_order_mark::RULE,
    &syntax::unreadable_input::RULE,
    &syntax::lone_surrogate::RULE,
    &syntax::number_out_of_range::RULE,
    &syntax::nesting_too_deep::RULE,
    &syntax::nesting_rejected::RULE,
    &schema::missing_messages::RULE,
    &schema::messages_not_a_list::RULE,
    &schema::unknown_role::RULE,
    &schema::empty_messages::RULE,
    &schema::message_not_an_object::RULE,
    &schema::unknown_message_key::RULE,
    &schema::missing_role::RULE,
    &schema::invalid_content_type::RULE,
    &schema::assistant_without_content::RULE,
    &schema::invalid_weight::RULE,
    &schema::weight_on_non_assistant::RULE,
    &schema::unknown_top_level_key::RULE,
    &schema::invalid_content_part::RULE,
    &schema::invalid_field_type::RULE,
    &schema::missing_input::RULE,
    &schema::invalid_preference_output::RULE,
    &schema::legacy_preference_field::RULE,
    &schema::mixed_content_forms::RULE,
    &schema::invalid_plain_field::RULE,
    &schema::vertex_missing_contents::RULE,
    &schema::vertex_invalid_turn::RULE,
    &schema::vertex_unknown_role::RULE,
    &schema::vertex_invalid_part::RULE,
    &schema::vertex_invalid_file_data::RULE,
    &schema::vertex_unknown_key::RULE,
    &schema::openai_format_for_vertex::RULE,
    &schema::vertex_invalid_completions::RULE,
    &schema::vertex_invalid_tools::RULE,
    &schema::vertex_missing_role::RULE,
    &schema::vertex_key_spelled_twice::RULE,
    &schema::bedrock_invalid_schema_version::RULE,
    &schema::bedrock_invalid_message::RULE,
    &schema::bedrock_invalid_content_block::RULE,
    &schema::bedrock_unknown_key::RULE,
    &schema::openai_format_for_bedrock::RULE,
    &schema::bedrock_format_elsewhere::RULE,
    &conversation::no_assistant_message::RULE,
    &conversation::nothing_trained::RULE,
    &conversation::system_not_first::RULE,
    &conversation::repeated_role::RULE,
    &conversation::last_not_assistant::RULE,
    &conversation::tool_call_missing_id::RULE,
    &conversation::tool_call_missing_name::RULE,
    &conversation::tool_call_arguments_not_string::RULE,
    &conversation::tool_call_arguments_invalid_json::RULE,
    &conversation::unmatched_tool_message::RULE,
    &conversation::invalid_tool_definition::RULE,
    &conversation::undefined_tool_call::RULE,
    &conversation::input_ends_with_assistant::RULE,
    &conversation::last_not_user::RULE,
    &conversation::repeated_role_rejected::RULE,
    &conversation::vertex_roles_not_alternating::RULE,
    &conversation::vertex_function_part_in_wrong_turn::RULE,
    &conversation::vertex_last_not_model::RULE,
    &conversation::vertex_undefined_function::RULE,
    &conversation::vertex_prompt_not_ending_with_user::RULE,
    &conversation::bedrock_turn_order::RULE,
    &conversation::bedrock_media_outside_user::RULE,
    &content::empty_content::RULE,
    &content::special_token::RULE,
    &content::image_outside_user::RULE,
    &content::invalid_image_url::RULE,
    &content::unsupported_image_format::RULE,
    &content::too_many_images::RULE,
    &content::invalid_image_data::RULE,
    &content::example_too_long::RULE,
    &content::identical_preference_outputs::RULE,
    &content::remote_image_url::RULE,
    &content::vertex_preference_not_text::RULE,
    &content::bedrock_reserved_keyword::RULE,
    &content::bedrock_too_many_videos::RULE,
    &dataset::too_few_examples::RULE,
    &dataset::duplicate_example::RULE,
    &dataset::mixed_formats::RULE,
    &dataset::no_reference_fields::RULE,
    &dataset::train_validation_leakage::RULE,
    &dataset::too_many_examples::RULE,
    &dataset::mixed_modalities::RULE,
];

/// Every format with messages.
const ALL: &[Format] = &[Format::Chat, Format::Preference, Format::Reinforcement];
/// Supervised chat examples only.
const SUPERVISED: &[Format] = &[Format::Chat];
/// Preference examples only.
const DPO: &[Format] = &[Format::Preference];
/// Reinforcement examples only.
const REINFORCEMENT: &[Format] = &[Format::Reinforcement];
/// Every format.
const ANY: &[Format] = &Format::ALL;
/// The plain formats, without messages.
const PLAIN: &[Format] = &[Format::Text, Format::PromptCompletion];
/// OpenAI's formats, which a platform reading Vertex AI's rejects (FT156).
const OPENAI: &[Format] = &[
    Format::Chat,
    Format::Preference,
    Format::Reinforcement,
    Format::Text,
    Format::PromptCompletion,
];
/// Vertex AI's formats.
const VERTEX: &[Format] = &[Format::VertexSupervised, Format::VertexPreference];
/// Amazon Bedrock's format.
const BEDROCK: &[Format] = &[Format::BedrockConversation];
/// Vertex AI supervised examples only.
const VERTEX_SUPERVISED: &[Format] = &[Format::VertexSupervised];
/// Vertex AI preference examples only.
const VERTEX_PREFERENCE: &[Format] = &[Format::VertexPreference];

/// The record-level checks, run on every line that parsed as a JSON object, with the formats
/// whose examples each applies to.
pub(crate) static RECORD_CHECKS: &[(RecordCheck, &[Format])] = &[
    (schema::missing_input::check, DPO),
    (schema::missing_messages::check, ALL),
    (schema::messages_not_a_list::check, ALL),
    (schema::empty_messages::check, ALL),
    (schema::message_not_an_object::check, ALL),
    (schema::missing_role::check, ALL),
    (schema::unknown_role::check, ALL),
    (schema::unknown_message_key::check, ALL),
    (schema::invalid_content_type::check, ALL),
    (schema::invalid_content_part::check, ALL),
    (schema::assistant_without_content::check, ALL),
    (schema::invalid_weight::check, ALL),
    (schema::weight_on_non_assistant::check, ALL),
    (schema::unknown_top_level_key::check, ANY),
    (schema::invalid_plain_field::check, PLAIN),
    (schema::invalid_field_type::check, ALL),
    (schema::invalid_preference_output::check, DPO),
    (schema::legacy_preference_field::check, DPO),
    (schema::mixed_content_forms::check, ALL),
    (conversation::no_assistant_message::check, SUPERVISED),
    (conversation::nothing_trained::check, SUPERVISED),
    (conversation::system_not_first::check, ALL),
    (conversation::repeated_role::check, ALL),
    (conversation::repeated_role_rejected::check, ALL),
    (conversation::last_not_assistant::check, SUPERVISED),
    (conversation::input_ends_with_assistant::check, DPO),
    (conversation::last_not_user::check, REINFORCEMENT),
    (conversation::tool_call_missing_id::check, ALL),
    (conversation::tool_call_missing_name::check, ALL),
    (conversation::tool_call_arguments_not_string::check, ALL),
    (conversation::tool_call_arguments_invalid_json::check, ALL),
    (conversation::unmatched_tool_message::check, ALL),
    (conversation::invalid_tool_definition::check, ALL),
    (conversation::undefined_tool_call::check, ALL),
    (content::empty_content::check, ALL),
    (content::special_token::check, ALL),
    (content::image_outside_user::check, ALL),
    (content::invalid_image_url::check, ALL),
    (content::unsupported_image_format::check, ALL),
    (content::too_many_images::check, ALL),
    (content::invalid_image_data::check, ALL),
    (content::remote_image_url::check, ALL),
    (content::identical_preference_outputs::check, DPO),
    (schema::openai_format_for_vertex::check, OPENAI),
    (schema::vertex_missing_contents::check, VERTEX),
    (schema::vertex_invalid_turn::check, VERTEX),
    (schema::vertex_unknown_role::check, VERTEX),
    (schema::vertex_missing_role::check, VERTEX),
    (schema::vertex_key_spelled_twice::check, VERTEX),
    (schema::vertex_invalid_part::check, VERTEX),
    (schema::vertex_invalid_file_data::check, VERTEX),
    (schema::vertex_unknown_key::check, VERTEX),
    (schema::vertex_invalid_completions::check, VERTEX_PREFERENCE),
    (schema::vertex_invalid_tools::check, VERTEX),
    (conversation::vertex_roles_not_alternating::check, VERTEX),
    (
        conversation::vertex_function_part_in_wrong_turn::check,
        VERTEX,
    ),
    (
        conversation::vertex_last_not_model::check,
        VERTEX_SUPERVISED,
    ),
    (conversation::vertex_undefined_function::check, VERTEX),
    (
        conversation::vertex_prompt_not_ending_with_user::check,
        VERTEX_PREFERENCE,
    ),
    (
        content::vertex_preference_not_text::check,
        VERTEX_PREFERENCE,
    ),
    (content::empty_content::check_vertex, VERTEX),
    (
        content::identical_preference_outputs::check_vertex,
        VERTEX_PREFERENCE,
    ),
    (schema::openai_format_for_bedrock::check, OPENAI),
    (schema::bedrock_format_elsewhere::check, BEDROCK),
    (schema::bedrock_invalid_schema_version::check, BEDROCK),
    (schema::bedrock_invalid_message::check, BEDROCK),
    (schema::bedrock_invalid_content_block::check, BEDROCK),
    (schema::bedrock_unknown_key::check, BEDROCK),
    (conversation::bedrock_turn_order::check, BEDROCK),
    (conversation::bedrock_media_outside_user::check, BEDROCK),
    (content::empty_content::check_bedrock, BEDROCK),
    (content::bedrock_reserved_keyword::check, BEDROCK),
    (content::bedrock_too_many_videos::check, BEDROCK),
];

/// Looks a rule up by its code (`FT103`, case-insensitive) or its name (`unknown-role`).
pub fn find_rule(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.code.eq_ignore_ascii_case(code_or_name) || rule.name == code_or_name)
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Quotes a value for a message, shortened so a huge value never floods the output.
pub fn quote(value: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut shown: String = value.chars().take(MAX_CHARS).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// The role with its indefinite article, as in "an assistant message".
pub fn with_article(role: &str) -> String {
    // By sound: "an assistant", but "a user".
    let article = if role.starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {role}")
}

/// Names a JSON value's type the way messages and help lines speak of it.
pub fn type_name(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for rule in RULES {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert_eq!(rule.code.len(), 5);
            assert!(rule.code.starts_with("FT"));
            let family_digit = match rule.family {
                Family::Syntax => '0',
                Family::Schema => '1',
                Family::Conversation => '2',
                Family::Content => '3',
                Family::Dataset => '4',
            };
            assert_eq!(
                rule.code.as_bytes()[2] as char,
                family_digit,
                "{}",
                rule.code
            );
            assert!(
                rule.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            for section in ["## What it checks", "## Why it matters", "## Example"] {
                assert!(rule.docs.contains(section), "{} lacks {section}", rule.code);
            }
            assert!(
                !rule.help.ends_with('.'),
                "{} help ends with a period",
                rule.code
            );
        }
    }

    #[test]
    fn rules_are_listed_in_code_order() {
        let codes: Vec<_> = RULES.iter().map(|rule| rule.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn find_rule_by_code_or_name() {
        assert_eq!(find_rule("ft103").unwrap().name, "unknown-role");
        assert_eq!(find_rule("unknown-role").unwrap().code, "FT103");
        assert!(find_rule("FT999").is_none());
    }

    #[test]
    fn quote_shortens_long_values() {
        assert_eq!(quote("bot"), "\"bot\"");
        let long = "x".repeat(100);
        assert_eq!(quote(&long).chars().count(), 63);
    }
}
