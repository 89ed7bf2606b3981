//! Surface of an HTTP API described by OpenAPI 3.0/3.1 or Swagger 2.0.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::is_false;
use crate::shape::Shape;

/// Operations, webhooks, security schemes and servers of an API.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSurface {
    /// Operations keyed `METHOD /path` (method upper-case, path as written).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<String, Operation>,
    /// Security schemes by name, canonical JSON of their definition.
    #[serde(
        rename = "securitySchemes",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub security_schemes: BTreeMap<String, Value>,
    /// Document-level servers, in order (the first is the default).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Webhooks (OpenAPI 3.1) keyed `METHOD name`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub webhooks: BTreeMap<String, Operation>,
}

/// One operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Callbacks: callback name → `METHOD expression` → operation.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub callbacks: BTreeMap<String, BTreeMap<String, Operation>>,
    /// `deprecated: true`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// Description (path-level description when the operation has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `x-` extensions of the operation, verbatim (except `x-sunset`, see `sunset`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Value>,
    /// `operationId`.
    #[serde(
        rename = "operationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub operation_id: Option<String>,
    /// Parameters (path-level merged in, operation-level winning) by location and name.
    #[serde(default, skip_serializing_if = "Parameters::is_empty")]
    pub parameters: Parameters,
    /// The request body, if any (Swagger 2 `body`/`formData` parameters land here).
    #[serde(
        rename = "requestBody",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub request_body: Option<RequestBody>,
    /// Responses by status code as written (`200`, `4XX`, `default`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub responses: BTreeMap<String, Response>,
    /// Effective security: alternatives (any one suffices), each scheme → sorted scopes.
    /// `None` = no requirement stated anywhere; `Some([])` = explicitly none.
    /// An alternative that is `{}` means "anonymous allowed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<BTreeMap<String, BTreeSet<String>>>>,
    /// Operation- or path-level servers overriding the document's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Summary (path-level summary when the operation has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `x-sunset` date, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunset: Option<String>,
    /// Tags, sorted.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tags: BTreeSet<String>,
}

/// Parameters of an operation by location, each keyed by name (header names are
/// lower-cased: HTTP header names are case-insensitive).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// Cookie parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cookie: BTreeMap<String, Parameter>,
    /// Header parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub header: BTreeMap<String, Parameter>,
    /// Path parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub path: BTreeMap<String, Parameter>,
    /// Query parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, Parameter>,
}

impl Parameters {
    /// True when there are no parameters at all.
    pub fn is_empty(&self) -> bool {
        self.cookie.is_empty()
            && self.header.is_empty()
            && self.path.is_empty()
            && self.query.is_empty()
    }
}

/// A parameter or a response header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// `allowEmptyValue` (query parameters).
    #[serde(rename = "allowEmptyValue", default, skip_serializing_if = "is_false")]
    pub allow_empty_value: bool,
    /// `allowReserved` (query parameters).
    #[serde(rename = "allowReserved", default, skip_serializing_if = "is_false")]
    pub allow_reserved: bool,
    /// Media types, when the parameter is described by `content` instead of `schema`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, MediaType>,
    /// `deprecated: true`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `explode`, with the default for the style applied.
    #[serde(default, skip_serializing_if = "is_false")]
    pub explode: bool,
    /// `x-` extensions, verbatim.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Value>,
    /// Required (path parameters always are).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The value's schema.
    #[serde(default, skip_serializing_if = "Shape::is_any")]
    pub schema: Shape,
    /// Serialization style, with the default for the location applied
    /// (`form` for query and cookie, `simple` for path and header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
}

/// A request body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestBody {
    /// Media types (lower-cased) → their schema.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, MediaType>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `required: true`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
}

/// A media type of a body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaType {
    /// Per-property encoding (multipart/form), canonical JSON.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub encoding: BTreeMap<String, Value>,
    /// The body's schema.
    #[serde(default, skip_serializing_if = "Shape::is_any")]
    pub schema: Shape,
}

/// A response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Media types (lower-cased) → their schema.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub content: BTreeMap<String, MediaType>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Response headers by lower-cased name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Parameter>,
}

/// A server entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// URL template as written.
    pub url: String,
    /// Variables, canonical JSON.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::assert_canonical;

    #[test]
    fn fields_are_sorted() {
        let p = Parameter {
            allow_empty_value: true,
            allow_reserved: true,
            content: [(
                "a".into(),
                MediaType {
                    encoding: [("e".into(), Value::Null)].into(),
                    schema: Shape::Bool(false),
                },
            )]
            .into(),
            deprecated: true,
            description: Some("d".into()),
            explode: true,
            extensions: [("x-a".into(), Value::Null)].into(),
            required: true,
            schema: Shape::Bool(false),
            style: Some("form".into()),
        };
        let op = Operation {
            callbacks: [(
                "cb".into(),
                [("POST x".into(), Operation::default())].into(),
            )]
            .into(),
            deprecated: true,
            description: Some("d".into()),
            extensions: [("x-a".into(), Value::Null)].into(),
            operation_id: Some("o".into()),
            parameters: Parameters {
                cookie: [("c".into(), p.clone())].into(),
                header: [("h".into(), p.clone())].into(),
                path: [("p".into(), p.clone())].into(),
                query: [("q".into(), p.clone())].into(),
            },
            request_body: Some(RequestBody {
                content: p.content.clone(),
                description: Some("d".into()),
                required: true,
            }),
            responses: [(
                "200".into(),
                Response {
                    content: p.content.clone(),
                    description: Some("d".into()),
                    headers: [("h".into(), p.clone())].into(),
                },
            )]
            .into(),
            security: Some(vec![
                [("s".into(), BTreeSet::from(["a".to_owned()]))].into(),
            ]),
            servers: vec![Server {
                description: Some("d".into()),
                url: "u".into(),
                variables: [("v".into(), Value::Null)].into(),
            }],
            summary: Some("s".into()),
            sunset: Some("2030-01-01".into()),
            tags: BTreeSet::from(["t".to_owned()]),
        };
        let s = ApiSurface {
            operations: [("GET /".into(), op.clone())].into(),
            security_schemes: [("s".into(), Value::Null)].into(),
            servers: op.servers.clone(),
            webhooks: [("POST w".into(), op)].into(),
        };
        assert_canonical(&s);
    }
}
