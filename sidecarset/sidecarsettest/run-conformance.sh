#!/usr/bin/env bash
# Runs Kruise conformance cases through `sidecarctl inject`, the way a user would: the case's
# pod with -f, its Namespaces, ConfigMaps, ControllerRevisions and SidecarSets (in order) with
# --from, its feature gates and flags; then compares the results with compare.py (next to this
# script; CONFORMANCE.md describes the corpus layout and the comparison).
# usage: run-conformance.sh SIDECARCTL [CONFORMANCE_DIR] [--kruise-version V] [compare.py options]
# CONFORMANCE_DIR holds cases/ and expected/; it defaults to the corpus in the repository,
# sidecarset/sidecarsettest/testdata. --kruise-version V (default 1.8) runs sidecarctl as that
# Kruise release and compares with CONFORMANCE_DIR/expected-vV (expected/ for 1.8).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1; shift
dir=$here/testdata
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then dir=$1; shift; fi
kruise=1.8
opts=()
while [ $# -gt 0 ]; do
  case $1 in
    --kruise-version) kruise=$2; shift 2 ;;
    --kruise-version=*) kruise=${1#*=}; shift ;;
    *) opts+=("$1"); shift ;;
  esac
done
expected=expected
[ "$kruise" = 1.8 ] || expected=expected-v$kruise
for sub in cases "$expected"; do
  [ -d "$dir/$sub" ] || { echo "run-conformance.sh: $dir/$sub: no such directory" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/actual"
for case in "$dir"/cases/*.json; do
  name=$(basename "$case" .json)
  # A case the release cannot run (e.g. a feature gate it lacks) has no expected file.
  [ -f "$dir/$expected/$name.json" ] || continue
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
  mapfile -t extra < "$work/$name.args"
  if ! "$bin" inject -q -o json -f "$work/$name.pod.json" --from "$work/$name.state.json" --kruise-version "$kruise" "${extra[@]}" \
      >"$work/actual/$name.json" 2>"$work/$name.err"; then
    python3 -c 'import json,sys; print(json.dumps({"error": open(sys.argv[1]).read().strip()}))' "$work/$name.err" >"$work/actual/$name.json"
  fi
done
python3 "$here/compare.py" "$dir/$expected" "$work/actual" ${opts[@]+"${opts[@]}"}
