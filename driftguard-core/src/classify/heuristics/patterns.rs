//! The pattern lists of the heuristics, as data.
//!
//! Adding a pattern means adding a line here: the tests iterate every list and prove
//! that every entry (and, for phrase patterns, every alternative of every group) fires.
//!
//! # Phrase pattern syntax
//!
//! Phrases are matched against the normalized text (ASCII-lowercased, fullwidth folded
//! to ASCII, invisible characters and ANSI escapes removed, whitespace collapsed), as a
//! sequence of whole tokens. A token is a word (letters, digits, `_`, and `'` between
//! two letters as in `don't`) or a single punctuation character.
//!
//! - `word` — that token, case-insensitively;
//! - `(a|b c|d)` — one of the alternatives, each one or more tokens; `(…)?` makes the
//!   group optional;
//! - `…` — a gap of 0 to 10 tokens that does not cross a sentence end (`.` `!` `?` `;`);
//! - `{id}` — any word; `{snake}` — a word containing `_` between letters (`send_email`).
//!
//! A phrase starts with a literal word or a group of literal words, or with `{snake}`.

/// Override: text that tries to replace the instructions the model already has.
pub static OVERRIDE_PATTERNS: &[&str] = &[
    "ignore (all|any|the|your)? (previous|prior|above|earlier|preceding|former|other) (instructions|instruction|directions|prompts|prompt|rules|guidelines|messages|context)",
    "disregard (all|any|the|your)? (previous|prior|above|earlier|preceding|former|other)? (instructions|instruction|directions|prompts|prompt|rules|guidelines|messages|context)",
    "forget (all|any|the|your)? (previous|prior|above|earlier|preceding|former)? (instructions|instruction|directions|prompts|prompt|rules|guidelines|context)",
    "forget (everything|all) (above|before|you know|you were told|so far)",
    "override (all|any|the|your)? (previous|prior|system|existing|safety) (instructions|instruction|prompt|rules|guidelines)",
    "you are now",
    "new (instructions|system prompt)",
    "from now on",
];

/// Concealment: text that asks the model to hide what it does from the user.
pub static CONCEALMENT_PATTERNS: &[&str] = &[
    "(do not|don't|dont|never|must not) (tell|inform|mention|reveal|show|notify|alert|disclose|explain) (this|it|that|anything|these)? (to)? (the)? user",
    "without (telling|informing|notifying|alerting) (the)? user",
    "keep (this|it|these|that) (secret|hidden|confidential|a secret|between us|from the user)",
    "the user (must|should|may|will|need|needs) (not|never) (know|see|notice|find out|be told|be informed|learn)",
    "(hide|conceal) (this|it|that|these)? from (the)? user",
    "(do not|don't|dont|never) (mention|reveal|disclose|repeat|acknowledge) (this|these|the)? (instructions|instruction|note|message|tag|step)",
    "(secretly|covertly|surreptitiously)",
];

/// Forced ordering: text that makes the model call or read something before or instead
/// of what the user asked for.
pub static FORCED_ORDER_PATTERNS: &[&str] = &[
    "(before|prior to) (using|calling|invoking|running|executing) (this|any other|any|other|the other|another) (tool|tools|function|functions)",
    "always (call|use|run|invoke|execute|read) … first",
    "you must (first|always) (call|use|read|run|invoke|execute|include|pass|send)",
    "must (always)? be (called|used|run|invoked|executed) (before|first|prior to)",
];

/// References to other tools or servers: a description steering the model's use of
/// something it does not own. (A bare "MCP server" is not enough: real servers describe
/// themselves that way, e.g. server-everything's "helpful for debugging MCP server
/// configuration"; nor is "other tool", as in github-mcp-server's "to build other tool
/// calls".)
pub static TOOL_REFERENCE_PATTERNS: &[&str] = &[
    "the (`|'|\") {id} (`|'|\") (tool|function|server)",
    "{snake} (tool|function)",
    "other (tools|servers|mcp servers|mcp tools)",
    "another (tool|server|mcp server|mcp tool)",
    "mcp (server|servers) (named|called)",
    "when the user (asks|requests|wants|tries|says|mentions) … instead",
];

