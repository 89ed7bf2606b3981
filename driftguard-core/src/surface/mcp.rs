//! Surface of an MCP server: what a client (and so the model) sees.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::is_false;
use crate::shape::Shape;

/// Server identity, tools, prompts, resources and resource templates.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpSurface {
    /// Prompts by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub prompts: BTreeMap<String, Prompt>,
    /// Resource templates by URI template.
    #[serde(
        rename = "resourceTemplates",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub resource_templates: BTreeMap<String, Resource>,
    /// Resources by URI.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resources: BTreeMap<String, Resource>,
    /// The server's identity, capabilities and instructions.
    pub server: Server,
    /// Tools by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tools: BTreeMap<String, Tool>,
}

/// What the server says about itself in `initialize` (or `server/discover`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Capabilities, canonical JSON (`{}` members kept: presence is the signal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Value>,
    /// Icons, canonical JSON, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Value>,
    /// `instructions` — model-visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `serverInfo.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Negotiated protocol version.
    #[serde(
        rename = "protocolVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub protocol_version: Option<String>,
    /// `serverInfo.title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `serverInfo.version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `serverInfo.websiteUrl`.
    #[serde(
        rename = "websiteUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub website_url: Option<String>,
}

/// Tool annotations with the spec defaults made explicit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolAnnotations {
    /// `destructiveHint` (default true).
    #[serde(rename = "destructiveHint")]
    pub destructive_hint: bool,
    /// `idempotentHint` (default false).
    #[serde(rename = "idempotentHint")]
    pub idempotent_hint: bool,
    /// `openWorldHint` (default true).
    #[serde(rename = "openWorldHint")]
    pub open_world_hint: bool,
    /// `readOnlyHint` (default false).
    #[serde(rename = "readOnlyHint")]
    pub read_only_hint: bool,
    /// `title` annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Default for ToolAnnotations {
    /// The MCP specification's defaults.
    fn default() -> Self {
        ToolAnnotations {
            destructive_hint: true,
            idempotent_hint: false,
            open_world_hint: true,
            read_only_hint: false,
            title: None,
        }
    }
}

/// Tool execution properties with spec defaults made explicit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Execution {
    /// `taskSupport`: `forbidden` (default), `optional` or `required`.
    #[serde(rename = "taskSupport")]
    pub task_support: String,
}

impl Default for Execution {
    fn default() -> Self {
        Execution {
            task_support: "forbidden".into(),
        }
    }
}

/// A tool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// Annotations, defaults applied.
    pub annotations: ToolAnnotations,
    /// Description — model-visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Execution properties, defaults applied.
    pub execution: Execution,
    /// Icons, canonical JSON, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Value>,
    /// `inputSchema`, lowered (input position).
    #[serde(rename = "inputSchema")]
    pub input_schema: Shape,
    /// `outputSchema`, lowered (output position).
    #[serde(
        rename = "outputSchema",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub output_schema: Option<Shape>,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A prompt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    /// Arguments by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arguments: BTreeMap<String, PromptArgument>,
    /// Description — model-visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Icons, canonical JSON, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Value>,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A prompt argument.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptArgument {
    /// Description — model-visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `required: true`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A resource or a resource template.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Annotations (audience, priority…), canonical JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    /// Description — model-visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Icons, canonical JSON, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<Value>,
    /// `mimeType`.
    #[serde(rename = "mimeType", default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Programmatic name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `size` in bytes, when declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Display title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::assert_canonical;

    #[test]
    fn fields_are_sorted() {
        let r = Resource {
            annotations: Some(Value::Null),
            description: Some("d".into()),
            icons: vec![Value::Null],
            mime_type: Some("m".into()),
            name: Some("n".into()),
            size: Some(1),
            title: Some("t".into()),
        };
        let s = McpSurface {
            prompts: [(
                "p".into(),
                Prompt {
                    arguments: [(
                        "a".into(),
                        PromptArgument {
                            description: Some("d".into()),
                            required: true,
                            title: Some("t".into()),
                        },
                    )]
                    .into(),
                    description: Some("d".into()),
                    icons: vec![Value::Null],
                    title: Some("t".into()),
                },
            )]
            .into(),
            resource_templates: [("t".into(), r.clone())].into(),
            resources: [("r".into(), r)].into(),
            server: Server {
                capabilities: Some(Value::Null),
                icons: vec![Value::Null],
                instructions: Some("i".into()),
                name: Some("n".into()),
                protocol_version: Some("p".into()),
                title: Some("t".into()),
                version: Some("v".into()),
                website_url: Some("w".into()),
            },
            tools: [(
                "t".into(),
                Tool {
                    annotations: ToolAnnotations {
                        title: Some("t".into()),
                        ..ToolAnnotations::default()
                    },
                    description: Some("d".into()),
                    execution: Execution::default(),
                    icons: vec![Value::Null],
                    input_schema: Shape::Bool(true),
                    output_schema: Some(Shape::Bool(true)),
                    title: Some("t".into()),
                },
            )]
            .into(),
        };
        assert_canonical(&s);
    }
}
