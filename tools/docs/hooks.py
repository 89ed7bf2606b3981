"""MkDocs hooks of the DriftGuard site (mkdocs.yml `hooks:`).

* Pages that live beside the code they specify (the snapshot, report, MCP capture and
  package capture formats in ``conformance/``) are included as ``formats/*.md``; their
  relative links to files that are not pages of the site (JSON Schemas, fixtures) become
  the file's repository path in code font, so ``--strict`` still checks every other link.
* Pages written on other branches (``PENDING_PAGES``) get a placeholder while they are
  missing here, so the navigation and the links to them are checked now; the real page
  replaces the placeholder as soon as it exists.
* The external-link policy: CI has no network, so external links are never fetched.
  They must use ``https://`` (``http://`` only for loopback addresses in examples), and
  every external link is listed in ``external-links.txt`` in the built site, so a person
  (or a job with network) can check them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath
from typing import Any

from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.plugins.driftguard")

ROOT = Path(__file__).resolve().parents[2]

# site path → repository path
INCLUDED = {
    "formats/snapshot.md": "conformance/SNAPSHOT.md",
    "formats/report.md": "conformance/REPORT.md",
    "formats/mcp-capture.md": "conformance/MCP_CAPTURE.md",
    "formats/package-capture.md": "conformance/PACKAGE_CAPTURE.md",
}

# Pages owned by other work in progress: site path → title of the placeholder.
PENDING_PAGES = {
    "watch.md": "Watching: driftguard watch",
    "packages.md": "Package surfaces",
    "scale-out.md": "Scale-out: several watchers on one PostgreSQL store",
    "benchmarks.md": "Benchmarks",
}

LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)(\s+\"[^\"]*\")?\)")
# Links only (Markdown links and autolinks), outside code: URLs inside code blocks are
# data (e.g. a "$schema" in an example), not links.
EXTERNAL = re.compile(r"(?:\]\(|<)((https?)://[^\s)>]+)")
CODE = re.compile(r"^```.*?^```|`[^`\n]*`", re.DOTALL | re.MULTILINE)
LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?(/|$)")

_external: set[str] = set()


def on_files(files: Files, config: Any) -> Files:
    for site_path, repo_path in INCLUDED.items():
        files.append(File.generated(config, site_path, abs_src_path=str(ROOT / repo_path)))
    for site_path, title in PENDING_PAGES.items():
        if files.get_file_from_path(site_path) is None:
            log.info("placeholder for %s (written on another branch)", site_path)
            files.append(
                File.generated(
                    config,
                    site_path,
                    content=f"# {title}\n\nThis page is not part of this build yet.\n",
                )
            )
    return files


def _rewrite_repo_links(markdown: str, repo_path: str, files: Files) -> str:
    base = PurePosixPath(repo_path).parent

    def replace(m: re.Match[str]) -> str:
        text, target = m.group(1), m.group(2)
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        path, _, anchor = target.partition("#")
        resolved = PurePosixPath(*(base / path).parts)
        parts: list[str] = []
        for p in resolved.parts:
            if p == "..":
                if parts:
                    parts.pop()
            elif p != ".":
                parts.append(p)
        repo_target = "/".join(parts)
        # A link to another included page: point at its site path.
        for site_path, included in INCLUDED.items():
            if included == repo_target:
                rel = PurePosixPath(site_path).name
                return f"{text}({rel}{'#' + anchor if anchor else ''})"
        if repo_target.startswith("docs/") and files.get_file_from_path(repo_target[5:]):
            return f"{text}(../{repo_target[5:]}{'#' + anchor if anchor else ''})"
        label = text[1:-1]
        return f"{label} (`{repo_target}` in the repository)"

    return LINK.sub(replace, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    src = page.file.src_uri
    if src in INCLUDED:
        markdown = _rewrite_repo_links(markdown, INCLUDED[src], files)
    for m in EXTERNAL.finditer(CODE.sub("", markdown)):
        url = m.group(1)
        if m.group(2) == "http" and not LOOPBACK.match(url):
            log.warning(
                "%s: external link %s uses http://; use https:// (http only for loopback)",
                src,
                url,
            )
        _external.add(url)
    return markdown


def on_post_build(config: Any) -> None:
    out = Path(config["site_dir"]) / "external-links.txt"
    out.write_text(
        "# External links in the documentation (never fetched by CI; no network there).\n"
        + "".join(f"{u}\n" for u in sorted(_external)),
        encoding="utf-8",
    )
