//! Package capture document → `package` snapshot.
//!
//! The input is the **package capture document** a fetch layer writes after downloading
//! and verifying an npm tarball or a Python wheel/sdist (specified in
//! `conformance/PACKAGE_CAPTURE.md`): identity (`ecosystem`, `name`, `version`,
//! `integrity`, `publisher`), the `manifest` fields that decide what runs, and the file
//! list with a SHA-256 and size per file, optionally with the file's text.
//!
//! Canonical form: dependencies, entry points, install hooks and files are maps keyed by
//! name or path; maintainers are a sorted set; PyPI names are normalized per PEP 503;
//! paths lose a leading `./`, and a wheel's `NAME-VERSION.dist-info/` and
//! `NAME-VERSION.data/` directories lose the version (otherwise every release would
//! look like every metadata file was removed and another added). npm scripts that do not
//! run at install time (`test`, `build`, `start`…) are dropped: `npx` never runs them.
//!
//! Texts are checked against the file's `sha256` (a text that does not hash to the
//! stated digest is `E_INVALID`: the binding sent the wrong file) and kept beside the
//! surface, outside the snapshot's serialized form and digest.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::canonical_value;
use crate::error::{Error, Result};
use crate::normalize::refs::escape_token;
use crate::snapshot::Snapshot;
use crate::surface::Surface;
use crate::surface::package::{FileTexts, PackageFile, PackageSurface};

/// npm lifecycle scripts that run when the package is installed (as a dependency, by
/// `npx`, or from git: `prepare` and its pre/post hooks; `prepublish` for old npm).
pub const NPM_INSTALL_HOOKS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "preprepare",
    "prepare",
    "postprepare",
    "prepublish",
];

/// The command npm runs as `install` when a `binding.gyp` ships at the package root and
/// neither `install` nor `preinstall` is defined.
pub const NPM_IMPLICIT_GYP_INSTALL: &str = "node-gyp rebuild";

const TOP_MEMBERS: &[&str] = &[
    "ecosystem",
    "files",
    "integrity",
    "manifest",
    "name",
    "publisher",
    "version",
];
const NPM_MANIFEST: &[&str] = &[
    "bin",
    "dependencies",
    "exports",
    "main",
    "maintainers",
    "optionalDependencies",
    "peerDependencies",
    "scripts",
];
const NPM_DEPENDENCY_GROUPS: &[&str] =
    &["dependencies", "optionalDependencies", "peerDependencies"];
const PYPI_MANIFEST: &[&str] = &["entryPoints", "maintainers", "requiresDist", "scripts"];
/// The dependency group of PyPI `Requires-Dist` lines.
pub const PYPI_REQUIRES_DIST: &str = "requires-dist";
const FILE_MEMBERS: &[&str] = &["path", "sha256", "size", "text"];

/// Normalizes a package capture document into a snapshot.
pub(crate) fn normalize(value: &Value) -> Result<Snapshot> {
    let Value::Object(doc) = value else {
        return Err(Error::unsupported(
            "a package capture document must be a JSON object with `ecosystem`, `name`, \
             `version`, `manifest` and `files` members",
            "",
        ));
    };
    only(doc, TOP_MEMBERS, "")?;
    let ecosystem = string(doc, "ecosystem", "")?;
    if ecosystem != "npm" && ecosystem != "pypi" {
        return Err(Error::unsupported(
            format!("package ecosystem {ecosystem:?} is not supported (npm and pypi are)"),
            "/ecosystem",
        ));
    }
    let npm = ecosystem == "npm";
    let raw_name = string(doc, "name", "")?;
    let name = if npm {
        raw_name.clone()
    } else {
        pep503(&raw_name)
    };
    let version = string(doc, "version", "")?;
    if name.is_empty() || version.trim().is_empty() {
        return Err(Error::invalid(
            "package `name` and `version` must not be empty",
            if name.is_empty() { "/name" } else { "/version" },
        ));
    }
    let integrity = match doc.get("integrity") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(integrity(s)?),
        Some(_) => return Err(Error::invalid("`integrity` must be a string", "/integrity")),
    };
    let publisher = match doc.get("publisher") {
        None | Some(Value::Null) => None,
        Some(v) => Some(person(v, "/publisher")?),
    };
    let (files, texts) = files(doc.get("files"), npm, &version)?;
    let empty = Map::new();
    let manifest = match doc.get("manifest") {
        None => &empty,
        Some(Value::Object(m)) => m,
        Some(_) => return Err(Error::invalid("`manifest` must be an object", "/manifest")),
    };
    let mut surface = PackageSurface {
        ecosystem: ecosystem.clone(),
        name: name.clone(),
        version: version.clone(),
        integrity,
        publisher,
        files,
        texts,
        ..PackageSurface::default()
    };
    if npm {
        npm_manifest(manifest, &raw_name, &mut surface)?;
    } else {
        pypi_manifest(manifest, &mut surface)?;
    }
    let meta: BTreeMap<String, Value> = [
        ("ecosystem".to_owned(), Value::String(ecosystem)),
        ("name".to_owned(), Value::String(name)),
        ("version".to_owned(), Value::String(version)),
    ]
    .into();
    Snapshot::new(Surface::Package(surface), meta, BTreeMap::new(), None)
}

