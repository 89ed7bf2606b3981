//! Package specs: `npm:NAME@RANGE` and `pypi:NAME==VERSION`, written in
//! `driftguard.toml` (`package = "…"`) or read off an MCP server's command line
//! (`npx -y NAME@VER`, `uvx NAME==VER`), so a surface run from a registry package also
//! watches the package that runs.
//!
//! ```
//! use driftguard_core::config::{Ecosystem, PackageSpec};
//! let p = PackageSpec::parse("npm:@scope/server@^1.2").unwrap();
//! assert_eq!((p.ecosystem, p.name.as_str(), p.version.as_str()), (Ecosystem::Npm, "@scope/server", "^1.2"));
//! assert_eq!(p.to_string(), "npm:@scope/server@^1.2");
//! assert_eq!(PackageSpec::parse("pypi:mcp-server-time").unwrap().to_string(), "pypi:mcp-server-time");
//!
//! let argv = ["npx", "-y", "postmark-mcp"].map(String::from);
//! let tied = PackageSpec::from_command(&argv).unwrap();
//! assert_eq!(tied.spec.to_string(), "npm:postmark-mcp@latest");
//! ```

use std::fmt;

/// The registry ecosystem of a package.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// The npm registry (or one speaking its protocol).
    Npm,
    /// The Python Package Index (or an index speaking the simple API).
    Pypi,
}

impl Ecosystem {
    /// `npm` or `pypi`: the spec prefix and the capture document's `ecosystem`.
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
        }
    }
}

/// A package to resolve against a registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSpec {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The name as written (npm: `@scope/name` or `name`; PyPI: the project name).
    pub name: String,
    /// npm: a dist-tag (`latest`), an exact version or a semver range. PyPI: an exact
    /// version, or `latest` (the newest release that is neither yanked nor a
    /// pre-release).
    pub version: String,
}

impl fmt::Display for PackageSpec {
    /// The canonical spelling: `npm:NAME@RANGE`, `pypi:NAME==VERSION`, `pypi:NAME`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ecosystem {
            Ecosystem::Npm => write!(f, "npm:{}@{}", self.name, self.version),
            Ecosystem::Pypi if self.version == "latest" => write!(f, "pypi:{}", self.name),
            Ecosystem::Pypi => write!(f, "pypi:{}=={}", self.name, self.version),
        }
    }
}

/// What a command line runs: the package, and the registry named on the command line
/// (`npx --registry URL`, `uvx --index-url URL`), if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandPackage {
    /// The package the command fetches and runs.
    pub spec: PackageSpec,
    /// The registry or index URL given as an option of the command.
    pub registry: Option<String>,
}

impl PackageSpec {
    /// Parses `npm:NAME[@RANGE]` (range default `latest`) or `pypi:NAME[==VERSION]`.
    /// The error says what is wrong, in one sentence.
    pub fn parse(text: &str) -> Result<PackageSpec, String> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("npm:") {
            let (name, version) = split_npm(rest);
            check_npm_name(name)?;
            let version = version.map_or("latest", str::trim);
            check_version(version)?;
            Ok(PackageSpec {
                ecosystem: Ecosystem::Npm,
                name: name.to_owned(),
                version: version.to_owned(),
            })
        } else if let Some(rest) = text.strip_prefix("pypi:") {
            let (name, version) = match rest.split_once("==") {
                Some((n, v)) => (n.trim(), v.trim()),
                None => (rest.trim(), "latest"),
            };
            check_pypi_name(name)?;
            check_pypi_version(version)?;
            Ok(PackageSpec {
                ecosystem: Ecosystem::Pypi,
                name: name.to_owned(),
                version: version.to_owned(),
            })
        } else {
            Err(format!(
                "{text:?} is not a package spec: write npm:NAME@RANGE (e.g. \"npm:postmark-mcp@1.0.15\") or pypi:NAME==VERSION (e.g. \"pypi:mcp-server-time==2026.10.10\")"
            ))
        }
    }

    /// The package an MCP server command line fetches from a registry and runs:
    /// `npx [options] NAME[@RANGE] [args]` (also `--package NAME`), and
    /// `uvx [options] NAME[==VER|@VER] [args]` (also `--from NAME`, and `uv tool run`).
    /// `None` for any other command, for a package that is a path, URL or git
    /// reference, and for an argument holding a `${VAR}` placeholder.
    pub fn from_command(argv: &[String]) -> Option<CommandPackage> {
        let (program, rest) = argv.split_first()?;
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let base = base
            .strip_suffix(".cmd")
            .or_else(|| base.strip_suffix(".exe"))
            .unwrap_or(base);
        match base {
            "npx" => npx(rest),
            "uvx" => uvx(rest),
            "uv" => match rest {
                [tool, run, tail @ ..] if tool == "tool" && run == "run" => uvx(tail),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `(name, Some(range))` from `NAME@RANGE` / `@scope/NAME@RANGE`.
fn split_npm(text: &str) -> (&str, Option<&str>) {
    let skip = usize::from(text.starts_with('@'));
    match text.get(skip..).and_then(|t| t.find('@')) {
        Some(i) => (&text[..skip + i], Some(&text[skip + i + 1..])),
        None => (text, None),
    }
}

fn npm_part_ok(part: &str) -> bool {
    !part.is_empty()
        && !part.starts_with('.')
        && !part.starts_with('_')
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

fn check_npm_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 214
        && match name.strip_prefix('@') {
            Some(scoped) => {
                matches!(scoped.split_once('/'), Some((s, n)) if npm_part_ok(s) && npm_part_ok(n))
            }
            None => npm_part_ok(name),
        };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an npm package name (letters, digits, `-`, `.`, `_`, `~`, optionally under an @scope/, at most 214 characters)"
        ))
    }
}

