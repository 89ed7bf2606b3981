//! Surface of a published package (npm tarball, Python wheel or sdist): what actually
//! runs when an agent starts `npx -y NAME` or `uvx NAME`.
//!
//! The snapshot keeps the package's identity (ecosystem, name, version, integrity), the
//! parts of its manifest that decide what runs (install hooks, dependencies, entry
//! points) and who publishes it (maintainers, publisher), and one `sha256` + size per
//! file. The **text** of files is not part of the snapshot (a lock file must not grow
//! with the package's source): it rides beside the surface in memory
//! ([`PackageSurface::texts`]), from the capture document or
//! [`crate::normalize::package::attach_texts`], and is what the code heuristics diff.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One file of the package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFile {
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The text of some of the package's files, by path. Never serialized: it is the input
/// of the code review, not part of the snapshot.
pub type FileTexts = BTreeMap<String, String>;

/// The surface of a `package` snapshot.
///
/// Equality ignores [`PackageSurface::texts`]: two surfaces with the same serialized
/// form (and so the same digest) are equal whatever texts ride along.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSurface {
    /// Dependency group (`dependencies`, `optionalDependencies`, `peerDependencies`,
    /// `requires-dist`) → package name → version specification.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependencies: BTreeMap<String, BTreeMap<String, String>>,
    /// `npm` or `pypi`.
    pub ecosystem: String,
    /// What a user or a tool starts: npm `bin` (name → path), `main`, `exports`; PyPI
    /// entry point groups (`console_scripts` …, name → `module:attr`). Canonical JSON.
    #[serde(
        rename = "entryPoints",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub entry_points: BTreeMap<String, Value>,
    /// Every file by its path inside the package (forward slashes, no `package/` or
    /// `NAME-VERSION/` prefix, version-free `.dist-info`/`.data` directory names).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, PackageFile>,
    /// Hooks that run when the package is installed (npm `preinstall`, `install`,
    /// `postinstall`, `prepare`…; an implicit `node-gyp rebuild` when a `binding.gyp`
    /// ships without an install hook), name → command.
    #[serde(
        rename = "installScripts",
        default,
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub install_scripts: BTreeMap<String, String>,
    /// The artifact's integrity as the registry states it: npm `dist.integrity`
    /// (`sha512-<base64>`), PyPI `sha256:<hex>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// Maintainers (`name <email>` or `name`), sorted, without duplicates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<String>,
    /// The package name (npm names verbatim, PyPI names normalized per PEP 503).
    pub name: String,
    /// Who published this version (npm `_npmUser`), `name <email>` or `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The version.
    pub version: String,
    /// The text of files, by path, for the code review; not serialized.
    #[serde(skip)]
    pub texts: FileTexts,
}

impl PartialEq for PackageSurface {
    fn eq(&self, other: &Self) -> bool {
        // Everything but `texts`, which is not part of the snapshot.
        self.dependencies == other.dependencies
            && self.ecosystem == other.ecosystem
            && self.entry_points == other.entry_points
            && self.files == other.files
            && self.install_scripts == other.install_scripts
            && self.integrity == other.integrity
            && self.maintainers == other.maintainers
            && self.name == other.name
            && self.publisher == other.publisher
            && self.version == other.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::assert_canonical;

    #[test]
    fn fields_are_sorted_and_texts_are_not_serialized() {
        let s = PackageSurface {
            dependencies: [("dependencies".into(), [("a".into(), "^1".into())].into())].into(),
            ecosystem: "npm".into(),
            entry_points: [("main".into(), Value::String("index.js".into()))].into(),
            files: [(
                "index.js".into(),
                PackageFile {
                    sha256: "00".into(),
                    size: 1,
                },
            )]
            .into(),
            install_scripts: [("postinstall".into(), "node x".into())].into(),
            integrity: Some("sha512-x".into()),
            maintainers: vec!["a".into()],
            name: "n".into(),
            publisher: Some("p".into()),
            version: "1.0.0".into(),
            texts: [("index.js".into(), "x".into())].into(),
        };
        assert_canonical(&s);
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("texts"), "{json}");
        let mut other = s.clone();
        other.texts.clear();
        assert_eq!(s, other);
    }
}
