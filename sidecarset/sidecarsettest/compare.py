#!/usr/bin/env python3
"""Compare injector output with the Kruise oracle's expected output.

usage: compare.py EXPECTED_DIR ACTUAL_DIR [options]

For every EXPECTED_DIR/NAME.json there must be an ACTUAL_DIR/NAME.json. An expected file is
either a pod (what Kruise's webhook made of the case) or a refusal {"error": ..., "stage": ...}.
The rules are those of CONFORMANCE.md next to this file ("Comparing"):

  * the hash annotations are parsed as JSON, and updateTimestamp is left out of each entry
    unless --strict-time;
  * null, {} and [] are dropped everywhere unless --strict-empty;
  * a resourceFieldRef divisor of "0" equals an absent divisor;
  * lists keep their order, maps do not;
  * a refusal matches any refusal unless --error-text / --error-stage ask for more.

Prints PASS/FAIL per case (a few difference lines under each FAIL) and "N passed, M failed";
exits 1 if a case failed. Standard library only.
"""

import argparse
import json
import os
import sys

HASH_KEYS = ("kruise.io/sidecarset-hash", "kruise.io/sidecarset-hash-without-image")
MISSING = object()


def parse_args(argv):
    p = argparse.ArgumentParser(description="Compare actual injector output with Kruise's expected output.")
    p.add_argument("expected", help="directory of expected files (the oracle's output)")
    p.add_argument("actual", help="directory of the implementation's files, same names")
    p.add_argument("--ignore-hashes", action="store_true", help="do not compare the hash values in the hash annotations")
    p.add_argument("--ignore-revision", action="store_true", help="do not compare controllerRevision in the hash annotations")
    p.add_argument("--strict-time", action="store_true", help="compare updateTimestamp in the hash annotations too")
    p.add_argument("--strict-empty", action="store_true", help="keep null, {} and [] values when comparing")
    p.add_argument("--error-text", action="store_true", help="a refusal must carry the same error text")
    p.add_argument("--error-stage", action="store_true", help="a refusal must name the same stage (when the actual one names one)")
    p.add_argument("--max-diff", type=int, default=8, metavar="N", help="difference lines shown per failing case (default 8)")
    p.add_argument("-k", dest="filters", action="append", default=[], metavar="TEXT",
                   help="only cases whose name contains TEXT (repeatable)")
    return p.parse_args(argv)


def is_refusal(doc):
    return isinstance(doc, dict) and "error" in doc and "spec" not in doc


def is_empty(v):
    return v is None or v == {} or v == []


def drop_empty(v):
    """Remove null, {} and [] members, bottom-up (a map emptied this way goes too)."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = drop_empty(x)
            if not is_empty(x):
                out[k] = x
        return out
    if isinstance(v, list):
        return [drop_empty(x) for x in v]
    return v


def drop_zero_divisors(v):
    """A resourceFieldRef whose divisor is "0" means the same as one without a divisor."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "resourceFieldRef" and isinstance(x, dict) and x.get("divisor") in ("0", 0):
                x = {kk: xx for kk, xx in x.items() if kk != "divisor"}
            out[k] = drop_zero_divisors(x)
        return out
    if isinstance(v, list):
        return [drop_zero_divisors(x) for x in v]
    return v


def normalise_hash_annotation(text, opts):
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return text  # compared as the raw string
    if not isinstance(parsed, dict):
        return parsed
    for entry in parsed.values():
        if not isinstance(entry, dict):
            continue
        if not opts.strict_time:
            entry.pop("updateTimestamp", None)
        if opts.ignore_hashes:
            entry.pop("hash", None)
        if opts.ignore_revision:
            entry.pop("controllerRevision", None)
    return parsed


def normalise_pod(doc, opts):
    annotations = (doc.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        for key in HASH_KEYS:
            if key in annotations:
                annotations[key] = normalise_hash_annotation(annotations[key], opts)
    doc = drop_zero_divisors(doc)
    if not opts.strict_empty:
        doc = drop_empty(doc)
    return doc


def names_of(items):
    """The name sequence of a list of named objects, or None if it is not one."""
    if items and all(isinstance(x, dict) and "name" in x for x in items):
        return [x["name"] for x in items]
    return None


def short(v, limit=100):
    s = "<absent>" if v is MISSING else json.dumps(v, sort_keys=True)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def differences(want, got, path, out):
    """Append (path, message) pairs describing how got differs from want."""
    if isinstance(want, dict) and isinstance(got, dict):
        for k in sorted(set(want) | set(got)):
            differences(want.get(k, MISSING), got.get(k, MISSING), path + "." + k, out)
        return
    if isinstance(want, list) and isinstance(got, list):
        wn, gn = names_of(want), names_of(got)
        if wn is not None and gn is not None and wn != gn:
            out.append((path, "names: expected %s, got %s" % (wn, gn)))
            return
        if len(want) != len(got):
            out.append((path, "length: expected %d, got %d" % (len(want), len(got))))
        for i, (w, g) in enumerate(zip(want, got)):
            differences(w, g, "%s[%d]" % (path, i), out)
        return
    if want != got:
        out.append((path, "expected %s, got %s" % (short(want), short(got))))


def compare_case(want, got, opts):
    """Return a list of difference lines; empty when the case passes."""
    if is_refusal(want):
        if not is_refusal(got):
            return ["expected a refusal (%s), got a pod" % short(want.get("error"))]
        lines = []
        if opts.error_text and want.get("error") != got.get("error"):
            lines.append("error: expected %s, got %s" % (short(want.get("error")), short(got.get("error"))))
        if opts.error_stage and got.get("stage") and want.get("stage") != got.get("stage"):
            lines.append("stage: expected %s, got %s" % (short(want.get("stage")), short(got.get("stage"))))
        return lines
    if is_refusal(got):
        return ["expected a pod, got a refusal: %s" % short(got.get("error"), 300)]
    diffs = []
    differences(normalise_pod(want, opts), normalise_pod(got, opts), "", diffs)
    return ["%s: %s" % (p or ".", m) for p, m in diffs]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    opts = parse_args(argv)
    names = sorted(f[: -len(".json")] for f in os.listdir(opts.expected) if f.endswith(".json"))
    if opts.filters:
        names = [n for n in names if any(t in n for t in opts.filters)]
    passed = failed = 0
    for name in names:
        actual_path = os.path.join(opts.actual, name + ".json")
        if not os.path.exists(actual_path):
            lines = ["no output file %s" % actual_path]
        else:
            try:
                lines = compare_case(load(os.path.join(opts.expected, name + ".json")), load(actual_path), opts)
            except ValueError as e:
                lines = ["unreadable JSON: %s" % e]
        if lines:
            failed += 1
            print("FAIL " + name)
            for line in lines[: opts.max_diff]:
                print("    " + line)
            if len(lines) > opts.max_diff:
                print("    ... %d more" % (len(lines) - opts.max_diff))
        else:
            passed += 1
            print("PASS " + name)
    extra = sorted(f for f in os.listdir(opts.actual)
                   if f.endswith(".json") and not os.path.exists(os.path.join(opts.expected, f)))
    if extra and not opts.filters:
        print("note: %d actual file(s) have no expected file: %s" % (len(extra), ", ".join(extra)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
