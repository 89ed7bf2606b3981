#!/usr/bin/env python3
"""Summarizes DriftGuard snapshot files for scripts/demo.sh.

For each snapshot: kind, digest and counts. Then, for the pairs the demo story is about
(petstore v1 -> v2, postmark-mcp 1.0.15 -> 1.0.16 -> 1.0.16-poisoned), or for any two
snapshots given alone: whether the digests differ, what parts changed, and with --raw the
raw structural differences as JSON Pointers. Judging the changes (breaking / dangerous /
safe) is the core classifier's job: demo.sh runs `driftguard diff` for that.
"""

import json
import os
import sys

PAIRS = [
    ("petstore-v1", "petstore-v2"),
    ("postmark-mcp-1.0.15", "postmark-mcp-1.0.16"),
    ("postmark-mcp-1.0.16", "postmark-mcp-1.0.16-poisoned"),
]
MAX_DIFF_LINES = 40


def stem(path):
    name = os.path.basename(path)
    return name[: -len(".snapshot.json")] if name.endswith(".snapshot.json") else name


def visible(s, limit=160):
    """A string with every non-printable or non-ASCII character made visible.

    A run of Unicode tag characters (U+E0020..U+E007E, invisible in most interfaces but
    read by models) is shown decoded, as [hidden tag text: "..."].
    """
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        o = ord(ch)
        if 0xE0020 <= o <= 0xE007E:
            j = i
            while j < len(s) and 0xE0020 <= ord(s[j]) <= 0xE007E:
                j += 1
            decoded = "".join(chr(ord(c) - 0xE0000) for c in s[i:j])
            out.append('[hidden tag text: "%s"]' % decoded)
            i = j
            continue
        if ch == "\n":
            out.append("\\n")
        elif ch == "\\":
            out.append("\\\\")
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%x}" % o)
        i += 1
    text = "".join(out)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value):
    if isinstance(value, str):
        return '"' + visible(value) + '"'
    text = json.dumps(value, sort_keys=True, ensure_ascii=True)
    return text if len(text) <= 160 else text[:159] + "…"


def escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def diff(a, b, pointer=""):
    """Yields (pointer, op, before, after) for every difference, depth first."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            p = pointer + "/" + escape(key)
            if key not in b:
                yield p, "removed", a[key], None
            elif key not in a:
                yield p, "added", None, b[key]
            else:
                yield from diff(a[key], b[key], p)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from diff(x, y, pointer + "/" + str(i))
    elif a != b:
        yield pointer, "changed", a, b


def string_change(before, after):
    """For two strings, only the part that differs (common prefix/suffix cut)."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while (
        end < min(len(before), len(after)) - start
        and before[len(before) - 1 - end] == after[len(after) - 1 - end]
    ):
        end += 1
    cut_b = before[start : len(before) - end]
    cut_a = after[start : len(after) - end]
    where = "at character %d" % start
    return where, cut_b, cut_a


def counts(snap):
    kind = snap.get("kind")
    surface = snap.get("surface", {})
    meta = snap.get("meta", {})
    schemas = len(snap.get("schemas", {}))
    if kind == "openapi":
        title = meta.get("title", "?")
        version = meta.get("version", "?")
        return "%s %s: %d operations, %d webhooks, %d shared schemas" % (
            title,
            version,
            len(surface.get("operations", {})),
            len(surface.get("webhooks", {})),
            schemas,
        )
    if kind == "mcp":
        server = surface.get("server", {})
        return "%s %s: %d tools (%s), %d prompts, %d resources, %d resource templates" % (
            server.get("name", "?"),
            server.get("version", "?"),
            len(surface.get("tools", {})),
            ", ".join(sorted(surface.get("tools", {}))),
            len(surface.get("prompts", {})),
            len(surface.get("resources", {})),
            len(surface.get("resourceTemplates", {})),
        )
    return "%d shared schemas" % schemas


def compare(old_name, old, new_name, new, raw):
    print()
    print("%s -> %s" % (old_name, new_name))
    a = {k: v for k, v in old.items() if k not in ("digest", "source")}
    b = {k: v for k, v in new.items() if k not in ("digest", "source")}
    same = old.get("digest") == new.get("digest")
    print("  digests: %s" % ("EQUAL (no change)" if same else "differ"))
    if same:
        return
    if old.get("kind") == "mcp" and new.get("kind") == "mcp":
        sa, sb = old.get("surface", {}), new.get("surface", {})
        same_parts = [
            part
            for part in ("tools", "prompts", "resources", "resourceTemplates")
            if sa.get(part, {}) == sb.get(part, {})
        ]
        changed_parts = [
            part
            for part in ("tools", "prompts", "resources", "resourceTemplates", "server")
            if sa.get(part, {}) != sb.get(part, {})
        ]
        print("  identical: %s" % (", ".join(same_parts) or "nothing"))
        print("  changed:   %s" % (", ".join(changed_parts) or "nothing"))
    changes = list(diff(a, b))
    if changes and all(p.endswith("/version") for p, _, _, _ in changes):
        print(
            "  => same catalog, new version. This is all a catalog watcher could see of the\n"
            "     postmark-mcp 1.0.16 backdoor (the BCC was in the code, not in the tools):\n"
            "     a version bump with identical tools is itself a signal, and DriftGuard's\n"
            "     `package` capture pins the code behind the catalog."
        )
    if not raw:
        print("  %d raw difference(s) in the snapshot JSON (--raw lists them)" % len(changes))
        return
    print("  %d raw difference(s):" % len(changes))
    for i, (pointer, op, before, after) in enumerate(changes):
        if i == MAX_DIFF_LINES:
            print("    … %d more" % (len(changes) - MAX_DIFF_LINES))
            break
        if op == "added":
            print("    + %s = %s" % (pointer, show(after)))
        elif op == "removed":
            print("    - %s (was %s)" % (pointer, show(before)))
        elif isinstance(before, str) and isinstance(after, str):
            where, cut_b, cut_a = string_change(before, after)
            if len(before) + len(after) <= 80:
                print("    ~ %s: %s -> %s" % (pointer, show(before), show(after)))
            else:
                print("    ~ %s: text changed %s" % (pointer, where))
                if cut_b:
                    print("        removed: \"%s\"" % visible(cut_b, 600))
                if cut_a:
                    print("        added:   \"%s\"" % visible(cut_a, 600))
        else:
            print("    ~ %s: %s -> %s" % (pointer, show(before), show(after)))


def main(paths, raw):
    snaps = {}
    order = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            snap = json.load(f)
        name = stem(path)
        snaps[name] = snap
        order.append(name)
    width = max(len(n) for n in order)
    print()
    print("%-*s  %-8s  %-71s  %s" % (width, "contract", "kind", "digest", "contents"))
    for name in order:
        snap = snaps[name]
        print(
            "%-*s  %-8s  %-71s  %s"
            % (width, name, snap.get("kind", "?"), snap.get("digest", "?"), counts(snap))
        )
    pairs = [(a, b) for a, b in PAIRS if a in snaps and b in snaps]
    if not pairs and len(order) == 2:
        pairs = [(order[0], order[1])]
    for a, b in pairs:
        compare(a, snaps[a], b, snaps[b], raw)


if __name__ == "__main__":
    args = sys.argv[1:]
    raw = "--raw" in args
    args = [a for a in args if a != "--raw"]
    if not args:
        sys.exit("usage: demo_summary.py [--raw] SNAPSHOT.json...")
    main(args, raw)