/// Attaches file texts to a `package` snapshot (one read back from a lock file, say),
/// so that `diff` can review the code of changed files. Each text must belong to a file
/// of the snapshot and hash to its `sha256`; the digest does not change.
pub fn attach_texts(snapshot: Snapshot, texts: &FileTexts) -> Result<Snapshot> {
    let mut snapshot = snapshot;
    let Surface::Package(surface) = &mut snapshot.surface else {
        return Err(Error::invalid(
            format!(
                "file texts can only be attached to a package snapshot, not a {} snapshot",
                snapshot.kind().name()
            ),
            "/kind",
        ));
    };
    for (path, text) in texts {
        let pointer = format!("/surface/files/{}", escape_token(path));
        let Some(file) = surface.files.get(path) else {
            return Err(Error::invalid(
                format!("no file {path:?} in the package snapshot"),
                &pointer,
            ));
        };
        check_text(text, &file.sha256, &pointer)?;
        surface.texts.insert(path.clone(), text.clone());
    }
    Ok(snapshot)
}

/// Lowercase hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn check_text(text: &str, sha256: &str, pointer: &str) -> Result<()> {
    let actual = sha256_hex(text.as_bytes());
    if actual != sha256 {
        return Err(Error::invalid(
            format!(
                "the text does not match the file: its UTF-8 bytes hash to sha256 {actual}, the \
                 file's is {sha256}"
            ),
            pointer,
        ));
    }
    Ok(())
}

fn only(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<()> {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(Error::invalid(
                format!("unknown member {key:?} (allowed: {})", allowed.join(", ")),
                &format!("{at}/{}", escape_token(key)),
            ));
        }
    }
    Ok(())
}

fn string(obj: &Map<String, Value>, key: &str, at: &str) -> Result<String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Error::invalid(
            format!("`{key}` must be a string"),
            &format!("{at}/{key}"),
        )),
        None => Err(Error::invalid(
            format!("`{key}` is required"),
            &format!("{at}/{key}"),
        )),
    }
}

/// PEP 503 name normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// An integrity string: one or more `<algorithm>-<base64>` (SRI) or `<algorithm>:<hex>`
/// entries; several are sorted and joined by one space.
fn integrity(s: &str) -> Result<String> {
    let mut parts: Vec<&str> = s.split_whitespace().collect();
    if parts.is_empty() {
        return Err(Error::invalid("`integrity` is empty", "/integrity"));
    }
    for p in &parts {
        let ok = ["sha1", "sha256", "sha384", "sha512"].iter().any(|alg| {
            p.strip_prefix(alg)
                .and_then(|rest| rest.strip_prefix('-').or_else(|| rest.strip_prefix(':')))
                .is_some_and(|digest| {
                    !digest.is_empty()
                        && digest
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
                })
        });
        if !ok {
            return Err(Error::invalid(
                format!(
                    "integrity {p:?} is not `sha512-<base64>` (npm dist.integrity) or \
                     `sha256:<hex>` (a PyPI artifact digest)"
                ),
                "/integrity",
            ));
        }
    }
    parts.sort_unstable();
    parts.dedup();
    Ok(parts.join(" "))
}

