//! Package rules (`RULES.md` §Package rules): the code behind the tools.
//!
//! A package snapshot pins what actually runs when an agent starts `npx -y NAME` or
//! `uvx NAME`: version, integrity, install hooks, dependencies, entry points,
//! maintainers and every file's hash. Rules tagged `security` have the same severity in
//! every profile (a profile grades compatibility, not risk); only
//! `package-dependency-changed` moves with the profile.

use super::{Area, B, D, Levels, Rule, S, SECURITY_TAGS, lv, same};

const fn rule(id: &'static str, description: &'static str, levels: Levels) -> Rule {
    Rule::surface(Area::Package, id, description, levels)
}

pub(super) const RULES: &[Rule] = &[
    rule(
        "package-version-changed",
        "the resolved version of a watched or pinned package moved: the code that runs changed",
        same(D),
    )
    .tags(SECURITY_TAGS),
    rule(
        "package-integrity-mismatch",
        "same version, different content hash (a republish, or a tampered mirror or cache)",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "package-identity-changed",
        "the package name or ecosystem changed: another package now stands behind the surface",
        same(D),
    )
    .tags(SECURITY_TAGS)
    .notes("Not in the catalog's table: comparing two different packages is reported, never silently diffed as one."),
    rule(
        "package-install-script-added",
        "a hook that runs at install time appeared (preinstall, install, postinstall, prepare…, or an implicit node-gyp build)",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "package-install-script-changed",
        "the command of an install-time hook changed",
        same(B),
    )
    .tags(SECURITY_TAGS),
    rule(
        "package-install-script-removed",
        "an install-time hook no longer exists",
        same(S),
    )
    .notes("Not in the catalog's table: the reverse of package-install-script-added, so swapping old and new swaps the rule."),
    rule(
        "package-dependency-added",
        "a new runtime, optional or peer dependency (Requires-Dist for PyPI): more code runs",
        same(D),
    ),
    rule("package-dependency-removed", "a dependency was dropped", same(S)),
    rule(
        "package-dependency-changed",
        "a dependency's version range or marker changed",
        lv(D, S, S),
    )
    .notes("strict: D — a moved range can resolve to other code than the one reviewed."),
    rule(
        "package-maintainer-changed",
        "the publisher or the maintainer set changed",
        same(D),
    )
    .tags(SECURITY_TAGS),
    rule(
        "package-entry-point-changed",
        "what starts the package changed: npm bin, main or exports, or a PyPI entry point group",
        same(D),
    )
    .tags(SECURITY_TAGS)
    .notes("Not in the catalog's table: `npx NAME` runs a bin entry, so a new or retargeted one is a look-worthy event."),
    rule("package-file-added", "a file appeared in the package", same(S))
        .notes("Code files are also reviewed: package-code-suspicious / package-code-not-reviewed."),
    rule("package-file-removed", "a file is no longer in the package", same(S)),
    rule(
        "package-file-changed",
        "a file's content changed (the message counts the added and removed lines when both texts were supplied)",
        same(S),
    )
    .notes("Code files are also reviewed: package-code-suspicious / package-code-not-reviewed. The manifest file (package.json, METADATA, RECORD, entry_points.txt, PKG-INFO) is compared field by field instead, and reported as a file only when the version did not move."),
    rule(
        "package-code-suspicious",
        "added lines of a code file introduce a new email address, URL/host/IP, bcc/cc header, child process, dynamic code, encoded blob, or read of credentials or the environment",
        same(B),
    )
    .tags(SECURITY_TAGS)
    .notes("The receipt (`after`) lists each added line with its number, text and findings. Only what the old version did not already have counts."),
    rule(
        "package-code-not-reviewed",
        "a changed code file could not be reviewed: a native binary, a text too large to diff, or no text supplied for one version",
        same(D),
    )
    .tags(SECURITY_TAGS)
    .notes("Not in the catalog's table: fail closed — code that changed unseen is never reported as merely safe."),
];
