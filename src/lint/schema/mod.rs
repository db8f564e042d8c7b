//! FT1xx: keys, types and roles of a chat example.

pub mod assistant_without_content;
pub mod empty_messages;
pub mod invalid_content_part;
pub mod invalid_content_type;
pub mod invalid_field_type;
pub mod invalid_plain_field;
pub mod invalid_preference_output;
pub mod invalid_weight;
pub mod legacy_preference_field;
pub mod message_not_an_object;
pub mod messages_not_a_list;
pub mod missing_input;
pub mod missing_messages;
pub mod missing_role;
pub mod mixed_content_forms;
pub mod unknown_message_key;
pub mod unknown_role;
pub mod unknown_top_level_key;
pub mod weight_on_non_assistant;
