#!/usr/bin/env python3
"""Compares what DriftGuard and oasdiff found on the same OpenAPI pair, per topic.

    scripts/compare_oasdiff.py DRIFTGUARD.json OASDIFF_BREAKING.json [--changelog OASDIFF_CHANGELOG.json]

DRIFTGUARD.json is `driftguard diff OLD NEW --format json`; OASDIFF_BREAKING.json is
`oasdiff breaking OLD NEW --format json` (levels ERR=3 and WARN=2); the optional
changelog is `oasdiff changelog OLD NEW --format json` (INFO=1 too). Both tools' rule ids
are mapped into the same topics (removed operations, removed / required properties in
requests vs responses, enum changes, type changes, nullability, parameters), and the
counts are printed side by side; then, per topic, a few operations where only one tool
reported something, with its message. Counting units differ a little (DriftGuard
reports a change once per location that reaches it, e.g. per response status and media
type; oasdiff once per operation and status), so compare orders of magnitude and the
disagreement examples rather than exact equality. Run by `scripts/bench.sh oasdiff`.
"""

import argparse
import json
import re
import sys
from collections import defaultdict

# Each topic: (name, DriftGuard predicate on (rule, position), oasdiff predicate on id).
OURS_REMOVED_OP = {"operation-removed"}


def ours_topic(rule, position):
    """The topics a DriftGuard change counts in (position: input/output/surface)."""
    side = {"input": "request", "output": "response"}.get(position)
    topics = []
    if rule in OURS_REMOVED_OP:
        topics.append("operation removed")
    if side and rule == "property-removed":
        topics.append(f"property removed ({side})")
    if side and rule in ("property-became-required", "property-added-required"):
        topics.append(f"property required: became/added ({side})")
    if side and rule == "property-became-optional":
        topics.append(f"property became optional ({side})")
    if side and rule in ("enum-value-added",):
        topics.append(f"enum value added ({side})")
    if side and rule in ("enum-value-removed", "enum-added"):
        topics.append(f"enum value removed / became enum ({side})")
    if side and rule in ("type-changed", "type-narrowed", "type-widened"):
        topics.append(f"type changed ({side})")
    if side and rule in ("nullable-added", "nullable-removed"):
        topics.append(f"nullability changed ({side})")
    if rule == "parameter-removed":
        topics.append("parameter removed")
    if rule in ("parameter-added-required", "parameter-became-required"):
        topics.append("parameter required: added/became")
    return topics


def theirs_topic(rule_id):
    """The topics an oasdiff rule id counts in."""
    topics = []
    side = (
        "request"
        if rule_id.startswith("request-") or rule_id.startswith("new-required-request")
        else "response"
        if rule_id.startswith("response-")
        else None
    )
    if re.match(r"^api-(path-)?removed-", rule_id):
        topics.append("operation removed")
    if side and re.search(r"-property-removed$", rule_id) and "parameter" not in rule_id:
        topics.append(f"property removed ({side})")
    if side and (
        re.search(r"property-became-required", rule_id)
        or rule_id.startswith("new-required-request-property")
        or re.search(r"^response-required(-write-only)?-property-added$", rule_id)
    ):
        topics.append(f"property required: became/added ({side})")
    if side and re.search(r"property-became-optional$", rule_id):
        topics.append(f"property became optional ({side})")
    if side and re.search(r"enum-value-added$", rule_id) and "parameter" not in rule_id:
        topics.append(f"enum value added ({side})")
    if side and (
        (re.search(r"enum-value-removed$", rule_id) or re.search(r"became-enum$", rule_id))
        and "parameter" not in rule_id
    ):
        topics.append(f"enum value removed / became enum ({side})")
    if side and re.search(r"-type-changed$", rule_id) and "parameter" not in rule_id:
        topics.append(f"type changed ({side})")
    if side and re.search(r"-became-(not-)?nullable$", rule_id) and "parameter" not in rule_id:
        topics.append(f"nullability changed ({side})")
    # Parameter schemas are request-side schema topics for DriftGuard (a parameter's
    # schema is judged in input position); count oasdiff's parameter variants there too.
    if rule_id.startswith("request-parameter-"):
        if re.search(r"enum-value-added$", rule_id):
            topics.append("enum value added (request)")
        if re.search(r"enum-value-removed$", rule_id) or rule_id.endswith("became-enum"):
            topics.append("enum value removed / became enum (request)")
        if rule_id.endswith("type-changed"):
            topics.append("type changed (request)")
        if re.search(r"became-(not-)?nullable$", rule_id):
            topics.append("nullability changed (request)")
    if rule_id == "request-parameter-removed":
        topics.append("parameter removed")
    if rule_id in ("new-required-request-parameter", "request-parameter-became-required"):
        topics.append("parameter required: added/became")
    return topics


