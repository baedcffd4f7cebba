#!/usr/bin/env bash
# Runs Kruise conformance cases through `sidecarctl inject`, the way a user would: the case's
# pod with -f, its Namespaces, ConfigMaps, ControllerRevisions and SidecarSets (in order) with
# --from, its feature gates and flags; then compares the results with compare.py (next to this
# script; CONFORMANCE.md describes the corpus layout and the comparison).
# usage: run-conformance.sh SIDECARCTL [CONFORMANCE_DIR] [compare.py options]
# CONFORMANCE_DIR holds cases/ and expected/ (Kruise v1.8's outputs), and optionally
# expected-vX/ with release X's outputs, run with --kruise-version X --kruise-exact; it
# defaults to the corpus in the repository, sidecarset/sidecarsettest/testdata. The last line
# sums up every release; the exit status is 1 when a case of any release failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1; shift
dir=$here/testdata
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then dir=$1; shift; fi
for sub in cases expected; do
  [ -d "$dir/$sub" ] || { echo "run-conformance.sh: $dir/$sub: no such directory" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for case in "$dir"/cases/*.json; do
  name=$(basename "$case" .json)
  python3 - "$case" "$work/$name" <<'PY'
import json, sys
case, out = json.load(open(sys.argv[1])), sys.argv[2]
json.dump(case["pod"], open(out + ".pod.json", "w"))
with open(out + ".state.json", "w") as f:
    for key in ("namespaces", "configMaps", "controllerRevisions", "sidecarSets"):
        for obj in case.get(key) or []:
            f.write(json.dumps(obj) + "\n")
args = []
gates = case.get("featureGates") or {}
if gates:
    args.append("--feature-gates=" + ",".join("%s=%s" % (k, str(v).lower()) for k, v in sorted(gates.items())))
if case.get("allowPrivileged") is False:
    args.append("--allow-privileged=false")
if case.get("sidecarSetMutatingWebhook") is False:
    args.append("--skip-sidecarset-defaulting")
if case.get("sidecarSetValidatingWebhook") is False:
    args.append("--skip-sidecarset-validation")
if case.get("sidecarSetController"):
    args.append("--record-revisions")
if case.get("operation", "CREATE") != "CREATE":
    args.append("--operation=" + case["operation"])
open(out + ".args", "w").write("\n".join(args))
PY
done
status=0
summary=()
for expected in "$dir"/expected "$dir"/expected-v*; do
  [ -d "$expected" ] || continue
  release=${expected##*/expected}; release=${release#-v}
  version=(); label="Kruise v1.8"
  if [ -n "$release" ]; then version=(--kruise-version "$release" --kruise-exact); label="Kruise v$release"; fi
  actual=$work/actual${release:+-$release}
  mkdir -p "$actual"
  for want in "$expected"/*.json; do
    name=$(basename "$want" .json)
    [ -f "$work/$name.args" ] || continue
    mapfile -t extra < "$work/$name.args"
    if ! "$bin" inject -q -o json -f "$work/$name.pod.json" --from "$work/$name.state.json" "${version[@]}" "${extra[@]}" \
        >"$actual/$name.json" 2>"$work/$name.err"; then
      python3 -c 'import json,sys; print(json.dumps({"error": open(sys.argv[1]).read().strip()}))' "$work/$name.err" >"$actual/$name.json"
    fi
  done
  echo "== $label (${expected##*/})"
  if python3 "$here/compare.py" "$expected" "$actual" "$@" | tee "$work/compare.out"; then :; else status=1; fi
  summary+=("$label: $(tail -n 1 "$work/compare.out")")
done
(IFS=';'; echo "summary: ${summary[*]}" | sed 's/;/; /g')
exit $status
