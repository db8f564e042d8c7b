//! FT2xx: the shape of the conversation: role order, training targets and tool-call pairing.

pub mod bedrock_media_outside_user;
pub mod bedrock_turn_order;
pub mod input_ends_with_assistant;
pub mod invalid_tool_definition;
pub mod last_not_assistant;
pub mod last_not_user;
pub mod no_assistant_message;
pub mod nothing_trained;
pub mod repeated_role;
pub mod repeated_role_rejected;
pub mod system_not_first;
pub mod tool_call_arguments_invalid_json;
pub mod tool_call_arguments_not_string;
pub mod tool_call_missing_id;
pub mod tool_call_missing_name;
pub mod undefined_tool_call;
pub mod unmatched_tool_message;
pub mod vertex_function_part_in_wrong_turn;
pub mod vertex_last_not_model;
pub mod vertex_prompt_not_ending_with_user;
pub mod vertex_roles_not_alternating;
pub mod vertex_undefined_function;

use serde_json::{Map, Value};

use crate::lint::{Message, Record};

/// Every message whose role is the same as the message's before it, with that message, in
/// order; messages of roles the method does not allow are skipped.
pub(crate) fn repeated_roles<'a>(
    record: &Record<'a>,
) -> impl Iterator<Item = (Message<'a>, Message<'a>)> + 'a {
    let mut previous: Option<Message<'a>> = None;
    record.known_role_messages().filter_map(move |message| {
        let pair = previous
            .filter(|before| before.role == message.role)
            .map(|before| (before, message));
        previous = Some(message);
        pair
    })
}

/// One function call made by an assistant: a `tool_calls` entry or a legacy `function_call`.
pub(crate) struct Call<'a> {
    /// Pointer to the call object (the tool call, or `function_call`).
    pub pointer: String,
    /// The call's `function` object (for a legacy call, the `function_call` object itself).
    pub function: &'a Map<String, Value>,
    /// The tool call object, `None` for a legacy call.
    pub tool: Option<&'a Map<String, Value>>,
}

/// Every call made by the example's assistant messages whose `function` is an object.
pub(crate) fn calls(record: Record<'_>) -> Vec<Call<'_>> {
    let mut calls = Vec::new();
    for message in record.message_objects().filter(|m| m.is("assistant")) {
        for (index, call) in message.tool_calls().iter().enumerate() {
            let Some(tool_call) = call.as_object() else {
                continue;
            };
            if let Some(function) = tool_call.get("function").and_then(Value::as_object) {
                calls.push(Call {
                    pointer: format!("{}/tool_calls/{index}", message.pointer()),
                    function,
                    tool: Some(tool_call),
                });
            }
        }
        if let Some(function) = message
            .fields
            .get("function_call")
            .and_then(Value::as_object)
        {
            calls.push(Call {
                pointer: message.pointer_to("function_call"),
                function,
                tool: None,
            });
        }
    }
    calls
}

impl Call<'_> {
    /// Pointer to the call's `function` object.
    pub fn function_pointer(&self) -> String {
        if self.tool.is_some() {
            format!("{}/function", self.pointer)
        } else {
            self.pointer.clone()
        }
    }
}