fn check_version(version: &str) -> Result<(), String> {
    if version.is_empty() || version.len() > 256 || version.chars().any(char::is_control) {
        return Err(format!(
            "{version:?} is not a version, range or dist-tag (non-empty, at most 256 characters, no control characters)"
        ));
    }
    Ok(())
}

fn check_pypi_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 200
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a PyPI project name (letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit)"
        ))
    }
}

fn check_pypi_version(version: &str) -> Result<(), String> {
    let ok = !version.is_empty()
        && version.len() <= 128
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '!'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{version:?} is not an exact PyPI version (pypi: specs pin one version with `==`, or name none for the latest)"
        ))
    }
}

/// Value of `--opt=value` or `--opt value`; advances `i` past what it used.
fn option_value<'a>(args: &'a [String], i: &mut usize, names: &[&str]) -> Option<Option<&'a str>> {
    let a = args.get(*i)?;
    for n in names {
        if a == n {
            *i += 2;
            return Some(args.get(*i - 1).map(String::as_str));
        }
        if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
            *i += 1;
            return Some(Some(v));
        }
    }
    None
}

/// Past an option the command does not need to understand: `--` ends the options
/// (moves past it, returns false), another `-x` is skipped as a flag without a value
/// (returns true), and anything else is the first positional argument (returns false).
fn skip_flag(args: &[String], i: &mut usize) -> bool {
    match args.get(*i) {
        Some(a) if a == "--" => {
            *i += 1;
            false
        }
        Some(a) if a.starts_with('-') => {
            *i += 1;
            true
        }
        _ => false,
    }
}

fn npx(args: &[String]) -> Option<CommandPackage> {
    let mut registry = None;
    let mut package: Option<&str> = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if let Some(v) = option_value(args, &mut i, &["--package", "-p"]) {
            package = package.or(v);
            continue;
        }
        if let Some(v) = option_value(args, &mut i, &["--registry"]) {
            registry = v.map(str::to_owned);
            continue;
        }
        if a == "-c" || a == "--call" || a.starts_with("--call=") {
            // A shell string runs whatever it says: no package to name.
            return package.and_then(|p| npm_command_spec(p, registry.clone()));
        }
        if skip_flag(args, &mut i) {
            continue;
        }
        break;
    }
    let spec = match package {
        Some(p) => p,
        None => args.get(i)?.as_str(),
    };
    npm_command_spec(spec, registry)
}

fn npm_command_spec(text: &str, registry: Option<String>) -> Option<CommandPackage> {
    if text.contains("${") {
        return None;
    }
    let (name, version) = split_npm(text);
    check_npm_name(name).ok()?;
    let version = version.unwrap_or("latest");
    check_version(version).ok()?;
    Some(CommandPackage {
        spec: PackageSpec {
            ecosystem: Ecosystem::Npm,
            name: name.to_owned(),
            version: version.to_owned(),
        },
        registry,
    })
}

