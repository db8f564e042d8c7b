//! What the training platform accepts, as the rules see it.
//!
//! Platforms that take the same chat format still differ in what they reject: one warns about
//! two user messages in a row, another refuses the file. A [`RuleProfile`] states those
//! differences as capabilities, so the rules ask "does the platform reject this?" and never
//! "which platform is it?". Each provider's profile is written next to the provider's other
//! facts.

use crate::dataset::Format;

/// Which messages may carry a `weight`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightScope {
    /// Only assistant messages: a weight anywhere else is rejected (FT111).
    Assistant,
    /// Any message: a weight of 0 or 1 decides whether that message is trained on.
    AnyMessage,
}

/// What the platform does with two consecutive messages of the same role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepeatedRoles {
    /// Accepted; FT204 warns, since it usually means a lost turn.
    Warned,
    /// Two assistant messages in a row are rejected (FT215); other repeats are warned about.
    AssistantRejected,
    /// Roles must alternate: any repeat is rejected (FT215).
    Rejected,
}

/// Where the images of `image_url` parts may come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageSources {
    /// An http(s) URL the platform downloads, or a `data:` URL.
    RemoteOrData,
    /// Only base64 `data:` URLs embedded in the line (FT310 reports the others).
    DataOnly,
}

/// Whether one example may mix string contents with content-part lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentForms {
    /// Each message picks its own form.
    Mixed,
    /// Every message of an example uses the same form (FT118 reports a mix).
    Uniform,
}

/// Which conversation format the platform reads natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversations {
    /// OpenAI's: `messages` of `role`/`content` (and the preference and reinforcement shapes
    /// built on it). A Vertex AI line is a chat line missing its messages (FT101 names
    /// `finetune convert --from vertex`).
    OpenAi,
    /// Vertex AI's Gemini tuning format: `contents` of `role`/`parts` turns, or `contents` and
    /// `completions` for preference tuning; an OpenAI line is an error (FT156).
    Vertex,
    /// Amazon Bedrock's conversation format for Nova: `schemaVersion`, `system` and `messages`
    /// of `user`/`assistant` turns whose `content` is a list of blocks (`{"text": …}`,
    /// `{"image": …}`, `{"video": …}`); an OpenAI line is an error (FT175).
    Bedrock,
}

/// The dataset rules of one training platform.
// Each bool is one independent capability of the platform, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleProfile {
    /// The plain formats ([`Format::Text`], [`Format::PromptCompletion`]) the platform trains
    /// on besides the chat formats; a line in a plain format it does not take is checked as a
    /// chat line, which it is missing the messages of (FT101).
    pub plain_formats: &'static [Format],
    /// The conversation format the platform reads.
    pub conversations: Conversations,
    /// Which messages may carry a `weight`.
    pub weights: WeightScope,
    /// What two consecutive messages of the same role are.
    pub repeated_roles: RepeatedRoles,
    /// Where images may come from.
    pub image_sources: ImageSources,
    /// Whether an example may mix the two forms of `content`.
    pub content_forms: ContentForms,
    /// Whether assistant messages may carry their chain of thought in `reasoning` (or
    /// `reasoning_content`).
    pub assistant_reasoning: bool,
    /// Whether a weight must be the integer 0 or 1, not `1.0` (FT110).
    pub integer_weights: bool,
    /// Whether a message with images may be trained on (a non-zero weight); where not, FT110
    /// reports its weight.
    pub weighted_images: bool,
    /// The fewest examples a training file may have (FT401).
    pub min_examples: u64,
    /// The most examples a training file may have, where the platform states a number (FT406).
    pub max_examples: Option<u64>,
    /// The most examples a validation file may have, where the platform states a number:
    /// `check --validation` reports a larger one (FT406), and `prepare`/`split` cap the
    /// validation side at it.
    pub max_validation_examples: Option<u64>,
    /// Whether the platform has a reinforcement method; where not, `--method reinforcement`
    /// is a usage error.
    pub reinforcement: bool,
    /// Whether the platform has a preference (DPO) method; where not, `--method dpo` is a
    /// usage error.
    pub preference: bool,
}

impl RuleProfile {
    /// The rules of the chat fine-tuning format as first published, which every other profile
    /// is written as a difference from.
    pub const BASELINE: RuleProfile = RuleProfile {
        plain_formats: &[],
        conversations: Conversations::OpenAi,
        weights: WeightScope::Assistant,
        repeated_roles: RepeatedRoles::Warned,
        image_sources: ImageSources::RemoteOrData,
        content_forms: ContentForms::Mixed,
        assistant_reasoning: false,
        integer_weights: false,
        weighted_images: true,
        min_examples: 10,
        max_examples: None,
        max_validation_examples: None,
        reinforcement: true,
        preference: true,
    };

    /// Whether the platform tunes with `method`.
    pub fn tunes(&self, method: crate::dataset::Method) -> bool {
        use crate::dataset::Method;
        match method {
            Method::Supervised => true,
            Method::Dpo => self.preference,
            Method::Reinforcement => self.reinforcement,
        }
    }

    /// Whether the platform reads Vertex AI's `contents`/`parts` format rather than OpenAI's.
    pub fn reads_vertex(&self) -> bool {
        self.conversations == Conversations::Vertex
    }

    /// Whether the platform reads Amazon Bedrock's conversation format rather than OpenAI's.
    pub fn reads_bedrock(&self) -> bool {
        self.conversations == Conversations::Bedrock
    }

    /// Whether a weight on a message of `role` is allowed.
    pub fn allows_weight_on(&self, role: &str) -> bool {
        role == "assistant" || self.weights == WeightScope::AnyMessage
    }

    /// Whether two consecutive messages of `role` are rejected, rather than warned about.
    pub fn rejects_repeated(&self, role: &str) -> bool {
        match self.repeated_roles {
            RepeatedRoles::Warned => false,
            RepeatedRoles::AssistantRejected => role == "assistant",
            RepeatedRoles::Rejected => true,
        }
    }
}

impl Default for RuleProfile {
    fn default() -> Self {
        Self::BASELINE
    }
}