/// A person: a string, or `{name, email}` → `name <email>` (other members ignored).
fn person(v: &Value, at: &str) -> Result<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Object(o) => {
            // npm writes more than `name`/`email` in places (`url`, a trusted publisher's
            // details on `_npmUser`): only those two identify a person.
            let field = |k: &str| -> Result<String> {
                match o.get(k) {
                    None | Some(Value::Null) => Ok(String::new()),
                    Some(Value::String(s)) => Ok(s.trim().to_owned()),
                    Some(_) => Err(Error::invalid(
                        format!("`{k}` must be a string"),
                        &format!("{at}/{k}"),
                    )),
                }
            };
            let (name, email) = (field("name")?, field("email")?);
            match (name.is_empty(), email.is_empty()) {
                (_, true) => name,
                (true, false) => format!("<{email}>"),
                (false, false) => format!("{name} <{email}>"),
            }
        }
        _ => {
            return Err(Error::invalid(
                "a person must be a string or an object with `name` and `email`",
                at,
            ));
        }
    };
    if s.is_empty() {
        return Err(Error::invalid("a person must not be empty", at));
    }
    Ok(s)
}

fn string_map(v: &Value, at: &str) -> Result<BTreeMap<String, String>> {
    let Value::Object(o) = v else {
        return Err(Error::invalid("must be an object of strings", at));
    };
    o.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.clone(), s.clone())),
            _ => Err(Error::invalid(
                "must be a string",
                &format!("{at}/{}", escape_token(k)),
            )),
        })
        .collect()
}

fn strip_dot_slash(p: &str) -> String {
    let mut s = p;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

fn maintainers(manifest: &Map<String, Value>, surface: &mut PackageSurface) -> Result<()> {
    match manifest.get("maintainers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            let set: BTreeSet<String> = a
                .iter()
                .enumerate()
                .map(|(i, v)| person(v, &format!("/manifest/maintainers/{i}")))
                .collect::<Result<_>>()?;
            surface.maintainers = set.into_iter().collect();
        }
        Some(_) => {
            return Err(Error::invalid(
                "`maintainers` must be an array",
                "/manifest/maintainers",
            ));
        }
    }
    Ok(())
}

fn npm_manifest(
    manifest: &Map<String, Value>,
    raw_name: &str,
    surface: &mut PackageSurface,
) -> Result<()> {
    only(manifest, NPM_MANIFEST, "/manifest")?;
    for group in NPM_DEPENDENCY_GROUPS {
        if let Some(v) = manifest.get(*group) {
            let deps = string_map(v, &format!("/manifest/{group}"))?;
            if !deps.is_empty() {
                surface.dependencies.insert((*group).to_owned(), deps);
            }
        }
    }
    if let Some(v) = manifest.get("scripts") {
        let scripts = string_map(v, "/manifest/scripts")?;
        surface.install_scripts = scripts
            .into_iter()
            .filter(|(k, _)| NPM_INSTALL_HOOKS.contains(&k.as_str()))
            .collect();
    }
    if surface.files.contains_key("binding.gyp")
        && !surface.install_scripts.contains_key("install")
        && !surface.install_scripts.contains_key("preinstall")
    {
        surface
            .install_scripts
            .insert("install".to_owned(), NPM_IMPLICIT_GYP_INSTALL.to_owned());
    }
    match manifest.get("bin") {
        None | Some(Value::Null) => {}
        Some(Value::String(path)) => {
            // npm: a string `bin` installs one command named after the package
            // (without its scope).
            let command = raw_name.rsplit('/').next().unwrap_or(raw_name);
            let map: Map<String, Value> =
                [(command.to_owned(), Value::String(strip_dot_slash(path)))]
                    .into_iter()
                    .collect();
            surface
                .entry_points
                .insert("bin".to_owned(), Value::Object(map));
        }
        Some(v @ Value::Object(_)) => {
            let map: Map<String, Value> = string_map(v, "/manifest/bin")?
                .into_iter()
                .map(|(k, p)| (k, Value::String(strip_dot_slash(&p))))
                .collect();
            if !map.is_empty() {
                surface
                    .entry_points
                    .insert("bin".to_owned(), Value::Object(map));
            }
        }
        Some(_) => {
            return Err(Error::invalid(
                "`bin` must be a string or an object",
                "/manifest/bin",
            ));
        }
    }
    match manifest.get("main") {
        None | Some(Value::Null) => {}
        Some(Value::String(m)) => {
            surface
                .entry_points
                .insert("main".to_owned(), Value::String(strip_dot_slash(m)));
        }
        Some(_) => return Err(Error::invalid("`main` must be a string", "/manifest/main")),
    }
    if let Some(v) = manifest.get("exports")
        && !v.is_null()
    {
        surface
            .entry_points
            .insert("exports".to_owned(), canonical_value(v));
    }
    maintainers(manifest, surface)
}