TOPICS = [
    "operation removed",
    "property removed (request)",
    "property removed (response)",
    "property required: became/added (request)",
    "property required: became/added (response)",
    "property became optional (request)",
    "property became optional (response)",
    "enum value added (request)",
    "enum value added (response)",
    "enum value removed / became enum (request)",
    "enum value removed / became enum (response)",
    "type changed (request)",
    "type changed (response)",
    "nullability changed (request)",
    "nullability changed (response)",
    "parameter removed",
    "parameter required: added/became",
]


def op_of_ours(change):
    """`METHOD /path` of a DriftGuard change (the first segment of its human path)."""
    return change["path"].split(" \u203a ")[0]


def op_of_theirs(item):
    return f"{item.get('operation', '')} {item.get('path', '')}".strip()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def tally_ours(report):
    all_ = defaultdict(int)
    breaking = defaultdict(int)
    by_op = defaultdict(lambda: defaultdict(list))
    for c in report["changes"]:
        for t in ours_topic(c["rule"], c["position"]):
            all_[t] += 1
            if c["severity"] == "breaking":
                breaking[t] += 1
            by_op[t][op_of_ours(c)].append(f"[{c['severity']}] {c['rule']}: {c['path']}")
    return all_, breaking, by_op


def tally_theirs(items):
    counts = defaultdict(int)
    by_op = defaultdict(lambda: defaultdict(list))
    unmapped = defaultdict(int)
    for it in items:
        topics = theirs_topic(it["id"])
        if not topics:
            unmapped[it["id"]] += 1
        for t in topics:
            counts[t] += 1
            by_op[t][op_of_theirs(it)].append(f"[{it['id']}] {it.get('text', '')}")
    return counts, by_op, unmapped


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("driftguard")
    ap.add_argument("oasdiff_breaking")
    ap.add_argument("--changelog", help="oasdiff changelog --format json (all levels)")
    ap.add_argument("--examples", type=int, default=2, help="disagreements shown per topic and side")
    args = ap.parse_args()

    ours_all, ours_breaking, ours_ops = tally_ours(load(args.driftguard))
    theirs_items = load(args.oasdiff_breaking)
    theirs, theirs_ops, unmapped = tally_theirs(theirs_items)
    changelog = None
    if args.changelog:
        changelog, changelog_ops, _ = tally_theirs(load(args.changelog))

    ours_total = len(load(args.driftguard)["changes"])
    print(f"driftguard: {ours_total} changes; oasdiff breaking: {len(theirs_items)} items"
          + (f"; oasdiff changelog: {sum(1 for _ in load(args.changelog))} items" if changelog is not None else ""))
    print()
    head = f"| {'topic':<45} | {'dg all':>7} | {'dg breaking':>11} | {'oasdiff breaking':>16} |"
    if changelog is not None:
        head += f" {'oasdiff changelog':>17} |"
    print(head)
    print("|" + "|".join("-" * (len(c) ) for c in head.split("|")[1:-1]) + "|")
    for t in TOPICS:
        line = f"| {t:<45} | {ours_all.get(t, 0):>7} | {ours_breaking.get(t, 0):>11} | {theirs.get(t, 0):>16} |"
        if changelog is not None:
            line += f" {changelog.get(t, 0):>17} |"
        print(line)
    print()
    print("dg = DriftGuard (standard profile). oasdiff breaking = its ERR + WARN levels;")
    print("changelog adds INFO. Units differ (see the script's doc), so read magnitudes.")

    # Disagreements: operations where only one side reported the topic. For oasdiff use
    # the changelog when given (so an INFO-level finding is not called a miss).
    other_ops = changelog_ops if changelog is not None else theirs_ops
    print()
    print("## Where they disagree (operations where only one tool reported the topic)")
    for t in TOPICS:
        ours_only = sorted(set(ours_ops[t]) - set(other_ops[t]))
        theirs_only = sorted(set(other_ops[t]) - set(ours_ops[t]))
        if not ours_only and not theirs_only:
            continue
        print(f"\n### {t}: {len(ours_only)} operation(s) only DriftGuard, {len(theirs_only)} only oasdiff")
        for op in ours_only[: args.examples]:
            print(f"  only DriftGuard  {op}: {ours_ops[t][op][0][:220]}")
        for op in theirs_only[: args.examples]:
            print(f"  only oasdiff     {op}: {other_ops[t][op][0][:220]}")
    if unmapped:
        print()
        print("oasdiff breaking ids outside these topics: "
              + ", ".join(f"{k} {v}" for k, v in sorted(unmapped.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
