//! MCP rules (`RULES.md` §MCP rules): compatibility and security events.
//!
//! Tool `inputSchema`/`outputSchema` are judged by the schema rules in input/output
//! position (the catalog's `mcp-tool-input-*`/`mcp-tool-output-*` are those rules, not
//! separate ids). Every MCP rule has the same severity in every profile: a profile
//! grades compatibility, not risk.

use super::{Area, B, Condition, D, Levels, Rule, S, SECURITY_TAGS, same};

const fn rule(id: &'static str, description: &'static str, levels: Levels) -> Rule {
    Rule::surface(Area::Mcp, id, description, levels)
}

pub(super) const RULES: &[Rule] = &[
    // Tools.
    rule("mcp-tool-added", "a new tool: a capability the agent can now use", same(D)).tags(SECURITY_TAGS),
    rule("mcp-tool-removed", "a tool disappeared", same(B)),
    rule("mcp-tool-renamed", "a tool was removed and one with an equivalent schema added", same(B)),
    rule("mcp-tool-parameter-added", "an existing tool grew a parameter", same(B))
        .tags(SECURITY_TAGS)
        .when(Condition {
            when: "the new parameter is optional",
            input: None,
            output: None,
            surface: Some(same(D)),
        })
        .notes("Required: B. Optional: D (the condition) — a new optional `bcc`, `sidenote`, `forward_to` or `webhook` is how exfiltration hides."),
    rule("mcp-tool-description-changed", "a tool's description (text the model reads) changed", same(D))
        .tags(SECURITY_TAGS)
        .notes("Also run through the description heuristics (`mcp-description-*`); a benign edit stays D, never B."),
    rule("mcp-tool-title-changed", "a tool's display title changed", same(S)),
    rule("mcp-tool-icons-changed", "a tool's icons changed", same(S)),
    rule("mcp-tool-execution-changed", "a tool's execution properties (task support) changed", same(D)),
    rule("mcp-tool-output-schema-added", "a tool declared an outputSchema", same(S)),
    rule("mcp-tool-output-schema-removed", "a tool no longer declares an outputSchema", same(B)),
    rule(
        "mcp-annotation-escalated",
        "a tool annotation became riskier (readOnlyHint true→false, destructiveHint false→true, openWorldHint false→true, idempotentHint true→false; spec defaults applied first)",
        same(D),
    )
    .tags(SECURITY_TAGS),
    rule("mcp-annotation-relaxed", "a tool annotation became less risky", same(S)),
    rule("mcp-annotation-added", "tool annotations appeared", same(S)),
    // Heuristics on model-visible text.
    rule(
        "mcp-description-hidden-characters",
        "model-visible text gained hidden characters (Unicode tags, zero-width, bidi controls, private use, ANSI escapes)",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "mcp-description-injection",
        "model-visible text gained instructions to the model (override, concealment, pseudo-tags, forced ordering, other tools/servers)",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "mcp-description-exfiltration-target",
        "model-visible text gained URLs, email addresses, domains, sensitive paths or encoded blobs",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "mcp-description-grew",
        "model-visible text grew by more than 2× or 500 characters, or gained long whitespace runs",
        same(D),
    )
    .tags(SECURITY_TAGS),
    // Server.
    rule("mcp-instructions-changed", "the server's instructions changed", same(D))
        .tags(SECURITY_TAGS)
        .notes("Also run through the description heuristics."),
    rule(
        "mcp-server-version-changed",
        "serverInfo.version moved (alone: the code behind identical tools changed)",
        same(D),
    )
    .tags(SECURITY_TAGS),
    rule("mcp-server-name-changed", "serverInfo.name changed: another server identity", same(D))
        .tags(SECURITY_TAGS)
        .notes("Not in the catalog's table: the server identity moving is a security signal like its version."),
    rule("mcp-server-title-changed", "serverInfo.title (display name) changed", same(S)),
    rule("mcp-server-icons-changed", "the server's icons changed", same(S)),
    rule("mcp-server-website-url-changed", "serverInfo.websiteUrl changed", same(S)),
    rule("mcp-protocol-version-changed", "the negotiated protocol version changed", same(D)),
    rule("mcp-capability-added", "the server declares a new capability (e.g. sampling, tools.listChanged)", same(D)),
    rule("mcp-capability-removed", "the server no longer declares a capability", same(S)),
    // Prompts.
    rule("mcp-prompt-added", "a new prompt", same(S)),
    rule("mcp-prompt-removed", "a prompt disappeared", same(B)),
    rule("mcp-prompt-renamed", "a prompt was removed and one with equivalent arguments added", same(B)),
    rule(
        "mcp-prompt-description-changed",
        "a prompt's or prompt argument's description (model-visible text) changed",
        same(D),
    )
    .tags(SECURITY_TAGS)
    .notes("Also run through the description heuristics."),
    rule("mcp-prompt-title-changed", "a prompt's or prompt argument's display title changed", same(S)),
    rule("mcp-prompt-icons-changed", "a prompt's icons changed", same(S)),
    rule("mcp-prompt-argument-added-required", "a prompt grew a required argument", same(B)),
    rule("mcp-prompt-argument-added-optional", "a prompt grew an optional argument", same(S)),
    rule("mcp-prompt-argument-removed", "a prompt argument was removed", same(D))
        .notes("D, as `parameter-removed`: the server may now reject or ignore it."),
    rule("mcp-prompt-argument-became-required", "an optional prompt argument became required", same(B)),
    rule("mcp-prompt-argument-became-optional", "a required prompt argument became optional", same(S)),
    // Resources and resource templates.
    rule("mcp-resource-added", "a new resource", same(S)),
    rule("mcp-resource-removed", "a resource disappeared", same(B)),
    rule(
        "mcp-resource-changed",
        "a resource's name, title, description, MIME type, size, annotations or icons changed",
        same(D),
    )
    .notes("Descriptions are also run through the description heuristics."),
    rule("mcp-resource-template-added", "a new resource template", same(S)),
    rule("mcp-resource-template-removed", "a resource template disappeared", same(B)),
    rule(
        "mcp-resource-template-changed",
        "a resource template's name, title, description, MIME type, annotations or icons changed",
        same(D),
    )
    .notes("Descriptions are also run through the description heuristics."),
];
