//! OpenAPI surface rules (`RULES.md` §OpenAPI surface rules). Schemas inside
//! parameters, bodies and responses are judged by the schema rules in input/output
//! position; these rules are about the surface around them.

use super::{Area, B, Condition, D, Levels, Rule, S, SECURITY_TAGS, lv, same};

const fn rule(id: &'static str, description: &'static str, levels: Levels) -> Rule {
    Rule::surface(Area::Openapi, id, description, levels)
}

/// A compatibility D: a possible break, a break under strict.
const MAYBE: Levels = lv(B, D, D);

pub(super) const RULES: &[Rule] = &[
    // Operations.
    rule("operation-removed", "an operation was removed", same(B))
        .when(Condition {
            when: "the operation was deprecated and is past its `x-sunset` date",
            input: None,
            output: None,
            surface: Some(lv(B, D, D)),
        })
        .notes("B; D if it was deprecated and is past its `x-sunset` (the condition; needs the caller's date), B before the sunset. strict: B (no deprecation discount)."),
    rule("operation-added", "a new operation", same(S)),
    rule("operation-deprecated", "an operation was marked deprecated", same(S)),
    rule("operation-undeprecated", "an operation is no longer deprecated", same(S)),
    rule("operation-id-changed", "an operationId changed", MAYBE)
        .notes("D: generated clients name methods after it. strict: B."),
    rule("tag-changed", "an operation's tags changed", same(S)),
    // Parameters.
    rule("parameter-added-required", "a new required query/header/path/cookie parameter", same(B)),
    rule("parameter-added-optional", "a new optional query/header/path/cookie parameter", same(S)),
    rule("parameter-removed", "a parameter was removed", MAYBE)
        .notes("D: the server may now reject or ignore it. strict: B."),
    rule("parameter-became-required", "an optional parameter became required", same(B)),
    rule("parameter-became-optional", "a required parameter became optional", same(S)),
    rule("parameter-location-changed", "a parameter moved (e.g. query → header)", same(B)),
    rule("parameter-style-changed", "a parameter's serialization style changed", same(B)),
    rule("parameter-explode-changed", "a parameter's explode flag changed", same(B)),
    // Request bodies.
    rule("request-body-added-required", "a required request body was introduced", same(B)),
    rule("request-body-added-optional", "an optional request body was introduced", same(S)),
    rule("request-body-removed", "the request body was removed", MAYBE)
        .notes("D: the server may now reject or ignore it. strict: B."),
    rule("request-body-became-required", "the request body became required", same(B)),
    rule("request-body-became-optional", "the request body became optional", same(S)),
    rule("request-media-type-added", "the request body accepts a new media type", same(S)),
    rule("request-media-type-removed", "the request body no longer accepts a media type", same(B)),
    // Responses.
    rule("response-status-added", "a new response status", lv(B, D, S))
        .when(Condition {
            when: "the new status is not an error status (not 4XX/5XX/default)",
            input: None,
            output: None,
            surface: Some(same(S)),
        })
        .notes("D for a new error status (clients may not handle it; strict: B; lenient: S, a tolerant reader handles statuses by class); S for other statuses (the condition)."),
    rule("response-status-removed", "a response status was removed", same(B))
        .when(Condition {
            when: "the removed status is not a success status (not 2XX)",
            input: None,
            output: None,
            surface: Some(same(S)),
        })
        .notes("B for a success status; S for others (the condition)."),
    rule("response-media-type-added", "a response has a new media type", same(S)),
    rule("response-media-type-removed", "a response no longer has a media type", same(B)),
    rule("response-header-added", "a response has a new header", same(S)),
    rule("response-header-removed", "a response header was removed", same(B))
        .when(Condition {
            when: "the header was optional",
            input: None,
            output: None,
            surface: Some(MAYBE),
        })
        .notes("B if the header was required, else D (the condition; strict: B)."),
    rule("response-header-became-optional", "a required response header became optional", same(B)),
    // Security.
    rule("security-requirement-added", "a security requirement was added (auth tightened)", same(B)),
    rule("security-requirement-removed", "a security requirement was removed (auth loosened)", same(D))
        .tags(SECURITY_TAGS)
        .notes("Loosened auth: D for a security review, in every profile."),
    rule("security-scope-added", "a required OAuth scope was added (auth tightened)", same(B)),
    rule("security-scope-removed", "a required OAuth scope was removed (auth loosened)", same(D))
        .tags(SECURITY_TAGS)
        .notes("Loosened auth: D for a security review, in every profile."),
    rule("security-scheme-changed", "a security scheme's type, location or flows changed", same(B))
        .tags(SECURITY_TAGS),
    // Servers, webhooks, versions.
    rule("server-url-changed", "a server URL changed", MAYBE).notes("D: clients may call the old URL. strict: B."),
    rule("webhook-added", "a new webhook (callbacks are compared like operations)", same(S)),
    rule("webhook-removed", "a webhook was removed", same(B)),
    rule("api-version-changed", "info.version changed", same(S)),
    rule(
        "api-major-version-not-bumped",
        "breaking changes without a major bump of info.version",
        MAYBE,
    )
    .notes("D: a versioning-policy signal. strict: B."),
];