fn pypi_manifest(manifest: &Map<String, Value>, surface: &mut PackageSurface) -> Result<()> {
    only(manifest, PYPI_MANIFEST, "/manifest")?;
    match manifest.get("requiresDist") {
        None | Some(Value::Null) => {}
        Some(Value::Array(lines)) => {
            let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (i, line) in lines.iter().enumerate() {
                let at = format!("/manifest/requiresDist/{i}");
                let Value::String(line) = line else {
                    return Err(Error::invalid("must be a string", &at));
                };
                let line = line.trim();
                let end = line
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                    .unwrap_or(line.len());
                let (name, spec) = line.split_at(end);
                if name.is_empty() {
                    return Err(Error::invalid(
                        format!("Requires-Dist {line:?} does not start with a package name"),
                        &at,
                    ));
                }
                deps.entry(pep503(name))
                    .or_default()
                    .insert(requirement(spec));
            }
            if !deps.is_empty() {
                surface.dependencies.insert(
                    PYPI_REQUIRES_DIST.to_owned(),
                    deps.into_iter()
                        .map(|(k, specs)| (k, specs.into_iter().collect::<Vec<_>>().join(" || ")))
                        .collect(),
                );
            }
        }
        Some(_) => {
            return Err(Error::invalid(
                "`requiresDist` must be an array of strings",
                "/manifest/requiresDist",
            ));
        }
    }
    match manifest.get("entryPoints") {
        None | Some(Value::Null) => {}
        Some(Value::Object(groups)) => {
            for (group, entries) in groups {
                let at = format!("/manifest/entryPoints/{}", escape_token(group));
                let map: Map<String, Value> = string_map(entries, &at)?
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v.split_whitespace().collect())))
                    .collect();
                if !map.is_empty() {
                    surface
                        .entry_points
                        .insert(group.clone(), Value::Object(map));
                }
            }
        }
        Some(_) => {
            return Err(Error::invalid(
                "`entryPoints` must be an object of groups",
                "/manifest/entryPoints",
            ));
        }
    }
    if let Some(v) = manifest.get("scripts") {
        surface.install_scripts = string_map(v, "/manifest/scripts")?;
    }
    maintainers(manifest, surface)
}

/// The canonical form of what follows the name in a `Requires-Dist` line: the version
/// part without whitespace or legacy parentheses (`(>= 2)` → `>=2`, `*` when empty),
/// then `; ` and the environment marker with its whitespace collapsed.
fn requirement(rest: &str) -> String {
    let (version, marker) = rest.split_once(';').unwrap_or((rest, ""));
    let mut version: String = version.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(inner) = version.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
        version = inner.to_owned();
    }
    if version.is_empty() {
        version.push('*');
    }
    let marker = marker.split_whitespace().collect::<Vec<_>>().join(" ");
    if marker.is_empty() {
        version
    } else {
        format!("{version}; {marker}")
    }
}

/// A file path inside the package: relative, `/`-separated, no `.`/`..`/empty
/// segments, no backslash or NUL.
fn file_path(raw: &str, npm: bool, version: &str, at: &str) -> Result<String> {
    let path = strip_dot_slash(raw);
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..");
    if bad {
        return Err(Error::invalid(
            format!("file path {raw:?} is not a relative path inside the package"),
            at,
        ));
    }
    if npm {
        return Ok(path);
    }
    // Wheels: `NAME-VERSION.dist-info/` and `NAME-VERSION.data/` lose the version.
    let (first, rest) = path.split_once('/').unwrap_or((path.as_str(), ""));
    for suffix in [".dist-info", ".data"] {
        if let Some(stem) = first.strip_suffix(suffix) {
            for v in [version.to_owned(), version.replace('-', "_")] {
                if let Some(dist) = stem.strip_suffix(&format!("-{v}")) {
                    let dir = format!("{dist}{suffix}");
                    return Ok(if rest.is_empty() {
                        dir
                    } else {
                        format!("{dir}/{rest}")
                    });
                }
            }
        }
    }
    Ok(path)
}

type Files = (BTreeMap<String, PackageFile>, FileTexts);