fn uvx(args: &[String]) -> Option<CommandPackage> {
    let mut registry = None;
    let mut from: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        if let Some(v) = option_value(args, &mut i, &["--from"]) {
            from = v;
            continue;
        }
        if let Some(v) = option_value(args, &mut i, &["--index-url", "-i", "--default-index"]) {
            registry = v.map(str::to_owned);
            continue;
        }
        // Options that take a value (the common ones): skip both words.
        if option_value(
            args,
            &mut i,
            &[
                "--with",
                "--python",
                "--index",
                "--extra-index-url",
                "--with-requirements",
                "--directory",
                "--cache-dir",
                "--config-file",
            ],
        )
        .is_some()
        {
            continue;
        }
        if skip_flag(args, &mut i) {
            continue;
        }
        break;
    }
    let text = match from {
        Some(f) => f,
        None => args.get(i)?.as_str(),
    };
    if text.contains("${") {
        return None;
    }
    // `name[extras]==1.0`, `name@1.0`, `name@latest`, `name`.
    let (name, version) = match text.split_once("==") {
        Some((n, v)) => (n, v),
        None => match text.split_once('@') {
            Some((n, v)) => (n, v),
            None => (text, "latest"),
        },
    };
    let name = name.split_once('[').map_or(name, |(n, _)| n).trim();
    check_pypi_name(name).ok()?;
    let version = version.trim();
    check_pypi_version(version).ok()?;
    Some(CommandPackage {
        spec: PackageSpec {
            ecosystem: Ecosystem::Pypi,
            name: name.to_owned(),
            version: version.to_owned(),
        },
        registry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(s: &str) -> Option<(String, Option<String>)> {
        let argv: Vec<String> = s.split(' ').map(String::from).collect();
        PackageSpec::from_command(&argv).map(|c| (c.spec.to_string(), c.registry))
    }

    #[test]
    fn specs_parse_and_print_canonically() {
        for (input, out) in [
            ("npm:postmark-mcp", "npm:postmark-mcp@latest"),
            ("npm:postmark-mcp@1.0.15", "npm:postmark-mcp@1.0.15"),
            (
                "npm:@modelcontextprotocol/server-everything@2026.1.14",
                "npm:@modelcontextprotocol/server-everything@2026.1.14",
            ),
            ("npm:a@>=1.0.0 <2", "npm:a@>=1.0.0 <2"),
            (
                "pypi:mcp-server-time==2026.10.10",
                "pypi:mcp-server-time==2026.10.10",
            ),
            ("pypi:MCP_Server.Time", "pypi:MCP_Server.Time"),
            (" npm:x@next ", "npm:x@next"),
        ] {
            assert_eq!(
                PackageSpec::parse(input).unwrap().to_string(),
                out,
                "{input}"
            );
        }
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        for bad in [
            "postmark-mcp",
            "npm:",
            "npm:@scope",
            "npm:.hidden",
            "npm:a b",
            "npm:x@",
            "npm:../../etc",
            "pypi:",
            "pypi:-x",
            "pypi:x>=1",
            "pypi:x==",
            "pypi:x==1 ; rm",
            "cargo:serde",
        ] {
            assert!(PackageSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn npx_commands_name_their_package() {
        assert_eq!(
            cmd("npx -y postmark-mcp"),
            Some(("npm:postmark-mcp@latest".into(), None))
        );
        assert_eq!(
            cmd("npx --yes @modelcontextprotocol/server-everything@2026.1.14 stdio"),
            Some((
                "npm:@modelcontextprotocol/server-everything@2026.1.14".into(),
                None
            ))
        );
        assert_eq!(
            cmd("/usr/bin/npx -y --registry http://127.0.0.1:4873 mailer-mcp@^1.0"),
            Some((
                "npm:mailer-mcp@^1.0".into(),
                Some("http://127.0.0.1:4873".into())
            ))
        );
        assert_eq!(
            cmd("npx --registry=http://r -y --package=srv@2 srv-bin --flag"),
            Some(("npm:srv@2".into(), Some("http://r".into())))
        );
        assert_eq!(cmd("npx -y ./local/dir"), None);
        assert_eq!(cmd("npx -y github:user/repo"), None);
        assert_eq!(cmd("npx -y https://x/y.tgz"), None);
        assert_eq!(cmd("npx -y ${PKG}"), None);
        assert_eq!(cmd("npx -c echo"), None);
        assert_eq!(cmd("npx"), None);
        assert_eq!(cmd("node server.js"), None);
    }

    #[test]
    fn uvx_commands_name_their_package() {
        assert_eq!(
            cmd("uvx mcp-server-time"),
            Some(("pypi:mcp-server-time".into(), None))
        );
        assert_eq!(
            cmd("uvx mcp-server-time==2026.10.10 --local-timezone UTC"),
            Some(("pypi:mcp-server-time==2026.10.10".into(), None))
        );
        assert_eq!(
            cmd("uvx mcp-server-time@2026.10.10"),
            Some(("pypi:mcp-server-time==2026.10.10".into(), None))
        );
        assert_eq!(
            cmd("uvx mcp-server-time@latest"),
            Some(("pypi:mcp-server-time".into(), None))
        );
        assert_eq!(
            cmd(
                "uvx --python 3.12 --index-url http://127.0.0.1:1/simple --from mcp-server-git[x]==1.2 mcp-git"
            ),
            Some((
                "pypi:mcp-server-git==1.2".into(),
                Some("http://127.0.0.1:1/simple".into())
            ))
        );
        assert_eq!(
            cmd("uv tool run mcp-server-time"),
            Some(("pypi:mcp-server-time".into(), None))
        );
        assert_eq!(cmd("uv run server.py"), None);
        assert_eq!(cmd("uvx git+https://github.com/x/y"), None);
    }
}