/// Pseudo-tag names written in angle brackets (`<IMPORTANT>`, `</system>`,
/// `<|im_start|>`, `<<SYS>>`), matched case-insensitively, with or without `/`, `|`
/// and attributes. (An HTML comment opener `<!--` is a pseudo-tag too: Markdown
/// renderers hide the comment from the reviewer, the model still reads it.)
pub static PSEUDO_TAG_NAMES: &[&str] = &[
    "important",
    "system",
    "instructions",
    "instruction",
    "secret",
    "hidden",
    "im_start",
    "im_end",
    "endoftext",
    "sys",
    "inst",
    "critical",
    "admin",
    "system_prompt",
    "override",
    "system-reminder",
];

/// Pseudo-tag names written in square brackets (`[INST]`, `[/INST]`, `[SYSTEM]`). Kept
/// short: `[FILE]` and `[DIR]` are how server-filesystem labels its listings.
pub static BRACKET_TAG_NAMES: &[&str] = &["inst", "system", "sys", "system_prompt"];

/// Markdown headings that open a pseudo-system section (`### System`), matched only
/// when the heading is exactly this text (optionally followed by `:`). `## Instructions`
/// and `## Important` are left out: real server instructions use them as plain headings.
pub static HEADING_NAMES: &[&str] = &["system", "system prompt", "system message"];

/// URL schemes reported as exfiltration targets when followed by `://`.
pub static URL_SCHEMES: &[&str] = &[
    "http", "https", "ftp", "ftps", "sftp", "ws", "wss", "file", "s3", "gs", "ssh", "git", "smb",
];

/// URL schemes reported when followed by `:` alone (`data:text/plain;base64,…`).
pub static OPAQUE_URL_SCHEMES: &[&str] = &["data", "javascript"];

/// Top-level domains that make a bare `name.tld` look like a real host. Deliberately
/// leaves out TLDs that are also common file extensions or code members (`py`, `md`,
/// `rs`, `sh`, `ml`, `zip`, `mov`, `pl`, `cc`, `tf`, `so`, `ps`, `app`, `in`, `is`, `at`,
/// and `name`, `email`, `host`, `int`, `store`, `stream` as in `user.email`,
/// `server.host`), so `setup.py`, `README.md` and `main.rs` are not domains. URLs and
/// email addresses are reported whatever their TLD.
pub static COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "io", "co", "ai", "dev", "info", "biz", "xyz", "top", "site", "online",
    "club", "me", "us", "uk", "de", "fr", "ru", "cn", "jp", "eu", "ca", "au", "br", "nl", "se",
    "ch", "it", "es", "tk", "ga", "cf", "gq", "cloud", "shop", "live", "tech", "link", "click",
    "pw", "tv", "ly", "gg", "to", "su", "ir", "kp", "edu", "gov", "mil", "icu", "buzz", "fun",
    "space", "website", "page", "work", "today", "world", "news", "cx", "vip", "win", "bid",
    "loan", "download", "gdn", "rest",
];

/// Hosts used for documentation examples (RFC 2606) and never reported: an
/// `e.g. user@example.com` in a parameter description is not an exfiltration target.
pub static RESERVED_EXAMPLE_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];

/// Sensitive paths: credentials, keys, agent configuration and wallets. Matched
/// case-insensitively as a path component (not inside a longer word, so
/// `process.env` is not `.env`).
pub static SENSITIVE_PATHS: &[&str] = &[
    ".ssh",
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    "authorized_keys",
    ".env",
    "mcp.json",
    "claude_desktop_config.json",
    ".aws/credentials",
    ".npmrc",
    ".pypirc",
    ".netrc",
    "/etc/passwd",
    "/etc/shadow",
    ".git-credentials",
    ".kube/config",
    ".docker/config.json",
    ".gnupg",
    ".bash_history",
    ".zsh_history",
    "wallet.dat",
    ".electrum",
    "exodus.wallet",
    ".ethereum/keystore",
    "solana/id.json",
    ".config/gcloud",
];