fn files(v: Option<&Value>, npm: bool, version: &str) -> Result<Files> {
    let Some(Value::Array(list)) = v else {
        return Err(Error::invalid(
            "`files` must be an array of {path, sha256, size}",
            "/files",
        ));
    };
    let mut files = BTreeMap::new();
    let mut texts = FileTexts::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("/files/{i}");
        let Value::Object(o) = entry else {
            return Err(Error::invalid("a file must be an object", &at));
        };
        only(o, FILE_MEMBERS, &at)?;
        let raw = string(o, "path", &at)?;
        let path = file_path(&raw, npm, version, &format!("{at}/path"))?;
        let sha = string(o, "sha256", &at)?.to_ascii_lowercase();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(
                "`sha256` must be 64 hex digits",
                &format!("{at}/sha256"),
            ));
        }
        let size = o.get("size").and_then(Value::as_u64).ok_or_else(|| {
            Error::invalid(
                "`size` must be a non-negative integer",
                &format!("{at}/size"),
            )
        })?;
        match o.get("text") {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                check_text(text, &sha, &format!("{at}/text"))?;
                texts.insert(path.clone(), text.clone());
            }
            Some(_) => {
                return Err(Error::invalid(
                    "`text` must be a string",
                    &format!("{at}/text"),
                ));
            }
        }
        if files
            .insert(path.clone(), PackageFile { sha256: sha, size })
            .is_some()
        {
            return Err(Error::invalid(
                format!("file {path:?} is listed twice"),
                &format!("{at}/path"),
            ));
        }
    }
    Ok((files, texts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(path: &str, text: &str) -> Value {
        json!({"path": path, "sha256": sha256_hex(text.as_bytes()), "size": text.len(), "text": text})
    }

    fn npm(files: Vec<Value>, manifest: Value) -> Value {
        json!({"ecosystem": "npm", "name": "@acme/mail-mcp", "version": "1.0.0",
               "integrity": "sha512-AAAA", "manifest": manifest, "files": files})
    }

    fn surface(s: &Snapshot) -> &PackageSurface {
        match &s.surface {
            Surface::Package(p) => p,
            _ => panic!("not a package"),
        }
    }

    #[test]
    fn npm_manifest_is_canonical() {
        let doc = npm(
            vec![file("./index.js", "x"), file("binding.gyp", "{}")],
            json!({
                "dependencies": {"zod": "^3"},
                "devDependencies": null,
                "scripts": {"test": "jest", "postinstall": "node setup.js"},
                "bin": "./index.js",
                "main": "./index.js",
                "maintainers": [{"name": "b", "email": "b@x.io"}, "a", "a"]
            }),
        );
        let e = normalize(&doc).unwrap_err();
        assert_eq!(e.code(), "E_INVALID");
        assert!(e.to_string().contains("devDependencies"), "{e}");
        let mut doc = doc;
        doc["manifest"]
            .as_object_mut()
            .unwrap()
            .remove("devDependencies");
        let s = normalize(&doc).unwrap();
        let p = surface(&s);
        assert_eq!(
            serde_json::to_value(p).unwrap(),
            json!({
                "dependencies": {"dependencies": {"zod": "^3"}},
                "ecosystem": "npm",
                "entryPoints": {"bin": {"mail-mcp": "index.js"}, "main": "index.js"},
                "files": {
                    "binding.gyp": {"sha256": sha256_hex(b"{}"), "size": 2},
                    "index.js": {"sha256": sha256_hex(b"x"), "size": 1}
                },
                "installScripts": {"postinstall": "node setup.js", "install": "node-gyp rebuild"},
                "integrity": "sha512-AAAA",
                "maintainers": ["a", "b <b@x.io>"],
                "name": "@acme/mail-mcp",
                "version": "1.0.0"
            })
        );
        assert_eq!(p.texts.get("index.js").map(String::as_str), Some("x"));
        assert_eq!(
            s.meta.get("version"),
            Some(&json!("1.0.0")),
            "meta repeats identity"
        );
    }

    #[test]
    fn pypi_names_dist_info_and_requires_dist() {
        let doc = json!({
            "ecosystem": "pypi", "name": "MCP_Server.Time", "version": "2025.1.0",
            "integrity": "sha256:abcdef",
            "manifest": {
                "requiresDist": ["mcp>=1.0", "tzdata ; sys_platform == 'win32'", "Pydantic (>=2)", "pydantic<3"],
                "entryPoints": {"console_scripts": {"mcp-server-time": "mcp_server_time:main"}},
                "maintainers": ["Anthropic <support@anthropic.com>"]
            },
            "files": [
                file("mcp_server_time-2025.1.0.dist-info/METADATA", "m"),
                file("mcp_server_time/server.py", "s")
            ]
        });
        let s = normalize(&doc).unwrap();
        let p = surface(&s);
        assert_eq!(p.name, "mcp-server-time");
        assert_eq!(
            p.files.keys().collect::<Vec<_>>(),
            [
                "mcp_server_time.dist-info/METADATA",
                "mcp_server_time/server.py"
            ]
        );
        assert_eq!(
            serde_json::to_value(&p.dependencies).unwrap(),
            json!({"requires-dist": {"mcp": ">=1.0", "pydantic": "<3 || >=2", "tzdata": "*; sys_platform == 'win32'"}})
        );
    }

    #[test]
    fn people_are_name_and_email() {
        let mut doc = npm(
            vec![],
            json!({"maintainers": [{"name": "a", "email": "a@x.io", "url": "https://x.io"}, {"email": "b@x.io"}]}),
        );
        doc["publisher"] = json!({"name": "GitHub Actions", "email": "npm-oidc-no-reply@github.com", "trustedPublisher": {"id": "github"}});
        let s = normalize(&doc).unwrap();
        let p = surface(&s);
        assert_eq!(p.maintainers, ["<b@x.io>", "a <a@x.io>"]);
        assert_eq!(
            p.publisher.as_deref(),
            Some("GitHub Actions <npm-oidc-no-reply@github.com>")
        );
        doc["publisher"] = json!({"url": "https://x.io"});
        assert_eq!(normalize(&doc).unwrap_err().code(), "E_INVALID");
        doc["publisher"] = json!(7);
        assert_eq!(normalize(&doc).unwrap_err().code(), "E_INVALID");
    }

    #[test]
    fn hostile_or_wrong_inputs_are_coded_errors() {
        let bad_paths = ["../etc/passwd", "/abs", "a//b", "a\\b", "", "a/../b"];
        for p in bad_paths {
            let doc = npm(
                vec![json!({"path": p, "sha256": sha256_hex(b""), "size": 0})],
                json!({}),
            );
            assert_eq!(normalize(&doc).unwrap_err().code(), "E_INVALID", "{p}");
        }
        let mut wrong_text = file("a.js", "x");
        wrong_text["text"] = json!("y");
        let doc = npm(vec![wrong_text], json!({}));
        let e = normalize(&doc).unwrap_err();
        assert_eq!(e.code(), "E_INVALID");
        let dup = npm(vec![file("a.js", "x"), file("./a.js", "x")], json!({}));
        assert_eq!(normalize(&dup).unwrap_err().code(), "E_INVALID");
        let mut eco = npm(vec![], json!({}));
        eco["ecosystem"] = json!("cargo");
        assert_eq!(normalize(&eco).unwrap_err().code(), "E_UNSUPPORTED_FORMAT");
        let mut integ = npm(vec![], json!({}));
        integ["integrity"] = json!("md5-xyz");
        assert_eq!(normalize(&integ).unwrap_err().code(), "E_INVALID");
    }

    #[test]
    fn texts_are_outside_the_digest_and_can_be_attached() {
        let with = normalize(&npm(vec![file("a.js", "hello")], json!({}))).unwrap();
        let mut bare = npm(vec![file("a.js", "hello")], json!({}));
        bare["files"][0].as_object_mut().unwrap().remove("text");
        let without = normalize(&bare).unwrap();
        assert_eq!(with.digest(), without.digest());
        assert!(surface(&without).texts.is_empty());
        let back = Snapshot::from_value(&with.to_value().unwrap()).unwrap();
        assert!(surface(&back).texts.is_empty());
        let texts: FileTexts = [("a.js".to_owned(), "hello".to_owned())].into();
        let attached = attach_texts(back, &texts).unwrap();
        assert_eq!(surface(&attached).texts, texts);
        assert_eq!(attached.digest(), with.digest());
        let wrong: FileTexts = [("a.js".to_owned(), "bye".to_owned())].into();
        assert_eq!(
            attach_texts(without.clone(), &wrong).unwrap_err().code(),
            "E_INVALID"
        );
        let missing: FileTexts = [("b.js".to_owned(), "hello".to_owned())].into();
        assert_eq!(
            attach_texts(without, &missing).unwrap_err().code(),
            "E_INVALID"
        );
    }
}
